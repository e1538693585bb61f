//! The app: one document signal, the plan, analysis, drawing and what-if derived from it, and the
//! panels around the canvas. Every change goes through `Ctx::apply` as an `Edit`, which is what
//! makes undo, redo and the YAML sync one mechanism.

use crate::components::failure_domains::FailureDomains;
use crate::components::files::FileActions;
use crate::components::findings::Findings;
use crate::components::plan_editor::PlanEditor;
use crate::components::quorum::QuorumPanel;
use crate::components::topology::Canvas;
use crate::edit::Edit;
use crate::history::History;
use crate::layout::{self, Layout};
use crate::on_demand::{self, Feature};
use crate::state::Document;
use crate::whatif::{Failed, WhatIf};
use crate::{browser, share, storage};
use leptos::prelude::*;
use std::collections::BTreeSet;
use swarmplan_engine::domains::DomainKind;
use swarmplan_engine::{analyze, Analysis, Options, Plan, Target};

/// What is selected on the canvas (or through a finding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    Node(String),
    Host(String),
    Rack(String),
    Site(String),
    /// `stack/service`: its task chips are highlighted.
    Service(String),
}

impl Selection {
    /// What a finding's target selects, when it is something the canvas draws.
    pub fn of_target(target: &Target) -> Option<Selection> {
        Some(match target {
            Target::Host(n) => Selection::Host(n.clone()),
            Target::Rack(n) => Selection::Rack(n.clone()),
            Target::Site(n) => Selection::Site(n.clone()),
            Target::Node(n) => Selection::Node(n.clone()),
            Target::Service { stack, service } => Selection::Service(format!("{stack}/{service}")),
            Target::Plan | Target::Stack(_) | Target::Zone(_) => return None,
        })
    }

    /// The failure domain a click in what-if mode switches.
    pub fn domain(&self, plan: &Plan) -> Option<Failed> {
        Some(match self {
            Selection::Host(n) => Failed::new(DomainKind::Host, n.clone()),
            Selection::Node(n) => Failed::new(DomainKind::Host, plan.node(n)?.host_name()),
            Selection::Rack(n) => Failed::new(DomainKind::Rack, n.clone()),
            Selection::Site(n) => Failed::new(DomainKind::Site, n.clone()),
            Selection::Service(_) => return None,
        })
    }
}

/// What a click on the canvas does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Select,
    /// Clicks fail and restore hosts, racks and sites.
    WhatIf,
}

/// The right-hand panel on show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    Yaml,
    Services,
    Firewall,
    Exports,
    Runbooks,
    Compare,
}

/// A dialog over the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialog {
    /// The sizing wizard.
    Sizing,
    /// Importing a running swarm's JSON.
    Cluster,
}

/// The app's state, shared by every component through the context. All fields are signals, so
/// the whole is `Copy`.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub document: RwSignal<Document>,
    pub history: RwSignal<History>,
    pub plan: Memo<Plan>,
    pub analysis: Memo<Analysis>,
    pub drawing: Memo<Layout>,
    pub failed: RwSignal<BTreeSet<Failed>>,
    pub whatif: Memo<WhatIf>,
    pub selection: RwSignal<Option<Selection>>,
    pub mode: RwSignal<Mode>,
    pub panel: RwSignal<Panel>,
    /// A short message about the last action, such as why an edit was refused.
    pub notice: RwSignal<Option<String>>,
    /// Asks the canvas to bring the selection into view.
    pub reveal: RwSignal<u32>,
    /// The dialog on show, if any.
    pub dialog: RwSignal<Option<Dialog>>,
    /// The plan text as it was when the page opened (the autosaved version), to compare with.
    pub opened: StoredValue<String>,
    /// The text last saved to a file in this visit.
    pub saved: RwSignal<Option<String>>,
    /// The other plan of the comparison panel: what it is called, its text, and whether it is
    /// the plan before (the cluster as it is) rather than the proposal.
    pub compare: RwSignal<Option<Comparand>>,
    /// How many plans edits have set, to match each with its YAML (`Document::set_plan`).
    writes: StoredValue<u64>,
}

/// The other plan of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparand {
    pub label: String,
    pub text: String,
    pub is_before: bool,
}

