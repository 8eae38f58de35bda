//! The first step of a run: the scenario files under the given paths, loaded and validated,
//! each scenario a [`Job`].

use std::path::PathBuf;

use corsproof_scenario::ScenarioError;

use crate::page::PageOrigin;
use crate::run::Job;

/// The scenarios to run and the files that could not be loaded.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// The files that loaded, in the order they were found.
    pub files: Vec<PathBuf>,
    /// Their scenarios that the filter kept, in file order.
    pub jobs: Vec<Job>,
    /// The files that could not be loaded, every problem located.
    pub load_errors: Vec<ScenarioError>,
}

impl Listing {
    /// Finds the scenario files among `paths` (folders are searched for `*.toml`), loads them,
    /// and keeps the scenarios whose `file::name` contains `filter` (all without one). A file
    /// that does not load does not stop the others.
    pub fn load(paths: &[PathBuf], filter: Option<&str>) -> Self {
        Self::load_with_pages(paths, filter, &[])
    }

    /// [`load`](Self::load), where a scenario's `page` may also name one of `pages`: the page
    /// origins the run puts pages at (`[pages]`, `--page`).
    pub fn load_with_pages(paths: &[PathBuf], filter: Option<&str>, pages: &[PageOrigin]) -> Self {
        let names: Vec<String> = pages.iter().map(|page| page.name.clone()).collect();
        let mut listing = Listing::default();
        for loaded in corsproof_scenario::load_all_with_pages(&corsproof_scenario::discover(paths), &names) {
            match loaded {
                Ok(file) => {
                    for scenario in file.scenarios {
                        let id = format!("{}::{}", file.path.display(), scenario.name);
                        if filter.is_none_or(|pattern| id.contains(pattern)) {
                            listing.jobs.push(Job { file: file.path.clone(), scenario });
                        }
                    }
                    listing.files.push(file.path);
                }
                Err(error) => listing.load_errors.push(error),
            }
        }
        listing
    }
}
