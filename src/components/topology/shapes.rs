//! The canvas's shapes: sites and racks as nested regions, hosts as boxes, nodes as cards with
//! their task chips. Each shape is a value computed from the drawing, the analysis, the what-if
//! and the selection (`Look`); a keyed list redraws only the shapes whose look changed, and a
//! shape that only moves changes one attribute (`placed`).

use crate::ctx::{Ctx, Mode, Selection};
use crate::keyed::Keyed;
use crate::tool::{key_move, Grab};
use crate::whatif::{Failed, WhatIf};
use leptos::prelude::*;
use std::collections::BTreeSet;
use swarmplan_engine::domains::DomainKind;
use swarmplan_engine::drawing::{
    fit, Hit, HostBox, Layout, NodeCard, Rect, Region, RegionKind, NAME_CHARS,
};
use swarmplan_engine::export::diagram::Chip;
use swarmplan_engine::plan::{Availability, Role};
use swarmplan_engine::Analysis;

use super::toolbar::delete;

/// Whether losing this failure domain loses the managers' quorum.
fn breaks_quorum(analysis: &Analysis, kind: DomainKind, name: &str) -> bool {
    analysis
        .failures
        .iter()
        .any(|f| f.domain == kind && f.name == name && !f.quorum)
}

/// The most task chips a card shows before it says "+N".
const CHIPS: usize = 10;

/// Everything that decides how a shape looks, borrowed for one render.
pub struct Look<'a> {
    pub analysis: &'a Analysis,
    pub whatif: &'a WhatIf,
    pub failed: &'a BTreeSet<Failed>,
    pub selection: Option<&'a Selection>,
}

