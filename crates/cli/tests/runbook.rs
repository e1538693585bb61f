//! `swarmplan runbook PLAN install|upgrade|failover|change [--from BEFORE] [--format markdown|bash|json]`.

mod common;

use common::{example, stdout, swarmplan};
use std::path::PathBuf;

#[test]
fn markdown_is_the_default_and_a_clean_plan_exits_0() {
    let out = swarmplan(&["runbook", &example("msactivator"), "upgrade"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert!(text.starts_with("# MSactivator HA: rolling upgrade runbook\n"));
    assert!(
        text.contains("| NODE | LB OUT | DRAIN | UPGRADE | ACTIVATE | VERIFY | LB IN | ROLLBACK |")
    );
    assert!(text.contains("- [ ] **`drain-app1`** Drain app1 (on `man1`)"));
}

#[test]
fn bash_and_json_formats() {
    let out = swarmplan(&["runbook", &example("nuvla"), "install", "--format", "bash"]);
    assert_eq!(out.status.code(), Some(0));
    let script = stdout(&out);
    assert!(script.starts_with("#!/usr/bin/env bash\n"));
    assert!(script.contains("set -euo pipefail"));
    assert!(script.contains("if step deploy-nuvla "));

    let out = swarmplan(&[
        "runbook",
        &example("api-gateway"),
        "upgrade",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(json["kind"], "upgrade");
    let steps = json["steps"].as_array().expect("steps");
    let lb_out = steps
        .iter()
        .position(|s| s["id"] == "lb-out-nginx-node-a")
        .expect("lb out");
    let drain = steps
        .iter()
        .position(|s| s["id"] == "drain-node-a")
        .expect("drain");
    let lb_in = steps
        .iter()
        .position(|s| s["id"] == "lb-in-nginx-node-a")
        .expect("lb in");
    assert!(lb_out < drain && drain < lb_in);
    // node-a is the assumed leader: another manager drains it.
    assert_eq!(steps[drain]["runs_on"]["name"], "node-b");
    assert_eq!(steps[drain]["check"]["quorum"], true);
}

#[test]
fn a_runbook_that_loses_quorum_exits_1() {
    // Digital Access has one manager, upgraded first in the vendor's order.
    let out = swarmplan(&["runbook", &example("digital-access"), "upgrade"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("error [runbook-quorum-lost] node:da-manager"));
}

/// A runbook whose simulation finds quorum lost or a service stopped says so at the top, and
/// its script runs nothing without --accept-risk.
#[test]
fn a_risky_runbook_says_so_and_its_script_needs_accept_risk() {
    let markdown = stdout(&swarmplan(&[
        "runbook",
        &example("digital-access"),
        "upgrade",
    ]));
    let risks = markdown.find("## Risks").expect("a Risks section");
    assert!(risks < markdown.find("## Findings").unwrap());
    assert!(markdown.contains("- `upgrade-da-manager` (UPGRADE da-manager, the vendor's way): quorum lost (0 of 1 managers reachable)"), "{markdown}");
    let script = stdout(&swarmplan(&[
        "runbook",
        &example("digital-access"),
        "upgrade",
        "--format",
        "bash",
    ]));
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("risky");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("upgrade.sh");
    std::fs::write(&path, script).unwrap();
    // SSH records every call: a refused runbook makes none.
    let calls = dir.join("calls");
    let _ = std::fs::remove_file(&calls);
    let ssh = dir.join("record-ssh");
    std::fs::write(
        &ssh,
        format!("#!/bin/sh\necho \"$*\" >> {}\n", calls.display()),
    )
    .unwrap();
    let run = std::process::Command::new("bash")
        .arg(&path)
        .env("SSH", format!("sh {}", ssh.display()))
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let said = String::from_utf8_lossy(&run.stderr);
    assert!(said.contains("upgrade-da-manager: quorum lost"), "{said}");
    assert!(said.contains("--accept-risk"), "{said}");
    assert!(!calls.exists(), "nothing reached a node");
}

#[test]
fn unknown_kind_or_format_is_bad_input() {
    let out = swarmplan(&["runbook", &example("nuvla"), "reboot"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("[possible values: install, upgrade, failover, change, recover]"));
    let out = swarmplan(&["runbook", &example("nuvla"), "install", "--format", "pdf"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("[possible values: markdown, bash, json]")
    );
    let out = swarmplan(&["runbook", "/nonexistent.yaml", "install"]);
    assert_eq!(out.status.code(), Some(2));
}

fn fixture(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../engine/tests/fixtures")
        .join(path)
        .display()
        .to_string()
}

#[test]
fn change_runbook_from_one_plan_to_another() {
    let after = fixture("change/msactivator-after.yaml");
    let before = example("msactivator");
    let out = swarmplan(&["runbook", &after, "change", "--from", &before]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert!(text.starts_with("# MSactivator HA, grown: change runbook (from MSactivator HA)\n"));
    assert!(text.contains("- [ ] **`join-man4`** Join man4 as a manager (on `man4`)"));
    assert!(text.contains("`docker node update --label-add worker=app db2`"));

    let out = swarmplan(&[
        "runbook", &after, "change", "--from", &before, "--format", "bash",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let script = stdout(&out);
    assert!(script.contains("if step join-man4 "));
    // Both plans' nodes are reachable by address.
    assert!(script.contains("  [man4]=10.31.1.175\n"));

    let out = swarmplan(&[
        "runbook", &after, "change", "--from", &before, "--format", "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(json["kind"], "change");
}

#[test]
fn change_without_from_or_from_without_change_is_bad_input() {
    let out = swarmplan(&["runbook", &example("msactivator"), "change"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--from BEFORE"));
    let out = swarmplan(&[
        "runbook",
        &example("msactivator"),
        "install",
        "--from",
        &example("nuvla"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = swarmplan(&[
        "runbook",
        &example("msactivator"),
        "change",
        "--from",
        "/nonexistent.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2));
}
