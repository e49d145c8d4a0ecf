//! Who changed each document and when, from one walk over the history; the site and
//! `stale-runbook` both read it.
//!
//! **What "last changed" means** (book/src/site.md and book/src/rules/stale-runbook.md say the
//! same): the commits reachable from the start commit are visited newest first in git's
//! `--date-order` (no commit before all of its children, otherwise by committer date). A commit
//! *changed* a file when the file differs from each of the commit's parents (for a root commit:
//! when it has the file). A merge therefore counts only for what it resolved or added itself;
//! a change made on a branch is credited to the commit that made it, not to the merge that
//! brought it in. The first commit visited that changed a file is its last change, and its
//! committer date is the file's date; every commit that changed the file counts, and its
//! author (after `.mailmap`) is a contributor. Submodules are not documents. In a shallow
//! clone the oldest fetched commits have no parents, so they are credited with every file they
//! hold: dates and contributors then only cover the fetched commits.
//!
//! The walk reads every commit once (the commit graph), sorts it, finds the content folder's
//! tree in each commit, and compares trees only where the folder's id differs from a parent's,
//! descending only into subfolders whose ids differ. The reading is split into runs of commits
//! on several threads, each with its own object caches.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use gix::bstr::{BString, ByteSlice};
use gix::prelude::FindExt;
use jiff::Timestamp;
use serde::Serialize;

use super::tree::{Differ, folder_id};
use super::{GitError, GitRepo, ObjectId, guard, panicked, short_id};

/// One document's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileHistory {
    /// When the last commit that changed the file was committed.
    #[serde(skip)]
    pub updated: Timestamp,
    /// The last commit's id (full, hex).
    pub commit: String,
    /// The last commit's id, abbreviated as git does (at least 7 characters, unique).
    pub short_commit: String,
    /// The first line of the last commit's message.
    pub summary: String,
    /// Authors of every commit that changed the file (after `.mailmap`), most commits first.
    pub contributors: Vec<String>,
    /// How many commits changed the file.
    pub commits: usize,
    /// The last change is one of the oldest commits of a shallow clone: the file may have
    /// changed last before it, in history that was not fetched.
    #[serde(skip)]
    pub at_shallow_boundary: bool,
}

/// The history of every file under the content folder, keyed by content-relative path.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub files: HashMap<String, FileHistory>,
    /// Commits visited by the walk.
    pub commits_walked: usize,
    /// Commits that changed the content folder.
    pub commits_touching_content: usize,
    pub elapsed: Duration,
    /// The repository is a shallow clone: dates and contributors only cover the fetched part.
    pub shallow: bool,
}

impl History {
    pub fn get(&self, rel_path: &str) -> Option<&FileHistory> {
        self.files.get(rel_path)
    }

    /// The day (UTC) each file last changed, the date `stale-runbook` compares and the site
    /// shows.
    pub fn dates(&self) -> HashMap<String, jiff::civil::Date> {
        self.files
            .iter()
            .map(|(path, file)| {
                let day = file.updated.to_zoned(jiff::tz::TimeZone::UTC).date();
                (path.clone(), day)
            })
            .collect()
    }
}

/// What the note of a shallow clone says, for the site and the lint alike.
pub const SHALLOW_NOTE: &str = "the repository is a shallow clone: last-changed dates and contributors only cover the fetched commits, and a file last changed before them is dated by the oldest fetched commit (fetch the whole history, e.g. fetch-depth: 0)";

/// Threads for the history walk, at most.
const MAX_THREADS: usize = 8;
/// Commits a thread reads in one go, at least: each run starts with cold caches.
const MIN_RUN: usize = if cfg!(test) { 8 } else { 512 };
/// Runs per thread, so that no thread is left with the slow end of the history.
const RUNS_PER_THREAD: usize = 4;

