//! The plain listeners' HTTP/1.1 fast path: the common request served without hyper.
//!
//! A browser or a load test on a plain origin listener sends small HTTP/1.1 requests, one after
//! another on a keep-alive connection. For those, hyper's generality (its own header maps, URI,
//! body streams, dispatcher) costs several times what answering does, so this module reads the
//! connection into one buffer, parses each head with `httparse` (hyper's parser), calls the same
//! handler ([`handler::resolve`] and [`handler::play`]), and writes each response from the reply's
//! wire form into one buffer and one write, byte for byte what hyper would have sent.
//!
//! Anything unusual is handed to hyper, which then serves the rest of the connection as it would
//! have served all of it: hyper first reads back what this module had already read ([`Rewind`]).
//! Unusual means: not HTTP/1.1 (HTTP/1.0, the HTTP/2 prior-knowledge preface), anything `httparse`
//! rejects (hyper answers its 400), a head over the size limit (its 431), `Transfer-Encoding`,
//! `Expect`, `Upgrade`, an unusual `Connection` or `Content-Length`, a body over
//! [`MAX_BUFFERED_BODY`], a request target other than a plain origin-form path and query, and a
//! reply whose headers hyper treats specially ([`sends_as_is`]). A request is handed over before
//! it is journaled, so it is journaled once, by hyper's path.

use std::future::{Future, poll_fn, ready};
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use corsproof_behaviour::Listener;
use http::StatusCode;
use http::header::{self, HeaderName};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

use crate::connections::Connection;
use crate::handler::{self, CloseConnection, Played, RequestHead, Resolved, State};
use crate::journal::Record;
use crate::server::Origins;

/// The most header lines in a head; more is hyper's 431 (its default limit).
const MAX_HEADERS: usize = 100;
/// The longest request target hyper accepts (longer is its 414).
const MAX_TARGET_LEN: usize = u16::MAX as usize - 1;
/// The longest header name `http` accepts (longer is hyper's 400).
const MAX_HEADER_NAME_LEN: usize = u16::MAX as usize;
/// Request bodies up to this size are read into the buffer and counted; larger ones go to hyper,
/// which counts them as they stream.
const MAX_BUFFERED_BODY: u64 = 1 << 20;
/// The read buffer starts this large and grows by this much when a read finds it nearly full.
const READ_CHUNK: usize = 8 * 1024;
/// The write buffer's starting size: a reply's head and a small body.
const WRITE_CAPACITY: usize = 1024;

/// Whether a reply with this status and these header names can be written as it is: hyper
/// rewrites or refuses 1xx statuses and the headers that frame a message (`content-length`,
/// `transfer-encoding`, `connection`, `trailer`) or that it adds itself (`date`), so such a
/// reply is left to hyper.
pub(crate) fn sends_as_is<'a>(status: StatusCode, mut names: impl Iterator<Item = &'a HeaderName>) -> bool {
    const SPECIAL: [HeaderName; 5] = [
        header::CONTENT_LENGTH,
        header::TRANSFER_ENCODING,
        header::CONNECTION,
        header::TRAILER,
        header::DATE,
    ];
    !status.is_informational() && !names.any(|name| SPECIAL.contains(name))
}

