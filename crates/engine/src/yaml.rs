//! Reading and writing plans as YAML. The YAML library's reader and writer are called here and
//! nowhere else in the engine, so that it can be replaced in one place (`plan.rs` names its value
//! type for the compose files it keeps whole). A leaf: it knows the plan's types, not what a
//! compose file means; `load.rs` prepares each stack's compose file after the plan is read.
//!
//! The library is `serde_yaml_ng`, a maintained fork of the archived `serde_yaml`: the same
//! `Value`/`Mapping` types (ordered, so compose files keep their key order), merge-key support
//! (`apply_merge`), alias-expansion limits against "billion laughs" documents, and errors with
//! line and column.

use crate::plan::{Plan, FORMAT_VERSION};
use serde::Serialize;
use std::fmt;

pub use serde_yaml_ng::{Mapping, Value};

/// Why a plan file could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanError {
    pub message: String,
    /// 1-based line, when the error has a place in the file.
    pub line: Option<usize>,
    /// 1-based column.
    pub column: Option<usize>,
}

impl PlanError {
    pub(crate) fn at(
        message: impl Into<String>,
        line: Option<usize>,
        column: Option<usize>,
    ) -> Self {
        PlanError {
            message: message.into(),
            line,
            column,
        }
    }

    fn from_yaml(error: &serde_yaml_ng::Error) -> Self {
        let location = error.location();
        // The library appends " at line L column C" to its message; the place is kept apart.
        let mut message = error.to_string();
        if let Some(cut) = message.find(" at line ") {
            message.truncate(cut);
        }
        // The library's limits keep a hostile file from hanging the app; say which was hit.
        if message.starts_with("repetition limit exceeded") {
            message = "the file's aliases (`*name`) expand to more than the YAML reader's limit; \
                       a plan never needs that many repeats (is this a \"billion laughs\" file?)"
                .to_owned();
        } else if message.starts_with("recursion limit exceeded") {
            message = "the file nests deeper than the YAML reader's limit of 128 levels".to_owned();
        }
        PlanError::at(
            message,
            location.as_ref().map(|l| l.line()),
            location.as_ref().map(|l| l.column()),
        )
    }
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                write!(f, "line {line}, column {column}: {}", self.message)
            }
            (Some(line), None) => write!(f, "line {line}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for PlanError {}

/// The largest plan file read: far above any real plan, low enough that a browser tab stays
/// responsive.
pub const MAX_PLAN_BYTES: usize = 16 * 1024 * 1024;

/// Reads a plan document: the typed plan, with its format version checked. Its stacks' compose
/// files are as written; `load::parse_plan` prepares them.
pub fn parse_plan_document(text: &str) -> Result<Plan, PlanError> {
    check_size(text)?;
    // One pass over the text when it is a plan of a version this Swarmplan reads; otherwise
    // the format version explains the problem first, and then the plan's own error.
    let typed: Result<Plan, _> = serde_yaml_ng::from_str(text);
    let version_ok = matches!(&typed, Ok(plan) if (1..=FORMAT_VERSION).contains(&plan.swarmplan));
    if !version_ok {
        let document: Value =
            serde_yaml_ng::from_str(text).map_err(|e| PlanError::from_yaml(&e))?;
        check_version(text, &document)?;
    }
    typed.map_err(|e| PlanError::from_yaml(&e))
}

/// Resolves merge keys (`<<`), as Docker resolves them, and refuses keys that are not plain
/// scalars (see `check_keys`).
pub fn prepare_value(value: &mut Value) -> Result<(), String> {
    value.apply_merge().map_err(|e| e.to_string())?;
    check_keys(value)
}

/// Writes a plan. Reading the result gives back the same plan.
pub fn plan_to_yaml(plan: &Plan) -> String {
    serde_yaml_ng::to_string(plan).expect("a plan always serializes: its maps have string keys")
}

fn check_size(text: &str) -> Result<(), PlanError> {
    if text.len() > MAX_PLAN_BYTES {
        return Err(PlanError::at(
            format!(
                "the file is {} MiB; Swarmplan reads files up to {} MiB",
                text.len() / (1024 * 1024),
                MAX_PLAN_BYTES / (1024 * 1024)
            ),
            None,
            None,
        ));
    }
    Ok(())
}

/// Reads any YAML document into a value, with the same error shape as plans, and prepares it
/// (`prepare_value`).
pub fn parse_value(text: &str) -> Result<Value, PlanError> {
    check_size(text)?;
    let mut value: Value = serde_yaml_ng::from_str(text).map_err(|e| PlanError::from_yaml(&e))?;
    prepare_value(&mut value).map_err(|e| PlanError::at(e, None, None))?;
    Ok(value)
}

/// A scalar's text: a string, a number or a boolean as written.
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Refuses a mapping key that is itself a mapping, a list or a tagged value (YAML's `? key`):
/// compose files and Docker's loader know only plain keys, and such a key could not be written
/// back out. Says where the key is. The place is only put together for the error: plans are read
/// on every keystroke.
fn check_keys(value: &Value) -> Result<(), String> {
    /// On error, the keys from the offending mapping up to `value`, innermost first.
    fn walk(value: &Value) -> Result<(), Vec<String>> {
        match value {
            Value::Mapping(mapping) => {
                for (key, item) in mapping {
                    if !matches!(
                        key,
                        Value::Null | Value::String(_) | Value::Number(_) | Value::Bool(_)
                    ) {
                        return Err(Vec::new());
                    }
                    walk(item).map_err(|mut path| {
                        path.push(scalar_text(key).unwrap_or_else(|| "null".into()));
                        path
                    })?;
                }
            }
            Value::Sequence(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item).map_err(|mut path| {
                        path.push(i.to_string());
                        path
                    })?;
                }
            }
            Value::Tagged(tagged) => walk(&tagged.value)?,
            _ => {}
        }
        Ok(())
    }
    walk(value).map_err(|mut path| {
        path.reverse();
        let place = if path.is_empty() {
            "the top level".to_owned()
        } else {
            format!("`{}`", path.join("."))
        };
        format!(
            "a key under {place} is a list, a mapping or a tagged value (a YAML `? key`): compose files use plain keys"
        )
    })
}

