//! `diagram.svg`: the plan's topology as one standalone SVG file, for a design document or a
//! site's binder. It is the app's canvas (`drawing::layout` places every shape) with what the
//! analysis says of it: each node's tasks as chips coloured by service, the failure domains
//! whose loss breaks the managers' quorum marked, and a title band with the quorum and what the
//! plan survives. No script, no external reference: it opens in any browser or vector editor
//! and prints as drawn.
//!
//! With a what-if ([`svg_what_if`], `swarmplan diagram --what-if host:esx1`), the failed domains
//! and the hosts and nodes they take down are marked, each node shows the tasks it runs during
//! the failure (those moved there outlined), and the title says what the failure does.

use crate::analysis::{Analysis, FailureScenario};
use crate::domains::{lost_hosts, DomainKind, Failed};
use crate::drawing::{self, fit, HostBox, Layout, NodeCard, Region, RegionKind, NAME_CHARS};
use crate::placement::{Task, Ties};
use crate::plan::{Availability, Plan, Role, ServiceId};
use crate::text::xml_escape;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The services' colours, in the order of the analysis' services, again from the first after
/// the last. The app's canvas uses the same (`.svc-N` in its stylesheet).
pub const PALETTE: [&str; 10] = [
    "#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#dc2626",
    "#64748b", "#c026d3",
];

/// Each service's colour (an index into [`PALETTE`]), by service id (`stack/service`).
pub fn service_colours(analysis: &Analysis) -> BTreeMap<String, usize> {
    analysis
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id(), i % PALETTE.len()))
        .collect()
}

/// The most task chips a node card shows before it says "+N", as on the canvas.
pub const CHIPS: usize = 10;
/// The most services the key lists by name.
const KEYED_SERVICES: usize = 40;
/// The title band above the drawing: the plan's name, its quorum and size, what it survives.
const TITLE: f64 = 80.0;
/// One line of the key below the drawing.
const KEY_LINE: f64 = 20.0;
/// The outline of a failed domain.
const FAILED_DASH: &str = r#" stroke-dasharray="6 3""#;

const FONT: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Liberation Sans', Arial, sans-serif";
const TEXT: &str = "#18202b";
const MUTED: &str = "#5a6575";
const DANGER: &str = "#b42318";
const ACCENT: &str = "#1d4ed8";

/// Whether losing this failure domain loses the managers' quorum.
fn breaks_quorum(analysis: &Analysis, kind: DomainKind, name: &str) -> bool {
    analysis
        .failures
        .iter()
        .any(|f| f.domain == kind && f.name == name && !f.quorum)
}

/// A task chip on a node card, on the canvas and in the diagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chip {
    /// `stack/service`.
    pub service: String,
    pub slot: u64,
    /// The service's colour, an index into [`PALETTE`].
    pub colour: usize,
    /// Moved to this node by the failure.
    pub moved: bool,
    /// "one of m1, w1, w2", when Swarm could equally have drawn another node for this task.
    pub ties: Option<String>,
}

/// The chips of each node, in colour order, from tasks and whether each was moved there by a
/// failure; `colours` as [`service_colours`] numbers the services.
pub fn chips<'a>(
    colours: &BTreeMap<String, usize>,
    tasks: impl Iterator<Item = (&'a Task, bool)>,
) -> BTreeMap<String, Vec<Chip>> {
    let mut chips: BTreeMap<String, Vec<Chip>> = BTreeMap::new();
    for (task, moved) in tasks {
        let service = ServiceId::new(&task.stack, &task.service).to_string();
        chips.entry(task.node.clone()).or_default().push(Chip {
            colour: colours.get(&service).copied().unwrap_or(0),
            service,
            slot: task.slot,
            moved,
            ties: task
                .ties
                .as_ref()
                .filter(|t| !matches!(t, Ties::Nodes(nodes) if nodes.is_empty()))
                .map(|_| task.one_of()),
        });
    }
    for list in chips.values_mut() {
        list.sort_by(|a, b| (a.colour, &a.service, a.slot).cmp(&(b.colour, &b.service, b.slot)));
    }
    chips
}

