//! The check stage: every rule over every document, in parallel. Rules return findings as
//! data; the report stage decides how to print them.
//!
//! - [`rules`]: the registry, one file per rule; [`rule`](Rule) what a rule declares.
//! - [`context`](CheckContext): what a rule sees of the rest of the knowledge base, recorded
//!   as [`Lookup`]s so `opsbook serve` knows what to check again after an edit.
//! - Here: findings, levels, and which rules run on which document (`Policy`: levels from
//!   the config, ignored paths, drafts, per-document allow lists).

mod context;
pub mod git;
pub mod needles;
mod rule;
pub mod rules;
#[cfg(test)]
pub(crate) mod testing;

pub use context::{Change, CheckContext, Corpus, Lookup};
pub(crate) use rule::rule_meta;
pub use rule::{Meta, Rule, RuleId, Source};

use std::cell::RefCell;
use std::fmt;
use std::ops::Range;

use jiff::civil::Date;
use rayon::prelude::*;
use serde::Serialize;

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

/// One problem in one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: RuleId,
    pub level: Level,
    /// Index of the document in the slice that was checked.
    pub doc: usize,
    /// Byte range in the document's original text.
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

/// Collects the findings of one rule on one document, filling in rule, level and document.
pub struct Emitter {
    rule: RuleId,
    level: Level,
    doc: usize,
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
            doc: self.doc,
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

/// Runs every enabled rule on every document. Findings come back sorted by document, then
/// position, then rule id, so output is stable from run to run.
pub fn check(docs: &[Document], config: &Config, today: Date) -> Vec<Finding> {
    let corpus = Corpus::new(docs, config, today);
    let all: Vec<usize> = (0..docs.len()).collect();
    check_documents(&corpus, &all, false).0
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
    findings.sort_by(|a, b| {
        (a.doc, a.span.start, a.rule, &a.message).cmp(&(b.doc, b.span.start, b.rule, &b.message))
    });
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
    let doc = &corpus.docs()[index];
    let lookups = RefCell::new(Vec::new());
    let mut findings = Vec::new();
    for (rule, level) in policy.rules_for(doc) {
        let mut emitter = Emitter {
            rule: rule.id(),
            level,
            doc: index,
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
