//! `cargo xtask fuzz [SECONDS]`: runs each fuzz target (in `fuzz/`, with cargo-fuzz and
//! libFuzzer) for a set time, seeded with the example plans and the corpus stack files. The
//! readers' targets take text; `engine` and `change` take arbitrary plans (the `arbitrary`
//! crate), weighted toward numbers at and past the engine's limits, empty and repeated names
//! and odd Unicode, and run the analysis, every export, runbook, sizing and diff.
//!
//! The toolchain here is stable, so the targets are built without a sanitizer (`-s none`) and
//! with `RUSTC_BOOTSTRAP=1` for cargo-fuzz's unstable flags; a crash, or an input that runs for
//! more than ten seconds, still stops the run and leaves its input under `fuzz/artifacts/`, to be
//! kept as a regression test.

use crate::{cargo, root, run, Result};
use std::path::PathBuf;

/// How long one input may run before libFuzzer reports it as a hang.
const HANG_SECONDS: u64 = 10;

/// Each target and the folders that seed it. `engine` and `change` build arbitrary plans from
/// the fuzzer's bytes (`fuzz/src/lib.rs`), so text files would not seed them.
const TARGETS: &[(&str, &[&str])] = &[
    ("plan", &["examples/plans"]),
    ("compose", &["tests/corpus/stacks"]),
    ("constraint", &[]),
    ("list_all", &["crates/engine/tests/golden/exports"]),
    ("engine", &[]),
    ("change", &[]),
];

/// The targets that build arbitrary plans from their bytes.
const STRUCTURED: &[&str] = &["engine", "change"];

/// Runs every target, or only those named in `only`.
pub fn run_all(seconds: u64, only: &[String]) -> Result {
    if let Some(unknown) = only
        .iter()
        .find(|t| !TARGETS.iter().any(|(name, _)| name == t))
    {
        return Err(format!("no fuzz target `{unknown}`"));
    }
    if cargo()
        .args(["fuzz", "--version"])
        .output()
        .map(|o| !o.status.success())
        .unwrap_or(true)
    {
        run(cargo().args(["install", "cargo-fuzz", "--locked"]))?;
    }
    let mut report = Vec::new();
    for (target, seeds) in TARGETS {
        if !only.is_empty() && !only.iter().any(|t| t == target) {
            continue;
        }
        let corpus = root().join("fuzz/corpus").join(target);
        std::fs::create_dir_all(&corpus)
            .map_err(|e| format!("cannot create {}: {e}", corpus.display()))?;
        let seeds: Vec<PathBuf> = seeds
            .iter()
            .map(|s| root().join(s))
            .filter(|p| p.exists())
            .collect();
        run(cargo()
            .args(["fuzz", "run", "-s", "none", target])
            .arg(&corpus)
            .args(&seeds)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            // An input that runs this long is a hang (it would freeze the app's tab): a failure.
            .arg(format!("-timeout={HANG_SECONDS}"))
            // Arbitrary plans need inputs of some length from the start: libFuzzer would
            // otherwise begin with a few bytes, which build nothing but empty plans.
            .args(
                STRUCTURED
                    .contains(target)
                    .then_some(["-max_len=8192", "-len_control=0"])
                    .into_iter()
                    .flatten(),
            )
            .env("RUSTC_BOOTSTRAP", "1")
            .current_dir(root().join("fuzz")))?;
        report.push(format!("| {target} | {seconds} s | no crash |"));
    }
    println!(
        "| target | ran | result |\n|---|---|---|\n{}",
        report.join("\n")
    );
    Ok(())
}
