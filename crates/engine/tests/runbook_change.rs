//! The change runbook (`change_runbook(before, after)`): managers replaced one by one without
//! losing quorum and the leader last, labels before the services that need them, leaving
//! workers drained until their tasks run elsewhere, and a golden Markdown + bash for the
//! MSactivator example grown by a manager on a new server and a relabelled worker.
//!
//! Refresh the golden files with `UPDATE_EXPECT=1 cargo test -p swarmplan-engine --test runbook_change`.

// A test is a shell around the engine: it reads and writes files, as the command line does.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

#[path = "support/judges.rs"]
mod judges;

use expect_test::expect_file;
use swarmplan_engine::runbook::{self, Effect, Kind, Runbook, RunsOn};
use swarmplan_engine::{parse_plan, Plan};

fn plan(yaml: &str) -> Plan {
    parse_plan(yaml).expect("test plan parses")
}

fn ids(book: &Runbook) -> Vec<&str> {
    book.steps.iter().map(|s| s.id.as_str()).collect()
}

fn at(book: &Runbook, id: &str) -> usize {
    book.steps
        .iter()
        .position(|s| s.id == id)
        .unwrap_or_else(|| panic!("no step {id}: {:?}", ids(book)))
}

fn codes(book: &Runbook) -> Vec<String> {
    book.findings
        .iter()
        .map(|f| format!("{} {}", f.code, f.target))
        .collect()
}

fn step<'b>(book: &'b Runbook, id: &str) -> &'b runbook::Step {
    &book.steps[at(book, id)]
}

/// Three managers (m2 the leader, as an imported cluster says) and four workers, before and
/// after every manager is replaced by a new VM on a new server.
fn managers_plan(new: bool) -> Plan {
    let managers = if new {
        r#"
  - { name: n1, host: h4, role: manager, ip: 10.0.0.21 }
  - { name: n2, host: h5, role: manager, ip: 10.0.0.22 }
  - { name: n3, host: h6, role: manager, ip: 10.0.0.23, leader: true }"#
    } else {
        r#"
  - { name: m1, host: h1, role: manager, ip: 10.0.0.11 }
  - { name: m2, host: h2, role: manager, ip: 10.0.0.12, leader: true }
  - { name: m3, host: h3, role: manager, ip: 10.0.0.13 }"#
    };
    plan(&format!(
        r#"
swarmplan: 1
name: {}
hosts: [{{ name: h1 }}, {{ name: h2 }}, {{ name: h3 }}, {{ name: h4 }}, {{ name: h5 }}, {{ name: h6 }}]
nodes:{managers}
  - {{ name: w1, host: h1, ip: 10.0.0.31, labels: {{ tier: app }} }}
  - {{ name: w2, host: h2, ip: 10.0.0.32, labels: {{ tier: app }} }}
  - {{ name: w3, host: h3, ip: 10.0.0.33, labels: {{ tier: app }} }}
  - {{ name: w4, host: h1, ip: 10.0.0.34, labels: {{ tier: db }} }}
stacks:
  - name: web
    compose:
      services:
        app: {{ image: "nginx:1", deploy: {{ replicas: 3, placement: {{ constraints: [node.labels.tier == app] }} }} }}
        db: {{ image: "postgres:16", deploy: {{ replicas: 1, placement: {{ constraints: [node.labels.tier == db] }} }} }}
"#,
        if new { "new managers" } else { "old managers" }
    ))
}

#[test]
fn replacing_all_three_managers_one_by_one_keeps_quorum_and_the_leader_goes_last() {
    let before = managers_plan(false);
    let after = managers_plan(true);
    let book = runbook::change_runbook(&before, &after);
    assert_eq!(book.kind, Kind::Change);
    assert!(
        !codes(&book).iter().any(|c| c.starts_with("runbook-quorum")),
        "{:?}",
        codes(&book)
    );
    // Every step simulated, and quorum holds after each.
    for s in &book.steps {
        let check = s.check.as_ref().expect("simulated");
        assert!(check.quorum, "{} loses quorum: {check:?}", s.id);
        assert!(check.below.is_empty(), "{}: {:?}", s.id, check.below);
    }
    // The managers arrive one at a time, each reachable before the next, and before any old
    // manager goes; the old ones go one at a time, the leader (m2, as the plan marks) last.
    let order = [
        "join-n1",
        "reachable-n1",
        "join-n2",
        "reachable-n2",
        "join-n3",
        "reachable-n3",
        "drain-m1",
        "elsewhere-m1",
        "demote-m1",
        "leave-m1",
        "remove-m1",
        "drain-m3",
        "demote-m3",
        "remove-m3",
        "drain-m2",
        "demote-m2",
        "check-new-leader",
        "leave-m2",
        "remove-m2",
        "check-managers-after",
    ];
    let positions: Vec<usize> = order.iter().map(|id| at(&book, id)).collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "{:?}",
        ids(&book)
    );
    // The manager count never goes down before it has gone up: 3, 4, 5, 6, then 5, 4, 3.
    let mut counts: Vec<usize> = book
        .steps
        .iter()
        .filter_map(|s| s.check.as_ref().map(|c| c.managers))
        .collect();
    counts.dedup();
    assert_eq!(counts, [3, 4, 5, 6, 5, 4, 3]);
    // The pre-checks name the leader; the leader's own demotion runs on a new manager, and
    // every step after it too.
    assert!(step(&book, "check-leader").title.contains("m2"));
    assert_eq!(step(&book, "demote-m1").runs_on, RunsOn::Node("m2".into()));
    let RunsOn::Node(on) = &step(&book, "demote-m2").runs_on else {
        panic!("runs on a node")
    };
    assert!(on.starts_with('n'), "{on}");
    // (but for its own `docker swarm leave`).
    for s in &book.steps[at(&book, "demote-m2")..] {
        if s.id != "leave-m2" {
            assert_ne!(s.runs_on, RunsOn::Node("m2".into()), "{}", s.id);
        }
    }
    // Every step says how to check it or is a manual one, and how to roll it back.
    for s in &book.steps {
        assert!(!s.rollback.is_empty(), "{} has no rollback", s.id);
    }
    for id in ["join-n1", "demote-m1", "leave-m1", "remove-m1", "drain-m1"] {
        assert!(step(&book, id).verify.is_some(), "{id} has no verification");
    }
}

