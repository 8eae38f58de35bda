//! What an engine needs installed, as data each engine's module gives: every executable, what
//! provides it when it is missing, and how its version is shown. The launcher finds its
//! executables through it, and `corsproof install-browsers` walks it to install what is missing.

use std::fmt;
use std::path::PathBuf;

use crate::locate::SearchPath;

/// Everything an engine needs installed to run without a `--webdriver` URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirements {
    /// The browser the driver launches.
    pub browser: Executable,
    /// The WebDriver driver.
    pub driver: Executable,
    /// The X display server (an Xvfb) the driver and its browser run on, for an engine that
    /// draws even when automated; `None` for a headless one.
    pub display: Option<Executable>,
}

impl Requirements {
    /// Each executable: the browser, the driver, then the display server.
    pub fn executables(&self) -> impl Iterator<Item = &Executable> {
        [&self.browser, &self.driver].into_iter().chain(&self.display)
    }
}

/// One executable an engine needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Executable {
    /// Its name, said in messages and looked for first.
    pub name: &'static str,
    /// Other names it goes by, looked for after `name`, in order.
    pub aliases: &'static [&'static str],
    /// Folders off `PATH` where it may be installed (WebKitGTK's for MiniBrowser, newest first).
    pub dirs: &'static [&'static str],
    /// What installs it when it is missing.
    pub provider: Provider,
    /// How its version is shown once it is installed.
    pub version: VersionSource,
}

impl Executable {
    /// Where it is installed: the first of its names found in `search` or its own folders.
    pub fn find(&self, search: &SearchPath) -> Option<PathBuf> {
        let names: Vec<&str> = std::iter::once(self.name).chain(self.aliases.iter().copied()).collect();
        search.find(&names, self.dirs)
    }
}

/// What installs a missing executable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    /// A Debian package, installed with `apt-get install`.
    Debian(&'static str),
    /// A crate from crates.io, built with `cargo install --locked` into Cargo's `bin` folder
    /// (for a driver Debian does not package).
    Crate(&'static str),
}

impl fmt::Display for Provider {
    /// The command that installs it, as a person would type it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Provider::Debian(package) => write!(f, "apt-get install {package}"),
            Provider::Crate(name) => write!(f, "cargo install --locked {name}"),
        }
    }
}

/// Where an executable's version is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionSource {
    /// The first line it prints for `--version`.
    Flag,
    /// The version of the Debian package that provides it, for an executable whose
    /// `--version` says nothing useful.
    Package,
    /// Nowhere: a helper whose version nobody asks (MiniBrowser, Xvfb).
    Unshown,
}
