//! `corsproof`: test CORS the way a browser does.

mod check;
mod check_scenarios;
mod explain;
mod har_file;
mod install;
mod output;
mod prove;
mod review;
mod scan;
mod scenarios;
mod serve;
mod stop;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The mock server allocates a little per request on two threads; glibc's allocator spends a
/// sixth of the serving time on that (cross-thread frees), mimalloc a fraction of it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Test CORS the way a browser does: mock origins, real browsers, a spec oracle.
#[derive(Debug, Parser)]
#[command(name = "corsproof", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run scenario files in a real browser; exit 0 when every expectation and snapshot holds.
    /// Ctrl-C (exit 130) or SIGTERM (143) stops the browsers and writes the reports of what
    /// finished.
    Run(scenarios::RunArgs),
    /// Load, validate and plan scenario files as `run` does, without a browser or a server:
    /// every problem located, then a summary. Exit 0 when all is well, 1 when a file has an
    /// error, 2 when a path does not exist or holds no scenario file.
    CheckScenarios(check_scenarios::CheckScenariosArgs),
    /// Run scenario files and write their snapshots, listing those that changed. Ctrl-C (exit
    /// 130) or SIGTERM (143) stops the browsers and keeps the snapshots of what finished.
    Record(scenarios::RecordArgs),
    /// Review the pending snapshots (`.snap.new`) a run left beside the snapshots, each with
    /// its diff: one by one on a terminal, or all at once with --accept or --reject. Exit 0
    /// when reviewed or nothing is pending, 1 when they are only listed (not on a terminal).
    Review(review::ReviewArgs),
    /// Serve the mock origins until Ctrl-C or SIGTERM.
    Serve(serve::ServeArgs),
    /// Diagnose a live URL the way a browser would: the exchanges, the verdict and the fix.
    /// Exit 0 when the browser would allow it, 1 when not, 2 when it could not be checked.
    Check(check::CheckArgs),
    /// Scan a whole API, from a URL list or an OpenAPI document: every endpoint probed from the
    /// policy's origins and every attacker class, the findings deduplicated across endpoints and
    /// ranked. Exit 0 when nothing was found, 1 when something was, 2 when nothing could be
    /// judged, 130 when stopped by Ctrl-C, 143 by SIGTERM.
    Scan(scan::ScanArgs),
    /// Explain a HAR file saved from a browser's Network tab: each cross-origin fetch, what the
    /// browser did and why, and the fix. Exit 0 when nothing was blocked, 1 when something was, 2
    /// when the file is not a HAR.
    Explain(explain::ExplainArgs),
    /// Install the browsers and WebDriver drivers the engines need, where missing: Debian
    /// packages with apt-get, geckodriver with `cargo install --locked`; then print their
    /// versions. Exit 0 when everything is installed, 1 when not.
    InstallBrowsers(install::InstallArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CORSPROOF_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("corsproof: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Run(args) => scenarios::run(args).await,
            Command::CheckScenarios(args) => check_scenarios::run(args),
            Command::Record(args) => scenarios::record(args).await,
            Command::Review(args) => review::run(args),
            Command::Serve(args) => serve::run(args).await,
            Command::Check(args) => check::run(args).await,
            Command::Scan(args) => scan::run(args).await,
            Command::Explain(args) => explain::run(args),
            Command::InstallBrowsers(args) => Ok(install::run(args)),
        }
    });
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("corsproof: {error:#}");
            ExitCode::from(2)
        }
    }
}
