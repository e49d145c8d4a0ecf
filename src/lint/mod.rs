//! The check stage: every rule over every document, in parallel. Rules return findings as
//! data; the report stage decides how to print them.

pub mod rules;

use std::fmt;
use std::ops::Range;

use jiff::civil::Date;
use rayon::prelude::*;
use serde::Serialize;

use crate::config::Config;
use crate::document::Document;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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
    pub rule: &'static str,
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
}

/// What a rule can see while it checks one document.
pub struct CheckContext<'a> {
    pub config: &'a Config,
    pub today: Date,
    pub docs: &'a [Document],
}

/// One lint rule. Every rule is listed once in [`rules::ALL`].
pub trait Rule: Sync {
    /// Stable kebab-case id; never changes once released.
    fn id(&self) -> &'static str;
    fn default_level(&self) -> Level;
    /// One line for `opsbook rules` and the book's index.
    fn summary(&self) -> &'static str;
    /// Checks one document and pushes what it finds.
    fn check(&self, doc: &Document, ctx: &CheckContext, out: &mut Emitter);
}

/// Collects the findings of one rule on one document, filling in rule, level and document.
pub struct Emitter {
    rule: &'static str,
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
        });
    }
}

/// Runs every enabled rule on every document. Findings come back sorted by document, then
/// position, then rule id, so output is stable from run to run.
pub fn check(docs: &[Document], config: &Config, today: Date) -> Vec<Finding> {
    let ctx = CheckContext {
        config,
        today,
        docs,
    };
    let mut findings: Vec<Finding> = docs
        .par_iter()
        .enumerate()
        .flat_map_iter(|(index, doc)| {
            let mut all = Vec::new();
            for rule in rules::ALL {
                let level = rule.default_level();
                if level == Level::Off {
                    continue;
                }
                let mut emitter = Emitter {
                    rule: rule.id(),
                    level,
                    doc: index,
                    findings: Vec::new(),
                };
                rule.check(doc, &ctx, &mut emitter);
                all.extend(emitter.findings);
            }
            all
        })
        .collect();
    findings.sort_by(|a, b| {
        (a.doc, a.span.start, a.rule, &a.message).cmp(&(b.doc, b.span.start, b.rule, &b.message))
    });
    findings
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
