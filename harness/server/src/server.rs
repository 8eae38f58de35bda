//! Starting and stopping the mock origins: three listeners and the routing proxy on one tokio runtime
//! (or on threads of their own).

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use corsproof_behaviour::{Behaviour, Listener, NamedOrigin};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio_rustls::TlsAcceptor;

use crate::connections::{self, Connection, Connections};
use crate::h1;
use crate::handler::{self, QueryCache, State};
use crate::journal::{self, Journal};
use crate::journal_access::JournalAccess;
use crate::proxy::{Proxy, Routes};
use crate::target::TargetServer;
use crate::tls::{self, Certificates, TlsError};
use crate::wire::WireBehaviour;

/// Where the listeners bind. Port 0 picks a free port, so tests can run in parallel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ports {
    /// The first plain HTTP port.
    pub http_a: u16,
    /// The second plain HTTP port.
    pub http_b: u16,
    /// The HTTPS port (HTTP/2 and HTTP/1.1).
    pub https: u16,
    /// The routing proxy's port (see [`MockServer::proxy_addr`]).
    pub proxy: u16,
}

impl Ports {
    fn of(&self, listener: Listener) -> u16 {
        match listener {
            Listener::HttpA => self.http_a,
            Listener::HttpB => self.http_b,
            Listener::Https => self.https,
        }
    }
}

/// How much a client may ask of the server before it is cut off. Each limit keeps memory bounded
/// or keeps a misbehaving client from holding the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Open connections across all listeners and the proxy. When all are open, a new connection
    /// takes the place of the one that has waited longest for a request head (idle between
    /// requests, in a TLS handshake, or sending its head slowly), which is closed; only when
    /// every one is busy answering is the new connection closed at once.
    pub max_connections: usize,
    /// The bytes of one request head (HTTP/1) or header list (HTTP/2).
    pub max_header_bytes: usize,
    /// How long a client may take to send an HTTP/1 request head, counted from when the server is
    /// ready for it: the idle time of a keep-alive connection between requests counts too. (An
    /// idle HTTP/2 connection has no timeout; it is shed first when the connections run out.)
    pub header_read_timeout: Duration,
    /// How long a TLS handshake may take.
    pub tls_handshake_timeout: Duration,
    /// Concurrent HTTP/2 streams per connection.
    pub max_concurrent_streams: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 4096,
            max_header_bytes: 64 * 1024,
            header_read_timeout: Duration::from_secs(10),
            tls_handshake_timeout: Duration::from_secs(10),
            max_concurrent_streams: 256,
        }
    }
}

/// How to start a [`MockServer`].
///
/// ```
/// use corsproof_server::{Limits, MockServer, ServerConfig};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let server = MockServer::start(ServerConfig::default()).await.unwrap();
/// assert!(server.origin("api").unwrap().url().starts_with("http://api.test:"));
/// server.shutdown().await;
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The address every listener binds (loopback unless you need another machine to reach it).
    pub bind: IpAddr,
    /// The ports, 0 for any free one.
    pub ports: Ports,
    /// Connection and request limits.
    pub limits: Limits,
    /// How many journal entries are kept.
    pub journal_capacity: usize,
    /// How many bytes the journal may hold (64 MiB by default), a tenth of them for requests
    /// without a token: past it the tokens written to longest ago are forgotten, each whole.
    pub journal_max_bytes: usize,
    /// Whether `GET /_journal/<token>` answers (on by default). The page script reads its own
    /// requests there during a run; a long-lived server others can reach should not hand out the
    /// headers it received (cookies, `Authorization`), so `corsproof serve` turns it off unless
    /// asked. Either way no other origin's page can read it.
    pub journal_over_http: bool,
    /// 0 serves on the caller's tokio runtime (what tests want). N > 0 serves on N threads of
    /// the server's own, each a single-threaded runtime accepting on every listener: one event
    /// loop per core, as nginx does, which spares the cross-thread wake-ups of a work-stealing
    /// runtime (`corsproof serve` uses one per core).
    pub threads: usize,
    /// Page origins a user chose (`https://app.example.com`), answered through the routing
    /// proxy as the listener of their scheme.
    pub pages: Vec<PageHost>,
    /// Your own server (`--target`): the routing proxy passes requests for it on and journals
    /// each exchange under [`TARGET_TOKEN`](crate::TARGET_TOKEN).
    pub target: Option<TargetServer>,
}

/// A page origin a user chose (`https://app.example.com`, so that their server's real
/// allow-list applies): nothing listens on its port, so the server answers it through the
/// routing proxy as its listener of the same scheme, and its host name joins the certificate and
/// [`MockServer::host_names`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageHost {
    /// The host name, in lower case.
    pub host: String,
    /// The port the page's URL names (443 for `https://app.example.com`).
    pub port: u16,
    /// Whether it is an `https://` origin.
    pub secure: bool,
}

