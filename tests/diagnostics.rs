//! Snapshots of what users read: the human diagnostics and the JSON report for a folder of
//! broken documents.

mod common;

use common::{fixture, opsbook, stdout_of};

#[test]
fn human_diagnostics() {
    let (out, code) =
        stdout_of(opsbook(&fixture("broken")).args(["lint", "--today", "2026-11-25"]));
    assert_eq!(code, 1);
    insta::assert_snapshot!(out);
}

#[test]
fn json_report() {
    let (out, code) = stdout_of(opsbook(&fixture("broken")).args([
        "lint",
        "--format",
        "json",
        "--today",
        "2026-11-25",
    ]));
    assert_eq!(code, 1);
    let value: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(value["version"], 1);
    insta::assert_snapshot!(out);
}
