//! Every rule's book page (which `opsbook explain` prints) carries examples, and this test
//! checks each against the behaviour, so the documentation cannot drift from the code. All of
//! it is read from the pages; nothing here restates what a page says.
//!
//! Example documents are fenced with four backticks (any language):
//! ````markdown failing path=postmortems/2026-09-20-x.md   (must trigger the rule)
//! ````markdown fixed path=postmortems/2026-09-20-x.md     (must not trigger any rule)
//! ````markdown context path=runbooks/y.md                 (present in both runs)
//! (the path is the rest of the line)
//!
//! A path starting with `/` is relative to the knowledge base root instead of the content
//! folder: `path=/opsbook.toml`, `path=/monitoring/payments.yaml` (an alert rule file).
//!
//! A ```text block right after a failing example is the output it gives: `opsbook lint` must
//! print exactly that. A ```text cases block lists one-line cases, each `reported: LINE` or
//! `not reported: LINE`: the line is appended to the page's first fixed example, and the rule
//! must then report it, or not.

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
    /// The outputs shown right after failing examples.
    outputs: Vec<String>,
    /// (reported, line)
    cases: Vec<(bool, String)>,
}

/// The lines of a fenced block, up to its closing `fence`.
fn block<'a>(lines: &mut impl Iterator<Item = &'a str>, fence: &str) -> String {
    let mut text = String::new();
    for body in lines.by_ref() {
        if body == fence {
            break;
        }
        text.push_str(body);
        text.push('\n');
    }
    text
}

fn examples(page: &str) -> Examples {
    let mut examples = Examples::default();
    let mut lines = page.lines();
    let mut after_failing = false;
    while let Some(line) = lines.next() {
        if line == "```text" && after_failing {
            examples.outputs.push(block(&mut lines, "```"));
            after_failing = false;
            continue;
        }
        if line == "```text cases" {
            for case in block(&mut lines, "```").lines() {
                let case = match case.split_once(':') {
                    Some(("reported", rest)) => (true, rest.trim().to_string()),
                    Some(("not reported", rest)) => (false, rest.trim().to_string()),
                    _ => panic!("a case is `reported: ...` or `not reported: ...`: {case}"),
                };
                examples.cases.push(case);
            }
            continue;
        }
        if !line.trim().is_empty() {
            after_failing = false;
        }
        let Some(info) = line.strip_prefix("````").filter(|i| !i.is_empty()) else {
            continue;
        };
        let role = info.split_whitespace().nth(1).unwrap_or("");
        // The path is the rest of the line: file names may hold spaces.
        let path = info
            .split_once("path=")
            .map(|(_, path)| path.to_string())
            .unwrap_or_else(|| panic!("example without path=: {line}"));
        let text = block(&mut lines, "````");
        let slot = match role {
            "failing" => &mut examples.failing,
            "fixed" => &mut examples.fixed,
            "context" => &mut examples.context,
            other => panic!("unknown example role {other}"),
        };
        slot.insert(path, text);
        after_failing = role == "failing";
    }
    examples
}

/// Lints the given documents (plus `context`) as `opsbook lint` does in a knowledge base;
/// `format` is `json` or `human`.
fn lint(
    docs: &BTreeMap<String, String>,
    context: &BTreeMap<String, String>,
    format: &str,
) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in context.iter().chain(docs) {
        let full = match path.strip_prefix('/') {
            Some(from_root) => dir.path().join(from_root),
            None => dir.path().join("content").join(path),
        };
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    let output = opsbook(dir.path())
        .args(["lint", "--format", format, "--today", "2026-11-25"])
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap()
}

/// Lints the given documents and returns the rule ids found.
fn rules_found(docs: &BTreeMap<String, String>, context: &BTreeMap<String, String>) -> Vec<String> {
    let report: serde_json::Value = serde_json::from_str(&lint(docs, context, "json")).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

/// The problems with the outputs and cases a page shows for rule `id`.
fn check_outputs_and_cases(id: &str, examples: &Examples) -> Vec<String> {
    let mut problems = Vec::new();
    let printed = lint(&examples.failing, &examples.context, "human");
    for shown in &examples.outputs {
        if !printed.contains(shown.as_str()) {
            problems.push(format!(
                "{id}: the page shows output that lint does not print:\n{shown}\nlint prints:\n{printed}"
            ));
        }
    }
    let Some((base_path, base)) = examples.fixed.iter().next() else {
        return problems;
    };
    for (reported, line) in &examples.cases {
        let mut docs = examples.fixed.clone();
        docs.insert(base_path.clone(), format!("{base}\n{line}\n"));
        let found = rules_found(&docs, &examples.context)
            .iter()
            .any(|r| r == id);
        if found != *reported {
            let said = if *reported {
                "reported"
            } else {
                "not reported"
            };
            problems.push(format!("{id}: the page says `{line}` is {said}"));
        }
    }
    problems
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
        problems.extend(check_outputs_and_cases(id, &examples));
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
