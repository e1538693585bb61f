//! Panels and dialogs the app loads on demand.
//!
//! The plan editor, canvas, quorum, failure domains and findings are what a plan needs on every
//! keystroke; they are in the wasm the page loads. The firewall, exports, runbooks and compare
//! panels and the sizing and cluster-import dialogs, with the engine code only they reach
//! (exports, runbooks, sizing, cluster import, diff), are each split by the release build into
//! a wasm chunk fetched the first time the user opens them (`#[lazy]`, `xtask/src/split.rs`).
//! Until a chunk has arrived, the place shows a short "Loading…" line.

use crate::components::exports::ExportsPanel;
use crate::components::firewall::FirewallPanel;
use crate::components::planning::{ClusterImportDialog, ComparePanel, SizingWizard};
use crate::components::runbooks::RunbooksPanel;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::future::Future;

/// A feature that lives in a chunk of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    Firewall,
    Exports,
    Runbooks,
    Compare,
    Sizing,
    ClusterImport,
}

/// The feature's view, once its chunk is loaded.
pub fn view(feature: Feature) -> AnyView {
    match feature {
        Feature::Firewall => suspended(firewall()),
        Feature::Exports => suspended(exports()),
        Feature::Runbooks => suspended(runbooks()),
        Feature::Compare => suspended(compare()),
        Feature::Sizing => suspended(sizing()),
        Feature::ClusterImport => suspended(cluster_import()),
    }
}

fn suspended(load: impl Future<Output = AnyView> + 'static) -> AnyView {
    // The app runs on the browser's one thread; the loader's future only has to look `Send`.
    let load = SendWrapper::new(load);
    view! {
        <Suspense fallback=|| view! { <p class="muted loading" role="status">"Loading…"</p> }>
            {Suspend::new(load)}
        </Suspense>
    }
    .into_any()
}

#[lazy]
fn firewall() -> AnyView {
    view! { <FirewallPanel /> }.into_any()
}

#[lazy]
fn exports() -> AnyView {
    view! { <ExportsPanel /> }.into_any()
}

#[lazy]
fn runbooks() -> AnyView {
    view! { <RunbooksPanel /> }.into_any()
}

#[lazy]
fn compare() -> AnyView {
    view! { <ComparePanel /> }.into_any()
}

#[lazy]
fn sizing() -> AnyView {
    view! { <SizingWizard /> }.into_any()
}

#[lazy]
fn cluster_import() -> AnyView {
    view! { <ClusterImportDialog /> }.into_any()
}
