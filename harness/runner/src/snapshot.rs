//! Snapshots: an observation as YAML in a `.snap` file that insta reads too, so `cargo test`,
//! `cargo insta review` and `corsproof record` share one set of files.
//!
//! Where they live: if a `corsproof.toml` sits in a folder above the scenario file, under its
//! `snapshots` folder (`tests/snapshots/<engine>/` in this repository); otherwise beside the file,
//! in `snapshots/<engine>/`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::observe::Observation;

/// The file that says where a project keeps its scenarios and snapshots.
pub const CONFIG_FILE: &str = "corsproof.toml";

/// The test file whose insta assertions own the corpus snapshots (insta's `source:` field).
pub const SOURCE: &str = "tests/scenarios.rs";

/// Where one scenario's snapshot lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotLocation {
    /// The folder.
    pub dir: PathBuf,
    /// The snapshot name, without `.snap` (insta's name).
    pub name: String,
}

impl SnapshotLocation {
    /// The `.snap` file.
    pub fn path(&self) -> PathBuf {
        self.dir.join(format!("{}.snap", self.name))
    }

    /// Finds where the snapshot of `scenario` in `file` lives for `engine`; fails only when a
    /// `corsproof.toml` above the file cannot be read.
    pub fn find(file: &Path, scenario: &str, engine: &str) -> Result<Self, String> {
        let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        for folder in absolute.ancestors().skip(1) {
            let config = folder.join(CONFIG_FILE);
            let Ok(text) = std::fs::read_to_string(&config) else { continue };
            let settings: ProjectSettings =
                toml::from_str(&text).map_err(|error| format!("{}: {error}", config.display()))?;
            let root = folder.join(&settings.scenarios);
            let relative = absolute.strip_prefix(&root).unwrap_or(&absolute).with_extension("");
            let stem = relative
                .components()
                .map(|part| part.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("__");
            return Ok(Self {
                dir: folder.join(&settings.snapshots).join(engine),
                name: format!("{stem}__{scenario}"),
            });
        }
        let stem = file.file_stem().map_or_else(String::new, |stem| stem.to_string_lossy().into_owned());
        let dir =
            absolute.parent().map_or_else(PathBuf::new, Path::to_path_buf).join("snapshots").join(engine);
        Ok(Self { dir, name: format!("{stem}__{scenario}") })
    }
}

/// `corsproof.toml`: the folders, relative to it, of the scenario files and their snapshots.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectSettings {
    #[serde(default = "default_scenarios")]
    scenarios: PathBuf,
    #[serde(default = "default_snapshots")]
    snapshots: PathBuf,
}

fn default_scenarios() -> PathBuf {
    PathBuf::from("scenarios")
}

fn default_snapshots() -> PathBuf {
    PathBuf::from("snapshots")
}

/// How a fresh observation compares with the stored snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotState {
    /// The same.
    Matches,
    /// Different: a unified diff, old to new.
    Changed(String),
    /// No snapshot yet.
    New,
}

/// The observation as the YAML a snapshot holds.
pub fn render(observation: &Observation) -> String {
    let value = serde_json::to_value(observation).unwrap_or(Value::Null);
    let mut out = String::new();
    write_yaml(&value, 0, &mut out);
    out
}

/// Compares `contents` with the snapshot at `location` (whitespace at the end does not count,
/// as in insta).
pub fn compare(location: &SnapshotLocation, contents: &str) -> SnapshotState {
    match std::fs::read_to_string(location.path()) {
        Err(_) => SnapshotState::New,
        Ok(stored) => {
            let stored = body(&stored);
            if stored.trim_end() == contents.trim_end() {
                SnapshotState::Matches
            } else {
                SnapshotState::Changed(diff(stored, contents))
            }
        }
    }
}

/// Writes the snapshot in insta's format.
pub fn write(location: &SnapshotLocation, description: &str, contents: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(&location.dir)?;
    let description = serde_json::to_string(description).unwrap_or_default();
    let file = format!("---\nsource: {SOURCE}\ndescription: {description}\n---\n{}\n", contents.trim_end());
    std::fs::write(location.path(), file)
}

/// A unified diff of two snapshot bodies.
pub fn diff(old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old.trim_end(), new.trim_end())
        .unified_diff()
        .context_radius(3)
        .header("stored", "observed")
        .to_string()
}

/// The contents of a `.snap` file without its metadata header.
fn body(file: &str) -> &str {
    file.strip_prefix("---\n")
        .and_then(|rest| rest.find("\n---\n").map(|end| &rest[end + 5..]))
        .unwrap_or(file)
}

/// A small, deterministic YAML writer: strings are always double-quoted (JSON escapes are
/// valid YAML), maps keep their order, empty collections are written inline.
fn write_yaml(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                out.push_str(&pad);
                out.push_str(key);
                out.push(':');
                write_nested(item, indent, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                out.push_str(&pad);
                out.push('-');
                match item {
                    Value::Object(map) if !map.is_empty() => {
                        // The first key goes on the dash's line, the rest align under it.
                        let mut nested = String::new();
                        write_yaml(item, indent + 2, &mut nested);
                        out.push(' ');
                        out.push_str(nested.trim_start());
                    }
                    _ => write_nested(item, indent, out),
                }
            }
        }
        scalar => {
            out.push_str(&pad);
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
}

fn write_nested(item: &Value, indent: usize, out: &mut String) {
    match item {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_yaml(item, indent + 2, out);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_yaml(item, indent + 2, out);
        }
        Value::Object(_) => out.push_str(" {}\n"),
        Value::Array(_) => out.push_str(" []\n"),
        scalar => {
            out.push(' ');
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::Null => "~".to_owned(),
        Value::String(text) => serde_json::to_string(text).unwrap_or_default(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_is_written_with_quoted_strings_and_aligned_lists() {
        let value = json!({
            "scenario": "a",
            "requests": [{ "request": "GET x", "readable_headers": [], "seen": [{ "method": "GET" }] }],
            "none": null,
        });
        let mut out = String::new();
        write_yaml(&value, 0, &mut out);
        assert_eq!(
            out,
            "scenario: \"a\"\nrequests:\n  - request: \"GET x\"\n    readable_headers: []\n    seen:\n      - method: \"GET\"\nnone: ~\n"
        );
    }

    #[test]
    fn the_snap_header_is_not_part_of_the_body() {
        assert_eq!(body("---\nsource: x\ndescription: \"y\"\n---\nscenario: 1\n"), "scenario: 1\n");
    }

    #[test]
    fn snapshots_follow_corsproof_toml_or_sit_beside_the_file() {
        let root = std::env::temp_dir().join(format!("corsproof-snapshot-test-{}", std::process::id()));
        let file = root.join("scenarios/classic/basic.toml");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        let beside = SnapshotLocation::find(&file, "one", "chromium").unwrap();
        assert_eq!(beside.dir, root.join("scenarios/classic/snapshots/chromium"));
        assert_eq!(beside.name, "basic__one");

        std::fs::write(
            root.join(CONFIG_FILE),
            "scenarios = \"scenarios\"\nsnapshots = \"tests/snapshots\"\n",
        )
        .unwrap();
        let configured = SnapshotLocation::find(&file, "one", "chromium").unwrap();
        assert_eq!(configured.dir, root.join("tests/snapshots/chromium"));
        assert_eq!(configured.name, "classic__basic__one");

        std::fs::write(root.join(CONFIG_FILE), "snapshot = \"typo\"\n").unwrap();
        let error = SnapshotLocation::find(&file, "one", "chromium").unwrap_err();
        assert!(error.contains("corsproof.toml") && error.contains("unknown field `snapshot`"), "{error}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
