//! What Swarm's own networking asks of the nodes' network, and what `docker swarm init` must be
//! told so that the two do not collide: the address pool overlays take their subnets from, the
//! VXLAN data path port, the overlay MTU against the underlay's.

use crate::compose;
use crate::findings::{Code, Finding, Target};
use crate::plan::Plan;
use std::net::Ipv4Addr;

/// Docker's default address pool for overlay networks.
pub const DOCKER_DEFAULT_POOL: &str = "10.0.0.0/8";

/// Docker's default VXLAN port.
pub const DEFAULT_DATA_PATH_PORT: u16 = 4789;

/// VXLAN's overhead on every packet of an overlay.
const VXLAN_OVERHEAD: u32 = 50;

/// The pools tried, in order, when Docker's default overlaps the plan's own addresses.
const CANDIDATE_POOLS: [&str; 6] = [
    "10.200.0.0/16",
    "10.201.0.0/16",
    "172.20.0.0/16",
    "172.21.0.0/16",
    "192.168.200.0/21",
    "100.80.0.0/16",
];

/// An IPv4 CIDR (or address) as its network number and prefix length.
fn cidr(text: &str) -> Option<(u32, u32)> {
    let (address, length) = match text.split_once('/') {
        Some((a, l)) => (a, l.parse::<u32>().ok().filter(|l| *l <= 32)?),
        None => (text, 32),
    };
    let address: Ipv4Addr = address.trim().parse().ok()?;
    let mask = if length == 0 {
        0
    } else {
        u32::MAX << (32 - length)
    };
    Some((u32::from(address) & mask, length))
}

fn overlaps(a: (u32, u32), b: (u32, u32)) -> bool {
    let length = a.1.min(b.1);
    let mask = if length == 0 {
        0
    } else {
        u32::MAX << (32 - length)
    };
    a.0 & mask == b.0 & mask
}

/// The plan's own addresses: its nodes', and its zones' (an "anywhere" zone aside).
fn own_addresses(plan: &Plan) -> Vec<(String, (u32, u32))> {
    let mut own: Vec<(String, (u32, u32))> = plan
        .nodes
        .iter()
        .filter_map(|n| {
            let ip = n.ip?.to_string();
            cidr(&ip).map(|c| (format!("node {} ({ip})", n.name), c))
        })
        .collect();
    for (zone, addresses) in &plan.zones {
        for address in addresses {
            if let Some(c) = cidr(address).filter(|c| c.1 > 0) {
                own.push((format!("zone {zone} ({address})"), c));
            }
        }
    }
    own
}

/// What overlaps `pool` among the plan's own addresses.
fn clashes(plan: &Plan, pool: &str) -> Vec<String> {
    let Some(pool) = cidr(pool) else {
        return Vec::new();
    };
    own_addresses(plan)
        .into_iter()
        .filter(|(_, c)| overlaps(*c, pool))
        .map(|(what, _)| what)
        .collect()
}

/// Spare subnets counted beyond the overlays the plan creates: networks made later.
const SPARE_OVERLAYS: u32 = 64;

/// What Docker's default pool would actually hand out and clash with: it gives overlays /24s
/// from 10.0.0.0 upwards, in order (ingress first), checking no host route. The plan's own
/// addresses inside those first subnets (as many as the plan has overlays, and some spare).
fn default_pool_clashes(plan: &Plan) -> Vec<String> {
    let overlays: u32 = plan
        .stacks
        .iter()
        .map(|s| {
            compose::read(s)
                .networks
                .iter()
                .filter(|n| !n.is_predefined())
                .count() as u32
        })
        .sum::<u32>()
        + 1;
    let subnets = (overlays + SPARE_OVERLAYS).min(1 << 16);
    let start = u32::from(Ipv4Addr::new(10, 0, 0, 0));
    let end = start + subnets * 256 - 1;
    own_addresses(plan)
        .into_iter()
        .filter(|(_, (network, length))| {
            let last = network | if *length == 32 { 0 } else { u32::MAX >> length };
            *network <= end && last >= start
        })
        .map(|(what, _)| what)
        .collect()
}

/// The address pools `docker swarm init` is given: the plan's, or, when Docker's default
/// overlaps the plan's own addresses, the first candidate that does not; none when Docker's
/// default is fine.
pub fn address_pools(plan: &Plan) -> Vec<String> {
    if !plan.swarm.default_addr_pool.is_empty() {
        return plan.swarm.default_addr_pool.clone();
    }
    if default_pool_clashes(plan).is_empty() {
        return Vec::new();
    }
    CANDIDATE_POOLS
        .iter()
        .find(|pool| clashes(plan, pool).is_empty())
        .map(|pool| vec![(*pool).to_owned()])
        .unwrap_or_default()
}

