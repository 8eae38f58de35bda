//! The policy written in TOML, and errors that point at the line and column at fault.

use std::fmt;
use std::ops::Range;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use toml::Spanned;

use crate::policy::{Allow, Field, Policy, PolicyError};
use crate::policy_set::{PathPattern, PolicySet};

/// A policy file that cannot be used: where, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct PolicyFileError {
    /// The line at fault, from 1.
    pub line: usize,
    /// The column at fault, from 1, in characters.
    pub column: usize,
    /// The byte range at fault.
    pub span: Range<usize>,
    /// What is wrong.
    pub message: String,
}

impl PolicyFileError {
    fn at(text: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        let start = span.start.min(text.len());
        let before = text.get(..start).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        Self { line, column, span, message: message.into() }
    }
}

/// The file's shape; every value keeps its span so that a policy error can point at it. A file
/// holds one policy at its top level, or several in `[[policy]]` tables, each with the `paths`
/// it covers and an optional `name`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    policy: Option<Spanned<Vec<Spanned<PolicyFile>>>>,
    name: Option<Spanned<String>>,
    paths: Option<Spanned<Vec<Spanned<String>>>>,
    origins: Option<Spanned<Values>>,
    credentials: Option<Spanned<bool>>,
    methods: Option<Spanned<Values>>,
    headers: Option<Spanned<Values>>,
    expose: Option<Spanned<Values>>,
    max_age: Option<Spanned<u64>>,
    cookie: Option<Spanned<Cookies>>,
}

/// One cookie as a string, or a list of them, each with its span.
struct Cookies(Vec<Spanned<String>>);

impl<'de> Deserialize<'de> for Cookies {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CookiesVisitor;
        impl<'de> Visitor<'de> for CookiesVisitor {
            type Value = Cookies;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a cookie (\"session=1; SameSite=None; Secure\") or a list of them")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Cookies, E> {
                // The whole value's span is the field's; the item gets none of its own.
                Ok(Cookies(vec![Spanned::new(0..0, value.to_owned())]))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Cookies, A::Error> {
                let mut cookies = Vec::new();
                while let Some(item) = items.next_element::<Spanned<String>>()? {
                    cookies.push(item);
                }
                Ok(Cookies(cookies))
            }
        }
        deserializer.deserialize_any(CookiesVisitor)
    }
}

/// `"*"` or a list of strings, each with its span.
struct Values(Vec<Spanned<String>>);

impl<'de> Deserialize<'de> for Values {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValuesVisitor;
        impl<'de> Visitor<'de> for ValuesVisitor {
            type Value = Values;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"*\" or a list of strings")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Values, E> {
                if value == "*" {
                    // The whole value's span is the field's; the item gets none of its own.
                    Ok(Values(vec![Spanned::new(0..0, value.to_owned())]))
                } else {
                    Err(E::custom(format!(
                        "\"*\" or a list of strings, got the string \"{value}\"; write [\"{value}\"]"
                    )))
                }
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Values, A::Error> {
                let mut values = Vec::new();
                while let Some(item) = items.next_element::<Spanned<String>>()? {
                    values.push(item);
                }
                Ok(Values(values))
            }
        }
        deserializer.deserialize_any(ValuesVisitor)
    }
}

impl Policy {
    /// Reads a policy written in TOML (the format is in the crate's README). `methods` need not
    /// list GET, HEAD or POST ([`SAFELISTED_METHODS`](crate::SAFELISTED_METHODS)): a browser never
    /// asks about them, so they are allowed to the policy's origins whether listed or not.
    ///
    /// ```
    /// use corsproof_check::Policy;
    /// let policy = Policy::from_toml(r#"
    /// origins = ["https://app.example"]
    /// credentials = true
    /// methods = ["GET", "PUT"]
    /// headers = ["content-type"]
    /// expose = ["x-total-count"]
    /// max_age = 600
    /// cookie = "session=1; SameSite=None; Secure"
    /// "#).unwrap();
    /// assert!(policy.allows_origin("https://app.example"));
    ///
    /// let error = Policy::from_toml("origins = [\"https://app.example/\"]").unwrap_err();
    /// assert_eq!((error.line, error.column), (1, 12));
    /// ```
    pub fn from_toml(text: &str) -> Result<Policy, PolicyFileError> {
        let file = parse(text)?;
        if let Some(tables) = &file.policy {
            return Err(PolicyFileError::at(
                text,
                tables.span(),
                "this file holds several policies keyed by path (`[[policy]]`): `corsproof scan --policy` \
                 reads it, and `corsproof check --policy` picks the one for the URL's path",
            ));
        }
        top_level_policy(text, &file)
    }
}

