//! Any text imported as a stack file: an error or a stack whose compose view reads without a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use swarmplan_engine::{compose, import};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(stack) = import::stack_from_compose("fuzz", text) {
        let _ = compose::read(&stack);
    }
});
