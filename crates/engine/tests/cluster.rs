//! Starting from the cluster you have: `docker node inspect` / `docker service inspect` JSON into
//! a plan, and the differences between two plans.
//!
//! The fixtures in `tests/fixtures/cluster/` are written in Docker's field names and shapes: a
//! swarm of three managers (man1 leads) and four workers — app1 and app2 (`worker=app`, engine
//! label `storage=ssd`), db1 and db2 (`worker=db`, db2 drained for maintenance) — running the
//! msa stack, a global node-exporter in a monitoring stack, and a registry created by hand.

use swarmplan_engine::analysis::Health;
use swarmplan_engine::cluster_import::{import_cluster, parse_json, ClusterImport};
use swarmplan_engine::diff::{diff, Outcome, PlanDiff};
use swarmplan_engine::domains::DomainKind;
use swarmplan_engine::plan::{Availability, Host, Node, Role};
use swarmplan_engine::units::{Bytes, Cpus};
use swarmplan_engine::{analyze, parse_plan, plan_to_yaml, Options, Plan};

const NODES: &str = include_str!("fixtures/cluster/nodes.json");
const SERVICES: &str = include_str!("fixtures/cluster/services.json");

fn imported() -> ClusterImport {
    let nodes = parse_json(NODES).expect("the nodes fixture is JSON");
    let services = parse_json(SERVICES).expect("the services fixture is JSON");
    import_cluster(&nodes, Some(&services), None)
}

fn codes(import: &ClusterImport) -> Vec<&'static str> {
    import.findings.iter().map(|f| f.code.name()).collect()
}

#[test]
fn nodes_come_back_with_role_labels_leader_and_size() {
    let import = imported();
    let plan = &import.plan;
    let names: Vec<&str> = plan.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(
        names,
        ["man1", "man2", "man3", "app1", "app2", "db1", "db2"]
    );
    assert_eq!(plan.managers().count(), 3);
    let leaders: Vec<&str> = plan
        .nodes
        .iter()
        .filter(|n| n.leader)
        .map(|n| n.name.as_str())
        .collect();
    assert_eq!(leaders, ["man1"]);

    let man1 = plan.node("man1").unwrap();
    assert_eq!(man1.id.as_deref(), Some("1s9p18pjsl7og0xw5xw5yqpbh"));
    assert_eq!(man1.cpus, Some(Cpus::whole(4)));
    assert_eq!(man1.memory, Some(Bytes(8_199_475_200)));
    assert_eq!(man1.ip, Some("10.31.1.172".parse().unwrap()));
    assert_eq!((man1.os(), man1.arch()), ("linux", "x86_64"));

    let app1 = plan.node("app1").unwrap();
    assert_eq!(app1.role, Role::Worker);
    assert_eq!(app1.labels.get("worker").map(String::as_str), Some("app"));
    assert_eq!(
        app1.engine_labels.get("storage").map(String::as_str),
        Some("ssd")
    );
    assert_eq!(plan.node("db2").unwrap().availability, Availability::Drain);

    // Each node on a server of its own, and a finding that asks which share one.
    assert_eq!(plan.hosts.len(), 7);
    assert!(plan
        .nodes
        .iter()
        .all(|n| n.host.as_deref() == Some(n.name.as_str())));
    assert!(
        codes(&import).contains(&"hosts-unknown"),
        "{:?}",
        codes(&import)
    );
}

