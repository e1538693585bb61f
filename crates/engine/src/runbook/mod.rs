//! Runbooks: the ordered steps an operator follows to install, upgrade or fail over the plan's
//! cluster, each step simulated against the plan before anyone runs it.
//!
//! - [`install`], [`upgrade`], [`active_passive`], [`change`]: build the steps of one kind of runbook and
//!   the dependencies between them;
//! - [`graph`]: orders the steps (a petgraph dependency graph, sorted with stable tie-breaks);
//! - [`simulate`]: replays every step against the plan (placement after each drain, reachable
//!   managers after each manager step) and says what would break;
//! - [`render`]: the Markdown checklist, the bash script and the per-node summary table.
//!
//! Every command is a shell line whose words went through [`crate::export::shell::quote`];
//! names that cannot go into a shell are findings and their steps are left out.

pub mod active_passive;
pub mod change;
pub mod graph;
pub mod images;
pub mod install;
mod node_steps;
pub mod recover;
mod refused;
pub mod render;
pub mod simulate;
pub mod upgrade;
pub mod vendor;

use crate::findings::{Code, Finding, Target};
use crate::plan::{Plan, Role};
use serde::Serialize;
use std::fmt;

pub use render::{bash, markdown};

/// Which procedure a runbook describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Build the cluster from nothing and deploy the stacks.
    Install,
    /// A rolling, zero-downtime upgrade of every node and of the stacks' images.
    Upgrade,
    /// An active/passive pair: standby first, fail over, former primary, optional fail-back.
    Failover,
    /// From the cluster of one plan to the cluster of another ([`change_runbook`]).
    Change,
    /// A swarm that lost quorum, made whole again from its surviving manager.
    Recover,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Install,
        Kind::Upgrade,
        Kind::Failover,
        Kind::Change,
        Kind::Recover,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Install => "install",
            Kind::Upgrade => "upgrade",
            Kind::Failover => "failover",
            Kind::Change => "change",
            Kind::Recover => "recover",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a step runs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "name")]
pub enum RunsOn {
    /// On this swarm node (the bash script reaches it over ssh).
    Node(String),
    /// On the operator's workstation, where the bundle is.
    Workstation,
}

impl fmt::Display for RunsOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunsOn::Node(name) => f.write_str(name),
            RunsOn::Workstation => f.write_str("workstation"),
        }
    }
}

/// The part of a runbook a step belongs to, in the order they usually come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Prepare,
    Firewall,
    Swarm,
    Labels,
    Networks,
    Folders,
    Stacks,
    Backup,
    PreCheck,
    Workers,
    Managers,
    Standby,
    Failover,
    Primary,
    Images,
    FailBack,
    Finish,
}

impl Phase {
    pub fn title(self) -> &'static str {
        match self {
            Phase::Prepare => "Prerequisites",
            Phase::Firewall => "Firewall",
            Phase::Swarm => "Swarm",
            Phase::Labels => "Node labels",
            Phase::Networks => "Networks",
            Phase::Folders => "Shared folders",
            Phase::Stacks => "Stacks",
            Phase::Backup => "Backup",
            Phase::PreCheck => "Pre-checks",
            Phase::Workers => "Workers",
            Phase::Managers => "Managers",
            Phase::Standby => "Standby",
            Phase::Failover => "Fail over",
            Phase::Primary => "Former primary",
            Phase::Images => "Stack images",
            Phase::FailBack => "Fail back",
            Phase::Finish => "Finish",
        }
    }
}

/// The columns of the per-node summary table (seed 002's EXPORT / UPGRADE / … table): what
/// happens to one node, in order. A vendor's own upgrade phases take the place of UPGRADE.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    BalancerOut,
    Drain,
    Upgrade,
    /// A phase of the vendor's upgrade (`upgrade.phases`), by its name.
    Vendor(String),
    Activate,
    Verify,
    BalancerIn,
}

impl Stage {
    pub fn title(&self) -> &str {
        match self {
            Stage::BalancerOut => "LB OUT",
            Stage::Drain => "DRAIN",
            Stage::Upgrade => "UPGRADE",
            Stage::Vendor(name) => name,
            Stage::Activate => "ACTIVATE",
            Stage::Verify => "VERIFY",
            Stage::BalancerIn => "LB IN",
        }
    }
}

