//! Names and values that reach a shell: checked against the rules of the place they go, then
//! quoted, so that a hostile name can neither run a command nor split into two words.
//!
//! Two lines of defence. The exporters refuse a name that breaks Docker's rules (a finding, and
//! the command is left out), and every word they do write goes through [`quote`], which leaves
//! plain words alone and wraps anything else in single quotes.

/// Quotes one word for bash. Plain words (letters, digits and `-_.:/=@%+,`) are written as they
/// are, so that scripts read like the vendor guides; anything else is single-quoted, with each
/// `'` written as `'\''`. Inside single quotes bash expands nothing: `$(reboot)`, `;`, `` ` ``
/// and newlines stay text.
pub fn quote(word: &str) -> String {
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"-_.:/=@%+,".contains(&b);
    if !word.is_empty() && word.bytes().all(plain) {
        return word.to_owned();
    }
    let mut quoted = String::with_capacity(word.len() + 2);
    quoted.push('\'');
    for c in word.chars() {
        if c == '\'' {
            quoted.push_str("'\\''");
        } else {
            quoted.push(c);
        }
    }
    quoted.push('\'');
    quoted
}

/// A node hostname, stack, service or network name as Swarmplan accepts it in a command: the
/// engine's own rule ([`crate::validate::is_valid_name`]), which is stricter than Docker's.
pub fn is_safe_name(name: &str) -> bool {
    crate::validate::is_valid_name(name)
}

/// A node label key or value for `docker node update --label-add KEY=VALUE`. Docker accepts
/// almost anything; Swarmplan takes printable ASCII without quotes, `=` (in keys) or spaces, so
/// that the label reads the same in a constraint, a script and a table.
pub fn is_safe_label(text: &str, is_key: bool) -> bool {
    !text.is_empty()
        && text.len() <= 255
        && text.bytes().all(|b| {
            b.is_ascii_graphic()
                && !b"'\"`$\\;&|<>(){}[]*?!#~".contains(&b)
                && !(is_key && b == b'=')
        })
}

/// A host path for `mkdir -p` and `chown`: absolute, printable, no `..` step.
pub fn is_safe_path(path: &str) -> bool {
    path.starts_with('/')
        && path.len() <= 4096
        && !path.chars().any(char::is_control)
        && !path.split('/').any(|step| step == "..")
}

/// A value written into `export NAME=VALUE` of a deploy script: any text but NUL and newlines.
pub fn is_safe_value(text: &str) -> bool {
    !text.contains('\0') && !text.contains('\n') && !text.contains('\r')
}

/// An environment variable name, as bash accepts it.
pub fn is_variable_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Text for a `#` comment: one line, no control characters.
pub fn comment(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The head of every generated script: bash, the shellcheck checks it disables (with why, at the
/// caller), one comment line per entry of `comments`, and strict mode.
pub fn script_head(disable: &str, comments: &[&str]) -> String {
    let mut text = format!("#!/usr/bin/env bash\n# shellcheck disable={disable}\n");
    for line in comments {
        text.push_str("# ");
        text.push_str(&comment(line));
        text.push('\n');
    }
    text.push_str("set -euo pipefail\n\n");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_plain_and_the_rest_is_single_quoted() {
        assert_eq!(quote("da-policy1=true"), "da-policy1=true");
        assert_eq!(quote("/mnt/NASVolume/msa_db"), "/mnt/NASVolume/msa_db");
        assert_eq!(quote("$(reboot)"), "'$(reboot)'");
        assert_eq!(quote("a;b"), "'a;b'");
        assert_eq!(quote("it's"), "'it'\\''s'");
        assert_eq!(quote("two\nlines"), "'two\nlines'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("--add-port=80/tcp"), "--add-port=80/tcp");
        assert_eq!(quote("né"), "'né'");
    }

    #[test]
    fn hostile_names_are_refused() {
        for name in ["$(reboot)", "a;b", "x'y", "a\nb", "nœud", "", "-x", "a b"] {
            assert!(!is_safe_name(name), "{name:?}");
        }
        assert!(is_safe_label("da-policy1", true));
        assert!(!is_safe_label("a=b", true));
        assert!(!is_safe_label("$(reboot)", false));
        assert!(is_safe_path("/mnt/NASVolume/msa_sms_logs/snmp"));
        assert!(!is_safe_path("relative/x"));
        assert!(!is_safe_path("/mnt/../etc"));
        assert!(!is_safe_path("/mnt/a\nb"));
    }
}
