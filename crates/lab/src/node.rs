//! One node: its mount and UTS namespaces, its file system, its daemons, and how to enter it.
//!
//! A node's mount namespace is pinned by a bind mount of `/proc/PID/ns/mnt` under `DIR/ns`
//! (`unshare --mount=FILE`), so it lives without a process to hold it and is re-entered with
//! `nsenter`. Inside it, the node has its own `/etc`, `/usr` and `/var/lib` (overlays on the
//! machine's), its own `/run`, `/tmp`, `/root`, `/mnt`, `/opt`, `/var/log` and
//! `/var/lib/docker` (folders of the lab), `/usr/local/sbin` with its engine and the lab's shims,
//! a `/proc/meminfo` of the plan's size, and the rest of the machine's root read-only: nothing a
//! runbook does on a node can write to the machine's own paths.
//!
//! Daemons, in order: `dbus-daemon --system` (firewalld talks over it), `firewalld`, then
//! `dockerd`, which starts its own containerd (a shared one would resolve paths and host
//! networking in the wrong namespaces). Every daemon is started by this program running inside
//! the node (`swarmplan lab node-daemons`), which the `systemctl` and `service` shims call too.

use crate::docker::Docker;
use crate::engines::Engine;
use crate::state::{Lab, LabNode};
use crate::util::{cmd, mkdir, output, run, wait_for, write, write_executable};
use crate::{lab_error, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// PATH inside a node: the node's engine and shims first.
pub const NODE_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// A command that runs inside the node's namespaces, with a clean environment.
pub fn enter(lab: &Lab, node: &LabNode) -> Command {
    let mut command = Command::new("nsenter");
    command
        .arg(format!("--net=/run/netns/{}", node.netns))
        .arg(format!("--mount={}", lab.mnt_ns(&node.name).display()))
        .arg(format!("--uts={}", lab.uts_ns(&node.name).display()))
        .args(["--", "env", "-i"])
        .arg(format!("PATH={NODE_PATH}"))
        .arg("HOME=/root")
        .arg("USER=root")
        .arg("LANG=C.UTF-8")
        .arg(format!(
            "TERM={}",
            std::env::var("TERM").unwrap_or_else(|_| "dumb".into())
        ))
        .arg(format!("LAB_NODE={}", node.name))
        .arg(format!("LAB_DIR={}", lab.dir.display()));
    command
}

/// The setup run by `unshare` in the node's new mount namespace. Propagation is private, so
/// none of it is seen outside.
const MOUNT_SETUP: &str = r#"set -eu
N=$1; NSDIR=$2; NODE=$3; shift 3
# The copies of the other nodes' pins: this namespace must hold no reference to them.
umount -l "$NSDIR" 2>/dev/null || true
for m in $(findmnt -rn -o TARGET | grep '^/run/netns' | sort -r); do umount -l "$m" || true; done
for d in etc usr varlib home srv; do mkdir -p "$N/$d-upper" "$N/$d-work"; done
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$N/etc-upper,workdir=$N/etc-work" /etc
mount -t overlay overlay -o "lowerdir=/usr,upperdir=$N/usr-upper,workdir=$N/usr-work" /usr
mount -t overlay overlay -o "lowerdir=/var/lib,upperdir=$N/varlib-upper,workdir=$N/varlib-work" /var/lib
for d in home srv; do
  [ -d "/$d" ] && mount -t overlay overlay -o "lowerdir=/$d,upperdir=$N/$d-upper,workdir=$N/$d-work" "/$d"
done
mkdir -p /var/lib/docker /etc/docker
mount --bind "$N/docker" /var/lib/docker
mount --bind "$N/run" /run
mount --bind "$N/tmp" /tmp
mount --bind "$N/root" /root
mount --bind "$N/mnt" /mnt
mount --bind "$N/opt" /opt
mount --bind "$N/log" /var/log
mount --bind "$N/sbin" /usr/local/sbin
mount --bind "$N/meminfo" /proc/meminfo
# The plan's shared folders (the NAS), the same lab folder on every node: "SOURCE=PATH".
for share in "$@"; do
  mkdir -p "${share#*=}"
  mount --bind "${share%%=*}" "${share#*=}"
done
hostname "$NODE"
echo "$NODE" > /etc/hostname
cat "$N/hosts" > /etc/hosts
cat "$N/resolv.conf" > /etc/resolv.conf
# sysfs of this network namespace, keeping the cgroup mounts.
mkdir -p /run/.cg && mount --rbind /sys/fs/cgroup /run/.cg
mount -t sysfs sysfs /sys
mount --move /run/.cg /sys/fs/cgroup && rmdir /run/.cg
# Whatever else of the machine's root stays read-only in the node.
mount -o remount,bind,ro /
"#;

/// The folders of a node, outside it.
pub fn node_dirs(lab: &Lab, node: &str) -> Vec<PathBuf> {
    let dir = lab.node_dir(node);
    ["run", "tmp", "root", "mnt", "opt", "log", "docker", "sbin"]
        .iter()
        .map(|d| dir.join(d))
        .collect()
}

/// Makes the node's mount and UTS namespaces and lays out its file system. Its network
/// namespace must exist.
pub fn make_namespaces(lab: &Lab, node: &LabNode, shares: &[(PathBuf, String)]) -> Result {
    let dir = lab.node_dir(&node.name);
    for d in node_dirs(lab, &node.name) {
        mkdir(&d)?;
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.join("tmp"), std::fs::Permissions::from_mode(0o1777))?;
    write(&dir.join("meminfo"), meminfo(node.memory_bytes))?;
    let mut hosts = String::from("127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n");
    for other in &lab.state.nodes {
        hosts.push_str(&format!("{} {}\n", other.address, other.name));
    }
    write(&dir.join("hosts"), hosts)?;
    // The node itself as resolver: names outside the lab fail at once (port 53 is closed)
    // instead of hanging on the machine's resolver.
    write(
        &dir.join("resolv.conf"),
        format!("nameserver {}\n", node.address),
    )?;
    write_shims(lab, node)?;
    for ns in [lab.mnt_ns(&node.name), lab.uts_ns(&node.name)] {
        write(&ns, "")?;
    }
    let mut command = cmd("nsenter", [format!("--net=/run/netns/{}", node.netns)]);
    command
        .arg("unshare")
        .arg(format!("--mount={}", lab.mnt_ns(&node.name).display()))
        .arg(format!("--uts={}", lab.uts_ns(&node.name).display()))
        .args([
            "--propagation",
            "private",
            "bash",
            "-c",
            MOUNT_SETUP,
            "setup",
        ])
        .arg(&dir)
        .arg(lab.ns_dir())
        .arg(&node.name);
    for (source, path) in shares {
        command.arg(format!("{}={path}", source.display()));
    }
    run(&mut command)?;
    Ok(())
}

/// The machine's /proc/meminfo with the node's memory as MemTotal (and 90 % of it free).
fn meminfo(bytes: u64) -> String {
    let kib = bytes / 1024;
    let real = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    real.lines()
        .map(|line| {
            let key = line.split(':').next().unwrap_or("");
            match key {
                "MemTotal" => format!("MemTotal:       {kib} kB"),
                "MemFree" | "MemAvailable" => {
                    format!("{:<16}{} kB", format!("{key}:"), kib * 9 / 10)
                }
                _ => line.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Points the node's `/usr/local/sbin` at an engine and writes the lab's shims there: `sudo`
/// (runs the command: the node's user is root), `systemctl` and `service` (docker, containerd
/// and firewalld, through this program), and `docker`, which adds the lab's swarm settings to
/// `docker swarm init` and never asks a registry for an image.
pub fn write_shims(lab: &Lab, node: &LabNode) -> Result {
    let sbin = lab.node_dir(&node.name).join("sbin");
    mkdir(&sbin)?;
    for entry in std::fs::read_dir(&sbin)? {
        let path = entry?.path();
        std::fs::remove_file(&path)?;
    }
    let engines = lab.engines();
    for (name, target) in engines.node_binaries(node.engine) {
        let link = if name == "docker" {
            sbin.join("docker.real")
        } else {
            sbin.join(name)
        };
        std::os::unix::fs::symlink(&target, &link)
            .map_err(|e| lab_error!("cannot link {}: {e}", link.display()))?;
    }
    let program = lab.program();
    let dir = lab.dir.display();
    write_executable(
        &sbin.join("sudo"),
        "#!/bin/sh\n# The lab's sudo: the node's user is root already; drop sudo's options and run the command.\n\
         while [ $# -gt 0 ]; do case $1 in -u|-g|-h|-p|-C) shift 2;; --) shift; break;; -*) shift;; *) break;; esac; done\n\
         exec \"$@\"\n",
    )?;
    write_executable(
        &sbin.join("systemctl"),
        format!(
            "#!/bin/sh\n# The lab's systemctl: docker, containerd and firewalld of this node.\nexec {} lab node-daemons --dir {dir} systemctl \"$@\"\n",
            program.display()
        ),
    )?;
    write_executable(
        &sbin.join("service"),
        format!(
            "#!/bin/sh\n# The lab's service: `service UNIT VERB` is `systemctl VERB UNIT`.\nunit=$1; shift\nexec {} lab node-daemons --dir {dir} systemctl \"$@\" \"$unit\"\n",
            program.display()
        ),
    )?;
    let init_flags = swarm_init_flags(lab);
    write_executable(
        &sbin.join("docker"),
        format!(
            "#!/bin/bash\n# The lab's docker: the real CLI, with the lab's swarm settings at `swarm init`\n\
             # (shortened timers, an address pool clear of the plan's addresses) and no registry\n\
             # lookups at deploy or pull (no registry is reachable from the lab).\n\
             real=/usr/local/sbin/docker.real\n\
             case \"${{1:-}} ${{2:-}}\" in\n\
             \x20 'swarm init') shift 2; exec \"$real\" swarm init {init_flags} \"$@\" ;;\n\
             \x20 'stack deploy') shift 2; exec \"$real\" stack deploy --resolve-image never \"$@\" ;;\n\
             \x20 'service create'|'service update') verb=$2; shift 2; exec \"$real\" service \"$verb\" --no-resolve-image \"$@\" ;;\n\
             \x20 'pull '*|'image pull') image=${{*: -1}}\n\
             \x20   if \"$real\" image inspect \"$image\" >/dev/null 2>&1; then echo \"lab: $image is the lab's placeholder (no registry is reachable)\"; exit 0; fi ;;\n\
             esac\n\
             exec \"$real\" \"$@\"\n"
        ),
    )?;
    Ok(())
}

/// What the lab's `docker` adds to `docker swarm init`.
pub fn swarm_init_flags(lab: &Lab) -> String {
    let mut flags = String::from("--dispatcher-heartbeat 2s --task-history-limit 1");
    if let Some(pool) = &lab.state.address_pool {
        flags.push_str(&format!(" --default-addr-pool {pool}"));
    }
    flags
}

/// Runs `swarmplan lab node-daemons VERB...` inside the node.
pub fn daemons(lab: &Lab, node: &LabNode, args: &[&str]) -> Result<String> {
    let mut command = enter(lab, node);
    command
        .arg(lab.program())
        .args(["lab", "node-daemons", "--dir"])
        .arg(&lab.dir)
        .args(args);
    run(&mut command)
}

/// Starts the node's daemons: dbus, firewalld, dockerd.
pub fn start(lab: &Lab, node: &LabNode) -> Result {
    daemons(lab, node, &["start"]).map(|_| ())
}

/// Switches the node to another engine; it takes effect at the engine's next start.
pub fn set_engine(lab: &mut Lab, name: &str, engine: Engine) -> Result {
    let index = lab
        .state
        .nodes
        .iter()
        .position(|n| n.name == name)
        .ok_or_else(|| lab_error!("the lab has no node `{name}`"))?;
    lab.state.nodes[index].engine = engine;
    let node = lab.state.nodes[index].clone();
    write_shims(lab, &node)?;
    lab.save()
}

/// The pids of every process of the node: in its mount or network namespace, or in its
/// cgroups (the tasks have namespaces of their own but sit in the node's cgroups).
pub fn processes(lab: &Lab, node: &LabNode) -> Vec<i32> {
    use std::os::unix::fs::MetadataExt;
    let inode = |path: &Path| std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()));
    let mnt = inode(&lab.mnt_ns(&node.name));
    let net = inode(&Path::new("/run/netns").join(&node.netns));
    let mut pids: Vec<i32> = Vec::new();
    let me = std::process::id() as i32;
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<i32>().ok())
            else {
                continue;
            };
            if pid == me {
                continue;
            }
            let proc_dir = entry.path();
            let in_mnt = mnt.is_some() && inode(&proc_dir.join("ns/mnt")) == mnt;
            let in_net = net.is_some() && inode(&proc_dir.join("ns/net")) == net;
            if in_mnt || in_net {
                pids.push(pid);
            }
        }
    }
    for cgroup in cgroup_dirs(&node.netns) {
        collect_cgroup_pids(&cgroup, &mut pids);
    }
    pids.sort_unstable();
    pids.dedup();
    pids.retain(|&p| p != me);
    pids
}

