//! Rule levels and exceptions: [lint.rules] overrides, ignore globs, per-document allow
//! lists, drafts, --deny-warnings; and the rules / explain / schema commands.

mod common;

use std::fs;
use std::path::Path;

use common::{fixture, opsbook, stdout_of};
use predicates::prelude::*;

/// A knowledge base with the clean fixture plus `extra` documents and an optional config.
fn kb(config: &str, extra: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(&fixture("clean"), dir.path());
    if !config.is_empty() {
        fs::write(dir.path().join("opsbook.toml"), config).unwrap();
    }
    for (path, text) in extra {
        let full = dir.path().join(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, text).unwrap();
    }
    dir
}

fn clean_postmortem() -> String {
    fs::read_to_string(fixture("clean").join("content/postmortems/2026-09-20-checkout-5xx.md"))
        .unwrap()
}

fn findings(dir: &Path, extra_args: &[&str]) -> (Vec<(String, String, String)>, i32) {
    let mut args = vec!["lint", "--format", "json", "--today", "2026-11-25"];
    args.extend_from_slice(extra_args);
    let (out, code) = stdout_of(opsbook(dir).args(&args));
    let report: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}"));
    let list = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
                f["level"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (list, code)
}

/// A postmortem with one warning (an overdue follow-up) and nothing else.
fn overdue() -> (&'static str, String) {
    (
        "content/postmortems/2026-10-01-overdue.md",
        clean_postmortem().replace("due: 2026-12-18", "due: 2026-11-01"),
    )
}

#[test]
fn warnings_do_not_fail_unless_denied() {
    let dir = kb("", &[overdue()]);
    let (list, code) = findings(dir.path(), &[]);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].1, "follow-up-overdue");
    assert_eq!(list[0].2, "warning");
    assert_eq!(code, 0);
    let (_, code) = findings(dir.path(), &["--deny-warnings"]);
    assert_eq!(code, 1);
    let strict = kb("[lint]\ndeny_warnings = true\n", &[overdue()]);
    assert_eq!(findings(strict.path(), &[]).1, 1);
}

#[test]
fn levels_can_be_raised_or_turned_off() {
    let raised = kb(
        "[lint.rules]\nfollow-up-overdue = \"error\"\n",
        &[overdue()],
    );
    let (list, code) = findings(raised.path(), &[]);
    assert_eq!((list[0].2.as_str(), code), ("error", 1));
    let off = kb("[lint.rules]\nfollow-up-overdue = \"off\"\n", &[overdue()]);
    let (list, code) = findings(off.path(), &[]);
    assert!(list.is_empty());
    assert_eq!(code, 0);
    opsbook(off.path())
        .arg("rules")
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"(?m)^follow-up-overdue +off ").unwrap());
}

#[test]
fn ignored_paths_are_not_linted_but_still_link_targets() {
    let archived = clean_postmortem().replace("severity: SEV2", "severity: SEV9");
    let dir = kb(
        "[lint]\nignore = [\"postmortems/archive/**\"]\n",
        &[("content/postmortems/archive/2019-01-01-old.md", archived)],
    );
    let (list, code) = findings(dir.path(), &[]);
    assert!(list.is_empty(), "{list:?}");
    assert_eq!(code, 0);
}

#[test]
fn a_document_can_allow_a_rule() {
    let text = clean_postmortem()
        .replace("due: 2026-12-18", "due: 2026-11-01")
        .replace(
            "kind: postmortem\n",
            "kind: postmortem\nlint: {allow: [follow-up-overdue]}\n",
        );
    let dir = kb("", &[("content/postmortems/2026-10-01-allowed.md", text)]);
    let (list, _) = findings(dir.path(), &[]);
    assert!(list.is_empty(), "{list:?}");
}

#[test]
fn a_misspelt_rule_in_an_allow_list_is_reported() {
    let text = clean_postmortem().replace(
        "kind: postmortem\n",
        "kind: postmortem\nlint: {allow: [follow-up-overdu]}\n",
    );
    let dir = kb("", &[("content/postmortems/2026-10-01-typo.md", text)]);
    let (out, code) =
        stdout_of(opsbook(dir.path()).args(["lint", "--format", "json", "--today", "2026-11-25"]));
    assert_eq!(code, 1);
    assert!(
        out.contains("`lint.allow` names `follow-up-overdu`, which is not a lint rule"),
        "{out}"
    );
    assert!(out.contains("did you mean `follow-up-overdue`?"), "{out}");
}

