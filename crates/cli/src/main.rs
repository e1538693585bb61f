//! `swarmplan`: the engine as a command, for pipelines and offline sites.
//!
//! A thin shell: it reads files, calls the engine, prints, and maps the outcome to an exit code
//! (0 clean, 1 errors found, 2 bad input).

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use swarmplan_engine::{analyze, examples, import, parse_plan, plan_to_yaml, Analysis, Options, Plan};

#[derive(Parser)]
#[command(name = "swarmplan", version, about = "Plan, check and export high-availability Docker Swarm deployments")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the plan's findings; exit 0 when clean, 1 when a finding is an error, 2 on bad input.
    Check {
        plan: PathBuf,
        /// Also check the loss of every pair of hosts.
        #[arg(long)]
        host_pairs: bool,
    },
    /// Print the whole analysis: quorum, failure scenarios, findings.
    Analyze {
        plan: PathBuf,
        /// Print the analysis as JSON.
        #[arg(long)]
        json: bool,
        /// Also analyse the loss of every pair of hosts.
        #[arg(long)]
        host_pairs: bool,
    },
    /// Add stack files to a plan (a new one unless --plan) and print the plan.
    Import {
        /// Compose / stack files, as `docker stack deploy -c` reads them.
        #[arg(required = true)]
        stacks: Vec<PathBuf>,
        /// The plan to add them to.
        #[arg(long)]
        plan: Option<PathBuf>,
        /// The stack's name (one file only); otherwise each file's name.
        #[arg(long)]
        stack: Option<String>,
    },
    /// List the built-in example plans, or print one.
    Example {
        /// The example's id; without it, the list.
        id: Option<String>,
    },
}

/// A failure that ends the command with exit code 2.
struct BadInput(String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(BadInput(message)) => {
            eprintln!("swarmplan: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> Result<ExitCode, BadInput> {
    match command {
        Command::Check { plan, host_pairs } => {
            let analysis = analyze(&read_plan(&plan)?, &Options { host_pairs });
            for finding in &analysis.findings {
                println!("{finding}");
            }
            println!(
                "{}: {} error(s), {} warning(s); {}",
                plan.display(),
                analysis.errors(),
                analysis.warnings(),
                analysis.survival.summary
            );
            Ok(exit_for(&analysis))
        }
        Command::Analyze { plan, json, host_pairs } => {
            let analysis = analyze(&read_plan(&plan)?, &Options { host_pairs });
            if json {
                let text = serde_json::to_string_pretty(&analysis).expect("an analysis always serializes");
                println!("{text}");
            } else {
                print!("{}", report(&analysis));
            }
            Ok(exit_for(&analysis))
        }
        Command::Import { stacks, plan, stack } => {
            if stack.is_some() && stacks.len() > 1 {
                return Err(BadInput("--stack names one stack: give one file with it".into()));
            }
            let mut plan = match plan {
                Some(path) => read_plan(&path)?,
                None => Plan::new("imported stacks"),
            };
            for path in &stacks {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| BadInput(format!("cannot read {}: {e}", path.display())))?;
                let name = stack.clone().unwrap_or_else(|| import::stack_name_from_file(&path.to_string_lossy()));
                let imported = import::stack_from_compose(&name, &text)
                    .map_err(|e| BadInput(format!("{}: {e}", path.display())))?;
                match plan.stacks.iter_mut().find(|s| s.name == name) {
                    Some(existing) => {
                        eprintln!("swarmplan: stack `{name}` replaced by {}", path.display());
                        existing.compose = imported.compose;
                    }
                    None => plan.stacks.push(imported),
                }
            }
            print!("{}", plan_to_yaml(&plan));
            Ok(ExitCode::SUCCESS)
        }
        Command::Example { id: None } => {
            for example in examples::EXAMPLES {
                println!("{:<16} {}", example.id, example.title);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Example { id: Some(id) } => match examples::example(&id) {
            Some(example) => {
                print!("{}", example.yaml);
                Ok(ExitCode::SUCCESS)
            }
            None => Err(BadInput(format!(
                "no example `{id}`; the examples are: {}",
                examples::EXAMPLES.iter().map(|e| e.id).collect::<Vec<_>>().join(", ")
            ))),
        },
    }
}

fn exit_for(analysis: &Analysis) -> ExitCode {
    if analysis.errors() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn read_plan(path: &Path) -> Result<Plan, BadInput> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| BadInput(format!("cannot read {}: {e}", path.display())))?;
    parse_plan(&text).map_err(|e| BadInput(format!("{}: {e}", path.display())))
}

/// The analysis as text for a person at a terminal.
fn report(analysis: &Analysis) -> String {
    use std::fmt::Write;
    let q = &analysis.quorum;
    let mut out = String::new();
    let _ = writeln!(out, "Quorum: {} managers, majority {}, tolerates {} loss(es)", q.managers, q.majority, q.tolerates);
    let _ = writeln!(out, "{}", analysis.survival.summary);
    let _ = writeln!(out, "\nFailure scenarios:");
    for f in &analysis.failures {
        let _ = writeln!(
            out,
            "  {:<5} {:<20} lost {:<30} managers left {:<2} {}",
            f.domain.to_string(),
            f.name,
            if f.lost_nodes.is_empty() { "-".to_owned() } else { f.lost_nodes.join(",") },
            f.managers_left,
            if f.quorum { "quorum holds" } else { "QUORUM LOST" }
        );
        if !f.services.down.is_empty() {
            let _ = writeln!(out, "        down: {}", f.services.down.join(", "));
        }
        if !f.services.degraded.is_empty() {
            let _ = writeln!(out, "        degraded: {}", f.services.degraded.join(", "));
        }
    }
    if !analysis.services.is_empty() {
        let _ = writeln!(out, "\nServices:");
        for s in &analysis.services {
            let _ = writeln!(
                out,
                "  {:<32} {:<10} {}/{}  nodes {}  hosts {}",
                s.id(),
                s.mode,
                s.running,
                s.desired,
                if s.nodes.is_empty() { "-".to_owned() } else { s.nodes.join(",") },
                if s.hosts.is_empty() { "-".to_owned() } else { s.hosts.join(",") }
            );
        }
    }
    for p in &analysis.pending {
        let _ = writeln!(out, "  pending {}/{}.{}: {}", p.stack, p.service, p.slot, p.reason);
    }
    if !analysis.findings.is_empty() {
        let _ = writeln!(out, "\nFindings:");
        for finding in &analysis.findings {
            let _ = writeln!(out, "  {finding}");
        }
    }
    out
}
