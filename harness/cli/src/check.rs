//! `corsproof check`: diagnose a live URL the way a browser would, with the fix.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::output;
use anyhow::{Context, bail};
use clap::Args;
use corsproof::{
    AddressSpace, Checked, Checker, Engine, Failure, LocalNetworkPermission, Policy, Probe, Report,
    VerifyConfig, private_network_preflight, verify,
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
    /// origins and from attacker origins, methods, headers and credentials, generated and seeded.
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
    /// Where the page is served from, for Local Network Access: public (the internet), local
    /// (your private network) or loopback (this machine). Without it only a page origin whose
    /// host is an IP address or localhost is judged.
    #[arg(long, value_name = "SPACE")]
    page_space: Option<AddressSpace>,
    /// The user granted the page the local/loopback network permission (Chromium and Firefox
    /// ask before a public page reaches a more private address).
    #[arg(long)]
    local_network_granted: bool,
}

/// 0 when the browser would let the page read the response, 1 when not, 2 when the check could
/// not be made (no connection, bad arguments).
pub async fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let mut builder = Checker::builder()
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
        let pem = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
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
            bail!("-H {header:?}: expected `Name: value`");
        };
        probe = probe.header(name.trim(), value.trim());
    }
    if let Some(body) = &args.data {
        probe = probe.body(body);
    }
    let checked = checker.check(&probe).await?;
    if args.json {
        output::print(&format!("{}\n", serde_json::to_string_pretty(&as_json(&checked))?))?;
    } else {
        output::print(&checked.to_string())?;
    }
    Ok(if checked.is_allowed() {
        ExitCode::SUCCESS
    } else if checked.connection_error().is_some() {
        ExitCode::from(2)
    } else {
        ExitCode::from(1)
    })
}

/// `--policy FILE`: 0 when the server honours it, 1 when not, 2 when it could not be verified.
async fn verify_policy(path: &PathBuf, args: &CheckArgs, checker: Checker) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let policy = Policy::from_toml(&text).map_err(|error| {
        anyhow::anyhow!("{}:{}:{}: {}", path.display(), error.line, error.column, error.message)
    })?;
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
    Ok(match &report.failure {
        Some(Failure::NoAnswer(_) | Failure::Unusable(_)) => ExitCode::from(2),
        _ if report.passed() && private_network.is_none() => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    })
}

fn report_json(report: &Report) -> Value {
    let failure = report.failure.as_ref().map(|failure| match failure {
        Failure::Disagrees { disagreement, checked, shrink_steps } => json!({
            "kind": "disagrees",
            "disagreement": disagreement.to_string(),
            "shrink_steps": shrink_steps,
            "check": as_json(checked),
        }),
        Failure::NoAnswer(checked) => json!({ "kind": "no-answer", "check": as_json(checked) }),
        Failure::Unusable(why) => json!({ "kind": "unusable", "why": why }),
    });
    json!({
        "url": report.url,
        "passed": report.passed(),
        "cases": report.cases,
        "seed": report.seed,
        "elapsed_ms": report.elapsed.as_millis(),
        "failure": failure,
        "findings": report.findings.iter().map(|finding| json!({
            "severity": format!("{:?}", finding.severity()).to_lowercase(),
            "url": finding.url(),
            "text": finding.to_string(),
        })).collect::<Vec<_>>(),
    })
}

fn as_json(checked: &Checked) -> Value {
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
    let fix = checked.block().map(|block| {
        let fix = block.fix();
        json!({
            "summary": fix.summary,
            "headers": fix.headers.iter().map(|h| json!({
                "name": h.name, "value": h.value, "preflight_only": h.preflight_only,
            })).collect::<Vec<_>>(),
            "express": fix.express,
            "nginx": fix.nginx,
            "django": fix.django,
            "tower_http": fix.tower_http,
        })
    });
    json!({
        "url": checked.probe().url(),
        "origin": checked.probe().page_origin(),
        "method": checked.probe().method_name(),
        "credentials": checked.probe().is_credentialed(),
        "allowed": checked.is_allowed(),
        "summary": checked.summary(),
        "console": checked.console_message(),
        "connection_error": checked.connection_error().map(ToString::to_string),
        "exchanges": exchanges,
        "fix": fix,
    })
}
