//! Scenario files: what a page at one origin asks, how the server answers, what the author
//! expects.
//!
//! [`discover`] finds the files, [`load`] reads one into a [`ScenarioFile`] (the plain data in
//! [`model`]), and every problem of a broken file comes back in a [`ScenarioError`] that names
//! the file, line and column, shows the source line and says what was expected. [`to_toml`]
//! writes a scenario back, for generated cases. The format is
//! described in this crate's README.

mod diagnostic;
mod limits;
mod load;
pub mod model;
mod placeholder;
mod write;

pub use diagnostic::{
    Diagnostic, MAX_ERRORS_SHOWN, MAX_SHOWN_LINE_CHARS, MAX_SHOWN_MESSAGE_CHARS, ScenarioError,
};
pub use limits::{MAX_FILE_BYTES, MAX_KEY_BYTES, MAX_LIST_ITEMS, MAX_STRING_BYTES};
pub use load::{
    FILE_NAME_MAX, SnapshotPrefix, discover, load, load_all, load_all_with_pages, parse_str,
    parse_str_with_pages,
};
pub use model::*;
pub use placeholder::{HOST_SUFFIX, fill_placeholders};
pub use write::to_toml;
