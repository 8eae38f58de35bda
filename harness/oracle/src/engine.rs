//! Engine profiles: the places where browsers differ from each other or from the standard.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::address_space::{LocalNetworkCause, LocalNetworkPermission, LocalNetworkRequest};
use crate::cookie::{CookieProfile, SameSite, ThirdPartyCookies};
use crate::request::UnknownOption;

/// A browser engine: the one identity type of the workspace (the browser crate re-exports it
/// as `corsproof_browser::Engine`). Everything the standard leaves to the user agent, and every
/// known deviation the oracle models, hangs off this type; so does its console
/// ([`Engine::console`]). Every switch on it is a `match`, so that a new engine is pointed at
/// by the compiler wherever it must be described.
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
    /// the 5 s default. WebKit parses it with `parseInteger<int64_t>`
    /// (`parseAccessControlMaxAge` in Source/WebCore/loader/CrossOriginPreflightResultCache.cpp):
    /// a sign is allowed, so `-1` gives an entry that has already expired (0 s) and `+60` is
    /// 60 s, while a value that overflows an `int64_t` does not parse and gets the 5 s default
    /// instead of the cap.
    pub fn max_age(self, header: Option<&[u8]>) -> Duration {
        let Some(value) = header else {
            return DEFAULT_MAX_AGE;
        };
        let cap = self.max_age_cap();
        if value.is_empty() {
            return DEFAULT_MAX_AGE;
        }
        let all_digits = |digits: &[u8]| !digits.is_empty() && digits.iter().all(u8::is_ascii_digit);
        let not_digits = match self {
            Engine::WebKit => {
                let (negative, digits) = match value[0] {
                    b'-' => (true, &value[1..]),
                    b'+' => (false, &value[1..]),
                    _ => (false, value),
                };
                let parsed = all_digits(digits)
                    .then(|| std::str::from_utf8(digits).ok()?.parse::<i64>().ok())
                    .flatten();
                return match parsed {
                    None => DEFAULT_MAX_AGE,
                    Some(_) if negative => Duration::ZERO,
                    Some(seconds) => Duration::from_secs(seconds.unsigned_abs()).min(cap),
                };
            }
            Engine::Chromium if value[0] == b'-' && all_digits(&value[1..]) => return Duration::ZERO,
            Engine::Chromium => DEFAULT_MAX_AGE,
            Engine::Firefox => Duration::ZERO,
        };
        if !value.iter().all(u8::is_ascii_digit) {
            return not_digits;
        }
        // Saturate instead of overflowing: anything this long is capped anyway.
        let seconds = value
            .iter()
            .fold(0u64, |acc, digit| acc.saturating_mul(10).saturating_add(u64::from(digit - b'0')));
        Duration::from_secs(seconds).min(cap)
    }

    /// Whether a page may set `User-Agent`. The standard took it off the forbidden request
    /// headers, so a page's value is sent and, being no safelisted header, preflighted: Firefox
    /// (since 43) and WebKit do. Chromium still drops it silently, from fetch and from
    /// XMLHttpRequest alike, and sends its own (crbug.com/571722, noted on MDN's "Forbidden
    /// header name"; the corpus scenario `request-headers/received::user-agent-set-by-the-page`
    /// keeps it).
    pub fn page_may_set_user_agent(self) -> bool {
        match self {
            Engine::Chromium => false,
            Engine::Firefox | Engine::WebKit => true,
        }
    }

    /// Whether a new preflight result for an (origin, URL) replaces everything cached for
    /// it. The standard keeps one entry per method and per header name and merges;
    /// Chromium and WebKit keep one result per (origin, URL) and overwrite it, so methods a
    /// previous preflight allowed are forgotten.
    pub fn preflight_result_replaces_entry(self) -> bool {
        match self {
            Engine::Chromium | Engine::WebKit => true,
            Engine::Firefox => false,
        }
    }

    /// Whether `Access-Control-Allow-Headers: *` covers `Authorization`. The standard says
    /// never; Chromium only deprecated it (a console warning, chromestatus 5742041264816128)
    /// and still lets it through, and so does Firefox (pref
    /// `network.cors_preflight.authorization_covered_by_wildcard`, on by default, with the
    /// `CORSAllowHeaderFromPreflightDeprecation` warning). WebKit never made the exception:
    /// `CrossOriginPreflightResultCacheItem::validateCrossOriginHeaders`
    /// (Source/WebCore/loader/CrossOriginPreflightResultCache.cpp) lets a `*` without
    /// credentials cover every name, `Authorization` included, and says nothing. So the
    /// oracle warns instead of blocking in every profile.
    pub fn wildcard_covers_authorization(self) -> bool {
        match self {
            Engine::Chromium | Engine::Firefox | Engine::WebKit => true,
        }
    }

    /// Whether a cached `*` header entry serves a later request carrying `Authorization`
    /// without a new preflight. The standard's header-name cache entry match never lets `*`
    /// match `Authorization`, and Chromium and Firefox preflight again (where a fresh `*` then
    /// covers it, [`Engine::wildcard_covers_authorization`]). WebKit checks a cached result
    /// with the same `validateCrossOriginHeaders` it judges a fresh preflight with
    /// (`CrossOriginPreflightResultCacheItem::allowsRequest`), so the cached `*` covers it and
    /// the request goes out without a preflight.
    pub fn preflight_cache_wildcard_covers_authorization(self) -> bool {
        match self {
            Engine::WebKit => true,
            Engine::Chromium | Engine::Firefox => false,
        }
    }

    /// Whether a preflight result cached for a credentialed request serves only credentialed
    /// requests. The standard lets it serve any request; Firefox keys its preflight cache by
    /// the credentials flag (`nsPreflightCache::GetEntry(..., aWithCredentials, ...)`), so an
    /// uncredentialed request to the same URL preflights again.
    pub fn preflight_cache_keyed_by_credentials(self) -> bool {
        match self {
            Engine::Firefox => true,
            Engine::Chromium | Engine::WebKit => false,
        }
    }

    /// Whether a cached `*` (from `Access-Control-Allow-Methods: *` or `-Headers: *`) serves
    /// later requests with other methods or headers. The standard says so; Firefox's
    /// `CORSCacheEntry::CheckRequest` compares the cached tokens literally, so `*` serves
    /// nothing and the request preflights again (where `*` then allows it).
    pub fn preflight_cache_matches_wildcards(self) -> bool {
        match self {
            Engine::Firefox => false,
            Engine::Chromium | Engine::WebKit => true,
        }
    }

    /// Whether the HTTP cache keeps credentialed and uncredentialed requests apart, so that a
    /// response stored for one is never served to the other. Firefox's cache key carries the
    /// anonymous-load flag (`LOAD_ANONYMOUS`, set for credentials mode `omit`); Chromium serves
    /// one stored response to both.
    pub fn http_cache_keyed_by_credentials(self) -> bool {
        match self {
            Engine::Firefox => true,
            Engine::Chromium | Engine::WebKit => false,
        }
    }

    /// Whether a preflighted fetch that fails (the actual response refused by the CORS check,
    /// say) clears the preflight cache entries of its origin and URL, as the standard's HTTP
    /// fetch says. Chromium keeps them: a repeat within Max-Age goes without a preflight. So
    /// does WebKit: `CrossOriginPreflightResultCache`
    /// (Source/WebCore/loader/CrossOriginPreflightResultCache.cpp) removes an entry only in
    /// `canSkipPreflight`, when a request finds it does not cover it
    /// ([`Engine::preflight_cache_miss_evicts_entry`]).
    pub fn clears_preflight_cache_on_failure(self) -> bool {
        match self {
            Engine::Firefox => true,
            Engine::Chromium | Engine::WebKit => false,
        }
    }

    /// Whether a request that needs a preflight and is not covered by the cached result for
    /// its origin and URL throws that result away before preflighting. The standard and the
    /// other engines leave the entries alone (a failed new preflight then leaves the old
    /// result in place); WebKit's `CrossOriginPreflightResultCache::canSkipPreflight`
    /// (Source/WebCore/loader/CrossOriginPreflightResultCache.cpp) removes the (origin, URL)
    /// entry when `allowsRequest` says no, whatever the preflight that follows says.
    pub fn preflight_cache_miss_evicts_entry(self) -> bool {
        match self {
            Engine::WebKit => true,
            Engine::Chromium | Engine::Firefox => false,
        }
    }

    /// Whether an https page may fetch `http://localhost`, `http://*.localhost` and loopback
    /// IP addresses: they are potentially trustworthy URLs, so the standard (Mixed Content,
    /// "should fetching request be blocked as mixed content?"), Chromium and Firefox do not
    /// treat them as mixed content. WebKit does: `isNonLocalHostPotentiallyTrustworthyURL` in
    /// Source/WebCore/loader/MixedContentChecker.cpp counts a localhost or loopback URL as
    /// trustworthy only with a secure scheme (webkit.org/b/171934), so the fetch is blocked
    /// before anything is sent.
    pub fn mixed_content_exempts_loopback(self) -> bool {
        match self {
            Engine::WebKit => false,
            Engine::Chromium | Engine::Firefox => true,
        }
    }

    /// Whether a page served with `Content-Security-Policy: treat-as-public-address` counts as
    /// public whatever address it came from (the draft's directive; Chromium's
    /// `CalculateClientAddressSpace` checks `ShouldTreatAsPublicAddress` first). Observed:
    /// Chromium 156 blocked such a page's fetch to loopback; Firefox ESR 153 let it through
    /// (it judges the page by its address only); WebKitGTK 2.50 has no address spaces.
    pub fn honours_treat_as_public_address(self) -> bool {
        match self {
            Engine::Chromium => true,
            Engine::Firefox | Engine::WebKit => false,
        }
    }

    /// What Local Network Access does with a request, before anything is sent: `Ok` when it
    /// goes out (the CORS rules then apply as usual), else why it fails. Observed on this
    /// project's machine (Debian 12) with pages made public by each engine's test switch and
    /// by a real public address (`192.0.2.2`) fetching `127.0.0.1`:
    ///
    /// - Chromium 156 enforces it (`LocalNetworkAccessChecks`, on since 142): a public page's
    ///   request to the local or loopback space fails without reaching the server, a simple
    ///   GET included. A page that is not a secure context cannot ask at all; a secure one
    ///   needs the space's permission ([`AddressSpace::permission`](crate::AddressSpace::permission)), which headless Chromium
    ///   denies unless WebDriver's set-permission granted it beforehand. Local to loopback is
    ///   not checked (`IsLessPublicAddressSpaceLNA` counts them as one space).
    /// - Firefox ESR 153 enforces it (`network.lna.enabled` and `network.lna.blocking` true by
    ///   default): the same permissions, asked for from secure and insecure pages alike
    ///   (`network.lna.block_insecure_contexts` false); a prompt nobody answers holds the
    ///   fetch until `network.lna.prompt.timeout` (5 minutes), then denies.
    /// - WebKitGTK 2.50 does not: a page at a public address reads a loopback resource
    ///   (its `LocalNetworkAccessEnabled` preference is off, and WebKitWebDriver has no
    ///   set-permission command).
    ///
    /// None of them sends the earlier Private Network Access preflight header
    /// (`Access-Control-Request-Private-Network`): no journal entry carried it.
    pub fn local_network_access(self, request: &LocalNetworkRequest) -> Result<(), LocalNetworkCause> {
        if !request.target.is_local_network_request_from(request.page) {
            return Ok(());
        }
        let granted = request.permission == LocalNetworkPermission::Granted;
        match self {
            Engine::Chromium if !request.secure_context => Err(LocalNetworkCause::InsecureContext),
            Engine::Chromium | Engine::Firefox if granted => Ok(()),
            Engine::Chromium | Engine::Firefox => Err(LocalNetworkCause::PermissionNotGranted),
            Engine::WebKit => Ok(()),
        }
    }

    /// Whether a preflight's status is judged before its CORS check, so that a preflight
    /// answered 404 without `Access-Control-Allow-Origin` fails on its status. The standard's
    /// "CORS-preflight fetch" (and Chromium, Firefox) run the CORS check first; WebKit's
    /// `CrossOriginPreflightChecker::validatePreflightResponse`
    /// (Source/WebCore/loader/CrossOriginPreflightChecker.cpp) checks the status first, and its
    /// console says so: `Preflight response is not successful. Status code: 404` (read through
    /// its inspector; the corpus scenario
    /// `preflight/status.toml::preflight-404-without-acao-reports-missing-acao` keeps it).
    pub fn checks_preflight_status_first(self) -> bool {
        match self {
            Engine::WebKit => true,
            Engine::Chromium | Engine::Firefox => false,
        }
    }

    /// Whether the `Range` safelist takes the `bytes` unit in any case (`Bytes=0-99`). The
    /// standard's "simple range header value" compares `bytes` byte for byte, and Chromium
    /// and Firefox preflight any other spelling; WebKit's `parseRange`
    /// (Source/WebCore/platform/network/HTTPParsers.cpp, called by
    /// `isCrossOriginSafeRequestHeader`) matches it with `startsWithLettersIgnoringASCIICase`.
    pub fn range_unit_case_insensitive(self) -> bool {
        match self {
            Engine::WebKit => true,
            Engine::Chromium | Engine::Firefox => false,
        }
    }

    /// Headers the engine's network layer adds to every response it received over HTTP/2,
    /// before the CORS filter sees them, as if the server had sent them. Firefox adds
    /// `X-Firefox-Spdy: h2`, which `Access-Control-Expose-Headers: *` then exposes (found by
    /// `tests/browser_properties.rs`; the corpus scenario
    /// `exposed-headers/…::wildcard-over-http2-exposes-what-the-server-sent` keeps it).
    pub fn http2_response_headers(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Engine::Firefox => &[("x-firefox-spdy", "h2")],
            Engine::Chromium | Engine::WebKit => &[],
        }
    }

    /// Whether a preflight made from an opaque origin (a sandboxed document, whose requests say
    /// `Origin: null`) is cached. The standard keys the cache by the serialized origin, so a
    /// second request from the same document finds the entry; Firefox and WebKit do that.
    /// Chromium preflights again every time: its cache (services/network/cors/preflight_cache.h)
    /// is keyed by `url::Origin`, and in Chromium 156 no entry made for an opaque initiator was
    /// ever found again (found by `tests/browser_properties.rs`, `CORSPROOF_SEED=7`; the
    /// corpus scenario `preflight-cache/opaque-origin` keeps it).
    pub fn caches_preflights_for_opaque_origins(self) -> bool {
        match self {
            Engine::Chromium => false,
            Engine::Firefox | Engine::WebKit => true,
        }
    }

    /// What `SameSite` a cookie without the attribute has. Chromium reads it as Lax ("SameSite
    /// by default", `net::CookieSameSite::UNSPECIFIED` handled as Lax since Chrome 80; the corpus
    /// scenario `credentials/cookies::lax-cookie-not-sent-cross-site` keeps it). Firefox reads it
    /// as None (`network.cookie.sameSite.laxByDefault` is off: the same scenario carries the
    /// cookie in Firefox). WebKit never made Lax the default (None); here its third-party rule
    /// ([`Engine::third_party_cookies`]) keeps such a cookie home anyway.
    pub fn default_same_site(self) -> SameSite {
        match self {
            Engine::Chromium => SameSite::Lax,
            Engine::Firefox | Engine::WebKit => SameSite::None,
        }
    }

    /// Whether a `SameSite=None` cookie without `Secure` is refused. Chromium
    /// (`kCookiesWithoutSameSiteMustBeSecure`) and Firefox
    /// (`network.cookie.sameSite.noneRequiresSecure`) refuse it; WebKit keeps it and sends it
    /// back (corpus: `credentials/cookie-rules::samesite-none-without-secure-same-origin`).
    pub fn same_site_none_requires_secure(self) -> bool {
        match self {
            Engine::Chromium | Engine::Firefox => true,
            Engine::WebKit => false,
        }
    }

    /// Whether a `Secure` cookie is kept and sent over plain http to a potentially trustworthy
    /// loopback host (`localhost`, `127.0.0.1`). Chromium (`CookieAccessDelegate::
    /// ShouldTreatUrlAsTrustworthy`) and Firefox do; WebKitGTK 2.50 does not (corpus:
    /// `credentials/cookie-rules::secure-cookie-over-http-on-localhost` and
    /// `…::secure-cookie-over-http-on-loopback-ip`).
    pub fn secure_cookies_on_loopback_http(self) -> bool {
        match self {
            Engine::Chromium | Engine::Firefox => true,
            Engine::WebKit => false,
        }
    }

    /// Whether same-site compares schemes too ("schemeful same-site"), so that
    /// `https://app.test` is another site than a page at `http://app.test`. Chromium does
    /// (`features::kSchemefulSameSite`); Firefox 153 and WebKitGTK 2.50 do not (corpus:
    /// `credentials/cookie-rules::lax-cookie-across-schemes-of-one-site`, where only Chromium
    /// keeps the Lax cookie home).
    pub fn schemeful_same_site(self) -> bool {
        match self {
            Engine::Chromium => true,
            Engine::Firefox | Engine::WebKit => false,
        }
    }

    /// What the engine does with a cookie on a request to another site than the page's, for a
    /// user who changed no setting, or in the sessions corsproof's corpus runs.
    ///
    /// For a user: Chromium sends it (third-party cookies are allowed in a regular profile,
    /// `profile.cookie_controls_mode` 0). Firefox partitions it (Total Cookie Protection, the
    /// default `network.cookie.cookieBehavior` 5, `BEHAVIOR_REJECT_TRACKER_AND_PARTITION_FOREIGN`
    /// in netwerk/cookie): the cookies an answer to a site's pages set are sent back from that
    /// site's pages, a cookie the user got on the API's own site is not (both seen in Firefox 153
    /// with its own cookie defaults, tests/cookie_partition_firefox.rs). Safari blocks it (full
    /// third-party cookie blocking since Safari 13.1, by registrable domain).
    ///
    /// In the corpus's sessions (harness/browser/src/engine/): Chromium and Firefox accept
    /// third-party cookies by preference (`profile.cookie_controls_mode` 0,
    /// `network.cookie.cookieBehavior` 0), so both sent every `SameSite=None` cookie
    /// (`credentials/cookies::samesite-none-cookie-rides-a-credentialed-request`) and the one
    /// the user got on the API's own site (tests/cookie_first_party.rs). WebKitGTK 2.50 keeps its
    /// own default (`WEBKIT_COOKIE_POLICY_ACCEPT_NO_THIRD_PARTY`, libsoup's
    /// `SOUP_COOKIE_JAR_ACCEPT_NO_THIRD_PARTY`): a cookie set by an answer to another host's page
    /// was never kept, not even from `sub.app.test` for `app.test`
    /// (`credentials/cookies::same-site-subdomain-carries-lax-cookie`), while one from the page's
    /// own host on another port or scheme was (`credentials/cookie-rules::
    /// lax-cookie-rides-same-host-other-port`), and a cookie the user got on the API's own site
    /// was sent from another site's page (tests/cookie_first_party.rs).
    pub fn third_party_cookies(self, profile: CookieProfile) -> ThirdPartyCookies {
        match (self, profile) {
            (Engine::Chromium, _) | (Engine::Firefox, CookieProfile::Corpus) => ThirdPartyCookies::Allowed,
            (Engine::Firefox, CookieProfile::User) => ThirdPartyCookies::PartitionedByTopLevelSite,
            (Engine::WebKit, CookieProfile::User) => ThirdPartyCookies::Blocked,
            (Engine::WebKit, CookieProfile::Corpus) => ThirdPartyCookies::RefusedWhenSetForAnotherHost,
        }
    }

    /// The engine's name as users know it, and as snapshot folders (`tests/snapshots/<name>/`),
    /// deviation files and reports spell it.
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
    fn only_firefox_adds_a_header_to_http2_responses() {
        assert_eq!(Engine::Firefox.http2_response_headers(), [("x-firefox-spdy", "h2")]);
        assert!(Engine::Chromium.http2_response_headers().is_empty());
        assert!(Engine::WebKit.http2_response_headers().is_empty());
    }

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
        let long = Some(&b"86400000"[..]);
        assert_eq!(Engine::Chromium.max_age(long), Duration::from_secs(7200));
        assert_eq!(Engine::Firefox.max_age(long), Duration::from_secs(86_400));
        assert_eq!(Engine::WebKit.max_age(long), Duration::from_secs(600));
        let huge = Some(&b"99999999999999999999999999"[..]);
        assert_eq!(Engine::Chromium.max_age(huge), Duration::from_secs(7200));
        assert_eq!(Engine::Firefox.max_age(huge), Duration::from_secs(86_400));
        // WebKit's int64 parse fails on it: the 5 s default, not the cap.
        assert_eq!(Engine::WebKit.max_age(huge), DEFAULT_MAX_AGE);
    }

    #[test]
    fn max_age_negative_is_zero_in_every_engine_and_not_the_standard_default() {
        for engine in Engine::ALL {
            assert_eq!(engine.max_age(Some(b"-1")), Duration::ZERO, "{engine}");
        }
    }

    #[test]
    fn max_age_takes_a_sign_in_webkit() {
        assert_eq!(Engine::WebKit.max_age(Some(b"+60")), Duration::from_secs(60));
        assert_eq!(Engine::WebKit.max_age(Some(b"-0")), Duration::ZERO);
        assert_eq!(Engine::WebKit.max_age(Some(b"+")), DEFAULT_MAX_AGE);
        assert_eq!(Engine::WebKit.max_age(Some(b"-")), DEFAULT_MAX_AGE);
        assert_eq!(Engine::WebKit.max_age(Some(b"+ 60")), DEFAULT_MAX_AGE);
    }

    #[test]
    fn engine_names_parse() {
        assert_eq!("Chrome".parse::<Engine>().unwrap(), Engine::Chromium);
        assert_eq!("safari".parse::<Engine>().unwrap(), Engine::WebKit);
        assert!("ie".parse::<Engine>().is_err());
    }

    #[test]
    fn every_engine_parses_from_its_own_name() {
        for engine in Engine::ALL {
            assert_eq!(engine.name().parse::<Engine>().unwrap(), engine);
        }
    }
}
