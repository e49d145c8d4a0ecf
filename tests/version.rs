//! `opsbook --version` names the commit it was built from, and finding that commit never fails
//! a build: from a git clone, a crates.io package, a tarball, or an environment variable.

#[path = "../build/commit.rs"]
mod commit;

use std::path::Path;
use std::process::Command as Process;

use assert_cmd::Command;
use commit::{resolve, sha1_from_vcs_info, short_hash};

const FULL: &str = "1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D";

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Process::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git {args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

fn repo_with_one_commit(dir: &Path) -> String {
    git(dir, &["init", "-q"]);
    std::fs::write(dir.join("Cargo.toml"), "[package]\n").unwrap();
    git(dir, &["add", "Cargo.toml"]);
    git(dir, &["commit", "-q", "-m", "one"]);
    git(dir, &["rev-parse", "HEAD"])
}

#[test]
fn version_line_names_the_version_commit_and_target() {
    let output = Command::cargo_bin("opsbook")
        .unwrap()
        .arg("--version")
        .output()
        .unwrap();
    assert!(output.status.success());
    let line = String::from_utf8(output.stdout).unwrap();
    let pattern = format!(
        r"^opsbook {} \(commit ([0-9a-f]{{12}}|unknown), [a-z0-9_]+-[a-z0-9_-]+\)\n$",
        regex::escape(env!("CARGO_PKG_VERSION"))
    );
    assert!(
        regex::Regex::new(&pattern).unwrap().is_match(&line),
        "{line:?} does not match {pattern}"
    );
}

#[test]
fn short_hash_keeps_twelve_lowercase_hex_digits_and_refuses_anything_else() {
    assert_eq!(short_hash(FULL).as_deref(), Some("1a2b3c4d5e6f"));
    assert_eq!(short_hash("  abcdef1\n").as_deref(), Some("abcdef1"));
    for bad in [
        "",
        "   ",
        "abc",
        "not-a-commit",
        "1a2b3c4d5e6g",
        &"a".repeat(65),
    ] {
        assert_eq!(short_hash(bad), None, "{bad:?}");
    }
}

#[test]
fn cargo_vcs_info_sha1_is_read_compact_or_pretty() {
    let compact = format!(r#"{{"git":{{"sha1":"{FULL}","dirty":true}},"path_in_vcs":""}}"#);
    let pretty = format!(
        "{{\n  \"git\": {{\n    \"sha1\" :  \"{FULL}\"\n  }},\n  \"path_in_vcs\": \"\"\n}}\n"
    );
    assert_eq!(
        sha1_from_vcs_info(&compact).as_deref(),
        Some("1a2b3c4d5e6f")
    );
    assert_eq!(sha1_from_vcs_info(&pretty).as_deref(), Some("1a2b3c4d5e6f"));
    for bad in [
        "",
        "{}",
        r#"{"git":{"sha1":42}}"#,
        r#"{"git":{"sha1":"zz"}}"#,
        r#""sha1""#,
    ] {
        assert_eq!(sha1_from_vcs_info(bad), None, "{bad:?}");
    }
}

#[test]
fn the_environment_variable_wins_over_the_package_and_git() {
    let dir = tempfile::tempdir().unwrap();
    repo_with_one_commit(dir.path());
    std::fs::write(
        dir.path().join(".cargo_vcs_info.json"),
        r#"{"git":{"sha1":"ffffffffffffffffffffffffffffffffffffffff"}}"#,
    )
    .unwrap();
    let found = resolve(dir.path(), Some(FULL), true);
    assert_eq!(found.hash.as_deref(), Some("1a2b3c4d5e6f"));
    assert_eq!(found.source, "OPSBOOK_BUILD_COMMIT");
    // An empty or invalid value is ignored, not printed.
    assert_eq!(
        resolve(dir.path(), Some(""), true).source,
        ".cargo_vcs_info.json"
    );
    assert_eq!(
        resolve(dir.path(), Some("HEAD"), true).source,
        ".cargo_vcs_info.json"
    );
}

#[test]
fn a_crates_io_package_takes_the_commit_cargo_package_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let info = dir.path().join(".cargo_vcs_info.json");
    std::fs::write(
        &info,
        format!(r#"{{"git":{{"sha1":"{FULL}"}},"path_in_vcs":""}}"#),
    )
    .unwrap();
    let found = resolve(dir.path(), None, true);
    assert_eq!(found.hash.as_deref(), Some("1a2b3c4d5e6f"));
    assert_eq!(found.watch, vec![info]);
}

#[test]
fn a_git_clone_takes_head_and_watches_the_files_a_commit_changes() {
    let dir = tempfile::tempdir().unwrap();
    let head = repo_with_one_commit(dir.path());
    let found = resolve(dir.path(), None, true);
    assert_eq!(found.hash.as_deref(), Some(&head[..12]));
    assert_eq!(found.source, "git");
    assert!(
        found.watch.iter().any(|p| p.ends_with(".git/HEAD")),
        "{:?}",
        found.watch
    );
    assert!(
        found
            .watch
            .iter()
            .any(|p| p.to_string_lossy().contains("refs/heads/")),
        "{:?}",
        found.watch
    );
    // Debug builds do not ask git (no rebuild after every commit).
    assert_eq!(resolve(dir.path(), None, false).hash, None);
}

#[test]
fn a_tarball_says_unknown_even_when_unpacked_inside_another_repository() {
    let outer = tempfile::tempdir().unwrap();
    repo_with_one_commit(outer.path());
    let unpacked = outer.path().join("opsbook-0.1.0");
    std::fs::create_dir(&unpacked).unwrap();
    let found = resolve(&unpacked, None, true);
    assert_eq!(found.hash, None);
    assert!(found.watch.is_empty());

    let alone = tempfile::tempdir().unwrap();
    assert_eq!(resolve(alone.path(), None, true).hash, None);
}
