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

    /// The summary comment and, for a page-side fix, the line saying this framework has
    /// nothing to change; `None` when there is configuration to write.
    pub(super) fn page_side(&self, prefix: &str, what: &str) -> Option<String> {
        self.page_side_only()
            .then(|| format!("{}{prefix} No {what} changes this; see above.\n", self.comment(prefix)))
    }
}

/// `items` quoted with `quote` and joined with ", ".
pub(super) fn quoted_list(items: &[&str], quote: char) -> String {
    items.iter().map(|item| format!("{quote}{item}{quote}")).collect::<Vec<_>>().join(", ")
}
