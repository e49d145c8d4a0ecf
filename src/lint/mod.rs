//! The check stage: every rule over every document, in parallel. Rules return findings as
//! data; the report stage decides how to print them.
//!
//! - [`rules`]: the registry, one file per rule; [`rule`](Rule) what a rule declares.
//! - [`context`](CheckContext): what a rule sees of the rest of the knowledge base, recorded
//!   as [`Lookup`]s so `opsbook serve` knows what to check again after an edit.
//! - Here: findings, levels, and which rules run on which document (`Policy`: levels from
//!   the config, ignored paths, drafts, per-document allow lists).

mod context;
pub mod needles;
mod rule;
pub mod rules;
#[cfg(test)]
pub(crate) mod testing;

pub use context::{Change, CheckContext, Corpus, Lookup};
pub(crate) use rule::rule_meta;
pub use rule::{Checks, Meta, Rule, RuleId, Source};

use std::cell::RefCell;
use std::fmt;
use std::ops::Range;

use jiff::civil::Date;
use rayon::prelude::*;
use serde::Serialize;

use crate::alerts::AlertRules;
use crate::alerts::coverage::Coverage;
use crate::config::Config;
use crate::document::Document;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    Warning,
    Error,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Off => "off",
            Level::Warning => "warning",
            Level::Error => "error",
        })
    }
}

/// Where a finding is: a document or an alert rule file, by its index in what was checked.
/// Documents come first in every report, then rule files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    Document(usize),
    /// A file of `[alerts] rules` (an index into `AlertRules::files`).
    RuleFile(usize),
}

impl Origin {
    /// The document's index, for a finding in a document.
    pub fn document(self) -> Option<usize> {
        match self {
            Origin::Document(i) => Some(i),
            Origin::RuleFile(_) => None,
        }
    }
}

/// One problem in one document or rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: RuleId,
    pub level: Level,
    /// The file it is in.
    pub at: Origin,
    /// Byte range in the file's original text.
    pub span: Range<usize>,
    /// What is wrong, in one sentence.
    pub message: String,
    /// A short text shown at the span.
    pub label: String,
    /// How to fix it.
    pub help: String,
    /// The span holds a secret: reports must not print it.
    pub redact: bool,
}

/// Collects the findings of one rule on one file, filling in rule, level and file.
pub struct Emitter {
    rule: RuleId,
    level: Level,
    at: Origin,
    findings: Vec<Finding>,
}

impl Emitter {
    pub fn emit(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.findings.push(Finding {
            rule: self.rule,
            level: self.level,
            at: self.at,
            span,
            message: message.into(),
            label: label.into(),
            help: help.into(),
            redact: false,
        });
    }

    /// Like [`Emitter::emit`], for a span that must never be printed (a secret).
    pub fn emit_redacted(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.emit(span, message, label, help);
        if let Some(last) = self.findings.last_mut() {
            last.redact = true;
        }
    }
}

/// Which rules apply to which documents: levels from the config, ignored paths, drafts and
/// per-document allow lists.
struct Policy {
    levels: Vec<(&'static dyn Rule, Level)>,
    ignore: globset::GlobSet,
    draft_skip: Vec<String>,
}

impl Policy {
    fn new(config: &Config) -> Policy {
        let levels = rules::ALL
            .iter()
            .map(|rule| {
                let level = config
                    .lint
                    .rules
                    .get(rule.id().as_str())
                    .copied()
                    .unwrap_or_else(|| rule.default_level());
                (*rule, level)
            })
            .collect();
        let mut ignore = globset::GlobSetBuilder::new();
        for pattern in &config.lint.ignore {
            // Patterns were validated when the config was loaded.
            if let Ok(glob) = globset::Glob::new(pattern) {
                ignore.add(glob);
            }
        }
        Policy {
            levels,
            ignore: ignore.build().unwrap_or_else(|_| globset::GlobSet::empty()),
            draft_skip: config.lint.draft_skip.clone(),
        }
    }

