//! Undo and redo: the inverses of the edits that were applied.
//!
//! Every change is an `Edit`; applying it gives back the edit that undoes it, which is all the
//! history keeps. Keystrokes in the YAML editor would each be a step, so edits may carry a
//! coalescing key: a run of edits with the same key is one step, undone at once.

use crate::edit::{Edit, EditError};
use swarmplan_engine::Plan;

#[derive(Debug, Clone, PartialEq)]
struct Step {
    inverse: Edit,
    key: Option<&'static str>,
}

/// The most steps kept; older ones are forgotten.
pub const LIMIT: usize = 200;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    undo: Vec<Step>,
    redo: Vec<Edit>,
}

impl History {
    /// Applies an edit and records its inverse. With a `key` equal to the last step's, the edit
    /// joins that step (the step's inverse still restores the plan from before the run).
    pub fn apply(
        &mut self,
        plan: &mut Plan,
        edit: Edit,
        key: Option<&'static str>,
    ) -> Result<(), EditError> {
        let inverse = edit.apply(plan)?;
        self.record(inverse, key);
        Ok(())
    }

    /// Records the inverse of a change made elsewhere (a parsed YAML edit), under the same
    /// coalescing rule as `apply`.
    pub fn record(&mut self, inverse: Edit, key: Option<&'static str>) {
        self.redo.clear();
        let joins = key.is_some() && self.undo.last().is_some_and(|s| s.key == key);
        if !joins {
            self.undo.push(Step { inverse, key });
            if self.undo.len() > LIMIT {
                self.undo.remove(0);
            }
        }
    }

    /// Ends a coalescing run, so that the next keyed edit starts a new step.
    pub fn seal(&mut self) {
        if let Some(step) = self.undo.last_mut() {
            step.key = None;
        }
    }

    /// Undoes the last step; false when there is none, or when its inverse no longer applies,
    /// in which case the step stays where it is.
    pub fn undo(&mut self, plan: &mut Plan) -> bool {
        let Some(step) = self.undo.last() else {
            return false;
        };
        // `apply` takes the edit: a copy is applied, so that a refused one is not lost.
        let Ok(redo) = step.inverse.clone().apply(plan) else {
            return false;
        };
        self.undo.pop();
        self.redo.push(redo);
        true
    }

    /// Redoes the last undone step; false when there is none, or when it no longer applies, in
    /// which case it stays where it is.
    pub fn redo(&mut self, plan: &mut Plan) -> bool {
        let Some(edit) = self.redo.last() else {
            return false;
        };
        let Ok(inverse) = edit.clone().apply(plan) else {
            return false;
        };
        self.redo.pop();
        self.undo.push(Step { inverse, key: None });
        true
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{add_host, Place};

    fn renamed(plan: &Plan, name: &str) -> Edit {
        let mut next = plan.clone();
        next.name = name.to_owned();
        Edit::ReplacePlan(Box::new(next))
    }

    #[test]
    fn undo_and_redo_walk_the_steps() {
        let mut plan = Plan::new("p");
        let mut history = History::default();
        assert!(!history.can_undo() && !history.undo(&mut plan));
        let (edit, _) = add_host(&plan, Place::default());
        history.apply(&mut plan, edit, None).unwrap();
        let (edit, _) = add_host(&plan, Place::default());
        history.apply(&mut plan, edit, None).unwrap();
        assert_eq!(plan.hosts.len(), 2);
        assert!(history.undo(&mut plan));
        assert_eq!(plan.hosts.len(), 1);
        assert!(history.can_redo());
        assert!(history.redo(&mut plan));
        assert_eq!(plan.hosts.len(), 2);
        assert!(history.undo(&mut plan) && history.undo(&mut plan));
        assert!(plan.hosts.is_empty());
        assert!(!history.undo(&mut plan));
        // A new edit forgets what was undone.
        let (edit, _) = add_host(&plan, Place::default());
        history.apply(&mut plan, edit, None).unwrap();
        assert!(!history.can_redo());
    }

    #[test]
    fn a_run_of_keyed_edits_is_one_step() {
        let mut plan = Plan::new("p");
        let mut history = History::default();
        for name in ["p1", "p12", "p123"] {
            let edit = renamed(&plan, name);
            history.apply(&mut plan, edit, Some("yaml")).unwrap();
        }
        assert_eq!(plan.name, "p123");
        assert!(history.undo(&mut plan));
        assert_eq!(plan.name, "p", "the whole run is undone");
        assert!(history.redo(&mut plan));
        assert_eq!(plan.name, "p123");
        // A sealed run does not absorb the next edit.
        history.seal();
        let edit = renamed(&plan, "q");
        history.apply(&mut plan, edit, Some("yaml")).unwrap();
        assert!(history.undo(&mut plan));
        assert_eq!(plan.name, "p123");
    }

    // An undo or redo whose edit no longer applies (the plan changed under it) is refused and
    // keeps its step, so that nothing is lost from either stack.
    #[test]
    fn a_failed_undo_or_redo_keeps_its_step() {
        let mut plan = Plan::new("p");
        let mut history = History::default();
        let mut names = vec![];
        for _ in 0..2 {
            let (edit, name) = add_host(&plan, Place::default());
            history.apply(&mut plan, edit, None).unwrap();
            names.push(name);
        }
        let hosts =
            |plan: &Plan| -> Vec<String> { plan.hosts.iter().map(|h| h.name.clone()).collect() };
        // The second host's inverse removes position 1, which an empty plan does not have.
        let mut elsewhere = Plan::new("q");
        assert!(!history.undo(&mut elsewhere));
        assert!(history.undo(&mut plan), "the refused step is still there");
        assert_eq!(hosts(&plan), names[..1], "and it is the second host's");
        // Its redo inserts at position 1, which an empty plan does not have either.
        assert!(!history.redo(&mut elsewhere));
        assert!(history.redo(&mut plan), "the refused redo is still there");
        assert_eq!(hosts(&plan), names);
    }

    #[test]
    fn the_history_is_bounded() {
        let mut plan = Plan::new("p");
        let mut history = History::default();
        for i in 0..LIMIT + 10 {
            let edit = renamed(&plan, &i.to_string());
            history.apply(&mut plan, edit, None).unwrap();
        }
        let mut steps = 0;
        while history.undo(&mut plan) {
            steps += 1;
        }
        assert_eq!(steps, LIMIT);
    }
}