impl GitRepo {
    /// Who changed each file under the content folder and when, from `start` back to the
    /// first commit, in one walk.
    pub fn history(&self, start: ObjectId) -> Result<History, GitError> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        self.history_on(start, threads.min(MAX_THREADS))
    }

    /// [`GitRepo::history`] on up to `threads` threads.
    pub(crate) fn history_on(&self, start: ObjectId, threads: usize) -> Result<History, GitError> {
        let started = Instant::now();
        let repo = self.local();
        let shallow = repo
            .shallow_commits()
            .map_err(|e| GitError::reading("the list of shallow commits", e))?
            .map(|commits| {
                commits
                    .iter()
                    .copied()
                    .collect::<std::collections::HashSet<_>>()
            })
            .unwrap_or_default();
        let graph = Graph::read(&repo, start, &shallow)?;
        let order = graph.date_order()?;
        let components = self.prefix_components();
        let content: Vec<Option<ObjectId>> = in_runs(self, graph.len(), threads, |w, run| {
            run.map(|n| match components.is_empty() {
                true => Ok(Some(graph.trees[n])),
                false => folder_id(&w.repo, graph.trees[n], &components, &mut w.buf),
            })
            .collect()
        })?;
        let changes: Vec<Vec<String>> = in_runs(self, order.len(), threads, |w, run| {
            run.map(|position| graph.changed(order[position], &content, w))
                .collect()
        })?;
        let mut history = Aggregate::new(&repo, &graph).files(&order, changes)?;
        history.shallow = !shallow.is_empty();
        history.commits_walked = order.len();
        history.elapsed = started.elapsed();
        Ok(history)
    }
}

/// The commits reachable from the start, by number (the start is 0).
struct Graph {
    ids: Vec<ObjectId>,
    parents: Vec<Vec<u32>>,
    /// Committer dates, in seconds.
    times: Vec<i64>,
    trees: Vec<ObjectId>,
    /// The number of each commit's author in `authors`.
    author_of: Vec<u32>,
    /// (name, email) as written in the commits.
    authors: Vec<(BString, BString)>,
    /// Commits whose parents a shallow clone cut off.
    boundary: Vec<bool>,
}

impl Graph {
    fn len(&self) -> usize {
        self.ids.len()
    }

    /// Every commit reachable from `start`, read once. The parents of the commits listed in
    /// `shallow` are not followed (they were not fetched).
    fn read(
        repo: &gix::Repository,
        start: ObjectId,
        shallow: &std::collections::HashSet<ObjectId>,
    ) -> Result<Graph, GitError> {
        let mut graph = Graph {
            ids: vec![start],
            parents: Vec::new(),
            times: Vec::new(),
            trees: Vec::new(),
            author_of: Vec::new(),
            authors: Vec::new(),
            boundary: Vec::new(),
        };
        let mut number: HashMap<ObjectId, u32> = HashMap::from([(start, 0)]);
        let mut author_number: HashMap<(BString, BString), u32> = HashMap::new();
        let mut buf = Vec::new();
        // Commits are numbered as they are discovered, and read in that order.
        let mut next = 0;
        while next < graph.ids.len() {
            let id = graph.ids[next];
            next += 1;
            let commit = repo
                .objects
                .find_commit(&id, &mut buf)
                .map_err(|e| GitError::reading(format_args!("the commit {id}"), e))?;
            let cut = shallow.contains(&id);
            let mut parents = Vec::new();
            if !cut {
                for parent in commit.parents() {
                    let n = *number.entry(parent).or_insert_with(|| {
                        graph.ids.push(parent);
                        (graph.ids.len() - 1) as u32
                    });
                    parents.push(n);
                }
            }
            let time = commit
                .committer()
                .ok()
                .and_then(|c| c.time().ok())
                .map_or(0, |t| t.seconds);
            let author = commit
                .author()
                .map_err(|e| GitError::reading(format_args!("the author of the commit {id}"), e))?;
            let key = (author.name.trim().into(), author.email.trim().into());
            let next_number = author_number.len() as u32;
            let author = *author_number.entry(key).or_insert_with_key(|key| {
                graph.authors.push(key.clone());
                next_number
            });
            graph.trees.push(commit.tree());
            graph.parents.push(parents);
            graph.times.push(time);
            graph.author_of.push(author);
            graph.boundary.push(cut);
        }
        Ok(graph)
    }

