//! The request as the page makes it: `fetch(url, init)` or an `XMLHttpRequest`.

use std::fmt;
use std::str::FromStr;

use crate::header::Header;

/// A request option string that is not one of the allowed values.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UnknownOption(pub String);

impl fmt::Display for UnknownOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown option value '{}'", self.0)
    }
}

impl std::error::Error for UnknownOption {}

macro_rules! option_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// The value as JavaScript spells it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl FromStr for $name {
            type Err = UnknownOption;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownOption(text.to_owned())),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

option_enum! {
    /// `credentials`: whether cookies (and HTTP auth) ride along.
    CredentialsMode {
        /// Never.
        Omit = "omit",
        /// Only to the page's own origin (fetch's default; XHR without `withCredentials`).
        SameOrigin = "same-origin",
        /// Always; the server must then answer with an exact origin and
        /// `Access-Control-Allow-Credentials: true`.
        Include = "include",
    }
}

option_enum! {
    /// `mode`: how a cross-origin request is treated.
    RequestMode {
        /// Cross-origin allowed under the CORS protocol (fetch's default, and always for XHR).
        Cors = "cors",
        /// Cross-origin allowed without CORS, but the page gets an opaque response.
        NoCors = "no-cors",
        /// Cross-origin is a network error.
        SameOrigin = "same-origin",
    }
}

option_enum! {
    /// `redirect`: what happens on a 301/302/303/307/308 with a `Location`.
    RedirectMode {
        /// Follow up to 20 redirects.
        Follow = "follow",
        /// Any redirect is a network error.
        Error = "error",
        /// Stop and hand the page an opaque-redirect response.
        Manual = "manual",
    }
}

option_enum! {
    /// `cache`: how the request uses the HTTP cache. Only `only-if-cached` changes what CORS
    /// decides: it is a `TypeError` unless the mode is `same-origin`.
    CacheMode {
        /// As the response headers say (fetch's default).
        Default = "default",
        /// Neither read nor store.
        NoStore = "no-store",
        /// Go to the network and store the answer.
        Reload = "reload",
        /// Revalidate what is stored.
        NoCache = "no-cache",
        /// Use what is stored, however stale.
        ForceCache = "force-cache",
        /// Only what is stored; a network error when nothing is.
        OnlyIfCached = "only-if-cached",
    }
}

/// Which API the page used. It changes the console wording and how credentials are chosen.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Initiator {
    /// `fetch()`.
    Fetch,
    /// `XMLHttpRequest`.
    Xhr,
}

/// The body the page passes, which decides the `Content-Type` the browser adds when the page
/// sets none, and whether the body can be replayed on a redirect.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub enum Body {
    /// No body.
    #[default]
    None,
    /// A string: `text/plain;charset=UTF-8`.
    Text,
    /// `URLSearchParams`: `application/x-www-form-urlencoded;charset=UTF-8`.
    UrlSearchParams,
    /// `FormData`: `multipart/form-data; boundary=...`.
    FormData,
    /// A `Blob` with its `type` (empty for none).
    Blob(Vec<u8>),
    /// An `ArrayBuffer` or typed array: no `Content-Type`.
    Bytes,
    /// A `ReadableStream` (`duplex: 'half'`): always preflighted, and cannot be replayed on a
    /// 301/302/307/308 redirect.
    Stream,
}

impl Body {
    /// The `Content-Type` fetch and XHR add for this body when the page set none.
    pub fn implied_content_type(&self) -> Option<&[u8]> {
        match self {
            Body::Text => Some(b"text/plain;charset=UTF-8"),
            Body::UrlSearchParams => Some(b"application/x-www-form-urlencoded;charset=UTF-8"),
            Body::FormData => Some(b"multipart/form-data; boundary=----corsproofFormBoundary"),
            Body::Blob(mime) if !mime.is_empty() => Some(mime),
            Body::None | Body::Blob(_) | Body::Bytes | Body::Stream => None,
        }
    }
}

/// A request as the page makes it. Fields hold what the page wrote, unvalidated: an invalid
/// method or header is judged (a `TypeError` verdict), not rejected here.
///
/// ```
/// use corsproof_oracle::{CredentialsMode, Request};
///
/// let request = Request::fetch("PUT", "https://api.example/items/1")
///     .header("Content-Type", "application/json")
///     .credentials(CredentialsMode::Include);
/// assert_eq!(request.method, "PUT");
///
/// let xhr = Request::xhr("POST", "https://api.example/upload")
///     .with_credentials(true)
///     .upload_listener();
/// assert!(xhr.use_cors_preflight);
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Request {
    /// The URL as written; relative URLs resolve against the page's origin.
    pub url: String,
    /// The method as written (normalized later).
    pub method: String,
    /// The headers the page sets, in order.
    pub headers: Vec<Header>,
    /// The body kind.
    pub body: Body,
    /// `credentials`.
    pub credentials: CredentialsMode,
    /// `mode`.
    pub mode: RequestMode,
    /// `redirect`.
    pub redirect: RedirectMode,
    /// `cache`.
    pub cache: CacheMode,
    /// fetch or XHR.
    pub initiator: Initiator,
    /// The use-CORS-preflight flag: forces a preflight (an XHR upload listener; a stream
    /// body sets it too).
    pub use_cors_preflight: bool,
}

