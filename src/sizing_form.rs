//! The sizing wizard's logic: the form's fields as typed, read into the engine's
//! `sizing::Request`, and the short texts the wizard shows for each alternative. No DOM here.

use swarmplan_engine::plan::{Plan, Stack};
use swarmplan_engine::sizing::{
    default_vm_sizes, Alternative, Request, RoleSizing, Survive, VmSize,
};
use swarmplan_engine::units::{Bytes, Cpus};

/// The wizard's fields, as the user typed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizingForm {
    pub servers: String,
    /// Empty when not known.
    pub racks: String,
    pub sites: String,
    /// CPUs of one server, as `32`; empty when not known.
    pub server_cpus: String,
    /// Memory of one server, as `256GiB`; empty when not known.
    pub server_memory: String,
    /// `host`, `2hosts`, `rack` or `site`.
    pub survive: String,
    /// The VM sizes on offer, as `2:4GiB, 4:8GiB`.
    pub vm_sizes: String,
}

impl Default for SizingForm {
    fn default() -> Self {
        SizingForm {
            servers: "3".to_owned(),
            racks: String::new(),
            sites: String::new(),
            server_cpus: String::new(),
            server_memory: String::new(),
            survive: "host".to_owned(),
            vm_sizes: default_vm_sizes()
                .iter()
                .map(VmSize::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// The failures the wizard offers, as (value, label).
pub const SURVIVE_CHOICES: [(&str, &str); 4] = [
    ("host", "Any one server"),
    ("2hosts", "Any two servers"),
    ("rack", "A whole rack"),
    ("site", "A whole site"),
];

fn count(text: &str, what: &str) -> Result<usize, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(0);
    }
    text.parse::<usize>()
        .map_err(|_| format!("{what}: `{text}` is not a whole number"))
}

impl SizingForm {
    /// The request for `stacks`, or what is wrong with a field.
    pub fn request(&self, stacks: Vec<Stack>) -> Result<Request, String> {
        let servers = count(&self.servers, "Servers")?;
        if servers == 0 {
            return Err("Servers: give the number of physical servers".to_owned());
        }
        let survive = Survive::parse(&self.survive)?;
        let mut request = Request::new(servers, survive, stacks);
        request.racks = count(&self.racks, "Racks")?;
        request.sites = count(&self.sites, "Sites")?;
        let cpus = self.server_cpus.trim();
        if !cpus.is_empty() {
            request.server_cpus = Some(Cpus::parse(cpus).map_err(|e| format!("Server CPUs: {e}"))?);
        }
        let memory = self.server_memory.trim();
        if !memory.is_empty() {
            request.server_memory =
                Some(Bytes::parse(memory).map_err(|e| format!("Server memory: {e}"))?);
        }
        let sizes = VmSize::parse_list(&self.vm_sizes).map_err(|e| format!("VM sizes: {e}"))?;
        if !sizes.is_empty() {
            request.vm_sizes = sizes;
        }
        if request.stacks.is_empty() {
            return Err(
                "No stacks to size: open a plan with stacks or add compose files".to_owned(),
            );
        }
        Ok(request)
    }
}

/// The stacks a plan runs, which the wizard sizes by default.
pub fn plan_stacks(plan: &Plan) -> Vec<Stack> {
    plan.stacks.clone()
}

/// Managers as the wizard shows them: `3 managers, 1-1-1, 2:4GiB each`.
pub fn managers_text(alternative: &Alternative) -> String {
    let m = &alternative.managers;
    let spread = m.spread_text();
    format!(
        "{} manager{}{}, {} each",
        m.count,
        if m.count == 1 { "" } else { "s" },
        if spread.is_empty() {
            String::new()
        } else {
            format!(" ({spread})")
        },
        m.size
    )
}

/// One worker role: `3 × app (8:16GiB)`, with the labels it carries.
pub fn role_text(role: &RoleSizing) -> String {
    let labels: Vec<String> = role
        .labels
        .iter()
        .chain(role.engine_labels.iter())
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    format!(
        "{} × {} ({}){}",
        role.vms,
        role.role,
        role.size,
        if labels.is_empty() {
            String::new()
        } else {
            format!(" [{}]", labels.join(", "))
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use swarmplan_engine::examples::EXAMPLES;
    use swarmplan_engine::{analyze, parse_plan, Options};

    fn msactivator() -> Plan {
        let example = EXAMPLES
            .iter()
            .find(|e| e.id == "msactivator")
            .expect("the MSactivator example");
        parse_plan(example.yaml).expect("parses")
    }

    #[test]
    fn the_default_form_sizes_the_example_for_three_servers() {
        let plan = msactivator();
        let request = SizingForm::default()
            .request(plan_stacks(&plan))
            .expect("a valid request");
        assert_eq!(request.servers, 3);
        assert_eq!(request.survive, Survive::Host);
        let sizing = swarmplan_engine::sizing::size(&request);
        assert!(!sizing.alternatives.is_empty(), "{:?}", sizing.findings);
        let best = &sizing.alternatives[0];
        assert!(best.total_vms >= 8, "{}", best.summary);
        assert!(managers_text(best).starts_with("3 managers (1-1-1)"));
        let analysis = analyze(&best.plan, &Options::default());
        assert!(
            analysis
                .survival
                .summary
                .contains("survives any single host loss"),
            "{}",
            analysis.survival.summary
        );
    }

    #[test]
    fn bad_fields_say_which_field() {
        let stacks = plan_stacks(&msactivator());
        let form = |f: fn(&mut SizingForm)| {
            let mut form = SizingForm::default();
            f(&mut form);
            form.request(stacks.clone()).unwrap_err()
        };
        assert!(form(|f| f.servers = "three".into()).starts_with("Servers"));
        assert!(form(|f| f.servers = "0".into()).starts_with("Servers"));
        assert!(form(|f| f.racks = "-1".into()).starts_with("Racks"));
        assert!(form(|f| f.server_memory = "lots".into()).starts_with("Server memory"));
        assert!(form(|f| f.vm_sizes = "4".into()).starts_with("VM sizes"));
        assert!(form(|f| f.survive = "meteor".into()).contains("not a failure"));
        assert!(SizingForm::default()
            .request(Vec::new())
            .unwrap_err()
            .starts_with("No stacks"));
    }

    #[test]
    fn optional_fields_reach_the_request() {
        let form = SizingForm {
            racks: "3".into(),
            sites: " ".into(),
            server_cpus: "32".into(),
            server_memory: "256GiB".into(),
            survive: "rack".into(),
            vm_sizes: "4:8GiB".into(),
            ..SizingForm::default()
        };
        let request = form.request(plan_stacks(&msactivator())).unwrap();
        assert_eq!((request.racks, request.sites), (3, 0));
        assert_eq!(request.survive, Survive::Rack);
        assert_eq!(request.vm_sizes, vec![VmSize::new(4, 8)]);
        assert_eq!(request.server_memory, Some(Bytes::gib(256)));
        assert!(request.server_cpus.is_some());
    }
}
