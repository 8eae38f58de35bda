//! Cookies: whether a browser sends a cookie it holds with a request a page makes.
//!
//! CORS decides whether the page reads the answer; whether the request carries a cookie at all
//! is decided before, by the request's credentials mode and by the cookie's own rules (RFC 6265bis,
//! "Storage Model" and "Retrieval Algorithm"): `Secure` against the request's scheme, `SameSite`
//! against the request's site, and each engine's third-party cookie policy. A checker that sends a
//! cookie the browser would not send judges an answer the page never gets, so every rule here is
//! one the real browsers were seen to follow (scenarios/credentials/cookies.toml and
//! cookie-rules.toml); where the engines differ, the switch is in [`Engine`]'s profile.

use std::fmt;
use std::str::FromStr;

use crate::engine::Engine;
use crate::origin::Origin;
use crate::request::CredentialsMode;
use crate::url::Url;

/// A cookie's `SameSite` attribute: which requests from other sites may carry it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum SameSite {
    /// Only requests from a page of the cookie's own site.
    Strict,
    /// Also top-level navigations from other sites; never a `fetch` from another site's page.
    Lax,
    /// Requests from any site (where the engine's third-party cookie policy lets it).
    None,
}

impl SameSite {
    /// The attribute's value as written in `Set-Cookie`.
    pub fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "Strict",
            SameSite::Lax => "Lax",
            SameSite::None => "None",
        }
    }
}

impl fmt::Display for SameSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an engine does with cookies on a cross-site request ([`Engine::third_party_cookies`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ThirdPartyCookies {
    /// Sent, as any cookie whose `SameSite` allows it.
    Allowed,
    /// Kept in a jar of the top-level page's site: a cookie set by an answer to this site's
    /// pages is sent back from them, one the user got on the cookie's own site is not.
    PartitionedByTopLevelSite,
    /// Never sent on a cross-site request.
    Blocked,
    /// A cookie set by an answer to another host's page is refused (so never sent); one the user
    /// got on its own site is sent (WebKitGTK's libsoup "no third party" policy).
    RefusedWhenSetForAnotherHost,
}

/// Whose browser the rules describe: a user's, with the engine's defaults, or the sessions
/// corsproof's corpus runs, whose profiles accept third-party cookies where the engine lets a
/// preference say so ([`Engine::third_party_cookies`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum CookieProfile {
    /// A user who changed no setting: what the checker judges with.
    #[default]
    User,
    /// The corpus's browser sessions (harness/browser/src/engine/), which the snapshots record.
    Corpus,
}

/// Where the browser got the cookie, which decides which jar holds it where cookies are
/// partitioned ([`ThirdPartyCookies::PartitionedByTopLevelSite`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum SetBy {
    /// An answer to one of this page's own requests (a credentialed login `fetch` from the page):
    /// the jar of the page's site.
    #[default]
    ThePage,
    /// A visit to the cookie's own site (a login page there): the site's own, first-party jar.
    ItsOwnSite,
}

/// A cookie the browser holds, as its `Set-Cookie` line gave it: `sid=1; SameSite=None; Secure`.
///
/// `Domain`, `Path`, `HttpOnly`, `Max-Age`, `Expires` and `Partitioned` are accepted and assumed
/// to let the cookie match the request's URL; only what decides whether it is sent at all is kept.
///
/// ```
/// use corsproof_oracle::{Cookie, SameSite};
/// let cookie: Cookie = "sid=1; SameSite=None; Secure; HttpOnly".parse().unwrap();
/// assert_eq!((cookie.name(), cookie.value()), ("sid", "1"));
/// assert_eq!(cookie.same_site(), Some(SameSite::None));
/// assert!(cookie.is_secure());
/// assert!("session".parse::<Cookie>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Cookie {
    name: String,
    value: String,
    same_site: Option<SameSite>,
    secure: bool,
}

/// A cookie text that is not `name=value` followed by `; attribute` parts.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum CookieError {
    /// No `=` in the first part, or nothing before it.
    NoName(String),
    /// A byte no cookie name or value may hold (a control character, `;`, or a space or `=` in
    /// the name).
    BadByte(String),
    /// `SameSite` with a value other than `Strict`, `Lax` or `None`.
    SameSite(String),
}

