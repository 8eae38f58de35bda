//! The checker and a real server whose CORS answer depends on a cookie: Express with `cors`
//! behind a session guard (`cors-needs-session`: the CORS headers only when a `session` cookie
//! came), as session-guarded APIs are. Without the cookie the checker judges the cookieless
//! answer; with a cookie the browser would send, it sends it and judges the answer the page gets;
//! with one the browser keeps home, it sends none and says why. The built `corsproof` binary is
//! run too, from a temporary folder, as a user runs it.

mod support;

use std::path::PathBuf;
use std::process::{Command, Output};

use corsproof::{Checked, Checker, CookieFate, Engine, NotSent, Policy, Probe, Reason, VerifyConfig, verify};
use support::implementations::{ALLOWED_ORIGIN, Implementation, RunningServer, start};

async fn session_guarded() -> RunningServer {
    start(Implementation::Express, "cors-needs-session")
        .await
        .unwrap_or_else(|error| panic!("express cors-needs-session: {error:#}"))
}

/// The `Cookie` header the checker put on a request, if any.
fn cookie_sent(hop: &corsproof::Hop) -> Option<String> {
    hop.headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(b"cookie"))
        .map(|(_, value)| String::from_utf8_lossy(value).into_owned())
}

fn items(server: &RunningServer) -> Probe {
    Probe::new(format!("{}/api/items", server.base_url())).origin(ALLOWED_ORIGIN).credentials(true)
}

