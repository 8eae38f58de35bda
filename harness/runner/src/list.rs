//! The first step of a run: the scenario files under the given paths, loaded and validated,
//! each scenario a [`Job`].

use std::fmt;
use std::path::PathBuf;

use corsproof_scenario::ScenarioError;

use crate::page::PageOrigin;
use crate::run::Job;
use crate::snapshot::SnapshotLocation;

/// The scenarios to run and the files that could not be loaded.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// The files that loaded, in the order they were found.
    pub files: Vec<PathBuf>,
    /// Their scenarios that the filter kept, in file order.
    pub jobs: Vec<Job>,
    /// The files that could not be loaded, every problem located.
    pub load_errors: Vec<ScenarioError>,
    /// The `file::name` of each scenario of the loaded files that the filter left out, in file
    /// order: what a filter that kept nothing could have matched.
    pub filtered_out: Vec<String>,
}

/// Why a listing has no scenario to run. A run of nothing would pass by accident (`0 passed, 0
/// failed`), so it is an error, told before any browser or server starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NothingToRun {
    /// The paths given hold no scenario file (`*.toml`).
    NoScenarioFile {
        /// The paths given.
        paths: Vec<PathBuf>,
    },
    /// Every scenario file failed to load (their load errors say why).
    NoFileLoaded {
        /// How many files failed.
        failed: usize,
    },
    /// The filter kept none of the scenarios of the files that loaded.
    FilterMatchedNone {
        /// The filter.
        filter: String,
        /// The `file::name` of every scenario it could have matched.
        scenarios: Vec<String>,
    },
}

/// How many scenarios [`NothingToRun::FilterMatchedNone`] names, for an idea of their names.
const SCENARIOS_NAMED: usize = 3;

impl fmt::Display for NothingToRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NothingToRun::NoScenarioFile { paths } => {
                let paths: Vec<String> = paths.iter().map(|path| path.display().to_string()).collect();
                write!(f, "no scenario file (`*.toml`) in {}", paths.join(", "))
            }
            NothingToRun::NoFileLoaded { failed: 1 } => {
                write!(f, "nothing to run: the one scenario file did not load")
            }
            NothingToRun::NoFileLoaded { failed } => {
                write!(f, "nothing to run: none of the {failed} scenario files loaded")
            }
            NothingToRun::FilterMatchedNone { filter, scenarios } => {
                let count = match scenarios.len() {
                    1 => "the one scenario".to_owned(),
                    count => format!("the {count} scenarios"),
                };
                write!(f, "--filter `{filter}` matched none of {count} in the files given")?;
                let named: Vec<String> =
                    scenarios.iter().take(SCENARIOS_NAMED).map(|id| format!("`{id}`")).collect();
                match scenarios.len() {
                    0 => Ok(()),
                    count if count <= SCENARIOS_NAMED => write!(f, ": {}", named.join(", ")),
                    _ => write!(f, ", such as {}", named.join(", ")),
                }
            }
        }
    }
}

impl Listing {
    /// Finds the scenario files among `paths` (folders are searched for `*.toml`), loads them,
    /// and keeps the scenarios whose `file::name` contains `filter` (all without one). A file
    /// that does not load does not stop the others; a scenario name too long for its snapshot's
    /// file name is a load error of its file.
    pub fn load(paths: &[PathBuf], filter: Option<&str>) -> Self {
        Self::load_with_pages(paths, filter, &[])
    }

    /// [`load`](Self::load), where a scenario's `page` may also name one of `pages`: the page
    /// origins the run puts pages at (`[pages]`, `--page`).
    pub fn load_with_pages(paths: &[PathBuf], filter: Option<&str>, pages: &[PageOrigin]) -> Self {
        let names: Vec<String> = pages.iter().map(|page| page.name.clone()).collect();
        let mut listing = Listing::default();
        let files = corsproof_scenario::discover(paths);
        for loaded in
            corsproof_scenario::load_all_with_pages(&files, &names, Some(&SnapshotLocation::name_prefix))
        {
            match loaded {
                Ok(file) => {
                    for scenario in file.scenarios {
                        let id = format!("{}::{}", file.path.display(), scenario.name);
                        if filter.is_none_or(|pattern| id.contains(pattern)) {
                            listing.jobs.push(Job { file: file.path.clone(), scenario });
                        } else {
                            listing.filtered_out.push(id);
                        }
                    }
                    listing.files.push(file.path);
                }
                Err(error) => listing.load_errors.push(error),
            }
        }
        listing
    }

