//! Scenario files.

pub mod model;
pub use model::*;
