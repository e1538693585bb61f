//! `swarmplan`: the engine as a command, for pipelines and offline sites.
//!
//! A thin shell: it reads files, calls the engine, prints, and maps the outcome to an exit code
//! (0 clean, 1 errors found, 2 bad input).

/// `print!` to stdout, except that a reader that has gone (`swarmplan example | head -1`)
/// ends the program quietly with success, as it does any Unix filter, instead of a panic.
macro_rules! out {
    ($($arg:tt)*) => { $crate::write_out(format_args!($($arg)*)) };
}

/// `println!` to stdout, as [`out!`].
macro_rules! outln {
    () => { $crate::write_out(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::write_out(format_args!("{}\n", format_args!($($arg)*))) };
}

mod cluster;
mod lab;
mod png;
mod size;

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use swarmplan_engine::analysis::ServiceChance;
use swarmplan_engine::findings::Code;
use swarmplan_engine::{
    analyze, bundle, examples, export, import, parse_plan, plan_to_yaml, Analysis, Options, Plan,
};

#[derive(Parser)]
#[command(
    name = "swarmplan",
    version,
    about = "Plan, check and export high-availability Docker Swarm deployments"
)]
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
        #[command(flatten)]
        odds: OddsArgs,
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
        #[command(flatten)]
        odds: OddsArgs,
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
    /// Write every export (stack files, cluster commands, firewall scripts, port tables) under
    /// DIR, as the browser's bundle has them; `--zip` also writes the bundle as one .zip.
    Export {
        plan: PathBuf,
        /// The folder to write into; created if missing. Existing files of the same name are
        /// replaced, others are left alone.
        #[arg(long)]
        out: PathBuf,
        /// Also write the whole bundle as this .zip file.
        #[arg(long)]
        zip: Option<PathBuf>,
        /// Only these parts of the bundle (comma-separated), without its README.
        #[arg(long, value_delimiter = ',')]
        only: Vec<Part>,
    },
    /// Check a node's `firewall-cmd --list-all` output (FILE, or - for stdin) against the ports
    /// the plan needs on it; exit 0 when nothing is missing, 1 otherwise.
    FirewallCheck {
        plan: PathBuf,
        /// The node whose firewall FILE shows.
        #[arg(long)]
        node: String,
        file: PathBuf,
    },
    /// Print an ordered, simulated runbook: install, upgrade (rolling), failover
    /// (active/passive), or change (from the plan given with --from to PLAN); exit 1 when the
    /// simulation finds an error.
    Runbook {
        plan: PathBuf,
        kind: RunbookKind,
        /// The plan of the cluster as it runs now (change runbooks only).
        #[arg(long)]
        from: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = RunbookFormat::Markdown)]
        format: RunbookFormat,
    },
    /// Size a topology for stack files: managers and worker VMs over N servers that survive
    /// the loss asked for. Prints the plan; the alternatives' summaries go to stderr.
    Size(size::SizeArgs),
    /// Build a plan from a running swarm: the JSON of `docker node inspect $(docker node ls -q)`
    /// and optionally of `docker service inspect $(docker service ls -q)` and of
    /// `docker network inspect $(docker network ls -q)` (the services' networks).
    ImportCluster {
        nodes: PathBuf,
        services: Option<PathBuf>,
        networks: Option<PathBuf>,
        /// A plan whose servers, zones and settings to keep.
        #[arg(long)]
        plan: Option<PathBuf>,
    },
    /// What changes from one plan to another: nodes, services, quorum, failures, task moves.
    Diff {
        before: PathBuf,
        after: PathBuf,
        /// Print the differences as JSON.
        #[arg(long)]
        json: bool,
        /// Also compare the loss of every pair of hosts.
        #[arg(long)]
        host_pairs: bool,
    },
    /// The plan format: its JSON Schema (for editors that check YAML against one), or with
    /// --markdown its reference, as docs/plan-format.md has it.
    Schema {
        #[arg(long)]
        markdown: bool,
    },
    /// Draw the plan's topology as SVG on stdout, as the export bundle's diagram.svg: sites,
    /// racks, hosts and nodes, each node's tasks, and the domains whose loss breaks quorum.
    Diagram {
        plan: PathBuf,
        /// Draw it during the failure of these domains, as the app's what-if: `host:NAME`,
        /// `rack:NAME` or `site:NAME`, comma-separated.
        #[arg(long, value_delimiter = ',')]
        what_if: Vec<String>,
        /// SVG, or PNG drawn from it with the fonts Swarmplan carries (redirect stdout to a file).
        #[arg(long, value_enum, default_value_t = DiagramFormat::Svg)]
        format: DiagramFormat,
        /// PNG pixels per SVG unit.
        #[arg(long, default_value_t = 2.0)]
        scale: f32,
    },
    /// Print the design report: the diagram, the quorum, every host, rack and site loss, where
    /// tasks run, the findings, the ports, the VMs and servers, and the runbooks' outlines. HTML
    /// is one self-contained file that prints on A4 and Letter; Markdown refers to diagram.svg.
    Report {
        plan: PathBuf,
        #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
        format: ReportFormat,
    },
    /// What a finding code means and how to resolve it; without a code, every code.
    Explain {
        /// A finding's code, as `swarmplan check` prints it between brackets.
        code: Option<String>,
    },
    /// Rehearse the plan on real Docker engines on this Linux machine (root): up, run, check,
    /// fail, restore, ssh, status, down, setup.
    Lab(lab::LabArgs),
    /// List the built-in example plans, or print one.
    Example {
        /// The example's id; without it, the list.
        id: Option<String>,
    },
}

