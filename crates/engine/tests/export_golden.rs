//! Golden exports of every example plan, each judged by the real tools: Docker's stack loader,
//! `bash -n`, `shellcheck`, and firewalld's offline command, which applies every node script to
//! a scratch configuration and must then list exactly that node's port matrix.
//!
//! Refresh the golden files with `UPDATE_EXPECT=1 cargo test -p swarmplan-engine --test export_golden`.

// A test is a shell around the engine: it reads and writes files, as the command line does.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

#[path = "support/judges.rs"]
mod judges;

use expect_test::expect_file;
use std::collections::BTreeSet;
use swarmplan_engine::bundle::{bundle_for, Bundle};
use swarmplan_engine::export::{firewall, listall, stack_files};
use swarmplan_engine::{analyze, examples::EXAMPLES, parse_plan, Options, Plan};

/// A golden file's path; its folder is created so that `UPDATE_EXPECT=1` can write it.
fn golden(relative: &str) -> std::path::PathBuf {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/exports")
        .join(relative);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir golden");
    path
}

/// Docker's loader sorts a service's volumes by target when it merges several files; the
/// order of mounts means nothing to Swarm, so both printouts are compared with it sorted.
fn normalise_config(text: &str) -> swarmplan_engine::yaml::Value {
    use swarmplan_engine::yaml::Value;
    let mut value = swarmplan_engine::yaml::parse_value(text).expect("docker prints YAML");
    if let Some(Value::Mapping(services)) = value.get_mut("services") {
        for (_, service) in services.iter_mut() {
            if let Some(Value::Sequence(volumes)) = service.get_mut("volumes") {
                volumes.sort_by_key(swarmplan_engine::yaml::value_to_yaml);
            }
        }
    }
    value
}

fn example_bundle(id: &str) -> (Plan, Bundle, Vec<swarmplan_engine::export::Task>) {
    let example = swarmplan_engine::examples::example(id).expect("example");
    let plan = parse_plan(example.yaml).expect("example parses");
    let analysis = analyze(&plan, &Options::default());
    (
        plan.clone(),
        bundle_for(&plan, &analysis),
        analysis.placement,
    )
}

#[test]
fn golden_exports_of_every_example() {
    for example in EXAMPLES {
        let (_, bundle, _) = example_bundle(example.id);
        let mut listing = String::new();
        for file in &bundle.files {
            listing.push_str(&format!(
                "{}{}\n",
                file.path,
                if file.executable { " (executable)" } else { "" }
            ));
            expect_file![golden(&format!("{}/{}", example.id, file.path))]
                .assert_eq(&file.contents);
        }
        listing.push_str("\nfindings:\n");
        for finding in &bundle.findings {
            listing.push_str(&format!("{finding}\n"));
        }
        expect_file![golden(&format!("{}.files", example.id))].assert_eq(&listing);
    }
}

#[test]
fn every_script_passes_bash_n_and_shellcheck() {
    for example in EXAMPLES {
        let (_, bundle, _) = example_bundle(example.id);
        let dir = judges::scratch(&format!("sh-{}", example.id));
        judges::write_bundle(&bundle, &dir);
        for file in bundle.files.iter().filter(|f| f.path.ends_with(".sh")) {
            judges::check_script(&dir.join(&file.path));
        }
    }
}

#[test]
fn every_stack_passes_docker_stack_config_and_split_files_merge_to_the_single_file() {
    for example in EXAMPLES {
        let (plan, bundle, _) = example_bundle(example.id);
        let dir = judges::scratch(&format!("stack-{}", example.id));
        judges::write_bundle(&bundle, &dir);
        for stack in &plan.stacks {
            let env: Vec<(String, String)> = stack
                .variables
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let stack_dir = dir.join("stacks").join(&stack.name);
            let files: Vec<String> = stack_files::stack_files(&plan, stack)
                .into_iter()
                .map(|(name, _)| name)
                .collect();
            let names: Vec<&str> = files.iter().map(String::as_str).collect();
            let merged = judges::stack_config(&stack_dir, &names, &env);
            if stack_files::is_split(&plan, stack) {
                assert_eq!(names, stack_files::SPLIT_FILES);
                // The single file, as the plan holds it, next to the split ones.
                let mut single = plan.clone();
                single.export.split_stacks.clear();
                let (_, text) = stack_files::stack_files(&single, stack).remove(0);
                std::fs::write(stack_dir.join("single.yml"), text).expect("write");
                let whole = judges::stack_config(&stack_dir, &["single.yml"], &env);
                assert_eq!(
                    normalise_config(&merged),
                    normalise_config(&whole),
                    "stack {}: the split files do not merge to the single file",
                    stack.name
                );
            }
        }
    }
}

