//! Share links: the plan's text, deflated and base64url-encoded, in the URL fragment.
//!
//! A fragment never reaches a server, so a link shares a plan without uploading it. Deflate is
//! `miniz_oxide` (pure Rust, already in the build through `zip`), raw DEFLATE without a zlib
//! header; base64url has no characters a URL fragment must escape.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// What starts the fragment: `#plan=…`.
pub const PREFIX: &str = "plan=";
/// The largest plan a link may unpack to, so that a crafted link cannot exhaust memory.
pub const MAX_TEXT: usize = 4 * 1024 * 1024;

/// The fragment (without `#`) that carries `text`.
pub fn encode(text: &str) -> String {
    let packed = miniz_oxide::deflate::compress_to_vec(text.as_bytes(), 9);
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(packed))
}

/// The packed plan a fragment carries; `None` when the fragment is not a share link at all.
pub fn packed(fragment: &str) -> Option<&str> {
    let data = fragment.strip_prefix('#').unwrap_or(fragment);
    data.strip_prefix(PREFIX)
}

/// The plan text a fragment carries; `None` when the fragment is not a share link at all.
#[cfg(test)]
fn decode(fragment: &str) -> Option<Result<String, String>> {
    packed(fragment).map(unpack)
}

/// The plan text of a share link's packed data, or why the link is damaged.
pub fn unpack(data: &str) -> Result<String, String> {
    let packed = URL_SAFE_NO_PAD
        .decode(data.trim_end_matches('='))
        .map_err(|e| format!("the link is damaged: {e}"))?;
    let bytes = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_TEXT)
        .map_err(|e| format!("the link is damaged: {e:?}"))?;
    String::from_utf8(bytes).map_err(|_| "the link does not hold text".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use swarmplan_engine::examples::EXAMPLES;

    #[test]
    fn every_example_survives_a_link_and_shrinks() {
        for example in EXAMPLES {
            let fragment = encode(example.yaml);
            assert!(fragment.starts_with(PREFIX));
            assert!(
                fragment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_=".contains(&b)),
                "{}: only URL-safe characters",
                example.id
            );
            assert!(
                fragment.len() < example.yaml.len(),
                "{}: smaller",
                example.id
            );
            let text = decode(&format!("#{fragment}")).unwrap().unwrap();
            assert_eq!(text, example.yaml);
        }
    }

    #[test]
    fn other_fragments_and_damage_are_told_apart() {
        assert_eq!(decode("#top"), None);
        assert_eq!(decode(""), None);
        assert!(decode("#plan=!!!").unwrap().is_err());
        assert!(decode("#plan=AAAA").unwrap().is_err());
        assert_eq!(decode(&encode("")).unwrap().unwrap(), "");
    }
}
