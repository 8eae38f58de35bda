use std::path::PathBuf;

use corsproof_scenario::{Outcome, Scenario};

use super::*;
use crate::fate::Glance;
use crate::observe::RequestObservation;
use crate::run::Job;

fn fate(outcome: Outcome, in_preflight: bool) -> Glance {
    Glance { outcome, in_preflight, preflighted: in_preflight }
}

fn request(fate: &Glance) -> RequestObservation {
    let Glance { outcome, in_preflight, preflighted } = *fate;
    RequestObservation {
        request: "GET {api}/t/{token1}/data".into(),
        outcome,
        reason_class: None,
        reason_in_preflight: in_preflight,
        reason: (outcome == Outcome::Blocked).then(|| "Access to fetch at '<x>' was blocked".into()),
        reason_source: None,
        js_error: None,
        status: None,
        response_type: None,
        readable_headers: vec![],
        header_values: Default::default(),
        body: None,
        preflight: Some(preflighted),
        reached_server: Some(!in_preflight),
        server_saw: None,
    }
}

/// One engine's report and the results it was made from.
struct Ran {
    report: Report,
    results: Vec<JobResult>,
}

/// `browser`'s run of scenarios in `scenarios/a.toml`: (name, each request's fate, snapshot).
fn ran(browser: &str, scenarios: &[(&str, Vec<Glance>, SnapshotNote)]) -> Ran {
    let mut results = Vec::new();
    let mut lines = Vec::new();
    for (name, fates, snapshot) in scenarios {
        let scenario = Scenario {
            name: (*name).to_owned(),
            about: format!("what {name} proves"),
            page: "app".into(),
            sandbox: false,
            public_page: false,
            local_network_granted: false,
            requests: vec![],
            cookies: Vec::new(),
            line: 1,
        };
        let observation = Observation {
            scenario: (*name).to_owned(),
            about: scenario.about.clone(),
            page: "app".into(),
            page_origin: None,
            sandbox: false,
            requests: fates.iter().map(request).collect(),
        };
        let result = JobResult {
            job: Job { file: PathBuf::from("scenarios/a.toml"), scenario },
            observation: Ok(observation),
            mismatches: vec![],
            elapsed: Duration::from_millis(12),
            har: None,
        };
        lines.push(ScenarioReport::new(&result, snapshot.clone()));
        results.push(result);
    }
    let report = Report {
        scenarios: lines,
        load_errors: vec![],
        browser: browser.into(),
        elapsed: Duration::from_secs(1),
        startup: Duration::ZERO,
        interrupted: false,
        unfinished: vec![],
    };
    Ran { report, results }
}

fn matrix(runs: &[(&str, Result<&Ran, &str>)]) -> Matrix {
    let runs: Vec<EngineRun<'_>> = runs
        .iter()
        .map(|(engine, outcome)| EngineRun {
            engine,
            outcome: outcome.map(|ran| (&ran.report, ran.results.as_slice())),
        })
        .collect();
    Matrix::build(&runs, vec![], Duration::from_millis(2500))
}

#[test]
fn identical_rows_are_not_highlighted() {
    let fates = vec![fate(Outcome::Blocked, true), fate(Outcome::Allowed, false)];
    let chromium = ran("chromium 1", &[("same", fates.clone(), SnapshotNote::Matches)]);
    let firefox = ran("firefox 2", &[("same", fates, SnapshotNote::Matches)]);
    let matrix = matrix(&[("chromium", Ok(&chromium)), ("firefox", Ok(&firefox))]);
    let row = &matrix.rows[0];
    assert_eq!(row.agreement, Agreement::Identical);
    assert!(!row.notable() && matrix.passed());
    assert_eq!(row.cells[0].text(), "blocked (preflight) → allowed");

    let text = table(&matrix, true);
    assert!(!text.contains("same") && !text.contains('≠') && !text.contains("\x1b[33m"), "{text}");
    assert!(text.contains("1 scenarios, 1 identical in all engines, 0 differ, 0 failing"), "{text}");
    assert!(text.contains("chromium 1: 1 passed, 0 failed; firefox 2: 1 passed, 0 failed; in 2.50s"));
    assert!(
        markdown_report(&matrix).contains("|  | scenarios/a.toml::same | blocked (preflight) → allowed |")
    );
    assert!(html_report(&matrix).contains("<tr class=\"plain\"><td class=\"mark\"></td>"));
}

#[test]
fn a_summary_names_no_engine_when_none_could_start() {
    let matrix =
        matrix(&[("chromium", Err("chromedriver was not found")), ("webkit", Err("Xvfb was not found"))]);
    let summary = matrix.summary();
    assert!(summary.starts_with("0 scenarios, 0 identical in no engine, 0 differ"), "{summary}");
    assert!(!matrix.passed());
}

