//! `corsproof explain FILE.har`: every cross-origin fetch of a HAR file saved from a browser's
//! Network tab, judged as that browser: what it did, why in its console's words, and the fix.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::output;
use clap::Args;
use corsproof::{Engine, Fix, Origin, OriginTrust};
use corsproof_har::fetches::{Fetches, Skipped, fetches};
use corsproof_har::judge::{Did, Judgement, Recorded, judge, recorder};
use corsproof_har::model::Har;
use corsproof_har::read::read_bytes;
use corsproof_oracle::{ReasonClass, is_cors_safelisted_request_header};
use serde_json::{Value, json};

/// `corsproof explain FILE.har [--engine E] [--origin ORIGIN]... [--json]`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The HAR file, from the developer tools' Network tab: "Save all as HAR" (Chromium), "Save
    /// All As HAR" (Firefox) or "Export" (Safari).
    file: PathBuf,
    /// Judge as this engine (chromium, firefox, webkit) instead of the one that recorded the
    /// file (read from its `creator` and User-Agent).
    #[arg(long)]
    engine: Option<Engine>,
    /// Declare ORIGIN your page's origin (repeat for several): a fix for a request from it says
    /// plainly to allow it. Without it every fix allows an origin only "if this is your page's
    /// origin".
    #[arg(long = "origin", value_name = "ORIGIN")]
    own_origins: Vec<String>,
    /// The report as JSON on stdout.
    #[arg(long)]
    json: bool,
}