impl Look<'_> {
    fn selected(&self, selection: &Selection) -> bool {
        self.selection == Some(selection)
    }

    /// Every shape of a drawing with what it shows, keyed by what it draws.
    pub fn shapes(&self, drawing: &Layout) -> Shapes {
        Shapes {
            regions: drawing
                .regions
                .iter()
                .map(|r| (format!("{:?}/{}", r.kind, r.name), self.region(r)))
                .collect(),
            hosts: drawing
                .hosts
                .iter()
                .map(|h| (h.name.clone(), self.host(h)))
                .collect(),
            nodes: drawing
                .nodes
                .iter()
                .map(|n| (n.name.clone(), self.node(n)))
                .collect(),
        }
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
pub struct Shapes {
    pub regions: Keyed<RegionShape>,
    pub hosts: Keyed<HostShape>,
    pub nodes: Keyed<NodeShape>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RegionShape {
    region: Region,
    at_risk: bool,
    failed: bool,
    selected: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HostShape {
    host: HostBox,
    at_risk: bool,
    failed_itself: bool,
    down: bool,
    selected: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeShape {
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

/// Keyboard activation of a shape: Enter or Space clicks it, Delete deletes it, and the arrow
/// keys carry a node or host as a drag would (`tool::key_move`).
fn on_key(ctx: Ctx, hit: Hit) -> impl Fn(leptos::ev::KeyboardEvent) + 'static {
    move |ev| match ev.key().as_str() {
        key @ ("ArrowLeft" | "ArrowUp" | "ArrowRight" | "ArrowDown") => {
            let grab = match &hit {
                Hit::Node(n) => Grab::Node(n.clone()),
                Hit::Host(n) => Grab::Host(n.clone()),
                Hit::Rack { .. } | Hit::Site(_) => return,
            };
            if ctx.mode.get_untracked() != Mode::Select {
                return;
            }
            ev.prevent_default();
            let step = if matches!(key, "ArrowLeft" | "ArrowUp") {
                -1
            } else {
                1
            };
            let plan = ctx.plan.get_untracked();
            let moved = ctx
                .drawing
                .with_untracked(|d| key_move(&plan, d, &grab, step));
            if moved.is_some_and(|result| ctx.apply_result(result)) {
                ctx.select(Some(selection_of(&hit)));
                crate::browser::refocus_after_redraw(&ev);
            }
        }
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
pub fn activate(ctx: Ctx, hit: Hit) {
    let selection = selection_of(&hit);
    if ctx.mode.get_untracked() == Mode::WhatIf {
        if let Some(domain) = ctx.plan.with_untracked(|p| selection.domain(p)) {
            ctx.toggle_failed(domain);
        }
    } else {
        ctx.select(Some(selection));
    }
}

/// The key to the canvas.
#[component]
pub fn Legend() -> impl IntoView {
    view! {
        <ul class="legend" aria-label="Legend">
            <li><span class="legend-badge legend-manager" aria-hidden="true">"M"</span>"Manager"</li>
            <li><span class="legend-badge legend-worker" aria-hidden="true">"W"</span>"Worker"</li>
            <li><span class="legend-chip" aria-hidden="true"></span>"Task, coloured by service"</li>
            <li><span class="legend-chip legend-moved" aria-hidden="true"></span>"Rescheduled by a failure"</li>
            <li><span class="legend-chip legend-tied" aria-hidden="true"></span>"Swarm may draw another node (hover for which)"</li>
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

pub fn region(ctx: Ctx, shape: Memo<RegionShape>) -> impl IntoView {
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

pub fn host(ctx: Ctx, shape: Memo<HostShape>) -> impl IntoView {
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

pub fn node(ctx: Ctx, shape: Memo<NodeShape>) -> impl IntoView {
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
            let title = match &chip.ties {
                Some(ties) => format!("{}.{}: {ties}, as Swarm draws", chip.service, chip.slot),
                None => format!("{}.{}", chip.service, chip.slot),
            };
            view! {
                <rect class=format!("chip svc-{}", chip.colour) class:moved=chip.moved class:hl=*hl
                    class:tied=chip.ties.is_some() data-ties=chip.ties.clone()
                    data-task=format!("{}.{}", chip.service, chip.slot) data-moved=chip.moved.to_string()
                    x=x y=chip_y width="14" height="9" rx="2.5"><title>{title}</title></rect>
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

#[cfg(test)]
mod tests {
    use super::*;
    use swarmplan_engine::drawing::layout;
    use swarmplan_engine::{analyze, parse_plan, Options};

    const PLAN: &str = "
swarmplan: 1
name: t
hosts:
  - { name: h1, rack: r1 }
  - { name: h2, rack: r1 }
  - { name: h3, rack: r2 }
nodes:
  - { name: m1, host: h1, role: manager }
  - { name: m2, host: h2, role: manager }
  - { name: m3, host: h3, role: manager }
stacks:
  - name: s
    compose:
      services:
        web: { image: nginx, deploy: { replicas: 3 } }
";

    #[test]
    fn shapes_show_risk_failures_and_the_selected_service() {
        let plan = parse_plan(PLAN).unwrap();
        let analysis = analyze(&plan, &Options::default());
        let failed = BTreeSet::from([Failed::new(DomainKind::Host, "h3")]);
        let whatif = WhatIf::compute(&plan, &analysis, &failed);
        let selection = Selection::Service("s/web".into());
        let look = Look {
            analysis: &analysis,
            whatif: &whatif,
            failed: &failed,
            selection: Some(&selection),
        };
        let shapes = look.shapes(&layout(&plan));
        let rack = shapes.regions.get("Rack/r1").unwrap();
        assert!(
            rack.at_risk && !rack.failed,
            "losing r1 loses two of three managers"
        );
        let h3 = shapes.hosts.get("h3").unwrap();
        assert!(h3.down && h3.failed_itself && !h3.at_risk);
        assert!(!shapes.hosts.get("h1").unwrap().down);
        assert!(shapes.nodes.get("m3").unwrap().lost);
        let m1 = shapes.nodes.get("m1").unwrap();
        assert!(!m1.selected && !m1.chips.is_empty());
        assert!(m1
            .chips
            .iter()
            .all(|(chip, highlighted)| *highlighted == (chip.service == "s/web")));
    }
}