    /// The commits in git's `--date-order`: none before all of its children, otherwise the
    /// latest committer date first, and among equal dates the one found first.
    fn date_order(&self) -> Result<Vec<u32>, GitError> {
        let mut children = vec![0u32; self.len()];
        for parents in &self.parents {
            for &p in parents {
                children[p as usize] += 1;
            }
        }
        let mut queue = std::collections::BinaryHeap::new();
        let mut found = 0u64;
        if children.first() == Some(&0) {
            queue.push((self.times[0], std::cmp::Reverse(found), 0u32));
        }
        let mut order = Vec::with_capacity(self.len());
        while let Some((_, _, n)) = queue.pop() {
            order.push(n);
            for &p in &self.parents[n as usize] {
                children[p as usize] -= 1;
                if children[p as usize] == 0 {
                    found += 1;
                    queue.push((self.times[p as usize], std::cmp::Reverse(found), p));
                }
            }
        }
        if order.len() != self.len() {
            return Err(GitError::Git(
                "the commits form a cycle (a damaged repository: a commit is its own ancestor)"
                    .into(),
            ));
        }
        Ok(order)
    }

    /// The files under the content folder that commit `n` changed (see the module docs).
    fn changed(
        &self,
        n: u32,
        content: &[Option<ObjectId>],
        w: &mut Worker,
    ) -> Result<Vec<String>, GitError> {
        let n = n as usize;
        let mine = content[n];
        let parents = &self.parents[n];
        if parents.is_empty() {
            return match mine {
                Some(_) => w.differ.changed_files(&w.repo, None, mine),
                None => Ok(Vec::new()),
            };
        }
        let mut changed: Option<Vec<String>> = None;
        for &p in parents {
            let theirs = content[p as usize];
            if theirs == mine {
                return Ok(Vec::new());
            }
            let paths = w.differ.changed_files(&w.repo, theirs, mine)?;
            let kept = match changed {
                None => paths,
                Some(before) => {
                    let paths: std::collections::HashSet<String> = paths.into_iter().collect();
                    before.into_iter().filter(|p| paths.contains(p)).collect()
                }
            };
            if kept.is_empty() {
                return Ok(kept);
            }
            changed = Some(kept);
        }
        Ok(changed.unwrap_or_default())
    }
}

/// What one thread of the walk keeps between commits.
struct Worker {
    repo: gix::Repository,
    differ: Differ,
    buf: Vec<u8>,
}

/// The results of the runs one thread took, by run number.
type Runs<T> = Vec<(usize, Vec<T>)>;

/// Runs `work` over `0..len`, cut into runs taken in turn by up to `threads` threads (each with
/// its own repository handle and caches), and returns the results in order. A panic in the
/// reading code is an error: a damaged repository must not take the build down.
fn in_runs<T: Send>(
    git: &GitRepo,
    len: usize,
    threads: usize,
    work: impl Fn(&mut Worker, Range<usize>) -> Result<Vec<T>, GitError> + Sync,
) -> Result<Vec<T>, GitError> {
    let worker = || Worker {
        repo: git.local(),
        differ: Differ::default(),
        buf: Vec::new(),
    };
    let threads = threads.min(len / MIN_RUN).max(1);
    let run = len.div_ceil(threads * RUNS_PER_THREAD).max(MIN_RUN);
    let runs: Vec<Range<usize>> = (0..len)
        .step_by(run)
        .map(|start| start..(start + run).min(len))
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let take_runs = || -> Result<Runs<T>, GitError> {
        let mut worker = worker();
        let mut done = Vec::new();
        loop {
            let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(range) = runs.get(n) else {
                return Ok(done);
            };
            done.push((n, work(&mut worker, range.clone())?));
        }
    };
    let guarded = || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(take_runs))
            .unwrap_or_else(|panic| Err(panicked("the history", panic)))
    };
    let results: Vec<Result<Runs<T>, GitError>> = if threads == 1 {
        vec![guarded()]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads).map(|_| scope.spawn(guarded)).collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|panic| Err(panicked("the history", panic)))
                })
                .collect()
        })
    };
    let mut by_run = Vec::with_capacity(runs.len());
    for result in results {
        by_run.extend(result?);
    }
    by_run.sort_by_key(|(n, _)| *n);
    Ok(by_run.into_iter().flat_map(|(_, items)| items).collect())
}

