//! Variable substitution as `docker stack deploy` does it: `$VAR`, `${VAR}`, `${VAR:-default}`,
//! `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`, `${VAR:+alt}`, `${VAR+alt}`, and `$$`
//! for a literal dollar sign.

use indexmap::IndexMap;
use serde::Serialize;

/// One `${...}` reference found in a compose file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Variable {
    pub name: String,
    /// The default after `:-` or `-`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// `${VAR?message}` or `${VAR:?message}`: Docker refuses the file until it is set.
    pub required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// What went wrong substituting a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A required variable has no value; carries its name and message.
    Missing { name: String, message: String },
    /// `${` without a closing brace, or a name Docker would refuse.
    Syntax(String),
}

enum Part<'a> {
    Text(&'a str),
    Dollar,
    Reference {
        name: &'a str,
        operator: &'a str,
        argument: &'a str,
    },
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn parts(text: &str) -> Result<Vec<Part<'_>>, Problem> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        if at > 0 {
            parts.push(Part::Text(&rest[..at]));
        }
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            parts.push(Part::Dollar);
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let close = body
                .find('}')
                .ok_or_else(|| Problem::Syntax(format!("`{text}`: `${{` has no closing `}}`")))?;
            let inner = &body[..close];
            let name_end = inner
                .find(|c: char| !is_name_char(c))
                .unwrap_or(inner.len());
            let (name, tail) = inner.split_at(name_end);
            if name.is_empty() {
                return Err(Problem::Syntax(format!(
                    "`{text}`: invalid interpolation format for `${{{inner}}}`"
                )));
            }
            let operator = ["?", "-", "+", ":?", ":-", ":+"]
                .iter()
                .filter(|op| tail.starts_with(**op))
                .max_by_key(|op| op.len())
                .copied();
            let (operator, argument) = match operator {
                Some(op) => (op, &tail[op.len()..]),
                None if tail.is_empty() => ("", ""),
                None => {
                    return Err(Problem::Syntax(format!(
                        "`{text}`: invalid interpolation format for `${{{inner}}}`"
                    )))
                }
            };
            parts.push(Part::Reference {
                name,
                operator,
                argument,
            });
            rest = &body[close + 1..];
        } else {
            let name_end = after
                .find(|c: char| !is_name_char(c))
                .unwrap_or(after.len());
            if name_end == 0 {
                parts.push(Part::Text("$"));
            } else {
                parts.push(Part::Reference {
                    name: &after[..name_end],
                    operator: "",
                    argument: "",
                });
            }
            rest = &after[name_end..];
        }
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest));
    }
    Ok(parts)
}

/// The variables a string refers to.
pub fn references(text: &str) -> Vec<Variable> {
    let Ok(parts) = parts(text) else {
        return Vec::new();
    };
    parts
        .into_iter()
        .filter_map(|part| match part {
            Part::Reference {
                name,
                operator,
                argument,
            } => Some(Variable {
                name: name.to_owned(),
                default: matches!(operator, "-" | ":-").then(|| argument.to_owned()),
                required: matches!(operator, "?" | ":?"),
                message: matches!(operator, "?" | ":?").then(|| argument.to_owned()),
            }),
            _ => None,
        })
        .collect()
}

/// Substitutes the values given; unset variables without a default become "" as Docker does.
pub fn substitute(text: &str, values: &IndexMap<String, String>) -> Result<String, Problem> {
    if !text.contains('$') {
        return Ok(text.to_owned());
    }
    let mut out = String::with_capacity(text.len());
    for part in parts(text)? {
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Dollar => out.push('$'),
            Part::Reference {
                name,
                operator,
                argument,
            } => {
                let value = values.get(name);
                let set = value.is_some();
                let non_empty = value.is_some_and(|v| !v.is_empty());
                let value = value.map(String::as_str).unwrap_or("");
                match operator {
                    "" => out.push_str(value),
                    ":-" => out.push_str(if non_empty { value } else { argument }),
                    "-" => out.push_str(if set { value } else { argument }),
                    ":+" => out.push_str(if non_empty { argument } else { "" }),
                    "+" => out.push_str(if set { argument } else { "" }),
                    ":?" | "?" => {
                        let ok = if operator == ":?" { non_empty } else { set };
                        if !ok {
                            return Err(Problem::Missing {
                                name: name.to_owned(),
                                message: argument.to_owned(),
                            });
                        }
                        out.push_str(value);
                    }
                    _ => unreachable!("operators are matched above"),
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> IndexMap<String, String> {
        [("DOMAIN", "example.org"), ("EMPTY", "")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn substitutes_like_docker() {
        let cases = [
            ("plain", "plain"),
            ("$DOMAIN", "example.org"),
            ("${DOMAIN}", "example.org"),
            ("a.${DOMAIN}/x", "a.example.org/x"),
            ("${UNSET}", ""),
            ("${UNSET:-fallback}", "fallback"),
            ("${EMPTY:-fallback}", "fallback"),
            ("${EMPTY-fallback}", ""),
            ("${UNSET-fallback}", "fallback"),
            ("${DOMAIN:+yes}", "yes"),
            ("${EMPTY:+yes}", ""),
            ("${EMPTY+yes}", "yes"),
            ("$$DOMAIN", "$DOMAIN"),
            ("cost: 5$", "cost: 5$"),
            ("${DOMAIN?needed}", "example.org"),
        ];
        for (text, expected) in cases {
            assert_eq!(
                substitute(text, &values()).as_deref(),
                Ok(expected),
                "{text}"
            );
        }
    }

    #[test]
    fn required_variables_are_reported() {
        assert_eq!(
            substitute("${EMAIL?Variable EMAIL not set}", &values()),
            Err(Problem::Missing {
                name: "EMAIL".into(),
                message: "Variable EMAIL not set".into()
            })
        );
        assert!(matches!(
            substitute("${EMPTY:?must be set}", &values()),
            Err(Problem::Missing { .. })
        ));
        assert!(substitute("${EMPTY?must be set}", &values()).is_ok());
        assert!(matches!(
            substitute("${OOPS", &values()),
            Err(Problem::Syntax(_))
        ));
        assert!(matches!(
            substitute("${}", &values()),
            Err(Problem::Syntax(_))
        ));
    }

    #[test]
    fn references_carry_defaults_and_requirements() {
        let found = references("${A:-x} $B ${C?msg} $$D");
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].default.as_deref(), Some("x"));
        assert!(!found[1].required);
        assert!(found[2].required);
        assert_eq!(found[2].message.as_deref(), Some("msg"));
    }
}
