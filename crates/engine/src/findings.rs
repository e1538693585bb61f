//! Findings: every check's result, as data. A user's mistake is a finding, never a panic.

pub use crate::codes::{Code, Severity};
use crate::plan::ServiceId;
use serde::{Serialize, Serializer};
use std::fmt;

/// What a finding is about, so that the app can select and highlight it.
///
/// Written as `kind:name`, for example `host:esx1`, `node:man1` or `service:msa/api`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    Plan,
    Host(String),
    Rack(String),
    Site(String),
    Node(String),
    Stack(String),
    Service { stack: String, service: String },
    Zone(String),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Plan => f.write_str("plan"),
            Target::Host(n) => write!(f, "host:{n}"),
            Target::Rack(n) => write!(f, "rack:{n}"),
            Target::Site(n) => write!(f, "site:{n}"),
            Target::Node(n) => write!(f, "node:{n}"),
            Target::Stack(n) => write!(f, "stack:{n}"),
            Target::Service { stack, service } => {
                write!(f, "service:{}", ServiceId::new(stack, service))
            }
            Target::Zone(n) => write!(f, "zone:{n}"),
        }
    }
}

impl Serialize for Target {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// The check, from the registry (`codes.rs`): written as its kebab-case name.
    pub code: Code,
    pub target: Target,
    pub message: String,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The key under the target that the finding is about, as a dotted path from the target's
    /// own place in the plan text (`deploy.replicas` under a service, `nodes` under the plan),
    /// when it is about one key; `locate::place` finds it in the text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl Finding {
    /// A finding of `code`, with the code's severity.
    pub fn new(code: Code, target: Target, message: impl Into<String>) -> Self {
        Finding {
            severity: code.severity(),
            code,
            target,
            message: message.into(),
            hint: None,
            key: None,
        }
    }

    /// The same finding at another severity, where one check's weight depends on what it found
    /// (a missing field that only narrows a check is information, not a warning).
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The same finding about one key under its target (`deploy.replicas`).
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [{}] {}: {}",
            self.severity, self.code, self.target, self.message
        )?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}
