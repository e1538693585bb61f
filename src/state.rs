//! The document being edited: the plan's YAML text as the user typed it, and the last plan that
//! text (or an earlier one) parsed to.
//!
//! The text is the user's work and is never thrown away, even when it does not parse; the plan
//! is what the canvas, quorum and findings show, and it only changes when a text parses. No DOM
//! here: the app wires this into signals and localStorage.

use swarmplan_engine::examples;
#[cfg(test)]
use swarmplan_engine::examples::{Example, EXAMPLES};
use swarmplan_engine::{parse_plan, Plan, PlanError};

/// What the browser keeps between visits (see `storage`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Saved {
    /// The text in the editor, parsing or not.
    pub text: Option<String>,
    /// The last text that parsed, so that a reload shows the same plan as before.
    pub last_good: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    text: String,
    plan: Plan,
    last_good: String,
    error: Option<PlanError>,
    /// The write whose text is being made, after an edit set the plan (`set_plan`).
    pending: Option<u64>,
}

impl Document {
    /// The document the app opens on: the saved text if there is one, else the default example.
    /// When the saved text does not parse, the saved last good plan is shown with the error.
    /// Each text is parsed once: the default example only when no saved plan parses, and the
    /// saved text only when it differs from the last good one (usually it is the same).
    pub fn restore(saved: &Saved) -> Self {
        let mut document = saved
            .last_good
            .as_ref()
            .and_then(|good| {
                let plan = parse_plan(good).ok()?;
                Some(Document {
                    text: good.clone(),
                    plan,
                    last_good: good.clone(),
                    error: None,
                    pending: None,
                })
            })
            .unwrap_or_else(Document::opening);
        if let Some(text) = saved.text.as_ref().filter(|text| **text != document.text) {
            document.edit(text.clone());
        }
        document
    }

    /// The document of the default example (`examples::DEFAULT_YAML`: the app holds no other
    /// example's text until one is opened).
    pub fn opening() -> Self {
        let text = examples::DEFAULT_YAML;
        let plan = parse_plan(text).unwrap_or_else(|_| {
            // The examples are tested to parse in the engine; this only guards the app.
            Plan::new(examples::INFO[0].title)
        });
        Document {
            text: text.to_owned(),
            plan,
            last_good: text.to_owned(),
            error: None,
            pending: None,
        }
    }

    /// Takes a new text. When it parses, its plan replaces the shown one; when it does not, the
    /// shown plan stays and the error says why. Returns the plan it replaced, when the text
    /// parses to a different plan (for the history, without copying either).
    pub fn edit(&mut self, text: String) -> Option<Plan> {
        let replaced = match parse_plan(&text) {
            Ok(plan) => {
                self.last_good.clone_from(&text);
                self.error = None;
                (plan != self.plan).then(|| std::mem::replace(&mut self.plan, plan))
            }
            Err(error) => {
                self.error = Some(error);
                None
            }
        };
        self.text = text;
        // The user's own text wins over the YAML of an earlier edit still being written.
        self.pending = None;
        replaced
    }

    /// Shows a plan changed by an edit. Its YAML, written by code loaded on demand, follows
    /// through `settle_text` with the same `write`; until then the text is the one before.
    pub fn set_plan(&mut self, plan: Plan, write: u64) {
        self.plan = plan;
        self.error = None;
        self.pending = Some(write);
    }

    /// The YAML of the plan `set_plan` showed with `write`, unless the text changed since.
    pub fn settle_text(&mut self, write: u64, text: String) {
        if self.pending == Some(write) {
            self.last_good.clone_from(&text);
            self.text = text;
            self.pending = None;
        }
    }

    /// Gives up on the YAML of `write`, which could not be written: the text stays as it was.
    pub fn abandon_text(&mut self, write: u64) {
        if self.pending == Some(write) {
            self.pending = None;
        }
    }

    /// Whether the text still waits for the YAML of a plan set by an edit.
    pub fn text_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Replaces the text with an example's.
    #[cfg(test)]
    pub fn load_example(&mut self, example: &Example) {
        self.edit(example.yaml.to_owned());
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The plan shown: the text's, or the last good one when the text does not parse.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Why the text does not parse, when it does not.
    pub fn error(&self) -> Option<&PlanError> {
        self.error.as_ref()
    }

    /// What to keep in the browser.
    pub fn saved(&self) -> Saved {
        Saved {
            text: Some(self.text.clone()),
            last_good: Some(self.last_good.clone()),
        }
    }

    /// The example the text is, unchanged, if it is one.
    pub fn example_id(&self) -> Option<&'static str> {
        examples::recognise(&self.text).map(|e| e.id)
    }

