//! `opsbook serve`: builds the site into a temporary folder, serves it on the loopback
//! address, watches the content, the templates and the config, rebuilds on change and reloads
//! the open pages. Lint findings never stop it: they print in the terminal and show as a
//! banner on the page concerned; a broken template or config shows as an error page.
//!
//! Threads: the HTTP server runs on a small tokio runtime; the watcher's events go to one
//! rebuild thread, which owns the [`Workspace`] and publishes each result to [`http::Shared`];
//! the search index is rebuilt on a background thread after the pages are published
//! ([`indexer`]). A rebuild re-checks and re-renders only what a change can affect
//! ([`rebuild`]), in two phases with a reload after each: the document pages, then the pages
//! that list documents (stopped by a newer change, which renders what is left).

pub mod http;
pub mod indexer;
pub mod inject;
pub mod lint_cache;
pub mod rebuild;
pub mod watch;
pub mod workspace;

use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::document::Document;
use crate::lint::{Finding, Level, Origin};
use crate::report;
use crate::term::{self, Verbosity};
use http::{BuildError, PageState, Shared};
use inject::{Banner, BannerItem};
use rebuild::{Rebuilder, SearchStep};
use watch::{Places, Watches};
use workspace::{Applied, Change, Workspace};

/// The port tried first when `--port` is not given; the next nine are tried when it is taken.
pub const DEFAULT_PORT: u16 = 3000;

/// How long to wait for more events after one arrives, so a save that touches several files
/// (or an editor that writes, renames and sets attributes) makes one rebuild.
const SETTLE: Duration = Duration::from_millis(40);
const MAX_SETTLE: Duration = Duration::from_millis(400);

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub bind: IpAddr,
    /// `None`: the default port or the next free one after it. `Some(0)`: any free port.
    pub port: Option<u16>,
    /// `--config`, when given.
    pub config_file: Option<PathBuf>,
    /// The folder holding opsbook.toml (or content/) when no `--config` is given.
    pub dir: PathBuf,
    pub verbosity: Verbosity,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {message}")]
    #[diagnostic(code(serve))]
    Listen {
        addr: String,
        message: String,
        #[help]
        help: String,
    },
    #[error("cannot start the server: {0}")]
    #[diagnostic(code(serve))]
    Start(String),
}

fn listen(options: &ServeOptions) -> Result<std::net::TcpListener, ServeError> {
    let ports: Vec<u16> = match options.port {
        Some(port) => vec![port],
        None => (DEFAULT_PORT..DEFAULT_PORT + 10).collect(),
    };
    let mut last_error = None;
    for port in ports {
        match std::net::TcpListener::bind(SocketAddr::new(options.bind, port)) {
            Ok(listener) => return Ok(listener),
            Err(e) => last_error = Some((port, e)),
        }
    }
    let (port, e) = last_error.expect("at least one port was tried");
    Err(listen_error(SocketAddr::new(options.bind, port), &e))
}

/// Why a bind failed, in words that name the real cause.
fn listen_error(addr: SocketAddr, e: &std::io::Error) -> ServeError {
    use std::io::ErrorKind;
    let (message, help) = match e.kind() {
        ErrorKind::AddrInUse => (
            "the port is taken".to_string(),
            "another program is using the port: pass another one with --port N (0 picks any free port)".to_string(),
        ),
        ErrorKind::AddrNotAvailable => (
            format!("cannot assign address {}: it is not an address of this machine", addr.ip()),
            "pass an address this machine has with --bind: 127.0.0.1 (the default) for this machine only, 0.0.0.0 for every interface".to_string(),
        ),
        ErrorKind::PermissionDenied => (
            format!("permission denied ({e})"),
            "ports below 1024 need special privileges: pass --port 3000 or another port above 1023".to_string(),
        ),
        _ => (
            e.to_string(),
            "pass another address with --bind or another port with --port N (0 picks any free port)".to_string(),
        ),
    };
    ServeError::Listen {
        addr: addr.to_string(),
        message,
        help,
    }
}

/// A starting version that differs from run to run, so a page left open across a restart
/// of `opsbook serve` reloads when it reconnects.
fn first_version() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_millis() as u64)
}

