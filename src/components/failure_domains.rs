//! What the loss of each host, rack and site does: the managers' quorum and the services that
//! stop or degrade, as the engine's failure scenarios report them.

use crate::keyed::{keyed, Keyed};
use leptos::prelude::*;
use swarmplan_engine::analysis::{FailureScenario, Impact};
use swarmplan_engine::domains::DomainKind;
use swarmplan_engine::Analysis;

/// The colour word of an impact: the summary's and a row's class.
fn impact_class(impact: Impact) -> &'static str {
    match impact {
        Impact::None => "ok",
        Impact::ServicesDegraded | Impact::ServicesDown => "warning",
        Impact::QuorumLost => "lost",
    }
}

/// What a failure stops or degrades, as `swarmplan analyze` prints it.
fn services_text(failure: &FailureScenario) -> String {
    let mut parts = Vec::new();
    if !failure.services.down.is_empty() {
        parts.push(format!("down: {}", failure.services.down.join(", ")));
    }
    if !failure.services.degraded.is_empty() {
        parts.push(format!(
            "degraded: {}",
            failure.services.degraded.join(", ")
        ));
    }
    if parts.is_empty() {
        "—".to_owned()
    } else {
        parts.join("; ")
    }
}

#[component]
pub fn FailureDomains(analysis: Memo<Analysis>) -> impl IntoView {
    let summary = move || analysis.with(|a| a.survival.summary.clone());
    let worst = Memo::new(move |_| {
        analysis.with(|a| {
            if a.quorum.managers == 0 {
                Impact::QuorumLost
            } else {
                a.worst_single_loss()
            }
        })
    });
    let rows: Memo<Keyed<DomainLook>> = Memo::new(move |_| {
        analysis.with(|a| {
            a.failures
                .iter()
                .filter(|f| f.domain != DomainKind::Hosts)
                .map(|f| {
                    let look = DomainLook {
                        kind: f.domain,
                        name: f.name.clone(),
                        lost_nodes: f.lost_nodes.len(),
                        managers_left: f.managers_left,
                        quorum: f.quorum,
                        impact: f.impact(),
                        services: services_text(f),
                    };
                    (format!("{}:{}", f.domain, f.name), look)
                })
                .collect()
        })
    });
    let rows = keyed(rows, |k| k, row);

    view! {
        <section class="card domains-card" aria-labelledby="domains-title">
            <div class="card-head">
                <h2 id="domains-title">"If one fails"</h2>
            </div>
            <p
                class=move || format!("survival survival-{}", impact_class(worst.get()))
                data-impact=move || impact_class(worst.get())
            >
                <span class="survival-icon" aria-hidden="true">{move || if worst.get() == Impact::None { "✓" } else { "!" }}</span>
                <span data-testid="survival-summary">{summary}</span>
            </p>
            <table class="domains-table" data-testid="failure-domains">
                <caption class="visually-hidden">"Managers left, quorum, and the services that stop or degrade after the loss of each failure domain"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Domain"</th>
                        <th scope="col">"Name"</th>
                        <th scope="col" class="num">"Nodes lost"</th>
                        <th scope="col" class="num">"Managers left"</th>
                        <th scope="col">"Quorum"</th>
                        <th scope="col">"Services"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}

/// What one domain's row shows.
#[derive(Clone, PartialEq)]
struct DomainLook {
    kind: DomainKind,
    name: String,
    lost_nodes: usize,
    managers_left: usize,
    quorum: bool,
    impact: Impact,
    services: String,
}

fn row(look: Memo<DomainLook>) -> impl IntoView {
    // The kind and name make the row's key; the figures change in place, without redrawing the
    // row's cells.
    let (kind, name) = look.with_untracked(|l| (l.kind, l.name.clone()));
    let holds = move || look.with(|l| l.quorum);
    let hurt =
        move || look.with(|l| matches!(l.impact, Impact::ServicesDegraded | Impact::ServicesDown));
    let domain = format!("{kind}:{name}");
    view! {
        <tr class:lost=move || !holds() class:hurt=hurt data-domain=domain data-impact=move || look.with(|l| impact_class(l.impact))>
            <td class="domain-kind">{kind.to_string()}</td>
            <td class="domain-name">{name}</td>
            <td class="num">{move || look.with(|l| l.lost_nodes)}</td>
            <td class="num">{move || look.with(|l| l.managers_left)}</td>
            <td>
                <span class="verdict" class:verdict-ok=holds class:verdict-lost=move || !holds()>
                    {move || if holds() { "yes" } else { "no" }}
                </span>
            </td>
            <td class="domain-services wrap" data-testid="domain-services">{move || look.with(|l| l.services.clone())}</td>
        </tr>
    }
}
