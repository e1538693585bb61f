//! `cargo xtask split`: trunk's post-build hook (Trunk.toml) that splits the app's wasm.
//!
//! The functions the app marks `#[wasm_split]` (src/on_demand.rs) are split points: the panels
//! and dialogs a plan does not need on every keystroke. wasm-split-cli cuts the linked wasm
//! (linked with `--emit-relocs`, build.rs) into the module the page loads and one chunk per
//! split point, plus chunks of code several of them share, and writes the JS that fetches a
//! chunk the first time it is called. This step then runs wasm-bindgen on the main module as
//! trunk did on the whole one, and replaces trunk's output in its staging folder.
//!
//! Every file it adds is named after trunk's content-hashed output name, so a browser never
//! pairs a cached chunk with a newer main module.

use crate::{pins, run, tools, Result};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn run_hook() -> Result {
    let staging = PathBuf::from(
        std::env::var_os("TRUNK_STAGING_DIR")
            .ok_or("`cargo xtask split` runs as trunk's post_build hook (Trunk.toml)")?,
    );
    // Trunk builds release with the profile index.html names.
    let profile = match std::env::var("TRUNK_PROFILE").as_deref() {
        Ok("release") => pins::web_profile()?,
        _ => "debug".to_owned(),
    };
    let target = crate::target_dir();
    let linked = target
        .join("wasm32-unknown-unknown")
        .join(&profile)
        .join("swarmplan-web.wasm");
    let name = trunk_output_name(&staging)?;
    let work = target.join("wasm-split").join(&profile);
    if work.exists() {
        fs::remove_dir_all(&work).map_err(|e| format!("cannot clear {}: {e}", work.display()))?;
    }
    let bindgen = work.join("bindgen");
    fs::create_dir_all(&bindgen)
        .map_err(|e| format!("cannot create {}: {e}", bindgen.display()))?;

    run(Command::new(tools::wasm_split())
        .arg(&linked)
        .arg(&work)
        .args(["--out-name", &name]))?;
    run(Command::new(tools::wasm_bindgen())
        .args(["--target=web", "--no-typescript", "--keep-lld-exports"])
        .arg(format!("--out-dir={}", bindgen.display()))
        .arg(format!("--out-name={name}"))
        .arg(work.join(format!("{name}.wasm"))))?;

    let loader = format!("{name}_split.js");
    copy(
        &bindgen.join(format!("{name}_bg.wasm")),
        &staging.join(format!("{name}_bg.wasm")),
    )?;
    let js = read(&bindgen.join(format!("{name}.js")))?;
    write(
        &staging.join(format!("{name}.js")),
        // The module specifier changes; the wasm's import namespace, the key of the imports
        // object, stays "./__wasm_split.js".
        &replace_all(
            &js,
            "from \"./__wasm_split.js\"",
            &format!("from \"./{loader}\""),
        )?,
    )?;
    let mut link = read(&work.join("__wasm_split.js"))?;
    let mut chunks = Vec::new();
    for entry in fs::read_dir(&work).map_err(|e| format!("cannot read {}: {e}", work.display()))? {
        let file = entry.map_err(|e| e.to_string())?.file_name();
        let file = file.to_string_lossy();
        if file.ends_with(".wasm") && file != format!("{name}.wasm") {
            chunks.push(file.into_owned());
        }
    }
    chunks.sort();
    for chunk in &chunks {
        let renamed = format!("{name}_{chunk}");
        link = replace_all(
            &link,
            &format!("\"./{chunk}\""),
            &format!("\"./{renamed}\""),
        )?;
        copy(&work.join(chunk), &staging.join(renamed))?;
    }
    write(&staging.join(loader), &link)?;
    eprintln!(
        "xtask: split {} into its main module and {} chunks",
        linked.display(),
        chunks.len()
    );
    Ok(())
}

/// The content-hashed base name trunk gave the app's files (`swarmplan-web-<hash>`).
fn trunk_output_name(staging: &Path) -> Result<String> {
    let mut names = Vec::new();
    for entry in
        fs::read_dir(staging).map_err(|e| format!("cannot read {}: {e}", staging.display()))?
    {
        let file = entry.map_err(|e| e.to_string())?.file_name();
        if let Some(name) = file.to_string_lossy().strip_suffix("_bg.wasm") {
            names.push(name.to_owned());
        }
    }
    match names.as_slice() {
        [name] => Ok(name.clone()),
        _ => Err(format!(
            "expected trunk's one *_bg.wasm in {}, found {names:?}",
            staging.display()
        )),
    }
}

/// `text` with every `from` replaced; an error when there is none, which would mean
/// wasm-bindgen or wasm-split-cli changed what they write.
fn replace_all(text: &str, from: &str, to: &str) -> Result<String> {
    if text.contains(from) {
        Ok(text.replace(from, to))
    } else {
        Err(format!("expected {from} in the generated JS"))
    }
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result {
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn copy(from: &Path, to: &Path) -> Result {
    fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))
}
