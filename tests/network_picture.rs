//! The HTML report's Network view, as a reader sees it: real Chromium and Firefox runs of a few
//! scenarios (a preflight blocked for a header, a simple request blocked for its
//! `Access-Control-Allow-Origin`, an allowed one, a redirect the engines treat differently)
//! rendered into the matrix page and Chromium's own page; then headless Chromium loads each page
//! from a `file://` URL and the test asserts on what it renders: the header at fault marked and
//! styled, the console's words beside it, the engines side by side, and the search box and the
//! filters hiding the other requests.
//!
//! Set `CORSPROOF_PICTURE_PNG=/path/picture.png` to keep a screenshot of the blocked preflight.

use std::path::{Path, PathBuf};
use std::time::Duration;

use corsproof_browser::{Browser, BrowserConfig, Engine};
use corsproof_runner::matrix::{self, EngineRun, Matrix};
use corsproof_runner::report::{Report, ScenarioReport, SnapshotNote};
use corsproof_runner::{Job, JobResult, RunConfig, Runner};
use serde_json::{Value, json};

const PREFLIGHT: &str = r#"
[[scenario]]
name = "header-not-allowed"
about = "X-Custom is not in Allow-Headers: the preflight blocks the request"
page = "app"

[[scenario.request]]
to = "api"
path = "/data"
method = "PUT"
headers = { "X-Custom" = "1" }

[scenario.request.server]
acao = "origin"
acam = "PUT"

[scenario.request.expect]
outcome = "blocked"
reason = "header-not-allowed"
"#;

const SIMPLE: &str = r#"
[[scenario]]
name = "no-acao"
about = "A simple GET without Access-Control-Allow-Origin is blocked"
page = "app"

[[scenario.request]]
to = "api"
path = "/data"

[scenario.request.expect]
outcome = "blocked"

[[scenario]]
name = "echoed"
about = "A simple GET answered with the page's origin is allowed"
page = "app"

[[scenario.request]]
to = "api"
path = "/data"

[scenario.request.server]
acao = "origin"

[scenario.request.expect]
outcome = "allowed"

[[scenario]]
name = "redirect-to-url-with-userinfo"
about = "Chromium blocks a redirect to a URL with credentials; Firefox fails it as a network error"
page = "app"

[[scenario.request]]
to = "api"
path = "/start"

[scenario.request.server]
acao = "origin"
location = "{api}@api.test/t/{token}/moved?acao=origin"

[scenario.request.expect]
outcome = "blocked"
"#;

/// The scenario files, written under `dir` in two topic folders, as jobs.
fn jobs(dir: &Path) -> Vec<Job> {
    let mut jobs = Vec::new();
    for (file, text) in [("preflight/put.toml", PREFLIGHT), ("simple/get.toml", SIMPLE)] {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("a scenario folder");
        std::fs::write(&path, text).expect("a scenario file");
        let loaded = corsproof_scenario::parse_str(&path, text)
            .unwrap_or_else(|error| panic!("{}", error.render(false)));
        jobs.extend(loaded.scenarios.into_iter().map(|scenario| Job { file: path.clone(), scenario }));
    }
    jobs
}

/// Starts `engine` and runs the jobs in it: its report and results, or the install hint.
async fn run(engine: Engine, jobs: Vec<Job>) -> (Report, Vec<JobResult>) {
    let config =
        RunConfig { browser: BrowserConfig { engine, ..BrowserConfig::default() }, ..RunConfig::default() };
    let mut runner = Runner::start(config).await.unwrap_or_else(|error| panic!("{error}"));
    let results = runner.run(jobs, &mut |_| {}).await;
    let browser = format!("{} {}", runner.engine(), runner.browser_version());
    runner.close().await;
    let scenarios =
        results.iter().map(|result| ScenarioReport::new(result, SnapshotNote::NotTaken)).collect();
    let report = Report {
        scenarios,
        load_errors: vec![],
        browser,
        elapsed: Duration::ZERO,
        startup: Duration::ZERO,
        interrupted: false,
        unfinished: vec![],
    };
    (report, results)
}

/// Runs `script` in the open page and returns its value.
async fn rendered(browser: &mut Browser, script: &str) -> Value {
    browser.execute(script, vec![]).await.unwrap_or_else(|error| panic!("{error}\n{script}"))
}