/// 0 when the HAR shows nothing blocked, 1 when something was, 2 when the file is not a HAR.
pub fn run(args: ExplainArgs) -> anyhow::Result<ExitCode> {
    let own_origins = args
        .own_origins
        .iter()
        .map(|text| match text.trim().parse::<Origin>() {
            Ok(origin) if !origin.is_opaque() => Ok(origin.serialize()),
            _ => Err(anyhow::anyhow!("--origin {text}: expected an origin such as https://app.example.com")),
        })
        .collect::<anyhow::Result<Vec<String>>>()?;
    let shown = args.file.display().to_string();
    let bytes = match std::fs::read(&args.file) {
        Ok(bytes) => bytes,
        Err(error) => {
            let error = crate::output::cannot_read(&args.file, &error);
            to_stderr(&format!("{error}\n  = expected a .har file saved from the Network tab\n"));
            return Ok(ExitCode::from(2));
        }
    };
    let har = match read_bytes(&bytes) {
        Ok(har) => har,
        Err(error) => {
            to_stderr(&error.render(&shown));
            return Ok(ExitCode::from(2));
        }
    };
    let found = recorder(&har);
    let recorded_by = found.as_ref().map(|found| found.engine);
    let (engine, engine_from) = match (args.engine, found) {
        (Some(engine), _) => (engine, "--engine".to_owned()),
        (None, Some(recorder)) => (recorder.engine, recorder.evidence),
        (None, None) => (Engine::Chromium, "nothing in the file names its browser: give --engine".to_owned()),
    };
    let grouped = fetches(&har);
    let judged: Vec<Judgement> =
        grouped.cross_origin.iter().map(|fetch| judge(&har, fetch, engine)).collect();
    let report = Report {
        file: &shown,
        har: &har,
        engine,
        engine_from: &engine_from,
        recorded_by,
        grouped: &grouped,
        judged: &judged,
        own_origins: &own_origins,
    };
    if args.json {
        output::print(&format!("{}\n", serde_json::to_string_pretty(&report.json())?))?;
    } else {
        output::print(&report.text())?;
    }
    Ok(if judged.iter().any(Judgement::failed) { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Standard error, for the located error; a closed stream is not worth a panic.
fn to_stderr(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Everything a report needs.
struct Report<'a> {
    file: &'a str,
    har: &'a Har,
    engine: Engine,
    engine_from: &'a str,
    recorded_by: Option<Engine>,
    grouped: &'a Fetches,
    judged: &'a [Judgement],
    own_origins: &'a [String],
}

impl Report<'_> {
    /// The fix, confirmed only for an origin the user declared theirs.
    fn fix(&self, judgement: &Judgement) -> Option<Fix> {
        let block = judgement.verdict.block()?;
        let trust = if self.own_origins.contains(&block.policy.origin) {
            OriginTrust::Confirmed
        } else {
            OriginTrust::Unconfirmed
        };
        Some(block.fix_with(trust))
    }

    /// The reason class of the browser's own words for a failure, read with the console table
    /// of the engine that recorded the file.
    fn browser_reason(&self, judgement: &Judgement) -> Option<ReasonClass> {
        let words = browser_words(judgement)?;
        let class = self.recorded_by.unwrap_or(self.engine).console().read_class(words);
        (class != ReasonClass::Other).then_some(class)
    }

    /// The `corsproof check` that asks the server what the browser asked, for a fetch whose
    /// answer the file did not record: credentialed when cookies went, or when the browser's
    /// words blame credentials.
    fn check_command(&self, judgement: &Judgement) -> String {
        let credentials = judgement.credentials
            || matches!(
                self.browser_reason(judgement),
                Some(ReasonClass::WildcardWithCredentials | ReasonClass::CredentialsNotTrue)
            );
        check_command(judgement, self.engine, credentials)
    }

    fn entry_line(&self, index: usize, preflight: bool) -> String {
        let entry = &self.har.log.entries[index];
        let status = match (entry.response.status, &entry.response.error) {
            (0, Some(error)) => format!("no response ({error})"),
            (0, None) => "no response (status 0)".to_owned(),
            (status, Some(error)) => format!("{status} ({error})"),
            (status, None) => status.to_string(),
        };
        let kind = if preflight { "preflight " } else { "" };
        format!("entry {index}: {kind}{} {} → {status}", entry.request.method, entry.request.url)
    }

    fn text(&self) -> String {
        let engine_name = engine_title(self.engine);
        let count = self.judged.len();
        let mut out = format!(
            "{}: {count} cross-origin fetch{}, judged as {engine_name} ({})\n",
            self.file,
            if count == 1 { "" } else { "es" },
            self.engine_from
        );
        for (number, judgement) in self.judged.iter().enumerate() {
            let fetch = &judgement.fetch;
            out.push_str(&format!("\n{}. {} {}\n", number + 1, judgement.method, judgement.url));
            out.push_str(&format!(
                "   page origin  {} (from {})\n",
                fetch.page_origin.serialize(),
                fetch.origin_source.describe()
            ));
            for index in fetch.entries() {
                out.push_str(&format!("   {}\n", self.entry_line(index, fetch.preflights.contains(&index))));
            }
            out.push_str(&format!("   {engine_name} {}\n", judgement.did().describe()));
            if judgement.did() == Did::NoResponseRecorded {
                match browser_words(judgement) {
                    Some(words) => out.push_str(&format!("   the browser said: {words}\n")),
                    None => out.push_str("   why: not in this file (the browser's console says it)\n"),
                }
                out.push_str(&format!(
                    "   ask the server what the browser asked:\n     {}\n",
                    self.check_command(judgement)
                ));
            } else if let Some(console) = judgement.verdict.explain(self.engine) {
                out.push_str(&format!("   console: {console}\n"));
            }
            if let Some(fix) = self.fix(judgement) {
                out.push_str(&format!("   fix: {}\n", fix.summary));
                if fix.is_server_side() && !fix.headers.is_empty() {
                    let origin = judgement
                        .verdict
                        .block()
                        .map(|block| block.policy.origin.clone())
                        .unwrap_or_default();
                    match fix.origin_trust {
                        OriginTrust::Confirmed => out.push_str("   send:\n"),
                        OriginTrust::Unconfirmed => out.push_str(&format!(
                            "   send, if {origin} is your page's origin (say so with --origin {origin}):\n"
                        )),
                    }
                    for header in &fix.headers {
                        let on = if header.preflight_only { "  (on the preflight's answer)" } else { "" };
                        out.push_str(&format!("     {}: {}{on}\n", header.name, header.value));
                    }
                }
            }
            out.push_str(&format!("   the HAR: {}\n", recorded_words(judgement)));
            for note in &judgement.notes {
                out.push_str(&format!("   note: {}\n", note.describe()));
            }
        }
        let failed = self.judged.iter().filter(|judgement| judgement.failed()).count();
        out.push_str(&format!(
            "\n{count} cross-origin fetch{}: {} allowed, {failed} not{}\n",
            if count == 1 { "" } else { "es" },
            count - failed,
            skipped_words(self.grouped)
        ));
        out
    }

    fn json(&self) -> Value {
        let fetches: Vec<Value> = self
            .judged
            .iter()
            .map(|judgement| {
                let fetch = &judgement.fetch;
                let block = judgement.verdict.block();
                let fix = self.fix(judgement).map(|fix| {
                    json!({
                        "summary": fix.summary,
                        "origin_confirmed": fix.origin_trust == OriginTrust::Confirmed,
                        "server_side": fix.is_server_side(),
                        "headers": fix.headers.iter().map(|header| json!({
                            "name": header.name, "value": header.value, "preflight_only": header.preflight_only,
                        })).collect::<Vec<_>>(),
                    })
                });
                let (kind, status, error) = match &judgement.recorded {
                    Recorded::Response { status } => ("response", Some(*status), None),
                    Recorded::Failed { error, status } => ("failed", Some(*status), Some(error.clone())),
                    Recorded::NoResponse => ("no-response", Some(0), None),
                    Recorded::NotSent => ("not-sent", None, None),
                };
                json!({
                    "method": judgement.method,
                    "url": judgement.url,
                    "page_origin": fetch.page_origin.serialize(),
                    "page_origin_from": fetch.origin_source.name(),
                    "credentials": judgement.credentials,
                    "preflight_entries": fetch.preflights,
                    "request_entries": fetch.hops,
                    "did": judgement.did().name(),
                    "reason": block
                        .map(|block| self.engine.console().class_of(&block.reason))
                        .or_else(|| self.browser_reason(judgement))
                        .map(ReasonClass::name),
                    "console": (judgement.did() != Did::NoResponseRecorded)
                        .then(|| judgement.verdict.explain(self.engine))
                        .flatten(),
                    "check_command": (judgement.did() == Did::NoResponseRecorded)
                        .then(|| self.check_command(judgement)),
                    "fix": fix,
                    "recorded": { "kind": kind, "status": status, "error": error },
                    "disagrees": judgement.disagrees(),
                    "notes": judgement.notes.iter().map(|note| note.describe()).collect::<Vec<_>>(),
                })
            })
            .collect();
        let skipped = |why: Skipped| self.grouped.skipped.iter().filter(|(_, reason)| *reason == why).count();
        json!({
            "file": self.file,
            "engine": self.engine.name(),
            "engine_from": self.engine_from,
            "fetches": fetches,
            "failed": self.judged.iter().filter(|judgement| judgement.failed()).count(),
            "skipped": {
                "same_origin": skipped(Skipped::SameOrigin),
                "no_page_origin": skipped(Skipped::NoPageOrigin),
                "not_http": skipped(Skipped::NotHttp),
                "not_cors": skipped(Skipped::NotCors),
            },
        })
    }
}

/// The browser's own words for a failure it recorded, when it wrote words (WebKit's error text)
/// rather than a code (Chromium's `net::ERR_FAILED`).
fn browser_words(judgement: &Judgement) -> Option<&str> {
    match &judgement.recorded {
        Recorded::Failed { error, .. } if !error.starts_with("net::") => Some(error),
        _ => None,
    }
}

/// `corsproof check` with the fetch's URL, page origin, method and the headers that matter.
fn check_command(judgement: &Judgement, engine: Engine, credentials: bool) -> String {
    let mut words = vec![
        "corsproof check".to_owned(),
        shell_word(&judgement.url),
        "--origin".to_owned(),
        shell_word(&judgement.fetch.page_origin.serialize()),
    ];
    if judgement.method != "GET" {
        words.extend(["-X".to_owned(), shell_word(&judgement.method)]);
    }
    // Safelisted headers (`Accept: */*`, the browser's `Accept-Language`) change nothing CORS decides.
    let unsafe_headers = judgement
        .headers
        .iter()
        .filter(|(name, value)| !is_cors_safelisted_request_header(name.as_bytes(), value.as_bytes()));
    for (name, value) in unsafe_headers {
        let value = if value.is_empty() { "VALUE" } else { value };
        words.extend(["-H".to_owned(), shell_word(&format!("{name}: {value}"))]);
    }
    if credentials {
        words.push("--credentials".to_owned());
    }
    words.extend(["--engine".to_owned(), engine.name().to_owned()]);
    words.join(" ")
}

/// `text` as one word for a POSIX shell.
fn shell_word(text: &str) -> String {
    let plain =
        !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c));
    if plain { text.to_owned() } else { format!("'{}'", text.replace('\'', "'\\''")) }
}

