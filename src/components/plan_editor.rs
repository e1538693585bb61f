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
    let error = move || document.with(|d| d.error().map(ToString::to_string));
    let has_error = move || document.with(|d| d.error().is_some());
    let status = move || match (has_error(), autosaved.get()) {
        (false, true) => "Valid · saved in this browser",
        (true, true) => "Not valid · saved in this browser",
        (false, false) => "Valid · autosave unavailable",
        (true, false) => "Not valid · autosave unavailable",
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
