//! The seed guides' own artefacts, reproduced from their example plans.

use swarmplan_engine::bundle::{bundle_for, Bundle};
use swarmplan_engine::{analyze, examples, parse_plan, Options, Severity};

fn bundle(id: &str) -> Bundle {
    let plan = parse_plan(examples::example(id).expect("example").yaml).expect("parses");
    bundle_for(&plan, &analyze(&plan, &Options::default()))
}

fn text<'a>(bundle: &'a Bundle, path: &str) -> &'a str {
    &bundle
        .file(path)
        .unwrap_or_else(|| panic!("no {path}"))
        .contents
}

/// Seed 001 (MSactivator): "On the node that will be a Swarm manager ... firewall-cmd
/// --add-port=2376/tcp --permanent ..." and the worker list without 2377.
#[test]
fn msactivator_manager_and_worker_port_lists() {
    let b = bundle("msactivator");
    let manager = text(&b, "firewall/roles/manager.sh");
    let worker = text(&b, "firewall/roles/worker.sh");
    for port in ["2376/tcp", "2377/tcp", "7946/tcp", "7946/udp", "4789/udp"] {
        assert!(
            manager.contains(&format!("ports+=(--add-port={port})\n")),
            "manager lacks {port}"
        );
    }
    for port in ["2376/tcp", "7946/tcp", "7946/udp", "4789/udp", "80/tcp"] {
        assert!(
            worker.contains(&format!("ports+=(--add-port={port})\n")),
            "worker lacks {port}"
        );
    }
    // As the guide does, "firewall-cmd --add-port=... --permanent": one call with every port.
    assert!(manager.contains("run \"$fw\" \"${ports[@]}\" --permanent\n"));
    assert!(!worker.contains("2377/tcp"), "2377 is for managers only");
    // "--opt encrypted ... ensure ip protocol 50 (ESP) traffic is allowed".
    assert!(manager.contains("--add-protocol=esp") && worker.contains("--add-protocol=esp"));
    assert!(manager.ends_with("run \"$fw\" --reload\n"));
    // The NAS folders and their owners.
    let nas = text(&b, "commands/nas-folders.sh");
    assert!(nas.contains("/mnt/NASVolume/msa_sms_logs/snmp"));
    assert!(nas.contains("run chown 70 /mnt/NASVolume/msa_db /mnt/NASVolume/mano_db\n"));
    assert!(nas.contains("run chown -R 1001:0 /mnt/NASVolume/kafka_data\n"));
    assert!(nas.contains("run chown -R 1001:1001 /mnt/NASVolume/mano_artemis\n"));
    assert!(text(&b, "commands/swarm-init.sh")
        .contains("run docker swarm init --advertise-addr 10.31.1.172\n"));
}

/// Seed 000 (Digital Access): the label commands and the deploy with three -c files.
#[test]
fn digital_access_labels_and_three_file_deploy() {
    let b = bundle("digital-access");
    let labels = text(&b, "commands/node-labels.sh");
    for label in [
        "da-policy1",
        "da-authentication1",
        "da-accesspoint1",
        "da-distribution1",
    ] {
        assert!(
            labels.contains(&format!(
                "run docker node update --label-add {label}=true da-node1\n"
            )),
            "{label}"
        );
    }
    assert!(text(&b, "commands/deploy-stacks.sh").contains(
        "run docker stack deploy --with-registry-auth -c da/docker-compose.yml -c da/network.yml -c da/versiontag.yml da\n"
    ));
    assert!(text(&b, "stacks/da/versiontag.yml")
        .contains("image: nexusimages.azurecr.io/smartid-digitalaccess/policy-service:6.0.2"));
    assert!(text(&b, "stacks/da/network.yml").contains("published: 4443"));
    // Host-mode 4443 only where a policy service runs.
    assert!(text(&b, "firewall/nodes/da-node1.sh").contains("port port=\"4443\""));
    assert!(!text(&b, "firewall/nodes/da-manager.sh").contains("port port=\"4443\""));
    // Tokens are placeholders, never values.
    let join = text(&b, "commands/swarm-join.sh");
    assert!(join.contains("<WORKER-TOKEN>") && !join.contains("SWMTKN"));
}