/// Serves one plain-listener connection of `listener`: the common requests here, the rest of the
/// connection through hyper from the first unusual one. `connection` waits for a head while
/// this reads one, and is busy from a complete head until the next read.
pub(crate) async fn serve(
    origins: &Origins,
    listener: Listener,
    mut stream: TcpStream,
    connection: &Arc<Connection>,
) {
    let limits = *origins.limits();
    // hyper's read buffer limit (`server::http_builder`): a head that does not fit is its 431.
    let max_head = limits.max_header_bytes.max(8192);
    let mut input: Vec<u8> = Vec::with_capacity(READ_CHUNK);
    let mut start = 0;
    let mut output = Vec::with_capacity(WRITE_CAPACITY);
    // One timer for the connection, moved forward for each head: extending a registered tokio
    // timer is an atomic store, registering a new one per request is not.
    let header_timer = tokio::time::sleep(limits.header_read_timeout);
    tokio::pin!(header_timer);
    let mut head_started = false;
    // When the bytes being served were read: the journal's arrival time and the `date` header of
    // their answers, one clock read per read from the socket (pipelined requests share it).
    let mut arrived_unix_ms = 0;
    // Whether `connection` is busy with the request at the start of `input`.
    let mut busy = false;
    loop {
        let mut storage = [MaybeUninit::uninit(); MAX_HEADERS];
        let buffered = input.get(start..).unwrap_or_default();
        let head = match parse(buffered, &mut storage, max_head) {
            Parsed::Head => {
                // Waiting for a head: the connection may be shed to make room for another.
                if busy {
                    connection.end();
                    busy = false;
                }
                // As hyper does, the client has `header_read_timeout` from when the server is
                // ready for a head (idle time between requests included) to when it is complete.
                if !head_started {
                    head_started = true;
                    header_timer.as_mut().reset(Instant::now() + limits.header_read_timeout);
                }
                if !read_more(&mut stream, &mut input, &mut start, 0, Some(header_timer.as_mut())).await {
                    return;
                }
                arrived_unix_ms = handler::unix_ms(SystemTime::now());
                continue;
            }
            Parsed::Body(length) => {
                if !begin(&mut busy, connection) {
                    return;
                }
                if !read_more(&mut stream, &mut input, &mut start, length, None).await {
                    return;
                }
                arrived_unix_ms = handler::unix_ms(SystemTime::now());
                continue;
            }
            Parsed::HandOver => break,
            Parsed::Request(head) => head,
        };
        head_started = false;
        if !begin(&mut busy, connection) {
            return;
        }

        match answer(origins.state(), listener, &head, arrived_unix_ms, &mut output).await {
            Outcome::Write => {}
            Outcome::Close => return,
            Outcome::HandOver => break,
        }
        if stream.write_all(&output).await.is_err() {
            return;
        }
        output.clear();
        if head.close {
            let _ = stream.shutdown().await;
            return;
        }
        start += head.length;
        if start >= input.len() {
            input.clear();
            start = 0;
        }
    }
    // hyper marks the connection busy for each request it answers, this one first.
    if busy {
        connection.end();
    }
    let rewind = Rewind { read: input, position: start, stream };
    origins.serve(listener, rewind, connection).await;
}

/// Marks `connection` busy for the request whose head is complete, unless it is already; false
/// when it was shed while it waited, and must close without answering.
fn begin(busy: &mut bool, connection: &Connection) -> bool {
    if !*busy {
        *busy = connection.start();
    }
    *busy
}

/// What the buffered bytes hold.
enum Parsed<'b> {
    /// Part of a head: read more.
    Head,
    /// A head that this module serves, whose body is not all here: read until the buffer holds
    /// this many bytes from the head's start.
    Body(usize),
    /// Something unusual: hyper takes the connection from here.
    HandOver,
    /// A request to serve.
    Request(Head<'b>),
}

/// A request this module serves, its head and body in the buffer.
struct Head<'b> {
    method: &'b str,
    path: &'b str,
    query: Option<&'b str>,
    headers: &'b [httparse::Header<'b>],
    /// The head's and the body's bytes.
    length: usize,
    body_size: u64,
    /// `Connection: close`: the last request of the connection.
    close: bool,
}