/// What the HAR itself recorded, and whether it agrees with the oracle.
fn recorded_words(judgement: &Judgement) -> String {
    let recorded = match &judgement.recorded {
        Recorded::Response { status } if judgement.did() != Did::Allowed => format!(
            "the response was recorded (status {status}): the developer tools keep a response the page was denied"
        ),
        Recorded::Response { status } => format!("the response was recorded (status {status})"),
        Recorded::Failed { error, status: 0 } => {
            format!("the browser failed it ({error}) and recorded no response")
        }
        Recorded::Failed { error, status } => {
            format!("the browser failed it ({error}) after a {status} response")
        }
        Recorded::NoResponse => {
            "no response recorded (status 0): the browser did not give it to the page".to_owned()
        }
        Recorded::NotSent => "only the preflight: the browser never sent the request".to_owned(),
    };
    if judgement.disagrees() {
        format!(
            "{recorded}; corsproof's oracle would allow it: the browser is the truth, so something the HAR \
             does not show stopped it (its console says what)"
        )
    } else {
        recorded
    }
}

fn skipped_words(grouped: &Fetches) -> String {
    let count = |why: Skipped| grouped.skipped.iter().filter(|(_, reason)| *reason == why).count();
    let mut parts = Vec::new();
    for (why, words) in [
        (Skipped::SameOrigin, "same-origin"),
        (Skipped::NoPageOrigin, "with no page origin"),
        (Skipped::NotHttp, "not http(s)"),
        (Skipped::NotCors, "not CORS (navigations, images, scripts without crossorigin)"),
    ] {
        let n = count(why);
        if n > 0 {
            parts.push(format!("{n} {words}"));
        }
    }
    if parts.is_empty() { String::new() } else { format!("; other entries: {}", parts.join(", ")) }
}

fn engine_title(engine: Engine) -> &'static str {
    match engine {
        Engine::Chromium => "Chromium",
        Engine::Firefox => "Firefox",
        Engine::WebKit => "WebKit",
    }
}
