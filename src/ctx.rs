//! The state every component shares: `Ctx`, the signals of the document, its history, the plan
//! → analysis → drawing and what-if memos, the selection and the mode, and the types they hold
//! (`Selection`, `Mode`, `Panel`, `Dialog`). Every change goes through `Ctx::apply` as an `Edit`,
//! which is what makes undo, redo and the YAML sync one mechanism. `app.rs` builds it; the
//! components read it from the context.

use crate::edit::{Edit, EditError, Place};
use crate::history::History;
use crate::on_demand;
use crate::state::Document;
use crate::whatif::{Failed, WhatIf};
use leptos::prelude::*;
use std::collections::BTreeSet;
use swarmplan_engine::domains::{self, DomainKind};
use swarmplan_engine::drawing::{Layout, Rect, RegionKind};
use swarmplan_engine::plan::ServiceId;
use swarmplan_engine::{Analysis, Plan, Target};

/// What is selected on the canvas (or through a finding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    Node(String),
    Host(String),
    Rack(String),
    Site(String),
    /// `stack/service`: its task chips are highlighted.
    Service(String),
}

impl Selection {
    /// What a finding's target selects, when it is something the canvas draws.
    pub fn of_target(target: &Target) -> Option<Selection> {
        Some(match target {
            Target::Host(n) => Selection::Host(n.clone()),
            Target::Rack(n) => Selection::Rack(n.clone()),
            Target::Site(n) => Selection::Site(n.clone()),
            Target::Node(n) => Selection::Node(n.clone()),
            Target::Service { stack, service } => {
                Selection::Service(ServiceId::new(stack, service).to_string())
            }
            Target::Plan | Target::Stack(_) | Target::Zone(_) => return None,
        })
    }

    /// The failure domain a click in what-if mode switches.
    pub fn domain(&self, plan: &Plan) -> Option<Failed> {
        Some(match self {
            Selection::Host(n) => Failed::new(DomainKind::Host, n.clone()),
            Selection::Node(n) => Failed::new(DomainKind::Host, plan.node(n)?.host_name()),
            Selection::Rack(n) => Failed::new(DomainKind::Rack, n.clone()),
            Selection::Site(n) => Failed::new(DomainKind::Site, n.clone()),
            Selection::Service(_) => return None,
        })
    }

    /// Where a new host or rack goes: into the selected site or rack, or beside the selected
    /// host or node; a rack stands in the site of its first host.
    pub fn place(selection: Option<&Selection>, plan: &Plan) -> Place {
        match selection {
            Some(Selection::Site(site)) => Place::site(site),
            Some(Selection::Rack(rack)) => {
                let site = plan
                    .hosts
                    .iter()
                    .find(|h| h.rack.as_deref() == Some(rack))
                    .and_then(|h| h.site.as_deref());
                Place::rack(rack, site)
            }
            Some(Selection::Host(host)) => Place::of_host(plan, host),
            Some(Selection::Node(node)) => plan
                .node(node)
                .map_or_else(Place::default, |n| Place::of_host(plan, n.host_name())),
            Some(Selection::Service(_)) | None => Place::default(),
        }
    }

    /// The host a new node goes on: the selected one, the selected node's, or the last one.
    pub fn host_for_new_node(selection: Option<&Selection>, plan: &Plan) -> Option<String> {
        match selection {
            Some(Selection::Host(host)) => Some(host.clone()),
            Some(Selection::Node(node)) => plan.node(node).map(|n| n.host_name().to_owned()),
            _ => domains::host_names(plan).pop(),
        }
    }

    /// The rectangle of the selected shape in a drawing, to bring it into view; a service has
    /// none.
    pub fn rect(&self, drawing: &Layout) -> Option<Rect> {
        let region = |kind: RegionKind, name: &str| {
            drawing
                .regions
                .iter()
                .find(|r| r.kind == kind && r.name == name)
                .map(|r| r.rect)
        };
        match self {
            Selection::Node(n) => drawing.nodes.iter().find(|c| &c.name == n).map(|c| c.rect),
            Selection::Host(n) => drawing.hosts.iter().find(|h| &h.name == n).map(|h| h.rect),
            Selection::Rack(n) => region(RegionKind::Rack, n),
            Selection::Site(n) => region(RegionKind::Site, n),
            Selection::Service(_) => None,
        }
    }
}

