//! The topology canvas: sites and racks as nested regions, hosts as boxes, nodes as cards with
//! their task chips; pointer gestures go through the `tool` state machine, and what they mean
//! comes back as `Edit`s. The inspector floats over the canvas's right edge.

use crate::app::{Ctx, Mode, Selection};
use crate::edit::{self, Place};
use crate::keyed::{keyed, Keyed};
use crate::layout::{
    fit, Hit, HostBox, Layout, NodeCard, Point, Rect, Region, RegionKind, NAME_CHARS,
};
use crate::on_demand::{self, Feature};
use crate::tool::{drop_edit, Grab, Outcome, Tool, Viewport};
use crate::whatif::{Chip, Failed, WhatIf};
use leptos::prelude::*;
use leptos::wasm_bindgen::{closure::Closure, JsCast};
use send_wrapper::SendWrapper;
use std::collections::BTreeSet;
use swarmplan_engine::analysis::Health;
use swarmplan_engine::domains::DomainKind;
use swarmplan_engine::plan::{Availability, Role};
use swarmplan_engine::Analysis;

/// Whether losing this failure domain loses the managers' quorum.
fn breaks_quorum(analysis: &Analysis, kind: DomainKind, name: &str) -> bool {
    analysis
        .failures
        .iter()
        .any(|f| f.domain == kind && f.name == name && !f.quorum)
}

/// The room the inspector takes over the canvas (its width and margins in `main.css`).
const INSPECTOR_WIDTH: f64 = 310.0;

/// The most task chips a card shows before it says "+N".
const CHIPS: usize = 10;

/// Everything that decides how a shape looks, borrowed for one render.
struct Look<'a> {
    analysis: &'a Analysis,
    whatif: &'a WhatIf,
    failed: &'a BTreeSet<Failed>,
    selection: Option<&'a Selection>,
}

impl Look<'_> {
    fn selected(&self, selection: &Selection) -> bool {
        self.selection == Some(selection)
    }

    fn region(&self, region: &Region) -> RegionShape {
        let (kind, selection) = match region.kind {
            RegionKind::Site => (DomainKind::Site, Selection::Site(region.name.clone())),
            RegionKind::Rack => (DomainKind::Rack, Selection::Rack(region.name.clone())),
        };
        RegionShape {
            region: region.clone(),
            at_risk: breaks_quorum(self.analysis, kind, &region.name),
            failed: self
                .failed
                .contains(&Failed::new(kind, region.name.clone())),
            selected: self.selected(&selection),
        }
    }

    fn host(&self, host: &HostBox) -> HostShape {
        HostShape {
            host: host.clone(),
            at_risk: breaks_quorum(self.analysis, DomainKind::Host, &host.name),
            failed_itself: self
                .failed
                .contains(&Failed::new(DomainKind::Host, host.name.clone())),
            down: self.whatif.lost_hosts.contains(&host.name),
            selected: self.selected(&Selection::Host(host.name.clone())),
        }
    }

    fn node(&self, card: &NodeCard) -> NodeShape {
        let selected_service = match self.selection {
            Some(Selection::Service(id)) => Some(id.as_str()),
            _ => None,
        };
        NodeShape {
            card: card.clone(),
            lost: self.whatif.lost_nodes.contains(&card.name),
            selected: self.selected(&Selection::Node(card.name.clone())),
            chips: self
                .whatif
                .chips
                .get(&card.name)
                .into_iter()
                .flatten()
                .map(|chip| {
                    (
                        chip.clone(),
                        selected_service == Some(chip.service.as_str()),
                    )
                })
                .collect(),
        }
    }
}

/// The canvas's shapes, each with everything it shows.
#[derive(Debug, Clone, PartialEq)]
struct Shapes {
    regions: Keyed<RegionShape>,
    hosts: Keyed<HostShape>,
    nodes: Keyed<NodeShape>,
}

#[derive(Debug, Clone, PartialEq)]
struct RegionShape {
    region: Region,
    at_risk: bool,
    failed: bool,
    selected: bool,
}

#[derive(Debug, Clone, PartialEq)]
struct HostShape {
    host: HostBox,
    at_risk: bool,
    failed_itself: bool,
    down: bool,
    selected: bool,
}

#[derive(Debug, Clone, PartialEq)]
struct NodeShape {
    card: NodeCard,
    lost: bool,
    selected: bool,
    /// The node's task chips, and whether each belongs to the selected service.
    chips: Vec<(Chip, bool)>,
}

/// A shape whose content is drawn relative to its rectangle's corner.
trait Placed: Clone + PartialEq + Send + Sync + 'static {
    fn rect(&self) -> &Rect;
    fn rect_mut(&mut self) -> &mut Rect;
}

