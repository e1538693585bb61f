//! `cargo xtask bench`: speed and size, measured and printed as one table. Never asserted in
//! tests: a slow machine must not fail a build, and a fast one must not hide a regression.

use crate::Result;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};
use swarmplan_engine::plan::{Host, Node, Plan, Role};
use swarmplan_engine::{analyze, examples, parse_plan, Options};

/// A plan of `nodes` nodes over `nodes / 4` hosts in racks of four hosts and three sites, five of
/// them managers.
fn generated_plan(nodes: usize) -> Plan {
    let mut plan = Plan::new(format!("generated {nodes}"));
    let hosts = (nodes / 4).max(3);
    for h in 0..hosts {
        let mut host = Host::new(format!("host{h}"));
        host.rack = Some(format!("rack{}", h / 4));
        host.site = Some(format!("dc{}", h % 3));
        plan.hosts.push(host);
    }
    for n in 0..nodes {
        let role = if n < 5 { Role::Manager } else { Role::Worker };
        plan.nodes.push(Node::new(format!("node{n}"), format!("host{}", n % hosts), role));
    }
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
    encoder.write_all(bytes).expect("writing to memory cannot fail");
    encoder.finish().expect("writing to memory cannot fail").len()
}

fn sizes(dist: &Path) -> Vec<(String, usize, usize)> {
    let Ok(entries) = std::fs::read_dir(dist) else { return Vec::new() };
    let mut rows: Vec<(String, usize, usize)> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "wasm" || e == "js" || e == "css" || e == "html"))
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            Some((p.file_name()?.to_string_lossy().into_owned(), bytes.len(), gzipped_len(&bytes)))
        })
        .collect();
    rows.sort();
    rows
}

pub fn run(root_dir: &Path) -> Result {
    if cfg!(debug_assertions) {
        // Measurements of an unoptimised build mean nothing: measure the release build.
        return crate::run(crate::cargo().args(["run", "--quiet", "--release", "--package", "xtask", "--", "bench"]));
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
    for nodes in [10, 100, 1000] {
        let plan = generated_plan(nodes);
        let time = median(11, || {
            std::hint::black_box(analyze(&plan, &Options::default()));
        });
        let pairs = median(3, || {
            std::hint::black_box(analyze(&plan, &Options { host_pairs: true }));
        });
        println!("| analyze, every single-domain failure | {nodes} nodes | {time:?} |");
        println!("| analyze, with every pair of hosts | {nodes} nodes | {pairs:?} |");
    }
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
    }
    Ok(())
}