impl Ctx {
    /// Shows a plan changed by an edit, undo or redo; its YAML follows as soon as it is written
    /// (by code loaded on demand, `on_demand::plan_yaml`), and the editor waits for it.
    fn show_plan(&self, plan: Plan) {
        let write = self.writes.get_value() + 1;
        self.writes.set_value(write);
        self.document.update(|d| d.set_plan(plan.clone(), write));
        let ctx = *self;
        leptos::task::spawn_local(async move {
            match on_demand::plan_yaml(plan).await {
                Ok(text) => ctx.document.update(|d| d.settle_text(write, text)),
                Err(_) => {
                    ctx.document.update(|d| d.abandon_text(write));
                    ctx.notice.set(Some(format!(
                        "{} The YAML does not show the last change yet.",
                        on_demand::UNAVAILABLE
                    )));
                }
            }
        });
    }

    /// Applies an edit to the plan as one step of the history; the YAML follows.
    pub fn apply(&self, edit: Edit) -> bool {
        let mut plan = self.plan.get_untracked();
        let mut ok = true;
        self.history.update(|history| {
            if let Err(error) = history.apply(&mut plan, edit, None) {
                self.notice.set(Some(error.to_string()));
                ok = false;
            }
        });
        if ok {
            self.show_plan(plan);
            self.notice.set(None);
        }
        ok
    }

    /// Applies an edit built from the current plan, or shows why it cannot be made.
    pub fn apply_result(&self, edit: Result<Edit, crate::edit::EditError>) -> bool {
        match edit {
            Ok(edit) => self.apply(edit),
            Err(error) => {
                self.notice.set(Some(error.to_string()));
                false
            }
        }
    }

    /// Takes a new text; when it parses to another plan, the plan it replaced becomes an undo
    /// step, joined with the one before under the same `key` (`History::record`).
    fn take_text(&self, text: String, key: Option<&'static str>) {
        let mut replaced = None;
        self.document.update(|d| replaced = d.edit(text));
        if let Some(before) = replaced {
            self.history
                .update(|h| h.record(Edit::ReplacePlan(Box::new(before)), key));
        }
    }

    /// Takes text typed in the YAML editor. A run of typing that parses is one undo step.
    pub fn type_text(&self, text: String) {
        self.take_text(text, Some("yaml"));
    }

    /// Replaces the whole text (an opened file, an example, a share link) as one undo step.
    pub fn replace_text(&self, text: String) {
        self.history.update(History::seal);
        self.take_text(text, None);
        self.failed.set(BTreeSet::new());
        self.selection.set(None);
    }

    pub fn undo(&self) {
        let mut plan = self.plan.get_untracked();
        let mut done = false;
        self.history.update(|h| done = h.undo(&mut plan));
        if done {
            self.show_plan(plan);
        }
    }

    pub fn redo(&self) {
        let mut plan = self.plan.get_untracked();
        let mut done = false;
        self.history.update(|h| done = h.redo(&mut plan));
        if done {
            self.show_plan(plan);
        }
    }

    /// Fails a domain that is up, or brings back one that is failed.
    pub fn toggle_failed(&self, domain: Failed) {
        self.failed.update(|failed| {
            if !failed.remove(&domain) {
                failed.insert(domain);
            }
        });
    }

    pub fn select(&self, selection: Option<Selection>) {
        self.selection.set(selection);
    }
}

