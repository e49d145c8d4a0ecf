//! `opsbook serve`: builds the site into a temporary folder, serves it on the loopback
//! address, watches the content, the templates and the config, rebuilds on change and reloads
//! the open pages. Lint findings never stop it: they print in the terminal and show as a
//! banner on the page concerned; a broken template or config shows as an error page.
//!
//! Threads: the HTTP server runs on a small tokio runtime; the watcher's events go to one
//! rebuild thread ([`rebuild_loop`]), which owns the [`Workspace`] and publishes each result
//! to [`http::Shared`]; the search index is rebuilt on a background thread after the pages
//! are published ([`indexer`]). A rebuild re-checks and re-renders only what a change can
//! affect ([`rebuild`]), in two phases with a reload after each: the document pages, then the
//! pages that list documents (stopped by a newer change, which renders what is left).
//!
//! Ctrl-C and SIGTERM are handled from before the first build on: the server stops, the
//! rebuild thread is given a moment to finish, and the temporary folder is removed; a rebuild
//! that is still running (a slow template, a blocked read) does not hold the exit up.

pub mod http;
pub mod indexer;
pub mod inject;
pub mod lint_cache;
pub mod rebuild;
pub mod rebuild_loop;
pub mod watch;
pub mod workspace;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::term::Verbosity;
use http::Shared;
use rebuild::Rebuilder;
use rebuild_loop::{Message, NewerChange, RebuildLoop};
use watch::Watches;
use workspace::Workspace;

/// The port tried first when `--port` is not given; the next nine are tried when it is taken.
pub const DEFAULT_PORT: u16 = 3000;

/// How long the rebuild thread gets to finish when the server stops, and open connections to
/// close, before the process exits anyway: together well under a second.
const STOP_REBUILD: Duration = Duration::from_millis(300);
const STOP_CONNECTIONS: Duration = Duration::from_millis(300);

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

/// The temporary folder the site is written to, removed on every way out of [`run`].
struct TempFolder(PathBuf);

impl TempFolder {
    fn create() -> Result<TempFolder, ServeError> {
        let dir = tempfile::Builder::new()
            .prefix("opsbook-serve-")
            .tempdir()
            .map_err(|e| ServeError::Start(format!("cannot create a temporary folder: {e}")))?;
        Ok(TempFolder(dir.keep()))
    }

    /// The site's folder inside, created now: later writes never create it again, so a
    /// rebuild still running when the folder is removed cannot bring it back.
    fn site(&self) -> Result<PathBuf, ServeError> {
        let site = self.0.join("site");
        std::fs::create_dir(&site)
            .map_err(|e| ServeError::Start(format!("cannot create {}: {e}", site.display())))?;
        Ok(site)
    }
}

impl Drop for TempFolder {
    fn drop(&mut self) {
        // A rebuild thread still running can add a file while the folder is being removed.
        for _ in 0..5 {
            match std::fs::remove_dir_all(&self.0) {
                Ok(()) => return,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }
}

/// The pool rebuilds run in; rayon's global pool runs the background search index (Pagefind
/// uses it) at a lower CPU priority, so rebuilds never queue behind the index.
fn thread_pools() -> Result<Arc<rayon::ThreadPool>, ServeError> {
    let _ = rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("opsbook-index-{i}"))
        .start_handler(|_| indexer::lower_priority())
        .build_global();
    rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("opsbook-rebuild-{i}"))
        .build()
        .map(Arc::new)
        .map_err(|e| ServeError::Start(e.to_string()))
}

/// The file watcher: every event goes to the rebuild thread; those that can be changes also
/// stop the second phase of a rebuild in progress.
fn file_watcher(
    events: mpsc::Sender<Message>,
    newer: NewerChange,
) -> Result<notify::RecommendedWatcher, ServeError> {
    notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Not for accesses: re-reading the saved file would stop its own second phase.
        let change = event.as_ref().map_or(true, watch::may_change);
        let _ = events.send(Message::Fs(event));
        if change {
            newer.note();
        }
    })
    .map_err(|e| ServeError::Start(format!("cannot watch files: {e}")))
}

/// The address to print: a wildcard bind is reachable at 127.0.0.1.
fn announce(addr: SocketAddr) {
    let url = if addr.ip().is_unspecified() {
        format!("http://127.0.0.1:{}/", addr.port())
    } else {
        format!("http://{addr}/")
    };
    // Requests wait (in the server) until the first build is served.
    println!("opsbook serve: {url} (Ctrl-C to stop)");
    if !addr.ip().is_loopback() {
        eprintln!(
            "warning: listening on {}, so other machines that can reach this one can read the site",
            addr.ip()
        );
    }
}

