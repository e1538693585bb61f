//! The topology drawing's geometry: where each site, rack, host and node goes, on the app's
//! canvas and in the exported diagram (`export::diagram`), which are the same picture.
//!
//! Pure and deterministic: the same plan always gives the same picture, so the canvas does not
//! jump while the plan is edited. Sites and racks are nested regions laid out left to right in
//! the order the plan first names them; hosts are boxes inside them; the nodes of a host are
//! cards stacked inside its box, in plan order. Nothing here knows about the DOM.

use crate::domains;
use crate::plan::{Availability, Plan, Role};

/// Space around the whole drawing.
pub const MARGIN: f64 = 16.0;
/// Space between the edge of a site or rack region and what it holds.
pub const REGION_PADDING: f64 = 14.0;
/// Height of the title strip at the top of a site or rack region.
pub const REGION_HEADER: f64 = 28.0;
/// Space between neighbouring regions or hosts.
pub const GAP: f64 = 16.0;
pub const HOST_WIDTH: f64 = 228.0;
/// Height of the host's title strip (name and capacity).
pub const HOST_HEADER: f64 = 44.0;
pub const HOST_PADDING: f64 = 10.0;
/// A node card: name and address, then a row of task chips.
pub const NODE_HEIGHT: f64 = 64.0;
pub const NODE_GAP: f64 = 8.0;
/// The most characters of a name that fit on a node card or host title.
pub const NAME_CHARS: usize = 22;

/// An axis-aligned rectangle in canvas units (CSS pixels at scale 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Rect {
    pub fn right(&self) -> f64 {
        self.x + self.width
    }

    pub fn bottom(&self) -> f64 {
        self.y + self.height
    }
}

/// Geometry checks of a drawing: what is nested in what, and that nothing overlaps.
impl Rect {
    /// Whether `other` lies entirely inside this rectangle (edges may touch).
    pub fn contains(&self, other: &Rect) -> bool {
        other.x >= self.x
            && other.y >= self.y
            && other.right() <= self.right()
            && other.bottom() <= self.bottom()
    }

    /// Whether the two rectangles share any area.
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.right()
            && other.x < self.right()
            && self.y < other.bottom()
            && other.y < self.bottom()
    }
}

/// A point in canvas units.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

impl Rect {
    pub fn holds(&self, p: Point) -> bool {
        p.x >= self.x && p.x <= self.x + self.width && p.y >= self.y && p.y <= self.y + self.height
    }
}

/// What lies under a point of the canvas: the innermost thing drawn there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hit {
    Node(String),
    Host(String),
    Rack { name: String, site: Option<String> },
    Site(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionKind {
    Site,
    Rack,
}

/// A site or a rack, drawn as a labelled region around its hosts.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub kind: RegionKind,
    pub name: String,
    /// The site a rack stands in, if any.
    pub site: Option<String>,
    pub rect: Rect,
}

/// A physical server.
#[derive(Debug, Clone, PartialEq)]
pub struct HostBox {
    pub name: String,
    pub rect: Rect,
    /// Capacity as written in the plan, such as "32 CPU · 256GiB"; empty when none is given.
    pub capacity: String,
    /// False for a server a node names without the plan listing it under `hosts`, and for the
    /// implicit server of a node that names none.
    pub listed: bool,
    pub managers: usize,
    pub workers: usize,
}

/// A swarm node, drawn as a card inside its host.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeCard {
    pub name: String,
    pub host: String,
    pub role: Role,
    pub availability: Availability,
    /// The node's address, or its size when it has none, for the card's second line.
    pub detail: String,
    pub rect: Rect,
}

/// The whole drawing, in painting order: regions (sites before the racks inside them), then
/// hosts, then nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    pub regions: Vec<Region>,
    pub hosts: Vec<HostBox>,
    pub nodes: Vec<NodeCard>,
}

/// Shortens a name to `max` characters, ending with an ellipsis when cut.
pub fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let kept: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{kept}…")
    }
}

/// One host's place in the site → rack nesting.
struct Placed<'a> {
    name: &'a str,
    rack: Option<&'a str>,
    site: Option<&'a str>,
}

/// Hosts grouped by rack, in order of first appearance; `None` holds the hosts in no rack.
type RackGroups<'a> = Vec<(Option<&'a str>, Vec<&'a str>)>;
/// Rack groups grouped by site, in order of first appearance; `None` holds the hosts in no site.
type SiteGroups<'a> = Vec<(Option<&'a str>, RackGroups<'a>)>;