impl PageHost {
    /// The listener that answers it: the TLS one for `https://`, the first plain one otherwise.
    pub(crate) fn listener(&self) -> Listener {
        if self.secure { Listener::Https } else { Listener::HttpA }
    }
}

impl fmt::Display for PageHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.secure { "https" } else { "http" };
        write!(f, "{scheme}://{}:{}", self.host, self.port)
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            ports: Ports::default(),
            limits: Limits::default(),
            journal_capacity: journal::DEFAULT_CAPACITY,
            journal_max_bytes: journal::DEFAULT_MAX_BYTES,
            journal_over_http: true,
            threads: 0,
            pages: Vec::new(),
            target: None,
        }
    }
}

/// The server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A listener could not bind.
    #[error("cannot listen on {addr} for {listener}: {source}")]
    Bind {
        /// The listener.
        listener: Listener,
        /// The address it tried.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The proxy listener could not bind.
    #[error("cannot listen on {addr} for the proxy: {source}")]
    BindProxy {
        /// The address it tried.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The certificate could not be made.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The serving threads could not start.
    #[error("cannot start the serving threads: {0}")]
    Threads(std::io::Error),
}

/// A running set of mock origins. Dropping it stops the listeners; [`shutdown`](Self::shutdown)
/// also waits for them.
#[derive(Debug)]
pub struct MockServer {
    state: Arc<State>,
    addrs: HashMap<Listener, SocketAddr>,
    proxy_addr: SocketAddr,
    host_names: Vec<String>,
    /// Whether some of what it serves is reachable through its proxy only.
    proxy_only_routes: bool,
    certificates: Certificates,
    connections: Arc<Connections>,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// With threads of its own: closes (yields `None`) when every thread has ended.
    threads_done: Option<mpsc::Receiver<()>>,
}

impl MockServer {
    /// Binds the listeners and starts serving on the current tokio runtime.
    pub async fn start(config: ServerConfig) -> Result<Self, StartError> {
        let mut host_names = corsproof_behaviour::host_names();
        host_names.push(config.bind.to_string());
        host_names.extend(config.pages.iter().map(|page| page.host.clone()));
        // The proxy is the end of your server's URL when your server listens elsewhere.
        host_names.extend(
            config.target.iter().filter(|target| target.address.is_some()).map(|target| target.host.clone()),
        );
        host_names.sort();
        host_names.dedup();
        let certificates = Certificates::generate(&host_names)?;
        let tls = TlsAcceptor::from(certificates.server_config()?);

        let mut sockets = Vec::new();
        for listener in Listener::ALL {
            let addr = SocketAddr::new(config.bind, config.ports.of(listener));
            let bind_error = |source| StartError::Bind { listener, addr, source };
            let socket = TcpListener::bind(addr).await.map_err(bind_error)?;
            let local = socket.local_addr().map_err(bind_error)?;
            sockets.push((listener, socket, local));
        }
        let addrs: HashMap<Listener, SocketAddr> = sockets.iter().map(|(l, _, a)| (*l, *a)).collect();
        let proxy_addr = SocketAddr::new(config.bind, config.ports.proxy);
        let bind_error = |source| StartError::BindProxy { addr: proxy_addr, source };
        let proxy_socket = TcpListener::bind(proxy_addr).await.map_err(bind_error)?;
        let proxy_addr = proxy_socket.local_addr().map_err(bind_error)?;

        let origins = NamedOrigin::table(|listener| addrs[&listener].port());
        let journal_access = JournalAccess::of(config.journal_over_http);
        let state = Arc::new(State {
            journal: Journal::new(config.journal_capacity, config.journal_max_bytes),
            page: handler::page_html(&journal_access),
            journal_access,
            scripts: RwLock::new(HashMap::new()),
            origins,
            parsed_queries: QueryCache::default(),
        });

        let proxy = Proxy::new(
            &config.limits,
            Routes::new(
                config.bind,
                Listener::ALL.map(|l| (l, addrs[&l].port())),
                &config.pages,
                config.target.clone(),
            ),
            TlsAcceptor::from(certificates.proxy_config()?),
        );
        let sockets: Vec<(Role, TcpListener)> = sockets
            .into_iter()
            .map(|(listener, socket, _)| (Role::Origin(listener), socket))
            .chain([(Role::Proxy(proxy), proxy_socket)])
            .collect();

        let (stop, stopped) = watch::channel(false);
        let connections = Connections::new(config.limits.max_connections);
        let acceptor = |role: Role| Acceptor {
            role,
            origins: Origins {
                tls: tls.clone(),
                http: http_builder(&config.limits),
                limits: config.limits,
                state: state.clone(),
            },
            connections: connections.clone(),
            stopped: stopped.clone(),
        };

        let (tasks, threads_done) = if config.threads == 0 {
            let tasks =
                sockets.into_iter().map(|(role, socket)| tokio::spawn(acceptor(role).run(socket))).collect();
            (tasks, None)
        } else {
            let sockets: Vec<(Role, std::net::TcpListener)> = sockets
                .into_iter()
                .map(|(role, socket)| socket.into_std().map(|socket| (role, socket)))
                .collect::<Result<_, _>>()
                .map_err(StartError::Threads)?;
            let (done, threads_done) = mpsc::channel::<()>(1);
            for index in 0..config.threads {
                let mut work = Vec::new();
                for (role, socket) in &sockets {
                    work.push((acceptor(role.clone()), socket.try_clone().map_err(StartError::Threads)?));
                }
                let done = done.clone();
                std::thread::Builder::new()
                    .name(format!("corsproof-serve-{index}"))
                    .spawn(move || serve_on_own_runtime(work, done))
                    .map_err(StartError::Threads)?;
            }
            (Vec::new(), Some(threads_done))
        };
        let proxy_only_routes = !config.pages.is_empty() || config.target.is_some();
        Ok(Self {
            state,
            addrs,
            proxy_addr,
            host_names,
            proxy_only_routes,
            certificates,
            connections,
            stop,
            tasks,
            threads_done,
        })
    }

    /// Every named origin.
    pub fn origins(&self) -> &[NamedOrigin] {
        &self.state.origins
    }

    /// The origin called `name` (`app`, `api`, `api-https`, ...).
    pub fn origin(&self, name: &str) -> Option<&NamedOrigin> {
        self.state.origins.iter().find(|origin| origin.name == name)
    }

    /// The socket address of a listener.
    pub fn local_addr(&self, listener: Listener) -> SocketAddr {
        self.addrs[&listener]
    }

    /// The routing proxy's address, for clients that cannot map `*.test` to this server (WebKit's
    /// WebDriver `proxy` capability, `curl -x`): it answers absolute-form `http://` requests and
    /// `CONNECT` for the server's own origins in-process, and refuses everything else.
    pub fn proxy_addr(&self) -> SocketAddr {
        self.proxy_addr
    }

    /// The request journal.
    pub fn journal(&self) -> &Journal {
        &self.state.journal
    }

    /// The certificates the HTTPS listener presents; trust [`Certificates::ca_der`].
    pub fn certificates(&self) -> &Certificates {
        &self.certificates
    }

    /// Makes `/t/<token>/...` answer with `behaviour`, whatever its query says.
    pub fn script(&self, token: impl Into<String>, behaviour: Behaviour) {
        let mut scripts = self.state.scripts.write().unwrap_or_else(|p| p.into_inner());
        scripts.insert(token.into(), Arc::new(WireBehaviour::compile(&behaviour)));
    }

    /// Removes a token's script; its paths answer from their query again.
    pub fn unscript(&self, token: &str) {
        let mut scripts = self.state.scripts.write().unwrap_or_else(|p| p.into_inner());
        scripts.remove(token);
    }

    /// Every host name the server answers for and its certificate carries: the origin table's
    /// names, the `*.test` wildcard and the bind address. A client must resolve them to
    /// [`MockServer::address`] (or go through [`MockServer::proxy_addr`]); `localhost` and IP
    /// addresses resolve on their own.
    pub fn host_names(&self) -> &[String] {
        &self.host_names
    }

    /// Whether a client must send every request through [`proxy_addr`](Self::proxy_addr) to see
    /// everything: page origins a user chose are answered there only (nothing listens on their
    /// ports), and your own server's exchanges are journaled only when they pass through it.
    pub fn proxy_only_routes(&self) -> bool {
        self.proxy_only_routes
    }

    /// The address the listeners answer on, for a client to resolve [`MockServer::host_names`]
    /// to: the bind address, or loopback when the server binds every address.
    pub fn address(&self) -> IpAddr {
        match self.addrs[&Listener::HttpA].ip() {
            ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            ip => ip,
        }
    }

    /// How many connections were closed so that a new one could have their slot: connections
    /// waiting for a request head when [`Limits::max_connections`] were open.
    pub fn shed_connections(&self) -> u64 {
        self.connections.shed_count()
    }

    /// How many new connections were closed at once because [`Limits::max_connections`] were
    /// open and every one was busy answering.
    pub fn refused_connections(&self) -> u64 {
        self.connections.refused_count()
    }

    /// Stops accepting, closes every connection and waits for the listeners to end.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
        if let Some(mut threads_done) = self.threads_done.take() {
            while threads_done.recv().await.is_some() {}
        }
    }
}

