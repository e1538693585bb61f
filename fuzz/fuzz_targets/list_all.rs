//! Any text pasted as `firewall-cmd --list-all` output: read without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use swarmplan_engine::export::listall;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = listall::parse_list_all(text);
});
