//! The firewall matrix: every port each node must open and to whom, and a check of a node's
//! pasted `firewall-cmd --list-all` against it.

use crate::ctx::Ctx;
use leptos::prelude::*;
use swarmplan_engine::export::firewall::{port_matrix, source_text};
use swarmplan_engine::export::listall::check_node;

#[component]
pub fn FirewallPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let matrix = Memo::new(move |_| {
        ctx.plan
            .with(|p| ctx.analysis.with(|a| port_matrix(p, &a.placement)))
    });
    let rows = move || {
        ctx.plan.with(|plan| {
            matrix.with(|m| {
                if m.openings.is_empty() {
                    return view! { <tr><td colspan="4" class="muted">"No nodes, no ports."</td></tr> }.into_any();
                }
                m.openings
                    .iter()
                    .map(|o| {
                        view! {
                            <tr>
                                <td class="mono">{o.port_text()}</td>
                                <td>{source_text(plan, &o.from)}</td>
                                <td class="wrap">{o.services.join(", ")}</td>
                                <td class="wrap">{o.nodes.join(", ")}</td>
                            </tr>
                        }
                    })
                    .collect_view()
                    .into_any()
            })
        })
    };
    let node = RwSignal::new(String::new());
    let pasted = RwSignal::new(String::new());
    let check = Memo::new(move |_| {
        let text = pasted.get();
        if text.trim().is_empty() {
            return None;
        }
        let name = node.get();
        let name = if name.is_empty() {
            ctx.plan
                .with(|p| p.nodes.first().map(|n| n.name.clone()).unwrap_or_default())
        } else {
            name
        };
        Some(
            ctx.plan
                .with(|p| matrix.with(|m| check_node(p, m, &name, &text))),
        )
    });
    let list = |title: &'static str, class: &'static str, items: Vec<String>| {
        (!items.is_empty()).then(|| view! {
            <div class=format!("check-group {class}")>
                <p class="check-title">{title}</p>
                <ul>{items.into_iter().map(|i| view! { <li class="mono">{i}</li> }).collect_view()}</ul>
            </div>
        })
    };
    let result = move || {
        check.get().map(|c| {
            let clean = c.is_clean();
            let findings: Vec<String> = c.findings.iter().map(|f| f.message.clone()).collect();
            view! {
                <div class="check-result" data-testid="firewall-check" data-clean=clean.to_string()>
                    <p class="check-verdict" class:ok=clean class:bad=!clean>
                        {if clean { format!("{}: every required opening is there.", c.node) } else { format!("{}: {} required opening(s) missing.", c.node, c.missing.len()) }}
                    </p>
                    {list("Missing", "check-missing", c.missing)}
                    {list("Open wider than needed", "check-wider", c.wider)}
                    {list("Not needed on this node", "check-unneeded", c.unneeded)}
                    {list("Notes", "check-notes", c.notes)}
                    {list("Findings", "check-notes", findings)}
                </div>
            }
        })
    };
    view! {
        <div class="panel" data-testid="firewall-panel">
            <div class="panel-head">
                <h2>"Firewall matrix"</h2>
                <span class="card-meta">{move || matrix.with(|m| format!("{} openings", m.openings.len()))}</span>
            </div>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Firewall matrix">
                <table class="firewall-table" data-testid="firewall-matrix">
                    <caption class="visually-hidden">"Ports each node opens, from which sources, for which services"</caption>
                    <thead><tr><th scope="col">"Port"</th><th scope="col">"From"</th><th scope="col">"For"</th><th scope="col">"Open on"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <h3 class="panel-sub">"Check a node's firewall"</h3>
            <p class="muted">"Paste the output of "<code>"firewall-cmd --list-all"</code>" from a node: nothing leaves the browser."</p>
            <label class="field">
                <span class="field-label">"Node"</span>
                <select data-testid="firewall-node" on:change=move |ev| node.set(event_target_value(&ev))>
                    {move || ctx.plan.with(|p| p.nodes.iter().map(|n| {
                        let (value, name) = (n.name.clone(), n.name.clone());
                        view! { <option value=value>{name}</option> }
                    }).collect_view())}
                </select>
            </label>
            <label class="field field-wide">
                <span class="field-label">"--list-all output"</span>
                <textarea class="mono" rows="7" data-testid="firewall-paste" spellcheck="false"
                    placeholder="public (active)\n  target: default\n  ports: 2377/tcp 7946/tcp 7946/udp 4789/udp\n  ..."
                    on:input=move |ev| pasted.set(event_target_value(&ev))></textarea>
            </label>
            {result}
        </div>
    }
}