/// The node's cgroup trees (`dockerd --cgroup-parent /NETNS`), one per hierarchy.
pub fn cgroup_dirs(netns: &str) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/sys/fs/cgroup") {
        for entry in entries.flatten() {
            let dir = entry.path().join(netns);
            if dir.is_dir() {
                dirs.push(dir);
            }
        }
    }
    let unified = Path::new("/sys/fs/cgroup").join(netns);
    if unified.is_dir() && !dirs.contains(&unified) {
        dirs.push(unified);
    }
    dirs
}

fn collect_cgroup_pids(dir: &Path, pids: &mut Vec<i32>) {
    if let Ok(text) = std::fs::read_to_string(dir.join("cgroup.procs")) {
        pids.extend(text.lines().filter_map(|l| l.trim().parse::<i32>().ok()));
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                collect_cgroup_pids(&entry.path(), pids);
            }
        }
    }
}

/// Kills every process of the node at once, as a power cut does; the namespaces stay.
pub fn kill_all(lab: &Lab, node: &LabNode) {
    use nix::sys::signal::{kill, Signal};
    use nix::unistd::Pid;
    for _ in 0..5 {
        let pids = processes(lab, node);
        if pids.is_empty() {
            return;
        }
        for pid in pids {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Removes the node's cgroup trees, deepest first.
pub fn remove_cgroups(netns: &str) {
    fn remove(dir: &Path) {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    remove(&entry.path());
                }
            }
        }
        let _ = std::fs::remove_dir(dir);
    }
    for dir in cgroup_dirs(netns) {
        remove(&dir);
    }
}

