//! The oracle's cookie rules (`corsproof_oracle::Cookie::fate`) proven against the browsers: for
//! every corpus scenario where an answer sets a cookie and a later request reuses its URL, the
//! cookie the browser sent (or did not) on that later request, as each engine's snapshot recorded
//! it, must be what the oracle says that engine does. Needs no browser: it reads the snapshots.
//!
//! The corpus sets each cookie with an answer to the page's own request, so what is compared is
//! [`SetBy::ThePage`] in the corpus sessions' profile ([`CookieProfile::Corpus`]); whether such a cookie is stored at all and whether it is sent follow the
//! same rules (RFC 6265bis checks `Secure`, `SameSite` and the third-party policy on both), so a
//! cookie refused when set shows as one not sent.

use std::path::PathBuf;

use corsproof_behaviour::{Listener, NamedOrigin};
use corsproof_oracle::{Cookie, CookieProfile, CredentialsMode, Engine, Origin, SetBy, Url};
use corsproof_runner::snapshot::SnapshotFile;
use corsproof_scenario::{Credentials, Scenario};
use serde_json::Value;

/// The mock origins with stand-in ports; snapshots name origins, never ports.
fn origins() -> Vec<NamedOrigin> {
    NamedOrigin::table(|listener| match listener {
        Listener::HttpA => 8001,
        Listener::HttpB => 8002,
        Listener::Https => 8443,
    })
}

fn origin_url(origins: &[NamedOrigin], name: &str) -> String {
    origins.iter().find(|origin| origin.name == name).unwrap_or_else(|| panic!("no origin {name}")).url()
}

/// Whether the last actual (not preflight) request the server saw for request `index` carried a
/// `Cookie` header.
fn cookie_seen(snapshot: &Value, index: usize) -> bool {
    let saw = snapshot["requests"][index]["server_saw"].as_array().cloned().unwrap_or_default();
    saw.iter()
        .rev()
        .find(|entry| !entry["method"].as_str().unwrap_or_default().contains("preflight"))
        .is_some_and(|entry| entry["cookies"] == Value::Bool(true))
}

/// One comparison: scenario, request number, what the browser did, what the oracle says.
struct Compared {
    name: String,
    request: usize,
    browser: bool,
    oracle: String,
}

fn compare(engine: Engine, scenario: &Scenario, snapshot: &Value, origins: &[NamedOrigin]) -> Vec<Compared> {
    let page: Origin = origin_url(origins, &scenario.page).parse().expect("a mock origin parses");
    let mut compared = Vec::new();
    for (index, step) in scenario.requests.iter().enumerate() {
        let Some(first) = step.same_url_as else { continue };
        let setter = &scenario.requests[first];
        let cookies = setter.server.as_ref().map(|server| server.actual.cookies.clone()).unwrap_or_default();
        let [cookie] = cookies.as_slice() else { continue };
        let cookie: Cookie = cookie.parse().unwrap_or_else(|e| panic!("{}: {e}", scenario.name));
        let to = step.to.as_deref().expect("corpus cookie scenarios name their origin");
        let url: Url = format!("{}{}", origin_url(origins, to), setter.path).parse().expect("a URL");
        let credentials = match step.credentials {
            Credentials::Omit => CredentialsMode::Omit,
            Credentials::SameOrigin => CredentialsMode::SameOrigin,
            Credentials::Include => CredentialsMode::Include,
        };
        let fate = cookie.fate_in(CookieProfile::Corpus, engine, &page, &url, credentials, SetBy::ThePage);
        compared.push(Compared {
            name: scenario.name.clone(),
            request: index + 1,
            browser: cookie_seen(snapshot, index),
            oracle: format!("{fate:?}"),
        });
        assert_eq!(
            cookie_seen(snapshot, index),
            fate.is_sent(),
            "{engine}: {} request {}: the browser {} the cookie `{cookie}`, the oracle says {fate:?}",
            scenario.name,
            index + 1,
            if cookie_seen(snapshot, index) { "sent" } else { "did not send" },
        );
    }
    compared
}