/// Per file, while the changes are added up in walk order.
#[derive(Default)]
struct FileAcc {
    /// The commit of the last change.
    last: Option<u32>,
    commits: usize,
    /// Author name -> (commits, order of first appearance).
    authors: HashMap<std::rc::Rc<str>, (usize, usize)>,
}

/// Adds up the changes of the walk into each file's history.
struct Aggregate<'a> {
    repo: &'a gix::Repository,
    graph: &'a Graph,
    mailmap: gix::mailmap::Snapshot,
    /// Author names after `.mailmap`, by author number.
    names: HashMap<u32, std::rc::Rc<str>>,
}

impl<'a> Aggregate<'a> {
    fn new(repo: &'a gix::Repository, graph: &'a Graph) -> Self {
        Aggregate {
            repo,
            graph,
            mailmap: mailmap(repo),
            names: HashMap::new(),
        }
    }

    /// The name of the author with number `n`, after `.mailmap`.
    fn name(&mut self, n: u32) -> std::rc::Rc<str> {
        if let Some(name) = self.names.get(&n) {
            return name.clone();
        }
        let (name, email) = &self.graph.authors[n as usize];
        let signature = gix::actor::SignatureRef {
            name: name.as_bstr(),
            email: email.as_bstr(),
            time: "",
        };
        let resolved = self.mailmap.resolve_cow(signature);
        let name: std::rc::Rc<str> = resolved.name.to_str_lossy().into();
        self.names.insert(n, name.clone());
        name
    }

    /// Each file's history from the changes of each commit, `changes[i]` being those of
    /// `order[i]`.
    fn files(mut self, order: &[u32], changes: Vec<Vec<String>>) -> Result<History, GitError> {
        let mut files: HashMap<String, FileAcc> = HashMap::new();
        let mut history = History::default();
        for (&n, paths) in order.iter().zip(changes) {
            if paths.is_empty() {
                continue;
            }
            history.commits_touching_content += 1;
            let author = self.name(self.graph.author_of[n as usize]);
            for path in paths {
                let acc = files.entry(path).or_default();
                acc.last.get_or_insert(n);
                acc.commits += 1;
                let seen = acc.authors.len();
                acc.authors.entry(author.clone()).or_insert((0, seen)).0 += 1;
            }
        }
        let mut last_commits: HashMap<u32, (Timestamp, String, String)> = HashMap::new();
        for (path, acc) in files {
            let Some(last) = acc.last else { continue };
            let (updated, summary, short_commit) = match last_commits.get(&last) {
                Some(known) => known.clone(),
                None => {
                    let facts = self.last_change(last)?;
                    last_commits.insert(last, facts.clone());
                    facts
                }
            };
            let mut authors: Vec<(std::rc::Rc<str>, (usize, usize))> =
                acc.authors.into_iter().collect();
            authors.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.1.1.cmp(&b.1.1)));
            let file = FileHistory {
                updated,
                commit: self.graph.ids[last as usize].to_string(),
                short_commit,
                summary,
                contributors: authors
                    .into_iter()
                    .map(|(name, _)| name.to_string())
                    .collect(),
                commits: acc.commits,
                at_shallow_boundary: self.graph.boundary[last as usize],
            };
            history.files.insert(path, file);
        }
        Ok(history)
    }

    /// The date, summary and abbreviated id of commit `n`.
    fn last_change(&self, n: u32) -> Result<(Timestamp, String, String), GitError> {
        let id = self.graph.ids[n as usize];
        let mut buf = Vec::new();
        let commit = self
            .repo
            .objects
            .find_commit(&id, &mut buf)
            .map_err(|e| GitError::reading(format_args!("the commit {id}"), e))?;
        let time =
            Timestamp::from_second(self.graph.times[n as usize]).unwrap_or(Timestamp::UNIX_EPOCH);
        let summary = commit.message().summary().to_str_lossy().into_owned();
        Ok((time, summary, short_id(self.repo, id)))
    }
}

