//! Any constraint expression: Docker's error or a constraint that matches a node without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use swarmplan_engine::constraint;
use swarmplan_engine::plan::{Node, Role};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(parsed) = constraint::parse(text) {
        let mut node = Node::new("n1", "h1", Role::Manager);
        node.ip = Some([10, 0, 0, 1].into());
        node.labels.insert("zone".into(), "a".into());
        let _ = parsed.matches(&node);
    }
});
