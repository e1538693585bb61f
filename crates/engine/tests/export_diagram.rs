//! The exported diagram (`diagram.svg`), read back as XML: it draws every host and node where
//! the app's canvas does, each node's tasks in its services' colours, and marks exactly the
//! failure domains whose loss breaks quorum. Its bytes are golden in every example's bundle
//! (tests/export_golden.rs); the browser tests render it in Chromium.

use roxmltree::{Document, Node};
use std::collections::BTreeMap;
use swarmplan_engine::domains::DomainKind;
use swarmplan_engine::drawing;
use swarmplan_engine::export::diagram::{self, CHIPS, PALETTE};
use swarmplan_engine::placement::{Task, Ties};
use swarmplan_engine::{analyze, examples::EXAMPLES, parse_plan, Analysis, Options, Plan};

fn groups<'a, 'i>(doc: &'a Document<'i>, attribute: &str) -> BTreeMap<String, Node<'a, 'i>> {
    doc.descendants()
        .filter(|n| n.has_tag_name("g"))
        .filter_map(|n| Some((n.attribute(attribute)?.to_owned(), n)))
        .collect()
}

/// The first `rect` of a group: its box, as x, y, width, height.
fn first_rect(group: Node) -> (f64, f64, f64, f64) {
    let rect = group
        .children()
        .find(|c| c.has_tag_name("rect"))
        .expect("a group draws its box first");
    let number = |name: &str| -> f64 {
        rect.attribute(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("rect {name}"))
    };
    (number("x"), number("y"), number("width"), number("height"))
}

/// A node group's task chips, in the order drawn.
fn chips_of<'a, 'i>(group: Node<'a, 'i>) -> Vec<Node<'a, 'i>> {
    group
        .children()
        .filter(|c| c.attribute("class") == Some("chip"))
        .collect()
}

/// Tasks in the order a card shows them: by the service's colour, then service and slot.
fn in_card_order<T>(
    tasks: &mut [T],
    task: impl Fn(&T) -> &Task,
    colours: &BTreeMap<String, usize>,
) {
    tasks.sort_by_key(|t| {
        let t = task(t);
        let service = format!("{}/{}", t.stack, t.service);
        (colours[&service], service, t.slot)
    });
}

fn breaks_quorum(analysis: &Analysis, kind: DomainKind, name: &str) -> bool {
    analysis
        .failures
        .iter()
        .any(|f| f.domain == kind && f.name == name && !f.quorum)
}

fn check(plan: &Plan, what: &str) {
    let analysis = analyze(plan, &Options::default());
    let svg = diagram::svg(plan, &analysis);
    let doc = Document::parse(&svg).unwrap_or_else(|e| panic!("{what}: not XML: {e}\n{svg}"));
    let root = doc.root_element();
    assert!(
        root.has_tag_name(("http://www.w3.org/2000/svg", "svg")),
        "{what}"
    );
    let drawn = drawing::layout(plan);

    let hosts = groups(&doc, "data-host");
    assert_eq!(hosts.len(), drawn.hosts.len(), "{what}: every host once");
    for host in &drawn.hosts {
        let group = hosts[&host.name];
        let r = host.rect;
        assert_eq!(
            first_rect(group),
            (r.x, r.y, r.width, r.height),
            "{what}: host {}",
            host.name
        );
        assert_eq!(
            group.attribute("data-at-risk"),
            Some(
                breaks_quorum(&analysis, DomainKind::Host, &host.name)
                    .to_string()
                    .as_str()
            ),
            "{what}: host {}",
            host.name
        );
    }
    for region in &drawn.regions {
        let kind = match region.kind {
            drawing::RegionKind::Site => DomainKind::Site,
            drawing::RegionKind::Rack => DomainKind::Rack,
        };
        let group = doc
            .descendants()
            .find(|n| {
                n.attribute("data-region") == Some(region.name.as_str())
                    && n.attribute("data-kind") == Some(kind.to_string().as_str())
            })
            .unwrap_or_else(|| panic!("{what}: region {}", region.name));
        assert_eq!(
            group.attribute("data-at-risk"),
            Some(
                breaks_quorum(&analysis, kind, &region.name)
                    .to_string()
                    .as_str()
            ),
            "{what}: region {}",
            region.name
        );
    }

    let colours = diagram::service_colours(&analysis);
    let nodes = groups(&doc, "data-node");
    assert_eq!(nodes.len(), plan.nodes.len(), "{what}: every node once");
    for card in &drawn.nodes {
        let group = nodes[&card.name];
        assert_eq!(
            group.attribute("data-on-host"),
            Some(card.host.as_str()),
            "{what}"
        );
        let r = card.rect;
        assert_eq!(
            first_rect(group),
            (r.x, r.y, r.width, r.height),
            "{what}: node {}",
            card.name
        );
        let mut tasks: Vec<&Task> = analysis
            .placement
            .iter()
            .filter(|t| t.node == card.name)
            .collect();
        in_card_order(&mut tasks, |t| t, &colours);
        let chips = chips_of(group);
        assert_eq!(
            chips.len(),
            tasks.len().min(CHIPS),
            "{what}: chips of {}",
            card.name
        );
        for (chip, task) in chips.iter().zip(&tasks) {
            let service = format!("{}/{}", task.stack, task.service);
            assert_eq!(
                chip.attribute("data-task"),
                Some(format!("{service}.{}", task.slot).as_str())
            );
            assert_eq!(
                chip.attribute("fill"),
                Some(PALETTE[colours[&service]]),
                "{what}: {service}"
            );
            // A chip names its ties only where Swarm had a choice, as the canvas does.
            let tied = match &task.ties {
                Some(Ties::Nodes(others)) => !others.is_empty(),
                Some(Ties::Many { .. }) => true,
                None => false,
            };
            let title = chip
                .children()
                .find(|c| c.has_tag_name("title"))
                .and_then(|t| t.text())
                .expect("a chip has a title");
            assert_eq!(title.ends_with(", as Swarm draws"), tied, "{what}: {title}");
        }
        let more = group
            .children()
            .filter_map(|c| c.text())
            .any(|t| t == format!("+{}", tasks.len().saturating_sub(CHIPS)));
        assert_eq!(more, tasks.len() > CHIPS, "{what}: +N on {}", card.name);
    }
}

