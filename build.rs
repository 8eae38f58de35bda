//! The snapshot suite has one test case per scenario file, found when the tests compile; a new or
//! removed file must recompile them.

fn main() {
    println!("cargo:rerun-if-changed=scenarios");
}
