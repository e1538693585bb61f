//! The judges the export tests run: Docker's stack loader, shellcheck, bash -n and firewalld's
//! offline command. A missing judge fails the test loudly: `cargo xtask test` installs them.

// A test is a shell around the engine: it reads and writes files, as the command line does.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use swarmplan_engine::bundle::Bundle;

/// Runs a judge; panics with a clear message when the program is not installed.
pub fn judge(program: &str, args: &[&str], dir: Option<&Path>, env: &[(String, String)]) -> Output {
    let mut command = Command::new(program);
    command.args(args);
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    for (k, v) in env {
        command.env(k, v);
    }
    match command.output() {
        Ok(output) => output,
        Err(e) => panic!(
            "judge `{program}` could not run ({e}). The export tests need docker (client), shellcheck, bash and firewalld's firewall-offline-cmd; `cargo xtask test` installs them"
        ),
    }
}

/// Runs a judge that must pass; panics with the command and everything it printed when it
/// does not.
pub fn passes(
    program: &str,
    args: &[&str],
    dir: Option<&Path>,
    env: &[(String, String)],
) -> Output {
    let out = judge(program, args, dir, env);
    assert!(
        out.status.success(),
        "`{program} {}`{} failed:\n{}{}",
        args.join(" "),
        dir.map(|d| format!(" in {}", d.display()))
            .unwrap_or_default(),
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh scratch directory under the target dir's tmp.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("swarmplan-export-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Writes the bundle under `dir`, as `swarmplan export --out` does.
pub fn write_bundle(bundle: &Bundle, dir: &Path) {
    for file in &bundle.files {
        let path = dir.join(&file.path);
        std::fs::create_dir_all(path.parent().expect("a file has a parent")).expect("mkdir");
        std::fs::write(&path, &file.contents).expect("write");
    }
}

/// `bash -n` and `shellcheck` on a script; panics with their output on failure.
pub fn check_script(path: &Path) {
    let p = path.to_str().expect("utf-8 path");
    passes("bash", &["-n", p], None, &[]);
    passes(
        "shellcheck",
        &["--shell=bash", "--severity=style", p],
        None,
        &[],
    );
}

/// `docker stack config -c ...` in `dir`; returns its output, panics on failure.
pub fn stack_config(dir: &Path, files: &[&str], env: &[(String, String)]) -> String {
    let mut args = vec!["stack", "config"];
    for f in files {
        args.push("-c");
        args.push(f);
    }
    text(&passes("docker", &args, Some(dir), env).stdout)
}

/// A wrapper that runs `firewall-offline-cmd --system-config DIR` with the arguments a script
/// gives `firewall-cmd`: `--permanent` is what the offline command always does, and `--reload`
/// has nothing to reload.
pub fn offline_firewall(dir: &Path) -> PathBuf {
    let config = dir.join("firewalld");
    std::fs::create_dir_all(&config).expect("mkdir");
    if Path::new("/etc/firewalld/firewalld.conf").exists() {
        std::fs::copy(
            "/etc/firewalld/firewalld.conf",
            config.join("firewalld.conf"),
        )
        .expect("copy firewalld.conf");
    }
    let wrapper = dir.join("firewall-cmd");
    let script = format!(
        "#!/usr/bin/env bash\nset -euo pipefail\nargs=()\nfor a in \"$@\"; do\n  case \"$a\" in\n    --permanent) ;;\n    --reload) exit 0 ;;\n    *) args+=(\"$a\") ;;\n  esac\ndone\nexec firewall-offline-cmd --system-config '{}' \"${{args[@]}}\"\n",
        config.display()
    );
    std::fs::write(&wrapper, script).expect("write wrapper");
    judge(
        "chmod",
        &["+x", wrapper.to_str().expect("utf-8")],
        None,
        &[],
    );
    // Fail loudly now if firewalld's offline command is missing.
    passes(
        "firewall-offline-cmd",
        &[
            "--system-config",
            config.to_str().expect("utf-8"),
            "--list-all",
        ],
        None,
        &[],
    );
    wrapper
}

/// Runs a node script with `FIREWALL_CMD` set to the offline wrapper; returns `--list-all`.
pub fn apply_firewall_script(script: &Path, scratch: &Path) -> String {
    let wrapper = offline_firewall(scratch);
    let env = [(
        "FIREWALL_CMD".to_owned(),
        wrapper.to_str().expect("utf-8").to_owned(),
    )];
    passes("bash", &[script.to_str().expect("utf-8")], None, &env);
    text(&passes(wrapper.to_str().expect("utf-8"), &["--list-all"], None, &[]).stdout)
}

/// An Ansible program: from `SWARMPLAN_ANSIBLE` (the folder `cargo xtask test` installs PyPI's
/// `ansible` into), else from PATH.
pub fn ansible(program: &str) -> String {
    match std::env::var("SWARMPLAN_ANSIBLE") {
        Ok(dir) if !dir.is_empty() => Path::new(&dir).join(program).display().to_string(),
        _ => program.to_owned(),
    }
}
