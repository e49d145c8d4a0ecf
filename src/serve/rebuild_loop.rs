//! The rebuild thread of `opsbook serve`: takes the watcher's events in batches, applies them
//! to the [`Workspace`], rebuilds ([`Rebuilder`]) and publishes each result to [`Shared`], so
//! open pages reload.
//!
//! It survives what goes wrong: a config or content folder that cannot be read, a template
//! that fails and even a panic (a bug) show on every page as an error and the next change is
//! rebuilt from scratch; the watches follow the content and templates folders when they are
//! deleted and made again.

use std::collections::{BTreeSet, HashMap};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::http::{BuildError, PageState, Shared};
use super::inject::{Banner, BannerItem};
use super::rebuild::{Rebuilder, SearchStep};
use super::watch::{Places, Watches};
use super::workspace::{Applied, Change, Workspace};
use crate::document::Document;
use crate::lint::{Finding, Level, Origin};
use crate::report;
use crate::term::{self, Verbosity};

/// How long to wait for more events after one arrives, so a save that touches several files
/// (or an editor that writes, renames and sets attributes) makes one rebuild.
const SETTLE: Duration = Duration::from_millis(40);
const MAX_SETTLE: Duration = Duration::from_millis(400);

/// What the rebuild thread is told.
pub enum Message {
    Fs(notify::Result<notify::Event>),
    /// The server is stopping.
    Stop,
}

/// Whether a change came in after the rebuild thread took its last batch: set by the watcher
/// for every event that can be a change (and when the server stops), cleared when a batch is
/// taken. The second phase of a rebuild (the pages that list documents) stops when it is set,
/// so the newer change is rebuilt first.
#[derive(Clone, Default)]
pub struct NewerChange(Arc<AtomicBool>);

