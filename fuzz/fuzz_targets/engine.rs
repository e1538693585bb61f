//! An arbitrary plan through the whole engine: analysis (with host pairs and the odds' draws when
//! asked), the places of its findings in the text, every export and the zip, the design report,
//! every runbook and its renderings, and a what-if, also drawn. Never a panic, an abort, or an input that runs for longer than the fuzzer's
//! timeout.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::BTreeSet;
use swarmplan_engine::domains::{single_domains, Failed};
use swarmplan_engine::export::diagram;
use swarmplan_engine::runbook::{self, Kind};
use swarmplan_engine::{
    analysis, analyze, bundle, locate, parse_plan, plan_to_yaml, report, Options,
};
use swarmplan_fuzz::PlanShape;

fuzz_target!(|shape: PlanShape| {
    let text = shape.yaml();
    let Ok(plan) = parse_plan(&text) else { return };
    let options = Options {
        host_pairs: shape.host_pairs,
        odds: match shape.odds {
            255 => u32::MAX,
            n => u32::from(n % 16),
        },
    };
    let analysis = analyze(&plan, &options);
    for finding in analysis.findings.iter().take(16) {
        let _ = locate::place(&text, &plan, finding);
    }
    let exported = bundle::bundle_for(&plan, &analysis);
    let _ = bundle::zip(&exported);
    let _ = report::html(&plan, &analysis);
    let _ = report::markdown(&plan, &analysis);
    for kind in [Kind::Install, Kind::Upgrade, Kind::Failover, Kind::Change] {
        let book = runbook::runbook(&plan, kind);
        let _ = runbook::markdown(&book);
        let _ = runbook::bash(&plan, &book);
    }
    let lost: Vec<String> = plan.hosts.iter().take(2).map(|h| h.name.clone()).collect();
    if !analysis.failures.is_empty() {
        let _ = analysis::what_if(&plan, &lost);
        // The diagram of the first failure domains, as `swarmplan diagram --what-if` draws it.
        let failed: BTreeSet<Failed> = single_domains(&plan)
            .into_iter()
            .take(2)
            .map(|d| Failed::new(d.kind, d.name))
            .collect();
        let _ = diagram::svg_what_if(&plan, &analysis, &failed);
    }
    let again = parse_plan(&plan_to_yaml(&plan)).expect("a written plan reads back");
    assert_eq!(again, plan, "a plan changes on a round trip");
});
