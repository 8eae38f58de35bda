//! The Private Network Access preflight, probed: whether a server tells any origin that it may
//! reach it from the public internet.
//!
//! Chromium once asked a server on a private or loopback address, in the preflight of a public
//! page's request, `Access-Control-Request-Private-Network: true`, and went on only when the
//! answer carried `Access-Control-Allow-Private-Network: true`. Local Network Access replaced
//! that with a permission the user grants (no engine on this project's machine sends the
//! header any more: Chromium 156, Firefox ESR 153 and WebKitGTK 2.50 were watched), but servers
//! and middleware still answer it, and one that answers it to an origin it does not know says
//! that any site may drive it from a visitor's browser: a browser that still honours the header
//! would let it.

use std::fmt;

use crate::checker::Checker;
use crate::client::ClientError;

/// The origin the probe asks as: an attacker's, which no server has reason to allow.
pub const ATTACKER_ORIGIN: &str = "https://attacker.corsproof.invalid";

/// A server that answers the Private Network Access preflight of an attacker's origin with
/// `Access-Control-Allow-Private-Network: true` and an `Access-Control-Allow-Origin` that lets
/// it in (its own origin echoed, or `*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivateNetworkToAnyOrigin {
    /// The URL preflighted.
    pub url: String,
    /// The origin that asked.
    pub origin: String,
    /// The `Access-Control-Allow-Origin` it got.
    pub allow_origin: String,
}

impl fmt::Display for PrivateNetworkToAnyOrigin {
    /// What was seen, why it matters, what to do.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} answers a Private Network Access preflight from {} (`Access-Control-Request-Private-Network: true`) \
             with `Access-Control-Allow-Private-Network: true` and `Access-Control-Allow-Origin: {}`: it tells any \
             site it may reach this server from a visitor's browser. Send `Access-Control-Allow-Private-Network` only \
             to origins you allow, or not at all (Chromium and Firefox now ask the user instead).",
            self.url, self.origin, self.allow_origin
        )
    }
}

/// Sends `url` the preflight a public page's `GET` once carried into a private network, as
/// [`ATTACKER_ORIGIN`], and reports a server that lets that origin in. `Ok(None)` when the
/// answer does not; an error when no answer came.
///
/// ```no_run
/// # async fn demo() -> Result<(), corsproof_check::ClientError> {
/// use corsproof_check::{Checker, private_network_preflight};
///
/// if let Some(finding) = private_network_preflight(&Checker::new(), "http://192.168.1.1/api").await? {
///     eprintln!("{finding}");
/// }
/// # Ok(()) }
/// ```
pub async fn private_network_preflight(
    checker: &Checker,
    url: &str,
) -> Result<Option<PrivateNetworkToAnyOrigin>, ClientError> {
    let headers: Vec<(Vec<u8>, Vec<u8>)> = [
        ("origin", ATTACKER_ORIGIN),
        ("access-control-request-method", "GET"),
        ("access-control-request-private-network", "true"),
    ]
    .into_iter()
    .map(|(name, value)| (name.as_bytes().to_vec(), value.as_bytes().to_vec()))
    .collect();
    let received = checker.client().send("OPTIONS", url, &headers, None).await?;
    let value = |name: &str| {
        received
            .headers
            .iter()
            .find(|(header, _)| header == name)
            .map(|(_, value)| String::from_utf8_lossy(value).trim().to_owned())
    };
    let allows_private_network =
        value("access-control-allow-private-network").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let allow_origin = value("access-control-allow-origin").filter(|v| v == "*" || v == ATTACKER_ORIGIN);
    Ok(match allow_origin {
        Some(allow_origin) if allows_private_network => Some(PrivateNetworkToAnyOrigin {
            url: url.to_owned(),
            origin: ATTACKER_ORIGIN.to_owned(),
            allow_origin,
        }),
        _ => None,
    })
}