impl NewerChange {
    pub fn note(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    fn clear(&self) {
        self.0.store(false, Ordering::SeqCst);
    }

    fn came(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// The next thing to do.
enum Batch {
    /// File events, gathered until the watcher has been quiet for [`SETTLE`].
    Events(Vec<notify::Result<notify::Event>>),
    /// Finish the pages a second phase left when it stopped for events that changed nothing.
    CatchUp,
}

/// Owns the workspace and the rebuilder; turns batches of file events into rebuilds.
pub struct RebuildLoop {
    workspace: Workspace,
    shared: Arc<Shared>,
    rebuilder: Rebuilder,
    verbosity: Verbosity,
    watches: Watches,
    /// The last attempt failed (config, content folder or a panic): the next change re-reads
    /// the config and the content folder.
    failed: bool,
    /// The threads rebuilds run on (rayon's global pool is the search indexer's).
    foreground: Arc<rayon::ThreadPool>,
    newer: NewerChange,
    /// The last second phase stopped for a newer event before writing every page.
    lists_behind: bool,
}

impl RebuildLoop {
    pub fn new(
        workspace: Workspace,
        shared: Arc<Shared>,
        rebuilder: Rebuilder,
        watches: Watches,
        foreground: Arc<rayon::ThreadPool>,
        newer: NewerChange,
        verbosity: Verbosity,
    ) -> RebuildLoop {
        RebuildLoop {
            workspace,
            shared,
            rebuilder,
            verbosity,
            watches,
            failed: false,
            foreground,
            newer,
            lists_behind: false,
        }
    }

    /// Starts watching, and reads again what changed since the workspace was read (before
    /// the watches were in place). Call before the address is printed: every change made
    /// after it is seen.
    pub fn watch(&mut self) {
        self.sync_watches();
        let rescan = BTreeSet::from([Change::Rescan]);
        if let Err(err) = self.foreground.install(|| self.workspace.apply(&rescan)) {
            self.verbosity
                .detail(format!("cannot read the content folder again: {err}"));
        }
    }

    /// The first build, then a rebuild per batch of events, until [`Message::Stop`].
    pub fn run(mut self, receiver: mpsc::Receiver<Message>) {
        self.guarded(|this| this.build(None));
        while let Some(batch) = self.next_batch(&receiver) {
            match batch {
                Batch::Events(events) => self.guarded(|this| this.on_events(events)),
                Batch::CatchUp => self.guarded(|this| this.build(Some(&Applied::default()))),
            }
        }
    }

    /// Waits for the next batch; `None` when the server stops.
    fn next_batch(&mut self, receiver: &mpsc::Receiver<Message>) -> Option<Batch> {
        let first = if self.lists_behind {
            // Stopped for events that changed nothing: finish unless more are waiting.
            match receiver.try_recv() {
                Ok(message) => message,
                Err(mpsc::TryRecvError::Empty) => {
                    self.newer.clear();
                    return Some(Batch::CatchUp);
                }
                Err(mpsc::TryRecvError::Disconnected) => return None,
            }
        } else {
            receiver.recv().ok()?
        };
        let Message::Fs(event) = first else {
            return None;
        };
        let mut events = vec![event];
        let started = Instant::now();
        loop {
            let left = MAX_SETTLE.saturating_sub(started.elapsed());
            if left.is_zero() {
                break;
            }
            match receiver.recv_timeout(SETTLE.min(left)) {
                Ok(Message::Fs(event)) => events.push(event),
                Ok(Message::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => return None,
                Err(mpsc::RecvTimeoutError::Timeout) => break,
            }
        }
        // Events after this point stop the second phase; those before are in this batch.
        self.newer.clear();
        Some(Batch::Events(events))
    }

    /// Runs `step` on the rebuild threads; a panic in it (a bug in opsbook) is shown on every
    /// page instead of ending the thread, and the next change rebuilds everything.
    fn guarded(&mut self, step: impl FnOnce(&mut Self) + Send) {
        let pool = self.foreground.clone();
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| pool.install(|| step(self))));
        if let Err(payload) = result {
            self.after_panic(payload.as_ref());
        }
    }

    fn after_panic(&mut self, payload: &(dyn std::any::Any + Send)) {
        let message = take_panic_report().unwrap_or_else(|| panic_text(payload));
        // The default hook printed it in the terminal already.
        self.failed = true;
        self.lists_behind = false;
        self.rebuilder.distrust();
        self.publish_error(
            "opsbook stopped while rebuilding (a bug in opsbook: please report it)",
            format!(
                "{message}\n\nSave a change to try again: the next rebuild starts from scratch."
            ),
        );
    }

    fn publish_error(&self, title: &str, message: String) {
        let version = self.shared.page_state().version + 1;
        self.shared.publish(PageState {
            version,
            error: Some(BuildError {
                title: title.into(),
                message: strip_ansi(&message),
            }),
            banners: HashMap::new(),
        });
    }

    fn places(&self) -> Places {
        Places::new(&self.workspace.config, &self.workspace.config_path())
    }

    fn sync_watches(&mut self) {
        let places = self.places();
        for problem in self.watches.sync(&places) {
            eprintln!("warning: {}", crate::term::escape_controls(&problem));
        }
    }

    fn on_events(&mut self, events: Vec<notify::Result<notify::Event>>) {
        let places = self.places();
        let mut ok = Vec::new();
        for event in events {
            match event {
                Ok(event) => ok.push(event),
                Err(e) => self.verbosity.detail(format!("watch error: {e}")),
            }
        }
        let mut changes = places.changes(&ok);
        if changes.is_empty() {
            return;
        }
        if self.failed {
            changes.insert(Change::Config);
            changes.insert(Change::Rescan);
        }
        if self.verbosity.verbose {
            let list: Vec<String> = changes.iter().map(describe_change).collect();
            eprintln!("changed: {}", list.join(", "));
        }
        if changes.contains(&Change::Rescan) || changes.contains(&Change::Templates) {
            // A folder may have been made again: watch it before reading it, so nothing
            // written into it meanwhile is missed.
            self.sync_watches();
        }
        let started = Instant::now();
        match self.workspace.apply(&changes) {
            Ok(applied) => {
                if applied.config {
                    self.sync_watches();
                }
                if applied.is_empty() && !self.failed {
                    self.verbosity.detail("nothing changed");
                    return;
                }
                self.failed = false;
                self.verbosity
                    .detail(format!("re-read in {}", ms(started.elapsed())));
                #[cfg(debug_assertions)]
                test_fault(&self.workspace, &applied);
                self.build(Some(&applied));
            }
            Err(err) => {
                self.failed = true;
                let message = format!("{:?}", miette::Report::new(err));
                eprintln!("{message}");
                self.publish_error("the knowledge base cannot be read", message);
            }
        }
    }

    /// Lints and renders what `applied` can have changed (everything on the first build), then
    /// publishes the result (the pages open in the browser reload), renders the pages that
    /// list documents and publishes again, and hands the search index to the background
    /// indexer. An empty `applied` finishes the lists of a rebuild that stopped for a newer
    /// change.
    fn build(&mut self, applied: Option<&Applied>) {
        let started = Instant::now();
        let (findings, result, rest) =
            self.rebuilder
                .first_phase(&self.workspace, applied, crate::today());
        let elapsed = started.elapsed();
        let catch_up = applied.is_some_and(Applied::is_empty);
        self.lists_behind = false;
        if !catch_up {
            self.print_findings(&findings, applied);
        }
        let version = self.shared.page_state().version + 1;
        let banners = banners(
            &self.workspace.docs,
            &self.workspace.alerts.files,
            &findings,
        );
        let mut index_later = false;
        let state = match result {
            Ok(rebuilt) => {
                let checked = report::Checked {
                    documents: self.workspace.docs.len(),
                    rule_files: self.workspace.alerts.files.len(),
                };
                let summary = report::human::summary_line(&findings, checked);
                index_later = matches!(rebuilt.search, SearchStep::Later) && !catch_up;
                self.say_rebuilt(&rebuilt, applied, &summary, elapsed);
                PageState {
                    version,
                    error: None,
                    banners: banners.clone(),
                }
            }
            Err(err) => site_error(version, err),
        };
        // A catch-up changed no document page: no need to reload them.
        if !catch_up || state.error.is_some() {
            self.shared.publish(state);
        }
        if let Some(rest) = rest {
            self.lists_behind = !second_phase(
                &mut self.rebuilder,
                rest,
                &self.shared,
                &self.newer,
                self.verbosity,
                banners,
            );
        }
        if index_later {
            self.rebuilder.index_later(&self.workspace);
        }
    }

    /// The status line of a rebuild, and its timings under `--verbose`.
    fn say_rebuilt(
        &self,
        rebuilt: &super::rebuild::Rebuilt,
        applied: Option<&Applied>,
        summary: &str,
        elapsed: Duration,
    ) {
        let catch_up = applied.is_some_and(Applied::is_empty);
        let what = match applied {
            None => format!("built {} pages", rebuilt.pages.pages),
            Some(_) if catch_up => "caught up".to_string(),
            Some(applied) => format!("rebuilt ({})", describe_applied(applied)),
        };
        let search = match rebuilt.search {
            // A catch-up changed no document: the index in hand is current.
            SearchStep::Later if !catch_up => "; search index updating in the background",
            _ => "",
        };
        let later = match rebuilt.deferred {
            0 => String::new(),
            n => format!("; the {n} pages that list documents follow"),
        };
        self.verbosity.say(format!(
            "{what} in {}; {summary}{search}{later}",
            ms(elapsed)
        ));
        let pages = &rebuilt.pages;
        self.verbosity.detail(format!(
            "  lint {} ({} of {} documents checked), model {}{}, pages: plan {}, render {} ({} of {}), write {} ({} files written, {} removed){}",
            ms(rebuilt.lint_time),
            rebuilt.checked,
            self.workspace.docs.len(),
            ms(rebuilt.model_time),
            if rebuilt.model_reused { " (reused)" } else { "" },
            ms(pages.plan_time),
            ms(pages.render_time),
            pages.rendered,
            pages.pages,
            ms(pages.write_time),
            pages.written,
            pages.removed,
            match rebuilt.search {
                SearchStep::Built(d) => format!(", search index {}", ms(d)),
                _ => String::new(),
            }
        ));
    }

    /// The findings of the documents that changed (all of them on the first build or after a
    /// config change), as `opsbook lint` prints them.
    fn print_findings(&self, findings: &[Finding], applied: Option<&Applied>) {
        let docs = &self.workspace.docs;
        let changed: Option<BTreeSet<&str>> = applied
            .filter(|a| !a.touches_every_page())
            .map(|a| a.reparsed.iter().map(String::as_str).collect());
        // Rule files' findings show after a change to the alert rules (or everything).
        let shown: Vec<Finding> = findings
            .iter()
            .filter(|f| match (f.at, &changed) {
                (_, None) => true,
                (Origin::Document(i), Some(set)) => set.contains(docs[i].rel_path.as_str()),
                (Origin::RuleFile(_), Some(_)) => false,
            })
            .cloned()
            .collect();
        if shown.is_empty() {
            return;
        }
        let style = report::human::Style {
            color: term::stdout_color(),
            width: term::stdout_width(100),
        };
        let checked = changed.as_ref().map_or(docs.len(), BTreeSet::len);
        let sources = report::Sources::new(docs, &self.workspace.alerts.files);
        let text = report::human::render(sources, &shown, checked, style);
        // The summary line of the whole knowledge base follows in the status line.
        let body = text
            .trim_end()
            .rsplit_once('\n')
            .map_or("", |(body, _)| body);
        if !body.trim().is_empty() {
            println!("{}", body.trim_end());
        }
    }
}

/// Renders the pages that list documents, unless a newer change comes in first, and
/// publishes them. Returns whether every one was written.
fn second_phase(
    rebuilder: &mut Rebuilder,
    rest: super::rebuild::Rest<'_>,
    shared: &Shared,
    newer: &NewerChange,
    verbosity: Verbosity,
    banners: BannerMap,
) -> bool {
    let started = Instant::now();
    let newer = newer.clone();
    let version = shared.page_state().version + 1;
    match rebuilder.finish(rest, &move || newer.came()) {
        Ok(done) if done.complete => {
            verbosity.say(format!(
                "  then {} of {} pages that list documents in {} (check and render {}, write {}, {} files written)",
                done.rendered,
                done.checked,
                ms(started.elapsed()),
                ms(done.render_time),
                ms(done.write_time),
                done.written,
            ));
            if done.written > 0 {
                // Pages open on a list reload now; the others reload too (same content).
                shared.publish(PageState {
                    version,
                    error: None,
                    banners,
                });
            }
            true
        }
        Ok(done) => {
            verbosity.detail(format!(
                "  stopped after checking {} of the pages that list documents: a newer change came in",
                done.checked
            ));
            false
        }
        Err(err) => {
            shared.publish(site_error(version, err));
            true
        }
    }
}

/// The last panic's report ("panicked at FILE:LINE:COLUMN: message"), recorded by the hook
/// [`record_panics`] installs.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Keeps the report of every panic (where and what) for the error page, and prints it as
/// before.
pub fn record_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(info.to_string());
        }
        previous(info);
    }));
}