/// One thing to run. Shell lines have every word quoted already.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "text")]
pub enum Command {
    /// A shell line, run where the step runs.
    Shell(String),
    /// A shell line the plan's author wrote (upgrade or freeze commands), run as it is with
    /// `bash -c` where the step runs.
    UserShell(String),
    /// A script of the bundle (path from the bundle's root), run with `sudo bash` where the
    /// step runs; the bash runbook pipes it over ssh.
    Script(String),
    /// Something a person does; the bash runbook waits for Enter.
    Manual(String),
    /// Copies a folder of the bundle (path from its root) to `swarmplan/PATH` on a node.
    Copy { node: String, path: String },
    /// A shell line with the swarm's join token in it: `before`, the token, `after`, run where
    /// the step runs. Swarmplan's own lines (`user: false`) are words quoted already, with the
    /// token one word of its own; a line the plan's author wrote (`user: true`) is run with
    /// `bash -c`, the token put in its text where the author wrote `{token:ROLE}`.
    WithToken {
        token: Token,
        before: String,
        after: String,
        #[serde(skip_serializing_if = "is_false")]
        user: bool,
    },
}

impl Command {
    /// The command as a person reads it, in a checklist or the app: a token shows as its
    /// placeholder (`<WORKER-TOKEN>`).
    pub fn text(&self) -> String {
        match self {
            Command::Shell(line) | Command::UserShell(line) => line.clone(),
            Command::Script(path) => format!("sudo bash {path}"),
            Command::Manual(text) => text.clone(),
            Command::Copy { node, path } => format!("copy {path} to {node}:swarmplan/{path}"),
            Command::WithToken {
                token,
                before,
                after,
                user: false,
            } => format!("{before} {}{after}", token.placeholder()),
            Command::WithToken {
                token,
                before,
                after,
                user: true,
            } => format!("{before}{}{after}", token.placeholder()),
        }
    }
}

/// A join token: fetched at run time from a manager over the runbook's own transport
/// (`docker swarm join-token -q ROLE`), and kept in the running script's memory only. It is never
/// a value in a plan, a file or an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Token {
    pub role: Role,
    /// The manager it is asked of.
    pub from: String,
}

impl Token {
    /// `<MANAGER-TOKEN>` or `<WORKER-TOKEN>`.
    pub fn placeholder(&self) -> &'static str {
        match self.role {
            Role::Manager => "<MANAGER-TOKEN>",
            Role::Worker => "<WORKER-TOKEN>",
        }
    }

    /// The command that prints it, on `from`.
    pub fn query(&self) -> String {
        format!("docker swarm join-token -q {}", self.role)
    }
}

/// What a verification expects of its command's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "text")]
pub enum Expect {
    /// The output contains this text.
    Contains(String),
    /// The output is empty.
    Empty,
    /// There is output, and every line is one of these.
    EveryLineIs(Vec<String>),
    /// Every line of `docker stack services --format '{{.Replicas}}'` reads `N/N`.
    AllReplicas,
    /// The command exits 0.
    Succeeds,
}

/// How to check that a step did its job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verify {
    /// A shell line, run where the step runs.
    pub command: String,
    pub expect: Expect,
    /// Retry until it holds (tasks moving, a node rejoining), for a few minutes.
    pub wait: bool,
    /// A check of the product itself, written by the plan's author (a vendor's log line, its
    /// cluster role): a rehearsal on stand-in images cannot judge it, and says so.
    #[serde(skip_serializing_if = "is_false")]
    pub product: bool,
}

/// What a step changes in the cluster, for the simulation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "target")]
pub enum Effect {
    /// `docker node update --availability drain`.
    Drain(String),
    /// `docker node update --availability active`.
    Activate(String),
    /// The node's engine stops (it is being upgraded): a manager stops counting for quorum.
    Down(String),
    /// The node's engine is back.
    Up(String),
    /// `docker node promote`.
    Promote(String),
    /// `docker node demote`.
    Demote(String),
    /// `docker service scale STACK_SERVICE=N`.
    Scale {
        stack: String,
        service: String,
        replicas: u64,
    },
    /// `docker node update --availability pause`.
    Pause(String),
    /// A node of the new plan joins the swarm (change runbooks).
    Join(String),
    /// The node leaves the swarm and is removed from the node list.
    Leave(String),
    /// `docker node update --label-add KEY=VALUE` (`value`), or `--label-rm KEY` (none).
    Label {
        node: String,
        key: String,
        value: Option<String>,
    },
    /// The node takes the new plan's server, size and platform (moved or resized by hand).
    Adopt(String),
    /// `docker stack deploy` of the new plan's version of the stack.
    Deploy(String),
    /// `docker stack rm`.
    RemoveStack(String),
    /// `docker stack rm` of a stack that is deployed again: its services stop until then.
    Stop(String),
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// One step of a runbook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Stable and readable (`drain-app1`); the bash runbook's `--from` takes it.
    pub id: String,
    pub title: String,
    pub phase: Phase,
    pub runs_on: RunsOn,
    /// The node the step is about, and its column in the summary table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<(String, Stage)>,
    pub commands: Vec<Command>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify: Option<Verify>,
    /// How to undo the step, for a person to read.
    pub rollback: Vec<String>,
    /// Why the step is there, or why here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub effects: Vec<Effect>,
    /// The simulation's verdict once the step is done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<simulate::Check>,
}

