//! Why a TLS handshake failed, in words, with the next step: rustls says what check failed
//! (`UnknownIssuer`, `CaUsedAsEndEntity`), but not that the certificate was self-signed or which
//! names it is for, so the verifier reads those from the certificate itself and hands them on
//! with rustls' own error.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};

/// What went wrong in the TLS handshake, and so what to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsFailure {
    /// The certificate names itself as its issuer, and nothing trusted vouches for it.
    SelfSigned {
        /// It is also marked as a CA's certificate, which rustls never accepts as a server's
        /// own, trusted or not.
        marked_ca: bool,
    },
    /// A CA's certificate (one for signing others), not self-signed, served as the server's own.
    CaCertificate,
    /// Signed by a CA the client does not trust (or the server left out an intermediate).
    UnknownIssuer,
    /// Past its end of validity.
    Expired {
        /// When it stopped being valid, in seconds since the Unix epoch, when rustls says.
        not_after: Option<u64>,
    },
    /// Not valid yet.
    NotYetValid {
        /// When it becomes valid, in seconds since the Unix epoch, when rustls says.
        not_before: Option<u64>,
    },
    /// Issued for other names than the URL's host.
    WrongName {
        /// The URL's host.
        expected: String,
        /// The DNS names and IP addresses the certificate is for (its subject alternative names).
        names: Vec<String>,
    },
    /// Revoked by its CA.
    Revoked,
    /// Another problem with the certificate, in words.
    BadCertificate(String),
    /// The server answered with something that is not TLS (plain HTTP on this port, say).
    NotTls,
    /// The server ended the handshake with an alert, named in words.
    Alert(String),
    /// The server and the client share no TLS version or cipher suite.
    Incompatible,
    /// The connection closed or broke during the handshake, in the operating system's words.
    Closed(String),
    /// Anything else, in words.
    Other(String),
}

