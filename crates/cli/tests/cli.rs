//! The `swarmplan` binary, run as a pipeline runs it: exit codes, stdout and stderr.

mod common;

use common::{example, stderr, stdout, swarmplan};
use std::path::PathBuf;

fn scratch(name: &str, text: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("scratch file");
    path.display().to_string()
}

#[test]
fn check_exits_zero_on_a_clean_plan() {
    let output = swarmplan(&["check", &example("msactivator")]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    assert!(
        stdout(&output).contains("0 error(s)"),
        "{}",
        stdout(&output)
    );
    assert!(
        stdout(&output).contains("survives any single host loss"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn check_exits_one_when_a_finding_is_an_error() {
    // The Digital Access guide's layout has one manager: losing its server loses the swarm.
    let output = swarmplan(&["check", &example("digital-access")]);
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    assert!(out.contains("error [host-loss-breaks-quorum]"), "{out}");
    assert!(out.contains("warning [single-manager]"), "{out}");
}

#[test]
fn check_exits_two_on_bad_input_and_says_why_on_stderr() {
    let missing = swarmplan(&["check", "/nonexistent/plan.yaml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("cannot read /nonexistent/plan.yaml"),
        "{}",
        stderr(&missing)
    );
    assert!(stdout(&missing).is_empty());

    let broken = scratch(
        "broken.yaml",
        "swarmplan: 1\nname: x\nnodes:\n  - name: a\n    role: boss\n",
    );
    let output = swarmplan(&["check", &broken]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("line 5, column") && err.contains("unknown variant `boss`"),
        "{err}"
    );

    let future = scratch("future.yaml", "swarmplan: 9\nname: x\n");
    let output = swarmplan(&["analyze", &future, "--json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("format version 9"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn analyze_json_has_the_documented_fields() {
    let output = swarmplan(&["analyze", &example("msactivator"), "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("analyze --json prints JSON");
    assert_eq!(json["quorum"]["managers"], 3);
    assert_eq!(json["quorum"]["majority"], 2);
    assert_eq!(json["quorum"]["tolerates"], 1);
    let failures = json["failures"].as_array().expect("failures[]");
    assert!(!failures.is_empty());
    for failure in failures {
        for field in ["domain", "name", "lost_nodes", "managers_left", "quorum"] {
            assert!(
                failure.get(field).is_some(),
                "failures[] entries have {field}: {failure}"
            );
        }
        assert_eq!(failure["domain"], "host");
        assert_eq!(failure["quorum"], true);
        assert_eq!(failure["managers_left"], 2);
    }
    assert!(json["findings"].as_array().expect("findings[]").is_empty());
}

#[test]
fn analyze_json_lists_findings_with_severity_code_target_and_message() {
    let output = swarmplan(&[
        "analyze",
        &example("active-passive"),
        "--json",
        "--host-pairs",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let findings = json["findings"].as_array().expect("findings[]");
    let first = &findings[0];
    assert_eq!(first["severity"], "error");
    assert_eq!(first["code"], "host-loss-breaks-quorum");
    assert!(first["target"]
        .as_str()
        .is_some_and(|t| t.starts_with("host:")));
    assert!(first["message"]
        .as_str()
        .is_some_and(|m| m.contains("managers")));
    assert!(
        json["failures"]
            .as_array()
            .expect("failures")
            .iter()
            .any(|f| f["domain"] == "hosts"),
        "pairs on request"
    );
}

#[test]
fn analyze_prints_a_report_for_people() {
    let output = swarmplan(&["analyze", &example("nuvla")]);
    let out = stdout(&output);
    assert!(
        out.starts_with("Quorum: 3 managers, majority 2, tolerates 1 loss(es)"),
        "{out}"
    );
    assert!(out.contains("Failure scenarios:"), "{out}");
}

#[test]
fn examples_are_listed_and_printed() {
    let list = stdout(&swarmplan(&["example"]));
    for id in [
        "msactivator",
        "digital-access",
        "api-gateway",
        "active-passive",
        "nuvla",
    ] {
        assert!(list.contains(id), "{list}");
    }
    let plan = swarmplan(&["example", "nuvla"]);
    assert!(
        stdout(&plan).starts_with("swarmplan: 1") || stdout(&plan).contains("\nswarmplan: 1"),
        "{}",
        stdout(&plan)
    );
    let unknown = swarmplan(&["example", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("the examples are: msactivator"),
        "{}",
        stderr(&unknown)
    );
}

/// Every code a check prints can be explained, and `explain` lists them all.
#[test]
fn explain_describes_every_code_that_check_prints() {
    let check = swarmplan(&["check", &example("digital-access")]);
    let printed: Vec<String> = stdout(&check)
        .lines()
        .filter_map(|line| Some(line.split_once('[')?.1.split_once(']')?.0.to_owned()))
        .collect();
    assert!(
        printed.contains(&"single-manager".to_owned()),
        "{printed:?}"
    );
    let listed = stdout(&swarmplan(&["explain"]));
    for code in &printed {
        assert!(
            listed.lines().any(|l| l.starts_with(&format!("{code} "))),
            "{code}"
        );
        let explained = swarmplan(&["explain", code]);
        assert_eq!(explained.status.code(), Some(0));
        assert!(
            stdout(&explained).starts_with(&format!("{code} (")),
            "{}",
            stdout(&explained)
        );
    }
    let unknown = swarmplan(&["explain", "no-such-code"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("no finding code `no-such-code`"));
}

/// Issue 21: `replicas: 4000000000` made `check` abort on a 32 GB allocation (signal 6), and
/// `replicas: 10000000` run for seconds with 4 GB and no finding. Both answer at once, with the
/// limit, the value and its place, and exit 1.
#[test]
fn r21_check_answers_a_mistyped_replica_count_at_once() {
    for (replicas, shown) in [("4000000000", "4,000,000,000"), ("10000000", "10,000,000")] {
        let text = format!(
            "swarmplan: 1\nname: typo\nhosts: [{{name: h1}}, {{name: h2}}, {{name: h3}}]\nnodes:\n  - {{name: m1, host: h1, role: manager}}\n  - {{name: m2, host: h2, role: manager}}\n  - {{name: m3, host: h3, role: manager}}\nstacks:\n  - name: web\n    compose:\n      services:\n        api:\n          image: nginx\n          deploy:\n            replicas: {replicas}\n"
        );
        let path = scratch(&format!("replicas-{replicas}.yaml"), &text);
        let output = swarmplan(&["check", &path]);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        assert_eq!(
            stdout(&output).lines().next(),
            Some(format!("{path}:15:13: error [limit-exceeded] service:web/api: service web/api asks for {shown} replicas, over Swarmplan's limit of 200,000 replicas of one service: it is left out of the analysis (hint: is it a typo? The largest swarms ever run had about 100,000 tasks in all)").as_str()),
            "{}",
            stdout(&output)
        );
    }
}

#[test]
fn r21_check_says_what_docker_refuses_at_deploy_time() {
    let text = "swarmplan: 1\nname: global\nnodes:\n  - {name: m1, role: manager}\nstacks:\n  - name: web\n    compose:\n      services:\n        agent:\n          image: nginx\n          deploy:\n            mode: global\n            replicas: 3\n";
    let path = scratch("global-replicas.yaml", text);
    let output = swarmplan(&["check", &path]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains(&format!("{path}:13:13: error [deploy-refused] service:web/agent: service web/agent: `docker stack deploy` refuses it: \"service agent: replicas can only be used with replicated or replicated-job mode\"")),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_reader_that_stops_reading_ends_the_output_quietly() {
    // `swarmplan example | head -1`: the pipe's reader is gone before anything is written.
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_swarmplan"))
        .arg("example")
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("swarmplan runs");
    assert!(out.status.success(), "{:?}", out.status);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "no panic, no message"
    );
}