/// The daemons, from inside a node: what `swarmplan lab node-daemons` does.
pub mod inside {
    use super::*;
    use std::fs::OpenOptions;

    fn alive(pidfile: &str) -> Option<i32> {
        let pid: i32 = std::fs::read_to_string(pidfile).ok()?.trim().parse().ok()?;
        // The pid is this node's only if the process shares this mount namespace: after a
        // crash, a stale pid file may name a process of another node.
        let same = std::fs::read_link(format!("/proc/{pid}/ns/mnt")).ok()?
            == std::fs::read_link("/proc/self/ns/mnt").ok()?;
        same.then_some(pid)
    }

    fn log_file(name: &str) -> Result<std::fs::File> {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(format!("/var/log/{name}"))
            .map_err(|e| lab_error!("cannot open /var/log/{name}: {e}"))
    }

    /// Starts a program detached from the caller (`setsid -f`), its output to a log.
    fn detach(program: &str, args: &[&str], log: &str, env: &[(&str, &str)]) -> Result {
        let log = log_file(log)?;
        let mut command = cmd("setsid", ["-f", program]);
        command
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        let status = command
            .status()
            .map_err(|e| lab_error!("cannot start {program}: {e}"))?;
        if !status.success() {
            return Err(lab_error!("{program} did not start ({status})"));
        }
        Ok(())
    }

