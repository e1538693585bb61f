//! The topology canvas: the drawing (`shapes`), the toolbar over it (`toolbar`) and the what-if
//! banner (`verdict`). Pointer gestures go through the `tool` state machine, and what they mean
//! comes back as `Edit`s; this module wires the pointer, the wheel and the canvas's size to them.
//! The inspector floats over the canvas's right edge.

mod shapes;
mod toolbar;
mod verdict;

pub use toolbar::delete;
pub use verdict::Verdict;

use crate::browser;
use crate::ctx::{Ctx, Mode, Selection};
use crate::keyed::keyed;
use crate::tool::{drop_edit, drop_target, Grab, Outcome, Tool, Viewport};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use shapes::{activate, host, node, region, Legend, Look};
use swarmplan_engine::drawing::{fit, Point};
use swarmplan_engine::plan::Role;
use toolbar::Toolbar;
use verdict::WhatIfBanner;

/// The room the inspector takes over the canvas (its width and margins in `main.css`).
const INSPECTOR_WIDTH: f64 = 310.0;

/// The canvas's view: its pan and zoom, whether it follows the drawing's size, and the size the
/// browser gives it.
#[derive(Clone, Copy)]
pub struct View {
    ctx: Ctx,
    viewport: RwSignal<Viewport>,
    /// While true, every change of the drawing's size fits it to the view; a pan or zoom by the
    /// user turns it off, the Fit button back on.
    auto_fit: RwSignal<bool>,
    /// Kept by a ResizeObserver: reading the element's clientWidth in the middle of an update
    /// would force a layout, which used to take most of an edit's time.
    size: RwSignal<Option<(f64, f64)>>,
}

impl View {
    /// Shows the whole drawing; the inspector floats over the right of the canvas, so a fit
    /// leaves room for it while something is selected.
    fn fit(self) {
        let Some((w, h)) = self.size.get_untracked() else {
            return;
        };
        let (dw, dh) = self.ctx.drawing.with_untracked(|d| (d.width, d.height));
        let reserve = if self.ctx.selection.with_untracked(Option::is_some) {
            INSPECTOR_WIDTH
        } else {
            0.0
        };
        self.viewport
            .set(Viewport::fit(dw, dh, (w - reserve).max(w / 2.0), h));
    }

    /// The Fit button: fit now, and follow the drawing's size again.
    fn fit_again(self) {
        self.auto_fit.set(true);
        self.fit();
    }

    /// Zooms about the view's centre.
    fn zoom_by(self, factor: f64) {
        if let Some((w, h)) = self.size.get_untracked() {
            self.auto_fit.set(false);
            let centre = Point {
                x: w / 2.0,
                y: h / 2.0,
            };
            self.viewport.update(|v| *v = v.zoom_at(centre, factor));
        }
    }

    /// Brings the selection into view, when it is out of it.
    fn reveal_selection(self) {
        let drawing = self.ctx.drawing;
        let rect = self
            .ctx
            .selection
            .with_untracked(|s| drawing.with_untracked(|d| s.as_ref()?.rect(d)));
        let (Some(rect), Some((w, h))) = (rect, self.size.get_untracked()) else {
            return;
        };
        if let Some(next) = self.viewport.get_untracked().reveal(rect, w, h) {
            self.auto_fit.set(false);
            self.viewport.set(next);
        }
    }
}

/// The canvas. `inspector` and `verdict` are the views it shows over the drawing, which the app
/// loads on demand.
#[component]
pub fn Canvas(#[prop(into)] inspector: ViewFn, #[prop(into)] verdict: ViewFn) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let view = View {
        ctx,
        viewport: RwSignal::new(Viewport::default()),
        auto_fit: RwSignal::new(true),
        size: RwSignal::new(None),
    };
    let View {
        viewport,
        auto_fit,
        size,
        ..
    } = view;
    let tool = RwSignal::new(Tool::Idle);
    let svg_ref = NodeRef::<leptos::svg::Svg>::new();
    let inspected = Memo::new(move |was: Option<&bool>| {
        was.copied().unwrap_or(false) || ctx.selection.with(Option::is_some)
    });

    Effect::new(move |_| {
        let Some(svg) = svg_ref.get() else {
            return;
        };
        if let Some(watch) = browser::watch_size(&svg, move |w, h| size.set(Some((w, h)))) {
            let watch = SendWrapper::new(watch);
            on_cleanup(move || watch.stop());
        }
    });
    Effect::new(move |_| {
        let _ = ctx.drawing.with(|d| (d.width, d.height));
        let _ = ctx.selection.with(Option::is_some);
        let _ = size.with(Option::is_some);
        if auto_fit.get() {
            view.fit();
        }
    });
    // A finding clicked: bring its target into view.
    Effect::new(move |previous: Option<u32>| {
        let request = ctx.reveal.get();
        if previous.is_some_and(|p| p != request) {
            view.reveal_selection();
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
        let at = viewport.get_untracked();
        let hit = hit_at(at.to_canvas(screen));
        tool.set(Tool::down(hit, screen, at.pan));
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
    let label = move || {
        ctx.drawing.with(|d| {
            let managers = d.nodes.iter().filter(|n| n.role == Role::Manager).count();
            format!(
                "Topology: {} hosts carrying {} nodes, {} of them managers. Tab to a shape; Enter selects it, the arrow keys move a node or host to the next host, Delete removes it.",
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
                        look.shapes(drawing)
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
        let target = ctx.drawing.with(|d| drop_target(d, &grab, at));
        let name = match &grab {
            Grab::Node(n) | Grab::Host(n) => n.clone(),
        };
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

    view! {
        <section class="card topology-card" aria-labelledby="topology-title">
            <div class="card-head">
                <h2 id="topology-title">"Topology"</h2>
                <Toolbar view=view />
            </div>
            <WhatIfBanner verdict=verdict />
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
                <Show when=move || inspected.get()>{inspector.run()}</Show>
            </div>
            <Legend />
        </section>
    }
}
