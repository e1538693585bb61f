//! Any text read as a plan: an error or a plan, never a panic; a plan analyses, exports, and
//! reads back as itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use swarmplan_engine::{analyze, parse_plan, plan_to_yaml, Options};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(plan) = parse_plan(text) else { return };
    let analysis = analyze(&plan, &Options::default());
    let _ = swarmplan_engine::bundle::bundle_for(&plan, &analysis);
    let written = plan_to_yaml(&plan);
    let again = parse_plan(&written).expect("a written plan reads back");
    assert_eq!(again, plan, "a plan changes on a round trip");
});
