//! The engine is pure: it depends on nothing that reaches a browser, and so it runs the same in
//! the app, the command line and the tests.

use std::process::Command;

const FORBIDDEN: &[&str] = &["leptos", "web-sys", "wasm-bindgen", "js-sys", "gloo"];

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

#[test]
fn engine_source_uses_no_clock_or_randomness() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source is UTF-8");
            for banned in [
                "std::time",
                "SystemTime",
                "Instant::now",
                "std::fs",
                "std::net::TcpStream",
                "HashMap",
                "HashSet",
                "rand::",
            ] {
                assert!(
                    !text.contains(banned),
                    "{} uses {banned}: the engine is pure and deterministic",
                    path.display()
                );
            }
        }
    }
}
