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

/// Why the projects of a run's paths give no single set of page origins.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PagesError {
    /// A project file cannot be used.
    #[error(transparent)]
    Project(#[from] ProjectConfigError),
    /// Two projects place one page at two origins.
    #[error(
        "{}: the page `{name}` is at {origin} here and at {other} in {}; give it one origin with --page {name}=ORIGIN",
        file.display(),
        other_file.display()
    )]
    Conflict {
        /// The page's name.
        name: String,
        /// Its origin in `file`.
        origin: String,
        /// The `corsproof.toml` that places it there.
        file: PathBuf,
        /// Its origin in the project read first.
        other: String,
        /// That project's `corsproof.toml`.
        other_file: PathBuf,
    },
}

impl PagesError {
    /// The `corsproof.toml` at fault.
    pub fn file(&self) -> &Path {
        match self {
            PagesError::Project(
                ProjectConfigError::Syntax { file, .. } | ProjectConfigError::Page { file, .. },
            )
            | PagesError::Conflict { file, .. } => file,
        }
    }
}

/// The page origins a run of `paths` uses: the `[pages]` of each path's `corsproof.toml`, then
/// `overrides` (`--page`) over them; and every problem met on the way (a project file that
/// cannot be used is skipped, a conflicting page keeps its first origin). `run`, `record` and
/// `check-scenarios` all place pages this one way.
pub fn pages_of(paths: &[PathBuf], overrides: &[PageOrigin]) -> (Vec<PageOrigin>, Vec<PagesError>) {
    let mut chosen: Vec<(PageOrigin, PathBuf)> = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        let project = match Project::of(path) {
            Ok(Some(project)) => project,
            Ok(None) => continue,
            Err(error) => {
                problems.push(PagesError::Project(error));
                continue;
            }
        };
        for page in project.pages {
            match chosen.iter().find(|(known, _)| known.name == page.name) {
                Some((known, _)) if known == &page => {}
                Some((known, other_file)) => problems.push(PagesError::Conflict {
                    name: page.name.clone(),
                    origin: page.origin(),
                    file: project.file.clone(),
                    other: known.origin(),
                    other_file: other_file.clone(),
                }),
                None => chosen.push((page, project.file.clone())),
            }
        }
    }
    let pages = crate::page::with_overrides(chosen.into_iter().map(|(page, _)| page).collect(), overrides);
    (pages, problems)
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

    #[test]
    fn two_projects_placing_one_page_at_two_origins_is_a_problem_of_the_second() {
        let root = std::env::temp_dir().join(format!("corsproof-pages-of-{}", std::process::id()));
        let (first, second) = (root.join("a"), root.join("b"));
        for (folder, origin) in [(&first, "https://app.example.com"), (&second, "https://app.example.org")] {
            std::fs::create_dir_all(folder).unwrap();
            std::fs::write(folder.join("corsproof.toml"), format!("[pages]\napp = \"{origin}\"\n")).unwrap();
        }
        let (pages, problems) = pages_of(&[first.clone(), second.clone()], &[]);
        assert_eq!(pages.iter().map(PageOrigin::origin).collect::<Vec<_>>(), ["https://app.example.com"]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].file(), second.join("corsproof.toml"));
        assert!(problems[0].to_string().contains("--page app=ORIGIN"), "{}", problems[0]);

        let chosen = PageOrigin::parse_flag("app=https://app.example.net").unwrap();
        let (pages, _) = pages_of(&[first, second], &[chosen]);
        assert_eq!(pages.iter().map(PageOrigin::origin).collect::<Vec<_>>(), ["https://app.example.net"]);
        let _ = std::fs::remove_dir_all(&root);
    }
}
