//! The engine's modules stand on floors, and every import points down: a module uses only
//! modules on floors below its own (and its own submodules). The floors, bottom up:
//!
//! 0. `units`, `codes`, `quorum`, `examples`, `limits`, `text`: values with no knowledge of a
//!    plan;
//! 1. `plan`: the plan's types;
//! 2. `yaml`, `findings`, `schema`: reading and writing them, what a check says about them, and
//!    the plan format written down;
//! 3. `constraint`, `domains`, `order`, `compose`, `validate`, `locate`: what a plan says, and
//!    where in its text;
//! 4. `load`, `placement`, `cluster_import`, `swarm_network`, `budget`, `drawing`: reading plans
//!    and stacks whole, Swarm's scheduler, what Swarm's networking asks of the nodes' network,
//!    the plan's size against the limits, and where the plan's shapes go in its picture;
//! 5. `analysis`, `import`: what the plan does;
//! 6. `export`, `diff`, `sizing`: what is made from an analysis;
//! 7. `runbook`: ordered, simulated procedures built from exports and diffs;
//! 8. `bundle`, `report`: everything an operator runs, at once; and the design report, which
//!    tells the plan, its analysis and its runbooks to a customer.
//!
//! A circle (two modules importing each other) cannot satisfy this, so the test also keeps the
//! engine free of them.

// A test is a shell around the engine: it reads and writes files, as the command line does.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const FLOORS: &[&[&str]] = &[
    &["units", "codes", "quorum", "examples", "limits", "text"],
    &["plan"],
    &["yaml", "findings", "schema"],
    &[
        "constraint",
        "domains",
        "order",
        "compose",
        "validate",
        "locate",
    ],
    &[
        "load",
        "placement",
        "cluster_import",
        "swarm_network",
        "budget",
        "drawing",
    ],
    &["analysis", "import"],
    &["export", "diff", "sizing"],
    &["runbook"],
    &["bundle", "report"],
];

/// What `lib.rs` re-exports at the crate root, and the module each comes from.
const REEXPORTS: &[(&str, &str)] = &[
    ("analyze", "analysis"),
    ("Analysis", "analysis"),
    ("Options", "analysis"),
    ("Finding", "findings"),
    ("Severity", "findings"),
    ("Target", "findings"),
    ("Plan", "plan"),
    ("parse_plan", "load"),
    ("plan_to_yaml", "yaml"),
    ("PlanError", "yaml"),
];

fn floor_of(module: &str) -> Option<usize> {
    FLOORS.iter().position(|floor| floor.contains(&module))
}

/// The module a `crate::NAME` path reaches: NAME itself, or the module NAME is re-exported from.
fn resolve(name: &str) -> &str {
    REEXPORTS
        .iter()
        .find(|(reexport, _)| *reexport == name)
        .map_or(name, |(_, module)| module)
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the engine's sources") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level engine modules a source text names through `crate::`: `crate::plan::Plan`,
/// `crate::{compose, plan::Role}`, `use crate::yaml;`.
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
/// unit tests (which may use the whole engine to set up a case).
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

/// The top-level module a source file belongs to: `analysis/checks.rs` → `analysis`.
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
fn every_engine_import_points_to_a_lower_floor() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let mut violations: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut unplaced = Vec::new();
    let mut checked = 0;
    for file in &files {
        let module = module_of(&src, file);
        if module == "lib" {
            continue;
        }
        let Some(own) = floor_of(&module) else {
            unplaced.push(module);
            continue;
        };
        let text = std::fs::read_to_string(file).expect("a source file");
        for name in crate_references(&code_of(&text)) {
            let used = resolve(&name);
            if used == module || matches!(used, "" | "self" | "super") {
                continue;
            }
            checked += 1;
            match floor_of(used) {
                Some(floor) if floor < own => {}
                _ => violations
                    .entry(format!("{module} (floor {own})"))
                    .or_default()
                    .push(format!(
                        "{} uses `crate::{name}`{}",
                        file.strip_prefix(&src).unwrap().display(),
                        floor_of(used)
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
    assert!(checked > 100, "the test read the imports ({checked})");
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

#[test]
fn the_reference_reader_sees_groups_and_paths() {
    let text = "use crate::{analysis::Health, plan::{Plan, Role}, yaml};\nlet x = crate::order::stable_order(&g);\nmacro! { $crate::x }";
    assert_eq!(
        crate_references(text),
        ["analysis", "plan", "yaml", "order"]
    );
}