impl TlsFailure {
    /// The failure of a handshake that ended in `error`, as tokio-rustls gives it: rustls' error
    /// inside an I/O error, or the connection's own.
    pub(crate) fn from_handshake(error: &std::io::Error) -> Self {
        match error.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
            Some(error) => Self::from_rustls(error),
            None if error.kind() == std::io::ErrorKind::UnexpectedEof => {
                TlsFailure::Closed("the server closed the connection".to_owned())
            }
            None => TlsFailure::Closed(error.to_string()),
        }
    }

    fn from_rustls(error: &rustls::Error) -> Self {
        match error {
            rustls::Error::InvalidCertificate(certificate) => Self::from_certificate(certificate, None),
            rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
                TlsFailure::NotTls
            }
            rustls::Error::PeerIncompatible(_) => TlsFailure::Incompatible,
            rustls::Error::AlertReceived(alert) => TlsFailure::Alert(words(alert)),
            rustls::Error::PeerMisbehaved(why) => {
                TlsFailure::Other(format!("the server broke the TLS protocol ({})", words(why)))
            }
            rustls::Error::NoCertificatesPresented => {
                TlsFailure::BadCertificate("the server sent no certificate".to_owned())
            }
            other => TlsFailure::Other(other.to_string()),
        }
    }

    /// rustls' verdict on the certificate, with what [`ExplainingVerifier`] read from it.
    fn from_certificate(error: &CertificateError, read: Option<&Rejected>) -> Self {
        let self_signed = read.is_some_and(|read| read.self_signed);
        match error {
            CertificateError::Other(OtherError(inner)) => {
                if let Some(rejected) = inner.downcast_ref::<Rejected>() {
                    return Self::from_certificate(&rejected.error, Some(rejected));
                }
                let webpki = inner.downcast_ref::<webpki::Error>();
                match webpki {
                    Some(webpki::Error::CaUsedAsEndEntity) if self_signed => {
                        TlsFailure::SelfSigned { marked_ca: true }
                    }
                    Some(webpki::Error::CaUsedAsEndEntity) => TlsFailure::CaCertificate,
                    Some(webpki::Error::EndEntityUsedAsCa) => TlsFailure::BadCertificate(
                        "a certificate in its chain that signs the next is not a CA's".to_owned(),
                    ),
                    Some(webpki::Error::NameConstraintViolation) => TlsFailure::BadCertificate(
                        "its name is outside what its CA may issue for (name constraints)".to_owned(),
                    ),
                    Some(
                        webpki::Error::MaximumPathDepthExceeded | webpki::Error::PathLenConstraintViolated,
                    ) => TlsFailure::BadCertificate("its chain of CAs is too long".to_owned()),
                    Some(other) => TlsFailure::BadCertificate(format!("rustls-webpki says {}", words(other))),
                    None => TlsFailure::BadCertificate(inner.to_string()),
                }
            }
            CertificateError::UnknownIssuer if self_signed => TlsFailure::SelfSigned { marked_ca: false },
            CertificateError::UnknownIssuer => TlsFailure::UnknownIssuer,
            CertificateError::Expired => TlsFailure::Expired { not_after: None },
            CertificateError::ExpiredContext { not_after, .. } => {
                TlsFailure::Expired { not_after: Some(not_after.as_secs()) }
            }
            CertificateError::NotValidYet => TlsFailure::NotYetValid { not_before: None },
            CertificateError::NotValidYetContext { not_before, .. } => {
                TlsFailure::NotYetValid { not_before: Some(not_before.as_secs()) }
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                let expected = match error {
                    CertificateError::NotValidForNameContext { expected, .. } => {
                        expected.to_str().into_owned()
                    }
                    _ => read.map(|read| read.host.clone()).unwrap_or_default(),
                };
                let names = read.map(|read| read.names.clone()).unwrap_or_default();
                TlsFailure::WrongName { expected, names }
            }
            CertificateError::Revoked => TlsFailure::Revoked,
            CertificateError::BadEncoding => TlsFailure::BadCertificate("it is not valid DER".to_owned()),
            CertificateError::BadSignature => {
                TlsFailure::BadCertificate("its signature does not verify".to_owned())
            }
            #[allow(deprecated)] // rustls still gives it for webpki's context-free error
            CertificateError::UnsupportedSignatureAlgorithm
            | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
            | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
                TlsFailure::BadCertificate(
                    "it is signed with an algorithm this client does not support".to_owned(),
                )
            }
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                TlsFailure::BadCertificate(
                    "it is not for server authentication (its extended key usage)".to_owned(),
                )
            }
            CertificateError::UnhandledCriticalExtension => TlsFailure::BadCertificate(
                "it has a critical extension this client does not understand".to_owned(),
            ),
            CertificateError::UnknownRevocationStatus
            | CertificateError::ExpiredRevocationList
            | CertificateError::ExpiredRevocationListContext { .. } => {
                TlsFailure::BadCertificate("whether it was revoked cannot be told".to_owned())
            }
            CertificateError::ApplicationVerificationFailure => {
                TlsFailure::BadCertificate("the client's own check refused it".to_owned())
            }
            other => TlsFailure::BadCertificate(other.to_string()),
        }
    }
}

/// The next step when the fault is the certificate's, not the client's trust.
const ACCEPT_ANY: &str = "or accept any certificate with -k";

