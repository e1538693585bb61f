//! The page, assembled: the document signal and what derives from it (`Ctx`), the canvas and the
//! panels around it, and what the page does with the browser around them: the share link it was
//! opened with, the autosave, the undo keys, the background fetch of the rest of the app.

use crate::components::failure_domains::FailureDomains;
use crate::components::files::FileActions;
use crate::components::findings::Findings;
use crate::components::plan_editor::PlanEditor;
use crate::components::quorum::QuorumPanel;
use crate::components::topology::Canvas;
use crate::ctx::{Ctx, Derived, Dialog, Panel};
use crate::history::History;
use crate::on_demand;
use crate::state::Document;
use crate::views_on_demand::{self, Feature};
use crate::whatif::{Failed, WhatIf};
use crate::{browser, share, storage};
use leptos::prelude::*;
use std::collections::BTreeSet;
use swarmplan_engine::drawing;
use swarmplan_engine::{analyze, Options, Plan};

#[component]
pub fn App() -> impl IntoView {
    let document = RwSignal::new(Document::restore(&storage::load()));
    // The plan only changes when an edit parses, so a typo does not redraw or re-analyse anything.
    let plan = Memo::new(move |_| document.with(|d| d.plan().clone()));
    // After a crash on this plan, the analysis and the drawing wait until the text changes or
    // the user asks for them; until then they are those of an empty plan of the same name.
    let held = RwSignal::new(crate::crash::held_at_start());
    let save_now = move || {
        storage::save(&document.with_untracked(Document::saved));
    };
    let analysis = Memo::new(move |_| {
        if held.with(Option::is_some) {
            return plan.with(|p| analyze(&Plan::new(&p.name), &Options::default()));
        }
        plan.with(|p| {
            crate::crash::guarded(save_now, || {
                crate::crash::drill();
                analyze(p, &Options::default())
            })
        })
    });
    let drawing = Memo::new(move |_| {
        if held.with(Option::is_some) {
            return plan.with(|p| drawing::layout(&Plan::new(&p.name)));
        }
        plan.with(|p| crate::crash::guarded(save_now, || drawing::layout(p)))
    });
    let held_text = document.with_untracked(|d| d.text().to_owned());
    Effect::new(move |_| {
        let changed = document.with(|d| d.text() != held_text);
        if changed && held.get_untracked().is_some() {
            crate::crash::release();
            held.set(None);
        }
    });
    let failed = RwSignal::new(BTreeSet::<Failed>::new());
    // The what-if: the canvas, the banner and the services panel all read it. With nothing
    // failed, as on every keystroke, it is the plan's own placement, a memo of the analysis.
    // With failures, code loaded on demand computes the scenario (`on_demand::what_if`) for the
    // plan and failures of the moment; the memo shows it once it is the answer to the latest
    // question, which is as soon as the code is there.
    let notice = RwSignal::new(None);
    let asked = RwSignal::new(0_u64);
    let answer = RwSignal::new(None::<(u64, WhatIf)>);
    Effect::new(move |_| {
        if failed.with(BTreeSet::is_empty) {
            return;
        }
        plan.track();
        analysis.track();
        let question = asked.get_untracked() + 1;
        asked.set(question);
        leptos::task::spawn_local(async move {
            match on_demand::what_if(plan, analysis, failed).await {
                Ok(w) if asked.get_untracked() == question => answer.set(Some((question, w))),
                Ok(_) => {}
                Err(_) => notice.set(Some(on_demand::UNAVAILABLE.to_owned())),
            }
        });
    });
    let whatif = Memo::new(move |_| {
        let latest = asked.get();
        let answered = answer.with(|a| {
            a.as_ref()
                .filter(|(question, _)| *question == latest)
                .map(|(_, w)| w.clone())
        });
        match answered {
            Some(w) if !failed.with(BTreeSet::is_empty) => w,
            _ => analysis.with(WhatIf::baseline),
        }
    });
    let ctx = Ctx::new(
        document,
        Derived {
            plan,
            analysis,
            drawing,
            failed,
            whatif,
            notice,
            held,
        },
    );
    provide_context(ctx);

    // A share link opens its plan as an undoable step, then leaves the address bar, so that a
    // reload keeps the user's later edits. Unpacking it is code of its own, loaded for it.
    if let Some(packed) = share::packed(&browser::fragment()).map(str::to_owned) {
        leptos::task::spawn_local(async move {
            match on_demand::share_open(packed).await {
                Ok(Ok(text)) => {
                    ctx.replace_text(text);
                    ctx.notice.set(Some(
                        "Opened the plan from the link. Undo returns to your previous plan."
                            .to_owned(),
                    ));
                    browser::clear_fragment();
                }
                Ok(Err(error)) => {
                    ctx.notice.set(Some(error));
                    browser::clear_fragment();
                }
                // The link stays in the address bar, for a reload once the server answers.
                Err(_) => ctx.notice.set(Some(on_demand::UNAVAILABLE.to_owned())),
            }
        });
    }

    // Autosave every edit, including those that do not parse: the user's text is never lost. The
    // write runs in a task of its own right after the edit's update, not in the frame that shows
    // it; a burst of edits is written once, as it ends up.
    let autosaved = RwSignal::new(true);
    let save_queued = StoredValue::new(false);
    Effect::new(move |_| {
        document.track();
        if save_queued.get_value() {
            return;
        }
        save_queued.set_value(true);
        set_timeout(
            move || {
                save_queued.set_value(false);
                let saved = document.with_untracked(Document::saved);
                autosaved.set(storage::save(&saved));
            },
            std::time::Duration::ZERO,
        );
    });

    // Undo and redo from anywhere but a text field, which has its own.
    let _keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if browser::in_text_field(&ev) {
            return;
        }
        if ev.key() == "Escape" {
            ctx.select(None);
            return;
        }
        if !(ev.ctrl_key() || ev.meta_key()) {
            return;
        }
        match ev.key().to_ascii_lowercase().as_str() {
            "z" if ev.shift_key() => {
                ev.prevent_default();
                ctx.redo();
            }
            "z" => {
                ev.prevent_default();
                ctx.undo();
            }
            "y" => {
                ev.prevent_default();
                ctx.redo();
            }
            _ => {}
        }
    });

    let plan_name = move || plan.with(|p| p.name.clone());
    let gallery_open = RwSignal::new(false);

    // The rest of the app follows the first view in the background.
    let loaded = RwSignal::new(Loaded::Partly);
    leptos::task::spawn_local(async move {
        loaded.set(if views_on_demand::prefetch_all().await {
            Loaded::Whole
        } else {
            Loaded::Incomplete
        });
    });

    view! {
        <header class="topbar">
            <div class="brand">
                <svg class="brand-mark" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
                    <rect x="2" y="2" width="9" height="9" rx="2"></rect>
                    <rect x="13" y="2" width="9" height="9" rx="2"></rect>
                    <rect x="7.5" y="13" width="9" height="9" rx="2"></rect>
                </svg>
                <span class="brand-name">"Swarmplan"</span>
            </div>
            <h1 class="plan-name" data-testid="plan-name">{plan_name}</h1>
            <OfflineState loaded=loaded />
            <UndoRedo />
            <FileActions gallery_open=gallery_open />
        </header>
        <Notice />
        <CrashBanner />
        <main class="workspace">
            <div class="column-main">
                <Show when=move || held.with(Option::is_none) fallback=HeldBack>
                    <Canvas
                        inspector=|| views_on_demand::view(Feature::Inspector)
                        verdict=|| views_on_demand::view(Feature::Verdict)
                    />
                    <div class="row-two">
                        <QuorumPanel analysis=analysis />
                        <FailureDomains analysis=analysis />
                    </div>
                </Show>
                <Findings />
            </div>
            <SidePanels autosaved=autosaved />
        </main>
        <Show when=move || gallery_open.get()>{views_on_demand::gallery(gallery_open)}</Show>
        {move || match ctx.dialog.get() {
            Some(Dialog::Sizing) => views_on_demand::view(Feature::Sizing),
            Some(Dialog::Cluster) => views_on_demand::view(Feature::ClusterImport),
            None => ().into_any(),
        }}
    }
}

