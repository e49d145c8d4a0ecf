//! One rebuild of `opsbook serve`: lint, pages and search index, each as incremental as the
//! change allows.
//!
//! - Lint: the documents an edit can affect ([`LintCache`]); all of them on the first build,
//!   after a config change and on a new day.
//! - Pages: the pages whose fingerprint (what they are made from) changed ([`Memo`]), written
//!   into the served folder in place; every page after a template or config change and on a
//!   new day. In two phases: the document pages first ([`Rebuilder::first_phase`]), so the
//!   edited page can be reloaded at once, then the pages that list documents
//!   ([`Rebuilder::finish`]), which take seconds at 10,000 documents.
//! - Search: in the background after the pages are served ([`Indexer`]); before them only on
//!   the first build and when the number of index shards changes (every page names them).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jiff::civil::Date;

use super::indexer::Indexer;
use super::lint_cache::{Edit, LintCache};
use super::workspace::{Applied, Workspace};
use crate::config::Config;
use crate::lint::Finding;
use crate::site::incremental::{Deferred, Finished, Memo, Update};
use crate::site::model::{Site, ViewCache};
use crate::site::templates::{self, Templates};
use crate::site::{SiteError, SiteInput};
use crate::term::Verbosity;

/// What happened to the search index in a rebuild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchStep {
    /// Search is off (or there are no documents): no index.
    Off,
    /// Built before the pages were published, in this long.
    Built(Duration),
    /// Left to the background indexer; the last index is served meanwhile.
    Later,
}

/// The result of one rebuild.
#[derive(Debug, Clone)]
pub struct Rebuilt {
    /// Every document was checked and every page rendered (not only what the change touched).
    pub full: bool,
    /// How many documents were checked.
    pub checked: usize,
    pub lint_time: Duration,
    /// Building the site model (the views of every document, taxonomies, cross references).
    pub model_time: Duration,
    /// The last model was reused whole: only document bodies changed ([`Site::reused`]).
    pub model_reused: bool,
    pub pages: Update,
    pub search: SearchStep,
    /// Pages that list documents, left for the second phase ([`Rebuilder::finish`]) to check.
    pub deferred: usize,
}

/// The second phase of a rebuild: the site it renders from (which borrows the workspace's
/// documents) and the pages left to render. Dropping it unfinished is safe (the next rebuild
/// renders those pages) but loses the views kept for the next model.
pub struct Rest<'w> {
    site: Site<'w>,
    deferred: Deferred,
}

pub struct Rebuilder {
    output: PathBuf,
    base_url: String,
    memo: Memo,
    views: ViewCache,
    lint: LintCache,
    templates: Option<Templates>,
    today: Option<Date>,
    /// The search view every page shows (bundle and shard URLs), as of the last build.
    search_view: Option<String>,
    indexer: Indexer,
    generation: u64,
    /// The last full render failed: the pages on disk may come from other templates or
    /// settings, so the next render is full too.
    retry_full: bool,
}

impl Rebuilder {
    /// Rebuilds into `output`, with `base_url` as the site's. `output` must exist: rebuilds
    /// write below it but never create it, so once it is removed (serve stopping) they fail
    /// rather than leave files behind.
    pub fn new(output: PathBuf, base_url: String, verbosity: Verbosity) -> Rebuilder {
        Rebuilder {
            indexer: Indexer::new(output.clone(), verbosity),
            output,
            base_url,
            memo: Memo::new(),
            views: ViewCache::default(),
            lint: LintCache::default(),
            templates: None,
            today: None,
            search_view: None,
            generation: 0,
            retry_full: false,
        }
    }

    /// Forgets what the last rebuilds left half-done (after a panic in one): the next rebuild
    /// checks every document and renders every page.
    pub fn distrust(&mut self) {
        self.today = None;
        self.retry_full = true;
        self.templates = None;
    }

    pub fn output(&self) -> &Path {
        &self.output
    }

    /// The config the site is rendered with: the workspace's, at serve's address.
    fn site_config(&self, workspace: &Workspace) -> Config {
        let mut config = workspace.config.clone();
        config.site.base_url = self.base_url.clone();
        config
    }

    /// Both phases in one go ([`Rebuilder::first_phase`], then [`Rebuilder::finish`]).
    pub fn rebuild(
        &mut self,
        workspace: &Workspace,
        applied: Option<&Applied>,
        today: Date,
    ) -> (Vec<Finding>, Result<Rebuilt, SiteError>) {
        let (findings, result, rest) = self.first_phase(workspace, applied, today);
        let result = match (result, rest) {
            (Ok(rebuilt), Some(rest)) => self.finish(rest, &|| false).map(|_| rebuilt),
            (result, _) => result,
        };
        (findings, result)
    }