impl Request {
    /// `fetch(url, {method})` with fetch's defaults: `cors`, `same-origin` credentials,
    /// `follow`.
    pub fn fetch(method: impl Into<String>, url: impl Into<String>) -> Self {
        Request {
            url: url.into(),
            method: method.into(),
            headers: Vec::new(),
            body: Body::None,
            credentials: CredentialsMode::SameOrigin,
            mode: RequestMode::Cors,
            redirect: RedirectMode::Follow,
            cache: CacheMode::Default,
            initiator: Initiator::Fetch,
            use_cors_preflight: false,
        }
    }

    /// `fetch(url)`: a GET.
    pub fn get(url: impl Into<String>) -> Self {
        Request::fetch("GET", url)
    }

    /// `xhr.open(method, url)`: always `cors` mode and `follow`; credentials follow
    /// [`Request::with_credentials`].
    pub fn xhr(method: impl Into<String>, url: impl Into<String>) -> Self {
        Request { initiator: Initiator::Xhr, ..Request::fetch(method, url) }
    }

    /// Adds a header the page sets (`headers: {...}` or `setRequestHeader`).
    pub fn header(mut self, name: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push(Header::new(name, value));
        self
    }

    /// Sets the body kind.
    pub fn body(mut self, body: Body) -> Self {
        if body == Body::Stream {
            self.use_cors_preflight = true;
        }
        self.body = body;
        self
    }

    /// Sets `credentials`.
    pub fn credentials(mut self, credentials: CredentialsMode) -> Self {
        self.credentials = credentials;
        self
    }

    /// Sets `mode`.
    pub fn mode(mut self, mode: RequestMode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets `redirect`.
    pub fn redirect(mut self, redirect: RedirectMode) -> Self {
        self.redirect = redirect;
        self
    }

    /// Sets `cache`.
    ///
    /// ```
    /// use corsproof_oracle::{CacheMode, Engine, NetworkError, Oracle, Origin, PreflightCache, Request};
    /// use std::time::Duration;
    ///
    /// let request = Request::get("http://api.test/x").cache(CacheMode::OnlyIfCached);
    /// let page: Origin = "http://app.test".parse().unwrap();
    /// let plan = Oracle::new(Engine::Chromium).plan(&page, &request, &PreflightCache::new(), Duration::ZERO);
    /// assert_eq!(plan.early_error(), Some(&NetworkError::OnlyIfCachedOutsideSameOrigin));
    /// ```
    pub fn cache(mut self, cache: CacheMode) -> Self {
        self.cache = cache;
        self
    }

    /// XHR's `withCredentials`: `true` is credentials `include`, `false` is `same-origin`.
    pub fn with_credentials(self, with_credentials: bool) -> Self {
        self.credentials(if with_credentials {
            CredentialsMode::Include
        } else {
            CredentialsMode::SameOrigin
        })
    }

    /// An XHR upload listener (`xhr.upload.onprogress = ...`): sets the use-CORS-preflight
    /// flag, so even a simple request is preflighted.
    pub fn upload_listener(mut self) -> Self {
        self.use_cors_preflight = true;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_strings_round_trip() {
        for mode in ["cors", "no-cors", "same-origin"] {
            assert_eq!(mode.parse::<RequestMode>().unwrap().as_str(), mode);
        }
        for credentials in ["omit", "same-origin", "include"] {
            assert_eq!(credentials.parse::<CredentialsMode>().unwrap().to_string(), credentials);
        }
        assert_eq!("follow".parse::<RedirectMode>().unwrap(), RedirectMode::Follow);
        assert!("navigate".parse::<RequestMode>().is_err());
    }

    #[test]
    fn xhr_with_credentials_maps_to_include_and_same_origin() {
        let on = Request::xhr("GET", "https://a.test/").with_credentials(true);
        assert_eq!(on.credentials, CredentialsMode::Include);
        let off = Request::xhr("GET", "https://a.test/").with_credentials(false);
        assert_eq!(off.credentials, CredentialsMode::SameOrigin);
    }

    #[test]
    fn stream_body_sets_use_cors_preflight_flag() {
        assert!(Request::fetch("POST", "https://a.test/").body(Body::Stream).use_cors_preflight);
        assert_eq!(Body::Text.implied_content_type(), Some(&b"text/plain;charset=UTF-8"[..]));
        assert_eq!(Body::Blob(Vec::new()).implied_content_type(), None);
    }
}
