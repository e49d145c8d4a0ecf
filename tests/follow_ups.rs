//! `opsbook follow-ups` on a fixture with known follow-ups and a fixed `--today`: each format
//! and each filter is a snapshot.

use std::path::PathBuf;

use assert_cmd::Command;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/follow-ups")
}

/// Runs `opsbook follow-ups ARGS --today 2026-11-25` in the fixture; returns stdout.
fn follow_ups(args: &[&str]) -> String {
    let output = Command::cargo_bin("opsbook")
        .unwrap()
        .current_dir(fixture())
        .env("NO_COLOR", "1")
        .arg("follow-ups")
        .args(args)
        .args(["--today", "2026-11-25"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn table_lists_open_follow_ups_soonest_first() {
    insta::assert_snapshot!("table", follow_ups(&[]));
}

#[test]
fn json_format() {
    let text = follow_ups(&["--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["version"], 1);
    insta::assert_snapshot!("json", text);
}

#[test]
fn csv_format() {
    insta::assert_snapshot!("csv", follow_ups(&["--format", "csv", "--all"]));
}

#[test]
fn markdown_format() {
    insta::assert_snapshot!("markdown", follow_ups(&["--format", "markdown"]));
}

#[test]
fn every_status_with_all() {
    insta::assert_snapshot!("table_all", follow_ups(&["--all"]));
}

#[test]
fn filters() {
    let only = |args: &[&str]| follow_ups(&[&["--format", "csv"][..], args].concat());
    insta::assert_snapshot!("overdue", only(&["--overdue"]));
    insta::assert_snapshot!("owner_bob", only(&["--owner", "bob"]));
    insta::assert_snapshot!(
        "service_payments",
        only(&["--service", "payments-api", "--all"])
    );
    insta::assert_snapshot!("due_before", only(&["--due-before", "2026-11-25"]));
    insta::assert_snapshot!(
        "status_done_and_wont_do",
        only(&["--status", "done,wont_do"])
    );
}

#[test]
fn overdue_uses_the_given_today() {
    // The same follow-ups, seen a year earlier: nothing is overdue.
    let output = Command::cargo_bin("opsbook")
        .unwrap()
        .current_dir(fixture())
        .args([
            "follow-ups",
            "--overdue",
            "--format",
            "json",
            "--today",
            "2025-11-25",
        ])
        .output()
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["follow_ups"].as_array().unwrap().len(), 0);
}

#[test]
fn unknown_status_is_a_usage_error() {
    Command::cargo_bin("opsbook")
        .unwrap()
        .current_dir(fixture())
        .args(["follow-ups", "--status", "opne"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "`opne` is not a follow-up status",
        ));
}

#[test]
fn summary_goes_to_stderr_and_quiet_drops_it() {
    Command::cargo_bin("opsbook")
        .unwrap()
        .current_dir(fixture())
        .args(["follow-ups", "--today", "2026-11-25"])
        .assert()
        .success()
        .stderr("6 open follow-ups (2 overdue) from 3 postmortems\n");
    Command::cargo_bin("opsbook")
        .unwrap()
        .current_dir(fixture())
        .args(["--quiet", "follow-ups", "--today", "2026-11-25"])
        .assert()
        .success()
        .stderr("");
}
