//! `corsproof scan`: a whole API, from a URL list or an OpenAPI document, with the policies by
//! path; findings deduplicated across endpoints, reported on the terminal, as JSON, JUnit,
//! SARIF and Markdown.

mod json;
mod junit;
mod markdown;
mod progress;
mod sarif;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use corsproof::scan::{Endpoint, ScanConfig, ScanReport, endpoints_from_openapi, read_url_list, scan_until};
use corsproof::{Checker, Engine, FixFor, PolicySet};

use crate::output;
use crate::stop::stop_signal;

/// `corsproof scan (--urls FILE | --openapi FILE) [--policy FILE] ...`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The endpoints: one URL per line, or `METHOD URL`; blank lines and `#` comments ignored.
    #[arg(long, value_name = "FILE", required_unless_present = "openapi", conflicts_with = "openapi")]
    urls: Option<PathBuf>,
    /// The endpoints: every path and method of this OpenAPI 3.0 or 3.1 document (YAML or JSON).
    #[arg(long, value_name = "FILE")]
    openapi: Option<PathBuf>,
    /// With --openapi: the URL its paths are relative to, instead of the document's `servers`
    /// (a relative server URL such as `/v1` is resolved against it).
    #[arg(long, value_name = "URL", requires = "openapi")]
    base: Option<String>,
    /// The CORS policy the API should honour (TOML): one for every path, or several in
    /// `[[policy]]` tables keyed by `paths` patterns. Without it, every endpoint is asked
    /// whether another site can read a signed-in user's answers.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// How many requests are in flight at once.
    #[arg(long, value_name = "N", default_value_t = ScanConfig::DEFAULT_CONCURRENCY as u16, value_parser = clap::value_parser!(u16).range(1..=4096))]
    concurrency: u16,
    /// At most this many requests a second (preflights included).
    #[arg(long, value_name = "N")]
    rps: Option<f64>,
    /// How long one exchange may take before the endpoint counts as not answering.
    #[arg(long, value_name = "MS", default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    timeout_ms: u64,
    /// How many probes shrinking may send for every finding together.
    #[arg(long, value_name = "N", default_value_t = 64)]
    shrink_steps: u32,
    /// Judge as this engine: chromium, firefox or webkit.
    #[arg(long, default_value = "chromium")]
    engine: Engine,
    /// Show each fix as this server's configuration (express, nginx, django, tower-http,
    /// fastapi, flask, koa, fastify, apache, caddy), or `all`; by default the framework the
    /// answers' headers show, if any.
    #[arg(long, value_name = "NAME|all")]
    fix_for: Option<FixFor>,
    /// Also trust this CA certificate (PEM), like `curl --cacert`.
    #[arg(long, value_name = "FILE")]
    cacert: Option<PathBuf>,
    /// Accept any TLS certificate, like `curl -k`.
    #[arg(long, short = 'k')]
    insecure: bool,
    /// The report as JSON on stdout instead of the summary.
    #[arg(long)]
    json: bool,
    /// Also write the report as JUnit XML: one test case per endpoint.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Also write the findings as SARIF 2.1.0, for GitHub code scanning and security dashboards.
    #[arg(long, value_name = "FILE")]
    sarif: Option<PathBuf>,
    /// Also write the findings as Markdown, for a pull request comment.
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
}

/// The report files asked for, each created before the scan so that a bad path fails at once.
struct Outputs {
    junit: Option<Output>,
    sarif: Option<Output>,
    markdown: Option<Output>,
}

