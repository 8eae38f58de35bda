//! `corsproof install-browsers`: installs what each engine needs and is missing, from the binary
//! alone, as `ci/install-browsers` does in this repository: Debian packages with one
//! `apt-get update` and `apt-get install -y` (through `sudo` unless root), crates (geckodriver,
//! which Debian does not package) with `cargo install --locked` into Cargo's `bin` folder, each
//! with a target folder of its own. What an engine needs is its browser module's
//! [`Requirements`](corsproof_browser::Requirements); this walks them and knows no engine.
//! Idempotent: with everything present it installs nothing and prints the versions.

use std::fmt;
use std::io::{self, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, ExitStatus, Stdio};

use clap::Args;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use corsproof_browser::{Engine, Executable, Provider, SearchPath, VersionSource};

use crate::output;

/// `corsproof install-browsers`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// An engine to install the browser and driver of; repeat it for several. Without it, every
    /// engine.
    #[arg(long = "engine", value_name = "ENGINE", value_parser = engine_names())]
    engines: Vec<Engine>,
    /// Say what is present and what would be installed, and change nothing; exit 1 when
    /// something is missing.
    #[arg(long, visible_alias = "check")]
    dry_run: bool,
}

/// `--engine`'s values: each engine of [`Engine::ALL`] under its name, with its summary, as
/// `--browser` offers them.
fn engine_names() -> impl TypedValueParser<Value = Engine> {
    let names =
        Engine::ALL.map(|engine| PossibleValue::new(engine.name()).help(corsproof_browser::summary(engine)));
    PossibleValuesParser::new(names).try_map(|name| name.parse::<Engine>())
}

/// Installs what `args`' engines miss (or, with `--dry-run`, says what it would install):
/// exit 0 when everything is installed, 1 when not.
pub fn run(args: InstallArgs) -> ExitCode {
    let engines: Vec<Engine> = Engine::ALL
        .into_iter()
        .filter(|engine| args.engines.is_empty() || args.engines.contains(engine))
        .collect();
    let search = SearchPath::from_env();
    let survey = Survey::take(&engines, &search);
    let outcome = if args.dry_run { report(&survey) } else { install(&survey, &search) };
    outcome.unwrap_or_else(|error| {
        say(&format!("corsproof: {error}"));
        ExitCode::FAILURE
    })
}

/// Every executable some engines need, and where each was found.
struct Survey {
    engines: Vec<Engine>,
    found: Vec<Found>,
}

/// One executable an engine needs, and where it is installed.
struct Found {
    engine: Engine,
    executable: &'static Executable,
    path: Option<PathBuf>,
}

impl Survey {
    /// Looks for every executable `engines` need in `search`.
    fn take(engines: &[Engine], search: &SearchPath) -> Self {
        let found = engines
            .iter()
            .flat_map(|&engine| {
                corsproof_browser::requirements(engine).executables().map(move |executable| Found {
                    engine,
                    executable,
                    path: executable.find(search),
                })
            })
            .collect();
        Self { engines: engines.to_vec(), found }
    }

    /// The names of the executables not found.
    fn missing(&self) -> Vec<&'static str> {
        self.found.iter().filter(|found| found.path.is_none()).map(|found| found.executable.name).collect()
    }

    /// What provides the executables not found, each once, in order.
    fn providers(&self) -> Vec<Provider> {
        let mut providers = Vec::new();
        for found in self.found.iter().filter(|found| found.path.is_none()) {
            if !providers.contains(&found.executable.provider) {
                providers.push(found.executable.provider);
            }
        }
        providers
    }

    /// The Debian packages to install.
    fn packages(&self) -> Vec<&'static str> {
        let package = |provider| match provider {
            Provider::Debian(package) => Some(package),
            Provider::Crate(_) => None,
        };
        self.providers().into_iter().filter_map(package).collect()
    }

    /// The crates to build.
    fn crates(&self) -> Vec<&'static str> {
        let name = |provider| match provider {
            Provider::Crate(name) => Some(name),
            Provider::Debian(_) => None,
        };
        self.providers().into_iter().filter_map(name).collect()
    }

    /// Per engine, whether it is complete, and each executable with where it is or what
    /// provides it; then what would be installed.
    fn describe(&self) -> String {
        let width = self.found.iter().map(|found| found.executable.name.len()).max().unwrap_or(0);
        let mut text = String::new();
        for &engine in &self.engines {
            let found: Vec<&Found> = self.found.iter().filter(|found| found.engine == engine).collect();
            let missing: Vec<&str> = found
                .iter()
                .filter(|found| found.path.is_none())
                .map(|found| found.executable.name)
                .collect();
            if missing.is_empty() {
                text.push_str(&format!("{engine}: present\n"));
            } else {
                text.push_str(&format!("{engine}: missing {}\n", missing.join(", ")));
            }
            for found in found {
                let name = found.executable.name;
                match &found.path {
                    Some(path) => text.push_str(&format!("  {name:<width$}  {}\n", path.display())),
                    None => {
                        text.push_str(&format!("  {name:<width$}  missing ({})\n", found.executable.provider))
                    }
                }
            }
        }
        let (packages, crates) = (self.packages(), self.crates());
        if !packages.is_empty() {
            text.push_str(&format!("would install with apt-get: {}\n", packages.join(" ")));
        }
        if !crates.is_empty() {
            text.push_str(&format!("would build with cargo install --locked: {}\n", crates.join(" ")));
        }
        if packages.is_empty() && crates.is_empty() {
            text.push_str("nothing to install\n");
        }
        text
    }
}

