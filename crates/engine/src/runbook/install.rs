//! The install runbook: prerequisites, the firewall on every node, `docker swarm init`, the
//! managers then the workers join, labels, networks, shared folders, the stacks in `after`
//! order, and every service at N/N. The commands are the ones `export::commands` writes.

use super::graph::StepGraph;
use super::node_steps::{label_inspect, label_rm, leader, safe_nodes};
use super::{vendor, Expect, Phase, RunsOn, Step, Token};
use crate::compose;
use crate::export::commands::{
    advertise_flag, deploy_line, deploy_order, external_networks, init_line, label_line,
    network_line, remote_address, stack_environment,
};
use crate::export::{shell, shell::quote, stack_files};
use crate::findings::{Code, Finding, Target};
use crate::plan::{Node, Plan, Role};

/// Where the bash runbook copies the bundle's folders on a node.
pub const REMOTE_DIR: &str = "swarmplan";

pub fn steps(plan: &Plan) -> (StepGraph, Vec<Finding>) {
    let mut findings = Vec::new();
    let mut graph = StepGraph::new();
    let nodes = safe_nodes(plan, &mut findings);
    let Some(first) = leader(&nodes) else {
        findings.push(Finding::new(
            Code::RunbookNoManager,
            Target::Plan,
            "the plan has no manager node: there is no swarm to create",
        ));
        return (graph, findings);
    };
    let on_first = RunsOn::Node(first.name.clone());

    let prepare = graph.add(prerequisites(plan), &[]);
    let mut firewall = Vec::new();
    for node in &nodes {
        firewall.push(graph.add(firewall_step(plan, node), std::slice::from_ref(&prepare)));
    }
    let init = graph.add(
        Step::new(
            format!("init-{}", first.name),
            format!("Create the swarm on {}", first.name),
            Phase::Swarm,
            on_first.clone(),
        )
        .commands([if plan.swarm.autolock {
            // The unlock key init prints stays on the node: out of the script's output and logs.
            super::Command::UserShell(format!("{} > /dev/null", init_line(plan, first)))
        } else {
            super::Command::Shell(init_line(plan, first))
        }])
        .verify(local_state(), Expect::Contains("active".into()))
        .rollback("docker swarm leave --force")
        .why("the first manager creates the swarm; the others join it"),
        &firewall,
    );
    let init = if plan.swarm.autolock {
        graph.add(store_unlock_key(first), std::slice::from_ref(&init))
    } else {
        init
    };
    let mut joined = vec![init.clone()];
    let mut previous = init.clone();
    // Managers first, one at a time: each join changes the Raft group.
    let joining = nodes
        .iter()
        .filter(|n| n.role == Role::Manager && n.name != first.name)
        .chain(nodes.iter().filter(|n| n.role == Role::Worker));
    for node in joining {
        previous = graph.add(join_step(node, first), &[previous]);
        joined.push(previous.clone());
    }
    let ready = graph.add(
        Step::new(
            "nodes-ready",
            "Check that every node is Ready and Active",
            Phase::Swarm,
            on_first.clone(),
        )
        .wait_until(
            format!(
                "docker node ls --format {}",
                quote("{{.Status}} {{.Availability}}")
            ),
            Expect::EveryLineIs(vec!["Ready Active".into()]),
        )
        .rollback("docker node ls shows the node that did not join: run its join step again"),
        &joined,
    );
    let mut setup = vec![ready.clone()];
    for node in &nodes {
        if let Some(step) = label_step(node, &on_first, &mut findings) {
            setup.push(graph.add(step, std::slice::from_ref(&ready)));
        }
    }
    if plan.images.load {
        let all = super::images::stack_images(plan);
        for node in &nodes {
            let mut after = vec![ready.clone()];
            for step in super::images::ready_steps(plan, node, &all, "images", Phase::Swarm) {
                let id = graph.add(step, &after);
                after = vec![id];
            }
            setup.extend(after);
        }
    }
    let composes: Vec<compose::Compose> = plan.stacks.iter().map(compose::read).collect();
    for network in external_networks(&composes).values() {
        if shell::is_safe_name(&network.name) && shell::is_safe_name(&network.driver) {
            setup.push(
                graph.add(
                    Step::new(
                        format!("network-{}", network.name),
                        format!("Create network {}", network.name),
                        Phase::Networks,
                        on_first.clone(),
                    )
                    .shell(network_line(network))
                    .verify(
                        format!(
                            "docker network inspect --format {} {}",
                            quote("{{.Driver}}"),
                            quote(&network.name)
                        ),
                        Expect::Contains(network.driver.clone()),
                    )
                    .rollback(format!("docker network rm {}", quote(&network.name))),
                    std::slice::from_ref(&ready),
                ),
            );
        }
    }
    if !plan.export.shared_folders.is_empty() {
        setup.push(
            graph.add(
                Step::new(
                    "shared-folders",
                    "Create the shared (NAS) folders and their owners",
                    Phase::Folders,
                    on_first.clone(),
                )
                .script("commands/nas-folders.sh")
                .rollback("the folders are empty: remove them with rmdir")
                .why("bind mounts fail when their host folder is missing"),
                std::slice::from_ref(&ready),
            ),
        );
    }
    for node in &nodes {
        let folders = host_folders(plan, node);
        if folders.is_empty() {
            continue;
        }
        let mut line = format!(
            "sudo sh -c {} host-folders",
            quote(r#"for d in "$@"; do [ -e "$d" ] || mkdir -p "$d"; done"#)
        );
        for folder in &folders {
            line.push(' ');
            line.push_str(&quote(folder));
        }
        setup.push(
            graph.add(
                Step::new(
                    format!("host-folders-{}", node.name),
                    format!("Create the host folders that services bind-mount on {}", node.name),
                    Phase::Folders,
                    RunsOn::Node(node.name.clone()),
                )
                .shell(line)
                .rollback("the folders are empty: remove them with rmdir")
                .why("a bind mount fails when its host folder is missing, on every node its service may run on"),
                std::slice::from_ref(&ready),
            ),
        );
    }
    let copy = graph.add(
        Step::new(
            "copy-stacks",
            format!("Copy the stack files to {}", first.name),
            Phase::Stacks,
            RunsOn::Workstation,
        )
        .copy(&first.name, "stacks"),
        &setup,
    );
    let last = deploy_steps(plan, &mut graph, &on_first, &copy, &mut findings);
    let last = vendor::add_custom_steps(
        plan,
        &mut graph,
        &plan.install.steps,
        first,
        Some(last),
        &mut findings,
    );
    if !plan.swarm.keep_join_tokens {
        graph.add(rotate_join_tokens(first), &Vec::from_iter(last));
    }
    (graph, findings)
}

/// With autolock, a restarted manager waits for its unlock key: the key goes to the site's
/// password safe now, read on the node by a person, never through the runbook's output.
fn store_unlock_key(first: &Node) -> Step {
    Step::new(
        "store-unlock-key",
        format!("Store the swarm's unlock key from {}", first.name),
        Phase::Swarm,
        RunsOn::Node(first.name.clone()),
    )
    .manual(format!(
        "On {}, run `docker swarm unlock-key -q` and keep the key in the site's password safe: a restarted manager stays locked until `docker swarm unlock` is given it",
        first.name
    ))
    .verify(
        format!(
            "docker info --format {}",
            quote("{{.Swarm.Cluster.Spec.EncryptionConfig.AutoLockManagers}}")
        ),
        Expect::Contains("true".into()),
    )
    .rollback("docker swarm update --autolock=false turns the lock off")
    .why("without its key a locked manager cannot rejoin after a restart, and the key is shown by no other means")
}

/// The join tokens went over the network while the nodes joined: new ones leave the old copies
/// worthless. Later joins ask the swarm for the new tokens as they run.
fn rotate_join_tokens(first: &Node) -> Step {
    Step::new(
        "rotate-join-tokens",
        "Rotate the join tokens used during the install",
        Phase::Finish,
        RunsOn::Node(first.name.clone()),
    )
    .user_shell("docker swarm join-token --rotate -q worker > /dev/null")
    .user_shell("docker swarm join-token --rotate -q manager > /dev/null")
    .verify(
        format!(
            "docker node ls --format {}",
            quote("{{.Status}}")
        ),
        Expect::EveryLineIs(vec!["Ready".into()]),
    )
    .rollback("nothing to undo: joined nodes keep their certificates; new joins use the new tokens")
    .why("a token copied during the install (a terminal log, a shell history) could join more nodes; set swarm.keep_join_tokens to skip this")
}

fn prerequisites(plan: &Plan) -> Step {
    let mut step = Step::new("prerequisites", "Prerequisites", Phase::Prepare, RunsOn::Workstation)
        .manual("Take a snapshot (or backup) of every VM, and install Docker Engine on each")
        .manual("Give every node a fixed IP; the nodes must reach each other on 2377/tcp (managers), 7946/tcp+udp and 4789/udp: see firewall/ports.md")
        .rollback("nothing has changed yet");
    if !plan.export.shared_folders.is_empty() {
        step = step.manual(format!(
            "Mount the shared storage on every node at {}",
            plan.export.shared_folders.join(", ")
        ));
    }
    step
}

fn local_state() -> String {
    format!(
        "docker info --format {}",
        quote("{{.Swarm.LocalNodeState}}")
    )
}

/// Opens a node's firewall with its script from the bundle: firewalld started and enabled first,
/// and Docker restarted after, when the plan's `install` says so.
pub(super) fn firewall_step(plan: &Plan, node: &Node) -> Step {
    let mut step = Step::new(
        format!("firewall-{}", node.name),
        format!("Open the firewall of {}", node.name),
        Phase::Firewall,
        RunsOn::Node(node.name.clone()),
    );
    if plan.install.start_firewalld {
        step = step
            .shell("sudo systemctl start firewalld")
            .shell("sudo systemctl enable firewalld");
    }
    step = step.script(format!("firewall/nodes/{}.sh", node.name));
    if plan.install.restart_docker {
        step = step.shell("sudo systemctl restart docker");
    }
    step.verify(
        "sudo firewall-cmd --list-all",
        Expect::Contains("7946".into()),
    )
    .rollback("sudo firewall-cmd --reload after removing the added ports, or restore the snapshot")
    .why(match (plan.install.start_firewalld, plan.install.restart_docker) {
        (false, false) => "Swarm's own ports must be open before the node joins, or the join times out",
        (true, false) => "firewalld is started (and enabled at boot) first; Swarm's own ports must be open before the node joins, or the join times out",
        (false, true) => "Swarm's own ports must be open before the node joins, or the join times out; a firewalld reload drops Docker's own rules, so Docker is restarted after it",
        (true, true) => "firewalld is started (and enabled at boot) first; Swarm's own ports must be open before the node joins; a firewalld reload drops Docker's own rules, so Docker is restarted after it",
    })
}

pub(super) fn join_step(node: &Node, first: &Node) -> Step {
    let token = Token {
        role: node.role,
        from: first.name.clone(),
    };
    let why = format!(
        "the token is asked of {} (`{}`) as the step runs, and kept in the script's memory only",
        first.name,
        token.query()
    );
    Step::new(
        format!("join-{}", node.name),
        format!("Join {} as a {}", node.name, node.role),
        Phase::Swarm,
        RunsOn::Node(node.name.clone()),
    )
    .with_token(
        token,
        "docker swarm join --token",
        format!(
            "{} {}",
            advertise_flag(node),
            quote(&remote_address(Some(first)))
        ),
    )
    .verify(local_state(), Expect::Contains("active".into()))
    .rollback(format!(
        "docker swarm leave{}; then docker node rm {} on {}",
        if node.role == Role::Manager {
            " --force"
        } else {
            ""
        },
        node.name,
        first.name
    ))
    .why(why)
}

fn label_step(node: &Node, on: &RunsOn, findings: &mut Vec<Finding>) -> Option<Step> {
    let labels: Vec<(&String, &String)> = node
        .labels
        .iter()
        .filter(|(k, v)| {
            let ok = shell::is_safe_label(k, true) && shell::is_safe_label(v, false);
            if !ok {
                findings.push(Finding::new(Code::RunbookUnsafeLabel, Target::Node(node.name.clone()), format!("label {k:?}={v:?} of node `{}` cannot go into a shell command; the runbook leaves it out", node.name)));
            }
            ok
        })
        .collect();
    let (key, value) = labels.first()?;
    let mut step = Step::new(
        format!("label-{}", node.name),
        format!("Label {}", node.name),
        Phase::Labels,
        on.clone(),
    )
    .verify(
        label_inspect(key, &node.name),
        Expect::Contains((*value).clone()),
    )
    .why("the stacks' placement constraints read these labels");
    for (k, v) in &labels {
        step = step.shell(label_line(&node.name, k, v));
        step = step.rollback(label_rm(&node.name, k));
    }
    Some(step)
}

/// The files a stack is deployed from on the node, under [`REMOTE_DIR`].
pub(super) fn stack_paths(plan: &Plan, stack: &crate::plan::Stack) -> Vec<String> {
    stack_files::stack_files(plan, stack)
        .into_iter()
        .map(|(file, _)| format!("{REMOTE_DIR}/stacks/{}/{file}", stack.name))
        .collect()
}

/// The stacks, each deployed once those it comes `after` run; returns the last step's id.
fn deploy_steps(
    plan: &Plan,
    graph: &mut StepGraph,
    on: &RunsOn,
    copy: &str,
    findings: &mut Vec<Finding>,
) -> String {
    let (order, cycle) = deploy_order(plan);
    findings.extend(cycle);
    let mut last = copy.to_owned();
    for index in order {
        let stack = &plan.stacks[index];
        if !shell::is_safe_name(&stack.name) {
            continue;
        }
        let env = stack_environment(stack, findings);
        let prefix = if env.is_empty() {
            String::new()
        } else {
            format!("env {env}")
        };
        let line = deploy_line(stack, &stack_paths(plan, stack));
        let mut deps = vec![last.clone()];
        deps.extend(stack.after.iter().map(|a| format!("deploy-{a}")));
        last = graph.add(
            Step::new(
                format!("deploy-{}", stack.name),
                format!("Deploy stack {}", stack.name),
                Phase::Stacks,
                on.clone(),
            )
            .shell(format!("{prefix}{line}"))
            .wait_until(replicas(&stack.name), Expect::AllReplicas)
            .rollback(format!("docker stack rm {}", quote(&stack.name)))
            .why(if stack.after.is_empty() {
                "stacks go in `after:` order".to_owned()
            } else {
                format!("after {}, as its `after:` says", stack.after.join(", "))
            }),
            &deps,
        );
    }
    last
}

/// `docker stack services NAME --format '{{.Replicas}}'`.
pub fn replicas(stack: &str) -> String {
    format!(
        "docker stack services {} --format {}",
        quote(stack),
        quote("{{.Replicas}}")
    )
}

/// Whether `path` lies where the system, not the operator, provides files: sockets such as
/// `/var/run/docker.sock`, devices and kernel views. Creating a folder there would shadow the
/// file the service means to mount.
fn provided_by_the_system(path: &str) -> bool {
    ["/run", "/var/run", "/dev", "/proc", "/sys"]
        .iter()
        .any(|root| {
            path == *root
                || path
                    .strip_prefix(root)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
}

/// The host folders that services which may run on `node` (their constraints match it)
/// bind-mount, outside the plan's shared folders, in order of first use: they must exist on
/// the node, or Docker rejects the task ("bind source path does not exist").
fn host_folders(plan: &Plan, node: &Node) -> Vec<String> {
    let shared: Vec<&str> = plan
        .export
        .shared_folders
        .iter()
        .map(|r| r.trim_end_matches('/'))
        .collect();
    let mut folders: Vec<String> = Vec::new();
    for stack in &plan.stacks {
        for service in compose::read(stack).services {
            let eligible = crate::constraint::parse_all(&service.constraints)
                .is_ok_and(|c| crate::constraint::all_match(&c, node));
            if !eligible {
                continue;
            }
            for mount in &service.mounts {
                let (compose::MountKind::Bind, Some(source)) = (mount.kind, &mount.source) else {
                    continue;
                };
                let source = source.trim_end_matches('/');
                let on_shared = shared.iter().any(|r| {
                    source == *r
                        || source
                            .strip_prefix(r)
                            .is_some_and(|rest| rest.starts_with('/'))
                });
                if on_shared
                    || provided_by_the_system(source)
                    || !shell::is_safe_path(source)
                    || folders.iter().any(|f| f == source)
                {
                    continue;
                }
                folders.push(source.to_owned());
            }
        }
    }
    folders
}

#[cfg(test)]
mod tests {
    use super::host_folders;
    use crate::parse_plan;

    /// Found by the rehearsal lab: Digital Access bind-mounts /opt/nexus/config/* from each
    /// node, and no step created them, so Docker rejected every task ("bind source path does
    /// not exist"). Each node now gets the folders its possible services bind-mount, outside
    /// shared storage; files such as /etc/localtime are left alone by `[ -e ]`, and paths the
    /// system provides, such as /var/run/docker.sock, are never listed.
    #[test]
    fn bind_mount_folders_are_created_on_every_node_a_service_may_run_on() {
        let plan = parse_plan(
            "swarmplan: 1\nname: t\nnodes:\n  - {name: m1, role: manager, labels: {db: 'yes'}}\n  - {name: w1}\nexport: {shared_folders: [/mnt/nas]}\nstacks:\n  - name: s\n    compose:\n      services:\n        db: {image: x, volumes: ['/opt/db:/data', '/mnt/nas/db:/nas', '/etc/localtime:/etc/localtime'], deploy: {placement: {constraints: [node.labels.db == yes]}}}\n        web: {image: x, volumes: ['/opt/web/conf:/conf', 'named:/v', '/var/run/docker.sock:/var/run/docker.sock']}\n",
        )
        .expect("the plan reads");
        let m1 = plan.node("m1").expect("m1");
        let w1 = plan.node("w1").expect("w1");
        assert_eq!(
            host_folders(&plan, m1),
            ["/opt/db", "/etc/localtime", "/opt/web/conf"]
        );
        assert_eq!(host_folders(&plan, w1), ["/opt/web/conf"]);
        let book = crate::runbook::runbook(&plan, crate::runbook::Kind::Install);
        let step = book
            .steps
            .iter()
            .find(|s| s.id == "host-folders-w1")
            .expect("a folder step for w1");
        assert!(
            step.commands[0]
                .text()
                .ends_with("host-folders /opt/web/conf"),
            "{:?}",
            step.commands
        );
    }
}
