//! Real stack files written by others (tests/corpus/stacks, with their sources and licences):
//! each imports, Docker's own
//! loader prints the same for the original and for Swarmplan's re-export, and its analysis in a
//! small HA cluster is kept as a golden file.

mod common;

use common::swarmplan;
use expect_test::expect_file;
use std::path::{Path, PathBuf};
use std::process::Command;
use swarmplan_engine::yaml::value_to_yaml;
use swarmplan_engine::{analyze, parse_plan, Options};

/// Variables the corpus files require before `docker stack config` accepts them.
const VARIABLES: &[(&str, &str)] = &[
    ("DOMAIN", "example.org"),
    ("EMAIL", "admin@example.org"),
    ("HASHED_PASSWORD", "$apr1$x$y"),
    ("USERNAME", "admin"),
    ("ADMIN_HASHED_PASSWORD", "$apr1$a$b"),
];

/// Every corpus file; the corpus is part of the repository, so its absence is a failure.
fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus/stacks");
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the corpus {} cannot be read: {e}", dir.display()));
    let dir = dir
        .canonicalize()
        .expect("the corpus folder has a canonical path");
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| dir.join(e.file_name())))
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        17,
        "{} has the seventeen stack files",
        dir.display()
    );
    files
}

/// `docker stack config -c FILE`, run in the file's folder so relative paths resolve alike:
/// whether Docker accepts it, what it prints, and its error (without log timestamps), with the
/// folder's path replaced by `<DIR>`.
fn docker_stack_config(file: &Path) -> (bool, String, String) {
    let mut command = Command::new("docker");
    command
        .args(["stack", "config", "-c"])
        .arg(file.file_name().unwrap())
        .current_dir(file.parent().unwrap());
    for (name, value) in VARIABLES {
        command.env(name, value);
    }
    let output = command
        .output()
        .expect("the docker client runs (it ships on this machine kind)");
    let dir = file.parent().unwrap().display().to_string();
    let stderr: Vec<String> = String::from_utf8_lossy(&output.stderr)
        .lines()
        .map(|l| {
            l.split_once(" level=")
                .map_or(l, |(_, rest)| rest)
                .replace(&dir, "<DIR>")
        })
        .collect();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).replace(&dir, "<DIR>"),
        stderr.join("\n"),
    )
}

fn imported_plan(file: &Path, into: Option<&str>) -> String {
    let path = file.to_str().unwrap();
    let mut args = vec!["import", path, "--stack", "corpus"];
    if let Some(plan) = into {
        args.extend(["--plan", plan]);
    }
    let output = swarmplan(&args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "import {}: {}",
        file.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn every_corpus_file_imports_and_reexports_what_docker_reads() {
    let files = corpus();
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("corpus");
    let total = files.len();
    let mut accepted = 0;
    for file in files {
        let plan = parse_plan(&imported_plan(&file, None)).expect("the printed plan reads back");
        let reexport = value_to_yaml(&plan.stacks[0].compose);
        // The same file name in a folder of its own, so that relative paths (configs, secrets)
        // resolve to the same names.
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let dir = scratch.join(&name);
        std::fs::create_dir_all(&dir).unwrap();
        let copy = dir.join(&name);
        std::fs::write(&copy, reexport).unwrap();
        let original = docker_stack_config(&file);
        let again = docker_stack_config(&copy);
        // Docker refuses one corpus file as it stands (its env_file is not in the corpus):
        // the re-export must then be refused with the same words.
        assert_eq!(
            original, again,
            "{name}: Docker reads Swarmplan's re-export differently"
        );
        accepted += usize::from(original.0);
    }
    assert!(
        accepted + 1 >= total,
        "Docker accepted only {accepted} of {total} corpus files"
    );
}

#[test]
fn every_corpus_file_has_a_golden_analysis() {
    let files = corpus();
    let cluster = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cluster.yaml");
    for file in files {
        let text = imported_plan(&file, Some(cluster.to_str().unwrap()));
        let mut plan = parse_plan(&text).expect("reads back");
        for (name, value) in VARIABLES {
            plan.stacks[0]
                .variables
                .insert((*name).to_owned(), (*value).to_owned());
        }
        let analysis = analyze(&plan, &Options::default());
        let json = serde_json::to_string_pretty(&serde_json::json!({
            "variables": analysis.stacks[0].variables,
            "placement": analysis.placement,
            "pending": analysis.pending,
            "services": analysis.services,
            "findings": analysis.findings,
        }))
        .unwrap()
            + "\n";
        let name = file.file_stem().unwrap().to_string_lossy();
        expect_file![format!(
            "{}/tests/golden/corpus/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        )]
        .assert_eq(&json);
    }
}

#[test]
fn a_file_docker_refuses_is_refused_with_file_line_and_column() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("refused");
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.yml");
    std::fs::write(
        &bad,
        "services:\n  web:\n    image: nginx\n   ports: [80]\n",
    )
    .unwrap();
    let output = swarmplan(&["import", bad.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("bad.yml: line 4, column 4"), "{err}");
}
