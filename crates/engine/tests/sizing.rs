//! Pre-sales sizing: the seed's own answer, impossible requests, and a property — every sized
//! plan analyses clean and survives what was asked.

use proptest::prelude::*;
use swarmplan_engine::analysis::Analysis;
use swarmplan_engine::domains::DomainKind;
use swarmplan_engine::import::stack_from_compose;
use swarmplan_engine::plan::{Role, Stack};
use swarmplan_engine::sizing::{size, Request, Sizing, Survive, VmSize};
use swarmplan_engine::{analyze, examples, parse_plan, plan_to_yaml, Options, Severity};

/// The stacks of the MSactivator example (seed 001): the Elasticsearch cluster and the msa
/// application with its `worker == app` and `worker == db` services.
fn msactivator_stacks() -> Vec<Stack> {
    let example = examples::example("msactivator").expect("the MSactivator example exists");
    parse_plan(example.yaml).expect("the example parses").stacks
}

fn analysis_of(sizing: &Sizing, index: usize, survive: Survive) -> Analysis {
    let plan = &sizing.alternatives[index].plan;
    // What a user gets is the YAML: analyse the plan read back from it.
    let plan = parse_plan(&plan_to_yaml(plan)).expect("a sized plan reads back");
    analyze(
        &plan,
        &Options {
            host_pairs: survive == Survive::TwoHosts,
            ..Options::default()
        },
    )
}

fn kinds(survive: Survive) -> &'static [DomainKind] {
    match survive {
        Survive::Host => &[DomainKind::Host],
        Survive::TwoHosts => &[DomainKind::Host, DomainKind::Hosts],
        Survive::Rack => &[DomainKind::Rack],
        Survive::Site => &[DomainKind::Site],
    }
}

/// Every alternative analyses without errors, places every task, and survives each failure
/// asked for with every task placed again.
fn assert_survives(sizing: &Sizing, survive: Survive) {
    assert!(
        !sizing.alternatives.is_empty(),
        "no alternative: {:#?}",
        sizing.findings
    );
    for (index, alternative) in sizing.alternatives.iter().enumerate() {
        let analysis = analysis_of(sizing, index, survive);
        let errors: Vec<String> = analysis
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(ToString::to_string)
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", alternative.summary);
        assert!(analysis.pending.is_empty(), "{}", alternative.summary);
        let scenarios: Vec<_> = analysis
            .failures
            .iter()
            .filter(|f| kinds(survive).contains(&f.domain))
            .collect();
        assert!(!scenarios.is_empty(), "{}", alternative.summary);
        for f in scenarios {
            assert!(
                f.survived(),
                "{}: {} {}",
                alternative.summary,
                f.domain,
                f.name
            );
            assert!(
                f.pending.is_empty(),
                "{}: {} {} leaves {:?}",
                alternative.summary,
                f.domain,
                f.name,
                f.pending
            );
        }
        assert_eq!(alternative.total_vms, alternative.plan.nodes.len());
    }
}

#[test]
fn seed_001_three_servers_give_at_least_eight_vms_that_survive_a_server_loss() {
    let request = Request::new(3, Survive::Host, msactivator_stacks());
    let sizing = size(&request);
    assert_survives(&sizing, Survive::Host);
    let best = &sizing.alternatives[0];
    assert_eq!(best.name, "fewest VMs");
    assert!(best.total_vms >= 8, "{}", best.summary);
    assert_eq!(best.managers.count, 3);
    assert_eq!(best.managers.spread_text(), "1-1-1");
    let roles: Vec<&str> = best.roles.iter().map(|r| r.role.as_str()).collect();
    assert_eq!(roles, ["master", "data", "app", "db"], "{}", best.summary);
    let app = &best.roles[2];
    assert_eq!(app.labels.get("worker").map(String::as_str), Some("app"));
    // msa_api runs 3 replicas, at most one per node: after losing a server, three app workers
    // must be left, so the guide's three are not enough for every task to keep running.
    assert!(app.vms >= 4, "{}", best.summary);
    let db = &best.roles[3];
    assert!(db.vms >= 2, "{}", best.summary);
    assert_eq!(
        best.plan
            .nodes
            .iter()
            .filter(|n| n.role == Role::Manager)
            .count(),
        3
    );
    assert_eq!(best.load.len(), 3);
    assert_eq!(
        best.load.iter().map(|l| l.vms).sum::<usize>(),
        best.total_vms
    );
    assert!(sizing.alternatives.len() >= 2, "{:#?}", sizing.alternatives);
    let headroom = sizing
        .alternatives
        .iter()
        .find(|a| a.name == "most headroom")
        .expect("a headroom alternative");
    assert!(headroom.total_vms > best.total_vms);
}