#[test]
fn a_preflight_one_engine_sends_and_another_spares_makes_a_row_differ() {
    let preflighted = Glance { outcome: Outcome::Allowed, in_preflight: false, preflighted: true };
    let cached = fate(Outcome::Allowed, false);
    let chromium = ran("chromium 1", &[("opaque", vec![preflighted, preflighted], SnapshotNote::Matches)]);
    let firefox = ran("firefox 2", &[("opaque", vec![preflighted, cached], SnapshotNote::Matches)]);
    let matrix = matrix(&[("chromium", Ok(&chromium)), ("firefox", Ok(&firefox))]);
    assert_eq!(matrix.rows[0].agreement, Agreement::Differs);
    let plain = table(&matrix, false);
    assert!(
        plain.contains("preflight + allowed → preflight + allowed  preflight + allowed → allowed"),
        "{plain}"
    );
}

#[test]
fn a_differing_row_is_highlighted() {
    let chromium = ran(
        "chromium 1",
        &[
            ("same", vec![fate(Outcome::Allowed, false)], SnapshotNote::Matches),
            ("star-with-auth", vec![fate(Outcome::Blocked, true)], SnapshotNote::Matches),
        ],
    );
    let firefox = ran(
        "firefox 2",
        &[
            ("same", vec![fate(Outcome::Allowed, false)], SnapshotNote::Matches),
            ("star-with-auth", vec![fate(Outcome::Allowed, false)], SnapshotNote::Matches),
        ],
    );
    let matrix = matrix(&[("chromium", Ok(&chromium)), ("firefox", Ok(&firefox))]);
    assert_eq!(matrix.rows[1].agreement, Agreement::Differs);
    assert!(matrix.rows[1].notable() && !matrix.rows[1].failing && matrix.passed());

    let plain = table(&matrix, false);
    let line = plain.lines().find(|line| line.contains("star-with-auth")).unwrap_or_default();
    assert!(line.starts_with('≠') && line.ends_with("blocked (preflight)  allowed"), "{plain}");
    assert!(!plain.contains("::same"), "identical rows stay off the terminal:\n{plain}");
    assert!(plain.contains("2 scenarios, 1 identical in all engines, 1 differ, 0 failing"), "{plain}");
    assert!(table(&matrix, true).contains("\x1b[33m≠\x1b[0m"));
    assert!(
        markdown_report(&matrix)
            .contains("| ≠ | scenarios/a.toml::star-with-auth | blocked (preflight) | allowed |")
    );
    let html = html_report(&matrix);
    assert!(html.contains("<tr class=\"differs\"><td class=\"mark\">≠</td>"), "{html}");
    assert!(html.contains("title=\"request 1: Access to fetch at &#39;&lt;x&gt;&#39; was blocked\""));
}

#[test]
fn an_engine_that_could_not_run_is_a_failed_column_and_the_others_still_show() {
    let chromium = ran(
        "chromium 1",
        &[
            ("fine", vec![fate(Outcome::Allowed, false)], SnapshotNote::Matches),
            ("moved", vec![fate(Outcome::Blocked, false)], SnapshotNote::Changed("-a\n+b".into())),
        ],
    );
    let firefox = ran(
        "firefox 2",
        &[
            ("fine", vec![fate(Outcome::Allowed, false)], SnapshotNote::Matches),
            ("moved", vec![fate(Outcome::Blocked, false)], SnapshotNote::Matches),
        ],
    );
    let hint = "WebKitWebDriver not found: install WebKitGTK's MiniBrowser";
    let matrix = matrix(&[("chromium", Ok(&chromium)), ("firefox", Ok(&firefox)), ("webkit", Err(hint))]);
    assert_eq!(matrix.engines[2].state, ColumnState::Failed { error: hint.into() });
    assert!(matrix.rows.iter().all(|row| row.cells[2] == Cell::EngineFailed));
    assert!(!matrix.passed());
    assert!(!matrix.rows[0].failing, "an engine's failure is told once, not on every row");
    assert!(matrix.rows[1].failing && matrix.rows[1].agreement == Agreement::Identical);

    let text = table(&matrix, false);
    assert!(text.contains("FAIL webkit could not run: WebKitWebDriver not found"), "{text}");
    assert!(text.contains("blocked ✗ snapshot changed  blocked  ✗ engine failed"), "{text}");
    assert!(text.contains("FAIL chromium scenarios/a.toml::moved\n     what moved proves\n"), "{text}");
    assert!(text.contains("       -a\n       +b"), "{text}");
    let evidence = "     page app ({app}, a mock origin)\n     1. GET {api}/t/{token1}/data: blocked\n        \
                    page read   no response\n        console     Access to fetch at '<x>' was blocked\n";
    assert!(text.contains(&format!("       +b\n{evidence}")), "the diff, then the evidence:\n{text}");
    assert_eq!(text.matches("page app").count(), 1, "evidence for the failing cell only:\n{text}");
    assert!(
        text.contains("2 scenarios, 2 identical in chromium, firefox, 0 differ, 1 failing; chromium 1: 1 passed, 1 failed; firefox 2: 2 passed, 0 failed; webkit: could not run"),
        "{text}"
    );
    let markdown = markdown_report(&matrix);
    assert!(markdown.contains("| webkit | could not run: WebKitWebDriver not found"));
    assert!(
        markdown.contains("```\npage app ({app}, a mock origin)\n1. GET {api}/t/{token1}/data: blocked\n")
    );
    let html = html_report(&matrix);
    assert!(html.contains("<pre>page app ({app}, a mock origin)\n1. GET {api}/t/{token1}/data: blocked\n"));
    assert_eq!(html.matches("page app").count(), 1, "{html}");
    assert!(html.contains("<td class=\"fails\"> <span class=\"note\">✗ engine failed</span></td>"), "{html}");
    assert!(html.contains("could not run<pre>WebKitWebDriver not found: install WebKitGTK&#39;s"), "{html}");
}