impl Placed for RegionShape {
    fn rect(&self) -> &Rect {
        &self.region.rect
    }

    fn rect_mut(&mut self) -> &mut Rect {
        &mut self.region.rect
    }
}

impl Placed for HostShape {
    fn rect(&self) -> &Rect {
        &self.host.rect
    }

    fn rect_mut(&mut self) -> &mut Rect {
        &mut self.host.rect
    }
}

impl Placed for NodeShape {
    fn rect(&self) -> &Rect {
        &self.card.rect
    }

    fn rect_mut(&mut self) -> &mut Rect {
        &mut self.card.rect
    }
}

/// Splits a shape into where it is, as its group's `transform`, and what it shows, drawn at the
/// origin. A shape that only moves (a card added above it on its host) then changes that one
/// attribute: redrawing its content would remove and add again every attribute of every element
/// in it, as erased views rebuild.
fn placed<T: Placed>(shape: Memo<T>) -> (impl Fn() -> String + Copy + Send + Sync, Memo<T>) {
    let corner = Memo::new(move |_| shape.with(|s| (s.rect().x, s.rect().y)));
    let content = Memo::new(move |_| {
        let mut s = shape.get();
        let r = s.rect_mut();
        (r.x, r.y) = (0.0, 0.0);
        s
    });
    let transform = move || corner.with(|(x, y)| format!("translate({x} {y})"));
    (transform, content)
}

/// Keyboard activation of a shape: Enter or Space clicks it, Delete deletes it.
fn on_key(ctx: Ctx, hit: Hit) -> impl Fn(leptos::ev::KeyboardEvent) + 'static {
    move |ev| match ev.key().as_str() {
        "Enter" | " " => {
            ev.prevent_default();
            activate(ctx, hit.clone());
        }
        "Delete" | "Backspace" => {
            ev.prevent_default();
            let selection = selection_of(&hit);
            delete(ctx, &selection);
        }
        _ => {}
    }
}

fn selection_of(hit: &Hit) -> Selection {
    match hit {
        Hit::Node(n) => Selection::Node(n.clone()),
        Hit::Host(n) => Selection::Host(n.clone()),
        Hit::Rack { name, .. } => Selection::Rack(name.clone()),
        Hit::Site(n) => Selection::Site(n.clone()),
    }
}

/// A click on a shape: select it, or in what-if mode fail or restore it.
fn activate(ctx: Ctx, hit: Hit) {
    let selection = selection_of(&hit);
    if ctx.mode.get_untracked() == Mode::WhatIf {
        if let Some(domain) = ctx.plan.with_untracked(|p| selection.domain(p)) {
            ctx.toggle_failed(domain);
        }
    } else {
        ctx.select(Some(selection));
    }
}

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

/// Where a new host goes: the selected site or rack, or the selected host's.
fn place_of_selection(ctx: Ctx) -> Place {
    let plan = ctx.plan.get_untracked();
    match ctx.selection.get_untracked() {
        Some(Selection::Site(site)) => Place {
            site: Some(site),
            rack: None,
        },
        Some(Selection::Rack(rack)) => Place {
            site: plan
                .hosts
                .iter()
                .find(|h| h.rack.as_deref() == Some(&rack))
                .and_then(|h| h.site.clone()),
            rack: Some(rack),
        },
        Some(Selection::Host(host)) => plan.host(&host).map_or_else(Place::default, |h| Place {
            site: h.site.clone(),
            rack: h.rack.clone(),
        }),
        Some(Selection::Node(node)) => plan
            .node(&node)
            .and_then(|n| plan.host(n.host_name()))
            .map_or_else(Place::default, |h| Place {
                site: h.site.clone(),
                rack: h.rack.clone(),
            }),
        _ => Place::default(),
    }
}

/// The host a new node goes on: the selected one, the selected node's, or the last one.
pub fn host_for_new_node(ctx: Ctx) -> Option<String> {
    let plan = ctx.plan.get_untracked();
    match ctx.selection.get_untracked() {
        Some(Selection::Host(host)) => Some(host),
        Some(Selection::Node(node)) => plan.node(&node).map(|n| n.host_name().to_owned()),
        _ => swarmplan_engine::domains::host_names(&plan).pop(),
    }
}

pub fn add_node(ctx: Ctx, role: Role) {
    let Some(host) = host_for_new_node(ctx) else {
        ctx.notice
            .set(Some("Add a host first: a node runs on a host.".to_owned()));
        return;
    };
    let (edit, name) = edit::add_node(&ctx.plan.get_untracked(), &host, role);
    if ctx.apply(edit) {
        ctx.select(Some(Selection::Node(name)));
    }
}

