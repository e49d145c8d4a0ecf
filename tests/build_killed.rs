//! `opsbook build` killed with SIGKILL half-way: the next build cleans up what it left and
//! the output folder always holds a whole site. (Each leftover state is simulated one by one
//! in the unit tests of src/site/write.rs; this is the real thing.)

#[path = "../benches/support/corpus.rs"]
mod corpus;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn build(root: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_opsbook"));
    cmd.args(["-q", "build", "--allow-errors", "--today", corpus::TODAY])
        .current_dir(root);
    cmd
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[cfg(unix)]
#[test]
fn a_build_killed_while_writing_is_cleaned_up_by_the_next() {
    let kb = tempfile::tempdir().unwrap();
    corpus::generate(kb.path(), 100, 7, corpus::Layout::Opsbook).unwrap();
    assert!(build(kb.path()).status().unwrap().success());
    let before = names(kb.path());
    assert!(before.contains(&"public".to_string()), "{before:?}");

    let mut child = build(kb.path()).spawn().unwrap();
    let staging = kb
        .path()
        .join(format!(".public.opsbook-new-{}", child.id()));
    // Killed once its staging folder holds some pages.
    let started = Instant::now();
    while !staging.join("runbooks").is_dir() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the build finished before it could be killed"
        );
        assert!(started.elapsed() < Duration::from_secs(120), "no staging");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(staging.is_dir(), "SIGKILL leaves the staging folder");
    assert!(kb.path().join("public/index.html").is_file());

    let output = build(kb.path()).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(names(kb.path()), before, "nothing left beside the output");
    assert!(kb.path().join("public/index.html").is_file());
}