    /// Why there is nothing to run, when there is not, for a listing loaded from `paths` with
    /// `filter`.
    pub fn nothing_to_run(&self, paths: &[PathBuf], filter: Option<&str>) -> Option<NothingToRun> {
        if !self.jobs.is_empty() {
            return None;
        }
        Some(match (self.files.is_empty(), self.load_errors.len()) {
            (true, 0) => NothingToRun::NoScenarioFile { paths: paths.to_vec() },
            (true, failed) => NothingToRun::NoFileLoaded { failed },
            // A file that loads has a scenario, so only the filter can have left out every one.
            (false, _) => NothingToRun::FilterMatchedNone {
                filter: filter.unwrap_or_default().to_owned(),
                scenarios: self.filtered_out.clone(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_SCENARIOS: &str = r#"
[[scenario]]
name = "first"
about = "A simple GET"
page = "app"

[[scenario.request]]
to = "api"

[scenario.request.expect]
outcome = "blocked"

[[scenario]]
name = "second"
about = "The same GET again"
page = "app"

[[scenario.request]]
to = "api"

[scenario.request.expect]
outcome = "blocked"
"#;

    /// A fresh temp folder named after `name`, with `files` in it.
    fn folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("corsproof-list-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (file, text) in files {
            std::fs::write(dir.join(file), text).unwrap();
        }
        dir
    }

    #[test]
    fn a_folder_without_scenario_files_has_nothing_to_run() {
        let dir = folder("empty", &[("notes.txt", "not a scenario")]);
        let paths = vec![dir.clone()];
        let nothing = Listing::load(&paths, None).nothing_to_run(&paths, None);
        assert_eq!(nothing, Some(NothingToRun::NoScenarioFile { paths: paths.clone() }));
        assert_eq!(nothing.unwrap().to_string(), format!("no scenario file (`*.toml`) in {}", dir.display()));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn files_that_all_fail_to_load_have_nothing_to_run() {
        let dir = folder("broken", &[("a.toml", "[[scenario]]\nname = 1\n"), ("b.toml", "not toml")]);
        let paths = vec![dir.clone()];
        let listing = Listing::load(&paths, None);
        assert_eq!(listing.load_errors.len(), 2);
        let nothing = listing.nothing_to_run(&paths, None).unwrap();
        assert_eq!(nothing, NothingToRun::NoFileLoaded { failed: 2 });
        assert_eq!(nothing.to_string(), "nothing to run: none of the 2 scenario files loaded");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_filter_that_keeps_nothing_names_what_it_could_have_matched() {
        let dir = folder("filter", &[("a.toml", TWO_SCENARIOS), ("b.toml", TWO_SCENARIOS)]);
        let paths = vec![dir.clone()];
        let kept = Listing::load(&paths, Some("a.toml::sec"));
        assert_eq!(kept.jobs.len(), 1);
        assert_eq!(kept.filtered_out.len(), 3);
        assert_eq!(kept.nothing_to_run(&paths, Some("a.toml::sec")), None);

        let listing = Listing::load(&paths, Some("third"));
        let a = dir.join("a.toml").display().to_string();
        let nothing = listing.nothing_to_run(&paths, Some("third")).unwrap();
        assert_eq!(
            nothing.to_string(),
            format!(
                "--filter `third` matched none of the 4 scenarios in the files given, such as \
                 `{a}::first`, `{a}::second`, `{}::first`",
                dir.join("b.toml").display()
            )
        );
        let one = dir.join("a.toml");
        let nothing = Listing::load(std::slice::from_ref(&one), Some("x")).nothing_to_run(&[one], Some("x"));
        assert_eq!(
            nothing.unwrap().to_string(),
            format!(
                "--filter `x` matched none of the 2 scenarios in the files given: `{a}::first`, `{a}::second`"
            )
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
