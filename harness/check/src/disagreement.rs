//! How a server's verdict differs from a policy's, and the root cause a reader would call one
//! bug, which groups the probes that show it and ranks it.

use std::fmt;

use corsproof_oracle::{Reason, ReasonClass, Stage};

use crate::checked::Checked;
use crate::policy::{Expected, Refusal};
use crate::severity::Severity;

/// How a server's verdict differs from the policy's, for one probe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Disagreement {
    /// The page reads the response, but the policy refuses the request (why).
    AllowedAgainstPolicy(Refusal),
    /// The policy allows the request, but a browser blocks it.
    BlockedAgainstPolicy,
    /// The page reads this response header, which the policy does not expose.
    Exposes(String),
    /// The page cannot read this response header, which the policy exposes.
    Hides(String),
}

impl Disagreement {
    /// Every disagreement between what the policy expects and what was checked: none, one, or
    /// one per response header read against the policy.
    pub(crate) fn all_between(expected: &Expected, checked: &Checked) -> Vec<Disagreement> {
        match (expected.refusal(), checked.verdict().response()) {
            (Some(refusal), Some(_)) => vec![Disagreement::AllowedAgainstPolicy(refusal.clone())],
            (None, None) => vec![Disagreement::BlockedAgainstPolicy],
            (Some(_), None) => Vec::new(),
            (None, Some(readable)) => {
                let Some(sent) = checked.actual().and_then(|hop| hop.received.as_ref().ok()) else {
                    return Vec::new();
                };
                // The application's headers say more than the CORS protocol's own: they come first.
                let mut names: Vec<&String> = sent.headers.iter().map(|(name, _)| name).collect();
                names.sort_by_key(|name| name.starts_with("access-control-"));
                names.dedup();
                names
                    .into_iter()
                    .filter_map(|name| {
                        let reads = readable.headers.iter().any(|header| header.is(name));
                        match (reads, expected.reads(name)) {
                            (true, false) => Some(Disagreement::Exposes(name.clone())),
                            (false, true) => Some(Disagreement::Hides(name.clone())),
                            _ => None,
                        }
                    })
                    .collect()
            }
        }
    }

    /// The root cause this disagreement shows on `checked`: what groups it with others.
    pub(crate) fn cause(&self, checked: &Checked) -> Cause {
        match self {
            Disagreement::AllowedAgainstPolicy(Refusal::Origin(_)) => Cause::OriginNotInPolicy,
            Disagreement::AllowedAgainstPolicy(Refusal::Credentials) => Cause::CredentialsNotInPolicy,
            Disagreement::AllowedAgainstPolicy(Refusal::Method(_)) => Cause::MethodNotInPolicy,
            Disagreement::AllowedAgainstPolicy(Refusal::Header(_)) => Cause::HeaderNotInPolicy,
            Disagreement::AllowedAgainstPolicy(Refusal::Browser(_)) => Cause::RefusedByBrowser,
            Disagreement::Exposes(_) => Cause::ExposesUnlisted,
            Disagreement::Hides(_) => Cause::HidesExposed,
            Disagreement::BlockedAgainstPolicy => match checked.block() {
                Some(block) => {
                    let class = checked.engine.console().class_of(&block.reason);
                    if matches!(class, ReasonClass::WildcardWithCredentials | ReasonClass::CredentialsNotTrue)
                    {
                        // One setting answers the preflight and the response alike.
                        return Cause::CredentialsBlocked { class };
                    }
                    // The status is the story when the headers are missing (an error answer, auth
                    // before CORS) or the status itself blocks; a `*` with credentials is one bug
                    // whatever the status.
                    let told_by_status = matches!(
                        class,
                        ReasonClass::MissingAllowOrigin | ReasonClass::PreflightStatus | ReasonClass::Other
                    );
                    let status =
                        block.status.filter(|status| told_by_status && !(200..=299).contains(status));
                    Cause::Blocked { stage: block.stage, class, status }
                }
                None => Cause::NetworkError,
            },
        }
    }

