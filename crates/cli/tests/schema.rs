//! The plan format, written down once: `swarmplan schema` prints the JSON Schema derived from the
//! plan's types, `docs/` keeps it and its Markdown reference current, and every example plan is
//! valid against it, as an editor checking YAML with the schema would find.

mod common;

use common::{stdout, swarmplan};
use expect_test::expect_file;
use swarmplan_engine::examples::EXAMPLES;

#[test]
fn docs_hold_the_current_schema_and_reference() {
    let schema = swarmplan(&["schema"]);
    assert_eq!(schema.status.code(), Some(0));
    expect_file!["../../../docs/plan.schema.json"].assert_eq(&stdout(&schema));
    let markdown = swarmplan(&["schema", "--markdown"]);
    assert_eq!(markdown.status.code(), Some(0));
    expect_file!["../../../docs/plan-format.md"].assert_eq(&stdout(&markdown));
}

#[test]
fn every_example_plan_is_valid_against_the_schema_and_a_mistake_is_not() {
    let schema: serde_json::Value =
        serde_json::from_str(&stdout(&swarmplan(&["schema"]))).expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema");
    for example in EXAMPLES {
        let plan: serde_json::Value =
            serde_yaml_ng::from_str(example.yaml).expect("the example is YAML");
        let errors: Vec<String> = validator
            .iter_errors(&plan)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", example.id);
    }
    // The parser refuses these, and so does the schema.
    for (mistake, yaml) in [
        ("an unknown key", "swarmplan: 1\nname: x\nnodez: []\n"),
        (
            "a role that is not one",
            "swarmplan: 1\nname: x\nnodes: [{ name: a, role: boss }]\n",
        ),
        (
            "a size without a number",
            "swarmplan: 1\nname: x\nhosts: [{ name: h, memory: GiB }]\n",
        ),
        (
            "a port out of range",
            "swarmplan: 1\nname: x\nfirewall: { rules: [{ port: 0, from: z }] }\n",
        ),
    ] {
        assert!(
            swarmplan_engine::parse_plan(yaml).is_err(),
            "the parser refuses {mistake}"
        );
        let plan: serde_json::Value = serde_yaml_ng::from_str(yaml).unwrap();
        assert!(!validator.is_valid(&plan), "the schema refuses {mistake}");
    }
}
