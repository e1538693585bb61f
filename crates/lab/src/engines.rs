//! `lab setup`: Debian's Docker engines, fetched with `apt-get download` into a folder of the
//! lab's own and unpacked with `dpkg -x`. Nothing is installed system-wide: apt runs with a
//! private source list, lists and cache.
//!
//! - engine 26: Debian 13 (trixie) `docker.io` 26.1 with `docker-cli` and `containerd` 1.7;
//! - engine 20: Debian 12 (bookworm) `docker.io` 20.10 (CLI included) and `containerd` 1.6;
//! - both run with Debian 12's `runc` (trixie's needs a newer glibc than Debian 12 has) and
//!   `tini` as docker-init;
//! - trixie's `busybox-static` makes the placeholder image (bookworm's `wget -T` segfaults).

use crate::util::{cmd, mkdir, run, write};
use crate::{lab_error, Result};
use std::path::{Path, PathBuf};

/// Which engine a node runs.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Engine {
    /// Debian 13's Docker 26.1 (the newest Debian ships): the lab's default.
    #[serde(rename = "26")]
    V26,
    /// Debian 12's Docker 20.10: an upgrade rehearsal starts from it and ends on 26.1.
    #[serde(rename = "20")]
    V20,
}

impl Engine {
    pub fn parse(text: &str) -> Option<Engine> {
        match text {
            "26" | "26.1" => Some(Engine::V26),
            "20" | "20.10" => Some(Engine::V20),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::V26 => "26",
            Engine::V20 => "20",
        }
    }

    fn suite(self) -> &'static str {
        match self {
            Engine::V26 => "trixie",
            Engine::V20 => "bookworm",
        }
    }
}

/// The engine binaries each node's `/usr/local/sbin` links to: (name in the node, path in the
/// unpacked packages, from the suite).
fn binaries(engine: Engine) -> Vec<(&'static str, &'static str, &'static str)> {
    let suite = engine.suite();
    let mut list = vec![
        ("dockerd", suite, "usr/sbin/dockerd"),
        ("docker-proxy", suite, "usr/sbin/docker-proxy"),
        ("docker", suite, "usr/bin/docker"),
        ("containerd", suite, "usr/bin/containerd"),
        (
            "containerd-shim-runc-v2",
            suite,
            "usr/bin/containerd-shim-runc-v2",
        ),
        ("ctr", suite, "usr/bin/ctr"),
        ("runc", "bookworm", "usr/sbin/runc"),
        ("docker-init", suite, "usr/bin/tini-static"),
    ];
    if engine == Engine::V20 {
        list.push(("containerd-shim", "bookworm", "usr/bin/containerd-shim"));
    }
    list.into_iter()
        .map(|(name, suite, path)| (name, path, suite))
        .collect()
}

/// The lab's cache of engines: `SWARMPLAN_LAB_CACHE`, else `/var/tmp/swarmplan-lab-cache`. It
/// lies outside every path a node sees as its own (`/tmp`, `/root`, `/var/lib`, …), so the
/// nodes run the binaries straight from it.
pub fn default_cache() -> PathBuf {
    std::env::var_os("SWARMPLAN_LAB_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/swarmplan-lab-cache"))
}

/// The unpacked engines in a cache folder.
#[derive(Debug, Clone)]
pub struct Engines {
    pub cache: PathBuf,
}

const PACKAGES: [(&str, &[&str]); 2] = [
    (
        "trixie",
        &[
            "docker.io",
            "docker-cli",
            "containerd",
            "tini",
            "busybox-static",
        ],
    ),
    ("bookworm", &["docker.io", "containerd", "runc", "tini"]),
];

impl Engines {
    pub fn new(cache: &Path) -> Engines {
        Engines {
            cache: cache.to_path_buf(),
        }
    }

    fn unpacked(&self, suite: &str) -> PathBuf {
        self.cache.join("pkgs").join(suite)
    }

    /// A binary of an engine, as unpacked.
    pub fn binary(&self, engine: Engine, name: &str) -> PathBuf {
        let (_, path, suite) = binaries(engine)
            .into_iter()
            .find(|(n, _, _)| *n == name)
            .expect("a known engine binary");
        self.unpacked(suite).join(path)
    }