impl PolicySet {
    /// Reads a policy file: one policy at its top level (which then covers every path), or
    /// several in `[[policy]]` tables, each with the `paths` it covers (patterns as
    /// [`PathPattern`] reads them) and an optional `name` for reports; the first table whose
    /// patterns match a path decides it.
    ///
    /// ```
    /// use corsproof_check::PolicySet;
    /// let set = PolicySet::from_toml("origins = [\"https://app.example\"]").unwrap();
    /// assert!(set.for_path("/any/path").is_some());
    ///
    /// let error = PolicySet::from_toml("[[policy]]\npaths = [\"admin/**\"]\norigins = \"*\"\n").unwrap_err();
    /// assert_eq!((error.line, error.column), (2, 10));
    /// ```
    pub fn from_toml(text: &str) -> Result<PolicySet, PolicyFileError> {
        let file = parse(text)?;
        let Some(tables) = &file.policy else {
            return top_level_policy(text, &file).map(PolicySet::from);
        };
        if let Some(span) = policy_fields(&file).into_iter().next() {
            return Err(PolicyFileError::at(
                text,
                span,
                "with `[[policy]]` tables, every policy field belongs in one of them; move this into a \
                 `[[policy]]` table with `paths = [\"/**\"]` to cover every other path",
            ));
        }
        if tables.get_ref().is_empty() {
            return Err(PolicyFileError::at(
                text,
                tables.span(),
                "`policy` holds no table: write `[[policy]]` tables",
            ));
        }
        let mut set = PolicySet::new();
        for table in tables.get_ref() {
            let entry = table.get_ref();
            if let Some(nested) = &entry.policy {
                return Err(PolicyFileError::at(
                    text,
                    nested.span(),
                    "a `[[policy]]` table cannot hold policies",
                ));
            }
            let Some(paths) = &entry.paths else {
                return Err(PolicyFileError::at(
                    text,
                    table.span(),
                    "this `[[policy]]` table has no `paths`: the paths it covers, such as `paths = [\"/admin/**\"]`",
                ));
            };
            if paths.get_ref().is_empty() {
                return Err(PolicyFileError::at(
                    text,
                    paths.span(),
                    "`paths` is empty: list the paths this policy covers",
                ));
            }
            let mut patterns = Vec::new();
            for path in paths.get_ref() {
                let pattern = PathPattern::new(path.get_ref())
                    .map_err(|reason| PolicyFileError::at(text, path.span(), format!("`paths`: {reason}")))?;
                patterns.push(pattern);
            }
            let policy = policy_of(text, table.span(), entry)?;
            let name = match &entry.name {
                Some(name) => name.get_ref().clone(),
                None => patterns[0].as_str().to_owned(),
            };
            set = set.with(name, patterns, policy);
        }
        Ok(set)
    }
}

fn parse(text: &str) -> Result<PolicyFile, PolicyFileError> {
    toml::from_str(text)
        .map_err(|error| PolicyFileError::at(text, error.span().unwrap_or(0..0), error.message().trim_end()))
}