#[component]
pub fn Canvas() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let viewport = RwSignal::new(Viewport::default());
    // While true, every change of the drawing's size fits it to the view; a pan or zoom by the
    // user turns it off, the Fit button back on.
    let auto_fit = RwSignal::new(true);
    let tool = RwSignal::new(Tool::Idle);
    let svg_ref = NodeRef::<leptos::svg::Svg>::new();
    let inspected = Memo::new(move |was: Option<&bool>| {
        was.copied().unwrap_or(false) || ctx.selection.with(Option::is_some)
    });

    // The canvas's size as the browser lays it out, kept by a ResizeObserver. Fitting reads it
    // here: reading the element's clientWidth in the middle of an update would force a layout,
    // which used to take most of an edit's time.
    let size = RwSignal::new(None::<(f64, f64)>);
    Effect::new(move |_| {
        let Some(svg) = svg_ref.get() else {
            return;
        };
        let on_resize = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
            if let Ok(entry) = entries.get(0).dyn_into::<web_sys::ResizeObserverEntry>() {
                let rect = entry.content_rect();
                size.set(Some((rect.width(), rect.height())));
            }
        });
        if let Ok(observer) = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()) {
            observer.observe(&svg);
            let observing = SendWrapper::new((observer, on_resize));
            on_cleanup(move || observing.0.disconnect());
        }
    });
    let view_size = move || size.get_untracked();
    // The inspector floats over the right of the canvas: a fit leaves room for it.
    let fit_now = move || {
        if let Some((w, h)) = view_size() {
            let (dw, dh) = ctx.drawing.with_untracked(|d| (d.width, d.height));
            let reserve = if ctx.selection.with_untracked(Option::is_some) {
                INSPECTOR_WIDTH
            } else {
                0.0
            };
            viewport.set(Viewport::fit(dw, dh, (w - reserve).max(w / 2.0), h));
        }
    };
    Effect::new(move |_| {
        let _ = ctx.drawing.with(|d| (d.width, d.height));
        let _ = ctx.selection.with(Option::is_some);
        let _ = size.with(Option::is_some);
        if auto_fit.get() {
            fit_now();
        }
    });
    // A finding clicked: bring its target into view.
    Effect::new(move |previous: Option<u32>| {
        let request = ctx.reveal.get();
        if previous.is_some_and(|p| p != request) {
            let rect = ctx.selection.with_untracked(|s| {
                s.as_ref()
                    .and_then(|s| ctx.drawing.with_untracked(|d| rect_of(d, s)))
            });
            if let (Some(rect), Some((w, h))) = (rect, view_size()) {
                let mut next = viewport.get_untracked();
                let (cx, cy) = (rect.x + rect.width / 2.0, rect.y + rect.height / 2.0);
                let (sx, sy) = (cx * next.zoom + next.pan.x, cy * next.zoom + next.pan.y);
                if sx < 0.0 || sx > w || sy < 0.0 || sy > h {
                    next.pan = Point {
                        x: w / 2.0 - cx * next.zoom,
                        y: h / 2.0 - cy * next.zoom,
                    };
                    auto_fit.set(false);
                    viewport.set(next);
                }
            }
        }
        request
    });

    let local = move |x: i32, y: i32| -> Point {
        let rect = svg_ref
            .get_untracked()
            .map(|svg| svg.get_bounding_client_rect());
        let (left, top) = rect.map_or((0.0, 0.0), |r| (r.left(), r.top()));
        Point {
            x: f64::from(x) - left,
            y: f64::from(y) - top,
        }
    };
    let hit_at = move |canvas: Point| ctx.drawing.with_untracked(|d| d.hit(canvas));

    let on_pointerdown = move |ev: leptos::ev::PointerEvent| {
        if ev.button() != 0 {
            return;
        }
        let screen = local(ev.client_x(), ev.client_y());
        let view = viewport.get_untracked();
        let hit = hit_at(view.to_canvas(screen));
        tool.set(Tool::down(hit, screen, view.pan));
        if let Some(svg) = svg_ref.get_untracked() {
            let _ = svg.set_pointer_capture(ev.pointer_id());
        }
    };
    let on_pointermove = move |ev: leptos::ev::PointerEvent| {
        if tool.with_untracked(|t| *t == Tool::Idle) {
            return;
        }
        let screen = local(ev.client_x(), ev.client_y());
        let canvas = viewport.get_untracked().to_canvas(screen);
        let (next, pan) = tool.get_untracked().moved(screen, canvas);
        tool.set(next);
        if let Some(pan) = pan {
            auto_fit.set(false);
            viewport.update(|v| v.pan = pan);
        }
    };
    let on_pointerup = move |ev: leptos::ev::PointerEvent| {
        let screen = local(ev.client_x(), ev.client_y());
        let over = hit_at(viewport.get_untracked().to_canvas(screen));
        let outcome = tool.get_untracked().up(over);
        tool.set(Tool::Idle);
        match outcome {
            Outcome::Nothing => {}
            Outcome::Click(Some(hit)) => activate(ctx, hit),
            Outcome::Click(None) => ctx.select(None),
            Outcome::Drop { grab, over } => {
                let plan = ctx.plan.get_untracked();
                let result = ctx
                    .drawing
                    .with_untracked(|d| drop_edit(&plan, d, &grab, over.as_ref()));
                if let Some(result) = result {
                    if ctx.apply_result(result) {
                        ctx.select(Some(match grab {
                            Grab::Node(n) => Selection::Node(n),
                            Grab::Host(n) => Selection::Host(n),
                        }));
                    }
                }
            }
        }
    };
    let on_wheel = move |ev: leptos::ev::WheelEvent| {
        ev.prevent_default();
        auto_fit.set(false);
        if ev.ctrl_key() || ev.meta_key() {
            let at = local(ev.client_x(), ev.client_y());
            let factor = (-ev.delta_y() * 0.002).exp();
            viewport.update(|v| *v = v.zoom_at(at, factor));
        } else {
            viewport.update(|v| {
                v.pan.x -= ev.delta_x();
                v.pan.y -= ev.delta_y();
            });
        }
    };
    let zoom_by = move |factor: f64| {
        if let Some((w, h)) = view_size() {
            auto_fit.set(false);
            let centre = Point {
                x: w / 2.0,
                y: h / 2.0,
            };
            viewport.update(|v| *v = v.zoom_at(centre, factor));
        }
    };

    let label = move || {
        ctx.drawing.with(|d| {
            let managers = d.nodes.iter().filter(|n| n.role == Role::Manager).count();
            format!(
                "Topology: {} hosts carrying {} nodes, {} of them managers. Tab to a shape; Enter selects it, Delete removes it.",
                d.hosts.len(),
                d.nodes.len(),
                managers
            )
        })
    };
    // Every shape with what it shows, as values: a keyed list redraws only the shapes whose
    // look changed, so an edit touches a few elements instead of the whole canvas.
    let shapes = Memo::new(move |_| {
        let selection = ctx.selection.get();
        ctx.drawing.with(|drawing| {
            ctx.analysis.with(|analysis| {
                ctx.whatif.with(|whatif| {
                    ctx.failed.with(|failed| {
                        let look = Look {
                            analysis,
                            whatif,
                            failed,
                            selection: selection.as_ref(),
                        };
                        Shapes {
                            regions: drawing
                                .regions
                                .iter()
                                .map(|r| (format!("{:?}/{}", r.kind, r.name), look.region(r)))
                                .collect(),
                            hosts: drawing
                                .hosts
                                .iter()
                                .map(|h| (h.name.clone(), look.host(h)))
                                .collect(),
                            nodes: drawing
                                .nodes
                                .iter()
                                .map(|n| (n.name.clone(), look.node(n)))
                                .collect(),
                        }
                    })
                })
            })
        })
    });
    let content = move || {
        view! {
            <g class="regions">{keyed(shapes, |s| &s.regions, move |shape| region(ctx, shape))}</g>
            <g class="hosts">{keyed(shapes, |s| &s.hosts, move |shape| host(ctx, shape))}</g>
            <g class="nodes">{keyed(shapes, |s| &s.nodes, move |shape| node(ctx, shape))}</g>
        }
    };
    // What is being carried, and where it would land.
    let drag_layer = move || {
        let Tool::Dragging { grab, at } = tool.get() else {
            return None;
        };
        let (target, name) = ctx.drawing.with(|d| {
            let over = d.hit(at);
            let target = match (&grab, over) {
                (Grab::Node(_), Some(Hit::Node(n))) => d
                    .nodes
                    .iter()
                    .find(|c| c.name == n)
                    .and_then(|c| d.hosts.iter().find(|h| h.name == c.host))
                    .map(|h| h.rect),
                (_, Some(Hit::Host(h))) => d.hosts.iter().find(|b| b.name == h).map(|b| b.rect),
                (Grab::Host(_), Some(Hit::Rack { name, .. })) => d
                    .regions
                    .iter()
                    .find(|r| r.kind == RegionKind::Rack && r.name == name)
                    .map(|r| r.rect),
                (Grab::Host(_), Some(Hit::Site(name))) => d
                    .regions
                    .iter()
                    .find(|r| r.kind == RegionKind::Site && r.name == name)
                    .map(|r| r.rect),
                _ => None,
            };
            let name = match &grab {
                Grab::Node(n) | Grab::Host(n) => n.clone(),
            };
            (target, name)
        });
        Some(view! {
            {target.map(|r| view! {
                <rect class="drop-target" x=r.x - 3.0 y=r.y - 3.0 width=r.width + 6.0 height=r.height + 6.0 rx="10"></rect>
            })}
            <g class="ghost" transform=format!("translate({} {})", at.x + 8.0, at.y + 8.0)>
                <rect width="150" height="30" rx="6"></rect>
                <text x="12" y="19">{fit(&name, 18)}</text>
            </g>
        })
    };
    let empty = move || ctx.drawing.with(|d| d.hosts.is_empty());
    let mode = ctx.mode;
    let selected_any = move || ctx.selection.with(Option::is_some);

    view! {
        <section class="card topology-card" aria-labelledby="topology-title">
            <div class="card-head">
                <h2 id="topology-title">"Topology"</h2>
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
                        let (edit, name) = edit::add_site(&ctx.plan.get_untracked());
                        if ctx.apply(edit) { ctx.select(Some(Selection::Host(name))); }
                    }>"+ Site"</button>
                    <button class="btn" data-testid="add-rack" title="A new rack in the selected site" on:click=move |_| {
                        let site = place_of_selection(ctx).site;
                        let (edit, name) = edit::add_rack(&ctx.plan.get_untracked(), site);
                        if ctx.apply(edit) { ctx.select(Some(Selection::Host(name))); }
                    }>"+ Rack"</button>
                    <button class="btn" data-testid="add-host" title="A new host in the selected rack or site" on:click=move |_| {
                        let (edit, name) = edit::add_host(&ctx.plan.get_untracked(), place_of_selection(ctx));
                        if ctx.apply(edit) { ctx.select(Some(Selection::Host(name))); }
                    }>"+ Host"</button>
                    <button class="btn" data-testid="add-manager" title="A manager on the selected host" on:click=move |_| add_node(ctx, Role::Manager)>"+ Manager"</button>
                    <button class="btn" data-testid="add-worker" title="A worker on the selected host" on:click=move |_| add_node(ctx, Role::Worker)>"+ Worker"</button>
                    <button class="btn btn-danger-quiet" data-testid="delete-selection" disabled=move || !selected_any() on:click=move |_| {
                        if let Some(selection) = ctx.selection.get_untracked() { delete(ctx, &selection); }
                    }>"Delete"</button>
                    <span class="toolbar-sep" aria-hidden="true"></span>
                    <div class="button-group" role="group" aria-label="Zoom">
                        <button class="btn btn-icon" aria-label="Zoom out" on:click=move |_| zoom_by(1.0 / 1.25)>"−"</button>
                        <button class="btn" data-testid="zoom-fit" aria-label="Fit the drawing to the view" on:click=move |_| { auto_fit.set(true); fit_now(); }>
                            {move || format!("{:.0}%", viewport.get().zoom * 100.0)}
                        </button>
                        <button class="btn btn-icon" aria-label="Zoom in" on:click=move |_| zoom_by(1.25)>"+"</button>
                    </div>
                </div>
            </div>
            <WhatIfBanner />
            <div class="canvas-wrap" class:whatif-mode=move || mode.get() == Mode::WhatIf class:dragging=move || matches!(tool.get(), Tool::Dragging { .. })>
                <svg
                    class="topology"
                    data-testid="topology"
                    node_ref=svg_ref
                    role="group"
                    aria-label=label
                    on:pointerdown=on_pointerdown
                    on:pointermove=on_pointermove
                    on:pointerup=on_pointerup
                    on:pointercancel=move |_| tool.set(Tool::Idle)
                    on:wheel=on_wheel
                >
                    <defs>
                        <pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                            <rect width="8" height="8" class="hatch-bg"></rect>
                            <line x1="0" y1="0" x2="0" y2="8" class="hatch-line"></line>
                        </pattern>
                    </defs>
                    <g data-testid="viewport" transform=move || viewport.get().transform()>
                        {content}
                        {drag_layer}
                    </g>
                </svg>
                <Show when=empty>
                    <div class="canvas-empty">
                        <p class="canvas-empty-title">"An empty plan"</p>
                        <p>"Add a site, a rack or a host, then managers and workers on the hosts. Three managers on three hosts survive the loss of any one host."</p>
                    </div>
                </Show>
                // Loaded with the first selection, then kept.
                <Show when=move || inspected.get()>{on_demand::view(Feature::Inspector)}</Show>
            </div>
            <Legend />
        </section>
    }
}

