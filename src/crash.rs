//! When Swarmplan itself fails, the user loses nothing. A panic in WebAssembly ends the app's
//! instance, so the page cannot carry on as it was; instead:
//!
//! - before anything derives the analysis or the drawing from a plan, the editor's text is saved
//!   and a marker set (`guarded`), so a crash there finds both in storage;
//! - the panic hook (`install`) replaces the marker with the panic's message and reopens the
//!   page;
//! - a page that opens with the marker set holds the analysis and the drawing back
//!   (`held_at_start`): it shows the text, why it is held back, and a way to analyse anyway.
//!   Changing the text releases it (`release`).
//!
//! A crash while the page is held back does not reopen it again (no loop): a plain banner says
//! so and offers the reload.

use crate::{browser, storage};
use std::sync::atomic::{AtomicBool, Ordering};

/// What the marker holds while an analysis or a drawing runs.
const WORKING: &str = "working";
/// What a panic's marker starts with, before the panic's own message.
const PANICKED: &str = "panicked: ";

/// Whether a crash may reopen the page; not while it is held back after one.
static MAY_REOPEN: AtomicBool = AtomicBool::new(true);
/// Whether this instance has panicked. A panic stops the call it happened in, but calls the
/// browser had queued still enter the instance until the page reloads: they may fail on what the
/// panic left half done (only the first panic is the cause), and they must not clear the marker.
static ENDED: AtomicBool = AtomicBool::new(false);

/// Installs the panic hook: the panic goes to the console, its message to the marker, and the
/// page reopens with the text it had (or, held back already, shows a plain banner).
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        if ENDED.swap(true, Ordering::Relaxed) {
            return;
        }
        storage::set_crash_marker(&format!("{PANICKED}{info}"));
        if MAY_REOPEN.load(Ordering::Relaxed) {
            browser::reload();
        } else {
            browser::show_plain_banner(
                "Swarmplan hit an internal error again, with the analysis held back; your text \
                 is kept in this browser.",
                "Reload",
            );
        }
    }));
}

/// Why the page opens with the analysis held back, when the last visit crashed on its plan.
pub fn held_at_start() -> Option<String> {
    let marker = storage::crash_marker()?;
    MAY_REOPEN.store(false, Ordering::Relaxed);
    drill();
    Some(reason(&marker))
}

/// The sentence the banner shows for a marker.
fn reason(marker: &str) -> String {
    match marker.strip_prefix(PANICKED) {
        Some(message) => format!("it stopped with an internal error ({message})"),
        None => "its analysis did not finish (the tab was closed, or ran out of memory)".to_owned(),
    }
}

/// Ends the holding back: the next analysis runs as usual.
pub fn release() {
    if ENDED.load(Ordering::Relaxed) {
        return;
    }
    storage::clear_crash_marker();
    MAY_REOPEN.store(true, Ordering::Relaxed);
}

/// The crash drill: panics, once, when `storage::DRILL_KEY` asks for it. The analysis calls it
/// where a bug of its own would panic, after the text is saved; a page that opens held back
/// calls it as it opens, which is the crash that must not reload the page again.
pub fn drill() {
    if storage::take_drill() {
        panic!(
            "the crash drill ({}) asked this analysis to panic",
            storage::DRILL_KEY
        );
    }
}

/// Runs `work`, which derives something from the plan, with the text saved first (`save`) and
/// the marker set until it returns. Guarded computations do not nest: the analysis and the
/// drawing are memos that do not read each other.
pub fn guarded<T>(save: impl FnOnce(), work: impl FnOnce() -> T) -> T {
    if !ENDED.load(Ordering::Relaxed) {
        save();
        storage::set_crash_marker(WORKING);
    }
    let result = work();
    if !ENDED.load(Ordering::Relaxed) {
        storage::clear_crash_marker();
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_says_its_message_and_an_unfinished_analysis_says_so() {
        assert_eq!(
            reason("panicked: panicked at src/x.rs:1:1:\nboom"),
            "it stopped with an internal error (panicked at src/x.rs:1:1:\nboom)"
        );
        assert!(reason(WORKING).contains("did not finish"));
    }
}
