//! Where the browser and its driver are installed.

use std::path::{Path, PathBuf};

/// The first of `names` found on `PATH`, in `/usr/bin`, in Cargo's `bin` folder (where
/// `cargo install geckodriver` puts it) or in `extra_dirs` (an engine's own folders, such as
/// WebKitGTK's for MiniBrowser).
pub(crate) fn find_executable(names: &[&str], extra_dirs: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .map(|home| home.join("bin"));
    let dirs = std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .chain(cargo_bin)
        .chain(extra_dirs.iter().map(PathBuf::from));
    let dirs: Vec<PathBuf> = dirs.collect();
    names
        .iter()
        .find_map(|name| dirs.iter().map(|dir| dir.join(name)).find(|candidate| is_executable(candidate)))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}
