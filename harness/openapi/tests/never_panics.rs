//! Whatever the text, reading it ends with an API or located errors: no panic, no error
//! outside the text, and a rendering for each.

use proptest::prelude::*;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// Reads `text` and checks that every error is inside it and renders.
fn read_and_check(text: &str) {
    if let Err(errors) = corsproof_openapi::read(text) {
        assert!(!errors.0.is_empty());
        let lines = text.split('\n').count();
        for error in &errors.0 {
            assert!(error.line >= 1 && error.line <= lines + 1, "{error} is outside the {lines} lines");
            assert!(error.column >= 1, "{error}");
        }
        let rendered = errors.render("api.yaml", text);
        assert!(rendered.starts_with("api.yaml:"), "{rendered}");
    }
}

/// Pieces of YAML and JSON that reach past the syntax into the OpenAPI reading.
const PIECES: &[&str] = &[
    "openapi: 3.1.0\n",
    "{\"openapi\": \"3.0.0\", ",
    "paths:\n",
    "  /a/{id}:\n",
    "    get:\n",
    "    post: x\n",
    "      parameters:\n",
    "        - {name: id, in: path}\n",
    "        - $ref: '#/components/parameters/P'\n",
    "components:\n",
    "  parameters:\n",
    "    P: {$ref: '#/components/parameters/P'}\n",
    "security: [{a: []}, {}]\n",
    "      requestBody: {content: {application/json: {schema: {type: array, minItems: 1, items: {}}}}}\n",
    "      responses: {\"404\": {}, \"301\": {}}\n",
    "servers: [{url: \"{x}\"}]\n",
    "&a [*a]\n",
    "*b\n",
    "- ",
    ": ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "\"",
    "'",
    "\t",
    "\n",
    "  ",
    "#",
    "\\u00e9",
    "\\ud800",
    "é",
    "\u{feff}",
    "---\n",
    "...\n",
];

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        read_and_check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,300}") {
        read_and_check(&text);
    }

    #[test]
    fn documents_of_openapi_pieces_never_panic(pieces in proptest::collection::vec(0..PIECES.len(), 0..40)) {
        let text: String = pieces.iter().map(|piece| PIECES[*piece]).collect();
        read_and_check(&text);
    }

    #[test]
    fn damaged_fixtures_never_panic(
        fixture_index in 0..2usize,
        cut in any::<prop::sample::Index>(),
        length in 0..40usize,
        insert in ".{0,8}",
    ) {
        let text = fixture(["shelter-3.0.yaml", "cafe-3.1.json"][fixture_index]);
        let characters: Vec<char> = text.chars().collect();
        let at = cut.index(characters.len());
        let end = (at + length).min(characters.len());
        let damaged: String =
            characters[..at].iter().copied().chain(insert.chars()).chain(characters[end..].iter().copied()).collect();
        read_and_check(&damaged);
    }
}

#[test]
fn huge_and_deep_inputs_end_in_errors() {
    for text in
        ["[".repeat(1_000_000), "{\"a\":".repeat(100_000), "- ".repeat(100_000), "a:\n ".repeat(50_000)]
    {
        let errors = corsproof_openapi::read(&text).expect_err("not a document");
        assert!(!errors.0.is_empty());
    }
}
