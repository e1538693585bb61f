//! The canvas's pointer tool, a small explicit state machine (after tldraw's Idle → Pointing →
//! Dragging), the viewport's pan and zoom, and what a drop or an arrow key means as an `Edit`. No DOM: the
//! topology component feeds it pointer positions and applies what comes out.

use crate::edit::{self, Edit, EditError, Place};
use swarmplan_engine::drawing::{Hit, Layout, Point, Rect, RegionKind};
use swarmplan_engine::Plan;

/// How far (in screen pixels) a pointer moves before a press becomes a drag or a pan.
pub const DRAG_THRESHOLD: f64 = 4.0;

/// What can be picked up and dropped elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grab {
    Node(String),
    Host(String),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Tool {
    #[default]
    Idle,
    /// The pointer went down on something and has not moved far yet: a click or a drag.
    Pressing { hit: Hit, start: Point, pan: Point },
    /// Something is being carried; `at` is the pointer in canvas units.
    Dragging { grab: Grab, at: Point },
    /// The background is being dragged; `origin` is the pan when it started.
    Panning {
        start: Point,
        origin: Point,
        moved: bool,
    },
}

/// What a finished gesture asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Nothing,
    /// A press and release without moving: select (or fail) what was hit; `None` is the
    /// background.
    Click(Option<Hit>),
    Drop {
        grab: Grab,
        over: Option<Hit>,
    },
}

fn far(a: Point, b: Point) -> bool {
    (a.x - b.x).hypot(a.y - b.y) >= DRAG_THRESHOLD
}

impl Tool {
    /// The pointer goes down at `screen` on `hit`, with the viewport panned to `pan`.
    pub fn down(hit: Option<Hit>, screen: Point, pan: Point) -> Tool {
        match hit {
            Some(hit) => Tool::Pressing {
                hit,
                start: screen,
                pan,
            },
            None => Tool::Panning {
                start: screen,
                origin: pan,
                moved: false,
            },
        }
    }

    /// The pointer moves; returns the next state and the new pan when the view moves.
    pub fn moved(self, screen: Point, canvas: Point) -> (Tool, Option<Point>) {
        match self {
            Tool::Pressing { hit, start, pan } if far(start, screen) => match hit {
                Hit::Node(name) => (
                    Tool::Dragging {
                        grab: Grab::Node(name),
                        at: canvas,
                    },
                    None,
                ),
                Hit::Host(name) => (
                    Tool::Dragging {
                        grab: Grab::Host(name),
                        at: canvas,
                    },
                    None,
                ),
                // Sites and racks do not move: dragging one pans the view.
                Hit::Rack { .. } | Hit::Site(_) => Tool::Panning {
                    start,
                    origin: pan,
                    moved: true,
                }
                .moved(screen, canvas),
            },
            Tool::Dragging { grab, .. } => (Tool::Dragging { grab, at: canvas }, None),
            Tool::Panning {
                start,
                origin,
                moved,
            } => {
                let moved = moved || far(start, screen);
                let pan = Point {
                    x: origin.x + screen.x - start.x,
                    y: origin.y + screen.y - start.y,
                };
                (
                    Tool::Panning {
                        start,
                        origin,
                        moved,
                    },
                    moved.then_some(pan),
                )
            }
            other => (other, None),
        }
    }

    /// The pointer goes up over `over`.
    pub fn up(self, over: Option<Hit>) -> Outcome {
        match self {
            Tool::Pressing { hit, .. } => Outcome::Click(Some(hit)),
            Tool::Dragging { grab, .. } => Outcome::Drop { grab, over },
            Tool::Panning { moved: false, .. } => Outcome::Click(None),
            Tool::Panning { moved: true, .. } | Tool::Idle => Outcome::Nothing,
        }
    }
}

