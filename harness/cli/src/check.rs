//! `corsproof check`: diagnose a live URL the way a browser would, with the fix.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::output;
use crate::prove;
use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use corsproof::{
    AddressSpace, Checked, Checker, CookieFate, Counterexample, Engine, Failure, FixFor, Framework,
    LocalNetworkPermission, PolicySet, Probe, Report, SAFELISTED_METHODS, VerifyConfig, check_url,
    private_network_preflight, verify,
};
use serde_json::{Value, json};

/// `corsproof check URL --origin ORIGIN ...`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The URL the page fetches.
    url: String,
    /// The page's origin (`https://app.example`, or `null` for a sandboxed page).
    #[arg(long, required_unless_present = "policy")]
    origin: Option<String>,
    /// Verify the policy in this TOML file instead of one request: requests from its allowed
    /// origins and from attacker origins, methods, headers and credentials, generated and seeded;
    /// every distinct failure is reported, shrunk and ranked by severity.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["origin", "method", "headers", "data", "credentials"])]
    policy: Option<PathBuf>,
    /// With --policy: how many requests to generate.
    #[arg(long, value_name = "N", requires = "policy")]
    cases: Option<u32>,
    /// With --policy: the seed that generates them.
    #[arg(long, value_name = "N", requires = "policy")]
    seed: Option<u64>,
    /// The method, sent as written.
    #[arg(long, short = 'X', default_value = "GET")]
    method: String,
    /// A header the page sets, `Name: value`; repeat for several.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// A text body, as `fetch(url, { body })` sends it.
    #[arg(long, short = 'd', value_name = "BODY")]
    data: Option<String>,
    /// `credentials: 'include'`.
    #[arg(long)]
    credentials: bool,
    /// A cookie the user's browser holds, as its `Set-Cookie` line gave it
    /// (`session=1; SameSite=None; Secure`); repeat for several. Sent on the actual request only
    /// where the browser would send it; the report says whether it was, and why not.
    #[arg(long = "cookie", value_name = "NAME=VALUE[; ATTRIBUTES]")]
    cookies: Vec<String>,
    /// Judge as this engine: chromium, firefox or webkit.
    #[arg(long, default_value = "chromium")]
    engine: Engine,
    /// Also trust this CA certificate (PEM), like `curl --cacert`.
    #[arg(long, value_name = "FILE")]
    cacert: Option<PathBuf>,
    /// Accept any TLS certificate, like `curl -k`.
    #[arg(long, short = 'k')]
    insecure: bool,
    /// Connect to HOST at ADDRESS instead of resolving it, like `curl --resolve` (without a port).
    #[arg(long, value_name = "HOST:ADDRESS")]
    resolve: Vec<String>,
    /// How long one exchange may take.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    timeout_ms: u64,
    /// The report as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// When the browser would block the request, replay it in real browsers from a page at
    /// --origin against a mock origin answering as your server did and then with the fix's
    /// headers, and say in which engines the fix was seen to work: every engine, or the ones
    /// listed (`--prove chromium,firefox`).
    #[arg(long, value_name = "ENGINES", num_args = 0..=1, default_missing_value = "all", conflicts_with = "policy")]
    prove: Option<String>,
    /// A CI gate: exit 0 when the browser does what you expect (`blocked`: the page of this
    /// origin cannot read the answer, so "the attacker is blocked" passes), 1 when not, 2 when
    /// nothing answered.
    #[arg(long, value_enum, value_name = "allowed|blocked", conflicts_with = "policy")]
    expect: Option<Expectation>,
    /// Show the fix as this server's configuration (express, nginx, django, tower-http,
    /// fastapi, flask, koa, fastify, apache, caddy), or `all`; by default the framework the
    /// answer's headers show, if any.
    #[arg(long, value_name = "NAME|all")]
    fix_for: Option<FixFor>,
    /// Where the page is served from, for Local Network Access: public (the internet), local
    /// (your private network) or loopback (this machine). Without it only a page origin whose
    /// host is an IP address or localhost is judged.
    #[arg(long, value_name = "SPACE")]
    page_space: Option<AddressSpace>,
    /// The user granted the page the local/loopback network permission (Chromium and Firefox
    /// ask before a public page reaches a more private address).
    #[arg(long)]
    local_network_granted: bool,
    /// Also write the exchanges as a HAR 1.2 file the browsers' developer tools open: the
    /// preflight, the actual request and each redirect hop, as sent and answered, each with the
    /// verdict in `_corsproof`.
    #[arg(long, value_name = "FILE", conflicts_with = "policy")]
    har: Option<PathBuf>,
}