    /// Lints and renders what `applied` can have changed (everything when `None`: the first
    /// build), except the aggregate pages, which are returned for [`Rebuilder::finish`]. The
    /// findings are those of the whole knowledge base, also when the site fails.
    pub fn first_phase<'w>(
        &mut self,
        workspace: &'w Workspace,
        applied: Option<&Applied>,
        today: Date,
    ) -> (Vec<Finding>, Result<Rebuilt, SiteError>, Option<Rest<'w>>) {
        self.generation += 1;
        let new_day = self.today != Some(today);
        self.today = Some(today);
        let changed: BTreeSet<String> = applied
            .map(|a| a.reparsed.iter().chain(&a.removed).cloned().collect())
            .unwrap_or_default();
        let lint_full = applied.is_none_or(|a| a.config) || new_day;
        let pages_full =
            applied.is_none_or(Applied::touches_every_page) || new_day || self.retry_full;

        let started = Instant::now();
        let findings = self.lint.check(
            &workspace.docs,
            (&workspace.alerts, applied.is_some_and(|a| a.alert_rules)),
            &workspace.config,
            today,
            &Edit {
                changed: &changed,
                rescanned: applied.is_some_and(|a| a.rescanned),
                full: lint_full,
            },
        );
        let lint_time = started.elapsed();
        let result = self.pages(workspace, &changed, pages_full, today);
        self.retry_full = pages_full && result.is_err();
        let mut rest = None;
        let result = result.map(|((model_time, model_reused), pages, search, later)| {
            let deferred = later.as_ref().map_or(0, |r| r.deferred.len());
            rest = later;
            Rebuilt {
                full: pages_full,
                checked: self.lint.checked,
                lint_time,
                model_time,
                model_reused,
                pages,
                search,
                deferred,
            }
        });
        (findings, result, rest)
    }

    /// Renders and writes the pages the first phase left, asking `stop` before each (see
    /// [`Memo::finish`]), and keeps the site's views for the next rebuild.
    pub fn finish(
        &mut self,
        rest: Rest<'_>,
        stop: &(dyn Fn() -> bool + Sync),
    ) -> Result<Finished, SiteError> {
        let Rest { site, deferred } = rest;
        let result = match &self.templates {
            Some(templates) => self
                .memo
                .finish(&site, templates, &self.output, deferred, stop),
            None => unreachable!("the first phase loaded the templates"),
        };
        self.views.keep(site);
        result
    }

    /// Pages of an earlier rebuild are still to be written (its second phase was stopped or
    /// failed): a rebuild with no change brings them up to date.
    pub fn behind(&self) -> bool {
        self.memo.behind()
    }

    #[allow(clippy::type_complexity)]
    fn pages<'w>(
        &mut self,
        workspace: &'w Workspace,
        changed: &BTreeSet<String>,
        full: bool,
        today: Date,
    ) -> Result<((Duration, bool), Update, SearchStep, Option<Rest<'w>>), SiteError> {
        let config = self.site_config(workspace);
        if full || self.templates.is_none() {
            self.templates = None;
            self.templates = Some(templates::load(&config.templates_dir())?);
        }
        let Some(templates) = &self.templates else {
            unreachable!("templates were just loaded");
        };
        let input = SiteInput {
            alerts: Some(&workspace.alerts),
            ..SiteInput::new(today)
        };
        let started = Instant::now();
        let site = Site::with_cache(&config, &workspace.docs, &input, &mut self.views);
        let model = (started.elapsed(), site.reused);
        let view = serde_json::to_string(&site.info.search).unwrap_or_default();
        let search_moved = self.search_view.as_ref() != Some(&view);
        // A failed render leaves the memo as it was before it, so the next one renders
        // what this one should have.
        let (update, deferred) = self
            .memo
            .update(&site, templates, &self.output, changed, full)?;
        let search = if !site.info.search.enabled {
            if search_moved {
                self.indexer.clear(self.generation);
            }
            SearchStep::Off
        } else if search_moved {
            let started = Instant::now();
            self.indexer.build_now(&site, &config, self.generation)?;
            SearchStep::Built(started.elapsed())
        } else {
            SearchStep::Later
        };
        self.search_view = Some(view);
        if deferred.is_empty() {
            self.views.keep(site);
            return Ok((model, update, search, None));
        }
        Ok((model, update, search, Some(Rest { site, deferred })))
    }

    /// Hands the index of the current documents to the background indexer (call after the
    /// pages are published, when [`Rebuilt::search`] is [`SearchStep::Later`]).
    pub fn index_later(&mut self, workspace: &Workspace) {
        let config = self.site_config(workspace);
        let today = self.today.unwrap_or_else(crate::today);
        self.indexer.build_later(
            self.generation,
            &config,
            (&workspace.docs, &workspace.alerts),
            today,
        );
    }

    /// Waits until the search index of the last rebuild is in place; false on timeout.
    pub fn wait_for_search(&self, timeout: Duration) -> bool {
        self.indexer.wait(timeout)
    }
}
