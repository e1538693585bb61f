//! Planning from what exists: the sizing wizard (servers and the failure to survive → VMs), the
//! import of a running swarm's JSON, and the comparison of the plan with another one. The logic
//! is in `sizing_form` and `cluster`; these components wire fields and files to it.

use crate::browser;
use crate::cluster::{self, JsonKind};
use crate::components::findings::severity_word;
use crate::ctx::{Comparand, Ctx};
use crate::edit::Edit;
use crate::sizing_form::{self, SizingForm, SURVIVE_CHOICES};
use leptos::prelude::*;
use std::collections::BTreeSet;
use swarmplan_engine::import::{stack_from_compose, stack_name_from_file};
use swarmplan_engine::plan::{Plan, Stack};
use swarmplan_engine::sizing::{self, Sizing};
use swarmplan_engine::Finding;

/// Findings that belong to a dialog rather than to the plan: no canvas selection.
fn finding_list(findings: &[Finding], testid: &'static str) -> impl IntoView {
    let items = findings
        .iter()
        .map(|f| {
            view! {
                <li class=format!("finding finding-{}", f.severity) data-code=f.code.name()>
                    <span class="severity">{severity_word(f.severity)}</span>
                    <div class="finding-body">
                        <p class="finding-message">{f.message.clone()}</p>
                        <p class="finding-meta">
                            <code class="finding-code">{f.code.name()}</code>
                            <span class="finding-target">{f.target.to_string()}</span>
                        </p>
                        {f.hint.clone().map(|hint| view! {
                            <p class="finding-hint"><span class="hint-word">"Hint: "</span>{hint}</p>
                        })}
                    </div>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="findings" data-testid=testid>{items}</ul> }
}

/// Replaces the plan with `plan` as one undoable edit and clears the what-if and selection.
fn open_plan(ctx: Ctx, plan: Plan, notice: String) {
    if ctx.apply(Edit::ReplacePlan(Box::new(plan))) {
        ctx.failed.set(BTreeSet::new());
        ctx.selection.set(None);
        ctx.dialog.set(None);
        ctx.notice.set(Some(notice));
    }
}

/// Files dropped on a dialog are the dialog's: the page's own drop handler (which imports
/// compose files into the plan) does not see them.
fn dropped_files(ev: &leptos::ev::DragEvent) -> Vec<web_sys::File> {
    ev.prevent_default();
    ev.stop_propagation();
    ev.data_transfer()
        .map(|d| browser::files(d.files()))
        .unwrap_or_default()
}

fn text_field(
    form: RwSignal<SizingForm>,
    label: &'static str,
    testid: &'static str,
    placeholder: &'static str,
    get: fn(&SizingForm) -> &String,
    set: fn(&mut SizingForm) -> &mut String,
) -> impl IntoView {
    view! {
        <label class="field">
            <span class="field-label">{label}</span>
            <input type="text" data-testid=testid placeholder=placeholder
                prop:value=move || form.with(|f| get(f).clone())
                on:input=move |ev| {
                    let value = event_target_value(&ev);
                    form.update(|f| *set(f) = value);
                } />
        </label>
    }
}

/// The sizing wizard: servers, racks and sites, the failure to survive, VM sizes and stacks in;
/// alternatives side by side out, any of which opens on the canvas.
#[component]
pub fn SizingWizard() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let form = RwSignal::new(SizingForm::default());
    let use_plan = RwSignal::new(true);
    let files = RwSignal::new(Vec::<(String, Stack)>::new());
    let file_errors = RwSignal::new(Vec::<String>::new());
    let result = RwSignal::new(None::<Result<Sizing, String>>);
    let compose_input = NodeRef::<leptos::html::Input>::new();
    let close = move || ctx.dialog.set(None);

    let take = move |list: Vec<web_sys::File>| {
        if !list.is_empty() {
            use_plan.set(false);
        }
        for file in list {
            leptos::task::spawn_local(async move {
                let name = file.name();
                match browser::read_text(&file).await {
                    Ok(text) => match stack_from_compose(&stack_name_from_file(&name), &text) {
                        Ok(stack) => files.update(|f| {
                            f.retain(|(n, _)| n != &name);
                            f.push((name, stack));
                        }),
                        Err(error) => file_errors.update(|e| e.push(format!("{name}: {error}"))),
                    },
                    Err(error) => file_errors.update(|e| e.push(error)),
                }
            });
        }
    };
    let run = move |_| {
        let stacks: Vec<Stack> = if use_plan.get_untracked() {
            ctx.plan.with_untracked(sizing_form::plan_stacks)
        } else {
            files.with_untracked(|f| f.iter().map(|(_, s)| s.clone()).collect())
        };
        let request = form.with_untracked(|f| f.request(stacks));
        result.set(Some(request.map(|r| sizing::size(&r))));
    };
    let open = move |index: usize| {
        let chosen = result.with_untracked(|r| {
            r.as_ref()
                .and_then(|r| r.as_ref().ok())
                .and_then(|s| s.alternatives.get(index))
                .map(|a| (a.plan.clone(), a.summary.clone()))
        });
        if let Some((plan, summary)) = chosen {
            open_plan(
                ctx,
                plan,
                format!("Opened the sized plan: {summary}. Undo returns to the previous plan."),
            );
        }
    };
    let alternatives = move || {
        result.with(|r| match r {
            None => ().into_any(),
            Some(Err(error)) => {
                view! { <p class="alert-danger" role="alert" data-testid="sizing-error">{error.clone()}</p> }.into_any()
            }
            Some(Ok(sizing)) => {
                let cards = sizing
                    .alternatives
                    .iter()
                    .enumerate()
                    .map(|(i, a)| {
                        let roles = a
                            .roles
                            .iter()
                            .map(|r| view! { <li>{sizing_form::role_text(r)}</li> })
                            .collect_view();
                        let load = a
                            .load
                            .iter()
                            .map(|l| view! {
                                <tr>
                                    <th scope="row">{l.server.clone()}</th>
                                    <td class="num">{l.vms}</td>
                                    <td class="num">{l.cpus.to_string()}</td>
                                    <td class="num">{l.memory.to_string()}</td>
                                </tr>
                            })
                            .collect_view();
                        let title_id = format!("sizing-alt-{i}");
                        let labelled_by = title_id.clone();
                        view! {
                            <section class="size-alt" data-testid="sizing-alternative" aria-labelledby=labelled_by>
                                <h3 id=title_id>{a.name}</h3>
                                <p class="size-total"><strong data-testid="sizing-vms">{a.total_vms}</strong>" VMs"</p>
                                <p class="muted">{a.summary.clone()}</p>
                                <dl class="facts">
                                    <dt>"Managers"</dt>
                                    <dd data-testid="sizing-managers">{sizing_form::managers_text(a)}</dd>
                                    <dt>"Workers"</dt>
                                    <dd><ul class="size-roles">{roles}</ul></dd>
                                </dl>
                                <table class="size-load">
                                    <caption>"Server load"</caption>
                                    <thead>
                                        <tr>
                                            <th scope="col">"Server"</th>
                                            <th scope="col" class="num">"VMs"</th>
                                            <th scope="col" class="num">"CPUs"</th>
                                            <th scope="col" class="num">"Memory"</th>
                                        </tr>
                                    </thead>
                                    <tbody>{load}</tbody>
                                </table>
                                <button class="btn btn-primary" data-testid="sizing-open" on:click=move |_| open(i)>
                                    "Open on canvas"
                                </button>
                            </section>
                        }
                    })
                    .collect_view();
                let none = sizing.alternatives.is_empty().then(|| {
                    view! { <p class="alert-danger" role="alert">"No topology survives what was asked. The findings say why and what would make it possible."</p> }
                });
                view! {
                    <div data-testid="sizing-result">
                        {none}
                        <div class="size-alts">{cards}</div>
                        {(!sizing.findings.is_empty()).then(|| finding_list(&sizing.findings, "sizing-findings"))}
                    </div>
                }
                .into_any()
            }
        })
    };
    let survive_options = SURVIVE_CHOICES
        .iter()
        .map(|&(value, label)| {
            view! { <option value=value selected=move || form.with(|f| f.survive == value)>{label}</option> }
        })
        .collect_view();
    view! {
        <div class="modal-backdrop" on:click=move |_| close()></div>
        <div class="modal" role="dialog" aria-modal="true" aria-labelledby="sizing-title" data-testid="sizing-wizard"
            on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { close() }
            on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
            on:drop=move |ev: leptos::ev::DragEvent| take(dropped_files(&ev))>
            <div class="modal-head">
                <h2 id="sizing-title">"Size a swarm for your servers"</h2>
                <button class="btn btn-icon" aria-label="Close" on:click=move |_| close()>"×"</button>
            </div>
            <p class="muted">"How many VMs, of what size, on which servers, to survive the failure you name. Every proposal is checked by the same analysis as your plans."</p>
            <div class="form sizing-form">
                {text_field(form, "Physical servers", "sizing-servers", "3", |f| &f.servers, |f| &mut f.servers)}
                <label class="field">
                    <span class="field-label">"Failure to survive"</span>
                    <select data-testid="sizing-survive" autofocus=true
                        on:change=move |ev| { let value = event_target_value(&ev); form.update(|f| f.survive = value); }>
                        {survive_options}
                    </select>
                </label>
                {text_field(form, "Racks (optional)", "sizing-racks", "not known", |f| &f.racks, |f| &mut f.racks)}
                {text_field(form, "Sites (optional)", "sizing-sites", "not known", |f| &f.sites, |f| &mut f.sites)}
                {text_field(form, "CPUs per server (optional)", "sizing-cpus", "e.g. 32", |f| &f.server_cpus, |f| &mut f.server_cpus)}
                {text_field(form, "Memory per server (optional)", "sizing-memory", "e.g. 256GiB", |f| &f.server_memory, |f| &mut f.server_memory)}
                <label class="field field-wide">
                    <span class="field-label">"VM sizes on offer (CPUs:memory, comma-separated)"</span>
                    <input type="text" data-testid="sizing-vm-sizes" class="mono"
                        prop:value=move || form.with(|f| f.vm_sizes.clone())
                        on:input=move |ev| { let value = event_target_value(&ev); form.update(|f| f.vm_sizes = value); } />
                </label>
                <fieldset class="field field-wide sizing-stacks">
                    <legend class="field-label">"Stacks to size"</legend>
                    <label class="radio">
                        <input type="radio" name="sizing-stacks" data-testid="sizing-stacks-plan"
                            prop:checked=move || use_plan.get() on:change=move |_| use_plan.set(true) />
                        {move || {
                            let names = ctx.plan.with(|p| p.stacks.iter().map(|s| s.name.clone()).collect::<Vec<_>>());
                            format!("This plan's stacks ({}): {}", names.len(), if names.is_empty() { "none".to_owned() } else { names.join(", ") })
                        }}
                    </label>
                    <label class="radio">
                        <input type="radio" name="sizing-stacks" data-testid="sizing-stacks-files"
                            prop:checked=move || !use_plan.get() on:change=move |_| use_plan.set(false) />
                        {move || files.with(|f| if f.is_empty() {
                            "Compose files (choose or drop them here)".to_owned()
                        } else {
                            format!("Compose files: {}", f.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", "))
                        })}
                    </label>
                    <div class="sizing-file-actions">
                        <button class="btn btn-small" data-testid="sizing-choose-files"
                            on:click=move |_| { if let Some(input) = compose_input.get_untracked() { input.click(); } }>"Choose compose files…"</button>
                        <Show when=move || files.with(|f| !f.is_empty())>
                            <button class="btn btn-small" on:click=move |_| { files.set(Vec::new()); file_errors.set(Vec::new()); use_plan.set(true); }>"Clear files"</button>
                        </Show>
                    </div>
                    <input type="file" class="visually-hidden" tabindex="-1" aria-hidden="true" accept=".yaml,.yml" multiple=true
                        node_ref=compose_input data-testid="sizing-compose-input"
                        on:change=move |ev| {
                            let input: web_sys::HtmlInputElement = event_target(&ev);
                            take(browser::files(input.files()));
                            input.set_value("");
                        } />
                    {move || file_errors.with(|e| e.iter().map(|e| view! { <p class="alert-danger" role="alert">{e.clone()}</p> }).collect_view())}
                </fieldset>
            </div>
            <div class="popover-actions">
                <span class="muted">"The plan you open replaces the current one; undo brings it back."</span>
                <button class="btn btn-primary" data-testid="sizing-run" on:click=run>"Size"</button>
            </div>
            {alternatives}
        </div>
    }
}

