//! The lab's copy of the plan and of its bundle.
//!
//! The bundle is exported fresh from the plan by the engine, and its scripts run unchanged.
//! Only the stack files of the lab's copy are rewritten, and the report lists every rewrite:
//!
//! - every service's `entrypoint` becomes the placeholder's `/lab-entry` (a service's own
//!   entrypoint would replace the image's), and `LAB_PORTS` lists the ports it publishes or
//!   exposes, so the placeholder answers there;
//! - `encrypted` overlays lose their encryption: this kernel has no ESP/GCM, and cross-node
//!   traffic on an encrypted overlay would be dropped silently (encryption is not rehearsed);
//! - CPU reservations and limits are scaled by one factor, the machine's CPUs over the largest
//!   node's: every engine reports the machine's CPUs, whatever the plan says.
//!
//! The engine then predicts for what the lab really runs: the lab's plan is the plan with every
//! node at the machine's CPUs and the scaled stacks. Where its placement differs from the plan's,
//! the scaling could not preserve the plan's placement, and the report says so.

use crate::check::{canonical_counts, Classes};
use crate::util::write;
use crate::Result;
use serde_yaml_ng::{Mapping, Value};
use std::collections::BTreeSet;
use std::path::Path;
use swarmplan_engine::units::{Bytes, Cpus};
use swarmplan_engine::{analyze, bundle, Options, Plan};

/// The plan as the lab runs it.
#[derive(Debug, Clone)]
pub struct LabPlan {
    pub plan: Plan,
    /// CPU reservations and limits are multiplied by `scale_millis / 1000`.
    pub scale_millis: u64,
    pub machine_cpus: u64,
    /// What the lab changed in the stacks, one line each.
    pub rewrites: Vec<String>,
    /// Placements of the plan that the lab's copy does not preserve.
    pub not_preserved: Vec<String>,
}

impl LabPlan {
    pub fn of(plan: &Plan, machine_cpus: u64, machine_memory: u64) -> LabPlan {
        let largest = plan
            .nodes
            .iter()
            .filter_map(|n| n.cpus.map(Cpus::millis))
            .max()
            .unwrap_or(0);
        let machine_millis = machine_cpus * 1000;
        let scale_millis = if largest > machine_millis {
            machine_millis * 1000 / largest
        } else {
            1000
        };
        let mut lab = plan.clone();
        for node in &mut lab.nodes {
            node.cpus = Some(Cpus::whole(machine_cpus));
            if node.memory.is_none() {
                node.memory = Some(Bytes(machine_memory));
            }
        }
        let mut rewrites = Vec::new();
        for stack in &mut lab.stacks {
            rewrite_compose(
                &stack.name,
                &mut stack.compose,
                scale_millis,
                &mut rewrites,
                false,
            );
        }
        let mut not_preserved = Vec::new();
        let before = analyze(plan, &Options::default());
        let after = analyze(&lab, &Options::default());
        let classes = Classes::of(plan);
        let expected = canonical_counts(&classes, &before.placement);
        let got = canonical_counts(&classes, &after.placement);
        for (key, count) in &expected {
            let lab_count = got.get(key).copied().unwrap_or(0);
            if lab_count != *count {
                not_preserved.push(format!(
                    "{}: the plan places {count} task(s) on {}, the lab's copy {lab_count}",
                    key.0, key.1
                ));
            }
        }
        for (key, count) in &got {
            if !expected.contains_key(key) {
                not_preserved.push(format!(
                    "{}: the lab's copy places {count} task(s) on {}, the plan none",
                    key.0, key.1
                ));
            }
        }
        let pending = |a: &swarmplan_engine::Analysis| -> BTreeSet<String> {
            a.pending
                .iter()
                .map(|p| format!("{}/{}", p.stack, p.service))
                .collect()
        };
        for service in pending(&after).difference(&pending(&before)) {
            not_preserved.push(format!(
                "{service}: pending in the lab's copy, not in the plan"
            ));
        }
        for service in pending(&before).difference(&pending(&after)) {
            not_preserved.push(format!(
                "{service}: pending in the plan, runs in the lab's copy"
            ));
        }
        LabPlan {
            plan: lab,
            scale_millis,
            machine_cpus,
            rewrites,
            not_preserved,
        }
    }