#[test]
fn services_come_back_as_stacks_without_their_prefix() {
    let import = imported();
    let stacks: Vec<&str> = import.plan.stacks.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(stacks, ["msa", "monitoring", "services"]);
    let msa = &import.plan.stacks[0].compose["services"];
    let api = &msa["msa_api"];
    assert_eq!(
        api["image"].as_str(),
        Some("ubiqube/msa-api:2.8.0"),
        "digest dropped"
    );
    assert_eq!(api["deploy"]["replicas"].as_u64(), Some(2));
    assert_eq!(
        api["deploy"]["placement"]["constraints"][0].as_str(),
        Some("node.labels.worker == app")
    );
    assert_eq!(
        api["deploy"]["placement"]["max_replicas_per_node"].as_u64(),
        Some(1)
    );
    assert_eq!(
        api["deploy"]["resources"]["reservations"]["memory"].as_str(),
        Some("4G")
    );
    assert_eq!(
        api["volumes"][0].as_str(),
        Some("/mnt/NASVolume/msa_dev:/opt/devops")
    );
    let front = &msa["msa_front"];
    assert_eq!(front["ports"][0]["published"].as_u64(), Some(80));
    assert_eq!(front["ports"][0]["mode"].as_str(), Some("ingress"));
    assert_eq!(
        front["deploy"]["update_config"]["order"].as_str(),
        Some("start-first")
    );
    let exporter = &import.plan.stacks[1].compose["services"]["node-exporter"];
    assert_eq!(exporter["deploy"]["mode"].as_str(), Some("global"));
    assert_eq!(exporter["ports"][0]["mode"].as_str(), Some("host"));
    assert!(codes(&import).contains(&"service-without-stack"));
}

#[test]
fn the_imported_plans_analysis_matches_the_cluster() {
    let import = imported();
    // The plan a user saves is YAML: analyse what reads back.
    let plan = parse_plan(&plan_to_yaml(&import.plan)).expect("the imported plan reads back");
    assert_eq!(plan, import.plan);
    let analysis = analyze(&plan, &Options::default());
    assert_eq!(
        (
            analysis.quorum.managers,
            analysis.quorum.majority,
            analysis.quorum.tolerates
        ),
        (3, 2, 1)
    );
    assert!(analysis.pending.is_empty(), "{:?}", analysis.pending);
    let nodes_of = |service: &str| -> Vec<String> {
        let status = analysis
            .services
            .iter()
            .find(|s| s.id() == service)
            .unwrap_or_else(|| panic!("no {service}"));
        assert_eq!(status.health, Health::Healthy, "{service}");
        let mut nodes = status.nodes.clone();
        nodes.sort();
        nodes
    };
    assert_eq!(nodes_of("msa/msa_api"), ["app1", "app2"]);
    assert_eq!(nodes_of("msa/db"), ["db1"]);
    // Global: every active node, not the drained db2.
    assert_eq!(
        nodes_of("monitoring/node-exporter"),
        ["app1", "app2", "db1", "man1", "man2", "man3"]
    );
    let registry = nodes_of("services/registry");
    assert!(registry[0].starts_with("man"), "{registry:?}");
    // Nothing runs on the drained node.
    assert!(analysis.placement.iter().all(|t| t.node != "db2"));
    // Losing db1's server stops the database: db2 is drained.
    let db1 = analysis
        .failures
        .iter()
        .find(|f| f.domain == DomainKind::Host && f.name == "db1")
        .unwrap();
    assert_eq!(db1.services.down, ["msa/db"]);
    assert!(!db1.survived() && !analysis.survival.host);
    assert!(analysis
        .findings
        .iter()
        .any(|f| f.code == "failure-stops-services"));
}

