//! The quorum panel: the plan's managers, the majority they need and the losses they tolerate,
//! with the quorum table for 1 to 9 managers (Docker advises at most seven; the table goes on so
//! that a plan past the advice sees its row).

use leptos::prelude::*;
use swarmplan_engine::Analysis;

/// What the tolerated losses mean, in words.
fn tolerance_sentence(tolerates: usize) -> String {
    let losses = match tolerates {
        0 => return "Raft needs a majority of managers to be reachable: this swarm cannot lose a single manager.".to_owned(),
        1 => "one manager".to_owned(),
        n => format!("{n} managers"),
    };
    format!("Raft needs a majority of managers to be reachable: the swarm stays manageable with {losses} lost.")
}

#[component]
pub fn QuorumPanel(analysis: Memo<Analysis>) -> impl IntoView {
    let managers = move || analysis.with(|a| a.quorum.managers);
    let majority = move || analysis.with(|a| a.quorum.majority);
    let tolerates = move || analysis.with(|a| a.quorum.tolerates);
    let off_table = move || analysis.with(|a| !a.quorum.table.iter().any(|row| row.current));
    // Docker's table changes only with the number of managers, not with every edit.
    let table = Memo::new(move |_| analysis.with(|a| a.quorum.table.clone()));
    let rows = move || {
        table.with(|table| {
            table
                .iter()
                .map(|row| {
                    let current = row.current;
                    view! {
                        <tr class:current=current aria-current=current.then_some("true")>
                            <td>
                                {row.managers}
                                {current.then(|| view! { <span class="tag">"this plan"</span> })}
                            </td>
                            <td>{row.majority}</td>
                            <td>{row.tolerates}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };

    view! {
        <section class="card quorum-card" aria-labelledby="quorum-title">
            <div class="card-head">
                <h2 id="quorum-title">"Quorum"</h2>
            </div>
            <dl class="stats">
                <div class="stat">
                    <dt>"Managers"</dt>
                    <dd data-testid="quorum-managers">{managers}</dd>
                </div>
                <div class="stat">
                    <dt>"Majority"</dt>
                    <dd data-testid="quorum-majority">{majority}</dd>
                </div>
                <div class="stat">
                    <dt>"Tolerates"</dt>
                    <dd data-testid="quorum-tolerates">{tolerates}</dd>
                </div>
            </dl>
            <p class="stat-note">{move || tolerance_sentence(tolerates())}</p>
            <table class="quorum-table" data-testid="quorum-table">
                <caption class="visually-hidden">"Quorum for 1 to 9 managers"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Managers"</th>
                        <th scope="col">"Majority"</th>
                        <th scope="col">"Tolerates"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <Show when=off_table>
                <p class="stat-note">"This plan's manager count is outside the table."</p>
            </Show>
        </section>
    }
}