/// Parses the head at the start of `input`, deciding whether this module serves it.
fn parse<'b>(
    input: &'b [u8],
    storage: &'b mut [MaybeUninit<httparse::Header<'b>>],
    max_head: usize,
) -> Parsed<'b> {
    let mut request = httparse::Request::new(&mut []);
    let head_length = match request.parse_with_uninit_headers(input, storage) {
        Ok(httparse::Status::Complete(length)) if length <= max_head => length,
        Ok(httparse::Status::Partial) if input.len() < max_head => return Parsed::Head,
        _ => return Parsed::HandOver,
    };
    let (Some(method), Some(target), Some(1)) = (request.method, request.path, request.version) else {
        return Parsed::HandOver;
    };
    if method == "CONNECT" {
        return Parsed::HandOver;
    }
    let Some((path, query)) = origin_form(target) else { return Parsed::HandOver };

    let headers: &'b [httparse::Header<'b>] = request.headers;
    let mut close = false;
    let mut seen_connection = false;
    let mut content_length = None;
    for line in headers {
        let name = line.name;
        if name.is_empty() || name.len() > MAX_HEADER_NAME_LEN {
            return Parsed::HandOver;
        }
        if name.eq_ignore_ascii_case("content-length") {
            match (content_length, decimal(line.value)) {
                (None, Some(length)) => content_length = Some(length),
                _ => return Parsed::HandOver,
            }
        } else if name.eq_ignore_ascii_case("connection") {
            if seen_connection {
                return Parsed::HandOver;
            }
            seen_connection = true;
            if line.value.eq_ignore_ascii_case(b"close") {
                close = true;
            } else if !line.value.eq_ignore_ascii_case(b"keep-alive") {
                return Parsed::HandOver;
            }
        } else if ["transfer-encoding", "expect", "upgrade"].iter().any(|n| name.eq_ignore_ascii_case(n)) {
            return Parsed::HandOver;
        }
    }
    let body_size = content_length.unwrap_or(0);
    if body_size > MAX_BUFFERED_BODY {
        return Parsed::HandOver;
    }
    // At most a mebibyte past a head that fits in memory: no overflow.
    let length = head_length + body_size as usize;
    if input.len() < length {
        return Parsed::Body(length);
    }
    Parsed::Request(Head { method, path, query, headers, length, body_size, close })
}

/// The path and query of an origin-form target (`/path?query`), if every byte is one `http`'s
/// URI parser takes as it is: no fragment, no byte above ASCII, nothing it would reject (those
/// requests go to hyper, which answers as it does).
fn origin_form(target: &str) -> Option<(&str, Option<&str>)> {
    fn path_byte(byte: u8) -> bool {
        matches!(byte, 0x21 | 0x24..=0x3B | 0x3D | 0x40..=0x5F | 0x61..=0x7A | 0x7C | 0x7E)
    }
    fn query_byte(byte: u8) -> bool {
        matches!(byte, 0x21 | 0x24..=0x3B | 0x3D | 0x3F..=0x7E)
    }
    if !target.starts_with('/') || target.len() > MAX_TARGET_LEN {
        return None;
    }
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    };
    let plain = path.bytes().all(path_byte) && query.is_none_or(|query| query.bytes().all(query_byte));
    plain.then_some((path, query))
}

/// A `Content-Length` value of plain digits (anything else goes to hyper, which answers a bad one
/// with a 400).
fn decimal(value: &[u8]) -> Option<u64> {
    if value.is_empty() || value.len() > 19 {
        return None;
    }
    value.iter().try_fold(0u64, |sum, byte| byte.is_ascii_digit().then(|| sum * 10 + u64::from(byte - b'0')))
}

impl<'b> Head<'b> {
    /// The first value of a header, as hyper's `HeaderMap::get` finds it.
    fn header(&self, name: &str) -> Option<&'b [u8]> {
        self.headers.iter().find(|line| line.name.eq_ignore_ascii_case(name)).map(|line| line.value)
    }

    /// The header lines in the order a `HeaderMap` holding them iterates: by name in order of
    /// first appearance, the values of one name together. That is the order received unless a
    /// name appears twice, which only then costs a list.
    fn in_map_order(&self) -> Lines<'b> {
        let headers = self.headers;
        let repeated = |(index, line): (usize, &httparse::Header<'_>)| {
            headers.iter().take(index).any(|earlier| earlier.name.eq_ignore_ascii_case(line.name))
        };
        if !headers.iter().enumerate().any(repeated) {
            return Lines::Received(headers.iter());
        }
        let mut grouped = Vec::with_capacity(headers.len());
        for (index, first) in headers.iter().enumerate() {
            if !repeated((index, first)) {
                let same_name =
                    headers.iter().skip(index).filter(|line| line.name.eq_ignore_ascii_case(first.name));
                grouped.extend(same_name.map(|line| (line.name.as_bytes(), line.value)));
            }
        }
        Lines::Grouped(grouped.into_iter())
    }
}

