//! The plan as YAML: every edit is parsed; an error is shown with its place while the last good
//! plan stays on screen.

use crate::ctx::Ctx;
use crate::history::History;
use leptos::prelude::*;

#[component]
pub fn PlanEditor(autosaved: RwSignal<bool>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let document = ctx.document;
    let editor = NodeRef::<leptos::html::Textarea>::new();
    // The editor follows the document's text, except when it already holds it, as after the
    // user's own typing: writing the same text back would lay the whole textarea out again.
    Effect::new(move |_| {
        let Some(editor) = editor.get() else {
            return;
        };
        document.with(|d| {
            if editor.value() != d.text() {
                editor.set_value(d.text());
            }
        });
    });
    // A finding's "Show in YAML": its line selected, scrolled to and focused.
    Effect::new(move |_| {
        let Some(line) = ctx.show_line.get() else {
            return;
        };
        let Some(editor) = editor.get() else {
            return;
        };
        ctx.show_line.set(None);
        let (start, end, lines) = document.with_untracked(|d| line_range(d.text(), line));
        let _ = editor.focus();
        let _ = editor.set_selection_range(start, end);
        // Lines are one height (`wrap="off"`): the line near the top third of the box.
        let line_height = f64::from(editor.scroll_height()) / lines.max(1) as f64;
        let top =
            (line.saturating_sub(1) as f64 * line_height) - f64::from(editor.client_height()) / 3.0;
        editor.set_scroll_top(top.max(0.0) as i32);
    });
    let error = move || document.with(|d| d.error().map(ToString::to_string));
    let has_error = move || document.with(|d| d.error().is_some());
    // The text's own state, then the plan's: valid YAML can still hold a plan with errors.
    let status = move || {
        let text = if has_error() {
            "Not valid".to_owned()
        } else {
            match ctx.analysis.with(|a| a.errors()) {
                0 => "Valid".to_owned(),
                1 => "Valid YAML · 1 error".to_owned(),
                n => format!("Valid YAML · {n} errors"),
            }
        };
        let saved = if autosaved.get() {
            "saved in this browser"
        } else {
            "autosave unavailable"
        };
        format!("{text} · {saved}")
    };

    view! {
        <div class="panel editor-panel" aria-labelledby="editor-title">
            <div class="panel-head">
                <h2 id="editor-title">"Plan (YAML)"</h2>
                <span class="editor-status" class:status-error=has_error data-testid="editor-status">
                    {status}
                </span>
            </div>
            <textarea
                class="plan-yaml"
                class:has-error=has_error
                data-testid="plan-yaml"
                aria-label="The plan as YAML"
                aria-invalid=move || if has_error() { "true" } else { "false" }
                spellcheck="false"
                autocomplete="off"
                autocapitalize="off"
                wrap="off"
                // For the moment the YAML of a change made elsewhere takes to be written.
                readonly=move || document.with(|d| d.text_pending())
                node_ref=editor
                on:input=move |ev| ctx.type_text(event_target_value(&ev))
                on:blur=move |_| ctx.history.update(History::seal)
            ></textarea>
            {move || error().map(|message| view! {
                <div class="alert-danger yaml-error" role="alert">
                    <p data-testid="yaml-error">{message}</p>
                    <p class="yaml-error-note">"The canvas shows the last plan that parsed."</p>
                </div>
            })}
            <p class="editor-note">"Edits here and on the canvas stay in sync; a run of typing is one undo step."</p>
        </div>
    }
}

/// The UTF-16 offsets (a textarea's selection counts UTF-16 units) of the start and end of line
/// `line` (from 1) of `text`, and how many lines it has.
fn line_range(text: &str, line: usize) -> (u32, u32, usize) {
    let units = |s: &str| s.encode_utf16().count() as u32;
    let mut start = 0;
    let mut lines = 0;
    let mut found = None;
    for (i, content) in text.split('\n').enumerate() {
        lines += 1;
        if i + 1 == line {
            found = Some((start, start + units(content.trim_end_matches('\r'))));
        }
        start += units(content) + 1;
    }
    let (from, to) = found.unwrap_or((start.saturating_sub(1), start.saturating_sub(1)));
    (from, to, lines)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_line_is_found_in_utf16_units() {
        let text = "a: 1\nnamé: ✓x\r\nc: 3";
        assert_eq!(super::line_range(text, 1), (0, 4, 3));
        assert_eq!(super::line_range(text, 2), (5, 13, 3));
        assert_eq!(super::line_range(text, 3), (15, 19, 3));
        // Past the end: the end of the text.
        assert_eq!(super::line_range(text, 9), (19, 19, 3));
    }
}