impl fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsFailure::SelfSigned { marked_ca: false } => write!(
                f,
                "the server's certificate is self-signed (its issuer is itself) and not trusted here; to trust \
                 it, pass that certificate with --cacert FILE (like curl), {ACCEPT_ANY}"
            ),
            TlsFailure::SelfSigned { marked_ca: true } => write!(
                f,
                "the server's certificate is self-signed and marked as a CA's, which is not accepted as a \
                 server's own even when trusted; serve a certificate for this host signed by a CA (mkcert makes \
                 both) and pass that CA with --cacert FILE (like curl), {ACCEPT_ANY}"
            ),
            TlsFailure::CaCertificate => write!(
                f,
                "the server presents a CA's certificate (one for signing others) as its own; serve a \
                 certificate issued for this host, {ACCEPT_ANY}"
            ),
            TlsFailure::UnknownIssuer => write!(
                f,
                "the server's certificate is signed by a CA not trusted here (or the server leaves out an \
                 intermediate certificate); to trust that CA, pass its certificate with --cacert FILE (like \
                 curl), {ACCEPT_ANY}"
            ),
            TlsFailure::Expired { not_after: Some(not_after) } => write!(
                f,
                "the server's certificate expired on {}; renew it, {ACCEPT_ANY}",
                utc(*not_after)
            ),
            TlsFailure::Expired { not_after: None } => {
                write!(f, "the server's certificate has expired; renew it, {ACCEPT_ANY}")
            }
            TlsFailure::NotYetValid { not_before } => {
                f.write_str("the server's certificate is not valid yet")?;
                if let Some(not_before) = not_before {
                    write!(f, " (not before {})", utc(*not_before))?;
                }
                write!(f, "; check this machine's clock and the certificate's dates, {ACCEPT_ANY}")
            }
            TlsFailure::WrongName { expected, names } => {
                f.write_str("the server's certificate is ")?;
                match names.as_slice() {
                    [] => f.write_str("for no host name (it has no subject alternative names)")?,
                    [one] => write!(f, "for {one} only")?,
                    [all @ .., last] => write!(f, "for {} and {last} only", all.join(", "))?,
                }
                write!(
                    f,
                    ", not {expected}; use a URL with a name it is for (with --resolve NAME:ADDRESS to reach \
                     it at this address), {ACCEPT_ANY}"
                )
            }
            TlsFailure::Revoked => write!(
                f,
                "the server's certificate has been revoked by its CA; the server needs a new one (-k accepts \
                 it anyway, for a test)"
            ),
            TlsFailure::BadCertificate(why) => write!(
                f,
                "the server's certificate is refused: {why}; to trust its CA, pass it with --cacert FILE (like \
                 curl), {ACCEPT_ANY}"
            ),
            TlsFailure::NotTls => f.write_str(
                "the server did not answer in TLS (is it plain HTTP on this port? then use an http:// URL)",
            ),
            TlsFailure::Alert(alert) => {
                write!(f, "the server ended the handshake with the alert \"{alert}\"")?;
                if matches!(alert.as_str(), "handshake failure" | "protocol version" | "insufficient security") {
                    f.write_str(" (it may offer no TLS version or cipher suite this client has: TLS 1.2 and 1.3)")?;
                }
                Ok(())
            }
            TlsFailure::Incompatible => f.write_str(
                "the server and this client share no TLS version or cipher suite (this client has TLS 1.2 and 1.3)",
            ),
            TlsFailure::Closed(why) => write!(f, "the handshake broke off: {why} (is it a TLS server?)"),
            TlsFailure::Other(why) => f.write_str(why),
        }
    }
}

/// A unit variant's name as words: `HandshakeFailure` as `handshake failure`. For the enums of
/// rustls whose `Display` is their `Debug`, and which name the failure well.
pub(crate) fn words(value: &impl fmt::Debug) -> String {
    let name = format!("{value:?}");
    let name = name.split(['(', ' ', '{']).next().unwrap_or_default();
    let mut text = String::with_capacity(name.len() + 4);
    for (index, letter) in name.chars().enumerate() {
        if letter.is_ascii_uppercase() && index > 0 {
            text.push(' ');
        }
        text.push(letter.to_ascii_lowercase());
    }
    text
}

/// Seconds since the Unix epoch as `2024-05-01 13:00 UTC`.
fn utc(seconds: u64) -> String {
    // One civil-date computation in the workspace: the HAR writer's.
    let iso = corsproof_har::write::date_time(seconds.saturating_mul(1000));
    format!("{} {} UTC", &iso[..10], &iso[11..16])
}

/// rustls' refusal of a certificate, with what the certificate shows: carried through the
/// handshake inside `CertificateError::Other`, the one way a verifier's error gets out.
#[derive(Debug)]
struct Rejected {
    error: CertificateError,
    self_signed: bool,
    names: Vec<String>,
    host: String,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        TlsFailure::from_certificate(&self.error, Some(self)).fmt(f)
    }
}

