//! The whole `lint` on one document: parse, every rule, then every report format (human with
//! its source snippets, JSON, GitHub annotations and step summary, SARIF).

use std::path::PathBuf;
use std::sync::Arc;

use opsbook::config::Config;
use opsbook::document::Document;
use opsbook::report;

fn main() {
    let config = Config::parse("", "opsbook.toml").expect("the default config parses");
    let today = jiff::civil::date(2026, 6, 1);
    afl::fuzz!(|bytes: &[u8]| {
        let Ok(text) = opsbook::parse::decode(bytes.to_vec()) else {
            return;
        };
        let doc = Document::parse(
            "postmortems/2026-01-01-fuzz.md".into(),
            PathBuf::from("content/postmortems/2026-01-01-fuzz.md"),
            Arc::new(text),
        );
        let docs = vec![doc];
        let findings = opsbook::lint::check(&docs, &config, today);
        let _ = report::human::render(&docs, &findings, 1, report::human::Style::plain());
        let _ = report::json::render(&docs, &findings, 1);
        let _ = report::github::annotations(&docs, &findings);
        let _ = report::github::step_summary(&docs, &findings, 1);
        let _ = report::sarif::render(&docs, &findings, "https://example.com/rules/{rule}");
    });
}