/// `--dry-run`: says what is present and what would be installed.
fn report(survey: &Survey) -> Result<ExitCode, InstallError> {
    print(&survey.describe())?;
    Ok(if survey.missing().is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Installs what `survey` found missing, checks that it is there now, and prints each
/// executable's version.
fn install(survey: &Survey, search: &SearchPath) -> Result<ExitCode, InstallError> {
    let (packages, crates) = (survey.packages(), survey.crates());
    if !packages.is_empty() {
        install_packages(&packages, search)?;
    }
    for name in &crates {
        install_crate(name, search)?;
    }
    let installed;
    let survey = if packages.is_empty() && crates.is_empty() {
        survey
    } else {
        installed = Survey::take(&survey.engines, search);
        &installed
    };
    let missing = survey.missing();
    if !missing.is_empty() {
        return Err(InstallError::StillMissing { names: missing });
    }
    let mut versions = String::new();
    for found in &survey.found {
        if let Some(line) = version_line(found, search)? {
            versions.push_str(&line);
            versions.push('\n');
        }
    }
    print(&versions)?;
    Ok(ExitCode::SUCCESS)
}

/// `apt-get update`, then `apt-get install -y packages`, through `sudo` unless this is root.
fn install_packages(packages: &[&'static str], search: &SearchPath) -> Result<(), InstallError> {
    let apt_get = search
        .find(&["apt-get"], &[])
        .ok_or_else(|| InstallError::NoAptGet { packages: packages.to_vec() })?;
    let sudo = if is_root() {
        None
    } else {
        Some(
            search
                .find(&["sudo"], &[])
                .ok_or_else(|| InstallError::NoSudo { packages: packages.to_vec() })?,
        )
    };
    say(&format!("installing {}", packages.join(" ")));
    execute(apt(&apt_get, sudo.as_deref(), &["update", "-qq"]), ChildStdout::Stderr)?;
    let install: Vec<&str> = ["install", "-y", "-qq"].into_iter().chain(packages.iter().copied()).collect();
    execute(apt(&apt_get, sudo.as_deref(), &install), ChildStdout::Discard)
}

/// `apt-get args`, without questions, through `sudo` when given (by `env`, which no sudoers
/// policy strips the variable from).
fn apt(apt_get: &Path, sudo: Option<&Path>, args: &[&str]) -> Command {
    let mut command = match sudo {
        Some(sudo) => {
            let mut command = Command::new(sudo);
            command.args(["env", "DEBIAN_FRONTEND=noninteractive"]).arg(apt_get);
            command
        }
        None => {
            let mut command = Command::new(apt_get);
            command.env("DEBIAN_FRONTEND", "noninteractive");
            command
        }
    };
    command.args(args);
    command
}

/// `cargo install --locked name` into Cargo's `bin` folder, with a target folder of its own
/// (`$NAME_TARGET_DIR`, or `target-<name>` in the temporary folder), so that it neither
/// invalidates nor waits on a project's build.
fn install_crate(name: &'static str, search: &SearchPath) -> Result<(), InstallError> {
    let cargo = search.find(&["cargo"], &[]).ok_or(InstallError::NoCargo { name })?;
    let variable = format!("{}_TARGET_DIR", name.to_uppercase().replace('-', "_"));
    let target = std::env::var_os(variable)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join(format!("target-{name}")));
    say(&format!("building {name} from crates.io (a few minutes)"));
    let mut command = Command::new(cargo);
    command.args(["install", "--locked", "--quiet", name]).env("CARGO_TARGET_DIR", target);
    execute(command, ChildStdout::Stderr)
}

/// Where a child's standard output goes: never to ours, which carries the report.
enum ChildStdout {
    /// To our standard error, with the rest of the progress.
    Stderr,
    /// Nowhere (apt-get's installation log).
    Discard,
}

/// Runs `command` to its end.
fn execute(mut command: Command, stdout: ChildStdout) -> Result<(), InstallError> {
    let shown = shown(&command);
    let failed = |why: String| InstallError::CommandFailed { command: shown.clone(), why };
    let stdout = match stdout {
        ChildStdout::Stderr => io::stderr().as_fd().try_clone_to_owned().map(Stdio::from),
        ChildStdout::Discard => Ok(Stdio::null()),
    };
    let stdout = stdout.map_err(|error| failed(format!("could not be given an output: {error}")))?;
    match command.stdout(stdout).status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(failed(ended(status))),
        Err(error) => Err(failed(format!("could not start: {error}"))),
    }
}

/// The line printed for `found`'s version, if it has one shown.
fn version_line(found: &Found, search: &SearchPath) -> Result<Option<String>, InstallError> {
    let (Some(path), executable) = (&found.path, found.executable) else { return Ok(None) };
    match (executable.version, executable.provider) {
        (VersionSource::Unshown, _) => Ok(None),
        (VersionSource::Flag, _) => first_line_of_version(path).map(Some),
        (VersionSource::Package, Provider::Debian(package)) => {
            let version = package_version(package, search).unwrap_or_else(|| "?".to_owned());
            Ok(Some(format!("{} ({package}) {version}", executable.name)))
        }
        (VersionSource::Package, Provider::Crate(name)) => {
            Ok(Some(format!("{} ({name}) ?", executable.name)))
        }
    }
}

/// The first line `path --version` prints. Its whole output is read, so that it never writes
/// into a closed pipe (geckodriver panics on one).
fn first_line_of_version(path: &Path) -> Result<String, InstallError> {
    let no_version = |why: String| InstallError::NoVersion { executable: path.to_owned(), why };
    let output = Command::new(path)
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|error| no_version(format!("could not start: {error}")))?;
    if !output.status.success() {
        return Err(no_version(ended(output.status)));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().map(str::trim).find(|line| !line.is_empty());
    line.map(str::to_owned).ok_or_else(|| no_version("printed nothing".to_owned()))
}

/// The installed version of Debian's `package`, if dpkg knows it.
fn package_version(package: &str, search: &SearchPath) -> Option<String> {
    let dpkg_query = search.find(&["dpkg-query"], &[])?;
    let output = Command::new(dpkg_query)
        .args(["-W", "-f", "${Version}", package])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    (output.status.success() && !version.is_empty()).then_some(version)
}

/// Whether this process runs as root, which apt-get needs: `/proc/self` belongs to the
/// process's effective user.
fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|meta| meta.uid() == 0)
}