fn labels_plan(after: bool) -> Plan {
    let (label, constraint) = if after {
        ("zone: front", "node.labels.zone == front")
    } else {
        ("tier: web", "node.labels.tier == web")
    };
    plan(&format!(
        r#"
swarmplan: 1
name: relabel
hosts: [{{ name: h1 }}, {{ name: h2 }}, {{ name: h3 }}]
nodes:
  - {{ name: m1, host: h1, role: manager }}
  - {{ name: m2, host: h2, role: manager }}
  - {{ name: m3, host: h3, role: manager }}
  - {{ name: w1, host: h1, labels: {{ {label} }} }}
  - {{ name: w2, host: h2, labels: {{ {label} }} }}
stacks:
  - name: site
    compose:
      services:
        web: {{ image: "nginx:1", deploy: {{ replicas: 2, placement: {{ constraints: ["{constraint}"] }} }} }}
"#
    ))
}

#[test]
fn labels_are_added_before_the_services_that_need_them_and_removed_after() {
    let book = runbook::change_runbook(&labels_plan(false), &labels_plan(true));
    // New labels, then the stack that now needs them, then the old labels go.
    assert!(at(&book, "label-w1") < at(&book, "update-site"));
    assert!(at(&book, "label-w2") < at(&book, "update-site"));
    assert!(at(&book, "update-site") < at(&book, "unlabel-w1"));
    assert!(at(&book, "update-site") < at(&book, "unlabel-w2"));
    let label = step(&book, "label-w1");
    assert!(label.commands.iter().any(|c| matches!(c,
        runbook::Command::Shell(line) if line == "docker node update --label-add zone=front w1")));
    assert_eq!(
        label.rollback,
        ["docker node update --label-rm zone w1".to_owned()]
    );
    let unlabel = step(&book, "unlabel-w1");
    assert!(unlabel.commands.iter().any(|c| matches!(c,
        runbook::Command::Shell(line) if line == "docker node update --label-rm tier w1")));
    assert_eq!(
        unlabel.rollback,
        ["docker node update --label-add tier=web w1".to_owned()]
    );
    // The service keeps both replicas at every step.
    for s in &book.steps {
        assert!(
            s.check.as_ref().is_some_and(|c| c.below.is_empty()),
            "{}",
            s.id
        );
    }
    assert!(step(&book, "update-site")
        .effects
        .contains(&Effect::Deploy("site".into())));
    assert!(!codes(&book)
        .iter()
        .any(|c| c.starts_with("runbook-service-below")));

    // Updating the stack before labelling would leave it with nowhere to run: the simulator
    // says so when the order is reversed by hand.
    let before = labels_plan(false);
    let after = labels_plan(true);
    let mut steps = book.steps.clone();
    let update = steps.remove(at(&book, "update-site"));
    let first_label = at(&book, "label-w1");
    steps.insert(first_label, update);
    let findings = runbook::simulate::replay_change(&before, &after, &mut steps);
    assert!(
        findings
            .iter()
            .any(|f| f.code == "runbook-service-below-replicas"),
        "{findings:?}"
    );
}

fn workers_plan(keep_w3: bool, replicas: u64) -> Plan {
    let w3 = if keep_w3 {
        "\n  - { name: w3, host: h3, ip: 10.0.0.33, labels: { tier: app } }"
    } else {
        ""
    };
    plan(&format!(
        r#"
swarmplan: 1
name: workers
hosts: [{{ name: h1 }}, {{ name: h2 }}, {{ name: h3 }}]
nodes:
  - {{ name: m1, host: h1, role: manager, ip: 10.0.0.11 }}
  - {{ name: m2, host: h2, role: manager, ip: 10.0.0.12 }}
  - {{ name: m3, host: h3, role: manager, ip: 10.0.0.13 }}
  - {{ name: w1, host: h1, ip: 10.0.0.31, labels: {{ tier: app }} }}
  - {{ name: w2, host: h2, ip: 10.0.0.32, labels: {{ tier: app }} }}{w3}
stacks:
  - name: web
    compose:
      services:
        app: {{ image: "nginx:1", deploy: {{ replicas: {replicas}, placement: {{ max_replicas_per_node: 1, constraints: [node.labels.tier == app] }} }} }}
"#
    ))
}