#[test]
fn missing_and_unknown_fields_get_defaults_and_findings() {
    let nodes = parse_json(
        r#"[
            {"ID": "abc", "Spec": {"Role": "superuser", "Availability": "sleeping"}},
            {"ID": "def", "Description": {"Hostname": "w1", "Resources": {"NanoCPUs": "four"}},
             "Spec": {"Role": "manager", "Labels": {"zone": 3}}, "Status": {"State": "down", "Addr": "0.0.0.0"},
             "ManagerStatus": {"Reachability": "unreachable", "Addr": "10.0.0.9:2377"}},
            {"ID": "ghi", "Description": {"Hostname": "w1"}, "Spec": {"Role": "worker"}},
            17
        ]"#,
    )
    .unwrap();
    let services = parse_json(
        r#"[{"Spec": {"Name": "job", "Mode": {"ReplicatedJob": {}}}}, {"Spec": {}}, "x"]"#,
    )
    .unwrap();
    let import = import_cluster(&nodes, Some(&services), None);
    let names: Vec<&str> = import.plan.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["node-abc", "w1", "w1-ghi", "node4"]);
    let first = &import.plan.nodes[0];
    assert_eq!(
        (first.role, first.availability),
        (Role::Worker, Availability::Active)
    );
    let w1 = &import.plan.nodes[1];
    assert_eq!(
        w1.ip,
        Some("10.0.0.9".parse().unwrap()),
        "the advertised address"
    );
    assert_eq!(w1.labels.get("zone").map(String::as_str), Some("3"));
    let codes = codes(&import);
    for code in [
        "cluster-field-missing",
        "cluster-field-unknown",
        "cluster-duplicate-hostname",
        "manager-unreachable",
        "node-not-ready",
        "hosts-unknown",
    ] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    let job = &import.plan.stacks[0].compose["services"]["job"];
    assert_eq!(job["deploy"]["replicas"].as_u64(), Some(1));
    // Whatever came in, the plan analyses.
    let _ = analyze(&import.plan, &Options::default());

    let not_an_array = import_cluster(&parse_json("\"nodes\"").unwrap(), None, None);
    assert!(not_an_array.plan.nodes.is_empty());
    assert_eq!(not_an_array.findings[0].code, "cluster-json-shape");
}

#[test]
fn bad_json_is_an_error_with_line_and_column() {
    let broken = NODES.replacen("\"Role\": \"manager\",", "\"Role\": \"manager\"", 1);
    let error = parse_json(&broken).unwrap_err();
    assert_eq!(error.line, Some(12), "{error}");
    assert!(error.column.is_some());
    assert!(error.to_string().starts_with("line 12, column "), "{error}");
}

#[test]
fn a_base_plan_keeps_its_servers() {
    let mut base = Plan::new("datacentre");
    base.hosts = vec![Host::new("esx1"), Host::new("esx2")];
    base.nodes = vec![
        Node::new("man1", "esx1", Role::Manager),
        Node::new("app1", "esx1", Role::Worker),
        Node::new("man2", "esx2", Role::Manager),
        Node::new("old", "esx2", Role::Worker),
    ];
    let nodes = parse_json(NODES).unwrap();
    let import = import_cluster(&nodes, None, Some(&base));
    let host_of = |n: &str| import.plan.node(n).unwrap().host_name().to_owned();
    assert_eq!(host_of("man1"), "esx1");
    assert_eq!(host_of("app1"), "esx1");
    assert_eq!(host_of("man3"), "man3");
    assert!(import.plan.node("old").is_none());
    assert_eq!(import.plan.name, "datacentre");
    let codes = codes(&import);
    assert!(codes.contains(&"node-not-in-cluster"));
    let unknown = import
        .findings
        .iter()
        .find(|f| f.code == "hosts-unknown")
        .unwrap();
    assert!(!unknown.message.contains("man1,"), "{}", unknown.message);
}

/// The imported cluster with its nodes placed on three servers, as an architect would.
fn placed_cluster() -> Plan {
    let mut plan = imported().plan;
    plan.hosts = ["esx1", "esx2", "esx3"].map(Host::new).to_vec();
    for (node, host) in [
        ("man1", "esx1"),
        ("man2", "esx2"),
        ("man3", "esx3"),
        ("app1", "esx1"),
        ("app2", "esx2"),
        ("db1", "esx1"),
        ("db2", "esx3"),
    ] {
        plan.nodes.iter_mut().find(|n| n.name == node).unwrap().host = Some(host.into());
    }
    // Its maintenance over, db2 is active again: the database survives the loss of esx1.
    plan.nodes
        .iter_mut()
        .find(|n| n.name == "db2")
        .unwrap()
        .availability = Availability::Active;
    plan
}

