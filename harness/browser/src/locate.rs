//! Where the browser and its driver are installed.

use std::path::{Path, PathBuf};

/// What to do when Chromium or chromedriver is missing.
pub const INSTALL_HINT: &str = "install Chromium and chromedriver with `ci/install-browsers` \
     (or `apt-get install chromium chromium-driver`), or point --webdriver at a running driver";

/// What to do when Firefox or geckodriver is missing.
pub const FIREFOX_INSTALL_HINT: &str = "install Firefox ESR and geckodriver with `ci/install-browsers` \
     (or `apt-get install firefox-esr` and `cargo install --locked geckodriver`), or point --webdriver \
     at a running driver";

/// A browser engine corsproof can drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Engine {
    /// Blink, through chromedriver.
    #[default]
    Chromium,
    /// Gecko: Firefox (ESR), through geckodriver.
    Firefox,
}

impl Engine {
    /// Every engine corsproof can drive.
    pub const ALL: [Engine; 2] = [Engine::Chromium, Engine::Firefox];

    /// The name used in snapshot folders and reports.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
        }
    }

    /// What to do when this engine's browser or driver is missing.
    pub fn install_hint(self) -> &'static str {
        match self {
            Engine::Chromium => INSTALL_HINT,
            Engine::Firefox => FIREFOX_INSTALL_HINT,
        }
    }

    /// The browser executables to look for, in order.
    pub(crate) fn browser_names(self) -> &'static [&'static str] {
        match self {
            Engine::Chromium => &["chromium", "chromium-browser", "google-chrome"],
            Engine::Firefox => &["firefox-esr", "firefox"],
        }
    }

    /// The driver executables to look for, in order.
    pub(crate) fn driver_names(self) -> &'static [&'static str] {
        match self {
            Engine::Chromium => &["chromedriver"],
            Engine::Firefox => &["geckodriver"],
        }
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Engine {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Engine::ALL
            .into_iter()
            .find(|engine| engine.name().eq_ignore_ascii_case(text))
            .ok_or_else(|| format!("unknown browser `{text}` (chromium or firefox)"))
    }
}

/// The first of `names` found on `PATH`, in `/usr/bin` or in Cargo's `bin` folder (where
/// `cargo install geckodriver` puts it).
pub(crate) fn find_executable(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .map(|home| home.join("bin"));
    let dirs = std::env::split_paths(&path).chain([PathBuf::from("/usr/bin")]).chain(cargo_bin);
    let dirs: Vec<PathBuf> = dirs.collect();
    names
        .iter()
        .find_map(|name| dirs.iter().map(|dir| dir.join(name)).find(|candidate| is_executable(candidate)))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}
