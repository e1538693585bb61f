//! Every export at once, exports and runbooks, as an ordered file tree (the `swarmplan export --out DIR` layout) and
//! as the `.zip` the app downloads for an offline site.
//!
//! ```text
//! README.md                 what to run, in which order
//! diagram.svg               the topology drawn, with tasks and the domains that break quorum
//! stacks/NAME/*.yml         stack files (docker-compose.yml, or the three-file split)
//! commands/README.md        the cluster commands to read, with token placeholders
//! commands/*.sh             swarm init/join, labels, networks, NAS folders, stack deploys
//! firewall/nodes/NODE.sh    firewall-cmd per node: exactly that node's port matrix
//! firewall/roles/ROLE.sh    the vendor guides' simple variant (plain --add-port)
//! firewall/ports.md, .csv   the port table
//! runbooks/KIND.md, .sh      install, and upgrade or failover: checklist and script
//! runbooks/upgrade-stacks/   stack files with the new image tags
//! ansible/inventory.yml     the nodes as an Ansible inventory
//! ansible/swarm.yml         the swarm built from it with community.docker
//! ```
//!
//! It sits above both `export/` and `runbook/`, which it gathers; neither imports it.

use crate::export::{commands, diagram, firewall, inventory, shell, stack_files, Task};
use crate::findings::{Code, Finding, Target};
use crate::plan::{Plan, Role};
use serde::Serialize;
use std::io::{Cursor, Write};

/// One exported file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportFile {
    /// A relative path with `/` separators.
    pub path: String,
    pub contents: String,
    /// Scripts are written with mode 0755.
    pub executable: bool,
}

/// The whole export: files in a fixed order, and the findings met on the way (names refused,
/// addresses left out, ports exposed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bundle {
    pub files: Vec<ExportFile>,
    pub findings: Vec<Finding>,
}

impl Bundle {
    pub fn file(&self, path: &str) -> Option<&ExportFile> {
        self.files.iter().find(|f| f.path == path)
    }
}

fn file(path: String, contents: String) -> ExportFile {
    let executable = path.ends_with(".sh");
    ExportFile {
        path,
        contents,
        executable,
    }
}

/// Builds every export of the plan, with what the analysis computed: where tasks run, which
/// host-mode published ports need, and what the diagram draws.
pub fn bundle_for(plan: &Plan, analysis: &crate::Analysis) -> Bundle {
    let tasks: &[Task] = &analysis.placement;
    // Over a limit or the work budget, nothing is exported: the findings say why.
    let refusals = crate::budget::check_plan(plan, false, crate::budget::Work::Exports);
    if !refusals.is_empty() {
        return Bundle {
            files: Vec::new(),
            findings: refusals,
        };
    }
    let mut files = Vec::new();
    let mut findings = Vec::new();

    let mut stack_lines = Vec::new();
    for stack in &plan.stacks {
        if !shell::is_safe_name(&stack.name) {
            findings.push(
                Finding::new(
                    Code::ExportUnsafeName,
                    Target::Stack(stack.name.clone()),
                    format!(
                        "stack name {:?} cannot be a folder or a shell word; its files are left out of the exports",
                        stack.name
                    ),
                )
                .hint("use letters, digits, '-', '_' and '.', starting with a letter or digit"),
            );
            continue;
        }
        let names: Vec<String> = stack_files::stack_files(plan, stack)
            .into_iter()
            .map(|(name, text)| {
                files.push(file(format!("stacks/{}/{name}", stack.name), text));
                name
            })
            .collect();
        stack_lines.push(format!("- `stacks/{}/`: {}", stack.name, names.join(", ")));
    }

    let cluster = commands::commands(plan);
    findings.extend(cluster.findings.iter().cloned());
    files.push(file("commands/README.md".into(), cluster.markdown.clone()));
    for script in &cluster.scripts {
        files.push(file(
            format!("commands/{}", script.name),
            script.text.clone(),
        ));
    }

    let matrix = firewall::port_matrix(plan, tasks);
    findings.extend(matrix.findings.iter().cloned());
    for node in &plan.nodes {
        if let Some(text) = firewall::node_script(plan, &matrix, node) {
            files.push(file(format!("firewall/nodes/{}.sh", node.name), text));
        }
    }
    for role in [Role::Manager, Role::Worker] {
        if plan.nodes.iter().any(|n| n.role == role) {
            files.push(file(
                format!("firewall/roles/{role}.sh"),
                firewall::role_script(plan, &matrix, role),
            ));
        }
    }
    files.push(file(
        "firewall/ports.md".into(),
        firewall::port_table_markdown(plan, &matrix),
    ));
    files.push(file(
        "firewall/ports.csv".into(),
        firewall::port_table_csv(plan, &matrix),
    ));

    files.push(file("diagram.svg".into(), diagram::svg(plan, analysis)));
    files.push(file(
        "ansible/inventory.yml".into(),
        inventory::inventory(plan),
    ));
    files.push(file("ansible/swarm.yml".into(), inventory::playbook(plan)));

    let (runbook_files, runbook_findings) = crate::runbook::bundle_files(plan);
    // The runbooks' own findings (quorum, replicas during an upgrade) are in their Markdown;
    // the bundle lists those about names left out, as for the other exports.
    findings.extend(
        runbook_findings
            .into_iter()
            .filter(|f| matches!(f.code, Code::RunbookUnsafeName | Code::RunbookUnsafeLabel)),
    );
    for (path, contents) in runbook_files {
        files.push(file(path, contents));
    }

    // Two items of one name (nodes, stacks) would write one path twice, which a folder keeps
    // once and a zip refuses: the first is kept, and the finding says so.
    let mut paths = std::collections::BTreeSet::new();
    files.retain(|f| {
        let first = paths.insert(f.path.clone());
        if !first {
            findings.push(
                Finding::new(
                    Code::ExportUnsafeName,
                    Target::Plan,
                    format!(
                        "two exported files would be `{}`: two items of the plan share a name, and only the first one's file is written",
                        f.path
                    ),
                )
                .hint("give each node and stack its own name"),
            );
        }
        first
    });

    // The same finding can come from two exporters (a node refused by commands and firewall).
    let mut unique: Vec<Finding> = Vec::new();
    for finding in findings {
        if !unique.contains(&finding) {
            unique.push(finding);
        }
    }
    unique.sort_by_key(|f| f.severity);
    files.insert(
        0,
        file("README.md".into(), readme(plan, &stack_lines, &unique)),
    );
    Bundle {
        files,
        findings: unique,
    }
}