    /// One line on the CPU scaling, for reports.
    pub fn scaling(&self) -> String {
        if self.scale_millis == 1000 {
            format!(
                "every engine reports the machine's {} CPUs; no node of the plan has more, so reservations are unchanged",
                self.machine_cpus
            )
        } else {
            format!(
                "every engine reports the machine's {} CPUs: CPU reservations and limits are scaled by {:.3} (the machine's CPUs over the largest node's)",
                self.machine_cpus,
                self.scale_millis as f64 / 1000.0
            )
        }
    }
}

/// Rewrites one compose file for the lab. With `files`, the entrypoint and ports are set too
/// (the lab's stack files); without, only what placement reads (the lab's plan).
pub fn rewrite_compose(
    stack: &str,
    compose: &mut Value,
    scale_millis: u64,
    rewrites: &mut Vec<String>,
    files: bool,
) {
    let Some(map) = compose.as_mapping_mut() else {
        return;
    };
    if let Some(services) = map.get_mut("services").and_then(Value::as_mapping_mut) {
        for (name, service) in services.iter_mut() {
            let name = name.as_str().unwrap_or("?").to_owned();
            let Some(service) = service.as_mapping_mut() else {
                continue;
            };
            if files {
                let had = service.get("entrypoint").is_some();
                service.insert(
                    "entrypoint".into(),
                    Value::Sequence(vec!["/lab-entry".into()]),
                );
                let ports = ports_of(service);
                set_env(service, "LAB_PORTS", &ports.join(" "));
                rewrites.push(format!(
                    "{stack}/{name}: entrypoint {} /lab-entry, LAB_PORTS={}",
                    if had { "replaced by" } else { "set to" },
                    ports.join(" ")
                ));
            }
            if scale_millis != 1000 {
                for kind in ["reservations", "limits"] {
                    let Some(cpus) = service
                        .get_mut("deploy")
                        .and_then(|d| d.get_mut("resources"))
                        .and_then(|r| r.get_mut(kind))
                        .and_then(|r| r.get_mut("cpus"))
                    else {
                        continue;
                    };
                    let text = match cpus {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        _ => continue,
                    };
                    let Ok(value) = Cpus::parse(&text) else {
                        continue;
                    };
                    let scaled = Cpus(scale(value.millis(), scale_millis));
                    *cpus = Value::String(scaled.to_string());
                    if files {
                        rewrites.push(format!("{stack}/{name}: CPU {kind} {text} → {scaled}"));
                    }
                }
            }
        }
    }
    if let Some(networks) = map.get_mut("networks").and_then(Value::as_mapping_mut) {
        for (name, network) in networks.iter_mut() {
            let Some(opts) = network
                .get_mut("driver_opts")
                .and_then(Value::as_mapping_mut)
            else {
                continue;
            };
            if opts.remove("encrypted").is_some() && files {
                rewrites.push(format!(
                    "{stack}: network {} not encrypted (no ESP/GCM in this kernel: encryption is not rehearsed)",
                    name.as_str().unwrap_or("?")
                ));
            }
        }
    }
}

fn scale(millis: u64, scale_millis: u64) -> u64 {
    if millis == 0 {
        0
    } else {
        ((millis * scale_millis + 500) / 1000).max(1)
    }
}

/// The container ports a service publishes or exposes, 80 when none.
fn ports_of(service: &Mapping) -> Vec<String> {
    let mut ports: Vec<u32> = Vec::new();
    let mut add = |text: &str| {
        let text = text.split('/').next().unwrap_or("");
        match text.split_once('-') {
            Some((a, b)) => {
                if let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>()) {
                    ports.extend((a..=b).take(32));
                }
            }
            None => ports.extend(text.parse::<u32>().ok()),
        }
    };
    if let Some(list) = service.get("ports").and_then(Value::as_sequence) {
        for port in list {
            match port {
                Value::Mapping(m) => {
                    if let Some(t) = m.get("target") {
                        add(&scalar(t));
                    }
                }
                other => {
                    let text = scalar(other);
                    add(text.rsplit(':').next().unwrap_or(""));
                }
            }
        }
    }
    if let Some(list) = service.get("expose").and_then(Value::as_sequence) {
        for port in list {
            add(&scalar(port));
        }
    }
    ports.sort_unstable();
    ports.dedup();
    if ports.is_empty() {
        ports.push(80);
    }
    ports.iter().map(u32::to_string).collect()
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

