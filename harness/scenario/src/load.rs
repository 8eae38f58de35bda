//! Reading scenario files: TOML with spans, validated into the [model](crate::model), with every
//! problem of a file reported at its spot.

use std::ops::Range;
use std::path::{Path, PathBuf};

use corsproof_behaviour::vocabulary::{self, NONE, PREFLIGHT_PREFIX, VocabularyError, Word, Words};
use corsproof_behaviour::{Behaviour, ORIGIN_TABLE};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostic::{Diagnostic, ScenarioError};
use crate::limits::{self, MAX_FILE_BYTES};
use crate::model::{
    Api, CacheMode, CookieBefore, Credentials, Expectation, ExpectedHeader, ExpectedHop, FetchOptions,
    HeaderReading, HopMethod, Mode, Outcome, Priority, ReasonClass, RedirectMode, ReferrerPolicy,
    RequestStep, ResponseType, Scenario, ScenarioFile,
};
use crate::placeholder::{HOST_SUFFIX, fill_placeholders};

/// The project file that sits among scenario files but is not one.
const PROJECT_FILE: &str = "corsproof.toml";

/// The `*.toml` files under `paths`: folders searched recursively, sorted; files kept as given.
pub fn discover(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut inside = Vec::new();
            collect(path, &mut inside);
            inside.sort();
            found.extend(inside);
        } else {
            found.push(path.clone());
        }
    }
    found
}

fn collect(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "toml")
            && path.file_name().is_some_and(|name| name != PROJECT_FILE)
        {
            found.push(path);
        }
    }
}

/// Loads every file; one broken file does not stop the others.
pub fn load_all(paths: &[PathBuf]) -> Vec<Result<ScenarioFile, ScenarioError>> {
    load_all_with_pages(paths, &[], None)
}

/// The longest file name Linux, macOS and Windows file systems take, in bytes (`NAME_MAX`).
pub const FILE_NAME_MAX: usize = 255;

/// What comes before a scenario's name in its snapshot's file name (`classic__preflight__`), for
/// a scenario file, as the runner's snapshot rule decides; `None` when it cannot tell.
pub type SnapshotPrefix<'a> = &'a dyn Fn(&Path) -> Option<String>;

/// Loads every file, where a scenario's `page` may also name one of `pages` (the page origins
/// a project chose: `[pages]` in `corsproof.toml`, `--page`). With `snapshot_prefix`, a name
/// that would make its pending snapshot (`{prefix}{name}.snap.new`) longer than
/// [`FILE_NAME_MAX`] is a located error now, not a failed write in the middle of a run.
pub fn load_all_with_pages(
    paths: &[PathBuf],
    pages: &[String],
    snapshot_prefix: Option<SnapshotPrefix<'_>>,
) -> Vec<Result<ScenarioFile, ScenarioError>> {
    paths
        .iter()
        .map(|path| {
            let text = read(path)?;
            parse(path, &text, pages, snapshot_prefix.and_then(|prefix| prefix(path)))
        })
        .collect()
}

/// Reads and validates one file.
pub fn load(path: &Path) -> Result<ScenarioFile, ScenarioError> {
    parse_str(path, &read(path)?)
}

/// The text of `path`: a file that cannot be read is an error without a place, one that is not
/// UTF-8 (TOML is UTF-8 only) an error at its first bad byte.
/// A file over [`MAX_FILE_BYTES`] is an error without reading more of it than the limit.
fn read(path: &Path) -> Result<String, ScenarioError> {
    let bytes =
        read_at_most(path, MAX_FILE_BYTES).map_err(|error| ScenarioError::unreadable(path, &error))?;
    if bytes.len() > MAX_FILE_BYTES {
        let size = std::fs::metadata(path).ok().map(|metadata| metadata.len());
        return Err(ScenarioError::too_large(path, &bytes[..MAX_FILE_BYTES], size));
    }
    String::from_utf8(bytes)
        .map_err(|error| ScenarioError::not_utf8(path, error.as_bytes(), error.utf8_error()))
}

/// The first `limit + 1` bytes of `path` at most: enough to tell that it is over `limit`.
fn read_at_most(path: &Path, limit: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(limit as u64 + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Validates `text` as the scenario file `path`.
///
/// ```
/// let text = r#"
/// [[scenario]]
/// name = "no-acao"
/// about = "A simple GET without Access-Control-Allow-Origin is blocked"
/// page = "app"
///
/// [[scenario.request]]
/// to = "api"
/// credentials = "includ"
///
/// [scenario.request.expect]
/// outcome = "blocked"
/// "#;
/// let error = corsproof_scenario::parse_str("a.toml".as_ref(), text).unwrap_err();
/// assert_eq!((error.line(), error.column()), (9, 15));
/// assert!(error.to_string().contains("expected one of `omit`, `same-origin`, `include`"));
/// ```
pub fn parse_str(path: &Path, text: &str) -> Result<ScenarioFile, ScenarioError> {
    parse_str_with_pages(path, text, &[])
}

/// Validates `text` as the scenario file `path`, where a scenario's `page` may also name one of
/// `pages` (the page origins a project chose).
pub fn parse_str_with_pages(
    path: &Path,
    text: &str,
    pages: &[String],
) -> Result<ScenarioFile, ScenarioError> {
    parse(path, text, pages, None)
}

/// Validates `text` as the scenario file `path`; with `snapshot_prefix`, each name is also
/// checked to fit its snapshot's file name.
fn parse(
    path: &Path,
    text: &str,
    pages: &[String],
    snapshot_prefix: Option<String>,
) -> Result<ScenarioFile, ScenarioError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(ScenarioError::too_large(path, text.as_bytes(), Some(text.len() as u64)));
    }
    // Every syntax error at once; the meaning of a broken document is not checked.
    let (document, syntax_errors) = DeTable::parse_recoverable(text);
    if !syntax_errors.is_empty() {
        let diagnostics = syntax_errors
            .iter()
            .map(|error| syntax_error(error.span().unwrap_or(0..0), error.message()))
            .collect();
        return Err(ScenarioError::new(path, text, diagnostics));
    }
    // Nor is the meaning of a document over the limits: its bulk would only multiply.
    let over_limits = limits::over_limits(&document);
    if !over_limits.is_empty() {
        return Err(ScenarioError::new(path, text, over_limits));
    }
    let mut reader = Reader { text, pages, snapshot_prefix, problems: Vec::new() };
    let scenarios = reader.file(&document);
    if reader.problems.is_empty() {
        Ok(ScenarioFile { path: path.to_path_buf(), scenarios })
    } else {
        Err(ScenarioError::new(path, text, reader.problems))
    }
}