/// Importing a running swarm: paste or drop `docker node inspect` and `docker service inspect`
/// JSON, see what the import found, and load it as one undoable edit.
#[component]
pub fn ClusterImportDialog() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let nodes = RwSignal::new(String::new());
    let services = RwSignal::new(String::new());
    let keep = RwSignal::new(false);
    let file_error = RwSignal::new(None::<String>);
    let json_input = NodeRef::<leptos::html::Input>::new();
    let close = move || ctx.dialog.set(None);
    let preview = Memo::new(move |_| {
        let text = nodes.get();
        if text.trim().is_empty() {
            return None;
        }
        let base = keep.get().then(|| ctx.plan.get());
        Some(services.with(|s| cluster::import(&text, s, base.as_ref())))
    });
    let take = move |list: Vec<web_sys::File>| {
        for file in list {
            leptos::task::spawn_local(async move {
                let name = file.name();
                match browser::read_text(&file).await {
                    Ok(text) => match cluster::json_kind(&text) {
                        JsonKind::Nodes => nodes.set(text),
                        JsonKind::Services => services.set(text),
                        JsonKind::Unknown => file_error.set(Some(format!(
                            "{name} is neither `docker node inspect` nor `docker service inspect` output."
                        ))),
                    },
                    Err(error) => file_error.set(Some(error)),
                }
            });
        }
    };
    let load = move |_| {
        let imported = preview.with_untracked(|p| p.clone().and_then(Result::ok));
        if let Some(imported) = imported {
            let count = imported.plan.nodes.len();
            let notes = imported.findings.len();
            open_plan(
                ctx,
                imported.plan,
                format!(
                    "Imported {count} node{} from the cluster ({notes} finding{} from the import). Drag nodes that share a server onto one host. Undo returns to the previous plan.",
                    if count == 1 { "" } else { "s" },
                    if notes == 1 { "" } else { "s" }
                ),
            );
        }
    };
    let summary = move || {
        preview.with(|p| match p {
            None => view! { <p class="muted">"Paste the nodes' JSON to see what it holds."</p> }.into_any(),
            Some(Err(error)) => view! { <p class="alert-danger" role="alert" data-testid="cluster-error">{error.clone()}</p> }.into_any(),
            Some(Ok(imported)) => {
                let plan = &imported.plan;
                let text = format!(
                    "{} nodes ({} managers), {} stacks: {}",
                    plan.nodes.len(),
                    plan.managers().count(),
                    plan.stacks.len(),
                    plan.nodes.iter().map(|n| n.name.as_str()).collect::<Vec<_>>().join(", ")
                );
                view! {
                    <div>
                        <p data-testid="cluster-summary">{text}</p>
                        {finding_list(&imported.findings, "cluster-findings")}
                    </div>
                }
                .into_any()
            }
        })
    };
    view! {
        <div class="modal-backdrop" on:click=move |_| close()></div>
        <div class="modal" role="dialog" aria-modal="true" aria-labelledby="cluster-title" data-testid="cluster-import"
            on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { close() }
            on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
            on:drop=move |ev: leptos::ev::DragEvent| take(dropped_files(&ev))>
            <div class="modal-head">
                <h2 id="cluster-title">"Import a running swarm"</h2>
                <button class="btn btn-icon" aria-label="Close" on:click=move |_| close()>"×"</button>
            </div>
            <p class="muted">
                "On a manager, run "<code>"docker node inspect $(docker node ls -q)"</code>" and, for the services, "
                <code>"docker service inspect $(docker service ls -q)"</code>". Paste the output here or drop the files on this dialog; it never leaves the browser."
            </p>
            <div class="form">
                <label class="field field-wide">
                    <span class="field-label">"docker node inspect (JSON)"</span>
                    <textarea rows="7" data-testid="cluster-nodes" spellcheck="false" autofocus=true
                        prop:value=move || nodes.get()
                        on:input=move |ev| nodes.set(event_target_value(&ev))></textarea>
                </label>
                <label class="field field-wide">
                    <span class="field-label">"docker service inspect (JSON, optional)"</span>
                    <textarea rows="5" data-testid="cluster-services" spellcheck="false"
                        prop:value=move || services.get()
                        on:input=move |ev| services.set(event_target_value(&ev))></textarea>
                </label>
                <label class="radio field-wide">
                    <input type="checkbox" data-testid="cluster-keep" prop:checked=move || keep.get()
                        on:change=move |ev| keep.set(event_target_checked(&ev)) />
                    "Keep this plan's hosts, zones and settings (nodes it already places stay on their hosts)"
                </label>
            </div>
            <div class="popover-actions">
                <button class="btn btn-small" on:click=move |_| { if let Some(input) = json_input.get_untracked() { input.click(); } }>"Choose JSON files…"</button>
                <input type="file" class="visually-hidden" tabindex="-1" aria-hidden="true" accept=".json,.txt" multiple=true
                    node_ref=json_input data-testid="cluster-input"
                    on:change=move |ev| {
                        let input: web_sys::HtmlInputElement = event_target(&ev);
                        take(browser::files(input.files()));
                        input.set_value("");
                    } />
                <button class="btn btn-primary" data-testid="cluster-load"
                    disabled=move || !preview.with(|p| matches!(p, Some(Ok(_))))
                    on:click=load>"Load on canvas"</button>
            </div>
            {move || file_error.get().map(|e| view! { <p class="alert-danger" role="alert">{e}</p> })}
            {summary}
        </div>
    }
}

