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
        let mut placed: Vec<(&Path, (PathBuf, String))> = Vec::new();
        for job in jobs {
            let (dir, prefix) = match placed.iter().find(|(file, _)| *file == job.file.as_path()) {
                Some((_, scope)) => scope.clone(),
                None => {
                    let found = scope(&job.file, engine)?;
                    placed.push((&job.file, found.clone()));
                    found
                }
            };
            let location =
                SnapshotLocation { name: format!("{prefix}{}", job.scenario.name), dir: dir.clone() };
            produced.insert(location.path());
            scopes.insert((dir, prefix));
        }
        for path in paths {
            let scope = if path.is_dir() {
                let (dir, prefix) = scope(&path.join(format!("{STAND_IN}.toml")), engine)?;
                (dir, prefix.strip_suffix(&format!("{STAND_IN}__")).unwrap_or_default().to_owned())
            } else {
                scope(path, engine)?
            };
            scopes.insert(scope);
        }
    }
    let mut stale = BTreeSet::new();
    for (dir, prefix) in &scopes {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".snap") && name.starts_with(prefix.as_str()) && !produced.contains(&path) {
                stale.insert(StaleSnapshot(path));
            }
        }
    }
    Ok(stale.into_iter().collect())
}

/// The snapshot folder of the scenario file `file` in `engine`, and the prefix of its
/// snapshots' names (`classic__basic__`).
fn scope(file: &Path, engine: Engine) -> Result<(PathBuf, String), ProjectConfigError> {
    let placement = Placement::find(file, "", engine.name())?;
    Ok((placement.location.dir, placement.location.name))
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
            requests: vec![],
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
