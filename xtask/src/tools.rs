//! Installing what the commands need, only when it is missing.
//!
//! Everything comes from the package registries this project may use: crates.io (trunk,
//! wasm-bindgen-cli, wasm-split-cli), Debian's archive (chromium, shellcheck, firewalld) and npm
//! (binaryen's wasm-opt, terser and playwright-core, installed by `npm ci` from committed lock
//! files). Nothing else is downloaded: trunk runs with `--offline` and uses the wasm-bindgen
//! installed here.
//!
//! wasm-opt comes from npm, not Debian: Debian's binaryen 108 rewrites the export of
//! wasm-bindgen's externref table to the wrong table (binaryen#4711), and the app then dies on
//! load; binaryen 132 does not, and detects the features the module uses by itself.

use crate::{cargo, pins, root, run, Result};
use std::path::PathBuf;
use std::process::Command;

/// The trunk release line that builds with this machine's rustc.
const TRUNK_VERSION: &str = "0.21.14";

/// wasm-split-cli, from the crate Leptos' own build tool splits wasm with; its split format
/// must match the `wasm_split_helpers` in Cargo.lock (`pins::check`).
const WASM_SPLIT_CRATE: &str = "wasm_split_cli_support";
pub const WASM_SPLIT_VERSION: &str = "0.2.4";

/// Debian's chromium, driven by Playwright in the browser tests.
pub const CHROMIUM: &str = "/usr/bin/chromium";

fn cargo_bin(name: &str) -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo")
        });
    home.join("bin").join(name)
}

pub fn trunk() -> PathBuf {
    cargo_bin("trunk")
}

/// The first line a program prints for `--version`, or `None` when it cannot be run.
fn version_of(program: impl AsRef<std::ffi::OsStr>) -> Option<String> {
    let output = Command::new(program).arg("--version").output().ok()?;
    output.status.success().then(|| {
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_owned()
    })
}

/// The wasm target, trunk, wasm-bindgen-cli, wasm-split-cli, wasm-opt and terser.
pub fn web() -> Result {
    let targets = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    if !targets.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("wasm32-unknown-unknown"))
    {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    if !version_of(trunk()).is_some_and(|v| v.contains(TRUNK_VERSION)) {
        run(cargo().args(["install", "trunk", "--locked", "--version", TRUNK_VERSION]))?;
    }
    let bindgen = pins::check()?;
    if !version_of(wasm_bindgen()).is_some_and(|v| v.ends_with(&bindgen)) {
        // Not `--locked`: one of the CLI's locked dependencies is not on the registry.
        run(cargo().args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &format!("={bindgen}"),
        ]))?;
    }
    if !wasm_split().exists() || !installed(WASM_SPLIT_CRATE, WASM_SPLIT_VERSION) {
        run(cargo().args([
            "install",
            WASM_SPLIT_CRATE,
            "--locked",
            "--version",
            WASM_SPLIT_VERSION,
            "--features",
            "build-binary",
        ]))?;
    }
    npm_ci(&root().join("tools"), &["binaryen", "terser"])
}

/// Whether `cargo install` has installed this version of a crate.
fn installed(krate: &str, version: &str) -> bool {
    cargo().args(["install", "--list"]).output().is_ok_and(|o| {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .any(|line| line.starts_with(&format!("{krate} v{version}:")))
    })
}

/// The wasm-split CLI that `web` installs.
pub fn wasm_split() -> PathBuf {
    cargo_bin("wasm-split-cli")
}

/// The wasm-bindgen CLI that `web` installs.
pub fn wasm_bindgen() -> PathBuf {
    cargo_bin("wasm-bindgen")
}

/// binaryen's wasm-opt, as installed by `npm ci` in tools/.
pub fn wasm_opt() -> PathBuf {
    root().join("tools/node_modules/binaryen/bin/wasm-opt")
}

/// terser, the JS minifier, as installed by `npm ci` in tools/.
pub fn terser() -> PathBuf {
    root().join("tools/node_modules/terser/bin/terser")
}

/// Installs a folder's npm packages from its lock file, unless `packages` are all there.
pub fn npm_ci(folder: &std::path::Path, packages: &[&str]) -> Result {
    if packages
        .iter()
        .all(|package| folder.join("node_modules").join(package).exists())
    {
        return Ok(());
    }
    if version_of("npm").is_none() {
        return Err("Node.js and npm are needed on PATH (the machine image ships them)".into());
    }
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(folder))
}

/// The real programs the tests use as judges: chromium, shellcheck, firewalld's offline
/// command, and Docker's stack loader (the docker client, which this machine kind ships).
pub fn test_judges() -> Result {
    apt(&[
        ("chromium", "chromium"),
        ("shellcheck", "shellcheck"),
        ("firewall-offline-cmd", "firewalld"),
        ("pdftotext", "poppler-utils"),
    ])?;
    if version_of("node").is_none() {
        return Err("the browser tests need Node.js (node and npm) on PATH".into());
    }
    ansible()
}

/// The version of PyPI's `ansible` (ansible-core with the community collections, among them
/// community.docker) that judges the inventory export.
const ANSIBLE: &str = "ansible==12.3.0";

/// The folder of `ansible-inventory` and `ansible-playbook`: a virtualenv of the project's own
/// under `tools/ansible`, which the export tests are told of through `SWARMPLAN_ANSIBLE`.
pub fn ansible_bin() -> PathBuf {
    root().join("tools/ansible/bin")
}

/// Installs the Ansible judges into `tools/ansible` when they are missing.
fn ansible() -> Result {
    let bin = ansible_bin();
    if bin.join("ansible-inventory").exists() && bin.join("ansible-playbook").exists() {
        return Ok(());
    }
    let venv = root().join("tools/ansible");
    run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    run(Command::new(bin.join("pip")).args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        ANSIBLE,
    ]))
}

fn on_path(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Installs the Debian packages whose program is missing.
fn apt(wanted: &[(&str, &str)]) -> Result {
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(program, _)| !on_path(program))
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    run(Command::new("apt-get").arg("update"))?;
    run(Command::new("apt-get")
        .args(["install", "-y"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// What the rehearsal lab needs of the machine: iproute2, util-linux, nftables, iptables,
/// firewalld and dbus (Debian's, installed when missing); its Docker engines come from
/// `swarmplan lab setup`, into a folder of the lab's own, never installed system-wide.
pub fn lab() -> Result {
    apt(&[
        ("ip", "iproute2"),
        ("nsenter", "util-linux"),
        ("nft", "nftables"),
        ("iptables", "iptables"),
        ("firewalld", "firewalld"),
        ("dbus-daemon", "dbus"),
    ])
}