/// The spans of the policy fields present in `file`.
fn policy_fields(file: &PolicyFile) -> Vec<Range<usize>> {
    [
        file.origins.as_ref().map(Spanned::span),
        file.credentials.as_ref().map(Spanned::span),
        file.methods.as_ref().map(Spanned::span),
        file.headers.as_ref().map(Spanned::span),
        file.expose.as_ref().map(Spanned::span),
        file.max_age.as_ref().map(Spanned::span),
        file.cookie.as_ref().map(Spanned::span),
        file.name.as_ref().map(Spanned::span),
        file.paths.as_ref().map(Spanned::span),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// A file's one top-level policy; `name` and `paths` belong in `[[policy]]` tables.
fn top_level_policy(text: &str, file: &PolicyFile) -> Result<Policy, PolicyFileError> {
    if let Some(span) = file.paths.as_ref().map(Spanned::span).or(file.name.as_ref().map(Spanned::span)) {
        return Err(PolicyFileError::at(
            text,
            span,
            "`name` and `paths` belong in a `[[policy]]` table; a policy at the top level covers every path",
        ));
    }
    policy_of(text, 0..0, file)
}

/// The policy the fields of `file` describe; `at` is where a missing `origins` is reported.
fn policy_of(text: &str, at: Range<usize>, file: &PolicyFile) -> Result<Policy, PolicyFileError> {
    let Some(origins) = &file.origins else {
        return Err(PolicyFileError::at(text, at, "missing `origins`: the origins allowed, or \"*\""));
    };
    let mut builder = Policy::builder().allow_origin(allow(origins));
    if let Some(credentials) = &file.credentials {
        builder = builder.allow_credentials(*credentials.get_ref());
    }
    if let Some(methods) = &file.methods {
        builder = builder.allow_methods(allow(methods));
    }
    if let Some(headers) = &file.headers {
        builder = builder.allow_headers(allow(headers));
    }
    if let Some(expose) = &file.expose {
        builder = builder.expose_headers(allow(expose));
    }
    if let Some(max_age) = &file.max_age {
        builder = builder.max_age(Duration::from_secs(*max_age.get_ref()));
    }
    for cookie in file.cookie.iter().flat_map(|cookies| &cookies.get_ref().0) {
        builder = builder.cookie(cookie.get_ref().clone());
    }
    builder.build().map_err(|error| locate(text, file, error))
}

fn allow(values: &Spanned<Values>) -> Allow {
    Allow::Only(values.get_ref().0.iter().map(|value| value.get_ref().clone()).collect())
}

/// Puts a policy error at its list item, or else at its field's value.
fn locate(text: &str, file: &PolicyFile, error: PolicyError) -> PolicyFileError {
    let values = match error.field {
        Field::Origins => file.origins.as_ref(),
        Field::Methods => file.methods.as_ref(),
        Field::Headers => file.headers.as_ref(),
        Field::Expose => file.expose.as_ref(),
        Field::Credentials | Field::MaxAge | Field::Cookie => None,
    };
    let items = match error.field {
        Field::Cookie => file.cookie.as_ref().map(|cookies| &cookies.get_ref().0),
        _ => values.map(|values| &values.get_ref().0),
    };
    let item_span = items
        .zip(error.item)
        .and_then(|(items, item)| items.get(item))
        .map(|value| value.span())
        .filter(|span| !span.is_empty());
    let field_span = match error.field {
        Field::Credentials => file.credentials.as_ref().map(Spanned::span),
        Field::MaxAge => file.max_age.as_ref().map(Spanned::span),
        Field::Cookie => file.cookie.as_ref().map(Spanned::span),
        _ => values.map(Spanned::span),
    };
    let span = item_span.or(field_span).unwrap_or(0..0);
    PolicyFileError::at(text, span, error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> PolicyFileError {
        Policy::from_toml(text).unwrap_err()
    }

    #[test]
    fn a_wildcard_is_a_string_and_a_list_is_a_list() {
        let policy = Policy::from_toml("origins = \"*\"\nmethods = [\"PUT\"]").unwrap();
        assert_eq!(policy.origins(), &Allow::Any);
        assert_eq!(policy.methods().listed(), ["PUT"]);
    }

    #[test]
    fn a_bad_list_item_is_pointed_at() {
        let error = error("origins = [\n  \"https://app.example\",\n  \"null\",\n]\n");
        assert_eq!((error.line, error.column), (3, 3), "{error}");
        assert!(error.message.contains("sandboxed"), "{error}");
    }

    #[test]
    fn a_rule_across_fields_points_at_the_field() {
        let error = error("origins = \"*\"\ncredentials = true\n");
        assert_eq!((error.line, error.column), (2, 15), "{error}");
    }

    #[test]
    fn syntax_types_and_unknown_keys_are_located_by_toml() {
        let unknown = error("origins = \"*\"\norigin = \"https://a.example\"\n");
        assert_eq!(unknown.line, 2, "{unknown}");
        assert!(unknown.message.contains("unknown field"), "{unknown}");
        let wrong_type = error("origins = \"*\"\nmax_age = \"10 minutes\"\n");
        assert_eq!((wrong_type.line, wrong_type.column), (2, 11), "{wrong_type}");
        let one_string = error("origins = \"https://app.example\"");
        assert!(one_string.message.contains("[\"https://app.example\"]"), "{one_string}");
    }

    #[test]
    fn a_cookie_is_one_string_or_a_list_and_a_bad_one_is_pointed_at() {
        let one = Policy::from_toml("origins = [\"https://a.example\"]\ncookie = \"sid=1\"\n").unwrap();
        assert_eq!(one.cookies(), ["sid=1"]);
        let list = "origins = [\"https://a.example\"]\ncookie = [\"sid=1; Secure\", \"theme=dark\"]\n";
        assert_eq!(Policy::from_toml(list).unwrap().cookies(), ["sid=1; Secure", "theme=dark"]);
        let bad_item = error("origins = [\"https://a.example\"]\ncookie = [\"sid=1\", \"session\"]\n");
        assert_eq!((bad_item.line, bad_item.column), (2, 20), "{bad_item}");
        assert!(bad_item.message.contains("name=value"), "{bad_item}");
        let bad_one = error("origins = [\"https://a.example\"]\ncookie = \"sid=1; SameSite=Nope\"\n");
        assert_eq!((bad_one.line, bad_one.column), (2, 10), "{bad_one}");
        assert!(error("origins = \"*\"\ncookie = 1\n").message.contains("a cookie"));
    }

    #[test]
    fn several_policies_are_keyed_by_path_first_match_first() {
        let text = "[[policy]]\nname = \"admin\"\npaths = [\"/admin/**\"]\norigins = [\"https://admin.example\"]\n\
                    credentials = true\n\n[[policy]]\npaths = [\"/**\"]\norigins = \"*\"\n";
        let set = PolicySet::from_toml(text).unwrap();
        let admin = set.for_path("/admin/users/1").unwrap();
        assert_eq!(admin.name, "admin");
        assert!(admin.policy.credentials());
        assert_eq!(set.for_path("/public").unwrap().policy.origins(), &Allow::Any);
        let error = Policy::from_toml(text).unwrap_err();
        assert!(error.message.contains("several policies"), "{error}");
    }

    #[test]
    fn a_policy_set_points_at_what_is_wrong() {
        let set_error = |text: &str| PolicySet::from_toml(text).unwrap_err();
        let no_paths = set_error("[[policy]]\norigins = \"*\"\n");
        assert!(no_paths.message.contains("no `paths`"), "{no_paths}");
        let mixed = set_error("origins = \"*\"\n[[policy]]\npaths = [\"/**\"]\norigins = \"*\"\n");
        assert_eq!((mixed.line, mixed.column), (1, 11), "{mixed}");
        let bad_item = set_error("[[policy]]\npaths = [\"/**\"]\norigins = [\"null\"]\n");
        assert_eq!((bad_item.line, bad_item.column), (3, 12), "{bad_item}");
        let stray = set_error("paths = [\"/admin/**\"]\norigins = \"*\"\n");
        assert!(stray.message.contains("belong in a `[[policy]]` table"), "{stray}");
        let missing = set_error("[[policy]]\npaths = [\"/a\"]\n");
        assert!(missing.message.contains("missing `origins`"), "{missing}");
        assert_eq!(missing.line, 1, "{missing}");
    }

    #[test]
    fn missing_origins_is_an_error() {
        assert!(error("credentials = false").message.contains("missing `origins`"));
    }
}
