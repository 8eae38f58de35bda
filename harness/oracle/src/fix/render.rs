//! What every framework's renderer shares: the requirement, the summary as a comment, and the
//! lists in the forms the snippets write them.

use std::fmt::Write as _;

use super::{Requirement, page_side_only};
use crate::reason::Reason;

/// The max-age the snippets suggest: WebKit's cap, so every engine honours it in full.
pub(super) const SUGGESTED_MAX_AGE: u32 = 600;

/// One fix, as each framework's `render` reads it.
pub(super) struct Renderer<'a> {
    pub(super) reason: &'a Reason,
    pub(super) required: &'a Requirement,
    /// The fix's summary, which every snippet carries as its first comment (the condition on
    /// the origin included).
    pub(super) note: &'a str,
}

impl Renderer<'_> {
    /// Whether the fix is not server configuration at all.
    pub(super) fn page_side_only(&self) -> bool {
        page_side_only(self.reason)
    }

    /// The methods a preflight response should list: the safelisted ones plus what this
    /// request needs.
    pub(super) fn all_methods(&self) -> Vec<&str> {
        let mut methods = vec!["GET", "HEAD", "POST"];
        for method in &self.required.methods {
            if !methods.contains(&method.as_str()) {
                methods.push(method);
            }
        }
        methods
    }

    /// Whether the snippet should list methods at all (a preflight for a method outside the
    /// safelist).
    pub(super) fn lists_methods(&self) -> bool {
        !self.required.methods.is_empty()
    }

    /// The header names to list, lower-case.
    pub(super) fn header_names(&self) -> Vec<&str> {
        self.required.headers.iter().map(String::as_str).collect()
    }

    /// The summary, wrapped at 88 columns, each line behind `prefix` (`//`, `#`).
    pub(super) fn comment(&self, prefix: &str) -> String {
        let mut out = String::new();
        let mut line = String::new();
        for word in self.note.split_whitespace() {
            if !line.is_empty() && line.len() + word.len() > 88 {
                let _ = writeln!(out, "{prefix} {line}");
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            let _ = writeln!(out, "{prefix} {line}");
        }
        out
    }
}

/// What a framework's snippet starts with: its comment marker, the word for its settings (for
/// a fix that changes none), and its gotcha as comment lines.
pub(super) struct Style {
    pub(super) comment: &'static str,
    pub(super) setting: &'static str,
    pub(super) gotcha: &'static str,
}

impl Renderer<'_> {
    /// The whole snippet: the summary as a comment (the condition on the origin included),
    /// then the gotcha and `body`'s configuration, or, for a page-side fix, the line saying
    /// this framework has nothing to change.
    pub(super) fn snippet(&self, style: &Style, body: fn(&Renderer) -> String) -> String {
        let mut out = self.comment(style.comment);
        if self.page_side_only() {
            let _ = writeln!(out, "{} No {} changes this; see above.", style.comment, style.setting);
        } else {
            out.push_str(style.gotcha);
            out.push_str(&body(self));
        }
        out
    }
}

/// How a middleware's options are written: a JavaScript object's entries or Python keyword
/// arguments, with that middleware's names for them.
pub(super) struct Options {
    /// Before each entry.
    pub(super) indent: &'static str,
    /// Between a name and its value (`: `, `=`).
    pub(super) assign: &'static str,
    /// The string quote.
    pub(super) quote: char,
    /// The language's `true`.
    pub(super) yes: &'static str,
    /// The option names for credentials, methods, headers and max-age.
    pub(super) names: [&'static str; 4],
    /// Whether the methods are listed even when the request needs only safelisted ones
    /// (where the middleware's default list is shorter than GET, HEAD, POST).
    pub(super) always_methods: bool,
}

impl Options {
    /// A JavaScript object's entries, with these names for credentials, methods, headers and
    /// max-age.
    pub(super) fn javascript(names: [&'static str; 4], always_methods: bool) -> Self {
        Options { indent: "  ", assign: ": ", quote: '\'', yes: "true", names, always_methods }
    }

    /// Python keyword arguments, with these names.
    pub(super) fn python(names: [&'static str; 4], always_methods: bool) -> Self {
        Options { indent: "    ", assign: "=", quote: '"', yes: "True", names, always_methods }
    }
}

impl Renderer<'_> {
    /// The options entries for credentials, methods, headers and max-age, one a line.
    pub(super) fn options(&self, options: &Options) -> String {
        let Options {
            indent,
            assign,
            quote,
            yes,
            names: [credentials, methods, headers, max_age],
            always_methods,
        } = *options;
        let mut out = String::new();
        if self.required.credentials {
            let _ = writeln!(out, "{indent}{credentials}{assign}{yes},");
        }
        if always_methods || self.lists_methods() {
            let _ = writeln!(out, "{indent}{methods}{assign}[{}],", quoted_list(&self.all_methods(), quote));
        }
        if !self.required.headers.is_empty() {
            let _ = writeln!(out, "{indent}{headers}{assign}[{}],", quoted_list(&self.header_names(), quote));
        }
        let _ = writeln!(out, "{indent}{max_age}{assign}{SUGGESTED_MAX_AGE},");
        out
    }

    /// The CORS response headers as `(name, value)`: the origin and credentials, and with
    /// `preflight` the methods, headers and max-age too (`Vary` is each server's own).
    pub(super) fn header_values(&self, preflight: bool) -> Vec<(&'static str, String)> {
        let required = self.required;
        let mut headers = vec![("Access-Control-Allow-Origin", required.origin.clone())];
        if required.credentials {
            headers.push(("Access-Control-Allow-Credentials", "true".to_owned()));
        }
        if preflight {
            if self.lists_methods() {
                headers.push(("Access-Control-Allow-Methods", self.all_methods().join(", ")));
            }
            if !required.headers.is_empty() {
                headers.push(("Access-Control-Allow-Headers", required.headers.join(", ")));
            }
            headers.push(("Access-Control-Max-Age", SUGGESTED_MAX_AGE.to_string()));
        }
        headers
    }
}

/// `items` quoted with `quote` and joined with ", ".
pub(super) fn quoted_list(items: &[&str], quote: char) -> String {
    items.iter().map(|item| format!("{quote}{item}{quote}")).collect::<Vec<_>>().join(", ")
}
