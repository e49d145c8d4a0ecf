//! The search index of `opsbook serve`, rebuilt on a background thread after the pages are
//! served, so an edit reloads the page without waiting for Pagefind (tens of seconds at
//! 10,000 documents). Requests that arrive while an index is being built are merged: the next
//! index is built from the newest documents once the current one is done.
//!
//! The bundle in `pagefind/` is updated so that a page never sees a broken index: Pagefind's
//! data files are named by the hash of their content, so the new ones are written beside the
//! old ones first, then each `pagefind-entry.json` (which names the data files to load) is
//! replaced in one rename. Files of older indexes are removed one index later, so a search
//! that started on the previous index can still load its files.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::{Duration, Instant};

use jiff::civil::Date;

use crate::alerts::AlertRules;
use crate::config::Config;
use crate::document::Document;
use crate::site::incremental::{remove, write_file};
use crate::site::search::{self, BUNDLE_DIR};
use crate::site::write::OutputFile;
use crate::site::{SiteError, SiteInput, model::Site};
use crate::term::Verbosity;

/// How long the indexer waits for more edits before it starts: a burst of saves makes one index.
const DEBOUNCE: Duration = Duration::from_millis(300);

/// The search bundle in the output folder.
#[derive(Debug, Default)]
struct Bundle {
    /// The build the files in place come from.
    generation: u64,
    /// Path -> hash of the bytes, of the files of the index in place.
    current: HashMap<String, u64>,
    /// The files of the index before it (kept for searches that started on it).
    previous: HashSet<String>,
    /// The newest build that asked for an index.
    wanted: u64,
}

/// The bundle, shared by the rebuild thread and the indexer thread.
#[derive(Debug, Default)]
struct State {
    bundle: Mutex<Bundle>,
    /// Notified when an index is installed (or given up).
    done: Condvar,
}

fn hash(bytes: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

fn is_entry(path: &str) -> bool {
    path.ends_with("/pagefind-entry.json")
}

impl Bundle {
    /// Puts the index of build `generation` in place, unless a newer one already is.
    fn install(
        &mut self,
        output: &Path,
        generation: u64,
        files: &[OutputFile],
    ) -> std::io::Result<bool> {
        if generation < self.generation {
            return Ok(false);
        }
        let next: HashMap<String, u64> = files
            .iter()
            .map(|f| (f.path.clone(), hash(&f.bytes)))
            .collect();
        // Data files first, the entry files that name them last.
        let (entries, data): (Vec<&OutputFile>, Vec<&OutputFile>) =
            files.iter().partition(|f| is_entry(&f.path));
        for file in data.into_iter().chain(entries) {
            if self.current.get(&file.path) != next.get(&file.path) {
                write_file(output, &file.path, &file.bytes)?;
            }
        }
        for stale in &self.previous {
            if !self.current.contains_key(stale) && !next.contains_key(stale) {
                remove(output, stale)?;
            }
        }
        self.previous = self
            .current
            .keys()
            .filter(|p| !next.contains_key(*p))
            .cloned()
            .collect();
        self.current = next;
        self.generation = generation;
        Ok(true)
    }

    /// Removes the bundle (search was turned off).
    fn clear(&mut self, output: &Path, generation: u64) {
        let _ = std::fs::remove_dir_all(output.join(BUNDLE_DIR));
        self.current.clear();
        self.previous.clear();
        self.generation = generation;
        self.wanted = generation;
    }
}

/// A request for an index of these documents.
struct Job {
    generation: u64,
    config: Config,
    docs: Vec<Document>,
    alerts: Arc<AlertRules>,
    today: Date,
}

/// Builds the search index now or in the background, and puts it in place.
pub struct Indexer {
    output: PathBuf,
    state: Arc<State>,
    jobs: Option<mpsc::Sender<Job>>,
    verbosity: Verbosity,
}

impl Indexer {
    pub fn new(output: PathBuf, verbosity: Verbosity) -> Indexer {
        Indexer {
            output,
            state: Arc::new(State::default()),
            jobs: None,
            verbosity,
        }
    }

    /// Builds the index of `site` and puts it in place before returning (the first build, and
    /// builds that change the number of index shards, which every page names).
    pub fn build_now(
        &self,
        site: &Site,
        config: &Config,
        generation: u64,
    ) -> Result<search::SearchSummary, SiteError> {
        let index = search::build(site, &config.search)?;
        let mut bundle = self.state.bundle.lock().unwrap_or_else(|e| e.into_inner());
        bundle.wanted = bundle.wanted.max(generation);
        bundle
            .install(&self.output, generation, &index.files)
            .map_err(|e| SiteError::Write {
                path: self.output.join(BUNDLE_DIR).display().to_string(),
                message: e.to_string(),
            })?;
        self.state.done.notify_all();
        Ok(index.summary)
    }

    /// Removes the index: search is off, or the site has no documents.
    pub fn clear(&self, generation: u64) {
        let mut bundle = self.state.bundle.lock().unwrap_or_else(|e| e.into_inner());
        bundle.clear(&self.output, generation);
        self.state.done.notify_all();
    }

    /// Asks for an index of `docs` on the background thread (started on first use).
    pub fn build_later(
        &mut self,
        generation: u64,
        config: &Config,
        (docs, alerts): (&[Document], &Arc<AlertRules>),
        today: Date,
    ) {
        {
            let mut bundle = self.state.bundle.lock().unwrap_or_else(|e| e.into_inner());
            bundle.wanted = bundle.wanted.max(generation);
        }
        if self.jobs.is_none() {
            let (sender, receiver) = mpsc::channel();
            let state = self.state.clone();
            let output = self.output.clone();
            let verbosity = self.verbosity;
            let spawned = std::thread::Builder::new()
                .name("opsbook-search".into())
                .spawn(move || run(receiver, &state, &output, verbosity));
            if spawned.is_err() {
                eprintln!("warning: cannot start the search indexer; search shows the last index");
                return;
            }
            self.jobs = Some(sender);
        }
        let job = Job {
            generation,
            config: config.clone(),
            docs: docs.to_vec(),
            alerts: alerts.clone(),
            today,
        };
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(job);
        }
    }

    /// Waits until the index of the newest build asked for is in place (for tests and the
    /// benchmark); false on timeout.
    pub fn wait(&self, timeout: Duration) -> bool {
        let bundle = self.state.bundle.lock().unwrap_or_else(|e| e.into_inner());
        let (bundle, result) = self
            .state
            .done
            .wait_timeout_while(bundle, timeout, |b| b.generation < b.wanted)
            .unwrap_or_else(|e| e.into_inner());
        drop(bundle);
        !result.timed_out()
    }
}

