//! The split build's pins, each fact in one place and checked against the others before every
//! build of the app (`tools::web`):
//!
//! - the wasm-bindgen CLI must be the `wasm-bindgen` that Cargo.lock resolves, which is also the
//!   one trunk uses when Trunk.toml names none; a version Trunk.toml names must be that one;
//! - wasm-split-cli (`tools::WASM_SPLIT_VERSION`) must be semver-compatible with the split
//!   macro's support crates in the lock (`wasm_split_helpers`, `wasm_split_macros`), whose
//!   output it cuts;
//! - the browser build's cargo profile is named once, by index.html's
//!   `data-cargo-profile-release`, which is what trunk obeys; the split hook and the bench read
//!   it from there, and Cargo.toml must define it.
//!
//! The lock is read through `cargo metadata` (parsed with serde_json, which the workspace has
//! already), and the TOML files with the `toml` crate, never by matching lines.

use crate::{cargo, root, tools, Result};
use serde_json::Value;

/// The resolved version of each package `cargo metadata` reports, as `(name, version)`.
fn resolved() -> Result<Vec<(String, String)>> {
    let output = cargo()
        .args(["metadata", "--format-version", "1"])
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cannot read cargo metadata's output: {e}"))?;
    let packages = metadata["packages"]
        .as_array()
        .ok_or("cargo metadata lists no packages")?;
    Ok(packages
        .iter()
        .filter_map(|p| {
            Some((
                p["name"].as_str()?.to_owned(),
                p["version"].as_str()?.to_owned(),
            ))
        })
        .collect())
}

/// The one version of `name` in the lock.
fn locked(packages: &[(String, String)], name: &str) -> Result<String> {
    let mut versions: Vec<&str> = packages
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .collect();
    versions.sort();
    versions.dedup();
    match versions.as_slice() {
        [version] => Ok((*version).to_owned()),
        [] => Err(format!("Cargo.lock resolves no {name}")),
        several => Err(format!(
            "Cargo.lock resolves several {name}: {several:?}; the split build needs one"
        )),
    }
}

/// Whether `a` and `b` are semver-compatible: the same leftmost non-zero component, and the
/// same components before it (`0.2.4` and `0.2.3` are, `0.2.4` and `0.3.0` are not).
fn compatible(a: &str, b: &str) -> bool {
    let parts = |v: &str| -> Vec<String> {
        v.split(['.', '-', '+'])
            .take(3)
            .map(str::to_owned)
            .collect()
    };
    let (a, b) = (parts(a), parts(b));
    for (x, y) in a.iter().zip(&b) {
        if x != y {
            return false;
        }
        if x != "0" {
            return true;
        }
    }
    a.len() == b.len()
}

fn read_toml(file: &str) -> Result<toml::Table> {
    let text = std::fs::read_to_string(root().join(file))
        .map_err(|e| format!("cannot read {file}: {e}"))?;
    text.parse()
        .map_err(|e| format!("cannot read {file} as TOML: {e}"))
}

/// The value of the first `name="…"` attribute in an HTML text.
fn attribute<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let start = html.find(&format!("{name}=\""))? + name.len() + 2;
    let length = html[start..].find('"')?;
    Some(&html[start..start + length])
}

/// The cargo profile trunk builds the release app with: index.html's
/// `data-cargo-profile-release`.
pub fn web_profile() -> Result<String> {
    let html = std::fs::read_to_string(root().join("index.html"))
        .map_err(|e| format!("cannot read index.html: {e}"))?;
    attribute(&html, "data-cargo-profile-release")
        .map(str::to_owned)
        .ok_or_else(|| "index.html names no data-cargo-profile-release".to_owned())
}

/// Checks the pins against each other; returns the wasm-bindgen version the CLI must have.
pub fn check() -> Result<String> {
    let packages = resolved()?;
    let bindgen = locked(&packages, "wasm-bindgen")?;
    let trunk = read_toml("Trunk.toml")?;
    if let Some(named) = trunk
        .get("tools")
        .and_then(|t| t.get("wasm_bindgen"))
        .and_then(|v| v.as_str())
    {
        if named != bindgen {
            return Err(format!(
                "Trunk.toml names wasm-bindgen {named}, Cargo.lock resolves {bindgen}: name none (trunk then uses the lock's) or the lock's"
            ));
        }
    }
    for support in ["wasm_split_helpers", "wasm_split_macros"] {
        let version = locked(&packages, support)?;
        if !compatible(&version, tools::WASM_SPLIT_VERSION) {
            return Err(format!(
                "wasm-split-cli {} cannot split what {support} {version} (Cargo.lock) marks: move tools::WASM_SPLIT_VERSION to a compatible release",
                tools::WASM_SPLIT_VERSION
            ));
        }
    }
    let profile = web_profile()?;
    let manifest = read_toml("Cargo.toml")?;
    let defined = manifest
        .get("profile")
        .and_then(|p| p.get(&profile))
        .is_some();
    if !defined {
        return Err(format!(
            "index.html builds with the cargo profile `{profile}`, which Cargo.toml does not define"
        ));
    }
    Ok(bindgen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_compatible_as_cargo_says() {
        assert!(compatible("0.2.4", "0.2.3"));
        assert!(!compatible("0.2.4", "0.3.0"));
        assert!(compatible("1.2.0", "1.9.1"));
        assert!(!compatible("1.2.0", "2.0.0"));
        assert!(compatible("0.0.3", "0.0.3"));
        assert!(!compatible("0.0.3", "0.0.4"));
    }

    #[test]
    fn the_pins_agree_in_this_repository() {
        assert_eq!(
            attribute(
                r#"<link data-bin="a" data-cargo-profile-release="web" />"#,
                "data-cargo-profile-release"
            ),
            Some("web")
        );
        check().expect("the pins agree");
    }
}
