//! Hostile and huge inputs: each gets a clear error that names the limit, or completes.
//! (How long they take is measured by `cargo xtask bench`, not asserted here.)

use swarmplan_engine::budget::{self, Size, Work};
use swarmplan_engine::findings::Code;
use swarmplan_engine::limits::Limit;
use swarmplan_engine::locate;
use swarmplan_engine::plan::{Host, Node, Plan, Role, Stack};
use swarmplan_engine::runbook::{self, Kind};
use swarmplan_engine::yaml::MAX_PLAN_BYTES;
use swarmplan_engine::{analyze, import, parse_plan, Options};

#[test]
fn an_alias_bomb_is_refused_by_name() {
    let mut text = String::from("swarmplan: 1\nname: bomb\nstacks:\n  - name: s\n    compose:\n      a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        text.push_str(&format!("      a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    let error = parse_plan(&text).expect_err("refused");
    assert!(error.message.contains("billion laughs"), "{error}");
    let error = import::stack_from_compose("s", &text).expect_err("refused");
    assert!(error.message.contains("aliases"), "{error}");
}

/// Found by fuzzing: a `? key` made of a mapping read as a plan, then made the stack export
/// panic, since no YAML emitter writes such a key back.
#[test]
fn a_mapping_as_a_key_is_refused_with_its_place() {
    let text = "swarmplan: 1\nname: keys\nstacks:\n  - name: web\n    compose:\n      services:\n        api:\n          image: x\n          deploy:\n            resources:\n             ? reservations: { cpus: '0.5' }\n";
    let error = parse_plan(text).expect_err("a mapping as a key is refused");
    assert_eq!(
        error.to_string(),
        "stack `web`: a key under `services.api.deploy.resources` is a list, a mapping or a tagged value (a YAML `? key`): compose files use plain keys"
    );
    let error = swarmplan_engine::yaml::parse_value("a:\n  ? [1, 2]\n  : x\n")
        .expect_err("in any document");
    assert!(error.to_string().contains("under `a`"), "{error}");
}

#[test]
fn deep_nesting_is_refused_by_name() {
    let text = format!(
        "swarmplan: 1\nname: deep\nstacks:\n  - name: s\n    compose:\n      x: {}{}\n",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let error = parse_plan(&text).expect_err("refused");
    assert!(error.message.contains("nests deeper than"), "{error}");
    assert_eq!(error.line, Some(6));
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_it_is_read() {
    let text = format!(
        "swarmplan: 1\nname: big\ndescription: \"{}\"\n",
        "x".repeat(MAX_PLAN_BYTES)
    );
    let error = parse_plan(&text).expect_err("refused");
    assert!(
        error.message.contains("Swarmplan reads files up to 16 MiB"),
        "{error}"
    );
}

#[test]
fn a_ten_megabyte_plan_is_read() {
    let text = format!(
        "swarmplan: 1\nname: big\ndescription: \"{}\"\n",
        "x".repeat(10 * 1024 * 1024)
    );
    assert_eq!(
        parse_plan(&text)
            .expect("read")
            .description
            .map(|d| d.len()),
        Some(10 * 1024 * 1024)
    );
}

#[test]
fn ten_thousand_services_are_placed() {
    let mut text = String::from(
        "swarmplan: 1\nname: many\nhosts: [{name: h1}, {name: h2}, {name: h3}]\nnodes:\n",
    );
    for (i, host) in ["h1", "h2", "h3"].iter().enumerate() {
        text.push_str(&format!(
            "  - {{name: m{i}, host: {host}, role: manager}}\n  - {{name: w{i}, host: {host}}}\n"
        ));
    }
    text.push_str("stacks:\n  - name: s\n    compose:\n      services:\n");
    for i in 0..10_000 {
        text.push_str(&format!(
            "        s{i}: {{image: x, deploy: {{replicas: 2}}}}\n"
        ));
    }
    let analysis = analyze(&parse_plan(&text).expect("read"), &Options::default());
    assert_eq!(analysis.placement.len(), 20_000);
    assert!(analysis.pending.is_empty());
    assert!(analysis.survival.host, "{}", analysis.survival.summary);
}

// Issue 21, "Nothing kills it": numbers that are valid but huge, and what Docker refuses when a
// stack is deployed.

/// Three managers on three hosts, and one stack whose services are `services` (a compose
/// `services:` body, indented by eight spaces).
fn plan_with(services: &str) -> String {
    format!(
        "swarmplan: 1\nname: typo\nhosts: [{{name: h1}}, {{name: h2}}, {{name: h3}}]\nnodes:\n  - {{name: m1, host: h1, role: manager}}\n  - {{name: m2, host: h2, role: manager}}\n  - {{name: m3, host: h3, role: manager}}\nstacks:\n  - name: web\n    compose:\n      services:\n{services}"
    )
}

fn codes(findings: &[swarmplan_engine::Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.code.name()).collect()
}

/// `replicas: 4000000000` once made `swarmplan check` abort on a 32 GB allocation, and
/// `replicas: 10000000` take seconds and 4 GB with no finding; both are a finding at once, at
/// the number's key.
#[test]
fn r21_a_mistyped_replica_count_is_a_finding_at_its_key() {
    for (replicas, shown) in [
        ("4000000000", "4,000,000,000"),
        ("10000000", "10,000,000"),
        ("18446744073709551615", "18,446,744,073,709,551,615"),
    ] {
        let text = plan_with(&format!(
            "        api:\n          image: nginx\n          deploy:\n            replicas: {replicas}\n"
        ));
        let plan = parse_plan(&text).expect("the plan reads");
        let analysis = analyze(&plan, &Options::default());
        let finding = analysis
            .findings
            .iter()
            .find(|f| f.code == Code::LimitExceeded)
            .unwrap_or_else(|| panic!("{:#?}", analysis.findings));
        assert_eq!(
            finding.message,
            format!("service web/api asks for {shown} replicas, over Swarmplan's limit of 200,000 replicas of one service: it is left out of the analysis")
        );
        assert_eq!(finding.key.as_deref(), Some("deploy.replicas"));
        let place = locate::place(&text, &plan, finding).expect("located");
        assert_eq!((place.line, place.column), (15, 13), "{text}");
        assert!(analysis.placement.is_empty());
        assert_eq!(analysis.errors(), 1, "{:#?}", analysis.findings);
    }
}

#[test]
fn r21_too_many_tasks_in_all_are_refused_before_any_is_placed() {
    let services: String = (0..3)
        .map(|i| format!("        s{i}: {{ image: x, deploy: {{ replicas: 100000 }} }}\n"))
        .collect();
    let analysis = analyze(
        &parse_plan(&plan_with(&services)).unwrap(),
        &Options::default(),
    );
    assert_eq!(codes(&analysis.findings), ["limit-exceeded"]);
    assert_eq!(
        analysis.findings[0].message,
        "the services ask for this many tasks in all: 300,000, over Swarmplan's limit of 200,000 tasks"
    );
    assert!(analysis.placement.is_empty() && analysis.failures.is_empty());
    assert!(analysis.survival.summary.starts_with("not analysed"));
}

fn hosts_and_nodes(hosts: usize, nodes: usize) -> Plan {
    let mut plan = Plan::new("large");
    for h in 0..hosts {
        let mut host = Host::new(format!("h{h}"));
        host.rack = Some(format!("r{}", h / 4));
        host.site = Some(format!("dc{}", h % 3));
        plan.hosts.push(host);
    }
    for n in 0..nodes {
        let role = if n < 5 { Role::Manager } else { Role::Worker };
        let mut node = Node::new(format!("n{n}"), format!("h{}", n % hosts), role);
        node.labels
            .insert("dc".into(), format!("dc{}", (n % hosts) % 3));
        plan.nodes.push(node);
    }
    plan
}

fn with_services(mut plan: Plan, services: usize, replicas: u64) -> Plan {
    let mut compose = String::from("services:\n  agent: { image: a, deploy: { mode: global } }\n");
    for s in 0..services {
        let spread = if s % 3 == 1 {
            "placement: { preferences: [{ spread: node.labels.dc }] }, "
        } else {
            ""
        };
        compose.push_str(&format!(
            "  s{s}: {{ image: x, deploy: {{ replicas: {replicas}, {spread}}} }}\n"
        ));
    }
    plan.stacks.push(Stack {
        name: "bench".into(),
        after: vec![],
        variables: Default::default(),
        compose: swarmplan_engine::yaml::parse_value(&compose).unwrap(),
    });
    plan
}

#[test]
fn r21_a_plan_over_the_node_limit_is_refused_by_name() {
    let plan = hosts_and_nodes(3, 10_001);
    let analysis = analyze(&plan, &Options::default());
    assert_eq!(codes(&analysis.findings), ["limit-exceeded"]);
    assert!(
        analysis.findings[0]
            .message
            .contains("10,001, over Swarmplan's limit of 10,000 nodes"),
        "{}",
        analysis.findings[0].message
    );
    let bundle = swarmplan_engine::bundle::bundle_for(&plan, &analysis);
    assert!(bundle.files.is_empty());
    assert_eq!(codes(&bundle.findings), ["limit-exceeded"]);
    let book = runbook::runbook(&plan, Kind::Upgrade);
    assert!(book.steps.is_empty());
    assert_eq!(codes(&book.findings), ["limit-exceeded"]);
}

/// The performance issue's largest shape, 5,000 nodes × 100,000 tasks with every single-domain
/// failure, is within every limit and the budget; its host pairs are not.
#[test]
fn r21_the_largest_benchmark_shape_is_admitted() {
    let plan = with_services(hosts_and_nodes(1_250, 5_000), 9_500, 10);
    let composes: Vec<_> = plan
        .stacks
        .iter()
        .map(swarmplan_engine::compose::read)
        .collect();
    let size = Size::of(&plan, &composes, false);
    assert_eq!(size.tasks, 100_000);
    assert_eq!(size.scenarios, 1_250 + 313 + 3);
    assert!(budget::check(&plan, &composes, false, Work::Analysis).is_empty());
    let work = size.analysis_work();
    assert!(
        (100_000_000..300_000_000).contains(&work),
        "the estimate ARCHITECTURE.md quotes: {work}"
    );
    let pairs = budget::check(&plan, &composes, true, Work::Analysis);
    assert_eq!(codes(&pairs), ["limit-exceeded"]);
    assert!(
        pairs[0].message.contains("host pairs"),
        "{}",
        pairs[0].message
    );
    // Its runbooks replay an analysis per step: hours of work, refused.
    let book = runbook::runbook(&plan, Kind::Upgrade);
    assert_eq!(codes(&book.findings), ["work-budget-exceeded"]);
}

/// The odds' draws multiply the work: a mistyped `--odds 4000000000` was hours of sampling with
/// no word. The budget counts the draws, refuses them by name, and the default draws of every
/// example stay admitted.
#[test]
fn r21_draws_sampled_for_the_odds_count_against_the_budget() {
    let plan = parse_plan(
        swarmplan_engine::examples::example("msactivator")
            .unwrap()
            .yaml,
    )
    .unwrap();
    let with_all_the_draws = |plan: &Plan| {
        analyze(
            plan,
            &Options {
                odds: u32::MAX,
                ..Options::default()
            },
        )
    };
    let refused = with_all_the_draws(&plan);
    assert_eq!(codes(&refused.findings), ["work-budget-exceeded"]);
    let finding = &refused.findings[0];
    assert!(
        finding.message.contains("draws of Swarm's dice"),
        "{}",
        finding.message
    );
    assert!(finding
        .hint
        .as_deref()
        .unwrap_or_default()
        .contains("--odds"));
    assert!(refused.placement.is_empty(), "nothing was placed");
    // A plan with nothing to place still pays for each draw (the fuzzer's timeout: a host, no
    // node, `u32::MAX` draws).
    let empty = parse_plan("swarmplan: 1\nname: empty\nhosts:\n  - name: h\n").unwrap();
    let refused = with_all_the_draws(&empty);
    assert_eq!(codes(&refused.findings), ["work-budget-exceeded"]);

    for example in swarmplan_engine::examples::EXAMPLES {
        let plan = parse_plan(example.yaml).unwrap();
        let draws = swarmplan_engine::analysis::odds::default_draws(&plan);
        let composes: Vec<_> = plan
            .stacks
            .iter()
            .map(swarmplan_engine::compose::read)
            .collect();
        let size = Size::of(&plan, &composes, false).with_draws(draws);
        assert!(size.sampling_work() > 0 || draws == 0);
        assert!(
            budget::check_size(&plan, &size, Work::Analysis).is_empty(),
            "{}",
            example.id
        );
    }
    // The largest shape with twenty draws is over the budget: each draw is about a whole analysis.
    let plan = with_services(hosts_and_nodes(1_250, 5_000), 9_500, 10);
    let composes: Vec<_> = plan
        .stacks
        .iter()
        .map(swarmplan_engine::compose::read)
        .collect();
    let size = Size::of(&plan, &composes, false);
    assert!(budget::check_size(&plan, &size.clone().with_draws(0), Work::Analysis).is_empty());
    assert_eq!(
        codes(&budget::check_size(
            &plan,
            &size.with_draws(20),
            Work::Analysis
        )),
        ["work-budget-exceeded"]
    );
}

/// Within every per-field limit, tasks × host pairs can still be hours: the budget refuses it.
#[test]
fn r21_tasks_times_host_pairs_are_over_the_budget() {
    let plan = with_services(hosts_and_nodes(300, 900), 1_000, 100);
    let analysis = analyze(
        &plan,
        &Options {
            host_pairs: true,
            ..Options::default()
        },
    );
    assert_eq!(codes(&analysis.findings), ["work-budget-exceeded"]);
    let message = &analysis.findings[0].message;
    assert!(
        message.starts_with("analysing this plan is estimated at ")
            && message.contains("100,900 tasks × 45,229 failure scenarios"),
        "{message}"
    );
    assert_eq!(
        analysis.findings[0].hint.as_deref(),
        Some("analyse without host pairs, or pairs of a smaller plan")
    );
}

#[test]
fn r21_a_label_too_long_is_refused_at_its_key() {
    let text = format!(
        "swarmplan: 1\nname: labels\nnodes:\n  - name: m1\n    role: manager\n    labels:\n      dc: {}\n",
        "x".repeat(2_000)
    );
    let plan = parse_plan(&text).unwrap();
    let analysis = analyze(&plan, &Options::default());
    assert_eq!(codes(&analysis.findings), ["limit-exceeded"]);
    let finding = &analysis.findings[0];
    assert_eq!(finding.key.as_deref(), Some("labels.dc"));
    let place = locate::place(&text, &plan, finding).unwrap();
    assert_eq!((place.line, place.column), (7, 7));
}

#[test]
fn r21_every_limit_is_named_and_explained() {
    for limit in Limit::ALL {
        assert!(!limit.name().is_empty() && limit.value() > 0, "{limit}");
        assert!(
            limit
                .why()
                .ends_with(|c: char| c.is_alphanumeric() || c == ')'),
            "{limit}"
        );
    }
}

#[test]
fn r21_sizing_far_past_the_limits_answers_with_findings() {
    use swarmplan_engine::sizing::{size, Request, Survive};
    let stack = parse_plan(&plan_with(
        "        api:\n          image: x\n          deploy:\n            replicas: 150000\n            resources: { reservations: { cpus: '1', memory: 1G } }\n",
    ))
    .unwrap()
    .stacks;
    let sizing = size(&Request::new(5, Survive::Host, stack.clone()));
    assert!(sizing.alternatives.is_empty());
    assert!(
        sizing
            .findings
            .iter()
            .any(|f| f.code == Code::LimitExceeded),
        "{:#?}",
        sizing.findings
    );
    let servers = size(&Request::new(usize::MAX, Survive::TwoHosts, stack));
    assert_eq!(codes(&servers.findings), ["limit-exceeded"]);
}

/// What `docker stack deploy` refuses, in Docker's words: each case a service body and the
/// words of current Docker.
#[test]
fn r21_what_docker_refuses_at_deploy_time_is_a_finding() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "{ image: x, deploy: { mode: global, replicas: 3 } }",
            "deploy.replicas",
            "\"service api: replicas can only be used with replicated or replicated-job mode\" (Docker 20.10: \"service api: replicas can only be used with replicated mode\")",
        ),
        (
            "{ image: x, deploy: { mode: replicas } }",
            "deploy.mode",
            "\"service api: unknown mode: replicas\"",
        ),
        (
            "{ deploy: { replicas: 2 } }",
            "image",
            "\"invalid image reference for service api: no image specified\"",
        ),
        (
            "{ image: x, networks: [front] }",
            "networks",
            "\"service api: undefined network \"front\"\"",
        ),
        (
            "{ image: x, volumes: ['data:/var/lib/data'] }",
            "volumes",
            "\"service api: undefined volume \"data\"\"",
        ),
        (
            "{ image: x, secrets: [token] }",
            "secrets",
            "\"service api: undefined secret \"token\"\"",
        ),
        (
            "{ image: x, configs: [{ source: nginx.conf }] }",
            "configs",
            "\"service api: undefined config \"nginx.conf\"\"",
        ),
        (
            "{ image: x, healthcheck: { disable: true, test: [CMD, 'true'] } }",
            "healthcheck",
            "\"service api: test and disable can't be set at the same time\"",
        ),
        (
            "{ image: x, ports: ['80:80'], deploy: { endpoint_mode: dnsrr } }",
            "deploy.endpoint_mode",
            "the Docker daemon refuses to create it: \"EndpointSpec: port published with ingress mode can't be used with dnsrr mode\"",
        ),
        (
            "{ image: x, deploy: { endpoint_mode: round-robin } }",
            "deploy.endpoint_mode",
            "\"invalid resolution mode: \"round-robin\"\"",
        ),
        (
            "{ image: x, ports: ['80:80', { target: 8080, published: 80 }] }",
            "ports",
            "\"EndpointSpec: duplicate published ports provided\"",
        ),
        (
            "{ image: x, deploy: { restart_policy: { condition: always } } }",
            "deploy.restart_policy.condition",
            "\"invalid RestartCondition: \"always\"\"",
        ),
        (
            "{ image: x, deploy: { update_config: { failure_action: stop } } }",
            "deploy.update_config.failure_action",
            "\"unrecognized update failure action stop\"",
        ),
        (
            "{ image: x, deploy: { resources: { limits: { memory: 2M } } } }",
            "deploy.resources.limits.memory",
            "\"invalid memory value 2097152: Must be at least 4MiB\"",
        ),
    ];
    for (body, key, words) in cases {
        let text = plan_with(&format!("        api: {body}\n"));
        let plan = parse_plan(&text).unwrap_or_else(|e| panic!("{body}: {e}"));
        let analysis = analyze(&plan, &Options::default());
        let refused: Vec<_> = analysis
            .findings
            .iter()
            .filter(|f| f.code == Code::DeployRefused)
            .collect();
        assert_eq!(refused.len(), 1, "{body}: {:#?}", analysis.findings);
        assert!(
            refused[0].message.contains(words),
            "{body}: {}",
            refused[0].message
        );
        assert_eq!(refused[0].key.as_deref(), Some(*key), "{body}");
        assert!(locate::place(&text, &plan, refused[0]).is_some(), "{body}");
    }
}

