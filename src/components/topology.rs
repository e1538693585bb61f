//! The topology canvas: sites and racks as nested regions, hosts as boxes, nodes as cards.

use crate::layout::{fit, HostBox, Layout, NodeCard, Region, RegionKind, NAME_CHARS};
use leptos::prelude::*;
use swarmplan_engine::plan::{Availability, Role};
use swarmplan_engine::topology::DomainKind;
use swarmplan_engine::Analysis;

/// Whether losing this failure domain loses the managers' quorum.
fn breaks_quorum(analysis: &Analysis, kind: DomainKind, name: &str) -> bool {
    analysis
        .failures
        .iter()
        .any(|f| f.domain == kind && f.name == name && !f.quorum)
}

#[component]
pub fn Topology(drawing: Memo<Layout>, analysis: Memo<Analysis>) -> impl IntoView {
    let view_box = move || drawing.with(|d| format!("0 0 {} {}", d.width, d.height));
    let width = move || drawing.with(|d| d.width);
    let height = move || drawing.with(|d| d.height);
    let label = move || {
        drawing.with(|d| {
            let managers = d.nodes.iter().filter(|n| n.role == Role::Manager).count();
            format!(
                "Topology: {} hosts carrying {} nodes, {} of them managers",
                d.hosts.len(),
                d.nodes.len(),
                managers
            )
        })
    };
    let regions = move || {
        let drawing = drawing.get();
        analysis.with(|a| drawing.regions.iter().map(|r| region(r, a)).collect_view())
    };
    let hosts = move || {
        let drawing = drawing.get();
        analysis.with(|a| drawing.hosts.iter().map(|h| host(h, a)).collect_view())
    };
    let nodes = move || drawing.with(|d| d.nodes.iter().map(node).collect_view());
    let empty = move || drawing.with(|d| d.hosts.is_empty());

    view! {
        <div class="canvas-scroll">
            <svg
                class="topology"
                data-testid="topology"
                role="img"
                aria-label=label
                viewBox=view_box
                width=width
                height=height
            >
                <g class="regions">{regions}</g>
                <g class="hosts">{hosts}</g>
                <g class="nodes">{nodes}</g>
            </svg>
            <Show when=empty>
                <p class="canvas-empty">"This plan has no hosts or nodes yet: add some under "<code>"hosts:"</code>" and "<code>"nodes:"</code>"."</p>
            </Show>
        </div>
    }
}

fn region(region: &Region, analysis: &Analysis) -> impl IntoView {
    let (kind, class, word) = match region.kind {
        RegionKind::Site => (DomainKind::Site, "region region-site", "SITE"),
        RegionKind::Rack => (DomainKind::Rack, "region region-rack", "RACK"),
    };
    let at_risk = breaks_quorum(analysis, kind, &region.name);
    let r = region.rect;
    let title = format!("{word}  {}", fit(&region.name, 30));
    view! {
        <g class=class class:at-risk=at_risk data-region=region.name.clone()>
            <rect x=r.x y=r.y width=r.width height=r.height rx="10"></rect>
            <text class="region-label" x=r.x + 12.0 y=r.y + 18.0>
                {title}
            </text>
            {at_risk.then(|| view! {
                <text class="risk-label" x=r.right() - 12.0 y=r.y + 18.0 text-anchor="end">
                    "loss breaks quorum"
                </text>
            })}
        </g>
    }
}

fn host(host: &HostBox, analysis: &Analysis) -> impl IntoView {
    let at_risk = breaks_quorum(analysis, DomainKind::Host, &host.name);
    let r = host.rect;
    let tally = format!("{} M · {} W", host.managers, host.workers);
    let capacity = if host.listed {
        host.capacity.clone()
    } else {
        "not listed under hosts".to_owned()
    };
    view! {
        <g class="host" class:at-risk=at_risk class:unlisted=!host.listed data-host=host.name.clone()>
            <rect class="host-box" x=r.x y=r.y width=r.width height=r.height rx="8"></rect>
            <text class="host-name" x=r.x + 12.0 y=r.y + 19.0>
                {fit(&host.name, NAME_CHARS - 6)}
            </text>
            <text class="host-tally" x=r.right() - 12.0 y=r.y + 19.0 text-anchor="end">
                {tally}
            </text>
            <text class="host-capacity" x=r.x + 12.0 y=r.y + 35.0>
                {capacity}
            </text>
            {at_risk.then(|| view! {
                <text class="risk-label" x=r.right() - 12.0 y=r.y + 35.0 text-anchor="end">
                    "breaks quorum"
                </text>
            })}
        </g>
    }
}

fn node(card: &NodeCard) -> impl IntoView {
    let r = card.rect;
    let manager = card.role == Role::Manager;
    let (class, letter) = if manager {
        ("node node-manager", "M")
    } else {
        ("node node-worker", "W")
    };
    // The badge's shape tells the roles apart without colour: a square for managers, a circle
    // for workers; the letter says it in words for screen readers and print.
    let badge_x = r.x + 22.0;
    let badge_y = r.y + r.height / 2.0;
    let badge = if manager {
        view! {
            <rect class="badge" x=badge_x - 13.0 y=badge_y - 13.0 width="26" height="26" rx="5"></rect>
        }
        .into_any()
    } else {
        view! { <circle class="badge" cx=badge_x cy=badge_y r="13"></circle> }.into_any()
    };
    let availability = match card.availability {
        Availability::Active => None,
        other => Some(other.to_string()),
    };
    let label = format!(
        "{} node {} on {}{}",
        if manager { "Manager" } else { "Worker" },
        card.name,
        card.host,
        availability
            .as_deref()
            .map(|a| format!(" ({a})"))
            .unwrap_or_default()
    );
    let has_detail = !card.detail.is_empty();
    let inactive = availability.is_some();
    let name_y = if has_detail {
        r.y + 20.0
    } else {
        r.y + r.height / 2.0 + 4.5
    };
    view! {
        <g class=class class:inactive=inactive data-node=card.name.clone() data-on-host=card.host.clone() data-role=card.role.to_string() aria-label=label>
            <rect class="node-card" x=r.x y=r.y width=r.width height=r.height rx="6"></rect>
            {badge}
            <text class="badge-letter" x=badge_x y=badge_y + 4.5 text-anchor="middle">
                {letter}
            </text>
            <text class="node-name" x=r.x + 44.0 y=name_y>
                {fit(&card.name, NAME_CHARS - 4)}
            </text>
            {has_detail.then(|| view! {
                <text class="node-detail" x=r.x + 44.0 y=r.y + 36.0>
                    {card.detail.clone()}
                </text>
            })}
            {availability.map(|a| view! {
                <text class="node-availability" x=r.right() - 8.0 y=r.y + 20.0 text-anchor="end">
                    {a}
                </text>
            })}
        </g>
    }
}
