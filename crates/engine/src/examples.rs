//! The example plans shipped with Swarmplan, one per source guide.

/// An example plan: a short id, a title, and the plan file.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    pub id: &'static str,
    pub title: &'static str,
    pub yaml: &'static str,
}

macro_rules! example {
    ($id:literal, $title:literal) => {
        Example {
            id: $id,
            title: $title,
            yaml: include_str!(concat!("../../../examples/plans/", $id, ".yaml")),
        }
    };
}

/// Every example, the default (the one the app opens on) first.
pub const EXAMPLES: &[Example] = &[
    example!(
        "msactivator",
        "MSactivator HA: 3 managers, 3 app and 2 database workers on 3 servers"
    ),
    example!(
        "digital-access",
        "Smart ID Digital Access HA with two policy services"
    ),
    example!(
        "api-gateway",
        "API Gateway three-node topology behind a load balancer"
    ),
    example!("active-passive", "Active/passive load-balancer pair"),
    example!("nuvla", "Nuvla db and core stacks behind Traefik"),
];

pub fn example(id: &str) -> Option<&'static Example> {
    EXAMPLES.iter().find(|e| e.id == id)
}

/// The example the app opens on.
pub fn default_example() -> &'static Example {
    &EXAMPLES[0]
}
