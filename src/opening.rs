//! What a file the user opens, picks or drops becomes: a plan file replaces the document, and a
//! compose file becomes a stack of the plan. The app loads this with the stack import it needs
//! (`on_demand::open_file`).

use crate::edit::{self, Edit};
use swarmplan_engine::import::{stack_from_compose, stack_name_from_file};
use swarmplan_engine::{parse_plan, Plan};

/// Whether a file is a plan (it says `swarmplan:` at the top level) rather than a compose file.
pub fn is_plan(text: &str) -> bool {
    text.lines().any(|line| line.starts_with("swarmplan:"))
}

/// What to do with an opened file, and what to tell the user once it is done.
#[derive(Debug, Clone, PartialEq)]
pub enum Opened {
    /// A plan file: its text replaces the document's, as one undo step.
    Plan { text: String, notice: String },
    /// A compose file: the edit adds it as a stack.
    Stack { edit: Edit, notice: String },
    /// Neither: why not.
    Refused(String),
}

/// Reads a file named `name` against the current plan.
pub fn open(plan: &Plan, name: &str, text: String) -> Opened {
    if is_plan(&text) {
        let notice = if parse_plan(&text).is_ok() {
            format!("Opened {name}. Undo returns to the previous plan.")
        } else {
            format!("Opened {name}, which does not parse: see the YAML panel.")
        };
        return Opened::Plan { text, notice };
    }
    match stack_from_compose(&stack_name_from_file(name), &text) {
        Ok(stack) => {
            let edit = edit::add_stack(plan, stack);
            let label = match &edit {
                Edit::InsertStack { stack, .. } => stack.name.clone(),
                _ => String::new(),
            };
            Opened::Stack {
                edit,
                notice: format!("Imported {name} as stack `{label}`."),
            }
        }
        Err(error) => Opened::Refused(format!(
            "{name} is neither a plan nor a compose file: {error}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use swarmplan_engine::examples::EXAMPLES;

    #[test]
    fn plans_and_compose_files_are_told_apart() {
        for example in EXAMPLES {
            assert!(is_plan(example.yaml), "{}", example.id);
        }
        assert!(!is_plan("services:\n  web: { image: nginx }\n"));
    }

    #[test]
    fn a_file_opens_as_a_plan_or_imports_as_a_stack() {
        let plan = Plan::new("p");
        let opened = open(&plan, "p.yaml", "swarmplan: 1\nname: q\n".to_owned());
        assert!(
            matches!(&opened, Opened::Plan { notice, .. } if notice == "Opened p.yaml. Undo returns to the previous plan."),
            "{opened:?}"
        );
        let opened = open(&plan, "p.yaml", "swarmplan: 1\nname: [\n".to_owned());
        assert!(
            matches!(&opened, Opened::Plan { notice, .. } if notice.contains("does not parse")),
            "{opened:?}"
        );
        let compose = "services:\n  web: { image: nginx }\n".to_owned();
        let Opened::Stack { edit, notice } = open(&plan, "web-stack.yml", compose) else {
            panic!("a compose file imports");
        };
        let mut after = plan.clone();
        edit.apply(&mut after).unwrap();
        assert_eq!(after.stacks.len(), 1);
        assert_eq!(
            notice,
            format!(
                "Imported web-stack.yml as stack `{}`.",
                after.stacks[0].name
            )
        );
        assert!(matches!(
            open(&plan, "notes.txt", "just: [words".to_owned()),
            Opened::Refused(_)
        ));
    }
}