fn changes_of<'a>(
    diff: &'a PlanDiff,
    node: &str,
) -> Vec<(&'a str, Option<&'a str>, Option<&'a str>)> {
    diff.nodes
        .changed
        .iter()
        .filter(|c| c.node == node)
        .flat_map(|c| &c.changes)
        .map(|c| (c.field.as_str(), c.before.as_deref(), c.after.as_deref()))
        .collect()
}

#[test]
fn diff_adding_a_manager() {
    let before = placed_cluster();
    let mut after = before.clone();
    // Two more managers: five tolerate two losses.
    for (name, host) in [("man4", "esx1"), ("man5", "esx2")] {
        after.nodes.push(Node::new(name, host, Role::Manager));
    }
    let diff = diff(&before, &after, &Options::default());
    assert_eq!(diff.nodes.added, ["man4", "man5"]);
    assert!(diff.nodes.removed.is_empty() && diff.nodes.moved.is_empty());
    assert_eq!(
        (diff.quorum.before.managers, diff.quorum.after.managers),
        (3, 5)
    );
    assert_eq!(
        (diff.quorum.before.tolerates, diff.quorum.after.tolerates),
        (1, 2)
    );
    // esx1 then holds man1 and man4: its loss still leaves three of five.
    assert!(diff
        .failures
        .iter()
        .all(|f| f.outcome != Outcome::StopsBeingSurvivable));
    let text = diff.to_string();
    assert!(
        text.contains(
            "Quorum: 3 managers (majority 2, tolerates 1) -> 5 managers (majority 3, tolerates 2)"
        ),
        "{text}"
    );
    assert!(text.contains("  + man4"), "{text}");

    // A single manager grown to three: host losses become survivable.
    let mut single = placed_cluster();
    for name in ["man2", "man3"] {
        single
            .nodes
            .iter_mut()
            .find(|n| n.name == name)
            .unwrap()
            .role = Role::Worker;
    }
    let grown = diff_between(&single, &before);
    let esx1 = grown
        .failures
        .iter()
        .find(|f| f.domain == DomainKind::Host && f.name == "esx1")
        .expect("esx1 changes");
    assert_eq!(esx1.outcome, Outcome::BecomesSurvivable);
    assert_eq!(
        changes_of(&grown, "man2"),
        [("role", Some("worker"), Some("manager"))]
    );
}

fn diff_between(before: &Plan, after: &Plan) -> PlanDiff {
    diff(before, after, &Options::default())
}

#[test]
fn diff_moving_a_vm_to_another_server() {
    let before = placed_cluster();
    let mut after = before.clone();
    // man2 moves onto esx1, next to man1: losing esx1 then takes two of three managers.
    after
        .nodes
        .iter_mut()
        .find(|n| n.name == "man2")
        .unwrap()
        .host = Some("esx1".into());
    let diff = diff_between(&before, &after);
    assert_eq!(diff.nodes.moved.len(), 1);
    let moved = &diff.nodes.moved[0];
    assert_eq!(
        (moved.node.as_str(), moved.from.as_str(), moved.to.as_str()),
        ("man2", "esx2", "esx1")
    );
    assert!(diff.nodes.changed.is_empty(), "{:?}", diff.nodes.changed);
    let esx1 = diff
        .failures
        .iter()
        .find(|f| f.domain == DomainKind::Host && f.name == "esx1")
        .expect("esx1's scenario changes");
    assert_eq!(esx1.outcome, Outcome::StopsBeingSurvivable);
    assert_eq!(
        (esx1.managers_left.before, esx1.managers_left.after),
        (Some(2), Some(1))
    );
    assert!(diff
        .to_string()
        .contains("man2 moves from server esx2 to esx1"));
    assert!(diff
        .to_string()
        .contains("host esx1: STOPS BEING SURVIVABLE"));
}

