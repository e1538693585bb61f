//! Cluster commands: what the guides tell an operator to type, as scripts.
//!
//! - `swarm-init.sh` on the first manager (`docker swarm init --advertise-addr`);
//! - `swarm-join.sh NODE` on every other node. A join token is a secret: it is never in a plan
//!   or an export. The script takes it from `MANAGER_TOKEN` / `WORKER_TOKEN`, and the Markdown
//!   shows `<MANAGER-TOKEN>` / `<WORKER-TOKEN>` placeholders;
//! - `node-labels.sh`: `docker node update --label-add KEY=VALUE NODE` per label;
//! - `networks.sh`: `docker network create --driver overlay [--opt encrypted] [--attachable]`
//!   for every external network the stacks use;
//! - `nas-folders.sh`: `mkdir -p` and `chown` for bind-mounted folders on shared storage;
//! - `deploy-stacks.sh`: `docker stack deploy --with-registry-auth` per stack, in `after` order,
//!   each after a check that the files its secrets and configs read are there (`needs`).

use super::shell::{self, quote};
use super::{script_prelude, stack_files};
use crate::compose::{self, MountKind};
use crate::findings::{Code, Finding, Target};
use crate::plan::{Node, Plan, Role, Stack};
use indexmap::IndexMap;

/// A generated script: its file name under `commands/` and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    pub name: &'static str,
    pub text: String,
}

/// All cluster commands, and the findings for names they had to leave out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Commands {
    pub scripts: Vec<Script>,
    /// The same commands for a person to read, with token placeholders.
    pub markdown: String,
    pub findings: Vec<Finding>,
}

fn unsafe_name(target: Target, kind: &str, name: &str, left_out: &str) -> Finding {
    Finding::new(
        Code::ExportUnsafeName,
        target,
        format!("{kind} name {name:?} cannot go into a shell command; {left_out} is left out of the exports"),
    )
    .hint("use letters, digits, '-', '_' and '.', starting with a letter or digit")
}

/// The stacks in deployment order (see `order::stack_order`); a cycle of `after:` is a finding,
/// and its stacks are deployed last, in plan order.
pub fn deploy_order(plan: &Plan) -> (Vec<usize>, Vec<Finding>) {
    let order = crate::order::stack_order(plan);
    let findings = order
        .cycle
        .first()
        .map(|name| {
            Finding::new(
                Code::StackCycle,
                Target::Stack(name.clone()),
                format!(
                    "stacks {} wait for each other in `after:`; the deploy script deploys them last, in plan order",
                    order.cycle.join(", ")
                ),
            )
            .hint("remove one of the `after:` entries that close the cycle")
        })
        .into_iter()
        .collect();
    (order.order, findings)
}

/// The environment variable a node's join token is read from, and the placeholder shown for
/// it: a join token is a secret and never written into a plan or an export.
pub fn join_token(role: Role) -> (&'static str, &'static str) {
    match role {
        Role::Manager => ("MANAGER_TOKEN", "<MANAGER-TOKEN>"),
        Role::Worker => ("WORKER_TOKEN", "<WORKER-TOKEN>"),
    }
}

/// ` --advertise-addr IP` when the plan knows the node's address.
pub fn advertise_flag(node: &Node) -> String {
    node.ip
        .map(|ip| format!(" --advertise-addr {}", quote(&ip.to_string())))
        .unwrap_or_default()
}

/// `docker swarm init [--advertise-addr IP] [the plan's swarm flags]` for the first manager.
pub fn init_line(plan: &Plan, manager: &Node) -> String {
    let mut line = match manager.ip {
        Some(ip) => format!(
            "docker swarm init --advertise-addr {}",
            quote(&ip.to_string())
        ),
        None => "docker swarm init".to_owned(),
    };
    for flag in init_flags(plan) {
        line.push(' ');
        line.push_str(&flag);
    }
    line
}

