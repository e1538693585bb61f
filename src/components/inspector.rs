//! The inspector: the selected node, host, rack, site or service, with every field a user may
//! change. Each change is an `Edit` (through `Ctx::apply`), so it can be undone like a drag.

use crate::components::topology::delete;
use crate::ctx::{Ctx, Selection};
use crate::edit::{self, EditError, Place};
use crate::whatif::Failed;
use leptos::prelude::*;
use swarmplan_engine::domains::DomainKind;
use swarmplan_engine::plan::{Availability, Host, Node, Role};
use swarmplan_engine::units::{Bytes, Cpus};

/// Reads `key=value` lines; blank lines are skipped.
pub fn parse_labels(text: &str) -> Result<Vec<(String, String)>, EditError> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| match line.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.trim().to_owned())),
            _ => Err(EditError(format!(
                "`{line}`: write labels as key=value, one a line"
            ))),
        })
        .collect()
}

fn labels_text<'a>(labels: impl Iterator<Item = (&'a String, &'a String)>) -> String {
    labels.map(|(k, v)| format!("{k}={v}\n")).collect()
}

fn optional<T>(
    text: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, EditError> {
    let text = text.trim();
    if text.is_empty() {
        Ok(None)
    } else {
        parse(text).map(Some).map_err(EditError)
    }
}

fn change_node(ctx: Ctx, name: &str, change: impl FnOnce(&mut Node) -> Result<(), EditError>) {
    let plan = ctx.plan.get_untracked();
    let Some(mut node) = plan.node(name).cloned() else {
        return;
    };
    let result = change(&mut node).and_then(|()| {
        if plan.node(name) == Some(&node) {
            Err(EditError(String::new()))
        } else {
            edit::set_node(&plan, name, node)
        }
    });
    match result {
        Err(EditError(message)) if message.is_empty() => {}
        result => {
            ctx.apply_result(result);
        }
    }
}

fn change_host(ctx: Ctx, name: &str, change: impl FnOnce(&mut Host) -> Result<(), EditError>) {
    let plan = ctx.plan.get_untracked();
    let mut host = plan.host(name).cloned().unwrap_or_else(|| Host::new(name));
    let before = host.clone();
    match change(&mut host) {
        Ok(()) if host == before => {}
        Ok(()) => {
            ctx.apply(edit::set_host(&plan, host));
        }
        Err(error) => ctx.notice.set(Some(error.to_string())),
    }
}

/// A labelled text input that commits on change (Enter or leaving the field).
fn field(
    label: &'static str,
    id: &'static str,
    value: String,
    placeholder: &'static str,
    commit: impl Fn(String) + 'static,
) -> impl IntoView {
    view! {
        <label class="field">
            <span class="field-label">{label}</span>
            <input type="text" data-testid=format!("inspect-{id}") prop:value=value placeholder=placeholder
                spellcheck="false" autocomplete="off"
                on:change=move |ev| commit(event_target_value(&ev)) />
        </label>
    }
}

fn labels_field(
    label: &'static str,
    id: &'static str,
    value: String,
    commit: impl Fn(String) + 'static,
) -> impl IntoView {
    view! {
        <label class="field field-wide">
            <span class="field-label">{label}</span>
            <textarea data-testid=format!("inspect-{id}") rows="3" spellcheck="false" placeholder="key=value"
                prop:value=value on:change=move |ev| commit(event_target_value(&ev))></textarea>
        </label>
    }
}

/// The button that fails or restores a domain in the what-if.
fn fail_button(ctx: Ctx, domain: Failed) -> impl IntoView {
    let failed = {
        let domain = domain.clone();
        Memo::new(move |_| ctx.failed.with(|f| f.contains(&domain)))
    };
    let failed = move || failed.get();
    view! {
        <button class="btn" data-testid="inspect-fail" aria-pressed=move || failed().to_string()
            on:click=move |_| ctx.toggle_failed(domain.clone())>
            {move || if failed() { "Restore (what-if)" } else { "Fail (what-if)" }}
        </button>
    }
}

#[component]
pub fn Inspector() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let body = move || {
        let selection = ctx.selection.get()?;
        let plan = ctx.plan.get();
        let close = move |_| ctx.select(None);
        let (kind, title, content) = match &selection {
            Selection::Node(name) => {
                let node = plan.node(name)?.clone();
                ("Node", name.clone(), node_form(ctx, node, &plan).into_any())
            }
            Selection::Host(name) => {
                if !swarmplan_engine::domains::host_names(&plan).contains(name) {
                    return None;
                }
                let host = plan
                    .host(name)
                    .cloned()
                    .unwrap_or_else(|| Host::new(name.clone()));
                ("Host", name.clone(), host_form(ctx, host, &plan).into_any())
            }
            Selection::Rack(name) => {
                let hosts: Vec<&Host> = plan
                    .hosts
                    .iter()
                    .filter(|h| h.rack.as_deref() == Some(name))
                    .collect();
                if hosts.is_empty() {
                    return None;
                }
                let site = hosts[0].site.clone();
                (
                    "Rack",
                    name.clone(),
                    group_form(ctx, DomainKind::Rack, name.clone(), site, hosts.len()).into_any(),
                )
            }
            Selection::Site(name) => {
                let count = plan
                    .hosts
                    .iter()
                    .filter(|h| h.site.as_deref() == Some(name))
                    .count();
                if count == 0 {
                    return None;
                }
                (
                    "Site",
                    name.clone(),
                    group_form(
                        ctx,
                        DomainKind::Site,
                        name.clone(),
                        Some(name.clone()),
                        count,
                    )
                    .into_any(),
                )
            }
            Selection::Service(id) => {
                let row = ctx
                    .whatif
                    .with(|w| w.services.iter().find(|s| &s.id == id).cloned())?;
                let content = view! {
                    <dl class="facts">
                        <dt>"Mode"</dt><dd>{row.status.mode.name()}</dd>
                        <dt>"Placed"</dt><dd>{format!("{} of {}", row.status.running, row.status.desired)}</dd>
                        <dt>"Nodes"</dt><dd>{row.status.nodes.join(", ")}</dd>
                        <dt>"Hosts"</dt><dd>{row.status.hosts.join(", ")}</dd>
                    </dl>
                    <p class="muted">"Its tasks are outlined on the canvas."</p>
                };
                ("Service", id.clone(), content.into_any())
            }
        };
        let aria = format!("Inspector: {} {}", kind.to_lowercase(), title);
        Some(view! {
            <aside class="inspector" data-testid="inspector" aria-label=aria>
                <div class="inspector-head">
                    <div>
                        <p class="inspector-kind">{kind}</p>
                        <h3 class="inspector-title">{title}</h3>
                    </div>
                    <button class="btn btn-icon" aria-label="Close the inspector" on:click=close>"×"</button>
                </div>
                {content}
            </aside>
        })
    };
    view! { {body} }
}

