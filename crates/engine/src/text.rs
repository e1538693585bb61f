//! Free text in what the exports write: a plan's name or a finding in a heading, a comment or a
//! table cell.

/// The text on one line: a line break in a plan's name must not end a heading or a comment.
pub fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// Text made safe inside an XML or HTML element, or a quoted attribute: the diagram's SVG and
/// the design report's HTML.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 admits no other control character, not even escaped.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn line_breaks_become_spaces() {
        assert_eq!(super::one_line("HA\r\nsite\nA"), "HA  site A");
    }

    #[test]
    fn markup_and_control_characters_are_escaped() {
        assert_eq!(
            super::xml_escape("<a href=\"x\">R&D's\u{7}</a>"),
            "&lt;a href=&quot;x&quot;&gt;R&amp;D&apos;s &lt;/a&gt;"
        );
    }
}
