//! The lint findings of `opsbook serve`, kept between rebuilds. After an edit only the
//! documents whose findings can change are checked again: the edited ones, and those whose
//! rules looked at an edited document in their last check. What a rule looked at is recorded
//! by the check context as it happens ([`Lookup`]: the documents with an id, a page URL, the
//! document at a path, every document), so nothing here restates what a rule reads. Everything
//! else keeps its findings. The result is what `lint::check` reports for the whole knowledge
//! base (`tests/serve_incremental.rs` and the tests below compare the two).

use std::collections::{BTreeSet, HashMap, HashSet};

use jiff::civil::Date;
use rayon::prelude::*;

use crate::config::Config;
use crate::document::Document;
use crate::lint::{self, Corpus, Finding, Lookup};

/// What the last check saw of a document: what other documents can find it by, and what its
/// rules looked up of the others.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    id: String,
    /// Its page URL, when it has a kind.
    url: Option<String>,
    lookups: Vec<Lookup>,
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
        let corpus = Corpus::new(docs, config, today);
        let wanting = wanting_git_dates(docs);
        if let Some((asked, dates)) = &self.git
            && wanting.is_subset(asked)
        {
            corpus.reuse_git_dates(dates.clone());
        }
        let only: Vec<usize> = if full || self.seen.is_empty() {
            (0..docs.len()).collect()
        } else {
            self.affected(&corpus, changed, rescanned)
        };
        let (fresh, lookups) = lint::check_documents(&corpus, &only, true);
        if let Some(dates) = corpus.git_dates_if_computed() {
            self.git = Some((wanting, dates.clone()));
        }
        self.store(docs, changed, &only, fresh, lookups);
        self.checked = only.len();
        self.assemble(docs)
    }

    /// Replaces what the cache knows of the documents at `only` with a fresh check.
    fn store(
        &mut self,
        docs: &[Document],
        changed: &BTreeSet<String>,
        only: &[usize],
        fresh: Vec<Finding>,
        lookups: Vec<Vec<Lookup>>,
    ) {
        if only.len() == docs.len() {
            self.findings.clear();
            self.seen.clear();
        }
        for rel in changed {
            self.findings.remove(rel);
            self.seen.remove(rel);
        }
        for (&i, mut lookups) in only.iter().zip(lookups) {
            let doc = &docs[i];
            lookups.sort_unstable();
            lookups.dedup();
            self.findings.insert(doc.rel_path.clone(), Vec::new());
            let seen = Seen {
                id: doc.id.clone(),
                url: doc.kind.map(|_| doc.url_path()),
                lookups,
            };
            self.seen.insert(doc.rel_path.clone(), seen);
        }
        for finding in fresh {
            let rel = &docs[finding.doc].rel_path;
            if let Some(list) = self.findings.get_mut(rel) {
                list.push(finding);
            }
        }
    }

    /// Every cached finding, in document order, with its `doc` index into `docs`.
    fn assemble(&self, docs: &[Document]) -> Vec<Finding> {
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

    /// The documents whose findings may differ from the cached ones: the changed and new ones,
    /// and those whose rules looked up something a changed document is or was.
    fn affected(&self, corpus: &Corpus, changed: &BTreeSet<String>, rescanned: bool) -> Vec<usize> {
        let docs = corpus.docs();
        let mut ids: HashSet<&str> = HashSet::new();
        let mut urls: HashSet<String> = HashSet::new();
        for rel in changed {
            if let Some(seen) = self.seen.get(rel) {
                ids.insert(seen.id.as_str());
                urls.extend(seen.url.clone());
            }
            if let Some(i) = corpus.index_of(rel) {
                ids.insert(docs[i].id.as_str());
                urls.insert(docs[i].url_path());
            }
        }
        let touched = |lookup: &Lookup| match lookup {
            Lookup::Id(id) => ids.contains(id.as_str()),
            Lookup::Url(url) => urls.contains(url),
            // A path with no document may hold a file that the rescan found gone or new.
            Lookup::Path(path) => {
                changed.contains(path) || (rescanned && corpus.index_of(path).is_none())
            }
            Lookup::AllDocuments => true,
            // One walk of the history per serve: see `git`.
            Lookup::GitHistory => false,
        };
        (0..docs.len())
            .into_par_iter()
            .filter(|&i| {
                let rel = &docs[i].rel_path;
                // A document that did not change is as it was when `seen` was taken.
                match self.seen.get(rel).filter(|_| !changed.contains(rel)) {
                    Some(seen) => seen.lookups.iter().any(touched),
                    None => true,
                }
            })
            .collect()
    }
}
