//! The cross-engine matrix from real runs: Chromium and Firefox at the same time on scenarios they
//! agree on and one they do not, beside an engine whose driver cannot be reached, and the
//! reports rendered from it (the matrix's and JUnit's).

use std::path::Path;
use std::time::Duration;

use corsproof_browser::{BrowserConfig, Engine};
use corsproof_runner::matrix::{self, Agreement, Cell, ColumnState, EngineRun, Matrix};
use corsproof_runner::report::{self, JunitSuite, Report, ScenarioReport, SnapshotNote};
use corsproof_runner::{Job, JobResult, RunConfig, RunError, Runner};

const SCENARIOS: &str = r#"
[[scenario]]
name = "no-acao"
about = "A simple GET without Access-Control-Allow-Origin is blocked in every engine"
page = "app"

[[scenario.request]]
to = "api"
path = "/data"

[scenario.request.expect]
outcome = "blocked"

[[scenario]]
name = "preflight-404-then-echo"
about = "A failed preflight, then an allowed simple GET: two requests, the same in every engine"
page = "app"

[[scenario.request]]
to = "api"
method = "PUT"
path = "/items/1"

[scenario.request.server]
preflight_status = "404"
acao = "origin"

[scenario.request.expect]
outcome = "blocked"

[[scenario.request]]
to = "api"
path = "/items/1"

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

fn jobs() -> Vec<Job> {
    let file = corsproof_scenario::parse_str(Path::new("tests/matrix_report.rs"), SCENARIOS)
        .unwrap_or_else(|error| panic!("{}", error.render(false)));
    file.scenarios.into_iter().map(|scenario| Job { file: file.path.clone(), scenario }).collect()
}

/// Starts `config`'s engine and runs the jobs in it.
async fn run(config: RunConfig, jobs: Vec<Job>) -> Result<(Report, Vec<JobResult>), RunError> {
    let mut runner = Runner::start(config).await?;
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
    Ok((report, results))
}

fn engine(engine: Engine) -> RunConfig {
    RunConfig { browser: BrowserConfig { engine, ..BrowserConfig::default() }, ..RunConfig::default() }
}

#[tokio::test(flavor = "multi_thread")]
async fn engines_side_by_side_with_one_that_cannot_start() {
    // Port 9 (discard) has no WebDriver behind it: the engine fails to start, as a missing one does.
    let unreachable = RunConfig {
        browser: BrowserConfig {
            engine: Engine::WebKit,
            webdriver: Some("http://127.0.0.1:9".into()),
            ..BrowserConfig::default()
        },
        ..RunConfig::default()
    };
    let (chromium, firefox, webkit) = tokio::join!(
        run(engine(Engine::Chromium), jobs()),
        run(engine(Engine::Firefox), jobs()),
        run(unreachable, jobs()),
    );
    let chromium = chromium.unwrap_or_else(|error| panic!("{error}"));
    let firefox = firefox.unwrap_or_else(|error| panic!("{error}"));
    let webkit_error = webkit.err().map(|error| error.to_string()).unwrap_or_default();
    assert!(!webkit_error.is_empty(), "a WebDriver URL with nothing behind it starts no engine");

    let runs = [
        EngineRun { engine: "chromium", outcome: Ok((&chromium.0, &chromium.1)) },
        EngineRun { engine: "firefox", outcome: Ok((&firefox.0, &firefox.1)) },
        EngineRun { engine: "webkit", outcome: Err(&webkit_error) },
    ];
    let matrix = Matrix::build(&runs, vec![], Duration::from_secs(1));
    let row = |name: &str| {
        matrix.rows.iter().find(|row| row.id.ends_with(name)).unwrap_or_else(|| panic!("no row {name}"))
    };
    let texts = |name: &str| row(name).cells.iter().map(Cell::text).collect::<Vec<_>>();

    assert_eq!(row("::no-acao").agreement, Agreement::Identical);
    assert_eq!(texts("::no-acao"), ["blocked", "blocked", "✗ engine failed"]);
    assert_eq!(row("::preflight-404-then-echo").agreement, Agreement::Identical);
    assert_eq!(texts("::preflight-404-then-echo")[0], "blocked (preflight) → allowed");
    let userinfo = row("::redirect-to-url-with-userinfo");
    assert_eq!(userinfo.agreement, Agreement::Differs, "{:?}", texts("::redirect-to-url-with-userinfo"));
    assert_eq!(texts("::redirect-to-url-with-userinfo")[..2], ["blocked", "network-error"]);
    assert!(matrix.rows.iter().all(|row| !row.failing), "the failed engine is told once, in its column");
    assert_eq!(matrix.engines[2].state, ColumnState::Failed { error: webkit_error.clone() });
    assert!(!matrix.passed());

    let table = matrix::table(&matrix, false);
    assert!(!table.contains("::no-acao"), "identical rows stay off the terminal:\n{table}");
    assert!(table.contains("≠ tests/matrix_report.rs::redirect-to-url-with-userinfo"), "{table}");
    assert!(table.contains(&format!("FAIL webkit could not run: {webkit_error}")), "{table}");
    assert!(table.contains("3 scenarios, 2 identical in chromium, firefox, 1 differ, 0 failing"), "{table}");
    assert!(
        matrix::markdown_report(&matrix)
            .contains("| ≠ | tests/matrix\\_report.rs::redirect-to-url-with-userinfo |")
    );
    let html = matrix::html_report(&matrix);
    assert!(html.contains("<tr class=\"differs\">") && html.contains("<tr class=\"plain\">"));

    let suites = [
        JunitSuite { engine: Engine::Chromium, outcome: Ok(&chromium.0) },
        JunitSuite { engine: Engine::Firefox, outcome: Ok(&firefox.0) },
        JunitSuite { engine: Engine::WebKit, outcome: Err(&webkit_error) },
    ];
    let junit = report::junit(&suites, Duration::from_secs(1));
    assert!(
        junit.contains("<testsuites name=\"corsproof\" tests=\"7\" failures=\"0\" errors=\"1\""),
        "{junit}"
    );
    for (engine, browser) in [("chromium", &chromium.0.browser), ("firefox", &firefox.0.browser)] {
        let suite =
            junit.split(&format!("<testsuite name=\"{engine}\" ")).nth(1).expect("a suite per engine");
        assert!(suite.starts_with("tests=\"3\" failures=\"0\" errors=\"0\""), "{junit}");
        assert!(suite.contains(&format!("<property name=\"browser\" value=\"{browser}\"/>")), "{junit}");
        for job in jobs() {
            let case = format!(
                "<testcase classname=\"tests/matrix_report.rs\" name=\"{}\" file=\"tests/matrix_report.rs\" line=\"{}\" time=\"",
                job.scenario.name, job.scenario.line
            );
            assert!(suite.contains(&case), "{engine} {}:\n{junit}", job.scenario.name);
        }
    }
    let webkit =
        junit.split("<testsuite name=\"webkit\" ").nth(1).expect("a suite for the engine that failed");
    assert!(
        webkit.starts_with(
            "tests=\"1\" failures=\"0\" errors=\"1\" time=\"0.000\">\n    \
             <testcase classname=\"webkit\" name=\"browser start\" time=\"0.000\">\n      <error message=\""
        ),
        "{junit}"
    );
    let said =
        webkit_error.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    assert!(webkit.contains(&format!(">{said}</error>")), "why it did not start:\n{junit}");
}