/// A request's header lines as (name, value), in the order of [`Head::in_map_order`].
#[derive(Clone)]
enum Lines<'b> {
    /// As received: no name repeats after another.
    Received(std::slice::Iter<'b, httparse::Header<'b>>),
    /// Regrouped by name.
    Grouped(std::vec::IntoIter<(&'b [u8], &'b [u8])>),
}

impl<'b> Iterator for Lines<'b> {
    type Item = (&'b [u8], &'b [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Lines::Received(lines) => lines.next().map(|line| (line.name.as_bytes(), line.value)),
            Lines::Grouped(lines) => lines.next(),
        }
    }
}

impl RequestHead for Head<'_> {
    fn path(&self) -> &str {
        self.path
    }

    fn query(&self) -> Option<&str> {
        self.query
    }

    fn is_preflight(&self) -> bool {
        self.method == "OPTIONS" && self.header("access-control-request-method").is_some()
    }

    fn record(&self, listener: Listener, preflight: bool, received_unix_ms: u64) -> Record {
        // `HeaderValue::to_str`'s test: visible ASCII or tab.
        let visible = |value: &&[u8]| value.iter().all(|&b| b == b'\t' || (0x20..0x7F).contains(&b));
        Record::from_http1(
            listener,
            preflight,
            received_unix_ms,
            self.method.as_bytes(),
            self.header("host").filter(visible),
            self.path.as_bytes(),
            self.query.map(str::as_bytes),
            self.in_map_order(),
        )
    }
}

/// What became of one request.
enum Outcome {
    /// The response is in the write buffer.
    Write,
    /// The reply closes the connection without an answer.
    Close,
    /// Its answer is one hyper writes differently: hyper takes the connection, this request first.
    HandOver,
}

/// Answers one request that arrived at `arrived_unix_ms` into `output`, as [`handler::handle`]
/// does for hyper.
async fn answer(
    state: &State,
    listener: Listener,
    head: &Head<'_>,
    arrived_unix_ms: u64,
    output: &mut Vec<u8>,
) -> Outcome {
    let head_only = head.method == "HEAD";
    let mock = match handler::resolve(state, head) {
        Resolved::Internal(response) => {
            if !sends_as_is(response.status(), response.headers().keys()) {
                return Outcome::HandOver;
            }
            let lines =
                response.headers().iter().map(|(name, value)| (name.as_str().as_bytes(), value.as_bytes()));
            let date = arrived_unix_ms;
            write_response(output, response.status(), lines, response.body(), head_only, head.close, date);
            return Outcome::Write;
        }
        Resolved::Mock(mock) => mock,
    };
    if mock.reply().is_some_and(|reply| !reply.plain_http1) {
        return Outcome::HandOver;
    }
    match handler::play(state, listener, head, &mock, arrived_unix_ms, ready(head.body_size)).await {
        Ok(Played::Reply(reply)) => {
            let lines = reply.lines(head.header("origin"));
            // A delayed answer is dated when it is sent, as hyper dates it.
            let date =
                if reply.delay.is_zero() { arrived_unix_ms } else { handler::unix_ms(SystemTime::now()) };
            write_response(output, reply.status(), lines, reply.body(), head_only, head.close, date);
        }
        Ok(Played::Response(response)) => {
            let lines =
                response.headers().iter().map(|(name, value)| (name.as_str().as_bytes(), value.as_bytes()));
            let date = arrived_unix_ms;
            write_response(output, response.status(), lines, response.body(), head_only, head.close, date);
        }
        Err(CloseConnection) => return Outcome::Close,
    }
    Outcome::Write
}