/// The rectangle of a selected shape, to scroll it into view.
fn rect_of(drawing: &Layout, selection: &Selection) -> Option<Rect> {
    match selection {
        Selection::Node(n) => drawing.nodes.iter().find(|c| &c.name == n).map(|c| c.rect),
        Selection::Host(n) => drawing.hosts.iter().find(|h| &h.name == n).map(|h| h.rect),
        Selection::Rack(n) => drawing
            .regions
            .iter()
            .find(|r| r.kind == RegionKind::Rack && &r.name == n)
            .map(|r| r.rect),
        Selection::Site(n) => drawing
            .regions
            .iter()
            .find(|r| r.kind == RegionKind::Site && &r.name == n)
            .map(|r| r.rect),
        Selection::Service(id) => {
            let _ = id;
            None
        }
    }
}

/// The what-if's verdict over the canvas: what is failed, managers left, quorum, moved tasks.
/// Without failures it says how to make some; the verdict itself is loaded on demand.
#[component]
fn WhatIfBanner() -> impl IntoView {
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
                {on_demand::view(Feature::Verdict)}
            </Show>
        </div>
    }
}

/// The verdict of the failures of the moment.
#[component]
pub fn Verdict() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || {
        ctx.whatif.with(|w| {
            let scenario = w.scenario.as_ref()?;
            let managers = ctx.analysis.with(|a| a.quorum.managers);
            let failed: Vec<String> = ctx.failed.with(|f| {
                f.iter().map(|d| format!("{} {}", d.kind, d.name)).collect()
            });
            let state = if scenario.quorum { "holds" } else { "lost" };
            let quorum_text = if scenario.quorum {
                format!("Quorum holds: {} of {} managers left.", scenario.managers_left, managers)
            } else {
                format!(
                    "Quorum lost: {} of {} managers left. The swarm cannot be managed and nothing is rescheduled.",
                    scenario.managers_left, managers
                )
            };
            let moved = scenario.rescheduled.len();
            let mut effects = vec![format!(
                "{} node{} down",
                scenario.lost_nodes.len(),
                if scenario.lost_nodes.len() == 1 { "" } else { "s" }
            )];
            if moved > 0 {
                effects.push(format!("{moved} task{} rescheduled", if moved == 1 { "" } else { "s" }));
            }
            let down = w.services.iter().filter(|s| s.status.health == Health::Down).count();
            let degraded = w.services.iter().filter(|s| s.status.health == Health::Degraded).count();
            if down > 0 {
                effects.push(format!("{down} service{} down", if down == 1 { "" } else { "s" }));
            }
            if degraded > 0 {
                effects.push(format!("{degraded} degraded"));
            }
            Some(view! {
                <div class="banner" class:banner-ok=scenario.quorum class:banner-lost=!scenario.quorum data-testid="whatif-banner" data-state=state>
                    <span class="banner-icon" aria-hidden="true">{if scenario.quorum { "✓" } else { "!" }}</span>
                    <div class="banner-text">
                        <p class="banner-title"><strong>"What if "</strong>{failed.join(", ")}" fail: "<span data-testid="whatif-quorum">{quorum_text}</span></p>
                        <p class="banner-detail" data-testid="whatif-detail">{effects.join(" · ")}</p>
                    </div>
                    <button class="btn btn-small" data-testid="whatif-clear" on:click=move |_| ctx.failed.set(BTreeSet::new())>"Restore all"</button>
                </div>
            })
        })
    }
}

