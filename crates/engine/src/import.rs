//! Importing stack files into a plan: a compose file, as operators write them for
//! `docker stack deploy`, becomes a plan stack, kept whole.

use crate::load::parse_compose;
use crate::plan::Stack;
use crate::yaml::{PlanError, Value};

/// The top-level keys of a compose file that `docker stack deploy` accepts.
const TOP_LEVEL: &[&str] = &[
    "version", "name", "services", "networks", "volumes", "secrets", "configs",
];

/// The line (1-based) where a top-level key is written, for errors about it.
fn line_of_key(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|i| i + 1)
}

/// Reads a compose file into a stack named `name`. Anchors and merge keys are resolved;
/// `${VAR}` references are kept as written.
pub fn stack_from_compose(name: &str, text: &str) -> Result<Stack, PlanError> {
    let compose = parse_compose(text)?;
    let Value::Mapping(top) = &compose else {
        return Err(PlanError {
            message: "a stack file is a YAML mapping with `services:`".into(),
            line: Some(1),
            column: Some(1),
        });
    };
    for key in top.keys() {
        let Some(key) = key.as_str() else {
            return Err(PlanError {
                message: "top-level keys of a stack file are names".into(),
                line: None,
                column: None,
            });
        };
        if !TOP_LEVEL.contains(&key) && !key.starts_with("x-") {
            return Err(PlanError {
                message: format!(
                    "`{key}` is not a top-level key of a stack file (Docker refuses it): use {} or an `x-` extension",
                    TOP_LEVEL.join(", ")
                ),
                line: line_of_key(text, key),
                column: Some(1),
            });
        }
    }
    match top.get("services") {
        Some(Value::Mapping(services)) => {
            for (service, body) in services {
                if !matches!(body, Value::Mapping(_)) {
                    let service = service.as_str().unwrap_or("?");
                    return Err(PlanError {
                        message: format!(
                            "service `{service}` must be a mapping (image:, deploy:, …)"
                        ),
                        line: text
                            .lines()
                            .position(|l| l.trim_start().starts_with(&format!("{service}:")))
                            .map(|i| i + 1),
                        column: None,
                    });
                }
            }
        }
        Some(_) => {
            return Err(PlanError {
                message: "`services:` must map service names to their definitions".into(),
                line: line_of_key(text, "services"),
                column: Some(1),
            })
        }
        None => {
            return Err(PlanError {
                message: "a stack file needs `services:`".into(),
                line: Some(1),
                column: Some(1),
            })
        }
    }
    Ok(Stack {
        name: name.to_owned(),
        after: Vec::new(),
        variables: Default::default(),
        compose,
    })
}

/// A stack name from a file name: `docker-stack.yml` → `docker-stack`, lower-cased, with
/// characters Docker refuses in stack names replaced by `-`.
pub fn stack_name_from_file(file_name: &str) -> String {
    let stem = file_name.rsplit('/').next().unwrap_or(file_name);
    let stem = stem
        .strip_suffix(".yml")
        .or_else(|| stem.strip_suffix(".yaml"))
        .unwrap_or(stem);
    let mut name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    name = name.trim_matches(|c| c == '-' || c == '_').to_owned();
    if name.is_empty() {
        "stack".to_owned()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_files_import_whole() {
        let stack = stack_from_compose("web", "version: '3.8'\nx-a: &a { image: nginx }\nservices:\n  web:\n    <<: *a\n    environment: ['DOMAIN=${DOMAIN?set it}']\n")
            .expect("imports");
        assert_eq!(
            stack.compose["services"]["web"]["image"],
            Value::from("nginx")
        );
        assert_eq!(
            stack.compose["services"]["web"]["environment"][0],
            Value::from("DOMAIN=${DOMAIN?set it}")
        );
    }

    #[test]
    fn files_docker_refuses_are_refused_with_a_place() {
        let error = stack_from_compose("x", "services:\n  web: { image: a }\nservice:\n  db: {}\n")
            .unwrap_err();
        assert!(
            error.message.contains("`service` is not a top-level key"),
            "{error}"
        );
        assert_eq!(error.line, Some(3));
        let error = stack_from_compose("x", "services:\n  web: nginx\n").unwrap_err();
        assert!(
            error.message.contains("service `web` must be a mapping"),
            "{error}"
        );
        assert_eq!(error.line, Some(2));
        let error = stack_from_compose("x", "services:\n  web:\n    image: [a\n").unwrap_err();
        assert_eq!(error.line, Some(4));
        assert!(stack_from_compose("x", "networks: {}\n")
            .unwrap_err()
            .message
            .contains("needs `services:`"));
        assert!(stack_from_compose("x", "- a\n").is_err());
    }

    #[test]
    fn stack_names_come_from_file_names() {
        assert_eq!(stack_name_from_file("dir/docker-stack.yml"), "docker-stack");
        assert_eq!(stack_name_from_file("Traefik Prod.yaml"), "traefik-prod");
        assert_eq!(
            stack_name_from_file("docker-stack@e8e002b.yml"),
            "docker-stack-e8e002b"
        );
        assert_eq!(stack_name_from_file(".yml"), "stack");
    }
}
