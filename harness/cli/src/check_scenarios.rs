//! `corsproof check-scenarios`: the scenario files under the given paths loaded, validated and
//! planned exactly as `run` lists and plans them, with no browser, no driver and no mock server,
//! so that an editor, a pre-commit hook or CI finds a broken file in milliseconds.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use corsproof_behaviour::{Listener, NamedOrigin};
use corsproof_runner::Listing;
use corsproof_runner::page::PageOrigin;
use corsproof_runner::plan::Planner;

use crate::output;

/// `corsproof check-scenarios`.
#[derive(Debug, Args)]
pub struct CheckScenariosArgs {
    /// Scenario files or folders (searched for `*.toml`).
    #[arg(default_value = "scenarios")]
    paths: Vec<PathBuf>,
    /// Check as if the pages named NAME were at ORIGIN (`app=https://app.example.com`), as
    /// `run --page` loads them; repeatable, and over `[pages]` in corsproof.toml.
    #[arg(long = "page", value_name = "NAME=ORIGIN", value_parser = PageOrigin::parse_flag)]
    pages: Vec<PageOrigin>,
}

/// The mock origins the plan is made on: the run's table, at stand-in ports, since no server
/// listens. A plan's errors never depend on the ports.
fn stand_in_origins() -> Vec<NamedOrigin> {
    NamedOrigin::table(|listener| match listener {
        Listener::HttpA => 8001,
        Listener::HttpB => 8002,
        Listener::Https => 8443,
    })
}

/// What was found wrong, as the lines to print and how many problems they tell.
#[derive(Default)]
struct Problems {
    lines: Vec<String>,
    count: usize,
    /// The files with at least one problem.
    files: Vec<PathBuf>,
}

impl Problems {
    fn add(&mut self, file: &std::path::Path, text: String, count: usize) {
        self.lines.push(text);
        self.count += count;
        if !self.files.iter().any(|known| known == file) {
            self.files.push(file.to_path_buf());
        }
    }
}

/// The page origins `run` would use for `paths`; a project file that cannot be read, or two
/// projects placing one page at two origins, is a problem of that file.
fn page_origins(args: &CheckScenariosArgs, problems: &mut Problems) -> Vec<PageOrigin> {
    let (pages, found) = corsproof_runner::pages_of(&args.paths, &args.pages);
    for problem in found {
        problems.add(problem.file(), problem.to_string(), 1);
    }
    pages
}

/// Loads, validates and plans every scenario under the paths and prints each problem located,
/// then one summary line. Exit 0 when there is none, 1 when there is, 2 when a path does not
/// exist or the paths hold no scenario file (the arguments are wrong, not a file).
pub fn run(args: CheckScenariosArgs) -> anyhow::Result<ExitCode> {
    if let Some(missing) = args.paths.iter().find(|path| !path.exists()) {
        anyhow::bail!("{}: there is no such file or folder", missing.display());
    }
    let color = output::color();
    let mut problems = Problems::default();
    let pages = page_origins(&args, &mut problems);
    let listing = Listing::load_with_pages(&args.paths, None, &pages);
    if listing.files.is_empty() && listing.load_errors.is_empty() {
        let paths: Vec<String> = args.paths.iter().map(|path| path.display().to_string()).collect();
        anyhow::bail!("no scenario file (`*.toml`) in {}", paths.join(", "));
    }
    for error in &listing.load_errors {
        problems.add(error.path(), error.render(color), error.diagnostics().len());
    }
    let origins = stand_in_origins();
    let planner = Planner {
        origins: &origins,
        pages: &pages,
        target: None,
        run_id: "check".to_owned(),
        timeout: Duration::from_secs(5),
    };
    for (index, job) in listing.jobs.iter().enumerate() {
        if let Err(error) = planner.plan(&job.scenario, index) {
            let text = format!(
                "{}:{}:1: scenario `{}`: {error}\n",
                job.file.display(),
                job.scenario.line,
                job.scenario.name
            );
            problems.add(&job.file, text, 1);
        }
    }
    let files = listing.files.len() + listing.load_errors.len();
    let scenarios = listing.jobs.len();
    let mut out = String::new();
    for line in &problems.lines {
        out.push_str(line);
        if !line.ends_with('\n') {
            out.push('\n');
        }
    }
    let counted = |count: usize, one: &str, many: &str| {
        if count == 1 { format!("1 {one}") } else { format!("{count} {many}") }
    };
    let summary =
        format!("{}, {}", counted(files, "file", "files"), counted(scenarios, "scenario", "scenarios"));
    if problems.count == 0 {
        out.push_str(&format!("{summary}: ok\n"));
    } else {
        out.push_str(&format!(
            "{summary}: {} in {}\n",
            counted(problems.count, "error", "errors"),
            counted(problems.files.len(), "file", "files")
        ));
    }
    output::print(&out)?;
    Ok(if problems.count == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
