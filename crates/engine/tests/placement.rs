//! Placement as Swarm's scheduler does it, checked case by case against swarmkit's documented
//! behaviour. Each case is a compact cluster and a compose file; the output lists, per service,
//! the tasks per node and Docker's reason for any task left pending.

use expect_test::{expect, Expect};
use std::collections::BTreeMap;
use std::fmt::Write;
use swarmplan_engine::{analyze, parse_plan, Analysis, Options};

/// Nodes as `name[*] host [key=value ...] [drain|pause] [cpus=N] [mem=SIZE] [ip=A]`, one per
/// line; `*` marks a manager.
fn plan(nodes: &str, compose: &str) -> String {
    let mut out = String::from("swarmplan: 1\nname: case\nhosts:\n");
    let mut hosts: Vec<&str> = Vec::new();
    for line in nodes.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let host = line.split_whitespace().nth(1).expect("host");
        if !hosts.contains(&host) {
            hosts.push(host);
            writeln!(out, "  - name: {host}").unwrap();
        }
    }
    out.push_str("nodes:\n");
    for line in nodes.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let mut words = line.split_whitespace();
        let name = words.next().expect("name");
        let host = words.next().expect("host");
        let (name, role) = match name.strip_suffix('*') {
            Some(n) => (n, "manager"),
            None => (name, "worker"),
        };
        write!(
            out,
            "  - name: {name}\n    host: {host}\n    role: {role}\n"
        )
        .unwrap();
        let mut labels = Vec::new();
        for word in words {
            match word.split_once('=') {
                Some(("cpus", v)) => writeln!(out, "    cpus: {v}").unwrap(),
                Some(("mem", v)) => writeln!(out, "    memory: {v}").unwrap(),
                Some(("ip", v)) => writeln!(out, "    ip: {v}").unwrap(),
                Some((k, v)) => labels.push(format!("{k}: '{v}'")),
                None => writeln!(out, "    availability: {word}").unwrap(),
            }
        }
        if !labels.is_empty() {
            writeln!(out, "    labels: {{ {} }}", labels.join(", ")).unwrap();
        }
    }
    out.push_str("stacks:\n  - name: s\n    compose:\n");
    for line in compose.lines() {
        writeln!(out, "      {line}").unwrap();
    }
    out
}

fn render(analysis: &Analysis) -> String {
    let mut per_service: BTreeMap<(usize, &str), BTreeMap<&str, usize>> = BTreeMap::new();
    for (i, status) in analysis.services.iter().enumerate() {
        per_service.entry((i, &status.service)).or_default();
    }
    for task in &analysis.placement {
        let index = analysis
            .services
            .iter()
            .position(|s| s.service == task.service)
            .unwrap();
        *per_service
            .entry((index, &task.service))
            .or_default()
            .entry(&task.node)
            .or_default() += 1;
    }
    let mut out = String::new();
    for ((_, service), nodes) in per_service {
        let nodes: Vec<String> = nodes.iter().map(|(n, c)| format!("{n}×{c}")).collect();
        writeln!(out, "{service}: {}", nodes.join(" ")).unwrap();
        let pending: Vec<_> = analysis
            .pending
            .iter()
            .filter(|p| p.service == service)
            .collect();
        if let Some(first) = pending.first() {
            writeln!(out, "  {} pending: {}", pending.len(), first.reason).unwrap();
        }
    }
    for finding in analysis.findings.iter().filter(|f| {
        ![
            "single-manager",
            "host-loss-breaks-quorum",
            "even-managers",
            "no-managers",
        ]
        .contains(&f.code.name())
    }) {
        writeln!(out, "! {} {}", finding.code, finding.target).unwrap();
    }
    out
}