/// What a click on the canvas does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Select,
    /// Clicks fail and restore hosts, racks and sites.
    WhatIf,
}

/// The right-hand panel on show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    Yaml,
    Services,
    Firewall,
    Exports,
    Runbooks,
    Compare,
}

impl Panel {
    /// The tabs, in their order on the page.
    pub const ALL: [Panel; 6] = [
        Panel::Yaml,
        Panel::Services,
        Panel::Firewall,
        Panel::Exports,
        Panel::Runbooks,
        Panel::Compare,
    ];

    /// The panel's tab: its id (the element's `id` and `data-testid` are `tab-` and this) and
    /// its label.
    pub fn tab(self) -> (&'static str, &'static str) {
        match self {
            Panel::Yaml => ("yaml", "YAML"),
            Panel::Services => ("services", "Services"),
            Panel::Firewall => ("firewall", "Firewall"),
            Panel::Exports => ("exports", "Exports"),
            Panel::Runbooks => ("runbooks", "Runbooks"),
            Panel::Compare => ("compare", "Compare"),
        }
    }

    /// The tab `steps` places to the right (to the left when negative), going round.
    pub fn beside(self, steps: isize) -> Panel {
        let count = Panel::ALL.len() as isize;
        let at = Panel::ALL.iter().position(|p| *p == self).unwrap_or(0) as isize;
        Panel::ALL[(at + steps).rem_euclid(count) as usize]
    }
}

/// A dialog over the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialog {
    /// The sizing wizard.
    Sizing,
    /// Importing a running swarm's JSON.
    Cluster,
}

/// The app's state, shared by every component through the context. All fields are signals, so
/// the whole is `Copy`.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub document: RwSignal<Document>,
    pub history: RwSignal<History>,
    pub plan: Memo<Plan>,
    pub analysis: Memo<Analysis>,
    pub drawing: Memo<Layout>,
    pub failed: RwSignal<BTreeSet<Failed>>,
    pub whatif: Memo<WhatIf>,
    pub selection: RwSignal<Option<Selection>>,
    pub mode: RwSignal<Mode>,
    pub panel: RwSignal<Panel>,
    /// A short message about the last action, such as why an edit was refused.
    pub notice: RwSignal<Option<String>>,
    /// Why the analysis and the drawing are held back: the last visit crashed on this plan
    /// (`crash`). Changing the text, or analysing anyway, releases them.
    pub held: RwSignal<Option<String>>,
    /// Asks the canvas to bring the selection into view.
    pub reveal: RwSignal<u32>,
    /// Asks the YAML editor to select this line of its text and take the focus (a finding's
    /// "Show in YAML"); the editor clears it once done.
    pub show_line: RwSignal<Option<usize>>,
    /// The dialog on show, if any.
    pub dialog: RwSignal<Option<Dialog>>,
    /// The plan text as it was when the page opened (the autosaved version), to compare with.
    pub opened: StoredValue<String>,
    /// The text last saved to a file in this visit.
    pub saved: RwSignal<Option<String>>,
    /// The other plan of the comparison panel: what it is called, its text, and whether it is
    /// the plan before (the cluster as it is) rather than the proposal.
    pub compare: RwSignal<Option<Comparand>>,
    /// How many plans edits have set, to match each with its YAML (`Document::set_plan`).
    writes: StoredValue<u64>,
}

/// The other plan of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparand {
    pub label: String,
    pub text: String,
    pub is_before: bool,
}

