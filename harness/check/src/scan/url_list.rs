//! The URL list `corsproof scan --urls` reads: one endpoint per line, `URL` or `METHOD URL`,
//! blank lines and `#` comments ignored; every bad line reported with its line and column.

use std::fmt;

use crate::scan::endpoint::{Endpoint, Source};

/// The most endpoints a list may hold: a scan is bounded in time and memory whatever the input.
pub const MAX_ENDPOINTS: usize = 100_000;

/// How many errors a list reports before it says how many more there are.
const MAX_ERRORS: usize = 20;

/// A line of a URL list that cannot be scanned: where, what is wrong and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlListError {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// What was expected there.
    pub expected: String,
    /// The line as written, shortened to what fits a terminal.
    source_line: String,
}

impl UrlListError {
    /// `FILE:LINE:COLUMN: message`, the line with a caret under the spot, and what was expected.
    pub fn render(&self, file: &str) -> String {
        let gutter = self.line.to_string().len();
        let pad = " ".repeat(gutter);
        let caret = " ".repeat(self.column.saturating_sub(1).min(self.source_line.chars().count()));
        format!(
            "{file}:{}:{}: {}\n{pad} |\n{} | {}\n{pad} | {caret}^\n{pad} = expected {}\n",
            self.line, self.column, self.message, self.line, self.source_line, self.expected
        )
    }
}

impl fmt::Display for UrlListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: {} (expected {})", self.line, self.column, self.message, self.expected)
    }
}

/// Every error of a list, the first 20 kept and the rest counted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlListErrors {
    /// The errors kept, in line order.
    pub errors: Vec<UrlListError>,
    /// How many more there were.
    pub more: usize,
}

impl UrlListErrors {
    /// Each error rendered, then `and N more errors`.
    pub fn render(&self, file: &str) -> String {
        let mut text: String =
            self.errors.iter().map(|error| error.render(file)).collect::<Vec<_>>().join("\n");
        if self.more > 0 {
            text.push_str(&format!("\n{file}: and {} more errors\n", self.more));
        }
        text
    }
}

/// Reads a URL list. `file` names the list in each endpoint's [`Source`].
///
/// ```
/// use corsproof_check::scan::read_url_list;
/// let endpoints = read_url_list("urls.txt", "# the API\nhttps://api.example/items\nPUT https://api.example/items/1\n").unwrap();
/// assert_eq!(endpoints[1].method, "PUT");
/// assert_eq!(endpoints[1].source.as_ref().unwrap().line, 3);
///
/// let errors = read_url_list("urls.txt", "https://api.example/a\napi.example/b\n").unwrap_err();
/// assert_eq!((errors.errors[0].line, errors.errors[0].column), (2, 1));
/// ```
pub fn read_url_list(file: &str, text: &str) -> Result<Vec<Endpoint>, UrlListErrors> {
    let mut endpoints: Vec<Endpoint> = Vec::new();
    let mut errors = UrlListErrors { errors: Vec::new(), more: 0 };
    let mut fail = |error: UrlListError| {
        if errors.errors.len() < MAX_ERRORS { errors.errors.push(error) } else { errors.more += 1 }
    };
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw.split_once('#').map_or(raw, |(before, _)| before);
        let words: Vec<(usize, &str)> = words(content);
        let (method, url) = match words.as_slice() {
            [] => continue,
            [url] => ((url.0, "GET"), *url),
            [method, url] => (*method, *url),
            [_, _, extra, ..] => {
                fail(error_at(raw, line, extra.0, "more than a method and a URL", "`URL` or `METHOD URL`"));
                continue;
            }
        };
        if !is_token(method.1) {
            fail(error_at(
                raw,
                line,
                method.0,
                "not an HTTP method",
                "a method such as GET or PUT, then the URL",
            ));
            continue;
        }
        if let Err(why) = check_url(url.1) {
            fail(error_at(raw, line, url.0, &why, "an absolute http:// or https:// URL"));
            continue;
        }
        if endpoints.len() == MAX_ENDPOINTS {
            fail(error_at(
                raw,
                line,
                0,
                &format!("more than {MAX_ENDPOINTS} endpoints"),
                &format!("at most {MAX_ENDPOINTS} lines of URLs; split the list"),
            ));
            break;
        }
        let endpoint = Endpoint::new(method.1, url.1).source(Source {
            file: file.to_owned(),
            line,
            column: char_column(raw, url.0),
        });
        if !endpoints.iter().any(|seen| seen.method == endpoint.method && seen.url == endpoint.url) {
            endpoints.push(endpoint);
        }
    }
    if !errors.errors.is_empty() {
        return Err(errors);
    }
    if endpoints.is_empty() {
        return Err(UrlListErrors {
            errors: vec![UrlListError {
                line: 1,
                column: 1,
                message: "the list holds no URL".to_owned(),
                expected: "one URL per line (`https://api.example/items`), or `METHOD URL`".to_owned(),
                source_line: shorten(text.lines().next().unwrap_or("")),
            }],
            more: 0,
        });
    }
    Ok(endpoints)
}