/// What the diagram shows failed, when it draws a what-if.
struct Failure<'a> {
    failed: &'a BTreeSet<Failed>,
    lost_hosts: BTreeSet<String>,
    scenario: FailureScenario,
}

impl Failure<'_> {
    fn failed(&self, kind: DomainKind, name: &str) -> bool {
        self.failed.contains(&Failed::new(kind, name))
    }
}

/// The plan's diagram, as an SVG document.
pub fn svg(plan: &Plan, analysis: &Analysis) -> String {
    draw(plan, analysis, None)
}

/// The plan's diagram during the failure of `failed` (the app's what-if): what is down marked,
/// each node with the tasks it runs then. Domains the plan does not have take nothing down.
pub fn svg_what_if(plan: &Plan, analysis: &Analysis, failed: &BTreeSet<Failed>) -> String {
    let lost = lost_hosts(plan, failed);
    if lost.is_empty() {
        return svg(plan, analysis);
    }
    let scenario = crate::analysis::what_if(plan, &lost).scenario;
    let failure = Failure {
        failed,
        lost_hosts: lost.into_iter().collect(),
        scenario,
    };
    draw(plan, analysis, Some(&failure))
}

fn draw(plan: &Plan, analysis: &Analysis, failure: Option<&Failure>) -> String {
    let drawing = drawing::layout(plan);
    let colours = service_colours(analysis);
    let chips = match failure {
        Some(f) => chips(&colours, f.scenario.running(&analysis.placement)),
        None => chips(&colours, analysis.placement.iter().map(|t| (t, false))),
    };
    let keyed = analysis.services.len().min(KEYED_SERVICES);
    let key_lines = 2 + keyed.div_ceil(3) + usize::from(analysis.services.len() > keyed);
    let width = drawing.width.max(800.0);
    let height = TITLE + drawing.height + key_lines as f64 * KEY_LINE + drawing::MARGIN;

    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="12" fill="{TEXT}">"#
    );
    let _ = writeln!(
        out,
        "<title>{}: topology</title>",
        xml_escape(&crate::text::one_line(&plan.name))
    );
    let _ = writeln!(
        out,
        r##"<rect width="100%" height="100%" fill="#f3f5f8"/>"##
    );
    title(&mut out, plan, analysis, failure);
    let _ = writeln!(out, r#"<g transform="translate(0 {TITLE})">"#);
    for region in &drawing.regions {
        region_shape(&mut out, region, analysis, failure);
    }
    for host in &drawing.hosts {
        host_shape(&mut out, host, analysis, failure);
    }
    for card in &drawing.nodes {
        let lost = failure.is_some_and(|f| f.scenario.lost_nodes.contains(&card.name));
        let chips = chips.get(&card.name).map_or(&[][..], Vec::as_slice);
        node_shape(&mut out, card, chips, lost);
    }
    out.push_str("</g>\n");
    key(&mut out, analysis, &drawing, keyed, failure.is_some());
    out.push_str("</svg>\n");
    out
}

/// The sentence under the title for a what-if: what failed and what it does.
fn what_if_sentence(failure: &Failure, managers: usize) -> String {
    let names: Vec<String> = failure
        .failed
        .iter()
        .map(|f| format!("{} {}", f.kind, f.name))
        .collect();
    let s = &failure.scenario;
    let mut sentence = format!(
        "What if {} fail{}: {} with {} of {managers} managers",
        names.join(", "),
        if names.len() == 1 { "s" } else { "" },
        if s.quorum {
            "quorum kept"
        } else {
            "QUORUM LOST"
        },
        s.managers_left
    );
    if !s.services.down.is_empty() {
        sentence.push_str(&format!("; down: {}", s.services.down.join(", ")));
    }
    if !s.services.degraded.is_empty() {
        sentence.push_str(&format!("; degraded: {}", s.services.degraded.join(", ")));
    }
    if s.quorum && s.services.down.is_empty() && s.services.degraded.is_empty() {
        sentence.push_str("; every service runs all its tasks");
    }
    sentence
}

