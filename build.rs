//! Records the git commit opsbook is built from for `opsbook --version` (see build/commit.rs).
//! Never fails: without a known commit, the version line says "commit unknown".

#[path = "build/commit.rs"]
mod commit;

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build/commit.rs");
    println!("cargo:rerun-if-env-changed=OPSBOOK_BUILD_COMMIT");

    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let env_override = std::env::var("OPSBOOK_BUILD_COMMIT").ok();
    let release = std::env::var("PROFILE").is_ok_and(|profile| profile == "release");
    let found = commit::resolve(&manifest_dir, env_override.as_deref(), release);
    for path in &found.watch {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    let hash = found.hash.unwrap_or_else(|| "unknown".to_string());
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rustc-env=OPSBOOK_VERSION_DETAIL=commit {hash}, {target}");
}