/// One serving thread: a single-threaded runtime running an accept loop per socket until the
/// server stops; `done` is dropped when it ends.
fn serve_on_own_runtime(work: Vec<(Acceptor, std::net::TcpListener)>, done: mpsc::Sender<()>) {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "a serving thread could not start its runtime");
            return;
        }
    };
    runtime.block_on(async move {
        let mut loops = tokio::task::JoinSet::new();
        for (acceptor, socket) in work {
            match TcpListener::from_std(socket) {
                Ok(socket) => {
                    loops.spawn(acceptor.run(socket));
                }
                Err(error) => tracing::error!(%error, "a serving thread could not take its listener"),
            }
        }
        while loops.join_next().await.is_some() {}
    });
    drop(done);
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

fn http_builder(limits: &Limits) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        // Copying the small body after the head beats hyper's vectored-write bookkeeping.
        .writev(false)
        .max_buf_size(limits.max_header_bytes.max(8192));
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX))
        .max_concurrent_streams(limits.max_concurrent_streams);
    builder
}

/// What an acceptor's socket is for.
#[derive(Debug, Clone)]
enum Role {
    /// An origin listener: its connections are that origin's.
    Origin(Listener),
    /// The routing proxy: its requests go to the origin listeners in-process.
    Proxy(Proxy),
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::Origin(listener) => listener.fmt(f),
            Role::Proxy(_) => f.write_str("proxy"),
        }
    }
}

