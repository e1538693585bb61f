//! The engine is pure: it depends on nothing that reaches a browser or draws random numbers, and
//! so it runs the same in the app, the command line and the tests. What its own code may not
//! call (hash maps, clocks, files, the network, the environment) is banned in
//! `crates/engine/clippy.toml`, which `cargo clippy -D warnings` enforces.

use std::process::Command;

const FORBIDDEN: &[&str] = &[
    "leptos",
    "web-sys",
    "wasm-bindgen",
    "js-sys",
    "gloo",
    "rand",
    "getrandom",
];

#[test]
fn engine_depends_on_no_browser_crate() {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--package",
            "swarmplan-engine",
            "--edges",
            "normal,build",
            "--prefix",
            "none",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8(output.stdout).expect("cargo tree prints UTF-8");
    assert!(
        tree.contains("swarmplan-engine"),
        "the tree names the engine itself:\n{tree}"
    );
    for line in tree.lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        for forbidden in FORBIDDEN {
            assert!(
                !name.starts_with(forbidden),
                "the engine must not depend on {forbidden}, but its dependency tree has `{line}`"
            );
        }
    }
}
