//! `swarmplan size`, `swarmplan import-cluster` and `swarmplan diff`, run as a pipeline runs
//! them.

mod common;

use common::swarmplan;
use std::path::PathBuf;

fn scratch(name: &str, text: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("plans-from-clusters");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("scratch file");
    path.display().to_string()
}

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../engine/tests/fixtures/cluster")
        .join(name)
        .display()
        .to_string()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const WEB: &str = "services:\n  web:\n    image: nginx\n    deploy:\n      replicas: 3\n      placement:\n        max_replicas_per_node: 1\n        constraints: [node.labels.worker == app]\n      resources: { reservations: { cpus: '1', memory: 2G } }\n  db:\n    image: postgres\n    deploy:\n      placement: { constraints: [node.labels.worker == db] }\n";

#[test]
fn size_prints_a_plan_that_checks_clean() {
    let stack = scratch("web.yml", WEB);
    let output = swarmplan(&[
        "size",
        "--servers",
        "3",
        "--survive",
        "host",
        "--vm-sizes",
        "2:4GiB,4:8GiB",
        &stack,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let plan = text(&output.stdout);
    assert!(plan.starts_with("swarmplan: 1\n"), "{plan}");
    let summary = text(&output.stderr);
    assert!(
        summary.contains("*1. fewest VMs: 3 managers (1-1-1"),
        "{summary}"
    );
    let path = scratch("sized.yaml", &plan);
    let check = swarmplan(&["check", &path]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stdout));
    assert!(text(&check.stdout).contains("survives any single host loss"));
}

#[test]
fn size_exits_one_when_impossible_and_two_on_bad_input() {
    let stack = scratch("web2.yml", WEB);
    let output = swarmplan(&["size", "--servers", "4", "--survive", "2hosts", &stack]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("at least 5 servers; 4 given"));
    let output = swarmplan(&["size", "--servers", "3", "--survive", "moon", &stack]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("[possible values: host, 2hosts, rack, site]"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn import_cluster_then_diff() {
    let output = swarmplan(&[
        "import-cluster",
        &fixture("nodes.json"),
        &fixture("services.json"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let plan = text(&output.stdout);
    assert!(plan.contains("leader: true"), "{plan}");
    assert!(plan.contains("id: 1s9p18pjsl7og0xw5xw5yqpbh"), "{plan}");
    assert!(text(&output.stderr).contains("[hosts-unknown]"));
    let before = scratch("cluster.yaml", &plan);
    let after = scratch(
        "cluster-after.yaml",
        &plan.replacen("worker: db", "worker: app", 1),
    );
    let output = swarmplan(&["diff", &before, &after]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let diff = text(&output.stdout);
    assert!(diff.contains("db1 labels.worker: db -> app"), "{diff}");
    let output = swarmplan(&["diff", &before, &after, "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(json["quorum"]["after"]["managers"], 3);
}

#[test]
fn import_cluster_reports_bad_json_with_its_place() {
    let broken = scratch("broken.json", "[\n  {\"ID\": 1,,}\n]\n");
    let output = swarmplan(&["import-cluster", &broken]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("broken.json: line 2, column"),
        "{}",
        text(&output.stderr)
    );
}
