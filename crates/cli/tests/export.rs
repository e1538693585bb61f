//! `swarmplan export` and `swarmplan firewall-check`, run as an operator runs them.

mod common;

use common::{example, swarmplan};
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("cli-export")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[test]
fn export_writes_the_bundle_tree_and_zip() {
    let dir = scratch("da");
    let zip = dir.join("bundle.zip");
    let out = swarmplan(&[
        "export",
        &example("digital-access"),
        "--out",
        dir.to_str().unwrap(),
        "--zip",
        zip.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for path in [
        "README.md",
        "stacks/da/docker-compose.yml",
        "stacks/da/network.yml",
        "stacks/da/versiontag.yml",
        "commands/deploy-stacks.sh",
        "firewall/nodes/da-node1.sh",
        "firewall/ports.csv",
    ] {
        assert!(dir.join(path).is_file(), "{path}");
    }
    let deploy = std::fs::read_to_string(dir.join("commands/deploy-stacks.sh")).unwrap();
    assert!(deploy.contains("-c da/docker-compose.yml -c da/network.yml -c da/versiontag.yml da"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(dir.join("commands/deploy-stacks.sh"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o755
        );
    }
    assert!(std::fs::read(&zip).unwrap().starts_with(b"PK"));
}

#[test]
fn export_only_writes_the_parts_asked_for() {
    let dir = scratch("only");
    let out = swarmplan(&[
        "export",
        &example("msactivator"),
        "--out",
        dir.to_str().unwrap(),
        "--only",
        "inventory,firewall",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut tops: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    tops.sort();
    assert_eq!(
        tops,
        ["ansible", "firewall"],
        "nothing else, not even the README"
    );
    assert!(dir.join("ansible/inventory.yml").is_file());
    assert!(dir.join("ansible/swarm.yml").is_file());
    let wrong = swarmplan(&[
        "export",
        &example("msactivator"),
        "--out",
        dir.to_str().unwrap(),
        "--only",
        "ansible",
    ]);
    assert_eq!(wrong.status.code(), Some(2), "an unknown part is bad input");
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("inventory"),
        "the error lists the parts"
    );
}

#[test]
fn diagram_prints_the_bundles_svg_and_only_diagram_writes_just_it() {
    let out = swarmplan(&["diagram", &example("digital-access")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svg = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{svg}"
    );
    assert!(
        svg.contains(r#"data-host="da-hv1" data-at-risk="true""#),
        "the only manager's host breaks quorum"
    );

    let dir = scratch("only-diagram");
    let only = swarmplan(&[
        "export",
        &example("digital-access"),
        "--out",
        dir.to_str().unwrap(),
        "--only",
        "diagram",
    ]);
    assert!(
        only.status.success(),
        "{}",
        String::from_utf8_lossy(&only.stderr)
    );
    let tops: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(tops, ["diagram.svg"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("diagram.svg")).unwrap(),
        svg
    );

    let bad = swarmplan(&["diagram", "/nonexistent/plan.yaml"]);
    assert_eq!(
        bad.status.code(),
        Some(2),
        "a plan that cannot be read is bad input"
    );

    // The what-if: the host and its node marked, and the sentence under the title.
    let what_if = swarmplan(&[
        "diagram",
        &example("digital-access"),
        "--what-if",
        "host:da-hv2",
    ]);
    assert!(
        what_if.status.success(),
        "{}",
        String::from_utf8_lossy(&what_if.stderr)
    );
    let svg = String::from_utf8_lossy(&what_if.stdout);
    assert!(
        svg.contains(r#"data-host="da-hv2" data-at-risk="false" data-failed="true""#),
        "{svg}"
    );
    assert!(
        svg.contains(
            r#"data-node="da-node1" data-on-host="da-hv2" data-role="worker" data-lost="true""#
        ),
        "{svg}"
    );
    assert!(
        svg.contains("What if host da-hv2 fails: quorum kept with 1 of 1 managers"),
        "{svg}"
    );
    for (arg, says) in [
        (
            "host:nope",
            "the plan has no host named nope (its hosts: da-hv1, da-hv2, da-hv3)",
        ),
        ("rack:r1", "the plan has no rack named r1 (it has no rack)"),
        ("da-hv2", "write host:NAME, rack:NAME or site:NAME"),
    ] {
        let wrong = swarmplan(&["diagram", &example("digital-access"), "--what-if", arg]);
        assert_eq!(wrong.status.code(), Some(2), "{arg}");
        assert!(
            String::from_utf8_lossy(&wrong.stderr).contains(says),
            "{arg}: {}",
            String::from_utf8_lossy(&wrong.stderr)
        );
    }
}

#[test]
fn firewall_check_passes_firewalld_own_printout_and_fails_when_a_port_is_missing() {
    let golden = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../engine/tests/golden/exports/digital-access.list-all.txt");
    let out = swarmplan(&[
        "firewall-check",
        &example("digital-access"),
        "--node",
        "da-manager",
        golden.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let altered: String = std::fs::read_to_string(&golden)
        .unwrap()
        .lines()
        .filter(|l| !l.contains("port=\"2377\""))
        .map(|l| format!("{l}\n"))
        .collect();
    let file = scratch("fw").join("list-all.txt");
    std::fs::write(&file, altered).unwrap();
    let out = swarmplan(&[
        "firewall-check",
        &example("digital-access"),
        "--node",
        "da-manager",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("missing: 2377/tcp"));

    let out = swarmplan(&[
        "firewall-check",
        &example("digital-access"),
        "--node",
        "nope",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn report_prints_the_design_report_as_html_or_markdown() {
    let html = swarmplan(&["report", &example("api-gateway")]);
    assert!(
        html.status.success(),
        "{}",
        String::from_utf8_lossy(&html.stderr)
    );
    let html = String::from_utf8_lossy(&html.stdout).into_owned();
    assert!(html.starts_with("<!DOCTYPE html>\n"), "{html}");
    assert!(html.contains("<h1>API Gateway zero-downtime upgrade: design</h1>"));
    // The diagram is inline, as `swarmplan diagram` draws it.
    let svg = swarmplan(&["diagram", &example("api-gateway")]);
    assert!(html.contains(String::from_utf8_lossy(&svg.stdout).as_ref()));

    let md = swarmplan(&["report", &example("api-gateway"), "--format", "md"]);
    assert!(md.status.success());
    let md = String::from_utf8_lossy(&md.stdout).into_owned();
    assert!(
        md.starts_with("# API Gateway zero-downtime upgrade: design\n"),
        "{md}"
    );
    assert!(md.contains("](diagram.svg)"));
    assert!(md.contains("| ✖ host srv-b | node-b | 2 | holds |"), "{md}");

    let bad = swarmplan(&["report", "/nonexistent/plan.yaml"]);
    assert_eq!(
        bad.status.code(),
        Some(2),
        "a plan that cannot be read is bad input"
    );
}

/// A PNG's size and RGBA pixels.
fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut pixels).expect("a frame");
    assert_eq!(info.color_type, png::ColorType::Rgba);
    pixels.truncate(info.buffer_size());
    (info.width, info.height, pixels)
}

#[test]
fn diagram_as_png_is_the_svg_drawn_with_swarmplans_own_fonts() {
    let plan = example("msactivator");
    let svg = String::from_utf8(swarmplan(&["diagram", &plan]).stdout).unwrap();
    let size = |name: &str| -> f64 {
        let at = svg.find(&format!(" {name}=\"")).expect(name) + name.len() + 3;
        svg[at..at + svg[at..].find('"').unwrap()].parse().unwrap()
    };
    let (width, height) = (size("width"), size("height"));

    let out = swarmplan(&["diagram", &plan, "--format", "png"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (w, h, pixels) = decode_png(&out.stdout);
    assert_eq!(
        (w, h),
        ((width * 2.0).ceil() as u32, (height * 2.0).ceil() as u32),
        "two pixels per SVG unit by default"
    );
    // The title is drawn in the diagram's text colour (#18202b): the fonts were found.
    let dark = |x: u32, y: u32| {
        let i = ((y * w + x) * 4) as usize;
        pixels[i] < 0x40 && pixels[i + 1] < 0x40 && pixels[i + 2] < 0x50
    };
    let title_ink = (0..80)
        .flat_map(|y| (0..w / 2).map(move |x| (x, y)))
        .filter(|&(x, y)| dark(x, y))
        .count();
    assert!(
        title_ink > 500,
        "the title's letters: {title_ink} dark pixels"
    );
    // Same plan, same pixels.
    assert_eq!(
        swarmplan(&["diagram", &plan, "--format", "png"]).stdout,
        out.stdout
    );

    let half = swarmplan(&["diagram", &plan, "--format", "png", "--scale", "0.5"]);
    let (hw, hh, _) = decode_png(&half.stdout);
    assert_eq!(
        (hw, hh),
        ((width / 2.0).ceil() as u32, (height / 2.0).ceil() as u32)
    );
    // The what-if draws something else.
    let what_if = swarmplan(&[
        "diagram",
        &plan,
        "--format",
        "png",
        "--what-if",
        "host:esx1",
    ]);
    assert!(what_if.status.success());
    assert_ne!(decode_png(&what_if.stdout).2, pixels);

    let bad = swarmplan(&["diagram", &plan, "--format", "png", "--scale", "0"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--scale"));
}

/// `commands/deploy-stacks.sh` deployed Nuvla's core without the session certificate its
/// secrets read, and Docker stopped it half-way. It now stops before that stack, naming the file.
#[test]
fn deploy_stacks_stops_before_a_stack_whose_secret_files_are_missing() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("nuvla-needs");
    let out = swarmplan(&["export", &example("nuvla"), "--out", dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A docker that notes its arguments and says every service runs all its replicas.
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let docker = bin.join("docker");
    std::fs::write(
        &docker,
        "#!/bin/sh\necho \"$*\" >> \"$DOCKER_LOG\"\n[ \"$1 $2\" = 'stack services' ] && echo 1/1\nexit 0\n",
    )
    .unwrap();
    std::fs::set_permissions(&docker, std::fs::Permissions::from_mode(0o755)).unwrap();
    let log = dir.join("docker.log");
    let deploy = || {
        std::process::Command::new("bash")
            .arg(dir.join("commands/deploy-stacks.sh"))
            .env(
                "PATH",
                format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
            )
            .env("DOCKER_LOG", &log)
            .output()
            .unwrap()
    };

    let without = deploy();
    assert!(!without.status.success());
    let said = String::from_utf8_lossy(&without.stderr);
    assert!(
        said.contains("stack nuvla reads nuvla/secrets/session.crt, which is missing"),
        "{said}"
    );
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(
        calls.contains("-c db/docker-compose.yml db"),
        "the stacks before it deploy: {calls}"
    );
    assert!(
        !calls.contains("nuvla/docker-compose.yml"),
        "nuvla is not deployed: {calls}"
    );

    let secrets = dir.join("stacks/nuvla/secrets");
    std::fs::create_dir_all(&secrets).unwrap();
    for file in ["session.crt", "session.key"] {
        std::fs::write(secrets.join(file), "made by openssl\n").unwrap();
    }
    std::fs::remove_file(&log).unwrap();
    let with = deploy();
    assert!(
        with.status.success(),
        "{}",
        String::from_utf8_lossy(&with.stderr)
    );
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(
        calls.contains("-c nuvla/docker-compose.yml nuvla"),
        "{calls}"
    );
}