/// Runs the server until Ctrl-C (or SIGTERM).
pub fn run(options: ServeOptions) -> Result<(), crate::Error> {
    let verbosity = options.verbosity;
    rebuild_loop::record_panics();
    let foreground = thread_pools()?;
    let workspace =
        foreground.install(|| Workspace::open(options.config_file.as_deref(), &options.dir))?;
    let listener = listen(&options)?;
    let addr = listener
        .local_addr()
        .map_err(|e| ServeError::Start(e.to_string()))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| ServeError::Start(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ServeError::Start(e.to_string()))?;
    // From here on Ctrl-C and SIGTERM are ours: the temporary folder is always removed.
    let signals = runtime.block_on(async { Signals::listen() })?;
    let temp = TempFolder::create()?;
    let output = temp.site()?;
    verbosity.detail(format!("writing the site to {}", output.display()));
    let shared = Arc::new(Shared::new(output.clone(), first_version()));

    let (sender, receiver) = mpsc::channel::<Message>();
    let newer = NewerChange::default();
    let watcher = file_watcher(sender.clone(), newer.clone())?;
    let mut rebuilds = RebuildLoop::new(
        workspace,
        shared.clone(),
        Rebuilder::new(output, format!("http://{addr}/"), verbosity),
        Watches::new(watcher),
        foreground,
        newer.clone(),
        verbosity,
    );
    rebuilds.watch();
    announce(addr);
    let rebuilds = std::thread::Builder::new()
        .name("opsbook-rebuild".into())
        .spawn(move || rebuilds.run(receiver))
        .map_err(|e| ServeError::Start(e.to_string()))?;

    let served = runtime.block_on(serve_until_stopped(listener, shared, signals));
    let _ = sender.send(Message::Stop);
    newer.note();
    wait_for(&rebuilds, STOP_REBUILD);
    runtime.shutdown_timeout(STOP_CONNECTIONS);
    drop(temp);
    served?;
    verbosity.say("opsbook serve: stopped");
    Ok(())
}

/// Waits until `thread` ends or `limit` passes (a rebuild blocked or running long is left to
/// end with the process).
fn wait_for(thread: &std::thread::JoinHandle<()>, limit: Duration) {
    let started = Instant::now();
    while !thread.is_finished() && started.elapsed() < limit {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Ctrl-C and SIGTERM, registered as soon as they are created (before the first build).
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    /// Must run inside the runtime.
    fn listen() -> Result<Signals, ServeError> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let register = |kind| {
                signal(kind).map_err(|e| ServeError::Start(format!("cannot handle signals: {e}")))
            };
            Ok(Signals {
                interrupt: register(SignalKind::interrupt())?,
                terminate: register(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    async fn recv(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {},
            _ = self.terminate.recv() => {},
        }
        #[cfg(not(unix))]
        {
            let _ = &mut self;
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

async fn serve_until_stopped(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    signals: Signals,
) -> Result<(), ServeError> {
    let listener = tokio::net::TcpListener::from_std(listener)
        .map_err(|e| ServeError::Start(e.to_string()))?;
    let app = http::router(shared.clone());
    let stop = shared.clone();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        signals.recv().await;
        // End the event streams (and requests waiting for the first build) so open pages
        // let go of their connections.
        stop.shutdown.send_replace(true);
    });
    let mut stopping = shared.shutdown.subscribe();
    tokio::select! {
        result = server => result.map_err(|e| ServeError::Start(e.to_string())),
        // Connections that linger after the signal do not hold the process up.
        _ = async {
            let _ = stopping.wait_for(|stop| *stop).await;
            tokio::time::sleep(STOP_CONNECTIONS).await;
        } => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_temporary_folder_goes_and_is_not_made_again() {
        let temp = TempFolder::create().unwrap();
        let root = temp.0.clone();
        let site = temp.site().unwrap();
        crate::site::incremental::write_file(&site, "a/index.html", b"x").unwrap();
        drop(temp);
        assert!(!root.exists());
        // A rebuild that writes after the removal fails instead of recreating it.
        assert!(crate::site::incremental::write_file(&site, "b/index.html", b"x").is_err());
        assert!(!root.exists());
    }
}
