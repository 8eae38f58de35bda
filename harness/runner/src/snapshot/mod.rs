//! Snapshots: an observation as YAML in a `.snap` file that insta reads too, so `cargo test`,
//! `cargo insta review` and `corsproof record` share one set of files.
//!
//! One type owns the file, [`SnapshotFile`]: where it lives ([`SnapshotLocation`]'s rule with
//! `corsproof.toml`), its header (the scenario file it comes from and what the scenario proves),
//! its body ([`SnapshotBody`], the observation as `observe` redacted it), reading, comparing,
//! the diff, writing, and the pending `.snap.new` that `corsproof review` (or insta's) accepts
//! or rejects ([`pending_snapshots`] finds them).

mod location;
mod review;
mod stale;
mod yaml;

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use corsproof_browser::Engine;
use corsproof_scenario::Scenario;

use crate::observe::Observation;

pub use crate::project::{CONFIG_FILE, ProjectConfigError};
pub use location::SnapshotLocation;
pub use review::{FindPendingError, PendingReview, pending_snapshots};
pub use stale::{StaleSnapshot, stale_snapshots};

/// Whether this is a CI run (`CI=true`), insta's rule: a CI run writes no pending
/// `.snap.new`, and a pending one it finds is unreviewed work that fails the run.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true")
}

/// What a check did about the pending `.snap.new` beside the snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PendingSnapshot {
    /// Nothing is pending: the observation matches and no `.snap.new` is left.
    None,
    /// Outside CI, the observation was written as the pending `.snap.new` to review.
    Written,
    /// Under CI, nothing was written.
    NotWritten,
    /// Under CI, the observation matches but a `.snap.new` is left beside the snapshot:
    /// unreviewed work.
    Unreviewed,
}

/// A fresh observation checked against its snapshot as insta checks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// How it compares.
    pub state: SnapshotState,
    /// What became of the pending file.
    pub pending: PendingSnapshot,
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

impl SnapshotState {
    /// How `observed` compares with `stored` (`None`: nothing is stored).
    fn between(stored: Option<&SnapshotBody>, observed: &SnapshotBody) -> Self {
        match stored {
            None => SnapshotState::New,
            Some(stored) if stored.matches(observed) => SnapshotState::Matches,
            Some(stored) => SnapshotState::Changed(stored.diff(observed)),
        }
    }
}

/// What a snapshot stores: an observation as YAML. Only a rendered observation or a stored
/// snapshot's body is one, so nothing else can be compared or written by mistake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotBody(String);

impl SnapshotBody {
    /// The observation as the YAML a snapshot holds: its [`Observation::snapshot_view`].
    pub fn of(observation: &Observation) -> Self {
        let value = serde_json::to_value(observation.snapshot_view()).unwrap_or(serde_json::Value::Null);
        let mut out = String::new();
        yaml::write_yaml(&value, 0, &mut out);
        Self(out)
    }

    /// The YAML.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The same snapshot as `other`: whitespace at the end does not count, as in insta.
    fn matches(&self, other: &SnapshotBody) -> bool {
        self.0.trim_end() == other.0.trim_end()
    }

    /// A unified diff from `self` (stored) to `observed`.
    fn diff(&self, observed: &SnapshotBody) -> String {
        similar::TextDiff::from_lines(self.0.trim_end(), observed.0.trim_end())
            .unified_diff()
            .context_radius(3)
            .header("stored", "observed")
            .to_string()
    }
}

/// One scenario's snapshot file in one engine: the only code that reads or writes `.snap` and
/// `.snap.new` files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotFile {
    location: SnapshotLocation,
    /// The scenario file, relative to the folder of `corsproof.toml` or as given: the user's
    /// own file, which is what a reviewer looks for (insta's `source:` field).
    source: String,
    /// What the scenario proves (insta's `description:` field).
    description: String,
}

impl SnapshotFile {
    /// The snapshot file of `scenario` from the scenario file `file` in `engine`; fails only
    /// when a `corsproof.toml` above the file cannot be read.
    pub fn find(file: &Path, scenario: &Scenario, engine: Engine) -> Result<Self, ProjectConfigError> {
        let placement = location::Placement::find(file, &scenario.name, engine.name())?;
        Ok(Self {
            location: placement.location,
            source: placement.source,
            description: scenario.about.clone(),
        })
    }