/// What the node script must leave in firewalld: the `--add-port`, `--add-protocol` and
/// `--add-rich-rule` arguments of the node's part of the matrix.
fn expected_openings(
    plan: &Plan,
    matrix: &firewall::PortMatrix,
    node: &str,
) -> (BTreeSet<String>, BTreeSet<String>, BTreeSet<String>) {
    let (mut ports, mut protocols, mut rich) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for opening in matrix.for_node(node) {
        for arg in firewall::firewall_args(plan, opening).0 {
            if let Some(p) = arg.strip_prefix("--add-port=") {
                ports.insert(p.to_owned());
            } else if let Some(p) = arg.strip_prefix("--add-protocol=") {
                protocols.insert(p.to_owned());
            } else if let Some(r) = arg.strip_prefix("--add-rich-rule=") {
                rich.insert(r.to_owned());
            }
        }
    }
    (ports, protocols, rich)
}

#[test]
fn every_node_script_leaves_exactly_the_nodes_matrix_in_firewalld() {
    for example in EXAMPLES {
        let (plan, bundle, tasks) = example_bundle(example.id);
        let matrix = firewall::port_matrix(&plan, &tasks);
        let dir = judges::scratch(&format!("fw-{}", example.id));
        judges::write_bundle(&bundle, &dir);
        for node in &plan.nodes {
            let script = dir.join(format!("firewall/nodes/{}.sh", node.name));
            let list_all =
                judges::apply_firewall_script(&script, &dir.join(format!("fwd-{}", node.name)));
            let found = listall::parse_list_all(&list_all);
            let (ports, protocols, rich) = expected_openings(&plan, &matrix, &node.name);
            let found_ports: BTreeSet<String> = found
                .ports
                .iter()
                .map(|(r, p)| format!("{r}/{}", p.name()))
                .collect();
            let found_rich: BTreeSet<String> =
                found.rich_rules.iter().map(|r| r.text.clone()).collect();
            let found_protocols: BTreeSet<String> = found.protocols.iter().cloned().collect();
            assert_eq!(
                found_ports, ports,
                "{}/{}: ports\n{list_all}",
                example.id, node.name
            );
            assert_eq!(
                found_protocols, protocols,
                "{}/{}: protocols\n{list_all}",
                example.id, node.name
            );
            assert_eq!(
                found_rich, rich,
                "{}/{}: rich rules\n{list_all}",
                example.id, node.name
            );
            // The same printout, checked: nothing missing; the only extra openings are
            // firewalld's default services.
            let check = listall::check_node(&plan, &matrix, &node.name, &list_all);
            assert!(
                check.missing.is_empty(),
                "{}/{}: {:?}\n{list_all}",
                example.id,
                node.name,
                check.missing
            );
            for line in &check.wider {
                assert!(
                    line.contains("(service ssh)"),
                    "{}/{}: {line}",
                    example.id,
                    node.name
                );
            }
            for line in &check.unneeded {
                assert!(
                    line.contains("(service ssh)") || line.contains("(service dhcpv6-client)"),
                    "{}/{}: {line}",
                    example.id,
                    node.name
                );
            }
            // Keep one printout per example, for the list-all check's own tests.
            if node.name == plan.nodes[0].name {
                expect_file![golden(&format!("{}.list-all.txt", example.id))].assert_eq(&list_all);
            }
        }
    }
}
