//! The findings list: every check's result, errors first. Clicking one selects its target and
//! highlights it on the canvas.

use crate::app::{Ctx, Selection};
use leptos::prelude::*;
use swarmplan_engine::Severity;

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "Error",
        Severity::Warning => "Warning",
        Severity::Info => "Info",
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[component]
pub fn Findings() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let analysis = ctx.analysis;
    let tally = move || {
        analysis.with(|a| {
            let info = a.findings.len() - a.errors() - a.warnings();
            format!(
                "{} · {} · {}",
                count(a.errors(), "error", "errors"),
                count(a.warnings(), "warning", "warnings"),
                count(info, "note", "notes")
            )
        })
    };
    let items = move || {
        analysis.with(|a| {
            if a.findings.is_empty() {
                return view! { <li class="finding-none">"No findings: the plan passes every check."</li> }.into_any();
            }
            a.findings
                .iter()
                .map(|f| {
                    let class = format!("finding finding-{}", f.severity);
                    let target = Selection::of_target(&f.target);
                    let selectable = target.is_some();
                    let selected = target.is_some() && ctx.selection.with(|s| s == &target);
                    let go = move |_| {
                        if let Some(target) = target.clone() {
                            ctx.select(Some(target));
                            ctx.reveal.update(|r| *r += 1);
                        }
                    };
                    view! {
                        <li class=class class:selected=selected data-code=f.code data-target=f.target.to_string()>
                            <span class="severity">{severity_word(f.severity)}</span>
                            <div class="finding-body">
                                {if selectable {
                                    view! {
                                        <button class="finding-message link" aria-pressed=selected.to_string()
                                            title="Select this on the canvas" on:click=go>{f.message.clone()}</button>
                                    }.into_any()
                                } else {
                                    view! { <p class="finding-message">{f.message.clone()}</p> }.into_any()
                                }}
                                <p class="finding-meta">
                                    <code class="finding-code">{f.code}</code>
                                    <span class="finding-target">{f.target.to_string()}</span>
                                </p>
                                {f.hint.clone().map(|hint| view! {
                                    <p class="finding-hint">
                                        <span class="hint-word">"Hint: "</span>
                                        {hint}
                                    </p>
                                })}
                            </div>
                        </li>
                    }
                })
                .collect_view()
                .into_any()
        })
    };

    view! {
        <section class="card findings-card" aria-labelledby="findings-title">
            <div class="card-head">
                <h2 id="findings-title">"Findings"</h2>
                <span class="card-meta" data-testid="findings-tally">{tally}</span>
            </div>
            <ul class="findings" data-testid="findings">{items}</ul>
        </section>
    }
}
