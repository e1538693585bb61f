//! The release page refuses inline scripts. Trunk writes its start-up script inline into
//! `dist/index.html`, which a `script-src` without `'unsafe-inline'` would refuse; `cargo xtask
//! dist` moves it into a file of its own beside the glue it imports, and drops `'unsafe-inline'`
//! from `script-src`. The source `index.html` keeps it for `trunk serve`, whose live-reload
//! script is inline too.

use crate::Result;
use std::path::Path;

const OPEN: &str = "<script type=\"module\">";
const CLOSE: &str = "</script>";
const LAX: &str = "script-src 'self' 'unsafe-inline'";
const STRICT: &str = "script-src 'self'";

/// Rewrites `dist/index.html` as above; fails when the page is not as trunk 0.21 writes it.
pub fn strict(dist: &Path) -> Result {
    let page = dist.join("index.html");
    let html = std::fs::read_to_string(&page).map_err(|e| format!("cannot read {page:?}: {e}"))?;
    let (page_html, start_file, script) = moved(&html)?;
    std::fs::write(dist.join(&start_file), script)
        .map_err(|e| format!("cannot write {start_file}: {e}"))?;
    std::fs::write(&page, page_html).map_err(|e| format!("cannot write {page:?}: {e}"))?;
    Ok(())
}

/// The page with its one inline script moved out and the policy strict, the script's file
/// name, and the script.
fn moved(html: &str) -> Result<(String, String, String)> {
    if html.matches("<script").count() != 1 || html.matches(OPEN).count() != 1 {
        return Err(
            "dist/index.html should hold exactly trunk's one inline start-up script".into(),
        );
    }
    if html.matches(LAX).count() != 1 {
        return Err(format!("index.html's policy should say `{LAX}` once"));
    }
    let start = html.find(OPEN).expect("counted above");
    let end = start
        + html[start..]
            .find(CLOSE)
            .ok_or("trunk's start-up script is not closed")?;
    let script = html[start + OPEN.len()..end].trim().to_owned() + "\n";
    // Named after the glue it imports, so that it changes name when the build does.
    let glue = script
        .split("from './")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .filter(|glue| glue.ends_with(".js"))
        .ok_or("trunk's start-up script imports no ./*.js glue")?;
    let file = format!("{}-start.js", glue.trim_end_matches(".js"));
    let page = format!(
        "{}<script type=\"module\" src=\"./{file}\"></script>{}",
        &html[..start],
        &html[end + CLOSE.len()..]
    )
    .replace(LAX, STRICT);
    Ok((page, file, script))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_up_script_moves_to_a_file_and_the_policy_drops_unsafe_inline() {
        let html = "<meta content=\"default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'\">\n<script type=\"module\">\nimport init from './app-12ab.js';\nawait init();\n</script><link rel=\"modulepreload\">";
        let (page, file, script) = moved(html).expect("moved");
        assert_eq!(file, "app-12ab-start.js");
        assert_eq!(script, "import init from './app-12ab.js';\nawait init();\n");
        assert_eq!(
            page,
            "<meta content=\"default-src 'self'; script-src 'self' 'wasm-unsafe-eval'\">\n<script type=\"module\" src=\"./app-12ab-start.js\"></script><link rel=\"modulepreload\">"
        );
        assert!(
            moved(&page).is_err(),
            "a page without an inline script is not trunk's"
        );
    }
}
