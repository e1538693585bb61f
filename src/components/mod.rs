//! The app's panels. Each renders part of the plan or its analysis and holds no logic of its
//! own beyond wiring: the numbers come from the engine, the geometry from `layout`, the changes
//! from `edit`.

pub mod example_picker;
pub mod exports;
pub mod failure_domains;
pub mod files;
pub mod findings;
pub mod firewall;
pub mod inspector;
pub mod plan_editor;
pub mod planning;
pub mod quorum;
pub mod runbooks;
pub mod services;
pub mod topology;
