//! `opsbook lint` end to end: exit codes, diagnostics, every file checked.

mod common;

use common::{copy_tree, fixture, opsbook, stdout_of};
use predicates::prelude::*;

#[test]
fn clean_knowledge_base_exits_0() {
    opsbook(&fixture("clean"))
        .args(["lint", "--today", "2026-11-25"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "2 documents checked: no problems found",
        ));
}

#[test]
fn lint_content_means_the_same_as_lint() {
    let (all, code_all) =
        stdout_of(opsbook(&fixture("broken")).args(["lint", "--today", "2026-11-25"]));
    let (content, code_content) =
        stdout_of(opsbook(&fixture("broken")).args(["lint", "content", "--today", "2026-11-25"]));
    assert_eq!(all, content);
    assert_eq!((code_all, code_content), (1, 1));
}

#[test]
fn broken_documents_exit_1() {
    opsbook(&fixture("broken"))
        .args(["lint", "--today", "2026-11-25"])
        .assert()
        .code(1);
}

#[test]
fn bad_config_exits_2_and_points_at_the_line() {
    opsbook(&fixture("bad-config"))
        .arg("lint")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("required_fields"))
        .stderr(predicate::str::contains("[opsbook.toml:6:1]"));
}

#[test]
fn missing_content_folder_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    opsbook(dir.path())
        .arg("lint")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("content folder"));
}

#[test]
fn path_outside_the_content_folder_exits_2() {
    opsbook(&fixture("clean"))
        .args(["lint", "/tmp"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not inside the content folder"));
}

#[test]
fn bad_arguments_exit_2() {
    opsbook(&fixture("clean"))
        .args(["lint", "--today", "yesterday"])
        .assert()
        .code(2);
    opsbook(&fixture("clean"))
        .args(["lint", "--no-such-flag"])
        .assert()
        .code(2);
}

#[test]
fn paths_restrict_the_report() {
    let (out, code) = stdout_of(opsbook(&fixture("broken")).args([
        "lint",
        "content/runbooks",
        "--today",
        "2026-11-25",
    ]));
    assert_eq!(code, 1);
    assert!(out.contains("content/runbooks/no-front-matter.md"), "{out}");
    assert!(!out.contains("content/postmortems/"), "{out}");
    assert!(out.contains("in 2 of 3 documents"), "{out}");
}

/// The acceptance check: remove `owner` from one postmortem of the example content.
#[test]
fn missing_owner_in_the_example_content_is_reported_precisely() {
    let dir = tempfile::tempdir().unwrap();
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    copy_tree(&repo.join("content"), &dir.path().join("content"));
    let name = "content/postmortems/2026-03-14-checkout-timeouts.md";
    let path = dir.path().join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let without_owner: String = text
        .lines()
        .filter(|l| !l.starts_with("owner:"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(
        text.len(),
        without_owner.len(),
        "the fixture had an owner line"
    );
    std::fs::write(&path, without_owner).unwrap();

    let (out, code) = stdout_of(opsbook(dir.path()).args(["lint", "--today", "2026-11-25"]));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("{name}: missing required field `owner`")),
        "{out}"
    );
    assert!(
        out.contains(&format!("[{name}:1:1]")),
        "line and column: {out}"
    );
    assert!(out.contains("required-field"), "rule id: {out}");
    assert!(out.contains("1 error and"), "only that one error: {out}");
}

/// A file with broken YAML is reported with line and column; every other file is still checked.
#[test]
fn broken_yaml_does_not_stop_the_other_files() {
    let (out, _) = stdout_of(opsbook(&fixture("broken")).args(["lint", "--today", "2026-11-25"]));
    assert!(
        out.contains("[content/postmortems/2026-09-21-broken-yaml.md:6:9]"),
        "{out}"
    );
    for later in [
        "content/postmortems/2026-09-22-bad-values.md",
        "content/postmortems/2026-09-23-follow-ups-todo.md",
        "content/runbooks/list-front-matter.md",
        "content/runbooks/no-front-matter.md",
    ] {
        assert!(out.contains(later), "{later} was checked too: {out}");
    }
}

#[test]
fn example_content_lints_without_errors() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    opsbook(repo)
        .args(["lint", "--today", "2026-11-25"])
        .assert()
        .code(0);
}
