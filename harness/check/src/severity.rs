//! How much a problem matters: one scale for the counterexamples of a verification and the
//! hygiene findings, ranked as security scanners rank theirs.

use std::fmt;

/// How much something wrong with a server's CORS matters, from informational to critical.
///
/// The scale ranks by who gains what:
///
/// - [`Critical`](Severity::Critical): an origin the policy does not allow reads a
///   credentialed response, so any site can read a signed-in user's data.
/// - [`High`](Severity::High): an origin the policy does not allow reads an uncredentialed
///   response the policy refuses (data behind an IP allow-list or an intranet, tokens in
///   URLs).
/// - [`Medium`](Severity::Medium): traffic the policy intends is broken: an allowed request is
///   blocked, or a header the policy exposes cannot be read.
/// - [`Low`](Severity::Low): an allowed origin is granted more than the policy lists
///   (credentials, a method, a request header, a readable response header), where no origin
///   outside the policy gains anything; and hygiene that breaks pages or their debugging sooner
///   or later (`Vary: Origin` missing, an error answer without CORS headers, a preflight
///   answered outside 2xx).
/// - [`Info`](Severity::Info): hygiene worth knowing (max-age, preflight details sent to any
///   origin): costs requests or leaks a little.
///
/// A verification passes when nothing is [`Low`](Severity::Low) or above.
///
/// ```
/// use corsproof_check::Severity;
/// assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
/// assert_eq!(Severity::Critical.to_string(), "critical");
/// assert!(Severity::Low.fails() && !Severity::Info.fails());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing: costs requests or leaks a little.
    Info,
    /// More than the policy for allowed origins, or sloppy answers that break pages later.
    Low,
    /// Traffic the policy intends is broken.
    Medium,
    /// An origin outside the policy reads uncredentialed responses.
    High,
    /// An origin outside the policy reads credentialed responses.
    Critical,
}

impl Severity {
    /// The name reports print (`critical`, `high`, `medium`, `low`, `info`).
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Whether something this severe fails a verification (everything but
    /// [`Info`](Severity::Info)).
    pub fn fails(self) -> bool {
        self >= Severity::Low
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