    /// Where it lives.
    pub fn location(&self) -> &SnapshotLocation {
        &self.location
    }

    /// The `.snap` file.
    pub fn path(&self) -> PathBuf {
        self.location.path()
    }

    /// The pending `.snap.new` beside it, as insta names it.
    pub fn pending_path(&self) -> PathBuf {
        self.location.dir.join(format!("{}.snap.new", self.location.name))
    }

    /// What the header says the snapshot comes from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The stored body, without its header; `None` when there is no snapshot yet.
    pub fn stored(&self) -> Option<SnapshotBody> {
        let file = std::fs::read_to_string(self.path()).ok()?;
        Some(SnapshotBody(without_header(&file).to_owned()))
    }

    /// Compares `observed` with the stored snapshot.
    pub fn compare(&self, observed: &SnapshotBody) -> SnapshotState {
        SnapshotState::between(self.stored().as_ref(), observed)
    }

    /// Stores `body` unless it matches what is stored, and returns how it compared: what
    /// `corsproof record` does. A pending `.snap.new` is settled by it and removed.
    pub fn record(&self, body: &SnapshotBody) -> std::io::Result<SnapshotState> {
        let state = self.compare(body);
        if state != SnapshotState::Matches {
            std::fs::create_dir_all(&self.location.dir)?;
            std::fs::write(self.path(), self.contents(body))?;
        }
        self.remove_pending()?;
        Ok(state)
    }

    /// Compares `observed` with the stored snapshot and settles the pending `.snap.new` as
    /// insta does (the rule `corsproof run` and the scenario suite share): outside CI a
    /// missing or changed snapshot leaves the observation as the pending file and a match
    /// removes a stale one; under CI nothing is written, and a pending file beside a match is
    /// reported as unreviewed.
    pub fn check(&self, observed: &SnapshotBody) -> std::io::Result<Checked> {
        let state = self.compare(observed);
        let pending = match (state == SnapshotState::Matches, in_ci()) {
            (true, true) if self.pending_path().exists() => PendingSnapshot::Unreviewed,
            (true, true) => PendingSnapshot::None,
            (true, false) => {
                self.remove_pending()?;
                PendingSnapshot::None
            }
            (false, true) => PendingSnapshot::NotWritten,
            (false, false) => {
                self.write_pending(observed)?;
                PendingSnapshot::Written
            }
        };
        Ok(Checked { state, pending })
    }

    /// Writes `body` as the pending `.snap.new` that `cargo insta review` (or `corsproof
    /// record`, by running again) accepts.
    pub fn write_pending(&self, body: &SnapshotBody) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.location.dir)?;
        std::fs::write(self.pending_path(), self.contents(body))
    }

    /// Removes a pending `.snap.new` left by an earlier run, if any: what rejecting it in
    /// review does.
    pub fn remove_pending(&self) -> std::io::Result<()> {
        match std::fs::remove_file(self.pending_path()) {
            Err(error) if error.kind() != ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }

    /// Accepts the pending `.snap.new`: it replaces the `.snap` as it is, header and all, as
    /// insta's review does.
    pub fn accept_pending(&self) -> std::io::Result<()> {
        std::fs::rename(self.pending_path(), self.path())
    }

    /// The snapshot at `location` as its pending `.snap.new` describes it, and the pending
    /// file read back: what review finds. Any content is read: a header that cannot be read
    /// leaves the source and description empty and the body the whole file. `Ok(None)` when
    /// nothing is pending there.
    fn with_pending(location: SnapshotLocation) -> std::io::Result<Option<(Self, PendingFile)>> {
        let mut snapshot = Self { location, source: String::new(), description: String::new() };
        let bytes = match std::fs::read(snapshot.pending_path()) {
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
            read => read?,
        };
        let text = String::from_utf8_lossy(&bytes);
        let header = read_header(&text);
        let pending = PendingFile {
            source: header.as_ref().map(|(source, _)| source.clone()),
            body: SnapshotBody(without_header(&text).to_owned()),
        };
        (snapshot.source, snapshot.description) = header.unwrap_or_default();
        Ok(Some((snapshot, pending)))
    }

    /// The whole file: insta's header, then the body.
    fn contents(&self, body: &SnapshotBody) -> String {
        let description = serde_json::to_string(&self.description).unwrap_or_default();
        format!(
            "---\nsource: {}\ndescription: {description}\n---\n{}\n",
            yaml_scalar(&self.source),
            body.0.trim_end()
        )
    }
}

