//! Free text in what the exports write: a plan's name or a finding in a heading, a comment or a
//! table cell.

/// The text on one line: a line break in a plan's name must not end a heading or a comment.
pub fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn line_breaks_become_spaces() {
        assert_eq!(super::one_line("HA\r\nsite\nA"), "HA  site A");
    }
}