    /// How much it matters on `checked` (see [`Severity`] for the scale): a read by an origin
    /// outside the policy is critical with credentials, high without.
    pub(crate) fn severity(&self, checked: &Checked) -> Severity {
        match self.cause(checked) {
            Cause::OriginNotInPolicy if checked.probe().is_credentialed() => Severity::Critical,
            Cause::OriginNotInPolicy | Cause::RefusedByBrowser => Severity::High,
            Cause::Blocked { .. }
            | Cause::CredentialsBlocked { .. }
            | Cause::NetworkError
            | Cause::HidesExposed => Severity::Medium,
            Cause::CredentialsNotInPolicy
            | Cause::MethodNotInPolicy
            | Cause::HeaderNotInPolicy
            | Cause::ExposesUnlisted => Severity::Low,
        }
    }

    /// The value that varies within its cause (the origin that got in, the method, the header),
    /// for the list of what a counterexample was seen with.
    pub(crate) fn seen_with(&self, checked: &Checked) -> Option<String> {
        match self {
            Disagreement::AllowedAgainstPolicy(
                Refusal::Origin(value) | Refusal::Method(value) | Refusal::Header(value),
            )
            | Disagreement::Exposes(value)
            | Disagreement::Hides(value) => Some(value.clone()),
            Disagreement::AllowedAgainstPolicy(Refusal::Credentials | Refusal::Browser(_)) => None,
            Disagreement::BlockedAgainstPolicy => Some(match checked.block().map(|block| &block.reason) {
                Some(Reason::MethodNotAllowed { method }) => method.clone(),
                Some(Reason::HeaderNotAllowed { header }) => header.clone(),
                _ => checked.probe().method_name().to_owned(),
            }),
        }
    }
}

impl fmt::Display for Disagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Disagreement::AllowedAgainstPolicy(refusal) => {
                write!(f, "the page reads the response, but {refusal}")
            }
            Disagreement::BlockedAgainstPolicy => {
                f.write_str("the policy allows this request, but a browser blocks it")
            }
            Disagreement::Exposes(name) => {
                write!(f, "the page can read `{name}`, which the policy does not expose")
            }
            Disagreement::Hides(name) => write!(f, "the page cannot read `{name}`, which the policy exposes"),
        }
    }
}

/// The root cause of a disagreement: what a reader would call one bug, whatever probe showed it.
/// A verification groups the disagreeing probes by it, shrinks one of each group and ranks the
/// groups by [`Severity`].
///
/// ```
/// use corsproof_check::Cause;
/// assert_eq!(Cause::OriginNotInPolicy.name(), "origin-not-in-policy");
/// assert_eq!(Cause::OriginNotInPolicy.to_string(), "origins the policy does not allow read the responses");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cause {
    /// Origins the policy does not allow read the responses: the origin check lets them in
    /// (reflection, a prefix or regex match, `null`).
    OriginNotInPolicy,
    /// Pages of allowed origins read credentialed responses, and the policy allows no credentials.
    CredentialsNotInPolicy,
    /// Allowed origins may use methods the policy does not list.
    MethodNotInPolicy,
    /// Allowed origins may send request headers the policy does not list.
    HeaderNotInPolicy,
    /// The page reads responses a browser refuses under the policy whatever the server answers.
    RefusedByBrowser,
    /// The page can read response headers the policy does not expose.
    ExposesUnlisted,
    /// The page cannot read response headers the policy exposes.
    HidesExposed,
    /// Requests the policy allows are blocked: on which response, the class of the browser's
    /// reason, and the status when it explains the block (a 401 preflight or a 500 without CORS
    /// headers, a preflight status outside 200-299).
    Blocked {
        /// The preflight, or the response to the request itself.
        stage: Stage,
        /// Why, as the console says it.
        class: ReasonClass,
        /// The status of the blocked response, when outside 200-299 and the headers are missing
        /// or the status is the reason.
        status: Option<u16>,
    },
    /// Credentialed requests the policy allows are blocked, at the preflight or on the response
    /// alike, because the answer refuses credentials (`*`, or no
    /// `Access-Control-Allow-Credentials: true`).
    CredentialsBlocked {
        /// Why, as the console says it.
        class: ReasonClass,
    },
    /// Requests the policy allows end in a network error that is no CORS block.
    NetworkError,
}