/// The comparison panel: the plan against a pasted plan, a file, the version the page opened
/// with or the last saved file, as nodes, services, quorum, failure scenarios and task moves.
#[component]
pub fn ComparePanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let pasting = RwSignal::new(false);
    let pasted = RwSignal::new(String::new());
    let file_input = NodeRef::<leptos::html::Input>::new();
    let set = move |label: String, text: String, is_before: bool| {
        ctx.compare.set(Some(Comparand {
            label,
            text,
            is_before,
        }));
    };
    let comparison = Memo::new(move |_| {
        ctx.compare.with(|c| {
            c.as_ref()
                .map(|c| ctx.plan.with(|p| cluster::compare(p, &c.text, c.is_before)))
        })
    });
    let on_file = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        for file in browser::files(input.files()) {
            leptos::task::spawn_local(async move {
                match browser::read_text(&file).await {
                    Ok(text) => set(file.name(), text, false),
                    Err(error) => ctx.notice.set(Some(error)),
                }
            });
        }
        input.set_value("");
    };
    let result = move || {
        comparison.with(|c| match c {
            None => view! { <p class="muted">"Pick the other plan: the cluster as it is, or as proposed. The current plan is compared with it, both analysed the same way."</p> }.into_any(),
            Some(Err(error)) => view! { <p class="alert-danger" role="alert" data-testid="compare-error">{error.clone()}</p> }.into_any(),
            Some(Ok(c)) => {
                let (survival_before, survival_after) = c.survival.clone();
                let survival = if survival_before == survival_after {
                    format!("{survival_after} (unchanged)")
                } else {
                    format!("{survival_before} → {survival_after}")
                };
                let sections = c
                    .sections
                    .iter()
                    .map(|s| {
                        let rows = s
                            .rows
                            .iter()
                            .map(|(tone, text)| view! {
                                <li class=format!("diff-row {}", tone.class())>
                                    <span class="diff-mark" aria-hidden="true">{tone.mark()}</span>
                                    <span>{text.clone()}</span>
                                </li>
                            })
                            .collect_view();
                        view! {
                            <section class="diff-section" data-testid=s.id>
                                <h3>{s.title}</h3>
                                <ul class="diff-list">{rows}</ul>
                            </section>
                        }
                    })
                    .collect_view();
                let empty = c.sections.is_empty().then(|| view! { <p class="muted" data-testid="diff-none">"No differences in nodes, services, failures or placement."</p> });
                view! {
                    <div class="diff" data-testid="diff">
                        <p class="muted" data-testid="compare-direction">{format!("Before: {} → after: {}", c.before_name, c.after_name)}</p>
                        <dl class="facts">
                            <dt>"Quorum"</dt>
                            <dd data-testid="diff-quorum">{c.quorum.clone()}</dd>
                            <dt>"Survival"</dt>
                            <dd data-testid="diff-survival">{survival}</dd>
                        </dl>
                        {empty}
                        {sections}
                    </div>
                }
                .into_any()
            }
        })
    };
    let compared_with = move || {
        ctx.compare.with(|c| {
            c.as_ref().map(|c| {
                format!(
                    "Compared with {} ({})",
                    c.label,
                    if c.is_before {
                        "as the plan before"
                    } else {
                        "as the proposal"
                    }
                )
            })
        })
    };
    view! {
        <div class="panel" data-testid="compare-panel">
            <div class="panel-head">
                <h2>"Compare with…"</h2>
                <span class="card-meta">{compared_with}</span>
            </div>
            <div class="compare-sources" role="group" aria-label="The other plan">
                <button class="btn btn-small" data-testid="compare-paste" aria-expanded=move || pasting.get().to_string()
                    on:click=move |_| pasting.update(|p| *p = !*p)>"Paste a plan…"</button>
                <button class="btn btn-small" data-testid="compare-file"
                    on:click=move |_| { if let Some(input) = file_input.get_untracked() { input.click(); } }>"Open a file…"</button>
                <button class="btn btn-small" data-testid="compare-opened" title="The autosaved plan this page opened with"
                    on:click=move |_| set("the version this page opened with".to_owned(), ctx.opened.get_value(), true)>"Version at page open"</button>
                <button class="btn btn-small" data-testid="compare-saved" title="The plan as last saved to a file"
                    disabled=move || ctx.saved.with(Option::is_none)
                    on:click=move |_| { if let Some(text) = ctx.saved.get_untracked() { set("the last saved file".to_owned(), text, true); } }>"Last saved file"</button>
                <input type="file" class="visually-hidden" tabindex="-1" aria-hidden="true" accept=".yaml,.yml,.txt"
                    node_ref=file_input data-testid="compare-input" on:change=on_file />
            </div>
            <Show when=move || pasting.get()>
                <label class="field">
                    <span class="field-label">"The other plan (YAML)"</span>
                    <textarea rows="8" data-testid="compare-text" spellcheck="false"
                        prop:value=move || pasted.get() on:input=move |ev| pasted.set(event_target_value(&ev))></textarea>
                </label>
                <div class="popover-actions">
                    <span></span>
                    <button class="btn btn-primary btn-small" data-testid="compare-go"
                        on:click=move |_| { set("the pasted plan".to_owned(), pasted.get_untracked(), false); pasting.set(false); }>"Compare"</button>
                </div>
            </Show>
            <Show when=move || ctx.compare.with(Option::is_some)>
                <div class="compare-sources">
                    <button class="btn btn-small" data-testid="compare-swap"
                        on:click=move |_| ctx.compare.update(|c| if let Some(c) = c { c.is_before = !c.is_before })>"Swap before and after"</button>
                    <button class="btn btn-small" data-testid="compare-clear" on:click=move |_| ctx.compare.set(None)>"Clear"</button>
                </div>
            </Show>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Comparison">{result}</div>
        </div>
    }
}
