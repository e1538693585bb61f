//! Golden runbooks of every example plan (Markdown and bash), every script judged by `bash -n`
//! and `shellcheck`, and the install script run with `--dry-run` to check its order.
//!
//! Refresh the golden files with `UPDATE_EXPECT=1 cargo test -p swarmplan-engine --test runbook_golden`.

// A test is a shell around the engine: it reads and writes files, as the command line does.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

#[path = "support/judges.rs"]
mod judges;

use expect_test::expect_file;
use swarmplan_engine::runbook::{self, Kind};
use swarmplan_engine::{examples::EXAMPLES, parse_plan, Plan};

/// A runbook's golden file: the same file the golden export bundle holds, so that one copy
/// stands for both.
fn golden(example: &str, file: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/exports")
        .join(example)
        .join("runbooks")
        .join(file)
}

fn plan(id: &str) -> Plan {
    parse_plan(
        swarmplan_engine::examples::example(id)
            .expect("example")
            .yaml,
    )
    .expect("parses")
}

#[test]
fn golden_runbooks_of_every_example() {
    for example in EXAMPLES {
        let plan = plan(example.id);
        for kind in runbook::kinds_for(&plan) {
            let book = runbook::runbook(&plan, kind);
            expect_file![golden(example.id, &format!("{kind}.md"))]
                .assert_eq(&runbook::markdown(&book));
            expect_file![golden(example.id, &format!("{kind}.sh"))]
                .assert_eq(&runbook::bash(&plan, &book));
        }
    }
}

#[test]
fn every_runbook_script_passes_bash_n_and_shellcheck() {
    for example in EXAMPLES {
        let plan = plan(example.id);
        let dir = judges::scratch(&format!("runbook-{}", example.id));
        // Every kind, not only the plan's own: the CLI prints any of them.
        for kind in Kind::ALL {
            let book = runbook::runbook(&plan, kind);
            let path = dir.join(format!("{kind}.sh"));
            std::fs::write(&path, runbook::bash(&plan, &book)).expect("write");
            judges::check_script(&path);
        }
    }
}

/// The step ids a dry run announces, in order.
fn dry_run(script: &str, args: &[&str]) -> Vec<String> {
    let dir = judges::scratch("runbook-dry-run").join("runbooks");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let path = dir.join("install.sh");
    std::fs::write(&path, script).expect("write");
    let mut all = vec![path.to_str().expect("utf-8"), "--dry-run"];
    all.extend(args);
    let out = judges::passes("bash", &all, None, &[]);
    judges::text(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("== "))
        .map(|l| l.split(':').next().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn install_dry_run_prints_the_steps_in_dependency_order() {
    let plan = plan("nuvla");
    let book = runbook::runbook(&plan, Kind::Install);
    let ids = dry_run(&runbook::bash(&plan, &book), &[]);
    let expected: Vec<String> = book.steps.iter().map(|s| s.id.clone()).collect();
    assert_eq!(ids, expected);
    let at = |id: &str| {
        ids.iter()
            .position(|i| i == id)
            .unwrap_or_else(|| panic!("no step {id} in {ids:?}"))
    };
    // Firewall before the swarm, the first manager's init before any join, managers before
    // workers, labels and networks before the stacks, stacks in `after` order.
    assert!(at("firewall-manager1") < at("init-manager1"));
    assert!(at("init-manager1") < at("join-manager2"));
    assert!(at("join-manager3") < at("join-frontend1"));
    assert!(at("join-db1") < at("nodes-ready"));
    assert!(at("label-db1") < at("deploy-traefik"));
    assert!(at("deploy-traefik") < at("deploy-db"));
    assert!(at("deploy-db") < at("deploy-nuvla"));
    // The guide's own steps, where the plan puts them: the certificate before the core
    // services, their checks and the password after.
    assert!(at("copy-stacks") < at("session-certificate"));
    assert!(at("session-certificate") < at("deploy-nuvla"));
    assert!(at("deploy-nuvla") < at("api-started"));
    assert!(at("api-started") < at("cloud-entry-point"));
    assert_eq!(ids.first().map(String::as_str), Some("prerequisites"));
    assert!(at("cloud-entry-point") < at("admin-password"));
    // The tokens used by the joins are rotated last.
    assert_eq!(ids.last().map(String::as_str), Some("rotate-join-tokens"));

    // --from resumes at that step; an unknown step is refused.
    let resumed = dry_run(&runbook::bash(&plan, &book), &["--from", "deploy-db"]);
    assert_eq!(
        resumed,
        [
            "deploy-db",
            "session-certificate",
            "deploy-nuvla",
            "api-started",
            "cloud-entry-point",
            "admin-password",
            "rotate-join-tokens"
        ]
    );
}

#[test]
fn an_unknown_from_step_is_refused() {
    let plan = plan("nuvla");
    let book = runbook::runbook(&plan, Kind::Install);
    let dir = judges::scratch("runbook-from").join("runbooks");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let path = dir.join("install.sh");
    std::fs::write(&path, runbook::bash(&plan, &book)).expect("write");
    let out = judges::judge(
        "bash",
        &[path.to_str().expect("utf-8"), "--dry-run", "--from", "nope"],
        None,
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(judges::text(&out.stderr).contains("no step named nope"));
}

#[test]
fn runbooks_are_deterministic() {
    for example in EXAMPLES {
        let plan = plan(example.id);
        for kind in Kind::ALL {
            let a = runbook::runbook(&plan, kind);
            let b = runbook::runbook(&plan, kind);
            assert_eq!(runbook::bash(&plan, &a), runbook::bash(&plan, &b));
            assert_eq!(runbook::markdown(&a), runbook::markdown(&b));
        }
    }
}
