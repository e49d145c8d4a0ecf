//! `opsbook build` lets go of each document's text after the lint and reads it again for its
//! page, its summary and its search record. The site must be the one the held text makes,
//! and a file edited in between must stop the build rather than be published unlinted.

mod common;
#[path = "../benches/support/corpus.rs"]
mod corpus;

use std::fs;
use std::path::Path;

use opsbook::config::Config;
use opsbook::document::Document;
use opsbook::site::{SiteError, SiteInput};

/// A generated knowledge base of `n` documents, plus a runbook whose heading repeats its
/// title (the site shows that text with the heading blanked, made again from the text read
/// again).
fn knowledge_base(n: usize) -> (tempfile::TempDir, Config, Vec<Document>) {
    let dir = tempfile::tempdir().unwrap();
    corpus::generate(dir.path(), n, 11, corpus::Layout::Opsbook).unwrap();
    fs::write(
        dir.path().join("content/runbooks/titled.md"),
        "---\ntitle: Disk full\nowner: team-a\n---\n# Disk full\n\nFree space with `df -h`.\n",
    )
    .unwrap();
    let config = Config::load(None, dir.path()).unwrap();
    let docs = opsbook::load(&config).unwrap();
    (dir, config, docs)
}

fn input() -> SiteInput<'static> {
    SiteInput::new(corpus::TODAY.parse().unwrap())
}

fn released(docs: &[Document]) -> Vec<Document> {
    let mut docs = docs.to_vec();
    for doc in &mut docs {
        doc.release();
        assert!(doc.is_released(), "{}", doc.rel_path);
    }
    docs
}

fn site_files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = common::snapshot_tree(dir);
    files.remove(".opsbook-site");
    files
}

#[test]
fn the_site_made_from_released_texts_is_the_site_made_from_held_ones() {
    let (dir, config, docs) = knowledge_base(60);
    let (held, read_again) = (dir.path().join("held"), dir.path().join("read-again"));
    opsbook::site::build(&config, &mut docs.clone(), &held, &input()).unwrap();
    opsbook::site::build(&config, &mut released(&docs), &read_again, &input()).unwrap();
    let (held, read_again) = (site_files(&held), site_files(&read_again));
    assert!(
        held.keys().any(|k| k.starts_with("pagefind/")),
        "search is on"
    );
    assert_eq!(
        held.keys().collect::<Vec<_>>(),
        read_again.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &held {
        assert!(read_again[path] == *bytes, "{path} differs");
    }
}

#[test]
fn a_document_edited_after_the_lint_stops_the_build_and_nothing_is_written() {
    let (dir, config, docs) = knowledge_base(20);
    let mut docs = released(&docs);
    let edited = docs
        .iter()
        .find(|d| d.rel_path.starts_with("postmortems/"))
        .unwrap()
        .clone();
    let text = fs::read_to_string(&edited.path).unwrap();
    // The same length: only the checksum of the checked text can tell.
    let unlinted = text.replacen("## ", "<s>", 1);
    assert_eq!(unlinted.len(), text.len());
    fs::write(&edited.path, unlinted).unwrap();
    let output = dir.path().join("public");
    match opsbook::site::build(&config, &mut docs, &output, &input()) {
        Err(SiteError::Changed { path, why }) => {
            assert_eq!(path, edited.display_path);
            assert!(why.contains("changed after the lint"), "{why}");
        }
        other => panic!("expected the edited document to be refused, got {other:?}"),
    }
    assert!(!output.exists(), "nothing is published");
    let left: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("public"))
        .collect();
    assert!(left.is_empty(), "the staging folder is removed: {left:?}");
}

#[test]
fn a_build_prints_the_lines_of_its_findings_after_the_site_is_written() {
    // The documents the report quotes keep their text; the others are let go.
    let (dir, _, _) = knowledge_base(20);
    fs::write(
        dir.path().join("content/runbooks/no-owner.md"),
        "---\ntitle: Queue stuck\nrollback: restart the consumer\n---\n\nSteps.\n",
    )
    .unwrap();
    let out = common::opsbook(dir.path())
        .args(["build", "--allow-errors", "--today", corpus::TODAY])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("no-owner.md"), "{stdout}");
    assert!(stdout.contains("title: Queue stuck"), "{stdout}");
}

/// `opsbook lint` lets go of each text once its document is parsed and reads it again as it
/// checks the document: the findings must be those of the held texts, and the documents the
/// report quotes must have their text back.
#[test]
fn the_lint_of_texts_read_again_finds_what_the_lint_of_held_texts_finds() {
    let (dir, config, docs) = knowledge_base(60);
    // Findings of each kind of rule: one on the text (a secret), one across documents.
    // (The key is put together here so that the test's own source holds no secret.)
    let key = format!("AKIA{}", "Q7ZK3M9D2XWB5HJT");
    fs::write(
        dir.path().join("content/runbooks/pasted.md"),
        format!(
            "---\ntitle: Pasted\nowner: team-a\nrelated_runbooks: [no-such-runbook]\n---\n\
             # Steps\n\nexport AWS_ACCESS_KEY_ID={key}\n"
        ),
    )
    .unwrap();
    let docs_now = opsbook::load(&config).unwrap();
    assert_eq!(docs_now.len(), docs.len() + 1);
    let today = corpus::TODAY.parse().unwrap();
    let alerts = opsbook::alerts::load(&config).unwrap();
    let held = opsbook::lint::check_with_alerts(&docs_now, &alerts, &config, today);
    let options = opsbook::LintOptions {
        today: Some(today),
        ..opsbook::LintOptions::default()
    };
    let outcome = opsbook::lint(&config, &options).unwrap();
    assert_eq!(outcome.findings, held);
    let rules: Vec<&str> = held.iter().map(|f| f.rule.as_str()).collect();
    assert!(rules.contains(&"possible-secret"), "{rules:?}");
    assert!(rules.contains(&"unknown-reference"), "{rules:?}");
    for (i, doc) in outcome.docs.iter().enumerate() {
        let quoted = held.iter().any(|f| f.at.document() == Some(i));
        assert_eq!(doc.is_released(), !quoted, "{}", doc.rel_path);
        if quoted {
            assert_eq!(doc.source, docs_now[i].source, "{}", doc.rel_path);
        }
    }
    let report = |docs: &[Document]| {
        let sources = || opsbook::report::Sources::new(docs, &alerts.files);
        let style = opsbook::report::human::Style::plain();
        let human = opsbook::report::human::render(sources(), &held, docs.len(), style);
        (
            human,
            opsbook::report::json::render(sources(), &held, docs.len()),
        )
    };
    assert_eq!(report(&outcome.docs), report(&docs_now));
}
