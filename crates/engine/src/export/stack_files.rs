//! Stack files, as `docker stack deploy -c` reads them: one `docker-compose.yml` per stack, or
//! the three files of the Digital Access guide (`docker-compose.yml` + `network.yml` +
//! `versiontag.yml`), whose merge by `docker stack config -c a -c b -c c` is the single file.
//!
//! The compose file is written back as the plan holds it, keys Swarmplan does not model
//! included; `${VAR}` references stay references, and the deploy script sets their values.

use crate::plan::{Plan, Stack};
use crate::yaml::{value_to_yaml, Mapping, Value};

/// The file names a split stack is written as, in the order of their `-c` options.
pub const SPLIT_FILES: [&str; 3] = ["docker-compose.yml", "network.yml", "versiontag.yml"];

/// Service keys that go to `network.yml` in a split stack.
const NETWORK_KEYS: [&str; 2] = ["ports", "networks"];
/// Service keys that go to `versiontag.yml`.
const VERSION_KEYS: [&str; 1] = ["image"];

/// Whether the plan asks for the stack to be written as three files.
pub fn is_split(plan: &Plan, stack: &Stack) -> bool {
    plan.export.split_stacks.iter().any(|s| s == &stack.name)
}

/// A stack's files: `(file name, YAML text)`, in the order of their `-c` options.
pub fn stack_files(plan: &Plan, stack: &Stack) -> Vec<(String, String)> {
    if !is_split(plan, stack) {
        return vec![(SPLIT_FILES[0].to_owned(), value_to_yaml(&stack.compose))];
    }
    let (main, network, version) = split(&stack.compose);
    [main, network, version]
        .iter()
        .zip(SPLIT_FILES)
        .map(|(value, name)| (name.to_owned(), value_to_yaml(value)))
        .collect()
}

/// Splits a compose file into its three parts. Anything that is not a mapping of services
/// stays whole in the first part.
fn split(compose: &Value) -> (Value, Value, Value) {
    let Value::Mapping(top) = compose else {
        return (
            compose.clone(),
            Value::Mapping(Mapping::new()),
            Value::Mapping(Mapping::new()),
        );
    };
    let mut main = Mapping::new();
    let mut network = Mapping::new();
    let mut version = Mapping::new();
    if let Some(v) = top.get("version") {
        network.insert("version".into(), v.clone());
        version.insert("version".into(), v.clone());
    }
    let mut network_services = Mapping::new();
    let mut version_services = Mapping::new();
    for (key, value) in top {
        match (key.as_str(), value) {
            (Some("services"), Value::Mapping(services)) => {
                let mut main_services = Mapping::new();
                for (name, body) in services {
                    let Value::Mapping(body) = body else {
                        main_services.insert(name.clone(), body.clone());
                        continue;
                    };
                    let mut rest = Mapping::new();
                    let mut net = Mapping::new();
                    let mut tag = Mapping::new();
                    for (k, v) in body {
                        let k_str = k.as_str().unwrap_or_default();
                        if NETWORK_KEYS.contains(&k_str) {
                            net.insert(k.clone(), v.clone());
                        } else if VERSION_KEYS.contains(&k_str) {
                            tag.insert(k.clone(), v.clone());
                        } else {
                            rest.insert(k.clone(), v.clone());
                        }
                    }
                    main_services.insert(name.clone(), Value::Mapping(rest));
                    if !net.is_empty() {
                        network_services.insert(name.clone(), Value::Mapping(net));
                    }
                    if !tag.is_empty() {
                        version_services.insert(name.clone(), Value::Mapping(tag));
                    }
                }
                main.insert(key.clone(), Value::Mapping(main_services));
            }
            (Some("networks"), _) => {
                network.insert(key.clone(), value.clone());
            }
            _ => {
                main.insert(key.clone(), value.clone());
            }
        }
    }
    if !network_services.is_empty() {
        // `services:` before `networks:`, as the guide writes network.yml.
        let mut ordered = Mapping::new();
        if let Some(v) = network.remove("version") {
            ordered.insert("version".into(), v);
        }
        ordered.insert("services".into(), Value::Mapping(network_services));
        for (k, v) in network {
            ordered.insert(k, v);
        }
        network = ordered;
    }
    if !version_services.is_empty() {
        version.insert("services".into(), Value::Mapping(version_services));
    }
    (
        Value::Mapping(main),
        Value::Mapping(network),
        Value::Mapping(version),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_value;

    #[test]
    fn split_moves_ports_networks_and_images() {
        let compose = parse_value(
            "version: '3.8'\nservices:\n  a:\n    image: x:1\n    hostname: a\n    ports: ['80:80']\n    networks: [n]\n    x-keep: 1\nnetworks:\n  n: {external: true}\n",
        )
        .unwrap();
        let (main, network, version) = split(&compose);
        assert_eq!(
            value_to_yaml(&main),
            "version: '3.8'\nservices:\n  a:\n    hostname: a\n    x-keep: 1\n"
        );
        assert_eq!(
            value_to_yaml(&network),
            "version: '3.8'\nservices:\n  a:\n    ports:\n    - 80:80\n    networks:\n    - n\nnetworks:\n  n:\n    external: true\n"
        );
        assert_eq!(
            value_to_yaml(&version),
            "version: '3.8'\nservices:\n  a:\n    image: x:1\n"
        );
    }
}
