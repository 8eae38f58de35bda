//! Where the browser and its driver are installed.

use std::path::{Path, PathBuf};

/// What to do when a browser or driver is missing.
pub const INSTALL_HINT: &str = "install Chromium and chromedriver with `ci/install-browsers` \
     (or `apt-get install chromium chromium-driver`), or point --webdriver at a running driver";

/// A browser engine corsproof can drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Engine {
    /// Blink, through chromedriver.
    #[default]
    Chromium,
}

impl Engine {
    /// The name used in snapshot folders and reports.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
        }
    }

    /// The browser executables to look for, in order.
    pub(crate) fn browser_names(self) -> &'static [&'static str] {
        match self {
            Engine::Chromium => &["chromium", "chromium-browser", "google-chrome"],
        }
    }

    /// The driver executables to look for, in order.
    pub(crate) fn driver_names(self) -> &'static [&'static str] {
        match self {
            Engine::Chromium => &["chromedriver"],
        }
    }
}

/// The first of `names` found on `PATH` or in `/usr/bin`.
pub(crate) fn find_executable(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::env::split_paths(&path).chain([PathBuf::from("/usr/bin")]);
    let dirs: Vec<PathBuf> = dirs.collect();
    names
        .iter()
        .find_map(|name| dirs.iter().map(|dir| dir.join(name)).find(|candidate| is_executable(candidate)))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}