/// The flags `docker swarm init` takes from the plan's `swarm`, each a word or two, quoted.
fn init_flags(plan: &Plan) -> Vec<String> {
    let mut flags = Vec::new();
    for pool in crate::swarm_network::address_pools(plan) {
        flags.push(format!("--default-addr-pool {}", quote(&pool)));
    }
    if let Some(port) = plan.swarm.data_path_port {
        flags.push(format!("--data-path-port {port}"));
    }
    if plan.swarm.autolock {
        flags.push("--autolock".to_owned());
    }
    if let Some(expiry) = &plan.swarm.cert_expiry {
        flags.push(format!("--cert-expiry {}", quote(expiry)));
    }
    flags
}

/// The address other nodes join: the first manager's `IP:2377`, or a placeholder.
pub fn remote_address(first_manager: Option<&Node>) -> String {
    match first_manager.and_then(|m| m.ip) {
        Some(std::net::IpAddr::V4(v4)) => format!("{v4}:2377"),
        Some(std::net::IpAddr::V6(v6)) => format!("[{v6}]:2377"),
        None => "<MANAGER-IP>:2377".to_owned(),
    }
}

/// `docker node update --label-add KEY=VALUE NODE`; the caller has checked the label.
pub fn label_line(node: &str, key: &str, value: &str) -> String {
    format!(
        "docker node update --label-add {} {}",
        quote(&format!("{key}={value}")),
        quote(node)
    )
}

/// Every external network the stacks use, once, with the options any of them asks for: the
/// networks to create before the stacks deploy. Docker's own (`host`, `bridge`, `none`) are
/// joined, never created, and so is a network that another of the plan's stacks creates by
/// that name: `docker stack deploy` of that stack would refuse one that already exists.
pub fn external_networks(composes: &[compose::Compose]) -> IndexMap<String, compose::Network> {
    let created_by_a_stack: Vec<&str> = composes
        .iter()
        .flat_map(|c| c.networks.iter())
        .filter(|n| !n.external)
        .map(|n| n.name.as_str())
        .collect();
    let mut networks: IndexMap<String, compose::Network> = IndexMap::new();
    for compose in composes {
        for network in compose.networks.iter().filter(|n| {
            n.external && !n.is_predefined() && !created_by_a_stack.contains(&n.name.as_str())
        }) {
            let entry = networks
                .entry(network.name.clone())
                .or_insert_with(|| network.clone());
            entry.encrypted |= network.encrypted;
            entry.attachable |= network.attachable;
        }
    }
    networks
}

/// `docker network create --driver D [--opt encrypted] [--attachable] NAME`.
pub fn network_line(network: &compose::Network) -> String {
    let mut line = format!("docker network create --driver {}", quote(&network.driver));
    if network.encrypted {
        line.push_str(" --opt encrypted");
    }
    if network.attachable {
        line.push_str(" --attachable");
    }
    line.push(' ');
    line.push_str(&quote(&network.name));
    line
}

/// `NAME=VALUE ` for each of the stack's variables that can be set in a shell command; the
/// others are findings.
pub fn stack_environment(stack: &Stack, findings: &mut Vec<Finding>) -> String {
    let mut env = String::new();
    for (name, value) in &stack.variables {
        if !shell::is_variable_name(name) || !shell::is_safe_value(value) {
            findings.push(Finding::new(
                Code::ExportUnsafeValue,
                Target::Stack(stack.name.clone()),
                format!("variable {name:?} of stack `{}` cannot be set in a shell command; the deploy command leaves it out", stack.name),
            ));
            continue;
        }
        env.push_str(&format!("{}={} ", name, quote(value)));
    }
    env
}

/// `docker stack deploy --with-registry-auth -c FILE... NAME`, files in `-c` order.
pub fn deploy_line(stack: &Stack, files: &[String]) -> String {
    let files: Vec<String> = files.iter().map(|f| format!("-c {}", quote(f))).collect();
    format!(
        "docker stack deploy --with-registry-auth {} {}",
        files.join(" "),
        quote(&stack.name)
    )
}

