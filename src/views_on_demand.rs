//! The views the app loads on demand: the services, firewall, exports, runbooks and compare
//! panels; the sizing, cluster-import and gallery dialogs; the inspector; the what-if verdict.
//! Each is a split point (`on_demand::split_points!`), so the build puts it, and the engine code
//! only it reaches (exports, runbooks, sizing, cluster import, diff), in a chunk of its own.
//! Until a view's chunk has arrived, its place says "Loading…" (the inspector and the verdict,
//! over the canvas, show nothing, which does not flicker); when it cannot be fetched, the place
//! says so, and showing it again tries again.
//!
//! This module names the components it loads, so it stands above them: a component that shows
//! another one loaded on demand is handed it by the app (`Canvas`'s `inspector` and `verdict`).

use crate::components::exports::ExportsPanel;
use crate::components::files::Gallery;
use crate::components::firewall::FirewallPanel;
use crate::components::inspector::Inspector;
use crate::components::planning::{ClusterImportDialog, ComparePanel, SizingWizard};
use crate::components::runbooks::RunbooksPanel;
use crate::components::services::ServicesPanel;
use crate::components::topology::Verdict;
use crate::on_demand::{self, split_points, UNAVAILABLE};
use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;
use send_wrapper::SendWrapper;
use std::future::Future;

/// A view that lives in a chunk of its own.
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
    /// The verdict of the what-if banner, while something is failed.
    Verdict,
}

/// The feature's view, once its chunk is loaded.
pub fn view(feature: Feature) -> AnyView {
    match feature {
        Feature::Services => suspended(services(), loading),
        Feature::Firewall => suspended(firewall(), loading),
        Feature::Exports => suspended(exports(), loading),
        Feature::Runbooks => suspended(runbooks(), loading),
        Feature::Compare => suspended(compare(), loading),
        Feature::Sizing => suspended(sizing(), loading),
        Feature::ClusterImport => suspended(cluster_import(), loading),
        Feature::Inspector => suspended(inspector(), || ().into_any()),
        Feature::Verdict => suspended(verdict(), || ().into_any()),
    }
}

/// The gallery dialog, once its chunk is loaded.
pub fn gallery(open: RwSignal<bool>) -> AnyView {
    suspended(gallery_dialog(open), loading)
}

/// Fetches every chunk in the background, one after the other, once the page is up: the first
/// render waits for none of them, and once they are in, nothing the app does needs the server
/// it came from. Says whether every chunk arrived; one that failed here is fetched again when
/// its feature is opened. The lists are the split points' own declarations.
pub async fn prefetch_all() -> bool {
    let code = on_demand::prefetch().await;
    let views = prefetch().await;
    code && views
}

fn loading() -> AnyView {
    view! { <p class="muted loading" role="status">"Loading…"</p> }.into_any()
}

fn suspended(
    load: impl Future<Output = Result<AnyView, SplitLoaderError>> + 'static,
    fallback: fn() -> AnyView,
) -> AnyView {
    // The app runs on the browser's one thread; the loader's future only has to look `Send`.
    let load = SendWrapper::new(async move {
        load.await.unwrap_or_else(|_| {
            view! { <p class="alert-danger" role="alert" data-testid="chunk-error">{UNAVAILABLE}</p> }
                .into_any()
        })
    });
    view! { <Suspense fallback=fallback>{Suspend::new(load)}</Suspense> }.into_any()
}

split_points! {
    fn verdict() -> AnyView, preload preload_verdict { view! { <Verdict /> }.into_any() }
    fn inspector() -> AnyView, preload preload_inspector { view! { <Inspector /> }.into_any() }
    fn services() -> AnyView, preload preload_services { view! { <ServicesPanel /> }.into_any() }
    fn firewall() -> AnyView, preload preload_firewall { view! { <FirewallPanel /> }.into_any() }
    fn exports() -> AnyView, preload preload_exports { view! { <ExportsPanel /> }.into_any() }
    fn runbooks() -> AnyView, preload preload_runbooks { view! { <RunbooksPanel /> }.into_any() }
    fn compare() -> AnyView, preload preload_compare { view! { <ComparePanel /> }.into_any() }
    fn gallery_dialog(open: RwSignal<bool>) -> AnyView, preload preload_gallery {
        view! { <Gallery open=open /> }.into_any()
    }
    fn sizing() -> AnyView, preload preload_sizing { view! { <SizingWizard /> }.into_any() }
    fn cluster_import() -> AnyView, preload preload_cluster_import {
        view! { <ClusterImportDialog /> }.into_any()
    }
}
