//! Review of pending snapshots, as insta reviews them: every `.snap.new` a run left beside its
//! snapshot, in the snapshot folders some paths cover, with the stored body and the pending
//! one, to accept (the pending file replaces the snapshot) or reject (it is removed).
//!
//! The folders are those `run` writes to: each engine's snapshot folder of every scenario file
//! under the paths (folders searched as `run` searches them) and of each folder itself, so a
//! pending file of a scenario file deleted since is found too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use corsproof_browser::Engine;

use super::stale::{Scope, files_in};
use super::{ProjectConfigError, SnapshotBody, SnapshotFile, SnapshotLocation, SnapshotState};

/// What a pending snapshot's file name ends with (insta's convention).
const PENDING_SUFFIX: &str = ".snap.new";

/// Pending snapshots could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum FindPendingError {
    /// A `corsproof.toml` above a path cannot be read, so where its snapshots live is unknown.
    #[error(transparent)]
    ProjectConfig(#[from] ProjectConfigError),
    /// A pending file is there but cannot be read.
    #[error("cannot read the pending snapshot {}: {error}", path.display())]
    Unreadable {
        /// The `.snap.new`.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
}

/// A pending `.snap.new` waiting for review, read once when it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingReview {
    engine: Engine,
    snapshot: SnapshotFile,
    source: Option<String>,
    stored: Option<SnapshotBody>,
    pending: SnapshotBody,
}

impl PendingReview {
    /// The engine whose snapshot folder it is in.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The snapshot's name, without `.snap` (insta's name).
    pub fn name(&self) -> &str {
        &self.snapshot.location().name
    }

    /// The `.snap` file that accepting it writes.
    pub fn path(&self) -> PathBuf {
        self.snapshot.path()
    }

    /// The pending `.snap.new` itself.
    pub fn pending_path(&self) -> PathBuf {
        self.snapshot.pending_path()
    }

    /// The scenario file its header names; `None` when the header cannot be read (a file cut
    /// short or edited by hand), which does not stop it being reviewed.
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// The stored snapshot's body; `None` when none is stored yet.
    pub fn stored(&self) -> Option<&SnapshotBody> {
        self.stored.as_ref()
    }

    /// The pending body (the whole file when it has no header).
    pub fn pending(&self) -> &SnapshotBody {
        &self.pending
    }

    /// What accepting it changes: `Changed` with the unified diff from the stored snapshot to
    /// the pending one, `New` when none is stored, `Matches` when the two are the same.
    pub fn change(&self) -> SnapshotState {
        SnapshotState::between(self.stored.as_ref(), &self.pending)
    }

    /// Whether `pattern` is in `<engine>/<name>` or in the scenario file its header names: the
    /// pending snapshots `--filter` keeps.
    pub fn matches(&self, pattern: &str) -> bool {
        format!("{}/{}", self.engine, self.name()).contains(pattern)
            || self.source.as_deref().is_some_and(|source| source.contains(pattern))
    }

    /// Accepts it: the pending file replaces the `.snap`.
    pub fn accept(&self) -> std::io::Result<()> {
        self.snapshot.accept_pending()
    }

    /// Rejects it: the pending file is removed and the `.snap`, if any, stays as it was.
    pub fn reject(&self) -> std::io::Result<()> {
        self.snapshot.remove_pending()
    }
}

/// Every pending `.snap.new` in every engine's snapshot folders that `paths` (scenario files
/// and folders) cover, sorted by path.
pub fn pending_snapshots(paths: &[PathBuf]) -> Result<Vec<PendingReview>, FindPendingError> {
    let files = corsproof_scenario::discover(paths);
    let mut found = BTreeMap::new();
    for engine in Engine::ALL {
        let mut scopes = BTreeSet::new();
        for file in &files {
            scopes.insert(Scope::of_file(file, engine)?);
        }
        for path in paths {
            scopes.insert(Scope::of_path(path, engine)?);
        }
        found.extend(files_in(&scopes, PENDING_SUFFIX).into_iter().map(|path| (path, engine)));
    }
    let mut pending = Vec::new();
    for (path, engine) in found {
        if let Some(review) = read(&path, engine)? {
            pending.push(review);
        }
    }
    Ok(pending)
}

