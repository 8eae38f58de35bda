//! The classes a block's console line is read into, the same for every engine.

/// Why a browser blocked a request, in classes every engine's message can be read into.
///
/// Scenario files name them (`reason = "missing-allow-origin"`), the runner reads them from the
/// browser's console and the oracle predicts them, all through the engines' console tables
/// ([`ConsoleTable`](crate::ConsoleTable)). With the `serde` feature they (de)serialize as
/// those names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "kebab-case"))]
pub enum ReasonClass {
    /// No `Access-Control-Allow-Origin`.
    MissingAllowOrigin,
    /// `Access-Control-Allow-Origin` names another origin.
    AllowOriginMismatch,
    /// `Access-Control-Allow-Origin` holds several values (a list, or the header twice).
    MultipleAllowOrigin,
    /// `Access-Control-Allow-Origin` is not an origin at all.
    InvalidAllowOrigin,
    /// `*` answered a credentialed request.
    WildcardWithCredentials,
    /// `Access-Control-Allow-Credentials` is not exactly `true` for a credentialed request.
    CredentialsNotTrue,
    /// The preflight's status is not 2xx.
    PreflightStatus,
    /// The preflight was redirected.
    PreflightRedirect,
    /// The method is not in `Access-Control-Allow-Methods`.
    MethodNotAllowed,
    /// A header is not in `Access-Control-Allow-Headers`.
    HeaderNotAllowed,
    /// A redirect the CORS protocol refuses (userinfo, scheme, ...).
    RedirectNotAllowed,
    /// Local Network Access stopped a page's request into a more private address space
    /// (Chromium words it as a CORS-policy block).
    LocalNetworkAccess,
    /// A CORS block whose message fits no other class.
    Other,
}

impl ReasonClass {
    /// Every class, for messages that list them.
    pub const ALL: [ReasonClass; 13] = [
        ReasonClass::MissingAllowOrigin,
        ReasonClass::AllowOriginMismatch,
        ReasonClass::MultipleAllowOrigin,
        ReasonClass::InvalidAllowOrigin,
        ReasonClass::WildcardWithCredentials,
        ReasonClass::CredentialsNotTrue,
        ReasonClass::PreflightStatus,
        ReasonClass::PreflightRedirect,
        ReasonClass::MethodNotAllowed,
        ReasonClass::HeaderNotAllowed,
        ReasonClass::RedirectNotAllowed,
        ReasonClass::LocalNetworkAccess,
        ReasonClass::Other,
    ];

    /// The name scenario files use (`missing-allow-origin`).
    pub fn name(self) -> &'static str {
        match self {
            ReasonClass::MissingAllowOrigin => "missing-allow-origin",
            ReasonClass::AllowOriginMismatch => "allow-origin-mismatch",
            ReasonClass::MultipleAllowOrigin => "multiple-allow-origin",
            ReasonClass::InvalidAllowOrigin => "invalid-allow-origin",
            ReasonClass::WildcardWithCredentials => "wildcard-with-credentials",
            ReasonClass::CredentialsNotTrue => "credentials-not-true",
            ReasonClass::PreflightStatus => "preflight-status",
            ReasonClass::PreflightRedirect => "preflight-redirect",
            ReasonClass::MethodNotAllowed => "method-not-allowed",
            ReasonClass::HeaderNotAllowed => "header-not-allowed",
            ReasonClass::RedirectNotAllowed => "redirect-not-allowed",
            ReasonClass::LocalNetworkAccess => "local-network-access",
            ReasonClass::Other => "other",
        }
    }
}
