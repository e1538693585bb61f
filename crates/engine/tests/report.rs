//! The design report (`swarmplan report`): its Markdown is golden for every example; its HTML
//! is read back as XML and must be one file that needs nothing else, whose tables say what the
//! analysis says. The browser tests print it on A4 and Letter in Chromium.
//!
//! Refresh the golden files with `UPDATE_EXPECT=1 cargo test -p swarmplan-engine --test report`.

use expect_test::expect_file;
use roxmltree::{Document, Node};
use swarmplan_engine::export::diagram;
use swarmplan_engine::{analyze, examples::EXAMPLES, parse_plan, report, Options, Plan};

fn example(id: &str) -> Plan {
    parse_plan(
        swarmplan_engine::examples::example(id)
            .expect("example")
            .yaml,
    )
    .expect("parses")
}

fn elements<'a, 'i>(doc: &'a Document<'i>, tag: &'a str) -> impl Iterator<Item = Node<'a, 'i>> {
    doc.descendants().filter(move |n| n.has_tag_name(tag))
}

fn text_of(node: Node) -> String {
    node.descendants()
        .filter(Node::is_text)
        .filter_map(|t| t.text())
        .collect()
}

/// The rows of the table that follows the section's heading, as cell texts.
fn table(doc: &Document, section: &str, nth: usize) -> Vec<Vec<String>> {
    let section = elements(doc, "section")
        .find(|s| s.attribute("id") == Some(section))
        .unwrap_or_else(|| panic!("section {section}"));
    let table = section
        .descendants()
        .filter(|n| n.has_tag_name("table"))
        .nth(nth)
        .unwrap_or_else(|| panic!("table {nth}"));
    table
        .descendants()
        .filter(|n| n.has_tag_name("tr"))
        .map(|tr| {
            tr.children()
                .filter(|c| c.is_element())
                .map(text_of)
                .collect()
        })
        .collect()
}

#[test]
fn golden_markdown_of_every_example() {
    for e in EXAMPLES {
        let plan = example(e.id);
        let analysis = analyze(&plan, &Options::default());
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden/reports")
            .join(format!("{}.md", e.id));
        expect_file![path].assert_eq(&report::markdown(&plan, &analysis));
    }
}

#[test]
fn the_html_needs_nothing_else_and_says_what_the_analysis_says() {
    for e in EXAMPLES {
        let plan = example(e.id);
        let analysis = analyze(&plan, &Options::default());
        let html = report::html(&plan, &analysis);
        let doc = Document::parse_with_options(
            &html,
            roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
        )
        .unwrap_or_else(|err| panic!("{}: the report is well-formed: {err}", e.id));

        // One file: no script, and nothing it refers to but its own sections.
        assert_eq!(elements(&doc, "script").count(), 0, "{}", e.id);
        for node in doc.descendants().filter(Node::is_element) {
            for attribute in node.attributes() {
                if matches!(attribute.name(), "href" | "src") {
                    assert!(
                        attribute.value().starts_with('#'),
                        "{}: {} refers outside the report",
                        e.id,
                        attribute.value()
                    );
                }
            }
        }
        assert!(!html.contains("url("), "{}: no CSS fetch", e.id);
        // Every anchor of the contents leads to a section.
        let ids: Vec<&str> = elements(&doc, "section")
            .filter_map(|s| s.attribute("id"))
            .collect();
        assert_eq!(ids.len(), 8, "{}: every part of the report", e.id);
        for a in elements(&doc, "a") {
            let target = a.attribute("href").expect("href").trim_start_matches('#');
            assert!(ids.contains(&target), "{}: #{target}", e.id);
        }
        // The diagram is the one `swarmplan diagram` draws.
        assert!(html.contains(&diagram::svg(&plan, &analysis)), "{}", e.id);

        // Every row of every table has its header's cells.
        for t in elements(&doc, "table") {
            let widths: Vec<usize> = t
                .descendants()
                .filter(|n| n.has_tag_name("tr"))
                .map(|tr| tr.children().filter(|c| c.is_element()).count())
                .collect();
            assert!(
                widths.windows(2).all(|w| w[0] == w[1]),
                "{}: {widths:?}",
                e.id
            );
        }

        // The quorum row marked is the plan's; the failure table has every domain's verdict.
        let quorum = table(&doc, "quorum", 0);
        let current: Vec<&Vec<String>> = quorum.iter().filter(|r| r[3] == "this plan").collect();
        assert_eq!(current.len(), 1, "{}", e.id);
        assert_eq!(
            current[0][0],
            analysis.quorum.managers.to_string(),
            "{}",
            e.id
        );
        let failures = table(&doc, "failures", 0);
        assert_eq!(failures.len(), analysis.failures.len() + 1, "{}", e.id);
        for (row, failure) in failures[1..].iter().zip(&analysis.failures) {
            assert_eq!(row[0], format!("{} {}", failure.domain, failure.name));
            assert_eq!(row[2], failure.managers_left.to_string());
            assert_eq!(row[3], if failure.quorum { "holds" } else { "LOST" });
            for down in &failure.services.down {
                assert!(row[4].contains(down.as_str()), "{}: {row:?}", e.id);
            }
        }
        // Each service's row names its nodes and hosts.
        let services = table(&doc, "placement", 0);
        for (row, s) in services[1..].iter().zip(&analysis.services) {
            assert_eq!(row[0], s.id());
            assert_eq!(row[2], format!("{}/{}", s.running, s.desired));
            for node in &s.nodes {
                assert!(row[3].contains(node.as_str()), "{}: {row:?}", e.id);
            }
        }
        // One VM row per node; each finding once.
        assert_eq!(table(&doc, "machines", 0).len(), plan.nodes.len() + 1);
        let findings = elements(&doc, "section")
            .find(|s| s.attribute("id") == Some("findings"))
            .expect("findings");
        assert_eq!(
            findings
                .descendants()
                .filter(|n| n.has_tag_name("tr"))
                .count(),
            if analysis.findings.is_empty() {
                0
            } else {
                analysis.findings.len() + 1
            },
            "{}",
            e.id
        );
    }
}

#[test]
fn a_plans_own_words_are_text_never_markup() {
    let mut plan = example("digital-access");
    plan.name = "<script>alert(1)</script> & co".into();
    plan.description = Some("see <img src=x onerror=alert(1)>".into());
    let analysis = analyze(&plan, &Options::default());
    let html = report::html(&plan, &analysis);
    assert!(!html.contains("<script>"));
    assert!(!html.contains("<img"));
    assert!(html.contains("<title>&lt;script&gt;alert(1)&lt;/script&gt; &amp; co: design</title>"));
}

#[test]
fn a_plan_over_the_limits_reports_only_why() {
    let mut plan = example("digital-access");
    let worker = plan.nodes.last().expect("a node").clone();
    for i in 0..=swarmplan_engine::limits::Limit::Nodes.value() {
        let mut node = worker.clone();
        node.name = format!("w{i}");
        plan.nodes.push(node);
    }
    let analysis = analyze(&plan, &Options::default());
    let text = report::markdown(&plan, &analysis);
    assert!(text.contains("## Findings"), "{text}");
    assert!(!text.contains("## Runbooks"), "{text}");
    assert!(text.contains("| limit-exceeded |"), "{text}");
}
