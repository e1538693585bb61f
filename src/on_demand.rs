//! What the app loads on demand: panels, dialogs, and the code behind some edits.
//!
//! The plan editor, canvas, quorum, failure domains and findings are what a plan needs on every
//! keystroke; they are in the wasm the page loads. The rest is split by the build into wasm
//! chunks, each fetched the first time the user needs it (`#[wasm_split]`,
//! `xtask/src/split.rs`): the services, firewall, exports, runbooks and compare panels; the
//! sizing, cluster-import and gallery dialogs; the inspector; writing a plan as YAML after an
//! edit; what failures do; opening files, share links and the example texts; and the engine code only they reach
//! (exports, runbooks, sizing, cluster import, diff). Until a panel's chunk has arrived, its
//! place says "Loading…"; once the page is up, all chunks are fetched in the background, so
//! that the loaded app no longer needs the server. When a chunk cannot be fetched (the server
//! has gone, or has a newer build without it), the place says so and the rest of the app goes
//! on working; opening it again tries again.

use crate::app::Ctx;
use crate::components::exports::ExportsPanel;
use crate::components::files::Gallery;
use crate::components::firewall::FirewallPanel;
use crate::components::inspector::Inspector;
use crate::components::planning::{ClusterImportDialog, ComparePanel, SizingWizard};
use crate::components::runbooks::RunbooksPanel;
use crate::components::services::ServicesPanel;
use crate::components::topology::Verdict;
use crate::whatif::{Failed, WhatIf};
use leptos::prelude::*;
use leptos::wasm_split::{wasm_split, SplitLoaderError};
use send_wrapper::SendWrapper;
use std::collections::BTreeSet;
use std::future::Future;
use swarmplan_engine::plan::Plan;
use swarmplan_engine::Analysis;

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
    /// The verdict of the what-if banner, while something is failed.
    Verdict,
}

/// What the app says when a chunk could not be fetched.
pub const UNAVAILABLE: &str = "This part of Swarmplan could not be fetched from the server the \
    page came from. Check that it still serves the app, then try again; the plan is kept.";

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
        // Over the canvas, a line of text would only flicker: nothing shows until they are there.
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
/// its feature is opened.
pub async fn prefetch_all() -> bool {
    let mut all = preload_plan_yaml().await.is_ok();
    all &= preload_what_if().await.is_ok();
    all &= preload_verdict().await.is_ok();
    all &= preload_inspector().await.is_ok();
    all &= preload_services().await.is_ok();
    all &= preload_firewall().await.is_ok();
    all &= preload_exports().await.is_ok();
    all &= preload_runbooks().await.is_ok();
    all &= preload_compare().await.is_ok();
    all &= preload_gallery().await.is_ok();
    all &= preload_example_text().await.is_ok();
    all &= preload_sizing().await.is_ok();
    all &= preload_cluster_import().await.is_ok();
    all &= preload_open_files().await.is_ok();
    all &= preload_share_link().await.is_ok();
    all &= preload_share_open().await.is_ok();
    all
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
            view! { <p class="chunk-error" role="alert" data-testid="chunk-error">{UNAVAILABLE}</p> }
                .into_any()
        })
    });
    view! { <Suspense fallback=fallback>{Suspend::new(load)}</Suspense> }.into_any()
}

/// Opens plan files and imports compose files, picked or dropped (`files::read_files`).
#[wasm_split(open_files, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_open_files))]
pub fn open_files(ctx: Ctx, files: Vec<web_sys::File>) -> Result<(), SplitLoaderError> {
    crate::components::files::read_files(ctx, files);
    Ok(())
}

/// A plan written as YAML (`plan_to_yaml`), after an edit on the canvas, in the inspector, or
/// an undo.
#[wasm_split(plan_yaml, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_plan_yaml))]
pub fn plan_yaml(plan: Plan) -> Result<String, SplitLoaderError> {
    Ok(swarmplan_engine::plan_to_yaml(&plan))
}

/// What the failed hosts, racks and sites of the moment do to the plan of the moment
/// (`WhatIf::compute`, with the engine's `what_if`).
#[wasm_split(what_if, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_what_if))]
pub fn what_if(
    plan: Memo<Plan>,
    analysis: Memo<Analysis>,
    failed: RwSignal<BTreeSet<Failed>>,
) -> Result<WhatIf, SplitLoaderError> {
    Ok(plan.with_untracked(|p| {
        analysis.with_untracked(|a| failed.with_untracked(|f| WhatIf::compute(p, a, f)))
    }))
}

/// The text of an example plan; the page itself holds only the default example's.
#[wasm_split(example_text, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_example_text))]
pub fn example_text(id: String) -> Result<Option<String>, SplitLoaderError> {
    Ok(swarmplan_engine::examples::example(&id).map(|e| e.yaml.to_owned()))
}

/// The plan text of a share link's packed data (`share::unpack`, with its decompressor).
#[wasm_split(share_open, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_share_open))]
pub fn unpack_share_link(packed: String) -> Result<Result<String, String>, SplitLoaderError> {
    Ok(crate::share::unpack(&packed))
}

/// The URL fragment of a share link that carries `text` (`share::encode`, with its
/// compressor).
#[wasm_split(share_link, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_share_link))]
pub fn share_fragment(text: String) -> Result<String, SplitLoaderError> {
    Ok(crate::share::encode(&text))
}

/// Components whose views are split points: `fn name() -> Result<AnyView, SplitLoaderError>`,
/// with its preload.
macro_rules! split_views {
    ($($name:ident, $preload:ident => $component:ident;)*) => {$(
        #[wasm_split($name, wasm_split_path = ::leptos::wasm_split, fallible, preload($preload))]
        fn $name() -> Result<AnyView, SplitLoaderError> {
            Ok(view! { <$component /> }.into_any())
        }
    )*};
}

split_views! {
    services, preload_services => ServicesPanel;
    firewall, preload_firewall => FirewallPanel;
    exports, preload_exports => ExportsPanel;
    runbooks, preload_runbooks => RunbooksPanel;
    compare, preload_compare => ComparePanel;
    sizing, preload_sizing => SizingWizard;
    cluster_import, preload_cluster_import => ClusterImportDialog;
    inspector, preload_inspector => Inspector;
    verdict, preload_verdict => Verdict;
}

#[wasm_split(gallery, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_gallery))]
fn gallery_dialog(open: RwSignal<bool>) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <Gallery open=open /> }.into_any())
}