#[test]
fn drafts_are_held_to_fewer_rules() {
    let draft = "---\nkind: postmortem\ntitle: Still writing this\nstatus: draft\nseverity: SEV3\n---\nNotes so far.\n";
    let dir = kb(
        "",
        &[("content/postmortems/2026-11-20-draft.md", draft.to_string())],
    );
    let (list, code) = findings(dir.path(), &[]);
    assert!(
        list.is_empty(),
        "a draft may lack owner, follow-ups and a timeline: {list:?}"
    );
    assert_eq!(code, 0);
    // But never a secret, and never a bad value.
    let leaky = draft.replace(
        "Notes so far.",
        &format!("postgres://app:{}@db/app", "Qz8vN2xLr4Tm"),
    );
    let dir = kb(
        "",
        &[(
            "content/postmortems/2026-11-20-draft.md",
            leaky.replace("SEV3", "SEV7"),
        )],
    );
    let rules: Vec<String> = findings(dir.path(), &[])
        .0
        .into_iter()
        .map(|f| f.1)
        .collect();
    assert_eq!(rules, ["invalid-value", "possible-secret"]);
    // Which rules drafts skip is configurable.
    let strict = kb(
        "[lint]\ndraft_skip = []\n",
        &[("content/postmortems/2026-11-20-draft.md", draft.to_string())],
    );
    let rules: Vec<String> = findings(strict.path(), &[])
        .0
        .into_iter()
        .map(|f| f.1)
        .collect();
    assert!(rules.contains(&"required-field".to_string()), "{rules:?}");
}

#[test]
fn secrets_are_never_printed() {
    let secret = format!("{}{}", "Qz8vN2x", "Lr4TmW9");
    let text = clean_postmortem().replace(
        "## Timeline",
        &format!("Connect with postgres://deploy:{secret}@db.internal/orders\n\n## Timeline"),
    );
    let dir = kb("", &[("content/postmortems/2026-10-01-leak.md", text)]);
    for format in ["human", "json", "github", "sarif"] {
        let (out, code) = stdout_of(opsbook(dir.path()).args([
            "lint",
            "--format",
            format,
            "--today",
            "2026-11-25",
        ]));
        assert_eq!(code, 1, "{format}");
        assert!(out.contains("possible-secret"), "{format}: {out}");
        assert!(!out.contains(&secret), "{format} printed the secret: {out}");
    }
}

#[test]
fn rules_lists_every_rule_and_explain_prints_its_page() {
    let (out, code) = stdout_of(opsbook(&fixture("clean")).arg("rules"));
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), opsbook::lint::rules::ALL.len());
    assert!(
        regex::Regex::new(
            r"(?m)^unknown-field +warning  A front matter key the schema doesn't know"
        )
        .unwrap()
        .is_match(&out),
        "{out}"
    );
    let (json, _) = stdout_of(opsbook(&fixture("clean")).args(["rules", "--format", "json"]));
    let rules: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        rules.as_array().unwrap().len(),
        opsbook::lint::rules::ALL.len()
    );
    let broken_link = rules
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "broken-link")
        .unwrap();
    assert_eq!(broken_link["reads"], serde_json::json!(["other-documents"]));
    assert_eq!(broken_link["default_level"], "error");

    let (page, code) = stdout_of(opsbook(&fixture("clean")).args(["explain", "stale-runbook"]));
    assert_eq!(code, 0);
    assert!(page.starts_with("# stale-runbook"));
    assert!(
        page.contains("````markdown failing"),
        "the page carries its failing example"
    );
    opsbook(&fixture("clean"))
        .args(["explain", "stale-runbok"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Did you mean `stale-runbook`?"));
}

/// The JSON Schema accepts the example content's front matter and rejects broken values.
#[test]
fn schema_checks_front_matter_like_the_lint() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for kind in ["runbook", "postmortem"] {
        let (out, code) = stdout_of(opsbook(root).args(["schema", kind]));
        assert_eq!(code, 0);
        let schema: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        let validator = jsonschema::validator_for(&schema).unwrap();
        let folder = root.join("content").join(format!("{kind}s"));
        let mut checked = 0;
        for entry in fs::read_dir(folder).unwrap() {
            let text = fs::read_to_string(entry.unwrap().path()).unwrap();
            let yaml = text.split("---\n").nth(1).unwrap();
            let value: serde_json::Value = serde_saphyr::from_str(yaml).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&value)
                .map(|e| e.to_string())
                .collect();
            assert!(errors.is_empty(), "{kind}: {errors:?}");
            checked += 1;
            if kind == "postmortem" {
                let mut bad = value.clone();
                bad["severity"] = serde_json::json!(2);
                assert!(!validator.is_valid(&bad));
                let mut typo = value.clone();
                typo["onwer"] = serde_json::json!("x");
                assert!(!validator.is_valid(&typo), "unknown keys are flagged");
                let mut missing = value.clone();
                missing.as_object_mut().unwrap().remove("owner");
                assert!(!validator.is_valid(&missing));
            }
        }
        assert!(checked >= 10);
    }
}
