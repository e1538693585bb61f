//! What the loss of each host, rack and site does to the managers' quorum.

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
    let rows = move || {
        analysis.with(|a| {
            a.failures
                .iter()
                .filter(|f| f.domain != DomainKind::Hosts)
                .map(|f| {
                    let holds = f.quorum;
                    view! {
                        <tr class:lost=!holds data-domain=format!("{}:{}", f.domain, f.name)>
                            <td class="domain-kind">{f.domain.to_string()}</td>
                            <td class="domain-name">{f.name.clone()}</td>
                            <td class="num">{f.lost_nodes.len()}</td>
                            <td class="num">{f.managers_left}</td>
                            <td>
                                <span class="verdict" class:verdict-ok=holds class:verdict-lost=!holds>
                                    {if holds { "yes" } else { "no" }}
                                </span>
                            </td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };

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