fn take_panic_report() -> Option<String> {
    LAST_PANIC.lock().ok()?.take()
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

/// A fault for the tests of the real binary (debug builds only): a rebuild panics when a
/// document it re-read contains the text in `OPSBOOK_TEST_PANIC_ON`. The panic is raised on
/// a rebuild worker thread, as a bug in rendering would be.
#[cfg(debug_assertions)]
fn test_fault(workspace: &Workspace, applied: &Applied) {
    use rayon::prelude::*;
    let Some(marker) = std::env::var("OPSBOOK_TEST_PANIC_ON")
        .ok()
        .filter(|m| !m.is_empty())
    else {
        return;
    };
    workspace.docs.par_iter().for_each(|doc| {
        if applied.reparsed.contains(&doc.rel_path) && doc.source.contains(&marker) {
            panic!("test fault: {} contains {marker}", doc.rel_path);
        }
    });
}

/// The error page every page shows while the site cannot be rendered.
fn site_error(version: u64, err: crate::site::SiteError) -> PageState {
    let message = format!("{:?}", miette::Report::new(err));
    eprintln!("{message}");
    PageState {
        version,
        error: Some(BuildError {
            title: "the site could not be built".into(),
            message: strip_ansi(&message),
        }),
        banners: HashMap::new(),
    }
}

fn describe_change(change: &Change) -> String {
    match change {
        Change::Config => "opsbook.toml".into(),
        Change::Templates => "templates".into(),
        Change::Document(rel) => rel.clone(),
        Change::Rescan => "content folder".into(),
        Change::AlertRules => "alert rules".into(),
    }
}

fn describe_applied(applied: &Applied) -> String {
    let mut parts = Vec::new();
    if applied.config {
        parts.push("config changed".to_string());
    }
    if applied.templates {
        parts.push("templates changed".to_string());
    }
    if applied.alert_rules && !applied.config {
        parts.push("alert rules re-read".to_string());
    }
    match applied.reparsed.as_slice() {
        [] => {}
        [one] if !applied.config => parts.push(format!("{one} changed")),
        many => parts.push(format!("{} documents re-read", many.len())),
    }
    match applied.removed.as_slice() {
        [] => {}
        [one] => parts.push(format!("{one} removed")),
        many => parts.push(format!("{} documents removed", many.len())),
    }
    parts.join(", ")
}

pub fn ms(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// Terminal colour codes out of a message shown in the browser.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Lint banners by page URL.
type BannerMap = HashMap<String, Vec<Banner>>;

/// The findings of each document, keyed by its page URL. Documents that have no page also
/// show on the home page, so a broken front matter is visible from there.
/// Findings in alert rule files show on the list of alerts.
fn banners(
    docs: &[Document],
    rule_files: &[crate::alerts::RuleFile],
    findings: &[Finding],
) -> BannerMap {
    let mut by_doc: Vec<Vec<BannerItem>> = vec![Vec::new(); docs.len()];
    let mut by_rule_file: Vec<Vec<BannerItem>> = vec![Vec::new(); rule_files.len()];
    let sources = report::Sources::new(docs, rule_files);
    for f in findings {
        if f.level == Level::Off {
            continue;
        }
        let Some(file) = sources.file(f.at) else {
            continue;
        };
        let (line, column) = file.line_col(f.span.start);
        let prefix = format!("{}: ", file.display_path);
        let list = match f.at {
            Origin::Document(i) => &mut by_doc[i],
            Origin::RuleFile(i) => &mut by_rule_file[i],
        };
        list.push(BannerItem {
            level: f.level.to_string(),
            rule: f.rule.to_string(),
            message: f
                .message
                .strip_prefix(&prefix)
                .unwrap_or(&f.message)
                .to_string(),
            help: f.help.clone(),
            line,
            column,
        });
    }
    let mut map = BannerMap::new();
    for (doc, items) in docs.iter().zip(by_doc) {
        if items.is_empty() {
            continue;
        }
        let no_page = !(doc.is_usable() && doc.kind.is_some());
        let banner = Banner {
            file: doc.display_path.clone(),
            no_page,
            items,
        };
        if no_page {
            map.entry("/".into()).or_default().push(banner.clone());
        }
        map.entry(doc.url_path()).or_default().push(banner);
    }
    for (file, items) in rule_files.iter().zip(by_rule_file) {
        if !items.is_empty() {
            map.entry("/alerts/".into()).or_default().push(Banner {
                file: file.display_path.clone(),
                no_page: false,
                items,
            });
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use std::sync::Arc as StdArc;

    use super::*;

    #[test]
    fn banners_follow_the_page_urls() {
        let good = Document::parse(
            "runbooks/a.md".into(),
            "content/runbooks/a.md".into(),
            StdArc::new("---\ntitle: A\n---\n".to_string()),
        );
        let broken = Document::parse(
            "postmortems/b.md".into(),
            "content/postmortems/b.md".into(),
            StdArc::new("---\ntitle: [\n---\n".to_string()),
        );
        let docs = vec![good, broken];
        let config = crate::config::Config::default();
        let findings = crate::lint::check(&docs, &config, "2026-11-25".parse().unwrap());
        let map = banners(&docs, &[], &findings);
        let a = &map["/runbooks/a/"][0];
        assert!(!a.no_page);
        assert!(
            a.items.iter().all(|i| !i.message.starts_with("content/")),
            "{:?}",
            a.items
        );
        assert!(a.items.iter().any(|i| i.rule == "required-field"));
        assert!(map["/postmortems/b/"][0].no_page);
        assert_eq!(map["/"][0].file, "content/postmortems/b.md");
    }

    #[test]
    fn ansi_codes_are_stripped() {
        assert_eq!(strip_ansi("\x1b[31merror\x1b[0m: x"), "error: x");
    }

    #[test]
    fn panic_payloads_become_text() {
        let caught = std::panic::catch_unwind(|| panic!("boom {}", 1)).unwrap_err();
        assert_eq!(panic_text(caught.as_ref()), "boom 1");
        let caught = std::panic::catch_unwind(|| std::panic::panic_any(7_u8)).unwrap_err();
        assert_eq!(panic_text(caught.as_ref()), "a panic without a message");
    }
}