/// Seed 004 (Nuvla): the micro-service host table, and the networks created before the stacks.
#[test]
fn nuvla_port_table_and_networks() {
    let b = bundle("nuvla");
    let table = text(&b, "firewall/ports.md");
    for row in [
        "| 22 | TCP | ssh | management (10.40.254.0/24) | all nodes |",
        "| 8080 | TCP | traefik/traefik, traefik | management (10.40.254.0/24) | managers |",
        "| 4789 | UDP | docker overlay network (VXLAN) | cluster nodes | all nodes |",
        "| 7946 | UDP | docker node communication | cluster nodes | all nodes |",
        "| 7946 | TCP | docker node communication | cluster nodes | all nodes |",
        "| 2376-2377 | TCP | docker | management (10.40.254.0/24) | all nodes |",
        "| 443 | TCP | traefik/traefik, https | users (0.0.0.0/0) | managers |",
    ] {
        assert!(table.contains(row), "missing row {row}\n{table}");
    }
    assert!(
        text(&b, "firewall/ports.csv").starts_with("port,protocol,service,inbound from,nodes\n")
    );
    let networks = text(&b, "commands/networks.sh");
    assert!(networks.contains("run docker network create --driver overlay traefik-public\n"));
    assert!(networks.contains("run docker network create --driver overlay nuvla-backend\n"));
    let deploy = text(&b, "commands/deploy-stacks.sh");
    let (t, d, n) = (
        deploy.find(" traefik\n").unwrap(),
        deploy.find(" db\n").unwrap(),
        deploy.find(" nuvla\n").unwrap(),
    );
    assert!(t < d && d < n, "stacks in `after` order");
    assert!(deploy.contains(
        "env DOMAIN=nuvla.example.org NUVLA_SUPER_PASSWORD=change-me docker stack deploy"
    ));
}

/// Seed 004 (Nuvla): the "Target infrastructure for user containers" table, from the
/// fixture `nuvla-target.yaml` (a basic swarm with Minio on NFS and Prometheus).
///
/// The guide's "cluster nodes" for NFS is the fixture's `cluster` zone (the nodes' subnet):
/// a plan rule admits zones only, so those rows read `cluster (10.41.0.0/24)`, while the
/// docker rows Swarmplan computes read `cluster nodes`. Each "(UDP, TCP)" port is two rows
/// and "Nuvla, users" is one row per zone.
#[test]
fn nuvla_target_infrastructure_port_table() {
    let plan = parse_plan(include_str!("fixtures/nuvla-target.yaml")).expect("parses");
    let analysis = analyze(&plan, &Options::default());
    let errors: Vec<_> = analysis
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let b = bundle_for(&plan, &analysis);
    let table = text(&b, "firewall/ports.md");
    let nfs = "nfs | cluster (10.41.0.0/24)";
    for row in [
        "| 22 | TCP | ssh | management (10.41.254.0/24) | all nodes |".to_owned(),
        "| 8080 | TCP | traefik/traefik, traefik | management (10.41.254.0/24) | managers |"
            .to_owned(),
        "| 4789 | UDP | docker overlay network (VXLAN) | cluster nodes | all nodes |".to_owned(),
        "| 7946 | UDP | docker node communication | cluster nodes | all nodes |".to_owned(),
        "| 7946 | TCP | docker node communication | cluster nodes | all nodes |".to_owned(),
        format!("| 111 | UDP | {nfs} | manager1 |"),
        format!("| 111 | TCP | {nfs} | manager1 |"),
        format!("| 2049 | UDP | {nfs} | manager1 |"),
        format!("| 2049 | TCP | {nfs} | manager1 |"),
        format!("| 33333 | UDP | {nfs} | manager1 |"),
        format!("| 33333 | TCP | {nfs} | manager1 |"),
        "| 2376-2377 | TCP | docker | nuvla (10.40.0.0/24) | managers |".to_owned(),
        "| 80 | TCP | traefik/traefik, http(s) | nuvla (10.40.0.0/24) | managers |".to_owned(),
        "| 80 | TCP | traefik/traefik, http(s) | users (0.0.0.0/0) | managers |".to_owned(),
        "| 443 | TCP | traefik/traefik, http(s) | nuvla (10.40.0.0/24) | managers |".to_owned(),
        "| 443 | TCP | traefik/traefik, http(s) | users (0.0.0.0/0) | managers |".to_owned(),
        "| 32768-60999 | TCP | ephemeral ports | users (0.0.0.0/0) | all nodes |".to_owned(),
    ] {
        assert!(table.contains(&row), "missing row {row}\n{table}");
    }
    let csv = text(&b, "firewall/ports.csv");
    assert!(csv.contains("\n32768-60999,TCP,ephemeral ports,users (0.0.0.0/0),all nodes\n"));
    assert!(csv.contains("\n2049,UDP,nfs,cluster (10.41.0.0/24),manager1\n"));
    assert!(csv.contains("\n80,TCP,\"traefik/traefik, http(s)\",users (0.0.0.0/0),managers\n"));
}
