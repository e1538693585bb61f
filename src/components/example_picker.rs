//! The example menu: loads one of the built-in plans, asking first when it would replace the
//! user's own work (which stays one undo away).

use crate::ctx::Ctx;
use crate::on_demand;
use crate::state::Document;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use swarmplan_engine::examples;

#[component]
pub fn ExamplePicker() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let document = ctx.document;
    let current = Memo::new(move |_| document.with(Document::example_id));
    let on_change = move |ev: leptos::ev::Event| {
        let id = event_target_value(&ev);
        let Some(example) = examples::INFO.iter().find(|e| e.id == id) else {
            return;
        };
        if document.with_untracked(Document::has_own_work) && !confirm_replace(example.title) {
            // Put the menu back on what the editor holds.
            if let Some(select) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
            {
                select.set_value(current.get_untracked().unwrap_or(""));
            }
            return;
        }
        leptos::task::spawn_local(async move {
            match on_demand::example_text(id).await {
                Ok(Some(text)) => ctx.replace_text(text),
                Ok(None) => {}
                Err(_) => ctx.notice.set(Some(on_demand::UNAVAILABLE.to_owned())),
            }
        });
    };

    view! {
        <label class="example-picker">
            <span class="visually-hidden">"Example"</span>
            <select data-testid="example-select" aria-label="Example plans" on:change=on_change>
                <option value="" disabled=true prop:selected=move || current.get().is_none()>
                    "Your own plan"
                </option>
                {examples::INFO
                    .iter()
                    .map(|example| {
                        let id = example.id;
                        view! {
                            <option value=id prop:selected=move || current.get() == Some(id)>
                                {example.title}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// Asks before an example replaces the user's own plan. Without a window to ask in, it does not
/// replace.
fn confirm_replace(title: &str) -> bool {
    web_sys::window()
        .and_then(|w| {
            w.confirm_with_message(&format!(
                "Replace your plan with the example \"{title}\"?\n\nYou can undo this."
            ))
            .ok()
        })
        .unwrap_or(false)
}
