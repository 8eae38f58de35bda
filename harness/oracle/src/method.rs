//! Request methods: normalization, the safelist, and the methods a page may never use.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::header::is_token;

/// A request method, normalized the way fetch and XHR normalize it.
///
/// Only `DELETE GET HEAD OPTIONS POST PUT` are upper-cased; every other method keeps its
/// case, so `fetch(url, {method: 'patch'})` sends `patch`, asks the preflight for `patch`, and
/// is only allowed by an `Access-Control-Allow-Methods` that lists `patch` byte for byte.
///
/// ```
/// use corsproof_oracle::Method;
///
/// assert_eq!("put".parse::<Method>().unwrap().as_str(), "PUT");
/// assert_eq!("patch".parse::<Method>().unwrap().as_str(), "patch");
/// assert!("TRACE".parse::<Method>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Method(Cow<'static, str>);

/// Why a page's method cannot be used (fetch and XHR throw a `TypeError`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MethodError {
    /// Not a token (empty, spaces, non-ASCII...).
    NotAToken,
    /// `CONNECT`, `TRACE` or `TRACK`, in any case.
    Forbidden,
}

impl fmt::Display for MethodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MethodError::NotAToken => "not a valid HTTP token",
            MethodError::Forbidden => "a forbidden method",
        })
    }
}

impl std::error::Error for MethodError {}

const NORMALIZED: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];

/// Whether `method` is `CONNECT`, `TRACE` or `TRACK`, ignoring case.
pub(crate) fn is_forbidden_method(method: &[u8]) -> bool {
    [&b"CONNECT"[..], b"TRACE", b"TRACK"].iter().any(|m| m.eq_ignore_ascii_case(method))
}

impl Method {
    /// `GET`.
    pub fn get() -> Self {
        Method(Cow::Borrowed("GET"))
    }

    /// `OPTIONS`, the preflight's method.
    pub fn options() -> Self {
        Method(Cow::Borrowed("OPTIONS"))
    }

    /// Validates and normalizes a method the page wrote.
    pub fn normalize(bytes: &[u8]) -> Result<Method, MethodError> {
        // Pages nearly always write a standard method in capitals: no checks needed then.
        if let Some(standard) = NORMALIZED.iter().find(|m| m.as_bytes() == bytes) {
            return Ok(Method(Cow::Borrowed(standard)));
        }
        if !is_token(bytes) {
            return Err(MethodError::NotAToken);
        }
        if is_forbidden_method(bytes) {
            return Err(MethodError::Forbidden);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| MethodError::NotAToken)?;
        Ok(Method(match NORMALIZED.iter().find(|m| m.eq_ignore_ascii_case(text)) {
            Some(standard) => Cow::Borrowed(standard),
            None => Cow::Owned(text.to_owned()),
        }))
    }

    /// The method as header-value bytes, borrowed for the standard methods.
    pub(crate) fn as_bytes(&self) -> Cow<'static, [u8]> {
        match &self.0 {
            Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes()),
            Cow::Owned(text) => Cow::Owned(text.as_bytes().to_vec()),
        }
    }

    /// The method as it goes on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// "CORS-safelisted method": `GET`, `HEAD` or `POST`, byte for byte.
    pub fn is_cors_safelisted(&self) -> bool {
        matches!(&*self.0, "GET" | "HEAD" | "POST")
    }

    /// Whether the method is `GET` or `HEAD` (no `Origin` on same-origin requests).
    pub(crate) fn is_get_or_head(&self) -> bool {
        matches!(&*self.0, "GET" | "HEAD")
    }
}

impl FromStr for Method {
    type Err = MethodError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Method::normalize(text.as_bytes())
    }
}

impl PartialEq<str> for Method {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Method {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn method(text: &str) -> Method {
        text.parse().unwrap()
    }

    #[test]
    fn method_normalization_uppercases_only_the_six_standard_methods() {
        for (written, sent) in [
            ("delete", "DELETE"),
            ("get", "GET"),
            ("hEaD", "HEAD"),
            ("options", "OPTIONS"),
            ("post", "POST"),
            ("Put", "PUT"),
        ] {
            assert_eq!(method(written).as_str(), sent);
        }
    }

    #[test]
    fn method_normalization_keeps_patch_lowercase() {
        assert_eq!(method("patch").as_str(), "patch");
        assert_eq!(method("Patch").as_str(), "Patch");
        assert_ne!(method("patch"), method("PATCH"));
    }

    #[test]
    fn safelisted_methods_are_get_head_post_byte_exact() {
        assert!(method("get").is_cors_safelisted());
        assert!(method("HEAD").is_cors_safelisted());
        assert!(method("post").is_cors_safelisted());
        assert!(!method("PUT").is_cors_safelisted());
        assert!(!method("patch").is_cors_safelisted());
    }

    #[test]
    fn forbidden_methods_connect_trace_track_are_rejected() {
        for m in ["CONNECT", "trace", "Track"] {
            assert_eq!(m.parse::<Method>(), Err(MethodError::Forbidden));
        }
        assert_eq!("GE T".parse::<Method>(), Err(MethodError::NotAToken));
        assert_eq!("".parse::<Method>(), Err(MethodError::NotAToken));
    }
}