impl std::error::Error for Rejected {}

/// The web PKI's verifier, whose refusals also say whether the certificate was self-signed
/// and which names it is for.
#[derive(Debug)]
pub(crate) struct ExplainingVerifier(pub(crate) Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ExplainingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.0.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now).map_err(
            |error| {
                let rustls::Error::InvalidCertificate(error) = error else { return error };
                let read = read_certificate(end_entity).unwrap_or_default();
                let rejected = Rejected {
                    error,
                    self_signed: read.self_signed,
                    names: read.names,
                    host: server_name.to_str().into_owned(),
                };
                rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(rejected))))
            },
        )
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// What a certificate shows about itself.
#[derive(Debug, Default, PartialEq, Eq)]
struct CertificateFacts {
    /// Its issuer's name is its subject's.
    self_signed: bool,
    /// Its subject alternative names: DNS names and IP addresses.
    names: Vec<String>,
}

/// Reads an X.509 certificate's issuer, subject and subject alternative names from its DER;
/// `None` when it does not parse (rustls then says so itself).
fn read_certificate(der: &[u8]) -> Option<CertificateFacts> {
    let (0x30, certificate, _) = element(der)? else { return None };
    let (0x30, to_be_signed, _) = element(certificate)? else { return None };
    let fields = elements(to_be_signed)?;
    // version [0] (optional), serial, signature algorithm, issuer, validity, subject, ...
    let first = usize::from(fields.first()?.0 == 0xa0);
    let issuer = fields.get(first + 2)?;
    let subject = fields.get(first + 4)?;
    let mut names = Vec::new();
    if let Some((_, extensions)) = fields.iter().find(|(tag, _)| *tag == 0xa3) {
        let (0x30, extensions, _) = element(extensions)? else { return None };
        for (_, extension) in elements(extensions)? {
            let parts = elements(extension)?;
            // 2.5.29.17, subjectAltName: an OCTET STRING holding a SEQUENCE of GeneralName.
            if parts.first() != Some(&(0x06, &[0x55, 0x1d, 0x11][..])) {
                continue;
            }
            let (0x04, value) = *parts.last()? else { return None };
            let (0x30, general_names, _) = element(value)? else { return None };
            for (tag, name) in elements(general_names)? {
                match tag {
                    0x82 => names.push(String::from_utf8_lossy(name).into_owned()),
                    0x87 => match <[u8; 4]>::try_from(name) {
                        Ok(v4) => names.push(IpAddr::from(v4).to_string()),
                        Err(_) => names
                            .extend(<[u8; 16]>::try_from(name).ok().map(|v6| IpAddr::from(v6).to_string())),
                    },
                    _ => {}
                }
            }
        }
    }
    Some(CertificateFacts { self_signed: issuer == subject, names })
}

/// Every DER element in `input`, as tag and contents.
fn elements(mut input: &[u8]) -> Option<Vec<(u8, &[u8])>> {
    let mut found = Vec::new();
    while !input.is_empty() {
        let (tag, contents, rest) = element(input)?;
        found.push((tag, contents));
        input = rest;
    }
    Some(found)
}

/// The DER element at the start of `input`: its tag, its contents and what follows it.
fn element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let length = rest[..count].iter().fold(0usize, |length, byte| length << 8 | usize::from(*byte));
        (length, &rest[count..])
    };
    (rest.len() >= length).then(|| (tag, &rest[..length], &rest[length..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_the_civil_calendars() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc(1_735_689_599), "2024-12-31 23:59 UTC");
    }

    #[test]
    fn rustls_names_read_as_words() {
        assert_eq!(words(&rustls::AlertDescription::HandshakeFailure), "handshake failure");
        assert_eq!(words(&webpki::Error::CaUsedAsEndEntity), "ca used as end entity");
    }

    #[test]
    fn a_certificate_that_does_not_parse_shows_nothing() {
        assert_eq!(read_certificate(b"not DER"), None);
        assert_eq!(read_certificate(&[0x30, 0x82, 0xff]), None);
    }
}