fn node_form(ctx: Ctx, node: Node, plan: &swarmplan_engine::Plan) -> impl IntoView {
    let name = node.name.clone();
    let host_names = swarmplan_engine::domains::host_names(plan);
    let current_host = node.host_name().to_owned();
    let n = name.clone();
    let rename = move |new: String| {
        let plan = ctx.plan.get_untracked();
        if ctx.apply_result(edit::rename_node(&plan, &n, new.trim())) {
            ctx.select(Some(Selection::Node(new.trim().to_owned())));
        }
    };
    let n = name.clone();
    let set_role = move |ev: leptos::ev::Event| {
        let role = if event_target_value(&ev) == "manager" {
            Role::Manager
        } else {
            Role::Worker
        };
        change_node(ctx, &n, |node| {
            node.role = role;
            Ok(())
        });
    };
    let n = name.clone();
    let set_availability = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        let availability = match value.as_str() {
            "pause" => Availability::Pause,
            "drain" => Availability::Drain,
            _ => Availability::Active,
        };
        change_node(ctx, &n, |node| {
            node.availability = availability;
            Ok(())
        });
    };
    let n = name.clone();
    let set_host = move |ev: leptos::ev::Event| {
        let host = event_target_value(&ev);
        ctx.apply_result(edit::move_node(&ctx.plan.get_untracked(), &n, &host));
    };
    let n1 = name.clone();
    let n2 = name.clone();
    let n3 = name.clone();
    let n4 = name.clone();
    let n5 = name.clone();
    let domain = Failed::new(DomainKind::Host, current_host.clone());
    let selection = Selection::Node(name.clone());
    let role = node.role;
    let availability = node.availability;
    view! {
        <div class="form">
            {field("Name", "name", node.name.clone(), "", rename)}
            <label class="field">
                <span class="field-label">"Role"</span>
                <select data-testid="inspect-role" on:change=set_role>
                    <option value="manager" selected=role == Role::Manager>"Manager"</option>
                    <option value="worker" selected=role == Role::Worker>"Worker"</option>
                </select>
            </label>
            <label class="field">
                <span class="field-label">"Availability"</span>
                <select data-testid="inspect-availability" on:change=set_availability>
                    <option value="active" selected=availability == Availability::Active>"Active"</option>
                    <option value="pause" selected=availability == Availability::Pause>"Pause"</option>
                    <option value="drain" selected=availability == Availability::Drain>"Drain"</option>
                </select>
            </label>
            <label class="field">
                <span class="field-label">"Host"</span>
                <select data-testid="inspect-host" on:change=set_host>
                    {host_names.into_iter().map(|h| {
                        let selected = h == current_host;
                        let value = h.clone();
                        view! { <option value=value selected=selected>{h}</option> }
                    }).collect_view()}
                </select>
            </label>
            {field("CPUs", "cpus", node.cpus.map(|c| c.to_string()).unwrap_or_default(), "4", move |text| {
                change_node(ctx, &n1, |node| { node.cpus = optional(&text, Cpus::parse)?; Ok(()) })
            })}
            {field("Memory", "memory", node.memory.map(|m| m.to_string()).unwrap_or_default(), "16GiB", move |text| {
                change_node(ctx, &n2, |node| { node.memory = optional(&text, Bytes::parse)?; Ok(()) })
            })}
            {field("IP address", "ip", node.ip.map(|ip| ip.to_string()).unwrap_or_default(), "10.0.0.11", move |text| {
                change_node(ctx, &n3, |node| {
                    node.ip = optional(&text, |t| t.parse().map_err(|_| format!("`{t}` is not an IP address")))?;
                    Ok(())
                })
            })}
            {labels_field("Node labels", "labels", labels_text(node.labels.iter()), move |text| {
                change_node(ctx, &n4, |node| { node.labels = parse_labels(&text)?.into_iter().collect(); Ok(()) })
            })}
            {labels_field("Engine labels", "engine-labels", labels_text(node.engine_labels.iter()), move |text| {
                change_node(ctx, &n5, |node| { node.engine_labels = parse_labels(&text)?.into_iter().collect(); Ok(()) })
            })}
        </div>
        <div class="inspector-actions">
            {fail_button(ctx, domain)}
            <button class="btn btn-danger-quiet" data-testid="inspect-delete" on:click=move |_| delete(ctx, &selection)>"Delete node"</button>
        </div>
    }
}