fn group<'a>(hosts: &[Placed<'a>]) -> SiteGroups<'a> {
    let mut sites: SiteGroups<'a> = Vec::new();
    for host in hosts {
        let site_index = match sites.iter().position(|(s, _)| *s == host.site) {
            Some(i) => i,
            None => {
                sites.push((host.site, Vec::new()));
                sites.len() - 1
            }
        };
        let racks = &mut sites[site_index].1;
        match racks.iter_mut().find(|(r, _)| *r == host.rack) {
            Some((_, names)) => names.push(host.name),
            None => racks.push((host.rack, vec![host.name])),
        }
    }
    sites
}

/// Computes the drawing of a plan.
impl Layout {
    /// The innermost node, host, rack or site under `p`.
    pub fn hit(&self, p: Point) -> Option<Hit> {
        if let Some(node) = self.nodes.iter().rev().find(|n| n.rect.holds(p)) {
            return Some(Hit::Node(node.name.clone()));
        }
        if let Some(host) = self.hosts.iter().rev().find(|h| h.rect.holds(p)) {
            return Some(Hit::Host(host.name.clone()));
        }
        // Racks are painted after their site, so the last region that holds the point is the
        // innermost.
        self.regions
            .iter()
            .rev()
            .find(|r| r.rect.holds(p))
            .map(|r| match r.kind {
                RegionKind::Rack => Hit::Rack {
                    name: r.name.clone(),
                    site: r.site.clone(),
                },
                RegionKind::Site => Hit::Site(r.name.clone()),
            })
    }
}

pub fn layout(plan: &Plan) -> Layout {
    let names = domains::host_names(plan);
    let placed: Vec<Placed> = names
        .iter()
        .map(|name| {
            let host = plan.host(name);
            Placed {
                name,
                rack: host.and_then(|h| h.rack.as_deref()),
                site: host.and_then(|h| h.site.as_deref()),
            }
        })
        .collect();

    let mut builder = Builder {
        plan,
        layout: Layout {
            width: 0.0,
            height: 0.0,
            regions: vec![],
            hosts: vec![],
            nodes: vec![],
        },
    };
    let mut x = MARGIN;
    let mut bottom = MARGIN;
    for (site, racks) in group(&placed) {
        let (width, height) = match site {
            Some(site) => builder.region(RegionKind::Site, site, None, x, MARGIN, |b, x, y| {
                b.racks(&racks, Some(site), x, y)
            }),
            None => builder.racks(&racks, None, x, MARGIN),
        };
        x += width + GAP;
        bottom = bottom.max(MARGIN + height);
    }
    let mut layout = builder.layout;
    layout.width = if names.is_empty() {
        2.0 * MARGIN + HOST_WIDTH
    } else {
        x - GAP + MARGIN
    };
    layout.height = if names.is_empty() {
        2.0 * MARGIN + HOST_HEADER
    } else {
        bottom + MARGIN
    };
    layout
}

struct Builder<'p> {
    plan: &'p Plan,
    layout: Layout,
}

