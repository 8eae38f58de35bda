//! The fix a [`Checked`] report prints: in the user's framework (detected from the answer, or
//! chosen), never telling them to allow an origin they have not said is theirs.

use std::fmt;
use std::str::FromStr;

use corsproof_oracle::{Fix, Framework, OriginTrust, UnknownFramework};

use crate::checked::Checked;

/// Which framework's configuration a report shows the fix in.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum FixFor {
    /// The framework the server's answer shows ([`Framework::detect`]); when it shows none, the
    /// headers alone and how to ask for a framework.
    #[default]
    Detected,
    /// This framework's, whatever the server shows.
    Framework(Framework),
    /// Every framework's, one after the other.
    All,
}

/// A `--fix-for` value that is neither `all` nor a framework's name.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UnknownFixFor(pub UnknownFramework);

impl fmt::Display for UnknownFixFor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, or all", self.0)
    }
}

impl std::error::Error for UnknownFixFor {}

impl FromStr for FixFor {
    type Err = UnknownFixFor;

    /// `all`, or a [`Framework::name`].
    ///
    /// ```
    /// use corsproof_check::{FixFor, Framework};
    /// assert_eq!("all".parse(), Ok(FixFor::All));
    /// assert_eq!("koa".parse(), Ok(FixFor::Framework(Framework::Koa)));
    /// let error = "rails".parse::<FixFor>().unwrap_err().to_string();
    /// assert!(error.contains("express") && error.ends_with("or all"), "{error}");
    /// ```
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        if name.trim().eq_ignore_ascii_case("all") {
            return Ok(FixFor::All);
        }
        name.parse().map(FixFor::Framework).map_err(UnknownFixFor)
    }
}

/// What a [`Checker`](crate::Checker) knows about how to advise: which framework to write the
/// fix for, and which origins the user declared theirs.
#[derive(Clone, Debug, Default)]
pub(crate) struct Advice {
    pub(crate) fix_for: FixFor,
    pub(crate) own_origins: Vec<String>,
}

impl Advice {
    /// Declares `origins` the user's own.
    pub(crate) fn add_own_origins<S: Into<String>>(&mut self, origins: impl IntoIterator<Item = S>) {
        self.own_origins.extend(origins.into_iter().map(Into::into));
    }
}

impl Checked {
    /// The same report, with the fix shown for `fix_for` instead.
    pub fn with_fix_for(mut self, fix_for: FixFor) -> Self {
        self.advice.fix_for = fix_for;
        self
    }

    /// The same report, with `origins` declared the user's own: a fix that allows one of them
    /// says so plainly instead of "if it is your page's origin".
    pub fn with_own_origins<S: Into<String>>(mut self, origins: impl IntoIterator<Item = S>) -> Self {
        self.advice.add_own_origins(origins);
        self
    }

    /// The framework the server's answers show (`Server`, `X-Powered-By`), if any.
    pub fn detected_framework(&self) -> Option<Framework> {
        self.hops.iter().rev().filter_map(|hop| hop.received.as_ref().ok()).find_map(|received| {
            Framework::detect(received.headers.iter().map(|(name, value)| (name.as_str(), value.as_slice())))
        })
    }

    /// The user's framework as far as corsproof knows it: the chosen one, else the detected
    /// one (also under [`FixFor::All`], which shows every framework's fix).
    pub fn fix_framework(&self) -> Option<Framework> {
        match self.advice.fix_for {
            FixFor::Framework(framework) => Some(framework),
            FixFor::Detected | FixFor::All => self.detected_framework(),
        }
    }

    /// The fix, when the browser blocks the response for CORS; conditional on the page's
    /// origin being the user's unless it was declared so ([`Checked::with_own_origins`],
    /// [`CheckerBuilder::own_origins`](crate::CheckerBuilder::own_origins)).
    pub fn fix(&self) -> Option<Fix> {
        let block = self.block()?;
        let trust = if self.advice.own_origins.contains(&block.policy.origin) {
            OriginTrust::Confirmed
        } else {
            OriginTrust::Unconfirmed
        };
        Some(block.fix_with(trust))
    }

    /// The fix as the report prints it: summary, headers, then the snippet of the detected or
    /// chosen framework (every one for [`FixFor::All`]), or how to ask for one.
    pub(crate) fn write_fix(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(fix) = self.fix() else { return Ok(()) };
        writeln!(f, "\nfix: {}", fix.summary)?;
        if !fix.is_server_side() {
            return Ok(());
        }
        for header in &fix.headers {
            let on = if header.preflight_only { " (on the preflight answer)" } else { "" };
            writeln!(f, "  {}: {}{on}", header.name, header.value)?;
        }
        let frameworks: Vec<Framework> = match self.advice.fix_for {
            FixFor::All => Framework::ALL.to_vec(),
            _ => self.fix_framework().into_iter().collect(),
        };
        if frameworks.is_empty() {
            return writeln!(
                f,
                "  In your server's configuration: `--fix-for NAME` (Rust: `Checked::with_fix_for`), NAME one of {}, or all.",
                Framework::names()
            );
        }
        for framework in frameworks {
            let how = match self.advice.fix_for {
                FixFor::Detected => ", detected from the answer's headers",
                _ => "",
            };
            writeln!(f, "\n  {framework}{how}:")?;
            for line in fix.snippet(framework).lines() {
                // A blank line stays blank: no trailing spaces for a copy into a config file.
                writeln!(f, "{}{line}", if line.is_empty() { "" } else { "    " })?;
            }
        }
        Ok(())
    }
}
