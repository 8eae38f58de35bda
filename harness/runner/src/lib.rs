//! Runs scenario files in a real browser and reports what happened.
//!
//! The pipeline, like a test runner's: **list** ([`Listing`]: `corsproof_scenario` loads and
//! validates the files), **plan** ([`plan`]: each request gets its URL, token and behaviour),
//! **run** ([`pipeline::run`]: one [`Runner`] per engine, each with one mock server and one
//! browser session, pages shared by many scenarios; every step told to a [`Reporter`] as an
//! [`Event`]), **observe** ([`observe`]: page, console and journal become an [`Observation`]),
//! **check** ([`expect`]: the author's expectations), **snapshot** ([`snapshot`]: one
//! [`SnapshotFile`](snapshot::SnapshotFile) owns each `.snap`) and **report** ([`report`],
//! which knows nothing of how scenarios run).

mod event;
mod evidence;
pub mod expect;
pub mod fate;
pub mod har;
mod list;
pub mod matrix;
pub mod observe;
pub mod page;
pub mod pipeline;
pub mod plan;
pub mod predict;
pub mod project;
pub mod report;
mod run;
pub mod snapshot;

pub use event::{Event, Reporter};
pub use expect::Mismatch;
pub use list::{Listing, NothingToRun};
pub use observe::{HeaderValues, Observation, ReasonSource, RequestObservation, SeenRequest};
pub use page::{PageOrigin, PageOriginError};
pub use project::{PagesError, Project, ProjectConfigError, pages_of};
pub use run::{EXPECTATIONS_ENGINE, Job, JobResult, RunConfig, RunError, Runner, ScenarioRunError, host_map};