fn readme(plan: &Plan, stack_lines: &[String], findings: &[Finding]) -> String {
    let mut text = format!(
        "# {}: deployment bundle\n\n",
        crate::text::one_line(&plan.name)
    );
    text.push_str("Generated by `swarmplan export` from the plan. Every script prints its commands instead of running them when given `--dry-run`. `diagram.svg` draws the topology: sites, racks, hosts and nodes, each node's tasks, and the failure domains whose loss breaks the managers' quorum.\n\n");
    text.push_str("## Order\n\n");
    text.push_str("1. **Firewall**, on every node: `firewall/nodes/NODE.sh` (exactly the ports that node needs, Swarm's own ports from the cluster's nodes only), or the simpler `firewall/roles/manager.sh` / `worker.sh` of the vendor guides. The table of all openings is `firewall/ports.md` (and `.csv`).\n");
    text.push_str("2. **Swarm**: `commands/swarm-init.sh` on the first manager, then `commands/swarm-join.sh NODE` on every other node, managers first, with `MANAGER_TOKEN` / `WORKER_TOKEN` set (tokens are secrets and are not in this bundle).\n");
    text.push_str("3. **Node labels**: `commands/node-labels.sh` on a manager.\n");
    text.push_str("4. **Networks**: `commands/networks.sh` on a manager.\n");
    text.push_str("5. **Shared folders**: `commands/nas-folders.sh` once, on a node that mounts the shared storage.\n");
    text.push_str("6. **Stacks**: `commands/deploy-stacks.sh` on a manager; it deploys them in dependency order.\n");
    text.push_str("7. **Runbooks**: `runbooks/install.md` is steps 1 to 6 as one checklist, each step verified, and `runbooks/install.sh` runs it from a workstation over ssh (`--dry-run` prints it, `--from STEP` resumes). `runbooks/upgrade.*` (rolling upgrade) or `runbooks/failover.*` (active/passive update) follow the plan's `upgrade:`; `runbooks/upgrade-stacks/` holds the stack files with the new image tags.\n\n");
    text.push_str("`commands/README.md` lists the same commands to read or type by hand.\n\n");
    text.push_str("Where the site automates with Ansible: `ansible/inventory.yml` holds the nodes (groups `managers`, `workers`, and one per site and rack, with each node's role, labels and physical host), and `ansible/swarm.yml` does steps 2 and 3 from it with the `community.docker` collection.\n\n");
    text.push_str("## Stacks\n\n");
    if stack_lines.is_empty() {
        text.push_str("The plan has no stacks.\n");
    }
    for l in stack_lines {
        text.push_str(l);
        text.push('\n');
    }
    text.push_str("\nFiles a stack refers to by relative path (secrets, configs) go next to its stack file.\n");
    if !findings.is_empty() {
        text.push_str("\n## Findings\n\n");
        for finding in findings {
            text.push_str(&format!(
                "- {}\n",
                crate::text::one_line(&finding.to_string())
            ));
        }
    }
    text
}

/// The bundle as a `.zip`: files in bundle order, deflated, every timestamp 1980-01-01 so that
/// the same plan gives the same bytes.
pub fn zip(bundle: &Bundle) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for f in &bundle.files {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(if f.executable { 0o755 } else { 0o644 });
        writer
            .start_file(f.path.as_str(), options)
            .expect("writing to memory cannot fail");
        writer
            .write_all(f.contents.as_bytes())
            .expect("writing to memory cannot fail");
    }
    writer
        .finish()
        .expect("writing to memory cannot fail")
        .into_inner()
}