impl fmt::Display for CookieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CookieError::NoName(text) => {
                write!(
                    f,
                    "`{text}` is not a cookie: write `name=value`, then any attributes (`sid=1; SameSite=None; Secure`)"
                )
            }
            CookieError::BadByte(text) => {
                write!(
                    f,
                    "`{text}` holds a character a cookie cannot (a control character, or a space or `=` in its name)"
                )
            }
            CookieError::SameSite(value) => {
                write!(f, "`SameSite={value}` is not a value browsers know: write Strict, Lax or None")
            }
        }
    }
}

impl std::error::Error for CookieError {}

impl FromStr for Cookie {
    type Err = CookieError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut parts = text.split(';');
        let pair = parts.next().unwrap_or_default().trim();
        let Some((name, value)) = pair.split_once('=').filter(|(name, _)| !name.trim().is_empty()) else {
            return Err(CookieError::NoName(text.to_owned()));
        };
        let (name, value) = (name.trim(), value.trim());
        let bad = |byte: u8| byte.is_ascii_control() || byte == b';';
        if name.bytes().any(|byte| bad(byte) || byte == b' ' || byte == b'=') || value.bytes().any(bad) {
            return Err(CookieError::BadByte(pair.to_owned()));
        }
        let mut cookie =
            Cookie { name: name.to_owned(), value: value.to_owned(), same_site: None, secure: false };
        for attribute in parts {
            let (key, value) = attribute.split_once('=').unwrap_or((attribute, ""));
            let (key, value) = (key.trim(), value.trim());
            if key.eq_ignore_ascii_case("secure") {
                cookie.secure = true;
            } else if key.eq_ignore_ascii_case("samesite") {
                cookie.same_site = Some(match value.to_ascii_lowercase().as_str() {
                    "strict" => SameSite::Strict,
                    "lax" => SameSite::Lax,
                    "none" => SameSite::None,
                    _ => return Err(CookieError::SameSite(value.to_owned())),
                });
            }
        }
        Ok(cookie)
    }
}

impl Cookie {
    /// The cookie's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The cookie's value.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// `name=value`, as the `Cookie` request header carries it.
    pub fn pair(&self) -> String {
        format!("{}={}", self.name, self.value)
    }

    /// The `SameSite` attribute, if the cookie has one.
    pub fn same_site(&self) -> Option<SameSite> {
        self.same_site
    }

    /// Whether the cookie is `Secure`.
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// Whether `engine`, for a user who changed no setting, sends this cookie with a request to
    /// `url` that a page at `page` makes with `credentials`, the cookie having been set as
    /// `set_by` says. The first rule that keeps it home is the reason.
    ///
    /// ```
    /// use corsproof_oracle::{Cookie, CookieFate, CredentialsMode, Engine, NotSent, SetBy};
    /// let page = "https://app.example.com".parse().unwrap();
    /// let api = "https://api.other.com/me".parse().unwrap();
    /// let include = CredentialsMode::Include;
    /// let none: Cookie = "sid=1; SameSite=None; Secure".parse().unwrap();
    /// assert_eq!(none.fate(Engine::Chromium, &page, &api, include, SetBy::ThePage), CookieFate::Sent);
    /// let lax: Cookie = "sid=1".parse().unwrap();
    /// assert_eq!(
    ///     lax.fate(Engine::Chromium, &page, &api, include, SetBy::ThePage),
    ///     CookieFate::NotSent(NotSent::SameSiteLax { by_default: true }),
    /// );
    /// ```
    pub fn fate(
        &self,
        engine: Engine,
        page: &Origin,
        url: &Url,
        credentials: CredentialsMode,
        set_by: SetBy,
    ) -> CookieFate {
        self.fate_in(CookieProfile::User, engine, page, url, credentials, set_by)
    }

