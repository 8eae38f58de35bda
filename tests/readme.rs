//! The README's promises about the query vocabulary match the code.

use corsproof_behaviour::vocabulary::Word;

const README: &str = include_str!("../README.md");

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