#[test]
fn a_page_error_shared_by_an_engines_scenarios_is_told_once() {
    let chromium = ran(
        "chromium 1",
        &[
            ("one", vec![fate(Outcome::Allowed, false)], SnapshotNote::Matches),
            ("two", vec![fate(Outcome::Allowed, false)], SnapshotNote::Matches),
        ],
    );
    let mut webkit =
        ran("webkit 2", &[("one", vec![], SnapshotNote::NotTaken), ("two", vec![], SnapshotNote::NotTaken)]);
    for (line, result) in webkit.report.scenarios.iter_mut().zip(&mut webkit.results) {
        let page_error = "the page has no corsproof script: about:blank".to_owned();
        result.observation = Err(corsproof_browser::BrowserError::Page(page_error).into());
        *line = ScenarioReport::new(result, SnapshotNote::NotTaken);
    }
    let matrix = matrix(&[("chromium", Ok(&chromium)), ("webkit", Ok(&webkit))]);
    assert!(matrix.rows.iter().all(|row| row.failing && row.agreement == Agreement::NotCompared));
    let text = table(&matrix, false);
    assert_eq!(text.matches("about:blank").count(), 1, "{text}");
    assert!(
        text.contains(
            "FAIL webkit: 2 scenarios could not run: the page could not run the requests: the page has no corsproof script"
        ),
        "{text}"
    );
    assert!(
        text.contains("2 scenarios, 0 identical in chromium, 0 differ, 2 failing, 2 not compared"),
        "{text}"
    );
    assert_eq!(markdown_report(&matrix).matches("about:blank").count(), 1);
}

#[test]
fn html_escapes_a_scenario_named_like_a_script() {
    let evil = ran("chromium 1", &[("<script>alert(1)</script>", vec![], SnapshotNote::New)]);
    let html = html_report(&matrix(&[("chromium", Ok(&evil))]));
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(html.contains("<code>scenarios/a.toml::&lt;script&gt;alert(1)&lt;/script&gt;</code>"), "{html}");
    assert_eq!(html.matches("<script>").count(), 1, "only the page's own filter script");
    assert!(!html.contains("http://") && !html.contains("https://"), "nothing is fetched");
}

#[test]
fn markdown_escapes_a_pipe() {
    let piped = ran("chromium 1", &[("a|b", vec![fate(Outcome::Allowed, false)], SnapshotNote::Matches)]);
    let text = markdown_report(&matrix(&[("chromium", Ok(&piped))]));
    let row = text.lines().find(|line| line.contains("a\\|b")).unwrap_or_default();
    assert_eq!(row, "|  | scenarios/a.toml::a\\|b | allowed |");
}

#[test]
fn a_missing_or_unreviewed_snapshot_fails_its_cell_and_says_how_to_settle_it() {
    let fates = vec![fate(Outcome::Allowed, false)];
    let chromium = ran("chromium 1", &[("one", fates.clone(), SnapshotNote::New)]);
    let pending = "tests/snapshots/firefox/a__one.snap.new";
    let firefox = ran("firefox 2", &[("one", fates, SnapshotNote::Unreviewed(pending.into()))]);
    let matrix = matrix(&[("chromium", Ok(&chromium)), ("firefox", Ok(&firefox))]);
    assert!(!matrix.passed());
    assert_eq!(matrix.rows[0].cells[0].text(), "allowed ✗ no snapshot");
    assert_eq!(matrix.rows[0].cells[1].text(), "allowed ✗ unreviewed .snap.new");
    let text = table(&matrix, false);
    let settle = ["`corsproof review`", "`corsproof record`", "`cargo insta review`"];
    assert!(settle.iter().all(|command| text.contains(command)), "{text}");
    assert!(text.contains(&format!("unreviewed pending snapshot {pending}")), "{text}");
}