fn set_env(service: &mut Mapping, key: &str, value: &str) {
    match service.get_mut("environment") {
        Some(Value::Sequence(list)) => {
            list.retain(|e| {
                !e.as_str()
                    .is_some_and(|s| s.starts_with(&format!("{key}=")))
            });
            list.push(Value::String(format!("{key}={value}")));
        }
        Some(Value::Mapping(map)) => {
            map.insert(key.into(), value.into());
        }
        _ => {
            let mut map = Mapping::new();
            map.insert(key.into(), value.into());
            service.insert("environment".into(), Value::Mapping(map));
        }
    }
}

/// Writes the lab's copy of the plan's bundle into `out`: every export as the engine makes it,
/// with the stack files rewritten for the lab. Returns the rewrites.
pub fn write_bundle(
    files: &[(String, String, bool)],
    out: &Path,
    scale_millis: u64,
) -> Result<Vec<String>> {
    let _ = std::fs::remove_dir_all(out);
    let mut rewrites = Vec::new();
    for (path, contents, executable) in files {
        let target = out.join(path);
        let stack_file = (path.starts_with("stacks/")
            || path.starts_with("runbooks/upgrade-stacks/"))
            && (path.ends_with(".yml") || path.ends_with(".yaml"));
        let text = if stack_file {
            match serde_yaml_ng::from_str::<Value>(contents) {
                Ok(mut value) => {
                    let stack = path.split('/').rev().nth(1).unwrap_or("stack").to_owned();
                    let mut own = Vec::new();
                    rewrite_compose(&stack, &mut value, scale_millis, &mut own, true);
                    rewrites.extend(own.into_iter().map(|r| format!("{path}: {r}")));
                    serde_yaml_ng::to_string(&value).unwrap_or_else(|_| contents.clone())
                }
                Err(_) => contents.clone(),
            }
        } else {
            contents.clone()
        };
        if *executable {
            crate::util::write_executable(&target, text)?;
        } else {
            write(&target, text)?;
        }
    }
    Ok(rewrites)
}

/// The files of the plan's bundle, as the engine exports them: (path, contents, executable).
pub fn bundle_files(plan: &Plan) -> Vec<(String, String, bool)> {
    let analysis = analyze(plan, &Options::default());
    bundle::bundle_for(plan, &analysis)
        .files
        .into_iter()
        .map(|f| (f.path, f.contents, f.executable))
        .collect()
}

/// Every image name the stack files under `dir` use.
pub fn images_in(dir: &Path) -> Vec<String> {
    let mut images = BTreeSet::new();
    fn walk(dir: &Path, images: &mut BTreeSet<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, images);
            } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                let Ok(value) = serde_yaml_ng::from_str::<Value>(&text) else {
                    continue;
                };
                if let Some(services) = value.get("services").and_then(Value::as_mapping) {
                    for service in services.values() {
                        if let Some(image) = service.get("image").and_then(Value::as_str) {
                            images.insert(image.to_owned());
                        }
                    }
                }
            }
        }
    }
    walk(dir, &mut images);
    images.into_iter().collect()
}

/// Every image the plan's stacks name, with the plan's variables and the upgrade's new tags.
pub fn images_of(plan: &Plan) -> Vec<String> {
    let mut images = BTreeSet::new();
    for stack in &plan.stacks {
        for service in swarmplan_engine::compose::read(stack).services {
            if let Some(image) = service.image {
                images.insert(image);
            }
        }
    }
    if let Some(upgrade) = &plan.upgrade {
        images.extend(upgrade.images.values().cloned());
    }
    images.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_files_get_the_entrypoint_ports_and_scaled_cpus() {
        let mut compose: Value = serde_yaml_ng::from_str(
            "services:\n  api:\n    image: a\n    entrypoint: [/opt/start.sh]\n    ports: ['8080:80', {target: 443, published: 8443}]\n    expose: ['9000']\n    environment: [A=1]\n    deploy: {resources: {reservations: {cpus: '4'}, limits: {cpus: 6}}}\nnetworks:\n  back: {driver: overlay, driver_opts: {encrypted: 'true'}}\n",
        )
        .unwrap();
        let mut rewrites = Vec::new();
        rewrite_compose("s", &mut compose, 250, &mut rewrites, true);
        let text = serde_yaml_ng::to_string(&compose).unwrap();
        assert!(text.contains("- /lab-entry"), "{text}");
        assert!(text.contains("LAB_PORTS=80 443 9000"), "{text}");
        assert!(text.contains("cpus: '1'"), "{text}");
        assert!(text.contains("cpus: '1.5'"), "{text}");
        assert!(!text.contains("encrypted"), "{text}");
        assert_eq!(rewrites.len(), 4, "{rewrites:?}");
    }
}
