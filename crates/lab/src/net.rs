//! The lab's network: a bridge in a namespace of its own, and one network namespace per node
//! joined to it by a veth pair created straight inside the namespaces (never in the machine's).
//!
//! Each node has its address as a /32 on `eth0` and an on-link default route, so any plan
//! address works (nodes find each other by ARP on the lab's LAN) and tools that look for the
//! default interface find `eth0`. Nothing routes out: the bridge has no uplink.

use crate::state::{Lab, LabNode};
use crate::util::{cmd, run, succeeds};
use crate::Result;

/// `ip -n NS ...`.
fn ip_in(netns: &str, args: &[&str]) -> Result {
    run(cmd("ip", ["-n", netns]).args(args)).map(|_| ())
}

pub fn netns_exists(name: &str) -> bool {
    std::path::Path::new("/run/netns").join(name).exists()
}

/// Makes the bridge's namespace, unless it is there.
pub fn bridge_up(lab: &Lab) -> Result {
    let bridge = &lab.state.bridge;
    if netns_exists(bridge) {
        return Ok(());
    }
    run(cmd("ip", ["netns", "add", bridge]))?;
    ip_in(bridge, &["link", "set", "lo", "up"])?;
    ip_in(bridge, &["link", "add", "br0", "type", "bridge"])?;
    ip_in(bridge, &["link", "set", "br0", "up"])
}

/// Makes a node's network namespace and its cable to the bridge.
pub fn node_up(lab: &Lab, node: &LabNode) -> Result {
    let bridge = lab.state.bridge.as_str();
    let ns = node.netns.as_str();
    run(cmd("ip", ["netns", "add", ns]))?;
    ip_in(ns, &["link", "set", "lo", "up"])?;
    ip_in(
        bridge,
        &[
            "link", "add", &node.veth, "type", "veth", "peer", "name", "eth0", "netns", ns,
        ],
    )?;
    ip_in(bridge, &["link", "set", &node.veth, "master", "br0", "up"])?;
    ip_in(
        ns,
        &[
            "addr",
            "add",
            &format!("{}/32", node.address),
            "dev",
            "eth0",
        ],
    )?;
    ip_in(ns, &["link", "set", "eth0", "up"])?;
    ip_in(ns, &["route", "add", "default", "dev", "eth0"])
}

/// Pulls or plugs a node's cable.
pub fn cable(lab: &Lab, node: &LabNode, up: bool) -> Result {
    ip_in(
        &lab.state.bridge,
        &["link", "set", &node.veth, if up { "up" } else { "down" }],
    )
}

/// Deletes a network namespace, if it is there.
pub fn delete(name: &str) {
    if netns_exists(name) {
        let _ = succeeds(&mut cmd("ip", ["netns", "del", name]));
    }
}
