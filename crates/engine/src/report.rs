//! The design report: the document a customer signs off and a pre-sales engineer sends. One
//! model (`Report`: sections of paragraphs, tables and lists, built from the plan and its
//! analysis) and two renderings of it: one self-contained HTML file (inline CSS and the
//! diagram's SVG, no script, no external reference, a print stylesheet whose rows never split
//! over a page, and well-formed as XML too), and Markdown.
//!
//! It sits above `export/`, `runbook/` and `sizing/`, whose results it tells; the bundle does
//! not include it, and it does not include the bundle.

use crate::analysis::{Analysis, ServiceChance};
use crate::export::{diagram, firewall};
use crate::plan::{Plan, Role, ServiceId};
use crate::text::{one_line, xml_escape};
use crate::Severity;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The design report of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub title: String,
    /// The plan's description, and the line that says what made the report.
    pub lead: Vec<String>,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The anchor in the HTML (`quorum`, `failures`).
    pub id: &'static str,
    pub title: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Text(String),
    /// A heading inside a section.
    Subheading(String),
    /// The topology diagram, as SVG: inline in HTML, `diagram.svg` beside the Markdown.
    Diagram(String),
    Table(Table),
    /// A numbered list (a runbook's steps).
    Steps(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<&'static str>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub cells: Vec<String>,
    pub tone: Tone,
}

/// How a row reads: what the HTML colours it, and the Markdown marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Plain,
    /// The plan's own row of a table of alternatives (the quorum table).
    Current,
    Warning,
    Error,
}

impl Row {
    fn plain(cells: Vec<String>) -> Row {
        Row {
            cells,
            tone: Tone::Plain,
        }
    }
}

/// The report of `plan`, with what its analysis computed.
pub fn report(plan: &Plan, analysis: &Analysis) -> Report {
    let mut lead = Vec::new();
    if let Some(description) = plan.description.as_deref().filter(|d| !d.trim().is_empty()) {
        lead.push(description.trim().to_owned());
    }
    lead.push(format!(
        "Made by Swarmplan {} from the plan: every figure below is what its engine computed, placing each task as Docker Swarm's scheduler would.",
        env!("CARGO_PKG_VERSION")
    ));
    // Over a limit or the work budget, the report is the findings that say why.
    let refusals = crate::budget::check_plan(plan, false, crate::budget::Work::Exports);
    let sections = if refusals.is_empty() {
        vec![
            summary(plan, analysis),
            quorum(analysis),
            failures(analysis),
            placement(plan, analysis),
            findings(&analysis.findings),
            ports(plan, analysis),
            machines(plan),
            runbooks(plan),
        ]
    } else {
        vec![findings(&refusals)]
    };
    Report {
        title: format!("{}: design", one_line(&plan.name)),
        lead,
        sections,
    }
}

/// The report as one self-contained HTML file.
pub fn html(plan: &Plan, analysis: &Analysis) -> String {
    render_html(&report(plan, analysis))
}

/// The report as Markdown; its diagram is `diagram.svg` beside it (`swarmplan diagram`).
pub fn markdown(plan: &Plan, analysis: &Analysis) -> String {
    render_markdown(&report(plan, analysis))
}

/// "1 manager", "3 managers", "no workers".
fn count(n: usize, one: &str, many: &str) -> String {
    match n {
        0 => format!("no {many}"),
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "—".to_owned()
    } else {
        names.join(", ")
    }
}