/// A pending `.snap.new` read back.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PendingFile {
    /// The header's `source:`; `None` when the header cannot be read.
    source: Option<String>,
    /// The observation waiting for review.
    body: SnapshotBody,
}

/// The `source:` and `description:` of a snapshot file's header, as [`SnapshotFile`] and insta
/// write them (insta's other fields are skipped); `None` without a header or its `source:`.
fn read_header(file: &str) -> Option<(String, String)> {
    let (header, _) = file.strip_prefix("---\n")?.split_once("\n---\n")?;
    let field = |key: &str| {
        header.lines().find_map(|line| line.strip_prefix(key)?.strip_prefix(": ")).map(read_scalar)
    };
    Some((field("source")?, field("description").unwrap_or_default()))
}

/// The text of a one-line YAML scalar as [`yaml_scalar`] writes it: double-quoted with JSON's
/// escapes, or plain.
fn read_scalar(scalar: &str) -> String {
    let scalar = scalar.trim();
    let quoted = scalar.starts_with('"').then(|| serde_json::from_str(scalar).ok()).flatten();
    quoted.unwrap_or_else(|| scalar.to_owned())
}

/// The contents of a `.snap` file without its metadata header.
fn without_header(file: &str) -> &str {
    file.strip_prefix("---\n")
        .and_then(|rest| rest.find("\n---\n").map(|end| &rest[end + 5..]))
        .unwrap_or(file)
}

/// `text` as a YAML scalar: plain when it reads back as the same string (as insta writes a
/// path), else double-quoted.
fn yaml_scalar(text: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-');
    let reads_as_other_type = text.parse::<f64>().is_ok()
        || ["~", "null", "true", "false", "yes", "no", "on", "off"]
            .iter()
            .any(|word| text.eq_ignore_ascii_case(word));
    let plain = text.chars().all(safe) && !text.starts_with('-') && !text.is_empty() && !reads_as_other_type;
    if plain { text.to_owned() } else { serde_json::to_string(text).unwrap_or_default() }
}

#[cfg(test)]
mod tests {
    use corsproof_scenario::Outcome;

    use super::*;
    use crate::observe::{HeaderValues, RequestObservation, SeenRequest};

    #[test]
    fn a_snapshot_keeps_only_the_headers_its_scenario_names() {
        let mut request = RequestObservation::bare("GET {api}/t/{token1}/data", Outcome::Allowed);
        request.header_values = HeaderValues::read(
            [("date", "Thu, 03 Dec 2026 19:00:00 GMT"), ("x-total", "3")].map(|(n, v)| (n.into(), v.into())),
        );
        request.header_values.ask(["x-total".to_owned()]);
        request.server_saw = Some(vec![SeenRequest {
            method: "GET".into(),
            url: "{api}/t/{token1}/data".into(),
            origin: Some("{app}".into()),
            request_method: None,
            request_headers: None,
            cookies: false,
            authorization: false,
            headers: [("referer".to_owned(), Some("{app}/".to_owned()))].into_iter().collect(),
            received_headers: [("user-agent", "Browser/1"), ("referer", "{app}/")]
                .map(|(n, v)| (n.into(), v.into()))
                .to_vec(),
            status: None,
            cors_headers: vec![],
        }]);
        let observation = Observation {
            scenario: "one".into(),
            about: "About it".into(),
            page: "app".into(),
            page_origin: None,
            sandbox: false,
            requests: vec![request],
        };
        let body = SnapshotBody::of(&observation);
        assert!(body.as_str().contains("x-total: \"3\"") && body.as_str().contains("referer: \"{app}/\""));
        assert!(
            !body.as_str().contains("Thu, 03 Dec") && !body.as_str().contains("user-agent"),
            "{}",
            body.as_str()
        );
        let whole = serde_json::to_value(&observation).expect("JSON");
        assert_eq!(whole["requests"][0]["header_values"]["date"], "Thu, 03 Dec 2026 19:00:00 GMT");
        assert_eq!(whole["requests"][0]["server_saw"][0]["received_headers"][0][0], "user-agent");
    }

