//! `lab run`: an exported runbook script, from a fresh bundle, against the lab.
//!
//! The script runs unchanged through a pseudo-terminal, which is its controlling terminal, so
//! its manual steps (`read … < /dev/tty`) wait for Enter there; its standard input is
//! `/dev/null`. The lab reads what it prints: each `== STEP: title` line starts a step, each
//! `By hand:` prompt is a manual step the lab answers (and lists), and the trap's `step X
//! failed` line says where it stopped. Meanwhile a sampler asks the engines, every second,
//! which managers are reachable and how many replicas each service runs; the report sets every
//! moment quorum was lost or a service ran short against the step's own simulated `check`.
//!
//! The "upgrade this node" step becomes a real engine upgrade (20.10 → 26.1) for a node that
//! runs the old engine, and a real restart otherwise. The vendor's commands in the runbook's
//! own lines (the plan author's, as the engine placed them: programs this machine lacks, and
//! scripts run from a package the runbook unpacks) have recording stand-ins on every node; a
//! vendor step whose stand-in was never called is reported, never passed.

use crate::check::{self, Live};
use crate::docker::{Docker, Probe};
use crate::engines::Engine;
use crate::labplan::{self, LabPlan};
use crate::state::Lab;
use crate::util::{mask, mkdir, write, write_executable};
use crate::{lab_error, lifecycle, node, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use swarmplan_engine::findings::Severity;
use swarmplan_engine::runbook::{self, simulate::Check, Kind, Runbook};
use swarmplan_engine::Plan;

/// `--fault 'at STEP stop host|rack|site NAME'`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub step: String,
    pub kind: String,
    pub name: String,
}

impl Fault {
    pub fn parse(text: &str) -> Result<Fault> {
        let words: Vec<&str> = text.split_whitespace().collect();
        match words.as_slice() {
            ["at", step, "stop", kind @ ("host" | "rack" | "site"), name] => Ok(Fault {
                step: (*step).to_owned(),
                kind: (*kind).to_owned(),
                name: (*name).to_owned(),
            }),
            _ => Err(lab_error!(
                "a fault reads 'at STEP stop host|rack|site NAME', not {text:?}"
            )),
        }
    }
}

pub struct RunOptions {
    pub kind: Kind,
    /// The plan (for change: the plan after the change).
    pub plan: Plan,
    /// For change: the plan of the cluster as it runs.
    pub before: Option<Plan>,
    /// The step to resume from (the script's `--from`).
    pub resume: Option<String>,
    pub fault: Option<Fault>,
    pub accept_risk: bool,
}

/// What a run found.
pub struct Outcome {
    /// The script exited 0, every service converged, and nothing went wrong that the runbook
    /// did not foresee.
    pub ok: bool,
    pub exit: i32,
    pub report: String,
}

/// One second of the sampler.
#[derive(Debug, Clone)]
struct Sample {
    at: f64,
    step: String,
    managers: usize,
    reachable: usize,
    quorum: bool,
    /// A manager answered for the swarm (there was a leader).
    leader: bool,
    /// Services below their replicas, as `stack/service running/desired`.
    short: Vec<(String, u64, u64)>,
}

#[derive(Default, Clone)]
struct Shared {
    step: String,
    steps_seen: Vec<String>,
    failed_step: Option<String>,
    manual: Vec<String>,
    upgrades: Vec<String>,
    faulted: Vec<String>,
    done: bool,
    log: String,
    step_logs: BTreeMap<String, String>,
    /// The masked output, written as it comes.
    live_log: Option<PathBuf>,
}