/// What `--expect` says the browser should do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Expectation {
    /// The page reads the response.
    Allowed,
    /// The page does not get the response (a CORS block or another network error).
    Blocked,
}

impl Expectation {
    fn name(self) -> &'static str {
        match self {
            Expectation::Allowed => "allowed",
            Expectation::Blocked => "blocked",
        }
    }

    /// Whether the browser did what was expected; `None` when nothing answered.
    fn met_by(self, checked: &Checked) -> Option<bool> {
        if checked.connection_error().is_some() {
            return None;
        }
        Some(checked.is_allowed() == (self == Expectation::Allowed))
    }

    /// The line a CI log shows: what was expected, what happened.
    fn outcome_line(self, checked: &Checked) -> String {
        let expected = self.name();
        let happened = if checked.is_allowed() {
            "a browser lets the page read the response"
        } else {
            "a browser does not let the page read the response"
        };
        match self.met_by(checked) {
            Some(true) => format!("expected {expected}: {happened}: ok\n"),
            Some(false) => format!("expected {expected}, but {happened}: FAILED\n"),
            None => format!("expected {expected}, but the server did not answer: nothing could be judged\n"),
        }
    }
}

/// 0 when the browser would let the page read the response (with `--expect`: when it does what
/// was expected), 1 when not, 2 when the check could not be made (no connection, bad arguments).
pub async fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    // A URL that cannot be fetched is a bad argument (exit 2), said before anything is sent; a
    // relative one would otherwise be fetched from the page's own origin, as fetch() does.
    check_url(&args.url)?;
    let mut builder = Checker::builder()
        .fix_for(args.fix_for.unwrap_or_default())
        .engine(args.engine)
        .insecure(args.insecure)
        .timeout(Duration::from_millis(args.timeout_ms));
    if let Some(space) = args.page_space {
        builder = builder.page_space(space);
    }
    if args.local_network_granted {
        builder = builder.local_network_permission(LocalNetworkPermission::Granted);
    }
    if let Some(path) = &args.cacert {
        let pem = std::fs::read_to_string(path).map_err(|error| crate::output::cannot_read(path, &error))?;
        builder = builder
            .trust_pem(&pem)
            .map_err(anyhow::Error::msg)
            .with_context(|| path.display().to_string())?;
    }
    for entry in &args.resolve {
        let Some((host, address)) = entry.rsplit_once(':').filter(|(host, _)| !host.is_empty()) else {
            bail!("--resolve {entry}: expected HOST:ADDRESS");
        };
        let address: IpAddr =
            address.trim_matches(['[', ']']).parse().with_context(|| format!("--resolve {entry}"))?;
        builder = builder.resolve(host, address);
    }
    let checker = builder.build();
    if let Some(path) = &args.policy {
        return verify_policy(path, &args, checker).await;
    }
    let origin = args.origin.as_deref().unwrap_or_default();
    let mut probe = Probe::new(&args.url).origin(origin).method(&args.method).credentials(args.credentials);
    for header in &args.headers {
        let Some((name, value)) = header.split_once(':') else {
            bail!("-H '{header}': expected `Name: value`");
        };
        if name.trim().eq_ignore_ascii_case("cookie") {
            bail!(
                "-H '{header}': a page cannot set `Cookie` (fetch drops it); the browser sends the cookies it \
                 holds. Give each with --cookie '{}', and --credentials for another origin",
                value.trim()
            );
        }
        probe = probe.header(name.trim(), value.trim());
    }
    for cookie in &args.cookies {
        probe = probe.cookie(cookie);
    }
    if let Some(body) = &args.data {
        probe = probe.body(body);
    }
    let checked = checker.check(&probe).await?;
    if let Some(path) = &args.har {
        crate::har_file::write(path, &checked.to_har())?;
    }
    let engines = args.prove.as_deref().map(prove_engines).transpose()?;
    if args.json {
        let mut report = as_json(&checked);
        if let Some(engines) = &engines {
            report["prove"] = match prove::prove(&checked, engines).await {
                Ok(proof) => proof.to_json(),
                Err(why) => json!({ "not_replayed": why.to_string() }),
            };
        }
        if let Some(expectation) = args.expect {
            report["expected"] = json!(expectation.name());
            report["as_expected"] = json!(expectation.met_by(&checked));
        }
        output::print(&format!("{}\n", serde_json::to_string_pretty(&report)?))?;
    } else {
        output::print(&checked.to_string())?;
        if let Some(engines) = &engines {
            match prove::prove(&checked, engines).await {
                Ok(proof) => output::print(&proof.to_string())?,
                Err(why) => output::print(&format!("\nnot proven: {why}\n"))?,
            }
        }
        if let Some(expectation) = args.expect {
            output::print(&format!("\n{}", expectation.outcome_line(&checked)))?;
        }
    }
    if let Some(expectation) = args.expect {
        return Ok(match expectation.met_by(&checked) {
            Some(true) => ExitCode::SUCCESS,
            Some(false) => ExitCode::from(1),
            None => ExitCode::from(2),
        });
    }
    Ok(if checked.is_allowed() {
        ExitCode::SUCCESS
    } else if checked.connection_error().is_some() {
        ExitCode::from(2)
    } else {
        ExitCode::from(1)
    })
}