#[test]
fn manager_counts_follow_dockers_zone_advice() {
    let stacks = msactivator_stacks();
    let cases = [
        (Survive::Host, 3, 0, 0, 3, "1-1-1"),
        (Survive::TwoHosts, 5, 0, 0, 5, "1-1-1-1-1"),
        (Survive::Rack, 6, 3, 0, 3, "1-1-1"),
        (Survive::Site, 6, 0, 3, 3, "1-1-1"),
    ];
    for (survive, servers, racks, sites, managers, spread) in cases {
        let mut request = Request::new(servers, survive, stacks.clone());
        request.racks = racks;
        request.sites = sites;
        let sizing = size(&request);
        assert_survives(&sizing, survive);
        let best = &sizing.alternatives[0];
        assert_eq!(best.managers.count, managers, "{survive}");
        assert_eq!(best.managers.spread_text(), spread, "{survive}");
    }
}

fn stack(name: &str, text: &str) -> Stack {
    stack_from_compose(name, text).expect("a valid stack file")
}

fn codes(sizing: &Sizing) -> Vec<&'static str> {
    sizing.findings.iter().map(|f| f.code.name()).collect()
}

#[test]
fn impossible_requests_say_why_and_what_would_help() {
    let web = stack(
        "web",
        "services:\n  web:\n    image: nginx\n    deploy: { replicas: 2 }\n",
    );
    let attempt = |servers, racks, sites, survive| {
        let mut request = Request::new(servers, survive, vec![web.clone()]);
        request.racks = racks;
        request.sites = sites;
        size(&request)
    };

    let sizing = attempt(6, 0, 2, Survive::Site);
    assert!(sizing.alternatives.is_empty());
    assert_eq!(codes(&sizing), ["sizing-impossible"]);
    let finding = &sizing.findings[0];
    assert!(
        finding
            .message
            .contains("surviving the loss of a site needs managers in at least 3 sites; 2 given"),
        "{finding}"
    );
    assert!(finding.hint.as_deref().unwrap_or("").contains("3 sites"));

    let sizing = attempt(2, 0, 0, Survive::Host);
    assert_eq!(codes(&sizing), ["sizing-impossible"]);
    assert!(sizing.findings[0]
        .message
        .contains("at least 3 servers; 2 given"));

    let sizing = attempt(4, 0, 0, Survive::TwoHosts);
    assert_eq!(codes(&sizing), ["sizing-impossible"]);
    assert!(sizing.findings[0]
        .message
        .contains("at least 5 servers; 4 given"));

    let sizing = attempt(6, 0, 0, Survive::Rack);
    assert_eq!(codes(&sizing), ["sizing-needs-racks"]);
    let sizing = attempt(2, 3, 0, Survive::Rack);
    assert_eq!(codes(&sizing), ["sizing-empty-racks"]);
    let sizing = attempt(0, 0, 0, Survive::Host);
    assert!(codes(&sizing).contains(&"sizing-no-servers"));
}

#[test]
fn reservations_beyond_every_vm_size_are_refused() {
    let big = stack(
        "big",
        "services:\n  db:\n    image: postgres\n    deploy:\n      resources: { reservations: { cpus: '12', memory: 64G } }\n",
    );
    let mut request = Request::new(3, Survive::Host, vec![big]);
    request.vm_sizes = vec![VmSize::new(4, 8), VmSize::new(8, 16)];
    let sizing = size(&request);
    assert!(sizing.alternatives.is_empty());
    assert_eq!(codes(&sizing), ["sizing-vm-too-small"]);
    assert!(
        sizing.findings[0].message.contains("12 CPUs and 64GiB"),
        "{}",
        sizing.findings[0]
    );
    assert!(sizing.findings[0]
        .hint
        .as_deref()
        .unwrap_or("")
        .contains("12:64GiB"));
}

