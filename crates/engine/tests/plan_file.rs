//! The plan file: read, written back unchanged, and refused with a place and a reason.

use proptest::prelude::*;
use swarmplan_engine::plan::{Availability, Host, Node, Plan, Role, Stack};
use swarmplan_engine::units::{Bytes, Cpus};
use swarmplan_engine::yaml::{parse_value, Value};
use swarmplan_engine::{examples, parse_plan, plan_to_yaml};

fn error_of(text: &str) -> (String, Option<usize>, Option<usize>) {
    let error = parse_plan(text).expect_err("the plan should be refused");
    (error.message, error.line, error.column)
}

#[test]
fn every_example_reads_and_round_trips() {
    for example in examples::EXAMPLES {
        let plan =
            parse_plan(example.yaml).unwrap_or_else(|e| panic!("example {}: {e}", example.id));
        let written = plan_to_yaml(&plan);
        let again = parse_plan(&written)
            .unwrap_or_else(|e| panic!("example {} written back: {e}\n{written}", example.id));
        assert_eq!(
            plan, again,
            "example {} changes on a round trip",
            example.id
        );
        assert_eq!(
            written,
            plan_to_yaml(&again),
            "example {}: writing is stable",
            example.id
        );
    }
}

#[test]
fn compose_keys_swarmplan_does_not_model_are_kept() {
    let text = r#"
swarmplan: 1
name: kept
stacks:
  - name: web
    compose:
      version: "3.8"
      x-common: &common
        logging: { driver: json-file, options: { max-size: 10m } }
      services:
        api:
          <<: *common
          image: example/api:1.0
          healthcheck: { test: ["CMD", "true"], interval: 30s }
          labels: [ "traefik.enable=true" ]
          deploy:
            replicas: 2
            resources: { reservations: { cpus: "0.10", memory: 128M } }
      configs:
        app: { file: ./app.conf }
      secrets:
        token: { external: true }
"#;
    let plan = parse_plan(text).expect("reads");
    let written = plan_to_yaml(&plan);
    let again = parse_plan(&written).expect("reads back");
    assert_eq!(plan, again);
    let compose = &again.stacks[0].compose;
    let api = &compose["services"]["api"];
    // The merge key is resolved as Docker resolves it, and every unmodelled key stays.
    assert_eq!(api["logging"]["options"]["max-size"], Value::from("10m"));
    assert_eq!(api["healthcheck"]["interval"], Value::from("30s"));
    assert_eq!(api["labels"][0], Value::from("traefik.enable=true"));
    assert_eq!(
        api["deploy"]["resources"]["reservations"]["cpus"],
        Value::from("0.10")
    );
    assert_eq!(compose["configs"]["app"]["file"], Value::from("./app.conf"));
    assert_eq!(compose["secrets"]["token"]["external"], Value::from(true));
    assert!(
        api.get("<<").is_none(),
        "merge keys are resolved:\n{written}"
    );
}

#[test]
fn sizes_and_cpus_read_in_their_usual_spellings() {
    let plan = parse_plan(
        r#"
swarmplan: 1
name: sizes
hosts:
  - { name: esx1, cpus: 32, memory: 256GiB }
  - { name: esx2, cpus: "16", memory: 128G }
nodes:
  - { name: a, host: esx1, cpus: 4, memory: 8GiB, labels: { ssd: true, zone: 3 } }
  - { name: b, host: esx2, cpus: "0.5", memory: 512M }
  - { name: c, host: esx2, cpus: 1.5, memory: 1073741824 }
"#,
    )
    .expect("reads");
    assert_eq!(plan.hosts[1].cpus, Some(Cpus::whole(16)));
    assert_eq!(plan.hosts[1].memory, Some(Bytes::gib(128)));
    assert_eq!(plan.nodes[0].memory, Some(Bytes::gib(8)));
    assert_eq!(plan.nodes[0].labels["ssd"], "true");
    assert_eq!(plan.nodes[0].labels["zone"], "3");
    assert_eq!(plan.nodes[1].cpus, Some(Cpus(500)));
    assert_eq!(plan.nodes[1].memory, Some(Bytes::mib(512)));
    assert_eq!(plan.nodes[2].cpus, Some(Cpus(1500)));
    assert_eq!(plan.nodes[2].memory, Some(Bytes::gib(1)));
    assert_eq!(
        plan.nodes[2].role,
        Role::Worker,
        "a node is a worker unless told otherwise"
    );
    let written = plan_to_yaml(&plan);
    assert!(
        written.contains("memory: 8GiB"),
        "sizes are written in one spelling:\n{written}"
    );
    assert!(written.contains("memory: 512MiB"), "{written}");
}

#[test]
fn a_newer_format_version_is_refused_plainly() {
    let (message, line, _) = error_of("name: future\nswarmplan: 2\nnodes: []\n");
    assert_eq!(line, Some(2));
    assert!(
        message.contains("format version 2") && message.contains("newer Swarmplan"),
        "{message}"
    );

    let (message, line, column) = error_of("name: not a plan\nnodes: []\n");
    assert!(
        message.contains("no `swarmplan:` format version"),
        "{message}"
    );
    assert_eq!((line, column), (Some(1), Some(1)));

    let (message, _, _) = error_of("swarmplan: latest\nname: x\n");
    assert!(
        message.contains("must be the format version number"),
        "{message}"
    );

    let (message, _, _) = error_of("- just\n- a list\n");
    assert!(message.contains("a plan is a YAML mapping"), "{message}");
}

