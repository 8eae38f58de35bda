//! The routing proxy: a fourth listener for clients that cannot be told where `*.test` lives.
//!
//! Chromium takes `--host-resolver-rules`, curl takes `--resolve`, but WebKit's WebDriver has no
//! such flag: it can only be given a proxy. So the server is its own proxy. A plain-HTTP request
//! in absolute form (`GET http://app.test:A/x`) is answered in-process as if it had arrived on
//! that origin's listener, and `CONNECT host:port` turns the connection into one of that
//! listener's connections (TLS included, for the HTTPS one). The journal cannot tell the
//! difference. The same port is also an HTTPS proxy: WebKit's `sslProxy` speaks TLS to the
//! proxy itself before its `CONNECT`, so a connection that opens with a TLS handshake is
//! unwrapped first (a certificate for the bind address, HTTP/1.1 only).
//!
//! Two more kinds of route exist when a run asks for them: a page origin a user chose
//! (`https://app.example.com`, on a port no listener has) is answered as the listener of its
//! scheme, and requests for your own server (`--target`) are passed on to it and journaled
//! (`crate::target`). It never opens a connection to anything else: a request for a host or
//! port that is none of these gets a `502` that says so.

use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use corsproof_behaviour::Listener;
use http::header::{self, HeaderName, HeaderValue};
use http::uri::Scheme;
use http::{Method, Request, Response, StatusCode, Uri};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use crate::connections::{self, Connection};
use crate::handler::{self, CloseConnection, State};
use crate::server::{Limits, Origins, PageHost};
use crate::target::{self, TargetServer};

/// Headers meant for the proxy, which a direct client would not have sent to the origin.
const PROXY_ONLY: [HeaderName; 2] =
    [HeaderName::from_static("proxy-connection"), header::PROXY_AUTHORIZATION];

/// The proxy listener's connections: HTTP/1.1 only (what clients speak to a proxy), with
/// upgrades for `CONNECT`.
#[derive(Clone)]
pub(crate) struct Proxy {
    http: http1::Builder,
    routes: Routes,
    tls: TlsAcceptor,
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy").field("routes", &self.routes).finish_non_exhaustive()
    }
}

/// Where a granted `CONNECT` tunnel leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TunnelTo {
    /// One of the server's own listeners, served in-process.
    Listener(Listener),
    /// Your own server (`--target`), relayed byte for byte.
    Target,
    /// Your own server behind a URL the proxy is the end of: TLS ended here, each request
    /// passed on and journaled.
    TargetBehindTls,
}

/// A tunnel granted on a proxy connection: where it leads and the upgrade to take.
type Tunnel = Arc<Mutex<Option<(TunnelTo, OnUpgrade)>>>;

impl Proxy {
    pub(crate) fn new(limits: &Limits, routes: Routes, tls: TlsAcceptor) -> Self {
        // The origin listeners' HTTP/1 limits (`server::http_builder`), on a builder of its own:
        // the automatic one ignores `http1_only` once upgrades are on.
        let mut http = http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .max_buf_size(limits.max_header_bytes.max(8192));
        Self { http, routes, tls }
    }

    /// Serves one accepted socket: as an HTTPS proxy when the client opens with a TLS handshake
    /// record (first byte 0x16, which no HTTP method starts with), else as a plain one.
    /// `connection` waits for a head until the first request, and between requests.
    pub(crate) async fn serve_socket(
        &self,
        origins: &Origins,
        stream: TcpStream,
        connection: &Arc<Connection>,
    ) {
        const TLS_HANDSHAKE_RECORD: u8 = 0x16;
        let mut first = [0u8; 1];
        let peeked = tokio::time::timeout(origins.limits().header_read_timeout, stream.peek(&mut first));
        if !matches!(peeked.await, Ok(Ok(1))) {
            return;
        }
        if first[0] != TLS_HANDSHAKE_RECORD {
            return self.serve(origins, stream, connection).await;
        }
        let timeout = origins.limits().tls_handshake_timeout;
        if let Some(tls) = crate::tls::accept(&self.tls, stream, timeout, "proxy").await {
            self.serve(origins, tls, connection).await;
        }
    }