/// How much of the app is in the page: the first view needs only part of it, and the rest
/// arrives in the background.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Loaded {
    Partly,
    /// Every part: the app works on without its server or the network.
    Whole,
    /// Some parts could not be fetched; they are fetched again when opened.
    Incomplete,
}

/// Tells an operator who is about to go off the network whether the app can go with them.
#[component]
fn OfflineState(loaded: RwSignal<Loaded>) -> impl IntoView {
    move || {
        let (state, text, title) = match loaded.get() {
            Loaded::Partly => ("loading", "", ""),
            Loaded::Whole => (
                "ready",
                "Works offline",
                "Every part of Swarmplan is loaded: it keeps working without the network or the \
                 server it came from.",
            ),
            Loaded::Incomplete => (
                "incomplete",
                "Needs its server",
                "Some parts of Swarmplan could not be fetched from its server; each is fetched \
                 again when it is opened.",
            ),
        };
        view! {
            <span class="offline-state" data-testid="offline-state" data-state=state title=title>{text}</span>
        }
    }
}

/// Undo and redo buttons, which say what the keyboard does.
#[component]
fn UndoRedo() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let can_undo = move || ctx.history.with(History::can_undo);
    let can_redo = move || ctx.history.with(History::can_redo);
    view! {
        <div class="button-group" role="group" aria-label="History">
            <button
                class="btn btn-icon"
                data-testid="undo"
                title="Undo (Ctrl+Z)"
                aria-label="Undo"
                aria-keyshortcuts="Control+Z"
                disabled=move || !can_undo()
                on:click=move |_| ctx.undo()
            >
                <span aria-hidden="true">"↶"</span>
            </button>
            <button
                class="btn btn-icon"
                data-testid="redo"
                title="Redo (Ctrl+Shift+Z)"
                aria-label="Redo"
                aria-keyshortcuts="Control+Shift+Z"
                disabled=move || !can_redo()
                on:click=move |_| ctx.redo()
            >
                <span aria-hidden="true">"↷"</span>
            </button>
        </div>
    }
}

