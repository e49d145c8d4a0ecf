//! Every rule's book page (which `opsbook explain` prints) carries a failing and a fixed
//! example document. This test lints them: the failing example must trigger the rule and the
//! fixed one must not, so the documentation cannot drift from the behaviour.
//!
//! Example blocks are fenced with four backticks:
//! ````markdown failing path=postmortems/2026-09-20-x.md   (must trigger the rule)
//! ````markdown fixed path=postmortems/2026-09-20-x.md     (must not)
//! ````markdown context path=runbooks/y.md                 (present in both runs)

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::opsbook;
use opsbook::lint::rules::ALL;

#[derive(Default, Debug)]
struct Examples {
    failing: BTreeMap<String, String>,
    fixed: BTreeMap<String, String>,
    context: BTreeMap<String, String>,
}

fn examples(page: &str) -> Examples {
    let mut examples = Examples::default();
    let mut lines = page.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("````markdown ") else {
            continue;
        };
        let role = info.split_whitespace().next().unwrap_or("");
        let path = info
            .split_whitespace()
            .find_map(|w| w.strip_prefix("path="))
            .unwrap_or_else(|| panic!("example without path=: {line}"))
            .to_string();
        let mut text = String::new();
        for body in lines.by_ref() {
            if body == "````" {
                break;
            }
            text.push_str(body);
            text.push('\n');
        }
        let slot = match role {
            "failing" => &mut examples.failing,
            "fixed" => &mut examples.fixed,
            "context" => &mut examples.context,
            other => panic!("unknown example role {other}"),
        };
        slot.insert(path, text);
    }
    examples
}

/// Lints the given documents and returns the rule ids found.
fn rules_found(docs: &BTreeMap<String, String>, context: &BTreeMap<String, String>) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in context.iter().chain(docs) {
        let full = dir.path().join("content").join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    let output = opsbook(dir.path())
        .args(["lint", "--format", "json", "--today", "2026-11-25"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

/// Rules whose failing input cannot be written as a Markdown example (binary files,
/// permissions); their behaviour is covered by tests/bad_input.rs.
const NOT_EXPRESSIBLE: &[&str] = &["unreadable-file"];

#[test]
fn every_rule_page_has_examples_that_behave_as_documented() {
    let book = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src/rules");
    let mut problems = Vec::new();
    for rule in ALL {
        let id = rule.id().as_str();
        if NOT_EXPRESSIBLE.contains(&id) {
            continue;
        }
        let page = std::fs::read_to_string(book.join(format!("{id}.md"))).unwrap();
        let examples = examples(&page);
        if examples.failing.is_empty() || examples.fixed.is_empty() {
            problems.push(format!(
                "{id}: the page needs a failing and a fixed example"
            ));
            continue;
        }
        let failing = rules_found(&examples.failing, &examples.context);
        if !failing.iter().any(|r| r == id) {
            problems.push(format!(
                "{id}: the failing example does not trigger it (found {failing:?})"
            ));
        }
        let fixed = rules_found(&examples.fixed, &examples.context);
        if !fixed.is_empty() {
            problems.push(format!(
                "{id}: the fixed example still has findings: {fixed:?}"
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