    /// Serves one proxy connection: its requests, then the tunnel if one was granted, in this task
    /// so that the connection keeps its slot and stops with the server.
    pub(crate) async fn serve<S>(&self, origins: &Origins, stream: S, connection: &Arc<Connection>)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let tunnel = Tunnel::default();
        let service = {
            let (state, routes, tunnel) = (origins.state().clone(), self.routes.clone(), tunnel.clone());
            let connection = connection.clone();
            service_fn(move |request| {
                connections::while_busy(
                    &connection,
                    answer(state.clone(), routes.clone(), tunnel.clone(), request),
                )
            })
        };
        if let Err(error) = self.http.serve_connection(TokioIo::new(stream), service).with_upgrades().await {
            tracing::debug!(%error, "proxy connection ended with an error");
        }
        let granted = tunnel.lock().unwrap_or_else(|p| p.into_inner()).take();
        let Some((to, upgrade)) = granted else { return };
        match (upgrade.await, to) {
            (Ok(upgraded), TunnelTo::Listener(listener)) => {
                origins.serve(listener, TokioIo::new(upgraded), connection).await
            }
            (Ok(upgraded), TunnelTo::Target) => {
                // Relayed bytes are your server's to judge: the tunnel waits for its first bytes
                // as for a head, then is busy until it closes.
                let mut client = TokioIo::new(upgraded);
                let mut first = vec![0; 16 * 1024];
                let timeout = origins.limits().header_read_timeout;
                let Ok(Ok(read @ 1..)) = tokio::time::timeout(timeout, client.read(&mut first)).await else {
                    return;
                };
                first.truncate(read);
                // Busy until the tunnel closes: the connection's end gives the slot back.
                let (Some(target), true) = (&self.routes.target, connection.start()) else { return };
                target::relay(target, &first, client).await;
            }
            (Ok(upgraded), TunnelTo::TargetBehindTls) => {
                let timeout = origins.limits().tls_handshake_timeout;
                let Some(tls) =
                    crate::tls::accept(&self.tls, TokioIo::new(upgraded), timeout, "your server").await
                else {
                    return;
                };
                let (Some(target), state) = (self.routes.target.clone(), origins.state().clone()) else {
                    return;
                };
                let connection = connection.clone();
                let service = service_fn(move |request| {
                    let (state, target) = (state.clone(), target.clone());
                    let pass_on =
                        async move { target::pass_on(&state, &target, as_origin_form(request), true).await };
                    connections::while_busy(&connection, pass_on)
                });
                if let Err(error) = self.http.serve_connection(TokioIo::new(tls), service).await {
                    tracing::debug!(%error, "a connection to your server's URL ended with an error");
                }
            }
            (Err(error), _) => tracing::debug!(?to, %error, "the client left before its tunnel opened"),
        }
    }
}