/// Runs the server until Ctrl-C (or SIGTERM).
pub fn run(options: ServeOptions) -> Result<(), crate::Error> {
    let verbosity = options.verbosity;
    // Rayon's global pool runs the background search index (Pagefind uses it) at a lower CPU
    // priority; rebuilds run in a pool of their own, so they never queue behind the index.
    let _ = rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("opsbook-index-{i}"))
        .start_handler(|_| indexer::lower_priority())
        .build_global();
    let foreground = rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("opsbook-rebuild-{i}"))
        .build()
        .map(Arc::new)
        .map_err(|e| ServeError::Start(e.to_string()))?;
    let workspace =
        foreground.install(|| Workspace::open(options.config_file.as_deref(), &options.dir))?;
    let listener = listen(&options)?;
    let addr = listener
        .local_addr()
        .map_err(|e| ServeError::Start(e.to_string()))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| ServeError::Start(e.to_string()))?;

    let temp = tempfile::Builder::new()
        .prefix("opsbook-serve-")
        .tempdir()
        .map_err(|e| ServeError::Start(format!("cannot create a temporary folder: {e}")))?;
    let output = temp.path().join("site");
    verbosity.detail(format!("writing the site to {}", output.display()));
    let shared = Arc::new(Shared::new(output.clone(), first_version()));

    let (sender, receiver) = mpsc::channel::<Message>();
    let events = sender.clone();
    // Set with every event that can be a change, so the second phase of a rebuild stops for it.
    let waiting = Arc::new(AtomicBool::new(false));
    let newer = waiting.clone();
    let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Not for accesses: re-reading the saved file would stop its own second phase.
        let change = event.as_ref().map_or(true, watch::may_change);
        let _ = events.send(Message::Fs(event));
        if change {
            newer.store(true, Ordering::SeqCst);
        }
    })
    .map_err(|e| ServeError::Start(format!("cannot watch files: {e}")))?;

    let base_url = format!("http://{addr}/");
    let mut builder = Builder {
        workspace,
        shared: shared.clone(),
        rebuilder: Rebuilder::new(output, base_url.clone(), verbosity),
        verbosity,
        watches: Watches::new(watcher),
        failed: false,
        foreground,
        waiting: waiting.clone(),
        stopped: false,
    };
    let url = if addr.ip().is_unspecified() {
        format!("http://127.0.0.1:{}/", addr.port())
    } else {
        base_url
    };
    // The address first: requests wait in the listen queue until the first build is served.
    println!("opsbook serve: {url} (Ctrl-C to stop)");
    if !addr.ip().is_loopback() {
        eprintln!(
            "warning: listening on {}, so other machines that can reach this one can read the site",
            addr.ip()
        );
    }
    builder.sync_watches();
    builder.foreground.clone().install(|| builder.build(None));
    let rebuilds = std::thread::Builder::new()
        .name("opsbook-rebuild".into())
        .spawn(move || builder.run(receiver))
        .map_err(|e| ServeError::Start(e.to_string()))?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ServeError::Start(e.to_string()))?;
    let served = runtime.block_on(serve_until_stopped(listener, shared.clone()));
    let _ = sender.send(Message::Stop);
    waiting.store(true, Ordering::SeqCst);
    let _ = rebuilds.join();
    runtime.shutdown_timeout(Duration::from_secs(1));
    drop(temp);
    served?;
    verbosity.say("opsbook serve: stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

async fn serve_until_stopped(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
) -> Result<(), ServeError> {
    let listener = tokio::net::TcpListener::from_std(listener)
        .map_err(|e| ServeError::Start(e.to_string()))?;
    let app = http::router(shared.clone());
    let stop = shared.clone();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown_signal().await;
        // End the event streams so open pages let go of their connections.
        stop.shutdown.send_replace(true);
    });
    let mut stopping = shared.shutdown.subscribe();
    tokio::select! {
        result = server => result.map_err(|e| ServeError::Start(e.to_string())),
        // Connections that linger after the signal do not hold the process up for long.
        _ = async {
            let _ = stopping.wait_for(|stop| *stop).await;
            tokio::time::sleep(Duration::from_secs(2)).await;
        } => Ok(()),
    }
}

enum Message {
    Fs(notify::Result<notify::Event>),
    Stop,
}

/// Owns the workspace; turns batches of file events into rebuilds.
struct Builder {
    workspace: Workspace,
    shared: Arc<Shared>,
    rebuilder: Rebuilder,
    verbosity: Verbosity,
    watches: Watches,
    /// The last attempt failed (config or content folder): retry on any change.
    failed: bool,
    /// The threads rebuilds run on (rayon's global pool is the search indexer's).
    foreground: Arc<rayon::ThreadPool>,
    /// A message came in since the last batch was taken: the second phase of a rebuild stops.
    waiting: Arc<AtomicBool>,
    /// The last second phase stopped for a newer message before writing every page.
    stopped: bool,
}

impl Builder {
    fn run(mut self, receiver: mpsc::Receiver<Message>) {
        loop {
            let mut events = Vec::new();
            let first = if self.stopped {
                // A second phase was stopped for events that changed nothing: finish it
                // unless more are waiting.
                match receiver.try_recv() {
                    Ok(message) => Ok(message),
                    Err(mpsc::TryRecvError::Empty) => {
                        self.waiting.store(false, Ordering::SeqCst);
                        let foreground = self.foreground.clone();
                        foreground.install(|| self.build(Some(&Applied::default())));
                        continue;
                    }
                    Err(mpsc::TryRecvError::Disconnected) => return,
                }
            } else {
                receiver.recv().map_err(|_| ())
            };
            match first {
                Ok(Message::Fs(event)) => events.push(event),
                Ok(Message::Stop) | Err(_) => return,
            }
            let started = Instant::now();
            loop {
                let left = MAX_SETTLE.saturating_sub(started.elapsed());
                if left.is_zero() {
                    break;
                }
                match receiver.recv_timeout(SETTLE.min(left)) {
                    Ok(Message::Fs(event)) => events.push(event),
                    Ok(Message::Stop) => return,
                    Err(mpsc::RecvTimeoutError::Timeout) => break,
                    Err(mpsc::RecvTimeoutError::Disconnected) => return,
                }
            }
            // Events after this point stop the second phase; those before are in this batch.
            self.waiting.store(false, Ordering::SeqCst);
            let foreground = self.foreground.clone();
            foreground.install(|| self.on_events(events));
        }
    }