fn summary(plan: &Plan, analysis: &Analysis) -> Section {
    let managers = plan
        .nodes
        .iter()
        .filter(|n| n.role == Role::Manager)
        .count();
    let sites: std::collections::BTreeSet<&str> = plan
        .hosts
        .iter()
        .filter_map(|h| h.site.as_deref())
        .collect();
    let racks: std::collections::BTreeSet<(&str, &str)> = plan
        .hosts
        .iter()
        .filter_map(|h| Some((h.site.as_deref().unwrap_or(""), h.rack.as_deref()?)))
        .collect();
    let services = analysis.services.len();
    let tasks = analysis.placement.len();
    // The domains the plan has: servers always, racks and sites when it places hosts in them.
    let mut zones = Vec::new();
    if !sites.is_empty() {
        zones.push(count(sites.len(), "site", "sites"));
    }
    if !racks.is_empty() {
        zones.push(count(racks.len(), "rack", "racks"));
    }
    let servers = count(plan.hosts.len(), "physical server", "physical servers");
    let domains = if zones.is_empty() {
        servers
    } else {
        format!("{} and {servers}", zones.join(", "))
    };
    let mut text = format!(
        "{domains} hold {}: {} and {}. They run {} with {} of {}.",
        count(plan.nodes.len(), "VM", "VMs"),
        count(managers, "manager", "managers"),
        count(plan.nodes.len() - managers, "worker", "workers"),
        count(plan.stacks.len(), "stack", "stacks"),
        count(services, "service", "services"),
        count(tasks, "task", "tasks"),
    );
    if !analysis.pending.is_empty() {
        let _ = write!(
            text,
            " {} can run nowhere.",
            count(analysis.pending.len(), "task", "tasks")
        );
    }
    let verdict = format!(
        "Survival: {}. The analysis has {} and {}.",
        analysis.survival.summary,
        count(analysis.errors(), "error", "errors"),
        count(analysis.warnings(), "warning", "warnings"),
    );
    Section {
        id: "summary",
        title: "Summary".into(),
        blocks: vec![
            Block::Text(text),
            Block::Text(verdict),
            Block::Diagram(diagram::svg(plan, analysis)),
        ],
    }
}

fn quorum(analysis: &Analysis) -> Section {
    let q = &analysis.quorum;
    let text = if q.managers == 0 {
        "The plan has no manager: there is no swarm to manage.".to_owned()
    } else {
        format!(
            "The swarm's managers keep its state by Raft: a majority of them must be reachable for the swarm to be managed. With {}, the majority is {} and the swarm tolerates the loss of {}.",
            count(q.managers, "manager", "managers"),
            q.majority,
            count(q.tolerates, "manager", "managers"),
        )
    };
    let rows = q
        .table
        .iter()
        .map(|row| Row {
            cells: vec![
                row.managers.to_string(),
                row.majority.to_string(),
                row.tolerates.to_string(),
                if row.current { "this plan" } else { "" }.to_owned(),
            ],
            tone: if row.current {
                Tone::Current
            } else {
                Tone::Plain
            },
        })
        .collect();
    Section {
        id: "quorum",
        title: "Manager quorum".into(),
        blocks: vec![
            Block::Text(text),
            Block::Table(Table {
                header: vec!["managers", "majority", "losses tolerated", ""],
                rows,
            }),
        ],
    }
}

fn failures(analysis: &Analysis) -> Section {
    let rows = analysis
        .failures
        .iter()
        .map(|f| {
            let mut stops = f.services.down.clone();
            if !f.services.may_stop.is_empty() {
                stops.push(format!(
                    "may stop: {}",
                    ServiceChance::list(&f.services.may_stop)
                ));
            }
            let mut degrades = f.services.degraded.clone();
            if !f.services.may_degrade.is_empty() {
                degrades.push(format!(
                    "may degrade: {}",
                    ServiceChance::list(&f.services.may_degrade)
                ));
            }
            let tone = if !f.quorum || !f.services.down.is_empty() {
                Tone::Error
            } else if !f.services.degraded.is_empty()
                || !f.services.may_stop.is_empty()
                || !f.services.may_degrade.is_empty()
            {
                Tone::Warning
            } else {
                Tone::Plain
            };
            Row {
                cells: vec![
                    format!("{} {}", f.domain, f.name),
                    list(&f.lost_nodes),
                    f.managers_left.to_string(),
                    if f.quorum { "holds" } else { "LOST" }.to_owned(),
                    list(&stops),
                    list(&degrades),
                ],
                tone,
            }
        })
        .collect();
    let mut blocks = vec![Block::Text(format!(
        "Survival: {}. Each row is the loss of one physical server, rack or site: the VMs it takes down, the managers left, and the services that stop (no task left) or run degraded (fewer tasks than asked), once Swarm has rescheduled what it can.",
        analysis.survival.summary
    ))];
    if analysis.failures.is_empty() {
        blocks.push(Block::Text("The plan has no physical server.".into()));
    } else {
        blocks.push(Block::Table(Table {
            header: vec![
                "loss of",
                "VMs down",
                "managers left",
                "quorum",
                "services stopped",
                "services degraded",
            ],
            rows,
        }));
    }
    Section {
        id: "failures",
        title: "Failures".into(),
        blocks,
    }
}

