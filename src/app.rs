//! The app: one document signal, the plan and its analysis derived from it, and the panels.

use crate::components::example_picker::ExamplePicker;
use crate::components::failure_domains::FailureDomains;
use crate::components::findings::Findings;
use crate::components::plan_editor::PlanEditor;
use crate::components::quorum::QuorumPanel;
use crate::components::topology::Topology;
use crate::layout;
use crate::state::Document;
use crate::storage;
use leptos::prelude::*;
use swarmplan_engine::{analyze, Options};

#[component]
pub fn App() -> impl IntoView {
    let document = RwSignal::new(Document::restore(&storage::load()));
    // The plan only changes when an edit parses, so a typo does not redraw or re-analyse anything.
    let plan = Memo::new(move |_| document.with(|d| d.plan().clone()));
    let analysis = Memo::new(move |_| plan.with(|p| analyze(p, &Options::default())));
    let drawing = Memo::new(move |_| plan.with(layout::layout));

    // Autosave every edit, including those that do not parse: the user's text is never lost.
    let autosaved = RwSignal::new(true);
    Effect::new(move |_| {
        let saved = document.with(Document::saved);
        autosaved.set(storage::save(&saved));
    });

    let plan_name = move || plan.with(|p| p.name.clone());
    let plan_description = move || plan.with(|p| p.description.clone().unwrap_or_default());

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
            <ExamplePicker document=document />
        </header>
        <main class="workspace">
            <div class="column-main">
                <section class="card topology-card" aria-labelledby="topology-title">
                    <div class="card-head">
                        <h2 id="topology-title">"Topology"</h2>
                        <Legend />
                    </div>
                    <p class="plan-description">{plan_description}</p>
                    <Topology drawing=drawing analysis=analysis />
                </section>
                <div class="row-two">
                    <QuorumPanel analysis=analysis />
                    <FailureDomains analysis=analysis />
                </div>
                <Findings analysis=analysis />
            </div>
            <PlanEditor document=document autosaved=autosaved />
        </main>
    }
}

/// The key to the canvas: how managers, workers and at-risk domains look.
#[component]
fn Legend() -> impl IntoView {
    view! {
        <ul class="legend" aria-label="Legend">
            <li>
                <span class="legend-badge legend-manager" aria-hidden="true">"M"</span>
                "Manager"
            </li>
            <li>
                <span class="legend-badge legend-worker" aria-hidden="true">"W"</span>
                "Worker"
            </li>
            <li>
                <span class="legend-swatch legend-risk" aria-hidden="true"></span>
                "Loss breaks quorum"
            </li>
        </ul>
    }
}
