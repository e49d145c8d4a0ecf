//! The lint findings of `opsbook serve`, kept between rebuilds. After an edit only the
//! documents whose findings can change are checked again: the edited ones, and the documents
//! whose cross-document rules look at them (`duplicate-id`: the same id or page URL;
//! `unknown-reference`: a reference to their old or new id, or any unresolved reference, whose
//! "did you mean" may change; `broken-link`: a link to their path). Everything else keeps its
//! findings. The result is what `lint::check` reports for the whole knowledge base
//! (`tests/serve_incremental.rs` compares the two).

use std::collections::{BTreeSet, HashMap, HashSet};

use jiff::civil::Date;
use rayon::prelude::*;

use crate::config::Config;
use crate::document::Document;
use crate::document::links::Resolver;
use crate::lint::{self, CheckContext, Finding};

/// What the last check saw of a document: enough to find the documents that looked at it,
/// and those it looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    id: String,
    /// Its page URL, when it has a kind.
    url: Option<String>,
    /// The ids it names in related_runbooks and related_postmortems.
    refs: Vec<String>,
    /// The content paths its relative links point to.
    targets: Vec<String>,
}

impl Seen {
    fn of(doc: &Document) -> Seen {
        Seen {
            id: doc.id.clone(),
            url: doc.kind.map(|_| doc.url_path()),
            refs: referenced_ids(doc).map(str::to_string).collect(),
            targets: link_targets(doc).collect(),
        }
    }
}

#[derive(Debug, Default)]
pub struct LintCache {
    /// Findings by document (content-relative path); their `doc` index is set on assembly.
    findings: HashMap<String, Vec<Finding>>,
    seen: HashMap<String, Seen>,
    /// The git dates `stale-runbook` asked for, and the runbooks they were looked up for: reused
    /// while no other runbook needs one (one walk of the history per serve, not per edit).
    git: Option<(HashSet<String>, HashMap<String, Date>)>,
    /// How many documents the last call checked.
    pub checked: usize,
}

/// Runbooks whose `stale-runbook` check needs their last git change.
fn wanting_git_dates(docs: &[Document]) -> HashSet<String> {
    docs.iter()
        .filter(|d| {
            d.kind == Some(crate::document::Kind::Runbook)
                && d.field("last_reviewed").is_none_or(|n| n.is_empty())
        })
        .map(|d| d.rel_path.clone())
        .collect()
}

/// The ids a document names in related_runbooks and related_postmortems.
fn referenced_ids(doc: &Document) -> impl Iterator<Item = &str> {
    ["related_runbooks", "related_postmortems"]
        .into_iter()
        .filter_map(|field| doc.field(field).and_then(|n| n.as_seq()))
        .flatten()
        .filter_map(|item| item.as_str().map(str::trim))
}

/// The content paths whose appearance, change or removal can change what a document's links
/// resolve to (see [`Resolver::watched_paths`]).
fn link_targets(doc: &Document) -> impl Iterator<Item = String> + '_ {
    let resolver = Resolver::default();
    doc.outline
        .links
        .iter()
        .flat_map(move |link| resolver.watched_paths(&doc.rel_path, &link.dest))
}

impl LintCache {
    /// Checks the documents an edit can affect, or all of them with `full` (the first build, a
    /// config change, a new day). `changed`: documents whose text changed, that appeared or
    /// that are gone; `rescanned`: the content folder was walked again, so files that are not
    /// documents may have appeared or gone (links to them are checked again).
    pub fn check(
        &mut self,
        docs: &[Document],
        config: &Config,
        today: Date,
        changed: &BTreeSet<String>,
        rescanned: bool,
        full: bool,
    ) -> Vec<Finding> {
        let ctx = CheckContext::new(docs, config, today);
        let wanting = wanting_git_dates(docs);
        if let Some((asked, dates)) = &self.git
            && wanting.is_subset(asked)
        {
            let _ = ctx.git_dates.set(dates.clone());
        }
        let only: Vec<usize> = if full || self.seen.is_empty() {
            (0..docs.len()).collect()
        } else {
            self.affected(&ctx, changed, rescanned)
        };
        let fresh = lint::check_documents(&ctx, &only);
        if let Some(dates) = ctx.git_dates.get() {
            self.git = Some((wanting, dates.clone()));
        }

        if only.len() == docs.len() {
            self.findings.clear();
            self.seen.clear();
        }
        for rel in changed {
            self.findings.remove(rel);
            self.seen.remove(rel);
        }
        for &i in &only {
            let doc = &docs[i];
            self.findings.insert(doc.rel_path.clone(), Vec::new());
            self.seen.insert(doc.rel_path.clone(), Seen::of(doc));
        }
        for finding in fresh {
            let rel = &docs[finding.doc].rel_path;
            if let Some(list) = self.findings.get_mut(rel) {
                list.push(finding);
            }
        }
        self.checked = only.len();

        let mut all = Vec::new();
        for (i, doc) in docs.iter().enumerate() {
            for finding in self.findings.get(&doc.rel_path).into_iter().flatten() {
                let mut finding = finding.clone();
                finding.doc = i;
                all.push(finding);
            }
        }
        all
    }

    /// The documents whose findings may differ from the cached ones.
    fn affected(
        &self,
        ctx: &CheckContext,
        changed: &BTreeSet<String>,
        rescanned: bool,
    ) -> Vec<usize> {
        let docs = ctx.docs;
        let mut ids: HashSet<&str> = HashSet::new();
        let mut urls: HashSet<String> = HashSet::new();
        for rel in changed {
            if let Some(seen) = self.seen.get(rel) {
                ids.insert(seen.id.as_str());
                urls.extend(seen.url.clone());
            }
            if let Some(&i) = ctx.paths.get(rel.as_str()) {
                ids.insert(docs[i].id.as_str());
                urls.insert(docs[i].url_path());
            }
        }
        let unresolved = |rel: &str| {
            self.findings
                .get(rel)
                .is_some_and(|list| list.iter().any(|f| f.rule == "unknown-reference"))
        };
        (0..docs.len())
            .into_par_iter()
            .filter(|&i| {
                let rel = &docs[i].rel_path;
                // A document that did not change is as it was when `seen` was taken.
                let Some(seen) = self.seen.get(rel).filter(|_| !changed.contains(rel)) else {
                    return true;
                };
                ids.contains(seen.id.as_str())
                    || seen.url.as_ref().is_some_and(|url| urls.contains(url))
                    || unresolved(rel)
                    || seen.refs.iter().any(|id| ids.contains(id.as_str()))
                    || seen.targets.iter().any(|target| {
                        changed.contains(target)
                            || (rescanned && !ctx.paths.contains_key(target.as_str()))
                    })
            })
            .collect()
    }
}
