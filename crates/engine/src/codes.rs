//! The registry of finding codes: every check's stable name, its severity and what it means,
//! in one table. A finding is made from a [`Code`], so a misspelt code does not compile, and
//! `swarmplan explain CODE` prints the explanation kept here (as `rustc --explain` does).

use serde::Serialize;
use std::fmt;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

macro_rules! codes {
    ($(
        $variant:ident = $name:literal, $severity:ident,
        $summary:literal,
        $explanation:literal;
    )*) => {
        /// A finding's code. Written and read as its kebab-case name (`even-managers`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            /// Every code, in the order of the registry.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable kebab-case name, as findings print it.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// The severity a finding of this code has.
            pub const fn severity(self) -> Severity {
                match self {
                    $(Code::$variant => Severity::$severity,)*
                }
            }

            /// One line: what the check finds.
            pub const fn summary(self) -> &'static str {
                match self {
                    $(Code::$variant => $summary,)*
                }
            }

            /// Why it matters and how to resolve it.
            pub const fn explanation(self) -> &'static str {
                match self {
                    $(Code::$variant => $explanation,)*
                }
            }
        }
    };
}

impl Code {
    /// The code of a name, as `swarmplan explain` reads it.
    pub fn parse(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|code| code.name() == name)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

codes! {
    // The plan's own consistency.
    InvalidName = "invalid-name", Error,
        "a name that Docker, a shell or a file name cannot carry",
        "Hosts, racks, sites, nodes and stacks are named with letters, digits, '-', '_' and '.', \
         starting with a letter or digit, and at most 63 characters (a hostname label). Such names \
         reach Docker, shell scripts and file names unchanged. Rename the item.";
    DuplicateHost = "duplicate-host", Error,
        "two hosts share a name",
        "A host is known by its name: nodes name the host they run on, and a failure takes down \
         everything on it. Give each physical server its own name.";
    DuplicateNode = "duplicate-node", Error,
        "two nodes share a name",
        "A node's name is its hostname, which `node.hostname` constraints, labels and runbooks use \
         to find it. Give each node its own name.";
    DuplicateStack = "duplicate-stack", Error,
        "two stacks share a name",
        "`docker stack deploy NAME` merges two stacks of the same name into one. Give each stack \
         its own name.";
    UnknownHost = "unknown-host", Warning,
        "a node runs on a host that is not in the plan",
        "The node names a physical server that the plan does not list, so the server's rack and \
         site are unknown; the analysis treats it as a server of its own. Add the host, or correct \
         the node's `host:`.";
    UnknownStack = "unknown-stack", Error,
        "a stack waits for a stack that is not in the plan",
        "A stack's `after:` names the stacks deployed before it. One of them is not in the plan, \
         so the order cannot be kept. Remove it from `after:` or add the stack.";
    UnknownZone = "unknown-zone", Error,
        "a firewall rule names a zone that is not defined",
        "Firewall rules open ports `from:` a zone, a named list of addresses under `zones:`. \
         Define the zone or use one that exists.";
    UnknownNode = "unknown-node", Error,
        "a node is named that the plan does not have",
        "A firewall rule's `to:` is `all`, `managers`, `workers` or a node of the plan; a checked \
         `--list-all` must belong to a node of the plan. Use a node's name.";
    NodeWithoutHost = "node-without-host", Info,
        "a node names no physical server",
        "Swarm cannot see physical servers, and neither can the analysis when a node names none: \
         it is taken to run alone on a server of its own, so two such VMs on one real server look \
         independent. Say which host each node runs on.";
    RackInSeveralSites = "rack-in-several-sites", Warning,
        "one rack name is used in several sites",
        "Swarmplan knows a rack by its name: hosts in different sites with the same rack name are \
         one rack, one failure domain, and fail together in the analysis. Give racks in \
         different sites different names.";
    StackCycle = "stack-cycle", Error,
        "stacks wait for each other in `after:`",
        "No order can deploy stacks that wait for each other. Remove one of the `after:` entries \
         of the cycle.";
    ComposeInvalid = "compose-invalid", Error,
        "a stack file that Docker's loader refuses",
        "The stack's compose file has a value that `docker stack deploy` would refuse (the \
         message says where and why, in Docker's words). Fix the value; Swarmplan keeps the rest \
         of the file as written.";
    NetworkReservedName = "network-reserved-name", Error,
        "a stack network with a name Docker keeps",
        "Every engine has the networks `host`, `bridge` and `none`, and Swarm creates `ingress` and \
         `docker_gwbridge` on every node. A stack may join `host` as an external network (the \
         install runbook then refers to it and creates nothing), but a network of its own with one \
         of these names cannot be created, and services cannot be attached to Swarm's own.";
    VariableRequired = "variable-required", Error,
        "a stack file needs a variable the plan does not set",
        "The compose file uses `${NAME:?message}` or `${NAME?message}`: Docker refuses to deploy \
         it while NAME is unset. Set the variable under the stack's `variables:`.";

    // Swarmplan's limits, and what Docker refuses when the stack is deployed.
    LimitExceeded = "limit-exceeded", Error,
        "a number over one of Swarmplan's limits",
        "Every number that sets how much work Swarmplan does has a limit, chosen from the \
         largest swarms ever run (Swarm2k and Swarm3k: up to about 4,700 nodes and 100,000 \
         tasks): nodes, hosts, services, replicas of a service, tasks, host pairs, published \
         ports and label text. The message names the limit and the value; a value over it is \
         almost always a typo (`replicas: 4000000000`). A service over the replica limit is left \
         out of the analysis; a plan over any other limit is not analysed until it is fixed. \
         ARCHITECTURE.md lists the limits and why each has its value.";
    WorkBudgetExceeded = "work-budget-exceeded", Error,
        "a plan whose analysis would take too long",
        "Before it analyses a plan (or exports it, or builds a runbook), Swarmplan estimates the \
         work from the plan's size: tasks times failure scenarios, nodes times scenarios, \
         services times nodes. Within every per-field limit, a product can still mean hours \
         (every pair of 5,000 hosts with 100,000 tasks); over the work budget, nothing starts and \
         the message says what the estimate is made of. Analyse fewer scenarios (no host pairs), \
         or split the plan.";
    DeployRefused = "deploy-refused", Error,
        "a service `docker stack deploy` refuses to create",
        "The compose file reads, but Docker refuses the service when the stack is deployed: the \
         command line while it converts the file (docker/cli `cli/compose/convert`), or the \
         daemon when it validates the service spec. The message quotes Docker's own words, and \
         older wording where it differs. Fix the value it names.";

    // Managers and quorum.
    NoManagers = "no-managers", Error,
        "the plan has no manager node",
        "A swarm needs at least one manager, and an HA swarm three, on three different hosts. \
         Give nodes the role manager.";
    SingleManager = "single-manager", Warning,
        "one manager tolerates no loss",
        "With one manager, its loss leaves the swarm unmanageable: nothing is rescheduled, no \
         service can be changed. Three managers on three hosts tolerate one loss.";
    EvenManagers = "even-managers", Warning,
        "an even number of managers",
        "N managers need a majority of N/2+1 and tolerate (N-1)/2 losses: an even count tolerates \
         no more than one manager fewer would, and adds a node that must stay up. Use an odd \
         count.";
    TooManyManagers = "too-many-managers", Warning,
        "more than seven managers",
        "Every manager takes part in each Raft write, so more managers make the swarm slower, not \
         more available: Docker advises at most seven. Keep 3, 5 or 7 managers and make the \
         others workers.";
    HostLossBreaksQuorum = "host-loss-breaks-quorum", Error,
        "one physical server holds too many managers",
        "Losing this host takes more managers than the quorum tolerates: the swarm can no longer \
         be managed, and nothing it runs is rescheduled. Spread the managers so that no host holds \
         more than the tolerated losses.";
    RackLossBreaksQuorum = "rack-loss-breaks-quorum", Error,
        "one rack holds too many managers",
        "Losing this rack takes more managers than the quorum tolerates. Spread the managers over \
         three racks or more.";
    SiteLossBreaksQuorum = "site-loss-breaks-quorum", Error,
        "one site holds too many managers",
        "Losing this site takes more managers than the quorum tolerates. Spread the managers over \
         three sites or more (a third site may hold a single manager as a tie-breaker).";
    SingleRack = "single-rack", Info,
        "every host is in one rack",
        "A plan drawn in one rack cannot survive that rack's loss, whatever the managers do. That \
         is a fact of the design, stated so that it is a choice.";
    SingleSite = "single-site", Info,
        "every host is in one site",
        "A plan drawn in one site cannot survive that site's loss, whatever the managers do. That \
         is a fact of the design, stated so that it is a choice.";

    // The nodes' network against Swarm's.
    AddressPoolOverlap = "address-pool-overlap", Warning,
        "overlay subnets that may hide the nodes' own addresses",
        "Swarm gives each overlay network a subnet from its address pool, 10.0.0.0/8 by default. \
         When the nodes (or the zones they talk to) have addresses in that pool, an overlay can be \
         given their subnet: the tasks then cannot reach them, and replies to them go into the \
         overlay (the routing mesh breaks). Create the swarm with `--default-addr-pool` outside \
         the plan's addresses (`swarm.default_addr_pool`); without it the install picks one.";
    VxlanPortNsx = "vxlan-port-nsx", Error,
        "Swarm's VXLAN port is NSX's",
        "VMware NSX uses UDP 4789 for its own VXLAN. Swarm's overlays use the same port unless \
         the swarm is created with `--data-path-port`: set `swarm.data_path_port` (4790, say); \
         the firewall scripts open that port instead.";
    OverlayMtuTooLarge = "overlay-mtu-too-large", Error,
        "an overlay MTU the nodes' network cannot carry",
        "VXLAN adds 50 bytes to every overlay packet: an overlay's MTU must be at most the \
         underlay's less 50, or large packets are dropped (connections hang after the \
         handshake). Set `com.docker.network.driver.mtu` in the network's `driver_opts`.";

    // Placement.
    ConstraintInvalid = "constraint-invalid", Error,
        "a placement constraint Docker cannot parse",
        "Docker refuses to create a service whose constraint is not `key == value` or \
         `key != value` with a known key form; the message gives Docker's own words.";
    ConstraintKeyUnknown = "constraint-key-unknown", Warning,
        "a constraint key Swarm does not know",
        "Swarm parses any key, but one it does not know matches no node, so the service never \
         runs. Use node.id, node.hostname, node.ip, node.role, node.platform.os, \
         node.platform.arch, node.labels.NAME or engine.labels.NAME.";
    LabelMissing = "label-missing", Warning,
        "a constraint needs a label that no node has",
        "The service can run only on nodes with the label, and none has it. Add the label to the \
         nodes meant for the service (`docker node update --label-add`), or correct the \
         constraint.";
    TasksPending = "tasks-pending", Error,
        "tasks that fit on no node",
        "Swarm keeps such tasks pending, with the reason shown (Docker's own text): constraints, \
         reservations, host ports or the per-node limit leave no node for them. Add nodes that \
         meet the constraints, free capacity or lower the replicas.";
    SpreadIgnored = "spread-ignored", Info,
        "a spread preference Swarm ignores",
        "Swarm spreads tasks only over node.labels.* and engine.labels.*; any other descriptor is \
         accepted and ignored.";
    SpreadLabelMissing = "spread-label-missing", Warning,
        "a spread over a label some nodes lack",
        "Swarm builds its spread tree from every node: the nodes without the label form a branch \
         of their own and get a share of the tasks, which is rarely what a spread over sites or \
         racks means. Label every node, or constrain the service to labelled nodes.";
    SpreadUneven = "spread-uneven", Warning,
        "a spread whose outcome depends on Swarm's order",
        "A branch of the spread tree without room for its share (drained, paused, full or \
         constrained-out nodes) hands it to the other branches, in an order Swarm does not fix: \
         the split can come out differently on each deployment. Label or remove the stray \
         branch's nodes so that every branch can take its share.";
    ReplicasOneHost = "replicas-one-host", Warning,
        "all replicas of a service on one physical server",
        "Swarm cannot see that VMs share a server, so it may put every task of a service on VMs \
         of one host, whose loss stops the service. Spread over a host label, or use \
         max_replicas_per_node with VMs on different hosts.";
    ReplicasOneRack = "replicas-one-rack", Warning,
        "all replicas of a service in one rack",
        "Every task of the service runs in one rack, whose loss stops it. Spread over a rack label \
         (`preferences: [spread: node.labels.rack]`) with nodes labelled by rack.";
    ReservationTooLarge = "reservation-too-large", Error,
        "a reservation larger than any node",
        "A task reserves more CPU or memory than any node has, so it can never run. Lower the \
         reservation or add a larger node.";
    HostCpusOvercommitted = "host-cpus-overcommitted", Warning,
        "VMs with more CPUs than their server",
        "The VMs on this server have more virtual CPUs in all than it has; they run, but compete \
         for them under load. Move a VM or give the server more CPUs.";
    HostMemoryOvercommitted = "host-memory-overcommitted", Error,
        "VMs with more memory than their server",
        "The VMs on this server have more memory in all than it has: they cannot all run. Move a \
         VM or resize them.";
    StartFirstStalls = "start-first-stalls", Warning,
        "a start-first update that cannot start",
        "A start-first update starts each new task before it stops the old one, but the service's \
         replicas already fill its eligible nodes at max_replicas_per_node: the new task has \
         nowhere to go and the update stalls. Use stop-first, raise the limit or add nodes.";
    LocalVolume = "local-volume", Warning,
        "a replicated service keeps data in a local volume",
        "A local volume lives on one node: a task rescheduled after a failure starts on another \
         node with an empty volume. Use a volume driver on shared storage, or a bind mount of a \
         shared folder.";
    IngressPortConflict = "ingress-port-conflict", Error,
        "a published port used twice",
        "A port published through the ingress routing mesh is taken on every node: Docker refuses \
         a second service publishing it, in either mode. Publish another port.";
    HostPortShared = "host-port-shared", Info,
        "services sharing a host-mode port",
        "Services that publish the same port in host mode can never run on one node together; \
         Swarm keeps them apart, which limits where they go.";
    FailureStopsServices = "failure-stops-services", Warning,
        "a failure that stops services",
        "Losing this domain stops services that no other node can run (constraints, ports or \
         capacity). Give them eligible nodes in other domains.";

    // Swarm's dice: outcomes other than the one shown.
    TasksMayShareHost = "tasks-may-share-host", Warning,
        "Swarm may put most of a service's tasks on one physical server",
        "Swarm breaks ties between equally good nodes by Go's map order, which is random, and \
         cannot see which VMs share a server. In some of its draws, more than half of the \
         service's tasks (or all of them) land on VMs of one host, whose loss then takes them at \
         once. The message says how often, when the odds were sampled, or that the ties allow \
         it. Spread the service over a label that differs per host (`preferences: [spread: \
         node.labels.host]`), give it `max_replicas_per_node: 1` with its eligible nodes on \
         different hosts, or constrain it to nodes on different hosts.";
    TasksMayShareRack = "tasks-may-share-rack", Warning,
        "Swarm may put most of a service's tasks in one rack",
        "In some of Swarm's draws more than half of the service's tasks land in one rack, whose \
         loss takes them at once. Spread the service over a rack label (`preferences: [spread: \
         node.labels.rack]`) or constrain it to nodes in different racks.";
    TasksMayShareSite = "tasks-may-share-site", Warning,
        "Swarm may put most of a service's tasks in one site",
        "In some of Swarm's draws more than half of the service's tasks land in one site, whose \
         loss takes them at once. Spread the service over a site label (`preferences: [spread: \
         node.labels.site]`) or constrain it to nodes in different sites.";
    FailureMayStopServices = "failure-may-stop-services", Warning,
        "a failure that stops services in some of Swarm's draws",
        "Where Swarm puts a service's tasks is partly random; in some of its draws, losing this \
         domain leaves a service with no node that can run it. The message says how often. Give \
         the service eligible nodes in other domains, or constrain it so that every outcome \
         keeps a node outside the domain.";
    FailureMayDegradeServices = "failure-may-degrade-services", Info,
        "a failure that degrades services in some of Swarm's draws",
        "In some of Swarm's draws, losing this domain leaves a service with fewer tasks than it \
         asks for (no room elsewhere). The message says how often. Give it room on nodes in \
         other domains.";
    SchedulerLoopsBefore28 = "scheduler-loops-before-docker-28-3", Warning,
        "a spread that hangs Swarm's scheduler before Docker 28.3",
        "A spread branch above its share next to branches without room: Swarm's scheduler \
         before swarmkit #3200 (Docker 28.3; Debian 12's 20.10 and Debian 13's 26.1 included) \
         walks that tree forever, and every new task in the swarm stays pending. Docker 28.3 and \
         later stop and leave these tasks pending, as Swarmplan shows. Run Docker 28.3 or later, \
         or give every node the spread label and room in each branch.";

    // Firewall.
    PortUnpublished = "port-unpublished", Info,
        "a port published without a number",
        "Swarm picks a published port in 30000-32767 for a target port without `published:`, and \
         the firewall scripts cannot open a port they do not know. Give the port a number.";
    ControlPlaneExposed = "control-plane-exposed", Warning,
        "Swarm's control ports opened to users",
        "2377, 7946 and 4789 carry the swarm's own traffic, and anyone who reaches 2377 with a \
         token can join. Open them to the cluster's addresses only.";
    FirewallUnrestricted = "firewall-unrestricted", Warning,
        "Swarm's ports opened to anywhere",
        "Nodes without an IP in the plan cannot be named as sources, so Swarm's ports are opened \
         to every address. Give every node its IP.";
    InvalidZoneAddress = "invalid-zone-address", Error,
        "a zone lists something that is not an address",
        "Zones list IP addresses or CIDRs (10.0.0.5, 10.0.0.0/24); the firewall scripts leave out \
         anything else.";
    FirewallMissing = "firewall-missing", Error,
        "a node's firewall lacks an opening the plan needs",
        "The pasted `firewall-cmd --list-all` does not open a port the plan needs on that node. \
         Run the node's firewall script from the export.";
    EspMissing = "esp-missing", Error,
        "a node's firewall blocks ESP for an encrypted overlay",
        "An encrypted overlay (--opt encrypted) carries its traffic in IPsec ESP (IP protocol \
         50), which the node's firewall does not allow. Allow ESP between the nodes.";
    FirewallWider = "firewall-wider", Warning,
        "a node's firewall opens a port wider than needed",
        "The port is open to more sources than the plan needs. Restrict it to the plan's zone.";
    FirewallUnneeded = "firewall-unneeded", Warning,
        "a node's firewall opens a port nothing needs",
        "The node's firewall opens a port that no part of the plan uses. Close it unless \
         something outside the plan needs it.";

    // Exports.
    ExportUnsafeName = "export-unsafe-name", Error,
        "a name that cannot go into a shell command",
        "Every name that reaches a script is validated: one with shell characters is left out of \
         the exports rather than quoted into a command that could do something else. Rename it.";
    ExportUnsafeLabel = "export-unsafe-label", Error,
        "a label that cannot go into a shell command",
        "Labels are written into `docker node update --label-add` commands; one with spaces, \
         quotes or shell characters is left out. Use printable ASCII without them.";
    ExportUnsafeValue = "export-unsafe-value", Error,
        "a value that cannot go into a shell command",
        "A stack variable or a folder owner cannot be written into a command safely, so it is \
         left out. Use plain values.";
    ExportUnsafePath = "export-unsafe-path", Error,
        "a path that cannot go into a shell command",
        "A shared folder or bind-mount source that is not a plain absolute path is left out of \
         the NAS script.";
    OwnerWithoutFolder = "owner-without-folder", Warning,
        "an owner for a folder nothing mounts",
        "`export.owners` names a folder that no stack bind-mounts under a shared folder, so the \
         NAS script does not create it. Correct the path or remove the owner.";

    // Runbooks.
    RunbookNoManager = "runbook-no-manager", Error,
        "a runbook for a plan without managers",
        "Install, upgrade and change runbooks run their swarm commands on a manager; without one \
         there is no swarm to act on.";
    RunbookNoChange = "runbook-no-change", Info,
        "a change runbook between equal plans",
        "The two plans describe the same cluster: the runbook only checks it.";
    RunbookNoUpgrade = "runbook-no-upgrade", Info,
        "an upgrade without an `upgrade:` section",
        "The runbook upgrades the nodes and keeps the stacks' images. Add `upgrade.images` to \
         roll services to new tags.";
    RunbookStrategy = "runbook-strategy", Info,
        "a runbook for another upgrade strategy",
        "The plan's `upgrade.strategy` names the other runbook (rolling or active-passive); this \
         one is made anyway, as asked.";
    RunbookNoPair = "runbook-no-pair", Error,
        "an active/passive update without two nodes",
        "An active/passive update needs a primary and a standby on different hosts.";
    RunbookUnknownPrimary = "runbook-unknown-primary", Error,
        "an active/passive primary that is not a node",
        "`upgrade.active_passive.primary` names a node the plan does not have.";
    RunbookTooFewManagers = "runbook-too-few-managers", Error,
        "too few nodes to upgrade a manager safely",
        "With fewer than three managers, upgrading one stops the swarm's management, and there \
         are not enough workers on other hosts to promote for the upgrade. Add managers.";
    RunbookPromote = "runbook-promote", Info,
        "workers promoted for an upgrade",
        "Fewer than three managers cannot lose one: the upgrade promotes workers (on other hosts \
         first) for its duration and demotes them at the end.";
    RunbookBriefRestart = "runbook-brief-restart", Info,
        "a one-replica service restarts during an upgrade",
        "The service has one replica and keeps state (or has no room for a second task), so it \
         cannot be scaled up while its node is drained: it is down while Swarm restarts it \
         elsewhere.";
    RunbookUnsafeName = "runbook-unsafe-name", Error,
        "a node name the runbooks cannot use",
        "A node whose name cannot go into a shell command is left out of the runbooks. Rename it.";
    RunbookUnsafeLabel = "runbook-unsafe-label", Error,
        "a label the runbooks cannot set",
        "A label that cannot go into a shell command is left out of the runbook's label steps.";
    RunbookUnknownStep = "runbook-unknown-step", Error,
        "a custom step that follows a step the runbook does not have",
        "A custom step's `after` names the steps it follows: the runbook's own (as its \
         `--dry-run` lists them) or other custom steps. One of them is not in this runbook, so \
         the step follows the runbook's last step instead. Correct the id.";
    RunbookUnknownPlace = "runbook-unknown-place", Error,
        "a custom step that runs nowhere the plan knows",
        "A custom step runs `on: manager`, `on: workstation`, on a node of the plan, or on \
         `service:STACK/SERVICE` (the node that runs the service's first task). Its place is none \
         of these, so the step is left out.";
    RunbookVendorOrder = "runbook-vendor-order", Info,
        "an upgrade in the vendor's node order",
        "With `upgrade.order: vendor` the runbook upgrades the nodes in `upgrade.sequence`, as the \
         vendor's guide does, and promotes no worker for the upgrade. The simulation then says \
         what that order costs (quorum, replicas); `order: safe` keeps quorum whenever the plan \
         can.";
    RunbookVendorOrderCost = "runbook-vendor-order-cost", Warning,
        "the vendor's node order costs what Swarmplan's would not",
        "Following the vendor's `sequence` loses quorum or takes services below their replicas at \
         steps where Swarmplan's own order would not. The finding names the steps and the plan \
         change that avoids it.";
    RunbookUpdateBehindBalancer = "runbook-update-behind-balancer", Warning,
        "a stack update that restarts tasks a balancer sends traffic to",
        "A host-mode service behind an external balancer is updated by `docker stack deploy`, \
         which replaces its tasks in an order Swarm chooses, while every node still takes traffic. \
         Run one service per node, pinned with a constraint, so that the runbook updates each \
         while its node is out of the balancer.";
    RunbookStandbyNotFirst = "runbook-standby-not-first", Warning,
        "an active/passive service whose new image may reach the primary first",
        "A service that runs on both nodes of an active/passive pair (global, or replicated over \
         both) gets its new image from a Swarm rolling update, which picks the order of the nodes \
         itself: the standby is not sure to run the new image first. Run one service per node, \
         pinned with a constraint, so that the runbook updates the standby's first.";
    RunbookDuplicateStep = "runbook-duplicate-step", Error,
        "two runbook steps with one id",
        "Each step has an id that `--from` resumes at; a second step with the same id is left out. \
         This points at two plan items whose names collide in step ids.";
    RunbookCycle = "runbook-cycle", Error,
        "runbook steps that wait for each other",
        "No order can run steps that wait for each other; they are listed in the order they were \
         built.";
    RunbookQuorumLost = "runbook-quorum-lost", Error,
        "a runbook step that loses quorum",
        "The simulation of the runbook finds a step after which fewer managers are reachable than \
         the quorum needs: the swarm cannot be managed until the step is undone. Add managers, or \
         accept the risk knowingly.";
    RunbookServiceBelowReplicas = "runbook-service-below-replicas", Warning,
        "a runbook step that takes a service below its replicas",
        "The simulation finds a step during which no other node can take a service's tasks. Add \
         room on other nodes, or accept a short outage.";
    RunbookNarrowWindow = "runbook-narrow-window", Warning,
        "a runbook step that leaves every manager in one domain",
        "During the step, every reachable manager is in one rack or site, whose loss then stops \
         the swarm.";

    // Importing a running cluster.
    ClusterJsonShape = "cluster-json-shape", Error,
        "inspect JSON of the wrong shape",
        "`docker node inspect` and `docker service inspect` print an array of objects; paste \
         their whole output.";
    ClusterDuplicateHostname = "cluster-duplicate-hostname", Warning,
        "two nodes of a cluster with one hostname",
        "Swarm allows it, but node.hostname constraints match both nodes. The second is renamed \
         in the plan.";
    ClusterFieldMissing = "cluster-field-missing", Warning,
        "a field the inspect JSON lacks",
        "A field Swarmplan reads is missing; a default is taken, and the message says which.";
    ClusterFieldUnknown = "cluster-field-unknown", Warning,
        "a field value Swarmplan does not know",
        "A field has a value Swarmplan does not model; a default is taken, and the message says \
         which.";
    ManagerUnreachable = "manager-unreachable", Warning,
        "a manager of the cluster that is not reachable",
        "The cluster runs with one manager fewer than the plan shows. Bring it back, or demote and \
         remove it so that the quorum counts only live managers.";
    NodeNotReady = "node-not-ready", Warning,
        "a node of the cluster that is not ready",
        "Swarm schedules nothing on a node that is down or unknown, but the plan counts it as up.";
    NodeNotInCluster = "node-not-in-cluster", Info,
        "a node of the plan that the cluster does not have",
        "The imported cluster lacks a node of the given plan; it is left out.";
    HostsUnknown = "hosts-unknown", Info,
        "imported nodes without physical servers",
        "Docker does not know physical servers: each imported node starts on a server of its \
         own. Say which VMs share a server, or a server's loss is not what the analysis shows.";
    ServiceWithoutStack = "service-without-stack", Info,
        "a service created outside a stack",
        "A service without a stack label was created with `docker service create`; it is kept \
         in a stack of its own.";

    // Sizing.
    SizingNoServers = "sizing-no-servers", Error,
        "sizing without servers",
        "Give the number of physical servers to size for.";
    SizingNoVmSizes = "sizing-no-vm-sizes", Error,
        "sizing without VM sizes",
        "Offer at least one VM size, as CPUS:MEMORY (4:8GiB).";
    SizingEmptyRacks = "sizing-empty-racks", Error,
        "more racks than servers",
        "Some racks would hold no server. Give at most one rack per server.";
    SizingEmptySites = "sizing-empty-sites", Error,
        "more sites than racks or servers",
        "Some sites would hold nothing. Give at most one site per rack (or per server).";
    SizingNeedsRacks = "sizing-needs-racks", Error,
        "surviving a rack without racks",
        "Surviving the loss of a rack needs servers in three racks or more.";
    SizingNeedsSites = "sizing-needs-sites", Error,
        "surviving a site without sites",
        "Surviving the loss of a site needs servers in three sites or more.";
    SizingImpossible = "sizing-impossible", Error,
        "a loss no manager layout survives",
        "With these failure domains, losing the one holding most managers always leaves fewer \
         than a majority. Add failure domains.";
    SizingVmTooSmall = "sizing-vm-too-small", Error,
        "no VM size large enough",
        "A node must hold tasks that together reserve more than the largest VM size on offer. \
         Offer a larger size or lower the reservations.";
    SizingUnplaceable = "sizing-unplaceable", Error,
        "no topology that survives the loss",
        "No number of workers within the search's bounds keeps every task running after the loss \
         asked for. Add servers or failure domains.";
    SizingUnreserved = "sizing-unreserved", Info,
        "services that reserve nothing",
        "Sizing counts reservations: services without them are not part of the VM sizes. Give \
         them deploy.resources.reservations.";
    SizingAlternativeDropped = "sizing-alternative-dropped", Info,
        "a sizing alternative that cannot be built",
        "One of the alternatives sizing tries (fewer or more managers, other spreads) cannot be \
         built for this request; the message says why.";
}

#[cfg(test)]
mod tests {
    use super::Code;
    use std::collections::BTreeSet;

    #[test]
    fn names_are_unique_kebab_case_and_parse_back() {
        let mut seen = BTreeSet::new();
        for &code in Code::ALL {
            let name = code.name();
            assert!(seen.insert(name), "{name} twice");
            assert!(
                name.split('-').all(|w| !w.is_empty()
                    && w.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
                "{name} is not kebab-case"
            );
            assert_eq!(Code::parse(name), Some(code));
            assert!(
                code.summary().len() > 10 && code.explanation().len() > 30,
                "{name}"
            );
        }
    }
}