/// Walks the document, collecting every problem instead of stopping at the first.
struct Reader<'t> {
    text: &'t str,
    /// The page origins the project chose, which `page` may name too.
    pages: &'t [String],
    /// What precedes a scenario's name in its snapshot's file name, when the caller knows.
    snapshot_prefix: Option<String>,
    problems: Vec<Diagnostic>,
}

type Table<'i> = DeTable<'i>;
type Value<'i> = Spanned<DeValue<'i>>;

impl Reader<'_> {
    fn problem(&mut self, span: Range<usize>, message: impl Into<String>, expected: Option<String>) {
        self.problems.push(Diagnostic::new(span, message, expected));
    }

    fn file(&mut self, document: &Spanned<Table<'_>>) -> Vec<Scenario> {
        let root = document.get_ref();
        self.known_keys(root, &["scenario"], "the top level");
        let Some(list) = self.tables(root, "scenario", document.span(), "the top level") else {
            return vec![];
        };
        if list.is_empty() {
            self.problem(
                document.span(),
                "the file has no scenario",
                Some("at least one `[[scenario]]`".into()),
            );
        }
        let mut scenarios: Vec<Scenario> = Vec::new();
        for (span, table) in list {
            if let Some(scenario) = self.scenario(table, span.clone()) {
                if scenarios.iter().any(|earlier| earlier.name == scenario.name) {
                    let at = value_span(table, "name").unwrap_or(span);
                    self.problem(
                        at,
                        format!("a scenario named `{}` is already in this file", scenario.name),
                        Some("a name no other scenario of this file has".into()),
                    );
                }
                scenarios.push(scenario);
            }
        }
        scenarios
    }

    fn scenario(&mut self, table: &Table<'_>, span: Range<usize>) -> Option<Scenario> {
        self.known_keys(
            table,
            &[
                "name",
                "about",
                "page",
                "sandbox",
                "public_page",
                "local_network_granted",
                "request",
                "cookie",
            ],
            "a scenario",
        );
        let name = self.string(table, "name", &span, "a scenario");
        if let Some(name) = &name {
            let valid = name
                .get_ref()
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                && name.get_ref().chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !valid {
                self.problem(
                    name.span(),
                    "this is not a scenario name",
                    Some("lower-case letters, digits and `-`, starting with a letter or digit".into()),
                );
            }
            self.fits_a_snapshot_name(name);
        }
        let about = self.string(table, "about", &span, "a scenario");
        if let Some(about) = &about
            && (about.get_ref().trim().is_empty() || about.get_ref().contains('\n'))
        {
            self.problem(
                about.span(),
                "`about` must be one non-empty line",
                Some("one line saying what it proves".into()),
            );
        }
        let page = self.string(table, "page", &span, "a scenario");
        if let Some(page) = page.as_ref().filter(|page| !self.pages.contains(page.get_ref())) {
            self.origin_name(page, self.pages);
        }
        let sandbox = self.boolean(table, "sandbox").unwrap_or(false);
        let public_page = self.boolean(table, "public_page").unwrap_or(false);
        let local_network_granted = self.boolean(table, "local_network_granted").unwrap_or(false);
        if local_network_granted
            && !public_page
            && let Some(value) = get(table, "local_network_granted")
        {
            self.problem(
                value.span(),
                "only a public page needs the local network permission",
                Some("`public_page = true` too, or no `local_network_granted`".into()),
            );
        }
        let requests_list = self.tables(table, "request", span.clone(), "a scenario").unwrap_or_default();
        if requests_list.is_empty() {
            self.problem(
                span.clone(),
                "this scenario makes no request",
                Some("at least one `[[scenario.request]]`".into()),
            );
        }
        let mut requests: Vec<RequestStep> = Vec::new();
        let mut request_spans = Vec::new();
        for (request_span, request_table) in &requests_list {
            if let Some(step) = self.request(request_table, request_span.clone(), &requests) {
                requests.push(step);
                request_spans.push(request_span.clone());
            }
        }
        let with_origin = requests.iter().filter(|step| step.to.is_some()).count();
        if with_origin != 0 && with_origin != requests.len() {
            let at = requests
                .iter()
                .zip(&request_spans)
                .find(|(step, _)| step.to.is_none())
                .map(|(_, s)| s.clone());
            self.problem(
                at.unwrap_or(span.clone()),
                "this scenario mixes mock origins and the external target",
                Some("`to` on every request, or on none (for --target)".into()),
            );
        }
        let cookies = self.cookies(table, &requests, &span);
        Some(Scenario {
            name: name?.into_inner(),
            about: about?.into_inner(),
            page: page?.into_inner(),
            sandbox,
            public_page,
            local_network_granted,
            requests,
            cookies,
            line: self.text.get(..span.start).map_or(1, |before| before.matches('\n').count() + 1),
        })
    }

    fn request(
        &mut self,
        table: &Table<'_>,
        span: Range<usize>,
        earlier: &[RequestStep],
    ) -> Option<RequestStep> {
        const KEYS: &[&str] = &[
            "to",
            "path",
            "method",
            "headers",
            "body",
            "credentials",
            "mode",
            "redirect",
            "api",
            "referrer_policy",
            "keepalive",
            "cache",
            "priority",
            "same_url_as",
            "server",
            "expect",
        ];
        self.known_keys(table, KEYS, "a request");
        let to = self.optional_string(table, "to");
        if let Some(to) = &to {
            self.origin_name(to, &[]);
        }
        let path = self.optional_string(table, "path");
        if let Some(path) = &path
            && !path.get_ref().starts_with('/')
        {
            self.problem(path.span(), "the path does not start with `/`", Some("a path like `/data`".into()));
        }
        if let (Some(path), Some(_)) = (&path, &to) {
            self.mock_path_query(path);
        }
        let method = self.optional_string(table, "method");
        if let Some(method) = &method
            && http::Method::from_bytes(method.get_ref().as_bytes()).is_err()
        {
            self.problem(
                method.span(),
                "this is not an HTTP method",
                Some("a token like `GET` or `patch`".into()),
            );
        }
        let headers = self.headers(table);
        let body = self.optional_string(table, "body").map(Spanned::into_inner);
        let credentials =
            self.choice(table, "credentials", &Credentials::ALL.map(|value| (value.name(), value)));
        let mode = self.choice(table, "mode", &Mode::ALL.map(|value| (value.name(), value)));
        let redirect = self.choice(table, "redirect", &RedirectMode::ALL.map(|value| (value.name(), value)));
        let api = self.choice(table, "api", &Api::ALL.map(|value| (value.name(), value)));
        let options = self.fetch_options(table, api.unwrap_or_default());
        let same_url_as = self.same_url_as(table, earlier, to.as_ref().map(|to| to.get_ref().as_str()));
        if get(table, "same_url_as").is_some() {
            for key in ["path", "server"] {
                if let Some(span) = key_span(table, key) {
                    self.problem(
                        span,
                        format!("`{key}` together with `same_url_as`: the URL, query included, is the earlier request's"),
                        Some(format!("either `same_url_as` or `{key}`, not both")),
                    );
                }
            }
        }
        let server = get(table, "server").and_then(|value| self.server(value));
        // What the request can get back, for the checks of its `expect` (unknown when its own
        // key was wrong: that is reported once, at the key).
        let shape = RequestShape {
            mode: if get(table, "mode").is_some() { mode } else { Some(Mode::default()) },
            redirect: if get(table, "redirect").is_some() { redirect } else { Some(RedirectMode::default()) },
            api: if get(table, "api").is_some() { api } else { Some(Api::default()) },
        };
        let expect = match get(table, "expect") {
            Some(value) => self.expectation(value, shape),
            None => {
                self.problem(
                    span,
                    "this request has no `expect` table",
                    Some("`[scenario.request.expect]` with an `outcome`".into()),
                );
                None
            }
        };
        Some(RequestStep {
            to: to.map(Spanned::into_inner),
            path: path.map_or_else(|| "/".to_owned(), Spanned::into_inner),
            method: method.map_or_else(|| "GET".to_owned(), Spanned::into_inner),
            headers,
            body,
            credentials: credentials.unwrap_or_default(),
            mode: mode.unwrap_or_default(),
            redirect: redirect.unwrap_or_default(),
            api: api.unwrap_or_default(),
            options,
            same_url_as,
            server,
            expect: expect?,
        })
    }

    fn headers(&mut self, table: &Table<'_>) -> Vec<(String, String)> {
        let Some(headers) = self.headers_table(table, "`headers = { \"X-Custom\" = \"1\" }`") else {
            return vec![];
        };
        let mut out = Vec::new();
        for (name, value) in headers {
            let expected = "a header name: letters, digits and `!#$%&'*+-.^_`|~`, like `X-Custom`";
            if !self.header_name(name.get_ref(), name.span(), expected) {
                continue;
            }
            match value.get_ref() {
                DeValue::String(text) if http::HeaderValue::from_str(text).is_ok() => {
                    out.push((name.get_ref().to_string(), text.to_string()));
                }
                DeValue::String(_) => self.problem(
                    value.span(),
                    "this cannot be a header value",
                    Some("visible ASCII text".into()),
                ),
                _ => self.problem(
                    value.span(),
                    "a header value must be a string",
                    Some("a quoted string, like `\"1\"`".into()),
                ),
            }
        }
        out
    }

    /// fetch()'s options; each is a problem at its key when the request is an XMLHttpRequest,
    /// which has none of them.
    fn fetch_options(&mut self, table: &Table<'_>, api: Api) -> FetchOptions {
        if api == Api::Xhr {
            for key in FETCH_OPTION_KEYS {
                if let Some(span) = key_span(table, key) {
                    self.problem(
                        span,
                        format!("`{key}` is an option of fetch(), and this request uses XMLHttpRequest"),
                        Some(format!("`api = \"fetch\"`, or no `{key}`")),
                    );
                }
            }
        }
        FetchOptions {
            referrer_policy: self.choice(
                table,
                "referrer_policy",
                &ReferrerPolicy::ALL.map(|value| (value.name(), value)),
            ),
            keepalive: self.boolean(table, "keepalive").unwrap_or(false),
            cache: self.choice(table, "cache", &CacheMode::ALL.map(|value| (value.name(), value))),
            priority: self.choice(table, "priority", &Priority::ALL.map(|value| (value.name(), value))),
        }
    }

    fn same_url_as(&mut self, table: &Table<'_>, earlier: &[RequestStep], to: Option<&str>) -> Option<usize> {
        let value = get(table, "same_url_as")?;
        let expected = || {
            if earlier.is_empty() {
                "no `same_url_as` on a scenario's first request".to_owned()
            } else {
                format!("the number of an earlier request of this scenario, 1 to {}", earlier.len())
            }
        };
        let number = match value.get_ref() {
            DeValue::Integer(number) => {
                number.as_str().parse::<usize>().ok().filter(|_| number.radix() == 10)
            }
            _ => None,
        };
        match number {
            Some(number) if (1..=earlier.len()).contains(&number) => {
                let target = &earlier[number - 1];
                if target.to.as_deref() != to {
                    self.problem(
                        value.span(),
                        format!("request {number} goes to another origin"),
                        Some("the same `to` as that request".into()),
                    );
                }
                Some(number - 1)
            }
            _ => {
                self.problem(
                    value.span(),
                    "`same_url_as` does not point at an earlier request",
                    Some(expected()),
                );
                None
            }
        }
    }

    /// The `server` table as a behaviour, its placeholders kept. Each value is checked by the
    /// vocabulary with the placeholders filled by stand-ins; every problem is reported, at its
    /// key.
    fn server(&mut self, value: &Value<'_>) -> Option<Behaviour> {
        let DeValue::Table(table) = value.get_ref() else {
            self.problem(value.span(), "`server` is not a table", Some("`[scenario.request.server]`".into()));
            return None;
        };
        let mut words = Words::default();
        let before = self.problems.len();
        for (key, value) in table {
            let key_text = key.get_ref().to_string();
            let Some(word) = Word::of_key(&key_text) else {
                let known: Vec<String> = Word::ALL.iter().map(|w| format!("`{}`", w.key())).collect();
                self.problem(
                    key.span(),
                    format!("`{key_text}` is not a word of the server vocabulary"),
                    Some(format!("one of {} (each also with `{PREFLIGHT_PREFIX}`)", known.join(", "))),
                );
                continue;
            };
            let items: Vec<&Value<'_>> = match value.get_ref() {
                DeValue::Array(items) => items.iter().collect(),
                _ => vec![value],
            };
            if items.is_empty() {
                self.problem(
                    value.span(),
                    format!("`{key_text}` has an empty list"),
                    Some(format!("a value, or `\"{NONE}\"` to send nothing")),
                );
                continue;
            }
            if items.len() > 1 && !word.spec().repeatable {
                self.problem(
                    value.span(),
                    format!("`{key_text}` takes one value"),
                    Some(format!("a single value, not a list (only {} repeat)", repeatable_keys())),
                );
                continue;
            }
            for item in items {
                let text = match item.get_ref() {
                    DeValue::String(text) => text.to_string(),
                    DeValue::Integer(number) if number.radix() == 10 => number.as_str().to_owned(),
                    DeValue::Boolean(flag) => flag.to_string(),
                    _ => {
                        self.problem(
                            item.span(),
                            format!("`{key_text}` has a value of a type the server vocabulary cannot take"),
                            Some("a string, a decimal integer or a boolean".into()),
                        );
                        continue;
                    }
                };
                let Some(filled) = self.placeholders(item.span(), &text) else { continue };
                // Each value alone, so that every bad value is reported, at its own key.
                let mut alone = Words::default();
                if let Err(error) = alone.add(&key_text, filled).and_then(|()| alone.behaviour()) {
                    self.vocabulary_problem(key.span().start..item.span().end, &error);
                    continue;
                }
                if let Err(error) = words.add(&key_text, text) {
                    self.vocabulary_problem(key.span().start..item.span().end, &error);
                }
            }
        }
        if self.problems.len() > before {
            return None;
        }
        // The whole table once more, with the placeholders kept: what the runner fills in.
        match words.behaviour() {
            Ok(behaviour) => Some(behaviour),
            Err(error) => {
                let at = key_span(table, &error.key).unwrap_or(value.span());
                self.vocabulary_problem(at, &error);
                None
            }
        }
    }

    /// The query of a `path` to a mock origin (`to`): the mock server reads it with its
    /// vocabulary, as it reads the `server` table, and answers a word it does not know, or a
    /// value it cannot take, with a 400 that the page sees as a CORS block. So each is a
    /// problem here, at the path, before any browser starts. Words starting with `_` are the
    /// server's to ignore (a cache-buster). A request without `to` goes to your server
    /// (`--target`), whose query is its own.
    fn mock_path_query(&mut self, path: &Spanned<String>) {
        let Some((_, query)) = path.get_ref().split_once('?') else { return };
        let query = query.split_once('#').map_or(query, |(query, _)| query);
        let before = self.problems.len();
        // Each pair alone, so that every bad word is reported, then the whole query for a word
        // given twice.
        for pair in query.split('&') {
            let Err(error) = vocabulary::parse(pair) else { continue };
            if Word::of_key(&error.key).is_some() {
                self.vocabulary_problem(path.span(), &error);
            } else {
                let known: Vec<String> = Word::ALL.iter().map(|w| format!("`{}`", w.key())).collect();
                self.problem(
                    path.span(),
                    format!(
                        "`{}` in this path's query is not a word of the mock server's vocabulary (it would answer a 400)",
                        error.key
                    ),
                    Some(format!(
                        "one of {} (each also with `{PREFLIGHT_PREFIX}`), or a name starting with `_`, which it ignores",
                        known.join(", ")
                    )),
                );
            }
        }
        if self.problems.len() == before
            && let Err(error) = vocabulary::parse(query)
        {
            self.vocabulary_problem(path.span(), &error);
        }
    }

    fn vocabulary_problem(&mut self, span: Range<usize>, error: &VocabularyError) {
        let (message, expected) = match error.problem.strip_prefix("expected ") {
            Some(expected) => {
                (format!("the mock server refuses this value of `{}`", error.key), Some(expected.to_owned()))
            }
            None => (format!("`{}`: {}", error.key, error.problem), None),
        };
        self.problem(span, message, expected);
    }

    fn expectation(&mut self, value: &Value<'_>, shape: RequestShape) -> Option<Expectation> {
        let DeValue::Table(table) = value.get_ref() else {
            self.problem(value.span(), "`expect` is not a table", Some("`[scenario.request.expect]`".into()));
            return None;
        };
        self.known_keys(
            table,
            &[
                "outcome",
                "preflight",
                "reached_server",
                "cookies_sent",
                "reason",
                "status",
                "readable_headers",
                "hidden_headers",
                "server_saw",
                "response_type",
                "body",
                "headers",
            ],
            "`expect`",
        );
        let outcomes = [Outcome::Allowed, Outcome::Blocked, Outcome::NetworkError, Outcome::Timeout]
            .map(|o| (o.name(), o));
        let outcome = match get(table, "outcome") {
            Some(_) => self.choice(table, "outcome", &outcomes),
            None => {
                self.problem(
                    value.span(),
                    "`expect` has no `outcome`",
                    Some("`outcome = \"allowed\"` or another outcome".into()),
                );
                None
            }
        };
        let reasons = ReasonClass::ALL.map(|class| (class.name(), class));
        let reason = self.choice(table, "reason", &reasons);
        if reason.is_some()
            && let Some(outcome) = outcome
            && outcome != Outcome::Blocked
            && let Some(span) = value_span(table, "reason")
        {
            self.problem(
                span,
                format!("a `reason` with outcome `{}`", outcome.name()),
                Some("`reason` only with `outcome = \"blocked\"`".into()),
            );
        }
        let status = get(table, "status").and_then(|value| match value.get_ref() {
            DeValue::Integer(number) => match number.as_str().parse::<u16>() {
                Ok(status @ (0 | 100..=599)) if number.radix() == 10 => Some(status),
                _ => {
                    self.problem(value.span(), "this is not a status code", Some(STATUSES.into()));
                    None
                }
            },
            _ => {
                self.problem(value.span(), "`status` is not a number", Some(STATUSES.into()));
                None
            }
        });
        let response_type =
            self.choice(table, "response_type", &ResponseType::ALL.map(|value| (value.name(), value)));
        let body = self.optional_string(table, "body").map(Spanned::into_inner);
        let (header_spans, headers): (Vec<Range<usize>>, Vec<(String, HeaderReading)>) = self
            .expected_headers(table)
            .into_iter()
            .map(|(span, name, reading)| (span, (name, reading)))
            .unzip();
        let expect = Expectation {
            outcome: outcome?,
            preflight: self.boolean(table, "preflight"),
            reached_server: self.boolean(table, "reached_server"),
            cookies_sent: self.boolean(table, "cookies_sent"),
            reason,
            status,
            readable_headers: self.header_names(table, "readable_headers"),
            hidden_headers: self.header_names(table, "hidden_headers"),
            server_saw: get(table, "server_saw").and_then(|value| self.server_saw(value)),
            response_type,
            body,
            headers,
        };
        self.response_keys_fit(table, shape, &expect, &header_spans);
        Some(expect)
    }

    /// Whether `name` (at `span`) is a header name; if not, a problem saying `expected`.
    fn header_name(&mut self, name: &str, span: Range<usize>, expected: &str) -> bool {
        let valid = http::HeaderName::from_bytes(name.as_bytes()).is_ok();
        if !valid {
            self.problem(span, format!("`{name}` is not a header name"), Some(expected.to_owned()));
        }
        valid
    }

    /// The `headers` table of a request or an `expect`; not a table is a problem, its expected
    /// form shown by `example`.
    fn headers_table<'t, 'i>(&mut self, table: &'t Table<'i>, example: &str) -> Option<&'t Table<'i>> {
        let value = get(table, "headers")?;
        match value.get_ref() {
            DeValue::Table(headers) => Some(headers),
            _ => {
                self.problem(value.span(), "`headers` is not a table", Some(example.to_owned()));
                None
            }
        }
    }

    /// `expect.headers`: each named response header's value as the page reads it, or `false`
    /// for one it cannot read; with each entry's span, for the checks against the response.
    fn expected_headers(&mut self, table: &Table<'_>) -> Vec<(Range<usize>, String, HeaderReading)> {
        let Some(headers) =
            self.headers_table(table, "`headers = { \"x-total\" = \"3\", \"x-secret\" = false }`")
        else {
            return vec![];
        };
        let mut out: Vec<(Range<usize>, String, HeaderReading)> = Vec::new();
        for (name, written) in headers {
            if !self.header_name(name.get_ref(), name.span(), "a header name like `x-total`") {
                continue;
            }
            let lower = name.get_ref().to_ascii_lowercase();
            if out.iter().any(|(_, earlier, _)| *earlier == lower) {
                self.problem(
                    name.span(),
                    format!("`{lower}` is named twice (header names are compared lower-cased)"),
                    Some("each header once".into()),
                );
                continue;
            }
            let reading = match written.get_ref() {
                DeValue::String(text) => HeaderReading::Value(text.to_string()),
                DeValue::Boolean(false) => HeaderReading::Unreadable,
                _ => {
                    self.problem(
                        written.span(),
                        "a header's reading is its value or `false`",
                        Some(
                            "the value the page reads, as a string (`\"3\"`), or `false` when it cannot read the header"
                                .into(),
                        ),
                    );
                    continue;
                }
            };
            out.push((name.span().start..written.span().end, lower, reading));
        }
        out
    }

    /// The response keys of `expect` against what the request can get: a response at all
    /// (`outcome = "allowed"`), and, for status 0 and the opaque types, the mode or redirect
    /// mode that gives an opaque response, whose body is empty and whose headers are hidden.
    /// `header_spans` are where each of `expect.headers` is written.
    fn response_keys_fit(
        &mut self,
        table: &Table<'_>,
        shape: RequestShape,
        expect: &Expectation,
        header_spans: &[Range<usize>],
    ) {
        if expect.outcome != Outcome::Allowed {
            for key in ["response_type", "body", "headers"] {
                if let Some(span) = key_span(table, key) {
                    self.problem(
                        span,
                        format!("`{key}` with outcome `{}`: the page got no response", expect.outcome.name()),
                        Some(format!("`{key}` only with `outcome = \"allowed\"`")),
                    );
                }
            }
        }
        if expect.status == Some(0)
            && shape.mode.is_some_and(|mode| mode != Mode::NoCors)
            && shape.redirect.is_some_and(|redirect| redirect != RedirectMode::Manual)
            && let Some(span) = value_span(table, "status")
        {
            self.problem(
                span,
                "status 0 is what an opaque response shows, and this request cannot get one",
                Some(
                    "`mode = \"no-cors\"` or `redirect = \"manual\"` on the request, or a status from 100 to 599"
                        .into(),
                ),
            );
        }
        let Some(response_type) = expect.response_type else { return };
        let Some(type_span) = value_span(table, "response_type") else { return };
        if shape.api == Some(Api::Xhr) {
            self.problem(
                type_span.clone(),
                "XMLHttpRequest has no response type",
                Some("`response_type` only with `api = \"fetch\"`".into()),
            );
        }
        let needs = match response_type {
            ResponseType::Opaque => {
                shape.mode.filter(|mode| *mode != Mode::NoCors).map(|_| "`mode = \"no-cors\"`")
            }
            ResponseType::OpaqueRedirect => shape
                .redirect
                .filter(|redirect| *redirect != RedirectMode::Manual)
                .map(|_| "`redirect = \"manual\"`"),
            ResponseType::Basic | ResponseType::Cors => None,
        };
        if let Some(needs) = needs {
            self.problem(
                type_span,
                format!("this request cannot get an `{}` response", response_type.name()),
                Some(format!("{needs} on the request")),
            );
        }
        if !matches!(response_type, ResponseType::Opaque | ResponseType::OpaqueRedirect) {
            return;
        }
        let opaque = response_type.name();
        if let Some(status) = expect.status.filter(|status| *status != 0)
            && let Some(span) = value_span(table, "status")
        {
            self.problem(
                span,
                format!("an `{opaque}` response shows status 0, not {status}"),
                Some("`status = 0`".into()),
            );
        }
        if expect.body.as_ref().is_some_and(|body| !body.is_empty())
            && let Some(span) = value_span(table, "body")
        {
            self.problem(
                span,
                format!("an `{opaque}` response has an empty body"),
                Some("`body = \"\"`".into()),
            );
        }
        for ((name, reading), span) in expect.headers.iter().zip(header_spans) {
            if let HeaderReading::Value(_) = reading {
                self.problem(
                    span.clone(),
                    format!("the page reads no header of an `{opaque}` response, `{name}` neither"),
                    Some(format!("`\"{name}\" = false`")),
                );
            }
        }
    }

    /// The `[[scenario.cookie]]` tables: cookies the browser holds before the first request.
    fn cookies(
        &mut self,
        table: &Table<'_>,
        requests: &[RequestStep],
        span: &Range<usize>,
    ) -> Vec<CookieBefore> {
        if get(table, "cookie").is_none() {
            return vec![];
        }
        let list = self.tables(table, "cookie", span.clone(), "a scenario").unwrap_or_default();
        if !list.is_empty()
            && requests.iter().any(|step| step.to.is_none())
            && let Some(at) = key_span(table, "cookie")
        {
            self.problem(
                at,
                "cookies are set through the mock origins, and this scenario's requests go to --target",
                Some("`to` on every request, or no `[[scenario.cookie]]`".into()),
            );
        }
        let mut cookies = Vec::new();
        for (cookie_span, cookie) in list {
            self.known_keys(cookie, &["origin", "set_cookie"], "a cookie");
            let origin = self.string(cookie, "origin", &cookie_span, "a cookie");
            if let Some(origin) = &origin {
                self.origin_name(origin, &[]);
            }
            let line = self.string(cookie, "set_cookie", &cookie_span, "a cookie");
            let valid = line.as_ref().is_some_and(|line| self.set_cookie_line(line));
            if let (Some(origin), Some(line), true) = (origin, line, valid) {
                cookies.push(CookieBefore { origin: origin.into_inner(), set_cookie: line.into_inner() });
            }
        }
        cookies
    }

    /// Whether a cookie's `Set-Cookie` line is one the runner can set for this scenario alone:
    /// `name=value`, a `Path` at or below `/t/{token}`, no other placeholder, and a line the
    /// mock server sends.
    fn set_cookie_line(&mut self, line: &Spanned<String>) -> bool {
        let text = line.get_ref();
        let filled = match fill_placeholders(text, "tok", |_| None) {
            Ok(filled) => filled,
            Err(unknown) => {
                self.problem(
                    line.span(),
                    format!("`{{{unknown}}}` is not a placeholder of a cookie"),
                    Some("`{token}`: each request's token, in `Path=/t/{token}`".into()),
                );
                return false;
            }
        };
        let mut parts = text.split(';');
        let pair = parts.next().unwrap_or_default();
        if pair.split_once('=').is_none_or(|(name, _)| name.trim().is_empty()) {
            self.problem(
                line.span(),
                "this is not a Set-Cookie line",
                Some("`name=value; Path=/t/{token}` and any attributes".into()),
            );
            return false;
        }
        let scoped = parts.filter_map(|attribute| attribute.split_once('=')).any(|(name, value)| {
            let value = value.trim();
            name.trim().eq_ignore_ascii_case("path")
                && (value == COOKIE_PATH || value.starts_with(&format!("{COOKIE_PATH}/")))
        });
        if !scoped {
            self.problem(
                line.span(),
                "this cookie is not scoped to the scenario's requests",
                Some(format!(
                    "`Path={COOKIE_PATH}` (or a path below it): scenarios share one browser, and each request's URL starts with it"
                )),
            );
            return false;
        }
        let mut alone = Words::default();
        if let Err(error) = alone.add(Word::Cookie.key(), filled).and_then(|()| alone.behaviour()) {
            self.vocabulary_problem(line.span(), &error);
            return false;
        }
        true
    }

    /// `expect.server_saw`: every request the server received, in order, each a table.
    fn server_saw(&mut self, value: &Value<'_>) -> Option<Vec<ExpectedHop>> {
        let DeValue::Array(items) = value.get_ref() else {
            self.problem(
                value.span(),
                "`server_saw` is not a list of tables",
                Some("`[[scenario.request.expect.server_saw]]` tables, one per request received".into()),
            );
            return None;
        };
        let mut hops = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::Table(table) => hops.extend(self.hop(table, item.span())),
                _ => self.problem(
                    item.span(),
                    "this `server_saw` entry is not a table",
                    Some("a table with `method`, and `url`, `origin`, `headers` if checked".into()),
                ),
            }
        }
        Some(hops)
    }

    /// One request the server received, as the snapshot's `server_saw` lists it.
    fn hop(&mut self, table: &Table<'_>, span: Range<usize>) -> Option<ExpectedHop> {
        self.known_keys(table, &["method", "url", "origin", "headers"], "a `server_saw` entry");
        let method = self.string(table, "method", &span, "a `server_saw` entry");
        let method = method.and_then(|method| {
            if method.get_ref() == HopMethod::PREFLIGHT {
                Some(HopMethod::Preflight)
            } else if http::Method::from_bytes(method.get_ref().as_bytes()).is_ok() {
                Some(HopMethod::Actual(method.into_inner()))
            } else {
                self.problem(
                    method.span(),
                    "this is not a method the server can receive",
                    Some(format!("`{}` or a method like `GET`", HopMethod::PREFLIGHT)),
                );
                None
            }
        });
        let url = self.optional_string(table, "url").and_then(|url| {
            self.placeholders(url.span(), url.get_ref())?;
            Some(url.into_inner())
        });
        let origin = get(table, "origin").and_then(|value| self.expected_header(value));
        let mut headers = Vec::new();
        let example = "`headers = { authorization = \"Bearer x\", cookie = false }`";
        for (name, value) in self.headers_table(table, example).into_iter().flatten() {
            if !self.header_name(
                name.get_ref(),
                name.span(),
                "a header name like `access-control-request-headers`",
            ) {
                continue;
            }
            let lower = name.get_ref().to_ascii_lowercase();
            if headers.iter().any(|(named, _)| *named == lower) {
                self.problem(
                    name.span(),
                    format!("`{}` is named twice in this entry", name.get_ref()),
                    Some("each header once, in any case".into()),
                );
            } else if lower == "origin" {
                self.problem(
                    name.span(),
                    "`Origin` has a key of its own in a `server_saw` entry",
                    Some("`origin = ...` beside `headers`".into()),
                );
            } else if let Some(expected) = self.expected_header(value) {
                headers.push((lower, expected));
            }
        }
        Some(ExpectedHop { method: method?, url, origin, headers })
    }

    /// A received header's expected value: a string (placeholders allowed), `true` (sent, any
    /// value) or `false` (not sent).
    fn expected_header(&mut self, value: &Value<'_>) -> Option<ExpectedHeader> {
        match value.get_ref() {
            DeValue::String(text) => {
                let filled = self.placeholders(value.span(), text)?;
                if http::HeaderValue::from_str(&filled).is_err() {
                    self.problem(
                        value.span(),
                        "this cannot be a header value",
                        Some("visible ASCII text".into()),
                    );
                    return None;
                }
                Some(ExpectedHeader::Value(text.to_string()))
            }
            DeValue::Boolean(true) => Some(ExpectedHeader::Present),
            DeValue::Boolean(false) => Some(ExpectedHeader::Absent),
            _ => {
                self.problem(
                    value.span(),
                    "this is not a received header's value",
                    Some("a string (the value, byte for byte), `true` (sent) or `false` (not sent)".into()),
                );
                None
            }
        }
    }

    /// `text` with its placeholders filled by stand-ins; `None` (and a problem at `span`) when
    /// one names neither `token` nor an origin.
    fn placeholders(&mut self, span: Range<usize>, text: &str) -> Option<String> {
        let stand_in = |name: &str| {
            ORIGIN_TABLE.iter().any(|(origin, _, _)| *origin == name).then(|| format!("http://{name}.test:1"))
        };
        match fill_placeholders(text, "tok", stand_in) {
            Ok(filled) => Some(filled),
            Err(unknown) => {
                let names: Vec<String> =
                    ORIGIN_TABLE.iter().map(|(name, _, _)| format!("`{{{name}}}`")).collect();
                self.problem(
                    span,
                    format!("`{{{unknown}}}` is not a placeholder"),
                    Some(format!(
                        "`{{token}}` or an origin: {}, each also as its host and port alone (`{{api{HOST_SUFFIX}}}`)",
                        names.join(", ")
                    )),
                );
                None
            }
        }
    }

    fn header_names(&mut self, table: &Table<'_>, key: &str) -> Vec<String> {
        let Some(value) = get(table, key) else { return vec![] };
        let DeValue::Array(items) = value.get_ref() else {
            self.problem(
                value.span(),
                format!("`{key}` is not a list"),
                Some("a list of header names".into()),
            );
            return vec![];
        };
        let mut names = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(name) if http::HeaderName::from_bytes(name.as_bytes()).is_ok() => {
                    names.push(name.to_ascii_lowercase());
                }
                _ => self.problem(
                    item.span(),
                    "this is not a header name",
                    Some("a header name like `x-total`".into()),
                ),
            }
        }
        names
    }

    fn known_keys(&mut self, table: &Table<'_>, allowed: &[&str], what: &str) {
        for (key, _) in table {
            if !allowed.contains(&key.get_ref().as_ref()) {
                let list: Vec<String> = allowed.iter().map(|k| format!("`{k}`")).collect();
                self.problem(
                    key.span(),
                    format!("unknown key `{}` in {what}", key.get_ref()),
                    Some(format!("one of {}", list.join(", "))),
                );
            }
        }
    }

    /// An array of tables under `key`; a missing key is a problem at `span`.
    fn tables<'t, 'i>(
        &mut self,
        table: &'t Table<'i>,
        key: &str,
        span: Range<usize>,
        what: &str,
    ) -> Option<Vec<(Range<usize>, &'t Table<'i>)>> {
        let Some(value) = get(table, key) else {
            self.problem(
                span,
                format!("{what} has no `{key}`"),
                Some(format!("`[[{}]]` tables", table_path(key))),
            );
            return None;
        };
        let DeValue::Array(items) = value.get_ref() else {
            self.problem(
                value.span(),
                format!("`{key}` is not a list of tables"),
                Some(format!("`[[{}]]`", table_path(key))),
            );
            return None;
        };
        let mut tables = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::Table(inner) => tables.push((item.span(), inner)),
                _ => self.problem(item.span(), format!("this `{key}` is not a table"), None),
            }
        }
        Some(tables)
    }

    /// A name whose pending snapshot (`{prefix}{name}.snap.new`, the longest file a run writes
    /// for it) would not fit a file name is refused here, at its line, rather than by the file
    /// system when `record` writes it.
    fn fits_a_snapshot_name(&mut self, name: &Spanned<String>) {
        let Some(prefix) = &self.snapshot_prefix else { return };
        let file_name = format!("{prefix}{}.snap.new", name.get_ref());
        if file_name.len() > FILE_NAME_MAX {
            let room = FILE_NAME_MAX.saturating_sub(prefix.len() + ".snap.new".len());
            self.problem(
                name.span(),
                format!(
                    "this name makes its snapshot file `{prefix}….snap.new` {} bytes long, over the {FILE_NAME_MAX} a file name may have",
                    file_name.len()
                ),
                Some(format!("a scenario name of at most {room} characters")),
            );
        }
    }

    fn string(
        &mut self,
        table: &Table<'_>,
        key: &str,
        span: &Range<usize>,
        what: &str,
    ) -> Option<Spanned<String>> {
        if get(table, key).is_none() {
            self.problem(span.clone(), format!("{what} has no `{key}`"), Some(format!("`{key} = \"...\"`")));
            return None;
        }
        self.optional_string(table, key)
    }

    fn optional_string(&mut self, table: &Table<'_>, key: &str) -> Option<Spanned<String>> {
        let value = get(table, key)?;
        match value.get_ref() {
            DeValue::String(text) => Some(Spanned::new(value.span(), text.to_string())),
            _ => {
                self.problem(
                    value.span(),
                    format!("`{key}` is not a string"),
                    Some("a quoted string".into()),
                );
                None
            }
        }
    }

    fn boolean(&mut self, table: &Table<'_>, key: &str) -> Option<bool> {
        let value = get(table, key)?;
        match value.get_ref() {
            DeValue::Boolean(flag) => Some(*flag),
            _ => {
                self.problem(
                    value.span(),
                    format!("`{key}` is not a boolean"),
                    Some("`true` or `false`".into()),
                );
                None
            }
        }
    }

    /// One of a fixed set of words.
    fn choice<T: Copy>(&mut self, table: &Table<'_>, key: &str, choices: &[(&str, T)]) -> Option<T> {
        let value = get(table, key)?;
        let listed: Vec<String> = choices.iter().map(|(name, _)| format!("`{name}`")).collect();
        let expected = Some(format!("one of {}", listed.join(", ")));
        let DeValue::String(text) = value.get_ref() else {
            self.problem(value.span(), format!("`{key}` is not a string"), expected);
            return None;
        };
        match choices.iter().find(|(name, _)| *name == text.as_ref()) {
            Some((_, choice)) => Some(*choice),
            None => {
                self.problem(value.span(), format!("`{text}` is not a value of `{key}`"), expected);
                None
            }
        }
    }

    /// Checks that `name` is a mock origin's, or one of `pages`.
    fn origin_name(&mut self, name: &Spanned<String>, pages: &[String]) {
        if !ORIGIN_TABLE.iter().any(|(known, _, _)| known == name.get_ref()) {
            let chosen = pages.iter().map(|page| format!("`{page}` (a page origin)"));
            let known: Vec<String> =
                chosen.chain(ORIGIN_TABLE.iter().map(|(known, _, _)| format!("`{known}`"))).collect();
            self.problem(
                name.span(),
                format!("`{}` is not an origin", name.get_ref()),
                Some(format!("one of {}", known.join(", "))),
            );
        }
    }
}