/// The key to the canvas.
#[component]
fn Legend() -> impl IntoView {
    view! {
        <ul class="legend" aria-label="Legend">
            <li><span class="legend-badge legend-manager" aria-hidden="true">"M"</span>"Manager"</li>
            <li><span class="legend-badge legend-worker" aria-hidden="true">"W"</span>"Worker"</li>
            <li><span class="legend-chip" aria-hidden="true"></span>"Task, coloured by service"</li>
            <li><span class="legend-chip legend-moved" aria-hidden="true"></span>"Rescheduled by a failure"</li>
            <li><span class="legend-swatch legend-risk" aria-hidden="true"></span>"Loss breaks quorum"</li>
            <li><span class="legend-swatch legend-failed" aria-hidden="true"></span>"Failed (what-if)"</li>
            <li class="legend-hint">"Drag nodes between hosts and hosts between racks · drag the background to pan · Ctrl+wheel zooms"</li>
        </ul>
    }
}

/// The classes of a shape's group: its base classes and those of the flags that are set.
fn classes(base: &str, flags: &[(&str, bool)]) -> String {
    let mut class = base.to_owned();
    for (name, set) in flags {
        if *set {
            class.push(' ');
            class.push_str(name);
        }
    }
    class
}

// Each shape's focusable group is created once per key: what changes with its look are
// attributes bound to the shape's memo and the content inside, never the group itself, so that
// an edit or a selection leaves the keyboard focus where it is.

