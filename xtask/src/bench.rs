//! `cargo xtask bench`: speed and size, measured and printed as tables: the engine natively, the
//! built app's files raw and gzipped, and the engine and edit-to-render in the app in headless
//! Chromium (tests/browser/bench.mjs). Never asserted in tests: a slow machine must not fail a
//! build, and a fast one must not hide a regression.
//!
//! Every timing is a series of runs, shown as its median, min and max. The results are also
//! written to `target/bench.json`, so that two runs can be compared: `cargo xtask bench
//! --compare OLD.json` prints each row's ratio to the old one. The peak memory of an analysis
//! is measured in a process of its own (`bench peak`), as the kernel counts it (VmHWM).

use crate::Result;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::Instant;
use swarmplan_bench::{composes, generated_plan, place_only, swarmkit_plan};
use swarmplan_engine::{analyze, examples, parse_plan, Options};

/// One row of the table: a series of timed runs, in milliseconds.
struct Row {
    measurement: String,
    input: String,
    runs_ms: Vec<f64>,
    /// The peak memory of one run, in bytes, over what the process held before it.
    peak: Option<u64>,
    /// SwarmKit's own time for the same shape, in seconds.
    swarmkit_s: Option<f64>,
}

impl Row {
    fn timed(
        measurement: impl Into<String>,
        input: impl Into<String>,
        runs: usize,
        mut work: impl FnMut(),
    ) -> Row {
        let runs_ms = (0..runs)
            .map(|_| {
                let start = Instant::now();
                work();
                start.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        let row = Row {
            measurement: measurement.into(),
            input: input.into(),
            runs_ms,
            peak: None,
            swarmkit_s: None,
        };
        // The table comes at the end; meanwhile, what has been measured.
        eprintln!(
            "xtask bench: {} | {}: {}",
            row.measurement,
            row.input,
            ms(row.median())
        );
        row
    }

    fn sorted(&self) -> Vec<f64> {
        let mut runs = self.runs_ms.clone();
        runs.sort_by(f64::total_cmp);
        runs
    }

    fn median(&self) -> f64 {
        let runs = self.sorted();
        runs.get(runs.len() / 2).copied().unwrap_or(f64::NAN)
    }

    fn print(&self) {
        let runs = self.sorted();
        let min = runs.first().copied().unwrap_or(f64::NAN);
        let max = runs.last().copied().unwrap_or(f64::NAN);
        let peak = self
            .peak
            .map(|b| format!("{:.0} MB", b as f64 / 1e6))
            .unwrap_or_default();
        let swarmkit = self
            .swarmkit_s
            .map(|s| format!("{s} s: {:.0}× as fast", s * 1e3 / self.median()))
            .unwrap_or_default();
        println!(
            "| {} | {} | {} | {} | {} | {} | {peak} | {swarmkit} |",
            self.measurement,
            self.input,
            ms(self.median()),
            ms(min),
            ms(max),
            runs.len()
        );
    }

    fn json(&self) -> Value {
        json!({
            "measurement": self.measurement,
            "input": self.input,
            "median_ms": self.median(),
            "runs_ms": self.runs_ms,
            "peak_bytes": self.peak,
            "swarmkit_s": self.swarmkit_s,
        })
    }
}

/// A time given in milliseconds, in the unit that suits it.
fn ms(value: f64) -> String {
    if value < 1.0 {
        format!("{:.0} µs", value * 1e3)
    } else if value < 100.0 {
        format!("{value:.2} ms")
    } else if value < 10_000.0 {
        format!("{value:.0} ms")
    } else {
        format!("{:.1} s", value / 1e3)
    }
}

/// SwarmKit's scheduler benchmarks as timed on this kind of machine: nodes, tasks, and seconds
/// without and with its worst case (every node checked for every task).
const SWARMKIT: [(usize, usize, f64, f64); 3] = [
    (1000, 1_000, 0.163, 0.221),
    (1000, 10_000, 1.88, 2.48),
    (1000, 100_000, 20.1, 23.8),
];

/// The generated plans analysed natively and in the browser: nodes × tasks, up to the largest
/// swarms run (Swarm2k and Swarm3k: thousands of nodes, about 100,000 tasks).
const GRID: [(usize, usize); 10] = [
    (10, 1_000),
    (10, 10_000),
    (10, 100_000),
    (100, 1_000),
    (100, 10_000),
    (100, 100_000),
    (1000, 1_000),
    (1000, 10_000),
    (1000, 100_000),
    (5000, 100_000),
];

/// Runs of a timing: fewer for the largest shapes, never fewer than five.
fn runs_for(nodes: usize, tasks: usize) -> usize {
    if nodes * tasks >= 10_000_000 {
        5
    } else {
        11
    }
}

pub fn run(root_dir: &Path, compare: Option<&Path>) -> Result {
    if cfg!(debug_assertions) {
        // Measurements of an unoptimised build mean nothing: measure the release build.
        let mut command = crate::cargo();
        command.args([
            "run",
            "--quiet",
            "--release",
            "--package",
            "xtask",
            "--",
            "bench",
        ]);
        if let Some(old) = compare {
            command.arg("--compare").arg(old);
        }
        return crate::run(&mut command);
    }
    // The old results are read first: a wrong path fails before the minutes of measuring.
    let old = compare.map(read_results).transpose()?;
    let mut rows = native_rows()?;
    let engine = browser_engine()?;
    let dist = root_dir.join("dist");
    let files = sizes(&dist);
    let app = (!files.is_empty()).then_some(dist.as_path());
    rows.extend(browser_rows(root_dir, &engine, app)?);

    println!("| measurement | input | median | min | max | runs | peak memory | SwarmKit |");
    println!("|---|---|---|---|---|---|---|---|");
    for row in &rows {
        row.print();
    }
    println!();
    print_sizes(&files);

    let results = json!({
        "commit": commit(root_dir),
        "unix_time": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default(),
        "timings": rows.iter().map(Row::json).collect::<Vec<_>>(),
        "sizes": files
            .iter()
            .map(|(name, raw, gzipped)| json!({ "file": name, "bytes": raw, "gzipped": gzipped }))
            .collect::<Vec<_>>(),
    });
    let out = crate::target_dir().join("bench.json");
    let text = serde_json::to_string_pretty(&results).map_err(|e| e.to_string())?;
    std::fs::write(&out, text).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!(
        "\nThe results are in {0}; `cargo xtask bench --compare {0}` compares a later run with them.",
        out.display()
    );
    if let Some(old) = old {
        print_comparison(&old, &results);
    }
    Ok(())
}

/// The engine timed natively: the examples, the generated plans (with the peak memory of one
/// analysis), every pair of hosts, and SwarmKit's own shapes.
fn native_rows() -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for example in examples::EXAMPLES {
        let input = format!("example {}", example.id);
        rows.push(Row::timed("parse (native)", &input, 51, || {
            std::hint::black_box(parse_plan(example.yaml).ok());
        }));
        let plan = parse_plan(example.yaml).map_err(|e| format!("example {}: {e}", example.id))?;
        rows.push(Row::timed("analyze (native)", input, 51, || {
            std::hint::black_box(analyze(&plan, &Options::default()));
        }));
    }
    for (nodes, tasks) in GRID {
        let plan = generated_plan(nodes, tasks);
        let failures = analyze(&plan, &Options::default()).failures.len();
        let mut row = Row::timed(
            format!("analyze (native): placement, {failures} single-domain failures, findings"),
            format!("{nodes} nodes, {tasks} tasks"),
            runs_for(nodes, tasks),
            || {
                std::hint::black_box(analyze(&plan, &Options::default()));
            },
        );
        drop(plan);
        row.peak = Some(peak_of(nodes, tasks)?);
        rows.push(row);
    }
    let plan = generated_plan(100, 1_000);
    let pairs = Options {
        host_pairs: true,
        ..Options::default()
    };
    rows.push(Row::timed(
        "analyze (native) with every pair of hosts",
        "100 nodes, 1000 tasks",
        5,
        || {
            std::hint::black_box(analyze(&plan, &pairs));
        },
    ));
    for (nodes, tasks, plain, worst) in SWARMKIT {
        for (every_node_checked, swarmkit_s) in [(false, plain), (true, worst)] {
            let plan = swarmkit_plan(nodes, tasks, every_node_checked);
            let files = composes(&plan);
            let what = if every_node_checked {
                "place (native), SwarmKit's worst case: one-task services, each constrained to a label every node has"
            } else {
                "place (native), SwarmKit's shape: one-task services"
            };
            let input = format!("{nodes} nodes, {tasks} tasks");
            let mut row = Row::timed(what, input, runs_for(nodes, tasks), || {
                std::hint::black_box(place_only(&plan, &files));
            });
            row.swarmkit_s = Some(swarmkit_s);
            rows.push(row);
        }
    }
    Ok(rows)
}

/// The peak memory of analysing the generated plan once, in bytes over what the process held
/// with the plan made: measured by `bench peak` in a process of its own, so that memory an
/// earlier measurement left to the allocator does not hide it.
fn peak_of(nodes: usize, tasks: usize) -> Result<u64> {
    let exe =
        std::env::current_exe().map_err(|e| format!("cannot find the xtask's own program: {e}"))?;
    let out = std::process::Command::new(exe)
        .args(["bench", "peak", &nodes.to_string(), &tasks.to_string()])
        .output()
        .map_err(|e| format!("cannot run bench peak: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim().parse().map_err(|_| {
        format!(
            "bench peak {nodes} {tasks} printed {text:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// `cargo xtask bench peak NODES TASKS`: makes the generated plan, analyses it once, and prints
/// how many bytes the process's resident memory rose over what it held before the analysis.
pub fn peak(args: &[String]) -> Result {
    let [nodes, tasks] = args else {
        return Err("usage: cargo xtask bench peak NODES TASKS".into());
    };
    let number = |s: &String| s.parse::<usize>().map_err(|_| format!("not a number: {s}"));
    let plan = generated_plan(number(nodes)?, number(tasks)?);
    let before = status_kb("VmRSS")?;
    // Writing 5 resets the process's peak resident memory (VmHWM) to what it holds now.
    std::fs::write("/proc/self/clear_refs", "5")
        .map_err(|e| format!("cannot reset the peak memory: {e}"))?;
    std::hint::black_box(analyze(&plan, &Options::default()));
    let peak = status_kb("VmHWM")?;
    println!("{}", peak.saturating_sub(before) * 1024);
    Ok(())
}

/// A figure of `/proc/self/status`, in kB.
fn status_kb(key: &str) -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("/proc/self/status: {e}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| format!("no {key} in /proc/self/status"))
}

/// The engine and the app timed in headless Chromium by tests/browser/bench.mjs, which writes
/// its series as JSON.
fn browser_rows(root_dir: &Path, engine: &Path, dist: Option<&Path>) -> Result<Vec<Row>> {
    crate::tools::npm_ci(&root_dir.join("tests/browser"), &["playwright-core"])?;
    let out = crate::target_dir().join("bench-browser.json");
    let _ = std::fs::remove_file(&out);
    let mut browser = std::process::Command::new("node");
    browser
        .arg("tests/browser/bench.mjs")
        .env("SWARMPLAN_ENGINE", engine)
        .env("SWARMPLAN_BENCH_OUT", &out)
        .env(
            "SWARMPLAN_GRID",
            GRID.iter()
                .map(|(nodes, tasks)| format!("{nodes}x{tasks}"))
                .collect::<Vec<_>>()
                .join(","),
        )
        .env("CHROMIUM", crate::tools::CHROMIUM);
    if let Some(dist) = dist {
        browser.env("SWARMPLAN_DIST", dist);
    }
    crate::run(&mut browser)?;
    let text = std::fs::read_to_string(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let series: Vec<Value> =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(series
        .iter()
        .map(|s| Row {
            measurement: s["measurement"].as_str().unwrap_or_default().to_owned(),
            input: s["input"].as_str().unwrap_or_default().to_owned(),
            runs_ms: s["runs_ms"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_f64)
                .collect(),
            peak: s["peak_bytes"].as_u64(),
            swarmkit_s: None,
        })
        .collect())
}

/// The commit measured, with `+` when the work tree has changes.
fn commit(root_dir: &Path) -> String {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(root_dir)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    let dirty = !git(&["status", "--porcelain", "--untracked-files=no"]).is_empty();
    let head = git(&["rev-parse", "--short", "HEAD"]);
    format!("{head}{}", if dirty { "+" } else { "" })
}

fn read_results(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("{}: not the bench's JSON: {e}", path.display()))
}

/// Each timing of `new` beside the same row of `old`, and the ratio of their medians.
fn print_comparison(old: &Value, new: &Value) {
    let key = |t: &Value| {
        (
            t["measurement"].as_str().unwrap_or_default().to_owned(),
            t["input"].as_str().unwrap_or_default().to_owned(),
        )
    };
    let before: BTreeMap<_, f64> = old["timings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| Some((key(t), t["median_ms"].as_f64()?)))
        .collect();
    println!(
        "\n| measurement | input | before ({}) | now ({}) | now / before |",
        old["commit"].as_str().unwrap_or("?"),
        new["commit"].as_str().unwrap_or("?")
    );
    println!("|---|---|---|---|---|");
    for t in new["timings"].as_array().into_iter().flatten() {
        let (measurement, input) = key(t);
        let now = t["median_ms"].as_f64().unwrap_or(f64::NAN);
        match before.get(&(measurement.clone(), input.clone())) {
            Some(was) => println!(
                "| {measurement} | {input} | {} | {} | {:.2} |",
                ms(*was),
                ms(now),
                now / was
            ),
            None => println!(
                "| {measurement} | {input} | (not measured) | {} | |",
                ms(now)
            ),
        }
    }
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

/// The table of the built app's files (from [`sizes`]), raw and gzipped, and what the page
/// loads at start.
fn print_sizes(files: &[(String, usize, usize)]) {
    println!("| measurement | input | size |");
    println!("|---|---|---|");
    // The page loads the main wasm, its JS and the chunk loader before its first view; the
    // chunks (xtask/src/split.rs) after it, when opened or in the background.
    let on_demand = |name: &str| {
        name.ends_with(".wasm") && (name.contains("_chunk_") || name.contains("_split_"))
    };
    let (mut start, mut later, mut shared) = ((0, 0), (0, 0), (0, 0, 0));
    for (name, len, zipped) in files {
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
}

/// `cargo xtask bench size`: only the sizes of the built app, which need no timing.
pub fn sizes_only(root_dir: &Path) -> Result {
    print_sizes(&sizes(&root_dir.join("dist")));
    Ok(())
}

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
