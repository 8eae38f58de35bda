//! Your own server behind the routing proxy (`--target`).
//!
//! A browser told to use the proxy sends it every request, your server's included. Plain
//! `http://` requests for your server's URL are passed on to it one by one and each exchange,
//! the request and your server's answer, is journaled under [`TARGET_TOKEN`]: a run against
//! your server has the same server-side witness as one against the mock origins (was there a
//! preflight, what did it answer).
//!
//! When your server listens somewhere else than its URL says ([`TargetServer::address`]: the API
//! of `https://api.example.com` served in CI at 127.0.0.1:3000), the proxy is that URL's end:
//! it answers `https://` with a certificate from the throwaway CA for the URL's host, and passes
//! each request on to the address over plain HTTP, journaled alike. The page then talks to the
//! origin it talks to in production, so mixed content, secure cookies and the allow-list behave
//! as they do there. Otherwise `https://` is relayed as an opaque tunnel, so the browser checks
//! your server's own certificate; what passes through it is not seen.

use std::fmt;
use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{self, HeaderName};
use http::{Request, Response, Version};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::handler::{CloseConnection, RequestHead, State, unix_ms};
use crate::journal::{Record, TargetAnswer};

/// The journal token of every exchange with your server: its URLs are yours and carry no
/// token of ours, so they are told apart by order (`GET /_journal/_target`).
pub const TARGET_TOKEN: &str = "_target";

/// How long your server may take to answer one request before the browser is told the
/// connection closed. Longer than a page's default wait, so the page's timeout speaks first.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest request or response body passed on; a larger one ends the exchange.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Headers that belong to one connection (RFC 9110 §7.6.1), not passed on in either direction.
const HOP_BY_HOP: [HeaderName; 5] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::TE,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

/// Your own server: the host and port of its URL, and where it listens if that is elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetServer {
    /// The URL's host: a name or an IP address (without brackets).
    pub host: String,
    /// The URL's port.
    pub port: u16,
    /// Where it listens, plain HTTP, when that is not the URL's host and port (`127.0.0.1:3000`
    /// behind `https://api.example.com`): the proxy is then the URL's end, TLS included.
    pub address: Option<(String, u16)>,
}

impl TargetServer {
    /// Where to connect: [`address`](Self::address), or the URL's host and port.
    fn connect_to(&self) -> (&str, u16) {
        match &self.address {
            Some((host, port)) => (host, *port),
            None => (&self.host, self.port),
        }
    }

    /// Whether a request for `host:port` (a URL's host, IPv6 in brackets or not) is for it.
    pub(crate) fn is_at(&self, host: &str, port: u16) -> bool {
        let bare = |host: &str| host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        port == self.port && bare(host) == bare(&self.host)
    }
}

/// Where it is reached, as `host:port`.
impl fmt::Display for TargetServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (host, port) = self.connect_to();
        match host.parse::<IpAddr>() {
            Ok(IpAddr::V6(ip)) => write!(f, "[{ip}]:{port}"),
            _ => write!(f, "{host}:{port}"),
        }
    }
}

/// Passes one request (already in origin form) on to your server and journals the exchange;
/// `secure` when the browser sent it over TLS the proxy ended. Without an answer the browser's
/// connection is closed, which it sees as a network error, as it would without the proxy.
pub(crate) async fn pass_on(
    state: &State,
    target: &TargetServer,
    request: Request<Incoming>,
    secure: bool,
) -> Result<Response<Full<Bytes>>, CloseConnection> {
    let received = unix_ms(SystemTime::now());
    let (mut parts, body) = request.into_parts();
    for name in HOP_BY_HOP {
        parts.headers.remove(name);
    }
    let record = Record::forwarded(&parts, parts.is_preflight(), received, secure);
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(body) => body.to_bytes(),
        Err(error) => {
            let why = format!("the request body could not be read: {error}");
            state.journal.record(Some(TARGET_TOKEN), record.answered(TargetAnswer::Failed(why)));
            return Err(CloseConnection);
        }
    };
    let record = record.with_body_size(body.len() as u64);
    parts.version = Version::HTTP_11;
    let exchange = tokio::time::timeout(ANSWER_TIMEOUT, exchange(target, Request::from_parts(parts, body)));
    let outcome = exchange
        .await
        .unwrap_or_else(|_| Err(format!("{target} did not answer within {} s", ANSWER_TIMEOUT.as_secs())));
    match outcome {
        Ok(mut response) => {
            for name in HOP_BY_HOP {
                response.headers_mut().remove(name);
            }
            let headers = response
                .headers()
                .iter()
                .map(|(name, value)| {
                    (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into())
                })
                .collect();
            let answer = TargetAnswer::Response { status: response.status().as_u16(), headers };
            state.journal.record(Some(TARGET_TOKEN), record.answered(answer));
            Ok(response.map(Full::new))
        }
        Err(why) => {
            tracing::debug!(%target, %why, "your server gave no answer");
            state.journal.record(Some(TARGET_TOKEN), record.answered(TargetAnswer::Failed(why)));
            Err(CloseConnection)
        }
    }
}

/// One request to your server on a connection of its own, and its whole answer.
async fn exchange(target: &TargetServer, request: Request<Bytes>) -> Result<Response<Bytes>, String> {
    let stream = TcpStream::connect(target.connect_to())
        .await
        .map_err(|error| format!("cannot connect to {target}: {error}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|error| format!("{target}: {error}"))?;
    let connection = tokio::spawn(connection);
    let answered = async {
        let response = sender.send_request(request.map(Full::new)).await?;
        let (parts, body) = response.into_parts();
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>((
            parts,
            Limited::new(body, MAX_BODY).collect().await?,
        ))
    };
    let outcome = answered.await;
    connection.abort();
    let (parts, body) = outcome.map_err(|error| format!("{target} closed the exchange: {error}"))?;
    Ok(Response::from_parts(parts, body.to_bytes()))
}

/// Relays a `CONNECT` tunnel to your server byte for byte (its own TLS end to end), the bytes
/// the client sent `first` before the rest, until either side closes.
pub(crate) async fn relay<S>(target: &TargetServer, first: &[u8], mut client: S)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    match TcpStream::connect(target.connect_to()).await {
        Ok(mut server) => {
            let relayed = match server.write_all(first).await {
                Ok(()) => tokio::io::copy_bidirectional(&mut client, &mut server).await.map(drop),
                Err(error) => Err(error),
            };
            if let Err(error) = relayed {
                tracing::debug!(%target, %error, "the tunnel to your server ended with an error");
            }
        }
        Err(error) => tracing::debug!(%target, %error, "cannot open a tunnel to your server"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_host_matches_with_or_without_brackets_and_in_any_case() {
        let target = TargetServer { host: "::1".into(), port: 3000, address: None };
        assert!(target.is_at("[::1]", 3000));
        assert!(!target.is_at("[::1]", 3001));
        assert_eq!(target.to_string(), "[::1]:3000");
        let target = TargetServer { host: "API.local".into(), port: 80, address: None };
        assert!(target.is_at("api.local", 80));
        assert_eq!(target.to_string(), "API.local:80");
        let behind = TargetServer {
            host: "api.example.com".into(),
            port: 443,
            address: Some(("127.0.0.1".into(), 3000)),
        };
        assert!(behind.is_at("api.example.com", 443) && !behind.is_at("127.0.0.1", 3000));
        assert_eq!(behind.to_string(), "127.0.0.1:3000", "named where it is reached");
    }
}
