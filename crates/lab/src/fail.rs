//! `lab fail` and `lab restore`: a failure domain's engines stop as a power cut stops them;
//! once Swarm has marked their nodes down and re-placed their tasks, the lab compares with the
//! engine's failure scenario, computed from the placement the lab really had
//! (`analysis::what_if_from`), not from the engine's own. `lab restore` starts them again and
//! shows that Swarm does not move tasks back; `--rebalance` spreads them with
//! `docker service update --force`.

use crate::check::{self, compare, Classes, Live};
use crate::labplan::LabPlan;
use crate::state::{Lab, LabNode};
use crate::util::wait_for;
use crate::{lab_error, node, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::time::{Duration, Instant};
use swarmplan_engine::analysis::{what_if_from, Health};
use swarmplan_engine::placement::Task;
use swarmplan_engine::Plan;

/// The lab nodes a domain holds.
pub fn domain_nodes<'l>(lab: &'l Lab, kind: &str, name: &str) -> Result<Vec<&'l LabNode>> {
    let nodes: Vec<&LabNode> = lab
        .state
        .nodes
        .iter()
        .filter(|n| match kind {
            "host" => n.host == name,
            "rack" => n.rack.as_deref() == Some(name),
            "site" => n.site.as_deref() == Some(name),
            _ => false,
        })
        .collect();
    if !["host", "rack", "site"].contains(&kind) {
        return Err(lab_error!(
            "a failure domain is a host, a rack or a site, not `{kind}`"
        ));
    }
    if nodes.is_empty() {
        return Err(lab_error!("no node of the lab is on {kind} {name}"));
    }
    Ok(nodes)
}

/// Stops every process of the domain's nodes at once; their names.
pub fn stop_domain(lab: &Lab, kind: &str, name: &str) -> Result<Vec<String>> {
    let nodes = domain_nodes(lab, kind, name)?;
    std::thread::scope(|scope| {
        for n in &nodes {
            scope.spawn(move || node::kill_all(lab, n));
        }
    });
    Ok(nodes.iter().map(|n| n.name.clone()).collect())
}

fn hosts_of(lab: &Lab, nodes: &[&LabNode]) -> Vec<String> {
    let _ = lab;
    let mut hosts: Vec<String> = nodes.iter().map(|n| n.host.clone()).collect();
    hosts.sort();
    hosts.dedup();
    hosts
}

