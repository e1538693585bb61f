//! `swarmplan lab`: rehearse a plan on real Docker engines (Linux, root). The work is in the
//! `swarmplan-lab` crate; this is its command line.

use crate::{read_plan, BadInput};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use swarmplan_lab::engines::{default_cache, Engine, Engines};
use swarmplan_lab::fail::Verdict;
use swarmplan_lab::{lifecycle, Lab};

#[derive(Args)]
pub struct LabArgs {
    #[command(subcommand)]
    command: LabCommand,
}

fn default_dir() -> PathBuf {
    std::env::var_os("SWARMPLAN_LAB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(swarmplan_lab::state::DEFAULT_DIR))
}

#[derive(Args, Clone)]
struct DirArg {
    /// The lab's folder (default: $SWARMPLAN_LAB_DIR, else /var/tmp/swarmplan-lab).
    #[arg(long)]
    dir: Option<PathBuf>,
}

impl DirArg {
    fn path(&self) -> PathBuf {
        self.dir.clone().unwrap_or_else(default_dir)
    }
}

#[derive(Subcommand)]
enum LabCommand {
    /// Fetch Debian's Docker engines (26.1 and 20.10) into the lab's cache; nothing is
    /// downloaded when they are there.
    Setup {
        /// The cache (default: $SWARMPLAN_LAB_CACHE, else /var/tmp/swarmplan-lab-cache).
        #[arg(long)]
        cache: Option<PathBuf>,
    },
    /// Build the plan's cluster: one Docker engine per node, with its hostname, address,
    /// engine labels, memory and firewalld.
    Up {
        plan: PathBuf,
        #[command(flatten)]
        dir: DirArg,
        /// The engine every node starts with: 26 (Debian 13's 26.1) or 20 (Debian 12's 20.10,
        /// which an upgrade rehearsal then upgrades to 26.1).
        #[arg(long, default_value = "26")]
        engine: String,
        #[arg(long)]
        cache: Option<PathBuf>,
    },
    /// Remove every process, namespace, mount and folder of the lab.
    Down {
        #[command(flatten)]
        dir: DirArg,
    },
    /// The lab's nodes and their state.
    Status {
        #[command(flatten)]
        dir: DirArg,
    },
    /// ssh's calling convention into a lab node: `[ssh options] [user@]NODE-or-ADDRESS
    /// [COMMAND...]`. The runbooks use it as `SSH='swarmplan lab ssh'`.
    #[command(trailing_var_arg = true)]
    Ssh {
        #[command(flatten)]
        dir: DirArg,
        #[arg(allow_hyphen_values = true, num_args = 0..)]
        args: Vec<String>,
    },
    /// Run an exported runbook from a fresh bundle, watching quorum and replicas every second;
    /// exit 0 when the script finishes and nothing went wrong that its findings did not foresee.
    Run {
        plan: PathBuf,
        kind: crate::RunbookKind,
        /// For change: the plan of the cluster as it runs (BEFORE). For the others: the step to
        /// resume from (the script's own --from).
        #[arg(long)]
        from: Option<String>,
        /// The step to resume from, for any runbook (the script's --from).
        #[arg(long)]
        step: Option<String>,
        /// 'at STEP stop host|rack|site NAME': stop that domain's engines when STEP starts.
        #[arg(long)]
        fault: Option<String>,
        /// Run even when the runbook's findings have errors (a single manager's upgrade).
        #[arg(long)]
        accept_risk: bool,
        /// Also write the report as Markdown to this file.
        #[arg(long)]
        report: Option<PathBuf>,
        #[command(flatten)]
        dir: DirArg,
    },
    /// Compare the real placement with the analysis, service by service and node by node; and
    /// the cluster import of the running swarm with the plan.
    Check {
        plan: PathBuf,
        #[command(flatten)]
        dir: DirArg,
    },
    /// Stop a failure domain's engines; once Swarm has re-placed their tasks, compare with the
    /// engine's failure scenario computed from the lab's real placement. Exit 0 when they agree,
    /// 1 when they differ, 3 when Swarm marked a running node down on the way (a machine too
    /// busy for its heartbeats), which leaves the comparison unjudged.
    Fail {
        plan: PathBuf,
        /// host, rack or site.
        kind: String,
        name: String,
        #[command(flatten)]
        dir: DirArg,
    },
    /// Bring every stopped node back, and show that Swarm does not move tasks back.
    Restore {
        /// Then spread the services again (`docker service update --force`).
        #[arg(long)]
        rebalance: bool,
        #[command(flatten)]
        dir: DirArg,
    },
    /// Inside a node: start and stop its daemons (what the systemctl shim calls).
    #[command(hide = true)]
    NodeDaemons {
        #[arg(long)]
        dir: PathBuf,
        #[arg(allow_hyphen_values = true, num_args = 1..)]
        args: Vec<String>,
    },
}

fn lab_failed(e: swarmplan_lab::LabError) -> BadInput {
    BadInput(format!("lab: {e}"))
}

fn open(dir: &Path) -> Result<Lab, BadInput> {
    Lab::open(dir).map_err(lab_failed)
}

fn code(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

pub fn run(args: LabArgs) -> Result<ExitCode, BadInput> {
    match args.command {
        LabCommand::Setup { cache } => {
            swarmplan_lab::host::require().map_err(lab_failed)?;
            let engines = Engines::new(&cache.unwrap_or_else(default_cache));
            outln!("{}", engines.setup().map_err(lab_failed)?);
            Ok(ExitCode::SUCCESS)
        }
        LabCommand::Up {
            plan,
            dir,
            engine,
            cache,
        } => {
            let engine = Engine::parse(&engine)
                .ok_or_else(|| BadInput(format!("no engine `{engine}`: use 26 or 20")))?;
            let parsed = read_plan(&plan)?;
            let options = lifecycle::UpOptions {
                dir: dir.path(),
                cache: cache.unwrap_or_else(default_cache),
                engine,
            };
            let lab = lifecycle::up(&plan, &parsed, &options).map_err(lab_failed)?;
            out!("{}", lifecycle::status(&lab));
            Ok(ExitCode::SUCCESS)
        }
        LabCommand::Down { dir } => {
            outln!("{}", lifecycle::down(&dir.path()).map_err(lab_failed)?);
            Ok(ExitCode::SUCCESS)
        }
        LabCommand::Status { dir } => {
            out!("{}", lifecycle::status(&open(&dir.path())?));
            Ok(ExitCode::SUCCESS)
        }
        LabCommand::Ssh { dir, args } => {
            let lab = open(&dir.path())?;
            let status = swarmplan_lab::ssh::ssh(&lab, &args).map_err(lab_failed)?;
            Ok(ExitCode::from(status as u8))
        }
        LabCommand::Run {
            plan,
            kind,
            from,
            step,
            fault,
            accept_risk,
            report,
            dir,
        } => {
            use swarmplan_engine::runbook::Kind;
            let kind = kind.kind();
            let after = read_plan(&plan)?;
            let (before, resume) = match kind {
                Kind::Change => {
                    let from = from.ok_or_else(|| {
                        BadInput(
                            "the change runbook needs --from BEFORE (the running cluster's plan)"
                                .into(),
                        )
                    })?;
                    (Some(read_plan(Path::new(&from))?), step)
                }
                _ => (None, step.or(from)),
            };
            let fault = fault
                .map(|f| swarmplan_lab::run::Fault::parse(&f).map_err(lab_failed))
                .transpose()?;
            let lab = open(&dir.path())?;
            let options = swarmplan_lab::run::RunOptions {
                kind,
                plan: after,
                before,
                resume,
                fault,
                accept_risk,
            };
            let outcome = swarmplan_lab::run::run(lab, &options).map_err(lab_failed)?;
            out!("{}", outcome.report);
            if let Some(path) = report {
                std::fs::write(&path, &outcome.report)
                    .map_err(|e| BadInput(format!("cannot write {}: {e}", path.display())))?;
            }
            Ok(code(outcome.ok))
        }
        LabCommand::Check { plan, dir } => {
            let parsed = read_plan(&plan)?;
            let lab = open(&dir.path())?;
            let (agree, text) = swarmplan_lab::check::check(&lab, &parsed).map_err(lab_failed)?;
            out!("{text}");
            let (imported, import_text) =
                swarmplan_lab::check::import_check(&lab, &parsed).map_err(lab_failed)?;
            out!("{import_text}");
            Ok(code(agree && imported))
        }
        LabCommand::Fail {
            plan,
            kind,
            name,
            dir,
        } => {
            let parsed = read_plan(&plan)?;
            let mut lab = open(&dir.path())?;
            let (verdict, text) =
                swarmplan_lab::fail::fail(&mut lab, &parsed, &kind, &name).map_err(lab_failed)?;
            out!("{text}");
            Ok(match verdict {
                Verdict::Agree => ExitCode::SUCCESS,
                Verdict::Disagree => ExitCode::from(1),
                Verdict::Unjudged => ExitCode::from(3),
            })
        }
        LabCommand::Restore { rebalance, dir } => {
            let mut lab = open(&dir.path())?;
            let text = swarmplan_lab::fail::restore(&mut lab, rebalance).map_err(lab_failed)?;
            out!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        LabCommand::NodeDaemons { dir, args } => {
            let status = swarmplan_lab::node::inside::run_verb(&dir.to_string_lossy(), &args)
                .map_err(lab_failed)?;
            Ok(ExitCode::from(status as u8))
        }
    }
}