    /// [`fate`](Self::fate) in `profile`: [`CookieProfile::Corpus`] is what the corpus's
    /// snapshots recorded.
    pub fn fate_in(
        &self,
        profile: CookieProfile,
        engine: Engine,
        page: &Origin,
        url: &Url,
        credentials: CredentialsMode,
        set_by: SetBy,
    ) -> CookieFate {
        match credentials {
            CredentialsMode::Omit => {
                return CookieFate::NotSent(NotSent::CredentialsOmitted { mode: credentials });
            }
            CredentialsMode::SameOrigin if !page.is_same_origin_with_url(url) => {
                return CookieFate::NotSent(NotSent::CredentialsOmitted { mode: credentials });
            }
            CredentialsMode::SameOrigin | CredentialsMode::Include => {}
        }
        let secure_channel = url.scheme() == "https"
            || (url.is_potentially_trustworthy() && engine.secure_cookies_on_loopback_http());
        if self.secure && !secure_channel {
            return CookieFate::NotSent(NotSent::SecureOverHttp);
        }
        if self.same_site == Some(SameSite::None) && !self.secure && engine.same_site_none_requires_secure() {
            return CookieFate::NotSent(NotSent::NoneWithoutSecure);
        }
        let same_site = is_same_site(engine, page, url);
        if !same_site {
            match self.same_site.unwrap_or(engine.default_same_site()) {
                SameSite::Strict => return CookieFate::NotSent(NotSent::SameSiteStrict),
                SameSite::Lax => {
                    return CookieFate::NotSent(NotSent::SameSiteLax {
                        by_default: self.same_site.is_none(),
                    });
                }
                SameSite::None => {}
            }
        }
        let policy = engine.third_party_cookies(profile);
        let third_party = match policy {
            ThirdPartyCookies::RefusedWhenSetForAnotherHost => page.host() != Some(url.host()),
            _ => !same_site,
        };
        if !third_party {
            return CookieFate::Sent;
        }
        match (policy, set_by) {
            (ThirdPartyCookies::Allowed, _)
            | (ThirdPartyCookies::PartitionedByTopLevelSite, SetBy::ThePage)
            | (ThirdPartyCookies::RefusedWhenSetForAnotherHost, SetBy::ItsOwnSite) => CookieFate::Sent,
            (ThirdPartyCookies::PartitionedByTopLevelSite, SetBy::ItsOwnSite) => {
                CookieFate::NotSent(NotSent::Partitioned)
            }
            (ThirdPartyCookies::Blocked, _) => CookieFate::NotSent(NotSent::ThirdPartyBlocked),
            (ThirdPartyCookies::RefusedWhenSetForAnotherHost, SetBy::ThePage) => {
                CookieFate::NotSent(NotSent::RefusedWhenSetForAnotherHost)
            }
        }
    }
}

impl fmt::Display for Cookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.pair())?;
        if let Some(same_site) = self.same_site {
            write!(f, "; SameSite={same_site}")?;
        }
        if self.secure {
            f.write_str("; Secure")?;
        }
        Ok(())
    }
}

/// Whether a browser sends a cookie with a request.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum CookieFate {
    /// The request carries it.
    Sent,
    /// The request goes without it, for this reason.
    NotSent(NotSent),
}

impl CookieFate {
    /// Whether the request carries the cookie.
    pub fn is_sent(self) -> bool {
        self == CookieFate::Sent
    }
}

/// Why a browser keeps a cookie home.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum NotSent {
    /// The request's credentials mode sends no cookie: `omit`, or `same-origin` (fetch's
    /// default) to another origin.
    CredentialsOmitted {
        /// The request's credentials mode.
        mode: CredentialsMode,
    },
    /// A `Secure` cookie goes only over https (and, in some engines, to `http://localhost`).
    SecureOverHttp,
    /// `SameSite=None` without `Secure`: the engine refuses to keep such a cookie at all.
    NoneWithoutSecure,
    /// `SameSite=Strict`, and the request goes to another site than the page's.
    SameSiteStrict,
    /// `SameSite=Lax` (written, or the engine's default when the attribute is missing), and the
    /// request is a `fetch` to another site than the page's.
    SameSiteLax {
        /// Whether the cookie has no `SameSite` and Lax is the engine's default.
        by_default: bool,
    },
    /// The engine blocks cookies on requests to another site.
    ThirdPartyBlocked,
    /// The engine refused the cookie when an answer to another host's page set it.
    RefusedWhenSetForAnotherHost,
    /// The engine keeps third-party cookies in a jar per top-level site, and this cookie was set
    /// on its own site, not by an answer to this page.
    Partitioned,
}

