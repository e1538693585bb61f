//! The simulator given unsafe plans: the findings it raises and the order it chooses. And the
//! invariant: no generated runbook step drops quorum unless a finding says so, and none does
//! for a plan that can keep it. Whether a step keeps quorum is decided here by a replay of the
//! steps' effects of this test's own (managers promoted, demoted, down and back, and a strict
//! majority of all managers reachable), not by the simulator under test.

use proptest::prelude::*;
use std::collections::BTreeSet;
use swarmplan_engine::plan::Role;
use swarmplan_engine::runbook::{self, Effect, Kind, Runbook};
use swarmplan_engine::{examples::EXAMPLES, parse_plan, Plan};

fn read(yaml: &str) -> Plan {
    parse_plan(yaml).expect("test plan parses")
}

fn position(book: &Runbook, id: &str) -> usize {
    book.steps
        .iter()
        .position(|s| s.id == id)
        .unwrap_or_else(|| panic!("no step {id}: {:?}", ids(book)))
}

fn ids(book: &Runbook) -> Vec<&str> {
    book.steps.iter().map(|s| s.id.as_str()).collect()
}

fn codes(book: &Runbook) -> Vec<String> {
    book.findings
        .iter()
        .map(|f| format!("{} {}", f.code, f.target))
        .collect()
}

/// Whether every step of an upgrade or fail-over keeps quorum, by a replay of the steps'
/// effects from the plan's managers, all up: after each step, the managers not down must be more
/// than half of all managers.
fn no_step_loses_quorum(plan: &Plan, book: &Runbook) -> bool {
    assert!(
        matches!(book.kind, Kind::Upgrade | Kind::Failover),
        "the replay models upgrades and fail-overs"
    );
    let mut managers: BTreeSet<&str> = plan
        .nodes
        .iter()
        .filter(|n| n.role == Role::Manager)
        .map(|n| n.name.as_str())
        .collect();
    let mut down: BTreeSet<&str> = BTreeSet::new();
    book.steps.iter().all(|step| {
        for effect in &step.effects {
            match effect {
                Effect::Promote(n) => {
                    managers.insert(n);
                }
                Effect::Demote(n) | Effect::Leave(n) => {
                    managers.remove(n.as_str());
                }
                Effect::Down(n) => {
                    down.insert(n);
                }
                Effect::Up(n) => {
                    down.remove(n.as_str());
                }
                _ => {}
            }
        }
        let reachable = managers.iter().filter(|m| !down.contains(*m)).count();
        2 * reachable > managers.len()
    })
}

#[test]
fn three_managers_split_two_and_one_over_two_hosts() {
    let plan = read(
        r#"
swarmplan: 1
name: two hosts
hosts: [{ name: h1 }, { name: h2 }]
nodes:
  - { name: m1, host: h1, role: manager, ip: 10.0.0.1 }
  - { name: m2, host: h1, role: manager, ip: 10.0.0.2 }
  - { name: m3, host: h2, role: manager, ip: 10.0.0.3 }
  - { name: w1, host: h2, role: worker, ip: 10.0.0.4 }
stacks:
  - name: web
    compose:
      services:
        app: { image: "nginx:1", deploy: { replicas: 2 } }
upgrade: { strategy: rolling, images: { nginx: "nginx:2" } }
"#,
    );
    let book = runbook::runbook(&plan, Kind::Upgrade);
    let codes = codes(&book);
    // The analysis' verdict on the design, and the runbook's on the moment it is worst: while
    // m3 is upgraded, both reachable managers are on h1.
    assert!(
        codes.contains(&"host-loss-breaks-quorum host:h1".to_owned()),
        "{codes:?}"
    );
    assert!(
        codes.contains(&"runbook-narrow-window host:h1".to_owned()),
        "{codes:?}"
    );
    let narrow = book
        .findings
        .iter()
        .find(|f| f.code == "runbook-narrow-window")
        .expect("narrow");
    assert!(narrow.message.contains("upgrade-m3"), "{}", narrow.message);
    // Workers first, then the managers one at a time, the leader (m1, where init ran) last.
    assert!(position(&book, "upgrade-w1") < position(&book, "upgrade-m2"));
    assert!(position(&book, "upgrade-m2") < position(&book, "upgrade-m3"));
    assert!(position(&book, "upgrade-m3") < position(&book, "upgrade-m1"));
    // One manager down at a time: 2 of 3 is still a majority.
    assert!(no_step_loses_quorum(&plan, &book));
    let during = book.steps[position(&book, "upgrade-m3")]
        .check
        .as_ref()
        .expect("check");
    assert_eq!((during.reachable, during.managers), (2, 3));
    // The backup comes from a stopped manager that is not the leader, after the pre-checks.
    assert!(position(&book, "check-managers") < position(&book, "backup-m2"));
    assert!(position(&book, "backup-m2") < position(&book, "drain-w1"));
}