impl Step {
    pub fn new(
        id: impl Into<String>,
        title: impl Into<String>,
        phase: Phase,
        runs_on: RunsOn,
    ) -> Self {
        Step {
            id: id.into(),
            title: title.into(),
            phase,
            runs_on,
            subject: None,
            commands: Vec::new(),
            verify: None,
            rollback: Vec::new(),
            why: None,
            effects: Vec::new(),
            check: None,
        }
    }

    pub fn shell(mut self, line: impl Into<String>) -> Self {
        self.commands.push(Command::Shell(line.into()));
        self
    }

    pub fn user_shell(mut self, line: impl Into<String>) -> Self {
        self.commands.push(Command::UserShell(line.into()));
        self
    }

    /// A shell line of Swarmplan's with a join token as the word between `before` and `after`.
    pub fn with_token(
        mut self,
        token: Token,
        before: impl Into<String>,
        after: impl Into<String>,
    ) -> Self {
        self.commands.push(Command::WithToken {
            token,
            before: before.into(),
            after: after.into(),
            user: false,
        });
        self
    }

    /// Adds commands made elsewhere (a vendor's lines, with their placeholders filled).
    pub fn commands(mut self, commands: impl IntoIterator<Item = Command>) -> Self {
        self.commands.extend(commands);
        self
    }

    pub fn script(mut self, path: impl Into<String>) -> Self {
        self.commands.push(Command::Script(path.into()));
        self
    }

    /// Copies a folder of the bundle to `swarmplan/PATH` on the node.
    pub fn copy(mut self, node: &str, path: &str) -> Self {
        self.commands.push(Command::Copy {
            node: node.to_owned(),
            path: path.to_owned(),
        });
        self
    }

    pub fn manual(mut self, text: impl Into<String>) -> Self {
        self.commands.push(Command::Manual(text.into()));
        self
    }

    pub fn verify(mut self, command: impl Into<String>, expect: Expect) -> Self {
        self.verify = Some(Verify {
            command: command.into(),
            expect,
            wait: false,
            product: false,
        });
        self
    }

    pub fn wait_until(mut self, command: impl Into<String>, expect: Expect) -> Self {
        self.verify = Some(Verify {
            command: command.into(),
            expect,
            wait: true,
            product: false,
        });
        self
    }

    /// Marks the step's verification as a check of the product itself (see [`Verify::product`]).
    pub fn product_check(mut self) -> Self {
        if let Some(verify) = &mut self.verify {
            verify.product = true;
        }
        self
    }

    pub fn rollback(mut self, text: impl Into<String>) -> Self {
        self.rollback.push(text.into());
        self
    }

    pub fn why(mut self, text: impl Into<String>) -> Self {
        self.why = Some(text.into());
        self
    }

    pub fn effects(mut self, effects: impl IntoIterator<Item = Effect>) -> Self {
        self.effects.extend(effects);
        self
    }

    pub fn effect(mut self, effect: Effect) -> Self {
        self.effects.push(effect);
        self
    }

    pub fn about(mut self, node: &str, stage: Stage) -> Self {
        self.subject = Some((node.to_owned(), stage));
        self
    }
}

/// A runbook: its steps in the order to run them, simulated, and what the simulation found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Runbook {
    pub kind: Kind,
    pub title: String,
    pub steps: Vec<Step>,
    /// Errors first; what to add to the plan so that the procedure is safe.
    pub findings: Vec<Finding>,
}

/// A step whose simulation finds that it costs quorum or stops a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Risk {
    pub step: String,
    pub title: String,
    /// What it costs, in words: `quorum lost (0 of 1 managers reachable)`, `stops da/policy1`.
    pub costs: Vec<String>,
}