    /// The rules for rule files that are on, with their levels (rule files have no paths to
    /// ignore, drafts or allow lists).
    fn enabled(&self) -> impl Iterator<Item = (&'static dyn Rule, Level)> + '_ {
        self.levels
            .iter()
            .copied()
            .filter(|(rule, level)| *level != Level::Off && rule.meta().checks == Checks::RuleFiles)
    }

    /// The rules to run on `doc`, with their levels.
    fn rules_for<'p>(
        &'p self,
        doc: &'p Document,
    ) -> impl Iterator<Item = (&'static dyn Rule, Level)> + 'p {
        let ignored = self.ignore.is_match(&doc.rel_path);
        let draft = doc.field("status").and_then(|s| s.as_str()) == Some("draft");
        let allowed = allow_list(doc);
        self.levels.iter().copied().filter(move |(rule, level)| {
            // Unreadable files are always reported: an ignored path is still a file we read.
            // So are two documents with one page URL or id: an ignored document still gets a
            // page, and which of the two would get it is no choice to leave to chance.
            let id = rule.id();
            *level != Level::Off
                && rule.meta().checks == Checks::Documents
                && (!ignored || id == rules::UNREADABLE_FILE || id == rules::DUPLICATE_ID)
                && !(draft && self.draft_skip.iter().any(|s| id == s.as_str()))
                && !allowed.contains(&id.as_str())
        })
    }
}

/// Rule ids listed in the document's `lint: {allow: [...]}`.
fn allow_list(doc: &Document) -> Vec<&str> {
    doc.field("lint")
        .and_then(|l| l.get("allow"))
        .and_then(|(_, list)| list.as_seq())
        .map(|items| items.iter().filter_map(|i| i.as_str()).collect())
        .unwrap_or_default()
}

/// Runs every enabled rule on every document (without alert rules). Findings come back
/// sorted by document, then position, then rule id, so output is stable from run to run.
pub fn check(docs: &[Document], config: &Config, today: Date) -> Vec<Finding> {
    check_with_alerts(docs, &AlertRules::default(), config, today)
}

/// [`check`], with the alert rules of `[alerts] rules`: the documents' findings, then the
/// rule files'.
pub fn check_with_alerts(
    docs: &[Document],
    alerts: &AlertRules,
    config: &Config,
    today: Date,
) -> Vec<Finding> {
    let coverage = (!alerts.files.is_empty()).then(|| Coverage::new(docs, alerts, config));
    let mut corpus = Corpus::new(docs, config, today);
    if let Some(coverage) = &coverage {
        corpus = corpus.with_alerts(alerts, coverage);
    }
    let all: Vec<usize> = (0..docs.len()).collect();
    let mut findings = check_documents(&corpus, &all, false).0;
    findings.extend(check_rule_files(&corpus));
    findings
}

/// Runs every enabled rule on every alert rule file of the corpus, sorted like
/// [`check_documents`]' findings.
pub fn check_rule_files(corpus: &Corpus) -> Vec<Finding> {
    let policy = Policy::new(corpus.config);
    let files = &corpus.alerts().files;
    let mut findings: Vec<Finding> = (0..files.len())
        .into_par_iter()
        .flat_map_iter(|index| {
            let mut found = Vec::new();
            for (rule, level) in policy.enabled() {
                let mut emitter = Emitter {
                    rule: rule.id(),
                    level,
                    at: Origin::RuleFile(index),
                    findings: Vec::new(),
                };
                let ctx = corpus.for_rule(rule.meta(), None);
                rule.check_rule_file(&files[index], &ctx, &mut emitter);
                found.extend(emitter.findings);
            }
            found
        })
        .collect();
    sort(&mut findings);
    findings
}

/// Orders findings by file, position, rule and message.
fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.at, a.span.start, a.rule, &a.message).cmp(&(b.at, b.span.start, b.rule, &b.message))
    });
}

/// What [`check_documents`] looked at for one document: the union of its rules' lookups.
pub type Lookups = Vec<Lookup>;

/// Runs every enabled rule on the documents at `only` (indexes into the corpus): what
/// `opsbook serve` re-checks after an edit. The findings are those [`check`] reports for these
/// documents, in the same order. With `record`, also returns what each document's rules read
/// of the rest of the corpus (in the order of `only`); without it, an empty list.
pub fn check_documents(
    corpus: &Corpus,
    only: &[usize],
    record: bool,
) -> (Vec<Finding>, Vec<Lookups>) {
    let policy = Policy::new(corpus.config);
    let (findings, lookups): (Vec<Vec<Finding>>, Vec<Lookups>) = only
        .par_iter()
        .map(|&index| check_one(corpus, &policy, index, record))
        .unzip();
    let mut findings: Vec<Finding> = findings.into_iter().flatten().collect();
    sort(&mut findings);
    let lookups = if record { lookups } else { Vec::new() };
    (findings, lookups)
}

/// Every enabled rule on one document: its findings, and what the rules read when `record`.
fn check_one(
    corpus: &Corpus,
    policy: &Policy,
    index: usize,
    record: bool,
) -> (Vec<Finding>, Lookups) {
    let lookups = RefCell::new(Vec::new());
    let mut findings = Vec::new();
    // A text let go after parsing is read again here; when it changed since, the document
    // remembers why (`Document::reread_problem`) and the caller stops the lint.
    let Ok(doc) = corpus.docs()[index].with_text(corpus.config.mapping()) else {
        return (findings, lookups.into_inner());
    };
    let doc = &*doc;
    for (rule, level) in policy.rules_for(doc) {
        let mut emitter = Emitter {
            rule: rule.id(),
            level,
            at: Origin::Document(index),
            findings: Vec::new(),
        };
        let ctx = corpus.for_rule(rule.meta(), record.then_some(&lookups));
        rule.check(doc, &ctx, &mut emitter);
        findings.extend(emitter.findings);
    }
    (findings, lookups.into_inner())
}

/// Counts of findings by level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
}

impl Summary {
    pub fn of(findings: &[Finding]) -> Summary {
        let mut summary = Summary::default();
        for f in findings {
            match f.level {
                Level::Error => summary.errors += 1,
                Level::Warning => summary.warnings += 1,
                Level::Off => {}
            }
        }
        summary
    }
}
