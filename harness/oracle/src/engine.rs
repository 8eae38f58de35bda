//! Engine profiles: the places where browsers differ from each other or from the standard.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::request::UnknownOption;

/// A browser engine. Everything the standard leaves to the user agent, and every known
/// deviation the oracle models, hangs off this type.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum Engine {
    /// Blink (Chrome, Edge, Chromium). The reference engine: its console wording is
    /// reproduced exactly.
    #[default]
    Chromium,
    /// Gecko (Firefox).
    Firefox,
    /// WebKit (Safari, WebKitGTK).
    WebKit,
}

/// What the standard says when `Access-Control-Max-Age` is missing or does not parse.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(5);

impl Engine {
    /// All engines, for iteration.
    pub const ALL: [Engine; 3] = [Engine::Chromium, Engine::Firefox, Engine::WebKit];

    /// The longest a preflight result is cached, whatever `Access-Control-Max-Age` says:
    /// Chromium 2 hours (`kMaxTimeout`), Firefox 24 hours, WebKit 10 minutes
    /// (`maxPreflightCacheTimeout`).
    pub const fn max_age_cap(self) -> Duration {
        Duration::from_secs(match self {
            Engine::Chromium => 7200,
            Engine::Firefox => 86_400,
            Engine::WebKit => 600,
        })
    }

    /// How long a preflight result lives given the `Access-Control-Max-Age` bytes (`None`
    /// when absent): delta-seconds, capped; missing or invalid is 5 s.
    ///
    /// Deviations: Chromium parses the value as a signed integer, so a negative value means
    /// "do not cache" (0 s) rather than the standard's 5 s default. Firefox caches nothing for
    /// any value that is not all digits, negative or not (`nsCORSPreflightListener::
    /// AddResultToCache` returns at the first non-digit); only an absent or empty header gets
    /// the 5 s default.
    pub fn max_age(self, header: Option<&[u8]>) -> Duration {
        let Some(value) = header else {
            return DEFAULT_MAX_AGE;
        };
        let cap = self.max_age_cap();
        if value.is_empty() {
            return DEFAULT_MAX_AGE;
        }
        if self == Engine::Chromium
            && value[0] == b'-'
            && value.len() > 1
            && value[1..].iter().all(u8::is_ascii_digit)
        {
            return Duration::ZERO;
        }
        if !value.iter().all(u8::is_ascii_digit) {
            return if self == Engine::Firefox { Duration::ZERO } else { DEFAULT_MAX_AGE };
        }
        // Saturate instead of overflowing: anything this long is capped anyway.
        let seconds = value
            .iter()
            .fold(0u64, |acc, digit| acc.saturating_mul(10).saturating_add(u64::from(digit - b'0')));
        Duration::from_secs(seconds).min(cap)
    }

    /// Whether a new preflight result for an (origin, URL) replaces everything cached for
    /// it. The standard keeps one entry per method and per header name and merges;
    /// Chromium and WebKit keep one result per (origin, URL) and overwrite it, so methods a
    /// previous preflight allowed are forgotten.
    pub fn preflight_result_replaces_entry(self) -> bool {
        matches!(self, Engine::Chromium | Engine::WebKit)
    }

    /// Whether `Access-Control-Allow-Headers: *` covers `Authorization`. The standard says
    /// never; Chromium only deprecated it (a console warning, chromestatus 5742041264816128)
    /// and still lets it through, and so does Firefox (pref
    /// `network.cors_preflight.authorization_covered_by_wildcard`, on by default, with the
    /// `CORSAllowHeaderFromPreflightDeprecation` warning), so the oracle warns instead of
    /// blocking there.
    pub fn wildcard_covers_authorization(self) -> bool {
        matches!(self, Engine::Chromium | Engine::Firefox)
    }

    /// Whether a preflight result cached for a credentialed request serves only credentialed
    /// requests. The standard lets it serve any request; Firefox keys its preflight cache by
    /// the credentials flag (`nsPreflightCache::GetEntry(..., aWithCredentials, ...)`), so an
    /// uncredentialed request to the same URL preflights again.
    pub fn preflight_cache_keyed_by_credentials(self) -> bool {
        self == Engine::Firefox
    }

    /// Whether a cached `*` (from `Access-Control-Allow-Methods: *` or `-Headers: *`) serves
    /// later requests with other methods or headers. The standard says so; Firefox's
    /// `CORSCacheEntry::CheckRequest` compares the cached tokens literally, so `*` serves
    /// nothing and the request preflights again (where `*` then allows it).
    pub fn preflight_cache_matches_wildcards(self) -> bool {
        self != Engine::Firefox
    }

    /// Whether the HTTP cache keeps credentialed and uncredentialed requests apart, so that a
    /// response stored for one is never served to the other. Firefox's cache key carries the
    /// anonymous-load flag (`LOAD_ANONYMOUS`, set for credentials mode `omit`); Chromium serves
    /// one stored response to both.
    pub fn http_cache_keyed_by_credentials(self) -> bool {
        self == Engine::Firefox
    }

    /// Whether a preflighted fetch that fails (the actual response refused by the CORS check,
    /// say) clears the preflight cache entries of its origin and URL, as the standard's HTTP
    /// fetch says. Chromium keeps them: a repeat within Max-Age goes without a preflight.
    pub fn clears_preflight_cache_on_failure(self) -> bool {
        self != Engine::Chromium
    }

    /// The engine's name as users know it.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
            Engine::WebKit => "webkit",
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Engine {
    type Err = UnknownOption;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "chromium" | "chrome" | "blink" | "edge" => Ok(Engine::Chromium),
            "firefox" | "gecko" => Ok(Engine::Firefox),
            "webkit" | "safari" => Ok(Engine::WebKit),
            _ => Err(UnknownOption(text.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_missing_means_five_seconds_and_invalid_too_except_in_firefox() {
        for engine in Engine::ALL {
            assert_eq!(engine.max_age(None), DEFAULT_MAX_AGE);
            assert_eq!(engine.max_age(Some(b"")), DEFAULT_MAX_AGE);
            assert_eq!(engine.max_age(Some(b"60")), Duration::from_secs(60));
            let invalid = if engine == Engine::Firefox { Duration::ZERO } else { DEFAULT_MAX_AGE };
            assert_eq!(engine.max_age(Some(b"ten")), invalid);
            assert_eq!(engine.max_age(Some(b"1.5")), invalid);
        }
    }

    #[test]
    fn max_age_capped_per_engine() {
        let huge = Some(&b"99999999999999999999999999"[..]);
        assert_eq!(Engine::Chromium.max_age(huge), Duration::from_secs(7200));
        assert_eq!(Engine::Firefox.max_age(huge), Duration::from_secs(86_400));
        assert_eq!(Engine::WebKit.max_age(huge), Duration::from_secs(600));
    }

    #[test]
    fn max_age_negative_is_zero_in_chromium_and_firefox_and_default_elsewhere() {
        assert_eq!(Engine::Chromium.max_age(Some(b"-1")), Duration::ZERO);
        assert_eq!(Engine::Firefox.max_age(Some(b"-1")), Duration::ZERO);
        assert_eq!(Engine::WebKit.max_age(Some(b"-1")), DEFAULT_MAX_AGE);
    }

    #[test]
    fn engine_names_parse() {
        assert_eq!("Chrome".parse::<Engine>().unwrap(), Engine::Chromium);
        assert_eq!("safari".parse::<Engine>().unwrap(), Engine::WebKit);
        assert!("ie".parse::<Engine>().is_err());
    }
}
