//! Alert rule files (`[alerts] rules`): whatever a file holds, it is parsed, its alerts' runbook
//! URLs are expanded and placed, every rule for rule files runs against a runbook, and every
//! report format prints the findings, without a panic.

use std::sync::Arc;

use opsbook::alerts::{AlertRules, RuleFile};
use opsbook::config::Config;
use opsbook::document::Document;
use opsbook::{lint, report};

const RUNBOOK: &str = "---\nkind: runbook\ntitle: R\nalerts: [A, B]\n---\n## Steps\n";

fn main() {
    let mut config = Config::default();
    config.alerts.rules = vec!["rules/*.yaml".into()];
    config.site.base_url = "https://kb.example.com/ops/".into();
    config.site.repo_url = "https://github.com/acme/kb".into();
    config.alerts.severities.insert("critical".into(), "SEV1".into());
    let today = "2026-11-25".parse().unwrap();
    afl::fuzz!(|bytes: &[u8]| {
        let Ok(text) = std::str::from_utf8(bytes) else {
            return;
        };
        let file = RuleFile::parse("rules/a.yaml".into(), "rules/a.yaml".into(), Arc::new(text.to_string()), &config);
        let rules = AlertRules::new(vec![file]);
        let docs = vec![Document::parse(
            "runbooks/r.md".into(),
            "content/runbooks/r.md".into(),
            Arc::new(RUNBOOK.to_string()),
        )];
        let findings = lint::check_with_alerts(&docs, &rules, &config, today);
        let sources = report::Sources::new(&docs, &rules.files);
        let _ = report::human::render(sources, &findings, 1, report::human::Style::plain());
        let _ = report::json::render(sources, &findings, 1);
        let _ = report::sarif::render(sources, &findings, report::sarif::DEFAULT_RULE_URL);
        let _ = report::github::annotations(sources, &findings);
        let _ = opsbook::alerts::report::rows(&docs, &rules, &config);
    });
}