/// Why the analysis is held back after a crash, and the way to analyse anyway.
#[component]
fn CrashBanner() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || {
        ctx.held.get().map(|reason| {
            view! {
                <div class="alert-danger crash-banner" role="alert" data-testid="crash-banner">
                    <p>
                        <strong>"Swarmplan hit an internal error on this plan; your text is kept."</strong>
                        " The last time this plan was analysed, " {reason} ". The analysis and the \
                         drawing are held back until you change the text."
                    </p>
                    <button class="btn" data-testid="analyse-anyway" on:click=move |_| ctx.analyse_anyway()>
                        "Analyse anyway"
                    </button>
                </div>
            }
        })
    }
}

/// What stands in for the canvas, the quorum and the failure domains while they are held back.
#[component]
fn HeldBack() -> impl IntoView {
    view! {
        <section class="card held-card" data-testid="held-back" aria-labelledby="held-title">
            <h2 id="held-title">"Drawing and analysis held back"</h2>
            <p>
                "The plan's text is in the YAML panel, as you left it. Fix what you suspect there, \
                 or choose Analyse anyway above."
            </p>
        </section>
    }
}

/// The last action's message, read out by screen readers.
#[component]
fn Notice() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        <div class="notice-area" role="status" aria-live="polite">
            {move || ctx.notice.get().map(|message| view! {
                <p class="notice" data-testid="notice">
                    <span>{message}</span>
                    <button class="btn btn-small" aria-label="Dismiss" on:click=move |_| ctx.notice.set(None)>"×"</button>
                </p>
            })}
        </div>
    }
}

/// The tabs on the right: the YAML, services, firewall, exports, runbooks and compare panels.
#[component]
fn SidePanels(autosaved: RwSignal<bool>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let tab = move |panel: Panel| {
        let (id, label) = panel.tab();
        let selected = move || ctx.panel.get() == panel;
        view! {
            <button
                role="tab"
                class="tab"
                id=format!("tab-{id}")
                data-testid=format!("tab-{id}")
                aria-selected=move || if selected() { "true" } else { "false" }
                aria-controls="side-panel"
                tabindex=move || if selected() { "0" } else { "-1" }
                on:click=move |_| ctx.panel.set(panel)
            >
                {label}
            </button>
        }
    };
    // Arrow keys move between tabs, as screen-reader users expect of a tab list.
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let steps = match ev.key().as_str() {
            "ArrowRight" => 1,
            "ArrowLeft" => -1,
            _ => return,
        };
        ev.prevent_default();
        let next = ctx.panel.get_untracked().beside(steps);
        ctx.panel.set(next);
        browser::focus(&format!("tab-{}", next.tab().0));
    };
    view! {
        <aside class="card side-card">
            <div class="tabs" role="tablist" aria-label="Panels" on:keydown=on_keydown>
                {Panel::ALL.map(tab)}
            </div>
            <div class="side-body" id="side-panel" role="tabpanel">
                {move || match ctx.panel.get() {
                    Panel::Yaml => view! { <PlanEditor autosaved=autosaved /> }.into_any(),
                    Panel::Services => views_on_demand::view(Feature::Services),
                    Panel::Firewall => views_on_demand::view(Feature::Firewall),
                    Panel::Exports => views_on_demand::view(Feature::Exports),
                    Panel::Runbooks => views_on_demand::view(Feature::Runbooks),
                    Panel::Compare => views_on_demand::view(Feature::Compare),
                }}
            </div>
        </aside>
    }
}
