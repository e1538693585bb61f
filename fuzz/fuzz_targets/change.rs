//! Two arbitrary plans: their diff, the change runbook from one to the other and its
//! renderings, and a sizing of the first plan's stacks. Never a panic, an abort, or an input
//! that runs for longer than the fuzzer's timeout.
#![no_main]

use libfuzzer_sys::fuzz_target;
use swarmplan_engine::runbook;
use swarmplan_engine::sizing::{self, Request, Survive, VmSize};
use swarmplan_engine::units::{Bytes, Cpus};
use swarmplan_engine::{diff, parse_plan, Options};
use swarmplan_fuzz::{PlanShape, SizingShape};

fuzz_target!(|input: (PlanShape, PlanShape, SizingShape)| {
    let (before, after, sizing) = input;
    let (Ok(before), Ok(after)) = (parse_plan(&before.yaml()), parse_plan(&after.yaml())) else {
        return;
    };
    let _ = diff::diff(&before, &after, &Options::default());
    let book = runbook::change_runbook(&before, &after);
    let _ = runbook::markdown(&book);
    let _ = runbook::change_bash(&before, &after, &book);

    let survive = [
        Survive::Host,
        Survive::TwoHosts,
        Survive::Rack,
        Survive::Site,
    ][usize::from(sizing.survive % 4)];
    let as_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    let mut request = Request::new(as_usize(sizing.servers.0), survive, before.stacks.clone());
    request.racks = as_usize(sizing.racks.0);
    request.sites = as_usize(sizing.sites.0);
    if !sizing.vm_sizes.is_empty() {
        request.vm_sizes = sizing
            .vm_sizes
            .iter()
            .map(|(cpus, memory)| VmSize {
                cpus: Cpus(cpus.0),
                memory: Bytes(memory.0),
            })
            .collect();
    }
    let _ = sizing::size(&request);
});
