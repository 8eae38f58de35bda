//! `corsproof.toml`: a project's settings. Where its scenario files and snapshots are, and the
//! origins its scenarios' pages are at:
//!
//! ```toml
//! scenarios = "scenarios"   # the default
//! snapshots = "snapshots"   # the default; each engine's snapshots in a folder of its own below
//!
//! [pages]
//! app = "https://app.example.com"
//! partner = "https://partner.example.org"
//! ```
//!
//! The file governs the scenario files below its folder; it is found by looking up from a
//! scenario file, as cargo finds `Cargo.toml`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::page::{PageOrigin, PageOriginError};

/// The file that holds a project's settings.
pub const CONFIG_FILE: &str = "corsproof.toml";

/// A project: the folder of its `corsproof.toml` and what that file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// The `corsproof.toml`.
    pub file: PathBuf,
    /// The folder of scenario files, relative to the file's folder.
    pub scenarios: PathBuf,
    /// The folder of snapshots, relative to the file's folder.
    pub snapshots: PathBuf,
    /// The page origins it chose, in the file's order of names (sorted).
    pub pages: Vec<PageOrigin>,
}

/// A `corsproof.toml` cannot be used: where scenarios, snapshots or pages are is then unknown,
/// and guessing would look where the project does not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectConfigError {
    /// The file is not the TOML it should be (the error names the line and column).
    #[error("{}: {error}", file.display())]
    Syntax {
        /// The `corsproof.toml`.
        file: PathBuf,
        /// What is wrong, and where.
        error: toml::de::Error,
    },
    /// A page origin in `[pages]` cannot work.
    #[error("{}:{line}:{column}: [pages] {name}: {error}", file.display())]
    Page {
        /// The `corsproof.toml`.
        file: PathBuf,
        /// The line of the page's value, from 1.
        line: usize,
        /// Its column, from 1.
        column: usize,
        /// The page's name.
        name: String,
        /// Why it cannot work.
        error: PageOriginError,
    },
}

/// The file as written.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    #[serde(default = "default_scenarios")]
    scenarios: PathBuf,
    #[serde(default = "default_snapshots")]
    snapshots: PathBuf,
    #[serde(default)]
    pages: BTreeMap<String, toml::Spanned<String>>,
}

fn default_scenarios() -> PathBuf {
    PathBuf::from("scenarios")
}

fn default_snapshots() -> PathBuf {
    PathBuf::from("snapshots")
}

impl Project {
    /// The project that governs the scenario file `file`: the nearest `corsproof.toml` in a
    /// folder above it; `None` when there is none.
    pub fn above(file: &Path) -> Result<Option<Self>, ProjectConfigError> {
        let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        Self::nearest(absolute.ancestors().skip(1))
    }

    /// The project that governs `path`, a scenario file or a folder of them (a folder's own
    /// `corsproof.toml` counts).
    pub fn of(path: &Path) -> Result<Option<Self>, ProjectConfigError> {
        if path.is_dir() {
            let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
            Self::nearest(absolute.ancestors())
        } else {
            Self::above(path)
        }
    }

    fn nearest<'a>(mut folders: impl Iterator<Item = &'a Path>) -> Result<Option<Self>, ProjectConfigError> {
        folders
            .find_map(|folder| {
                let file = folder.join(CONFIG_FILE);
                let text = std::fs::read_to_string(&file).ok()?;
                Some(Self::parse(file, &text))
            })
            .transpose()
    }

    /// The project whose `corsproof.toml` is `file` and says `text`.
    pub fn parse(file: PathBuf, text: &str) -> Result<Self, ProjectConfigError> {
        let settings: Settings = match toml::from_str(text) {
            Ok(settings) => settings,
            Err(error) => return Err(ProjectConfigError::Syntax { file, error }),
        };
        let mut pages = Vec::with_capacity(settings.pages.len());
        for (name, origin) in &settings.pages {
            match PageOrigin::parse(name, origin.get_ref()) {
                Ok(page) => pages.push(page),
                Err(error) => {
                    let (line, column) = line_and_column(text, origin.span().start);
                    return Err(ProjectConfigError::Page { file, line, column, name: name.clone(), error });
                }
            }
        }
        Ok(Self { file, scenarios: settings.scenarios, snapshots: settings.snapshots, pages })
    }

    /// The folder of the `corsproof.toml`.
    pub fn folder(&self) -> &Path {
        self.file.parent().unwrap_or(Path::new("."))
    }
}

/// The line and column, from 1, of the byte `offset` of `text`.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |last| last.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_read_and_a_bad_one_is_named_by_line_and_column() {
        let file = PathBuf::from("corsproof.toml");
        let project = Project::parse(
            file.clone(),
            "snapshots = \"tests/snapshots\"\n\n[pages]\napp = \"https://app.example.com\"\npartner = \"http://partner.example:8080\"\n",
        )
        .unwrap();
        assert_eq!(
            (project.scenarios.as_path(), project.snapshots.as_path()),
            (Path::new("scenarios"), Path::new("tests/snapshots"))
        );
        let pages: Vec<String> = project.pages.iter().map(ToString::to_string).collect();
        assert_eq!(pages, ["app = https://app.example.com", "partner = http://partner.example:8080"]);

        let error = Project::parse(
            file.clone(),
            "[pages]\napp = \"https://app.example.com\"\nold =  \"gopher://x\"\n",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            error,
            "corsproof.toml:3:8: [pages] old: `gopher://x` is not an http:// or https:// origin"
        );
        let error = Project::parse(file, "[page]\napp = \"x\"\n").unwrap_err().to_string();
        assert!(error.contains("corsproof.toml") && error.contains("unknown field `page`"), "{error}");
    }
}