const CAPACITY: &str = r#"
swarmplan: 1
name: capacity
hosts: [{ name: h1 }, { name: h2 }, { name: h3 }]
nodes:
  - { name: m1, host: h1, role: manager, cpus: 4, memory: 8GiB }
  - { name: m2, host: h2, role: manager, cpus: 1, memory: 8GiB }
  - { name: m3, host: h3, role: manager, cpus: 1, memory: 8GiB }
stacks:
  - name: app
    compose:
      services:
        db:
          image: "postgres:15"
          deploy: { replicas: 1, resources: { reservations: { cpus: "2" } } }
        api:
          image: "api:1"
          deploy: { replicas: 1, placement: { constraints: ["node.hostname != m1"] } }
upgrade: { strategy: rolling, images: { api: "api:2" } }
"#;

#[test]
fn a_one_replica_service_with_no_spare_capacity_is_a_finding_and_one_with_room_is_scaled_first() {
    let plan = read(CAPACITY);
    let book = runbook::runbook(&plan, Kind::Upgrade);
    // db needs 2 CPUs: only m1 has them. Draining m1 leaves it nowhere to go.
    let db = book
        .findings
        .iter()
        .find(|f| {
            f.code == "runbook-service-below-replicas" && f.target.to_string() == "service:app/db"
        })
        .unwrap_or_else(|| panic!("{:?}", codes(&book)));
    assert!(db.message.contains("drain-m1"), "{}", db.message);
    assert_eq!(
        db.hint.as_deref(),
        Some("add a node with room for the service's reservations, so that its tasks can run elsewhere while m1 is out of service")
    );
    assert!(!ids(&book)
        .iter()
        .any(|id| id.starts_with("scale-up-app_db")));
    // api is stateless and a second task fits on the other node: scaled to two before its
    // node is drained, back to one after the node is verified.
    let analysis = swarmplan_engine::analyze(&plan, &Default::default());
    let api_node = &analysis
        .placement
        .iter()
        .find(|t| t.service == "api")
        .expect("api runs")
        .node;
    let up = position(&book, &format!("scale-up-app_api-{api_node}"));
    let drain = position(&book, &format!("drain-{api_node}"));
    let verify = position(&book, &format!("verify-{api_node}"));
    let back = position(&book, &format!("scale-back-app_api-{api_node}"));
    assert!(
        up < drain && drain < verify && verify < back,
        "{:?}",
        ids(&book)
    );
    assert!(book.steps[drain]
        .check
        .as_ref()
        .expect("check")
        .below
        .is_empty());
    // The stateless one-replica api is updated start-first, with room for both tasks.
    assert!(ids(&book).contains(&"start-first-app_api"));
}

