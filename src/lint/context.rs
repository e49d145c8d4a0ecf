//! What a rule sees: the document it checks (an argument), and through [`CheckContext`] the
//! configuration, the date, and, when the rule declares them, the other documents and the git
//! history. Every look at another document goes through a method here that records it as a
//! [`Lookup`], so `opsbook serve` knows which documents to check again after an edit without a
//! hand-kept list of what each rule reads.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use jiff::civil::Date;

use super::rule::{Meta, Source};
use crate::alerts::AlertRules;
use crate::alerts::coverage::Coverage;
use crate::config::Config;
use crate::document::Document;

/// The knowledge base as the rules see it, indexed once per check.
pub struct Corpus<'a> {
    pub config: &'a Config,
    pub today: Date,
    docs: &'a [Document],
    /// Document indexes by id (readable documents only).
    ids: HashMap<&'a str, Vec<usize>>,
    /// Document index by content-relative path.
    paths: HashMap<&'a str, usize>,
    /// Indexes of the documents with a kind, by page URL (built once: comparing every pair
    /// of documents made `duplicate-id` quadratic).
    urls: HashMap<String, Vec<usize>>,
    /// The day each content-relative path last changed in git, computed on first use.
    git_dates: OnceLock<HashMap<String, Date>>,
    /// The alert rules (none unless [`Corpus::with_alerts`]).
    alerts: &'a AlertRules,
    /// Which runbooks answer which alerts (made by the caller: a lazily made one would make
    /// the corpus invariant in `'a`).
    coverage: Option<&'a Coverage<'a>>,
    /// The history those dates come from (in a build, the walk the site reads too); without
    /// one, the history from HEAD, walked on first use.
    history: Option<&'a crate::git::SharedHistory>,
}

/// No alert rules: what a corpus without `[alerts]` sees.
static NO_ALERTS: std::sync::LazyLock<AlertRules> = std::sync::LazyLock::new(AlertRules::default);

impl<'a> Corpus<'a> {
    pub fn new(docs: &'a [Document], config: &'a Config, today: Date) -> Self {
        let mut ids: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut paths = HashMap::new();
        let mut urls: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, doc) in docs.iter().enumerate() {
            if doc.is_usable() {
                ids.entry(doc.id.as_str()).or_default().push(index);
            }
            paths.insert(doc.rel_path.as_str(), index);
            // The documents that would get a page (as the site decides, links::published).
            if crate::document::links::page_problem(doc).is_none() {
                urls.entry(doc.url_path()).or_default().push(index);
            }
        }
        Corpus {
            config,
            today,
            docs,
            ids,
            paths,
            urls,
            git_dates: OnceLock::new(),
            alerts: &NO_ALERTS,
            coverage: None,
            history: None,
        }
    }

    /// The same corpus with the alert rules of `[alerts] rules`, and which runbooks answer
    /// them (`Coverage::new` of these documents and alerts).
    pub fn with_alerts(mut self, alerts: &'a AlertRules, coverage: &'a Coverage<'a>) -> Self {
        self.alerts = alerts;
        self.coverage = Some(coverage);
        self
    }

    pub fn alerts(&self) -> &'a AlertRules {
        self.alerts
    }

    /// Takes the git dates from `history` (the walk a build shares with its pages) instead of
    /// walking the history from HEAD.
    pub fn with_history(mut self, history: &'a crate::git::SharedHistory) -> Self {
        self.history = Some(history);
        self
    }

    pub fn docs(&self) -> &'a [Document] {
        self.docs
    }

    /// The index of the document at a content-relative path.
    pub fn index_of(&self, rel_path: &str) -> Option<usize> {
        self.paths.get(rel_path).copied()
    }

    /// Uses dates looked up earlier instead of walking the history again (serve keeps them
    /// between edits). Has no effect once the dates were computed.
    pub fn reuse_git_dates(&self, dates: HashMap<String, Date>) {
        let _ = self.git_dates.set(dates);
    }

    /// The git dates, if a rule asked for them.
    pub fn git_dates_if_computed(&self) -> Option<&HashMap<String, Date>> {
        self.git_dates.get()
    }

    /// The context one rule checks one document in.
    pub(crate) fn for_rule<'c>(
        &'c self,
        rule: &'static Meta,
        lookups: Option<&'c RefCell<Vec<Lookup>>>,
    ) -> CheckContext<'c> {
        CheckContext {
            config: self.config,
            today: self.today,
            corpus: self,
            rule,
            lookups,
        }
    }
}

/// One look a rule took at the rest of the knowledge base while checking a document: what
/// `opsbook serve` compares with an edit to decide whether the document's findings may change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lookup {
    /// The documents with this id.
    Id(String),
    /// The documents with this page URL.
    Url(String),
    /// The document at this content-relative path (or its absence: then, a file there).
    Path(String),
    /// Every document (a "did you mean" over all of them): any edit may change the finding.
    AllDocuments,
    /// The git history.
    GitHistory,
    /// The alert rules (of every rule file).
    AlertRules,
}

