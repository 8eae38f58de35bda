//! The HAR 1.2 specification's requirements, strictly, as a writer must meet them: every
//! required field present with its type, dates in ISO 8601, an entry's `time` the sum of its
//! timings, every `pageref` a page. Reading is lenient ([`crate::model`]); this is the other
//! side: what every file corsproof writes is held to, so that the developer tools open it.

use serde_json::Value;

/// One way a file falls short of HAR 1.2: where (a JSON path, `log.entries[2].response.status`)
/// and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The JSON path of the field.
    pub path: String,
    /// What is wrong with it.
    pub problem: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.problem)
    }
}

/// The field types of the specification.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Number,
    Integer,
    Object,
    List,
    Date,
}

/// Every way `har` (a whole file, parsed) falls short of HAR 1.2; empty when it is valid.
///
/// ```
/// let har = serde_json::json!({"log": {"version": "1.2", "creator": {"name": "x", "version": "1"}, "entries": []}});
/// assert!(corsproof_har::spec::violations(&har).is_empty());
/// let missing = serde_json::json!({"log": {"version": "1.2", "entries": []}});
/// assert_eq!(corsproof_har::spec::violations(&missing)[0].to_string(), "log.creator: required, missing");
/// ```
pub fn violations(har: &Value) -> Vec<Violation> {
    let mut found = Vec::new();
    let mut check = Checker { found: &mut found };
    let Some(log) = check.field(har, "", "log", Kind::Object) else { return found };
    check.field(log, "log", "version", Kind::Text);
    if let Some(creator) = check.field(log, "log", "creator", Kind::Object) {
        check.fields(creator, "log.creator", &[("name", Kind::Text), ("version", Kind::Text)]);
    }
    if let Some(browser) = check.optional(log, "log", "browser", Kind::Object) {
        check.fields(browser, "log.browser", &[("name", Kind::Text), ("version", Kind::Text)]);
    }
    let mut page_ids = Vec::new();
    if let Some(pages) = check.optional(log, "log", "pages", Kind::List) {
        for (index, page) in pages.as_array().into_iter().flatten().enumerate() {
            let path = format!("log.pages[{index}]");
            check.fields(
                page,
                &path,
                &[
                    ("startedDateTime", Kind::Date),
                    ("id", Kind::Text),
                    ("title", Kind::Text),
                    ("pageTimings", Kind::Object),
                ],
            );
            if let Some(timings) = page.get("pageTimings") {
                for name in ["onContentLoad", "onLoad"] {
                    check.optional(timings, &format!("{path}.pageTimings"), name, Kind::Number);
                }
            }
            page_ids.extend(page.get("id").and_then(Value::as_str).map(str::to_owned));
        }
    }
    let Some(entries) = check.field(log, "log", "entries", Kind::List) else { return found };
    for (index, entry) in entries.as_array().into_iter().flatten().enumerate() {
        check.entry(entry, &format!("log.entries[{index}]"), &page_ids);
    }
    found
}

struct Checker<'a> {
    found: &'a mut Vec<Violation>,
}

