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
            web: m1×2 w1×2 w2×1
            one: w2×1
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
            app: a1×1 a2×1 a3×1 b1×2 b2×1 c1×3
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
            app: a1×2 a2×1 a3×1 b1×2 b2×1 c1×2
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
        host h1: quorum true down [] degraded [] moved [web.1→w2] pending 0 rebalance ["s/web"]
        host h2: quorum true down ["s/pinned"] degraded [] moved [web.2→w1] pending 1 rebalance ["s/web"]
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
    // When host h5 fails, its tasks go back to the spread tree, where zone z2 holds more tasks
    // than its share. Swarm before swarmkit #3200 (Docker 28.3) looped forever there, leaving
    // every new task in the swarm pending; since then it stops once no branch can take a task.
    let text = plan(
        "m0* h2 zone=z2 rk=k2
         w1 h6 zone=z2
         w3 h5
         w5 h0 zone=z0
         w10 h8 zone=z2 rk=k0",
        "services:
  app:
    image: a
    deploy:
      replicas: 13
      placement: { preferences: [{ spread: node.labels.zone }, { spread: node.labels.rk }] }",
    );
    let analysis = analyze(&parse_plan(&text).unwrap(), &Options::default());
    expect![[r#"
        app: m0×1 w1×2 w10×1 w3×5 w5×4
        ! spread-label-missing service:s/app
        ! spread-label-missing service:s/app
        host h2: quorum false down [] degraded ["s/app"] moved [] pending 1 rebalance []
        host h6: quorum true down [] degraded [] moved [app.10→w5 app.11→w10] pending 0 rebalance ["s/app"]
        host h5: quorum true down [] degraded [] moved [app.1→w5 app.2→w5 app.3→w5 app.4→w10 app.5→m0] pending 0 rebalance ["s/app"]
        host h0: quorum true down [] degraded [] moved [app.6→w10 app.7→m0 app.8→w3 app.9→w10] pending 0 rebalance ["s/app"]
        host h8: quorum true down [] degraded [] moved [app.12→w5] pending 0 rebalance ["s/app"]
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
        hosts [h1]: lost ["m1", "w1"] managers left 2 quorum true down [] moved [web.1→w2] pending 0 — web 3/3 healthy
        hosts [h1+h2]: lost ["m1", "m2", "w1", "w2"] managers left 1 quorum false down [] moved [] pending 2 — web 1/3 degraded
    "#]]
    .assert_eq(&out);
}