impl Builder<'_> {
    /// Draws a region whose content `inner` lays out from a given corner; returns the region's size.
    fn region(
        &mut self,
        kind: RegionKind,
        name: &str,
        site: Option<&str>,
        x: f64,
        y: f64,
        inner: impl FnOnce(&mut Self, f64, f64) -> (f64, f64),
    ) -> (f64, f64) {
        // The region is pushed before its content so that it is painted underneath it.
        let index = self.layout.regions.len();
        self.layout.regions.push(Region {
            kind,
            name: name.to_owned(),
            site: site.map(str::to_owned),
            rect: Rect {
                x,
                y,
                width: 0.0,
                height: 0.0,
            },
        });
        let (inner_width, inner_height) = inner(self, x + REGION_PADDING, y + REGION_HEADER);
        let width = inner_width + 2.0 * REGION_PADDING;
        let height = REGION_HEADER + inner_height + REGION_PADDING;
        self.layout.regions[index].rect = Rect {
            x,
            y,
            width,
            height,
        };
        (width, height)
    }

    /// Lays out racks (and hosts in no rack) side by side; returns the size they take.
    fn racks(&mut self, racks: &RackGroups, site: Option<&str>, x0: f64, y: f64) -> (f64, f64) {
        let mut x = x0;
        let mut height: f64 = 0.0;
        for (rack, hosts) in racks {
            let (w, h) = match rack {
                Some(rack) => self.region(RegionKind::Rack, rack, site, x, y, |b, x, y| {
                    b.hosts(hosts, x, y)
                }),
                None => self.hosts(hosts, x, y),
            };
            x += w + GAP;
            height = height.max(h);
        }
        (x - GAP - x0, height)
    }

    /// Lays out hosts side by side; returns the size they take.
    fn hosts(&mut self, hosts: &[&str], x0: f64, y: f64) -> (f64, f64) {
        let mut x = x0;
        let mut height: f64 = 0.0;
        for name in hosts {
            let h = self.host(name, x, y);
            x += HOST_WIDTH + GAP;
            height = height.max(h);
        }
        (x - GAP - x0, height)
    }

    /// Draws one host and its nodes; returns the host's height.
    fn host(&mut self, name: &str, x: f64, y: f64) -> f64 {
        let listed = self.plan.host(name);
        let nodes: Vec<_> = self
            .plan
            .nodes
            .iter()
            .filter(|n| n.host_name() == name)
            .collect();
        let mut node_y = y + HOST_HEADER;
        for node in &nodes {
            let detail = match (&node.ip, &node.cpus, &node.memory) {
                (Some(ip), _, _) => ip.to_string(),
                (None, Some(cpus), Some(memory)) => format!("{cpus} CPU · {memory}"),
                (None, Some(cpus), None) => format!("{cpus} CPU"),
                (None, None, Some(memory)) => memory.to_string(),
                (None, None, None) => String::new(),
            };
            self.layout.nodes.push(NodeCard {
                name: node.name.clone(),
                host: name.to_owned(),
                role: node.role,
                availability: node.availability,
                detail,
                rect: Rect {
                    x: x + HOST_PADDING,
                    y: node_y,
                    width: HOST_WIDTH - 2.0 * HOST_PADDING,
                    height: NODE_HEIGHT,
                },
            });
            node_y += NODE_HEIGHT + NODE_GAP;
        }
        // An empty host keeps room for one card, so that it reads as a server with space.
        let slots = nodes.len().max(1) as f64;
        let height = HOST_HEADER + slots * NODE_HEIGHT + (slots - 1.0) * NODE_GAP + HOST_PADDING;
        let capacity = match listed.map(|h| (&h.cpus, &h.memory)) {
            Some((Some(cpus), Some(memory))) => format!("{cpus} CPU · {memory}"),
            Some((Some(cpus), None)) => format!("{cpus} CPU"),
            Some((None, Some(memory))) => memory.to_string(),
            _ => String::new(),
        };
        let managers = nodes.iter().filter(|n| n.role == Role::Manager).count();
        self.layout.hosts.push(HostBox {
            name: name.to_owned(),
            rect: Rect {
                x,
                y,
                width: HOST_WIDTH,
                height,
            },
            capacity,
            listed: listed.is_some(),
            managers,
            workers: nodes.len() - managers,
        });
        height
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_plan;

    fn plan(yaml: &str) -> Plan {
        parse_plan(yaml).expect("test plan parses")
    }

    const THREE_SITES: &str = "
swarmplan: 1
name: three sites
hosts:
  - { name: a1, site: dc1, rack: ra }
  - { name: a2, site: dc1, rack: ra }
  - { name: b1, site: dc1, rack: rb }
  - { name: c1, site: dc2 }
  - { name: d1 }
nodes:
  - { name: m1, host: a1, role: manager, ip: 10.0.0.1 }
  - { name: w1, host: a1, role: worker }
  - { name: m2, host: b1, role: manager }
  - { name: m3, host: c1, role: manager, cpus: 2, memory: 4GiB }
  - { name: w2, host: d1 }
  - { name: w3, host: unlisted }
  - { name: loner }
";

    fn region<'a>(layout: &'a Layout, kind: RegionKind, name: &str) -> &'a Region {
        layout
            .regions
            .iter()
            .find(|r| r.kind == kind && r.name == name)
            .expect("region is drawn")
    }

    fn host<'a>(layout: &'a Layout, name: &str) -> &'a HostBox {
        layout
            .hosts
            .iter()
            .find(|h| h.name == name)
            .expect("host is drawn")
    }

    #[test]
    fn every_host_and_node_is_drawn_once() {
        let layout = layout(&plan(THREE_SITES));
        let hosts: Vec<&str> = layout.hosts.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(hosts, ["a1", "a2", "b1", "c1", "d1", "unlisted", "loner"]);
        let nodes: Vec<&str> = layout.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(nodes, ["m1", "w1", "m2", "m3", "w2", "w3", "loner"]);
    }

    #[test]
    fn regions_nest_sites_around_racks_around_hosts_around_nodes() {
        let layout = layout(&plan(THREE_SITES));
        let dc1 = region(&layout, RegionKind::Site, "dc1");
        let dc2 = region(&layout, RegionKind::Site, "dc2");
        let ra = region(&layout, RegionKind::Rack, "ra");
        let rb = region(&layout, RegionKind::Rack, "rb");
        assert!(dc1.rect.contains(&ra.rect) && dc1.rect.contains(&rb.rect));
        assert!(
            ra.rect.contains(&host(&layout, "a1").rect)
                && ra.rect.contains(&host(&layout, "a2").rect)
        );
        assert!(rb.rect.contains(&host(&layout, "b1").rect));
        assert!(dc2.rect.contains(&host(&layout, "c1").rect));
        assert!(!dc1.rect.overlaps(&dc2.rect) && !ra.rect.overlaps(&rb.rect));
        for node in &layout.nodes {
            assert!(
                host(&layout, &node.host).rect.contains(&node.rect),
                "{} sits in {}",
                node.name,
                node.host
            );
        }
        // A site is painted before the racks inside it.
        let order: Vec<&str> = layout.regions.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(order, ["dc1", "ra", "rb", "dc2"]);
    }

    #[test]
    fn nothing_overlaps_and_everything_fits_the_canvas() {
        let layout = layout(&plan(THREE_SITES));
        let canvas = Rect {
            x: 0.0,
            y: 0.0,
            width: layout.width,
            height: layout.height,
        };
        for (i, a) in layout.hosts.iter().enumerate() {
            assert!(canvas.contains(&a.rect), "{} fits", a.name);
            for b in &layout.hosts[i + 1..] {
                assert!(
                    !a.rect.overlaps(&b.rect),
                    "{} and {} do not overlap",
                    a.name,
                    b.name
                );
            }
        }
        for (i, a) in layout.nodes.iter().enumerate() {
            for b in &layout.nodes[i + 1..] {
                assert!(
                    !a.rect.overlaps(&b.rect),
                    "{} and {} do not overlap",
                    a.name,
                    b.name
                );
            }
        }
        for r in &layout.regions {
            assert!(canvas.contains(&r.rect), "{} fits", r.name);
        }
    }

    #[test]
    fn hosts_know_what_they_carry_and_whether_the_plan_lists_them() {
        let layout = layout(&plan(THREE_SITES));
        let a1 = host(&layout, "a1");
        assert_eq!((a1.managers, a1.workers, a1.listed), (1, 1, true));
        assert!(!host(&layout, "unlisted").listed);
        assert!(!host(&layout, "loner").listed);
        assert_eq!(
            host(&layout, "a2").managers + host(&layout, "a2").workers,
            0
        );
        // An empty host still has room for one card.
        assert!(host(&layout, "a2").rect.height >= HOST_HEADER + NODE_HEIGHT);
    }

    #[test]
    fn cards_show_role_and_address_or_size() {
        let layout = layout(&plan(THREE_SITES));
        let card = |name: &str| layout.nodes.iter().find(|n| n.name == name).unwrap();
        assert_eq!(
            (card("m1").role, card("m1").detail.as_str()),
            (Role::Manager, "10.0.0.1")
        );
        assert_eq!(card("m3").detail, "2 CPU · 4GiB");
        assert_eq!(
            (card("w1").role, card("w1").detail.as_str()),
            (Role::Worker, "")
        );
    }

    #[test]
    fn a_point_hits_the_innermost_thing() {
        let layout = layout(&plan(THREE_SITES));
        let centre = |r: &Rect| Point {
            x: r.x + r.width / 2.0,
            y: r.y + r.height / 2.0,
        };
        let m1 = layout.nodes.iter().find(|n| n.name == "m1").unwrap();
        assert_eq!(layout.hit(centre(&m1.rect)), Some(Hit::Node("m1".into())));
        let a2 = host(&layout, "a2");
        assert_eq!(layout.hit(centre(&a2.rect)), Some(Hit::Host("a2".into())));
        let ra = region(&layout, RegionKind::Rack, "ra");
        let in_rack_header = Point {
            x: ra.rect.x + 4.0,
            y: ra.rect.y + 4.0,
        };
        assert_eq!(
            layout.hit(in_rack_header),
            Some(Hit::Rack {
                name: "ra".into(),
                site: Some("dc1".into())
            })
        );
        let dc1 = region(&layout, RegionKind::Site, "dc1");
        let in_site_header = Point {
            x: dc1.rect.x + 4.0,
            y: dc1.rect.y + 4.0,
        };
        assert_eq!(layout.hit(in_site_header), Some(Hit::Site("dc1".into())));
        assert_eq!(layout.hit(Point { x: -5.0, y: -5.0 }), None);
    }

    #[test]
    fn the_same_plan_gives_the_same_drawing() {
        assert_eq!(layout(&plan(THREE_SITES)), layout(&plan(THREE_SITES)));
    }

    #[test]
    fn an_empty_plan_still_has_a_canvas() {
        let layout = layout(&plan("swarmplan: 1\nname: empty\n"));
        assert!(layout.hosts.is_empty() && layout.nodes.is_empty() && layout.regions.is_empty());
        assert!(layout.width > 0.0 && layout.height > 0.0);
    }

    #[test]
    fn long_names_are_cut_with_an_ellipsis() {
        assert_eq!(fit("short", 8), "short");
        assert_eq!(fit("a-very-long-hostname", 8), "a-very-…");
        assert_eq!(fit("a-very-long-hostname", 8).chars().count(), 8);
    }
}
