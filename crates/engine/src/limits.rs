//! Swarmplan's named limits: every number in a plan that sets how much work the engine does has
//! a ceiling here, with the reason for its value. A plan over one gets an error finding that
//! names the limit and the value (`limit-exceeded`), never a panic, an abort or an hour of work.
//! The same table holds in the command line and in the browser.
//!
//! The values come from the largest swarms anyone has run in public, Swarm2k (2016: about 2,400
//! nodes, close to 100,000 tasks of one service) and Swarm3k (2016: about 4,700 nodes), and from
//! what a browser tab holds: the analysis of 5,000 nodes × 100,000 tasks with every single-domain
//! failure (the largest shape `cargo xtask bench` measures) is admitted with room to spare.
//!
//! Per-field limits do not bound products (tasks × failure scenarios, host pairs × tasks): the
//! work budget (`Limit::Work`, estimated by `budget.rs`) does.

use serde::Serialize;
use std::fmt;

/// The most nodes whose outcomes the engine enumerates exactly: while the scheduler's node map
/// fits in one group of eight slots (Go's small map, `placement::dice::SMALL_MAP_SLOTS`).
pub const EXACT_NODES: u64 = 8;

/// The most combinations of Swarm's draws walked for one service's exact enumeration; beyond,
/// the outcomes walked so far decide.
pub const EXACT_PATHS: u64 = 4_096;

/// The most task placements one service's exact enumeration replays (the paths walked times the
/// tasks placed on each): [`EXACT_PATHS`] paths of 16 tasks. A service with more tasks walks fewer paths,
/// and the outcomes walked so far decide; so the enumeration stays within a few milliseconds per
/// service and scenario, and the budget counts it (`budget.rs`).
pub const EXACT_STEPS: u64 = 65_536;

/// One of Swarmplan's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Limit {
    /// Swarm nodes in a plan.
    Nodes,
    /// Physical hosts in a plan.
    Hosts,
    /// Services in all the stacks of a plan.
    Services,
    /// Replicas of one service.
    Replicas,
    /// Tasks of all services: replicas, and one per node for a global service.
    Tasks,
    /// Pairs of hosts analysed together (`--host-pairs`).
    HostPairs,
    /// Ports one `ports:` entry publishes (a range such as `"8000-8999:8000-8999"`).
    PortRange,
    /// Published ports of all services, ranges expanded.
    PublishedPorts,
    /// Bytes of one label's name or value (`node.labels`, `engine.labels`).
    LabelText,
    /// The estimated work of an analysis, an export or a runbook (see `budget.rs`).
    Work,
}

impl Limit {
    /// Every limit, in the order of the table in ARCHITECTURE.md.
    pub const ALL: [Limit; 10] = [
        Limit::Nodes,
        Limit::Hosts,
        Limit::Services,
        Limit::Replicas,
        Limit::Tasks,
        Limit::HostPairs,
        Limit::PortRange,
        Limit::PublishedPorts,
        Limit::LabelText,
        Limit::Work,
    ];

    /// The limit's name, as findings say it.
    pub const fn name(self) -> &'static str {
        match self {
            Limit::Nodes => "nodes",
            Limit::Hosts => "hosts",
            Limit::Services => "services",
            Limit::Replicas => "replicas of one service",
            Limit::Tasks => "tasks",
            Limit::HostPairs => "host pairs",
            Limit::PortRange => "ports in one `ports:` entry",
            Limit::PublishedPorts => "published ports",
            Limit::LabelText => "bytes of a label name or value",
            Limit::Work => "work budget",
        }
    }

    /// The largest value admitted.
    pub const fn value(self) -> u64 {
        match self {
            Limit::Nodes => 10_000,
            Limit::Hosts => 10_000,
            Limit::Services => 200_000,
            Limit::Replicas => 200_000,
            Limit::Tasks => 200_000,
            Limit::HostPairs => 50_000,
            Limit::PortRange => 1_024,
            Limit::PublishedPorts => 4_096,
            Limit::LabelText => 1_024,
            Limit::Work => 2_000_000_000,
        }
    }

    /// Why the value is what it is.
    pub const fn why(self) -> &'static str {
        match self {
            Limit::Nodes => {
                "Swarm3k, the largest public swarm, joined about 4,700 nodes; twice the 5,000 of \
                 the largest benchmark shape"
            }
            Limit::Hosts => "a host carries at least one node in any real plan: as many as nodes",
            Limit::Services => {
                "SwarmKit's own scheduler benchmark runs 100,000 tasks as 100,000 services of \
                 one task; twice that"
            }
            Limit::Replicas => {
                "Swarm2k scaled one service to close to 100,000 tasks; twice that. A typo such as \
                 `replicas: 4000000000` would otherwise ask for 32 GB of task records"
            }
            Limit::Tasks => {
                "Swarm2k and Swarm3k ran about 100,000 tasks; twice that keeps the analysis of \
                 every failure in a browser tab's memory (a few hundred MB)"
            }
            Limit::HostPairs => {
                "each pair is a failure scenario kept whole in the analysis; 50,000 pairs (about \
                 316 hosts) is as many as a browser tab shows and holds"
            }
            Limit::PortRange => {
                "each published port is a firewall opening on its nodes; a range of 1,024 covers \
                 any passive-FTP or media range, while `1-65535` is a mistake"
            }
            Limit::PublishedPorts => {
                "the port matrix holds every opening on each of its nodes; four full ranges of \
                 1,024 are more than any real plan publishes"
            }
            Limit::LabelText => {
                "labels name a site, a rack or a role; their text is compared on every node for \
                 every constraint and spread, and written into each `--label-add` command"
            }
            Limit::Work => {
                "about ten times the estimate for 5,000 nodes × 100,000 tasks with every \
                 single-domain failure: the largest shape measured runs, an hour of work does not \
                 start"
            }
        }
    }

    /// Whether `value` is over the limit.
    pub const fn exceeded_by(self, value: u64) -> bool {
        value > self.value()
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A number with thousands separators, as findings write limits and values: `4,000,000,000`.
pub fn grouped(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(4_000_000_000), "4,000,000,000");
        assert_eq!(grouped(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn every_limit_admits_the_largest_benchmark_shape() {
        assert!(!Limit::Nodes.exceeded_by(5_000));
        assert!(!Limit::Tasks.exceeded_by(100_000));
        assert!(!Limit::Replicas.exceeded_by(100_000));
        assert!(!Limit::Services.exceeded_by(100_000));
        for limit in Limit::ALL {
            assert!(limit.why().len() > 40, "{limit}");
        }
    }
}
