//! Several policies for one API, each for the paths its patterns match, so that an admin API
//! and a public one are judged by different rules. Read from TOML with
//! [`PolicySet::from_toml`]; a file with one policy is a set that covers every path.

use std::fmt;

use crate::policy::Policy;

/// A path pattern: `/admin/**` (the folder and everything under it), `/api/*/items` (one
/// segment), `/health` (exactly), `/files/*.json` (a `*` inside a segment). Query strings are
/// not part of a path.
///
/// ```
/// use corsproof_check::PathPattern;
/// let admin = PathPattern::new("/admin/**").unwrap();
/// assert!(admin.matches("/admin") && admin.matches("/admin/users/7"));
/// assert!(!admin.matches("/administrator"));
/// assert!(PathPattern::new("/api/*/items").unwrap().matches("/api/v2/items"));
/// assert!(PathPattern::new("admin").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathPattern {
    text: String,
    segments: Vec<String>,
}

impl PathPattern {
    /// Reads a pattern; it starts with `/`, and `**` stands alone as a segment.
    pub fn new(text: &str) -> Result<Self, String> {
        let Some(rest) = text.strip_prefix('/') else {
            return Err(format!("`{text}`: a path pattern starts with `/` (`/{text}`)"));
        };
        let segments: Vec<String> = rest.split('/').map(str::to_owned).collect();
        if let Some(bad) = segments.iter().find(|segment| segment.contains("**") && segment.as_str() != "**")
        {
            return Err(format!("`{text}`: `**` stands for whole segments; write `/**` rather than `{bad}`"));
        }
        Ok(Self { text: text.to_owned(), segments })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `path` (a URL's path, without its query) matches.
    pub fn matches(&self, path: &str) -> bool {
        let path = path.split(['?', '#']).next().unwrap_or(path);
        let Some(rest) = path.strip_prefix('/') else { return false };
        let path: Vec<&str> = rest.split('/').collect();
        let pattern: Vec<&str> = self.segments.iter().map(String::as_str).collect();
        match_segments(&pattern, &path)
    }
}

impl fmt::Display for PathPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Segment-wise matching: `**` takes any number of segments (none included), the rest match
/// one segment each. Patterns are short, so the backtracking stays small.
fn match_segments(pattern: &[&str], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|skip| match_segments(rest, &path[skip..])),
        Some((segment, rest)) => path
            .split_first()
            .is_some_and(|(first, others)| match_glob(segment, first) && match_segments(rest, others)),
    }
}

/// `*` inside one segment: any run of characters.
fn match_glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else { return false };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else { return rest.is_empty() };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// One policy of a set: its name, the paths it covers and the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathPolicy {
    /// What reports call it: the file's `name`, else its first pattern.
    pub name: String,
    /// The paths it covers.
    pub paths: Vec<PathPattern>,
    /// The policy.
    pub policy: Policy,
}

/// Policies keyed by path patterns, the first that matches a path deciding it.
///
/// ```
/// use corsproof_check::{PathPattern, Policy, PolicySet};
/// let set = PolicySet::from_toml(r#"
/// [[policy]]
/// name = "admin"
/// paths = ["/admin/**"]
/// origins = ["https://admin.example"]
/// credentials = true
///
/// [[policy]]
/// paths = ["/**"]
/// origins = "*"
/// "#).unwrap();
/// assert_eq!(set.for_path("/admin/users").unwrap().name, "admin");
/// assert_eq!(set.for_path("/api/items").unwrap().name, "/**");
///
/// let one = PolicySet::from(Policy::builder().allow_origin(["https://app.example"]).build().unwrap());
/// assert_eq!(one.for_path("/anything").unwrap().name, PolicySet::EVERY_PATH);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicySet {
    policies: Vec<PathPolicy>,
}

impl PolicySet {
    /// The name of a file's one policy, which covers every path.
    pub const EVERY_PATH: &str = "every path";

    /// No policy: every path is judged without one.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `policy` for `paths`, after the ones already added (which win where both match).
    pub fn with(mut self, name: impl Into<String>, paths: Vec<PathPattern>, policy: Policy) -> Self {
        self.policies.push(PathPolicy { name: name.into(), paths, policy });
        self
    }

    /// The policy for `path` (a URL's path), if any covers it.
    pub fn for_path(&self, path: &str) -> Option<&PathPolicy> {
        self.policies.iter().find(|entry| entry.paths.iter().any(|pattern| pattern.matches(path)))
    }

    /// The policy for `url`'s path, if any covers it.
    pub fn for_url(&self, url: &str) -> Option<&PathPolicy> {
        let path =
            url.parse::<http::Uri>().map(|uri| uri.path().to_owned()).unwrap_or_else(|_| "/".to_owned());
        self.for_path(&path)
    }

    /// Every policy, in the order they are tried.
    pub fn policies(&self) -> &[PathPolicy] {
        &self.policies
    }

    /// Whether the set holds no policy.
    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }
}

impl From<Policy> for PolicySet {
    /// One policy for every path.
    fn from(policy: Policy) -> Self {
        let every_path = PathPattern::new("/**").unwrap_or_else(|_| unreachable!("a valid pattern"));
        PolicySet::new().with(Self::EVERY_PATH, vec![every_path], policy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, path: &str) -> bool {
        PathPattern::new(pattern).unwrap().matches(path)
    }

    #[test]
    fn double_star_takes_any_number_of_segments() {
        assert!(matches("/**", "/"));
        assert!(matches("/**", "/a/b/c"));
        assert!(matches("/api/**/items", "/api/items"));
        assert!(matches("/api/**/items", "/api/v1/shop/items"));
        assert!(!matches("/api/**/items", "/api/v1/orders"));
    }

    #[test]
    fn a_star_stays_in_its_segment() {
        assert!(matches("/files/*.json", "/files/a.json"));
        assert!(!matches("/files/*.json", "/files/a/b.json"));
        assert!(matches("/v*/items", "/v2/items"));
        assert!(!matches("/items/*", "/items"));
        assert!(matches("/a*b*c", "/abc") && matches("/a*b*c", "/axxbyyc") && !matches("/a*b*c", "/acb"));
    }

    #[test]
    fn exact_patterns_ignore_the_query() {
        assert!(matches("/health", "/health?full=1"));
        assert!(!matches("/health", "/health/deep"));
    }

    #[test]
    fn bad_patterns_say_what_to_write() {
        assert!(PathPattern::new("api/**").unwrap_err().contains("`/api/**`"));
        assert!(PathPattern::new("/api**").unwrap_err().contains("whole segments"));
    }
}
