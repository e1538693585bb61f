//! `lab up`, `lab down` and `lab status`.

use crate::docker::{text, Docker};
use crate::engines::{Engine, Engines};
use crate::host::{self, Capacity};
use crate::labplan::{images_of, LabPlan};
use crate::state::{check_outside_nodes, Lab, LabNode, State};
use crate::util::{cmd, mkdir, run, succeeds};
use crate::{check, image, lab_error, net, node, Result};
use std::collections::BTreeSet;
use std::fmt::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::Instant;
use swarmplan_engine::{analyze, Options, Plan};

/// What `lab up` is asked for.
#[derive(Debug, Clone)]
pub struct UpOptions {
    pub dir: PathBuf,
    pub cache: PathBuf,
    pub engine: Engine,
}

/// Docker's default address pool for swarm networks.
const DOCKER_POOL: (Ipv4Addr, u8) = (Ipv4Addr::new(10, 0, 0, 0), 8);

fn in_net(addr: Ipv4Addr, (net, prefix): (Ipv4Addr, u8)) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    u32::from(addr) & mask == u32::from(net) & mask
}

/// Addresses for the nodes without one: the first /24 of 172.31.0.0/16 (then 192.168.0.0/16)
/// that no plan address falls in.
fn lab_addresses(taken: &BTreeSet<Ipv4Addr>, count: usize) -> Vec<Ipv4Addr> {
    let candidates = (0..=255u8)
        .map(|c| Ipv4Addr::new(172, 31, c, 0))
        .chain((0..=255u8).map(|c| Ipv4Addr::new(192, 168, c, 0)));
    for net in candidates {
        if taken.iter().any(|a| in_net(*a, (net, 24))) {
            continue;
        }
        let o = net.octets();
        return (0..count)
            .map(|i| Ipv4Addr::new(o[0], o[1], o[2], 11 + i as u8))
            .collect();
    }
    Vec::new()
}

/// The pool the lab gives `docker swarm init` when plan addresses fall in Docker's default.
fn address_pool(addresses: &[Ipv4Addr]) -> Option<String> {
    if !addresses.iter().any(|a| in_net(*a, DOCKER_POOL)) {
        return None;
    }
    // 100.64.0.0/10 (shared address space) is rarely a site's own; else 198.18.0.0/15.
    for (net, prefix) in [
        (Ipv4Addr::new(100, 64, 0, 0), 10),
        (Ipv4Addr::new(198, 18, 0, 0), 15),
    ] {
        if !addresses.iter().any(|a| in_net(*a, (net, prefix))) {
            return Some(format!("{net}/{prefix}"));
        }
    }
    None
}

