//! What Swarm's networking asks of the nodes' network: the address pool, NSX's VXLAN port and
//! the overlay MTU, as findings and as the flags `docker swarm init` gets.

use swarmplan_engine::bundle::bundle_for;
use swarmplan_engine::{analyze, parse_plan, Options};

fn plan(extra: &str, first_ip: &str) -> swarmplan_engine::Plan {
    parse_plan(&format!(
        "swarmplan: 1
name: net
hosts: [{{ name: h1 }}, {{ name: h2 }}, {{ name: h3 }}]
nodes:
  - {{ name: m1, host: h1, role: manager, ip: {first_ip} }}
  - {{ name: m2, host: h2, role: manager, ip: 192.168.1.12 }}
  - {{ name: m3, host: h3, role: manager, ip: 192.168.1.13 }}
stacks:
  - name: web
    compose:
      services:
        app: {{ image: 'nginx:1', networks: [front] }}
      networks:
        front: {{ driver: overlay }}
{extra}"
    ))
    .expect("the plan reads")
}

fn codes(plan: &swarmplan_engine::Plan) -> Vec<String> {
    analyze(plan, &Options::default())
        .findings
        .iter()
        .map(|f| f.code.name().to_owned())
        .collect()
}

fn init_script(plan: &swarmplan_engine::Plan) -> String {
    let bundle = bundle_for(plan, &analyze(plan, &Options::default()));
    bundle
        .file("commands/swarm-init.sh")
        .expect("an init script")
        .contents
        .clone()
}

#[test]
fn a_node_in_the_subnets_docker_hands_out_first_gets_a_pool_of_its_own() {
    // Docker gives ingress 10.0.0.0/24 and the next overlays 10.0.1.0/24 and on.
    let clash = plan("", "10.0.1.11");
    assert!(codes(&clash).contains(&"address-pool-overlap".to_owned()));
    assert!(init_script(&clash).contains("--default-addr-pool 10.200.0.0/16"));
    // Far into 10.0.0.0/8, no overlay of this plan ever gets there.
    let far = plan("", "10.31.1.11");
    assert!(!codes(&far).contains(&"address-pool-overlap".to_owned()));
    assert!(!init_script(&far).contains("--default-addr-pool"));
    // A pool of the plan's own that holds a node is an error of the plan.
    let own = plan(
        "swarm: { default_addr_pool: [192.168.0.0/16] }\n",
        "10.31.1.11",
    );
    assert!(codes(&own).contains(&"address-pool-overlap".to_owned()));
    assert!(init_script(&own).contains("--default-addr-pool 192.168.0.0/16"));
}

#[test]
fn nsx_needs_another_data_path_port_and_the_firewall_opens_it() {
    let nsx = plan("network: { nsx: true }\n", "192.168.1.11");
    assert!(codes(&nsx).contains(&"vxlan-port-nsx".to_owned()));
    let moved = plan(
        "network: { nsx: true }\nswarm: { data_path_port: 4790 }\n",
        "192.168.1.11",
    );
    assert!(!codes(&moved).contains(&"vxlan-port-nsx".to_owned()));
    assert!(init_script(&moved).contains("--data-path-port 4790"));
    let bundle = bundle_for(&moved, &analyze(&moved, &Options::default()));
    let firewall = &bundle.file("firewall/nodes/m1.sh").unwrap().contents;
    assert!(
        firewall.contains("port=\"4790\" protocol=\"udp\""),
        "{firewall}"
    );
    assert!(!firewall.contains("port=\"4789\""), "{firewall}");
}

#[test]
fn an_overlay_mtu_above_the_underlays_less_vxlan_is_an_error() {
    // Docker's default overlay MTU, 1450, is too much for a 1400-byte underlay.
    let small = plan("network: { mtu: 1400 }\n", "192.168.1.11");
    assert!(codes(&small).contains(&"overlay-mtu-too-large".to_owned()));
    assert!(!codes(&plan("network: { mtu: 1500 }\n", "192.168.1.11"))
        .contains(&"overlay-mtu-too-large".to_owned()));
}

#[test]
fn autolock_and_certificate_expiry_reach_init_and_the_tokens_are_rotated() {
    let locked = plan(
        "swarm: { autolock: true, cert_expiry: 2160h }\n",
        "192.168.1.11",
    );
    let init = init_script(&locked);
    assert!(init.contains("--autolock --cert-expiry 2160h"), "{init}");
    let book =
        swarmplan_engine::runbook::runbook(&locked, swarmplan_engine::runbook::Kind::Install);
    let ids: Vec<&str> = book.steps.iter().map(|s| s.id.as_str()).collect();
    assert!(ids.contains(&"store-unlock-key"), "{ids:?}");
    assert_eq!(ids.last(), Some(&"rotate-join-tokens"));
    // The unlock key and the new tokens stay on the node: never in the script's output.
    let script = swarmplan_engine::runbook::bash(&locked, &book);
    assert!(
        script.contains("--autolock --cert-expiry 2160h > /dev/null'"),
        "{script}"
    );
    assert!(script.contains("join-token --rotate -q worker > /dev/null'"));
    let kept = plan("swarm: { keep_join_tokens: true }\n", "192.168.1.11");
    let book = swarmplan_engine::runbook::runbook(&kept, swarmplan_engine::runbook::Kind::Install);
    assert!(book.steps.iter().all(|s| s.id != "rotate-join-tokens"));
}
