//! The placeholder image: no registry is reachable from the lab, so every node gets one small
//! image (Debian's static busybox) under every image name the plan's stacks use.
//!
//! Its entrypoint, `/lab-entry`, ignores the command the service names, answers HTTP on every
//! port in `LAB_PORTS` (the ports the service publishes or exposes; the lab's copy of each
//! stack file sets it) and sleeps until it is stopped. `/usr/bin/curl` is a stub that succeeds,
//! so `curl -f` health checks pass; `CMD-SHELL` checks run in busybox's sh.

use crate::docker::Docker;
use crate::util::{cmd, mkdir, run, write, write_executable};
use crate::{lab_error, Result};
use std::path::{Path, PathBuf};

/// The image every name is a tag of.
pub const PLACEHOLDER: &str = "swarmplan-lab/placeholder:1";

const ENTRY: &str = r#"#!/bin/sh
# The lab's placeholder task: whatever the service's command, answer on its ports and wait.
echo "lab placeholder on $(hostname), command: $*"
mkdir -p /var/www
echo "lab placeholder $(hostname)" > /var/www/index.html
for p in ${LAB_PORTS:-80}; do
  httpd -f -p "$p" -h /var/www &
done
trap 'kill $(jobs -p) 2>/dev/null; exit 0' TERM INT
while :; do sleep 3600 & wait $!; done
"#;

const CURL: &str = r#"#!/bin/sh
# The lab's curl: health checks written with curl pass. With LAB_CURL_REAL=1 it fetches the URL.
if [ "${LAB_CURL_REAL:-0}" = 1 ]; then
  for a; do case $a in http*://*) exec wget -q -O- -T 3 "$a";; esac; done
fi
exit 0
"#;

/// Builds the image's root file system as a tarball in `dir`, unless it is there.
pub fn build(busybox: &Path, dir: &Path) -> Result<PathBuf> {
    let tarball = dir.join("placeholder-rootfs.tar");
    if tarball.is_file() {
        return Ok(tarball);
    }
    let root = dir.join("placeholder-rootfs");
    let _ = std::fs::remove_dir_all(&root);
    for d in [
        "bin", "sbin", "usr/bin", "usr/sbin", "etc", "tmp", "var/www", "proc", "sys", "dev",
        "root", "run",
    ] {
        mkdir(&root.join(d))?;
    }
    std::fs::copy(busybox, root.join("bin/busybox"))
        .map_err(|e| lab_error!("cannot copy {}: {e}", busybox.display()))?;
    let applets = run(cmd(busybox.to_str().unwrap_or("busybox"), ["--list"]))?;
    for applet in applets.lines().filter(|a| !a.is_empty() && *a != "busybox") {
        let link = root.join("bin").join(applet);
        if !link.exists() {
            std::os::unix::fs::symlink("busybox", &link)?;
        }
    }
    for applet in [
        "sh", "env", "sleep", "wget", "nc", "true", "false", "cat", "ls", "bash",
    ] {
        let link = root.join("usr/bin").join(applet);
        if !link.exists() {
            std::os::unix::fs::symlink("/bin/busybox", &link)?;
        }
    }
    write_executable(&root.join("usr/bin/curl"), CURL)?;
    write_executable(&root.join("lab-entry"), ENTRY)?;
    write(&root.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n")?;
    write(&root.join("etc/group"), "root:x:0:\n")?;
    run(cmd("tar", ["-C"])
        .arg(&root)
        .arg("-cf")
        .arg(&tarball)
        .arg("."))?;
    let _ = std::fs::remove_dir_all(&root);
    Ok(tarball)
}

/// Imports the placeholder into a node's engine and tags it with every name in `images`.
pub fn install(
    docker_cli: &Path,
    socket: &Path,
    tarball: &Path,
    images: &[String],
) -> Result<Vec<String>> {
    let host = format!("unix://{}", socket.display());
    let docker = Docker::new(socket);
    if docker.get(&format!("/images/{PLACEHOLDER}/json")).is_err() {
        run(cmd(
            docker_cli.to_str().unwrap_or("docker"),
            ["-H", &host, "import"],
        )
        .args([
            "--change",
            r#"ENTRYPOINT ["/lab-entry"]"#,
            "--change",
            "CMD []",
        ])
        .arg(tarball)
        .arg(PLACEHOLDER))?;
    }
    let mut skipped = Vec::new();
    for image in images {
        match split_reference(image) {
            Some((repo, tag)) => {
                let (status, body) = docker.request(
                    "POST",
                    &format!(
                        "/images/{PLACEHOLDER}/tag?repo={}&tag={}",
                        url(&repo),
                        url(&tag)
                    ),
                    None,
                )?;
                if status >= 400 {
                    return Err(lab_error!(
                        "cannot tag the placeholder as {image}: {}",
                        body.trim()
                    ));
                }
            }
            None => skipped.push(image.clone()),
        }
    }
    Ok(skipped)
}

/// `repo` and `tag` of an image reference (`latest` when none); `None` for a digest reference,
/// which no local image can stand in for.
pub fn split_reference(image: &str) -> Option<(String, String)> {
    if image.contains('@') || image.is_empty() {
        return None;
    }
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[last_slash..].rfind(':') {
        Some(colon) => {
            let at = last_slash + colon;
            Some((image[..at].to_owned(), image[at + 1..].to_owned()))
        }
        None => Some((image.to_owned(), "latest".to_owned())),
    }
}

fn url(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::split_reference;

    #[test]
    fn references_split_at_the_tag() {
        let split = |s: &str| split_reference(s).map(|(r, t)| format!("{r} {t}"));
        assert_eq!(split("nginx").as_deref(), Some("nginx latest"));
        assert_eq!(
            split("ubiqube/msa-api:2.8.1").as_deref(),
            Some("ubiqube/msa-api 2.8.1")
        );
        assert_eq!(
            split("registry.example.com:5000/a/b:1").as_deref(),
            Some("registry.example.com:5000/a/b 1")
        );
        assert_eq!(
            split("registry.example.com:5000/a/b").as_deref(),
            Some("registry.example.com:5000/a/b latest")
        );
        assert_eq!(split("a@sha256:00"), None);
    }
}
