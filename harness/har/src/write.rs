//! What a writer of HAR files needs beyond the model: the format's dates, an entry with every
//! field the specification requires, and a whole file with corsproof as its creator. The
//! checker (`corsproof check --har`) and the runner (`corsproof run --har`) write through here,
//! so that both write the same valid HAR 1.2.

use serde_json::{Value, json};

use crate::model::{self, Cookie, Creator, Entry, Extra, Har, Header, Log, Page, Request, Response};

/// The page id every file corsproof writes uses: one file, one page.
pub const PAGE_ID: &str = "page_1";

/// `unix_ms` (milliseconds since the Unix epoch) as the ISO 8601 date and time HAR's
/// `startedDateTime` holds, in UTC (`2026-12-03T10:00:00.000Z`).
///
/// ```
/// assert_eq!(corsproof_har::write::date_time(0), "1970-01-01T00:00:00.000Z");
/// assert_eq!(corsproof_har::write::date_time(1_796_292_000_123), "2026-12-03T10:00:00.123Z");
/// ```
pub fn date_time(unix_ms: u64) -> String {
    let days = (unix_ms / 86_400_000) as i64;
    let in_day = unix_ms % 86_400_000;
    // Howard Hinnant's civil_from_days: the proleptic Gregorian date of a day count.
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    )
}

/// One request and its answer as corsproof saw them, before it becomes an [`Entry`].
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    /// When the request went out (or arrived at the server), milliseconds since the Unix epoch.
    pub started_unix_ms: u64,
    /// How long until the answer, in milliseconds, as far as it was measured.
    pub time_ms: f64,
    /// The method, as sent.
    pub method: String,
    /// The absolute URL, query included.
    pub url: String,
    /// `HTTP/1.1` or `HTTP/2`.
    pub http_version: String,
    /// The request headers, in order.
    pub request_headers: Vec<Header>,
    /// The size of the request body in bytes, -1 when unknown.
    pub request_body_size: i64,
    /// The answer; `None` when none came (the response is then status 0, as the engines export
    /// a failed request).
    pub answer: Option<Answer>,
    /// Why no answer came, or why the browser did not use it (Chromium's `_error`).
    pub error: Option<String>,
    /// `preflight` for a CORS preflight, else `fetch` (Chromium's `_resourceType`).
    pub resource_type: &'static str,
}

/// A response, as a writer knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The status.
    pub status: u16,
    /// The headers, in order.
    pub headers: Vec<Header>,
    /// The body, when it is kept (what the page read).
    pub body: Option<String>,
}

impl Exchange {
    /// The entry: every field HAR 1.2 requires, the request's cookies and query parsed from its
    /// `Cookie` header and URL, the response's from its `Set-Cookie` lines; sizes not measured
    /// are -1, the timings all `wait` (the only phase measured).
    pub fn into_entry(self) -> Entry {
        let query_string = query_pairs(&self.url);
        let cookies = self
            .request_headers
            .iter()
            .filter(|header| header.name.eq_ignore_ascii_case("cookie"))
            .flat_map(|header| header.value.split(';'))
            .filter_map(cookie_pair)
            .collect();
        let request = Request {
            method: self.method,
            url: self.url,
            http_version: self.http_version.clone(),
            cookies,
            headers: self.request_headers,
            query_string,
            post_data: None,
            headers_size: -1,
            body_size: self.request_body_size,
            extra: Extra::new(),
        };
        let response = match self.answer {
            Some(answer) => answered(answer, self.http_version, self.error),
            None => Response {
                status: 0,
                status_text: String::new(),
                http_version: String::new(),
                cookies: Vec::new(),
                headers: Vec::new(),
                content: json!({ "size": 0, "mimeType": "x-unknown" }),
                redirect_url: String::new(),
                headers_size: -1,
                body_size: -1,
                error: self.error,
                extra: Extra::new(),
            },
        };
        let time = self.time_ms.max(0.0);
        Entry {
            pageref: Some(PAGE_ID.to_owned()),
            started_date_time: date_time(self.started_unix_ms),
            time,
            request,
            response,
            cache: json!({}),
            timings: json!({ "blocked": -1, "dns": -1, "connect": -1, "ssl": -1, "send": 0, "wait": time, "receive": 0 }),
            server_ip_address: None,
            initiator: None,
            resource_type: Some(self.resource_type.to_owned()),
            from_cache: None,
            corsproof: None,
            extra: Extra::new(),
        }
    }
}