    /// Every binary a node of this engine links to, by its name in the node.
    pub fn node_binaries(&self, engine: Engine) -> Vec<(&'static str, PathBuf)> {
        binaries(engine)
            .into_iter()
            .map(|(name, path, suite)| (name, self.unpacked(suite).join(path)))
            .collect()
    }

    /// The static busybox the placeholder image is made of.
    pub fn busybox(&self) -> PathBuf {
        self.unpacked("trixie").join("usr/bin/busybox")
    }

    /// Whether every binary of both engines is unpacked.
    pub fn ready(&self) -> bool {
        [Engine::V26, Engine::V20]
            .iter()
            .all(|&e| self.node_binaries(e).iter().all(|(_, p)| p.is_file()))
            && self.busybox().is_file()
    }

    /// Fetches and unpacks what is missing; nothing is downloaded when it is all there.
    pub fn setup(&self) -> Result<String> {
        if self.ready() {
            return Ok(format!(
                "the engines are ready in {} (nothing downloaded)",
                self.cache.display()
            ));
        }
        for program in ["apt-get", "dpkg"] {
            if !crate::util::on_path(program) {
                return Err(lab_error!(
                    "`lab setup` fetches Debian's Docker packages with {program}, which is not installed"
                ));
            }
        }
        let apt = self.cache.join("apt");
        for (suite, packages) in PACKAGES {
            let sources = apt.join(format!("{suite}.sources"));
            write(&sources, sources_text(suite))?;
            let lists = apt.join(format!("{suite}-lists"));
            mkdir(&lists.join("partial"))?;
            let archives = apt.join("cache/archives/partial");
            mkdir(&archives)?;
            let options = [
                format!("Dir::Etc::SourceList={}", sources.display()),
                "Dir::Etc::SourceParts=/dev/null".to_owned(),
                format!("Dir::State::Lists={}", lists.display()),
                format!("Dir::Cache={}", apt.join("cache").display()),
            ];
            let apt_get = |args: &[&str], dir: &Path| {
                let mut command = cmd("apt-get", ["-qq"]);
                for option in &options {
                    command.arg("-o").arg(option);
                }
                command.args(args).current_dir(dir);
                run(&mut command)
            };
            apt_get(&["update"], &self.cache)?;
            let debs = self.cache.join("debs").join(suite);
            let _ = std::fs::remove_dir_all(&debs);
            mkdir(&debs)?;
            let mut args = vec!["download"];
            args.extend(packages.iter().copied());
            apt_get(&args, &debs)?;
            let target = self.unpacked(suite);
            mkdir(&target)?;
            for entry in std::fs::read_dir(&debs)? {
                let deb = entry?.path();
                if deb.extension().is_some_and(|e| e == "deb") {
                    run(cmd("dpkg", ["-x"]).arg(&deb).arg(&target))?;
                }
            }
        }
        if !self.ready() {
            return Err(lab_error!(
                "the packages were fetched into {} but some engine binary is still missing",
                self.cache.display()
            ));
        }
        Ok(format!(
            "fetched and unpacked Docker {} and {} into {}",
            self.version(Engine::V26).unwrap_or_default(),
            self.version(Engine::V20).unwrap_or_default(),
            self.cache.display()
        ))
    }

    /// `dockerd --version` of an engine, such as `26.1.5+dfsg1`.
    pub fn version(&self, engine: Engine) -> Option<String> {
        let text = run(std::process::Command::new(self.binary(engine, "dockerd")).arg("--version"))
            .ok()?;
        // "Docker version 26.1.5+dfsg1, build a72d7cd"
        text.split_whitespace()
            .nth(2)
            .map(|v| v.trim_end_matches(',').to_owned())
    }
}

fn sources_text(suite: &str) -> String {
    let keyring = "/usr/share/keyrings/debian-archive-keyring.gpg";
    match suite {
        "bookworm" => format!(
            "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: {keyring}\n\n\
             Types: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\nSigned-By: {keyring}\n"
        ),
        _ => format!(
            "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: {suite}\nComponents: main\nSigned-By: {keyring}\n"
        ),
    }
}
