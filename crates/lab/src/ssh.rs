//! `lab ssh`: the runbooks' transport, with ssh's calling convention,
//! `[ssh options] [user@]NODE-or-ADDRESS [COMMAND...]`.
//!
//! The command's words are joined with spaces, as ssh does, and run with `bash -c` inside the
//! node's namespaces, against its engine; standard input, output and error are the caller's
//! (nothing is copied in between), and the exit status is the command's. Without a command it
//! opens a login shell. An unknown node gives ssh's own message and status 255.

use crate::node::enter;
use crate::state::Lab;
use crate::Result;
use std::os::unix::process::CommandExt;

/// ssh options that take an argument.
const WITH_ARGUMENT: &str = "BbcDEeFIiJLlmOoPpQRSWw";

/// The destination and the command's words, with ssh's options skipped.
pub fn parse(args: &[String]) -> Option<(String, Vec<String>)> {
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if arg == "--" {
            i += 1;
            break;
        }
        let Some(flags) = arg.strip_prefix('-') else {
            break;
        };
        if flags.is_empty() {
            break;
        }
        // `-o X` or `-oX`; grouped flags such as `-tt` or `-qT`.
        let mut takes = false;
        for (j, c) in flags.char_indices() {
            if WITH_ARGUMENT.contains(c) {
                takes = j + c.len_utf8() == flags.len();
                break;
            }
        }
        i += if takes { 2 } else { 1 };
    }
    let destination = args.get(i)?;
    let host = destination
        .rsplit_once('@')
        .map_or(destination.as_str(), |(_, h)| h);
    Some((host.to_owned(), args[i + 1..].to_vec()))
}

/// Runs the command in the node and ends this process with its status. Returns only on error.
pub fn ssh(lab: &Lab, args: &[String]) -> Result<i32> {
    let Some((host, command)) = parse(args) else {
        eprintln!("usage: swarmplan lab ssh [ssh options] [user@]NODE-or-ADDRESS [COMMAND...]");
        return Ok(255);
    };
    let Some(node) = lab.resolve(&host) else {
        eprintln!("ssh: Could not resolve hostname {host}: no such node in the lab");
        return Ok(255);
    };
    let mut child = enter(lab, node);
    // ssh starts in the home folder: `mkdir -p swarmplan` there is the node's, not the
    // caller's folder.
    if command.is_empty() {
        child.args(["bash", "-c", "cd ~ && exec bash -l"]);
    } else {
        child.args([
            "bash",
            "-c",
            &format!("cd ~ || exit 255\n{}", command.join(" ")),
        ]);
    }
    let error = child.exec();
    Err(crate::lab_error!(
        "cannot enter node {}: {error}",
        node.name
    ))
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn options_and_user_are_skipped() {
        assert_eq!(
            parse(&words(
                "-o StrictHostKeyChecking=no -T admin@10.0.0.1 docker node ls"
            )),
            Some(("10.0.0.1".into(), words("docker node ls")))
        );
        assert_eq!(
            parse(&words("-p22 -qt man1")),
            Some(("man1".into(), vec![]))
        );
        assert_eq!(
            parse(&words("-l admin man2 sudo bash -s")),
            Some(("man2".into(), words("sudo bash -s")))
        );
        assert_eq!(parse(&words("-T")), None);
    }
}