/// The signals `Ctx` derives from the document, which the app makes first.
pub struct Derived {
    pub plan: Memo<Plan>,
    pub analysis: Memo<Analysis>,
    pub drawing: Memo<Layout>,
    pub failed: RwSignal<BTreeSet<Failed>>,
    pub whatif: Memo<WhatIf>,
    pub notice: RwSignal<Option<String>>,
    pub held: RwSignal<Option<String>>,
}

impl Ctx {
    /// The state of a page just opened on `document`: nothing selected, no dialog, the YAML
    /// panel on show.
    pub fn new(document: RwSignal<Document>, derived: Derived) -> Ctx {
        let Derived {
            plan,
            analysis,
            drawing,
            failed,
            whatif,
            notice,
            held,
        } = derived;
        Ctx {
            document,
            history: RwSignal::new(History::default()),
            plan,
            analysis,
            drawing,
            failed,
            whatif,
            selection: RwSignal::new(None),
            mode: RwSignal::new(Mode::Select),
            panel: RwSignal::new(Panel::Yaml),
            notice,
            held,
            reveal: RwSignal::new(0),
            show_line: RwSignal::new(None),
            dialog: RwSignal::new(None),
            opened: StoredValue::new(document.with_untracked(|d| d.text().to_owned())),
            saved: RwSignal::new(None),
            compare: RwSignal::new(None),
            writes: StoredValue::new(0),
        }
    }

    /// Shows a plan changed by an edit, undo or redo; its YAML follows as soon as it is written
    /// (by code loaded on demand, `on_demand::plan_yaml`), and the editor waits for it.
    fn show_plan(&self, plan: Plan) {
        let write = self.writes.get_value() + 1;
        self.writes.set_value(write);
        self.document.update(|d| d.set_plan(plan.clone(), write));
        let ctx = *self;
        leptos::task::spawn_local(async move {
            match on_demand::plan_yaml(plan).await {
                Ok(text) => ctx.document.update(|d| d.settle_text(write, text)),
                Err(_) => {
                    ctx.document.update(|d| d.abandon_text(write));
                    ctx.notice.set(Some(format!(
                        "{} The YAML does not show the last change yet.",
                        on_demand::UNAVAILABLE
                    )));
                }
            }
        });
    }

    /// Applies an edit to the plan as one step of the history; the YAML follows.
    pub fn apply(&self, edit: Edit) -> bool {
        let mut plan = self.plan.get_untracked();
        let mut ok = true;
        self.history.update(|history| {
            if let Err(error) = history.apply(&mut plan, edit, None) {
                self.notice.set(Some(error.to_string()));
                ok = false;
            }
        });
        if ok {
            self.show_plan(plan);
            self.notice.set(None);
        }
        ok
    }

    /// Applies an edit built from the current plan, or shows why it cannot be made.
    pub fn apply_result(&self, edit: Result<Edit, EditError>) -> bool {
        match edit {
            Ok(edit) => self.apply(edit),
            Err(error) => {
                self.notice.set(Some(error.to_string()));
                false
            }
        }
    }

    /// Takes a new text; when it parses to another plan, the plan it replaced becomes an undo
    /// step, joined with the one before under the same `key` (`History::record`).
    fn take_text(&self, text: String, key: Option<&'static str>) {
        let mut replaced = None;
        self.document.update(|d| replaced = d.edit(text));
        if let Some(before) = replaced {
            self.history
                .update(|h| h.record(Edit::ReplacePlan(Box::new(before)), key));
        }
    }

    /// Takes text typed in the YAML editor. A run of typing that parses is one undo step.
    pub fn type_text(&self, text: String) {
        self.take_text(text, Some("yaml"));
    }

    /// Ends the holding back that follows a crash (`held`): the plan is analysed again.
    pub fn analyse_anyway(&self) {
        crate::crash::release();
        self.held.set(None);
    }

    /// Replaces the whole text (an opened file, an example, a share link) as one undo step.
    pub fn replace_text(&self, text: String) {
        self.history.update(History::seal);
        self.take_text(text, None);
        self.failed.set(BTreeSet::new());
        self.selection.set(None);
    }

