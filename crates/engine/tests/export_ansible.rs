//! The Ansible inventory and playbook of every example, judged by Ansible itself:
//! `ansible-inventory --list` must read back the plan's nodes, groups and host variables;
//! `ansible-playbook --syntax-check` must accept the playbook, and every parameter it gives a
//! `community.docker` module must be one the module's own documentation (`ansible-doc`) lists.

// A test is a shell around the engine: it reads and writes files, as the command line does.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

#[path = "support/judges.rs"]
mod judges;

use judges::{ansible, passes, scratch, text, write_bundle};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use swarmplan_engine::bundle::bundle_for;
use swarmplan_engine::plan::{Plan, Role};
use swarmplan_engine::{analyze, examples, parse_plan, Options};

/// What `ansible-inventory --list` reads from the plan's `ansible/inventory.yml`.
fn inventory_of(plan: &Plan, name: &str) -> (std::path::PathBuf, Json) {
    let dir = scratch(&format!("ansible-{name}"));
    write_bundle(&bundle_for(plan, &analyze(plan, &Options::default())), &dir);
    let ansible_dir = dir.join("ansible");
    let out = passes(
        &ansible("ansible-inventory"),
        &["-i", "inventory.yml", "--list"],
        Some(&ansible_dir),
        &[],
    );
    assert!(
        out.stderr.is_empty(),
        "{name}: ansible-inventory --list warns:\n{}",
        text(&out.stderr)
    );
    let listed = serde_json::from_slice(&out.stdout).expect("ansible-inventory prints JSON");
    (ansible_dir, listed)
}

