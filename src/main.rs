//! Swarmplan in the browser: a thin Leptos shell around `swarmplan_engine`.
//!
//! The engine does the thinking, and draws (`swarmplan_engine::drawing`); this crate holds the document being edited (`state`), the edits
//! and their history (`edit`, `history`), the state the
//! components share (`ctx`), the components that render plan and analysis (`components`), what a crash
//! leaves (`crash`), what is
//! loaded on demand (`on_demand`, `views_on_demand`) and the page that assembles them (`app`).
//! `tests/layers.rs` lists the floors these modules stand on.

mod app;
mod browser;
mod cluster;
mod components;
mod crash;
mod ctx;
mod edit;
mod history;
mod keyed;
mod on_demand;
mod opening;
mod share;
mod sizing_form;
mod state;
mod storage;
mod ticks;
mod tool;
mod verdict;
mod views_on_demand;
mod whatif;

fn main() {
    crash::install();
    leptos::mount::mount_to_body(app::App);
}
