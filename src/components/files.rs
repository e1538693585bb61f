//! Files in and out: the example gallery, opening and saving plan files, importing compose files
//! (picked or dropped anywhere on the page) and the share link.

use crate::browser;
use crate::components::example_picker::ExamplePicker;
use crate::ctx::{Ctx, Dialog};
use crate::on_demand;
use crate::opening::Opened;
use leptos::prelude::*;
use swarmplan_engine::examples::EXAMPLES;
use swarmplan_engine::{parse_plan, plan_to_yaml, Plan};

/// Opens plan files and imports compose files, picked or dropped, each with the code that reads
/// it loaded on demand (`on_demand::open_file`).
fn take_files(ctx: Ctx, files: Vec<web_sys::File>) {
    for file in files {
        leptos::task::spawn_local(async move {
            let text = match browser::read_text(&file).await {
                Ok(text) => text,
                Err(error) => return ctx.notice.set(Some(error)),
            };
            match on_demand::open_file(ctx.plan, file.name(), text).await {
                Ok(Opened::Plan { text, notice }) => {
                    ctx.replace_text(text);
                    ctx.notice.set(Some(notice));
                }
                Ok(Opened::Stack { edit, notice }) => {
                    if ctx.apply(edit) {
                        ctx.notice.set(Some(notice));
                    }
                }
                Ok(Opened::Refused(notice)) => ctx.notice.set(Some(notice)),
                Err(_) => ctx.notice.set(Some(on_demand::UNAVAILABLE.to_owned())),
            }
        });
    }
}

#[component]
pub fn FileActions(gallery_open: RwSignal<bool>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let open_input = NodeRef::<leptos::html::Input>::new();
    let import_input = NodeRef::<leptos::html::Input>::new();
    let share_link = RwSignal::new(None::<String>);
    let on_files = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        take_files(ctx, browser::files(input.files()));
        input.set_value("");
    };
    let save = move |_| {
        let (name, text) = ctx
            .document
            .with_untracked(|d| (d.plan().name.clone(), d.text().to_owned()));
        let file = format!("{}.swarmplan.yaml", browser::slug(&name));
        if browser::download(&file, text.as_bytes(), "application/yaml").is_err() {
            ctx.notice
                .set(Some("The browser refused the download.".to_owned()));
        } else {
            ctx.saved.set(Some(text));
        }
    };
    let share = move |_| {
        let text = ctx.document.with_untracked(|d| d.text().to_owned());
        leptos::task::spawn_local(async move {
            match on_demand::share_link(text).await {
                Ok(fragment) => {
                    share_link.set(Some(format!("{}#{fragment}", browser::page_address())))
                }
                Err(_) => ctx.notice.set(Some(on_demand::UNAVAILABLE.to_owned())),
            }
        });
    };
    // Files dropped anywhere on the page.
    let _dragover = window_event_listener(leptos::ev::dragover, |ev| ev.prevent_default());
    let _drop = window_event_listener(leptos::ev::drop, move |ev| {
        ev.prevent_default();
        let files = ev
            .data_transfer()
            .map(|d| browser::files(d.files()))
            .unwrap_or_default();
        take_files(ctx, files);
    });
    view! {
        <div class="file-actions">
            <button class="btn" data-testid="open-gallery" on:click=move |_| gallery_open.set(true)>"New…"</button>
            <button class="btn" data-testid="open-plan" title="Open a plan file"
                on:click=move |_| { if let Some(input) = open_input.get_untracked() { input.click(); } }>"Open"</button>
            <button class="btn" data-testid="save-plan" title="Save the plan as a file" on:click=save>"Save"</button>
            <button class="btn" data-testid="import-compose" title="Add a stack from a docker-compose file (or drop one on the page)"
                on:click=move |_| { if let Some(input) = import_input.get_untracked() { input.click(); } }>"Import compose"</button>
            <button class="btn" data-testid="share" title="A link that carries the plan" on:click=share>"Share"</button>
            <input type="file" class="visually-hidden" tabindex="-1" aria-hidden="true" accept=".yaml,.yml,.txt" node_ref=open_input data-testid="open-input" on:change=on_files />
            <input type="file" class="visually-hidden" tabindex="-1" aria-hidden="true" accept=".yaml,.yml" multiple=true node_ref=import_input data-testid="import-input" on:change=on_files />
            <ExamplePicker />
        </div>
        {move || share_link.get().map(|link| view! {
            <div class="popover" role="dialog" aria-label="Share link"
                on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { share_link.set(None) }>
                <p class="popover-title">"Share link"</p>
                <p class="muted">"The plan travels in the link itself, after the #: no server sees it."</p>
                <input class="mono" type="text" readonly=true data-testid="share-link" prop:value=link.clone() autofocus=true
                    on:focus=move |ev| { let input: web_sys::HtmlInputElement = event_target(&ev); input.select(); } />
                <div class="popover-actions">
                    <span class="muted">{format!("{} characters", link.len())}</span>
                    <button class="btn" data-testid="share-close" on:click=move |_| share_link.set(None)>"Close"</button>
                </div>
            </div>
        })}
    }
}

