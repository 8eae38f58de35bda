//! Where a scenario's snapshot lives, and what its header calls the scenario file.
//!
//! If a `corsproof.toml` sits in a folder above the scenario file, snapshots go under its
//! `snapshots` folder (`tests/snapshots/<engine>/` in this repository) and the file is named
//! relative to that folder; otherwise beside the file, in `snapshots/<engine>/`, and the file is
//! named as it was given.

use std::path::{Path, PathBuf};

use crate::project::{Project, ProjectConfigError};

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
    pub fn find(file: &Path, scenario: &str, engine: &str) -> Result<Self, ProjectConfigError> {
        Ok(Placement::find(file, scenario, engine)?.location)
    }

    /// What precedes a scenario's name in the snapshot names of `file`
    /// (`classic__preflight__`), the same for every engine; `None` when a `corsproof.toml`
    /// above it cannot be read (that error is reported where the snapshot is written).
    pub fn name_prefix(file: &Path) -> Option<String> {
        Placement::find(file, "", "").ok().map(|placement| placement.location.name)
    }
}

/// A snapshot's location and the name its header gives the scenario file, found from one look
/// for `corsproof.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Placement {
    /// Where the snapshot lives.
    pub(crate) location: SnapshotLocation,
    /// The scenario file relative to the folder of `corsproof.toml`, or as given.
    pub(crate) source: String,
}

impl Placement {
    /// The placement of `scenario`'s snapshot in `file` for `engine`.
    pub(crate) fn find(file: &Path, scenario: &str, engine: &str) -> Result<Self, ProjectConfigError> {
        let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        if let Some(project) = Project::above(file)? {
            let folder = project.folder();
            let within_project = absolute.strip_prefix(folder).unwrap_or(&absolute);
            let root = folder.join(&project.scenarios);
            // A file outside the scenarios folder is named from the project's folder.
            let relative =
                absolute.strip_prefix(&root).or_else(|_| absolute.strip_prefix(folder)).unwrap_or(&absolute);
            let relative = relative.with_extension("");
            return Ok(Self {
                location: SnapshotLocation {
                    dir: folder.join(&project.snapshots).join(engine),
                    name: format!("{}__{scenario}", joined(&relative, "__")),
                },
                source: joined(within_project, "/"),
            });
        }
        let stem = file.file_stem().map_or_else(String::new, |stem| stem.to_string_lossy().into_owned());
        let dir =
            absolute.parent().map_or_else(PathBuf::new, Path::to_path_buf).join("snapshots").join(engine);
        Ok(Self {
            location: SnapshotLocation { dir, name: format!("{stem}__{scenario}") },
            source: file.to_string_lossy().into_owned(),
        })
    }
}

/// The path's parts joined with `separator`: the same text on every platform.
fn joined(path: &Path, separator: &str) -> String {
    path.components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(separator)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::CONFIG_FILE;

    #[test]
    fn snapshots_follow_corsproof_toml_or_sit_beside_the_file() {
        let root = std::env::temp_dir().join(format!("corsproof-snapshot-test-{}", std::process::id()));
        let file = root.join("scenarios/classic/basic.toml");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        let beside = SnapshotLocation::find(&file, "one", "chromium").unwrap();
        assert_eq!(beside.dir, root.join("scenarios/classic/snapshots/chromium"));
        assert_eq!(beside.name, "basic__one");
        let given = Placement::find(&file, "one", "chromium").unwrap();
        assert_eq!(given.source, file.to_string_lossy(), "without corsproof.toml, the file as given");

        std::fs::write(
            root.join(CONFIG_FILE),
            "scenarios = \"scenarios\"\nsnapshots = \"tests/snapshots\"\n",
        )
        .unwrap();
        let configured = SnapshotLocation::find(&file, "one", "chromium").unwrap();
        assert_eq!(configured.dir, root.join("tests/snapshots/chromium"));
        assert_eq!(configured.name, "classic__basic__one");
        let placed = Placement::find(&file, "one", "chromium").unwrap();
        assert_eq!(placed.source, "scenarios/classic/basic.toml", "relative to corsproof.toml's folder");
        let outside = SnapshotLocation::find(&root.join("other/x.toml"), "one", "chromium").unwrap();
        assert_eq!(
            (outside.dir, outside.name.as_str()),
            (root.join("tests/snapshots/chromium"), "other__x__one")
        );

        std::fs::write(root.join(CONFIG_FILE), "snapshot = \"typo\"\n").unwrap();
        let error = SnapshotLocation::find(&file, "one", "chromium").unwrap_err().to_string();
        assert!(error.contains("corsproof.toml") && error.contains("unknown field `snapshot`"), "{error}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