/// The repository's `.mailmap` (as git reads it), or none when it is not a regular file of a
/// sensible size.
fn mailmap(repo: &gix::Repository) -> gix::mailmap::Snapshot {
    const MAX_MAILMAP_BYTES: u64 = 4 << 20;
    if let Some(workdir) = repo.workdir()
        && let Ok(meta) = std::fs::symlink_metadata(workdir.join(".mailmap"))
        && (!meta.is_file() || meta.len() > MAX_MAILMAP_BYTES)
    {
        return gix::mailmap::Snapshot::default();
    }
    repo.open_mailmap()
}

/// The history the site and `stale-runbook` share: walked at most once, by whoever asks first,
/// while the other waits for it.
pub struct SharedHistory {
    source: Source,
    walked: OnceLock<Result<History, String>>,
}

enum Source {
    /// From HEAD of the repository holding the content folder, opened on first use.
    Head(PathBuf),
    /// From a commit of a repository already open.
    Commit(std::sync::Arc<GitRepo>, ObjectId),
    /// No repository (or no commit): no history.
    Nothing(Option<String>),
}

impl SharedHistory {
    /// The history from HEAD of the repository that holds `content_dir`, if any.
    pub fn from_head(content_dir: &Path) -> Self {
        Self::with(Source::Head(content_dir.to_path_buf()))
    }

    /// The history from `start` in `repo`.
    pub fn at(repo: std::sync::Arc<GitRepo>, start: ObjectId) -> Self {
        Self::with(Source::Commit(repo, start))
    }

    /// No history, and why (`None`: there is no repository, which is no failure).
    pub fn none(why: Option<String>) -> Self {
        Self::with(Source::Nothing(why))
    }

    fn with(source: Source) -> Self {
        SharedHistory {
            source,
            walked: OnceLock::new(),
        }
    }

    /// The history, walked now if nobody asked before (empty without a repository or
    /// commits); the error says why there is none.
    pub fn get(&self) -> Result<&History, &str> {
        match self.walked.get_or_init(|| self.walk()) {
            Ok(history) => Ok(history),
            Err(why) => Err(why),
        }
    }

    /// Whether someone asked for the history.
    pub fn was_walked(&self) -> bool {
        self.walked.get().is_some()
    }

    fn walk(&self) -> Result<History, String> {
        // A bug in the reading code must not take the build down with it.
        let walk = |repo: &GitRepo, start| {
            guard("the history", || repo.history(start))
                .and_then(|walked| walked)
                .map_err(|e| e.to_string())
        };
        match &self.source {
            Source::Head(content_dir) => match GitRepo::open(content_dir) {
                Ok(Some(repo)) => match repo.head() {
                    Ok(Some(head)) => walk(&repo, head),
                    Ok(None) => Ok(History::default()),
                    Err(err) => Err(err.to_string()),
                },
                Ok(None) => Ok(History::default()),
                Err(err) => Err(err.to_string()),
            },
            Source::Commit(repo, start) => walk(repo, *start),
            Source::Nothing(None) => Ok(History::default()),
            Source::Nothing(Some(why)) => Err(why.clone()),
        }
    }
}