impl Checker<'_> {
    fn say(&mut self, path: String, problem: impl Into<String>) {
        self.found.push(Violation { path, problem: problem.into() });
    }

    /// The required field `name` of `object`, when present and of its kind.
    fn field<'v>(&mut self, object: &'v Value, at: &str, name: &str, kind: Kind) -> Option<&'v Value> {
        let path = if at.is_empty() { name.to_owned() } else { format!("{at}.{name}") };
        match object.get(name) {
            None => {
                self.say(path, "required, missing");
                None
            }
            Some(value) => self.kind(value, path, kind).then_some(value),
        }
    }

    fn optional<'v>(&mut self, object: &'v Value, at: &str, name: &str, kind: Kind) -> Option<&'v Value> {
        let value = object.get(name)?;
        self.kind(value, format!("{at}.{name}"), kind).then_some(value)
    }

    fn fields(&mut self, object: &Value, at: &str, fields: &[(&str, Kind)]) {
        for (name, kind) in fields {
            self.field(object, at, name, *kind);
        }
    }

    fn kind(&mut self, value: &Value, path: String, kind: Kind) -> bool {
        let (fits, wanted) = match kind {
            Kind::Text => (value.is_string(), "a string"),
            Kind::Number => (value.is_number(), "a number"),
            Kind::Integer => (value.is_i64() || value.is_u64(), "an integer"),
            Kind::Object => (value.is_object(), "an object"),
            Kind::List => (value.is_array(), "an array"),
            Kind::Date => (value.as_str().is_some_and(is_iso_8601), "an ISO 8601 date and time"),
        };
        if !fits {
            self.say(path, format!("must be {wanted}, is {value}"));
        }
        fits
    }

    fn pairs(&mut self, object: &Value, at: &str, name: &str) {
        let Some(list) = self.field(object, at, name, Kind::List) else { return };
        for (index, pair) in list.as_array().into_iter().flatten().enumerate() {
            self.fields(
                pair,
                &format!("{at}.{name}[{index}]"),
                &[("name", Kind::Text), ("value", Kind::Text)],
            );
        }
    }

    fn entry(&mut self, entry: &Value, at: &str, page_ids: &[String]) {
        if let Some(pageref) = self.optional(entry, at, "pageref", Kind::Text)
            && !page_ids.iter().any(|id| Some(id.as_str()) == pageref.as_str())
        {
            self.say(format!("{at}.pageref"), format!("names no page: {pageref}"));
        }
        self.fields(entry, at, &[("startedDateTime", Kind::Date), ("cache", Kind::Object)]);
        let time = self.field(entry, at, "time", Kind::Number).and_then(Value::as_f64);
        if let Some(request) = self.field(entry, at, "request", Kind::Object) {
            let path = format!("{at}.request");
            self.fields(
                request,
                &path,
                &[("method", Kind::Text), ("url", Kind::Text), ("httpVersion", Kind::Text)],
            );
            self.pairs(request, &path, "cookies");
            self.pairs(request, &path, "headers");
            self.pairs(request, &path, "queryString");
            self.fields(request, &path, &[("headersSize", Kind::Integer), ("bodySize", Kind::Integer)]);
        }
        if let Some(response) = self.field(entry, at, "response", Kind::Object) {
            let path = format!("{at}.response");
            self.fields(
                response,
                &path,
                &[("status", Kind::Integer), ("statusText", Kind::Text), ("httpVersion", Kind::Text)],
            );
            self.pairs(response, &path, "cookies");
            self.pairs(response, &path, "headers");
            if let Some(content) = self.field(response, &path, "content", Kind::Object) {
                self.fields(
                    content,
                    &format!("{path}.content"),
                    &[("size", Kind::Integer), ("mimeType", Kind::Text)],
                );
                self.optional(content, &format!("{path}.content"), "text", Kind::Text);
            }
            self.fields(
                response,
                &path,
                &[("redirectURL", Kind::Text), ("headersSize", Kind::Integer), ("bodySize", Kind::Integer)],
            );
        }
        if let Some(timings) = self.field(entry, at, "timings", Kind::Object) {
            let path = format!("{at}.timings");
            let mut sum = 0.0;
            for name in ["send", "wait", "receive"] {
                if let Some(value) = self.field(timings, &path, name, Kind::Number).and_then(Value::as_f64) {
                    if value < 0.0 {
                        self.say(format!("{path}.{name}"), "must not be negative");
                    }
                    sum += value;
                }
            }
            for name in ["blocked", "dns", "connect", "ssl"] {
                if let Some(value) = self.optional(timings, &path, name, Kind::Number).and_then(Value::as_f64)
                {
                    if value != -1.0 && value < 0.0 {
                        self.say(format!("{path}.{name}"), "must be -1 or not negative");
                    }
                    if name != "ssl" && value > 0.0 {
                        sum += value;
                    }
                }
            }
            if let Some(time) = time
                && (time - sum).abs() > 0.001
            {
                self.say(format!("{at}.time"), format!("{time} is not the sum of the timings ({sum})"));
            }
        }
        if let Some(note) = self.optional(entry, at, "_corsproof", Kind::Object) {
            let path = format!("{at}._corsproof");
            if let Some(verdict) = self.field(note, &path, "verdict", Kind::Text)
                && !["allowed", "blocked", "network-error", "timeout"]
                    .contains(&verdict.as_str().unwrap_or_default())
            {
                self.say(format!("{path}.verdict"), format!("not a verdict: {verdict}"));
            }
            for name in ["reason", "message", "engine"] {
                self.optional(note, &path, name, Kind::Text);
            }
        }
    }
}