impl Runbook {
    /// The steps that cost quorum or stop a service, by the runbook's own simulation, each
    /// where the cost begins (the step that loses quorum, or takes a service's last task away):
    /// the bash script refuses to run them without `--accept-risk`.
    pub fn risks(&self) -> Vec<Risk> {
        // A recovery starts from the failure it recovers from: without quorum, and with what ran
        // on the lost managers' hosts stopped. Its first step is that failure, not a cost; only
        // what the recovery loses after that is.
        let mut starting = self.kind == Kind::Recover;
        let mut quorum = true;
        let mut down: Vec<&str> = Vec::new();
        let mut risks = Vec::new();
        for step in &self.steps {
            let Some(check) = step.check.as_ref() else {
                continue;
            };
            if std::mem::take(&mut starting) {
                quorum = check.quorum;
                down = stopped(check);
                continue;
            }
            let mut costs = Vec::new();
            if quorum && !check.quorum {
                costs.push(format!(
                    "quorum lost ({} of {} managers reachable)",
                    check.reachable, check.managers
                ));
            }
            quorum = check.quorum;
            let now = stopped(check);
            for service in &now {
                if !down.contains(service) {
                    costs.push(format!("stops {service}"));
                }
            }
            down = now;
            if !costs.is_empty() {
                risks.push(Risk {
                    step: step.id.clone(),
                    title: step.title.clone(),
                    costs,
                });
            }
        }
        risks
    }
}

/// The services a step's simulation leaves with no task running (`below` reads `svc 0/N`).
fn stopped(check: &simulate::Check) -> Vec<&str> {
    check
        .below
        .iter()
        .filter_map(|below| below.split_once(' '))
        .filter(|(_, counts)| counts.starts_with("0/"))
        .map(|(service, _)| service)
        .collect()
}

/// Builds, orders and simulates one runbook of the plan. [`Kind::Change`] needs a second plan
/// ([`change_runbook`]); here it goes from the plan to itself, which only checks the cluster.
pub fn runbook(plan: &Plan, kind: Kind) -> Runbook {
    if kind != Kind::Change {
        let refusals = refused::check(plan, plan);
        if !refusals.is_empty() {
            let title = format!(
                "{}: {}",
                crate::text::one_line(&plan.name),
                kind_title(kind)
            );
            return finish(kind, title, Vec::new(), refusals);
        }
    }
    let (graph, mut findings) = match kind {
        Kind::Install => install::steps(plan),
        Kind::Upgrade => upgrade::steps(plan),
        Kind::Failover => active_passive::steps(plan),
        Kind::Change => return change_runbook(plan, plan),
        Kind::Recover => recover::steps(plan),
    };
    let (mut steps, order_findings) = graph.into_order();
    findings.extend(order_findings);
    findings.extend(simulate::replay(plan, &mut steps));
    if kind == Kind::Upgrade {
        findings.extend(vendor_order_cost(plan, &steps));
    }
    if kind == Kind::Recover {
        // The recovery starts where quorum is lost, with one manager: that is its premise, not
        // its cost.
        findings.retain(|f| !matches!(f.code, Code::RunbookQuorumLost | Code::RunbookNarrowWindow));
    }
    if kind != Kind::Install {
        findings.extend(quorum_findings(plan));
    }
    let title = format!(
        "{}: {}",
        crate::text::one_line(&plan.name),
        kind_title(kind)
    );
    finish(kind, title, steps, findings)
}

/// Builds, orders and simulates the runbook that changes the cluster of `before` into the
/// cluster of `after`: new managers before old ones go, the leader last, labels before the
/// services that need them, leaving nodes drained until their tasks run elsewhere.
pub fn change_runbook(before: &Plan, after: &Plan) -> Runbook {
    let refusals = refused::check(before, after);
    if !refusals.is_empty() {
        let title = format!(
            "{}: {} (from {})",
            crate::text::one_line(&after.name),
            kind_title(Kind::Change),
            crate::text::one_line(&before.name)
        );
        return finish(Kind::Change, title, Vec::new(), refusals);
    }
    let (graph, mut findings) = change::steps(before, after);
    let (mut steps, order_findings) = graph.into_order();
    findings.extend(order_findings);
    findings.extend(simulate::replay_change(before, after, &mut steps));
    findings.extend(quorum_findings(after));
    let title = format!(
        "{}: {} (from {})",
        crate::text::one_line(&after.name),
        kind_title(Kind::Change),
        crate::text::one_line(&before.name)
    );
    finish(Kind::Change, title, steps, findings)
}

