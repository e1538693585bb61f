//! Hostile names and values never reach a shell as code: each is refused with a finding, or
//! quoted so that it stays one inert word. And the same plan always gives the same bytes.

#[path = "support/judges.rs"]
mod judges;

use proptest::prelude::*;
use swarmplan_engine::bundle::{bundle_for, zip, Bundle};
use swarmplan_engine::{analyze, examples, parse_plan, Options, Plan};

const HOSTILE: [&str; 7] = [
    "$(reboot)",
    "a;reboot",
    "it's",
    "x\"y",
    "two\nlines",
    "nœud",
    "`reboot`",
];

fn example(id: &str) -> Plan {
    parse_plan(examples::example(id).expect("example").yaml).expect("parses")
}

fn export(plan: &Plan) -> Bundle {
    bundle_for(plan, &analyze(plan, &Options::default()))
}

#[test]
fn hostile_names_are_refused_with_a_finding_or_stay_inert() {
    for (i, hostile) in HOSTILE.iter().enumerate() {
        let mut plan = example("digital-access");
        plan.nodes[1].name = (*hostile).to_owned();
        plan.nodes[2]
            .labels
            .insert("role".into(), (*hostile).to_owned());
        plan.nodes[2]
            .labels
            .insert((*hostile).to_owned(), "true".into());
        plan.stacks[0]
            .variables
            .insert("TAG".into(), (*hostile).to_owned());
        plan.stacks[0]
            .variables
            .insert((*hostile).to_owned(), "1".into());
        let mut evil_stack = plan.stacks[0].clone();
        evil_stack.name = (*hostile).to_owned();
        plan.stacks.push(evil_stack);
        plan.export.shared_folders.push(format!("/mnt/{hostile}"));

        let b = export(&plan);
        let codes: Vec<&str> = b.findings.iter().map(|f| f.code.name()).collect();
        for code in ["export-unsafe-name", "export-unsafe-label"] {
            assert!(codes.contains(&code), "{hostile:?}: no {code} in {codes:?}");
        }
        // No file is named after it, and no script carries it unquoted.
        for file in &b.files {
            assert!(
                !file.path.contains(hostile),
                "{hostile:?} in path {}",
                file.path
            );
        }
        // Every script still passes the judges, and its dry run prints the hostile value as
        // one word instead of running anything.
        let dir = judges::scratch(&format!("hostile-{i}"));
        judges::write_bundle(&b, &dir);
        for file in b.files.iter().filter(|f| f.path.ends_with(".sh")) {
            judges::check_script(&dir.join(&file.path));
        }
        let out = judges::passes(
            "bash",
            &[
                dir.join("commands/deploy-stacks.sh").to_str().unwrap(),
                "--dry-run",
            ],
            None,
            &[],
        );
        let printed = judges::text(&out.stdout);
        if !hostile.contains('\n') {
            // `printf %q` writes the value back quoted: it was an argument, not code.
            assert!(printed.contains("TAG="), "{printed}");
        }
        assert!(!printed.contains(&format!(" {hostile}\n")), "{printed}");
    }
}

#[test]
fn a_hostile_label_value_is_quoted_when_it_is_only_unusual() {
    let mut plan = example("digital-access");
    plan.nodes[1]
        .labels
        .insert("zone".into(), "rack:1/a".into());
    let b = export(&plan);
    assert!(b
        .file("commands/node-labels.sh")
        .unwrap()
        .contents
        .contains("--label-add zone=rack:1/a da-node1"));
}

#[test]
fn every_example_exports_the_same_bytes_every_time() {
    for example in examples::EXAMPLES {
        let plan = parse_plan(example.yaml).expect("parses");
        let first = export(&plan);
        let first_zip = zip(&first);
        assert_eq!(&first_zip[..2], b"PK");
        for _ in 0..3 {
            let again = export(&plan);
            assert_eq!(again, first, "{}", example.id);
            assert_eq!(zip(&again), first_zip, "{}", example.id);
        }
        // The zip holds the tree, in order, with the same contents.
        let mut archive =
            zip::ZipArchive::new(std::io::Cursor::new(first_zip)).expect("a readable zip");
        assert_eq!(archive.len(), first.files.len());
        for (i, file) in first.files.iter().enumerate() {
            let mut entry = archive.by_index(i).expect("entry");
            assert_eq!(entry.name(), file.path);
            let mut contents = String::new();
            std::io::Read::read_to_string(&mut entry, &mut contents).expect("inflate");
            assert_eq!(contents, file.contents);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Renaming nodes, relabelling them and changing stack variables (any text) never makes
    /// the export differ between two runs, and never panics.
    #[test]
    fn exports_are_deterministic_for_any_names(
        node in "\\PC{0,12}",
        label in "\\PC{0,12}",
        value in "\\PC{0,12}",
        pick in 0usize..5,
    ) {
        let mut plan = parse_plan(examples::EXAMPLES[pick].yaml).expect("parses");
        if let Some(first) = plan.nodes.first_mut() {
            first.name = node;
            first.labels.insert(label, value.clone());
        }
        if let Some(stack) = plan.stacks.first_mut() {
            stack.variables.insert("V".into(), value);
        }
        let a = export(&plan);
        let b = export(&plan);
        prop_assert_eq!(zip(&a), zip(&b));
        prop_assert_eq!(a, b);
    }
}
