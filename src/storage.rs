//! Autosave in the browser's localStorage: the one place the app touches storage.

use crate::state::Saved;

/// The editor's text, saved on every edit whether it parses or not.
pub const TEXT_KEY: &str = "swarmplan.plan.text";
/// The last text that parsed.
pub const LAST_GOOD_KEY: &str = "swarmplan.plan.last-good";

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// What an earlier visit saved; nothing when storage is unavailable (private windows may refuse
/// it).
pub fn load() -> Saved {
    let Some(storage) = local_storage() else {
        return Saved::default();
    };
    let get = |key: &str| storage.get_item(key).ok().flatten();
    Saved {
        text: get(TEXT_KEY),
        last_good: get(LAST_GOOD_KEY),
    }
}

/// Runbook ticks (see `ticks`), as JSON.
pub const TICKS_KEY: &str = "swarmplan.runbook.ticks";

/// The runbook ticks an earlier visit saved.
pub fn load_ticks() -> crate::ticks::Ticks {
    local_storage()
        .and_then(|s| s.get_item(TICKS_KEY).ok().flatten())
        .map(|text| crate::ticks::Ticks::from_json(&text))
        .unwrap_or_default()
}

/// Saves the runbook ticks; false when the browser refused.
pub fn save_ticks(ticks: &crate::ticks::Ticks) -> bool {
    local_storage().is_some_and(|s| s.set_item(TICKS_KEY, &ticks.to_json()).is_ok())
}

thread_local! {
    /// What this page last wrote of the document: an edit is saved before its analysis, before
    /// its drawing and by the autosave, and only the first of them writes the text.
    static WRITTEN: std::cell::RefCell<Saved> = std::cell::RefCell::default();
}

/// Saves the document; false when the browser refused (no storage, or over quota). What this
/// page wrote already is not written again.
pub fn save(saved: &Saved) -> bool {
    let Some(storage) = local_storage() else {
        return false;
    };
    WRITTEN.with_borrow_mut(|written| {
        let mut ok = true;
        for (key, value, was) in [
            (TEXT_KEY, &saved.text, &mut written.text),
            (LAST_GOOD_KEY, &saved.last_good, &mut written.last_good),
        ] {
            let Some(value) = value else { continue };
            if was.as_ref() == Some(value) {
                continue;
            }
            if storage.set_item(key, value).is_ok() {
                *was = Some(value.clone());
            } else {
                ok = false;
            }
        }
        ok
    })
}

/// Set while the app derives the analysis and the drawing from a plan, and replaced by the
/// panic's message when one ends the app: a page that opens with it set knows that its plan
/// crashed the last visit (see `crash`).
pub const CRASH_KEY: &str = "swarmplan.crash";
/// The crash drill: set to `panic`, it makes the next analysis panic, once. It is how the
/// browser test proves that a crash costs the user nothing.
pub const DRILL_KEY: &str = "swarmplan.drill";

/// What `CRASH_KEY` holds, if anything.
pub fn crash_marker() -> Option<String> {
    local_storage().and_then(|s| s.get_item(CRASH_KEY).ok().flatten())
}

/// Sets `CRASH_KEY`; false when the browser refused.
pub fn set_crash_marker(value: &str) -> bool {
    local_storage().is_some_and(|s| s.set_item(CRASH_KEY, value).is_ok())
}

pub fn clear_crash_marker() {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(CRASH_KEY);
    }
}

/// Whether the crash drill is set; it is cleared as it is read, so that it fires once.
pub fn take_drill() -> bool {
    let Some(storage) = local_storage() else {
        return false;
    };
    let drill = storage.get_item(DRILL_KEY).ok().flatten();
    if drill.is_some() {
        let _ = storage.remove_item(DRILL_KEY);
    }
    drill.as_deref() == Some("panic")
}