/// Runs a runbook against the lab.
pub fn run(mut lab: Lab, options: &RunOptions) -> Result<Outcome> {
    crate::host::require()?;
    // The shims and the transport run this program: the one running now.
    lifecycle::install_program(&lab)?;
    let plan = &options.plan;
    let kind = options.kind;
    // A change starts from the cluster as it runs: its leader is whoever leads now (an upgrade
    // that ends with the first manager hands leadership on). The lab marks it in its copy of
    // BEFORE, as the runbook's own pre-check tells an operator to.
    let mut notes = Vec::new();
    let before = options.before.clone().map(|mut before| {
        let leader = check::manager(&lab)
            .ok()
            .and_then(|d| Live::read(&d).ok())
            .and_then(|live| live.nodes.into_iter().find(|n| n.leader))
            .map(|n| n.hostname);
        let presumed = before
            .nodes
            .iter()
            .find(|n| n.leader)
            .or_else(|| before.managers().next())
            .map(|n| n.name.clone());
        if let Some(leader) = leader.filter(|l| Some(l) != presumed.as_ref()) {
            for n in &mut before.nodes {
                n.leader = n.name == leader;
            }
            notes.push(format!(
                "the swarm's leader is {leader}: the lab marked it `leader: true` in its copy of the plan it changes from"
            ));
        }
        before
    });
    let book: Runbook = match (&before, kind) {
        (Some(before), Kind::Change) => runbook::change_runbook(before, plan),
        (_, Kind::Change) => {
            return Err(lab_error!(
                "the change runbook needs the plan it starts from"
            ))
        }
        _ => {
            if !runbook::kinds_for(plan).contains(&kind) {
                return Err(lab_error!(
                    "the plan has no {kind} runbook (its upgrade strategy decides: {})",
                    runbook::kinds_for(plan)
                        .iter()
                        .map(|k| k.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            runbook::runbook(plan, kind)
        }
    };
    let errors: Vec<String> = book
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.to_string())
        .collect();
    if !errors.is_empty() && !options.accept_risk {
        return Err(lab_error!(
            "the {kind} runbook's own simulation finds errors; rehearse it anyway with --accept-risk:\n  {}",
            errors.join("\n  ")
        ));
    }

    // A fresh bundle: every export as the engine makes it, the stack files rewritten for the lab.
    let runs = lab.runs_dir();
    mkdir(&runs)?;
    let number = std::fs::read_dir(&runs).map_or(0, |d| d.count()) + 1;
    let run_dir = runs.join(format!("{number:02}-{kind}"));
    let bundle_dir = run_dir.join("bundle");
    let mut files = labplan::bundle_files(plan);
    if let (Some(before), Kind::Change) = (&before, kind) {
        files.push((
            "runbooks/change.sh".to_owned(),
            runbook::change_bash(before, plan, &book),
            true,
        ));
        files.push((
            "runbooks/change.md".to_owned(),
            runbook::markdown(&book),
            false,
        ));
    }
    let lab_plan = LabPlan::of(plan, check::machine_cpus(), check::machine_memory());
    let rewrites = labplan::write_bundle(&files, &bundle_dir, lab_plan.scale_millis)?;
    let script = bundle_dir.join(format!("runbooks/{kind}.sh"));
    if !script.is_file() {
        return Err(lab_error!("the bundle has no runbooks/{kind}.sh"));
    }

    // Nodes the changed plan adds get engines of their own, not yet in the swarm.
    let mut added = Vec::new();
    if kind == Kind::Change {
        added = add_nodes(&mut lab, plan)?;
    }
    let images = labplan::images_in(&bundle_dir);
    let tarball = crate::image::build(&lab.engines().busybox(), &lab.state.cache)?;
    let cli = lab.engines().binary(Engine::V26, "docker");
    for n in &lab.state.nodes {
        crate::image::install(&cli, &lab.socket(&n.name), &tarball, &images)?;
    }
    let vendor = vendor_standins(&lab, &book)?;

    // The services the run is judged against: what the plan (for change: the running cluster)
    // asks for.
    let judge_plan = before.as_ref().unwrap_or(plan);
    let judged = LabPlan::of(judge_plan, check::machine_cpus(), check::machine_memory());
    let wanted = wanted_replicas(&judged.plan);

    mkdir(&run_dir)?;
    let shared = Arc::new(Mutex::new(Shared {
        live_log: Some(run_dir.join("output.log")),
        ..Shared::default()
    }));
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let sampler = {
        let lab = lab.clone();
        let shared = shared.clone();
        let stop = stop.clone();
        let wanted = wanted.clone();
        std::thread::spawn(move || sample_loop(&lab, &shared, &stop, start, &wanted))
    };

    let exit = run_script(&lab, &script, options, &shared, &book, &run_dir)?;
    let elapsed = start.elapsed();
    // After an install, wait for every service to converge as the engine predicts.
    let converged = if exit == 0 {
        Some(converge(&lab, &lab_plan, Duration::from_secs(180)))
    } else {
        None
    };
    stop.store(true, Ordering::SeqCst);
    let samples = sampler.join().unwrap_or_default();
    reconcile_engines(&mut lab)?;

    let shared = shared.lock().expect("the run's state").clone();
    for (step, text) in &shared.step_logs {
        write(&run_dir.join("steps").join(format!("{step}.log")), text)?;
    }
    let vendor_calls = gather_vendor_calls(&lab);

    let moments = moments(&samples, &book);
    let unforeseen = moments.iter().filter(|m| !m.predicted).count();
    let converged_ok = converged.as_ref().is_none_or(|c| c.0 == c.1);
    let vendor_missing: Vec<String> = vendor
        .steps
        .iter()
        .filter(|(step, _, _)| shared.steps_seen.contains(step))
        .filter(|(_, node, words)| {
            !words.iter().all(|w| {
                vendor_calls
                    .iter()
                    .any(|c| c.starts_with(&format!("{node} {w}")))
            })
        })
        .map(|(step, _, words)| format!("{step}: {} not called", words.join(", ")))
        .collect();
    let ok = exit == 0
        && converged_ok
        && (unforeseen == 0 || options.fault.is_some())
        && vendor_missing.is_empty();

    let mut report = String::new();
    let _ = writeln!(report, "# Rehearsal: {}\n", book.title);
    let _ = writeln!(
        report,
        "- lab: {} nodes in {} (up in {:.1} s); engines: {}",
        lab.state.nodes.len(),
        lab.dir.display(),
        lab.state.up_seconds,
        engine_summary(&lab)
    );
    let _ = writeln!(
        report,
        "- script: `runbooks/{kind}.sh{}` from a fresh bundle in {}, exit {exit}, {:.1} s",
        options
            .resume
            .as_ref()
            .map(|s| format!(" --from {s}"))
            .unwrap_or_default(),
        bundle_dir.display(),
        elapsed.as_secs_f64()
    );
    let total = book.steps.len();
    let passed: Vec<&String> = shared
        .steps_seen
        .iter()
        .filter(|s| Some(*s) != shared.failed_step.as_ref())
        .collect();
    let skipped = options
        .resume
        .as_ref()
        .and_then(|from| book.steps.iter().position(|s| &s.id == from))
        .unwrap_or(0);
    let _ = writeln!(
        report,
        "- steps: {} of {total} passed{}{}",
        passed.len(),
        if skipped > 0 {
            format!(" ({skipped} skipped before --from)")
        } else {
            String::new()
        },
        match &shared.failed_step {
            Some(step) => format!("; stopped at `{step}`"),
            None if exit == 0 => "; all steps done".to_owned(),
            None => "; stopped before any step failed (see the output)".to_owned(),
        }
    );
    if let Some((running, total)) = converged {
        let _ = writeln!(report, "- services converged: {running}/{total}");
    }
    let _ = writeln!(
        report,
        "- moments with quorum lost or a service short: {} ({unforeseen} not predicted by the runbook's simulation)",
        moments.len()
    );
    if let Some(fault) = &options.fault {
        let _ = writeln!(
            report,
            "- fault: {} {} stopped when `{}` started ({})",
            fault.kind,
            fault.name,
            fault.step,
            if shared.faulted.is_empty() {
                "the step never started".to_owned()
            } else {
                shared.faulted.join(", ")
            }
        );
    }
    if !added.is_empty() {
        let _ = writeln!(
            report,
            "- new nodes of the changed plan started by the lab (engines up, not in the swarm): {}",
            added.join(", ")
        );
    }
    let _ = writeln!(report, "\n## Moments\n");
    if moments.is_empty() {
        let _ = writeln!(
            report,
            "Quorum held and every service ran its replicas in all {} samples.",
            samples.len()
        );
    }
    for m in &moments {
        let _ = writeln!(
            report,
            "- {:.0}–{:.0} s, during {}: {} — {}",
            m.from,
            m.to,
            m.steps.join(", "),
            m.what,
            if m.predicted {
                "foreseen by the runbook (its findings or the step's simulated check)"
            } else {
                "NOT predicted"
            }
        );
    }
    let _ = writeln!(report, "\n## Answered by the lab\n");
    for line in &shared.manual {
        let _ = writeln!(report, "- manual: {line}");
    }
    for line in &shared.upgrades {
        let _ = writeln!(report, "- node upgrade: {line}");
    }
    if !vendor.words.is_empty() {
        let _ = writeln!(
            report,
            "\nVendor commands with recording stand-ins on every node: {}",
            vendor.words.join(", ")
        );
        for call in &vendor_calls {
            let _ = writeln!(report, "- called: {call}");
        }
        for missing in &vendor_missing {
            let _ = writeln!(report, "- NOT CALLED: {missing}");
        }
    }
    let _ = writeln!(report, "\n## The lab's copy of the bundle\n");
    let _ = writeln!(report, "- {}", lab_plan.scaling());
    for line in &lab_plan.not_preserved {
        let _ = writeln!(report, "- placement not preserved by the scaling: {line}");
    }
    for line in rewrites.iter().filter(|r| !r.contains("entrypoint")) {
        let _ = writeln!(report, "- {line}");
    }
    let entrypoints = rewrites.iter().filter(|r| r.contains("entrypoint")).count();
    let _ = writeln!(
        report,
        "- {entrypoints} service(s) run the placeholder's /lab-entry with LAB_PORTS (listed in {})",
        run_dir.join("rewrites.txt").display()
    );
    write(&run_dir.join("rewrites.txt"), rewrites.join("\n") + "\n")?;
    for note in lab.state.notes.iter().chain(&notes) {
        let _ = writeln!(report, "- {note}");
    }
    let _ = writeln!(
        report,
        "\nEvery step's output (secrets masked) is in {}.",
        run_dir.join("steps").display()
    );
    if exit != 0 {
        let tail: Vec<&str> = shared.log.lines().rev().take(12).collect();
        let _ = writeln!(report, "\nThe script's last lines:\n\n```");
        for line in tail.into_iter().rev() {
            let _ = writeln!(report, "{line}");
        }
        let _ = writeln!(report, "```");
    }
    write(&run_dir.join("report.md"), &report)?;
    Ok(Outcome { ok, exit, report })
}

fn engine_summary(lab: &Lab) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for n in &lab.state.nodes {
        let version = lab
            .engines()
            .version(n.engine)
            .unwrap_or_else(|| n.engine.name().to_owned());
        *counts.entry(version).or_insert(0) += 1;
    }
    counts
        .iter()
        .map(|(v, n)| format!("Docker {v} ×{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs the script through a pseudo-terminal until it ends; its exit status.
fn run_script(
    lab: &Lab,
    script: &Path,
    options: &RunOptions,
    shared: &Arc<Mutex<Shared>>,
    book: &Runbook,
    run_dir: &Path,
) -> Result<i32> {
    use nix::fcntl::{fcntl, FcntlArg, FdFlag};
    use nix::pty::openpty;
    let pty = openpty(None, None).map_err(|e| lab_error!("cannot open a pseudo-terminal: {e}"))?;
    // openpty leaves both ends inheritable: a daemon the script starts (an engine restarted by
    // `systemctl start docker`) would keep the terminal open and the script's end unseen.
    for fd in [&pty.master, &pty.slave] {
        use std::os::fd::AsRawFd;
        fcntl(fd.as_raw_fd(), FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC))
            .map_err(|e| lab_error!("cannot set up the pseudo-terminal: {e}"))?;
    }
    let slave = std::fs::File::from(pty.slave);
    let mut master = std::fs::File::from(pty.master);
    let ssh = format!(
        "{} lab ssh --dir {}",
        lab.program().display(),
        lab.dir.display()
    );
    // setsid --ctty makes the terminal on its standard input the session's controlling
    // terminal; the script itself then reads /dev/null.
    let mut command = Command::new("setsid");
    command
        .args([
            "--ctty",
            "--wait",
            "bash",
            "-c",
            "exec \"$@\" </dev/null",
            "runbook",
            "bash",
        ])
        .arg(script)
        .current_dir(script.parent().expect("runbooks/ has a parent"))
        .env("SSH", &ssh)
        .env("PATH", script_path(lab))
        .env("TERM", "dumb")
        // The stand-in images cannot judge the product's own checks: the script prints them
        // as not rehearsed instead of failing on them.
        .env("SWARMPLAN_REHEARSAL", "1")
        .stdin(Stdio::from(slave.try_clone()?))
        .stdout(Stdio::from(slave.try_clone()?))
        .stderr(Stdio::from(slave));
    if let Some(step) = &options.resume {
        command.args(["--from", step]);
    }
    // The risks were accepted on the lab's command line: the script's own refusal says the
    // same, so it is told the same.
    if options.accept_risk {
        command.arg("--accept-risk");
    }
    let mut child = command
        .spawn()
        .map_err(|e| lab_error!("cannot start {}: {e}", script.display()))?;
    let child_pid = child.id() as i32;
    // Our copies of the slave are gone once the command holds them: the master reads EIO when
    // the script and everything it started have closed the terminal.
    drop(command);
    let checks: BTreeMap<String, Option<Check>> = book
        .steps
        .iter()
        .map(|s| (s.id.clone(), s.check.clone()))
        .collect();
    let mut writer = master.try_clone()?;
    let mut pending = String::new();
    let mut buffer = [0u8; 4096];
    let mut by_hand: Option<String> = None;
    let _ = (run_dir, &checks);
    let mut exited = None;
    loop {
        // Read what the script prints; once it has ended, what is left, then stop (a process
        // it left behind may still hold the terminal).
        let ready = {
            use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
            use std::os::fd::AsFd;
            let mut fds = [PollFd::new(master.as_fd(), PollFlags::POLLIN)];
            poll(&mut fds, PollTimeout::from(500u16)).unwrap_or(0) > 0
        };
        if !ready {
            if exited.is_some() {
                break;
            }
            exited = child.try_wait()?;
            continue;
        }
        let n = match master.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(_) => break,
        };
        pending.push_str(&String::from_utf8_lossy(&buffer[..n]).replace('\r', ""));
        // Whole lines, and a prompt without its newline.
        loop {
            if let Some(at) = pending.find('\n') {
                let line: String = pending.drain(..=at).collect();
                let line = line.trim_end_matches('\n').to_owned();
                handle_line(lab, options, shared, &line, &mut by_hand, child_pid);
                continue;
            }
            if pending.contains("Press Enter when done.") {
                let line = std::mem::take(&mut pending);
                record(shared, &line);
                let what = by_hand.take().unwrap_or_default();
                answer_manual(lab, shared, &what);
                writer.write_all(b"\n")?;
            }
            break;
        }
    }
    if !pending.is_empty() {
        let line = std::mem::take(&mut pending);
        handle_line(lab, options, shared, &line, &mut by_hand, child_pid);
    }
    let status = match exited {
        Some(status) => status,
        None => child.wait()?,
    };
    shared.lock().expect("the run's state").done = true;
    Ok(status.code().unwrap_or(128))
}

fn record(shared: &Arc<Mutex<Shared>>, line: &str) {
    let line = mask(line);
    let mut s = shared.lock().expect("the run's state");
    if let Some(path) = &s.live_log {
        use std::io::Write as _;
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(file, "{line}");
        }
    }
    s.log.push_str(&line);
    s.log.push('\n');
    let step = if s.step.is_empty() {
        "(before any step)".to_owned()
    } else {
        s.step.clone()
    };
    let entry = s.step_logs.entry(step).or_default();
    entry.push_str(&line);
    entry.push('\n');
}

fn handle_line(
    lab: &Lab,
    options: &RunOptions,
    shared: &Arc<Mutex<Shared>>,
    line: &str,
    by_hand: &mut Option<String>,
    child_pid: i32,
) {
    if let Some(rest) = line.strip_prefix("== ") {
        if let Some((id, _title)) = rest.split_once(": ") {
            let id = id.to_owned();
            {
                let mut s = shared.lock().expect("the run's state");
                s.step = id.clone();
                s.steps_seen.push(id.clone());
            }
            if let Some(fault) = options.fault.as_ref().filter(|f| f.step == id) {
                // Freeze the script while the domain goes down, so the step's first command
                // meets the failure.
                use nix::sys::signal::{killpg, Signal};
                use nix::unistd::Pid;
                let _ = killpg(Pid::from_raw(child_pid), Signal::SIGSTOP);
                let stopped = crate::fail::stop_domain(lab, &fault.kind, &fault.name);
                let _ = killpg(Pid::from_raw(child_pid), Signal::SIGCONT);
                let mut s = shared.lock().expect("the run's state");
                match stopped {
                    Ok(nodes) => s.faulted = nodes,
                    Err(e) => s.faulted = vec![format!("the fault could not be applied: {e}")],
                }
            }
        }
    }
    if let Some(what) = line.trim_start().strip_prefix("By hand: ") {
        *by_hand = Some(what.to_owned());
    }
    if let Some(rest) = line.strip_prefix("step ") {
        if let Some((id, _)) = rest.split_once(" failed") {
            shared.lock().expect("the run's state").failed_step = Some(id.to_owned());
        }
    }
    record(shared, line);
}

/// Answers a manual step: an upgrade of a node becomes a real engine upgrade or restart; the
/// rest the lab has done already (snapshots need no lab, the shared storage is mounted at up)
/// or cannot do, and says which.
fn answer_manual(lab: &Lab, shared: &Arc<Mutex<Shared>>, what: &str) {
    let upgrade = what
        .strip_prefix("Upgrade ")
        .and_then(|rest| rest.split_once(' '))
        .map(|(node, _)| node.to_owned());
    let answer = match upgrade.as_deref().map(|n| (n, lab.node(n))) {
        Some((name, Ok(node))) => match node::daemons(lab, node, &["upgrade"]) {
            Ok(text) => {
                let text = text.trim().to_owned();
                shared
                    .lock()
                    .expect("the run's state")
                    .upgrades
                    .push(format!("{name}: {text}"));
                text
            }
            Err(e) => format!("the upgrade of {name} failed: {e}"),
        },
        Some((name, Err(_))) => format!("{name} is not a lab node: nothing done"),
        None if what.contains("shared storage") => {
            "the lab mounted one shared folder on every node at up".to_owned()
        }
        None if what.contains("snapshot") || what.contains("backup") => {
            "nothing to snapshot in the lab: a fresh lab is the snapshot".to_owned()
        }
        None if what.contains("Docker Engine installed") || what.contains("Create the new VMs") => {
            "the lab started the new nodes' engines before the run".to_owned()
        }
        None => "acknowledged: the lab has nothing to do for it".to_owned(),
    };
    shared
        .lock()
        .expect("the run's state")
        .manual
        .push(format!("{what} → {answer}"));
}

/// Stand-ins for the plan's vendor commands, on every node.
struct Vendor {
    words: Vec<String>,
    /// Steps that call vendor commands: the step, its node, and the commands it calls.
    steps: Vec<(String, String, Vec<String>)>,
}

/// Shell builtins: never a vendor's command.
const BUILTINS: [&str; 10] = [
    "cd", "export", "test", "[", "true", "false", "exit", "set", "source", ".",
];

/// One simple command of a plan author's shell line: the vendor's command it runs, if any (a
/// program this machine does not have, or a script run with `bash`/`sh` that is not there),
/// and the folder a `cd` before it moved to.
#[derive(Debug, PartialEq)]
enum Part {
    /// `cd DIR`.
    Cd(String),
    /// `tar -xf FILE` (any of tar's extract forms): a package the runbook unpacks.
    Unpack(String),
    /// A vendor's command: a program by name, or a script by path.
    Vendor {
        word: String,
        script: Option<String>,
    },
    Other,
}

fn parts(line: &str) -> Vec<Part> {
    line.split(['&', ';', '|'])
        .filter(|c| !c.trim().is_empty())
        .map(|command| {
            let words: Vec<&str> = command
                .split_whitespace()
                .map(|w| w.trim_matches(|c| c == '\'' || c == '"'))
                .skip_while(|w| *w == "sudo" || (w.contains('=') && !w.starts_with('-')))
                .collect();
            let Some(&first) = words.first() else {
                return Part::Other;
            };
            if first == "cd" {
                return words
                    .get(1)
                    .map_or(Part::Other, |dir| Part::Cd((*dir).to_owned()));
            }
            if first == "tar"
                && words
                    .get(1)
                    .is_some_and(|f| f.trim_start_matches('-').contains('x'))
            {
                if let Some(file) = words
                    .iter()
                    .skip(1)
                    .find(|w| !w.starts_with('-') && w.contains('.'))
                {
                    return Part::Unpack((*file).to_owned());
                }
                return Part::Other;
            }
            if first == "bash" || first == "sh" {
                return match words.get(1) {
                    Some(script) if !script.starts_with('-') => Part::Vendor {
                        word: script.rsplit('/').next().unwrap_or(script).to_owned(),
                        script: Some((*script).to_owned()),
                    },
                    _ => Part::Other,
                };
            }
            let plain = first.starts_with(|c: char| c.is_ascii_alphabetic())
                && first
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            if !plain || BUILTINS.contains(&first) || on_this_machine(first) {
                return Part::Other;
            }
            Part::Vendor {
                word: first.to_owned(),
                script: None,
            }
        })
        .collect()
}

/// Whether the lab's nodes have the program: the lab's own (`docker` and the shims) or the
/// machine's, which the nodes see.
fn on_this_machine(word: &str) -> bool {
    ["docker", "systemctl", "service", "sudo"].contains(&word)
        || ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
            .iter()
            .any(|dir| Path::new(dir).join(word).exists())
}

/// A recording stand-in: on a node it logs to the node's `/var/log/lab-vendor.log` as
/// `TIME NODE WORD ARGS`; on the workstation, to the lab's own log, as node `workstation`.
fn standin(lab: &Lab, word: &str, upgrades: bool, workstation: bool) -> String {
    let upgrade = if upgrades {
        format!(
            "exec {} lab node-daemons --dir {} upgrade\n",
            lab.program().display(),
            lab.dir.display()
        )
    } else {
        String::new()
    };
    let (node, log) = if workstation {
        (
            "workstation".to_owned(),
            workstation_log(lab).display().to_string(),
        )
    } else {
        ("$LAB_NODE".to_owned(), "/var/log/lab-vendor.log".to_owned())
    };
    format!(
        "#!/bin/sh\n# The lab's stand-in for the vendor's {word}: it records each call.\n\
         echo \"$(date +%s) {node} {word} $*\" >> {log}\n{upgrade}exit 0\n"
    )
}

/// Where the workstation's vendor stand-ins live: first on the script's `PATH`.
fn workstation_bin(lab: &Lab) -> PathBuf {
    lab.dir.join("workstation/bin")
}

fn workstation_log(lab: &Lab) -> PathBuf {
    lab.dir.join("workstation/lab-vendor.log")
}

/// The vendor's commands the runbook's own lines call on the nodes (the plan author's lines,
/// as the engine placed them), each with a recording stand-in. The last vendor command of a
/// node's upgrade step upgrades (or restarts) the node's engine, as the vendor's tool would.
/// A package the runbook unpacks (`tar -xf upgrade.tgz`) and that is not at hand is made in
/// the node's home, holding stand-ins for the scripts the runbook runs from it.
fn vendor_standins(lab: &Lab, book: &Runbook) -> Result<Vendor> {
    let mut words: BTreeSet<String> = BTreeSet::new();
    let mut on_workstation: BTreeSet<String> = BTreeSet::new();
    let mut upgrading: BTreeSet<String> = BTreeSet::new();
    let mut steps = Vec::new();
    // Per node: package → scripts (path inside the package) it must hold.
    let mut packages: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for step in &book.steps {
        let node = match &step.runs_on {
            runbook::RunsOn::Node(node) => node.clone(),
            runbook::RunsOn::Workstation => "workstation".to_owned(),
        };
        let mut used = Vec::new();
        let mut package: Option<String> = None;
        let mut dir = String::new();
        for command in &step.commands {
            let runbook::Command::UserShell(line) = command else {
                continue;
            };
            for part in parts(line) {
                match part {
                    Part::Cd(to) => dir = to,
                    Part::Unpack(file) => package = Some(file),
                    Part::Vendor { word, script } => {
                        if let (Some(file), Some(script)) = (&package, &script) {
                            let inside = if dir.is_empty() || script.starts_with('/') {
                                script.clone()
                            } else {
                                format!("{dir}/{script}")
                            };
                            packages
                                .entry((node.clone(), file.clone()))
                                .or_default()
                                .insert(inside);
                        }
                        used.push(word);
                    }
                    Part::Other => {}
                }
            }
        }
        if let (true, Some(last)) = (step.id.starts_with("upgrade-"), used.last()) {
            upgrading.insert(last.clone());
        }
        if !used.is_empty() {
            let set = if node == "workstation" {
                &mut on_workstation
            } else {
                &mut words
            };
            set.extend(used.iter().cloned());
            steps.push((step.id.clone(), node, used));
        }
    }
    for n in &lab.state.nodes {
        let sbin = lab.node_dir(&n.name).join("sbin");
        for word in &words {
            write_executable(
                &sbin.join(word),
                standin(lab, word, upgrading.contains(word), false),
            )?;
        }
    }
    let bin = workstation_bin(lab);
    let _ = std::fs::remove_dir_all(&bin);
    let _ = std::fs::remove_file(workstation_log(lab));
    for word in &on_workstation {
        write_executable(&bin.join(word), standin(lab, word, false, true))?;
    }
    let on_nodes = packages
        .iter()
        .filter(|((node, _), _)| node != "workstation");
    for ((node, file), scripts) in on_nodes {
        let home = lab.node_dir(node).join("root");
        if home.join(file).exists() {
            continue;
        }
        let staging = lab.node_dir(node).join("tmp/lab-package");
        let _ = std::fs::remove_dir_all(&staging);
        for script in scripts {
            let word = script.rsplit('/').next().unwrap_or(script);
            write_executable(
                &staging.join(script.trim_start_matches('/')),
                standin(lab, word, upgrading.contains(word), false),
            )?;
        }
        let packed = std::process::Command::new("tar")
            .arg("-czf")
            .arg(home.join(file))
            .arg("-C")
            .arg(&staging)
            .arg(".")
            .status()
            .map_err(|e| lab_error!("cannot make the stand-in package {file}: {e}"))?;
        if !packed.success() {
            return Err(lab_error!(
                "cannot make the stand-in package {file} for {node}"
            ));
        }
    }
    Ok(Vendor {
        words: words.into_iter().chain(on_workstation).collect(),
        steps,
    })
}

fn gather_vendor_calls(lab: &Lab) -> Vec<String> {
    let mut calls: Vec<(u64, String)> = Vec::new();
    let logs = lab
        .state
        .nodes
        .iter()
        .map(|n| lab.node_dir(&n.name).join("log/lab-vendor.log"))
        .chain([workstation_log(lab)]);
    for path in logs {
        if let Ok(text) = std::fs::read_to_string(&path) {
            for line in text.lines() {
                let (time, rest) = line.split_once(' ').unwrap_or(("0", line));
                calls.push((time.parse().unwrap_or(0), mask(rest)));
            }
        }
    }
    calls.sort();
    calls.into_iter().map(|(_, c)| c).collect()
}

/// The engine each node's links point to after the run (a node upgraded inside the run).
fn reconcile_engines(lab: &mut Lab) -> Result {
    let engines = lab.engines();
    let new = engines.binary(Engine::V26, "dockerd");
    let mut changed = false;
    for n in &mut lab.state.nodes {
        let link = lab.dir.join("nodes").join(&n.name).join("sbin/dockerd");
        if let Ok(target) = std::fs::read_link(&link) {
            let engine = if target == new {
                Engine::V26
            } else {
                Engine::V20
            };
            if engine != n.engine {
                n.engine = engine;
                changed = true;
            }
        }
    }
    if changed {
        lab.save()?;
    }
    Ok(())
}

/// Starts engines for the nodes the plan has and the lab lacks.
fn add_nodes(lab: &mut Lab, plan: &Plan) -> Result<Vec<String>> {
    let missing: Vec<&swarmplan_engine::plan::Node> = plan
        .nodes
        .iter()
        .filter(|n| lab.resolve(&n.name).is_none())
        .collect();
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    let mut added = Vec::new();
    for n in missing {
        let address = match n.ip {
            Some(std::net::IpAddr::V4(a)) => a,
            _ => {
                return Err(lab_error!(
                    "the new node {} has no IPv4 address in the plan",
                    n.name
                ))
            }
        };
        let host = plan.host(n.host_name());
        let index = lab.state.nodes.len();
        lab.state.nodes.push(crate::state::LabNode {
            name: n.name.clone(),
            netns: format!("spl-{}", n.name),
            address,
            lab_address: false,
            veth: format!("splv{index}"),
            host: n.host_name().to_owned(),
            rack: host.and_then(|h| h.rack.clone()),
            site: host.and_then(|h| h.site.clone()),
            manager: false,
            memory_bytes: n.memory.map_or_else(check::machine_memory, |m| m.0),
            engine: Engine::V26,
            engine_labels: n
                .engine_labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        });
        added.push(n.name.clone());
    }
    lab.save()?;
    let shares: Vec<(PathBuf, String)> = plan
        .export
        .shared_folders
        .iter()
        .enumerate()
        .map(|(i, path)| (lab.dir.join("shared").join(i.to_string()), path.clone()))
        .collect();
    let new_nodes: Vec<crate::state::LabNode> = lab
        .state
        .nodes
        .iter()
        .filter(|n| added.contains(&n.name))
        .cloned()
        .collect();
    for n in &new_nodes {
        crate::net::node_up(lab, n)?;
        node::make_namespaces(lab, n, &shares)?;
    }
    // Every node's /etc/hosts knows the new ones.
    for n in &lab.state.nodes {
        let line: String = new_nodes
            .iter()
            .map(|m| format!("{} {}\n", m.address, m.name))
            .collect();
        let mut command = node::enter(lab, n);
        command.args(["sh", "-c", &format!("printf '%s' '{line}' >> /etc/hosts")]);
        let _ = crate::util::run(&mut command);
    }
    let tarball = crate::image::build(&lab.engines().busybox(), &lab.state.cache)?;
    lifecycle::start_nodes(lab, &new_nodes, &tarball, &[])?;
    Ok(added)
}

/// Per service, the replicas the judged plan asks for (replicated services only).
fn wanted_replicas(plan: &Plan) -> BTreeMap<String, u64> {
    let analysis = swarmplan_engine::analyze(plan, &swarmplan_engine::Options::default());
    analysis
        .services
        .iter()
        .filter(|s| s.mode == swarmplan_engine::analysis::ServiceMode::Replicated)
        .map(|s| (s.id(), s.desired))
        .collect()
}

/// Waits until every service runs the tasks the engine predicts for the lab's plan; (services
/// converged, services).
pub fn converge(lab: &Lab, lab_plan: &LabPlan, timeout: Duration) -> (usize, usize) {
    let analysis = swarmplan_engine::analyze(&lab_plan.plan, &swarmplan_engine::Options::default());
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    for s in &analysis.services {
        expected.insert(s.id(), s.running);
    }
    let total = expected.len();
    let mut best = 0;
    let start = Instant::now();
    loop {
        if let Ok(docker) = check::manager(lab) {
            if let Ok(live) = Live::read(&docker) {
                let ok = expected
                    .iter()
                    .filter(|(id, want)| live.replicas.get(*id).is_some_and(|(r, _)| r == *want))
                    .count();
                best = ok;
                if ok == total && live.moving == 0 {
                    return (ok, total);
                }
            }
        }
        if start.elapsed() > timeout {
            return (best, total);
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

fn sample_loop(
    lab: &Lab,
    shared: &Arc<Mutex<Shared>>,
    stop: &AtomicBool,
    start: Instant,
    wanted: &BTreeMap<String, u64>,
) -> Vec<Sample> {
    let mut samples = Vec::new();
    // A service is judged once it has run its replicas in this run: before a deploy converges
    // it is not short, it is starting.
    let mut reached: BTreeSet<String> = BTreeSet::new();
    let mut managers_known = 0usize;
    let mut managers: Vec<String> = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        let tick = Instant::now();
        let step = shared.lock().expect("the run's state").step.clone();
        // Which managers' engines answer: a ping each (cheap for the engines), then one of
        // them is asked for the swarm's nodes, services and tasks.
        let candidates: Vec<&crate::state::LabNode> = if managers.is_empty() {
            lab.state.nodes.iter().collect()
        } else {
            lab.state
                .nodes
                .iter()
                .filter(|n| managers.contains(&n.name))
                .collect()
        };
        let mut reachable = 0;
        // The swarm is asked through an engine that answered; a busy one only if none did.
        let mut any: Option<(Probe, Docker)> = None;
        for n in candidates {
            let docker = Docker::new(lab.socket(&n.name)).with_timeout(Duration::from_millis(800));
            let probe = docker.probe();
            if !probe.runs() {
                continue;
            }
            if managers.is_empty() {
                // Before the swarm is known: is it a manager at all?
                let manager = docker.info().ok().and_then(|i| {
                    i.pointer("/Swarm/ControlAvailable")
                        .and_then(|v| v.as_bool())
                }) == Some(true);
                if !manager {
                    continue;
                }
            }
            reachable += 1;
            if any.as_ref().is_none_or(|(p, _)| *p != Probe::Answers) {
                any = Some((probe, docker.with_timeout(Duration::from_secs(3))));
            }
        }
        let any = any.map(|(_, docker)| docker);
        let live = any.as_ref().and_then(|d| Live::read(d).ok());
        let mut sample = Sample {
            at: start.elapsed().as_secs_f64(),
            step,
            managers: managers_known,
            reachable,
            // Quorum is a majority of the swarm's managers with their engines up; a swarm
            // without a leader for a moment (an election) still has it.
            quorum: managers_known == 0 || reachable > managers_known / 2,
            leader: live.is_some(),
            short: Vec::new(),
        };
        if let Some(live) = &live {
            managers_known = live.nodes.iter().filter(|n| n.manager).count();
            let now: Vec<String> = live
                .nodes
                .iter()
                .filter(|n| n.manager)
                .map(|n| n.hostname.clone())
                .collect();
            if now != managers {
                // A manager joined or left since the pings: count the managers the swarm has
                // now, each by its own engine.
                sample.reachable = now.iter().filter(|m| runs(lab, m)).count();
                managers = now;
            }
            sample.managers = managers_known;
            sample.quorum = sample.reachable > managers_known / 2;
            for (id, (running, desired)) in &live.replicas {
                let want = wanted.get(id).copied().unwrap_or(*desired);
                if *running >= want && want > 0 {
                    reached.insert(id.clone());
                } else if reached.contains(id) && *running < want {
                    sample.short.push((id.clone(), *running, want));
                }
            }
        } else if managers_known == 0 {
            // No swarm yet (an install before its init): nothing to lose.
            sample.quorum = true;
            sample.leader = true;
        }
        samples.push(sample);
        let spent = tick.elapsed();
        if spent < Duration::from_secs(1) {
            std::thread::sleep(Duration::from_secs(1) - spent);
        }
    }
    samples
}

/// The script's `PATH`: the workstation's vendor stand-ins first, then the machine's own.
fn script_path(lab: &Lab) -> std::ffi::OsString {
    let mut dirs = vec![workstation_bin(lab)];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).unwrap_or_default()
}

/// Whether the node's engine runs: it answers a ping, or takes the connection and is slow to
/// answer (see [`Docker::probe`]). Only an engine that is not there is unreachable.
fn runs(lab: &Lab, node: &str) -> bool {
    Docker::new(lab.socket(node))
        .with_timeout(Duration::from_millis(800))
        .probe()
        .runs()
}

/// A stretch of samples with quorum lost or a service short.
#[derive(Debug, Clone)]
pub struct Moment {
    pub from: f64,
    pub to: f64,
    pub steps: Vec<String>,
    pub what: String,
    pub predicted: bool,
}

fn moments(samples: &[Sample], book: &Runbook) -> Vec<Moment> {
    let index: BTreeMap<&str, usize> = book
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut out: Vec<Moment> = Vec::new();
    // (what, key) per sample
    let mut open: BTreeMap<String, Moment> = BTreeMap::new();
    for (i, sample) in samples.iter().enumerate() {
        let mut now: BTreeMap<String, String> = BTreeMap::new();
        if !sample.quorum {
            now.insert(
                "quorum".into(),
                format!(
                    "quorum lost ({} of {} managers reachable)",
                    sample.reachable, sample.managers
                ),
            );
        }
        if sample.quorum && !sample.leader {
            now.insert(
                "leader".into(),
                format!(
                    "no leader for a moment (an election; {} of {} managers up)",
                    sample.reachable, sample.managers
                ),
            );
        }
        for (id, running, want) in &sample.short {
            now.insert(id.clone(), format!("{id} ran {running}/{want}"));
        }
        for (key, what) in &now {
            let m = open.entry(key.clone()).or_insert_with(|| Moment {
                from: sample.at,
                to: sample.at,
                steps: Vec::new(),
                what: what.clone(),
                predicted: false,
            });
            m.to = sample.at;
            if !m.steps.contains(&sample.step) {
                m.steps.push(sample.step.clone());
            }
        }
        let closed: Vec<String> = open
            .keys()
            .filter(|k| !now.contains_key(*k))
            .cloned()
            .collect();
        for key in closed {
            let mut m = open.remove(&key).expect("an open moment");
            m.predicted = predicted(&m, &key, book, &index);
            out.push(m);
        }
        if i + 1 == samples.len() {
            for (key, mut m) in std::mem::take(&mut open) {
                m.predicted = predicted(&m, &key, book, &index);
                out.push(m);
            }
        }
    }
    out.sort_by(|a, b| a.from.total_cmp(&b.from));
    out
}

/// Whether the simulated check of a step during the moment (or of the step before it) foresaw
/// it: quorum lost, or the service below its replicas.
fn predicted(m: &Moment, key: &str, book: &Runbook, index: &BTreeMap<&str, usize>) -> bool {
    let mut steps: BTreeSet<usize> = BTreeSet::new();
    for s in &m.steps {
        if let Some(&i) = index.get(s.as_str()) {
            steps.insert(i);
            if i > 0 {
                steps.insert(i - 1);
            }
        }
    }
    // An election after a manager stops is Raft's, not a loss: it is reported, never judged.
    if key == "leader" {
        return true;
    }
    // A manager that joins is in the swarm's manager list a moment before its engine answers
    // as one: while `join-NODE` runs, the swarm counts the newcomer, unreachable, and a second
    // manager makes quorum need both. A moment wholly inside a manager's join is that join.
    if key == "quorum" && !m.steps.is_empty() && m.steps.iter().all(|s| s.starts_with("join-")) {
        return true;
    }
    // The runbook's findings name the service: they said it restarts elsewhere or runs short.
    let named = book.findings.iter().any(|f| {
        matches!(&f.target, swarmplan_engine::Target::Service { stack, service } if format!("{stack}/{service}") == key)
    });
    if named {
        return true;
    }
    steps.iter().any(|&i| {
        let Some(check) = &book.steps[i].check else {
            return false;
        };
        if key == "quorum" {
            !check.quorum
        } else {
            check
                .below
                .iter()
                .any(|b| b.split_whitespace().next() == Some(key))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::{parts, Fault, Part};

    #[test]
    fn faults_read_as_written() {
        assert_eq!(
            Fault::parse("at drain-app2 stop host esx1").unwrap(),
            Fault {
                step: "drain-app2".into(),
                kind: "host".into(),
                name: "esx1".into()
            }
        );
        assert!(Fault::parse("stop esx1").is_err());
    }

    #[test]
    fn vendor_commands_are_the_programs_and_scripts_the_machine_lacks() {
        let vendor = |word: &str, script: Option<&str>| Part::Vendor {
            word: word.to_owned(),
            script: script.map(str::to_owned),
        };
        assert_eq!(parts("checkupgrades -i"), [vendor("checkupgrades", None)]);
        assert_eq!(parts("sudo kill -9 1"), [Part::Other]);
        assert_eq!(
            parts("tar -xf upgrade.tgz"),
            [Part::Unpack("upgrade.tgz".to_owned())]
        );
        assert_eq!(
            parts("cd upgrade/scripts && sudo bash upgrade_ha.sh worker TOKEN 10.0.0.1:2377"),
            [
                Part::Cd("upgrade/scripts".to_owned()),
                vendor("upgrade_ha.sh", Some("upgrade_ha.sh"))
            ]
        );
        assert_eq!(
            parts("docker ps -q | grep x; FOO=1 sudo upgrade_ha.sh --node n1"),
            [Part::Other, Part::Other, vendor("upgrade_ha.sh", None)]
        );
    }
}