/// The whitespace-separated words of a line, each with its byte offset.
fn words(line: &str) -> Vec<(usize, &str)> {
    let mut found = Vec::new();
    let mut start = None;
    for (at, character) in line.char_indices() {
        match (character.is_whitespace(), start) {
            (false, None) => start = Some(at),
            (true, Some(from)) => {
                found.push((from, &line[from..at]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(from) = start {
        found.push((from, &line[from..]));
    }
    found
}

/// An HTTP token (RFC 9110's `tchar`s).
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte))
}

fn check_url(text: &str) -> Result<(), String> {
    let uri: http::Uri = text.parse().map_err(|_| "not a URL".to_owned())?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        Some(other) => return Err(format!("`{other}:` is not a scheme a page fetches over CORS")),
        None => return Err("not an absolute URL (no `https://`)".to_owned()),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err("the URL has no host".to_owned());
    }
    Ok(())
}

fn error_at(raw: &str, line: usize, offset: usize, message: &str, expected: &str) -> UrlListError {
    let column = char_column(raw, offset);
    UrlListError {
        line,
        column,
        message: message.to_owned(),
        expected: expected.to_owned(),
        source_line: shorten(raw),
    }
}

fn char_column(raw: &str, offset: usize) -> usize {
    raw.get(..offset).map_or(1, |before| before.chars().count() + 1)
}

/// A long line cut to 120 characters: an error never copies a huge line.
fn shorten(raw: &str) -> String {
    const KEPT: usize = 120;
    if raw.chars().count() <= KEPT {
        return raw.to_owned();
    }
    let mut kept: String = raw.chars().take(KEPT).collect();
    kept.push('…');
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_blank_lines_and_duplicates_are_skipped() {
        let endpoints = read_url_list(
            "u",
            "\n  # all\nhttp://a.example/x  # first\nhttp://a.example/x\nPOST http://a.example/x\n",
        )
        .unwrap();
        assert_eq!(endpoints.len(), 2);
        assert_eq!(endpoints[0].source.as_ref().unwrap().to_string(), "u:3:1");
    }

    #[test]
    fn each_bad_line_is_pointed_at() {
        let errors = read_url_list("u", "ftp://a/b\nGET\tx y\nG@T http://a.example/\nhttp://\n").unwrap_err();
        let spots: Vec<_> = errors.errors.iter().map(|e| (e.line, e.column)).collect();
        assert_eq!(spots, [(1, 1), (2, 7), (3, 1), (4, 1)], "{}", errors.render("u"));
        assert!(errors.errors[0].message.contains("`ftp:`"));
        let rendered = errors.render("urls.txt");
        assert!(rendered.starts_with("urls.txt:1:1: `ftp:` is not a scheme"), "{rendered}");
        assert!(rendered.contains("= expected an absolute http:// or https:// URL"), "{rendered}");
    }

    #[test]
    fn errors_are_bounded_and_an_empty_list_is_an_error() {
        let errors = read_url_list("u", &"nope\n".repeat(1000)).unwrap_err();
        assert_eq!((errors.errors.len(), errors.more), (MAX_ERRORS, 1000 - MAX_ERRORS));
        assert!(read_url_list("u", "# nothing\n").unwrap_err().errors[0].message.contains("no URL"));
    }

    #[test]
    fn a_huge_line_is_shortened_in_its_error() {
        let line = format!("x{}", "a".repeat(1_000_000));
        let errors = read_url_list("u", &line).unwrap_err();
        assert!(errors.render("u").len() < 1_000, "the error does not copy the line");
    }
}
