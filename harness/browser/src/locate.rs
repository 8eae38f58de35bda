//! Where the browser and its driver are installed.

use std::path::{Path, PathBuf};

/// What to do when Chromium or chromedriver is missing.
pub const INSTALL_HINT: &str = "install Chromium and chromedriver with `ci/install-browsers` \
     (or `apt-get install chromium chromium-driver`), or point --webdriver at a running driver";

/// What to do when Firefox or geckodriver is missing.
pub const FIREFOX_INSTALL_HINT: &str = "install Firefox ESR and geckodriver with `ci/install-browsers` \
     (or `apt-get install firefox-esr` and `cargo install --locked geckodriver`), or point --webdriver \
     at a running driver";

/// What to do when WebKitGTK's MiniBrowser, WebKitWebDriver or Xvfb is missing.
pub const WEBKIT_INSTALL_HINT: &str = "install WebKitGTK's MiniBrowser, WebKitWebDriver and Xvfb with \
     `ci/install-browsers` (or `apt-get install webkit2gtk-driver xvfb`), or point --webdriver at a \
     running driver";

/// A browser engine corsproof can drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Engine {
    /// Blink, through chromedriver.
    #[default]
    Chromium,
    /// Gecko: Firefox (ESR), through geckodriver.
    Firefox,
    /// WebKit: WebKitGTK's MiniBrowser, through WebKitWebDriver, on an Xvfb display of its own.
    WebKit,
}

impl Engine {
    /// Every engine corsproof can drive.
    pub const ALL: [Engine; 3] = [Engine::Chromium, Engine::Firefox, Engine::WebKit];

    /// The name used in snapshot folders and reports.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
            Engine::WebKit => "webkit",
        }
    }

    /// Whether the runner can read the console, where the engine writes why it blocked a
    /// request: Chromium's through `se/log`, Firefox's through WebDriver BiDi. WebKitWebDriver
    /// offers neither (and no other way), so WebKit's reasons stay unknown.
    pub fn console_readable(self) -> bool {
        self != Engine::WebKit
    }

    /// What to do when this engine's browser or driver is missing.
    pub fn install_hint(self) -> &'static str {
        match self {
            Engine::Chromium => INSTALL_HINT,
            Engine::Firefox => FIREFOX_INSTALL_HINT,
            Engine::WebKit => WEBKIT_INSTALL_HINT,
        }
    }

    /// The browser executables to look for, in order.
    pub(crate) fn browser_names(self) -> &'static [&'static str] {
        match self {
            Engine::Chromium => &["chromium", "chromium-browser", "google-chrome"],
            Engine::Firefox => &["firefox-esr", "firefox"],
            Engine::WebKit => &["MiniBrowser"],
        }
    }

    /// The driver executables to look for, in order.
    pub(crate) fn driver_names(self) -> &'static [&'static str] {
        match self {
            Engine::Chromium => &["chromedriver"],
            Engine::Firefox => &["geckodriver"],
            Engine::WebKit => &["WebKitWebDriver"],
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
            .ok_or_else(|| format!("unknown browser `{text}` (chromium, firefox or webkit)"))
    }
}

/// Where WebKitGTK keeps MiniBrowser, which is not on `PATH` (newest API first).
const WEBKITGTK_DIRS: [&str; 3] = [
    "/usr/lib/x86_64-linux-gnu/webkitgtk-6.0",
    "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1",
    "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.0",
];

/// The first of `names` found on `PATH`, in `/usr/bin`, in Cargo's `bin` folder (where
/// `cargo install geckodriver` puts it) or in WebKitGTK's library folders (MiniBrowser).
pub(crate) fn find_executable(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .map(|home| home.join("bin"));
    let dirs = std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .chain(cargo_bin)
        .chain(WEBKITGTK_DIRS.map(PathBuf::from));
    let dirs: Vec<PathBuf> = dirs.collect();
    names
        .iter()
        .find_map(|name| dirs.iter().map(|dir| dir.join(name)).find(|candidate| is_executable(candidate)))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}