/// Writes a response as hyper's HTTP/1.1 server does: the status line, the headers in order
/// (lower-case names), `connection: close` when the request asked for it, `content-length` (none
/// for 204 and 304, none for an empty answer to `HEAD`), `date`, and the body unless the request
/// was `HEAD` or the status has none; `date_unix_ms` is the time the `date` header gives.
fn write_response<'a>(
    output: &mut Vec<u8>,
    status: StatusCode,
    lines: impl Iterator<Item = (&'a [u8], &'a [u8])>,
    body: &[u8],
    head_only: bool,
    close: bool,
    date_unix_ms: u64,
) {
    output.reserve(WRITE_CAPACITY + body.len());
    if status == StatusCode::OK {
        output.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
    } else {
        output.extend_from_slice(b"HTTP/1.1 ");
        output.extend_from_slice(status.as_str().as_bytes());
        output.push(b' ');
        output.extend_from_slice(status.canonical_reason().unwrap_or("<none>").as_bytes());
        output.extend_from_slice(b"\r\n");
    }
    for (name, value) in lines {
        output.extend_from_slice(name);
        output.extend_from_slice(b": ");
        output.extend_from_slice(value);
        output.extend_from_slice(b"\r\n");
    }
    if close {
        output.extend_from_slice(b"connection: close\r\n");
    }
    let bodiless = status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED;
    if !(bodiless || head_only && body.is_empty()) {
        output.extend_from_slice(b"content-length: ");
        push_decimal(output, body.len());
        output.extend_from_slice(b"\r\n");
    }
    output.extend_from_slice(b"date: ");
    push_date(output, date_unix_ms / 1000);
    output.extend_from_slice(b"\r\n\r\n");
    if !head_only && !bodiless {
        output.extend_from_slice(body);
    }
}

fn push_decimal(output: &mut Vec<u8>, mut value: usize) {
    let mut digits = [0u8; 20];
    let mut first = digits.len();
    for slot in digits.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        first -= 1;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    output.extend_from_slice(digits.get(first..).unwrap_or_default());
}

/// Appends `second` (since the Unix epoch) as an HTTP date, formatted once a second per thread as
/// hyper does.
fn push_date(output: &mut Vec<u8>, second: u64) {
    thread_local! {
        static DATE: std::cell::RefCell<(u64, String)> = const { std::cell::RefCell::new((0, String::new())) };
    }
    DATE.with_borrow_mut(|(cached_second, text)| {
        if *cached_second != second || text.is_empty() {
            *cached_second = second;
            *text = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(second));
        }
        output.extend_from_slice(text.as_bytes());
    });
}

/// Reads what the client sends next onto the unparsed bytes `input[*start..]`, first moving
/// them to the front, with room for at least `wanted` of them; false when the connection ended or
/// failed, or `timer` went off first.
async fn read_more(
    stream: &mut TcpStream,
    input: &mut Vec<u8>,
    start: &mut usize,
    wanted: usize,
    mut timer: Option<Pin<&mut Sleep>>,
) -> bool {
    if *start > 0 {
        input.drain(..*start);
        *start = 0;
    }
    let room = wanted.saturating_sub(input.len()).max(READ_CHUNK / 2);
    if input.capacity() - input.len() < room {
        input.reserve(room.max(READ_CHUNK));
    }
    let read = stream.read_buf(input);
    tokio::pin!(read);
    let read = poll_fn(|cx: &mut Context<'_>| {
        if let Poll::Ready(read) = read.as_mut().poll(cx) {
            return Poll::Ready(Some(read));
        }
        match timer.as_mut().map(|timer| timer.as_mut().poll(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(None),
            _ => Poll::Pending,
        }
    });
    matches!(read.await, Some(Ok(read)) if read > 0)
}

/// A connection handed to hyper: reads give back what the fast path had read and not served,
/// then what the socket has.
struct Rewind {
    read: Vec<u8>,
    position: usize,
    stream: TcpStream,
}

impl AsyncRead for Rewind {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let unread = this.read.get(this.position..).unwrap_or_default();
        if unread.is_empty() {
            return Pin::new(&mut this.stream).poll_read(cx, buf);
        }
        let count = unread.len().min(buf.remaining());
        buf.put_slice(unread.get(..count).unwrap_or_default());
        this.position += count;
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Rewind {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
