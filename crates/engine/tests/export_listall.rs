//! The `--list-all` check, fed with what firewalld itself printed after running a generated
//! node script (the golden printouts of `export_golden`), then with that printout altered.

// A test is a shell around the engine: it reads and writes files, as the command line does.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use swarmplan_engine::export::{firewall, listall};
use swarmplan_engine::{analyze, examples, parse_plan, Options, Plan};

fn setup(id: &str) -> (Plan, firewall::PortMatrix, String) {
    let plan = parse_plan(examples::example(id).expect("example").yaml).expect("parses");
    let analysis = analyze(&plan, &Options::default());
    let matrix = firewall::port_matrix(&plan, &analysis.placement);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/golden/exports/{id}.list-all.txt"));
    let printout =
        std::fs::read_to_string(&path).expect("golden printout (written by export_golden)");
    (plan, matrix, printout)
}

#[test]
fn firewalld_printout_of_a_generated_script_passes() {
    for example in examples::EXAMPLES {
        let (plan, matrix, printout) = setup(example.id);
        let node = &plan.nodes[0].name;
        let check = listall::check_node(&plan, &matrix, node, &printout);
        assert!(check.is_clean(), "{}: {:?}", example.id, check.missing);
    }
}

#[test]
fn a_missing_control_plane_rule_is_reported() {
    let (plan, matrix, printout) = setup("msactivator");
    let altered: String = printout
        .lines()
        .filter(|l| !l.contains("port=\"2377\"") || !l.contains("10.31.1.173"))
        .map(|l| format!("{l}\n"))
        .collect();
    let check = listall::check_node(&plan, &matrix, "man1", &altered);
    assert_eq!(
        check.missing,
        ["2377/tcp (docker swarm management) from 10.31.1.173"]
    );
    assert!(check.findings.iter().any(|f| f.code == "firewall-missing"));
}

#[test]
fn missing_esp_on_an_encrypted_overlay_is_its_own_finding() {
    let (plan, matrix, printout) = setup("msactivator");
    let altered: String = printout
        .lines()
        .filter(|l| !l.contains("value=\"esp\""))
        .map(|l| format!("{l}\n"))
        .collect();
    let check = listall::check_node(&plan, &matrix, "man1", &altered);
    assert!(
        check.findings.iter().any(|f| f.code == "esp-missing"),
        "{:?}",
        check.findings
    );
}

#[test]
fn ports_open_without_need_and_wider_than_needed_are_reported() {
    let (plan, matrix, printout) = setup("digital-access");
    let altered = printout.replace("  ports: ", "  ports: 8081/tcp 2377/tcp ");
    let check = listall::check_node(&plan, &matrix, "da-manager", &altered);
    assert!(check.is_clean());
    assert!(
        check.unneeded.iter().any(|l| l.starts_with("8081/tcp")),
        "{:?}",
        check.unneeded
    );
    assert!(
        check.wider.iter().any(|l| l.starts_with("2377/tcp")),
        "{:?}",
        check.wider
    );
}