fn answered(answer: Answer, http_version: String, error: Option<String>) -> Response {
    let header = |name: &str| model::header(&answer.headers, name).map(str::to_owned);
    let mime_type = header("content-type").unwrap_or_else(|| "x-unknown".to_owned());
    let length = header("content-length").and_then(|length| length.trim().parse::<i64>().ok());
    let mut content = json!({
        "size": length.or(answer.body.as_ref().map(|body| body.len() as i64)).unwrap_or(0),
        "mimeType": mime_type,
    });
    if let Some(body) = &answer.body {
        content["text"] = Value::from(body.as_str());
    }
    let cookies = answer
        .headers
        .iter()
        .filter(|header| header.name.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|header| header.value.split(';').next().and_then(cookie_pair))
        .collect();
    Response {
        status: answer.status,
        status_text: status_text(answer.status).to_owned(),
        http_version,
        cookies,
        redirect_url: header("location").unwrap_or_default(),
        headers: answer.headers,
        content,
        headers_size: -1,
        body_size: length.unwrap_or(-1),
        error,
        extra: Extra::new(),
    }
}

/// The reason phrase of a status, as HTTP/1.1 servers write it; empty for one without.
pub fn status_text(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// `name=value` as a cookie; `None` for text that is not one.
fn cookie_pair(text: &str) -> Option<Cookie> {
    let (name, value) = text.trim().split_once('=')?;
    (!name.trim().is_empty()).then(|| Cookie {
        name: name.trim().to_owned(),
        value: value.trim().to_owned(),
        extra: Extra::new(),
    })
}

/// The URL's query as pairs, each as written (not decoded), as the engines export them.
fn query_pairs(url: &str) -> Vec<Header> {
    let query = url.split_once('?').map_or("", |(_, query)| query);
    let query = query.split('#').next().unwrap_or_default();
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => Header::new(name, value),
            None => Header::new(pair, ""),
        })
        .collect()
}

impl Har {
    /// A file corsproof writes: `creator` corsproof at `version`, the `browser` it drove or
    /// judged for, one page titled `title` (a scenario, a checked request) that started at
    /// `started_unix_ms`, and its entries.
    pub fn by_corsproof(
        version: &str,
        browser: Creator,
        title: &str,
        started_unix_ms: u64,
        entries: Vec<Entry>,
    ) -> Har {
        let mut page_timings = Extra::new();
        page_timings.insert("pageTimings".to_owned(), json!({ "onContentLoad": -1, "onLoad": -1 }));
        Har {
            log: Log {
                version: "1.2".to_owned(),
                creator: Creator::new("corsproof", version),
                browser: Some(browser),
                pages: vec![Page {
                    started_date_time: date_time(started_unix_ms),
                    id: PAGE_ID.to_owned(),
                    title: title.to_owned(),
                    extra: page_timings,
                }],
                entries,
                extra: Extra::new(),
            },
        }
    }
}

impl Creator {
    /// A tool or browser of this name and version.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Creator { name: name.into(), version: version.into(), extra: Extra::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_iso_8601_in_utc() {
        assert_eq!(date_time(951_782_400_000), "2000-02-29T00:00:00.000Z", "a leap day");
        assert_eq!(date_time(1_704_067_199_999), "2023-12-31T23:59:59.999Z");
    }

    #[test]
    fn an_exchange_without_an_answer_is_status_0_with_its_error() {
        let entry = Exchange {
            started_unix_ms: 0,
            time_ms: 3.0,
            method: "GET".into(),
            url: "http://api.test/t/x?acao=none&flag".into(),
            http_version: "HTTP/1.1".into(),
            request_headers: vec![Header::new("cookie", "a=1; b=2")],
            request_body_size: 0,
            answer: None,
            error: Some("net::ERR_FAILED".into()),
            resource_type: "fetch",
        }
        .into_entry();
        assert_eq!(entry.response.status, 0);
        assert_eq!(entry.response.error.as_deref(), Some("net::ERR_FAILED"));
        assert_eq!(entry.request.query_string, [Header::new("acao", "none"), Header::new("flag", "")]);
        let names: Vec<&str> = entry.request.cookies.iter().map(|cookie| cookie.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(entry.timings["wait"], 3.0);
    }
}