/// The cookies a scenario holds before its first request (`[[scenario.cookie]]`), each set by a
/// visit to its own origin ([`SetBy::ItsOwnSite`]), against every request to that origin's host
/// whose path is under the cookie's `Path` (the oracle assumes the path matches; a request
/// outside it must carry no cookie, which the snapshot shows too).
fn compare_held(
    engine: Engine,
    scenario: &Scenario,
    snapshot: &Value,
    origins: &[NamedOrigin],
) -> Vec<Compared> {
    let page: Origin = origin_url(origins, &scenario.page).parse().expect("a mock origin parses");
    let mut compared = Vec::new();
    for held in &scenario.cookies {
        let line = held.set_cookie.replace("{token}", "token");
        let cookie: Cookie = line.parse().unwrap_or_else(|e| panic!("{}: {e}", scenario.name));
        let held_at: Url = origin_url(origins, &held.origin).parse().expect("a URL");
        let path = line
            .split(';')
            .filter_map(|attribute| attribute.split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("path"))
            .map(|(_, value)| value.trim().to_owned())
            .expect("a held cookie has a Path");
        for (index, step) in scenario.requests.iter().enumerate() {
            let to = step.to.as_deref().expect("held cookies go with named origins");
            let url: Url =
                format!("{}/t/token{}", origin_url(origins, to), step.path).parse().expect("a URL");
            let under_path = url.path().starts_with(&format!("{path}/")) || url.path() == path;
            if url.host() != held_at.host() {
                continue;
            }
            let credentials = match step.credentials {
                Credentials::Omit => CredentialsMode::Omit,
                Credentials::SameOrigin => CredentialsMode::SameOrigin,
                Credentials::Include => CredentialsMode::Include,
            };
            let fate =
                cookie.fate_in(CookieProfile::Corpus, engine, &page, &url, credentials, SetBy::ItsOwnSite);
            let predicted = under_path && fate.is_sent();
            let browser = cookie_seen(snapshot, index);
            assert_eq!(
                browser,
                predicted,
                "{engine}: {} request {}: the browser {} the held cookie `{line}`, the oracle says {}",
                scenario.name,
                index + 1,
                if browser { "sent" } else { "did not send" },
                if under_path { format!("{fate:?}") } else { "outside its Path".to_owned() },
            );
            compared.push(Compared {
                name: scenario.name.clone(),
                request: index + 1,
                browser,
                oracle: if under_path {
                    format!("held, {fate:?}")
                } else {
                    "held, outside its Path".to_owned()
                },
            });
        }
    }
    compared
}

fn agreement(engine: Engine) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let origins = origins();
    let mut compared = Vec::new();
    for path in corsproof_scenario::discover(&[root.join("scenarios/credentials")]) {
        let file = corsproof_scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
        for scenario in &file.scenarios {
            let snapshot_file = SnapshotFile::find(&path, scenario, engine).unwrap_or_else(|e| panic!("{e}"));
            let body = snapshot_file.stored().unwrap_or_else(|| panic!("{}: no snapshot", scenario.name));
            let snapshot: Value = serde_norway::from_str(body.as_str()).expect("a snapshot is YAML");
            compared.extend(compare(engine, scenario, &snapshot, &origins));
            compared.extend(compare_held(engine, scenario, &snapshot, &origins));
        }
    }
    let sent = compared.iter().filter(|c| c.browser).count();
    eprintln!(
        "{engine}: {} cookie fates agree ({sent} sent, {} kept home):",
        compared.len(),
        compared.len() - sent
    );
    for c in &compared {
        eprintln!("  {} request {}: {}", c.name, c.request, c.oracle);
    }
    // Every rule the checker relies on must have been seen both ways somewhere.
    assert!(compared.len() >= 15 && sent > 0 && sent < compared.len(), "too few cookie scenarios compared");
}

#[test]
fn the_cookie_rules_predict_every_chromium_snapshot() {
    agreement(Engine::Chromium);
}

#[test]
fn the_cookie_rules_predict_every_firefox_snapshot() {
    agreement(Engine::Firefox);
}

#[test]
fn the_cookie_rules_predict_every_webkit_snapshot() {
    agreement(Engine::WebKit);
}
