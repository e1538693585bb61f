//! `cargo xtask`: the long commands, each of which installs what it lacks first.
//!
//! - `serve`: build and serve the app on http://127.0.0.1:8080.
//! - `test`: formatting, lints, every Rust test, the release build, and the browser tests.
//! - `dist`: the release build in `dist/`, shrunk by wasm-opt, its policy refusing inline scripts.
//! - `split`: trunk's post-build hook, which splits the app's wasm into on-demand chunks.
//! - `bench`: the measured speed and size tables, also written to `target/bench.json`;
//!   `bench --compare OLD.json` adds each row's ratio to an earlier run; `bench size` only the
//!   sizes of the built app; `bench peak NODES TASKS` the peak memory of one analysis, which the
//!   bench runs in a process of its own.
//! - `fuzz`: each fuzz target (or those named) for a set time (60 s unless given).
//! - `rehearse`: the rehearsal lab over every example, every single-host failure included;
//!   `lab`: only the lab's share of `test`; either takes example ids to rehearse only those.

mod bench;
mod csp;
mod fuzz;
mod lab;
mod pins;
mod split;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(),
        Some("test") => test(),
        Some("dist") => dist().map(|_| ()),
        Some("split") => split::run_hook(),
        Some("bench") => match args.get(1).map(String::as_str) {
            None => bench::run(&root(), None),
            Some("--compare") if args.len() == 3 => bench::run(&root(), Some(Path::new(&args[2]))),
            Some("size") => bench::sizes_only(&root()),
            Some("peak") => bench::peak(&args[2..]),
            Some(_) => Err("usage: cargo xtask bench [--compare OLD.json] | bench size".into()),
        },
        Some("rehearse") => rehearse(true, &args[1..]),
        Some("lab") => rehearse(false, &args[1..]),
        Some("fuzz") => match args.get(1).map(|s| s.parse::<u64>()) {
            None => fuzz::run_all(60, &[]),
            Some(Ok(seconds)) => fuzz::run_all(seconds, &args[2..]),
            Some(Err(_)) => Err("usage: cargo xtask fuzz [SECONDS per target] [TARGET...]".into()),
        },
        _ => {
            eprintln!(
                "usage: cargo xtask serve | test | dist | bench [--compare OLD.json | size] | fuzz [SECONDS] [TARGET...] | rehearse | lab | split"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

pub type Result<T = ()> = std::result::Result<T, String>;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Runs a command in the workspace root, failing when it fails.
pub fn run(command: &mut Command) -> Result {
    let shown = format!("{command:?}");
    eprintln!("xtask: $ {shown}");
    if command.get_current_dir().is_none() {
        command.current_dir(root());
    }
    let status = command
        .status()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

/// Where cargo builds: `CARGO_TARGET_DIR`, or `target/` in the workspace.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn serve() -> Result {
    tools::web()?;
    run(Command::new(tools::trunk()).args([
        "serve",
        "--offline",
        "--address",
        "127.0.0.1",
        "--port",
        "8080",
    ]))
}

/// Builds the release app into `dist/`, shrinks its wasm, minifies its JS and moves trunk's
/// inline start-up script into a file, so that the page's policy refuses inline scripts
/// (`csp`); returns the dist directory.
fn dist() -> Result<PathBuf> {
    tools::web()?;
    run(Command::new(tools::trunk()).args(["build", "--release", "--offline"]))?;
    let dist = root().join("dist");
    for entry in std::fs::read_dir(&dist).map_err(|e| format!("cannot read dist/: {e}"))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let mut command = Command::new("node");
        match path.extension().and_then(|e| e.to_str()) {
            Some("wasm") => command.arg(tools::wasm_opt()).arg(&path).arg("-Oz"),
            // wasm-bindgen's glue and the chunk loader are ES modules.
            Some("js") => {
                command
                    .arg(tools::terser())
                    .arg(&path)
                    .args(["--module", "--compress", "--mangle"])
            }
            _ => continue,
        };
        command.arg("-o").arg(&path);
        run(&mut command)?;
    }
    csp::strict(&dist)?;
    Ok(dist)
}

/// The `swarmplan` command, built in debug as `cargo test` builds it; the browser tests hold the
/// page against what it prints.
fn cli_binary() -> Result<PathBuf> {
    run(cargo().args(["build", "-p", "swarmplan-cli"]))?;
    Ok(target_dir().join("debug").join("swarmplan"))
}

fn test() -> Result {
    tools::web()?;
    tools::test_judges()?;
    run(cargo().args(["fmt", "--all", "--check"]))?;
    // Lints, with every warning an error: the workspace natively, the app as it ships (wasm32)
    // and the app's unit tests, which run natively.
    for scope in [
        &["--workspace", "--exclude", "swarmplan-web", "--all-targets"][..],
        &["-p", "swarmplan-web", "--target", "wasm32-unknown-unknown"],
        &["-p", "swarmplan-web", "--all-targets"],
    ] {
        run(cargo()
            .arg("clippy")
            .args(scope)
            .args(["--", "-D", "warnings"]))?;
    }
    run(cargo()
        .args(["test", "--workspace", "--exclude", "swarmplan-web"])
        .env("SWARMPLAN_ANSIBLE", tools::ansible_bin()))?;
    run(cargo().args(["test", "-p", "swarmplan-web"]))?;
    // cargo-fuzz builds the fuzz targets only to fuzz them; checking them here keeps them in
    // step with the engine they drive.
    run(cargo().args(["check", "--manifest-path", "fuzz/Cargo.toml", "--bins"]))?;
    let dist = dist()?;
    let browser = root().join("tests/browser");
    tools::npm_ci(&browser, &["playwright-core", "axe-core"])?;
    let mut tests: Vec<PathBuf> = std::fs::read_dir(&browser)
        .map_err(|e| format!("cannot read tests/browser: {e}"))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    tests.sort();
    run(Command::new("node")
        .args(["--test", "--test-reporter=spec"])
        .args(&tests)
        .env("SWARMPLAN_DIST", &dist)
        .env("SWARMPLAN_CLI", cli_binary()?)
        .env("CHROMIUM", tools::CHROMIUM))?;
    rehearse(false, &[])
}

/// The rehearsal lab: every example on real Docker engines (`all`: every single-host failure
/// of every example too).
fn rehearse(all: bool, only: &[String]) -> Result {
    tools::lab()?;
    lab::rehearse(&cli_binary()?, all, only)
}