/// fetch()'s options a request may set, which XMLHttpRequest does not have.
const FETCH_OPTION_KEYS: [&str; 4] = ["referrer_policy", "keepalive", "cache", "priority"];

fn get<'t, 'i>(table: &'t Table<'i>, key: &str) -> Option<&'t Value<'i>> {
    table.iter().find(|(name, _)| name.get_ref() == key).map(|(_, value)| value)
}

fn value_span(table: &Table<'_>, key: &str) -> Option<Range<usize>> {
    get(table, key).map(Spanned::span)
}

fn key_span(table: &Table<'_>, key: &str) -> Option<Range<usize>> {
    table.iter().find(|(name, _)| name.get_ref() == key).map(|(name, _)| name.span())
}

/// A TOML syntax error, its message split into what is wrong and what was expected.
fn syntax_error(span: Range<usize>, message: &str) -> Diagnostic {
    let message = message.trim_end();
    let (what, expected) = match message.rsplit_once(", expected ") {
        Some((what, expected)) => (what, expected.to_owned()),
        None if message == "duplicate key" => (message, "each key once in a table".to_owned()),
        None => (message, "valid TOML (https://toml.io)".to_owned()),
    };
    Diagnostic::new(span, format!("this is not valid TOML: {what}"), Some(expected))
}