/// How many of Swarm's draws to sample for the odds.
#[derive(clap::Args)]
struct OddsArgs {
    /// Sample Swarm's dice N times for the odds (each service's outcomes, each task's `p`, how
    /// likely each exposure and failure impact is). By default, 1000 for plans of up to 64
    /// nodes and 2000 tasks, none for larger ones.
    #[arg(long, value_name = "N", conflicts_with = "no_odds")]
    odds: Option<u32>,
    /// Do not sample the odds: ties and possible outcomes only.
    #[arg(long)]
    no_odds: bool,
}

impl OddsArgs {
    fn options(&self, plan: &Plan, host_pairs: bool) -> Options {
        let odds = match (self.no_odds, self.odds) {
            (true, _) => 0,
            (false, Some(draws)) => draws,
            (false, None) => swarmplan_engine::analysis::odds::default_draws(plan),
        };
        Options { host_pairs, odds }
    }
}

/// A part of the export bundle, by its folder.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Part {
    Stacks,
    Commands,
    Firewall,
    Runbooks,
    /// The Ansible inventory and its playbook.
    Inventory,
    /// diagram.svg, the topology drawn.
    Diagram,
}

impl Part {
    /// What the paths of its files start with.
    fn prefix(self) -> &'static str {
        match self {
            Part::Stacks => "stacks/",
            Part::Commands => "commands/",
            Part::Firewall => "firewall/",
            Part::Runbooks => "runbooks/",
            Part::Inventory => "ansible/",
            Part::Diagram => "diagram.svg",
        }
    }
}

/// Which runbook to print.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum RunbookKind {
    /// Build the cluster and deploy the stacks.
    Install,
    /// A rolling upgrade of every node and of the stacks' images.
    Upgrade,
    /// An active/passive update: standby first, fail over, former primary.
    Failover,
    /// From the cluster of the plan given with --from to PLAN's.
    Change,
    /// A swarm that lost quorum, made whole again from its surviving manager (the plan's
    /// leader).
    Recover,
}

