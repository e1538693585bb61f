//! The app's panels. Each renders part of the plan or its analysis and holds no logic of its
//! own beyond wiring: the numbers come from the engine, the geometry from `layout`.

pub mod example_picker;
pub mod failure_domains;
pub mod findings;
pub mod plan_editor;
pub mod quorum;
pub mod topology;
