//! The app's modules stand on floors, as the engine's do (`crates/engine/tests/layers.rs`), and
//! every import points down: a module uses only modules on floors below its own (and its own
//! submodules; `components/` is one module). The floors, bottom up:
//!
//! 0. `edit`, `state`, `whatif`, `share`, `ticks`, `cluster`, `sizing_form`, `keyed`,
//!    `browser`: plain values and logic over the engine's, and the browser's own calls;
//! 1. `history`, `tool`, `opening`, `verdict`, `storage`: what is built on those;
//! 2. `on_demand`: the plain code loaded on demand, and how a split point is declared; `crash`:
//!    what a panic leaves for the next page;
//! 3. `ctx`: the signals and types every component shares;
//! 4. `components`: the views;
//! 5. `views_on_demand`: the views loaded on demand, which name the components they load;
//! 6. `app`: the assembly of the page.
//!
//! A circle (two modules importing each other, such as `app` and the components that took `Ctx`
//! from it) cannot satisfy this, so the test also keeps the app free of them.
//!
//! Besides the components, only `browser` and `storage` call the browser's own API (web-sys,
//! js-sys); `app` listens to the window through Leptos' helpers. A second test keeps it so.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const FLOORS: &[&[&str]] = &[
    &[
        "edit",
        "state",
        "whatif",
        "share",
        "ticks",
        "cluster",
        "sizing_form",
        "keyed",
        "browser",
    ],
    &["history", "tool", "opening", "verdict", "storage"],
    &["on_demand", "crash"],
    &["ctx"],
    &["components"],
    &["views_on_demand"],
    &["app"],
];

fn floor_of(module: &str) -> Option<usize> {
    FLOORS.iter().position(|floor| floor.contains(&module))
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the app's sources") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level app modules a source text names through `crate::`: `crate::ctx::Ctx`,
/// `crate::{browser, edit::Place}`, `use crate::edit;`.
fn crate_references(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        // `$crate::` in macros, or `swarmplan_crate::`: not this crate's path.
        let before = rest[..at].chars().last();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            rest = after;
            continue;
        }
        if let Some(group) = after.strip_prefix('{') {
            // A group: the first identifier of each comma-separated item at depth 0.
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_ascii_alphabetic() || c == '_') => {
                        found.push(ident(&group[i..]));
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            found.push(ident(after));
        }
        rest = after;
    }
    found
}

/// A source file's code as built: without comments (which may name any module) and without its
/// unit tests (which may use the whole app to set up a case).
fn code_of(text: &str) -> String {
    let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    code.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level module a source file belongs to: `components/topology/shapes.rs` →
/// `components`.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("under src/");
    let first = relative
        .components()
        .next()
        .expect("a file")
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    first.trim_end_matches(".rs").to_owned()
}

#[test]
fn every_app_import_points_to_a_lower_floor() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let mut violations: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut unplaced = Vec::new();
    let mut checked = 0;
    for file in &files {
        let module = module_of(&src, file);
        if module == "main" {
            continue;
        }
        let Some(own) = floor_of(&module) else {
            unplaced.push(module);
            continue;
        };
        let text = std::fs::read_to_string(file).expect("a source file");
        for name in crate_references(&code_of(&text)) {
            if name == module || matches!(name.as_str(), "" | "self" | "super") {
                continue;
            }
            checked += 1;
            match floor_of(&name) {
                Some(floor) if floor < own => {}
                _ => violations
                    .entry(format!("{module} (floor {own})"))
                    .or_default()
                    .push(format!(
                        "{} uses `crate::{name}`{}",
                        file.strip_prefix(&src).unwrap().display(),
                        floor_of(&name)
                            .map(|f| format!(" (floor {f})"))
                            .unwrap_or_else(|| " (on no floor)".to_owned())
                    )),
            }
        }
    }
    unplaced.sort();
    unplaced.dedup();
    assert!(
        unplaced.is_empty(),
        "modules on no floor (add them to FLOORS in tests/layers.rs): {unplaced:?}"
    );
    assert!(checked > 50, "the test read the imports ({checked})");
    let report: Vec<String> = violations
        .iter()
        .map(|(module, uses)| format!("{module}:\n  {}", uses.join("\n  ")))
        .collect();
    assert!(
        report.is_empty(),
        "imports that point up or sideways:\n{}",
        report.join("\n")
    );
}

/// The modules besides the components that may call web-sys and js-sys.
const BROWSER_MODULES: &[&str] = &["browser", "storage"];

#[test]
fn only_the_browser_modules_and_the_components_call_the_browser() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut callers: Vec<String> = files
        .iter()
        .filter(|file| {
            let module = module_of(&src, file);
            module != "components" && !BROWSER_MODULES.contains(&module.as_str())
        })
        .filter(|file| {
            let code = code_of(&std::fs::read_to_string(file).expect("a source file"));
            ["web_sys", "js_sys"].iter().any(|api| code.contains(api))
        })
        .map(|file| file.strip_prefix(&src).unwrap().display().to_string())
        .collect();
    callers.sort();
    assert!(
        callers.is_empty(),
        "web-sys or js-sys outside browser.rs, storage.rs and the components: {callers:?}"
    );
}

#[test]
fn the_reference_reader_sees_groups_and_paths() {
    let text = "use crate::{ctx::Ctx, edit::{self, Place}, browser};\nlet x = crate::on_demand::plan_yaml(p);\nmacro! { $crate::x }";
    assert_eq!(
        crate_references(text),
        ["ctx", "edit", "browser", "on_demand"]
    );
}
