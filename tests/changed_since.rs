//! `opsbook lint --changed-since REV` against a temporary git repository whose commits the
//! test makes.

mod common;

use std::fs;
use std::path::Path;

use common::{fixture, opsbook, stdout_of};

fn reported_files(dir: &Path, rev: &str) -> (Vec<String>, i32) {
    let (out, code) = stdout_of(opsbook(dir).args([
        "lint",
        "--format",
        "json",
        "--today",
        "2026-11-25",
        "--changed-since",
        rev,
    ]));
    let report: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}"));
    let mut files: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_string())
        .collect();
    files.dedup();
    (files, code)
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(&fixture("clean"), dir.path());
    // A document that is already broken on main: not part of the change, not reported.
    let old = fs::read_to_string(
        dir.path()
            .join("content/postmortems/2026-09-20-checkout-5xx.md"),
    )
    .unwrap();
    fs::write(
        dir.path()
            .join("content/postmortems/2026-01-01-old-broken.md"),
        old.replace("severity: SEV2", "severity: SEV9"),
    )
    .unwrap();
    common::git_init(dir.path());
    common::commit_all(dir.path(), "Test", 1_767_225_600, "main");
    common::git::git(dir.path(), &["branch", "main-base"]);
    dir
}

#[test]
fn reports_only_changed_documents() {
    let dir = setup();
    let pm = dir
        .path()
        .join("content/postmortems/2026-09-20-checkout-5xx.md");
    // Committed on the branch: a new broken postmortem.
    fs::write(
        dir.path().join("content/postmortems/2026-11-01-new.md"),
        fs::read_to_string(&pm)
            .unwrap()
            .replace("owner: alice@example.com\n", ""),
    )
    .unwrap();
    common::commit_all(dir.path(), "Test", 1_767_225_600, "add a postmortem");
    // Uncommitted: a modified document, and an untracked one.
    fs::write(
        &pm,
        fs::read_to_string(&pm)
            .unwrap()
            .replace("trigger: deploy", "trigger: typo"),
    )
    .unwrap();
    fs::write(
        dir.path().join("content/runbooks/untracked.md"),
        "no front matter\n",
    )
    .unwrap();

    let (files, code) = reported_files(dir.path(), "main-base");
    assert_eq!(code, 1);
    assert_eq!(
        files,
        [
            "content/postmortems/2026-09-20-checkout-5xx.md",
            "content/postmortems/2026-11-01-new.md",
            "content/runbooks/untracked.md",
        ]
    );
}

#[test]
fn reports_documents_whose_links_the_change_broke() {
    let dir = setup();
    // Rename the runbook the postmortems link to (and reference by id): they did not change,
    // but their links are now broken and they must be reported.
    fs::rename(
        dir.path().join("content/runbooks/db-failover.md"),
        dir.path().join("content/runbooks/database-failover.md"),
    )
    .unwrap();
    common::commit_all(dir.path(), "Test", 1_767_225_600, "rename the runbook");
    let (files, code) = reported_files(dir.path(), "main-base");
    assert_eq!(code, 1);
    assert_eq!(
        files,
        [
            "content/postmortems/2026-01-01-old-broken.md",
            "content/postmortems/2026-09-20-checkout-5xx.md",
        ]
    );
}

/// Links are read as the site reads them: a percent-encoded link and a link to a folder's
/// index document count when their target goes.
#[test]
fn links_in_every_form_count_when_their_target_goes() {
    let dir = setup();
    let content = dir.path().join("content");
    fs::create_dir_all(content.join("runbooks/cache")).unwrap();
    let runbook = fs::read_to_string(content.join("runbooks/db-failover.md")).unwrap();
    let with_id = |id: &str| runbook.replace("id: rb-db-failover", &format!("id: {id}"));
    fs::write(content.join("runbooks/my doc.md"), with_id("my-doc")).unwrap();
    fs::write(content.join("runbooks/cache/index.md"), with_id("cache")).unwrap();
    let linking = |name: &str, link: &str| {
        let text =
            with_id(name).replace("## Rollback", &format!("See [it]({link}).\n\n## Rollback"));
        fs::write(content.join(format!("runbooks/{name}.md")), text).unwrap();
    };
    linking("links-encoded", "my%20doc.md");
    linking("links-folder", "cache/");
    common::commit_all(dir.path(), "Test", 1_767_225_600, "linked runbooks");
    common::git::git(dir.path(), &["branch", "-f", "main-base"]);
    fs::remove_file(content.join("runbooks/my doc.md")).unwrap();
    fs::remove_file(content.join("runbooks/cache/index.md")).unwrap();
    common::commit_all(dir.path(), "Test", 1_767_225_600, "remove the targets");
    let (files, code) = reported_files(dir.path(), "main-base");
    assert_eq!(code, 1);
    assert_eq!(
        files,
        [
            "content/runbooks/links-encoded.md",
            "content/runbooks/links-folder.md",
        ]
    );
}

#[test]
fn no_change_no_findings() {
    let dir = setup();
    let (files, code) = reported_files(dir.path(), "main-base");
    assert!(files.is_empty(), "{files:?}");
    assert_eq!(code, 0);
}

#[test]
fn unknown_revision_and_no_repository_exit_2() {
    let dir = setup();
    opsbook(dir.path())
        .args(["lint", "--changed-since", "no-such-branch"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "cannot find the revision `no-such-branch`",
        ));
    let plain = tempfile::tempdir().unwrap();
    common::copy_tree(&fixture("clean"), plain.path());
    let mut lint = opsbook(plain.path());
    common::no_repository_above(&mut lint, plain.path());
    lint.args(["lint", "--changed-since", "main"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("needs a git repository"));
}