fn check(nodes: &str, compose: &str, expect: Expect) {
    let text = plan(nodes, compose);
    let plan = parse_plan(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    expect.assert_eq(&render(&analyze(&plan, &Options::default())));
}

#[test]
fn replicas_fill_the_emptiest_nodes_first() {
    check(
        "m1* h1
         w1 h2
         w2 h3",
        "services:
  web: { image: nginx, deploy: { replicas: 5 } }
  one: { image: nginx }",
        expect![[r#"
            web: m1×1 w1×2 w2×2
            one: m1×1
        "#]],
    );
}

#[test]
fn spread_gives_each_label_value_an_equal_share() {
    // One node in az1, four in az2: 8 tasks split 4/4 between the zones.
    check(
        "m1* h1 az=az1
         w1 h2 az=az2
         w2 h3 az=az2
         w3 h4 az=az2
         w4 h5 az=az2",
        "services:
  app:
    image: nginx
    deploy:
      replicas: 8
      placement: { preferences: [{ spread: node.labels.az }] }",
        expect![[r#"
            app: m1×4 w1×1 w2×1 w3×1 w4×1
        "#]],
    );
}

#[test]
fn spread_over_data_centres_of_three_two_and_one_nodes() {
    check(
        "a1* h1 dc=dc1
         a2 h2 dc=dc1
         a3 h3 dc=dc1
         b1* h4 dc=dc2
         b2 h5 dc=dc2
         c1* h6 dc=dc3",
        "services:
  app:
    image: nginx
    deploy:
      replicas: 9
      placement: { preferences: [{ spread: node.labels.dc }] }",
        expect![[r#"
            app: a1×1 a2×1 a3×1 b1×1 b2×2 c1×3
        "#]],
    );
}

#[test]
fn a_drained_node_without_the_label_unbalances_the_spread() {
    // Swarm builds the tree from every node: the drained manager forms a "" branch with no room,
    // and its share goes to the branches walked first.
    check(
        "mgr* h0 drain
         a1 h1 dc=dc1
         a2 h2 dc=dc1
         a3 h3 dc=dc1
         b1 h4 dc=dc2
         b2 h5 dc=dc2
         c1 h6 dc=dc3",
        "services:
  app:
    image: nginx
    deploy:
      replicas: 9
      placement: { preferences: [{ spread: node.labels.dc }] }",
        expect![[r#"
            app: a1×1 a2×1 a3×2 b1×2 b2×1 c1×2
            ! spread-label-missing service:s/app
            ! spread-uneven service:s/app
        "#]],
    );
}

#[test]
fn nested_spread_preferences() {
    check(
        "a* h1 dc=1 rack=r1
         b h2 dc=1 rack=r2
         c* h3 dc=2 rack=r1
         d* h4 dc=2 rack=r1",
        "services:
  app:
    image: nginx
    deploy:
      replicas: 4
      placement: { preferences: [{ spread: node.labels.dc }, { spread: node.labels.rack }, { spread: node.hostname }] }",
        expect![[r#"
            app: a×1 b×1 c×1 d×1
            ! spread-ignored service:s/app
        "#]],
    );
}

#[test]
fn constraints_filter_nodes_and_explain_pending_tasks() {
    check(
        "m1* h1
         w1 h2 worker=app
         w2 h3 worker=db",
        "services:
  api: { image: a, deploy: { replicas: 2, placement: { constraints: [node.labels.worker == app] } } }
  gpu: { image: a, deploy: { placement: { constraints: [node.labels.gpu == true] } } }
  not-db: { image: a, deploy: { replicas: 2, placement: { constraints: ['node.labels.worker != db', node.role == worker] } } }",
        expect![[r#"
            api: w1×2
            gpu: 
              1 pending: no suitable node (scheduling constraints not satisfied on 3 nodes)
            not-db: w1×2
            ! tasks-pending service:s/gpu
            ! replicas-one-host service:s/api
            ! label-missing service:s/gpu
            ! replicas-one-host service:s/not-db
            ! failure-stops-services host:h2
        "#]],
    );
}

#[test]
fn max_replicas_per_node_leaves_the_rest_pending() {
    check(
        "m1* h1
         w1 h2
         w2 h3 pause",
        "services:
  api: { image: a, deploy: { replicas: 4, placement: { max_replicas_per_node: 1 } } }",
        expect![[r#"
            api: m1×1 w1×1
              2 pending: no suitable node (max replicas per node limit exceed; 1 node not available for new tasks)
            ! tasks-pending service:s/api
        "#]],
    );
}

#[test]
fn host_mode_ports_are_unique_per_node_across_services() {
    check(
        "m1* h1
         w1 h2
         w2 h3",
        "services:
  lb: { image: a, ports: [{ target: 80, published: 8080, mode: host }], deploy: { replicas: 2 } }
  other: { image: a, ports: [{ target: 80, published: 8080, mode: host }], deploy: { replicas: 2 } }
  udp: { image: a, ports: [{ target: 80, published: 8080, protocol: udp, mode: host }], deploy: { replicas: 3 } }",
        expect![[r#"
            lb: m1×1 w1×1
            other: w2×1
              1 pending: no suitable node (host-mode port already in use on 3 nodes)
            udp: m1×1 w1×1 w2×1
            ! tasks-pending service:s/other
            ! failure-stops-services host:h3
            ! host-port-shared plan
        "#]],
    );
}

#[test]
fn reservations_are_charged_against_node_capacity() {
    check(
        "m1* h1 cpus=2 mem=4GiB
         w1 h2 cpus=4 mem=2GiB",
        "services:
  big: { image: a, deploy: { replicas: 3, resources: { reservations: { cpus: '1.5', memory: 1G } } } }
  huge: { image: a, deploy: { resources: { reservations: { memory: 16G } } } }",
        expect![[r#"
            big: m1×1 w1×2
            huge: 
              1 pending: no suitable node (insufficient resources on 2 nodes)
            ! tasks-pending service:s/huge
            ! reservation-too-large service:s/huge
            ! tasks-may-share-host service:s/big
        "#]],
    );
}

#[test]
fn global_services_run_once_on_every_eligible_node() {
    check(
        "m1* h1
         m2* h2 drain
         w1 h3
         w2 h4 pause
         w3 h5 edge=true",
        "services:
  agent: { image: a, deploy: { mode: global } }
  edge: { image: a, deploy: { mode: global, placement: { constraints: [node.labels.edge == true] } } }
  managers: { image: a, deploy: { mode: global, placement: { constraints: [node.role == manager] } } }",
        expect![[r#"
            agent: m1×1 w1×1 w3×1
            edge: w3×1
            managers: m1×1
            ! failure-stops-services host:h5
        "#]],
    );
}

#[test]
fn ip_constraints_with_addresses_and_networks() {
    check(
        "m1* h1 ip=10.0.0.1
         w1 h2 ip=10.0.1.1
         w2 h3 ip=fd00::2",
        "services:
  lan: { image: a, deploy: { replicas: 2, placement: { constraints: [node.ip == 10.0.0.0/16] } } }
  v6: { image: a, deploy: { placement: { constraints: ['node.ip == fd00::/8'] } } }
  bad: { image: a, deploy: { placement: { constraints: [node.ip != 10.0.0.999] } } }",
        expect![[r#"
            lan: m1×1 w1×1
            v6: w2×1
            bad: 
              1 pending: no suitable node (scheduling constraints not satisfied on 3 nodes)
            ! tasks-pending service:s/bad
            ! address-pool-overlap plan
            ! failure-stops-services host:h3
        "#]],
    );
}

#[test]
fn invalid_and_unknown_constraints_are_findings() {
    check(
        "m1* h1",
        "services:
  typo: { image: a, deploy: { placement: { constraints: [node.role = manager] } } }
  unknown: { image: a, deploy: { placement: { constraints: [node == foo] } } }",
        expect![[r#"
            typo: 
              1 pending: service not created: constraint expected one operator from ==, !=
            unknown: 
              1 pending: no suitable node (scheduling constraints not satisfied on 1 node)
            ! constraint-invalid service:s/typo
            ! tasks-pending service:s/unknown
            ! constraint-key-unknown service:s/unknown
        "#]],
    );
}

#[test]
fn replicas_on_vms_of_one_server_are_flagged() {
    check(
        "m1* h1
         m2* h2
         m3* h3
         w1 esx9 tier=web
         w2 esx9 tier=web",
        "services:
  web: { image: a, deploy: { replicas: 2, placement: { constraints: [node.labels.tier == web] } } }",
        expect![[r#"
            web: w1×1 w2×1
            ! replicas-one-host service:s/web
            ! failure-stops-services host:esx9
        "#]],
    );
}

#[test]
fn start_first_updates_stall_at_the_replica_limit() {
    check(
        "m1* h1
         w1 h2",
        "services:
  api:
    image: a
    deploy:
      replicas: 2
      placement: { max_replicas_per_node: 1 }
      update_config: { order: start-first }",
        expect![[r#"
            api: m1×1 w1×1
            ! start-first-stalls service:s/api
        "#]],
    );
}

#[test]
fn local_volumes_and_ingress_conflicts() {
    check(
        "m1* h1",
        "services:
  db: { image: a, volumes: ['data:/var/lib/db', '/mnt/nas/x:/x'] }
  web: { image: a, ports: ['80:80'] }
  web2: { image: a, ports: ['80:8080'] }
volumes:
  data: {}",
        expect![[r#"
            db: m1×1
            web: m1×1
            web2: m1×1
            ! ingress-port-conflict service:s/web2
            ! local-volume service:s/db
        "#]],
    );
}

#[test]
fn failures_reschedule_as_swarm_does() {
    let text = plan(
        "m1* h1
         m2* h2
         m3* h3
         w1 h1
         w2 h2",
        "services:
  web: { image: a, deploy: { replicas: 2, placement: { constraints: [node.role == worker] } } }
  pinned: { image: a, deploy: { placement: { constraints: [node.hostname == w2] } } }
  agent: { image: a, deploy: { mode: global } }",
    );
    let analysis = analyze(&parse_plan(&text).unwrap(), &Options::default());
    let mut out = scenarios(&analysis);
    writeln!(out, "{}", analysis.survival.summary).unwrap();
    expect![[r#"
        host h1: quorum true down [] degraded [] moved [web.2→w2] pending 0 rebalance ["s/web"]
        host h2: quorum true down ["s/pinned"] degraded [] moved [web.1→w1] pending 1 rebalance ["s/web"]
        host h3: quorum true down [] degraded [] moved [] pending 0 rebalance []
        services stop with host h2
    "#]]
    .assert_eq(&out);
}

/// What each failure does, one line per scenario: quorum, services down and degraded, tasks
/// moved (as `service.slot→node`), tasks pending, services to rebalance afterwards.
fn scenarios(analysis: &Analysis) -> String {
    let mut out = String::new();
    for f in &analysis.failures {
        let moved: Vec<String> = f
            .rescheduled
            .iter()
            .map(|t| format!("{}.{}→{}", t.service, t.slot, t.node))
            .collect();
        writeln!(
            out,
            "{} {}: quorum {} down {:?} degraded {:?} moved [{}] pending {} rebalance {:?}",
            f.domain,
            f.name,
            f.quorum,
            f.services.down,
            f.services.degraded,
            moved.join(" "),
            f.pending.len(),
            f.rebalance
        )
        .unwrap();
    }
    out
}

#[test]
fn a_spread_branch_above_its_share_does_not_stall_the_scheduler() {
    // When host h0 fails, n4's tasks go back to the spread tree, where a zone takes more than
    // its share and the share left goes negative: no branch is below it any more. Swarm before
    // swarmkit #3200 (Docker 28.3) looped forever there, leaving every new task in the swarm
    // pending; since then it stops once no branch can take a task.
    let text = plan(
        "n0* h3 zone=z2 rk=k3
         n3 h2 drain zone=z0 rk=k0
         n4 h0 zone=z2 rk=k1
         n5 h3 zone=z1 rk=k3
         n6 h5 zone=z1 rk=k0
         n7 h2 zone=z1 rk=k2 cpus=1",
        "services:
  app:
    image: a
    deploy:
      replicas: 4
      placement:
        constraints: [node.role == worker]
        preferences: [{ spread: node.labels.zone }, { spread: node.labels.rk }]
      resources: { reservations: { cpus: '1' } }",
    );
    let analysis = analyze(&parse_plan(&text).unwrap(), &Options::default());
    expect![[r#"
        app: n4×3 n5×1
        ! spread-uneven service:s/app
        ! tasks-may-share-host service:s/app
        ! scheduler-loops-before-docker-28-3 service:s/app
        host h3: quorum false down [] degraded ["s/app"] moved [] pending 1 rebalance []
        host h2: quorum true down [] degraded [] moved [] pending 0 rebalance []
        host h0: quorum true down [] degraded [] moved [app.1→n6 app.2→n7 app.4→n6] pending 0 rebalance ["s/app"]
        host h5: quorum true down [] degraded [] moved [] pending 0 rebalance []
    "#]]
    .assert_eq(&(render(&analysis) + &scenarios(&analysis)));
}

#[test]
fn what_if_fails_any_set_of_hosts_at_once() {
    let text = plan(
        "m1* h1
         m2* h2
         m3* h3
         w1 h1
         w2 h2
         w3 h3",
        "services:
  web: { image: a, deploy: { replicas: 3 } }",
    );
    let plan = parse_plan(&text).unwrap();
    let analysis = analyze(&plan, &Options::default());
    let mut out = String::new();
    for lost in [vec![], vec!["h1"], vec!["h1", "h2"]] {
        let lost: Vec<String> = lost.into_iter().map(String::from).collect();
        let outage = swarmplan_engine::analysis::what_if(&plan, &lost);
        let f = &outage.scenario;
        let statuses: Vec<String> = outage
            .services
            .iter()
            .map(|s| {
                format!(
                    "{} {}/{} {}",
                    s.service,
                    s.running,
                    s.desired,
                    s.health.name()
                )
            })
            .collect();
        let moved: Vec<String> = f
            .rescheduled
            .iter()
            .map(|t| format!("{}.{}→{}", t.service, t.slot, t.node))
            .collect();
        writeln!(
            out,
            "{} [{}]: lost {:?} managers left {} quorum {} down {:?} moved [{}] pending {} — {}",
            f.domain,
            f.name,
            f.lost_nodes,
            f.managers_left,
            f.quorum,
            f.services.down,
            moved.join(" "),
            f.pending.len(),
            statuses.join(", ")
        )
        .unwrap();
    }
    // One host lost is exactly the analysis's own scenario for that host.
    let h1 = swarmplan_engine::analysis::what_if(&plan, &["h1".to_owned()]).scenario;
    let single = analysis.failures.iter().find(|f| f.name == "h1").unwrap();
    assert_eq!(
        (&h1.lost_nodes, &h1.rescheduled, h1.quorum),
        (&single.lost_nodes, &single.rescheduled, single.quorum)
    );
    expect![[r#"
        hosts []: lost [] managers left 3 quorum true down [] moved [] pending 0 — web 3/3 healthy
        hosts [h1]: lost ["m1", "w1"] managers left 2 quorum true down [] moved [web.3→w2] pending 0 — web 3/3 healthy
        hosts [h1+h2]: lost ["m1", "m2", "w1", "w2"] managers left 1 quorum false down [] moved [] pending 2 — web 1/3 degraded
    "#]]
    .assert_eq(&out);
}

/// Per service: where its tasks run, each as "one of …" with its `p`, and the sampled odds; then
/// the findings about Swarm's draws.
fn render_odds(analysis: &Analysis) -> String {
    let mut out = String::new();
    for status in &analysis.services {
        let tasks: Vec<String> = analysis
            .placement
            .iter()
            .filter(|t| t.service == status.service)
            .map(|t| match t.p {
                Some(p) => format!("[{} p={}]", t.one_of(), p.percent()),
                None => format!("[{}]", t.one_of()),
            })
            .collect();
        writeln!(out, "{}: {}", status.service, tasks.join(" ")).unwrap();
        if let Some(odds) = &status.odds {
            writeln!(out, "  odds: {}", odds.summary()).unwrap();
        }
    }
    for finding in analysis.findings.iter().filter(|f| {
        [
            "tasks-may-share-host",
            "tasks-may-share-rack",
            "tasks-may-share-site",
            "failure-may-stop-services",
            "failure-may-degrade-services",
            "replicas-one-host",
            "scheduler-loops-before-docker-28-3",
        ]
        .contains(&f.code.name())
    }) {
        writeln!(
            out,
            "! {} {}: {}",
            finding.code, finding.target, finding.message
        )
        .unwrap();
    }
    out
}

fn check_odds(nodes: &str, compose: &str, expect: Expect) {
    let text = plan(nodes, compose);
    let plan = parse_plan(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let options = Options {
        odds: 4000,
        ..Options::default()
    };
    expect.assert_eq(&render_odds(&analyze(&plan, &options)));
}

// Swarm's dice (issue 16). On a fresh swarm of at most eight nodes the scheduler's node map is
// one group of eight slots in join order, and each service's walk starts at a random slot: the
// first node to join is met first in 6 of 8 starts with three nodes.

#[test]
fn one_task_on_a_fresh_three_node_swarm_goes_to_the_first_node_joined() {
    check_odds(
        "m1* h1
         w1 h2
         w2 h3",
        "services:
  db: { image: a }",
        expect![[r#"
            db: [one of m1, w1, w2 p=76 %]
              odds: m1 76 %, w2 13 %, w1 12 %
        "#]],
    );
}

#[test]
fn of_four_tasks_on_three_nodes_the_second_node_met_takes_two() {
    // The heap orders equal nodes met as m1, w1, w2 as w1, w2, m1: the round-robin's extra
    // task goes to w1 in 6 of 8 starts.
    check_odds(
        "m1* h1
         w1 h2
         w2 h3",
        "services:
  web: { image: a, deploy: { replicas: 4 } }",
        expect![[r#"
            web: [w1 p=100 %] [w2 p=100 %] [m1 p=100 %] [one of w1, m1, w2 p=76 %]
              odds: m1+w1×2+w2 76 %, m1×2+w1+w2 13 %, m1+w1+w2×2 12 %
        "#]],
    );
}

#[test]
fn two_tasks_on_three_nodes() {
    check_odds(
        "m1* h1
         w1 h2
         w2 h3",
        "services:
  web: { image: a, deploy: { replicas: 2 } }",
        expect![[r#"
            web: [one of w1, w2 p=87 %] [one of m1, w2 p=88 %]
              odds: m1+w1 76 %, m1+w2 13 %, w1+w2 12 %
        "#]],
    );
}

#[test]
fn drained_managers_keep_their_slots_in_the_node_map() {
    check_odds(
        "m1* h1 drain
         m2* h2 drain
         m3* h3 drain
         w1 h4
         w2 h5",
        "services:
  db: { image: a }",
        expect![[r#"
            db: [one of w1, w2 p=87 %]
              odds: w1 87 %, w2 13 %
        "#]],
    );
}

#[test]
fn a_second_service_avoids_the_first_ones_node() {
    check_odds(
        "m1* h1
         w1 h2
         w2 h3",
        "services:
  a: { image: x }
  b: { image: x }",
        expect![[r#"
            a: [one of m1, w1, w2 p=56 %]
              odds: m1 56 %, w1 32 %, w2 13 %
            b: [one of w1, m1, w2 p=47 %]
              odds: w1 47 %, m1 39 %, w2 14 %
        "#]],
    );
}

#[test]
fn of_two_tied_nodes_the_heap_puts_the_one_met_later_first() {
    // SwarmKit's own scheduler, run many times on a random scenario: of two tied nodes it chose
    // the one its heap meets later, every time. Here zone z1's heap holds a and b (two slots:
    // two tasks in the group); its one task goes to b unless the walk starts at b.
    check_odds(
        "a* h1 zone=z1
         b h2 zone=z1
         c h3 zone=z2",
        "services:
  app:
    image: x
    deploy:
      replicas: 2
      placement: { preferences: [{ spread: node.labels.zone }] }",
        expect![[r#"
            app: [one of b, a p=88 %] [c p=100 %]
              odds: b+c 88 %, a+c 12 %
        "#]],
    );
}

#[test]
fn two_replicas_that_can_land_on_one_physical_host() {
    // w1 and w2 are VMs of one server: Swarm cannot see it, and its draw decides.
    check_odds(
        "m1* h1 drain
         m2* h2 drain
         m3* h3 drain
         w1 esx1
         w2 esx1
         w3 esx2",
        "services:
  web: { image: a, deploy: { replicas: 2 } }
  db: { image: a, deploy: { placement: { constraints: [node.role == worker] } } }",
        expect![[r#"
            web: [one of w2, w3 p=87 %] [one of w1, w3 p=66 %]
              odds: w1+w2 53 %, w2+w3 34 %, w1+w3 13 %
            db: [one of w3, w1, w2 p=53 %]
              odds: w3 53 %, w1 34 %, w2 13 %
            ! replicas-one-host service:s/web: all 2 tasks of s/web run on nodes of host esx1 (in about 53 % of Swarm's draws): Swarm cannot see that those VMs share a server, whose loss stops the service
        "#]],
    );
}

#[test]
fn large_swarms_tie_in_join_order_and_state_their_ties() {
    // More than eight nodes: the node map is laid out by hash, every tied node is as likely.
    check_odds(
        "m1* h1
         m2* h2
         m3* h3
         w1 h4
         w2 h5
         w3 h6
         w4 h7
         w5 h8
         w6 h9",
        "services:
  db: { image: a }
  web: { image: a, deploy: { replicas: 3 } }",
        expect![[r#"
            db: [one of m1, m2, m3, w1, w2, w3, w4, w5, w6 p=11 %]
              odds: w6 12 %, m3 12 %, w5 11 %, w4 11 %, w3 11 %, w1 11 %, w2 11 %, m1 11 %, m2 10 %
            web: [one of m2, m1, w2, w3, w4, w5, w6 p=34 %] [one of m3, m1, w2, w3, w4, w5, w6 p=31 %] [one of w1, m1, w2, w3, w4, w5, w6 p=34 %]
              odds: m1+m2+w5 2 %, w1+w4+w6 2 %, m2+w2+w4 2 %, m2+w1+w5 2 %, m1+w1+w2 2 %, m1+w3+w4 1 %, m3+w4+w5 1 %, w2+w4+w6 1 %, m1+m3+w1 1 %, m1+w5+w6 1 %
        "#]],
    );
}

#[test]
fn a_second_stack_deployed_after_the_first_avoids_its_node() {
    // Stacks deploy one after the other: a's task first, then b's, which avoids a's node while
    // an empty one is left. Over both: (a, b) = (m1, w1) in 21/32 of the draws, (w2, m1) 7/64,
    // (m1, w2) 3/32, (w1, m1) 3/32, (w1, w2) 1/32, (w2, w1) 1/64; so b runs on w1 in 43/64,
    // on m1 in 13/64 and on w2 in 1/8.
    let mut text = plan(
        "m1* h1
         w1 h2
         w2 h3",
        "services:
  a: { image: x }",
    );
    text.push_str(
        "  - name: t\n    after: [s]\n    compose:\n      services:\n        b: { image: x }\n",
    );
    let options = Options {
        odds: 4000,
        ..Options::default()
    };
    expect![[r#"
        a: [one of m1, w1, w2 p=76 %]
          odds: m1 76 %, w2 13 %, w1 12 %
        b: [one of w1, m1, w2 p=68 %]
          odds: w1 68 %, m1 19 %, w2 12 %
    "#]]
    .assert_eq(&render_odds(&analyze(
        &parse_plan(&text).unwrap(),
        &options,
    )));
}

#[test]
fn the_scheduler_meets_nodes_in_the_order_the_install_runbook_joins_them() {
    use swarmplan_engine::runbook::{runbook, Kind};
    for example in swarmplan_engine::examples::EXAMPLES {
        let plan = parse_plan(example.yaml).unwrap();
        let book = runbook(&plan, Kind::Install);
        let joined: Vec<&str> = book
            .steps
            .iter()
            .filter_map(|s| {
                s.id.strip_prefix("init-")
                    .or_else(|| s.id.strip_prefix("join-"))
            })
            .collect();
        let order: Vec<&str> = swarmplan_engine::placement::join_order(&plan)
            .into_iter()
            .map(|i| plan.nodes[i].name.as_str())
            .collect();
        assert_eq!(joined, order, "{}", example.id);
    }
}

#[test]
fn a_real_placement_agrees_when_every_task_is_on_a_node_of_its_tie() {
    use swarmplan_engine::analysis::agreement::{judge, Observed};
    // Two stacks, a before b, on a fresh three-node swarm: a real run put a on w1 and b on m1,
    // which the placement shown (a on m1, b on w1) does not say, but Swarm could draw.
    let mut text = plan(
        "m1* h1
         w1 h2
         w2 h3",
        "services:
  a: { image: x }
  web: { image: x, deploy: { replicas: 2 } }",
    );
    text.push_str(
        "  - name: t\n    after: [s]\n    compose:\n      services:\n        b: { image: x }\n",
    );
    let plan = parse_plan(&text).unwrap();
    let seen = |tasks: &[(&str, &str, &str)]| -> Vec<Observed> {
        tasks
            .iter()
            .map(|&(stack, service, node)| Observed {
                stack: stack.into(),
                service: service.into(),
                node: node.into(),
            })
            .collect()
    };
    let real = seen(&[
        ("s", "a", "w1"),
        ("s", "web", "w2"),
        ("s", "web", "m1"),
        ("t", "b", "m1"),
    ]);
    let mut out = String::new();
    for draws in [0, 1000] {
        let analysis = analyze(
            &plan,
            &Options {
                odds: draws,
                ..Options::default()
            },
        );
        for verdict in judge(&analysis, &real) {
            writeln!(
                out,
                "odds {draws}: {} agrees {} unexpected {:?} missing {}",
                verdict.service, verdict.agrees, verdict.unexpected, verdict.missing
            )
            .unwrap();
        }
    }
    // Two tasks of web on one node: no draw does that while another node is free.
    let analysis = analyze(
        &plan,
        &Options {
            odds: 1000,
            ..Options::default()
        },
    );
    for verdict in judge(&analysis, &seen(&[("s", "web", "w2"), ("s", "web", "w2")])) {
        if verdict.service == "s/web" {
            writeln!(
                out,
                "web twice on w2: agrees {} unexpected {:?}",
                verdict.agrees, verdict.unexpected
            )
            .unwrap();
        }
    }
    expect![[r#"
        odds 0: s/a agrees true unexpected [] missing 0
        odds 0: s/web agrees false unexpected ["m1"] missing 1
        odds 0: t/b agrees true unexpected [] missing 0
        odds 1000: s/a agrees true unexpected [] missing 0
        odds 1000: s/web agrees true unexpected [] missing 0
        odds 1000: t/b agrees true unexpected [] missing 0
        web twice on w2: agrees false unexpected ["w2"]
    "#]]
    .assert_eq(&out);
}

#[test]
fn swarmpits_own_stack_on_six_nodes() {
    // Swarmpit's own stack file: the app on a manager, db and influxdb (one replica each, no
    // constraint), an agent everywhere. A rehearsal put db on m3 and influxdb on m1.
    check_odds(
        "m1* h1
         m2* h2
         m3* h3
         w1 h4
         w2 h5
         w3 h6",
        "services:
  app: { image: swarmpit/swarmpit, deploy: { placement: { constraints: [node.role == manager] } } }
  db: { image: couchdb }
  influxdb: { image: influxdb }
  agent: { image: swarmpit/agent, deploy: { mode: global } }",
        expect![[r#"
            app: [one of m1, m2, m3 p=59 %]
              odds: m1 59 %, m2 24 %, m3 17 %
            db: [one of m2, m1, m3, w1, w2, w3 p=29 %]
              odds: m2 29 %, m3 16 %, m1 15 %, w1 14 %, w3 13 %, w2 12 %
            influxdb: [one of m3, m1, m2, w1, w2, w3 p=22 %]
              odds: m3 22 %, m2 22 %, m1 18 %, w1 13 %, w2 13 %, w3 13 %
            agent: [m1 p=100 %] [m2 p=100 %] [m3 p=100 %] [w1 p=100 %] [w2 p=100 %] [w3 p=100 %]
              odds: m1+m2+m3+w1+w2+w3 100 %
        "#]],
    );
}