    /// Whether replacing the text would lose the user's own work: anything but an unchanged
    /// example or an empty editor.
    pub fn has_own_work(&self) -> bool {
        self.example_id().is_none() && !self.text.trim().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "swarmplan: 1\nname: mine\nnodes:\n  - { name: m1, role: manager }\n";
    const BAD: &str = "swarmplan: 1\nname: mine\nnodes:\n  - { name: m1, role: boss }\n";

    #[test]
    fn a_first_visit_opens_on_the_default_example() {
        let document = Document::restore(&Saved::default());
        assert_eq!(document.text(), examples::default_example().yaml);
        assert_eq!(document.example_id(), Some(examples::default_example().id));
        assert!(document.error().is_none());
        assert!(!document.has_own_work());
    }

    #[test]
    fn every_example_loads_without_error() {
        for example in EXAMPLES {
            let mut document = Document::restore(&Saved::default());
            document.load_example(example);
            assert!(
                document.error().is_none(),
                "{}: {:?}",
                example.id,
                document.error()
            );
            assert_eq!(document.example_id(), Some(example.id));
        }
    }

    #[test]
    fn a_good_edit_replaces_the_plan() {
        let mut document = Document::restore(&Saved::default());
        document.edit(GOOD.to_owned());
        assert_eq!(document.plan().name, "mine");
        assert!(document.error().is_none());
        assert!(document.has_own_work());
    }

    #[test]
    fn a_bad_edit_keeps_the_last_good_plan_and_the_text() {
        let mut document = Document::restore(&Saved::default());
        document.edit(GOOD.to_owned());
        document.edit(BAD.to_owned());
        assert_eq!(document.text(), BAD, "the user's text is never lost");
        assert_eq!(
            document.plan().name,
            "mine",
            "the last good plan stays on screen"
        );
        let error = document.error().expect("the error is shown");
        assert_eq!(error.line, Some(4));
        assert!(error.column.is_some());
    }

    #[test]
    fn a_reload_restores_the_text_and_the_last_good_plan() {
        let mut before = Document::restore(&Saved::default());
        before.edit(GOOD.to_owned());
        before.edit(BAD.to_owned());
        let after = Document::restore(&before.saved());
        assert_eq!(after, before);
    }

    #[test]
    fn a_saved_plan_that_parses_is_shown() {
        let document = Document::restore(&Saved {
            text: Some(GOOD.to_owned()),
            last_good: None,
        });
        assert_eq!(document.plan().name, "mine");
        assert_eq!(document.text(), GOOD);
    }

    #[test]
    fn a_saved_text_that_never_parsed_shows_the_default_plan_with_the_error() {
        let document = Document::restore(&Saved {
            text: Some(BAD.to_owned()),
            last_good: Some("not: [a plan".to_owned()),
        });
        assert_eq!(document.text(), BAD);
        assert!(document.error().is_some());
        assert_eq!(document.plan(), Document::opening().plan());
    }

    #[test]
    fn a_plan_set_by_an_edit_rewrites_the_text() {
        let mut document = Document::restore(&Saved::default());
        document.edit(BAD.to_owned());
        let mut plan = parse_plan(GOOD).unwrap();
        plan.name = "renamed".to_owned();
        document.set_plan(plan.clone(), 1);
        assert!(document.error().is_none());
        assert_eq!(document.plan(), &plan, "the plan shows at once");
        assert!(document.text_pending());
        assert_eq!(document.text(), BAD, "the text waits for its YAML");
        document.settle_text(1, swarmplan_engine::plan_to_yaml(&plan));
        assert!(!document.text_pending());
        assert_eq!(parse_plan(document.text()).unwrap(), plan);
        assert_eq!(Document::restore(&document.saved()), document);
    }

    #[test]
    fn the_yaml_of_an_earlier_write_or_after_typing_is_dropped() {
        let mut document = Document::restore(&Saved::default());
        let plan = parse_plan(GOOD).unwrap();
        document.set_plan(plan.clone(), 1);
        document.set_plan(plan.clone(), 2);
        document.settle_text(1, "stale".to_owned());
        assert!(document.text_pending(), "write 1 was overtaken by write 2");
        document.settle_text(2, GOOD.to_owned());
        assert_eq!(document.text(), GOOD);

        document.set_plan(plan.clone(), 3);
        document.edit(BAD.to_owned());
        document.settle_text(3, GOOD.to_owned());
        assert_eq!(document.text(), BAD, "the user's typing wins");

        document.set_plan(plan, 4);
        document.abandon_text(4);
        assert!(!document.text_pending());
        assert_eq!(document.text(), BAD);
    }

    #[test]
    fn an_edit_hands_back_the_plan_it_replaced_only_when_the_plan_changed() {
        let mut document = Document::restore(&Saved::default());
        let opening = document.plan().clone();
        assert_eq!(document.edit(GOOD.to_owned()), Some(opening));
        assert_eq!(
            document.edit(format!("{GOOD}# a comment\n")),
            None,
            "same plan"
        );
        assert_eq!(document.edit(BAD.to_owned()), None, "does not parse");
        assert_eq!(document.plan(), &parse_plan(GOOD).unwrap());
    }

    #[test]
    fn an_emptied_editor_is_not_own_work() {
        let mut document = Document::restore(&Saved::default());
        document.edit("  \n".to_owned());
        assert!(document.error().is_some());
        assert!(!document.has_own_work());
    }
}