fn hosts(listed: &Json, group: &str) -> Vec<String> {
    listed[group]["hosts"]
        .as_array()
        .map(|hosts| {
            hosts
                .iter()
                .map(|h| h.as_str().expect("a host name").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The plan's nodes, groups and variables, as Ansible read them.
fn assert_reads_back(plan: &Plan, listed: &Json, name: &str) {
    for (group, role) in [("managers", Role::Manager), ("workers", Role::Worker)] {
        let want: Vec<String> = plan
            .nodes
            .iter()
            .filter(|n| n.role == role)
            .map(|n| n.name.clone())
            .collect();
        assert_eq!(hosts(listed, group), want, "{name}: group {group}");
    }
    let vars = &listed["_meta"]["hostvars"];
    let mut by_site: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut by_rack: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for node in &plan.nodes {
        let v = &vars[&node.name];
        let why = format!("{name}: {}", node.name);
        assert_eq!(
            v["ansible_host"].as_str(),
            node.ip.map(|ip| ip.to_string()).as_deref(),
            "{why}: ansible_host"
        );
        assert_eq!(v["swarm_role"], node.role.to_string(), "{why}: role");
        assert_eq!(
            v["swarm_availability"],
            node.availability.to_string(),
            "{why}: availability"
        );
        let labels = |map: &indexmap::IndexMap<String, String>| -> Json {
            map.iter()
                .map(|(k, v)| (k.clone(), Json::String(v.clone())))
                .collect::<serde_json::Map<_, _>>()
                .into()
        };
        assert_eq!(v["swarm_labels"], labels(&node.labels), "{why}: labels");
        assert_eq!(
            v["engine_labels"],
            labels(&node.engine_labels),
            "{why}: engine labels"
        );
        assert_eq!(v["physical_host"], node.host_name(), "{why}: physical host");
        let host = plan.hosts.iter().find(|h| h.name == node.host_name());
        let rack = host.and_then(|h| h.rack.clone());
        let site = host.and_then(|h| h.site.clone());
        assert_eq!(v["rack"].as_str(), rack.as_deref(), "{why}: rack");
        assert_eq!(v["site"].as_str(), site.as_deref(), "{why}: site");
        if let Some(site) = site {
            by_site.entry(site).or_default().push(node.name.clone());
        }
        if let Some(rack) = rack {
            by_rack.entry(rack).or_default().push(node.name.clone());
        }
    }
    // Each site and rack is one group of exactly its nodes.
    let groups: Vec<&str> = listed["all"]["children"]
        .as_array()
        .expect("all has children")
        .iter()
        .filter_map(Json::as_str)
        .collect();
    for (prefix, domains) in [("site_", &by_site), ("rack_", &by_rack)] {
        let mut found: Vec<Vec<String>> = groups
            .iter()
            .filter(|g| g.starts_with(prefix))
            .map(|g| hosts(listed, g))
            .collect();
        let mut want: Vec<Vec<String>> = domains.values().cloned().collect();
        found.sort();
        want.sort();
        assert_eq!(found, want, "{name}: the {prefix}* groups");
    }
}

/// `ansible-playbook --syntax-check`, and every module parameter against `ansible-doc`.
fn assert_playbook_is_sound(dir: &std::path::Path, name: &str) {
    passes(
        &ansible("ansible-playbook"),
        &["-i", "inventory.yml", "--syntax-check", "swarm.yml"],
        Some(dir),
        &[],
    );
    let playbook: serde_yaml_ng::Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(dir.join("swarm.yml")).expect("swarm.yml"),
    )
    .expect("swarm.yml is YAML");
    let mut options: BTreeMap<String, Json> = BTreeMap::new();
    for play in playbook.as_sequence().expect("a list of plays") {
        for task in play["tasks"].as_sequence().expect("tasks") {
            let task = task.as_mapping().expect("a task");
            for (key, args) in task {
                let module = key.as_str().expect("a key");
                if !module.starts_with("community.docker.") {
                    continue;
                }
                let doc = options.entry(module.to_owned()).or_insert_with(|| {
                    let out = passes(&ansible("ansible-doc"), &["-j", module], None, &[]);
                    let doc: Json = serde_json::from_slice(&out.stdout).expect("JSON");
                    doc[module]["doc"]["options"].clone()
                });
                for (param, _) in args.as_mapping().expect("module arguments") {
                    let param = param.as_str().expect("a parameter");
                    assert!(
                        doc.get(param).is_some(),
                        "{name}: {module} has no parameter `{param}`"
                    );
                }
            }
        }
    }
    assert!(
        options.contains_key("community.docker.docker_swarm")
            && options.contains_key("community.docker.docker_node"),
        "{name}: the playbook uses docker_swarm and docker_node"
    );
}

#[test]
fn every_example_reads_back_from_its_inventory_and_its_playbook_is_sound() {
    for example in examples::EXAMPLES {
        let plan = parse_plan(example.yaml).expect("an example parses");
        let (dir, listed) = inventory_of(&plan, example.id);
        assert_reads_back(&plan, &listed, example.id);
        assert_playbook_is_sound(&dir, example.id);
    }
}

/// Site and rack names Ansible would refuse as group names, two that would meet once made
/// valid, and a node without an address.
#[test]
fn odd_domain_names_become_distinct_valid_groups() {
    let plan = parse_plan(
        "swarmplan: 1\nname: odd names\nhosts:\n  - { name: h1, rack: r-1, site: Zürich 2 }\n  - { name: h2, rack: r_1, site: Zürich 2 }\n  - { name: h3, rack: r.1, site: 'dc:2' }\nnodes:\n  - { name: m1, host: h1, role: manager, ip: 10.0.0.1, labels: { zone: 'a b' } }\n  - { name: m2, host: h2, role: manager }\n  - { name: w1, host: h3, role: worker, ip: 10.0.0.3 }\n",
    )
    .expect("parses");
    let (dir, listed) = inventory_of(&plan, "odd");
    assert_reads_back(&plan, &listed, "odd");
    assert_eq!(hosts(&listed, "rack_r_1"), ["m1"]);
    assert_eq!(hosts(&listed, "rack_r_1_2"), ["m2"]);
    assert_eq!(hosts(&listed, "rack_r_1_3"), ["w1"]);
    assert_eq!(hosts(&listed, "site_Z_rich_2"), ["m1", "m2"]);
    assert_playbook_is_sound(&dir, "odd");
}
