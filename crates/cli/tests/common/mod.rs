//! What every CLI test needs: the binary, the example plans, and its output as text.
// Each test binary uses a part of these.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs the `swarmplan` binary built for these tests.
pub fn swarmplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_swarmplan"))
        .args(args)
        .output()
        .expect("swarmplan runs")
}

/// The path of an example plan in examples/plans/.
pub fn example(id: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/plans")
        .join(format!("{id}.yaml"))
        .display()
        .to_string()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
