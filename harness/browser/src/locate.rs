//! Where the browser and its driver are installed.

use std::path::{Path, PathBuf};

/// The folders executables are looked for in. One value, so that the launcher and
/// `corsproof install-browsers` agree on what is installed, and a test can look in a fake
/// installation without touching the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPath {
    dirs: Vec<PathBuf>,
    /// Whether an executable's own folders (WebKitGTK's, for MiniBrowser) are searched too.
    own_dirs: bool,
}

impl SearchPath {
    /// `PATH`, then `/usr/bin`, then Cargo's `bin` folder (where `cargo install geckodriver`
    /// puts it), then each executable's own folders.
    pub fn from_env() -> Self {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let cargo_bin = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
            .map(|home| home.join("bin"));
        let dirs = std::env::split_paths(&path).chain([PathBuf::from("/usr/bin")]).chain(cargo_bin).collect();
        Self { dirs, own_dirs: true }
    }

    /// `dirs` alone, not even an executable's own folders: a fake installation.
    pub fn only(dirs: Vec<PathBuf>) -> Self {
        Self { dirs, own_dirs: false }
    }

    /// The first of `names` found in these folders or, unless this path is [`SearchPath::only`]
    /// its folders, in `own_dirs`.
    pub fn find(&self, names: &[&str], own_dirs: &[&str]) -> Option<PathBuf> {
        let own_dirs = own_dirs.iter().filter(|_| self.own_dirs).map(PathBuf::from);
        let dirs: Vec<PathBuf> = self.dirs.iter().cloned().chain(own_dirs).collect();
        names
            .iter()
            .find_map(|name| dirs.iter().map(|dir| dir.join(name)).find(|candidate| is_executable(candidate)))
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}
