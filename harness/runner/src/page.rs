//! Page origins a user chooses: where a scenario's page is loaded, so that a real server's
//! allow-list applies unchanged.
//!
//! A scenario's `page = "app"` names an origin. By default that is a mock origin
//! (`http://app.test:<port>`); a project can put it at any origin instead (`[pages]` in
//! `corsproof.toml`, `--page app=https://app.example.com`). The mock server then serves the
//! blank page under that host name, through its routing proxy (nothing listens on port 443 here),
//! with a certificate from its throwaway CA for `https://`; the machine's own settings never
//! change.

use std::fmt;

use corsproof_oracle::{Url, is_bad_port};
use corsproof_server::PageHost;

/// A page origin a user chose: a name a scenario's `page` uses, and the origin it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageOrigin {
    /// The name (`app`).
    pub name: String,
    /// `https://` or `http://`.
    pub secure: bool,
    /// The host, lower-cased (`app.example.com`).
    pub host: String,
    /// The port, the scheme's default when the origin names none.
    pub port: u16,
}

/// Why a page origin cannot work. Each says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageOriginError {
    /// `--page` without `=`.
    #[error("`{0}` is not NAME=ORIGIN (say `app=https://app.example.com`)")]
    NotNameEqualsOrigin(String),
    /// An empty name, or one with characters a scenario's `page` cannot have.
    #[error("`{0}` is not a page name: use letters, digits, `-` and `_`")]
    BadName(String),
    /// Not an absolute URL.
    #[error("`{0}` is not an origin (say `https://app.example.com`)")]
    NotAUrl(String),
    /// Another scheme than `http` or `https`.
    #[error("`{0}` is not an http:// or https:// origin")]
    NotHttp(String),
    /// A path, query, fragment or user name: an origin is only scheme, host and port.
    #[error("`{0}` has more than an origin: leave out the path, query and user name (say `{1}`)")]
    NotJustAnOrigin(String, String),
    /// A port every browser refuses to fetch from.
    #[error("`{0}`: browsers refuse port {1} (the Fetch standard's bad ports); choose another")]
    BadPort(String, u16),
}

impl PageOrigin {
    /// `origin` (`https://app.example.com`, `http://localhost:5173`) under `name`, checked.
    pub fn parse(name: &str, origin: &str) -> Result<Self, PageOriginError> {
        let valid_name = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if name.is_empty() || !name.chars().all(valid_name) {
            return Err(PageOriginError::BadName(name.to_owned()));
        }
        let url =
            Url::parse_with_base(origin, None).map_err(|_| PageOriginError::NotAUrl(origin.to_owned()))?;
        let secure = match url.scheme() {
            "https" => true,
            "http" => false,
            _ => return Err(PageOriginError::NotHttp(origin.to_owned())),
        };
        let serialized = url.origin().serialize();
        let path_is_root = matches!(url.path(), "" | "/");
        if !path_is_root || url.has_credentials() || origin.contains('#') || origin.contains('@') {
            return Err(PageOriginError::NotJustAnOrigin(origin.to_owned(), serialized));
        }
        let port = url.port_or_known_default().ok_or_else(|| PageOriginError::NotHttp(origin.to_owned()))?;
        if is_bad_port(port) {
            return Err(PageOriginError::BadPort(origin.to_owned(), port));
        }
        Ok(Self { name: name.to_owned(), secure, host: url.host().to_owned(), port })
    }

    /// `NAME=ORIGIN`, as `--page` takes it.
    pub fn parse_flag(flag: &str) -> Result<Self, PageOriginError> {
        let (name, origin) =
            flag.split_once('=').ok_or_else(|| PageOriginError::NotNameEqualsOrigin(flag.to_owned()))?;
        Self::parse(name.trim(), origin.trim())
    }

    /// The origin as a browser serializes it (`https://app.example.com`, no default port).
    pub fn origin(&self) -> String {
        let scheme = if self.secure { "https" } else { "http" };
        let default = if self.secure { 443 } else { 80 };
        if self.port == default {
            format!("{scheme}://{}", self.host)
        } else {
            format!("{scheme}://{}:{}", self.host, self.port)
        }
    }

    /// What the mock server must answer for it.
    pub fn host(&self) -> PageHost {
        PageHost { host: self.host.clone(), port: self.port, secure: self.secure }
    }
}

impl fmt::Display for PageOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {}", self.name, self.origin())
    }
}

/// `chosen` with `overrides` laid over it: a name in both takes the override's origin (a
/// `--page` flag over `corsproof.toml`).
pub fn with_overrides(mut chosen: Vec<PageOrigin>, overrides: &[PageOrigin]) -> Vec<PageOrigin> {
    for page in overrides {
        match chosen.iter_mut().find(|known| known.name == page.name) {
            Some(known) => *known = page.clone(),
            None => chosen.push(page.clone()),
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_keeps_its_scheme_host_and_port() {
        let page = PageOrigin::parse("app", "https://App.Example.com").unwrap();
        assert_eq!((page.secure, page.host.as_str(), page.port), (true, "app.example.com", 443));
        assert_eq!(page.origin(), "https://app.example.com");
        let page = PageOrigin::parse("dev", "http://localhost:5173/").unwrap();
        assert_eq!((page.secure, page.host.as_str(), page.port), (false, "localhost", 5173));
        assert_eq!(page.origin(), "http://localhost:5173");
        assert_eq!(
            PageOrigin::parse_flag("app = http://shop.example:80").unwrap().origin(),
            "http://shop.example"
        );
    }

    #[test]
    fn an_origin_that_cannot_work_is_named_with_what_to_write() {
        let error = |name: &str, origin: &str| PageOrigin::parse(name, origin).unwrap_err().to_string();
        assert_eq!(
            error("app", "app.example.com"),
            "`app.example.com` is not an origin (say `https://app.example.com`)"
        );
        assert_eq!(
            error("app", "ftp://files.example"),
            "`ftp://files.example` is not an http:// or https:// origin"
        );
        assert_eq!(
            error("app", "https://app.example.com/login"),
            "`https://app.example.com/login` has more than an origin: leave out the path, query and user name (say `https://app.example.com`)"
        );
        assert!(error("app", "https://me@app.example.com").contains("more than an origin"));
        assert!(error("app", "https://app.example.com?x=1").contains("more than an origin"));
        assert_eq!(
            error("app", "http://app.example.com:6000"),
            "`http://app.example.com:6000`: browsers refuse port 6000 (the Fetch standard's bad ports); choose another"
        );
        assert!(error("my app", "https://a.example").contains("not a page name"));
        assert!(error("", "https://a.example").contains("not a page name"));
        assert_eq!(
            PageOrigin::parse_flag("https://app.example.com").unwrap_err().to_string(),
            "`https://app.example.com` is not NAME=ORIGIN (say `app=https://app.example.com`)"
        );
    }

    #[test]
    fn a_flag_overrides_the_project_file_by_name() {
        let file = vec![PageOrigin::parse("app", "https://app.example.com").unwrap()];
        let flags = [
            PageOrigin::parse("app", "https://staging.example.com").unwrap(),
            PageOrigin::parse("admin", "https://admin.example.com").unwrap(),
        ];
        let merged: Vec<String> = with_overrides(file, &flags).iter().map(ToString::to_string).collect();
        assert_eq!(merged, ["app = https://staging.example.com", "admin = https://admin.example.com"]);
    }
}