/// `lab up PLAN`: one engine per node, firewalld first, images, shared folders.
pub fn up(plan_path: &Path, plan: &Plan, options: &UpOptions) -> Result<Lab> {
    host::require()?;
    check_outside_nodes(&options.dir, "folder")?;
    check_outside_nodes(&options.cache, "cache")?;
    if Lab::state_file(&options.dir).exists() {
        return Err(lab_error!(
            "a lab is up in {} already: `swarmplan lab down --dir {}` first",
            options.dir.display(),
            options.dir.display()
        ));
    }
    if plan.nodes.is_empty() {
        return Err(lab_error!(
            "the plan has no nodes: there is nothing to rehearse"
        ));
    }
    for n in &plan.nodes {
        if !swarmplan_engine::export::shell::is_safe_name(&n.name) || n.name.len() > 40 {
            return Err(lab_error!(
                "node name {:?} cannot name a lab namespace: use letters, digits, '-', '_' and '.'",
                n.name
            ));
        }
        if let Some(IpAddr::V6(_)) = n.ip {
            return Err(lab_error!(
                "node {} has an IPv6 address: the lab rehearses IPv4 networks only",
                n.name
            ));
        }
        if net::netns_exists(&format!("spl-{}", n.name)) {
            return Err(lab_error!(
                "network namespace spl-{} exists already: another lab is up on this machine (`swarmplan lab down`)",
                n.name
            ));
        }
    }
    for folder in &plan.export.shared_folders {
        if !crate::state::NODE_PATHS
            .iter()
            .any(|p| Path::new(folder).starts_with(p))
        {
            return Err(lab_error!(
                "shared folder {folder} lies outside the paths a lab node has of its own ({}): the lab cannot mount it",
                crate::state::NODE_PATHS.join(", ")
            ));
        }
    }
    let analysis = analyze(plan, &Options::default());
    Capacity::measure().admit(plan.nodes.len(), analysis.placement.len())?;
    let engines = Engines::new(&options.cache);
    if !engines.ready() {
        eprintln!("lab: fetching the engines first ({})", engines.setup()?);
    }

    let start = Instant::now();
    let taken: BTreeSet<Ipv4Addr> = plan
        .nodes
        .iter()
        .filter_map(|n| match n.ip {
            Some(IpAddr::V4(a)) => Some(a),
            _ => None,
        })
        .collect();
    let mut spare = lab_addresses(&taken, plan.nodes.len()).into_iter();
    let mut notes = Vec::new();
    let mut nodes = Vec::new();
    for (i, n) in plan.nodes.iter().enumerate() {
        let (address, chosen) = match n.ip {
            Some(IpAddr::V4(a)) => (a, false),
            _ => (
                spare
                    .next()
                    .ok_or_else(|| lab_error!("no free lab address for {}", n.name))?,
                true,
            ),
        };
        if chosen {
            notes.push(format!(
                "{} has no address in the plan: the lab gave it {address}",
                n.name
            ));
        }
        let host = plan.host(n.host_name());
        nodes.push(LabNode {
            name: n.name.clone(),
            netns: format!("spl-{}", n.name),
            address,
            lab_address: chosen,
            veth: format!("splv{i}"),
            host: n.host_name().to_owned(),
            rack: host.and_then(|h| h.rack.clone()),
            site: host.and_then(|h| h.site.clone()),
            manager: n.role == swarmplan_engine::plan::Role::Manager,
            memory_bytes: n.memory.map_or_else(check::machine_memory, |m| m.0),
            engine: options.engine,
            engine_labels: n
                .engine_labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        });
    }
    let addresses: Vec<Ipv4Addr> = nodes.iter().map(|n| n.address).collect();
    let address_pool = address_pool(&addresses);
    if let Some(pool) = &address_pool {
        notes.push(format!(
            "the plan's addresses fall in Docker's default address pool 10.0.0.0/8 (its ingress network would take 10.0.0.0/24): the lab's `docker swarm init` uses --default-addr-pool {pool}. A site should do the same"
        ));
    }
    notes.push(
        "the lab's `docker swarm init` adds --dispatcher-heartbeat 2s --task-history-limit 1: nodes are marked down within seconds, which changes no placement"
            .to_owned(),
    );
    notes.push(
        "the lab's docker deploys with --resolve-image never and answers `docker pull` of an image it has (no registry is reachable); every image is the lab's placeholder"
            .to_owned(),
    );
    notes.push(
        "the runbooks run with SWARMPLAN_REHEARSAL=1: a check of the product itself (its own health URL or command) cannot be judged on the placeholder, so the script prints it as not rehearsed"
            .to_owned(),
    );
    let mut lab = Lab {
        dir: options.dir.clone(),
        state: State {
            plan: plan_path
                .canonicalize()
                .unwrap_or_else(|_| plan_path.to_path_buf()),
            plan_name: plan.name.clone(),
            cache: options.cache.clone(),
            bridge: "spl-bridge".to_owned(),
            nodes,
            address_pool,
            up_seconds: 0.0,
            notes,
        },
    };
    mkdir(&lab.dir)?;
    lab.save()?;
    match build(&mut lab, plan) {
        Ok(()) => {
            lab.state.up_seconds = start.elapsed().as_secs_f64();
            lab.save()?;
            Ok(lab)
        }
        Err(e) => {
            eprintln!("lab: bringing the lab up failed; removing what was made");
            let _ = down(&lab.dir);
            Err(e)
        }
    }
}

/// Places this program where the nodes' shims find it.
pub fn install_program(lab: &Lab) -> Result {
    let me = std::env::current_exe()?;
    let target = lab.program();
    mkdir(target.parent().expect("bin/ has a parent"))?;
    let _ = std::fs::remove_file(&target);
    if std::fs::hard_link(&me, &target).is_err() {
        std::fs::copy(&me, &target)?;
    }
    Ok(())
}