fn title(out: &mut String, plan: &Plan, analysis: &Analysis, failure: Option<&Failure>) {
    let q = &analysis.quorum;
    let quorum = if q.managers == 0 {
        "no manager".to_owned()
    } else {
        format!(
            "{} manager{}, quorum {}, tolerates the loss of {}",
            q.managers,
            if q.managers == 1 { "" } else { "s" },
            q.majority,
            q.tolerates
        )
    };
    let _ = writeln!(
        out,
        r#"<text x="{m}" y="26" font-size="17" font-weight="600">{}</text>"#,
        xml_escape(&crate::text::one_line(&plan.name)),
        m = drawing::MARGIN
    );
    let _ = writeln!(
        out,
        r#"<text x="{m}" y="47" fill="{MUTED}">{} · {} node{} on {} host{}</text>"#,
        xml_escape(&quorum),
        plan.nodes.len(),
        if plan.nodes.len() == 1 { "" } else { "s" },
        plan.hosts.len(),
        if plan.hosts.len() == 1 { "" } else { "s" },
        m = drawing::MARGIN
    );
    let (line, colour) = match failure {
        Some(f) => (what_if_sentence(f, q.managers), DANGER),
        None => (analysis.survival.summary.clone(), MUTED),
    };
    let _ = writeln!(
        out,
        r#"<text x="{m}" y="66" fill="{colour}" data-testid="what-if">{}</text>"#,
        xml_escape(&crate::text::one_line(&line)),
        m = drawing::MARGIN
    );
}

fn region_shape(out: &mut String, region: &Region, analysis: &Analysis, failure: Option<&Failure>) {
    let (kind, word, fill, stroke) = match region.kind {
        RegionKind::Site => (DomainKind::Site, "SITE", "#eef2f7", "#c3ccd8"),
        RegionKind::Rack => (DomainKind::Rack, "RACK", "#e4e9f1", "#a9b4c3"),
    };
    let at_risk = breaks_quorum(analysis, kind, &region.name);
    let failed = failure.is_some_and(|f| f.failed(kind, &region.name));
    let r = region.rect;
    let (stroke, width) = if at_risk || failed {
        (DANGER, 2)
    } else {
        (stroke, 1)
    };
    let _ = writeln!(
        out,
        r#"<g class="region" data-kind="{}" data-region="{}" data-at-risk="{at_risk}" data-failed="{failed}">"#,
        word.to_lowercase(),
        xml_escape(&region.name)
    );
    let _ = writeln!(
        out,
        r#"<rect x="{}" y="{}" width="{}" height="{}" rx="10" fill="{fill}" stroke="{stroke}" stroke-width="{width}"{}/>"#,
        r.x,
        r.y,
        r.width,
        r.height,
        if failed { FAILED_DASH } else { "" }
    );
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" font-size="11" font-weight="600" fill="{MUTED}" letter-spacing="0.5">{word}  {}</text>"#,
        r.x + 12.0,
        r.y + 18.0,
        xml_escape(&fit(&region.name, 30))
    );
    if failed {
        risk_label(out, r.right() - 12.0, r.y + 18.0, "FAILED");
    } else if at_risk {
        risk_label(out, r.right() - 12.0, r.y + 18.0, "loss breaks quorum");
    }
    out.push_str("</g>\n");
}

fn risk_label(out: &mut String, x: f64, y: f64, text: &str) {
    let _ = writeln!(
        out,
        r#"<text x="{x}" y="{y}" text-anchor="end" font-size="11" font-weight="600" fill="{DANGER}">{text}</text>"#
    );
}

