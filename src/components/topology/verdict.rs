//! The what-if banner over the canvas: how to fail something, or, while something is failed, the
//! verdict (`crate::verdict`), which is loaded on demand.

use crate::ctx::{Ctx, Mode};
use crate::verdict;
use leptos::prelude::*;
use std::collections::BTreeSet;

/// The banner: a hint without failures, else `verdict`, the `Verdict` component loaded on demand.
#[component]
pub fn WhatIfBanner(verdict: ViewFn) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let failing = move || ctx.whatif.with(|w| w.scenario.is_some());
    let hint = move || {
        if ctx.mode.get() == Mode::WhatIf {
            "Click hosts, racks or sites to fail them; click again to bring them back. Several may fail at once."
        } else {
            "Choose “What if…” and click hosts, racks or sites to see what their loss does."
        }
    };
    view! {
        <div class="banner-area" aria-live="polite">
            <Show
                when=failing
                fallback=move || view! { <p class="banner banner-idle" data-testid="whatif-banner" data-state="idle">{hint}</p> }
            >
                {verdict.run()}
            </Show>
        </div>
    }
}

/// The verdict of the failures of the moment: what is failed, managers left, quorum, what the
/// failures do.
#[component]
pub fn Verdict() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || {
        let managers = ctx.analysis.with(|a| a.quorum.managers);
        let v = ctx
            .whatif
            .with(|w| ctx.failed.with(|f| verdict::Verdict::of(w, managers, f)))?;
        let state = if v.quorum { "holds" } else { "lost" };
        Some(view! {
            <div class="banner" class:banner-ok=v.quorum class:banner-lost=!v.quorum data-testid="whatif-banner" data-state=state>
                <span class="banner-icon" aria-hidden="true">{if v.quorum { "✓" } else { "!" }}</span>
                <div class="banner-text">
                    <p class="banner-title"><strong>"What if "</strong>{v.failed}" fail: "<span data-testid="whatif-quorum">{v.quorum_text}</span></p>
                    <p class="banner-detail" data-testid="whatif-detail">{v.detail}</p>
                </div>
                <button class="btn btn-small" data-testid="whatif-clear" on:click=move |_| ctx.failed.set(BTreeSet::new())>"Restore all"</button>
            </div>
        })
    }
}