#[test]
fn managers_all_on_one_rack() {
    let plan = read(
        r#"
swarmplan: 1
name: one rack
hosts:
  - { name: h1, rack: r1 }
  - { name: h2, rack: r1 }
  - { name: h3, rack: r1 }
  - { name: h4, rack: r2 }
nodes:
  - { name: m1, host: h1, role: manager }
  - { name: m2, host: h2, role: manager }
  - { name: m3, host: h3, role: manager }
  - { name: w1, host: h4, role: worker }
  - { name: w2, host: h4, role: worker }
stacks:
  - name: web
    compose:
      services:
        app: { image: "nginx:1", deploy: { replicas: 2 } }
"#,
    );
    let book = runbook::runbook(&plan, Kind::Upgrade);
    let codes = codes(&book);
    assert!(
        codes.contains(&"rack-loss-breaks-quorum rack:r1".to_owned()),
        "{codes:?}"
    );
    assert!(
        codes.contains(&"runbook-narrow-window rack:r1".to_owned()),
        "{codes:?}"
    );
    assert!(
        codes.contains(&"runbook-no-upgrade plan".to_owned()),
        "{codes:?}"
    );
    let order: Vec<&str> = ids(&book)
        .into_iter()
        .filter(|id| id.starts_with("upgrade-"))
        .collect();
    assert_eq!(
        order,
        [
            "upgrade-w1",
            "upgrade-w2",
            "upgrade-m2",
            "upgrade-m3",
            "upgrade-m1"
        ]
    );
    assert!(no_step_loses_quorum(&plan, &book));
}

#[test]
fn a_single_manager_with_workers_promotes_them_for_the_upgrade() {
    let plan = read(&EXAMPLE_DA());
    let book = runbook::runbook(&plan, Kind::Upgrade);
    let codes = codes(&book);
    assert!(
        codes.contains(&"runbook-promote node:da-manager".to_owned()),
        "{codes:?}"
    );
    assert!(position(&book, "promote-da-node1") < position(&book, "upgrade-da-manager"));
    assert!(position(&book, "upgrade-da-manager") < position(&book, "demote-da-node1"));
    assert!(no_step_loses_quorum(&plan, &book));
}

#[allow(non_snake_case)]
/// The Digital Access example in Swarmplan's own order (the example itself follows the
/// vendor's, which promotes no one).
fn EXAMPLE_DA() -> String {
    swarmplan_engine::examples::example("digital-access")
        .expect("example")
        .yaml
        .replace("order: vendor", "order: safe")
}

#[test]
fn the_pair_is_updated_standby_first_and_the_role_is_checked_after_each_move() {
    let example = swarmplan_engine::examples::example("active-passive").expect("example");
    let book = runbook::runbook(&read(example.yaml), Kind::Failover);
    // Seed 003's order: freeze on the master, the backup node first with its own new image,
    // reviewed before the master is touched; fail over and wait for the role; the former
    // master; the ssh restriction lifted before fail-back; fail back once the role has moved.
    let order = [
        "check-active-zva5n1",
        "freeze-zva5n1",
        "drain-zva5n2",
        "image-skudonet_lb-zva5n2",
        "review-zva5n2",
        "maintenance-on-zva5n1",
        "active-zva5n2",
        "image-skudonet_lb-zva5n1",
        "review-zva5n1",
        "unfreeze-zva5n1",
        "failback-maintenance-on-zva5n2",
        "failback-active-zva5n1",
        "failback-maintenance-off-zva5n2",
        "verify-active-zva5n1",
    ];
    let at: Vec<usize> = order.iter().map(|id| position(&book, id)).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{:?}", ids(&book));
    // Every step id once (fail-back's wait once named the standby's wait again).
    assert!(
        book.findings
            .iter()
            .all(|f| f.code != "runbook-duplicate-step"),
        "{:?}",
        codes(&book)
    );
    // The pair's instances stand for one another: the standby's stopping is no risk.
    assert!(book.risks().is_empty(), "{:?}", book.risks());
}

#[test]
fn no_example_runbook_drops_quorum_unless_a_finding_says_so() {
    for example in EXAMPLES {
        let plan = read(example.yaml);
        for kind in [Kind::Upgrade, Kind::Failover] {
            let book = runbook::runbook(&plan, kind);
            let reported = book
                .findings
                .iter()
                .any(|f| f.code == "runbook-quorum-lost");
            assert_eq!(
                !no_step_loses_quorum(&plan, &book),
                reported,
                "{} {kind}",
                example.id
            );
            // The runbooks a plan calls for keep quorum, except Digital Access's, which follows
            // the vendor's order with one manager.
            if example.id != "digital-access" && runbook::kinds_for(&plan).contains(&kind) {
                assert!(no_step_loses_quorum(&plan, &book), "{} {kind}", example.id);
            }
        }
        // An install only adds managers, one at a time: it never loses quorum.
        let install = runbook::runbook(&plan, Kind::Install);
        assert!(
            install
                .findings
                .iter()
                .all(|f| f.code != "runbook-quorum-lost"),
            "{} install",
            example.id
        );
    }
}

