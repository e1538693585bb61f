//! What the loss of each host, rack and site does to the managers' quorum.

use crate::keyed::{keyed, Keyed};
use leptos::prelude::*;
use swarmplan_engine::topology::DomainKind;
use swarmplan_engine::Analysis;

#[component]
pub fn FailureDomains(analysis: Memo<Analysis>) -> impl IntoView {
    let summary = move || analysis.with(|a| a.survival.summary.clone());
    let survives_all = move || {
        analysis.with(|a| {
            a.quorum.managers > 0
                && a.failures
                    .iter()
                    .filter(|f| f.domain != DomainKind::Hosts)
                    .all(|f| f.quorum)
        })
    };
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
            <p class="survival" class:survival-ok=survives_all class:survival-lost=move || !survives_all()>
                <span class="survival-icon" aria-hidden="true">{move || if survives_all() { "✓" } else { "!" }}</span>
                <span data-testid="survival-summary">{summary}</span>
            </p>
            <table class="domains-table" data-testid="failure-domains">
                <caption class="visually-hidden">"Managers left and quorum after the loss of each failure domain"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Domain"</th>
                        <th scope="col">"Name"</th>
                        <th scope="col" class="num">"Nodes lost"</th>
                        <th scope="col" class="num">"Managers left"</th>
                        <th scope="col">"Quorum"</th>
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
}

fn row(look: Memo<DomainLook>) -> impl IntoView {
    // The kind and name make the row's key; the figures change in place, without redrawing the
    // row's cells.
    let (kind, name) = look.with_untracked(|l| (l.kind, l.name.clone()));
    let holds = move || look.with(|l| l.quorum);
    let domain = format!("{kind}:{name}");
    view! {
        <tr class:lost=move || !holds() data-domain=domain>
            <td class="domain-kind">{kind.to_string()}</td>
            <td class="domain-name">{name}</td>
            <td class="num">{move || look.with(|l| l.lost_nodes)}</td>
            <td class="num">{move || look.with(|l| l.managers_left)}</td>
            <td>
                <span class="verdict" class:verdict-ok=holds class:verdict-lost=move || !holds()>
                    {move || if holds() { "yes" } else { "no" }}
                </span>
            </td>
        </tr>
    }
}
