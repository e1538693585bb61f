//! Runbook ticks: which steps the operator has done, per plan and runbook, kept in the browser
//! so that a reload (or a crash halfway through an upgrade) does not lose the place.

use std::collections::{BTreeMap, BTreeSet};

/// Ticked step ids, by `plan name/runbook kind`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ticks(BTreeMap<String, BTreeSet<String>>);

fn key(plan: &str, runbook: &str) -> String {
    format!("{plan}/{runbook}")
}

impl Ticks {
    /// Reads what `to_json` wrote; anything else is no ticks.
    pub fn from_json(text: &str) -> Self {
        Ticks(serde_json::from_str(text).unwrap_or_default())
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_default()
    }

    pub fn is_ticked(&self, plan: &str, runbook: &str, step: &str) -> bool {
        self.0
            .get(&key(plan, runbook))
            .is_some_and(|s| s.contains(step))
    }

    pub fn toggle(&mut self, plan: &str, runbook: &str, step: &str) {
        let steps = self.0.entry(key(plan, runbook)).or_default();
        if !steps.remove(step) {
            steps.insert(step.to_owned());
        }
        if steps.is_empty() {
            self.0.remove(&key(plan, runbook));
        }
    }

    /// How many of `steps` are ticked.
    pub fn count<'a>(
        &self,
        plan: &str,
        runbook: &str,
        steps: impl Iterator<Item = &'a str>,
    ) -> usize {
        steps.filter(|s| self.is_ticked(plan, runbook, s)).count()
    }

    /// Unticks every step of one runbook.
    pub fn clear(&mut self, plan: &str, runbook: &str) {
        self.0.remove(&key(plan, runbook));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_toggle_and_survive_json() {
        let mut ticks = Ticks::default();
        ticks.toggle("p", "install", "init-swarm");
        ticks.toggle("p", "install", "join-m2");
        ticks.toggle("q", "install", "init-swarm");
        assert!(ticks.is_ticked("p", "install", "init-swarm"));
        assert!(!ticks.is_ticked("p", "upgrade", "init-swarm"));
        ticks.toggle("p", "install", "join-m2");
        assert!(!ticks.is_ticked("p", "install", "join-m2"));
        let back = Ticks::from_json(&ticks.to_json());
        assert_eq!(back, ticks);
        assert_eq!(
            back.count("p", "install", ["init-swarm", "join-m2"].into_iter()),
            1
        );
        ticks.clear("p", "install");
        assert!(!ticks.is_ticked("p", "install", "init-swarm"));
        assert_eq!(Ticks::from_json("not json"), Ticks::default());
    }
}
