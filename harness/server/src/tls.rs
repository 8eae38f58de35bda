//! A throwaway certificate authority and the TLS configuration of the HTTPS listener.
//!
//! Every start makes a new CA and a leaf certificate for every name the server answers. Browsers
//! are told to accept it (`acceptInsecureCerts`); Rust clients can trust
//! [`Certificates::ca_der`] instead of turning verification off.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, KeyUsagePurpose};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The CA and the leaf it signed.
#[derive(Debug, Clone)]
pub struct Certificates {
    /// The CA certificate (DER) to trust.
    pub ca_der: CertificateDer<'static>,
    /// The same CA certificate as PEM, for `curl --cacert`.
    pub ca_pem: String,
    /// The leaf certificate (DER) the server presents.
    pub leaf_der: CertificateDer<'static>,
    leaf_key: Arc<PrivatePkcs8KeyDer<'static>>,
}

/// Certificate generation failed.
#[derive(Debug, thiserror::Error)]
#[error("could not make the TLS certificate: {0}")]
pub struct TlsError(String);

impl Certificates {
    /// A new CA and a leaf for `names` (DNS names, wildcards like `*.test`, or IP addresses).
    pub fn generate(names: &[String]) -> Result<Self, TlsError> {
        let error = |e: rcgen::Error| TlsError(e.to_string());

        let ca_key = KeyPair::generate().map_err(error)?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(error)?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "corsproof throwaway CA");
        let ca = ca_params.self_signed(&ca_key).map_err(error)?;

        let leaf_key = KeyPair::generate().map_err(error)?;
        let mut leaf_params = CertificateParams::new(names.to_vec()).map_err(error)?;
        leaf_params.distinguished_name.push(rcgen::DnType::CommonName, "corsproof mock origin");
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let leaf = leaf_params.signed_by(&leaf_key, &issuer).map_err(error)?;

        Ok(Self {
            ca_der: ca.der().clone(),
            ca_pem: ca.pem(),
            leaf_der: leaf.der().clone(),
            leaf_key: Arc::new(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        })
    }

    /// The server side: this leaf, HTTP/2 and HTTP/1.1 offered through ALPN.
    pub(crate) fn server_config(&self) -> Result<Arc<ServerConfig>, TlsError> {
        self.config_with_alpn(vec![b"h2".to_vec(), b"http/1.1".to_vec()])
    }

    /// The routing proxy's side: the same leaf, HTTP/1.1 only (a proxy speaks HTTP/1.1, and
    /// `CONNECT` needs it).
    pub(crate) fn proxy_config(&self) -> Result<Arc<ServerConfig>, TlsError> {
        self.config_with_alpn(vec![b"http/1.1".to_vec()])
    }

    fn config_with_alpn(&self, alpn: Vec<Vec<u8>>) -> Result<Arc<ServerConfig>, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(
                vec![self.leaf_der.clone(), self.ca_der.clone()],
                PrivateKeyDer::Pkcs8(self.leaf_key.clone_key()),
            )
            .map_err(|e| TlsError(e.to_string()))?;
        config.alpn_protocols = alpn;
        Ok(Arc::new(config))
    }
}

/// The server side of a TLS handshake on `stream`, given at most `timeout`: a client that fails
/// it or stalls is logged (as `socket`'s, at debug level) and gets `None`.
pub(crate) async fn accept<S>(
    acceptor: &tokio_rustls::TlsAcceptor,
    stream: S,
    timeout: std::time::Duration,
    socket: &str,
) -> Option<tokio_rustls::server::TlsStream<S>>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    match tokio::time::timeout(timeout, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => Some(tls),
        Ok(Err(error)) => {
            tracing::debug!(socket, %error, "TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::debug!(socket, "TLS handshake timed out");
            None
        }
    }
}
