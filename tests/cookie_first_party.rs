//! The cookie rule the scenario corpus cannot express, proven in the real browsers: a cookie the
//! user got on the API's own site (a page at the API's origin, first-party), then a credentialed
//! fetch to the API from another site's page. A corpus scenario has one page, so its cookies are
//! always set by answers to that page's own requests (`SetBy::ThePage`); this runs two scenarios
//! one after the other in one browser, so the second page finds what the first left in the jar.
//!
//! What the oracle says for the corpus's sessions (`CookieProfile::Corpus`, `SetBy::ItsOwnSite`)
//! must be what each engine did: all three send it. Chromium and Firefox because their
//! sessions accept third-party cookies by preference; WebKitGTK because its "no third party"
//! policy refuses only cookies set for another host's page, never sending one the user got
//! first-party. The browser is the truth: a disagreement fails here, and the engine's profile is
//! what changes. (A user's Firefox keeps such a cookie home, Total Cookie Protection; this
//! session's preference turns that off: tests/cookie_partition_firefox.rs sees it with Firefox's
//! own defaults.)

use std::path::PathBuf;
use std::time::Duration;

use corsproof_behaviour::NamedOrigin;
use corsproof_oracle::{Cookie, CookieProfile, CredentialsMode, Engine, Origin, SetBy, Url};
use corsproof_runner::{Job, RunConfig, Runner};

/// The cookie the API sets when the user logs in on its own site. `Path=/` because the app's
/// request has a token path of its own; this browser runs nothing else, so it leaks nowhere.
const COOKIE: &str = "first_party_session=1; Path=/; SameSite=None; Secure";

fn login_on_the_api_site() -> String {
    format!(
        r#"
[[scenario]]
name = "login-on-the-api-site"
about = "The user is on the API's own site, which sets a session cookie first-party"
page = "api-https"

[[scenario.request]]
to = "api-https"
path = "/login"

[scenario.request.server]
cookie = "{COOKIE}"

[scenario.request.expect]
outcome = "allowed"
"#
    )
}

const FETCH_FROM_THE_APP: &str = r#"
[[scenario]]
name = "credentialed-fetch-from-the-app"
about = "The app's page, another site, fetches the API with credentials include"
page = "app"

[[scenario.request]]
to = "api-https"
path = "/me"
credentials = "include"

[scenario.request.server]
acao = "origin"
acac = "true"

[scenario.request.expect]
outcome = "allowed"
"#;

fn job(name: &str, text: &str) -> Job {
    let file = PathBuf::from(file!()).with_file_name(name);
    let mut parsed = corsproof_scenario::parse_str(&file, text).unwrap_or_else(|error| panic!("{error}"));
    Job { file, scenario: parsed.scenarios.remove(0) }
}

fn origin_url(origins: &[NamedOrigin], name: &str) -> String {
    origins.iter().find(|origin| origin.name == name).unwrap_or_else(|| panic!("no origin {name}")).url()
}

async fn first_party_cookie_from_another_site(engine: Engine) {
    let config = RunConfig { request_timeout: Duration::from_secs(5), ..RunConfig::for_engine(engine) };
    let mut runner = Runner::start(config).await.unwrap_or_else(|error| panic!("{engine}: {error}"));
    let origins = runner.server().origins().to_vec();
    // One after the other: the second page must find the jar the first one filled.
    let login = runner.run(vec![job("login.toml", &login_on_the_api_site())], &mut |_| {}).await;
    let fetch = runner.run(vec![job("fetch.toml", FETCH_FROM_THE_APP)], &mut |_| {}).await;
    runner.close().await;

    let login = login[0].observation.as_ref().unwrap_or_else(|error| panic!("{engine}: {error}"));
    let set_it = login.requests[0].server_saw.as_ref().is_some_and(|saw| !saw.is_empty());
    assert!(set_it, "{engine}: the login request never reached the API");
    let fetch = fetch[0].observation.as_ref().unwrap_or_else(|error| panic!("{engine}: {error}"));
    let saw = fetch.requests[0].server_saw.clone().unwrap_or_default();
    let actual = saw.iter().rev().find(|seen| !seen.method.contains("preflight"));
    let browser_sent = actual.unwrap_or_else(|| panic!("{engine}: the fetch never reached the API")).cookies;

    let cookie: Cookie = COOKIE.parse().expect("a cookie");
    let page: Origin = origin_url(&origins, "app").parse().expect("an origin");
    let url: Url = format!("{}/me", origin_url(&origins, "api-https")).parse().expect("a URL");
    let fate = cookie.fate_in(
        CookieProfile::Corpus,
        engine,
        &page,
        &url,
        CredentialsMode::Include,
        SetBy::ItsOwnSite,
    );
    eprintln!(
        "{engine}: the browser {} the first-party cookie; the oracle says {fate:?}",
        if browser_sent { "sent" } else { "kept home" }
    );
    assert_eq!(
        browser_sent,
        fate.is_sent(),
        "{engine}: the browser {} a cookie set on the API's own site from another site's page; the oracle says {fate:?}",
        if browser_sent { "sent" } else { "did not send" }
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn chromium_sends_a_first_party_cookie_from_another_site() {
    first_party_cookie_from_another_site(Engine::Chromium).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn firefox_sends_a_first_party_cookie_from_another_site() {
    first_party_cookie_from_another_site(Engine::Firefox).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn webkit_sends_a_first_party_cookie_from_another_site() {
    first_party_cookie_from_another_site(Engine::WebKit).await;
}
