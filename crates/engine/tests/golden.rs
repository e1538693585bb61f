//! Golden analyses: each example plan's whole analysis, checked in under tests/golden/ and
//! refreshed with `UPDATE_EXPECT=1 cargo test` after a reviewed change.

use expect_test::expect_file;
use swarmplan_engine::{analyze, examples, parse_plan, Options};

#[test]
fn example_analyses_match_their_golden_files() {
    for example in examples::EXAMPLES {
        let plan =
            parse_plan(example.yaml).unwrap_or_else(|e| panic!("example {}: {e}", example.id));
        let analysis = analyze(&plan, &Options::default());
        let json = serde_json::to_string_pretty(&analysis).expect("serializes") + "\n";
        expect_file![format!(
            "{}/tests/golden/{}.analysis.json",
            env!("CARGO_MANIFEST_DIR"),
            example.id
        )]
        .assert_eq(&json);
    }
}

#[test]
fn analysis_is_deterministic() {
    for example in examples::EXAMPLES {
        let plan = parse_plan(example.yaml).expect("reads");
        let first = serde_json::to_string(&analyze(
            &plan,
            &Options {
                host_pairs: true,
                ..Options::default()
            },
        ))
        .expect("serializes");
        let again = serde_json::to_string(&analyze(
            &parse_plan(example.yaml).expect("reads"),
            &Options {
                host_pairs: true,
                ..Options::default()
            },
        ))
        .expect("serializes");
        assert_eq!(first, again, "example {}", example.id);
    }
}