/// Chooses `value` in the `<select>` or search box `id`, as a reader does.
async fn choose(browser: &mut Browser, id: &str, value: &str) {
    let script = "const input = document.getElementById(arguments[0]); input.value = arguments[1];\
                  input.dispatchEvent(new Event(input.tagName === 'SELECT' ? 'change' : 'input'));";
    browser.execute(script, vec![json!(id), json!(value)]).await.unwrap_or_else(|error| panic!("{error}"));
}

/// The scenarios (by the end of their id) whose sections show, and the engines whose tables do.
const SHOWN: &str = "return Array.from(document.querySelectorAll('section.scenario'))\
    .filter(s => s.offsetParent !== null)\
    .map(s => s.dataset.id.split('::')[1] + ' ' + Array.from(s.querySelectorAll('div.engine'))\
    .filter(v => v.offsetParent !== null).map(v => v.dataset.engine).join('|')).sort();";

fn page_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_blocked_preflight_is_shown_with_its_header_at_fault_and_the_filters_hide_the_rest() {
    let dir: PathBuf = std::env::temp_dir().join(format!("corsproof-picture-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let ((chromium, chromium_results), (firefox, firefox_results)) =
        tokio::join!(run(Engine::Chromium, jobs(&dir)), run(Engine::Firefox, jobs(&dir)));
    let runs = [
        EngineRun { engine: "chromium", outcome: Ok((&chromium, &chromium_results)) },
        EngineRun { engine: "firefox", outcome: Ok((&firefox, &firefox_results)) },
    ];
    let report = dir.join("report");
    std::fs::create_dir_all(&report).expect("a report folder");
    let matrix_page = report.join("matrix.html");
    std::fs::write(&matrix_page, matrix::html_report(&Matrix::build(&runs, vec![], Duration::ZERO)))
        .expect("the matrix page");
    let engine_page = report.join("chromium.html");
    let chromium_only = matrix::engine_html_report(&runs[0], vec![]).expect("chromium ran");
    std::fs::write(&engine_page, chromium_only).expect("chromium's page");

    let mut browser =
        Browser::launch(&BrowserConfig::default()).await.unwrap_or_else(|error| panic!("{error}"));
    browser.open(&page_url(&matrix_page)).await.unwrap_or_else(|error| panic!("{error}"));

    // The blocked preflight: its row at fault is the preflight, the response header that did
    // not allow X-Custom is marked absent, the request header it failed is marked too.
    let fault = rendered(
        &mut browser,
        "const section = document.querySelector('section.scenario[data-id$=\"::header-not-allowed\"]');\
         const row = section.querySelector('tr.at-fault');\
         const marks = Array.from(row.querySelectorAll('.fault'));\
         const style = getComputedStyle(row.querySelector('td.response-headers .fault'));\
         return { kind: row.cells[1].textContent, method: row.cells[2].textContent,\
                  marks: marks.map(m => m.textContent), background: style.backgroundColor,\
                  weight: style.fontWeight, visible: row.querySelector('.fault').offsetParent !== null,\
                  console: row.querySelector('td.console').innerText,\
                  engines: Array.from(section.querySelectorAll('div.engine')).map(v => v.dataset.engine) };",
    )
    .await;
    assert_eq!(fault["kind"], "preflight", "{fault}");
    assert_eq!(fault["method"], "OPTIONS", "{fault}");
    assert_eq!(
        fault["marks"],
        json!(["access-control-request-headers: x-custom", "access-control-allow-headers: absent"]),
        "{fault}"
    );
    assert_eq!(fault["background"], "rgb(255, 205, 210)", "the header at fault is marked red: {fault}");
    assert_eq!(fault["weight"], "700", "{fault}");
    assert_eq!(fault["visible"], true, "{fault}");
    assert_eq!(fault["engines"], json!(["chromium firefox"]), "agreeing engines share one table: {fault}");
    let console = fault["console"].as_str().unwrap_or_default();
    for (engine, results) in [("chromium", &chromium_results), ("firefox", &firefox_results)] {
        let said = results[0].observation.as_ref().ok().and_then(|o| o.requests[0].reason.clone());
        let said = said.unwrap_or_else(|| panic!("{engine} gave no reason: {:?}", results[0].observation));
        assert!(
            console.contains(&format!("{engine}: {said}")),
            "{engine}'s words beside the row:\n{console}"
        );
    }

    // A simple request blocked for its missing Access-Control-Allow-Origin, on its actual row.
    let simple = rendered(
        &mut browser,
        "const row = document.querySelector('section.scenario[data-id$=\"::no-acao\"] tr.at-fault');\
         return [row.cells[1].textContent, row.querySelector('.fault').textContent];",
    )
    .await;
    assert_eq!(simple, json!(["actual", "access-control-allow-origin: absent"]));

    let every = json!([
        "echoed chromium firefox",
        "header-not-allowed chromium firefox",
        "no-acao chromium firefox",
        "redirect-to-url-with-userinfo chromium|firefox",
    ]);
    assert_eq!(rendered(&mut browser, SHOWN).await, every, "differing engines side by side");

    choose(&mut browser, "filter-outcome", "allowed").await;
    assert_eq!(rendered(&mut browser, SHOWN).await, json!(["echoed chromium firefox"]));
    let hidden = rendered(
        &mut browser,
        "return document.querySelector('section.scenario[data-id$=\"::no-acao\"] tr.hop').offsetParent === null;",
    )
    .await;
    assert_eq!(hidden, true, "a blocked request's row is hidden when only allowed ones are asked for");

    choose(&mut browser, "filter-outcome", "").await;
    choose(&mut browser, "filter-engine", "firefox").await;
    let firefox_only = rendered(&mut browser, SHOWN).await;
    assert_eq!(firefox_only[3], "redirect-to-url-with-userinfo firefox", "{firefox_only}");

    choose(&mut browser, "filter-engine", "").await;
    choose(&mut browser, "filter-topic", "preflight").await;
    assert_eq!(rendered(&mut browser, SHOWN).await, json!(["header-not-allowed chromium firefox"]));

    choose(&mut browser, "filter-topic", "").await;
    choose(&mut browser, "search", "X-CUSTOM").await;
    assert_eq!(rendered(&mut browser, SHOWN).await, json!(["header-not-allowed chromium firefox"]));
    choose(&mut browser, "search", "").await;
    assert_eq!(rendered(&mut browser, SHOWN).await, every);

    // Links to the scenario file and line, and to each engine's snapshot.
    let links = rendered(
        &mut browser,
        "const section = document.querySelector('section.scenario[data-id$=\"::header-not-allowed\"]');\
         return [section.querySelector('a.source').textContent, section.querySelector('a.source').href,\
                 Array.from(section.querySelectorAll('a.snapshot')).map(a => a.href)];",
    )
    .await;
    let file = dir.join("preflight/put.toml");
    assert_eq!(links[0], format!("{}:2", file.display()), "{links}");
    assert_eq!(links[1], page_url(&file), "{links}");
    assert_eq!(
        links[2],
        json!([
            page_url(&dir.join("preflight/snapshots/chromium/put__header-not-allowed.snap")),
            page_url(&dir.join("preflight/snapshots/firefox/put__header-not-allowed.snap")),
        ]),
        "{links}"
    );

    if let Ok(path) = std::env::var("CORSPROOF_PICTURE_PNG") {
        rendered(
            &mut browser,
            // The session's window is small: the whole table, zoomed out, under the filters.
            "document.body.style.zoom = '0.5';\
             const section = document.querySelector('section.scenario[data-id$=\"::header-not-allowed\"]');\
             window.scrollTo(0, section.getBoundingClientRect().top + window.scrollY - 40);",
        )
        .await;
        let png = browser.screenshot().await.unwrap_or_else(|error| panic!("{error}"));
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
        std::fs::write(&path, png).unwrap_or_else(|error| panic!("cannot write {path}: {error}"));
    }

    // Chromium's own page: its requests only.
    browser.open(&page_url(&engine_page)).await.unwrap_or_else(|error| panic!("{error}"));
    let own = rendered(
        &mut browser,
        "return [document.querySelector('h1').textContent,\
                 Array.from(document.querySelectorAll('div.engine')).map(v => v.dataset.engine)];",
    )
    .await;
    assert_eq!(own, json!(["corsproof: chromium", ["chromium", "chromium", "chromium", "chromium"]]));
    browser.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