    fn start_dbus() -> Result {
        if alive("/run/dbus/pid").is_some() {
            return Ok(());
        }
        mkdir(Path::new("/run/dbus"))?;
        let _ = std::fs::remove_file("/run/dbus/pid");
        let _ = std::fs::remove_file("/run/dbus/system_bus_socket");
        run(cmd("dbus-daemon", ["--system", "--fork", "--print-pid"]))?;
        if !wait_for(Duration::from_secs(10), Duration::from_millis(50), || {
            Path::new("/run/dbus/system_bus_socket").exists()
        }) {
            return Err(lab_error!("dbus did not come up"));
        }
        Ok(())
    }

    fn firewalld_running() -> bool {
        output(&mut cmd("firewall-cmd", ["--state"])).is_ok_and(|o| o.status.success())
    }

    fn start_firewalld() -> Result {
        start_dbus()?;
        if alive("/run/firewalld.pid").is_some() && firewalld_running() {
            return Ok(());
        }
        detach(
            "firewalld",
            &[
                "--nofork",
                "--log-target",
                "file",
                "--log-file",
                "/var/log/firewalld",
            ],
            "firewalld.out",
            &[],
        )?;
        if !wait_for(
            Duration::from_secs(60),
            Duration::from_millis(200),
            firewalld_running,
        ) {
            return Err(lab_error!(
                "firewalld did not come up (see its log in the node's /var/log)"
            ));
        }
        Ok(())
    }

