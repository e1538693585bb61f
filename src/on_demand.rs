//! Code the app loads on demand, and how a split point is declared.
//!
//! The plan editor, canvas, quorum, failure domains and findings are what a plan needs on every
//! keystroke; they are in the wasm the page loads. The rest is split by the build into wasm
//! chunks, each fetched the first time the user needs it (`#[wasm_split]`,
//! `xtask/src/split.rs`). This module holds the split points of plain code: writing a plan as
//! YAML after an edit, what failures do, the diagram, a finding's line in the text, opening
//! files, share links and the example texts, with
//! the engine code only they reach (stack import, the share link's compressor). The panels,
//! dialogs and the inspector are split points of their own, declared in `views_on_demand.rs`
//! with the same macro. Once the page is up, all chunks are fetched in the background, so that
//! the loaded app no longer needs the server. When a chunk cannot be fetched (the server has
//! gone, or has a newer build without it), the split point returns an error, the app says so
//! (`UNAVAILABLE`) and goes on; the next call tries again.

use crate::opening::{self, Opened};
use crate::whatif::{Failed, WhatIf};
use leptos::prelude::*;
use std::collections::BTreeSet;
use swarmplan_engine::plan::Plan;
use swarmplan_engine::Analysis;

/// What the app says when a chunk could not be fetched.
pub const UNAVAILABLE: &str = "This part of Swarmplan could not be fetched from the server the \
    page came from. Check that it still serves the app, then try again; the plan is kept.";

/// Declares split points, each once: every `fn NAME(..) -> T, preload PRELOAD { body }` becomes
/// `fn NAME(..) -> Result<T, SplitLoaderError>`, whose code, and the code only it reaches, the
/// build puts in a chunk named NAME (`#[wasm_split]`, `fallible`: a chunk that cannot be
/// fetched is an `Err`, never a panic, which `panic = "abort"` would make fatal), and
/// `PRELOAD()`, which only fetches the chunk. The same invocation defines `prefetch()`, which
/// fetches the chunks of all of them, so that no split point is left out of the background
/// fetch.
macro_rules! split_points {
    ($(
        $(#[doc = $doc:literal])*
        $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $out:ty, preload $preload:ident $body:block
    )*) => {
        $(
            $(#[doc = $doc])*
            #[::leptos::wasm_split::wasm_split(
                $name,
                wasm_split_path = ::leptos::wasm_split,
                fallible,
                preload($preload)
            )]
            $vis fn $name($($arg: $ty),*) -> Result<$out, ::leptos::wasm_split::SplitLoaderError> {
                let value: $out = $body;
                Ok(value)
            }
        )*

        /// Fetches the chunk of every split point declared beside this, one after the other;
        /// says whether each arrived.
        pub async fn prefetch() -> bool {
            let mut all = true;
            $(all &= $preload().await.is_ok();)*
            all
        }
    };
}
pub(crate) use split_points;

split_points! {
    /// A plan written as YAML (`plan_to_yaml`), after an edit on the canvas, in the inspector,
    /// or an undo.
    pub fn plan_yaml(plan: Plan) -> String, preload preload_plan_yaml {
        swarmplan_engine::plan_to_yaml(&plan)
    }

    /// What the failed hosts, racks and sites of the moment do to the plan of the moment
    /// (`WhatIf::compute`, with the engine's `what_if`). It takes the signals, not copies of
    /// the plan and its analysis: the scenario reads them when its code runs.
    pub fn what_if(
        plan: Memo<Plan>,
        analysis: Memo<Analysis>,
        failed: RwSignal<BTreeSet<Failed>>,
    ) -> WhatIf, preload preload_what_if {
        plan.with_untracked(|p| {
            analysis.with_untracked(|a| failed.with_untracked(|f| WhatIf::compute(p, a, f)))
        })
    }

    /// The diagram of the moment as SVG (`export::diagram::svg_what_if`): the plan drawn with
    /// the what-if's failures and what they take down, as `swarmplan diagram --what-if` draws it.
    pub fn diagram(
        plan: Memo<Plan>,
        analysis: Memo<Analysis>,
        failed: RwSignal<BTreeSet<Failed>>,
    ) -> String, preload preload_diagram {
        plan.with_untracked(|p| {
            analysis.with_untracked(|a| {
                failed.with_untracked(|f| swarmplan_engine::export::diagram::svg_what_if(p, a, f))
            })
        })
    }

    /// The line of the plan's text a finding is about (`locate::place`, which reads the YAML
    /// once): a finding's "Show in YAML".
    pub fn finding_line(
        text: String,
        plan: Memo<Plan>,
        finding: swarmplan_engine::Finding,
    ) -> Option<usize>, preload preload_finding_line {
        plan.with_untracked(|p| swarmplan_engine::locate::place(&text, p, &finding))
            .map(|place| place.line)
    }

    /// What a picked or dropped file named `name` becomes against the plan of the moment
    /// (`opening::open`, with the stack import).
    pub fn open_file(plan: Memo<Plan>, name: String, text: String) -> Opened, preload preload_open_file {
        plan.with_untracked(|p| opening::open(p, &name, text))
    }

    /// The text of an example plan; the page itself holds only the default example's.
    pub fn example_text(id: String) -> Option<String>, preload preload_example_text {
        swarmplan_engine::examples::example(&id).map(|e| e.yaml.to_owned())
    }

    /// The plan text of a share link's packed data (`share::unpack`, with its decompressor).
    pub fn share_open(packed: String) -> Result<String, String>, preload preload_share_open {
        crate::share::unpack(&packed)
    }

    /// The URL fragment of a share link that carries `text` (`share::encode`, with its
    /// compressor).
    pub fn share_link(text: String) -> String, preload preload_share_link {
        crate::share::encode(&text)
    }
}