#[component]
pub fn App() -> impl IntoView {
    let document = RwSignal::new(Document::restore(&storage::load()));
    // The plan only changes when an edit parses, so a typo does not redraw or re-analyse anything.
    let plan = Memo::new(move |_| document.with(|d| d.plan().clone()));
    let analysis = Memo::new(move |_| plan.with(|p| analyze(p, &Options::default())));
    let drawing = Memo::new(move |_| plan.with(layout::layout));
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
            // The signals, not copies of the plan and its analysis: the scenario reads them when
            // its code runs.
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
    let ctx = Ctx {
        document,
        history: RwSignal::new(History::default()),
        plan,
        analysis,
        drawing,
        failed,
        whatif,
        selection: RwSignal::new(None),
        mode: RwSignal::new(Mode::Select),
        panel: RwSignal::new(Panel::Yaml),
        notice,
        reveal: RwSignal::new(0),
        dialog: RwSignal::new(None),
        opened: StoredValue::new(document.with_untracked(|d| d.text().to_owned())),
        saved: RwSignal::new(None),
        compare: RwSignal::new(None),
        writes: StoredValue::new(0),
    };
    provide_context(ctx);

    // A share link opens its plan as an undoable step, then leaves the address bar, so that a
    // reload keeps the user's later edits. Unpacking it is code of its own, loaded for it.
    if let Some(packed) = share::packed(&browser::fragment()).map(str::to_owned) {
        leptos::task::spawn_local(async move {
            match on_demand::unpack_share_link(packed).await {
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
        let in_text = ev
            .target()
            .and_then(|t| leptos::wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .is_some_and(|e| matches!(e.tag_name().as_str(), "TEXTAREA" | "INPUT" | "SELECT"));
        if in_text {
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

    // The rest of the app follows the first view in the background (`on_demand::prefetch_all`).
    let loaded = RwSignal::new(Loaded::Partly);
    leptos::task::spawn_local(async move {
        loaded.set(if on_demand::prefetch_all().await {
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
        <main class="workspace">
            <div class="column-main">
                <Canvas />
                <div class="row-two">
                    <QuorumPanel analysis=analysis />
                    <FailureDomains analysis=analysis />
                </div>
                <Findings />
            </div>
            <SidePanels autosaved=autosaved />
        </main>
        <Show when=move || gallery_open.get()>{on_demand::gallery(gallery_open)}</Show>
        {move || match ctx.dialog.get() {
            Some(Dialog::Sizing) => on_demand::view(Feature::Sizing),
            Some(Dialog::Cluster) => on_demand::view(Feature::ClusterImport),
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

/// The tabs on the right: the YAML, services, firewall and exports.
#[component]
fn SidePanels(autosaved: RwSignal<bool>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let tab = move |panel: Panel, id: &'static str, label: &'static str| {
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
    let order = [
        Panel::Yaml,
        Panel::Services,
        Panel::Firewall,
        Panel::Exports,
        Panel::Runbooks,
        Panel::Compare,
    ];
    // Arrow keys move between tabs, as screen-reader users expect of a tab list.
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let current = order
            .iter()
            .position(|p| *p == ctx.panel.get_untracked())
            .unwrap_or(0);
        let next = match ev.key().as_str() {
            "ArrowRight" => (current + 1) % order.len(),
            "ArrowLeft" => (current + order.len() - 1) % order.len(),
            _ => return,
        };
        ev.prevent_default();
        ctx.panel.set(order[next]);
        let id = [
            "tab-yaml",
            "tab-services",
            "tab-firewall",
            "tab-exports",
            "tab-runbooks",
            "tab-compare",
        ][next];
        if let Some(el) = document().get_element_by_id(id) {
            if let Ok(el) = leptos::wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
                let _ = el.focus();
            }
        }
    };
    view! {
        <aside class="card side-card">
            <div class="tabs" role="tablist" aria-label="Panels" on:keydown=on_keydown>
                {tab(Panel::Yaml, "yaml", "YAML")}
                {tab(Panel::Services, "services", "Services")}
                {tab(Panel::Firewall, "firewall", "Firewall")}
                {tab(Panel::Exports, "exports", "Exports")}
                {tab(Panel::Runbooks, "runbooks", "Runbooks")}
                {tab(Panel::Compare, "compare", "Compare")}
            </div>
            <div class="side-body" id="side-panel" role="tabpanel">
                {move || match ctx.panel.get() {
                    Panel::Yaml => view! { <PlanEditor autosaved=autosaved /> }.into_any(),
                    Panel::Services => on_demand::view(Feature::Services),
                    Panel::Firewall => on_demand::view(Feature::Firewall),
                    Panel::Exports => on_demand::view(Feature::Exports),
                    Panel::Runbooks => on_demand::view(Feature::Runbooks),
                    Panel::Compare => on_demand::view(Feature::Compare),
                }}
            </div>
        </aside>
    }
}