fn region(ctx: Ctx, shape: Memo<RegionShape>) -> impl IntoView {
    let (transform, content) = placed(shape);
    let name = shape.with_untracked(|s| s.region.name.clone());
    let hit = move || {
        shape.with_untracked(|s| match s.region.kind {
            RegionKind::Site => Hit::Site(s.region.name.clone()),
            RegionKind::Rack => Hit::Rack {
                name: s.region.name.clone(),
                site: s.region.site.clone(),
            },
        })
    };
    view! {
        <g
            class=move || shape.with(|s| classes(
                match s.region.kind {
                    RegionKind::Site => "region region-site",
                    RegionKind::Rack => "region region-rack",
                },
                &[("at-risk", s.at_risk), ("failed", s.failed), ("selected", s.selected)],
            ))
            data-region=name
            data-failed=move || shape.with(|s| s.failed.to_string())
            tabindex="0"
            role="button"
            aria-label=move || shape.with(|s| format!(
                "{} {}{}",
                if s.region.kind == RegionKind::Site { "Site" } else { "Rack" },
                s.region.name,
                if s.failed { ", failed" } else { "" }
            ))
            aria-pressed=move || shape.with(|s| s.selected.to_string())
            on:keydown=move |ev| on_key(ctx, hit())(ev)
            transform=transform
        >
            {move || content.with(region_content)}
        </g>
    }
}