/// Writes any value as YAML.
pub fn value_to_yaml(value: &Value) -> String {
    serde_yaml_ng::to_string(value).expect("a YAML value always serializes")
}

fn check_version(text: &str, document: &Value) -> Result<(), PlanError> {
    let Value::Mapping(top) = document else {
        return Err(PlanError::at(
            "a plan is a YAML mapping that starts with `swarmplan: 1`",
            Some(1),
            Some(1),
        ));
    };
    let line = text
        .lines()
        .position(|l| l.starts_with("swarmplan:"))
        .map(|i| i + 1);
    match top.get("swarmplan") {
        None => Err(PlanError::at(
            "this is not a Swarmplan plan: it has no `swarmplan:` format version (add `swarmplan: 1`)",
            Some(1),
            Some(1),
        )),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(v) if v > u64::from(FORMAT_VERSION) => Err(PlanError::at(
                format!(
                    "this plan is format version {v}, written by a newer Swarmplan; \
                     this one reads versions up to {FORMAT_VERSION}"
                ),
                line,
                Some(12),
            )),
            Some(v) if v >= 1 => Ok(()),
            _ => Err(PlanError::at(
                format!("`swarmplan: {n}` is not a format version: use `swarmplan: {FORMAT_VERSION}`"),
                line,
                Some(12),
            )),
        },
        Some(_) => Err(PlanError::at(
            format!("`swarmplan:` must be the format version number, such as `swarmplan: {FORMAT_VERSION}`"),
            line,
            Some(12),
        )),
    }
}

/// One step of a path into a YAML document: a mapping's key, or a sequence's item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathStep<'a> {
    Key(&'a str),
    Index(usize),
}

/// Where a path leads in a YAML text: the 1-based line and column (in characters) of the key
/// of the last mapping entry on the path, or of the sequence item or the document it ends at;
/// `None` when the path leads nowhere.
///
/// The YAML library says where a node is only in its errors, so the text is read once with a
/// reader that follows the path and, at its end, stops with an error that carries the place:
/// the same reader as every plan's, so flow and block styles, quotes and anchors are where the
/// library finds them. A key that only a merge (`<<`) brings is not found. One read per call.
pub fn locate(text: &str, path: &[PathStep]) -> Option<(usize, usize)> {
    use serde::de::DeserializeSeed;
    if text.len() > MAX_PLAN_BYTES {
        return None;
    }
    let error = locator::Seek { path }
        .deserialize(serde_yaml_ng::Deserializer::from_str(text))
        .err()?;
    if !error.to_string().contains(locator::FOUND) {
        return None;
    }
    let location = error.location()?;
    Some((location.line(), location.column()))
}

