//! The check stage: every rule over every document, in parallel. Rules return findings as
//! data; the report stage decides how to print them.

pub mod needles;
pub mod rules;

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;

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
    /// The span holds a secret: reports must not print it.
    pub redact: bool,
}

/// What a rule can see while it checks one document: the config, the date, and indexes over
/// the whole corpus for the cross-document rules.
pub struct CheckContext<'a> {
    pub config: &'a Config,
    pub today: Date,
    pub docs: &'a [Document],
    /// Document indexes by id.
    pub ids: HashMap<&'a str, Vec<usize>>,
    /// Document index by content-relative path.
    pub paths: HashMap<&'a str, usize>,
    /// Indexes of the documents with a kind, by page URL (built once: comparing every pair
    /// of documents made `duplicate-id` quadratic).
    pub urls: HashMap<String, Vec<usize>>,
    /// The day each content-relative path last changed in git, computed on first use.
    pub git_dates: OnceLock<HashMap<String, Date>>,
    /// The history those dates come from (in a build, the walk the site reads too); without
    /// one, the history from HEAD, walked on first use.
    pub history: Option<&'a crate::git::SharedHistory>,
}

impl<'a> CheckContext<'a> {
    pub fn new(docs: &'a [Document], config: &'a Config, today: Date) -> Self {
        let mut ids: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut paths = HashMap::new();
        let mut urls: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, doc) in docs.iter().enumerate() {
            if doc.is_usable() {
                ids.entry(doc.id.as_str()).or_default().push(index);
            }
            paths.insert(doc.rel_path.as_str(), index);
            if doc.kind.is_some() {
                urls.entry(doc.url_path()).or_default().push(index);
            }
        }
        CheckContext {
            config,
            today,
            docs,
            ids,
            paths,
            urls,
            git_dates: OnceLock::new(),
            history: None,
        }
    }

    /// The day (UTC) each document last changed in git, as the site shows it (see
    /// [`crate::git::history`]); empty without a repository or when the history cannot be read.
    pub fn git_dates(&self) -> &HashMap<String, Date> {
        self.git_dates.get_or_init(|| {
            let from_head;
            let history = match self.history {
                Some(history) => history,
                None => {
                    from_head = crate::git::SharedHistory::from_head(&self.config.content_dir());
                    &from_head
                }
            };
            history
                .get()
                .map(crate::git::History::dates)
                .unwrap_or_default()
        })
    }
}

/// One lint rule. Every rule is listed once in [`rules::ALL`].
pub trait Rule: Sync {
    /// Stable kebab-case id; never changes once released.
    fn id(&self) -> &'static str;
    fn default_level(&self) -> Level;
    /// One line for `opsbook rules` and the book's index.
    fn summary(&self) -> &'static str;
    /// The long explanation with a failing and a fixed example: the rule's book page.
    fn explanation(&self) -> &'static str;
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
                    .get(rule.id())
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
            let id = rule.id();
            *level != Level::Off
                && (!ignored || id == "unreadable-file")
                && !(draft && self.draft_skip.iter().any(|s| s == id))
                && !allowed.contains(&id)
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
    let ctx = CheckContext::new(docs, config, today);
    let all: Vec<usize> = (0..docs.len()).collect();
    check_documents(&ctx, &all)
}

/// Runs every enabled rule on the documents at `only` (indexes into `ctx.docs`), with the
/// corpus indexes of `ctx`: what `opsbook serve` re-checks after an edit. The findings are
/// those [`check`] reports for these documents, in the same order.
pub fn check_documents(ctx: &CheckContext, only: &[usize]) -> Vec<Finding> {
    let policy = Policy::new(ctx.config);
    let mut findings: Vec<Finding> = only
        .par_iter()
        .flat_map_iter(|&index| {
            let doc = &ctx.docs[index];
            let mut all = Vec::new();
            for (rule, level) in policy.rules_for(doc) {
                let mut emitter = Emitter {
                    rule: rule.id(),
                    level,
                    doc: index,
                    findings: Vec::new(),
                };
                rule.check(doc, ctx, &mut emitter);
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
