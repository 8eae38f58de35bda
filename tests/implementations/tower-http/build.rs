//! Compiles every snippet in `CORSPROOF_SNIPPETS_DIR` (one `*.snippet` file each) into a
//! `with_cors` function, as the snippet contract says:
//! `fn with_cors(app: axum::Router) -> axum::Router { SNIPPET app }`, listed in `SNIPPETS` with
//! the text it was made from, so that the server can find the one `CORSPROOF_SNIPPET` holds.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-env-changed=CORSPROOF_SNIPPETS_DIR");
    let mut files: Vec<PathBuf> = Vec::new();
    if let Some(dir) = std::env::var_os("CORSPROOF_SNIPPETS_DIR") {
        let dir = PathBuf::from(dir);
        println!("cargo::rerun-if-changed={}", dir.display());
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        files = entries
            .filter_map(|entry| Some(entry.ok()?.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "snippet"))
            .collect();
        files.sort();
    }
    let mut out = String::new();
    let mut table = String::from("/// Every compiled snippet: its text and its `with_cors`.\n");
    table.push_str("static SNIPPETS: &[(&str, fn(axum::Router) -> axum::Router)] = &[\n");
    for (index, path) in files.iter().enumerate() {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let _ = writeln!(
            out,
            "#[allow(unused_imports, clippy::all)]\nfn with_cors_{index}(app: axum::Router) -> axum::Router {{\n{text}\napp\n}}\n"
        );
        let _ = writeln!(table, "    (include_str!({:?}), with_cors_{index}),", path.display().to_string());
    }
    table.push_str("];\n");
    out.push_str(&table);
    let generated = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("snippets.rs");
    std::fs::write(&generated, out).expect("OUT_DIR is writable");
}
