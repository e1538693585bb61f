//! The rehearsal lab as a judge: every example built from real Docker engines, its exported
//! runbooks run unchanged, and the engine's predictions held against what Swarm does.
//!
//! `cargo xtask test` rehearses what the lab runs through today (each example's `in_test`, and
//! `why` for what it leaves out): installs, `lab check` with the cluster import, runbooks, and
//! the single-host failures of two examples; `cargo xtask rehearse` runs every example whole,
//! every single-host failure included. Each example starts from a fresh lab; the lab is removed
//! after it whatever happens. A machine that cannot make namespaces fails here, loudly.

use crate::{root, Result};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// How much of an example `cargo xtask test` rehearses.
#[derive(Clone, Copy, PartialEq)]
enum InTest {
    /// Install, `lab check` with the cluster import, and its runbook.
    All,
    /// Install and `lab check`: its runbook rehearses only in `cargo xtask rehearse`, until
    /// the lab runs it through (see `Example::why`).
    InstallAndCheck,
    /// Only in `cargo xtask rehearse` (see `Example::why`).
    No,
}

/// One example's rehearsal.
struct Example {
    id: &'static str,
    /// The engine the lab starts with: an upgrade from 20 is a real package swap to 26.1.
    engine: &'static str,
    /// Its single-host failures run in `cargo xtask test` too (not only in `rehearse`).
    failures_in_test: bool,
    /// What `cargo xtask test` rehearses of it (`rehearse` always runs all of it).
    in_test: InTest,
    runbook: Option<&'static str>,
    /// Runbooks whose own findings foresee a risk the lab takes knowingly.
    accept_risk: bool,
    /// Why `cargo xtask test` leaves part of it to `rehearse`, when it does.
    why: &'static str,
}

const EXAMPLES: [Example; 5] = [
    Example {
        id: "digital-access",
        engine: "20",
        failures_in_test: true,
        runbook: Some("upgrade"),
        in_test: InTest::InstallAndCheck,
        accept_risk: true,
        why: "the upgrade runs the vendor's upgrade_ha.sh from upgrade.tgz: the lab's stand-in package is new and not yet rehearsed through",
    },
    Example {
        id: "api-gateway",
        engine: "20",
        failures_in_test: true,
        runbook: Some("upgrade"),
        in_test: InTest::InstallAndCheck,
        accept_risk: true,
        why: "the upgrade calls sysupgrade by its absolute path under /opt, which the lab has no stand-in for yet",
    },
    Example {
        id: "active-passive",
        engine: "26",
        failures_in_test: false,
        runbook: Some("failover"),
        in_test: InTest::No,
        accept_risk: true,
        why: "the failover runs checkupgrades inside the product's container, where the lab has no stand-in yet, and the cluster import drops the services' `host` network",
    },
    Example {
        id: "nuvla",
        engine: "26",
        failures_in_test: false,
        runbook: None,
        in_test: InTest::All,
        accept_risk: false,
        why: "",
    },
    Example {
        id: "msactivator",
        engine: "26",
        failures_in_test: false,
        runbook: Some("upgrade"),
        in_test: InTest::No,
        accept_risk: false,
        why: "its install stopped where the es stack creates a network the install had made first (fixed since, and not yet rehearsed through), and with its faulted upgrade and change it is the longest rehearsal",
    },
];

/// The fault the MSactivator upgrade meets: its leader's server stops as the second
/// application worker is drained.
const MSA_FAULT: (&str, &str) = ("drain-app2", "esx1");

/// `swarmplan lab fail`'s exit when Swarm marked a running node down on the way.
const UNJUDGED: i32 = 3;

struct Row {
    id: String,
    up: String,
    install: String,
    converged: String,
    check: String,
    failures: String,
    runbook: String,
    moments: String,
}

struct Lab {
    swarmplan: PathBuf,
    dir: PathBuf,
    log: PathBuf,
}

/// The outcome of one lab command: exit code, seconds, and what it printed.
struct Ran {
    code: i32,
    secs: f64,
    out: String,
}

impl Lab {
    fn run(&self, args: &[&str]) -> Result<Ran> {
        let start = Instant::now();
        let output = Command::new(&self.swarmplan)
            .arg("lab")
            .args(args)
            .env("SWARMPLAN_LAB_DIR", &self.dir)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.swarmplan.display()))?;
        let out = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let mut log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let _ = writeln!(log, "\n$ swarmplan lab {}\n{out}", args.join(" "));
        let _ = std::fs::write(&self.log, log);
        Ok(Ran {
            code: output.status.code().unwrap_or(128),
            secs: start.elapsed().as_secs_f64(),
            out,
        })
    }
}