/// What following the vendor's node order costs that Swarmplan's own order would not: a
/// finding when the plan asks for `order: vendor` and its simulation finds risks the safe order
/// avoids.
fn vendor_order_cost(plan: &Plan, steps: &[Step]) -> Option<Finding> {
    use crate::plan::UpgradeOrder;
    let upgrade = plan.upgrade.as_ref()?;
    if upgrade.order != UpgradeOrder::Vendor {
        return None;
    }
    let costs = |steps: Vec<Step>| {
        let book = Runbook {
            kind: Kind::Upgrade,
            title: String::new(),
            steps,
            findings: Vec::new(),
        };
        book.risks()
    };
    let vendor = costs(steps.to_vec());
    if vendor.is_empty() {
        return None;
    }
    let mut safe_plan = plan.clone();
    if let Some(u) = safe_plan.upgrade.as_mut() {
        u.order = UpgradeOrder::Safe;
    }
    let safe = costs(runbook(&safe_plan, Kind::Upgrade).steps);
    let quorum = |risks: &[Risk]| {
        risks
            .iter()
            .any(|r| r.costs.iter().any(|c| c.starts_with("quorum")))
    };
    let stops = |risks: &[Risk]| -> usize {
        risks
            .iter()
            .flat_map(|r| &r.costs)
            .filter(|c| c.starts_with("stops"))
            .count()
    };
    let at: Vec<String> = vendor
        .iter()
        .map(|r| format!("`{}` ({})", r.step, r.costs.join(", ")))
        .collect();
    let hint = if quorum(&vendor) && !quorum(&safe) {
        "`order: safe` keeps quorum: it promotes workers for the upgrade when fewer than three managers cannot lose one, and upgrades the leader last".to_owned()
    } else if stops(&safe) < stops(&vendor) {
        "`order: safe` stops fewer services".to_owned()
    } else {
        "no order avoids it with these nodes: add managers (three on three hosts) and a second node for each service that runs on one node only".to_owned()
    };
    Some(
        Finding::new(
            Code::RunbookVendorOrderCost,
            Target::Plan,
            format!("the vendor's order costs {}", at.join("; ")),
        )
        .hint(hint),
    )
}

/// The bash script of a change runbook: it reaches the nodes of both plans.
pub fn change_bash(before: &Plan, after: &Plan, runbook: &Runbook) -> String {
    bash(&change::both_plans(before, after), runbook)
}

fn finish(kind: Kind, title: String, steps: Vec<Step>, mut findings: Vec<Finding>) -> Runbook {
    findings.sort_by_key(|f| f.severity);
    Runbook {
        kind,
        title,
        steps,
        findings,
    }
}

/// The runbooks the plan calls for: install always, then the rolling upgrade or the
/// active/passive update as `upgrade.strategy` says, and the recovery from a lost quorum.
pub fn kinds_for(plan: &Plan) -> Vec<Kind> {
    use crate::plan::UpgradeStrategy;
    let mut kinds = vec![Kind::Install];
    match plan.upgrade.as_ref().map(|u| u.strategy) {
        Some(UpgradeStrategy::Rolling) => kinds.push(Kind::Upgrade),
        Some(UpgradeStrategy::ActivePassive) => kinds.push(Kind::Failover),
        None => {}
    }
    kinds.push(Kind::Recover);
    kinds
}

/// The bundle's `runbooks/` folder: each runbook as `KIND.md` and `KIND.sh`, and the stack
/// files with the new image tags (`runbooks/upgrade-stacks/`); with the runbooks' findings.
pub fn bundle_files(plan: &Plan) -> (Vec<(String, String)>, Vec<Finding>) {
    let mut files = Vec::new();
    let mut findings = Vec::new();
    for kind in kinds_for(plan) {
        let book = runbook(plan, kind);
        files.push((format!("runbooks/{kind}.md"), markdown(&book)));
        files.push((format!("runbooks/{kind}.sh"), bash(plan, &book)));
        findings.extend(book.findings);
    }
    if plan.upgrade.is_some() {
        files.extend(upgrade::upgraded_stack_files(plan));
    }
    (files, findings)
}

fn kind_title(kind: Kind) -> &'static str {
    match kind {
        Kind::Install => "install runbook",
        Kind::Upgrade => "rolling upgrade runbook",
        Kind::Failover => "active/passive update runbook",
        Kind::Change => "change runbook",
        Kind::Recover => "recovery from a lost quorum",
    }
}

/// The analysis' findings about quorum and failure domains: what an upgrade window makes
/// worse, stated again in the runbook.
fn quorum_findings(plan: &Plan) -> Vec<Finding> {
    const CODES: [Code; 7] = [
        Code::SingleManager,
        Code::EvenManagers,
        Code::HostLossBreaksQuorum,
        Code::RackLossBreaksQuorum,
        Code::SiteLossBreaksQuorum,
        Code::SingleRack,
        Code::SingleSite,
    ];
    crate::analyze(plan, &crate::Options::default())
        .findings
        .into_iter()
        .filter(|f| CODES.contains(&f.code))
        .collect()
}

/// Adds `finding` unless the same one is there already.
fn push_unique(findings: &mut Vec<Finding>, finding: Finding) {
    if !findings.contains(&finding) {
        findings.push(finding);
    }
}
