//! Swarmplan in the browser: a thin Leptos shell around `swarmplan_engine`.
//!
//! The engine does the thinking; this crate holds the document being edited (`state`), where
//! things go on the canvas (`layout`), the autosave (`storage`) and the components that render
//! plan and analysis (`components`).

mod app;
mod browser;
mod cluster;
mod components;
mod ctx;
mod edit;
mod history;
mod keyed;
mod layout;
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
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