fn host_form(ctx: Ctx, host: Host, plan: &swarmplan_engine::Plan) -> impl IntoView {
    let name = host.name.clone();
    let nodes: Vec<(String, Role)> = plan
        .nodes
        .iter()
        .filter(|n| n.host_name() == name)
        .map(|n| (n.name.clone(), n.role))
        .collect();
    let n = name.clone();
    let rename = move |new: String| {
        let plan = ctx.plan.get_untracked();
        if ctx.apply_result(edit::rename_host(&plan, &n, new.trim())) {
            ctx.select(Some(Selection::Host(new.trim().to_owned())));
        }
    };
    let (n1, n2, n3, n4, n5, n6) = (
        name.clone(),
        name.clone(),
        name.clone(),
        name.clone(),
        name.clone(),
        name.clone(),
    );
    let place = |text: &str| {
        let text = text.trim();
        if text.is_empty() {
            Ok(None)
        } else {
            edit::check_name(text).map(|()| Some(text.to_owned()))
        }
    };
    let add = move |role: Role, host: String| {
        let (edit, node) = edit::add_node(&ctx.plan.get_untracked(), &host, role);
        if ctx.apply(edit) {
            ctx.select(Some(Selection::Node(node)));
        }
    };
    let selection = Selection::Host(name.clone());
    view! {
        <div class="form">
            {field("Name", "name", host.name.clone(), "", rename)}
            {field("Site", "site", host.site.clone().unwrap_or_default(), "none", move |text| {
                change_host(ctx, &n1, |h| { h.site = place(&text)?; Ok(()) })
            })}
            {field("Rack", "rack", host.rack.clone().unwrap_or_default(), "none", move |text| {
                change_host(ctx, &n2, |h| { h.rack = place(&text)?; Ok(()) })
            })}
            {field("CPUs", "cpus", host.cpus.map(|c| c.to_string()).unwrap_or_default(), "32", move |text| {
                change_host(ctx, &n3, |h| { h.cpus = optional(&text, Cpus::parse)?; Ok(()) })
            })}
            {field("Memory", "memory", host.memory.map(|m| m.to_string()).unwrap_or_default(), "256GiB", move |text| {
                change_host(ctx, &n4, |h| { h.memory = optional(&text, Bytes::parse)?; Ok(()) })
            })}
        </div>
        <p class="inspector-sub">{format!("{} node{} on this host", nodes.len(), if nodes.len() == 1 { "" } else { "s" })}</p>
        <ul class="chip-list">
            {nodes.into_iter().map(|(node, role)| {
                let target = node.clone();
                view! {
                    <li><button class="link" on:click=move |_| ctx.select(Some(Selection::Node(target.clone())))>
                        {format!("{node} · {role}")}
                    </button></li>
                }
            }).collect_view()}
        </ul>
        <div class="inspector-actions">
            <button class="btn" data-testid="inspect-add-manager" on:click=move |_| add(Role::Manager, n5.clone())>"+ Manager"</button>
            <button class="btn" data-testid="inspect-add-worker" on:click=move |_| add(Role::Worker, n6.clone())>"+ Worker"</button>
            {fail_button(ctx, Failed::new(DomainKind::Host, name.clone()))}
            <button class="btn btn-danger-quiet" data-testid="inspect-delete" on:click=move |_| delete(ctx, &selection)>"Delete host"</button>
        </div>
    }
}