fn region_content(shape: &RegionShape) -> impl IntoView {
    let RegionShape {
        region,
        at_risk,
        failed,
        ..
    } = shape;
    let (at_risk, failed) = (*at_risk, *failed);
    let word = match region.kind {
        RegionKind::Site => "SITE",
        RegionKind::Rack => "RACK",
    };
    let r = region.rect;
    let title = format!("{word}  {}", fit(&region.name, 30));
    view! {
        <rect class="region-box" x=r.x y=r.y width=r.width height=r.height rx="10"></rect>
        {failed.then(|| view! { <rect class="failed-fill" x=r.x y=r.y width=r.width height=r.height rx="10"></rect> })}
        <text class="region-label" x=r.x + 12.0 y=r.y + 18.0>{title}</text>
        {if failed {
            Some(view! { <text class="failed-label" x=r.right() - 12.0 y=r.y + 18.0 text-anchor="end">"FAILED"</text> }.into_any())
        } else if at_risk {
            Some(view! { <text class="risk-label" x=r.right() - 12.0 y=r.y + 18.0 text-anchor="end">"loss breaks quorum"</text> }.into_any())
        } else {
            None
        }}
    }
}

fn host(ctx: Ctx, shape: Memo<HostShape>) -> impl IntoView {
    let (transform, content) = placed(shape);
    let name = shape.with_untracked(|s| s.host.name.clone());
    let hit = Hit::Host(name.clone());
    view! {
        <g
            class=move || shape.with(|s| classes(
                "host",
                &[("at-risk", s.at_risk), ("unlisted", !s.host.listed), ("failed", s.down), ("selected", s.selected)],
            ))
            data-host=name
            data-failed=move || shape.with(|s| s.down.to_string())
            tabindex="0"
            role="button"
            aria-label=move || shape.with(|s| format!(
                "Host {}, {} managers and {} workers{}",
                s.host.name,
                s.host.managers,
                s.host.workers,
                if s.down { ", failed" } else { "" }
            ))
            aria-pressed=move || shape.with(|s| s.selected.to_string())
            on:keydown=on_key(ctx, hit)
            transform=transform
        >
            {move || content.with(host_content)}
        </g>
    }
}

fn host_content(shape: &HostShape) -> impl IntoView {
    let HostShape {
        host,
        at_risk,
        failed_itself,
        down,
        ..
    } = shape;
    let (at_risk, failed_itself, down) = (*at_risk, *failed_itself, *down);
    let r = host.rect;
    let tally = format!("{} M · {} W", host.managers, host.workers);
    let capacity = if host.listed {
        host.capacity.clone()
    } else {
        "not listed under hosts".to_owned()
    };
    view! {
        <rect class="host-box" x=r.x y=r.y width=r.width height=r.height rx="8"></rect>
        {down.then(|| view! { <rect class="failed-fill" x=r.x y=r.y width=r.width height=r.height rx="8"></rect> })}
        <text class="host-name" x=r.x + 12.0 y=r.y + 19.0>{fit(&host.name, NAME_CHARS - 6)}</text>
        <text class="host-tally" x=r.right() - 12.0 y=r.y + 19.0 text-anchor="end">{tally}</text>
        <text class="host-capacity" x=r.x + 12.0 y=r.y + 35.0>{capacity}</text>
        {if down {
            Some(view! { <text class="failed-label" x=r.right() - 12.0 y=r.y + 35.0 text-anchor="end">{if failed_itself { "FAILED" } else { "DOWN" }}</text> }.into_any())
        } else if at_risk {
            Some(view! { <text class="risk-label" x=r.right() - 12.0 y=r.y + 35.0 text-anchor="end">"breaks quorum"</text> }.into_any())
        } else {
            None
        }}
    }
}