impl RunbookKind {
    pub(crate) fn kind(self) -> swarmplan_engine::runbook::Kind {
        use swarmplan_engine::runbook::Kind;
        match self {
            RunbookKind::Install => Kind::Install,
            RunbookKind::Upgrade => Kind::Upgrade,
            RunbookKind::Failover => Kind::Failover,
            RunbookKind::Change => Kind::Change,
            RunbookKind::Recover => Kind::Recover,
        }
    }
}

/// How to print a runbook.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum RunbookFormat {
    /// A checklist.
    Markdown,
    /// A script, with --dry-run and --from STEP.
    Bash,
    /// The steps and their simulation.
    Json,
}

/// How to draw the diagram.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DiagramFormat {
    Svg,
    Png,
}

/// How to print the design report.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ReportFormat {
    /// One self-contained HTML file: inline CSS and diagram, no script.
    Html,
    /// Markdown, whose diagram is diagram.svg beside it.
    Md,
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
        Command::Check {
            plan: path,
            host_pairs,
            odds,
        } => {
            let (text, plan) = read_plan_text(&path)?;
            let analysis = analyze(&plan, &odds.options(&plan, host_pairs));
            for finding in &analysis.findings {
                // A finding about one key is printed at its place, as compilers print errors.
                let place = finding
                    .key
                    .as_ref()
                    .and_then(|_| swarmplan_engine::locate::place(&text, &plan, finding));
                match place {
                    Some(place) => outln!(
                        "{}:{}:{}: {finding}",
                        path.display(),
                        place.line,
                        place.column
                    ),
                    None => outln!("{finding}"),
                }
            }
            outln!(
                "{}: {} error(s), {} warning(s); {}",
                path.display(),
                analysis.errors(),
                analysis.warnings(),
                analysis.survival.summary
            );
            Ok(exit_for(&analysis))
        }
        Command::Analyze {
            plan,
            json,
            host_pairs,
            odds,
        } => {
            let plan = read_plan(&plan)?;
            let analysis = analyze(&plan, &odds.options(&plan, host_pairs));
            if json {
                let text =
                    serde_json::to_string_pretty(&analysis).expect("an analysis always serializes");
                outln!("{text}");
            } else {
                out!("{}", report(&analysis));
            }
            Ok(exit_for(&analysis))
        }
        Command::Import {
            stacks,
            plan,
            stack,
        } => {
            if stack.is_some() && stacks.len() > 1 {
                return Err(BadInput(
                    "--stack names one stack: give one file with it".into(),
                ));
            }
            let mut plan = match plan {
                Some(path) => read_plan(&path)?,
                None => Plan::new("imported stacks"),
            };
            for path in &stacks {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| BadInput(format!("cannot read {}: {e}", path.display())))?;
                let name = stack
                    .clone()
                    .unwrap_or_else(|| import::stack_name_from_file(&path.to_string_lossy()));
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
            out!("{}", plan_to_yaml(&plan));
            Ok(ExitCode::SUCCESS)
        }
        Command::Diagram {
            plan,
            what_if,
            format,
            scale,
        } => {
            let plan = read_plan(&plan)?;
            let failed = failed_domains(&plan, &what_if)?;
            let analysis = analyze(&plan, &Options::default());
            let svg = swarmplan_engine::export::diagram::svg_what_if(&plan, &analysis, &failed);
            match format {
                DiagramFormat::Svg => out!("{svg}"),
                DiagramFormat::Png => {
                    use std::io::IsTerminal;
                    if std::io::stdout().is_terminal() {
                        return Err(BadInput(
                            "a PNG is binary: redirect it to a file (> topology.png)".into(),
                        ));
                    }
                    if !(scale.is_finite() && scale > 0.0) {
                        return Err(BadInput(format!("--scale {scale}: give a number above 0")));
                    }
                    let png = png::render(&svg, scale).map_err(BadInput)?;
                    write_bytes(&png);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Report { plan, format } => {
            let plan = read_plan(&plan)?;
            let analysis = analyze(&plan, &Options::default());
            out!(
                "{}",
                match format {
                    ReportFormat::Html => swarmplan_engine::report::html(&plan, &analysis),
                    ReportFormat::Md => swarmplan_engine::report::markdown(&plan, &analysis),
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Export {
            plan,
            out,
            zip,
            only,
        } => {
            let plan = read_plan(&plan)?;
            let analysis = analyze(&plan, &Options::default());
            let mut bundle = bundle::bundle_for(&plan, &analysis);
            if !only.is_empty() {
                bundle
                    .files
                    .retain(|f| only.iter().any(|part| f.path.starts_with(part.prefix())));
            }
            for file in &bundle.files {
                let path = out.join(&file.path);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        BadInput(format!("cannot create {}: {e}", parent.display()))
                    })?;
                }
                std::fs::write(&path, &file.contents)
                    .map_err(|e| BadInput(format!("cannot write {}: {e}", path.display())))?;
                set_executable(&path, file.executable)?;
            }
            if let Some(zip) = zip {
                std::fs::write(&zip, bundle::zip(&bundle))
                    .map_err(|e| BadInput(format!("cannot write {}: {e}", zip.display())))?;
            }
            for finding in &bundle.findings {
                eprintln!("{finding}");
            }
            outln!(
                "{} files written under {}",
                bundle.files.len(),
                out.display()
            );
            let errors = bundle
                .findings
                .iter()
                .any(|f| f.severity == swarmplan_engine::Severity::Error);
            Ok(if errors {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::FirewallCheck { plan, node, file } => {
            let plan = read_plan(&plan)?;
            let text = if file.as_os_str() == "-" {
                let mut text = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                    .map_err(|e| BadInput(format!("cannot read stdin: {e}")))?;
                text
            } else {
                std::fs::read_to_string(&file)
                    .map_err(|e| BadInput(format!("cannot read {}: {e}", file.display())))?
            };
            if plan.node(&node).is_none() {
                return Err(BadInput(format!("the plan has no node `{node}`")));
            }
            let analysis = analyze(&plan, &Options::default());
            let matrix = export::firewall::port_matrix(&plan, &analysis.placement);
            let check = export::listall::check_node(&plan, &matrix, &node, &text);
            let sections = [
                ("missing", &check.missing),
                ("open wider than needed", &check.wider),
                ("open without need", &check.unneeded),
                ("note", &check.notes),
            ];
            for (title, lines) in sections {
                for line in lines {
                    outln!("{title}: {line}");
                }
            }
            outln!(
                "{node}: {} missing, {} wider than needed, {} open without need",
                check.missing.len(),
                check.wider.len(),
                check.unneeded.len()
            );
            Ok(if check.is_clean() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Runbook {
            plan,
            kind,
            from,
            format,
        } => runbook_command(&plan, kind.kind(), from.as_deref(), format),
        Command::Size(args) => size::run(args),
        Command::Lab(args) => lab::run(args),
        Command::ImportCluster {
            nodes,
            services,
            networks,
            plan,
        } => cluster::import(
            &nodes,
            services.as_deref(),
            networks.as_deref(),
            plan.as_deref(),
        ),
        Command::Diff {
            before,
            after,
            json,
            host_pairs,
        } => cluster::compare(&before, &after, json, host_pairs),
        Command::Schema { markdown: true } => {
            out!("{}", swarmplan_engine::schema::plan_format_markdown());
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema { markdown: false } => {
            let schema = swarmplan_engine::schema::plan_schema();
            outln!(
                "{}",
                serde_json::to_string_pretty(&schema).expect("a schema always serializes")
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { code: None } => {
            for code in Code::ALL {
                outln!(
                    "{:<32} {:<8} {}",
                    code.name(),
                    code.severity().to_string(),
                    code.summary()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { code: Some(name) } => match Code::parse(&name) {
            Some(code) => {
                outln!(
                    "{} ({}): {}\n",
                    code.name(),
                    code.severity(),
                    code.summary()
                );
                outln!("{}", code.explanation());
                Ok(ExitCode::SUCCESS)
            }
            None => Err(BadInput(format!(
                "no finding code `{name}`; `swarmplan explain` lists them all"
            ))),
        },
        Command::Example { id: None } => {
            for example in examples::EXAMPLES {
                outln!("{:<16} {}", example.id, example.title);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Example { id: Some(id) } => match examples::example(&id) {
            Some(example) => {
                out!("{}", example.yaml);
                Ok(ExitCode::SUCCESS)
            }
            None => Err(BadInput(format!(
                "no example `{id}`; the examples are: {}",
                examples::EXAMPLES
                    .iter()
                    .map(|e| e.id)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        },
    }
}

/// `swarmplan runbook PLAN KIND [--from BEFORE] [--format F]`.
fn runbook_command(
    plan: &Path,
    kind: swarmplan_engine::runbook::Kind,
    from: Option<&Path>,
    format: RunbookFormat,
) -> Result<ExitCode, BadInput> {
    use swarmplan_engine::runbook::{self, Kind};
    let before = match (kind, from) {
        (Kind::Change, Some(from)) => Some(read_plan(from)?),
        (Kind::Change, None) => {
            return Err(BadInput(
                "the change runbook needs the plan of the cluster as it runs: --from BEFORE"
                    .to_owned(),
            ))
        }
        (_, Some(_)) => {
            return Err(BadInput(format!(
                "--from is for the change runbook only, not `{kind}`"
            )))
        }
        (_, None) => None,
    };
    let plan = read_plan(plan)?;
    let book = match &before {
        Some(before) => runbook::change_runbook(before, &plan),
        None => runbook::runbook(&plan, kind),
    };
    match format {
        RunbookFormat::Markdown => out!("{}", runbook::markdown(&book)),
        RunbookFormat::Bash => match &before {
            Some(before) => out!("{}", runbook::change_bash(before, &plan, &book)),
            None => out!("{}", runbook::bash(&plan, &book)),
        },
        RunbookFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&book).expect("a runbook always serializes")
        ),
    }
    let errors = book
        .findings
        .iter()
        .any(|f| f.severity == swarmplan_engine::Severity::Error);
    Ok(if errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(unix)]
fn set_executable(path: &Path, executable: bool) -> Result<(), BadInput> {
    use std::os::unix::fs::PermissionsExt;
    let mode = if executable { 0o755 } else { 0o644 };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| BadInput(format!("cannot set the mode of {}: {e}", path.display())))
}

#[cfg(not(unix))]
fn set_executable(_: &Path, _: bool) -> Result<(), BadInput> {
    Ok(())
}

/// The domains `--what-if` names (`host:esx1`), each one the plan has.
fn failed_domains(
    plan: &Plan,
    specs: &[String],
) -> Result<std::collections::BTreeSet<swarmplan_engine::domains::Failed>, BadInput> {
    use swarmplan_engine::domains::{single_domains, DomainKind, Failed};
    let domains = single_domains(plan);
    let mut failed = std::collections::BTreeSet::new();
    for spec in specs {
        let (kind, name) = match spec.split_once(':') {
            Some(("host", name)) => (DomainKind::Host, name),
            Some(("rack", name)) => (DomainKind::Rack, name),
            Some(("site", name)) => (DomainKind::Site, name),
            _ => {
                return Err(BadInput(format!(
                    "--what-if {spec}: write host:NAME, rack:NAME or site:NAME"
                )))
            }
        };
        if !domains.iter().any(|d| d.kind == kind && d.name == name) {
            let known: Vec<&str> = domains
                .iter()
                .filter(|d| d.kind == kind)
                .map(|d| d.name.as_str())
                .collect();
            return Err(BadInput(format!(
                "--what-if {spec}: the plan has no {kind} named {name} ({})",
                if known.is_empty() {
                    format!("it has no {kind}")
                } else {
                    format!("its {kind}s: {}", known.join(", "))
                }
            )));
        }
        failed.insert(Failed::new(kind, name));
    }
    Ok(failed)
}

/// What [`out!`] and [`outln!`] do.
fn write_out(args: std::fmt::Arguments) {
    use std::io::Write;
    written(std::io::stdout().lock().write_fmt(args));
}

/// Bytes on stdout (a PNG), with `write_out`'s handling of a closed pipe.
fn write_bytes(bytes: &[u8]) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    written(stdout.write_all(bytes).and_then(|()| stdout.flush()));
}

/// A closed pipe (`| head`) ends the command quietly; any other write error is exit code 2.
fn written(result: std::io::Result<()>) {
    if let Err(e) = result {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("swarmplan: cannot write the output: {e}");
        std::process::exit(2);
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
    read_plan_text(path).map(|(_, plan)| plan)
}

/// A plan file's text, and the plan read from it.
fn read_plan_text(path: &Path) -> Result<(String, Plan), BadInput> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| BadInput(format!("cannot read {}: {e}", path.display())))?;
    let plan = parse_plan(&text).map_err(|e| BadInput(format!("{}: {e}", path.display())))?;
    Ok((text, plan))
}

/// The analysis as text for a person at a terminal.
fn report(analysis: &Analysis) -> String {
    use std::fmt::Write;
    let q = &analysis.quorum;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Quorum: {} managers, majority {}, tolerates {} loss(es)",
        q.managers, q.majority, q.tolerates
    );
    let _ = writeln!(out, "{}", analysis.survival.summary);
    let _ = writeln!(out, "\nFailure scenarios:");
    for f in &analysis.failures {
        let _ = writeln!(
            out,
            "  {:<5} {:<20} lost {:<30} managers left {:<2} {}",
            f.domain.to_string(),
            f.name,
            if f.lost_nodes.is_empty() {
                "-".to_owned()
            } else {
                f.lost_nodes.join(",")
            },
            f.managers_left,
            if f.quorum {
                "quorum holds"
            } else {
                "QUORUM LOST"
            }
        );
        if !f.services.down.is_empty() {
            let _ = writeln!(out, "        down: {}", f.services.down.join(", "));
        }
        if !f.services.degraded.is_empty() {
            let _ = writeln!(out, "        degraded: {}", f.services.degraded.join(", "));
        }
        if !f.services.may_stop.is_empty() {
            let _ = writeln!(
                out,
                "        may stop: {}",
                ServiceChance::list(&f.services.may_stop)
            );
        }
        if !f.services.may_degrade.is_empty() {
            let _ = writeln!(
                out,
                "        may degrade: {}",
                ServiceChance::list(&f.services.may_degrade)
            );
        }
    }
    if !analysis.services.is_empty() {
        let _ = writeln!(out, "\nServices:");
        for s in &analysis.services {
            let _ = writeln!(
                out,
                "  {:<32} {:<10} {}/{}  nodes {}  hosts {}",
                s.id(),
                s.mode.name(),
                s.running,
                s.desired,
                if s.nodes.is_empty() {
                    "-".to_owned()
                } else {
                    s.nodes.join(",")
                },
                if s.hosts.is_empty() {
                    "-".to_owned()
                } else {
                    s.hosts.join(",")
                }
            );
            if let Some(one_of) = s.one_of() {
                let _ = writeln!(out, "      {one_of}");
            }
            if let Some(odds) = &s.odds {
                let _ = writeln!(
                    out,
                    "      odds over {} draws: {}",
                    odds.draws,
                    odds.summary()
                );
            }
        }
    }
    for p in &analysis.pending {
        let _ = writeln!(
            out,
            "  pending {}/{}.{}: {}",
            p.stack, p.service, p.slot, p.reason
        );
    }
    if !analysis.findings.is_empty() {
        let _ = writeln!(out, "\nFindings:");
        for finding in &analysis.findings {
            let _ = writeln!(out, "  {finding}");
        }
    }
    out
}