fn group_form(
    ctx: Ctx,
    kind: DomainKind,
    name: String,
    site: Option<String>,
    hosts: usize,
) -> impl IntoView {
    let word = if kind == DomainKind::Site {
        "site"
    } else {
        "rack"
    };
    let n = name.clone();
    let rename = move |new: String| {
        let plan = ctx.plan.get_untracked();
        let new = new.trim().to_owned();
        let result = if kind == DomainKind::Site {
            edit::rename_site(&plan, &n, &new)
        } else {
            edit::rename_rack(&plan, &n, &new)
        };
        if ctx.apply_result(result) {
            ctx.select(Some(if kind == DomainKind::Site {
                Selection::Site(new)
            } else {
                Selection::Rack(new)
            }));
        }
    };
    let place = if kind == DomainKind::Site {
        Place::site(&name)
    } else {
        Place::rack(&name, site.as_deref())
    };
    let add_host = move |_| {
        let (edit, host) = edit::add_host(&ctx.plan.get_untracked(), place.clone());
        if ctx.apply(edit) {
            ctx.select(Some(Selection::Host(host)));
        }
    };
    let site_for_rack = name.clone();
    let selection = if kind == DomainKind::Site {
        Selection::Site(name.clone())
    } else {
        Selection::Rack(name.clone())
    };
    view! {
        <div class="form">{field("Name", "name", name.clone(), "", rename)}</div>
        <p class="inspector-sub">{format!("{hosts} host{} in this {word}", if hosts == 1 { "" } else { "s" })}</p>
        <div class="inspector-actions">
            <button class="btn" data-testid="inspect-add-host" on:click=add_host>"+ Host"</button>
            {(kind == DomainKind::Site).then(|| view! {
                <button class="btn" data-testid="inspect-add-rack" on:click=move |_| {
                    let (edit, host) = edit::add_rack(&ctx.plan.get_untracked(), Some(site_for_rack.clone()));
                    if ctx.apply(edit) { ctx.select(Some(Selection::Host(host))); }
                }>"+ Rack"</button>
            })}
            {fail_button(ctx, Failed::new(kind, name.clone()))}
            <button class="btn btn-danger-quiet" data-testid="inspect-delete" on:click=move |_| delete(ctx, &selection)>
                {format!("Delete {word}")}
            </button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_key_value_lines() {
        assert_eq!(
            parse_labels("a=1\n\n b = two \n").unwrap(),
            [
                ("a".to_owned(), "1".to_owned()),
                ("b".to_owned(), "two".to_owned())
            ]
        );
        assert!(parse_labels("novalue").is_err());
        assert!(parse_labels("=x").is_err());
        assert_eq!(
            labels_text(
                [("a".to_owned(), "1".to_owned())]
                    .iter()
                    .map(|(k, v)| (k, v))
            ),
            "a=1\n"
        );
    }
}
