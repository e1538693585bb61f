//! Hostile and huge inputs: each gets a clear error that names the limit, or completes.
//! (How long they take is measured by `cargo xtask bench`, not asserted here.)

use swarmplan_engine::yaml::MAX_PLAN_BYTES;
use swarmplan_engine::{analyze, import, parse_plan, Options};

#[test]
fn an_alias_bomb_is_refused_by_name() {
    let mut text = String::from("swarmplan: 1\nname: bomb\nstacks:\n  - name: s\n    compose:\n      a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        text.push_str(&format!("      a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    let error = parse_plan(&text).expect_err("refused");
    assert!(error.message.contains("billion laughs"), "{error}");
    let error = import::stack_from_compose("s", &text).expect_err("refused");
    assert!(error.message.contains("aliases"), "{error}");
}

/// Found by fuzzing: a `? key` made of a mapping read as a plan, then made the stack export
/// panic, since no YAML emitter writes such a key back.
#[test]
fn a_mapping_as_a_key_is_refused_with_its_place() {
    let text = "swarmplan: 1\nname: keys\nstacks:\n  - name: web\n    compose:\n      services:\n        api:\n          image: x\n          deploy:\n            resources:\n             ? reservations: { cpus: '0.5' }\n";
    let error = parse_plan(text).expect_err("a mapping as a key is refused");
    assert_eq!(
        error.to_string(),
        "stack `web`: a key under `services.api.deploy.resources` is a list, a mapping or a tagged value (a YAML `? key`): compose files use plain keys"
    );
    let error = swarmplan_engine::yaml::parse_value("a:\n  ? [1, 2]\n  : x\n")
        .expect_err("in any document");
    assert!(error.to_string().contains("under `a`"), "{error}");
}

#[test]
fn deep_nesting_is_refused_by_name() {
    let text = format!(
        "swarmplan: 1\nname: deep\nstacks:\n  - name: s\n    compose:\n      x: {}{}\n",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let error = parse_plan(&text).expect_err("refused");
    assert!(error.message.contains("nests deeper than"), "{error}");
    assert_eq!(error.line, Some(6));
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_it_is_read() {
    let text = format!(
        "swarmplan: 1\nname: big\ndescription: \"{}\"\n",
        "x".repeat(MAX_PLAN_BYTES)
    );
    let error = parse_plan(&text).expect_err("refused");
    assert!(
        error.message.contains("Swarmplan reads files up to 16 MiB"),
        "{error}"
    );
}

#[test]
fn a_ten_megabyte_plan_is_read() {
    let text = format!(
        "swarmplan: 1\nname: big\ndescription: \"{}\"\n",
        "x".repeat(10 * 1024 * 1024)
    );
    assert_eq!(
        parse_plan(&text)
            .expect("read")
            .description
            .map(|d| d.len()),
        Some(10 * 1024 * 1024)
    );
}

#[test]
fn ten_thousand_services_are_placed() {
    let mut text = String::from(
        "swarmplan: 1\nname: many\nhosts: [{name: h1}, {name: h2}, {name: h3}]\nnodes:\n",
    );
    for (i, host) in ["h1", "h2", "h3"].iter().enumerate() {
        text.push_str(&format!(
            "  - {{name: m{i}, host: {host}, role: manager}}\n  - {{name: w{i}, host: {host}}}\n"
        ));
    }
    text.push_str("stacks:\n  - name: s\n    compose:\n      services:\n");
    for i in 0..10_000 {
        text.push_str(&format!(
            "        s{i}: {{image: x, deploy: {{replicas: 2}}}}\n"
        ));
    }
    let analysis = analyze(&parse_plan(&text).expect("read"), &Options::default());
    assert_eq!(analysis.placement.len(), 20_000);
    assert!(analysis.pending.is_empty());
    assert!(analysis.survival.host, "{}", analysis.survival.summary);
}