    #[test]
    fn the_snap_header_is_not_part_of_the_body() {
        assert_eq!(without_header("---\nsource: x\ndescription: \"y\"\n---\nscenario: 1\n"), "scenario: 1\n");
    }

    #[test]
    fn a_header_is_read_back_as_written_and_insta_s_own_fields_are_skipped() {
        let source = "my scenarios/a: b.toml";
        let written =
            format!("---\nsource: {}\ndescription: \"It \\\"works\\\"\"\n---\nx: 1\n", yaml_scalar(source));
        assert_eq!(read_header(&written), Some((source.to_owned(), "It \"works\"".to_owned())));
        let insta = "---\nsource: tests/a.rs\nassertion_line: 12\nexpression: value\n---\nx: 1\n";
        assert_eq!(read_header(insta), Some(("tests/a.rs".to_owned(), String::new())));
        assert_eq!(read_header("x: 1\n"), None, "no header");
        assert_eq!(read_header("---\ndescription: \"d\"\n---\nx: 1\n"), None, "no source");
        assert_eq!(read_header("---\nsource: a.toml\n"), None, "cut short");
    }

    #[test]
    fn a_path_is_written_plain_and_anything_else_quoted() {
        assert_eq!(yaml_scalar("scenarios/classic/basic.toml"), "scenarios/classic/basic.toml");
        assert_eq!(yaml_scalar("my scenarios/a: b.toml"), "\"my scenarios/a: b.toml\"");
        assert_eq!(yaml_scalar("true"), "\"true\"");
        assert_eq!(yaml_scalar("1.5"), "\"1.5\"");
        assert_eq!(yaml_scalar("-x.toml"), "\"-x.toml\"");
    }

    #[test]
    fn the_file_is_recorded_with_the_users_source_and_a_pending_file_is_settled() {
        let root = std::env::temp_dir().join(format!("corsproof-snapshot-file-{}", std::process::id()));
        let scenario_file = root.join("api.toml");
        let scenario = Scenario {
            name: "one".into(),
            about: "What \"one\" proves".into(),
            page: "app".into(),
            sandbox: false,
            public_page: false,
            local_network_granted: false,
            requests: vec![],
            cookies: Vec::new(),
            line: 1,
        };
        let snapshot = SnapshotFile::find(&scenario_file, &scenario, Engine::Firefox).unwrap();
        assert_eq!(snapshot.path(), root.join("snapshots/firefox/api__one.snap"));
        assert_eq!(snapshot.pending_path(), root.join("snapshots/firefox/api__one.snap.new"));
        let body = SnapshotBody("scenario: \"one\"\n".into());
        assert_eq!(snapshot.compare(&body), SnapshotState::New);

        snapshot.write_pending(&body).unwrap();
        assert_eq!(snapshot.record(&body).unwrap(), SnapshotState::New);
        assert!(!snapshot.pending_path().exists(), "recording settles the pending file");
        let written = std::fs::read_to_string(snapshot.path()).unwrap();
        let source = scenario_file.to_string_lossy();
        assert_eq!(
            written,
            format!(
                "---\nsource: {source}\ndescription: \"What \\\"one\\\" proves\"\n---\nscenario: \"one\"\n"
            )
        );
        assert_eq!(snapshot.stored(), Some(body.clone()));
        assert_eq!(snapshot.record(&body).unwrap(), SnapshotState::Matches);

        let changed = SnapshotBody("scenario: \"two\"\n".into());
        let SnapshotState::Changed(diff) = snapshot.compare(&changed) else { panic!("it changed") };
        assert!(diff.contains("-scenario: \"one\"") && diff.contains("+scenario: \"two\""), "{diff}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