/// `YYYY-MM-DDThh:mm:ss`, optional fraction, then `Z` or `±hh:mm`.
fn is_iso_8601(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes.get(range).is_some_and(|part| part.iter().all(u8::is_ascii_digit))
    };
    let shape = digits(0..4)
        && bytes.get(4) == Some(&b'-')
        && digits(5..7)
        && bytes.get(7) == Some(&b'-')
        && digits(8..10)
        && bytes.get(10) == Some(&b'T')
        && digits(11..13)
        && bytes.get(13) == Some(&b':')
        && digits(14..16)
        && bytes.get(16) == Some(&b':')
        && digits(17..19);
    if !shape {
        return false;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let length = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if length == 0 {
            return false;
        }
        rest = &fraction[length..];
    }
    rest == "Z"
        || (rest.len() == 6
            && (rest.starts_with('+') || rest.starts_with('-'))
            && rest.as_bytes()[3] == b':'
            && rest[1..3].bytes().chain(rest[4..].bytes()).all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn valid() -> Value {
        json!({"log": {"version": "1.2", "creator": {"name": "corsproof", "version": "0.1.0"},
            "pages": [{"startedDateTime": "2026-12-03T10:00:00.000Z", "id": "page_1", "title": "t", "pageTimings": {}}],
            "entries": [{"pageref": "page_1", "startedDateTime": "2026-12-03T10:00:00.000+01:00", "time": 2,
                "request": {"method": "GET", "url": "http://a/", "httpVersion": "HTTP/1.1", "cookies": [],
                    "headers": [{"name": "Origin", "value": "http://b"}], "queryString": [], "headersSize": -1, "bodySize": 0},
                "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [], "headers": [],
                    "content": {"size": 0, "mimeType": "x-unknown"}, "redirectURL": "", "headersSize": -1, "bodySize": -1},
                "cache": {}, "timings": {"blocked": -1, "send": 0, "wait": 2, "receive": 0},
                "_corsproof": {"verdict": "blocked", "engine": "chromium"}}]}})
    }

    #[test]
    fn a_valid_file_has_no_violation() {
        assert_eq!(violations(&valid()), []);
    }

    #[test]
    fn each_shortfall_is_named_by_its_path() {
        let mut har = valid();
        let entry = &mut har["log"]["entries"][0];
        entry["request"].as_object_mut().map(|request| request.remove("queryString"));
        entry["response"]["status"] = json!("200");
        entry["startedDateTime"] = json!("03/12/2026");
        entry["time"] = json!(5);
        entry["pageref"] = json!("page_2");
        entry["_corsproof"]["verdict"] = json!("maybe");
        let found: Vec<String> = violations(&har).iter().map(ToString::to_string).collect();
        assert_eq!(
            found,
            [
                "log.entries[0].pageref: names no page: \"page_2\"",
                "log.entries[0].startedDateTime: must be an ISO 8601 date and time, is \"03/12/2026\"",
                "log.entries[0].request.queryString: required, missing",
                "log.entries[0].response.status: must be an integer, is \"200\"",
                "log.entries[0].time: 5 is not the sum of the timings (2)",
                "log.entries[0]._corsproof.verdict: not a verdict: \"maybe\"",
            ]
        );
    }
}