fn generated(managers: usize, workers: usize, hosts: usize, replicas: u64) -> String {
    let mut yaml = String::from("swarmplan: 1\nname: generated\nhosts:\n");
    for h in 0..hosts {
        yaml.push_str(&format!("  - {{ name: h{h} }}\n"));
    }
    yaml.push_str("nodes:\n");
    for i in 0..managers + workers {
        let role = if i < managers { "manager" } else { "worker" };
        yaml.push_str(&format!(
            "  - {{ name: n{i}, host: h{}, role: {role} }}\n",
            i % hosts
        ));
    }
    yaml.push_str(&format!(
        "stacks:\n  - name: s\n    compose:\n      services:\n        web: {{ image: \"web:1\", deploy: {{ replicas: {replicas} }} }}\nupgrade: {{ images: {{ web: \"web:2\" }} }}\n"
    ));
    yaml
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whatever the plan, a step that loses quorum is reported; and when the plan has three
    /// nodes that can be managers, no step loses it.
    #[test]
    fn upgrade_runbooks_keep_quorum_when_the_plan_can(managers in 1usize..=5, workers in 0usize..=3, hosts in 1usize..=4, replicas in 1u64..=3) {
        let plan = read(&generated(managers, workers, hosts, replicas));
        let book = runbook::runbook(&plan, Kind::Upgrade);
        let reported = book.findings.iter().any(|f| f.code == "runbook-quorum-lost");
        prop_assert_eq!(!no_step_loses_quorum(&plan, &book), reported);
        if managers + workers >= 3 {
            prop_assert!(no_step_loses_quorum(&plan, &book), "{:?}", codes(&book));
        } else {
            prop_assert!(book.findings.iter().any(|f| f.code == "runbook-too-few-managers"));
        }
    }
}

/// A recovery starts from the failure it recovers from. The services that failure stops are not
/// the runbook's cost: API Gateway's recover.sh refused to run without `--accept-risk` because
/// its first step, the lost quorum it assumes, "stopped" the services of the lost managers.
#[test]
fn a_recovery_does_not_count_the_failure_it_starts_from_as_a_risk() {
    for example in EXAMPLES {
        let plan = read(example.yaml);
        let book = runbook::runbook(&plan, Kind::Recover);
        assert!(!book.steps.is_empty(), "{}", example.id);
        assert_eq!(book.risks(), [], "{}", example.id);
        let script = runbook::bash(&plan, &book);
        assert!(script.contains("risks=(\n)"), "{}", example.id);
    }
    // The upgrade's own costs are still costs: in the vendor's order, Digital Access' lone
    // manager loses quorum.
    let plan = read(
        swarmplan_engine::examples::example("digital-access")
            .expect("example")
            .yaml,
    );
    let upgrade = runbook::runbook(&plan, Kind::Upgrade);
    assert!(upgrade
        .risks()
        .iter()
        .any(|r| r.costs.iter().any(|c| c.starts_with("quorum lost"))));
}

/// A balancer step's rollback is the opposite command of the plan's balancer, filled for the
/// node, not prose.
#[test]
fn a_balancer_steps_rollback_is_the_opposite_command() {
    let plan = read(
        swarmplan_engine::examples::example("api-gateway")
            .expect("example")
            .yaml,
    );
    let book = runbook::runbook(&plan, Kind::Upgrade);
    let step = |id: &str| book.steps.iter().find(|s| s.id == id).expect(id);
    assert_eq!(
        step("lb-out-nginx-node-b").rollback,
        ["put node-b back into balancer nginx: `nginx-backend enable 10.20.0.12:8080`"]
    );
    assert_eq!(
        step("lb-in-nginx-node-b").rollback,
        ["take node-b out of balancer nginx again: `nginx-backend disable 10.20.0.12:8080`"]
    );
}