/// One socket's accept loop and what its connections need.
struct Acceptor {
    role: Role,
    origins: Origins,
    connections: Arc<Connections>,
    stopped: watch::Receiver<bool>,
}

impl Acceptor {
    /// Accepts until the server stops, then ends every connection it accepted and waits for them.
    /// A connection's task is aborted rather than told to stop, so that serving a request never
    /// looks at the stop signal.
    async fn run(self, socket: TcpListener) {
        let this = Arc::new(self);
        let mut stopped = this.stopped.clone();
        let mut connections = tokio::task::JoinSet::new();
        loop {
            let accepted = tokio::select! {
                _ = stopped.wait_for(|stop| *stop) => break,
                Some(_) = connections.join_next(), if !connections.is_empty() => continue,
                accepted = socket.accept() => accepted,
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: counted and logged once a second.
                    // When a waiting connection was shed to free a descriptor, it closes as soon
                    // as its task runs; otherwise a back-off instead of spinning.
                    tracing::debug!(socket = %this.role, %error, "accept failed");
                    if this.connections.accept_failed(&error) {
                        tokio::task::yield_now().await;
                    } else {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    continue;
                }
            };
            let Some(connection) = this.connections.admit() else {
                // Counted and logged once a second by `Connections`; dropping closes it.
                tracing::debug!(socket = %this.role, %peer, "every connection is busy; closing");
                continue;
            };
            let _ = stream.set_nodelay(true);
            let connection = Arc::new(connection);
            let task = connections.spawn({
                let (this, connection) = (this.clone(), connection.clone());
                async move {
                    match &this.role {
                        Role::Origin(Listener::Https) => {
                            this.origins.serve(Listener::Https, stream, &connection).await
                        }
                        Role::Origin(listener) => {
                            h1::serve(&this.origins, *listener, stream, &connection).await
                        }
                        Role::Proxy(proxy) => proxy.serve_socket(&this.origins, stream, &connection).await,
                    }
                }
            });
            // Shedding aborts the task, which drops the connection's future and closes its socket.
            connection.attach(task);
        }
        drop(socket);
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    }
}

/// What an origin listener's connection needs, whether it came from its socket or through a proxy
/// tunnel.
pub(crate) struct Origins {
    tls: TlsAcceptor,
    http: auto::Builder<TokioExecutor>,
    limits: Limits,
    state: Arc<State>,
}

impl Origins {
    pub(crate) fn state(&self) -> &Arc<State> {
        &self.state
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Serves one connection of `listener` to its end, the TLS handshake first on the HTTPS one;
    /// `connection` is busy while a request is answered and waits for a head otherwise.
    pub(crate) async fn serve<S>(&self, listener: Listener, stream: S, connection: &Arc<Connection>)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (state, connection) = (self.state.clone(), connection.clone());
        let service = service_fn(move |request| {
            connections::while_busy(&connection, handler::handle(state.clone(), listener, request))
        });
        let result = if listener == Listener::Https {
            let timeout = self.limits.tls_handshake_timeout;
            let Some(tls) = tls::accept(&self.tls, stream, timeout, listener.name()).await else { return };
            self.http.serve_connection(TokioIo::new(tls), service).await
        } else {
            self.http.serve_connection(TokioIo::new(stream), service).await
        };
        if let Err(error) = result {
            tracing::debug!(%listener, %error, "connection ended with an error");
        }
    }
}