/// The overlay's VXLAN port.
pub fn data_path_port(plan: &Plan) -> u16 {
    plan.swarm.data_path_port.unwrap_or(DEFAULT_DATA_PATH_PORT)
}

/// The findings about the plan's network against Swarm's: pools that overlap the nodes'
/// addresses, NSX's VXLAN port, overlay MTUs the underlay cannot carry.
pub fn findings(plan: &Plan, composes: &[compose::Compose]) -> Vec<Finding> {
    let mut findings = Vec::new();
    if plan.swarm.default_addr_pool.is_empty() {
        let clash = default_pool_clashes(plan);
        if !clash.is_empty() {
            let chosen = address_pools(plan);
            findings.push(
                Finding::new(
                    Code::AddressPoolOverlap,
                    Target::Plan,
                    format!(
                        "Docker's default address pool {DOCKER_DEFAULT_POOL} gives overlays the subnets from 10.0.0.0/24 upwards, where {} are: an overlay given their subnet hides those addresses from the tasks, and replies to them go into the overlay; {}",
                        clash.join(", "),
                        match chosen.first() {
                            Some(pool) => format!("the install creates the swarm with --default-addr-pool {pool}"),
                            None => "no candidate pool is free of the plan's addresses".to_owned(),
                        }
                    ),
                )
                .hint("set swarm.default_addr_pool to a range no node or zone uses"),
            );
        }
    } else {
        for pool in &plan.swarm.default_addr_pool {
            if cidr(pool).is_none() {
                findings.push(Finding::new(
                    Code::AddressPoolOverlap,
                    Target::Plan,
                    format!("swarm.default_addr_pool lists {pool:?}, which is not an IPv4 CIDR"),
                ));
                continue;
            }
            let clash = clashes(plan, pool);
            if !clash.is_empty() {
                findings.push(
                    Finding::new(
                        Code::AddressPoolOverlap,
                        Target::Plan,
                        format!(
                            "the address pool {pool} holds {}: overlays given subnets there would hide them",
                            clash.join(", ")
                        ),
                    )
                    .hint("choose a pool no node or zone uses"),
                );
            }
        }
    }
    if plan.network.nsx && data_path_port(plan) == DEFAULT_DATA_PATH_PORT {
        findings.push(
            Finding::new(
                Code::VxlanPortNsx,
                Target::Plan,
                "VMware NSX carries the nodes' traffic and uses UDP 4789 for its own VXLAN, which is also Swarm's data path port: overlay traffic is dropped or misrouted",
            )
            .hint("set swarm.data_path_port to another port, such as 4790 (docker swarm init --data-path-port)"),
        );
    }
    if let Some(mtu) = plan.network.mtu {
        let most = mtu.saturating_sub(VXLAN_OVERHEAD);
        for compose in composes {
            for network in compose.networks.iter().filter(|n| !n.external) {
                let asked = compose
                    .resolved
                    .get("networks")
                    .and_then(|n| n.get(network.key.as_str()))
                    .and_then(|n| n.get("driver_opts"))
                    .and_then(|o| o.get("com.docker.network.driver.mtu"))
                    .and_then(crate::yaml::scalar_text)
                    .and_then(|t| t.parse::<u32>().ok());
                // Docker's overlays default to 1450: right for a 1500-byte underlay.
                let overlay = asked.unwrap_or(1450);
                if overlay > most {
                    findings.push(
                        Finding::new(
                            Code::OverlayMtuTooLarge,
                            Target::Stack(compose.stack.clone()),
                            format!(
                                "network `{}` of stack `{}` has an MTU of {overlay}{}, but the nodes' network carries {mtu} and VXLAN adds {VXLAN_OVERHEAD}: larger packets are dropped",
                                network.key,
                                compose.stack,
                                if asked.is_none() { " (Docker's default)" } else { "" }
                            ),
                        )
                        .hint(format!(
                            "set driver_opts: {{ com.docker.network.driver.mtu: \"{most}\" }} on the network"
                        )),
                    );
                }
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_overlap_when_either_holds_the_other() {
        let c = |t| cidr(t).unwrap();
        assert!(overlaps(c("10.0.0.0/8"), c("10.31.1.172")));
        assert!(overlaps(c("10.31.0.0/16"), c("10.0.0.0/8")));
        assert!(!overlaps(c("10.200.0.0/16"), c("10.31.1.0/24")));
        assert!(!overlaps(c("172.20.0.0/16"), c("192.168.1.0/24")));
        assert!(cidr("10.0.0.0/33").is_none() && cidr("nope").is_none());
    }
}
