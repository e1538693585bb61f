//! What `cargo xtask bench` measures the engine on: generated plans of any size. Natively the
//! xtask calls [`generated_plan`]; built for wasm32 (`wasm-bindgen --target web`), the same
//! engine is timed in headless Chromium by `tests/browser/bench.mjs`, through [`prepare`] and
//! [`analyze_prepared`].

use swarmplan_engine::compose::{self, Compose};
use swarmplan_engine::placement::{self, Cluster};
use swarmplan_engine::plan::{Host, Node, Plan, Role, Stack};
use swarmplan_engine::units::{Bytes, Cpus};
use swarmplan_engine::yaml::parse_value;

/// A plan of `nodes` nodes over `nodes / 4` hosts in racks of four hosts and three sites, five
/// of them managers, running `tasks` tasks: services of ten replicas, a third of them constrained
/// to a worker tier, a third spread over sites, and one global agent.
pub fn generated_plan(nodes: usize, tasks: usize) -> Plan {
    let mut plan = Plan::new(format!("generated {nodes} nodes, {tasks} tasks"));
    let hosts = (nodes / 4).max(3);
    for h in 0..hosts {
        let mut host = Host::new(format!("host{h}"));
        host.rack = Some(format!("rack{}", h / 4));
        host.site = Some(format!("dc{}", h % 3));
        host.cpus = Some(Cpus::whole(256));
        host.memory = Some(Bytes::gib(2048));
        plan.hosts.push(host);
    }
    for n in 0..nodes {
        let role = if n < 5 { Role::Manager } else { Role::Worker };
        let mut node = Node::new(format!("node{n}"), format!("host{}", n % hosts), role);
        node.cpus = Some(Cpus::whole(64));
        node.memory = Some(Bytes::gib(512));
        node.labels
            .insert("dc".into(), format!("dc{}", (n % hosts) % 3));
        node.labels.insert(
            "tier".into(),
            if n % 2 == 0 {
                "app".into()
            } else {
                "db".into()
            },
        );
        plan.nodes.push(node);
    }
    let mut compose =
        String::from("services:\n  agent: { image: agent, deploy: { mode: global } }\n");
    let global = nodes;
    for s in 0..tasks.saturating_sub(global).div_ceil(10) {
        let placement = match s % 3 {
            0 => "placement: { constraints: [node.labels.tier == app] }, ",
            1 => "placement: { preferences: [{ spread: node.labels.dc }] }, ",
            _ => "",
        };
        compose.push_str(&format!(
            "  svc{s}: {{ image: app, deploy: {{ replicas: 10, {placement}resources: {{ reservations: {{ cpus: '0.01', memory: 16M }} }} }} }}\n"
        ));
    }
    let compose = parse_value(&compose).expect("the generated compose file reads");
    plan.stacks.push(Stack {
        name: "bench".into(),
        after: vec![],
        variables: Default::default(),
        compose,
    });
    plan
}

/// SwarmKit's scheduler benchmark shapes (`manager/scheduler/scheduler_test.go`,
/// `BenchmarkScheduler1kNodes1kTasks` and its kin): `nodes` ready nodes, one host each, and
/// `tasks` tasks, each its own service of one replica. SwarmKit's "worst case" variant makes its
/// scheduler check every node for every task; here `every_node_checked` gives every task a
/// placement constraint that every node meets, so the filter runs on every node too.
pub fn swarmkit_plan(nodes: usize, tasks: usize, every_node_checked: bool) -> Plan {
    let mut plan = Plan::new(format!("SwarmKit's shape: {nodes} nodes, {tasks} tasks"));
    for n in 0..nodes {
        plan.hosts.push(Host::new(format!("host{n}")));
        // A swarm needs a manager; SwarmKit's benchmark nodes have no role, and place tasks.
        let role = if n == 0 { Role::Manager } else { Role::Worker };
        let mut node = Node::new(format!("node{n}"), format!("host{n}"), role);
        node.labels.insert("zone".into(), "a".into());
        plan.nodes.push(node);
    }
    let deploy = if every_node_checked {
        "{ replicas: 1, placement: { constraints: [node.labels.zone == a] } }"
    } else {
        "{ replicas: 1 }"
    };
    let mut compose = String::from("services:\n");
    for t in 0..tasks {
        compose.push_str(&format!("  task{t}: {{ image: app, deploy: {deploy} }}\n"));
    }
    plan.stacks.push(Stack {
        name: "bench".into(),
        after: vec![],
        variables: Default::default(),
        compose: parse_value(&compose).expect("the generated compose file reads"),
    });
    plan
}

/// The plan's compose files read, which [`place_only`] takes outside the timing, as SwarmKit's
/// benchmark creates its tasks before it starts its timer.
pub fn composes(plan: &Plan) -> Vec<Compose> {
    plan.stacks.iter().map(compose::read).collect()
}

/// Places every task of `plan` as Swarm's scheduler does, and nothing else: no failure
/// scenario, no finding. What SwarmKit's scheduler benchmark times: from the services' specs
/// (their constraints read) to every task on a node. Returns the tasks placed.
pub fn place_only(plan: &Plan, composes: &[Compose]) -> usize {
    let specs = placement::specs(
        plan,
        composes
            .iter()
            .flat_map(|c| c.services.iter().map(move |s| (c.stack.as_str(), s))),
    );
    let mut cluster = Cluster::new(plan, &specs);
    cluster.place_all();
    cluster.named_placement().len()
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use std::cell::RefCell;
    use swarmplan_engine::{analyze, examples::EXAMPLES, parse_plan, plan::Plan, Options};
    use wasm_bindgen::prelude::wasm_bindgen;

    thread_local! {
        static PREPARED: RefCell<Option<Plan>> = const { RefCell::new(None) };
    }

    /// Generates the plan to time, outside the timing.
    #[wasm_bindgen]
    pub fn prepare(nodes: usize, tasks: usize) {
        PREPARED.set(Some(super::generated_plan(nodes, tasks)));
    }

    /// Analyses the prepared plan (placement, every single-domain failure, findings); returns
    /// the number of failure scenarios, so that the work cannot be optimised away.
    #[wasm_bindgen]
    pub fn analyze_prepared() -> usize {
        PREPARED.with_borrow(|plan| {
            let plan = plan.as_ref().expect("prepare() comes first");
            analyze(plan, &Options::default()).failures.len()
        })
    }

    /// The ids of the example plans, in order, for [`parse_example`].
    #[wasm_bindgen]
    pub fn example_ids() -> Vec<String> {
        EXAMPLES.iter().map(|e| e.id.to_owned()).collect()
    }

    /// Parses the example plan at `index`, as the app does on every keystroke; returns its
    /// number of nodes, so that the work cannot be optimised away.
    #[wasm_bindgen]
    pub fn parse_example(index: usize) -> usize {
        parse_plan(EXAMPLES[index].yaml).map_or(0, |plan| plan.nodes.len())
    }
}