/// The edit a drop makes: a node onto a host (or onto a node, meaning its host); a host onto a
/// rack or site (joining it), onto another host (joining its rack and site, just before it) or
/// onto the bare canvas (leaving its rack and site). `None` when the drop changes nothing.
pub fn drop_edit(
    plan: &Plan,
    layout: &Layout,
    grab: &Grab,
    over: Option<&Hit>,
) -> Option<Result<Edit, EditError>> {
    let host_of_node = |name: &str| {
        layout
            .nodes
            .iter()
            .find(|n| n.name == name)
            .map(|n| n.host.clone())
    };
    match grab {
        Grab::Node(node) => {
            let target = match over? {
                Hit::Host(host) => host.clone(),
                Hit::Node(other) => host_of_node(other)?,
                Hit::Rack { .. } | Hit::Site(_) => return None,
            };
            if host_of_node(node).as_deref() == Some(target.as_str()) {
                return None;
            }
            Some(edit::move_node(plan, node, &target))
        }
        Grab::Host(host) => {
            let place_of = |name: &str| Place::of_host(plan, name);
            let (place, before) = match over {
                None => (Place::default(), None),
                Some(Hit::Site(site)) => (Place::site(site), None),
                Some(Hit::Rack { name, site }) => (Place::rack(name, site.as_deref()), None),
                Some(Hit::Host(other)) => (place_of(other), Some(other.clone())),
                Some(Hit::Node(node)) => {
                    let other = host_of_node(node)?;
                    (place_of(&other), Some(other))
                }
            };
            if before.as_deref() == Some(host.as_str()) {
                return None;
            }
            // Dropped where it already is, in the same place: nothing to do.
            if before.is_none() && place_of(host) == place && plan.host(host).is_some() {
                return None;
            }
            match edit::move_host(plan, host, place, before.as_deref()) {
                Err(_) if before.is_some() => None,
                result => Some(result),
            }
        }
    }
}

/// What a carried node or host would land on at canvas point `at`, to outline it: a host (a
/// node's own host when it is over a node), or, for a host, a rack or site.
pub fn drop_target(layout: &Layout, grab: &Grab, at: Point) -> Option<Rect> {
    let host = |name: &str| layout.hosts.iter().find(|h| h.name == name).map(|h| h.rect);
    let region = |kind: RegionKind, name: &str| {
        layout
            .regions
            .iter()
            .find(|r| r.kind == kind && r.name == name)
            .map(|r| r.rect)
    };
    match (grab, layout.hit(at)?) {
        (Grab::Node(_), Hit::Node(n)) => {
            let card = layout.nodes.iter().find(|c| c.name == n)?;
            host(&card.host)
        }
        (_, Hit::Host(h)) => host(&h),
        (Grab::Host(_), Hit::Rack { name, .. }) => region(RegionKind::Rack, &name),
        (Grab::Host(_), Hit::Site(name)) => region(RegionKind::Site, &name),
        _ => None,
    }
}

/// Pan and zoom: a canvas point `c` is drawn at `c * zoom + pan` in the viewport.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    pub pan: Point,
    pub zoom: f64,
}

pub const MIN_ZOOM: f64 = 0.25;
pub const MAX_ZOOM: f64 = 3.0;

impl Default for Viewport {
    fn default() -> Self {
        Viewport {
            pan: Point::default(),
            zoom: 1.0,
        }
    }
}

impl Viewport {
    /// The canvas point under a viewport point.
    pub fn to_canvas(self, p: Point) -> Point {
        Point {
            x: (p.x - self.pan.x) / self.zoom,
            y: (p.y - self.pan.y) / self.zoom,
        }
    }

    /// Zooms by `factor`, keeping the canvas point under viewport point `at` where it is.
    pub fn zoom_at(self, at: Point, factor: f64) -> Viewport {
        let zoom = (self.zoom * factor).clamp(MIN_ZOOM, MAX_ZOOM);
        let anchor = self.to_canvas(at);
        Viewport {
            zoom,
            pan: Point {
                x: at.x - anchor.x * zoom,
                y: at.y - anchor.y * zoom,
            },
        }
    }

    /// Shows the whole drawing (`width` × `height`) in a viewport of `view_w` × `view_h`, never
    /// larger than life.
    pub fn fit(width: f64, height: f64, view_w: f64, view_h: f64) -> Viewport {
        if width <= 0.0 || height <= 0.0 || view_w <= 0.0 || view_h <= 0.0 {
            return Viewport::default();
        }
        let zoom = (view_w / width).min(view_h / height).clamp(MIN_ZOOM, 1.0);
        Viewport {
            zoom,
            pan: Point {
                x: ((view_w - width * zoom) / 2.0).max(0.0),
                y: ((view_h - height * zoom) / 2.0).max(0.0),
            },
        }
    }