/// What changed in the knowledge base, in the terms rules look things up by: compared with a
/// document's [`Lookup`]s, it says whether the document's findings may differ now. `opsbook
/// serve` uses it after an edit; a change between two git revisions can be described the same
/// way.
#[derive(Debug, Default)]
pub struct Change {
    /// Content-relative paths of the files that changed, appeared or are gone.
    pub paths: HashSet<String>,
    /// The ids the changed documents had before and have now.
    pub ids: HashSet<String>,
    /// The page URLs the changed documents had before and have now.
    pub urls: HashSet<String>,
    /// Files that are not documents may have appeared or gone anywhere (the content folder
    /// was walked again), so a lookup of a path with no document there may now differ.
    pub any_file: bool,
    /// A rule file of `[alerts] rules` changed, appeared or went.
    pub alert_rules: bool,
}

impl Change {
    /// Adds a changed document's id and page URL (call it with the document as it was and as
    /// it is).
    pub fn document(&mut self, id: &str, url: Option<String>) {
        self.ids.insert(id.to_string());
        self.urls.extend(url);
    }

    /// Whether what `lookup` found may differ after this change. `corpus` is the knowledge
    /// base after it.
    pub fn touches(&self, lookup: &Lookup, corpus: &Corpus) -> bool {
        match lookup {
            Lookup::Id(id) => self.ids.contains(id),
            Lookup::Url(url) => self.urls.contains(url),
            Lookup::Path(path) => {
                self.paths.contains(path) || (self.any_file && corpus.index_of(path).is_none())
            }
            Lookup::AllDocuments => true,
            // Edits to documents do not change the history; serve keeps one walk per session.
            Lookup::GitHistory => false,
            Lookup::AlertRules => self.alert_rules,
        }
    }
}

/// What one rule sees while it checks one document.
pub struct CheckContext<'a> {
    pub config: &'a Config,
    pub today: Date,
    corpus: &'a Corpus<'a>,
    rule: &'static Meta,
    lookups: Option<&'a RefCell<Vec<Lookup>>>,
}

impl<'a> CheckContext<'a> {
    /// Notes a read of `source`: refused (in debug builds, so by the test suite) when the rule
    /// does not declare it, recorded when serve asked for the lookups.
    fn read(&self, source: Source, lookup: impl FnOnce() -> Lookup) {
        debug_assert!(
            self.rule.reads(source),
            "rule `{}` reads {} but its metadata does not declare it: add `{source:?}` to `reads` in its rule_meta!",
            self.rule.id,
            source.describe(),
        );
        if let Some(lookups) = self.lookups {
            lookups.borrow_mut().push(lookup());
        }
    }

    /// The readable documents with this id, the one being checked included.
    pub fn documents_with_id(&self, id: &str) -> impl Iterator<Item = &'a Document> + use<'a> {
        self.read(Source::OtherDocuments, || Lookup::Id(id.to_string()));
        self.indexed(self.corpus.ids.get(id))
    }

    /// The documents with a kind whose page URL is `url`, the one being checked included.
    pub fn documents_with_url(&self, url: &str) -> impl Iterator<Item = &'a Document> + use<'a> {
        self.read(Source::OtherDocuments, || Lookup::Url(url.to_string()));
        self.indexed(self.corpus.urls.get(url))
    }

    /// The document at a content-relative path; `None` when no document is there (a file
    /// that is not a document may be).
    pub fn document_at(&self, rel_path: &str) -> Option<&'a Document> {
        self.read(Source::OtherDocuments, || {
            Lookup::Path(rel_path.to_string())
        });
        let docs = self.corpus.docs;
        self.corpus.paths.get(rel_path).map(|&i| &docs[i])
    }

    /// Every document: for a rule that searches them all (a "did you mean").
    pub fn all_documents(&self) -> &'a [Document] {
        self.read(Source::OtherDocuments, || Lookup::AllDocuments);
        self.corpus.docs
    }

    /// The day (UTC) each document last changed in git, as the site shows it (see
    /// [`crate::git::history`]); empty without a repository or when the history cannot be read.
    pub fn git_dates(&self) -> &'a HashMap<String, Date> {
        self.read(Source::GitHistory, || Lookup::GitHistory);
        let corpus = self.corpus;
        corpus.git_dates.get_or_init(|| {
            let from_head;
            let history = match corpus.history {
                Some(history) => history,
                None => {
                    from_head = crate::git::SharedHistory::from_head(&corpus.config.content_dir());
                    &from_head
                }
            };
            history
                .get()
                .map(crate::git::History::dates)
                .unwrap_or_default()
        })
    }

    /// The alerting rules of the rule files.
    pub fn alerts(&self) -> &'a AlertRules {
        self.read(Source::AlertRules, || Lookup::AlertRules);
        self.corpus.alerts
    }

    /// Which runbooks answer each alert (it looks at every document and every alert); `None`
    /// when the corpus has no alert rules.
    pub fn coverage(&self) -> Option<&'a Coverage<'a>> {
        self.read(Source::AlertRules, || Lookup::AlertRules);
        self.read(Source::OtherDocuments, || Lookup::AllDocuments);
        self.corpus.coverage
    }

    fn indexed(
        &self,
        indexes: Option<&'a Vec<usize>>,
    ) -> impl Iterator<Item = &'a Document> + use<'a> {
        let docs = self.corpus.docs;
        indexes.into_iter().flatten().map(move |&i| &docs[i])
    }
}