#[test]
fn servers_too_small_for_the_vms_are_refused() {
    let mut request = Request::new(3, Survive::Host, msactivator_stacks());
    request.server_memory = Some(swarmplan_engine::units::Bytes::gib(16));
    let sizing = size(&request);
    assert!(sizing.alternatives.is_empty());
    assert!(
        codes(&sizing).contains(&"host-memory-overcommitted"),
        "{:#?}",
        sizing.findings
    );
}

#[test]
fn services_pinned_to_a_hostname_cannot_be_sized() {
    let pinned = stack(
        "pinned",
        "services:\n  web:\n    image: nginx\n    deploy:\n      placement: { constraints: [node.hostname == legacy1] }\n",
    );
    let sizing = size(&Request::new(3, Survive::Host, vec![pinned]));
    assert!(sizing.alternatives.is_empty());
    assert!(
        codes(&sizing).contains(&"sizing-unplaceable"),
        "{:#?}",
        sizing.findings
    );
}

#[test]
fn sizing_is_deterministic() {
    let request = Request::new(4, Survive::Host, msactivator_stacks());
    let a = size(&request);
    let b = size(&request);
    assert_eq!(a, b);
    assert_eq!(
        plan_to_yaml(&a.alternatives[0].plan),
        plan_to_yaml(&b.alternatives[0].plan)
    );
}

/// One random service: its role label, mode, replicas, spread limit and reservations.
fn service_text(
    index: usize,
    label: Option<&str>,
    global: bool,
    replicas: u64,
    max_per_node: Option<u64>,
    cpus: u64,
    memory_gib: u64,
) -> String {
    let mut text = format!("  s{index}:\n    image: example/s{index}\n    deploy:\n");
    if global {
        text.push_str("      mode: global\n");
    } else {
        text.push_str(&format!("      replicas: {replicas}\n"));
    }
    text.push_str("      placement:\n");
    match label {
        Some(value) => text.push_str(&format!(
            "        constraints: [node.labels.worker == {value}]\n"
        )),
        None => text.push_str("        constraints: []\n"),
    }
    if let Some(max) = max_per_node {
        text.push_str(&format!("        max_replicas_per_node: {max}\n"));
    }
    if cpus > 0 || memory_gib > 0 {
        text.push_str(&format!(
            "      resources: {{ reservations: {{ cpus: '{cpus}', memory: {memory_gib}G }} }}\n"
        ));
    }
    text
}

fn arb_service() -> impl Strategy<Value = (Option<&'static str>, bool, u64, Option<u64>, u64, u64)>
{
    (
        prop_oneof![
            Just(None),
            Just(Some("app")),
            Just(Some("db")),
            Just(Some("edge"))
        ],
        prop::bool::weighted(0.2),
        1u64..5,
        prop::option::of(1u64..3),
        0u64..4,
        0u64..9,
    )
}

/// A request the sizer must be able to answer: enough failure domains, and servers without a
/// capacity limit.
fn arb_request() -> impl Strategy<Value = Request> {
    let topology = prop_oneof![
        (3usize..7).prop_map(|servers| (Survive::Host, servers, 0, 0)),
        (5usize..7).prop_map(|servers| (Survive::TwoHosts, servers, 0, 0)),
        (3usize..5, 0usize..3).prop_map(|(racks, extra)| (Survive::Rack, racks + extra, racks, 0)),
        (3usize..4, 0usize..3).prop_map(|(sites, extra)| (Survive::Site, sites + extra, 0, sites)),
    ];
    (
        topology,
        prop::collection::vec(prop::collection::vec(arb_service(), 1..4), 1..3),
    )
        .prop_map(|((survive, servers, racks, sites), stacks)| {
            let mut index = 0;
            let stacks: Vec<Stack> = stacks
                .into_iter()
                .enumerate()
                .map(|(n, services)| {
                    let mut text = String::from("services:\n");
                    for (label, global, replicas, max, cpus, memory) in services {
                        text.push_str(&service_text(
                            index, label, global, replicas, max, cpus, memory,
                        ));
                        index += 1;
                    }
                    stack(&format!("stack{n}"), &text)
                })
                .collect();
            let mut request = Request::new(servers, survive, stacks);
            request.racks = racks;
            request.sites = sites;
            request
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn sized_plans_are_clean_and_survive_what_was_asked(request in arb_request()) {
        let sizing = size(&request);
        assert_survives(&sizing, request.survive);
    }
}