impl NotSent {
    /// What the rule is, in words.
    pub fn text(self) -> &'static str {
        match self {
            NotSent::CredentialsOmitted { mode: CredentialsMode::Omit } => {
                "the request's credentials mode is 'omit', which sends no cookie"
            }
            NotSent::CredentialsOmitted { .. } => {
                "the request's credentials mode is 'same-origin' (fetch's default), which sends no cookie to another origin"
            }
            NotSent::SecureOverHttp => "the cookie is Secure and the request goes over plain http",
            NotSent::NoneWithoutSecure => {
                "the cookie says SameSite=None without Secure, and the browser refuses to keep such a cookie"
            }
            NotSent::SameSiteStrict => {
                "the cookie is SameSite=Strict and the request goes to another site than the page's"
            }
            NotSent::SameSiteLax { by_default: true } => {
                "the cookie has no SameSite, which this browser reads as Lax, and a fetch to another site than the page's carries no Lax cookie"
            }
            NotSent::SameSiteLax { by_default: false } => {
                "the cookie is SameSite=Lax, and a fetch to another site than the page's carries no Lax cookie"
            }
            NotSent::ThirdPartyBlocked => {
                "this browser blocks cookies on requests to another site than the page's"
            }
            NotSent::RefusedWhenSetForAnotherHost => {
                "this browser refuses a cookie that an answer to another host's page sets, so it never holds it"
            }
            NotSent::Partitioned => {
                "this browser keeps other sites' cookies in a jar per page site (Total Cookie Protection), and the jar of the cookie's own site is not the page's"
            }
        }
    }

    /// What to change so that the cookie rides the request, when something can.
    pub fn advice(self) -> &'static str {
        match self {
            NotSent::CredentialsOmitted { .. } => {
                "make the request with `credentials: 'include'` (XHR: `withCredentials = true`)"
            }
            NotSent::SecureOverHttp => "serve the API over https",
            NotSent::NoneWithoutSecure | NotSent::SameSiteStrict | NotSent::SameSiteLax { .. } => {
                "set the cookie with `SameSite=None; Secure` (over https), or serve the page and the API from one site"
            }
            NotSent::RefusedWhenSetForAnotherHost => {
                "set the cookie on the API's own site (a first-party login there), or serve the page and the API from one host"
            }
            NotSent::ThirdPartyBlocked => {
                "serve the page and the API from one site (first-party hosting, e.g. the API under the page's domain or behind the same host)"
            }
            NotSent::Partitioned => {
                "set the cookie from the page itself (a credentialed login request to the API), or serve the page and the API from one site"
            }
        }
    }
}

impl fmt::Display for NotSent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

/// The site of a host (HTML's "obtain a site"): its registrable domain by the public suffix list
/// compiled in, or the host itself for an IP address, `localhost` and a name that is itself a
/// public suffix.
///
/// ```
/// use corsproof_oracle::registrable_domain;
/// assert_eq!(registrable_domain("api.app.example.co.uk"), "example.co.uk");
/// assert_eq!(registrable_domain("sub.app.test"), "app.test");
/// assert_eq!(registrable_domain("user.github.io"), "user.github.io");
/// assert_eq!(registrable_domain("127.0.0.1"), "127.0.0.1");
/// ```
pub fn registrable_domain(host: &str) -> &str {
    let is_ip = host.starts_with('[') || host.bytes().all(|byte| byte.is_ascii_digit() || byte == b'.');
    if is_ip {
        return host;
    }
    psl::domain_str(host).unwrap_or(host)
}