/// Builds every cluster command of the plan.
pub fn commands(plan: &Plan) -> Commands {
    let mut out = Commands::default();
    let mut md = String::from("# Cluster commands\n\nRun them in this order. Join tokens are secrets and are not part of this export: get them on the first manager with `docker swarm join-token -q manager` and `docker swarm join-token -q worker`.\n\n");

    let safe_nodes: Vec<&crate::plan::Node> = plan
        .nodes
        .iter()
        .filter(|n| {
            let ok = shell::is_safe_name(&n.name);
            if !ok {
                out.findings.push(unsafe_name(
                    Target::Node(n.name.clone()),
                    "node",
                    &n.name,
                    "the node",
                ));
            }
            ok
        })
        .collect();
    let first_manager = safe_nodes.iter().find(|n| n.role == Role::Manager).copied();

    // 1. swarm init.
    let mut init = script_prelude(
        "Create the swarm. Run on the first manager.",
        &["Usage: ./swarm-init.sh [--dry-run]"],
    );
    md.push_str("## 1. Create the swarm\n\n");
    match first_manager {
        Some(manager) => {
            if manager.ip.is_none() {
                init.push_str(&format!(
                    "# The plan gives no IP for {}; docker picks the address.\n",
                    manager.name
                ));
            }
            let line = init_line(plan, manager);
            init.push_str(&format!("# On {}:\nrun {line}\n", manager.name));
            md.push_str(&format!("On `{}`:\n\n```\n{line}\n```\n\n", manager.name));
        }
        None => {
            init.push_str(
                "echo 'The plan has no manager node: there is no swarm to create.' >&2\nexit 1\n",
            );
            md.push_str("The plan has no manager node.\n\n");
        }
    }
    out.scripts.push(Script {
        name: "swarm-init.sh",
        text: init,
    });

    // 2. swarm join.
    let mut join = script_prelude(
        "Join one node to the swarm. Run on that node, with the token of its role in the environment.",
        &[
            "Usage: MANAGER_TOKEN=... ./swarm-join.sh [--dry-run] NODE   (for a manager)",
            "       WORKER_TOKEN=... ./swarm-join.sh [--dry-run] NODE    (for a worker)",
            "Get the tokens on the first manager: docker swarm join-token -q manager|worker",
        ],
    );
    md.push_str("## 2. Join the other nodes, managers first\n\n");
    let joining: Vec<&&crate::plan::Node> = safe_nodes
        .iter()
        .filter(|n| {
            n.role == Role::Manager
                && Some(n.name.as_str()) != first_manager.map(|m| m.name.as_str())
        })
        .chain(safe_nodes.iter().filter(|n| n.role == Role::Worker))
        .collect();
    let names: Vec<&str> = joining.iter().map(|n| n.name.as_str()).collect();
    join.push_str(&format!(
        "node=\"${{1:?usage: $0 [--dry-run] NODE, one of: {}}}\"\n\n",
        shell::comment(&names.join(" ")).replace(['}', '"', '`', '$', '\\'], "")
    ));
    join.push_str("case \"$node\" in\n");
    let remote_word = remote_address(first_manager);
    for node in &joining {
        let (variable, placeholder) = join_token(node.role);
        let advertise = advertise_flag(node);
        join.push_str(&format!(
            "  {})\n    run docker swarm join --token \"${{{variable}:?set {variable} to {placeholder}: docker swarm join-token -q {} on the first manager}}\"{advertise} {}\n    ;;\n",
            quote(&node.name),
            node.role,
            quote(&remote_word),
        ));
        md.push_str(&format!(
            "- On `{}` ({}): `docker swarm join --token {placeholder}{advertise} {remote_word}`\n",
            node.name, node.role
        ));
    }
    join.push_str("  *)\n    echo \"unknown node: $node\" >&2\n    exit 2\n    ;;\nesac\n");
    if joining.is_empty() {
        md.push_str("No other node to join.\n");
    }
    md.push_str(
        "\nThen check on a manager that every node is `Ready` and `Active`: `docker node ls`.\n\n",
    );
    out.scripts.push(Script {
        name: "swarm-join.sh",
        text: join,
    });

    // 3. node labels.
    let mut labels = script_prelude(
        "Label the nodes. Run on a manager.",
        &["Usage: ./node-labels.sh [--dry-run]"],
    );
    md.push_str("## 3. Label the nodes (on a manager)\n\n");
    let mut any_label = false;
    for node in &safe_nodes {
        for (key, value) in &node.labels {
            if !shell::is_safe_label(key, true) || !shell::is_safe_label(value, false) {
                out.findings.push(
                    Finding::new(
                        Code::ExportUnsafeLabel,
                        Target::Node(node.name.clone()),
                        format!("label {key:?}={value:?} of node `{}` cannot go into a shell command; it is left out of the exports", node.name),
                    )
                    .hint("use printable ASCII without spaces, quotes or shell characters (and no '=' in the key)"),
                );
                continue;
            }
            any_label = true;
            let line = label_line(&node.name, key, value);
            labels.push_str(&format!("run {line}\n"));
            md.push_str(&format!("    {line}\n"));
        }
    }
    if !any_label {
        labels.push_str("# The plan gives no node labels.\n");
        md.push_str("The plan gives no node labels.\n");
    }
    md.push('\n');
    out.scripts.push(Script {
        name: "node-labels.sh",
        text: labels,
    });

    // 4. networks.
    let composes: Vec<compose::Compose> = plan.stacks.iter().map(compose::read).collect();
    let networks = external_networks(&composes);
    let mut nets = script_prelude(
        "Create the external networks the stacks expect. Run on a manager.",
        &["Usage: ./networks.sh [--dry-run]"],
    );
    md.push_str("## 4. Create the external networks (on a manager)\n\n");
    if networks.is_empty() {
        nets.push_str("# No network to create before the stacks: they create the networks they use, or join Docker's own.\n");
        md.push_str("No network to create before the stacks: they create the networks they use, or join Docker's own.\n");
    }
    for network in networks.values() {
        if !shell::is_safe_name(&network.name) || !shell::is_safe_name(&network.driver) {
            out.findings.push(unsafe_name(
                Target::Plan,
                "network",
                &network.name,
                "its `docker network create`",
            ));
            continue;
        }
        let line = network_line(network);
        nets.push_str(&format!("run {line}\n"));
        md.push_str(&format!("    {line}\n"));
    }
    md.push('\n');
    out.scripts.push(Script {
        name: "networks.sh",
        text: nets,
    });

    // 5. NAS folders.
    out.scripts
        .push(nas_folders(plan, &composes, &mut md, &mut out.findings));

    // 6. stacks.
    let (order, cycle) = deploy_order(plan);
    out.findings.extend(cycle);
    let mut deploy = script_prelude(
        "Deploy the stacks, each after the stacks it names in `after`. Run on a manager, from anywhere.",
        &["Usage: ./deploy-stacks.sh [--dry-run]"],
    );
    deploy.push_str(CONVERGED);
    if composes.iter().any(|c| !c.files.is_empty()) {
        deploy.push_str(NEEDS);
    }
    deploy.push_str("# The stack files are in ../stacks, next to this folder.\ncd \"$(dirname \"$0\")/../stacks\"\n\n");
    md.push_str("## 6. Deploy the stacks (on a manager, in the `stacks` folder)\n\n");
    for index in order {
        let stack = &plan.stacks[index];
        if !shell::is_safe_name(&stack.name) {
            out.findings.push(unsafe_name(
                Target::Stack(stack.name.clone()),
                "stack",
                &stack.name,
                "its deploy command",
            ));
            continue;
        }
        let env = stack_environment(stack, &mut out.findings);
        let files: Vec<String> = stack_files::stack_files(plan, stack)
            .into_iter()
            .map(|(file, _)| format!("{}/{file}", stack.name))
            .collect();
        let line = deploy_line(stack, &files);
        let prefix = if env.is_empty() { "" } else { "env " };
        // The files its secrets and configs read, relative to its stack file unless absolute.
        let read: Vec<String> = composes[index]
            .files
            .iter()
            .map(|file| {
                let file = file.trim_start_matches("./");
                if file.starts_with('/') {
                    file.to_owned()
                } else {
                    format!("{}/{file}", stack.name)
                }
            })
            .collect();
        if !read.is_empty() {
            let quoted: Vec<String> = read.iter().map(|f| quote(f)).collect();
            deploy.push_str(&format!(
                "needs {} {}\n",
                quote(&stack.name),
                quoted.join(" ")
            ));
            md.push_str(&format!(
                "    # {} reads {}: they must be there first (the install runbook says how they are made)\n",
                stack.name,
                read.join(", ")
            ));
        }
        deploy.push_str(&format!("run {prefix}{env}{line}\n"));
        deploy.push_str(&format!("converged {}\n\n", quote(&stack.name)));
        md.push_str(&format!("    {env}{line}\n"));
    }
    md.push_str(
        "\nWait until each stack's services all show N/N with `docker stack services NAME` before the next one (the script waits).\n",
    );
    out.scripts.push(Script {
        name: "deploy-stacks.sh",
        text: deploy,
    });
    out.markdown = md;
    out
}