/// The engines `--prove` names: `all`, or a comma-separated list.
fn prove_engines(text: &str) -> anyhow::Result<Vec<Engine>> {
    if text == "all" {
        return Ok(Engine::ALL.to_vec());
    }
    text.split(',')
        .map(|name| {
            name.trim().parse::<Engine>().map_err(|_| {
                anyhow::anyhow!(
                    "--prove {text}: `{name}` is not an engine (chromium, firefox, webkit, or all)"
                )
            })
        })
        .collect()
}

/// `--policy FILE`: 0 when the server honours it, 1 when not, 2 when it could not be verified.
async fn verify_policy(path: &PathBuf, args: &CheckArgs, checker: Checker) -> anyhow::Result<ExitCode> {
    if !args.cookies.is_empty() {
        bail!(
            "--cookie is for one request; with --policy, write the cookies in the policy file: cookie = [\"session=1; SameSite=None; Secure\"]"
        );
    }
    let text = std::fs::read_to_string(path).map_err(|error| crate::output::cannot_read(path, &error))?;
    let policies = PolicySet::from_toml(&text).map_err(|error| {
        anyhow::anyhow!("{}:{}:{}: {}", path.display(), error.line, error.column, error.message)
    })?;
    // A file of policies by path: the one whose paths match the URL's, as `scan` picks it.
    let Some(entry) = policies.for_url(&args.url) else {
        bail!(
            "{}: no policy's `paths` match {}; add it to a `[[policy]]` table's `paths`",
            path.display(),
            args.url
        );
    };
    let policy = entry.policy.clone();
    let private_network = private_network_preflight(&checker, &args.url).await.ok().flatten();
    let mut config = VerifyConfig::default().checker(checker);
    if let Some(cases) = args.cases {
        config = config.cases(cases);
    }
    if let Some(seed) = args.seed {
        config = config.seed(seed);
    }
    let report = verify(&policy, &args.url, &config).await;
    if args.json {
        let mut json = report_json(&report);
        json["private_network"] = json!(private_network.as_ref().map(ToString::to_string));
        output::print(&format!("{}\n", serde_json::to_string_pretty(&json)?))?;
    } else {
        output::print(&report.to_string())?;
        if let Some(finding) = &private_network {
            output::print(&format!("\nproblem: {finding}\n"))?;
        }
    }
    let unjudged = report.failures.iter().any(|failure| failure.severity().is_none());
    Ok(if unjudged {
        ExitCode::from(2)
    } else if report.passed() && private_network.is_none() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The verification as JSON: `failures` most severe first, each root cause with its severity,
/// count and shrunk check; `findings` on the same severity scale.
fn report_json(report: &Report) -> Value {
    let failures: Vec<Value> = report
        .failures
        .iter()
        .map(|failure| match failure {
            Failure::Disagrees(counterexample) => counterexample_json(counterexample),
            Failure::NoAnswer(checked) => json!({ "kind": "no-answer", "check": as_json(checked) }),
            Failure::Unusable(why) => json!({ "kind": "unusable", "why": why }),
        })
        .collect();
    json!({
        "url": report.url,
        "passed": report.passed(),
        "cases": report.cases,
        "seed": report.seed,
        "elapsed_ms": report.elapsed.as_millis(),
        "safelisted_methods": SAFELISTED_METHODS,
        "safelisted_methods_not_listed": report.safelisted_methods_not_listed,
        "failures": failures,
        "findings": report.findings.iter().map(|finding| json!({
            "severity": finding.severity().name(),
            "url": finding.url(),
            "text": finding.to_string(),
        })).collect::<Vec<_>>(),
    })
}

pub(crate) fn counterexample_json(counterexample: &Counterexample) -> Value {
    json!({
        "kind": "disagrees",
        "severity": counterexample.severity.name(),
        "cause": counterexample.cause.name(),
        "about": counterexample.cause.to_string(),
        "count": counterexample.count,
        "urls": counterexample.urls,
        "seen_with": counterexample.seen_with,
        "disagreement": counterexample.disagreement.to_string(),
        "shrink_steps": counterexample.shrink_steps,
        "check": as_json(&counterexample.checked),
    })
}

pub(crate) fn as_json(checked: &Checked) -> Value {
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let exchanges: Vec<Value> = checked
        .hops()
        .iter()
        .map(|hop| {
            let request = json!({
                "kind": if hop.is_preflight() { "preflight" } else { "actual" },
                "method": hop.sent.method.as_str(),
                "url": &*hop.sent.url,
                "headers": hop.headers.iter().map(|(n, v)| json!([text(n), text(v)])).collect::<Vec<_>>(),
            });
            let response = match &hop.received {
                Ok(received) => json!({
                    "status": received.status,
                    "version": received.version,
                    "headers": received.headers.iter().map(|(n, v)| json!([n, text(v)])).collect::<Vec<_>>(),
                }),
                Err(error) => json!({ "error": error.to_string() }),
            };
            json!({ "request": request, "response": response })
        })
        .collect();
    let fix = checked.fix().map(|fix| {
        json!({
            "summary": fix.summary,
            "origin_confirmed": fix.origin_trust == corsproof::OriginTrust::Confirmed,
            "headers": fix.headers.iter().map(|h| json!({
                "name": h.name, "value": h.value, "preflight_only": h.preflight_only,
            })).collect::<Vec<_>>(),
            "framework": checked.fix_framework().map(Framework::name),
            "snippets": Framework::ALL
                .iter()
                .map(|framework| (framework.name().to_owned(), Value::from(fix.snippet(*framework))))
                .collect::<serde_json::Map<_, _>>(),
        })
    });
    json!({
        "url": checked.probe().url(),
        "origin": checked.probe().page_origin(),
        "method": checked.probe().method_name(),
        "credentials": checked.probe().is_credentialed(),
        "cookies": checked.cookies().iter().map(|cookie| {
            let reason = match cookie.fate {
                CookieFate::NotSent(reason) => Some(reason),
                CookieFate::Sent => None,
            };
            json!({
                "cookie": cookie.cookie.to_string(),
                "name": cookie.cookie.name(),
                "sent": cookie.is_sent(),
                "reason": reason.map(|reason| reason.text()),
                "advice": reason.map(|reason| reason.advice()),
                "not_sent_if_set_on_its_own_site": cookie.from_its_own_site.map(|reason| reason.text()),
            })
        }).collect::<Vec<_>>(),
        "allowed": checked.is_allowed(),
        "summary": checked.summary(),
        "console": checked.console_message(),
        "connection_error": checked.connection_error().map(ToString::to_string),
        "diagnosis": checked.diagnosis().map(|finding| finding.to_string()),
        "exchanges": exchanges,
        "fix": fix,
    })
}