/// `services converged: X/Y` and the moments line of a run's report.
fn report_field(out: &str, prefix: &str) -> String {
    out.lines()
        .find_map(|l| l.trim_start_matches("- ").strip_prefix(prefix))
        .unwrap_or("-")
        .trim()
        .to_owned()
}

/// Runs the lab over every example; `all` adds every example's single-host failures.
pub fn rehearse(swarmplan: &Path, all: bool, only: &[String]) -> Result {
    let dir = PathBuf::from("/var/tmp/swarmplan-lab-xtask");
    let log = root().join("target/lab-rehearsal.log");
    let _ = std::fs::remove_file(&log);
    let lab = Lab {
        swarmplan: swarmplan.to_path_buf(),
        dir,
        log: log.clone(),
    };
    let setup = lab.run(&["setup"])?;
    if setup.code != 0 {
        return Err(format!(
            "the rehearsal lab cannot run on this machine, so its tests FAIL (they never pass silently):\n{}",
            setup.out
        ));
    }
    let start = Instant::now();
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for example in EXAMPLES
        .iter()
        .filter(|e| only.is_empty() || only.iter().any(|o| o == e.id))
    {
        let _ = lab.run(&["down"]);
        let scope = if all { InTest::All } else { example.in_test };
        if scope == InTest::No {
            eprintln!(
                "xtask: lab {}: only in cargo xtask rehearse ({})",
                example.id, example.why
            );
            continue;
        }
        let (row, mut found) = rehearse_example(
            &lab,
            example,
            all || example.failures_in_test,
            scope == InTest::All,
        )?;
        let down = lab.run(&["down"])?;
        if down.code != 0 {
            found.push(format!("{}: lab down failed: {}", example.id, down.out));
        }
        eprintln!(
            "xtask: lab {}: {}",
            example.id,
            if found.is_empty() { "ok" } else { "FAILED" }
        );
        rows.push(row);
        problems.extend(found);
    }
    let mut table = String::from(
        "| example | lab up | install (exit, time) | services converged | lab check | host failures agreeing | upgrade / failover / change | moments quorum lost / service short |\n|---|---|---|---|---|---|---|---|\n",
    );
    for r in &rows {
        let _ = writeln!(
            table,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            r.id, r.up, r.install, r.converged, r.check, r.failures, r.runbook, r.moments
        );
    }
    let _ = writeln!(
        table,
        "\nThe lab's share: {:.0} s. Every command's output is in {}.",
        start.elapsed().as_secs_f64(),
        log.display()
    );
    println!("{table}");
    let _ = std::fs::write(root().join("target/lab-rehearsal.md"), &table);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the rehearsal lab found:\n  {}",
            problems.join("\n  ")
        ))
    }
}