/// A plan with nothing in it yet, to draw from scratch.
pub fn empty_plan_text() -> String {
    plan_to_yaml(&Plan::new("Untitled plan"))
}

/// The gallery: start empty or from one of the examples.
#[component]
pub fn Gallery(open: RwSignal<bool>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let pick = move |text: String| {
        ctx.replace_text(text);
        open.set(false);
    };
    let cards = EXAMPLES
        .iter()
        .map(|example| {
            let stats = parse_plan(example.yaml).map(|p| {
                [
                    (swarmplan_engine::domains::host_names(&p).len(), "host"),
                    (p.nodes.len(), "node"),
                    (p.managers().count(), "manager"),
                    (p.stacks.len(), "stack"),
                ]
                .iter()
                .map(|&(n, word)| format!("{n} {word}{}", if n == 1 { "" } else { "s" }))
                .collect::<Vec<_>>()
                .join(" · ")
            });
            let (title, rest) = example.title.split_once(':').unwrap_or((example.title, ""));
            view! {
                <li>
                    <button class="gallery-card" data-example=example.id on:click=move |_| pick(example.yaml.to_owned())>
                        <span class="gallery-title">{title.to_owned()}</span>
                        <span class="gallery-desc">{rest.trim().to_owned()}</span>
                        <span class="gallery-stats">{stats.unwrap_or_default()}</span>
                    </button>
                </li>
            }
        })
        .collect_view();
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            open.set(false);
        }
    };
    view! {
        <div class="modal-backdrop" on:click=move |_| open.set(false)></div>
        <div class="modal" role="dialog" aria-modal="true" aria-labelledby="gallery-title" data-testid="gallery" on:keydown=on_keydown>
            <div class="modal-head">
                <h2 id="gallery-title">"Start a plan"</h2>
                <button class="btn btn-icon" aria-label="Close" autofocus=true on:click=move |_| open.set(false)>"×"</button>
            </div>
            <p class="muted">"Your current plan stays one undo away."</p>
            <div class="gallery-tools">
                <button class="btn" data-testid="open-sizing" title="Size VMs for physical servers and the failure to survive"
                    on:click=move |_| { open.set(false); ctx.dialog.set(Some(Dialog::Sizing)); }>"Size from servers…"</button>
                <button class="btn" data-testid="open-cluster-import" title="Paste docker node inspect and docker service inspect JSON"
                    on:click=move |_| { open.set(false); ctx.dialog.set(Some(Dialog::Cluster)); }>"Import a running swarm…"</button>
            </div>
            <ul class="gallery">
                <li>
                    <button class="gallery-card gallery-empty" data-example="empty" on:click=move |_| pick(empty_plan_text())>
                        <span class="gallery-title">"Empty plan"</span>
                        <span class="gallery-desc">"Draw sites, racks, hosts and nodes from scratch."</span>
                    </button>
                </li>
                {cards}
            </ul>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_empty_plan_parses() {
        assert!(parse_plan(&empty_plan_text()).is_ok());
    }
}
