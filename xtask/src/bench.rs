//! `cargo xtask bench`: speed and size, measured and printed as tables: the engine natively, the
//! built app's files raw and gzipped, and edit-to-render in the app in headless Chromium
//! (tests/browser/bench.mjs). Never asserted in
//! tests: a slow machine must not fail a build, and a fast one must not hide a regression.

use crate::Result;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};
use swarmplan_bench::generated_plan;
use swarmplan_engine::{analyze, examples, parse_plan, Options};

/// The median of `runs` timings of `work`.
fn median(runs: usize, mut work: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn gzipped_len(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(bytes)
        .expect("writing to memory cannot fail");
    encoder
        .finish()
        .expect("writing to memory cannot fail")
        .len()
}

fn sizes(dist: &Path) -> Vec<(String, usize, usize)> {
    let Ok(entries) = std::fs::read_dir(dist) else {
        return Vec::new();
    };
    let mut rows: Vec<(String, usize, usize)> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "wasm" || e == "js" || e == "css" || e == "html")
        })
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            Some((
                p.file_name()?.to_string_lossy().into_owned(),
                bytes.len(),
                gzipped_len(&bytes),
            ))
        })
        .collect();
    rows.sort();
    rows
}

pub fn run(root_dir: &Path) -> Result {
    if cfg!(debug_assertions) {
        // Measurements of an unoptimised build mean nothing: measure the release build.
        return crate::run(crate::cargo().args([
            "run",
            "--quiet",
            "--release",
            "--package",
            "xtask",
            "--",
            "bench",
        ]));
    }
    println!("| measurement | input | median |");
    println!("|---|---|---|");
    for example in examples::EXAMPLES {
        let parse = median(51, || {
            std::hint::black_box(parse_plan(example.yaml).ok());
        });
        let plan = parse_plan(example.yaml).map_err(|e| format!("example {}: {e}", example.id))?;
        let time = median(51, || {
            std::hint::black_box(analyze(&plan, &Options::default()));
        });
        println!("| parse (native) | example {} | {parse:.2?} |", example.id);
        println!("| analyze (native) | example {} | {time:.2?} |", example.id);
    }
    for (nodes, tasks) in GRID {
        let plan = generated_plan(nodes, tasks);
        let failures = analyze(&plan, &Options::default()).failures.len();
        let runs = if nodes * tasks >= 10_000_000 { 3 } else { 11 };
        let time = median(runs, || {
            std::hint::black_box(analyze(&plan, &Options::default()));
        });
        println!("| analyze (native): placement, {failures} single-domain failures, findings | {nodes} nodes, {tasks} tasks | {time:.2?} |");
    }
    let plan = generated_plan(100, 1_000);
    let pairs = median(3, || {
        std::hint::black_box(analyze(
            &plan,
            &Options {
                host_pairs: true,
                ..Options::default()
            },
        ));
    });
    println!("| analyze (native) with every pair of hosts | 100 nodes, 1000 tasks | {pairs:.2?} |");

    let engine = browser_engine()?;
    let dist = root_dir.join("dist");
    let files = print_sizes(&dist);
    crate::tools::npm_ci(&root_dir.join("tests/browser"), &["playwright-core"])?;
    let mut browser = std::process::Command::new("node");
    browser
        .arg("tests/browser/bench.mjs")
        .env("SWARMPLAN_ENGINE", &engine)
        .env(
            "SWARMPLAN_GRID",
            GRID.iter()
                .map(|(nodes, tasks)| format!("{nodes}x{tasks}"))
                .collect::<Vec<_>>()
                .join(","),
        )
        .env("CHROMIUM", crate::tools::CHROMIUM);
    if !files.is_empty() {
        browser.env("SWARMPLAN_DIST", &dist);
    }
    crate::run(&mut browser)
}

/// Prints the built app's files, raw and gzipped, and what the page loads at start; returns the
/// files found (none without dist/).
fn print_sizes(dist: &Path) -> Vec<(String, usize, usize)> {
    let files = sizes(dist);
    // The page loads the main wasm, its JS and the chunk loader before its first view; the
    // chunks (xtask/src/split.rs) after it, when opened or in the background.
    let on_demand = |name: &str| {
        name.ends_with(".wasm") && (name.contains("_chunk_") || name.contains("_split_"))
    };
    let (mut start, mut later, mut shared) = ((0, 0), (0, 0), (0, 0, 0));
    for (name, len, zipped) in &files {
        if name.contains("_chunk_") && on_demand(name) {
            shared = (shared.0 + 1, shared.1 + len, shared.2 + zipped);
        } else {
            println!("| app file size, raw / gzipped | {name} | {len} / {zipped} bytes |");
        }
        if on_demand(name) {
            later = (later.0 + len, later.1 + zipped);
        } else if name.ends_with(".wasm") || name.ends_with(".js") {
            start = (start.0 + len, start.1 + zipped);
        }
    }
    if files.is_empty() {
        println!("| app file size | (no dist/: `cargo xtask dist` builds it) | |");
    } else {
        let (count, len, zipped) = shared;
        println!("| app file size, raw / gzipped | {count} chunks of code the panels share | {len} / {zipped} bytes |");
        println!(
            "| app wasm + JS loaded at start, raw / gzipped | dist/ | {} / {} bytes |",
            start.0, start.1
        );
        println!("| app wasm loaded after the first view (every chunk), raw / gzipped | dist/ | {} / {} bytes |", later.0, later.1);
    }
    files
}

/// `cargo xtask bench size`: only the sizes of the built app, which need no timing.
pub fn sizes_only(root_dir: &Path) -> Result {
    println!("| measurement | input | size |");
    println!("|---|---|---|");
    print_sizes(&root_dir.join("dist"));
    Ok(())
}

/// The generated plans analysed natively and in the browser: nodes × tasks.
const GRID: [(usize, usize); 9] = [
    (10, 1_000),
    (10, 10_000),
    (10, 100_000),
    (100, 1_000),
    (100, 10_000),
    (100, 100_000),
    (1000, 1_000),
    (1000, 10_000),
    (1000, 100_000),
];

/// Builds the engine for the browser as the app ships it (the app's release profile,
/// wasm-bindgen, wasm-opt), with the generated plans of `swarmplan-bench`; returns the folder
/// that holds `swarmplan_bench.js` and its wasm.
fn browser_engine() -> Result<std::path::PathBuf> {
    crate::tools::web()?;
    let profile = crate::pins::web_profile()?;
    crate::run(crate::cargo().args([
        "build",
        "--quiet",
        "--package",
        "swarmplan-bench",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        &profile,
    ]))?;
    let target = crate::target_dir();
    let out = target.join("bench-wasm");
    crate::run(
        std::process::Command::new(crate::tools::wasm_bindgen())
            .args(["--target", "web", "--out-dir"])
            .arg(&out)
            .arg(
                target
                    .join("wasm32-unknown-unknown")
                    .join(&profile)
                    .join("swarmplan_bench.wasm"),
            ),
    )?;
    let wasm = out.join("swarmplan_bench_bg.wasm");
    crate::run(
        std::process::Command::new("node")
            .arg(crate::tools::wasm_opt())
            .arg("-Oz")
            .arg(&wasm)
            .arg("-o")
            .arg(&wasm),
    )?;
    Ok(out)
}