/// The deploy script's wait: a stack that others come `after` must run before they deploy.
const CONVERGED: &str = r#"# converged STACK: waits until every service of STACK runs all its replicas (five minutes at
# most), as a stack deployed after it may need them.
converged() {
  local line ready
  if [[ $dry_run == 1 ]]; then
    printf 'wait until every service of %s runs all its replicas\n' "$1"
    return 0
  fi
  for _ in {1..60}; do
    ready=0
    while IFS= read -r line; do
      line=${line%% *}
      if [[ $line == */* && ${line%/*} == "${line#*/}" ]]; then
        ready=1
      else
        ready=0
        break
      fi
    done < <(docker stack services "$1" --format '{{.Replicas}}')
    if [[ $ready == 1 ]]; then
      docker stack services "$1"
      return 0
    fi
    sleep 5
  done
  echo "stack $1 did not run all its replicas in five minutes:" >&2
  docker stack services "$1" >&2
  return 1
}

"#;

/// The deploy script's check of the files a stack's secrets and configs read: without them
/// `docker stack deploy` stops, so the script says which file is missing before it starts.
const NEEDS: &str = r#"# needs STACK FILE...: stops, before STACK is deployed, when a file its secrets or configs
# read is missing (each is made or copied by a step of runbooks/install.md).
needs() {
  local stack=$1 file missing=0
  shift
  for file in "$@"; do
    if [[ $dry_run == 1 ]]; then
      printf 'check that %s exists\n' "$file"
    elif [[ ! -s $file ]]; then
      echo "deploy-stacks.sh: stack $stack reads $file, which is missing or empty: make it first (see runbooks/install.md)" >&2
      missing=1
    fi
  done
  return "$missing"
}

"#;

/// `mkdir -p` and `chown` for bind-mounted folders under the plan's shared folders, in order
/// of first use; owners grouped as the MSactivator guide groups them.
fn nas_folders(
    plan: &Plan,
    composes: &[compose::Compose],
    md: &mut String,
    findings: &mut Vec<Finding>,
) -> Script {
    let mut text = script_prelude(
        "Create the folders on shared storage that the stacks bind-mount, and set their owners.",
        &[
            "Run once, on a node that mounts the shared storage.",
            "Usage: sudo ./nas-folders.sh [--dry-run]",
        ],
    );
    md.push_str("## 5. Create the shared (NAS) folders (once, on a node that mounts them)\n\n");
    let roots: Vec<String> = plan
        .export
        .shared_folders
        .iter()
        .filter(|root| {
            let ok = shell::is_safe_path(root);
            if !ok {
                findings.push(Finding::new(Code::ExportUnsafePath, Target::Plan, format!("shared folder {root:?} is not an absolute path Swarmplan can put in a shell command; it is left out")));
            }
            ok
        })
        .map(|r| r.trim_end_matches('/').to_owned())
        .collect();
    let mut folders: Vec<String> = Vec::new();
    for compose in composes {
        for service in &compose.services {
            for mount in service.mounts.iter().filter(|m| m.kind == MountKind::Bind) {
                let Some(source) = &mount.source else {
                    continue;
                };
                let source = source.trim_end_matches('/');
                let under_root = roots.iter().any(|r| {
                    source
                        .strip_prefix(r.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
                });
                if !under_root || folders.iter().any(|f| f == source) {
                    continue;
                }
                if !shell::is_safe_path(source) {
                    findings.push(Finding::new(
                        Code::ExportUnsafePath,
                        Target::Service { stack: compose.stack.clone(), service: service.name.clone() },
                        format!("bind-mount source {source:?} cannot go into a shell command; it is left out of the NAS script"),
                    ));
                    continue;
                }
                folders.push(source.to_owned());
            }
        }
    }
    for path in plan.export.owners.keys() {
        if !folders.iter().any(|f| f == path.trim_end_matches('/')) {
            findings.push(Finding::new(
                Code::OwnerWithoutFolder,
                Target::Plan,
                format!("an owner is set for {path:?}, which no stack bind-mounts under a shared folder; it is not in the NAS script"),
            ));
        }
    }
    if folders.is_empty() {
        text.push_str("# No stack bind-mounts a folder under the plan's shared folders.\n");
        md.push_str("No stack bind-mounts a folder on shared storage.\n\n");
        return Script {
            name: "nas-folders.sh",
            text,
        };
    }
    let mkdir = format!(
        "mkdir -p {}",
        folders
            .iter()
            .map(|f| quote(f))
            .collect::<Vec<_>>()
            .join(" ")
    );
    text.push_str(&format!("run {mkdir}\n"));
    md.push_str(&format!("    {mkdir}\n"));
    // Group by (owner, recursive), in order of first folder.
    let mut groups: IndexMap<(String, bool), Vec<&str>> = IndexMap::new();
    for folder in &folders {
        let owner = plan
            .export
            .owners
            .iter()
            .find(|(p, _)| p.trim_end_matches('/') == folder)
            .map(|(_, o)| o);
        let Some(owner) = owner else { continue };
        if !is_owner(owner.owner()) {
            findings.push(Finding::new(
                Code::ExportUnsafeValue,
                Target::Plan,
                format!(
                    "owner {:?} of {folder} is not UID, UID:GID or a user name; the chown is left out",
                    owner.owner()
                ),
            ));
            continue;
        }
        groups
            .entry((owner.owner().to_owned(), owner.recursive()))
            .or_default()
            .push(folder);
    }
    for ((owner, recursive), paths) in groups {
        let flag = if recursive { "-R " } else { "" };
        let chown = format!(
            "chown {flag}{} {}",
            quote(&owner),
            paths.iter().map(|p| quote(p)).collect::<Vec<_>>().join(" ")
        );
        text.push_str(&format!("run {chown}\n"));
        md.push_str(&format!("    {chown}\n"));
    }
    md.push('\n');
    Script {
        name: "nas-folders.sh",
        text,
    }
}

/// `UID`, `UID:GID`, or user and group names as `chown` takes them.
fn is_owner(owner: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty()
            && p.len() <= 32
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            && !p.starts_with('-')
    };
    match owner.split_once(':') {
        Some((user, group)) => part(user) && part(group),
        None => part(owner),
    }
}

#[cfg(test)]
mod tests {
    use super::external_networks;
    use crate::{compose, parse_plan};

    /// Found by the rehearsal lab: MSactivator's es stack creates `msa-es`, which the msa stack
    /// joins as external. The install created it first, and `docker stack deploy` of es then
    /// refused: "network with name msa-es already exists".
    #[test]
    fn a_network_that_a_stack_creates_is_not_created_before_the_stacks() {
        let plan = parse_plan(
            "swarmplan: 1\nname: t\nnodes: [{name: m1, role: manager}]\nstacks:\n  - name: es\n    compose:\n      services: {es: {image: x, networks: [es]}}\n      networks: {es: {name: msa-es, driver: overlay}}\n  - name: msa\n    after: [es]\n    compose:\n      services: {api: {image: x, networks: [es, shared]}}\n      networks: {es: {name: msa-es, external: true}, shared: {external: true}}\n",
        )
        .expect("the plan reads");
        let composes: Vec<_> = plan.stacks.iter().map(compose::read).collect();
        let names: Vec<String> = external_networks(&composes).into_keys().collect();
        assert_eq!(names, ["shared"]);
    }
}