mod locator {
    use super::PathStep;
    use serde::de::{
        self, DeserializeSeed, Deserializer, EnumAccess, IgnoredAny, MapAccess, SeqAccess, Visitor,
    };
    use std::fmt;

    /// The message of the error that stops the reader where the path ends.
    pub(super) const FOUND: &str = "swarmplan-locate: found";

    fn found<E: de::Error>() -> E {
        E::custom(FOUND)
    }

    /// Follows `path` from the node it is given.
    pub(super) struct Seek<'p> {
        pub(super) path: &'p [PathStep<'p>],
    }

    impl<'de> DeserializeSeed<'de> for Seek<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
            if self.path.is_empty() {
                deserializer.deserialize_any(Here)
            } else {
                deserializer.deserialize_any(self)
            }
        }
    }

    impl<'de> Visitor<'de> for Seek<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any YAML node")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let PathStep::Key(wanted) = self.path[0] else {
                return Ok(());
            };
            let last = self.path.len() == 1;
            while let Some(hit) = map.next_key_seed(KeyMatch { wanted, last })? {
                if hit {
                    return map.next_value_seed(Seek {
                        path: &self.path[1..],
                    });
                }
                map.next_value::<IgnoredAny>()?;
            }
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let PathStep::Index(wanted) = self.path[0] else {
                return Ok(());
            };
            for _ in 0..wanted {
                if seq.next_element::<IgnoredAny>()?.is_none() {
                    return Ok(());
                }
            }
            seq.next_element_seed(Seek {
                path: &self.path[1..],
            })?;
            Ok(())
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E: de::Error>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_enum<A: EnumAccess<'de>>(self, _: A) -> Result<(), A::Error> {
            // A tagged value (`!tag`): plans have none on the paths located.
            Ok(())
        }
    }

    /// Reads a key: whether it is the wanted one; at the path's end, stops there.
    struct KeyMatch<'w> {
        wanted: &'w str,
        last: bool,
    }

    impl KeyMatch<'_> {
        fn matched<E: de::Error>(&self, key: &str) -> Result<bool, E> {
            match key == self.wanted {
                true if self.last => Err(found()),
                matched => Ok(matched),
            }
        }
    }

    impl<'de> DeserializeSeed<'de> for KeyMatch<'_> {
        type Value = bool;
        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
            deserializer.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for KeyMatch<'_> {
        type Value = bool;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a key")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
            self.matched(v)
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
            self.matched(&v.to_string())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
            self.matched(&v.to_string())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
            self.matched(&v.to_string())
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<bool, E> {
            self.matched(&v.to_string())
        }
        fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
            self.matched("null")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(false)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(false)
        }
        fn visit_enum<A: EnumAccess<'de>>(self, _: A) -> Result<bool, A::Error> {
            Ok(false)
        }
    }

    /// The node at the path's end: stops the reader here, whatever the node is.
    struct Here;

    impl<'de> Visitor<'de> for Here {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any YAML node")
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
            Err(found())
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
            Err(found())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
            Err(found())
        }
        fn visit_i128<E: de::Error>(self, _: i128) -> Result<(), E> {
            Err(found())
        }
        fn visit_u128<E: de::Error>(self, _: u128) -> Result<(), E> {
            Err(found())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
            Err(found())
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
            Err(found())
        }
        fn visit_unit<E: de::Error>(self) -> Result<(), E> {
            Err(found())
        }
        fn visit_none<E: de::Error>(self) -> Result<(), E> {
            Err(found())
        }
        fn visit_some<D: Deserializer<'de>>(self, _: D) -> Result<(), D::Error> {
            Err(found())
        }
        fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
            Err(found())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
            Err(found())
        }
        fn visit_enum<A: EnumAccess<'de>>(self, _: A) -> Result<(), A::Error> {
            Err(found())
        }
    }
}
