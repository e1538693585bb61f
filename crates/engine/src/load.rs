//! Loading: a plan's text, or a stack file's, into the values the engine reads. Above both the
//! YAML reader (`yaml.rs`) and the compose model (`compose/`): the plan is read as YAML, then each
//! stack's compose file is prepared once, here, the same way for a plan and for an imported file.

use crate::plan::Plan;
use crate::yaml::{self, PlanError, Value};

/// Reads a plan. Each stack's compose file has its merge keys (`<<`) resolved, as Docker resolves
/// them, its keys checked, and its file modes read as Docker reads them.
pub fn parse_plan(text: &str) -> Result<Plan, PlanError> {
    let mut plan = yaml::parse_plan_document(text)?;
    for stack in &mut plan.stacks {
        prepare_compose(&mut stack.compose)
            .map_err(|e| PlanError::at(format!("stack `{}`: {e}", stack.name), None, None))?;
    }
    Ok(plan)
}

/// Reads a stack file's text into its compose value, prepared as a plan's stacks are.
pub fn parse_compose(text: &str) -> Result<Value, PlanError> {
    let mut compose = yaml::parse_value(text)?;
    crate::compose::normalize_file_modes(&mut compose);
    Ok(compose)
}

fn prepare_compose(compose: &mut Value) -> Result<(), String> {
    yaml::prepare_value(compose)?;
    crate::compose::normalize_file_modes(compose);
    Ok(())
}