fn host_shape(out: &mut String, host: &HostBox, analysis: &Analysis, failure: Option<&Failure>) {
    let at_risk = breaks_quorum(analysis, DomainKind::Host, &host.name);
    let down = failure.is_some_and(|f| f.lost_hosts.contains(&host.name));
    let failed_itself = failure.is_some_and(|f| f.failed(DomainKind::Host, &host.name));
    let r = host.rect;
    let (stroke, width) = if at_risk || down {
        (DANGER, 2)
    } else {
        ("#b4bcc8", 1)
    };
    let dash = if down {
        FAILED_DASH
    } else if host.listed {
        ""
    } else {
        r#" stroke-dasharray="4 3""#
    };
    let _ = writeln!(
        out,
        r#"<g class="host" data-host="{}" data-at-risk="{at_risk}" data-failed="{down}">"#,
        xml_escape(&host.name)
    );
    let _ = writeln!(
        out,
        r##"<rect x="{}" y="{}" width="{}" height="{}" rx="8" fill="#ffffff" stroke="{stroke}" stroke-width="{width}"{dash}/>"##,
        r.x, r.y, r.width, r.height
    );
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" font-size="13" font-weight="600">{}</text>"#,
        r.x + 12.0,
        r.y + 19.0,
        xml_escape(&fit(&host.name, NAME_CHARS - 6))
    );
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" text-anchor="end" font-size="11" fill="{MUTED}">{} M · {} W</text>"#,
        r.right() - 12.0,
        r.y + 19.0,
        host.managers,
        host.workers
    );
    let capacity = if host.listed {
        host.capacity.as_str()
    } else {
        "not listed under hosts"
    };
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" font-size="11" fill="{MUTED}">{}</text>"#,
        r.x + 12.0,
        r.y + 35.0,
        xml_escape(capacity)
    );
    if down {
        risk_label(
            out,
            r.right() - 12.0,
            r.y + 35.0,
            if failed_itself { "FAILED" } else { "DOWN" },
        );
    } else if at_risk {
        risk_label(out, r.right() - 12.0, r.y + 35.0, "breaks quorum");
    }
    out.push_str("</g>\n");
}

fn node_shape(out: &mut String, card: &NodeCard, chips: &[Chip], lost: bool) {
    let r = card.rect;
    let manager = card.role == Role::Manager;
    let (fill, stroke, badge) = if manager {
        ("#e8eefc", ACCENT, ACCENT)
    } else {
        ("#e7f5f3", "#b4bcc8", "#0f766e")
    };
    let inactive = card.availability != Availability::Active;
    let _ = writeln!(
        out,
        r#"<g class="node" data-node="{}" data-on-host="{}" data-role="{}" data-lost="{lost}"{}>"#,
        xml_escape(&card.name),
        xml_escape(&card.host),
        card.role,
        if lost { r#" opacity="0.5""# } else { "" }
    );
    let dash = if inactive {
        r#" stroke-dasharray="4 3" opacity="0.7""#
    } else {
        ""
    };
    let _ = writeln!(
        out,
        r#"<rect x="{}" y="{}" width="{}" height="{}" rx="6" fill="{fill}" stroke="{stroke}" stroke-width="{}"{dash}/>"#,
        r.x,
        r.y,
        r.width,
        r.height,
        if manager { 1.5 } else { 1.0 }
    );
    // As on the canvas, the badge's shape tells the roles apart without colour: a square for a
    // manager, a circle for a worker.
    let (bx, by) = (r.x + 22.0, r.y + 22.0);
    if manager {
        let _ = writeln!(
            out,
            r#"<rect x="{}" y="{}" width="26" height="26" rx="5" fill="{badge}"/>"#,
            bx - 13.0,
            by - 13.0
        );
    } else {
        let _ = writeln!(
            out,
            r#"<circle cx="{bx}" cy="{by}" r="13" fill="{badge}"/>"#
        );
    }
    let _ = writeln!(
        out,
        r##"<text x="{bx}" y="{}" text-anchor="middle" font-size="12" font-weight="700" fill="#ffffff">{}</text>"##,
        by + 4.5,
        if manager { "M" } else { "W" }
    );
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" font-size="13" font-weight="600">{}</text>"#,
        r.x + 44.0,
        r.y + 20.0,
        xml_escape(&fit(&card.name, NAME_CHARS - 4))
    );
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" font-size="11" fill="{MUTED}">{}</text>"#,
        r.x + 44.0,
        r.y + 35.0,
        xml_escape(&card.detail)
    );
    if lost {
        risk_label(out, r.right() - 8.0, r.y + 18.0, "DOWN");
    } else if inactive {
        let _ = writeln!(
            out,
            r#"<text x="{}" y="{}" text-anchor="end" font-size="10" fill="{MUTED}">{}</text>"#,
            r.right() - 8.0,
            r.y + 18.0,
            card.availability
        );
    }
    let chip_y = r.bottom() - 16.0;
    for (i, chip) in chips.iter().take(CHIPS).enumerate() {
        let title = match &chip.ties {
            Some(ties) => format!("{}.{}: {ties}, as Swarm draws", chip.service, chip.slot),
            None => format!("{}.{}", chip.service, chip.slot),
        };
        let outline = if chip.moved {
            format!(r#" stroke="{TEXT}" stroke-width="1.5""#)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            r#"<rect class="chip" data-task="{}.{}" data-moved="{}" x="{}" y="{chip_y}" width="14" height="9" rx="2.5" fill="{}"{outline}><title>{}</title></rect>"#,
            xml_escape(&chip.service),
            chip.slot,
            chip.moved,
            r.x + 10.0 + i as f64 * 17.0,
            PALETTE[chip.colour],
            xml_escape(&title)
        );
    }
    if chips.len() > CHIPS {
        let _ = writeln!(
            out,
            r#"<text x="{}" y="{}" font-size="10" fill="{MUTED}">+{}</text>"#,
            r.x + 10.0 + CHIPS as f64 * 17.0,
            chip_y + 8.5,
            chips.len() - CHIPS
        );
    }
    out.push_str("</g>\n");
}