/// The pending file at `path` in `engine`'s folder, read; `None` when it went away meanwhile.
fn read(path: &Path, engine: Engine) -> Result<Option<PendingReview>, FindPendingError> {
    let file_name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let location = SnapshotLocation {
        dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        name: file_name.strip_suffix(PENDING_SUFFIX).unwrap_or(&file_name).to_owned(),
    };
    let unreadable = |error| FindPendingError::Unreadable { path: path.to_path_buf(), error };
    let Some((snapshot, pending)) = SnapshotFile::with_pending(location).map_err(unreadable)? else {
        return Ok(None);
    };
    Ok(Some(PendingReview {
        engine,
        stored: snapshot.stored(),
        snapshot,
        source: pending.source,
        pending: pending.body,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::CONFIG_FILE;

    /// A fresh folder for one test, with `files` (path, bytes) in it.
    fn folder(test: &str, files: &[(&str, &[u8])]) -> PathBuf {
        let root = std::env::temp_dir().join(format!("corsproof-review-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for (path, bytes) in files {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        root
    }

    fn snap(source: &str, body: &str) -> Vec<u8> {
        format!("---\nsource: {source}\ndescription: \"what it proves\"\n---\n{body}").into_bytes()
    }

    fn names(pending: &[PendingReview]) -> Vec<String> {
        pending.iter().map(|review| format!("{}/{}", review.engine(), review.name())).collect()
    }

    #[test]
    fn pending_files_beside_the_scenario_files_are_found_with_their_diffs() {
        let garbage: &[u8] = b"\xff\xfe not a header\n---\n";
        let root = folder(
            "beside",
            &[
                ("api.toml", b""),
                ("sub/b.toml", b""),
                ("snapshots/chromium/api__one.snap.new", &snap("api.toml", "x: 1\n")),
                ("snapshots/firefox/api__one.snap", &snap("api.toml", "x: 1\ny: 2\n")),
                ("snapshots/firefox/api__one.snap.new", &snap("api.toml", "x: 1\ny: 3\n")),
                ("snapshots/firefox/api__two.snap", &snap("api.toml", "x: 2\n")),
                ("snapshots/chromium/gone__old.snap.new", &snap("gone.toml", "x: 0\n")),
                ("sub/snapshots/webkit/b__x.snap.new", garbage),
                ("elsewhere/snapshots/webkit/c__x.snap.new", &snap("c.toml", "x: 1\n")),
            ],
        );
        let pending = pending_snapshots(std::slice::from_ref(&root)).unwrap();
        assert_eq!(
            names(&pending),
            ["chromium/api__one", "chromium/gone__old", "firefox/api__one", "webkit/b__x"],
            "sorted by path; a folder without scenario files is not covered"
        );
        let [new, _, changed, unreadable] = pending.as_slice() else { unreachable!() };
        assert_eq!((new.engine(), new.source()), (Engine::Chromium, Some("api.toml")));
        assert_eq!(new.path(), root.join("snapshots/chromium/api__one.snap"));
        assert_eq!(new.pending_path(), root.join("snapshots/chromium/api__one.snap.new"));
        assert_eq!((new.stored(), new.pending().as_str()), (None, "x: 1\n"));
        assert_eq!(new.change(), SnapshotState::New);
        let SnapshotState::Changed(diff) = changed.change() else { panic!("{changed:?}") };
        assert!(diff.contains("-y: 2") && diff.contains("+y: 3") && diff.contains(" x: 1"), "{diff}");
        assert_eq!(changed.stored().map(SnapshotBody::as_str), Some("x: 1\ny: 2\n"));
        assert_eq!(unreadable.source(), None, "listed although its header cannot be read");
        assert!(unreadable.pending().as_str().ends_with("not a header\n---\n"));

        let one_file = pending_snapshots(&[root.join("api.toml")]).unwrap();
        assert_eq!(names(&one_file), ["chromium/api__one", "firefox/api__one"]);
        assert!(
            changed.matches("firefox/api") && changed.matches("api.toml") && !changed.matches("chromium")
        );
        assert!(!unreadable.matches("b.toml"), "no source to match");

        new.accept().unwrap();
        changed.reject().unwrap();
        unreadable.accept().unwrap();
        assert_eq!(
            std::fs::read(new.path()).unwrap(),
            snap("api.toml", "x: 1\n"),
            "the pending file as it was"
        );
        assert_eq!(std::fs::read(changed.path()).unwrap(), snap("api.toml", "x: 1\ny: 2\n"), "kept");
        assert_eq!(std::fs::read(unreadable.path()).unwrap(), garbage);
        assert!(![&new, &changed, &unreadable].iter().any(|review| review.pending_path().exists()));
        assert_eq!(names(&pending_snapshots(std::slice::from_ref(&root)).unwrap()), ["chromium/gone__old"]);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn pending_files_under_corsproof_toml_are_found_from_the_project_or_a_scenario_folder() {
        let root = folder(
            "project",
            &[
                (CONFIG_FILE, b"snapshots = \"tests/snapshots\"\n"),
                ("scenarios/classic/basic.toml", b""),
                ("scenarios/other.toml", b""),
                (
                    "tests/snapshots/webkit/classic__basic__one.snap.new",
                    &snap("scenarios/classic/basic.toml", "x: 1\n"),
                ),
                ("tests/snapshots/chromium/other__two.snap.new", &snap("scenarios/other.toml", "x: 2\n")),
            ],
        );
        let all = pending_snapshots(std::slice::from_ref(&root)).unwrap();
        assert_eq!(names(&all), ["chromium/other__two", "webkit/classic__basic__one"]);
        assert_eq!(all[1].source(), Some("scenarios/classic/basic.toml"));
        let classic = pending_snapshots(&[root.join("scenarios/classic")]).unwrap();
        assert_eq!(names(&classic), ["webkit/classic__basic__one"], "the folder's own prefix only");

        std::fs::write(root.join(CONFIG_FILE), "snapshot = \"typo\"\n").unwrap();
        let error = pending_snapshots(std::slice::from_ref(&root)).unwrap_err().to_string();
        assert!(error.contains("corsproof.toml") && error.contains("unknown field `snapshot`"), "{error}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