/// A report file: the option that asked for it, its path, the file created.
type Output = (&'static str, PathBuf, File);

fn create(path: &Option<PathBuf>, option: &'static str) -> anyhow::Result<Option<Output>> {
    path.as_ref()
        .map(|path| {
            File::create(path)
                .map(|file| (option, path.clone(), file))
                .map_err(|error| output::cannot_write(option, path, &error))
        })
        .transpose()
}

/// Where the endpoints came from, for the reports' locations.
pub(crate) struct Input {
    /// The file, as the user named it.
    pub file: String,
}

/// 0 when nothing at low severity or above was found, 1 when something was, 2 when nothing
/// could be judged (bad input, no endpoint answered), 130 at Ctrl-C and 143 at SIGTERM (the
/// report of what was found so far is printed and written all the same).
pub async fn run(args: ScanArgs) -> anyhow::Result<ExitCode> {
    let policies = match &args.policy {
        Some(path) => {
            let text = read(path)?;
            PolicySet::from_toml(&text).map_err(|error| {
                anyhow::anyhow!("{}:{}:{}: {}", path.display(), error.line, error.column, error.message)
            })?
        }
        None => PolicySet::new(),
    };
    let (input, endpoints) = endpoints(&args)?;
    let outputs = Outputs {
        junit: create(&args.junit, "--junit")?,
        sarif: create(&args.sarif, "--sarif")?,
        markdown: create(&args.markdown, "--markdown")?,
    };
    let mut builder = Checker::builder()
        .engine(args.engine)
        .fix_for(args.fix_for.unwrap_or_default())
        .insecure(args.insecure)
        .timeout(Duration::from_millis(args.timeout_ms));
    if let Some(rps) = args.rps {
        if !(rps.is_finite() && rps > 0.0) {
            bail!("--rps {rps}: give a number of requests a second above 0");
        }
        builder = builder.max_requests_per_second(rps);
    }
    if let Some(path) = &args.cacert {
        let pem = read(path)?;
        builder = builder
            .trust_pem(&pem)
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("--cacert {}", path.display()))?;
    }
    let config = ScanConfig::default()
        .checker(builder.build())
        .policies(policies)
        .concurrency(usize::from(args.concurrency))
        .max_shrink_steps(args.shrink_steps);
    let mut progress = progress::Progress::new();
    let stopped = std::cell::Cell::new(None);
    let signal = stop_signal();
    let interrupted = async { stopped.set(Some(signal.await)) };
    let report = scan_until(endpoints, &config, |event| progress.show(event), interrupted).await;
    progress.finish();
    write_reports(&report, &input, outputs)?;
    if args.json {
        output::print(&format!("{}\n", serde_json::to_string_pretty(&json::report(&report))?))?;
    } else {
        output::print(&report.to_string())?;
    }
    Ok(if let Some(stop) = stopped.get() {
        stop.exit_code()
    } else if !report.judged_anything() {
        ExitCode::from(2)
    } else if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn read(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).map_err(|error| output::cannot_read(path, &error))?;
    String::from_utf8(bytes).map_err(|error| {
        let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
        let text = String::from_utf8_lossy(valid);
        let line = text.matches('\n').count() + 1;
        let column = text.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        anyhow::anyhow!("{}:{line}:{column}: not UTF-8 text (expected a text file)", path.display())
    })
}

/// The endpoints of `--urls` or `--openapi`, and the file they came from.
fn endpoints(args: &ScanArgs) -> anyhow::Result<(Input, Vec<Endpoint>)> {
    if let Some(path) = &args.urls {
        let text = read(path)?;
        let file = path.display().to_string();
        let endpoints = read_url_list(&file, &text)
            .map_err(|errors| anyhow::anyhow!("{}", errors.render(&file).trim_end()))?;
        return Ok((Input { file }, endpoints));
    }
    let Some(path) = &args.openapi else { bail!("give the endpoints with --urls FILE or --openapi FILE") };
    let text = read(path)?;
    let file = path.display().to_string();
    let api = corsproof_openapi::read(&text)
        .map_err(|errors| anyhow::anyhow!("{}", errors.render(&file, &text).trim_end()))?;
    let endpoints =
        endpoints_from_openapi(&api, &file, args.base.as_deref()).map_err(|error| match error.line {
            0 => anyhow::anyhow!("{file}: {}", error.message),
            line => anyhow::anyhow!("{file}:{line}: {}", error.message),
        })?;
    if endpoints.is_empty() {
        bail!(
            "{file}: the document has no operation a page can call (no `paths`, or only OPTIONS and TRACE)"
        );
    }
    if let Some(base) = &args.base {
        check_base(base)?;
    }
    Ok((Input { file }, endpoints))
}

/// `--base` is an absolute http(s) URL.
fn check_base(base: &str) -> anyhow::Result<()> {
    let uri: http::Uri = base
        .parse()
        .map_err(|_| anyhow::anyhow!("--base {base}: not a URL (expected http://host[:port][/path])"))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
        bail!("--base {base}: expected an absolute http:// or https:// URL");
    }
    Ok(())
}

/// Writes the report files asked for.
fn write_reports(report: &ScanReport, input: &Input, outputs: Outputs) -> anyhow::Result<()> {
    use std::io::Write;
    let write = |file: Option<Output>, text: String| -> anyhow::Result<()> {
        if let Some((option, path, mut file)) = file {
            file.write_all(text.as_bytes()).map_err(|error| output::cannot_write(option, &path, &error))?;
        }
        Ok(())
    };
    write(outputs.junit, junit::report(report))?;
    write(outputs.sarif, format!("{}\n", serde_json::to_string_pretty(&sarif::report(report, input))?))?;
    write(outputs.markdown, markdown::report(report))?;
    Ok(())
}
