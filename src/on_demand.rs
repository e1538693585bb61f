//! Panels and dialogs the app loads on demand.
//!
//! The plan editor, canvas, quorum, failure domains and findings are what a plan needs on every
//! keystroke; they are in the wasm the page loads. The rest is split by the build into wasm
//! chunks, each fetched the first time the user needs it (`#[lazy]`, `xtask/src/split.rs`): the
//! services, firewall, exports, runbooks and compare panels; the sizing, cluster-import and
//! gallery dialogs; the inspector; compose import and share links; and the engine code only
//! they reach (exports, runbooks, sizing, cluster import, diff). Until a panel's chunk has
//! arrived, its place says "Loading…".

use crate::components::exports::ExportsPanel;
use crate::components::files::Gallery;
use crate::components::firewall::FirewallPanel;
use crate::components::inspector::Inspector;
use crate::components::planning::{ClusterImportDialog, ComparePanel, SizingWizard};
use crate::components::runbooks::RunbooksPanel;
use crate::components::services::ServicesPanel;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::future::Future;
use swarmplan_engine::import::{stack_from_compose, stack_name_from_file};
use swarmplan_engine::plan::Stack;
use swarmplan_engine::PlanError;

/// A feature that lives in a chunk of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    Services,
    Firewall,
    Exports,
    Runbooks,
    Compare,
    Sizing,
    ClusterImport,
    /// The inspector of the selected shape, which floats over the canvas.
    Inspector,
}

/// The feature's view, once its chunk is loaded.
pub fn view(feature: Feature) -> AnyView {
    match feature {
        Feature::Services => suspended(services()),
        Feature::Firewall => suspended(firewall()),
        Feature::Exports => suspended(exports()),
        Feature::Runbooks => suspended(runbooks()),
        Feature::Compare => suspended(compare()),
        Feature::Sizing => suspended(sizing()),
        Feature::ClusterImport => suspended(cluster_import()),
        // Over the canvas, a line of text would only flicker: nothing shows until it is there.
        Feature::Inspector => view! {
            <Suspense fallback=|| ()>{Suspend::new(SendWrapper::new(inspector()))}</Suspense>
        }
        .into_any(),
    }
}

/// The gallery dialog, once its chunk is loaded.
pub fn gallery(open: RwSignal<bool>) -> AnyView {
    suspended(gallery_dialog(open))
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

/// A compose file read as a stack named after the file (`import::stack_from_compose`).
#[lazy]
pub fn stack_from_compose_file(file: String, text: String) -> Result<Stack, PlanError> {
    stack_from_compose(&stack_name_from_file(&file), &text)
}

/// The URL fragment of a share link that carries `text` (`share::encode`, with its
/// compressor).
#[lazy]
pub fn share_fragment(text: String) -> String {
    crate::share::encode(&text)
}

#[lazy]
fn services() -> AnyView {
    view! { <ServicesPanel /> }.into_any()
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

#[lazy]
fn inspector() -> AnyView {
    view! { <Inspector /> }.into_any()
}

#[lazy]
fn gallery_dialog(open: RwSignal<bool>) -> AnyView {
    view! { <Gallery open=open /> }.into_any()
}