/// One request to the proxy.
async fn answer(
    state: Arc<State>,
    routes: Routes,
    tunnel: Tunnel,
    mut request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, CloseConnection> {
    match routes.route(request.method(), request.uri()) {
        Route::Forward(listener) => handler::handle(state, listener, as_origin_form(request)).await,
        Route::PassOn => match &routes.target {
            Some(target) => target::pass_on(&state, target, as_origin_form(request), false).await,
            None => Err(CloseConnection),
        },
        Route::Tunnel(to) => {
            let upgrade = hyper::upgrade::on(&mut request);
            *tunnel.lock().unwrap_or_else(|p| p.into_inner()) = Some((to, upgrade));
            Ok(Response::new(Full::default()))
        }
        Route::Refuse(status, why) => {
            let text = format!(
                "corsproof proxy: {why}.\nIt only routes to the server's own origins, in-process, and never \
                 connects anywhere else.\nAsked: {} {}\nRoutes: {}\n",
                request.method(),
                request.uri(),
                routes,
            );
            Ok(handler::plain(status, text).map(Full::new))
        }
    }
}

/// The request as a client talking to the origin directly would have sent it: origin-form
/// target, `Host` from the target (RFC 9112 §3.2.2), no proxy-only headers.
fn as_origin_form<B>(request: Request<B>) -> Request<B> {
    let (mut parts, body) = request.into_parts();
    if let Some(authority) = parts.uri.authority() {
        let host = match authority.port() {
            Some(port) => format!("{}:{port}", authority.host()),
            None => authority.host().to_owned(),
        };
        if let Ok(host) = HeaderValue::from_str(&host) {
            parts.headers.insert(header::HOST, host);
        }
    }
    parts.uri =
        parts.uri.path_and_query().map_or_else(|| Uri::from_static("/"), |target| target.clone().into());
    for name in PROXY_ONLY {
        parts.headers.remove(name);
    }
    Request::from_parts(parts, body)
}

/// Where the proxy may send a request: the server's host names on its listeners' ports, the
/// page origins a user chose, and your own server.
#[derive(Debug, Clone)]
pub(crate) struct Routes {
    bind: IpAddr,
    ports: [(Listener, u16); 3],
    pages: Arc<[PageHost]>,
    target: Option<Arc<TargetServer>>,
}

/// What the proxy does with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// Absolute-form plain HTTP: answer it as this listener would.
    Forward(Listener),
    /// Absolute-form plain HTTP to your own server: pass it on and journal the exchange.
    PassOn,
    /// `CONNECT`: the rest of the connection is this listener's, or your server's.
    Tunnel(TunnelTo),
    /// Not one of the server's own origins; the reason says what was wrong.
    Refuse(StatusCode, &'static str),
}

impl Routes {
    /// `ports` holds every origin listener's bound port; `bind` is the address they listen on;
    /// `pages` the page origins answered as the listener of their scheme; `target` your server.
    pub(crate) fn new(
        bind: IpAddr,
        ports: [(Listener, u16); 3],
        pages: &[PageHost],
        target: Option<TargetServer>,
    ) -> Self {
        Self { bind, ports, pages: pages.into(), target: target.map(Arc::new) }
    }

    fn route(&self, method: &Method, uri: &Uri) -> Route {
        let bad_gateway = |why| Route::Refuse(StatusCode::BAD_GATEWAY, why);
        if method == Method::CONNECT {
            let (Some(authority), Some(port)) = (uri.authority(), uri.port_u16()) else {
                return Route::Refuse(StatusCode::BAD_REQUEST, "CONNECT needs a host:port target");
            };
            if let Some(page) = self.page_at(authority.host(), port) {
                return Route::Tunnel(TunnelTo::Listener(page.listener()));
            }
            if let Some(target) = self.target.as_ref().filter(|target| target.is_at(authority.host(), port)) {
                return Route::Tunnel(if target.address.is_some() {
                    TunnelTo::TargetBehindTls
                } else {
                    TunnelTo::Target
                });
            }
            return match self.listener_on(port) {
                Some(listener) if self.serves_host(authority.host()) => {
                    Route::Tunnel(TunnelTo::Listener(listener))
                }
                Some(_) => bad_gateway("that host is not one of the server's names"),
                None => bad_gateway("that port is not one of the server's listeners"),
            };
        }
        let Some(authority) = uri.authority() else {
            return Route::Refuse(
                StatusCode::BAD_REQUEST,
                "this is the proxy: name the target in absolute form (GET http://api.test:PORT/path)",
            );
        };
        if uri.scheme() != Some(&Scheme::HTTP) {
            return bad_gateway("only plain http:// is forwarded; use CONNECT for https://");
        }
        let port = uri.port_u16().unwrap_or(80);
        if let Some(page) = self.page_at(authority.host(), port) {
            return match page.listener() {
                listener if listener.scheme() == "http" => Route::Forward(listener),
                _ => bad_gateway("that page origin is https://; use CONNECT"),
            };
        }
        if self.target.as_ref().is_some_and(|target| target.is_at(authority.host(), port)) {
            return Route::PassOn;
        }
        if !self.serves_host(authority.host()) {
            return bad_gateway("that host is not one of the server's names");
        }
        match self.listener_on(port) {
            Some(listener) if listener.scheme() == "http" => Route::Forward(listener),
            Some(_) => bad_gateway("that port speaks TLS; use CONNECT"),
            None => bad_gateway("that port is not one of the server's plain listeners"),
        }
    }

    /// The page origin a user chose at `host:port`, if any.
    fn page_at(&self, host: &str, port: u16) -> Option<&PageHost> {
        self.pages.iter().find(|page| page.port == port && page.host.eq_ignore_ascii_case(host))
    }

    fn listener_on(&self, port: u16) -> Option<Listener> {
        self.ports.iter().find(|(_, bound)| *bound == port).map(|(listener, _)| *listener)
    }

    /// What the certificate and the origin table cover: every `*.test` name, `localhost`,
    /// `127.0.0.1` and the bind address.
    fn serves_host(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        if host == "localhost" || host.strip_suffix(".test").is_some_and(|name| !name.is_empty()) {
            return true;
        }
        let bare = host.strip_prefix('[').and_then(|ip| ip.strip_suffix(']')).unwrap_or(&host);
        bare.parse::<IpAddr>().is_ok_and(|ip| ip == self.bind || ip == IpAddr::from([127, 0, 0, 1]))
    }
}

/// The routes in words, for a refusal: which names and ports the proxy serves.
impl fmt::Display for Routes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ports = |plain_only: bool| {
            let listed = self.ports.iter().filter(|(listener, _)| !plain_only || listener.scheme() == "http");
            listed.map(|(listener, port)| format!("{port} ({listener})")).collect::<Vec<_>>().join(", ")
        };
        f.write_str("any *.test name, localhost, 127.0.0.1")?;
        if self.bind != IpAddr::from([127, 0, 0, 1]) {
            write!(f, " or {}", self.bind)?;
        }
        write!(f, "; http:// on port {}; CONNECT to port {}", ports(true), ports(false))?;
        for page in self.pages.iter() {
            write!(f, "; the page origin {page}")?;
        }
        if let Some(target) = &self.target {
            write!(f, "; your server at {target}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PORTS: [(Listener, u16); 3] =
        [(Listener::HttpA, 1001), (Listener::HttpB, 1002), (Listener::Https, 1003)];

    fn routes() -> Routes {
        Routes::new(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), PORTS, &[], None)
    }

    fn route(method: Method, target: &str) -> Route {
        routes().route(&method, &target.parse().expect("a valid target"))
    }

    /// The routes with a page origin at `https://app.example.com`, one at `http://shop.example`
    /// and your server at 127.0.0.1:3000.
    fn routes_with_pages_and_target() -> Routes {
        let pages = [
            PageHost { host: "app.example.com".into(), port: 443, secure: true },
            PageHost { host: "shop.example".into(), port: 80, secure: false },
        ];
        let target = TargetServer { host: "127.0.0.1".into(), port: 3000, address: None };
        Routes::new(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), PORTS, &pages, Some(target))
    }

    #[test]
    fn a_chosen_page_origin_is_answered_by_the_listener_of_its_scheme() {
        let routes = routes_with_pages_and_target();
        let route = |method: Method, target: &str| routes.route(&method, &target.parse().expect("a target"));
        assert_eq!(
            route(Method::CONNECT, "app.example.com:443"),
            Route::Tunnel(TunnelTo::Listener(Listener::Https))
        );
        assert_eq!(
            route(Method::CONNECT, "APP.example.com:443"),
            Route::Tunnel(TunnelTo::Listener(Listener::Https))
        );
        assert_eq!(route(Method::GET, "http://shop.example/_page"), Route::Forward(Listener::HttpA));
        assert_eq!(
            route(Method::CONNECT, "shop.example:80"),
            Route::Tunnel(TunnelTo::Listener(Listener::HttpA))
        );
        for refused in ["http://app.example.com/", "http://app.example.com:443/", "http://shop.example:8080/"]
        {
            assert!(
                matches!(route(Method::GET, refused), Route::Refuse(StatusCode::BAD_GATEWAY, _)),
                "{refused}"
            );
        }
        assert!(matches!(route(Method::CONNECT, "app.example.com:8443"), Route::Refuse(..)));
    }

    #[test]
    fn your_server_is_passed_on_over_http_and_relayed_over_connect() {
        let routes = routes_with_pages_and_target();
        let route = |method: Method, target: &str| routes.route(&method, &target.parse().expect("a target"));
        assert_eq!(route(Method::GET, "http://127.0.0.1:3000/api/items?x=1"), Route::PassOn);
        assert_eq!(route(Method::OPTIONS, "http://127.0.0.1:3000/api"), Route::PassOn);
        assert_eq!(route(Method::CONNECT, "127.0.0.1:3000"), Route::Tunnel(TunnelTo::Target));
        assert!(matches!(route(Method::GET, "http://127.0.0.1:3001/"), Route::Refuse(..)));
        assert!(
            matches!(route(Method::GET, "http://localhost:3000/"), Route::Refuse(..)),
            "only the name given"
        );
        assert!(
            matches!(self::route(Method::GET, "http://127.0.0.1:3000/"), Route::Refuse(..)),
            "no target, no pass"
        );
    }

    #[test]
    fn absolute_form_http_to_an_own_name_and_plain_port_is_forwarded_to_that_listener() {
        assert_eq!(route(Method::GET, "http://api.test:1002/t/x?acao=*"), Route::Forward(Listener::HttpB));
        assert_eq!(route(Method::POST, "http://sub.app.test:1001/"), Route::Forward(Listener::HttpA));
        assert_eq!(route(Method::GET, "http://API.Test:1001"), Route::Forward(Listener::HttpA));
        assert_eq!(route(Method::GET, "http://localhost:1001/"), Route::Forward(Listener::HttpA));
        assert_eq!(route(Method::GET, "http://127.0.0.1:1002/"), Route::Forward(Listener::HttpB));
    }

    #[test]
    fn connect_to_an_own_name_reaches_any_listener() {
        assert_eq!(
            route(Method::CONNECT, "api.test:1003"),
            Route::Tunnel(TunnelTo::Listener(Listener::Https))
        );
        assert_eq!(
            route(Method::CONNECT, "app.test:1001"),
            Route::Tunnel(TunnelTo::Listener(Listener::HttpA))
        );
        assert_eq!(
            route(Method::CONNECT, "127.0.0.1:1002"),
            Route::Tunnel(TunnelTo::Listener(Listener::HttpB))
        );
    }

    #[test]
    fn foreign_hosts_and_ports_are_refused() {
        let refused = |route: Route| matches!(route, Route::Refuse(StatusCode::BAD_GATEWAY, _));
        for target in [
            "http://example.com:80/",
            "http://example.com:1002/",
            "http://test:1001/",
            "http://api.test.example.com:1001/",
            "http://10.0.0.1:1001/",
            "http://api.test/",
            "http://api.test:1004/",
            "http://api.test:1003/",
            "https://api.test:1003/",
        ] {
            assert!(refused(route(Method::GET, target)), "{target}");
        }
        for target in ["example.com:443", "api.test:443", "example.com:1003"] {
            assert!(refused(route(Method::CONNECT, target)), "CONNECT {target}");
        }
    }

    #[test]
    fn an_origin_form_request_is_not_a_proxy_request() {
        assert!(matches!(route(Method::GET, "/t/x/y"), Route::Refuse(StatusCode::BAD_REQUEST, _)));
        assert!(matches!(route(Method::OPTIONS, "*"), Route::Refuse(StatusCode::BAD_REQUEST, _)));
    }

    #[test]
    fn a_forwarded_request_looks_as_a_direct_client_sent_it() {
        let request = Request::get("http://api.test:1002/t/x/y?a=1")
            .header(header::HOST, "wrong.test")
            .header("proxy-connection", "keep-alive")
            .header(header::PROXY_AUTHORIZATION, "Basic eDp5")
            .header(header::ACCEPT, "*/*")
            .body(())
            .expect("a request");
        let request = as_origin_form(request);
        assert_eq!(request.uri(), "/t/x/y?a=1");
        assert_eq!((request.uri().path(), request.uri().query()), ("/t/x/y", Some("a=1")));
        let headers: Vec<_> = request.headers().iter().map(|(n, v)| (n.as_str(), v.as_bytes())).collect();
        assert_eq!(headers, [("host", &b"api.test:1002"[..]), ("accept", b"*/*")]);

        let bare = as_origin_form(Request::get("http://api.test:1002").body(()).expect("a request"));
        assert_eq!(bare.uri(), "/");
        let query_only =
            as_origin_form(Request::get("http://api.test:1002?a=1").body(()).expect("a request"));
        assert_eq!((query_only.uri().path(), query_only.uri().query()), ("/", Some("a=1")));
    }
}