#[test]
fn diff_relabelling_a_node() {
    let before = placed_cluster();
    let mut after = before.clone();
    // db1 becomes an app worker: the database moves to db2.
    let db1 = after.nodes.iter_mut().find(|n| n.name == "db1").unwrap();
    db1.labels.insert("worker".into(), "app".into());
    db1.labels.insert("tier".into(), "gold".into());
    let diff = diff_between(&before, &after);
    assert_eq!(
        changes_of(&diff, "db1"),
        [
            ("labels.worker", Some("db"), Some("app")),
            ("labels.tier", None, Some("gold")),
        ]
    );
    assert!(diff.services.is_empty());
    assert!(diff.moves.iter().any(|m| m.service == "db"
        && m.from.as_deref() == Some("db1")
        && m.to.as_deref() == Some("db2")));
    assert!(diff.to_string().contains("msa/db.1: db1 -> db2"), "{diff}");
    // With one database worker left, losing esx3 now stops the database.
    assert!(diff
        .failures
        .iter()
        .any(|f| f.name == "esx3" && f.outcome == Outcome::StopsBeingSurvivable));
    let json = serde_json::to_value(&diff).unwrap();
    assert_eq!(
        json["nodes"]["changed"][0]["changes"][0]["field"],
        "labels.worker"
    );
}

#[test]
fn diff_of_service_changes_and_of_nothing() {
    let before = placed_cluster();
    assert!(diff_between(&before, &before).is_empty());
    let mut after = before.clone();
    let api = &mut after.stacks[0].compose["services"]["msa_api"];
    api["deploy"]["replicas"] = 3u64.into();
    api["image"] = "ubiqube/msa-api:2.8.1".into();
    let diff = diff_between(&before, &after);
    let change = &diff.services.changed[0];
    assert_eq!(change.service, "msa/msa_api");
    let fields: Vec<&str> = change.changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["mode", "image"]);
}

/// `TaskTemplate.Networks` holds network IDs only: with `docker network inspect` output the
/// import resolves them, and an encrypted overlay of the stack stays encrypted (its ESP rule
/// with it), while a network the stack did not create comes back as external.
#[test]
fn networks_are_resolved_from_network_inspect() {
    use swarmplan_engine::cluster_import::import_cluster_with_networks;
    let nodes = parse_json(NODES).expect("the nodes fixture is JSON");
    let services = parse_json(
        r#"[{"ID": "s1", "Spec": {"Name": "msa_api", "Labels": {"com.docker.stack.namespace": "msa"},
             "Mode": {"Replicated": {"Replicas": 2}},
             "TaskTemplate": {"ContainerSpec": {"Image": "ubiqube/msa-api:1"},
                              "Networks": [{"Target": "n-back"}, {"Target": "n-proxy"}]}}}]"#,
    )
    .expect("services JSON");
    let networks = parse_json(
        r#"[{"Name": "msa_back", "Id": "n-back", "Driver": "overlay", "Attachable": true,
             "Labels": {"com.docker.stack.namespace": "msa"}, "Options": {"encrypted": ""}},
            {"Name": "proxy", "Id": "n-proxy", "Driver": "overlay", "Labels": {}, "Options": {}},
            {"Name": "ingress", "Id": "n-ingress", "Driver": "overlay", "Ingress": true}]"#,
    )
    .expect("networks JSON");
    let import = import_cluster_with_networks(&nodes, Some(&services), Some(&networks), None);
    let stack = &import.plan.stacks[0];
    let compose = swarmplan_engine::compose::read(stack);
    assert_eq!(compose.services[0].networks, ["back", "proxy"]);
    let back = compose
        .networks
        .iter()
        .find(|n| n.key == "back")
        .expect("back");
    assert!(back.encrypted && back.attachable && !back.external);
    assert_eq!(back.name, "msa_back");
    let proxy = compose
        .networks
        .iter()
        .find(|n| n.key == "proxy")
        .expect("proxy");
    assert!(proxy.external);
    // Without the network JSON the services come back without networks, as before.
    let without = import_cluster(&nodes, Some(&services), None);
    let compose = swarmplan_engine::compose::read(&without.plan.stacks[0]);
    assert!(compose.services[0].networks.is_empty());
}
