//! The canvas's toolbar: the click mode (edit or what-if), adding sites, racks, hosts, managers
//! and workers where the selection is, deleting the selection, the drawing as an SVG file, and
//! the zoom.

use crate::ctx::{Ctx, Mode, Selection};
use crate::edit;
use leptos::prelude::*;
use swarmplan_engine::plan::Role;

use super::View;

/// Deletes the selected shape and what it holds.
pub fn delete(ctx: Ctx, selection: &Selection) {
    let plan = ctx.plan.get_untracked();
    let edit = match selection {
        Selection::Node(n) => edit::delete_node(&plan, n),
        Selection::Host(n) => edit::delete_host(&plan, n),
        Selection::Rack(n) => Ok(edit::delete_rack(&plan, n)),
        Selection::Site(n) => Ok(edit::delete_site(&plan, n)),
        Selection::Service(_) => return,
    };
    if ctx.apply_result(edit) {
        ctx.select(None);
    }
}

/// Adds a node on the selected host (`Selection::host_for_new_node`) and selects it.
fn add_node(ctx: Ctx, role: Role) {
    let plan = ctx.plan.get_untracked();
    let host = ctx
        .selection
        .with_untracked(|s| Selection::host_for_new_node(s.as_ref(), &plan));
    let Some(host) = host else {
        ctx.notice
            .set(Some("Add a host first: a node runs on a host.".to_owned()));
        return;
    };
    let (edit, name) = edit::add_node(&plan, &host, role);
    if ctx.apply(edit) {
        ctx.select(Some(Selection::Node(name)));
    }
}

/// Applies an edit that adds a host (with its site or rack), and selects the host.
fn add_host(ctx: Ctx, (edit, host): (edit::Edit, String)) {
    if ctx.apply(edit) {
        ctx.select(Some(Selection::Host(host)));
    }
}

/// Downloads the diagram of the moment, as the export bundle's `diagram.svg` or, with failures,
/// as `swarmplan diagram --what-if` draws them; `png`: that SVG drawn by the browser, at two
/// pixels per unit.
fn download_diagram(ctx: Ctx, png: bool) {
    leptos::task::spawn_local(async move {
        let Ok(svg) = crate::on_demand::diagram(ctx.plan, ctx.analysis, ctx.failed).await else {
            ctx.notice
                .set(Some(crate::on_demand::UNAVAILABLE.to_owned()));
            return;
        };
        let slug = ctx.plan.with_untracked(|p| crate::browser::slug(&p.name));
        let what_if = ctx.failed.with_untracked(|f| !f.is_empty());
        let stem = format!("{slug}{}", if what_if { "-what-if" } else { "" });
        let saved = if png {
            match crate::browser::png_of_svg(&svg, 2.0).await {
                Ok(bytes) => crate::browser::download(&format!("{stem}.png"), &bytes, "image/png"),
                Err(e) => Err(e),
            }
        } else {
            crate::browser::download(&format!("{stem}.svg"), svg.as_bytes(), "image/svg+xml")
        };
        if saved.is_err() {
            ctx.notice
                .set(Some("The browser refused the download.".to_owned()));
        }
    });
}

#[component]
pub fn Toolbar(view: View) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let mode = ctx.mode;
    let selected_any = move || ctx.selection.with(Option::is_some);
    let place = move || {
        let plan = ctx.plan.get_untracked();
        ctx.selection
            .with_untracked(|s| Selection::place(s.as_ref(), &plan))
    };
    view! {
        <div class="toolbar" role="toolbar" aria-label="Canvas tools">
            <div class="segmented" role="group" aria-label="Click mode">
                <button
                    class="seg"
                    data-testid="mode-select"
                    aria-pressed=move || if mode.get() == Mode::Select { "true" } else { "false" }
                    on:click=move |_| mode.set(Mode::Select)
                >
                    "Edit"
                </button>
                <button
                    class="seg seg-whatif"
                    data-testid="mode-whatif"
                    title="Click hosts, racks or sites to fail them"
                    aria-pressed=move || if mode.get() == Mode::WhatIf { "true" } else { "false" }
                    on:click=move |_| { mode.set(Mode::WhatIf); ctx.select(None); }
                >
                    "What if…"
                </button>
            </div>
            <span class="toolbar-sep" aria-hidden="true"></span>
            <button class="btn" data-testid="add-site" on:click=move |_| {
                add_host(ctx, edit::add_site(&ctx.plan.get_untracked()));
            }>"+ Site"</button>
            <button class="btn" data-testid="add-rack" title="A new rack in the selected site" on:click=move |_| {
                add_host(ctx, edit::add_rack(&ctx.plan.get_untracked(), place().site));
            }>"+ Rack"</button>
            <button class="btn" data-testid="add-host" title="A new host in the selected rack or site" on:click=move |_| {
                add_host(ctx, edit::add_host(&ctx.plan.get_untracked(), place()));
            }>"+ Host"</button>
            <button class="btn" data-testid="add-manager" title="A manager on the selected host" on:click=move |_| add_node(ctx, Role::Manager)>"+ Manager"</button>
            <button class="btn" data-testid="add-worker" title="A worker on the selected host" on:click=move |_| add_node(ctx, Role::Worker)>"+ Worker"</button>
            <button class="btn btn-danger-quiet" data-testid="delete-selection" disabled=move || !selected_any() on:click=move |_| {
                if let Some(selection) = ctx.selection.get_untracked() { delete(ctx, &selection); }
            }>"Delete"</button>
            <span class="toolbar-sep" aria-hidden="true"></span>
            <div class="button-group" role="group" aria-label="Download the diagram">
                <button class="btn" data-testid="download-diagram"
                    title="The drawing as an SVG file, with the what-if's failures when there are any"
                    on:click=move |_| download_diagram(ctx, false)>"Diagram (.svg)"</button>
                <button class="btn" data-testid="download-diagram-png" aria-label="Diagram as PNG"
                    title="The same drawing as a PNG image"
                    on:click=move |_| download_diagram(ctx, true)>".png"</button>
            </div>
            <div class="button-group" role="group" aria-label="Zoom">
                <button class="btn btn-icon" aria-label="Zoom out" on:click=move |_| view.zoom_by(1.0 / 1.25)>"−"</button>
                <button class="btn" data-testid="zoom-fit" aria-label="Fit the drawing to the view" on:click=move |_| view.fit_again()>
                    {move || format!("{:.0}%", view.viewport.get().zoom * 100.0)}
                </button>
                <button class="btn btn-icon" aria-label="Zoom in" on:click=move |_| view.zoom_by(1.25)>"+"</button>
            </div>
        </div>
    }
}
