//! HTTP Archive files ([HAR 1.2](http://www.softwareishard.com/blog/har-12-spec/)) as Chromium,
//! Firefox and WebKit (Safari) export them from their developer tools ("Save all as HAR"), and as
//! corsproof writes them from what it really exchanged.
//!
//! The [`model`] is the format as data: every object of the specification, the fields the
//! engines add (`_initiator`, `_fromCache`, `_resourceType`) and corsproof's own verdict
//! (`_corsproof`). Fields the specification requires but the engines' exports leave out default
//! when read, and anything else an engine adds is kept, so a file reads and writes back whole.
//!
//! [`read`] reads a file's text with located errors (a JSON error's line and column, or the path
//! of the field a HAR needs: `log.entries[3].response.status`); [`fetches`] groups the entries
//! into the page's cross-origin fetches (preflight, actual request, redirect hops, the page's
//! origin); [`judge`] judges each with the oracle as the engine that recorded the file, and says
//! what the file itself recorded. `corsproof explain FILE.har` is these three.
//!
//! No I/O: the command line reads the file, this crate reads the text.
//!
//! ```
//! use corsproof_har::model::{Har, Header};
//!
//! let har: Har = serde_json::from_str(
//!     r#"{"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
//!         "entries": [{"startedDateTime": "2026-12-03T10:00:00.000Z", "time": 12.5,
//!           "request": {"method": "OPTIONS", "url": "https://api.example.com/items",
//!             "httpVersion": "HTTP/1.1", "headers": [{"name": "Origin", "value": "https://app.example.com"}]},
//!           "response": {"status": 204, "statusText": "No Content", "headers": []},
//!           "_resourceType": "preflight"}]}}"#,
//! )
//! .unwrap();
//! let entry = &har.log.entries[0];
//! assert_eq!(entry.request.header("origin"), Some("https://app.example.com"));
//! assert_eq!(entry.resource_type.as_deref(), Some("preflight"));
//! assert_eq!(entry.request.headers[0], Header::new("Origin", "https://app.example.com"));
//! ```

pub mod fetches;
pub mod judge;
pub mod model;
pub mod read;
pub mod spec;
pub mod write;
