//! A service as the scheduler sees it: its constraints matched against every node, its host
//! ports and per-node limit, and the shape of its spread tree, each computed once per distinct
//! constraint list and preference list and shared.

use super::spread::{Shape, SpreadLevel};
use crate::compose::{PortMode, Service};
use crate::constraint::{self, Constraint, Key};
use crate::plan::{Plan, Protocol, ServiceId};
use std::collections::BTreeMap;
use std::rc::Rc;

/// A service as the scheduler sees it.
pub struct Spec<'a> {
    pub stack: &'a str,
    pub service: &'a Service,
    /// `Err` holds Docker's parse error: the service cannot be created.
    pub constraints: Result<Vec<Constraint>, String>,
    pub(super) host_ports: Vec<(u16, Protocol)>,
    pub(super) max_replicas_per_node: Option<u64>,
    /// Per node: whether it meets the constraints. Labels do not change while tasks are placed,
    /// so this is computed once per distinct constraint list and shared.
    pub matches: Rc<[bool]>,
    /// The nodes that meet the constraints, in plan order.
    pub(super) eligible: Rc<[u32]>,
    /// Which distinct constraint list the service has: services with the same list share it.
    pub(super) constraint_id: usize,
    /// The shape of the service's spread tree, shared by every service with the same spread
    /// preferences. Only `node.labels.*` and `engine.labels.*` descriptors count; Swarm ignores
    /// others.
    pub(super) shape: Rc<Shape<'a>>,
}

/// Per node, whether it meets a constraint list; and the nodes that do.
type Matching = (Rc<[bool]>, Rc<[u32]>, usize);

/// Builds the scheduler's view of every service, computing constraint matches, spread label
/// values and spread tree shapes once per distinct constraint list, label and preference list.
pub fn specs<'a>(
    plan: &'a Plan,
    services: impl IntoIterator<Item = (&'a str, &'a Service)>,
) -> Vec<Spec<'a>> {
    let mut matches: BTreeMap<&'a [String], Matching> = BTreeMap::new();
    let mut values: BTreeMap<(bool, &'a str), Rc<SpreadLevel<'a>>> = BTreeMap::new();
    let mut shapes: BTreeMap<Vec<(bool, &'a str)>, Rc<Shape<'a>>> = BTreeMap::new();
    let rank = super::join_rank(plan);
    services
        .into_iter()
        .map(|(stack, service)| {
            let constraints = constraint::parse_all(&service.constraints);
            let next_constraint_id = matches.len();
            let (matching, eligible, constraint_id) = matches
                .entry(service.constraints.as_slice())
                .or_insert_with(|| {
                    let matching: Rc<[bool]> = match &constraints {
                        Ok(constraints) => plan
                            .nodes
                            .iter()
                            .map(|n| constraint::all_match(constraints, n))
                            .collect(),
                        Err(_) => plan.nodes.iter().map(|_| false).collect(),
                    };
                    let eligible = (0..matching.len() as u32)
                        .filter(|&i| matching[i as usize])
                        .collect();
                    (matching, eligible, next_constraint_id)
                })
                .clone();
            let spreads: Vec<(bool, &'a str)> = service
                .preferences
                .iter()
                .filter_map(|descriptor| {
                    match constraint::parse(&format!("{descriptor}==x")).map(|c| c.key) {
                        Ok(Key::NodeLabel(_)) => Some((false, descriptor.as_str())),
                        Ok(Key::EngineLabel(_)) => Some((true, descriptor.as_str())),
                        _ => None,
                    }
                })
                .collect();
            let next_id = shapes.len();
            let shape = shapes
                .entry(spreads)
                .or_insert_with_key(|spreads| {
                    let levels = spreads
                        .iter()
                        .map(|&(engine, descriptor)| {
                            values
                                .entry((engine, descriptor))
                                .or_insert_with(|| Rc::new(spread_level(plan, engine, descriptor)))
                                .clone()
                        })
                        .collect();
                    Rc::new(Shape::new(next_id, levels, &rank))
                })
                .clone();
            Spec {
                stack,
                service,
                constraints,
                host_ports: service
                    .ports
                    .iter()
                    .filter(|p| p.mode == PortMode::Host)
                    .filter_map(|p| p.published.map(|port| (port, p.protocol)))
                    .collect(),
                max_replicas_per_node: service.max_replicas_per_node,
                matches: matching,
                eligible,
                constraint_id,
                shape,
            }
        })
        .collect()
}

/// Every node's value for a `node.labels.*` (or, with `engine`, `engine.labels.*`) spread
/// descriptor; "" for a node without the label.
fn spread_level<'a>(plan: &'a Plan, engine: bool, descriptor: &'a str) -> SpreadLevel<'a> {
    let prefix = if engine {
        "engine.labels.".len()
    } else {
        "node.labels.".len()
    };
    let label = &descriptor[prefix..];
    SpreadLevel::new(
        plan.nodes
            .iter()
            .map(|n| {
                let labels = if engine { &n.engine_labels } else { &n.labels };
                labels.get(label).map(String::as_str).unwrap_or("")
            })
            .collect(),
    )
}

impl Spec<'_> {
    pub fn id(&self) -> String {
        ServiceId::new(self.stack, &self.service.name).to_string()
    }
}
