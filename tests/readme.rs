//! The READMEs' promises about the query vocabulary and the origins match the code. The two
//! vocabulary tables (README.md's and harness/scenario/README.md's) are generated from the
//! words' descriptions (`Word::spec`): this test checks every row's text, and
//! `CORSPROOF_README=write cargo test --test readme` writes them afresh.

use std::path::{Path, PathBuf};

use corsproof_behaviour::vocabulary::Word;

const README: &str = include_str!("../README.md");

/// The files that carry the vocabulary table, from the workspace root.
const TABLE_FILES: [&str; 2] = ["README.md", "harness/scenario/README.md"];

/// The line before a generated table.
const TABLE_START: &str = "<!-- The vocabulary table, generated from `Word::spec` by tests/readme.rs: edit the words, not this. -->\n";
/// The line after it.
const TABLE_END: &str = "<!-- End of the vocabulary table. -->\n";

/// The vocabulary as a Markdown table, between blank lines: one row per word, in the
/// vocabulary's order.
fn vocabulary_table() -> String {
    let mut table = String::from("\n| word | meaning | repeatable |\n| --- | --- | --- |\n");
    for word in Word::ALL {
        let spec = word.spec();
        let repeatable = if spec.repeatable { "yes" } else { "no" };
        table.push_str(&format!("| `{}` | {} | {repeatable} |\n", spec.key, spec.meaning));
    }
    table.push('\n');
    table
}

/// `text` with the generated table between the markers replaced by `table`; `None` without
/// the markers.
fn with_table(text: &str, table: &str) -> Option<String> {
    let (before, rest) = text.split_once(TABLE_START)?;
    let (_, after) = rest.split_once(TABLE_END)?;
    Some(format!("{before}{TABLE_START}{table}{TABLE_END}{after}"))
}

#[test]
fn the_vocabulary_tables_are_the_word_descriptions() {
    let table = vocabulary_table();
    let write = std::env::var("CORSPROOF_README").is_ok_and(|value| value == "write");
    for file in TABLE_FILES {
        let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        let expected = with_table(&text, &table).unwrap_or_else(|| {
            panic!("{file} has no vocabulary table between {TABLE_START:?} and {TABLE_END:?}")
        });
        if write {
            std::fs::write(&path, &expected).unwrap_or_else(|e| panic!("{file}: {e}"));
        } else {
            assert!(
                text == expected,
                "{file}'s vocabulary table is not the words' descriptions; write it with \
                 `CORSPROOF_README=write cargo test --test readme`. Expected:\n{table}"
            );
        }
    }
}

#[test]
fn the_readme_documents_every_vocabulary_word() {
    for word in Word::ALL {
        let row = format!("| `{}` |", word.key());
        assert!(README.contains(&row), "README.md has no vocabulary row for `{}`", word.key());
    }
}

#[test]
fn the_readme_lists_every_named_origin() {
    for (name, host, _) in corsproof_behaviour::ORIGIN_TABLE {
        let listed = README.lines().any(|line| line.starts_with(name) && line.contains(host));
        assert!(listed, "README.md does not show the origin {name} ({host})");
    }
}

#[test]
fn the_scenario_readme_names_every_origin() {
    let readme = include_str!("../harness/scenario/README.md");
    let (_, origins) =
        readme.split_once("## Origins\n").expect("harness/scenario/README.md has an Origins section");
    let section = origins.split("\n## ").next().unwrap_or(origins);
    for (name, _, _) in corsproof_behaviour::ORIGIN_TABLE {
        assert!(
            section.contains(&format!("`{name}`")),
            "harness/scenario/README.md's Origins section lacks `{name}`"
        );
    }
}