    pub fn undo(&self) {
        let mut plan = self.plan.get_untracked();
        let mut done = false;
        self.history.update(|h| done = h.undo(&mut plan));
        if done {
            self.show_plan(plan);
        }
    }

    pub fn redo(&self) {
        let mut plan = self.plan.get_untracked();
        let mut done = false;
        self.history.update(|h| done = h.redo(&mut plan));
        if done {
            self.show_plan(plan);
        }
    }

    /// Fails a domain that is up, or brings back one that is failed.
    pub fn toggle_failed(&self, domain: Failed) {
        self.failed.update(|failed| {
            if !failed.remove(&domain) {
                failed.insert(domain);
            }
        });
    }

    pub fn select(&self, selection: Option<Selection>) {
        self.selection.set(selection);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use swarmplan_engine::drawing::layout;
    use swarmplan_engine::parse_plan;

    const PLAN: &str = "
swarmplan: 1
name: t
hosts:
  - { name: a, site: dc1, rack: r1 }
  - { name: b, site: dc1 }
  - { name: c }
nodes:
  - { name: m1, host: a, role: manager }
  - { name: w1, host: b, role: worker }
";

    #[test]
    fn a_new_host_goes_where_the_selection_is() {
        let plan = parse_plan(PLAN).unwrap();
        let place = |s: Selection| Selection::place(Some(&s), &plan);
        assert_eq!(place(Selection::Site("dc1".into())), Place::site("dc1"));
        assert_eq!(
            place(Selection::Rack("r1".into())),
            Place::rack("r1", Some("dc1"))
        );
        assert_eq!(place(Selection::Host("b".into())), Place::site("dc1"));
        assert_eq!(
            place(Selection::Node("m1".into())),
            Place::rack("r1", Some("dc1"))
        );
        assert_eq!(place(Selection::Service("s/web".into())), Place::default());
        assert_eq!(Selection::place(None, &plan), Place::default());
    }

    #[test]
    fn a_new_node_goes_on_the_selected_host_or_the_last() {
        let plan = parse_plan(PLAN).unwrap();
        let host = |s: Option<Selection>| Selection::host_for_new_node(s.as_ref(), &plan);
        assert_eq!(
            host(Some(Selection::Host("b".into()))).as_deref(),
            Some("b")
        );
        assert_eq!(
            host(Some(Selection::Node("m1".into()))).as_deref(),
            Some("a")
        );
        assert_eq!(host(None).as_deref(), Some("c"));
        assert_eq!(
            host(Some(Selection::Site("dc1".into()))).as_deref(),
            Some("c")
        );
        assert_eq!(
            Selection::host_for_new_node(None, &Plan::new("empty")),
            None
        );
    }

    #[test]
    fn a_selection_is_found_in_the_drawing() {
        let plan = parse_plan(PLAN).unwrap();
        let drawing = layout(&plan);
        let node = drawing.nodes.iter().find(|n| n.name == "w1").unwrap().rect;
        assert_eq!(Selection::Node("w1".into()).rect(&drawing), Some(node));
        let rack = Selection::Rack("r1".into()).rect(&drawing).unwrap();
        assert!(rack.contains(&Selection::Host("a".into()).rect(&drawing).unwrap()));
        assert!(Selection::Site("dc1".into())
            .rect(&drawing)
            .unwrap()
            .contains(&rack));
        assert_eq!(Selection::Service("s/web".into()).rect(&drawing), None);
        assert_eq!(Selection::Host("gone".into()).rect(&drawing), None);
    }

    #[test]
    fn the_tabs_go_round() {
        assert_eq!(Panel::Yaml.beside(1), Panel::Services);
        assert_eq!(Panel::Yaml.beside(-1), Panel::Compare);
        assert_eq!(Panel::Compare.beside(1), Panel::Yaml);
        let ids: Vec<&str> = Panel::ALL.iter().map(|p| p.tab().0).collect();
        assert_eq!(
            ids,
            ["yaml", "services", "firewall", "exports", "runbooks", "compare"]
        );
    }
}
