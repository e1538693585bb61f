//! The services panel: each service's placed and desired tasks, on which nodes and physical
//! hosts, as the current what-if leaves them.

use crate::ctx::{Ctx, Selection};
use leptos::prelude::*;

#[component]
pub fn ServicesPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let failing = move || ctx.whatif.with(|w| w.scenario.is_some());
    let rows = move || {
        let selected = ctx.selection.get();
        ctx.whatif.with(|w| {
            if w.services.is_empty() {
                return view! { <tr><td colspan="4" class="muted">"This plan has no stacks yet. Import a compose file to place its services."</td></tr> }.into_any();
            }
            w.services
                .iter()
                .map(|s| {
                    let id = s.id.clone();
                    let row_id = s.id.clone();
                    let is_selected = selected == Some(Selection::Service(id.clone()));
                    let state = s.state();
                    view! {
                        <tr class=format!("svc-row state-{state}") class:selected=is_selected data-service=row_id data-state=state>
                            <th scope="row">
                                <button class="link svc-name" aria-pressed=is_selected.to_string()
                                    on:click=move |_| ctx.select(Some(Selection::Service(id.clone())))>
                                    <span class=format!("swatch svc-{}", s.colour) aria-hidden="true"></span>
                                    {s.id.clone()}
                                </button>
                                <span class="svc-mode">{s.status.mode.name()}</span>
                            </th>
                            <td class="num" data-testid="svc-placed">{format!("{}/{}", s.status.running, s.status.desired)}</td>
                            <td><span class=format!("pill pill-{state}")>{state}</span></td>
                            <td class="wrap">
                                <span class="svc-nodes">{s.status.nodes.join(", ")}</span>
                                {(!s.status.hosts.is_empty()).then(|| view! { <span class="svc-hosts" data-testid="svc-hosts">{format!("on {}", s.status.hosts.join(", "))}</span> })}
                            </td>
                        </tr>
                    }
                })
                .collect_view()
                .into_any()
        })
    };
    view! {
        <div class="panel" data-testid="services-panel">
            <div class="panel-head">
                <h2>"Services"</h2>
                <span class="card-meta">{move || if failing() { "with the what-if's failures" } else { "all hosts up" }}</span>
            </div>
            <div class="table-scroll">
                <table class="services-table" data-testid="services">
                    <caption class="visually-hidden">"Each service: tasks placed of desired, state, nodes and physical hosts"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Service"</th>
                            <th scope="col" class="num">"Placed"</th>
                            <th scope="col">"State"</th>
                            <th scope="col">"Nodes and hosts"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </div>
    }
}
