//! The images the nodes run, for a site that pulls them or one that loads them from the bundle
//! (`images.load`): the list an operator fills the bundle with, the steps that load them on each
//! node, and the check, before anything stops, that every node has the images it will run.

use super::{Expect, Phase, RunsOn, Step};
use crate::compose;
use crate::export::shell::{self, quote};
use crate::plan::{Node, Plan};

/// Where the operator puts the archives in the bundle, and where the runbooks copy them.
pub const FOLDER: &str = "images";

/// Every image the plan's stacks name, in stack and file order, without repeats.
pub fn stack_images(plan: &Plan) -> Vec<String> {
    let mut images: Vec<String> = Vec::new();
    for stack in &plan.stacks {
        for service in compose::read(stack).services {
            if let Some(image) = service.image {
                if !images.contains(&image) {
                    images.push(image);
                }
            }
        }
    }
    images
}

/// The images an upgrade brings: the new references of `upgrade.images` that a service takes.
pub fn upgrade_images(plan: &Plan) -> Vec<String> {
    let (_, changed) = super::upgrade::upgraded(plan);
    let mut images: Vec<String> = Vec::new();
    for (_, _, image) in changed {
        if !images.contains(&image) {
            images.push(image);
        }
    }
    images
}

/// `images/images.txt`: every image the install and the upgrade need, one reference a line,
/// with how to fill the folder.
pub fn list_file(plan: &Plan) -> String {
    let mut text = String::from(
        "# The images this plan's stacks run, one reference a line: the install's, then the upgrade's.\n\
         # For a site without a registry, save each one next to this file (docker save -o NAME.tar IMAGE)\n\
         # on a machine that can pull it, and set `images: { load: true }` in the plan: the runbooks then\n\
         # load them on every node with docker load.\n",
    );
    for image in stack_images(plan).into_iter().chain(upgrade_images(plan)) {
        text.push_str(&image);
        text.push('\n');
    }
    text
}

/// The images whose references can go into a shell command.
fn safe(images: Vec<String>) -> Vec<String> {
    images
        .into_iter()
        .filter(|i| shell::is_safe_label(i, false))
        .collect()
}

/// Makes `images` present on `node` before anything needs them: loaded from the bundle's
/// archives when the plan says so (copied to the node first), pulled otherwise; verified with
/// `docker image inspect`.
pub fn ready_steps(
    plan: &Plan,
    node: &Node,
    images: &[String],
    id: &str,
    phase: Phase,
) -> Vec<Step> {
    let images = safe(images.to_vec());
    if images.is_empty() {
        return Vec::new();
    }
    let words: Vec<String> = images.iter().map(|i| quote(i)).collect();
    let mut steps = Vec::new();
    let mut ready = if plan.images.load {
        steps.push(
            Step::new(
                format!("{id}-copy-{}", node.name),
                format!("Copy the image archives to {}", node.name),
                phase,
                RunsOn::Workstation,
            )
            .copy(&node.name, FOLDER)
            .rollback("nothing to undo: the archives take only disk space"),
        );
        Step::new(
            format!("{id}-{}", node.name),
            format!("Load the images on {}", node.name),
            phase,
            RunsOn::Node(node.name.clone()),
        )
        .user_shell(format!(
            "for archive in {}/{FOLDER}/*.tar; do docker load -i \"$archive\"; done",
            super::install::REMOTE_DIR
        ))
        .why("the site has no registry: the images come from the archives the operator put in the bundle's images folder")
    } else {
        let mut step = Step::new(
            format!("{id}-{}", node.name),
            format!("Pull the images on {}", node.name),
            phase,
            RunsOn::Node(node.name.clone()),
        )
        .why("every image a node may run is there before anything is stopped, so that no task waits for a registry");
        for word in &words {
            step = step.shell(format!("docker pull {word}"));
        }
        step
    };
    ready = ready
        .verify(
            format!(
                "docker image inspect --format {} {}",
                quote("{{.Id}}"),
                words.join(" ")
            ),
            Expect::Succeeds,
        )
        .rollback("nothing to undo: images that are not used take only disk space");
    steps.push(ready);
    steps
}