#[test]
fn errors_say_where_and_why() {
    let cases: &[(&str, &str, usize)] = &[
        // A misspelt field is named, with the fields that exist.
        (
            "swarmplan: 1\nname: x\nnodes:\n  - name: a\n    rol: manager\n",
            "unknown field `rol`",
            5,
        ),
        (
            "swarmplan: 1\nname: x\nnodez: []\n",
            "unknown field `nodez`",
            3,
        ),
        (
            "swarmplan: 1\nname: x\nnodes:\n  - name: a\n    role: boss\n",
            "unknown variant `boss`",
            5,
        ),
        (
            "swarmplan: 1\nname: x\nnodes:\n  - name: a\n    availability: sleeping\n",
            "unknown variant `sleeping`",
            5,
        ),
        (
            "swarmplan: 1\nname: x\nnodes:\n  - name: a\n    memory: 12 parsecs\n",
            "is not a size",
            5,
        ),
        (
            "swarmplan: 1\nname: x\nnodes:\n  - name: a\n    cpus: four\n",
            "is not a CPU count",
            5,
        ),
        (
            "swarmplan: 1\nname: x\nnodes:\n  - name: a\n    ip: 10.0.0.300\n",
            "invalid IP address",
            5,
        ),
        (
            "swarmplan: 1\nname: x\nfirewall:\n  rules:\n    - { port: 70000, from: users }\n",
            "is not a port",
            5,
        ),
        (
            "swarmplan: 1\nname: x\nnodes:\n  - name: a\n   host: b\n",
            "did not find expected '-' indicator",
            5,
        ),
        (
            "swarmplan: 1\nname: [unclosed\n",
            "did not find expected",
            3,
        ),
    ];
    for (text, expected, expected_line) in cases {
        let (message, line, column) = error_of(text);
        assert!(
            message.contains(expected),
            "for\n{text}\nexpected `{expected}` in `{message}`"
        );
        assert_eq!(line, Some(*expected_line), "line of `{message}` in\n{text}");
        assert!(column.is_some(), "a column for `{message}`");
    }
}

#[test]
fn any_yaml_value_reads_back_as_written() {
    let value = parse_value("a: 1\nb: [x, {c: d}]\n").expect("reads");
    assert_eq!(value["b"][1]["c"], Value::from("d"));
}

fn name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,8}"
}

fn label_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("true".to_owned()),
        Just("3".to_owned()),
        "[a-zA-Z0-9 ._:/-]{0,12}"
    ]
}

prop_compose! {
    fn node(hosts: usize)(
        name in name(),
        host in proptest::option::of(0..hosts.max(1)),
        manager in any::<bool>(),
        availability in prop_oneof![Just(Availability::Active), Just(Availability::Pause), Just(Availability::Drain)],
        cpus in proptest::option::of(0u64..100_000),
        memory in proptest::option::of(0u64..(1 << 44)),
        ip in proptest::option::of(any::<[u8; 4]>()),
        labels in proptest::collection::vec((name(), label_value()), 0..4),
    ) -> Node {
        let mut node = Node::new(name, format!("h{}", host.unwrap_or(0)), if manager { Role::Manager } else { Role::Worker });
        if host.is_none() { node.host = None; }
        node.availability = availability;
        node.cpus = cpus.map(Cpus);
        node.memory = memory.map(Bytes);
        node.ip = ip.map(std::net::IpAddr::from);
        node.labels = labels.into_iter().collect();
        node
    }
}

prop_compose! {
    fn plan()(host_count in 0usize..5)(
        racks in proptest::collection::vec(proptest::option::of(name()), host_count),
        nodes in proptest::collection::vec(node(host_count), 0..8),
        stack_names in proptest::collection::vec(name(), 0..3),
        title in "[ -~]{0,30}",
    ) -> Plan {
        let mut plan = Plan::new(title);
        for (i, rack) in racks.into_iter().enumerate() {
            let mut host = Host::new(format!("h{i}"));
            host.rack = rack;
            plan.hosts.push(host);
        }
        plan.nodes = nodes;
        for name in stack_names {
            let compose = parse_value("services:\n  app:\n    image: nginx:1.27\n    x-note: 'kept: as is'\n").expect("fixture");
            plan.stacks.push(Stack { name, after: vec![], variables: Default::default(), compose });
        }
        plan
    }
}

proptest! {
    #[test]
    fn plan_to_yaml_and_back_is_the_identity(plan in plan()) {
        let written = plan_to_yaml(&plan);
        let read = parse_plan(&written).map_err(|e| TestCaseError::fail(format!("{e}\n{written}")))?;
        prop_assert_eq!(&read, &plan);
        prop_assert_eq!(plan_to_yaml(&read), written);
    }
}
