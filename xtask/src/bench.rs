//! `cargo xtask bench`: speed and size, measured and printed as tables: the engine natively, the
//! built app's files raw and gzipped, and edit-to-render in the app in headless Chromium
//! (tests/browser/bench.mjs). Never asserted in
//! tests: a slow machine must not fail a build, and a fast one must not hide a regression.

use crate::Result;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};
use swarmplan_engine::plan::{Host, Node, Plan, Role, Stack};
use swarmplan_engine::units::{Bytes, Cpus};
use swarmplan_engine::yaml::parse_value;
use swarmplan_engine::{analyze, examples, parse_plan, Options};

/// A plan of `nodes` nodes over `nodes / 4` hosts in racks of four hosts and three sites, five
/// of them managers, running `tasks` tasks: services of ten replicas, a third of them constrained
/// to a worker tier, a third spread over sites, and one global agent.
fn generated_plan(nodes: usize, tasks: usize) -> Plan {
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

/// The median of `runs` timings of `work`.
fn median(runs: usize, mut work: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn gzipped_len(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(bytes)
        .expect("writing to memory cannot fail");
    encoder
        .finish()
        .expect("writing to memory cannot fail")
        .len()
}

fn sizes(dist: &Path) -> Vec<(String, usize, usize)> {
    let Ok(entries) = std::fs::read_dir(dist) else {
        return Vec::new();
    };
    let mut rows: Vec<(String, usize, usize)> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "wasm" || e == "js" || e == "css" || e == "html")
        })
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            Some((
                p.file_name()?.to_string_lossy().into_owned(),
                bytes.len(),
                gzipped_len(&bytes),
            ))
        })
        .collect();
    rows.sort();
    rows
}

pub fn run(root_dir: &Path) -> Result {
    if cfg!(debug_assertions) {
        // Measurements of an unoptimised build mean nothing: measure the release build.
        return crate::run(crate::cargo().args([
            "run",
            "--quiet",
            "--release",
            "--package",
            "xtask",
            "--",
            "bench",
        ]));
    }
    println!("| measurement | input | median |");
    println!("|---|---|---|");
    for example in examples::EXAMPLES {
        let parse = median(51, || {
            std::hint::black_box(parse_plan(example.yaml).ok());
        });
        let plan = parse_plan(example.yaml).map_err(|e| format!("example {}: {e}", example.id))?;
        let time = median(51, || {
            std::hint::black_box(analyze(&plan, &Options::default()));
        });
        println!("| parse | example {} | {parse:?} |", example.id);
        println!("| analyze | example {} | {time:?} |", example.id);
    }
    for (nodes, tasks, runs) in [
        (10, 1_000, 11),
        (100, 10_000, 5),
        (1000, 10_000, 3),
        (1000, 100_000, 1),
    ] {
        let plan = generated_plan(nodes, tasks);
        let failures = analyze(&plan, &Options::default()).failures.len();
        let time = median(runs, || {
            std::hint::black_box(analyze(&plan, &Options::default()));
        });
        println!("| analyze: placement, {failures} single-domain failures, findings | {nodes} nodes, {tasks} tasks | {time:?} |");
    }
    let plan = generated_plan(100, 1_000);
    let pairs = median(3, || {
        std::hint::black_box(analyze(&plan, &Options { host_pairs: true }));
    });
    println!("| analyze with every pair of hosts | 100 nodes, 1000 tasks | {pairs:?} |");
    let dist = root_dir.join("dist");
    let files = sizes(&dist);
    if files.is_empty() {
        println!("\n(no dist/: run `cargo xtask dist` to measure the bundle)");
    } else {
        println!("\n| file | bytes | gzipped |");
        println!("|---|---|---|");
        let (mut raw, mut gz) = (0, 0);
        for (name, len, zipped) in files {
            println!("| {name} | {len} | {zipped} |");
            raw += len;
            gz += zipped;
        }
        println!("| total | {raw} | {gz} |");
        println!("\n| measurement | input | median of 3 |\n|---|---|---|");
        crate::tools::npm_ci(&root_dir.join("tests/browser"), "playwright-core")?;
        crate::run(
            std::process::Command::new("node")
                .arg("tests/browser/bench.mjs")
                .env("SWARMPLAN_DIST", &dist)
                .env("CHROMIUM", crate::tools::CHROMIUM),
        )?;
    }
    Ok(())
}
