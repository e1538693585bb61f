//! Swarmplan's engine: the plan model, its analysis and its exports.
//!
//! Pure: no browser, no file or network IO, no clock, no randomness. The same plan always gives
//! the same analysis and the same files. The browser app and the `swarmplan` command are shells
//! around it.

pub mod analysis;
pub mod budget;
pub mod bundle;
pub mod cluster_import;
mod codes;
pub mod compose;
pub mod constraint;
pub mod diff;
pub mod domains;
pub mod drawing;
pub mod examples;
pub mod export;
pub mod findings;
pub mod import;
pub mod limits;
pub mod load;
pub mod locate;
pub mod order;
pub mod placement;
pub mod plan;
pub mod quorum;
pub mod report;
pub mod runbook;
#[cfg(feature = "schema")]
pub mod schema;
pub mod sizing;
pub mod swarm_network;
pub mod text;
pub mod units;
pub mod validate;
pub mod yaml;

pub use analysis::{analyze, Analysis, Options};
pub use findings::{Finding, Severity, Target};
pub use load::parse_plan;
pub use plan::Plan;
pub use yaml::{plan_to_yaml, PlanError};
