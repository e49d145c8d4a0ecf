//! Property tests: whatever bytes a document holds, parsing, every rule and every report
//! format run to the end without panicking.

use std::path::PathBuf;
use std::sync::Arc;

use opsbook::config::Config;
use opsbook::document::Document;
use opsbook::{lint, parse, report};
use proptest::prelude::*;

fn run_everything(bytes: Vec<u8>, rel_path: &str) {
    let path = PathBuf::from("content").join(rel_path);
    let doc = match parse::decode(bytes) {
        Ok(text) => Document::parse(rel_path.to_string(), path, Arc::new(text)),
        Err(problem) => Document::unreadable(rel_path.to_string(), path, problem),
    };
    let docs = vec![doc];
    let config = Config::default();
    let today = "2026-11-25".parse().unwrap();
    let findings = lint::check(&docs, &config, today);
    let _ = report::human::render(&docs, &findings, 1, report::human::Style::plain());
    let _ = report::json::render(&docs, &findings, 1);
    let _ = report::sarif::render(&docs, &findings, report::sarif::DEFAULT_RULE_URL);
    let _ = report::github::annotations(&docs, &findings);
    let _ = docs[0].meta();
}

/// Text that looks like a document: delimiters, YAML-ish keys, Markdown, odd characters.
fn document_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("---\n".to_string()),
        Just("\r\n".to_string()),
        Just("\u{feff}".to_string()),
        Just("kind: postmortem\n".to_string()),
        Just("severity: SEV2\n".to_string()),
        Just("started_at: 2026-09-20T11:21:00Z\n".to_string()),
        Just("detected_at: 2026-09-2é 11:02\n".to_string()),
        Just("follow_ups:\n  - action: x\n    due: 2026-02-30\n".to_string()),
        Just("lint: {allow: [nope]}\n".to_string()),
        Just("## Timeline\n".to_string()),
        Just("[link](../runbooks/x.md#a)\n".to_string()),
        Just("password: hunter2hunter2\n".to_string()),
        Just("&a [*a]\n".to_string()),
        "[ -~]{0,20}",
        "\\PC{0,8}",
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        run_everything(bytes, "postmortems/x.md");
    }

    #[test]
    fn document_like_text_never_panics(text in document_like(), runbook in any::<bool>()) {
        let path = if runbook { "runbooks/x.md" } else { "postmortems/2026-01-01-x.md" };
        run_everything(text.into_bytes(), path);
    }
}