/// The keys of the words that take lists: "`acao`, `header` and `cookie`".
fn repeatable_keys() -> String {
    let keys: Vec<String> = Word::ALL
        .iter()
        .filter(|word| word.spec().repeatable)
        .map(|word| format!("`{}`", word.key()))
        .collect();
    match keys.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, others)) => format!("{} and {last}", others.join(", ")),
        None => "no word".to_owned(),
    }
}

fn table_path(key: &str) -> &'static str {
    match key {
        "scenario" => "scenario",
        "cookie" => "scenario.cookie",
        _ => "scenario.request",
    }
}

/// What an expected status may be besides 0, which only a request that can get an opaque
/// response may expect (checked with its mode).
const STATUSES: &str = "a number from 100 to 599";

/// The path a cookie set before a scenario is scoped to: each request's URL starts with it.
const COOKIE_PATH: &str = "/t/{token}";

/// What a request can get back, as far as its `expect`'s response keys depend on it; `None`
/// where the request's own key was wrong.
#[derive(Debug, Clone, Copy)]
struct RequestShape {
    mode: Option<Mode>,
    redirect: Option<RedirectMode>,
    api: Option<Api>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_are_split_into_problem_and_expectation() {
        let diagnostic = syntax_error(3..4, "invalid basic string, expected `\"`\n");
        assert_eq!(diagnostic.message, "this is not valid TOML: invalid basic string");
        assert_eq!(diagnostic.expected.as_deref(), Some("`\"`"));
        assert_eq!(syntax_error(0..0, "duplicate key").expected.as_deref(), Some("each key once in a table"));
    }
}
