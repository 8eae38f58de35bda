//! Runs scenario files in a real browser and reports what happened.
//!
//! The pipeline, like a test runner's: **list** (`corsproof_scenario` loads and validates the
//! files), **plan** ([`plan`]: each request gets its URL, token and behaviour), **run**
//! ([`Runner`]: one mock server, one browser session, pages shared by many scenarios),
//! **observe** ([`observe`]: page, console and journal become an [`Observation`]), **check**
//! ([`expect`]: the author's expectations), **snapshot** ([`snapshot`]) and **report**
//! ([`report`], which knows nothing of how scenarios run).

pub mod expect;
pub mod matrix;
pub mod observe;
pub mod plan;
pub mod predict;
pub mod report;
mod run;
pub mod snapshot;

pub use expect::Mismatch;
pub use observe::{Observation, RequestObservation, SeenRequest};
pub use run::{EXPECTATIONS_ENGINE, Job, JobResult, RunConfig, RunError, Runner};