/// The key below the drawing: the marks, then the first services by colour.
fn key(out: &mut String, analysis: &Analysis, drawing: &Layout, keyed: usize, what_if: bool) {
    let m = drawing::MARGIN;
    let y0 = TITLE + drawing.height + 4.0;
    let _ = writeln!(
        out,
        r#"<g class="key" transform="translate({m} {y0})" font-size="11" fill="{MUTED}">"#
    );
    let _ = writeln!(
        out,
        r#"<rect x="0" y="2" width="14" height="14" rx="3" fill="{ACCENT}"/><text x="20" y="13">manager</text>"#
    );
    let _ = writeln!(
        out,
        r##"<circle cx="97" cy="9" r="7" fill="#0f766e"/><text x="110" y="13">worker</text>"##
    );
    let _ = writeln!(
        out,
        r#"<rect x="170" y="2" width="22" height="14" rx="3" fill="none" stroke="{DANGER}" stroke-width="2"/><text x="198" y="13">its loss breaks the managers' quorum</text>"#
    );
    let chips = if what_if {
        "chips: tasks during the failure, outlined if moved"
    } else {
        "chips: a node's tasks, by service"
    };
    let _ = writeln!(
        out,
        r#"<text x="430" y="13">{chips} (first {CHIPS})</text>"#
    );
    for (i, service) in analysis.services.iter().take(keyed).enumerate() {
        let (col, row) = (i % 3, i / 3 + 1);
        let (x, y) = (col as f64 * 260.0, row as f64 * KEY_LINE);
        let _ = writeln!(
            out,
            r#"<rect x="{x}" y="{}" width="14" height="9" rx="2.5" fill="{}"/><text x="{}" y="{}">{}</text>"#,
            y + 4.0,
            PALETTE[i % PALETTE.len()],
            x + 20.0,
            y + 12.0,
            xml_escape(&fit(&service.id(), 38))
        );
    }
    if analysis.services.len() > keyed {
        let _ = writeln!(
            out,
            r#"<text x="0" y="{}">and {} more services, in the same colours again</text>"#,
            (keyed.div_ceil(3) + 1) as f64 * KEY_LINE + 12.0,
            analysis.services.len() - keyed
        );
    }
    out.push_str("</g>\n");
}
