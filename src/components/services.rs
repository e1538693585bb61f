//! The services panel: each service's placed and desired tasks, on which nodes and physical
//! hosts, as the current what-if leaves them; where Swarm could equally have drawn other nodes,
//! which ones; and, on request, the odds of each outcome, sampled by the engine. Sampled, the
//! ties are those of the sampled analysis: every node a task fell on in some draw, as
//! `swarmplan analyze` (which samples by default) states them.

use crate::ctx::{Ctx, Selection};
use leptos::prelude::*;
use swarmplan_engine::analysis::{odds, ServiceStatus};
use swarmplan_engine::{analyze, Options, Plan};

#[component]
pub fn ServicesPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let failing = move || ctx.whatif.with(|w| w.scenario.is_some());
    // The services of the sampled analysis of a plan, kept while that plan is the one shown.
    let sampled = RwSignal::new(None::<(Plan, Vec<ServiceStatus>)>);
    let sampled_now = Memo::new(move |_| {
        sampled.with(|s| {
            s.as_ref()
                .filter(|(plan, _)| ctx.plan.with(|p| p == plan))
                .map(|(_, services)| services.clone())
        })
    });
    let sample = move |_| {
        let plan = ctx.plan.get_untracked();
        let draws = odds::default_draws(&plan);
        if draws == 0 {
            ctx.notice.set(Some(format!(
                "This plan is too large to sample in the browser (over {} nodes or {} tasks): \
                 run swarmplan analyze --odds N",
                odds::DEFAULT_MAX_NODES,
                odds::DEFAULT_MAX_TASKS
            )));
            return;
        }
        let analysis = analyze(
            &plan,
            &Options {
                odds: draws,
                ..Options::default()
            },
        );
        sampled.set(Some((plan, analysis.services)));
    };
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
                    // With failures, the what-if's own statuses, which state no ties.
                    let sampled_status = (!failing())
                        .then(|| {
                            sampled_now.with(|o| {
                                o.as_ref()?.iter().find(|status| status.id() == s.id).cloned()
                            })
                        })
                        .flatten();
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
                                {draws(&s.status, sampled_status.as_ref())}
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
                <button
                    class="btn btn-small"
                    data-testid="sample-odds"
                    title="Replay Swarm's scheduler over many draws of its random choices, and show how often each service lands where"
                    disabled=failing
                    on:click=sample
                >
                    "Sample Swarm's dice"
                </button>
            </div>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Services">
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

/// Where Swarm could equally have put a service's tasks, and with which odds once sampled.
fn draws(status: &ServiceStatus, sampled: Option<&ServiceStatus>) -> impl IntoView {
    let status = sampled.unwrap_or(status);
    let ties = status.one_of().map(|ties| {
        view! { <span class="svc-ties" data-testid="svc-ties">{format!("as Swarm draws: {ties}")}</span> }
    });
    let odds = status.odds.as_ref().map(|odds| {
        view! {
            <span class="svc-odds" data-testid="svc-odds">
                {format!("odds over {} draws: {}", odds.draws, odds.summary())}
            </span>
        }
    });
    (ties, odds)
}