fn placement(plan: &Plan, analysis: &Analysis) -> Section {
    let services = analysis
        .services
        .iter()
        .map(|s| {
            let mut where_ = list(&s.nodes);
            if let Some(one_of) = s.one_of() {
                let _ = write!(where_, " ({one_of})");
            }
            Row {
                cells: vec![
                    s.id(),
                    s.mode.name().to_owned(),
                    format!("{}/{}", s.running, s.desired),
                    where_,
                    list(&s.hosts),
                ],
                tone: if s.running == 0 && s.desired > 0 {
                    Tone::Error
                } else if s.running < s.desired {
                    Tone::Warning
                } else {
                    Tone::Plain
                },
            }
        })
        .collect();
    // Each node's tasks, by service, in placement order.
    let mut on_node: BTreeMap<&str, Vec<(String, usize)>> = BTreeMap::new();
    for task in &analysis.placement {
        let id = ServiceId::new(&task.stack, &task.service).to_string();
        let tasks = on_node.entry(task.node.as_str()).or_default();
        match tasks.iter_mut().find(|(s, _)| *s == id) {
            Some((_, n)) => *n += 1,
            None => tasks.push((id, 1)),
        }
    }
    let by_host = plan
        .nodes
        .iter()
        .map(|node| {
            let tasks = on_node.get(node.name.as_str()).map_or_else(
                || "—".to_owned(),
                |tasks| {
                    tasks
                        .iter()
                        .map(|(s, n)| {
                            if *n == 1 {
                                s.clone()
                            } else {
                                format!("{s} ×{n}")
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            );
            Row::plain(vec![
                node.host_name().to_owned(),
                node.name.clone(),
                node.role.to_string(),
                tasks,
            ])
        })
        .collect();
    let mut blocks = Vec::new();
    if analysis.services.is_empty() {
        blocks.push(Block::Text("The plan runs no service.".into()));
    } else {
        blocks.push(Block::Text("Where Swarm's scheduler puts each service's tasks: the VMs it sees, and the physical servers under them, which it does not see. Where Swarm picks among equal nodes at random, the row names the other nodes it may pick.".into()));
        blocks.push(Block::Table(Table {
            header: vec!["service", "mode", "tasks", "VMs", "physical servers"],
            rows: services,
        }));
    }
    for p in &analysis.pending {
        blocks.push(Block::Text(format!(
            "Task {}/{}.{} runs nowhere: {}",
            p.stack, p.service, p.slot, p.reason
        )));
    }
    if !plan.nodes.is_empty() {
        blocks.push(Block::Subheading("By physical server".into()));
        blocks.push(Block::Table(Table {
            header: vec!["physical server", "VM", "role", "tasks"],
            rows: by_host,
        }));
    }
    Section {
        id: "placement",
        title: "Where tasks run".into(),
        blocks,
    }
}

fn findings(findings: &[crate::Finding]) -> Section {
    let blocks = if findings.is_empty() {
        vec![Block::Text(
            "The analysis has nothing to report: no error, warning or note.".into(),
        )]
    } else {
        vec![Block::Table(Table {
            header: vec!["severity", "check", "about", "finding", "what to do"],
            rows: findings
                .iter()
                .map(|f| Row {
                    cells: vec![
                        f.severity.to_string(),
                        f.code.to_string(),
                        f.target.to_string(),
                        f.message.clone(),
                        f.hint.clone().unwrap_or_default(),
                    ],
                    tone: match f.severity {
                        Severity::Error => Tone::Error,
                        Severity::Warning => Tone::Warning,
                        Severity::Info => Tone::Plain,
                    },
                })
                .collect(),
        })]
    };
    Section {
        id: "findings",
        title: "Findings".into(),
        blocks,
    }
}

fn ports(plan: &Plan, analysis: &Analysis) -> Section {
    let matrix = firewall::port_matrix(plan, &analysis.placement);
    let rows = firewall::port_table_rows(plan, &matrix);
    // One table per source, in the order the matrix first meets them.
    let mut sources: Vec<(String, Vec<Row>)> = Vec::new();
    for [port, protocol, service, from, nodes] in rows {
        let row = Row::plain(vec![port, protocol, service, nodes]);
        match sources.iter_mut().find(|(s, _)| *s == from) {
            Some((_, rows)) => rows.push(row),
            None => sources.push((from, vec![row])),
        }
    }
    let mut blocks = vec![Block::Text("Every port the nodes' firewalls open, by where the traffic comes from: Swarm's own ports between the swarm's nodes, and each published port from the sources the plan names. The per-node `firewall-cmd` scripts open exactly these.".into())];
    if sources.is_empty() {
        blocks.push(Block::Text("No node opens a port.".into()));
    }
    for (from, rows) in sources {
        blocks.push(Block::Subheading(format!("Inbound from {from}")));
        blocks.push(Block::Table(Table {
            header: vec!["port", "protocol", "service", "nodes"],
            rows,
        }));
    }
    Section {
        id: "ports",
        title: "Ports".into(),
        blocks,
    }
}

fn machines(plan: &Plan) -> Section {
    let or_dash = |value: Option<String>| value.unwrap_or_else(|| "—".to_owned());
    let vms = plan
        .nodes
        .iter()
        .map(|n| {
            let labels: Vec<String> = n.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            Row::plain(vec![
                n.name.clone(),
                n.role.to_string(),
                n.availability.to_string(),
                n.host_name().to_owned(),
                or_dash(n.ip.map(|ip| ip.to_string())),
                or_dash(n.cpus.map(|c| c.to_string())),
                or_dash(n.memory.map(|m| m.to_string())),
                list(&labels),
            ])
        })
        .collect();
    let servers = crate::sizing::server_load(plan)
        .into_iter()
        .map(|load| {
            let host = plan.hosts.iter().find(|h| h.name == load.server);
            let of = |used: String, capacity: Option<String>| match capacity {
                Some(capacity) => format!("{used} of {capacity}"),
                None => used,
            };
            let over = host.is_some_and(|h| {
                h.cpus.is_some_and(|c| load.cpus.millis() > c.millis())
                    || h.memory.is_some_and(|m| load.memory.0 > m.0)
            });
            Row {
                cells: vec![
                    load.server.clone(),
                    or_dash(host.and_then(|h| h.site.clone())),
                    or_dash(host.and_then(|h| h.rack.clone())),
                    load.vms.to_string(),
                    of(
                        load.cpus.to_string(),
                        host.and_then(|h| h.cpus.map(|c| c.to_string())),
                    ),
                    of(
                        load.memory.to_string(),
                        host.and_then(|h| h.memory.map(|m| m.to_string())),
                    ),
                ],
                tone: if over { Tone::Error } else { Tone::Plain },
            }
        })
        .collect();
    Section {
        id: "machines",
        title: "Virtual machines and servers".into(),
        blocks: vec![
            Block::Table(Table {
                header: vec![
                    "VM",
                    "role",
                    "availability",
                    "physical server",
                    "address",
                    "CPUs",
                    "memory",
                    "labels",
                ],
                rows: vms,
            }),
            Block::Subheading("Each server's load".into()),
            Block::Text("What the VMs on each physical server take of it, from the sizes the plan gives them.".into()),
            Block::Table(Table {
                header: vec!["physical server", "site", "rack", "VMs", "CPUs", "memory"],
                rows: servers,
            }),
        ],
    }
}

fn runbooks(plan: &Plan) -> Section {
    let mut blocks = vec![Block::Text("The procedures the export bundle holds, each ordered so that no step breaks the managers' quorum unless it says so, and each step verified before the next. Their full text, with every command, is in `runbooks/` of the bundle (`swarmplan export`).".into())];
    for kind in crate::runbook::kinds_for(plan) {
        let book = crate::runbook::runbook(plan, kind);
        blocks.push(Block::Subheading(one_line(&book.title)));
        let risks = book.risks();
        if !risks.is_empty() {
            let said: Vec<String> = risks
                .iter()
                .map(|r| format!("`{}` ({})", r.step, r.costs.join(", ")))
                .collect();
            blocks.push(Block::Text(format!(
                "Steps that cost quorum or stop a service: {}.",
                said.join("; ")
            )));
        }
        if book.steps.is_empty() {
            blocks.push(Block::Text(
                "No step: the runbook's findings say what the plan lacks.".into(),
            ));
        }
        blocks.push(Block::Steps(
            book.steps
                .iter()
                .map(|s| format!("{} — `{}` on {}", one_line(&s.title), s.id, s.runs_on))
                .collect(),
        ));
    }
    Section {
        id: "runbooks",
        title: "Runbooks".into(),
        blocks,
    }
}

const STYLE: &str = "\
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; color: #1d2733; margin: 2rem auto; max-width: 60rem; padding: 0 1.5rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .3rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid #d5dbe3; padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin-top: 1.3rem; }
nav ol { columns: 2; }
.lead { color: #4a5666; }
figure { margin: 1rem 0; }
figure svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0 1rem; font-size: .88rem; }
th, td { border: 1px solid #d5dbe3; padding: .3rem .45rem; text-align: left; vertical-align: top; }
th { background: #eef1f5; }
tr.current td { background: #e3edfb; font-weight: 600; }
tr.warning td:first-child { border-left: 4px solid #b26a00; }
tr.error td:first-child { border-left: 4px solid #b3261e; }
tr.warning td { background: #fff6e5; }
tr.error td { background: #fdecea; }
code { font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace; font-size: .92em; }
ol.steps li { margin: .15rem 0; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 10pt; }
  nav { display: none; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr, li, figure, p { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  figure svg { max-height: 24cm; }
  tr.current td, tr.warning td, tr.error td, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
";

/// Text with `code` spans: escaped, and the backquoted parts in `<code>`.
fn inline_html(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", xml_escape(part));
        } else {
            out.push_str(&xml_escape(part));
        }
    }
    out
}

fn render_html(report: &Report) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n");
    out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\" />\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n");
    let _ = writeln!(out, "<title>{}</title>", xml_escape(&report.title));
    let _ = writeln!(out, "<style>\n{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(out, "<h1>{}</h1>", xml_escape(&report.title));
    for line in &report.lead {
        let _ = writeln!(out, "<p class=\"lead\">{}</p>", inline_html(line));
    }
    out.push_str("<nav><ol>\n");
    for section in &report.sections {
        let _ = writeln!(
            out,
            "<li><a href=\"#{}\">{}</a></li>",
            section.id,
            xml_escape(&section.title)
        );
    }
    out.push_str("</ol></nav>\n");
    for section in &report.sections {
        let _ = writeln!(
            out,
            "<section id=\"{}\">\n<h2>{}</h2>",
            section.id,
            xml_escape(&section.title)
        );
        for block in &section.blocks {
            match block {
                Block::Text(text) => {
                    let _ = writeln!(out, "<p>{}</p>", inline_html(text));
                }
                Block::Subheading(text) => {
                    let _ = writeln!(out, "<h3>{}</h3>", inline_html(text));
                }
                Block::Diagram(svg) => {
                    let _ = write!(out, "<figure>\n{svg}</figure>\n");
                }
                Block::Table(table) => {
                    out.push_str("<table>\n<thead><tr>");
                    for h in &table.header {
                        let _ = write!(out, "<th>{}</th>", xml_escape(h));
                    }
                    out.push_str("</tr></thead>\n<tbody>\n");
                    for row in &table.rows {
                        let class = match row.tone {
                            Tone::Plain => "",
                            Tone::Current => " class=\"current\"",
                            Tone::Warning => " class=\"warning\"",
                            Tone::Error => " class=\"error\"",
                        };
                        let _ = write!(out, "<tr{class}>");
                        for cell in &row.cells {
                            let _ = write!(out, "<td>{}</td>", xml_escape(&one_line(cell)));
                        }
                        out.push_str("</tr>\n");
                    }
                    out.push_str("</tbody>\n</table>\n");
                }
                Block::Steps(steps) => {
                    out.push_str("<ol class=\"steps\">\n");
                    for step in steps {
                        let _ = writeln!(out, "<li>{}</li>", inline_html(step));
                    }
                    out.push_str("</ol>\n");
                }
            }
        }
        out.push_str("</section>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn render_markdown(report: &Report) -> String {
    let cell = |text: &str| {
        let text = one_line(text).replace('|', "\\|");
        if text.is_empty() {
            "—".to_owned()
        } else {
            text
        }
    };
    let mut out = format!("# {}\n\n", report.title);
    for line in &report.lead {
        let _ = write!(out, "{}\n\n", one_line(line));
    }
    for section in &report.sections {
        let _ = write!(out, "## {}\n\n", section.title);
        for block in &section.blocks {
            match block {
                Block::Text(text) => {
                    let _ = write!(out, "{}\n\n", one_line(text));
                }
                Block::Subheading(text) => {
                    let _ = write!(out, "### {}\n\n", one_line(text));
                }
                Block::Diagram(_) => {
                    out.push_str("![The topology: sites, racks, physical servers and VMs, with each VM's tasks](diagram.svg)\n\n");
                }
                Block::Table(table) => {
                    let _ = writeln!(out, "| {} |", table.header.join(" | "));
                    let _ = writeln!(out, "|{}", "---|".repeat(table.header.len()));
                    for row in &table.rows {
                        let mut cells: Vec<String> = row.cells.iter().map(|c| cell(c)).collect();
                        match row.tone {
                            Tone::Plain => {}
                            Tone::Current => cells[0] = format!("**{}**", cells[0]),
                            Tone::Warning => cells[0] = format!("⚠ {}", cells[0]),
                            Tone::Error => cells[0] = format!("✖ {}", cells[0]),
                        }
                        let _ = writeln!(out, "| {} |", cells.join(" | "));
                    }
                    out.push('\n');
                }
                Block::Steps(steps) => {
                    for (i, step) in steps.iter().enumerate() {
                        let _ = writeln!(out, "{}. {}", i + 1, one_line(step));
                    }
                    out.push('\n');
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_reaches_html_escaped_and_code_spans_become_code() {
        assert_eq!(
            inline_html("run `a<b` & <i>"),
            "run <code>a&lt;b</code> &amp; &lt;i&gt;"
        );
    }

    #[test]
    fn a_markdown_cell_keeps_its_row() {
        let report = Report {
            title: "t".into(),
            lead: Vec::new(),
            sections: vec![Section {
                id: "s",
                title: "S".into(),
                blocks: vec![Block::Table(Table {
                    header: vec!["a", "b"],
                    rows: vec![Row {
                        cells: vec!["x|y\nz".into(), String::new()],
                        tone: Tone::Error,
                    }],
                })],
            }],
        };
        assert!(render_markdown(&report).contains("| ✖ x\\|y z | — |\n"));
    }
}