fn build(lab: &mut Lab, plan: &Plan) -> Result {
    install_program(lab)?;
    pin_ns_dir(lab)?;
    net::bridge_up(lab)?;
    let shares: Vec<(PathBuf, String)> = plan
        .export
        .shared_folders
        .iter()
        .enumerate()
        .map(|(i, path)| (lab.dir.join("shared").join(i.to_string()), path.clone()))
        .collect();
    for (source, path) in &shares {
        mkdir(source)?;
        lab.state.notes.push(format!(
            "the shared storage at {path} is one lab folder mounted on every node ({})",
            source.display()
        ));
    }
    for node in lab.state.nodes.clone() {
        net::node_up(lab, &node)?;
        node::make_namespaces(lab, &node, &shares)?;
        let labels: String = node
            .engine_labels
            .iter()
            .map(|(k, v)| format!("{k}={v}\n"))
            .collect();
        crate::util::write(&lab.node_dir(&node.name).join("engine-labels"), labels)?;
    }
    let tarball = image::build(&lab.engines().busybox(), &lab.state.cache)?;
    let lab_plan = LabPlan::of(plan, check::machine_cpus(), check::machine_memory());
    let images = images_of(&lab_plan.plan);
    start_nodes(lab, &lab.state.nodes.clone(), &tarball, &images)?;
    Ok(())
}