    /// The viewport that brings `rect` into a view of `view_w` × `view_h`: its centre in the
    /// middle at the same zoom, or `None` when its centre is in view already.
    pub fn reveal(self, rect: Rect, view_w: f64, view_h: f64) -> Option<Viewport> {
        let (cx, cy) = (rect.x + rect.width / 2.0, rect.y + rect.height / 2.0);
        let (sx, sy) = (cx * self.zoom + self.pan.x, cy * self.zoom + self.pan.y);
        if (0.0..=view_w).contains(&sx) && (0.0..=view_h).contains(&sy) {
            return None;
        }
        Some(Viewport {
            pan: Point {
                x: view_w / 2.0 - cx * self.zoom,
                y: view_h / 2.0 - cy * self.zoom,
            },
            zoom: self.zoom,
        })
    }

    pub fn transform(self) -> String {
        format!(
            "translate({:.1} {:.1}) scale({:.3})",
            self.pan.x, self.pan.y, self.zoom
        )
    }
}

/// The edit an arrow key makes on a focused shape, the keyboard's drag: `step` −1 (left, up) or
/// +1 (right, down) through the hosts in drawing order. A node moves to the host before or after
/// its own; a host trades places with its neighbour, taking the neighbour's rack and site as a
/// drop onto it would. `None` at either end, and for a server the plan does not list.
pub fn key_move(
    plan: &Plan,
    layout: &Layout,
    grab: &Grab,
    step: isize,
) -> Option<Result<Edit, EditError>> {
    let at = |name: &str| layout.hosts.iter().position(|h| h.name == name);
    let neighbour = |i: usize, by: isize| {
        i.checked_add_signed(by)
            .and_then(|j| layout.hosts.get(j))
            .map(|h| h.name.clone())
    };
    match grab {
        Grab::Node(node) => {
            let host = layout.nodes.iter().find(|n| &n.name == node)?.host.clone();
            let target = neighbour(at(&host)?, step)?;
            drop_edit(plan, layout, grab, Some(&Hit::Host(target)))
        }
        Grab::Host(host) => {
            plan.host(host)?;
            let i = at(host)?;
            let next = neighbour(i, step)?;
            if step < 0 {
                // Just before the previous host, in its rack and site.
                return drop_edit(plan, layout, grab, Some(&Hit::Host(next)));
            }
            // Just after the next host, in its rack and site.
            Some(edit::move_host_after(plan, host, &next))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use swarmplan_engine::drawing::layout;
    use swarmplan_engine::parse_plan;

    fn p(x: f64, y: f64) -> Point {
        Point { x, y }
    }

    #[test]
    fn a_press_without_moving_is_a_click() {
        let tool = Tool::down(Some(Hit::Host("h".into())), p(10.0, 10.0), p(0.0, 0.0));
        let (tool, pan) = tool.moved(p(11.0, 11.0), p(11.0, 11.0));
        assert_eq!(pan, None);
        assert_eq!(tool.up(None), Outcome::Click(Some(Hit::Host("h".into()))));
        let background = Tool::down(None, p(0.0, 0.0), p(0.0, 0.0));
        assert_eq!(background.up(None), Outcome::Click(None));
    }

    #[test]
    fn a_press_that_moves_drags_a_node_and_drops_it() {
        let tool = Tool::down(Some(Hit::Node("n".into())), p(10.0, 10.0), p(0.0, 0.0));
        let (tool, _) = tool.moved(p(30.0, 10.0), p(30.0, 10.0));
        assert_eq!(
            tool,
            Tool::Dragging {
                grab: Grab::Node("n".into()),
                at: p(30.0, 10.0)
            }
        );
        assert_eq!(
            tool.up(Some(Hit::Host("h2".into()))),
            Outcome::Drop {
                grab: Grab::Node("n".into()),
                over: Some(Hit::Host("h2".into()))
            }
        );
    }

    #[test]
    fn the_background_and_regions_pan() {
        let tool = Tool::down(None, p(10.0, 10.0), p(5.0, 5.0));
        let (tool, pan) = tool.moved(p(30.0, 40.0), p(0.0, 0.0));
        assert_eq!(pan, Some(p(25.0, 35.0)));
        assert_eq!(tool.up(None), Outcome::Nothing, "a pan is not a click");
        let tool = Tool::down(Some(Hit::Site("dc".into())), p(0.0, 0.0), p(0.0, 0.0));
        let (tool, pan) = tool.moved(p(10.0, 0.0), p(0.0, 0.0));
        assert_eq!(pan, Some(p(10.0, 0.0)));
        assert!(matches!(tool, Tool::Panning { moved: true, .. }));
    }

    const PLAN: &str = "
swarmplan: 1
name: t
hosts:
  - { name: a, site: dc1, rack: r1 }
  - { name: b, site: dc1, rack: r2 }
  - { name: c, site: dc2 }
nodes:
  - { name: m1, host: a, role: manager }
  - { name: m2, host: b, role: manager }
  - { name: m3, host: c, role: manager }
";

    fn drop(grab: Grab, over: Option<Hit>) -> Option<Plan> {
        let plan = parse_plan(PLAN).unwrap();
        let layout = layout(&plan);
        let edit = drop_edit(&plan, &layout, &grab, over.as_ref())?.expect("the drop applies");
        let mut after = plan.clone();
        edit.apply(&mut after).unwrap();
        Some(after)
    }

    #[test]
    fn dropping_a_node_on_a_host_or_its_node_moves_it_there() {
        let after = drop(Grab::Node("m1".into()), Some(Hit::Host("b".into()))).unwrap();
        assert_eq!(after.node("m1").unwrap().host_name(), "b");
        let after = drop(Grab::Node("m1".into()), Some(Hit::Node("m3".into()))).unwrap();
        assert_eq!(after.node("m1").unwrap().host_name(), "c");
        assert_eq!(
            drop(Grab::Node("m1".into()), Some(Hit::Host("a".into()))),
            None
        );
        assert_eq!(drop(Grab::Node("m1".into()), None), None);
    }

    #[test]
    fn dropping_a_host_moves_it_into_racks_sites_and_order() {
        let after = drop(
            Grab::Host("c".into()),
            Some(Hit::Rack {
                name: "r1".into(),
                site: Some("dc1".into()),
            }),
        )
        .unwrap();
        let c = after.host("c").unwrap();
        assert_eq!(
            (c.site.as_deref(), c.rack.as_deref()),
            (Some("dc1"), Some("r1"))
        );
        let after = drop(Grab::Host("c".into()), Some(Hit::Host("a".into()))).unwrap();
        let order: Vec<&str> = after.hosts.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(order, ["c", "a", "b"]);
        assert_eq!(after.host("c").unwrap().rack.as_deref(), Some("r1"));
        let after = drop(Grab::Host("a".into()), None).unwrap();
        assert_eq!(after.host("a").unwrap().site, None);
        assert_eq!(
            drop(Grab::Host("c".into()), Some(Hit::Site("dc2".into()))),
            None
        );
    }

    fn arrow(grab: Grab, step: isize) -> Option<Plan> {
        let plan = parse_plan(PLAN).unwrap();
        let layout = layout(&plan);
        let edit = key_move(&plan, &layout, &grab, step)?.expect("the move applies");
        let mut after = plan.clone();
        edit.apply(&mut after).unwrap();
        Some(after)
    }

    #[test]
    fn arrow_keys_move_a_node_to_the_next_or_previous_host() {
        let after = arrow(Grab::Node("m1".into()), 1).unwrap();
        assert_eq!(after.node("m1").unwrap().host_name(), "b");
        let after = arrow(Grab::Node("m2".into()), -1).unwrap();
        assert_eq!(after.node("m2").unwrap().host_name(), "a");
        assert_eq!(
            arrow(Grab::Node("m1".into()), -1),
            None,
            "a is the first host"
        );
        assert_eq!(
            arrow(Grab::Node("m3".into()), 1),
            None,
            "c is the last host"
        );
    }

    #[test]
    fn arrow_keys_move_a_host_past_its_neighbour_into_its_place() {
        let order = |plan: &Plan| -> Vec<String> {
            layout(plan).hosts.iter().map(|h| h.name.clone()).collect()
        };
        let place = |plan: &Plan, host: &str| {
            let h = plan.host(host).unwrap();
            (h.site.clone(), h.rack.clone())
        };
        let after = arrow(Grab::Host("a".into()), 1).unwrap();
        assert_eq!(order(&after), ["b", "a", "c"]);
        assert_eq!(place(&after, "a"), (Some("dc1".into()), Some("r2".into())));
        let after = arrow(Grab::Host("b".into()), 1).unwrap();
        assert_eq!(order(&after), ["a", "c", "b"]);
        assert_eq!(place(&after, "b"), (Some("dc2".into()), None));
        let after = arrow(Grab::Host("c".into()), -1).unwrap();
        assert_eq!(order(&after), ["a", "c", "b"]);
        assert_eq!(place(&after, "c"), (Some("dc1".into()), Some("r2".into())));
        assert_eq!(arrow(Grab::Host("a".into()), -1), None);
        assert_eq!(arrow(Grab::Host("c".into()), 1), None);
    }

    #[test]
    fn a_carried_shape_outlines_where_it_would_land() {
        let plan = parse_plan(PLAN).unwrap();
        let layout = layout(&plan);
        let centre = |r: Rect| p(r.x + r.width / 2.0, r.y + r.height / 2.0);
        let host_b = layout.hosts.iter().find(|h| h.name == "b").unwrap().rect;
        let node_m2 = layout.nodes.iter().find(|n| n.name == "m2").unwrap().rect;
        let rack_r1 = layout.regions.iter().find(|r| r.name == "r1").unwrap().rect;
        let node = Grab::Node("m1".into());
        let host = Grab::Host("c".into());
        assert_eq!(drop_target(&layout, &node, centre(node_m2)), Some(host_b));
        assert_eq!(drop_target(&layout, &host, centre(node_m2)), None);
        // Just inside the rack's title strip, over no host.
        let in_rack = p(rack_r1.x + 4.0, rack_r1.y + 4.0);
        assert_eq!(drop_target(&layout, &host, in_rack), Some(rack_r1));
        assert_eq!(drop_target(&layout, &node, in_rack), None);
        assert_eq!(drop_target(&layout, &node, p(-100.0, -100.0)), None);
    }

    #[test]
    fn revealing_centres_what_is_out_of_view() {
        let view = Viewport {
            pan: p(0.0, 0.0),
            zoom: 2.0,
        };
        let rect = |x: f64, y: f64| Rect {
            x,
            y,
            width: 10.0,
            height: 10.0,
        };
        assert_eq!(view.reveal(rect(10.0, 10.0), 400.0, 300.0), None);
        let moved = view.reveal(rect(500.0, 20.0), 400.0, 300.0).unwrap();
        assert_eq!(moved.zoom, 2.0);
        assert_eq!(moved.pan, p(200.0 - 505.0 * 2.0, 150.0 - 25.0 * 2.0));
        assert_eq!(moved.reveal(rect(500.0, 20.0), 400.0, 300.0), None);
    }

    #[test]
    fn zooming_keeps_the_point_under_the_pointer() {
        let view = Viewport::default();
        let at = p(100.0, 50.0);
        let before = view.to_canvas(at);
        let zoomed = view.zoom_at(at, 2.0);
        assert_eq!(zoomed.zoom, 2.0);
        let after = zoomed.to_canvas(at);
        assert!((before.x - after.x).abs() < 1e-9 && (before.y - after.y).abs() < 1e-9);
        assert_eq!(view.zoom_at(at, 100.0).zoom, MAX_ZOOM);
        let fit = Viewport::fit(2000.0, 500.0, 1000.0, 500.0);
        assert_eq!(fit.zoom, 0.5);
        assert_eq!(Viewport::fit(100.0, 100.0, 1000.0, 500.0).zoom, 1.0);
    }
}
