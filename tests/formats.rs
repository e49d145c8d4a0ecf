//! Every output format: snapshots, SARIF schema validation, and the same findings in each.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use common::{fixture, opsbook, stdout_of};

fn lint(dir: &Path, format: &str) -> (String, i32) {
    stdout_of(opsbook(dir).args(["lint", "--format", format, "--today", "2026-11-25"]))
}

#[test]
fn github_annotations() {
    let (out, code) = lint(&fixture("broken"), "github");
    assert_eq!(code, 1);
    insta::assert_snapshot!(out);
}

#[test]
fn github_step_summary_is_written_when_set() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    fs::write(&summary, "earlier step\n").unwrap();
    let output = opsbook(&fixture("broken"))
        .args(["lint", "--format", "github", "--today", "2026-11-25"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("earlier step\n## opsbook lint"),
        "appends: {text}"
    );
    insta::assert_snapshot!(text);
}

/// The snapshot holds the results; the rule descriptions come from the registry and are
/// checked against it here, so adding or rewording a rule does not touch the snapshot.
#[test]
fn sarif_report() {
    let (out, code) = lint(&fixture("broken"), "sarif");
    assert_eq!(code, 1);
    let mut log: serde_json::Value = serde_json::from_str(&out).unwrap();
    let driver = &mut log["runs"][0]["tool"]["driver"];
    let rules = driver["rules"].take();
    let rules = rules.as_array().unwrap();
    assert_eq!(rules.len(), opsbook::lint::rules::ALL.len());
    for (described, rule) in rules.iter().zip(opsbook::lint::rules::ALL) {
        let id = rule.id().as_str();
        assert_eq!(described["id"], id);
        assert_eq!(described["shortDescription"]["text"], rule.summary());
        assert_eq!(
            described["defaultConfiguration"]["level"],
            rule.default_level().to_string().replace("off", "none")
        );
        assert_eq!(
            described["helpUri"],
            format!("https://opsbook.dev/rules/{id}.html")
        );
        let full = described["fullDescription"]["text"].as_str().unwrap();
        assert!(
            rule.explanation().replace('\n', " ").contains(full),
            "{id}: the full description is the page's first paragraph: {full}"
        );
    }
    driver["rules"] = "checked against opsbook::lint::rules::ALL".into();
    for result in log["runs"][0]["results"].as_array_mut().unwrap() {
        let index = result["ruleIndex"].take().as_u64().unwrap() as usize;
        assert_eq!(
            rules[index]["id"], result["ruleId"],
            "ruleIndex points at the rule"
        );
        result["ruleIndex"] = "checked".into();
    }
    log["runs"][0]["tool"]["driver"]["version"] = "<version>".into();
    insta::assert_snapshot!(serde_json::to_string_pretty(&log).unwrap());
}

/// The SARIF 2.1.0 schema ships inside the serde-sarif crate (a dev-dependency, so cargo has
/// unpacked it in its registry): the test needs no network.
fn sarif_schema() -> serde_json::Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lock = fs::read_to_string(root.join("Cargo.lock")).unwrap();
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"serde-sarif\""))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = ")))
        .expect("serde-sarif in Cargo.lock")
        .trim_matches('"')
        .to_string();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(&std::env::var_os("HOME").unwrap()).join(".cargo"));
    let registry = cargo_home.join("registry/src");
    let schema = fs::read_dir(&registry)
        .unwrap()
        .map(|index| {
            index
                .unwrap()
                .path()
                .join(format!("serde-sarif-{version}/src/schema.json"))
        })
        .find(|path| path.is_file())
        .expect("the serde-sarif sources are unpacked in the cargo registry");
    // The published schema has one malformed `language` pattern (an unbalanced `]`), which
    // strict validators refuse to compile; use the pattern it means. Nothing opsbook writes
    // uses `language`.
    let text = fs::read_to_string(schema).unwrap().replace(
        "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
        "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$",
    );
    serde_json::from_str(&text).unwrap()
}

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    let schema = sarif_schema();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    for dir in [fixture("broken"), fixture("clean")] {
        let (out, _) = lint(&dir, "sarif");
        let log: serde_json::Value = serde_json::from_str(&out).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}", errors.join("\n"));
        // The validator is not a rubber stamp: a broken log fails it.
        let mut broken = log.clone();
        broken["runs"][0]["results"] = serde_json::json!([{ "ruleId": 7 }]);
        assert!(!validator.is_valid(&broken));
        // And it reads back with a typed SARIF model.
        let typed: serde_sarif::sarif::Sarif = serde_json::from_str(&out).unwrap();
        assert_eq!(typed.runs.len(), 1);
    }
}

