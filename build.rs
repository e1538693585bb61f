//! The app's wasm is linked with its relocations kept: wasm-split-cli needs them to split it into
//! the module the page loads and the chunks loaded on demand (`xtask/src/split.rs`). Only the
//! app's own binary is linked so; the bench's wasm and native builds are not.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_FAMILY").as_deref() == Ok("wasm") {
        println!("cargo:rustc-link-arg-bins=--emit-relocs");
    }
}