    fn docker_up() -> bool {
        Docker::new("/run/docker.sock").ping()
    }

    fn start_docker(node: &str) -> Result {
        if alive("/run/docker.pid").is_some() && docker_up() {
            return Ok(());
        }
        start_firewalld()?;
        let labels: Vec<String> = std::fs::read_to_string(format!(
            "{}/engine-labels",
            std::env::var("LAB_NODE_DIR").unwrap_or_default()
        ))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| format!("--label={l}"))
        .collect();
        let cgroup = format!("--cgroup-parent=/spl-{node}");
        let mut args: Vec<&str> = vec![
            "--data-root=/var/lib/docker",
            "--exec-root=/run/docker",
            "--pidfile=/run/docker.pid",
            "--host=unix:///run/docker.sock",
            &cgroup,
            "--bridge=none",
            "--storage-driver=vfs",
            "--iptables=true",
            "--log-level=warn",
        ];
        args.extend(labels.iter().map(String::as_str));
        detach(
            "/usr/local/sbin/dockerd",
            &args,
            "dockerd.log",
            &[
                ("DOCKER_SERVICE_PREFER_OFFLINE_IMAGE", "1"),
                ("PATH", NODE_PATH),
            ],
        )?;
        if !wait_for(
            Duration::from_secs(90),
            Duration::from_millis(100),
            docker_up,
        ) {
            return Err(lab_error!(
                "dockerd did not come up (see the node's /var/log/dockerd.log)"
            ));
        }
        Ok(())
    }

    /// Sends TERM to a pid file's process and waits for it to end; KILL after `timeout`.
    fn stop(pidfile: &str, timeout: Duration) {
        use nix::sys::signal::{kill, Signal};
        use nix::unistd::Pid;
        let Some(pid) = alive(pidfile) else {
            return;
        };
        let pid = Pid::from_raw(pid);
        let _ = kill(pid, Signal::SIGTERM);
        let gone = wait_for(timeout, Duration::from_millis(100), || {
            kill(pid, None).is_err()
        });
        if !gone {
            let _ = kill(pid, Signal::SIGKILL);
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    fn stop_docker() {
        stop("/run/docker.pid", Duration::from_secs(60));
    }

    /// `node-daemons VERB [UNIT...]`, inside the node named by `LAB_NODE`. Returns the exit
    /// code (systemctl's `is-active` answers 3 for a stopped unit).
    pub fn run_verb(dir: &str, args: &[String]) -> Result<i32> {
        let node = std::env::var("LAB_NODE")
            .map_err(|_| lab_error!("node-daemons runs inside a lab node (LAB_NODE is not set)"))?;
        std::env::set_var("LAB_NODE_DIR", format!("{dir}/nodes/{node}"));
        let verb = args.first().map(String::as_str).unwrap_or("");
        match verb {
            "start" => {
                start_dbus()?;
                start_firewalld()?;
                start_docker(&node)?;
                Ok(0)
            }
            "start-docker" => start_docker(&node).map(|_| 0),
            "stop-docker" => {
                stop_docker();
                Ok(0)
            }
            "stop" => {
                stop_docker();
                stop("/run/firewalld.pid", Duration::from_secs(20));
                stop("/run/dbus/pid", Duration::from_secs(5));
                Ok(0)
            }
            "status" => {
                for (name, pidfile) in [
                    ("dbus", "/run/dbus/pid"),
                    ("firewalld", "/run/firewalld.pid"),
                    ("dockerd", "/run/docker.pid"),
                ] {
                    match alive(pidfile) {
                        Some(pid) => println!("{name} running ({pid})"),
                        None => println!("{name} stopped"),
                    }
                }
                Ok(0)
            }
            "upgrade" => upgrade(dir, &node).map(|text| {
                println!("{text}");
                0
            }),
            "systemctl" => systemctl(dir, &node, &args[1..]),
            other => Err(lab_error!("node-daemons: no verb `{other}`")),
        }
    }

    /// Upgrades the node's engine as a site's package upgrade does: the engine stops, the
    /// node's binaries become Debian 13's 26.1 when they were Debian 12's 20.10, and it starts
    /// again on the same data root. A node already on 26.1 gets a real restart.
    fn upgrade(dir: &str, node: &str) -> Result<String> {
        let lab = Lab::open(Path::new(dir))?;
        let engines = lab.engines();
        let sbin = Path::new("/usr/local/sbin");
        let current = std::fs::read_link(sbin.join("dockerd")).unwrap_or_default();
        let old = current != engines.binary(Engine::V26, "dockerd");
        let before = Docker::new("/run/docker.sock")
            .info()
            .map(|i| crate::docker::text(&i, &["ServerVersion"]).to_owned())
            .unwrap_or_default();
        stop_docker();
        if old {
            for (name, _) in engines.node_binaries(Engine::V20) {
                let link = if name == "docker" {
                    "docker.real"
                } else {
                    name
                };
                let _ = std::fs::remove_file(sbin.join(link));
            }
            for (name, target) in engines.node_binaries(Engine::V26) {
                let link = if name == "docker" {
                    "docker.real"
                } else {
                    name
                };
                std::os::unix::fs::symlink(&target, sbin.join(link))?;
            }
        }
        start_docker(node)?;
        let after = Docker::new("/run/docker.sock")
            .info()
            .map(|i| crate::docker::text(&i, &["ServerVersion"]).to_owned())
            .unwrap_or_default();
        Ok(if old {
            format!("engine upgraded from Docker {before} to Docker {after} (real package swap)")
        } else {
            format!("engine restarted (Docker {after}; already the newest the lab has)")
        })
    }

    /// The `systemctl` shim: start, stop, restart, reload and is-active of docker, containerd
    /// and firewalld; enable, disable and daemon-reload change nothing.
    fn systemctl(dir: &str, node: &str, args: &[String]) -> Result<i32> {
        let words: Vec<&str> = args
            .iter()
            .map(String::as_str)
            .filter(|a| !a.starts_with('-'))
            .collect();
        let Some((&verb, units)) = words.split_first() else {
            return Ok(0);
        };
        let mut code = 0;
        for unit in units {
            let unit = unit
                .trim_end_matches(".service")
                .trim_end_matches(".socket");
            match (verb, unit) {
                ("start", "docker" | "containerd") => start_docker(node)?,
                ("stop", "docker" | "containerd") => stop_docker(),
                (
                    "restart" | "reload" | "try-restart" | "reload-or-restart",
                    "docker" | "containerd",
                ) => {
                    stop_docker();
                    start_docker(node)?;
                }
                ("start" | "restart", "firewalld") => {
                    if verb == "restart" {
                        stop("/run/firewalld.pid", Duration::from_secs(20));
                    }
                    start_firewalld()?;
                }
                ("reload", "firewalld") => {
                    run(&mut cmd("firewall-cmd", ["--reload"]))?;
                }
                ("stop", "firewalld") => stop("/run/firewalld.pid", Duration::from_secs(20)),
                ("is-active", _) => {
                    let pidfile = if unit == "firewalld" {
                        "/run/firewalld.pid"
                    } else {
                        "/run/docker.pid"
                    };
                    if alive(pidfile).is_some() {
                        println!("active");
                    } else {
                        println!("inactive");
                        code = 3;
                    }
                }
                ("is-enabled", _) => println!("enabled"),
                ("enable" | "disable" | "mask" | "unmask" | "daemon-reload", _) => {}
                ("status", _) => {
                    run_verb(dir, &["status".to_owned()])?;
                }
                _ => eprintln!("the lab's systemctl does nothing for `{verb} {unit}`"),
            }
        }
        Ok(code)
    }
}
