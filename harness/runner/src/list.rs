//! The first step of a run: the scenario files under the given paths, loaded and validated,
//! each scenario a [`Job`].

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