/// Starts the daemons of `nodes` and installs the images, a few nodes at a time.
pub fn start_nodes(lab: &Lab, nodes: &[LabNode], tarball: &Path, images: &[String]) -> Result {
    let cli = lab.engines().binary(Engine::V26, "docker");
    let parallel = check::machine_cpus().max(2) as usize;
    for chunk in nodes.chunks(parallel) {
        let results: Vec<Result> = std::thread::scope(|scope| {
            let handles: Vec<_> = chunk
                .iter()
                .map(|n| {
                    let cli = &cli;
                    scope.spawn(move || -> Result {
                        node::start(lab, n)
                            .map_err(|e| lab_error!("node {}: {e}", n.name))?;
                        let skipped = image::install(cli, &lab.socket(&n.name), tarball, images)?;
                        for image in skipped {
                            eprintln!("lab: {image} is a digest reference: no placeholder can stand for it");
                        }
                        Ok(())
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(lab_error!("a node's start panicked")))
                })
                .collect()
        });
        for result in results {
            result?;
        }
    }
    Ok(())
}

/// Makes `DIR/ns` a private bind mount: `unshare --mount=FILE` needs a private parent.
fn pin_ns_dir(lab: &Lab) -> Result {
    let ns = lab.ns_dir();
    mkdir(&ns)?;
    if !is_mountpoint(&ns) {
        run(cmd("mount", ["--bind"]).arg(&ns).arg(&ns))?;
        run(cmd("mount", ["--make-private"]).arg(&ns))?;
    }
    Ok(())
}

fn is_mountpoint(path: &Path) -> bool {
    succeeds(cmd("findmnt", ["-n"]).arg(path))
}

/// `lab down`: every process, namespace, mount and folder of the lab, even after a crash.
pub fn down(dir: &Path) -> Result<String> {
    let lab = match Lab::open(dir) {
        Ok(lab) => lab,
        Err(_) if !dir.join("ns").exists() && !dir.join("nodes").exists() => {
            return Ok(format!("no lab in {}", dir.display()));
        }
        Err(_) => recover(dir),
    };
    host::require()?;
    let start = Instant::now();
    let nodes = lab.state.nodes.clone();
    // Every process first (tasks, engines, firewalls, shells), then the cgroups, then the
    // namespaces: every mount inside a node goes with its namespace.
    for n in &nodes {
        node::kill_all(&lab, n);
    }
    for n in &nodes {
        node::remove_cgroups(&n.netns);
        for ns in [lab.mnt_ns(&n.name), lab.uts_ns(&n.name)] {
            if is_mountpoint(&ns) {
                let _ = run(cmd("umount", [&ns]));
            }
            let _ = std::fs::remove_file(&ns);
        }
        net::delete(&n.netns);
    }
    net::delete(&lab.state.bridge);
    let ns = lab.ns_dir();
    if is_mountpoint(&ns) {
        let _ = run(cmd("umount", [&ns]));
    }
    // iproute2 made /run/netns a bind mount of itself at the first `ip netns add`.
    let netns_left = std::fs::read_dir("/run/netns").map_or(0, |d| d.count());
    if netns_left == 0 && is_mountpoint(Path::new("/run/netns")) {
        let _ = run(cmd("umount", ["/run/netns"]));
        let _ = std::fs::remove_dir("/run/netns");
    }
    std::fs::remove_dir_all(dir).map_err(|e| lab_error!("cannot remove {}: {e}", dir.display()))?;
    Ok(format!(
        "lab in {} removed ({} nodes) in {:.1} s",
        dir.display(),
        nodes.len(),
        start.elapsed().as_secs_f64()
    ))
}

/// A lab whose state file is lost: its nodes from the namespaces it left.
fn recover(dir: &Path) -> Lab {
    let mut names = BTreeSet::new();
    if let Ok(entries) = std::fs::read_dir(dir.join("ns")) {
        for e in entries.flatten() {
            if let Some(n) = e.file_name().to_str().and_then(|f| f.strip_suffix(".mnt")) {
                names.insert(n.to_owned());
            }
        }
    }
    if let Ok(entries) = std::fs::read_dir(dir.join("nodes")) {
        for e in entries.flatten() {
            names.insert(e.file_name().to_string_lossy().into_owned());
        }
    }
    let nodes = names
        .into_iter()
        .enumerate()
        .map(|(i, name)| LabNode {
            netns: format!("spl-{name}"),
            name,
            address: Ipv4Addr::UNSPECIFIED,
            lab_address: false,
            veth: format!("splv{i}"),
            host: String::new(),
            rack: None,
            site: None,
            manager: false,
            memory_bytes: 0,
            engine: Engine::V26,
            engine_labels: Vec::new(),
        })
        .collect();
    Lab {
        dir: dir.to_path_buf(),
        state: State {
            plan: PathBuf::new(),
            plan_name: String::new(),
            cache: PathBuf::new(),
            bridge: "spl-bridge".to_owned(),
            nodes,
            address_pool: None,
            up_seconds: 0.0,
            notes: Vec::new(),
        },
    }
}

/// `lab status`: the nodes and their state.
pub fn status(lab: &Lab) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "lab of {} in {} ({} nodes, up in {:.1} s)",
        lab.state.plan_name,
        lab.dir.display(),
        lab.state.nodes.len(),
        lab.state.up_seconds
    );
    let _ = writeln!(
        out,
        "{:<14} {:<16} {:<10} {:<8} {:<8} {:<10} {:<10} {:<8} engine",
        "node", "address", "host", "rack", "site", "engine", "swarm", "role"
    );
    for n in &lab.state.nodes {
        let docker =
            Docker::new(lab.socket(&n.name)).with_timeout(std::time::Duration::from_secs(2));
        let (engine, swarm, role) = match docker.info() {
            Ok(info) => (
                "running".to_owned(),
                text(&info, &["Swarm", "LocalNodeState"]).to_owned(),
                if info
                    .pointer("/Swarm/ControlAvailable")
                    .and_then(|v| v.as_bool())
                    == Some(true)
                {
                    "manager"
                } else {
                    "worker"
                }
                .to_owned(),
            ),
            Err(_) => ("stopped".to_owned(), "-".to_owned(), "-".to_owned()),
        };
        let _ = writeln!(
            out,
            "{:<14} {:<16} {:<10} {:<8} {:<8} {:<10} {:<10} {:<8} {}",
            n.name,
            format!("{}{}", n.address, if n.lab_address { "*" } else { "" }),
            n.host,
            n.rack.as_deref().unwrap_or("-"),
            n.site.as_deref().unwrap_or("-"),
            engine,
            swarm,
            role,
            lab.engines()
                .version(n.engine)
                .unwrap_or_else(|| n.engine.name().to_owned())
        );
    }
    if lab.state.nodes.iter().any(|n| n.lab_address) {
        let _ = writeln!(
            out,
            "* an address the lab chose: the plan gives the node none"
        );
    }
    for note in &lab.state.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out
}
