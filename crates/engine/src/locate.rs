//! Where a finding is in the plan's text: its target (`service:web/api`, `node:man1`) and its
//! key (`deploy.replicas`) as a path into the YAML, and that path's line and column, for the
//! command line to print and the app's editor to underline.

use crate::findings::{Finding, Target};
use crate::plan::Plan;
use crate::yaml::{self, PathStep};
use serde::Serialize;

/// A place in a plan's text: 1-based line, and 1-based column counted in characters (Unicode
/// scalar values, as the YAML reader counts them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Place {
    pub line: usize,
    pub column: usize,
}

/// The path to a target in the plan, as YAML steps: `stacks[2].compose.services.api` for a
/// service. `None` when the plan has no such item.
fn target_path<'p>(plan: &'p Plan, target: &'p Target) -> Option<Vec<PathStep<'p>>> {
    let index = |position: Option<usize>, list: &'static str| {
        position.map(|i| vec![PathStep::Key(list), PathStep::Index(i)])
    };
    match target {
        Target::Plan => Some(Vec::new()),
        Target::Host(name) => index(plan.hosts.iter().position(|h| &h.name == name), "hosts"),
        Target::Node(name) => index(plan.nodes.iter().position(|n| &n.name == name), "nodes"),
        Target::Stack(name) => index(plan.stacks.iter().position(|s| &s.name == name), "stacks"),
        Target::Service { stack, service } => {
            let mut path = index(plan.stacks.iter().position(|s| &s.name == stack), "stacks")?;
            path.extend([
                PathStep::Key("compose"),
                PathStep::Key("services"),
                PathStep::Key(service),
            ]);
            Some(path)
        }
        Target::Zone(name) => Some(vec![PathStep::Key("zones"), PathStep::Key(name)]),
        Target::Rack(name) => {
            let mut path = index(
                plan.hosts
                    .iter()
                    .position(|h| h.rack.as_ref() == Some(name)),
                "hosts",
            )?;
            path.push(PathStep::Key("rack"));
            Some(path)
        }
        Target::Site(name) => {
            let mut path = index(
                plan.hosts
                    .iter()
                    .position(|h| h.site.as_ref() == Some(name)),
                "hosts",
            )?;
            path.push(PathStep::Key("site"));
            Some(path)
        }
    }
}

/// Where `finding` is in `text`, the text `plan` was read from: the key it names under its
/// target, else the deepest part of that key that the text has, else the target itself. `None`
/// when the target is not in the text (a finding about the plan as a whole, with no key, is at
/// line 1). One read of the text per step tried: locate the findings on show, not thousands.
pub fn place(text: &str, plan: &Plan, finding: &Finding) -> Option<Place> {
    let mut path = target_path(plan, &finding.target)?;
    let target_len = path.len();
    if let Some(key) = &finding.key {
        path.extend(key.split('.').map(PathStep::Key));
    }
    if path.is_empty() {
        return Some(Place { line: 1, column: 1 });
    }
    while path.len() >= target_len.max(1) {
        if let Some((line, column)) = yaml::locate(text, &path) {
            return Some(Place { line, column });
        }
        path.pop();
    }
    None
}

/// [`place`] for text that is read here: `None` as well when the text is not a plan.
pub fn place_in_text(text: &str, finding: &Finding) -> Option<Place> {
    let plan = yaml::parse_plan_document(text).ok()?;
    place(text, &plan, finding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Code;

    const PLAN: &str = "swarmplan: 1
name: places
hosts:
  - { name: h1, rack: r1 }
  - name: h2
    site: dc2
nodes:
  - name: m1
    host: h1
    role: manager
  - {name: m2, host: h2, role: manager}
zones:
  users: [10.0.0.0/8]
stacks:
  - name: web
    compose:
      services:
        api:
          image: nginx
          deploy: { mode: global, replicas: 3 }
        \"db\":
          image: postgres
";

    fn at(target: Target, key: Option<&str>) -> Option<(usize, usize)> {
        let plan = crate::parse_plan(PLAN).expect("the plan reads");
        let mut finding = Finding::new(Code::LimitExceeded, target, "x");
        finding.key = key.map(str::to_owned);
        place(PLAN, &plan, &finding).map(|p| (p.line, p.column))
    }

    fn service(name: &str) -> Target {
        Target::Service {
            stack: "web".into(),
            service: name.into(),
        }
    }

    #[test]
    fn targets_and_keys_are_found_in_block_and_flow_styles() {
        assert_eq!(at(Target::Plan, None), Some((1, 1)));
        assert_eq!(at(Target::Plan, Some("nodes")), Some((7, 1)));
        assert_eq!(at(Target::Host("h1".into()), None), Some((4, 5)));
        assert_eq!(at(Target::Host("h2".into()), None), Some((5, 5)));
        assert_eq!(at(Target::Rack("r1".into()), None), Some((4, 17)));
        assert_eq!(at(Target::Site("dc2".into()), None), Some((6, 5)));
        assert_eq!(at(Target::Node("m2".into()), None), Some((11, 5)));
        assert_eq!(at(Target::Node("m2".into()), Some("role")), Some((11, 26)));
        assert_eq!(at(Target::Zone("users".into()), None), Some((13, 3)));
        assert_eq!(at(Target::Stack("web".into()), None), Some((15, 5)));
        assert_eq!(at(service("api"), None), Some((18, 9)));
        assert_eq!(at(service("api"), Some("deploy.replicas")), Some((20, 35)));
        assert_eq!(at(service("db"), Some("image")), Some((22, 11)));
    }

    #[test]
    fn a_missing_key_falls_back_to_its_target() {
        assert_eq!(
            at(service("api"), Some("deploy.resources.limits")),
            Some((20, 11))
        );
        assert_eq!(at(service("db"), Some("deploy.replicas")), Some((21, 9)));
        assert_eq!(at(Target::Node("nobody".into()), None), None);
        assert_eq!(at(service("nothing"), None), None);
    }

    #[test]
    fn columns_count_characters() {
        let text = "swarmplan: 1\nname: \"é\"\nnodes: [{name: \"ééé\", role: manager}]\n";
        let finding =
            Finding::new(Code::LimitExceeded, Target::Node("ééé".into()), "x").key("role");
        assert_eq!(
            place_in_text(text, &finding),
            Some(Place {
                line: 3,
                column: 23
            })
        );
    }
}