fn rehearse_example(
    lab: &Lab,
    example: &Example,
    failures: bool,
    runbook: bool,
) -> Result<(Row, Vec<String>)> {
    let id = example.id;
    let plan = root().join(format!("examples/plans/{id}.yaml"));
    let plan = plan.to_string_lossy().into_owned();
    let mut problems = Vec::new();
    let mut row = Row {
        id: id.to_owned(),
        up: "-".into(),
        install: "-".into(),
        converged: "-".into(),
        check: "-".into(),
        failures: "-".into(),
        runbook: "-".into(),
        moments: "-".into(),
    };
    let up = lab.run(&["up", &plan, "--engine", example.engine])?;
    row.up = format!("{:.0} s", up.secs);
    if up.code != 0 {
        problems.push(format!("{id}: lab up failed: {}", up.out));
        return Ok((row, problems));
    }
    let install = lab.run(&["run", &plan, "install"])?;
    row.install = format!("{}, {:.0} s", install.code, install.secs);
    row.converged = report_field(&install.out, "services converged: ");
    let mut moments = vec![format!(
        "install: {}",
        report_field(
            &install.out,
            "moments with quorum lost or a service short: "
        )
    )];
    if install.code != 0 {
        problems.push(format!("{id}: install failed:\n{}", install.out));
        return Ok((row, problems));
    }
    let check = lab.run(&["check", &plan])?;
    row.check = if check.code == 0 {
        "agrees (import equals the plan)".into()
    } else {
        problems.push(format!("{id}: lab check disagrees:\n{}", check.out));
        "DISAGREES".into()
    };
    if failures {
        let parsed = swarmplan_engine::parse_plan(
            &std::fs::read_to_string(&plan).map_err(|e| format!("cannot read {plan}: {e}"))?,
        )
        .map_err(|e| format!("{plan}: {e}"))?;
        let mut hosts: Vec<String> = parsed
            .nodes
            .iter()
            .map(|n| n.host_name().to_owned())
            .collect();
        hosts.dedup();
        let mut agreeing = 0;
        for host in &hosts {
            let mut fail = lab.run(&["fail", &plan, "host", host])?;
            if fail.code == UNJUDGED {
                // A running node was marked down on the way: converge, and judge once more.
                let restore = lab.run(&["restore", "--rebalance"])?;
                if restore.code != 0 {
                    problems.push(format!(
                        "{id}: restore after the unjudged loss of {host} failed:\n{}",
                        restore.out
                    ));
                }
                fail = lab.run(&["fail", &plan, "host", host])?;
            }
            if fail.code == 0 {
                agreeing += 1;
            } else {
                problems.push(format!(
                    "{id}: the loss of host {host} disagrees:\n{}",
                    fail.out
                ));
            }
            // Each failure starts from a converged lab: restored and rebalanced.
            let restore = lab.run(&["restore", "--rebalance"])?;
            if restore.code != 0 {
                problems.push(format!(
                    "{id}: restore after {host} failed:\n{}",
                    restore.out
                ));
            }
        }
        row.failures = format!("{agreeing}/{}", hosts.len());
    }
    if !runbook && example.runbook.is_some() {
        row.runbook = format!("only in cargo xtask rehearse: {}", example.why);
        return Ok((row, problems));
    }
    match (id, example.runbook) {
        ("msactivator", Some(kind)) => {
            let fault = format!("at {} stop host {}", MSA_FAULT.0, MSA_FAULT.1);
            let faulted = lab.run(&["run", &plan, kind, "--fault", &fault])?;
            let stopped = faulted.code != 0 && faulted.out.contains("stopped at `");
            if !stopped {
                problems.push(format!(
                    "{id}: the upgrade with the fault '{fault}' did not stop at a failing step:\n{}",
                    faulted.out
                ));
            }
            let restore = lab.run(&["restore"])?;
            if restore.code != 0 {
                problems.push(format!(
                    "{id}: restore after the fault failed:\n{}",
                    restore.out
                ));
            }
            let step = faulted
                .out
                .lines()
                .find_map(|l| l.split("stopped at `").nth(1))
                .and_then(|s| s.split('`').next())
                .unwrap_or(MSA_FAULT.0)
                .to_owned();
            let resumed = lab.run(&["run", &plan, kind, "--step", &step])?;
            moments.push(format!(
                "upgrade (resumed): {}",
                report_field(
                    &resumed.out,
                    "moments with quorum lost or a service short: "
                )
            ));
            if resumed.code != 0 {
                problems.push(format!(
                    "{id}: the upgrade resumed with --from {step} failed:\n{}",
                    resumed.out
                ));
            }
            let after = root().join("crates/engine/tests/fixtures/change/msactivator-after.yaml");
            let change = lab.run(&["run", &after.to_string_lossy(), "change", "--from", &plan])?;
            moments.push(format!(
                "change: {}",
                report_field(&change.out, "moments with quorum lost or a service short: ")
            ));
            if change.code != 0 {
                problems.push(format!("{id}: the change runbook failed:\n{}", change.out));
            }
            row.runbook = format!(
                "upgrade with fault at {step}: exit {}, stopped there; resumed --from {step}: exit {}, {:.0} s; change: exit {}, {:.0} s",
                faulted.code, resumed.code, resumed.secs, change.code, change.secs
            );
        }
        (_, Some(kind)) => {
            let mut args = vec!["run", plan.as_str(), kind];
            if example.accept_risk {
                args.push("--accept-risk");
            }
            let ran = lab.run(&args)?;
            moments.push(format!(
                "{kind}: {}",
                report_field(&ran.out, "moments with quorum lost or a service short: ")
            ));
            row.runbook = format!("{kind}: exit {}, {:.0} s", ran.code, ran.secs);
            if ran.code != 0 {
                problems.push(format!("{id}: {kind} failed:\n{}", ran.out));
            }
        }
        _ => row.runbook = "(no upgrade strategy)".into(),
    }
    row.moments = moments.join("; ");
    Ok((row, problems))
}