impl Cause {
    /// A stable name for scripts (`origin-not-in-policy`, `blocked`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Cause::OriginNotInPolicy => "origin-not-in-policy",
            Cause::CredentialsNotInPolicy => "credentials-not-in-policy",
            Cause::MethodNotInPolicy => "method-not-in-policy",
            Cause::HeaderNotInPolicy => "header-not-in-policy",
            Cause::RefusedByBrowser => "refused-by-browser",
            Cause::ExposesUnlisted => "exposes-unlisted",
            Cause::HidesExposed => "hides-exposed",
            Cause::Blocked { .. } => "blocked",
            Cause::CredentialsBlocked { .. } => "credentials-blocked",
            Cause::NetworkError => "network-error",
        }
    }
}

impl fmt::Display for Cause {
    /// One line a reader calls the bug by.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::OriginNotInPolicy => f.write_str("origins the policy does not allow read the responses"),
            Cause::CredentialsNotInPolicy => f.write_str(
                "allowed origins read credentialed responses, and the policy allows no credentials",
            ),
            Cause::MethodNotInPolicy => {
                f.write_str("allowed origins may use methods the policy does not list")
            }
            Cause::HeaderNotInPolicy => {
                f.write_str("allowed origins may send request headers the policy does not list")
            }
            Cause::RefusedByBrowser => {
                f.write_str("the page reads responses a browser refuses under the policy")
            }
            Cause::ExposesUnlisted => {
                f.write_str("the page can read response headers the policy does not expose")
            }
            Cause::HidesExposed => f.write_str("the page cannot read response headers the policy exposes"),
            Cause::Blocked { stage, class, status } => {
                let at = match stage {
                    Stage::Preflight => "at the preflight",
                    Stage::Response => "on the response",
                };
                let answered = status.map(|status| format!(" answered {status}")).unwrap_or_default();
                write!(f, "requests the policy allows are blocked {at}{answered}: {}", class_words(*class))
            }
            Cause::CredentialsBlocked { class } => {
                write!(f, "credentialed requests the policy allows are blocked: {}", class_words(*class))
            }
            Cause::NetworkError => {
                f.write_str("requests the policy allows end in a network error (no CORS block)")
            }
        }
    }
}

/// A reason class in a reader's words.
fn class_words(class: ReasonClass) -> &'static str {
    match class {
        ReasonClass::MissingAllowOrigin => "no `Access-Control-Allow-Origin`",
        ReasonClass::AllowOriginMismatch => "`Access-Control-Allow-Origin` names another origin",
        ReasonClass::MultipleAllowOrigin => "several `Access-Control-Allow-Origin` values",
        ReasonClass::InvalidAllowOrigin => "`Access-Control-Allow-Origin` is not an origin",
        ReasonClass::WildcardWithCredentials => "`*` answers a credentialed request",
        ReasonClass::CredentialsNotTrue => "`Access-Control-Allow-Credentials` is not `true`",
        ReasonClass::PreflightStatus => "the preflight's status is not 2xx",
        ReasonClass::PreflightRedirect => "the preflight is redirected",
        ReasonClass::MethodNotAllowed => "the method is not in `Access-Control-Allow-Methods`",
        ReasonClass::HeaderNotAllowed => "a header is not in `Access-Control-Allow-Headers`",
        ReasonClass::RedirectNotAllowed => "a redirect the CORS protocol refuses",
        ReasonClass::LocalNetworkAccess => "a public page may not reach this loopback or private address",
        ReasonClass::Other => "a CORS block",
    }
}
