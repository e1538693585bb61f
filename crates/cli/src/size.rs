//! `swarmplan size`: pre-sales sizing from servers, the failures to survive and stack files.

use crate::BadInput;
use std::fmt::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use swarmplan_engine::plan::Stack;
use swarmplan_engine::sizing::{self, Alternative, Request, Survive, VmSize};
use swarmplan_engine::units::{Bytes, Cpus};
use swarmplan_engine::{import, plan_to_yaml};

/// The command line's sizing options.
#[derive(clap::Args)]
pub struct SizeArgs {
    /// Physical servers.
    #[arg(long)]
    pub servers: usize,
    /// Racks the servers stand in (dealt out in turn).
    #[arg(long, default_value_t = 0)]
    pub racks: usize,
    /// Sites the racks, or the servers, stand in.
    #[arg(long, default_value_t = 0)]
    pub sites: usize,
    /// The failure to survive.
    #[arg(long, value_enum)]
    pub survive: SurviveArg,
    /// VM sizes on offer, CPUS:MEMORY, comma-separated (default 2:4GiB,4:8GiB,8:16GiB,16:32GiB).
    #[arg(long)]
    pub vm_sizes: Option<String>,
    /// Each server's CPUs.
    #[arg(long)]
    pub server_cpus: Option<String>,
    /// Each server's memory, as 256GiB.
    #[arg(long)]
    pub server_memory: Option<String>,
    /// Which alternative to print (1: fewest VMs).
    #[arg(long, default_value_t = 1)]
    pub alternative: usize,
    /// Compose / stack files.
    #[arg(required = true)]
    pub stacks: Vec<PathBuf>,
}

/// The failure a sized topology must survive.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum SurviveArg {
    /// Any one physical server.
    #[value(alias = "server")]
    Host,
    /// Any two physical servers at once.
    #[value(name = "2hosts", aliases = ["two-hosts", "2servers"])]
    TwoHosts,
    /// A whole rack.
    Rack,
    /// A whole site.
    Site,
}

impl From<SurviveArg> for Survive {
    fn from(arg: SurviveArg) -> Survive {
        match arg {
            SurviveArg::Host => Survive::Host,
            SurviveArg::TwoHosts => Survive::TwoHosts,
            SurviveArg::Rack => Survive::Rack,
            SurviveArg::Site => Survive::Site,
        }
    }
}

/// Prints the chosen alternative's plan on stdout and every alternative's summary on stderr;
/// exit 1 when no topology survives what was asked.
pub fn run(args: SizeArgs) -> Result<ExitCode, BadInput> {
    let survive = Survive::from(args.survive);
    let mut stacks = Vec::new();
    for path in &args.stacks {
        stacks.push(read_stack(path)?);
    }
    let mut request = Request::new(args.servers, survive, stacks);
    request.racks = args.racks;
    request.sites = args.sites;
    if let Some(sizes) = &args.vm_sizes {
        request.vm_sizes =
            VmSize::parse_list(sizes).map_err(|e| BadInput(format!("--vm-sizes: {e}")))?;
    }
    request.server_cpus = args
        .server_cpus
        .as_deref()
        .map(Cpus::parse)
        .transpose()
        .map_err(|e| BadInput(format!("--server-cpus: {e}")))?;
    request.server_memory = args
        .server_memory
        .as_deref()
        .map(Bytes::parse)
        .transpose()
        .map_err(|e| BadInput(format!("--server-memory: {e}")))?;

    let sizing = sizing::size(&request);
    for finding in &sizing.findings {
        eprintln!("{finding}");
    }
    if sizing.alternatives.is_empty() {
        eprintln!("no topology survives {survive}");
        return Ok(ExitCode::from(1));
    }
    let chosen = args.alternative.max(1);
    let Some(alternative) = sizing.alternatives.get(chosen - 1) else {
        return Err(BadInput(format!(
            "--alternative {chosen}: there are {} alternatives",
            sizing.alternatives.len()
        )));
    };
    for (index, alternative) in sizing.alternatives.iter().enumerate() {
        let marker = if index + 1 == chosen { "*" } else { " " };
        eprint!("{}", summary(index + 1, marker, alternative));
    }
    out!("{}", plan_to_yaml(&alternative.plan));
    Ok(ExitCode::SUCCESS)
}

/// One alternative for a person at a terminal: the line, the roles, the load per server.
fn summary(number: usize, marker: &str, alternative: &Alternative) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{marker}{number}. {}: {}",
        alternative.name, alternative.summary
    );
    for role in &alternative.roles {
        let labels: Vec<String> = role
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let _ = writeln!(
            out,
            "     {} x {} ({}) [{}]: {}",
            role.vms,
            role.role,
            role.size,
            labels.join(","),
            role.services.join(", ")
        );
    }
    for load in &alternative.load {
        let _ = writeln!(
            out,
            "     {}: {} VMs, {} CPUs, {}",
            load.server, load.vms, load.cpus, load.memory
        );
    }
    out
}

/// A stack file, named after its file.
fn read_stack(path: &std::path::Path) -> Result<Stack, BadInput> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| BadInput(format!("cannot read {}: {e}", path.display())))?;
    let name = import::stack_name_from_file(&path.to_string_lossy());
    import::stack_from_compose(&name, &text)
        .map_err(|e| BadInput(format!("{}: {e}", path.display())))
}
