//! The findings list: every check's result, errors first. Clicking one selects its target and
//! highlights it on the canvas; "Show in YAML" selects its line in the editor.

use crate::ctx::{Ctx, Panel, Selection};
use crate::keyed::{keyed, Keyed};
use crate::on_demand;
use leptos::prelude::*;
use swarmplan_engine::findings::Finding;
use swarmplan_engine::Severity;

/// A finding's severity as the finding lists say it: `Error`, `Warning`, `Info`.
pub fn severity_word(severity: Severity) -> &'static str {
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
        if ctx.held.with(Option::is_some) {
            return "held back".to_owned();
        }
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
    let looks: Memo<Keyed<FindingLook>> = Memo::new(move |_| {
        let selection = ctx.selection.get();
        if ctx.held.with(Option::is_some) {
            return std::iter::empty().collect();
        }
        analysis.with(|a| {
            a.findings
                .iter()
                .map(|f| {
                    let target = Selection::of_target(&f.target);
                    let look = FindingLook {
                        selected: target.is_some() && target == selection,
                        target,
                        finding: f.clone(),
                    };
                    (format!("{}|{}|{}", f.code, f.target, f.message), look)
                })
                .collect()
        })
    });
    let none = move || {
        if ctx.held.with(Option::is_some) {
            return Some(view! {
                <li class="finding-none" data-testid="findings-held">
                    "Held back: this plan is not analysed until its text changes, or you choose Analyse anyway."
                </li>
            }
            .into_any());
        }
        looks.with(Keyed::is_empty).then(|| {
            view! { <li class="finding-none">"No findings: the plan passes every check."</li> }
                .into_any()
        })
    };
    let items = keyed(looks, |k| k, move |look| finding(ctx, look));

    view! {
        <section class="card findings-card" aria-labelledby="findings-title">
            <div class="card-head">
                <h2 id="findings-title">"Findings"</h2>
                <span class="card-meta" data-testid="findings-tally">{tally}</span>
            </div>
            <ul class="findings" data-testid="findings">{none}{items}</ul>
        </section>
    }
}

/// What a finding's entry shows.
#[derive(Clone, PartialEq)]
struct FindingLook {
    finding: Finding,
    /// What clicking the finding selects, when it names something on the canvas.
    target: Option<Selection>,
    selected: bool,
}

fn finding(ctx: Ctx, look: Memo<FindingLook>) -> impl IntoView {
    let (code, target) =
        look.with_untracked(|l| (l.finding.code.name(), l.finding.target.to_string()));
    view! {
        <li
            class=move || look.with(|l| {
                let class = format!("finding finding-{}", l.finding.severity);
                if l.selected { class + " selected" } else { class }
            })
            data-code=code
            data-target=target
        >
            {move || look.with(|l| finding_content(ctx, l))}
        </li>
    }
}

fn finding_content(ctx: Ctx, look: &FindingLook) -> impl IntoView {
    let f = &look.finding;
    let selected = look.selected;
    let target = look.target.clone();
    let selectable = target.is_some();
    let go = move |_| {
        if let Some(target) = target.clone() {
            ctx.select(Some(target));
            ctx.reveal.update(|r| *r += 1);
        }
    };
    // Where the finding is in the text, found when asked (a YAML read per finding on every edit
    // would cost more than the list), by code loaded on demand.
    let placed = f.clone();
    let show = move |_| {
        let text = ctx.document.with_untracked(|d| d.text().to_owned());
        let finding = placed.clone();
        leptos::task::spawn_local(async move {
            match on_demand::finding_line(text, ctx.plan, finding).await {
                Ok(Some(line)) => {
                    ctx.panel.set(Panel::Yaml);
                    ctx.show_line.set(Some(line));
                }
                Ok(None) => {}
                Err(_) => ctx.notice.set(Some(on_demand::UNAVAILABLE.to_owned())),
            }
        });
    };
    view! {
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
                <code class="finding-code">{f.code.name()}</code>
                <span class="finding-target">{f.target.to_string()}</span>
                <button class="link finding-place" data-testid="finding-place"
                    title="Select the line this finding is about in the plan's YAML" on:click=show>"Show in YAML"</button>
            </p>
            {f.hint.clone().map(|hint| view! {
                <p class="finding-hint">
                    <span class="hint-word">"Hint: "</span>
                    {hint}
                </p>
            })}
        </div>
    }
}