fn node(ctx: Ctx, shape: Memo<NodeShape>) -> impl IntoView {
    let (transform, content) = placed(shape);
    let name = shape.with_untracked(|s| s.card.name.clone());
    let hit = Hit::Node(name.clone());
    view! {
        <g
            class=move || shape.with(|s| classes(
                if s.card.role == Role::Manager { "node node-manager" } else { "node node-worker" },
                &[
                    ("inactive", s.card.availability != Availability::Active),
                    ("lost", s.lost),
                    ("selected", s.selected),
                ],
            ))
            data-node=name
            data-on-host=move || shape.with(|s| s.card.host.clone())
            data-role=move || shape.with(|s| s.card.role.to_string())
            data-lost=move || shape.with(|s| s.lost.to_string())
            tabindex="0"
            role="button"
            aria-label=move || shape.with(|s| format!(
                "{} node {} on {}{}{}, {} tasks",
                if s.card.role == Role::Manager { "Manager" } else { "Worker" },
                s.card.name,
                s.card.host,
                match s.card.availability {
                    Availability::Active => String::new(),
                    other => format!(" ({other})"),
                },
                if s.lost { ", down" } else { "" },
                s.chips.len()
            ))
            aria-pressed=move || shape.with(|s| s.selected.to_string())
            on:keydown=on_key(ctx, hit)
            transform=transform
        >
            {move || content.with(node_content)}
        </g>
    }
}

fn node_content(shape: &NodeShape) -> impl IntoView {
    let NodeShape {
        card, lost, chips, ..
    } = shape;
    let lost = *lost;
    let r = card.rect;
    let manager = card.role == Role::Manager;
    let letter = if manager { "M" } else { "W" };
    // The badge's shape tells the roles apart without colour: a square for managers, a circle
    // for workers; the letter says it in words.
    let badge_x = r.x + 22.0;
    let badge_y = r.y + 22.0;
    let badge = if manager {
        view! { <rect class="badge" x=badge_x - 13.0 y=badge_y - 13.0 width="26" height="26" rx="5"></rect> }.into_any()
    } else {
        view! { <circle class="badge" cx=badge_x cy=badge_y r="13"></circle> }.into_any()
    };
    let availability = match card.availability {
        Availability::Active => None,
        other => Some(other.to_string()),
    };
    let more = chips.len().saturating_sub(CHIPS);
    let chip_y = r.bottom() - 16.0;
    let chip_views = chips
        .iter()
        .take(CHIPS)
        .enumerate()
        .map(|(i, (chip, hl))| {
            let x = r.x + 10.0 + i as f64 * 17.0;
            view! {
                <rect class=format!("chip svc-{}", chip.colour) class:moved=chip.moved class:hl=*hl
                    data-task=format!("{}.{}", chip.service, chip.slot) data-moved=chip.moved.to_string()
                    x=x y=chip_y width="14" height="9" rx="2.5"></rect>
            }
        })
        .collect_view();
    let name_y = r.y + 20.0;
    view! {
        <rect class="node-card" x=r.x y=r.y width=r.width height=r.height rx="6"></rect>
        {badge}
        <text class="badge-letter" x=badge_x y=badge_y + 4.5 text-anchor="middle">{letter}</text>
        <text class="node-name" x=r.x + 44.0 y=name_y>{fit(&card.name, NAME_CHARS - 4)}</text>
        <text class="node-detail" x=r.x + 44.0 y=r.y + 35.0>{card.detail.clone()}</text>
        {availability.map(|a| view! {
            <text class="node-availability" x=r.right() - 8.0 y=r.y + 18.0 text-anchor="end">{a}</text>
        })}
        {lost.then(|| view! {
            <text class="lost-label" x=r.right() - 8.0 y=r.y + 18.0 text-anchor="end">"DOWN"</text>
        })}
        <g class="chips">{chip_views}</g>
        {(more > 0).then(|| view! {
            <text class="chip-more" x=r.x + 10.0 + CHIPS as f64 * 17.0 y=chip_y + 8.5>{format!("+{more}")}</text>
        })}
    }
}
