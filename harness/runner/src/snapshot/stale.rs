//! Stale snapshots: `.snap` files that no listed scenario produces any more (a scenario
//! renamed or deleted), which insta reports as unreferenced and deletes only when asked.
//!
//! Only a run of whole files or folders can tell: with a filter most snapshots are
//! legitimately not produced. The snapshots looked at are those a listed path could have
//! produced: in the snapshot folder of each path and of each file that ran, named with that
//! path's prefix (`classic__` for `scenarios/classic` under `corsproof.toml`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use corsproof_browser::Engine;

use super::location::Placement;
use super::{ProjectConfigError, SnapshotLocation};
use crate::run::Job;

/// A scenario file name that no real file has: it finds the snapshot prefix of a folder.
const STAND_IN: &str = "corsproof-stand-in";

/// A `.snap` file that no listed scenario produces.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct StaleSnapshot(PathBuf);

impl StaleSnapshot {
    /// The file.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Deletes it (`--remove-stale`).
    pub fn remove(&self) -> std::io::Result<()> {
        std::fs::remove_file(&self.0)
    }
}

/// The `.snap` files under `paths` (the files and folders a run was given) that none of
/// `jobs` produces in any of `engines`, sorted.
pub fn stale_snapshots(
    paths: &[PathBuf],
    jobs: &[Job],
    engines: &[Engine],
) -> Result<Vec<StaleSnapshot>, ProjectConfigError> {
    let mut produced = BTreeSet::new();
    let mut scopes = BTreeSet::new();
    for &engine in engines {
        // One placement per file: its scenarios' snapshots are its prefix and their names.
        let mut placed: Vec<(&Path, Scope)> = Vec::new();
        for job in jobs {
            let scope = match placed.iter().find(|(file, _)| *file == job.file.as_path()) {
                Some((_, scope)) => scope.clone(),
                None => {
                    let found = Scope::of_file(&job.file, engine)?;
                    placed.push((&job.file, found.clone()));
                    found
                }
            };
            let location = SnapshotLocation {
                name: format!("{}{}", scope.prefix, job.scenario.name),
                dir: scope.dir.clone(),
            };
            produced.insert(location.path());
            scopes.insert(scope);
        }
        for path in paths {
            scopes.insert(Scope::of_path(path, engine)?);
        }
    }
    let snapshots = files_in(&scopes, ".snap");
    Ok(snapshots.into_iter().filter(|path| !produced.contains(path)).map(StaleSnapshot).collect())
}

/// A snapshot folder and the prefix of the snapshot names in it that a scenario file or
/// folder can produce (`classic__basic__` for `scenarios/classic/basic.toml` under
/// `corsproof.toml`, `classic__` for the folder, empty for the folder's own `snapshots/`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Scope {
    /// The engine's snapshot folder.
    pub(super) dir: PathBuf,
    /// What the names of the snapshots in scope start with.
    pub(super) prefix: String,
}

impl Scope {
    /// The snapshots of the scenario file `file` in `engine`.
    pub(super) fn of_file(file: &Path, engine: Engine) -> Result<Self, ProjectConfigError> {
        let placement = Placement::find(file, "", engine.name())?;
        Ok(Self { dir: placement.location.dir, prefix: placement.location.name })
    }

    /// The snapshots a path given on the command line covers in `engine`: a file's, or for a
    /// folder those of any scenario file directly in it, even one deleted since.
    pub(super) fn of_path(path: &Path, engine: Engine) -> Result<Self, ProjectConfigError> {
        if !path.is_dir() {
            return Self::of_file(path, engine);
        }
        let Self { dir, prefix } = Self::of_file(&path.join(format!("{STAND_IN}.toml")), engine)?;
        let prefix = prefix.strip_suffix(&format!("{STAND_IN}__")).unwrap_or_default().to_owned();
        Ok(Self { dir, prefix })
    }
}

/// The files in `scopes` whose names end with `suffix` (`.snap`, `.snap.new`), sorted; a
/// folder that cannot be read has none.
pub(super) fn files_in(scopes: &BTreeSet<Scope>, suffix: &str) -> BTreeSet<PathBuf> {
    let mut found = BTreeSet::new();
    for Scope { dir, prefix } in scopes {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(suffix) && name.starts_with(prefix.as_str()) && entry.path().is_file() {
                found.insert(entry.path());
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use corsproof_scenario::Scenario;

    #[test]
    fn a_snapshot_no_scenario_produces_is_stale_and_others_are_not() {
        let root = std::env::temp_dir().join(format!("corsproof-stale-{}", std::process::id()));
        let folder = root.join("mine");
        std::fs::create_dir_all(folder.join("snapshots/firefox")).unwrap();
        let file = folder.join("api.toml");
        let scenario = Scenario {
            name: "one".into(),
            about: String::new(),
            page: "app".into(),
            sandbox: false,
            public_page: false,
            local_network_granted: false,
            requests: vec![],
            cookies: Vec::new(),
            line: 1,
        };
        let job = Job { file: file.clone(), scenario };
        for name in ["api__one.snap", "api__gone.snap", "api__one.snap.new", "other__x.snap"] {
            std::fs::write(folder.join("snapshots/firefox").join(name), "").unwrap();
        }
        let stale =
            stale_snapshots(std::slice::from_ref(&folder), std::slice::from_ref(&job), &[Engine::Firefox])
                .unwrap();
        let names: Vec<_> = stale.iter().map(|s| s.path().file_name().unwrap().to_owned()).collect();
        assert_eq!(names, ["api__gone.snap", "other__x.snap"], "the whole folder ran");
        let stale = stale_snapshots(&[file], &[job], &[Engine::Firefox]).unwrap();
        let names: Vec<_> = stale.iter().map(|s| s.path().file_name().unwrap().to_owned()).collect();
        assert_eq!(names, ["api__gone.snap"], "only the file ran");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
