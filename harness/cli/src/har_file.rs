//! Writing the HAR files `check --har` and `run --har` ask for.

use std::path::Path;

use corsproof_har::model::Har;

/// Writes `har` to `path` as pretty JSON, creating its folder; an error names the path and what
/// to do.
pub fn write(path: &Path, har: &Har) -> anyhow::Result<()> {
    let cannot = |error: &dyn std::fmt::Display| {
        anyhow::anyhow!(
            "cannot write the HAR file {}: {error}; give --har a path you can write to",
            path.display()
        )
    };
    if let Some(folder) = path.parent().filter(|folder| !folder.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(|error| cannot(&error))?;
    }
    let text = serde_json::to_string_pretty(har).map_err(|error| cannot(&error))?;
    std::fs::write(path, text + "\n").map_err(|error| cannot(&error))
}