/// 50 documents, 3 of them broken: every format reports exactly those findings.
#[test]
fn three_broken_documents_out_of_fifty_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    fs::create_dir_all(content.join("postmortems")).unwrap();
    fs::create_dir_all(content.join("runbooks")).unwrap();
    let runbook =
        fs::read_to_string(fixture("clean").join("content/runbooks/db-failover.md")).unwrap();
    fs::write(content.join("runbooks/db-failover.md"), &runbook).unwrap();
    let postmortem =
        fs::read_to_string(fixture("clean").join("content/postmortems/2026-09-20-checkout-5xx.md"))
            .unwrap();
    for i in 0..46 {
        fs::write(
            content.join(format!("postmortems/2026-09-20-incident-{i:02}.md")),
            &postmortem,
        )
        .unwrap();
    }
    fs::write(
        content.join("postmortems/2026-10-01-no-owner.md"),
        postmortem.replace("owner: alice@example.com\n", ""),
    )
    .unwrap();
    fs::write(
        content.join("postmortems/2026-10-02-bad-severity.md"),
        postmortem.replace("severity: SEV2", "severity: SEV9"),
    )
    .unwrap();
    fs::write(
        content.join("runbooks/broken-yaml.md"),
        runbook.replace("services: [payments-api]", "services: [payments-api"),
    )
    .unwrap();
    assert_eq!(
        walkdir::WalkDir::new(&content)
            .into_iter()
            .filter(|e| e.as_ref().unwrap().file_type().is_file())
            .count(),
        50
    );

    let expected: BTreeSet<(String, String, u64)> = [
        (
            "content/postmortems/2026-10-01-no-owner.md",
            "required-field",
            1,
        ),
        (
            "content/postmortems/2026-10-02-bad-severity.md",
            "invalid-value",
            5,
        ),
        ("content/runbooks/broken-yaml.md", "invalid-front-matter", 8),
    ]
    .into_iter()
    .map(|(f, r, l)| (f.to_string(), r.to_string(), l))
    .collect();

    let (json, code) = lint(dir.path(), "json");
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let from_json: BTreeSet<_> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(from_json, expected);

    let (sarif, _) = lint(dir.path(), "sarif");
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let from_sarif: BTreeSet<_> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let location = &r["locations"][0]["physicalLocation"];
            (
                location["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                r["ruleId"].as_str().unwrap().to_string(),
                location["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(from_sarif, expected);

    let (github, _) = lint(dir.path(), "github");
    let from_github: BTreeSet<_> = github
        .lines()
        .map(|line| {
            let field = |name: &str| {
                line.split([',', ' '])
                    .find_map(|p| p.strip_prefix(&format!("{name}=")))
                    .unwrap()
                    .to_string()
            };
            let title = line
                .split("title=opsbook ")
                .nth(1)
                .unwrap()
                .split("::")
                .next()
                .unwrap()
                .to_string();
            (field("file"), title, field("line").parse().unwrap())
        })
        .collect();
    assert_eq!(from_github, expected);

    let (human, _) = lint(dir.path(), "human");
    for (file, rule, line) in &expected {
        assert!(
            human.contains(&format!("[{file}:{line}:")),
            "{file}:{line} in human output"
        );
        assert!(human.contains(rule.as_str()));
    }
    assert!(
        human.contains("3 errors and 0 warnings in 3 of 50 documents"),
        "{human}"
    );
}