/// What Docker accepts is not refused: declared networks, volumes and secrets, the default
/// network, binds and anonymous volumes, `dnsrr` with host-mode ports, global services without
/// replicas, jobs, and `max_replicas_per_node` on a global service (only `docker service create`
/// refuses that).
#[test]
fn r21_what_docker_accepts_is_not_refused() {
    let text = plan_with(
        "        api:\n          image: x\n          networks: [default, front]\n          volumes: ['data:/data', './here:/here', '/srv:/srv', '/anonymous']\n          secrets: [{ source: token }]\n          ports: [{ target: 80, published: 80, mode: host }]\n          deploy: { endpoint_mode: dnsrr, resources: { limits: { memory: 4M } }, restart_policy: { condition: on-failure } }\n        agent:\n          image: y\n          deploy: { mode: global, placement: { max_replicas_per_node: 1 } }\n      networks: { front: {} }\n      volumes: { data: {} }\n      secrets: { token: { external: true } }\n",
    );
    let analysis = analyze(&parse_plan(&text).unwrap(), &Options::default());
    assert!(
        !analysis
            .findings
            .iter()
            .any(|f| f.code == Code::DeployRefused),
        "{:#?}",
        analysis.findings
    );
}

/// Found by fuzzing (the `engine` target): two nodes of one name wrote
/// `firewall/nodes/NAME.sh` twice, and the zip refused the second with a panic.
#[test]
fn r21_two_nodes_of_one_name_export_one_file_and_a_zip() {
    let text = "swarmplan: 1\nname: twins\nnodes:\n  - {name: h2, role: manager}\n  - {name: h2}\nstacks:\n  - name: web\n    compose: { services: { a: { image: x } } }\n  - name: web\n    compose: { services: { b: { image: y } } }\n";
    let plan = parse_plan(text).unwrap();
    let analysis = analyze(&plan, &Options::default());
    let bundle = swarmplan_engine::bundle::bundle_for(&plan, &analysis);
    let scripts = bundle
        .files
        .iter()
        .filter(|f| f.path == "firewall/nodes/h2.sh")
        .count();
    assert_eq!(scripts, 1);
    assert!(
        bundle
            .findings
            .iter()
            .any(|f| f.code == Code::ExportUnsafeName
                && f.message.contains("`firewall/nodes/h2.sh`")),
        "{:#?}",
        bundle.findings
    );
    assert!(!swarmplan_engine::bundle::zip(&bundle).is_empty());
}