#[test]
fn every_example_draws_every_host_node_and_task_and_marks_what_breaks_quorum() {
    for example in EXAMPLES {
        let plan = parse_plan(example.yaml).expect("example parses");
        check(&plan, example.id);
    }
}

#[test]
fn names_that_are_markup_stay_text() {
    let plan = parse_plan(
        r#"swarmplan: 1
name: "A & B <HA> \"plan\""
hosts:
  - { name: "h<1>", rack: "r&1", site: "s\"1" }
  - { name: h2, rack: r2, site: s2 }
nodes:
  - { name: "m&1", host: "h<1>", role: manager }
  - { name: "w'2", host: h2, role: worker }
stacks:
  - name: "a<b"
    compose:
      services:
        "x&y": { image: app, deploy: { replicas: 12 } }
"#,
    )
    .expect("parses");
    check(&plan, "markup names");
    let svg = diagram::svg(&plan, &analyze(&plan, &Options::default()));
    let doc = Document::parse(&svg).expect("XML");
    let title = doc
        .descendants()
        .find(|n| n.has_tag_name("title"))
        .expect("a title");
    assert_eq!(title.text(), Some("A & B <HA> \"plan\": topology"));
}

#[test]
fn the_same_plan_gives_the_same_diagram() {
    for example in EXAMPLES {
        let plan = parse_plan(example.yaml).expect("parses");
        let analysis = analyze(&plan, &Options::default());
        assert_eq!(
            diagram::svg(&plan, &analysis),
            diagram::svg(&plan, &analysis)
        );
    }
}

#[test]
fn a_what_if_marks_what_is_down_and_draws_the_tasks_where_they_run_during_it() {
    use std::collections::BTreeSet;
    use swarmplan_engine::domains::{single_domains, Failed};
    for example in EXAMPLES {
        let plan = parse_plan(example.yaml).expect("parses");
        let analysis = analyze(&plan, &Options::default());
        for domain in single_domains(&plan) {
            let what = format!("{} without {} {}", example.id, domain.kind, domain.name);
            let failed = BTreeSet::from([Failed::new(domain.kind, &domain.name)]);
            let svg = diagram::svg_what_if(&plan, &analysis, &failed);
            let doc = Document::parse(&svg).unwrap_or_else(|e| panic!("{what}: {e}"));
            let scenario = analysis
                .failures
                .iter()
                .find(|f| f.domain == domain.kind && f.name == domain.name)
                .expect("the analysis has every single domain");
            for (name, group) in groups(&doc, "data-host") {
                let down = domain.hosts.contains(&name);
                assert_eq!(
                    group.attribute("data-failed"),
                    Some(down.to_string().as_str()),
                    "{what}: host {name}"
                );
            }
            let nodes = groups(&doc, "data-node");
            for (name, group) in &nodes {
                let lost = scenario.lost_nodes.contains(name);
                assert_eq!(
                    group.attribute("data-lost"),
                    Some(lost.to_string().as_str()),
                    "{what}: node {name}"
                );
            }
            // Each node's chips: the tasks it runs during the failure, those moved there marked.
            let colours = diagram::service_colours(&analysis);
            let running: Vec<_> = scenario.running(&analysis.placement).collect();
            for (name, group) in &nodes {
                let mut here: Vec<&(&Task, bool)> =
                    running.iter().filter(|(t, _)| &t.node == name).collect();
                in_card_order(&mut here, |(t, _)| t, &colours);
                let chips = chips_of(*group);
                assert_eq!(
                    chips.len(),
                    here.len().min(CHIPS),
                    "{what}: chips of {name}"
                );
                for (chip, (task, moved)) in chips.iter().zip(&here) {
                    let id = format!("{}/{}.{}", task.stack, task.service, task.slot);
                    assert_eq!(
                        chip.attribute("data-task"),
                        Some(id.as_str()),
                        "{what}: on {name}"
                    );
                    assert_eq!(
                        chip.attribute("data-moved"),
                        Some(moved.to_string().as_str()),
                        "{what}: {id}"
                    );
                }
            }
            let sentence = doc
                .descendants()
                .find(|n| n.attribute("data-testid") == Some("what-if"))
                .and_then(|n| n.text())
                .expect("the what-if sentence");
            assert!(
                sentence.starts_with(&format!("What if {} {} fails: ", domain.kind, domain.name)),
                "{what}: {sentence}"
            );
            assert!(
                sentence.contains(if scenario.quorum {
                    "quorum kept"
                } else {
                    "QUORUM LOST"
                }),
                "{what}: {sentence}"
            );
        }
    }
}

#[test]
fn a_what_if_of_nothing_is_the_plain_diagram() {
    let plan = parse_plan(EXAMPLES[0].yaml).expect("parses");
    let analysis = analyze(&plan, &Options::default());
    let none = std::collections::BTreeSet::new();
    assert_eq!(
        diagram::svg_what_if(&plan, &analysis, &none),
        diagram::svg(&plan, &analysis)
    );
}
