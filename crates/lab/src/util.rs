//! Running programs, waiting, and masking secrets.

use crate::{lab_error, Result};
use std::borrow::BorrowMut;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs a command to its end; its standard output, or an error with its standard error.
pub fn run(mut command: impl BorrowMut<Command>) -> Result<String> {
    let command = command.borrow_mut();
    let output = output(&mut *command)?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(lab_error!(
            "{} failed ({}): {}",
            shown(command),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// Runs a command to its end, with no standard input, whatever its exit status.
pub fn output(mut command: impl BorrowMut<Command>) -> Result<Output> {
    let command = command.borrow_mut();
    command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| lab_error!("cannot run {}: {e}", shown(command)))
}

/// Whether a command ran and exited 0 (its output thrown away).
pub fn succeeds(mut command: impl BorrowMut<Command>) -> bool {
    command
        .borrow_mut()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

pub fn shown(command: &Command) -> String {
    let mut words = vec![command.get_program().to_string_lossy().into_owned()];
    words.extend(command.get_args().map(|a| a.to_string_lossy().into_owned()));
    words.join(" ")
}

/// A command from a program and its arguments.
pub fn cmd<I, S>(program: &str, args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut command = Command::new(program);
    command.args(args);
    command
}

/// Waits until `ready` holds, checking every `every`, for at most `timeout`.
pub fn wait_for(timeout: Duration, every: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if ready() {
            return true;
        }
        if start.elapsed() >= timeout {
            return false;
        }
        std::thread::sleep(every);
    }
}

/// Whether a program is on PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

pub fn write(path: &Path, contents: impl AsRef<[u8]>) -> Result {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| lab_error!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, contents).map_err(|e| lab_error!("cannot write {}: {e}", path.display()))
}

pub fn write_executable(path: &Path, contents: impl AsRef<[u8]>) -> Result {
    use std::os::unix::fs::PermissionsExt;
    write(path, contents)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| lab_error!("cannot make {} executable: {e}", path.display()))
}

pub fn mkdir(path: &Path) -> Result {
    std::fs::create_dir_all(path).map_err(|e| lab_error!("cannot create {}: {e}", path.display()))
}

/// Masks every secret in a text the lab records: swarm join tokens (`SWMTKN-…`), unlock keys
/// (`SWMKEY-…`), and whatever follows `password=`, `token=` or `secret=`.
pub fn mask(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = ["SWMTKN-", "SWMKEY-"]
        .iter()
        .filter_map(|p| rest.find(p).map(|i| (i, p.len())))
        .min()
    {
        out.push_str(&rest[..at.0]);
        out.push_str(&rest[at.0..at.0 + at.1]);
        out.push_str("***");
        let tail = &rest[at.0 + at.1..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    let mut masked = String::with_capacity(out.len());
    let lower = out.to_ascii_lowercase();
    let mut i = 0;
    while i < out.len() {
        let hit = ["password=", "token=", "secret="]
            .iter()
            .find(|k| lower[i..].starts_with(*k));
        match hit {
            Some(key) => {
                masked.push_str(&out[i..i + key.len()]);
                i += key.len();
                let end = out[i..]
                    .find(|c: char| c.is_whitespace() || c == '\'' || c == '"')
                    .map_or(out.len(), |e| i + e);
                if end > i {
                    masked.push_str("***");
                }
                i = end;
            }
            None => {
                let c = out[i..].chars().next().expect("inside the text");
                masked.push(c);
                i += c.len_utf8();
            }
        }
    }
    masked
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn tokens_and_passwords_are_masked() {
        assert_eq!(
            mask("docker swarm join --token SWMTKN-1-3pu6hszjas19xyp7-abc 10.0.0.1:2377"),
            "docker swarm join --token SWMTKN-*** 10.0.0.1:2377"
        );
        assert_eq!(mask("a PASSWORD=hunter2 b"), "a PASSWORD=*** b");
        assert_eq!(mask("nothing here"), "nothing here");
        assert_eq!(mask("SWMKEY-1-x"), "SWMKEY-***");
    }
}