async fn check(engine: Engine, probe: &Probe) -> Checked {
    Checker::builder().engine(engine).build().check(probe).await.expect("a valid probe")
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_cookie_the_checker_judges_the_cookieless_answer() {
    let server = session_guarded().await;
    let checked = check(Engine::Chromium, &items(&server)).await;
    let actual = checked.actual().expect("the GET was sent");
    assert_eq!(cookie_sent(actual), None, "{checked}");
    assert!(actual.response_header("access-control-allow-origin").is_empty(), "{checked}");
    assert_eq!(checked.block().map(|block| &block.reason), Some(&Reason::MissingAllowOrigin), "{checked}");
    assert!(checked.cookies().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cookie_the_browser_sends_is_sent_and_the_answer_it_gets_is_judged() {
    let server = session_guarded().await;
    let probe = items(&server).cookie("session=1; SameSite=None; Secure");
    let checked = check(Engine::Chromium, &probe).await;
    let actual = checked.actual().expect("the GET was sent");
    // A Secure cookie rides plain http to a loopback address in Chromium (its localhost rule).
    assert_eq!(cookie_sent(actual).as_deref(), Some("session=1"), "{checked}");
    assert_eq!(actual.response_header("access-control-allow-origin"), [ALLOWED_ORIGIN], "{checked}");
    assert!(checked.is_allowed(), "{checked}");
    assert!(checked.cookies()[0].is_sent());
    assert!(checked.to_string().contains("cookie `session` sent"), "{checked}");

    // Firefox sends it too when an answer to the page set it, and says what Total Cookie
    // Protection does to one the user got on the API's own site.
    let firefox = check(Engine::Firefox, &probe).await;
    assert!(firefox.is_allowed(), "{firefox}");
    assert_eq!(firefox.cookies()[0].from_its_own_site, Some(NotSent::Partitioned), "{firefox}");
    assert!(firefox.to_string().contains("Total Cookie Protection"), "{firefox}");

    // WebKit keeps a Secure cookie off plain http even to loopback: the page is refused.
    let webkit = check(Engine::WebKit, &probe).await;
    assert_eq!(webkit.cookies()[0].fate, CookieFate::NotSent(NotSent::SecureOverHttp), "{webkit}");
    assert!(webkit.actual().is_none_or(|hop| cookie_sent(hop).is_none()), "{webkit}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lax_cookie_is_kept_home_with_a_warning_and_what_to_change() {
    let server = session_guarded().await;
    let checked = check(Engine::Chromium, &items(&server).cookie("session=1; SameSite=Lax")).await;
    let actual = checked.actual().expect("the GET was sent");
    assert_eq!(cookie_sent(actual), None, "{checked}");
    assert_eq!(checked.cookies()[0].fate, CookieFate::NotSent(NotSent::SameSiteLax { by_default: false }));
    assert!(!checked.is_allowed(), "the cookieless answer has no CORS headers: {checked}");
    let report = checked.to_string();
    assert!(report.contains("warning: the page's request carries no cookie `session`"), "{report}");
    assert!(report.contains("SameSite=None; Secure"), "{report}");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_include_the_cookie_stays_home_and_the_report_says_so() {
    let server = session_guarded().await;
    let probe = items(&server).credentials(false).cookie("session=1; SameSite=None; Secure");
    let checked = check(Engine::Chromium, &probe).await;
    assert_eq!(cookie_sent(checked.actual().expect("sent")), None, "{checked}");
    assert!(checked.to_string().contains("credentials: 'include'"), "{checked}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_preflight_never_carries_the_cookie_so_the_session_guard_breaks_a_put() {
    let server = session_guarded().await;
    let probe = Probe::new(format!("{}/api/items/1", server.base_url()))
        .origin(ALLOWED_ORIGIN)
        .method("PUT")
        .header("Content-Type", "application/json")
        .credentials(true)
        .cookie("session=1; SameSite=None; Secure");
    let checked = check(Engine::Chromium, &probe).await;
    let preflight = checked.preflight().expect("a PUT with JSON is preflighted");
    assert_eq!(cookie_sent(preflight), None, "{checked}");
    assert!(checked.actual().is_none(), "the preflight failed, so no PUT: {checked}");
    assert!(checked.block().is_some(), "{checked}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_policy_cookie_rides_the_credentialed_probes_of_verify() {
    let server = session_guarded().await;
    let url = format!("{}/api/items", server.base_url());
    let config = VerifyConfig::default().cases(48);
    let text = format!("origins = [\"{ALLOWED_ORIGIN}\"]\ncredentials = true\n");
    let without = verify(&Policy::from_toml(&text).expect("a policy"), &url, &config).await;
    let with_cookie = format!("{text}cookie = \"session=1; SameSite=None; Secure\"\n");
    let with = verify(&Policy::from_toml(&with_cookie).expect("a policy"), &url, &config).await;
    // Both fail: an uncredentialed fetch never carries the session, so the guard answers it
    // without CORS. Only with the cookie do the credentialed probes pass, so the shrunk failure
    // is an uncredentialed one, and it says why the cookie stayed home.
    for report in [&without, &with] {
        assert!(!report.passed(), "{report}");
    }
    let shrunk: Vec<&corsproof::Checked> = with
        .failures
        .iter()
        .filter_map(|failure| match failure {
            corsproof::Failure::Disagrees(counterexample) => Some(&*counterexample.checked),
            _ => None,
        })
        .collect();
    assert!(!shrunk.is_empty(), "a disagreement: {with}");
    for checked in shrunk {
        assert!(!checked.probe().is_credentialed(), "{with}");
        assert_eq!(checked.probe().cookies(), ["session=1; SameSite=None; Secure"]);
    }
    assert!(with.to_string().contains("credentials: 'include'"), "{with}");
}

/// The `corsproof` binary cargo built beside this test (`target/debug/corsproof`).
fn corsproof_binary() -> PathBuf {
    let test = std::env::current_exe().expect("the test's own path");
    let binary = test.parent().and_then(|deps| deps.parent()).expect("target/debug/deps").join("corsproof");
    assert!(binary.is_file(), "{} is missing: build it with `cargo build -p corsproof`", binary.display());
    binary
}

fn run_check(args: &[&str]) -> Output {
    let folder = std::env::temp_dir().join(format!("corsproof-check-cookies-{}", std::process::id()));
    std::fs::create_dir_all(&folder).expect("a temporary folder");
    let output = Command::new(corsproof_binary())
        .arg("check")
        .args(args)
        .current_dir(&folder)
        .output()
        .expect("it runs");
    let _ = std::fs::remove_dir_all(&folder);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("unexpected argument '--cookie'"),
        "the corsproof binary is older than this test: `cargo build -p corsproof`"
    );
    output
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binary_sends_the_cookie_reports_it_and_refuses_a_cookie_header() {
    let server = session_guarded().await;
    let url = format!("{}/api/items", server.base_url());
    let base = ["--origin", ALLOWED_ORIGIN, "--credentials"];

    let sent = run_check(&[
        &url,
        base[0],
        base[1],
        base[2],
        "--cookie",
        "session=1; SameSite=None; Secure",
        "--json",
    ]);
    let stdout = String::from_utf8_lossy(&sent.stdout);
    assert_eq!(sent.status.code(), Some(0), "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    assert_eq!(report["allowed"], true);
    assert_eq!(report["cookies"][0]["name"], "session");
    assert_eq!(report["cookies"][0]["sent"], true);
    let actual = &report["exchanges"][0]["request"]["headers"];
    assert!(
        actual.as_array().is_some_and(|h| h.contains(&serde_json::json!(["cookie", "session=1"]))),
        "{actual}"
    );

    let lax = run_check(&[&url, base[0], base[1], base[2], "--cookie", "session=1; SameSite=Lax"]);
    let text = String::from_utf8_lossy(&lax.stdout);
    assert_eq!(lax.status.code(), Some(1), "{text}");
    assert!(text.contains("warning: the page's request carries no cookie `session`"), "{text}");

    let header = run_check(&[&url, base[0], base[1], base[2], "-H", "Cookie: session=1"]);
    let stderr = String::from_utf8_lossy(&header.stderr);
    assert_eq!(header.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("a page cannot set `Cookie`") && stderr.contains("--cookie 'session=1'"),
        "{stderr}"
    );

    let policy = std::env::temp_dir().join(format!("corsproof-cookie-policy-{}.toml", std::process::id()));
    std::fs::write(&policy, format!("origins = [\"{ALLOWED_ORIGIN}\"]\n")).expect("a policy file");
    let both = run_check(&[&url, "--policy", &policy.display().to_string(), "--cookie", "session=1"]);
    let _ = std::fs::remove_file(&policy);
    let stderr = String::from_utf8_lossy(&both.stderr);
    assert_eq!(both.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("write the cookies in the policy file"), "{stderr}");
}