/// Reads the swarm until it has settled: `ready` holds and the running tasks stay the same for
/// three reads in a row.
fn settle(lab: &Lab, timeout: Duration, mut ready: impl FnMut(&Live) -> bool) -> Option<Live> {
    let start = Instant::now();
    let mut last: Option<Vec<Task>> = None;
    let mut same = 0;
    let mut latest = None;
    while start.elapsed() < timeout {
        if let Ok(docker) = check::manager(lab) {
            if let Ok(live) = Live::read(&docker) {
                if ready(&live) && live.moving == 0 {
                    if last.as_ref() == Some(&live.tasks) {
                        same += 1;
                    } else {
                        same = 0;
                    }
                    last = Some(live.tasks.clone());
                    if same >= 2 {
                        return Some(live);
                    }
                }
                latest = Some(live);
            }
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    latest
}

/// What `lab fail` concludes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Swarm did what the engine's failure scenario says.
    Agree,
    /// Swarm did something else.
    Disagree,
    /// Swarm marked down a node whose engine kept running: the lab machine was too busy for
    /// Swarm's heartbeats, and what Swarm then did says nothing about the engine's scenario.
    Unjudged,
}

/// `lab fail PLAN host|rack|site NAME`: whether Swarm and the engine agree, and the report.
pub fn fail(lab: &mut Lab, plan: &Plan, kind: &str, name: &str) -> Result<(Verdict, String)> {
    crate::host::require()?;
    let lab_plan = LabPlan::of(plan, check::machine_cpus(), check::machine_memory());
    let before = settle(lab, Duration::from_secs(60), |live| {
        live.nodes.iter().all(|n| n.ready)
    })
    .ok_or_else(|| lab_error!("the lab's swarm does not answer: run the install first"))?;
    let nodes = domain_nodes(lab, kind, name)?;
    let names: Vec<String> = nodes.iter().map(|n| n.name.clone()).collect();
    let hosts = hosts_of(lab, &nodes);
    let outage = what_if_from(&lab_plan.plan, &before.tasks, &hosts);
    let start = Instant::now();
    stop_domain(lab, kind, name)?;
    let expect_quorum = outage.scenario.quorum;
    // Nodes still running that Swarm marked down on the way: heartbeats a busy machine missed.
    let mut flapped: BTreeSet<String> = BTreeSet::new();
    let after = if expect_quorum {
        settle(lab, Duration::from_secs(120), |live| {
            let mut others_ready = true;
            // After the leader changes every node is `unknown` until it reports to the new
            // one: wait for that; only `down` says Swarm gave up on a running node.
            for n in live.nodes.iter().filter(|n| !names.contains(&n.hostname)) {
                others_ready &= n.ready;
                if n.down {
                    flapped.insert(n.hostname.clone());
                }
            }
            let global: Vec<String> = live
                .raw_services
                .iter()
                .filter(|s| s.pointer("/Spec/Mode/Global").is_some())
                .map(check::service_id)
                .collect();
            // Down, the other nodes up, and Swarm has replaced every replicated task that ran
            // on the lost ones.
            others_ready
                && names.iter().all(|n| {
                    live.nodes
                        .iter()
                        .find(|l| &l.hostname == n)
                        .is_some_and(|l| !l.ready)
                })
                && live.tasks.iter().all(|t| {
                    !names.contains(&t.node)
                        || global.contains(&format!("{}/{}", t.stack, t.service))
                })
                && live.replicas.iter().all(|(id, (_, desired))| {
                    // Each replica runs on a node still up, or waits with Docker's reason (Swarm
                    // waits its restart delay before it replaces a task).
                    global.contains(id)
                        || live
                            .tasks
                            .iter()
                            .filter(|t| &format!("{}/{}", t.stack, t.service) == id)
                            .count()
                            + live
                                .pending
                                .iter()
                                .filter(|p| &p.service == id && !p.reason.is_empty())
                                .count()
                            >= *desired as usize
                })
        })
    } else {
        // Without quorum no manager answers for the swarm: give it the time a heartbeat needs.
        std::thread::sleep(Duration::from_secs(15));
        check::manager(lab).ok().and_then(|d| Live::read(&d).ok())
    };
    let settled = start.elapsed();

    let classes = Classes::of(&lab_plan.plan);
    let mut out = String::new();
    let mut agree = true;
    let mut line = |ok: bool, text: String| {
        if !ok {
            agree = false;
        }
        let _ = writeln!(out, "  {} {text}", if ok { "agree " } else { "DIFFER" });
    };
    let mut header = format!(
        "lab fail {kind} {name}: stopped {} (hosts {}); the swarm settled in {:.1} s\n",
        names.join(", "),
        hosts.join(", "),
        settled.as_secs_f64()
    );
    header.push_str("compared with the engine's scenario from the lab's real placement:\n");
    match &after {
        None => {
            line(
                !expect_quorum,
                format!(
                    "quorum: engine {}, swarm lost (no manager answers)",
                    if expect_quorum { "holds" } else { "lost" }
                ),
            );
        }
        Some(live) => {
            let down: Vec<String> = live
                .nodes
                .iter()
                .filter(|n| !n.ready)
                .map(|n| n.hostname.clone())
                .collect();
            let mut lost = outage.scenario.lost_nodes.clone();
            lost.sort();
            let mut down_sorted = down.clone();
            down_sorted.sort();
            line(
                lost == down_sorted,
                format!(
                    "lost nodes: engine {}; swarm down {}",
                    lost.join(","),
                    down_sorted.join(",")
                ),
            );
            let reachable = live
                .nodes
                .iter()
                .filter(|n| n.manager && (n.reachable || n.leader))
                .count();
            line(
                reachable == outage.scenario.managers_left && expect_quorum,
                format!(
                    "managers left: engine {} (quorum {}); swarm {reachable} reachable (quorum holds)",
                    outage.scenario.managers_left,
                    if expect_quorum { "holds" } else { "lost" }
                ),
            );
            for status in &outage.services {
                let id = status.id();
                let running = live.replicas.get(&id).map_or(0, |r| r.0);
                let real = Health::of(status.desired, running);
                line(
                    real == status.health,
                    format!(
                        "{id}: engine {} {}/{}; swarm {} {running}/{}",
                        status.health.name(),
                        status.running,
                        status.desired,
                        real.name(),
                        status.desired
                    ),
                );
            }
            // Where the tasks went: the placement before, without the lost nodes, plus what the
            // engine re-placed.
            let mut expected: Vec<Task> = before
                .tasks
                .iter()
                .filter(|t| !names.contains(&t.node))
                .cloned()
                .collect();
            expected.extend(outage.scenario.rescheduled.iter().cloned());
            let expected_pending: Vec<(String, String)> = outage
                .scenario
                .pending
                .iter()
                .map(|p| (format!("{}/{}", p.stack, p.service), p.reason.clone()))
                .collect();
            let real_tasks: Vec<Task> = live
                .tasks
                .iter()
                .filter(|t| !names.contains(&t.node))
                .cloned()
                .collect();
            // A failure scenario's rescheduling states no ties: the counts per class judge it.
            let placement = compare(
                &classes,
                &BTreeMap::new(),
                &expected,
                &expected_pending,
                &real_tasks,
                &live.pending,
            );
            let _ = writeln!(
                out,
                "  where the tasks went (per class of identical nodes):"
            );
            for l in &placement.lines {
                let _ = writeln!(out, "    {l}");
            }
            if !placement.agree {
                agree = false;
            }
        }
    }
    let (verdict, text) = if !flapped.is_empty() {
        let list: Vec<&str> = flapped.iter().map(String::as_str).collect();
        (
            Verdict::Unjudged,
            format!(
                "UNJUDGED: Swarm marked {} down while its engine ran (heartbeats missed on a busy \
                 machine), and may have moved its tasks: run the failure again\n",
                list.join(", ")
            ),
        )
    } else if agree {
        (Verdict::Agree, "Swarm and the engine agree\n".to_owned())
    } else {
        (
            Verdict::Disagree,
            "Swarm and the engine DISAGREE\n".to_owned(),
        )
    };
    Ok((verdict, format!("{header}{out}{text}")))
}

/// `lab restore`: starts every stopped node again; shows what runs on the returned nodes.
pub fn restore(lab: &mut Lab, rebalance: bool) -> Result<String> {
    crate::host::require()?;
    let stopped: Vec<LabNode> = lab
        .state
        .nodes
        .iter()
        .filter(|n| {
            !crate::docker::Docker::new(lab.socket(&n.name))
                .probe()
                .runs()
        })
        .cloned()
        .collect();
    let mut out = String::new();
    let before = check::manager(lab).ok().and_then(|d| Live::read(&d).ok());
    for n in &stopped {
        node::start(lab, n).map_err(|e| lab_error!("node {}: {e}", n.name))?;
    }
    let names: Vec<String> = stopped.iter().map(|n| n.name.clone()).collect();
    let _ = writeln!(
        out,
        "lab restore: started {}",
        if names.is_empty() {
            "nothing (every engine was running)".to_owned()
        } else {
            names.join(", ")
        }
    );
    let ready = wait_for(Duration::from_secs(120), Duration::from_secs(1), || {
        check::manager(lab)
            .ok()
            .and_then(|d| Live::read(&d).ok())
            .is_some_and(|live| {
                names.iter().all(|n| {
                    live.nodes
                        .iter()
                        .find(|l| &l.hostname == n)
                        .is_some_and(|l| l.ready)
                })
            })
    });
    if !ready {
        let _ = writeln!(out, "not every restored node is Ready after 120 s");
    }
    std::thread::sleep(Duration::from_secs(3));
    if let Some(live) = check::manager(lab).ok().and_then(|d| Live::read(&d).ok()) {
        let global: Vec<String> = live
            .raw_services
            .iter()
            .filter(|s| s.pointer("/Spec/Mode/Global").is_some())
            .map(check::service_id)
            .collect();
        let mut moved_back = 0;
        for n in &names {
            let tasks: Vec<String> = live
                .tasks
                .iter()
                .filter(|t| &t.node == n)
                .map(|t| format!("{}/{}", t.stack, t.service))
                .collect();
            // A task that waited for the node is placed, not moved back: only services that
            // ran all their replicas elsewhere before the restore count.
            moved_back += tasks
                .iter()
                .filter(|t| !global.contains(t))
                .filter(|t| {
                    before
                        .as_ref()
                        .and_then(|b| b.replicas.get(*t))
                        .is_some_and(|(running, desired)| running >= desired)
                })
                .count();
            let _ = writeln!(
                out,
                "  {n}: {}",
                if tasks.is_empty() {
                    "no tasks".to_owned()
                } else {
                    tasks.join(" ")
                }
            );
        }
        if !names.is_empty() {
            let _ = writeln!(
                out,
                "Swarm moved {moved_back} replicated task(s) back to the restored nodes{}",
                if moved_back == 0 {
                    ": it does not move tasks back by itself (only global services return)"
                } else {
                    ""
                }
            );
        }
    }
    if rebalance {
        let _ = writeln!(out, "{}", rebalance_services(lab)?);
    }
    Ok(out)
}

/// `docker service update --force` of every replicated service, all at once, and wait until
/// the swarm settles.
pub fn rebalance_services(lab: &Lab) -> Result<String> {
    let docker = check::manager(lab)?;
    let live = Live::read(&docker)?;
    let manager = lab
        .state
        .nodes
        .iter()
        .find(|n| lab.socket(&n.name) == *docker_socket(&docker))
        .unwrap_or(&lab.state.nodes[0]);
    let names: Vec<String> = live
        .raw_services
        .iter()
        .filter(|s| s.pointer("/Spec/Mode/Replicated").is_some())
        .map(|s| crate::docker::text(s, &["Spec", "Name"]).to_owned())
        .collect();
    let start = Instant::now();
    let mut command = node::enter(lab, manager);
    let script: String = names
        .iter()
        .map(|n| format!("docker service update --force --detach {n} >/dev/null\n"))
        .collect();
    command.args(["bash", "-c", &script]);
    crate::util::run(&mut command)?;
    std::thread::sleep(Duration::from_secs(2));
    let settled = settle(lab, Duration::from_secs(180), |live| {
        live.raw_services.iter().all(|s| {
            let state = crate::docker::text(s, &["UpdateStatus", "State"]);
            state.is_empty() || state == "completed"
        })
    });
    Ok(format!(
        "rebalanced {} service(s) with docker service update --force in {:.1} s{}",
        names.len(),
        start.elapsed().as_secs_f64(),
        if settled.is_some() {
            ""
        } else {
            " (not settled)"
        }
    ))
}

fn docker_socket(docker: &crate::docker::Docker) -> &std::path::PathBuf {
    docker.socket()
}

/// Canonical counts of a placement, for tests and reports.
pub fn by_class(plan: &Plan, tasks: &[Task]) -> BTreeMap<(String, String), usize> {
    check::canonical_counts(&Classes::of(plan), tasks)
}
