//! What a scenario file may hold. Bad input must stay cheap: a fuzzed or generated file is
//! rejected, with the limit it passes named at its spot, in time and memory proportional to its
//! size, before any check multiplies its bulk into problems, runs or reports.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostic::Diagnostic;

/// The largest scenario file, in bytes (256 KiB). The corpus's largest file is under 10 KB; a
/// larger file is generated or broken. Parsing costs memory in proportion to the file (a dense
/// list of a quarter million numbers parses into some 60 MB before the list limit can refuse
/// it), so the limit keeps that bounded too.
pub const MAX_FILE_BYTES: usize = 256 * 1024;

/// The most items any list may hold: a server word's values, `readable_headers`,
/// `hidden_headers`, `server_saw`, and the `[[scenario]]`, `[[scenario.request]]` and
/// `[[scenario.cookie]]` tables of a file or scenario. Each item becomes header lines, requests or
/// report entries, so a list of thousands turns a small file into gigabytes of report.
pub const MAX_LIST_ITEMS: usize = 100;

/// The longest string value (a `body`, a header value, a `location`), in bytes (16 KiB): far
/// above what a test needs, far below what would make every copy of it in a URL, a snapshot or a
/// report costly.
pub const MAX_STRING_BYTES: usize = 16 * 1024;

/// The longest key (a table key, or a header name in a `headers` table), in bytes: a key is a
/// name, and names are quoted in error messages.
pub const MAX_KEY_BYTES: usize = 256;

/// The file is larger than [`MAX_FILE_BYTES`]: the problem sits where it passes the limit, and
/// says its size when known.
pub(crate) fn file_too_large(size: Option<u64>) -> Diagnostic {
    let size = match size {
        Some(size) => format!("{size} bytes"),
        None => format!("more than {MAX_FILE_BYTES} bytes"),
    };
    Diagnostic::new(
        MAX_FILE_BYTES..MAX_FILE_BYTES,
        format!("this file is {size}, more than a scenario file may hold; it passes the limit here"),
        Some(format!("a file of at most {MAX_FILE_BYTES} bytes (256 KiB)")),
    )
}

/// Every list, string and key of `document` over its limit, each at its spot, in file order
/// (the walk is iterative, so depth costs no stack).
pub(crate) fn over_limits(document: &Spanned<DeTable<'_>>) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let mut pending: Vec<&Spanned<DeValue<'_>>> = Vec::new();
    check_table(document.get_ref(), &mut pending, &mut problems);
    while let Some(value) = pending.pop() {
        match value.get_ref() {
            DeValue::String(text) if text.len() > MAX_STRING_BYTES => {
                problems.push(too_long(value.span(), "string", text.len(), MAX_STRING_BYTES));
            }
            DeValue::Array(items) => {
                if items.len() > MAX_LIST_ITEMS {
                    // Underlined from the first item past the limit: the array's own span may be
                    // megabytes long.
                    let first_over = items[MAX_LIST_ITEMS].span();
                    problems.push(Diagnostic::new(
                        first_over,
                        format!(
                            "this list has {} items, more than the {MAX_LIST_ITEMS} a list may hold; \
                             item {} is here",
                            items.len(),
                            MAX_LIST_ITEMS + 1
                        ),
                        Some(format!("at most {MAX_LIST_ITEMS} items")),
                    ));
                } else {
                    pending.extend(items.iter().rev());
                }
            }
            DeValue::Table(table) => check_table(table, &mut pending, &mut problems),
            _ => {}
        }
    }
    problems.sort_by_key(|problem| problem.span.start);
    problems
}

/// The keys of `table` over [`MAX_KEY_BYTES`]; its values are queued for the walk.
fn check_table<'t, 'i>(
    table: &'t DeTable<'i>,
    pending: &mut Vec<&'t Spanned<DeValue<'i>>>,
    problems: &mut Vec<Diagnostic>,
) {
    for (key, value) in table {
        if key.get_ref().len() > MAX_KEY_BYTES {
            problems.push(too_long(key.span(), "key", key.get_ref().len(), MAX_KEY_BYTES));
        }
        pending.push(value);
    }
}

fn too_long(span: Range<usize>, what: &str, length: usize, limit: usize) -> Diagnostic {
    Diagnostic::new(
        span,
        format!("this {what} is {length} bytes long, more than the {limit} a {what} may be"),
        Some(format!("a {what} of at most {limit} bytes")),
    )
}
