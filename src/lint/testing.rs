//! Helpers for the rules' unit tests: run one rule over a few documents, as `opsbook lint`
//! would with every other rule off, and look at what it reported.

use std::ops::Range;
use std::sync::Arc;

use jiff::civil::Date;

use super::{Level, Origin, Rule};
use crate::alerts::{AlertRules, RuleFile};
use crate::config::Config;
use crate::document::Document;

/// The date the tests check against.
pub const TODAY: &str = "2026-11-25";

/// A runbook every rule passes (with [`TODAY`]).
pub const RUNBOOK: &str = "---
kind: runbook
id: rb-db-failover
title: Payments DB failover
owner: team-payments
severity: SEV2
services: [payments-api]
rollback: \"Promote the old primary again (see Rollback)\"
last_reviewed: 2026-10-01
status: active
---
Use this runbook when the payments database primary is unhealthy.

## Rollback

Promote the old primary again.
";

/// A postmortem every rule passes (with [`TODAY`]).
pub const POSTMORTEM: &str = "---
kind: postmortem
title: Checkout 5xx after deploy
owner: alice@example.com
severity: SEV2
services: [checkout-web]
status: published
started_at: 2026-09-20T11:21:00Z
detected_at: 2026-09-20T11:24:00Z
mitigated_at: 2026-09-20T11:33:00Z
resolved_at: 2026-09-20T11:40:00Z
trigger: deploy
detection: alert
rollback: \"Rolled back release 2026.09.20-3\"
follow_ups:
  - action: Add a canary stage to checkout deploys
    owner: bob@example.com
    due: 2026-12-18
    status: open
---
## Summary

Release 2026.09.20-3 returned 5xx for 19 minutes.

## Timeline

11:21 release starts; 11:24 alert fires; 11:40 resolved.
";

/// One finding, with the text its span covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    /// The document's content-relative path (a rule file's root-relative path).
    pub path: String,
    pub span: Range<usize>,
    /// The document's text at `span`.
    pub at: String,
    pub level: Level,
    pub message: String,
    pub label: String,
    pub help: String,
}

/// A document at a content-relative path, as the lint reads it: the file is not on disk, and
/// reports show it under `kb/content/`.
pub fn doc(rel_path: &str, text: &str) -> Document {
    let path = format!("kb/content/{rel_path}");
    Document::parse(
        rel_path.to_string(),
        path.into(),
        Arc::new(text.to_string()),
    )
}

/// A configuration whose root holds no git repository (stale-runbook looks for one).
pub fn config() -> Config {
    Config {
        root: "/nonexistent".into(),
        ..Config::default()
    }
}

/// Runs `rule` alone (at its default level) over `files` (content-relative path, text).
pub fn check(rule: &dyn Rule, files: &[(&str, &str)]) -> Vec<Reported> {
    check_with(rule, &config(), files)
}

/// [`check`] with a configuration; every rule but `rule` is turned off in it.
pub fn check_with(rule: &dyn Rule, config: &Config, files: &[(&str, &str)]) -> Vec<Reported> {
    let docs: Vec<Document> = files.iter().map(|(path, text)| doc(path, text)).collect();
    check_documents(rule, config, &docs)
}

/// [`check_with`] on documents made by the caller (an unreadable one, say).
pub fn check_documents(rule: &dyn Rule, config: &Config, docs: &[Document]) -> Vec<Reported> {
    check_all(rule, config, docs, &AlertRules::default())
}

/// A rule file at a root-relative path, as `[alerts] rules` reads it.
pub fn rule_file(rel_path: &str, text: &str, config: &Config) -> RuleFile {
    RuleFile::parse(
        rel_path.to_string(),
        format!("kb/{rel_path}").into(),
        Arc::new(text.to_string()),
        config,
    )
}

/// Runs `rule` alone over documents and alert rule files (root-relative path, text), with
/// `config` (every other rule turned off).
pub fn check_alerts(
    rule: &dyn Rule,
    config: &Config,
    files: &[(&str, &str)],
    rule_files: &[(&str, &str)],
) -> Vec<Reported> {
    let docs: Vec<Document> = files.iter().map(|(path, text)| doc(path, text)).collect();
    let alerts = AlertRules::new(
        rule_files
            .iter()
            .map(|(path, text)| rule_file(path, text, config))
            .collect(),
    );
    check_all(rule, config, &docs, &alerts)
}

fn check_all(
    rule: &dyn Rule,
    config: &Config,
    docs: &[Document],
    alerts: &AlertRules,
) -> Vec<Reported> {
    let mut config = config.clone();
    for other in super::rules::ALL {
        if other.id() != rule.id() {
            config
                .lint
                .rules
                .insert(other.id().as_str().to_string(), Level::Off);
        }
    }
    let today: Date = TODAY.parse().expect("a date");
    super::check_with_alerts(docs, alerts, &config, today)
        .into_iter()
        .map(|f| {
            assert_eq!(f.rule, rule.id());
            let (path, source) = match f.at {
                Origin::Document(i) => (&docs[i].rel_path, &docs[i].source),
                Origin::RuleFile(i) => (&alerts.files[i].rel_path, &alerts.files[i].source),
            };
            Reported {
                path: path.clone(),
                at: source
                    .get(f.span.clone())
                    .expect("a span on char boundaries")
                    .to_string(),
                span: f.span,
                level: f.level,
                message: f.message,
                label: f.label,
                help: f.help,
            }
        })
        .collect()
}

/// The messages reported, for tests that look at several findings at once.
pub fn messages(reported: &[Reported]) -> Vec<&str> {
    reported.iter().map(|r| r.message.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The base documents the rule tests edit pass every rule, so a finding in a rule's test
    /// comes from the edit.
    #[test]
    fn the_base_documents_pass_every_rule() {
        for rule in super::super::rules::ALL {
            let found = check(
                *rule,
                &[
                    ("runbooks/db-failover.md", RUNBOOK),
                    ("postmortems/2026-09-20-checkout.md", POSTMORTEM),
                ],
            );
            assert!(found.is_empty(), "{}: {found:?}", rule.id());
        }
    }
}