/// `command` as a person would type it.
fn shown(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|part| part.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

/// How a process that failed ended.
fn ended(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("failed with exit status {code}"),
        None => format!("was stopped ({status})"),
    }
}

/// Writes the report to standard output ([`output::print`]: a reader that stopped early is no
/// error).
fn print(text: &str) -> Result<(), InstallError> {
    output::print(text).map_err(InstallError::Stdout)
}

/// Says a line of progress on standard error, whatever became of it.
fn say(line: &str) {
    let _ = writeln!(io::stderr(), "{line}");
}

/// Why the browsers could not be installed, each with the next step.
#[derive(Debug)]
enum InstallError {
    /// Debian packages are missing, and this system has no apt-get to install them.
    NoAptGet { packages: Vec<&'static str> },
    /// Debian packages are missing, this is not root, and there is no sudo to become it.
    NoSudo { packages: Vec<&'static str> },
    /// A crate must be built, and there is no cargo.
    NoCargo { name: &'static str },
    /// apt-get or cargo could not start or failed.
    CommandFailed { command: String, why: String },
    /// An executable is still not found after its installation.
    StillMissing { names: Vec<&'static str> },
    /// An installed executable would not say its version.
    NoVersion { executable: PathBuf, why: String },
    /// The report could not be written.
    Stdout(io::Error),
}

impl fmt::Display for InstallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstallError::NoAptGet { packages } => write!(
                f,
                "apt-get was not found, and {} must be installed: install-browsers knows Debian and \
                 Ubuntu; install them with this system's package manager, or point --webdriver at \
                 a running driver",
                packages.join(" ")
            ),
            InstallError::NoSudo { packages } => write!(
                f,
                "installing {} needs root, and sudo was not found: run `corsproof install-browsers` \
                 again as root",
                packages.join(" ")
            ),
            InstallError::NoCargo { name } => write!(
                f,
                "cargo was not found, and {name} is built from crates.io: install Rust \
                 (https://rustup.rs) and run `corsproof install-browsers` again, or put a {name} \
                 executable on PATH"
            ),
            InstallError::CommandFailed { command, why } => write!(
                f,
                "`{command}` {why}: see its messages above, then run `corsproof install-browsers` \
                 again"
            ),
            InstallError::StillMissing { names } => write!(
                f,
                "{} still not found after installing: make sure its folder is on PATH (cargo \
                 installs into ~/.cargo/bin), then run `corsproof install-browsers --dry-run`",
                names.join(", ")
            ),
            InstallError::NoVersion { executable, why } => write!(
                f,
                "`{} --version` {why}: it may be broken; reinstall it (`corsproof \
                 install-browsers --dry-run` says what provides it)",
                executable.display()
            ),
            InstallError::Stdout(error) => write!(f, "cannot write the report: {error}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    /// The survey of `engines` over a fresh folder holding an executable file for each of
    /// `executables` and a file that is not executable for each of `not_executable`; the folder
    /// is removed once surveyed.
    fn survey_of_fake_installation(
        name: &str,
        engines: &[Engine],
        executables: &[&str],
        not_executable: &[&str],
    ) -> Survey {
        let dir = std::env::temp_dir().join(format!("corsproof-install-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        for (file, mode) in executables
            .iter()
            .map(|file| (file, 0o755))
            .chain(not_executable.iter().map(|file| (file, 0o644)))
        {
            let path = dir.join(file);
            std::fs::write(&path, "#!/bin/sh\n").expect("a fake executable");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("its mode");
        }
        let survey = Survey::take(engines, &SearchPath::only(vec![dir.clone()]));
        let _ = std::fs::remove_dir_all(&dir);
        survey
    }

    #[test]
    fn what_is_missing_is_installed_once_from_what_provides_it() {
        let survey = survey_of_fake_installation(
            "some",
            &Engine::ALL,
            &["chromium", "chromedriver", "firefox", "WebKitWebDriver"],
            &["Xvfb"],
        );
        assert_eq!(survey.missing(), ["geckodriver", "MiniBrowser", "Xvfb"]);
        assert_eq!(survey.packages(), ["webkit2gtk-driver", "xvfb"]);
        assert_eq!(survey.crates(), ["geckodriver"]);
        let text = survey.describe();
        assert!(text.contains("chromium: present\n"), "{text}");
        assert!(text.contains("firefox: missing geckodriver\n"), "{text}");
        assert!(text.contains("  geckodriver      missing (cargo install --locked geckodriver)\n"), "{text}");
        assert!(text.contains("webkit: missing MiniBrowser, Xvfb\n"), "{text}");
        assert!(
            text.ends_with(
                "would install with apt-get: webkit2gtk-driver xvfb\n\
             would build with cargo install --locked: geckodriver\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn with_nothing_installed_each_package_is_named_once() {
        let survey = survey_of_fake_installation("none", &Engine::ALL, &[], &[]);
        assert_eq!(
            survey.packages(),
            ["chromium", "chromium-driver", "firefox-esr", "webkit2gtk-driver", "xvfb"]
        );
        assert_eq!(survey.crates(), ["geckodriver"]);
    }

    #[test]
    fn only_the_chosen_engines_are_looked_at() {
        let survey = survey_of_fake_installation(
            "chromium",
            &[Engine::Chromium],
            &["google-chrome", "chromedriver"],
            &[],
        );
        assert!(survey.missing().is_empty());
        assert!(survey.packages().is_empty() && survey.crates().is_empty());
        let text = survey.describe();
        assert!(text.starts_with("chromium: present\n  chromium      "), "{text}");
        assert!(text.contains("google-chrome"), "{text}");
        assert!(text.ends_with("nothing to install\n"), "{text}");
        assert!(!text.contains("firefox") && !text.contains("webkit"), "{text}");
    }

    #[test]
    fn apt_get_runs_without_questions_through_sudo_unless_root() {
        let apt_get = Path::new("/usr/bin/apt-get");
        assert_eq!(
            shown(&apt(apt_get, Some(Path::new("/usr/bin/sudo")), &["install", "-y", "xvfb"])),
            "/usr/bin/sudo env DEBIAN_FRONTEND=noninteractive /usr/bin/apt-get install -y xvfb"
        );
        let as_root = apt(apt_get, None, &["update", "-qq"]);
        assert_eq!(shown(&as_root), "/usr/bin/apt-get update -qq");
        let variables: Vec<_> = as_root.get_envs().collect();
        assert_eq!(variables, [("DEBIAN_FRONTEND".as_ref(), Some("noninteractive".as_ref()))]);
    }
}