    fn places(&self) -> Places {
        Places::new(&self.workspace.config, &self.workspace.config_path())
    }

    fn sync_watches(&mut self) {
        let places = self.places();
        for problem in self.watches.sync(&places) {
            eprintln!("warning: {}", term::escape_controls(&problem));
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
        let started = Instant::now();
        match self.workspace.apply(&changes) {
            Ok(applied) => {
                if applied.config {
                    self.sync_watches();
                } else if changes.contains(&Change::Rescan) || changes.contains(&Change::Templates)
                {
                    // A templates or content folder may have appeared.
                    self.sync_watches();
                }
                if applied.is_empty() && !self.failed {
                    self.verbosity.detail("nothing changed");
                    return;
                }
                self.failed = false;
                self.verbosity
                    .detail(format!("re-read in {}", ms(started.elapsed())));
                self.build(Some(&applied));
            }
            Err(err) => {
                self.failed = true;
                let message = format!("{:?}", miette::Report::new(err));
                eprintln!("{message}");
                let version = self.shared.page_state().version + 1;
                self.shared.publish(PageState {
                    version,
                    error: Some(BuildError {
                        title: "the knowledge base cannot be read".into(),
                        message: strip_ansi(&message),
                    }),
                    banners: HashMap::new(),
                });
            }
        }
    }

    /// Lints and renders what `applied` can have changed (everything on the first build), then
    /// publishes the result (the pages open in the browser reload), renders the aggregate pages
    /// and publishes again, and hands the search index to the background indexer. An empty
    /// `applied` finishes the aggregate pages of a rebuild that stopped for a newer change.
    fn build(&mut self, applied: Option<&Applied>) {
        let started = Instant::now();
        let (findings, result, rest) =
            self.rebuilder
                .first_phase(&self.workspace, applied, crate::today());
        let elapsed = started.elapsed();
        let workspace = &self.workspace;
        let catch_up = applied.is_some_and(Applied::is_empty);
        self.stopped = false;

        if !catch_up {
            self.print_findings(&findings, applied);
        }
        let version = self.shared.page_state().version + 1;
        let checked = report::Checked {
            documents: workspace.docs.len(),
            rule_files: workspace.alerts.files.len(),
        };
        let summary = report::human::summary_line(&findings, checked);
        let mut index_later = false;
        let banners = banners(&workspace.docs, &workspace.alerts.files, &findings);
        let state = match result {
            Ok(rebuilt) => {
                let what = match applied {
                    None => format!("built {} pages", rebuilt.pages.pages),
                    Some(_) if catch_up => "caught up".to_string(),
                    Some(applied) => format!("rebuilt ({})", describe_applied(applied)),
                };
                let search = match rebuilt.search {
                    // A catch-up changed no document: the index in hand is current.
                    SearchStep::Later if !catch_up => {
                        index_later = true;
                        "; search index updating in the background"
                    }
                    _ => "",
                };
                let later = match rebuilt.deferred {
                    0 => String::new(),
                    n => format!("; {n} pages that list documents follow"),
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
                    workspace.docs.len(),
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
            let started = Instant::now();
            let waiting = self.waiting.clone();
            let stop = move || waiting.load(Ordering::SeqCst);
            let version = self.shared.page_state().version + 1;
            match self.rebuilder.finish(rest, &stop) {
                Ok(done) if done.complete => {
                    self.verbosity.say(format!(
                        "  then {} pages that list documents in {} (render {}, write {}, {} files written)",
                        done.rendered,
                        ms(started.elapsed()),
                        ms(done.render_time),
                        ms(done.write_time),
                        done.written,
                    ));
                    // Pages open on a list reload now; the others reload too (same content).
                    self.shared.publish(PageState {
                        version,
                        error: None,
                        banners,
                    });
                }
                Ok(done) => {
                    self.stopped = true;
                    self.verbosity.detail(format!(
                        "  stopped after {} of the pages that list documents: a newer change came in",
                        done.rendered
                    ));
                }
                Err(err) => self.shared.publish(site_error(version, err)),
            }
        }
        if index_later {
            self.rebuilder.index_later(&self.workspace);
        }
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

fn ms(d: Duration) -> String {
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

/// The findings of each document, keyed by its page URL. Documents that have no page also
/// show on the home page, so a broken front matter is visible from there.
/// Findings in alert rule files show on the list of alerts.
fn banners(
    docs: &[Document],
    rule_files: &[crate::alerts::RuleFile],
    findings: &[Finding],
) -> HashMap<String, Vec<Banner>> {
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
    let mut map: HashMap<String, Vec<Banner>> = HashMap::new();
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
}