/// The indexer thread: the newest job after a quiet moment, one index at a time.
fn run(receiver: mpsc::Receiver<Job>, state: &State, output: &Path, verbosity: Verbosity) {
    lower_priority();
    loop {
        let Ok(mut job) = receiver.recv() else {
            return;
        };
        loop {
            match receiver.recv_timeout(DEBOUNCE) {
                Ok(newer) => job = newer,
                Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
        let started = Instant::now();
        // A panic (a bug) gives up this index, as an error does; the thread carries on.
        let result = std::panic::catch_unwind(|| {
            let input = SiteInput {
                alerts: Some(&job.alerts),
                ..SiteInput::new(job.today)
            };
            let site = Site::new(&job.config, &job.docs, &input);
            search::build(&site, &job.config.search)
        })
        .unwrap_or_else(|_| {
            Err(SiteError::Search {
                message: "the search indexer stopped (a bug in opsbook); the last index stays"
                    .into(),
            })
        });
        let mut bundle = state.bundle.lock().unwrap_or_else(|e| e.into_inner());
        match result {
            Ok(index) => match bundle.install(output, job.generation, &index.files) {
                Ok(true) => verbosity.say(format!(
                    "search index updated in {:.1} s ({} documents)",
                    started.elapsed().as_secs_f64(),
                    index.summary.records
                )),
                Ok(false) => {}
                Err(e) => eprintln!(
                    "warning: cannot write the search index: {}",
                    crate::term::escape_controls(&e.to_string())
                ),
            },
            Err(e) => {
                eprintln!("{:?}", miette::Report::new(e));
                // Give up on this one: the last good index stays.
                bundle.generation = bundle.generation.max(job.generation);
            }
        }
        drop(bundle);
        state.done.notify_all();
    }
}

/// Lets the rebuilds of pages run first: the calling thread (and the threads it starts) get a
/// lower CPU priority. Used for the indexer thread and rayon's global pool in `serve`.
pub fn lower_priority() {
    // Relative to the current value: serve started under `nice -n 19` would otherwise raise
    // the indexer above its rebuilds (when allowed, as for root).
    #[cfg(target_os = "linux")]
    // SAFETY: getpriority and setpriority have no memory effects; on Linux, `who = 0` with
    // PRIO_PROCESS is the calling thread, and the threads it starts inherit the value.
    unsafe {
        let current = libc::getpriority(libc::PRIO_PROCESS, 0);
        libc::setpriority(libc::PRIO_PROCESS, 0, (current + 10).min(19));
    }
}