/// Whether the request to `url` is same-site with the page: the same registrable domain, and
/// where the engine's same-site is schemeful, the same scheme. An opaque page is no site's.
fn is_same_site(engine: Engine, page: &Origin, url: &Url) -> bool {
    let (Some(scheme), Some(host)) = (page.scheme(), page.host()) else { return false };
    registrable_domain(host) == registrable_domain(url.host())
        && (!engine.schemeful_same_site() || scheme == url.scheme())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fate(engine: Engine, cookie: &str, page: &str, url: &str, credentials: CredentialsMode) -> CookieFate {
        let cookie: Cookie = cookie.parse().unwrap();
        cookie.fate(engine, &page.parse().unwrap(), &url.parse().unwrap(), credentials, SetBy::ThePage)
    }

    const INCLUDE: CredentialsMode = CredentialsMode::Include;

    #[test]
    fn a_cookie_is_name_value_then_attributes() {
        let cookie: Cookie = " sid = a b ; path=/; secure; SameSite=lax".parse().unwrap();
        assert_eq!(cookie.pair(), "sid=a b");
        assert_eq!(cookie.to_string(), "sid=a b; SameSite=Lax; Secure");
        for bad in ["", "=1", "sid", "s id=1", "sid=1; SameSite=Nne", "sid=\u{7}"] {
            assert!(bad.parse::<Cookie>().is_err(), "{bad}");
        }
    }

    #[test]
    fn credentials_mode_decides_first() {
        let page = "https://app.example.com";
        for engine in Engine::ALL {
            let omit = fate(engine, "sid=1", page, "https://app.example.com/", CredentialsMode::Omit);
            assert_eq!(
                omit,
                CookieFate::NotSent(NotSent::CredentialsOmitted { mode: CredentialsMode::Omit })
            );
            let other = fate(
                engine,
                "sid=1; SameSite=None; Secure",
                page,
                "https://api.example.com/",
                CredentialsMode::SameOrigin,
            );
            assert!(matches!(other, CookieFate::NotSent(NotSent::CredentialsOmitted { .. })), "{engine}");
            assert!(
                fate(engine, "sid=1", page, "https://app.example.com/x", CredentialsMode::SameOrigin)
                    .is_sent()
            );
        }
    }

    #[test]
    fn a_missing_same_site_is_lax_in_chromium_only() {
        let lax = |engine| {
            fate(engine, "sid=1; Secure", "https://app.example.com", "https://api.other.com/", INCLUDE)
        };
        assert_eq!(lax(Engine::Chromium), CookieFate::NotSent(NotSent::SameSiteLax { by_default: true }));
        assert!(lax(Engine::Firefox).is_sent());
        assert_eq!(lax(Engine::WebKit), CookieFate::NotSent(NotSent::ThirdPartyBlocked));
    }

    #[test]
    fn firefox_sends_a_cross_site_cookie_only_from_the_jar_of_the_page_site() {
        let cookie: Cookie = "sid=1; SameSite=None; Secure".parse().unwrap();
        let (page, url) =
            ("https://app.example.com".parse().unwrap(), "https://api.other.com/".parse().unwrap());
        assert!(cookie.fate(Engine::Firefox, &page, &url, INCLUDE, SetBy::ThePage).is_sent());
        let own_site = cookie.fate(Engine::Firefox, &page, &url, INCLUDE, SetBy::ItsOwnSite);
        assert_eq!(own_site, CookieFate::NotSent(NotSent::Partitioned));
        assert!(cookie.fate(Engine::Chromium, &page, &url, INCLUDE, SetBy::ItsOwnSite).is_sent());
    }

    #[test]
    fn webkitgtk_here_refuses_what_another_host_sets_but_sends_what_the_user_got_first_party() {
        let cookie: Cookie = "sid=1; SameSite=None; Secure".parse().unwrap();
        let page = "https://app.example.com".parse().unwrap();
        let sibling = "https://api.example.com/".parse().unwrap();
        let corpus =
            |set_by| cookie.fate_in(CookieProfile::Corpus, Engine::WebKit, &page, &sibling, INCLUDE, set_by);
        assert_eq!(corpus(SetBy::ThePage), CookieFate::NotSent(NotSent::RefusedWhenSetForAnotherHost));
        assert!(corpus(SetBy::ItsOwnSite).is_sent());
        // Safari compares sites: the sibling host is the same site, so first-party.
        assert!(cookie.fate(Engine::WebKit, &page, &sibling, INCLUDE, SetBy::ThePage).is_sent());
    }

    #[test]
    fn same_site_is_by_registrable_domain() {
        let strict = "sid=1; SameSite=Strict; Secure";
        assert!(
            fate(Engine::Chromium, strict, "https://app.example.com", "https://api.example.com/", INCLUDE)
                .is_sent()
        );
        let github = fate(Engine::Chromium, strict, "https://a.github.io", "https://b.github.io/", INCLUDE);
        assert_eq!(github, CookieFate::NotSent(NotSent::SameSiteStrict));
    }

    #[test]
    fn a_secure_cookie_never_goes_over_http_but_to_loopback_where_the_engine_allows() {
        for engine in Engine::ALL {
            let plain =
                fate(engine, "sid=1; Secure", "http://app.example.com", "http://app.example.com/", INCLUDE);
            assert_eq!(plain, CookieFate::NotSent(NotSent::SecureOverHttp), "{engine}");
            let loopback =
                fate(engine, "sid=1; Secure", "http://localhost:3000", "http://localhost:3000/", INCLUDE);
            assert_eq!(loopback.is_sent(), engine.secure_cookies_on_loopback_http(), "{engine}");
        }
    }
}
