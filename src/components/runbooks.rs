//! Runbooks: install, rolling upgrade or fail-over, as steps with their commands, checks and
//! rollbacks. Each step can be ticked; ticks are kept in the browser per plan and runbook.

use crate::ctx::Ctx;
use crate::storage;
use leptos::prelude::*;
use swarmplan_engine::runbook::{self, Command, Expect, Kind, Step};

/// Whether a command is done by hand, and its text.
fn command_text(command: &Command) -> (bool, String) {
    (matches!(command, Command::Manual(_)), command.text())
}

fn expect_text(expect: &Expect) -> String {
    match expect {
        Expect::Contains(text) => format!("output contains “{text}”"),
        Expect::Empty => "no output".to_owned(),
        Expect::EveryLineIs(lines) => format!("every line is one of: {}", lines.join(", ")),
        Expect::AllReplicas => "every service shows N/N replicas".to_owned(),
        Expect::Succeeds => "the command succeeds".to_owned(),
    }
}

#[component]
pub fn RunbooksPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let kinds = Memo::new(move |_| ctx.plan.with(runbook::kinds_for));
    let chosen = RwSignal::new(Kind::Install);
    let kind = Memo::new(move |_| {
        let chosen = chosen.get();
        kinds.with(|k| {
            if k.contains(&chosen) {
                chosen
            } else {
                Kind::Install
            }
        })
    });
    let book = Memo::new(move |_| ctx.plan.with(|p| runbook::runbook(p, kind.get())));
    let ticks = RwSignal::new(storage::load_ticks());
    let plan_name = Memo::new(move |_| ctx.plan.with(|p| p.name.clone()));
    let toggle = move |step: String| {
        ticks.update(|t| {
            t.toggle(
                &plan_name.get_untracked(),
                kind.get_untracked().name(),
                &step,
            )
        });
        ticks.with_untracked(storage::save_ticks);
    };
    let progress = move || {
        book.with(|b| {
            let done = ticks.with(|t| {
                t.count(
                    &plan_name.get(),
                    b.kind.name(),
                    b.steps.iter().map(|s| s.id.as_str()),
                )
            });
            (done, b.steps.len())
        })
    };
    let findings = move || {
        book.with(|b| {
            b.findings
                .iter()
                .map(|f| view! { <li class=format!("rb-finding rb-{}", f.severity)>{f.message.clone()}</li> })
                .collect_view()
        })
    };
    let steps = move || {
        let name = plan_name.get();
        book.with(|b| {
            let mut phase = None;
            b.steps
                .iter()
                .enumerate()
                .map(|(i, step)| {
                    let heading = (phase != Some(step.phase)).then(|| {
                        phase = Some(step.phase);
                        view! { <li class="rb-phase"><h3>{step.phase.title()}</h3></li> }
                    });
                    let ticked = ticks.with(|t| t.is_ticked(&name, b.kind.name(), &step.id));
                    view! { {heading} {step_view(i + 1, step, ticked, toggle)} }
                })
                .collect_view()
        })
    };
    view! {
        <div class="panel" data-testid="runbooks-panel">
            <div class="panel-head">
                <h2>"Runbooks"</h2>
                <div class="segmented" role="group" aria-label="Runbook">
                    {move || kinds.get().into_iter().map(|k| view! {
                        <button class="seg" data-testid=format!("runbook-{}", k.name())
                            aria-pressed=move || (kind.get() == k).to_string()
                            on:click=move |_| chosen.set(k)>{k.name()}</button>
                    }).collect_view()}
                </div>
            </div>
            <p class="rb-title">{move || book.with(|b| b.title.clone())}</p>
            <div class="rb-progress">
                <progress max=move || progress().1 value=move || progress().0 aria-label="Steps done"></progress>
                <span data-testid="runbook-progress">{move || { let (d, n) = progress(); format!("{d} of {n} steps done") }}</span>
                <button class="btn btn-small" on:click=move |_| {
                    ticks.update(|t| t.clear(&plan_name.get_untracked(), kind.get_untracked().name()));
                    ticks.with_untracked(storage::save_ticks);
                }>"Untick all"</button>
            </div>
            <ul class="rb-findings">{findings}</ul>
            <ol class="rb-steps" data-testid="runbook-steps">{steps}</ol>
        </div>
    }
}

fn step_view(
    number: usize,
    step: &Step,
    ticked: bool,
    toggle: impl Fn(String) + Copy + 'static,
) -> impl IntoView {
    let id = step.id.clone();
    let check_id = format!("step-{}", step.id);
    let commands: Vec<(bool, String)> = step.commands.iter().map(command_text).collect();
    let manual: Vec<String> = commands
        .iter()
        .filter(|(m, _)| *m)
        .map(|(_, t)| t.clone())
        .collect();
    let shell: Vec<String> = commands
        .into_iter()
        .filter(|(m, _)| !m)
        .map(|(_, t)| t)
        .collect();
    view! {
        <li class="rb-step" class:done=ticked data-step=step.id.clone() data-runs-on=step.runs_on.to_string()>
            <div class="rb-step-head">
                <input type="checkbox" id=check_id.clone() prop:checked=ticked on:change=move |_| toggle(id.clone()) />
                <label for=check_id>
                    <span class="rb-number">{number}". "</span>
                    <span class="rb-step-title">{step.title.clone()}</span>
                </label>
                <span class="rb-runs-on">{step.runs_on.to_string()}</span>
            </div>
            {step.why.clone().map(|why| view! { <p class="muted">{why}</p> })}
            {manual.into_iter().map(|m| view! { <p class="rb-manual">{m}</p> }).collect_view()}
            {(!shell.is_empty()).then(|| view! { <pre class="rb-code" tabindex="0" aria-label="Commands">{shell.join("\n")}</pre> })}
            {step.verify.as_ref().map(|v| view! {
                <p class="rb-verify"><span class="rb-tag">{if v.wait { "wait until" } else { "verify" }}</span><code>{v.command.clone()}</code>" — "{expect_text(&v.expect)}</p>
            })}
            {(!step.rollback.is_empty()).then(|| view! {
                <p class="rb-rollback"><span class="rb-tag rb-tag-back">"rollback"</span><code>{step.rollback.join(" ; ")}</code></p>
            })}
        </li>
    }
}
