//! Exports: every file of the offline bundle, previewed, and downloaded one by one or as a zip.
//! The files come from the engine; the download is a Blob object URL, not a network request.

use crate::browser;
use crate::ctx::Ctx;
use leptos::prelude::*;
use swarmplan_engine::bundle::{bundle_for, zip};
use swarmplan_engine::report;

#[component]
pub fn ExportsPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let bundle = Memo::new(move |_| ctx.plan.with(|p| ctx.analysis.with(|a| bundle_for(p, a))));
    let chosen = RwSignal::new(None::<String>);
    let slug = move || ctx.plan.with(|p| browser::slug(&p.name));
    let download_zip = move |_| {
        let bytes = bundle.with_untracked(zip);
        let name = format!("{}.zip", slug());
        if browser::download(&name, &bytes, "application/zip").is_err() {
            ctx.notice
                .set(Some("The browser refused the download.".to_owned()));
        }
    };
    // The design report, as `swarmplan report` prints it: for the customer, not the site.
    let download_report = move |markdown: bool| {
        let (text, extension, mime) = ctx.plan.with_untracked(|p| {
            ctx.analysis.with_untracked(|a| {
                if markdown {
                    (report::markdown(p, a), "md", "text/markdown")
                } else {
                    (report::html(p, a), "html", "text/html")
                }
            })
        });
        let name = format!("{}-design.{extension}", slug());
        if browser::download(&name, text.as_bytes(), mime).is_err() {
            ctx.notice
                .set(Some("The browser refused the download.".to_owned()));
        }
    };
    let files = move || {
        bundle.with(|b| {
            let current = chosen.get();
            b.files
                .iter()
                .map(|f| {
                    let path = f.path.clone();
                    let is_current = current.as_deref() == Some(f.path.as_str());
                    let size = f.contents.len();
                    view! {
                        <li>
                            <button class="file-item" class:current=is_current aria-pressed=is_current.to_string()
                                data-path=path.clone() on:click=move |_| chosen.set(Some(path.clone()))>
                                <span class="file-path mono">{f.path.clone()}</span>
                                <span class="file-size">{format_size(size)}</span>
                            </button>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let preview = move || {
        let path = chosen.get()?;
        bundle.with(|b| {
            let file = b.file(&path)?.clone();
            let name = file.path.rsplit('/').next().unwrap_or(&file.path).to_owned();
            let contents = file.contents.clone();
            // The diagram is shown as drawn; every other file as its text.
            let svg = file.path.ends_with(".svg");
            let mime = if svg { "image/svg+xml" } else { "text/plain" };
            let body = if svg {
                view! {
                    <div class="preview-body preview-image" tabindex="0">
                        <img data-testid="export-diagram" src=browser::svg_data_url(&file.contents)
                            alt="The plan's topology: sites, racks, hosts and nodes with their tasks" />
                    </div>
                }
                .into_any()
            } else {
                view! { <pre class="preview-body" data-testid="export-preview" tabindex="0">{file.contents.clone()}</pre> }
                    .into_any()
            };
            Some(view! {
                <div class="preview">
                    <div class="preview-head">
                        <span class="mono">{file.path.clone()}</span>
                        <button class="btn btn-small" data-testid="download-file" on:click=move |_| {
                            let _ = browser::download(&name, contents.as_bytes(), mime);
                        }>"Download"</button>
                    </div>
                    {body}
                </div>
            })
        })
    };
    let count = move || bundle.with(|b| b.files.len());
    view! {
        <div class="panel" data-testid="exports-panel">
            <div class="panel-head">
                <h2>"Exports"</h2>
                <div class="panel-actions">
                    <button class="btn" data-testid="download-report" title="The design report to hand over: diagram, quorum, failures, placement, findings, ports, VMs and runbook outlines; it prints on A4 and Letter"
                        on:click=move |_| download_report(false)>"Design report (.html)"</button>
                    <button class="btn" data-testid="download-report-md" title="The design report as Markdown; its diagram is the bundle's diagram.svg"
                        on:click=move |_| download_report(true)>"Report (.md)"</button>
                    <button class="btn btn-primary" data-testid="download-zip" on:click=download_zip>"Download all (.zip)"</button>
                </div>
            </div>
            <p class="muted">{move || format!("{} files: stack files, firewall scripts, port tables, cluster commands, runbooks and the topology diagram. Pick one to preview it.", count())}</p>
            <p class="muted" data-testid="rehearse-hint">
                "Rehearse it before the site: on a Linux machine, as root, "
                <code>{move || format!("swarmplan lab up {}.swarmplan.yaml", slug())}</code>
                " builds this plan's cluster from real Docker engines, and "
                <code>{move || format!("swarmplan lab run {}.swarmplan.yaml install", slug())}</code>
                " runs the bundle's runbooks/install.sh against it unchanged (the README's \"Rehearse a bundle\")."
            </p>
            <ul class="file-list" data-testid="export-files">{files}</ul>
            {preview}
        </div>
    }
}

fn format_size(bytes: usize) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}