#[test]
fn a_leaving_worker_is_drained_and_leaves_only_once_its_tasks_run_elsewhere() {
    let book = runbook::change_runbook(&workers_plan(true, 2), &workers_plan(false, 2));
    let order = [
        "drain-w3",
        "wait-w3",
        "elsewhere-w3",
        "leave-w3",
        "down-w3",
        "remove-w3",
    ];
    let positions: Vec<usize> = order.iter().map(|id| at(&book, id)).collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "{:?}",
        ids(&book)
    );
    // The drain and the removal run on the leader, the leave on the node itself.
    assert_eq!(step(&book, "drain-w3").runs_on, RunsOn::Node("m1".into()));
    assert_eq!(step(&book, "leave-w3").runs_on, RunsOn::Node("w3".into()));
    assert_eq!(step(&book, "remove-w3").runs_on, RunsOn::Node("m1".into()));
    assert!(book.steps.iter().all(|s| s
        .check
        .as_ref()
        .is_some_and(|c| c.quorum && c.below.is_empty())));
    assert!(!book
        .findings
        .iter()
        .any(|f| f.severity == swarmplan_engine::Severity::Error));

    // With three replicas, one per node, the two workers left cannot hold them: the drain is
    // simulated, and the finding says what the new plan should add.
    let book = runbook::change_runbook(&workers_plan(true, 3), &workers_plan(false, 3));
    let short = book
        .findings
        .iter()
        .find(|f| f.code == "runbook-service-below-replicas")
        .unwrap_or_else(|| panic!("{:?}", codes(&book)));
    assert!(short.message.contains("drain-w3"), "{}", short.message);
    assert!(
        short
            .hint
            .as_deref()
            .unwrap_or_default()
            .contains("tier=app"),
        "{:?}",
        short.hint
    );
}

fn msactivator() -> Plan {
    plan(
        swarmplan_engine::examples::example("msactivator")
            .expect("example")
            .yaml,
    )
}

fn grown() -> Plan {
    plan(include_str!("fixtures/change/msactivator-after.yaml"))
}

fn golden(file: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/runbooks/change")
        .join(file)
}

#[test]
fn golden_change_runbook_of_msactivator_grown() {
    let (before, after) = (msactivator(), grown());
    let book = runbook::change_runbook(&before, &after);
    std::fs::create_dir_all(golden("")).expect("mkdir golden");
    expect_file![golden("msactivator-grown.md")].assert_eq(&runbook::markdown(&book));
    let script = runbook::change_bash(&before, &after, &book);
    expect_file![golden("msactivator-grown.sh")].assert_eq(&script);

    // The new manager joins and is reachable before the worker is relabelled and the stacks
    // updated; the relabel comes before the rebalance of the service that may now use it.
    assert!(at(&book, "firewall-man4") < at(&book, "join-man4"));
    assert!(at(&book, "reachable-man4") < at(&book, "label-db2"));
    assert!(book
        .steps
        .iter()
        .all(|s| s.check.as_ref().is_some_and(|c| c.quorum)));
    assert!(!book
        .findings
        .iter()
        .any(|f| f.severity == swarmplan_engine::Severity::Error));

    // The script passes bash -n and shellcheck, and its dry run prints the steps in order.
    let dir = judges::scratch("runbook-change").join("runbooks");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let path = dir.join("change.sh");
    std::fs::write(&path, &script).expect("write");
    judges::check_script(&path);
    let out = judges::passes(
        "bash",
        &[path.to_str().expect("utf-8"), "--dry-run"],
        None,
        &[],
    );
    let announced: Vec<String> = judges::text(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("== "))
        .map(|l| l.split(':').next().unwrap_or_default().to_owned())
        .collect();
    let expected: Vec<String> = book.steps.iter().map(|s| s.id.clone()).collect();
    assert_eq!(announced, expected);
}

#[test]
fn the_same_plan_twice_only_checks_the_cluster_and_is_deterministic() {
    let plan = msactivator();
    let book = runbook::runbook(&plan, Kind::Change);
    assert!(
        codes(&book).contains(&"runbook-no-change plan".to_owned()),
        "{:?}",
        codes(&book)
    );
    assert!(
        book.steps.iter().all(|s| s.effects.is_empty()),
        "{:?}",
        ids(&book)
    );
    let (before, after) = (msactivator(), grown());
    let a = runbook::change_runbook(&before, &after);
    let b = runbook::change_runbook(&before, &after);
    assert_eq!(a, b);
    assert_eq!(
        runbook::change_bash(&before, &after, &a),
        runbook::change_bash(&before, &after, &b)
    );
}
