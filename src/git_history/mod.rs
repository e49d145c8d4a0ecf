//! Git: who changed each document and when, computed in one walk over the history, and the
//! content of a commit for `opsbook build --rev`.
//!
//! The walk visits every commit reachable from the start commit once, in libgit2's order
//! (topological, newest first). For each commit it compares the content folder's tree with its
//! parents': when the subtrees have the same id (most commits, in a repository that also holds
//! code) nothing else is read; otherwise a comparison of the two trees' raw bytes, descending
//! only into folders whose ids differ, gives the content-relative paths the commit changed.
//! The first commit seen for a path is its last change; every author seen is a contributor.
//! This costs one small tree read per commit plus one comparison per commit that touched the
//! content, instead of one `git log` per file.
//!
//! The objects come from the pack files directly (`pack.rs`), trees are compared as bytes
//! (`tree.rs`), and long histories are cut into runs of commits walked on several threads
//! (`walk.rs`), merged back in walk order here. On a generated repository of 20,000 commits
//! and 10,000 documents in two flat folders this took the walk from about 13 s to about 1 s
//! on 2 cores (book/src/performance.md, `benches/git_history.sh`).

mod pack;
mod tree;
mod walk;

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use git2::{Commit, ObjectType, Oid, Repository, Sort, Tree};
use jiff::Timestamp;
use serde::Serialize;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum GitError {
    #[error("--rev needs a git repository, but {0} is not inside one")]
    #[diagnostic(
        code(git),
        help(
            "run opsbook inside a clone of the knowledge base, or build the working tree without --rev"
        )
    )]
    NoRepository(String),
    #[error("cannot find the git revision `{rev}`: {message}")]
    #[diagnostic(
        code(git),
        help(
            "pass a commit id, branch, tag or expression such as HEAD~3 (see `git help revisions`); in CI, fetch the history (for example fetch-depth: 0)"
        )
    )]
    BadRevision { rev: String, message: String },
    #[error("the content folder {path} is not inside the git repository at {repo}")]
    #[diagnostic(code(git))]
    OutsideRepository { path: String, repo: String },
    #[error("git: {0}")]
    #[diagnostic(code(git))]
    Git(String),
}

impl From<git2::Error> for GitError {
    fn from(err: git2::Error) -> Self {
        GitError::Git(err.message().to_string())
    }
}

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
}

/// A repository and where the content folder sits inside it.
pub struct GitRepo {
    repo: Repository,
    /// The content folder relative to the repository root, `/`-separated; empty when the
    /// content folder is the root.
    content_prefix: String,
}

impl std::fmt::Debug for GitRepo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitRepo")
            .field("path", &self.repo.path())
            .field("content_prefix", &self.content_prefix)
            .finish()
    }
}

/// The path with as much of it as exists resolved through the file system (symlinks, `..`),
/// and the rest appended: the content folder may exist only in an old commit.
fn resolve_existing(path: &Path) -> PathBuf {
    let path = crate::normalize(&crate::absolute(path));
    let mut existing = path.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(canonical) = existing.canonicalize() {
            let mut out = canonical;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return path,
        }
    }
}

impl GitRepo {
    /// The repository that holds `content_dir` (which need not exist in the working tree),
    /// or `None` when there is none.
    pub fn open(content_dir: &Path) -> Result<Option<GitRepo>, GitError> {
        // Reading a local repository, opsbook does not re-hash every object it reads: SHA-1
        // collision detection on each tree was a third of the time of the history walk. (The
        // setting is process-wide in libgit2; opsbook never writes objects.)
        git2::opts::strict_hash_verification(false);
        let content = resolve_existing(content_dir);
        let mut probe = content.as_path();
        while !probe.exists() {
            match probe.parent() {
                Some(parent) => probe = parent,
                None => return Ok(None),
            }
        }
        let repo = match Repository::discover(probe) {
            Ok(repo) => repo,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let Some(workdir) = repo.workdir() else {
            return Ok(None);
        };
        let workdir = workdir
            .canonicalize()
            .unwrap_or_else(|_| workdir.to_path_buf());
        let rel = content
            .strip_prefix(&workdir)
            .map_err(|_| GitError::OutsideRepository {
                path: content_dir.display().to_string(),
                repo: workdir.display().to_string(),
            })?;
        let content_prefix = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        Ok(Some(GitRepo {
            repo,
            content_prefix,
        }))
    }

    /// Another handle on the same repository (a `Repository` is not shared between threads).
    pub fn reopen(&self) -> Result<GitRepo, GitError> {
        Ok(GitRepo {
            repo: Repository::open(self.repo.path())?,
            content_prefix: self.content_prefix.clone(),
        })
    }

    /// The content folder relative to the repository root (`content`, `docs/kb`, or empty).
    pub fn content_prefix(&self) -> &str {
        &self.content_prefix
    }

    /// The commit `rev` names (a commit id, branch, tag, `HEAD~3`, ...).
    pub fn resolve(&self, rev: &str) -> Result<Oid, GitError> {
        let bad = |e: git2::Error| GitError::BadRevision {
            rev: rev.to_string(),
            message: e.message().to_string(),
        };
        let object = self.repo.revparse_single(rev).map_err(bad)?;
        Ok(object.peel_to_commit().map_err(bad)?.id())
    }

    /// The commit HEAD points at; `None` in a repository without commits.
    pub fn head(&self) -> Option<Oid> {
        self.repo.head().ok()?.peel_to_commit().ok().map(|c| c.id())
    }

    /// The content folder's tree in `commit`, or `None` when the commit has no such folder.
    pub fn content_tree(&self, commit: Oid) -> Result<Option<Tree<'_>>, GitError> {
        let commit = self.repo.find_commit(commit)?;
        content_tree(&self.repo, &commit, &self.content_prefix)
    }

    pub fn repository(&self) -> &Repository {
        &self.repo
    }

    /// Who changed each file under the content folder and when, from `start` back to the
    /// first commit, in one walk.
    pub fn history(&self, start: Oid) -> Result<History, GitError> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        self.history_on(start, threads.min(MAX_THREADS))
    }

    /// [`GitRepo::history`] on up to `threads` threads.
    fn history_on(&self, start: Oid, threads: usize) -> Result<History, GitError> {
        let started = Instant::now();
        let repo = &self.repo;
        let mut walk = repo.revwalk()?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
        walk.push(start)?;
        let order = walk.collect::<Result<Vec<Oid>, _>>()?;
        let changes = self.changes(&order, threads)?;

        #[derive(Default)]
        struct Acc {
            last: Option<Oid>,
            commits: usize,
            /// author -> (commits, order of first appearance)
            authors: HashMap<Rc<str>, (usize, usize)>,
        }
        let mailmap = repo.mailmap().ok();
        let mut files: HashMap<String, Acc> = HashMap::new();
        // Authors after .mailmap, by the author line they came from.
        let mut authors: HashMap<Vec<u8>, Rc<str>> = HashMap::new();
        let mut history = History {
            shallow: repo.is_shallow(),
            commits_walked: order.len(),
            ..History::default()
        };
        for change in changes {
            let oid = order[change.index];
            history.commits_touching_content += 1;
            let author = match change.author.as_ref().and_then(|key| authors.get(key)) {
                Some(author) => author.clone(),
                None => {
                    let author: Rc<str> =
                        author_name(&repo.find_commit(oid)?, mailmap.as_ref()).into();
                    if let Some(key) = change.author {
                        authors.insert(key, author.clone());
                    }
                    author
                }
            };
            for path in change.paths {
                let acc = files.entry(path).or_default();
                if acc.last.is_none() {
                    acc.last = Some(oid);
                }
                acc.commits += 1;
                let order = acc.authors.len();
                acc.authors.entry(author.clone()).or_insert((0, order)).0 += 1;
            }
        }

        // The date, summary and short id of each commit that is some file's last change.
        let mut last_commits: HashMap<Oid, (Timestamp, String, String)> = HashMap::new();
        for (path, acc) in files {
            let Some(last) = acc.last else { continue };
            let (updated, summary, short_commit) = match last_commits.entry(last) {
                Entry::Occupied(known) => known.get().clone(),
                Entry::Vacant(new) => new.insert(last_change(repo, last)?).clone(),
            };
            let mut authors: Vec<(Rc<str>, (usize, usize))> = acc.authors.into_iter().collect();
            authors.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.1.1.cmp(&b.1.1)));
            history.files.insert(
                path,
                FileHistory {
                    updated,
                    commit: last.to_string(),
                    short_commit,
                    summary,
                    contributors: authors
                        .into_iter()
                        .map(|(name, _)| name.to_string())
                        .collect(),
                    commits: acc.commits,
                },
            );
        }
        history.elapsed = started.elapsed();
        Ok(history)
    }

    /// What each commit of `order` changed under the content folder, for the commits that
    /// changed something, in walk order. Long histories are cut into runs read by several
    /// threads, each with its own handle on the repository.
    fn changes(&self, order: &[Oid], threads: usize) -> Result<Vec<walk::Changes>, GitError> {
        let repo = &self.repo;
        let packs = pack::Packs::open(&repo.commondir().join("objects"));
        let prefix: Vec<String> = self
            .content_prefix
            .split('/')
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect();
        let grafted = repo.is_shallow() || repo.commondir().join("info/grafts").exists();
        let threads = threads.min(order.len() / MIN_RUN).max(1);
        if threads == 1 {
            // A bug in the reader of raw objects must not take the build down with it.
            let changes = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                walk::Walker::new(repo, &packs, &prefix, grafted).run(0, order)
            }))
            .unwrap_or_else(|panic| Err(panicked(panic)));
            pack::free_spare_buffers();
            return changes;
        }
        // A few runs per thread, taken in turn, so that no thread is left with the slow end.
        let run = order.len().div_ceil(threads * RUNS_PER_THREAD).max(MIN_RUN);
        let runs: Vec<(usize, &[Oid])> = order
            .chunks(run)
            .enumerate()
            .map(|(n, commits)| (n * run, commits))
            .collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let path = repo.path();
        let results = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    let (runs, next, packs, prefix) = (&runs, &next, &packs, &prefix);
                    scope.spawn(
                        move || -> Result<Vec<(usize, Vec<walk::Changes>)>, GitError> {
                            let repo = Repository::open(path)?;
                            let mut walker = walk::Walker::new(&repo, packs, prefix, grafted);
                            let mut done = Vec::new();
                            loop {
                                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                let Some(&(first, commits)) = runs.get(n) else {
                                    return Ok(done);
                                };
                                done.push((n, walker.run(first, commits)?));
                            }
                        },
                    )
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().unwrap_or_else(|panic| Err(panicked(panic))))
                .collect::<Vec<_>>()
        });
        let mut by_run = Vec::new();
        for result in results {
            by_run.extend(result?);
        }
        by_run.sort_by_key(|(n, _)| *n);
        Ok(by_run
            .into_iter()
            .flat_map(|(_, changes)| changes)
            .collect())
    }
}

/// The error for a walk thread that panicked (a bug: the build goes on without history).
fn panicked(panic: Box<dyn std::any::Any + Send>) -> GitError {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    GitError::Git(format!(
        "the history walk failed unexpectedly ({message}); please report this as a bug"
    ))
}

/// A hash map for keys that are already well mixed (object ids) or small numbers.
type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FastHasher>>;

/// The multiply-rotate hash of rustc's `FxHasher`, eight bytes at a time.
#[derive(Default)]
struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

/// Threads for the history walk, at most.
const MAX_THREADS: usize = 8;
/// Commits a thread walks in one go, at least: each run starts with cold caches.
const MIN_RUN: usize = if cfg!(test) { 8 } else { 512 };
const RUNS_PER_THREAD: usize = 4;

/// The date, summary and abbreviated id of a commit.
fn last_change(repo: &Repository, oid: Oid) -> Result<(Timestamp, String, String), GitError> {
    let commit = repo.find_commit(oid)?;
    let time = Timestamp::from_second(commit.time().seconds()).unwrap_or(Timestamp::UNIX_EPOCH);
    let summary = commit
        .summary_bytes()
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .unwrap_or_default();
    let short = commit
        .as_object()
        .short_id()
        .ok()
        .and_then(|b| b.as_str().map(str::to_string))
        .unwrap_or_else(|| oid.to_string()[..7].to_string());
    Ok((time, summary, short))
}

/// The name of a commit's author, after `.mailmap`.
fn author_name(commit: &Commit, mailmap: Option<&git2::Mailmap>) -> String {
    mailmap
        .and_then(|map| commit.author_with_mailmap(map).ok())
        .map(|s| String::from_utf8_lossy(s.name_bytes()).into_owned())
        .unwrap_or_else(|| String::from_utf8_lossy(commit.author().name_bytes()).into_owned())
}

/// The subtree at `prefix` of `commit`'s tree (the whole tree for an empty prefix).
fn content_tree<'r>(
    repo: &'r Repository,
    commit: &Commit<'r>,
    prefix: &str,
) -> Result<Option<Tree<'r>>, GitError> {
    let root = commit.tree()?;
    if prefix.is_empty() {
        return Ok(Some(root));
    }
    let entry = match root.get_path(Path::new(prefix)) {
        Ok(entry) => entry,
        Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if entry.kind() != Some(ObjectType::Tree) {
        return Ok(None);
    }
    Ok(Some(repo.find_tree(entry.id())?))
}

#[cfg(test)]
mod reference_tests;

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use git2::Signature;

    /// Commits `files` (path, Some(text) to write or None to delete) as `author` at `time`.
    pub fn commit(
        repo: &Repository,
        author: &str,
        time: i64,
        message: &str,
        files: &[(&str, Option<&str>)],
    ) -> Oid {
        let workdir = repo.workdir().unwrap().to_path_buf();
        let mut index = repo.index().unwrap();
        for (path, text) in files {
            let full = workdir.join(path);
            match text {
                Some(text) => {
                    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
                    std::fs::write(&full, text).unwrap();
                    index.add_path(Path::new(path)).unwrap();
                }
                None => {
                    std::fs::remove_file(&full).unwrap();
                    index.remove_path(Path::new(path)).unwrap();
                }
            }
        }
        index.write().unwrap();
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let sig = Signature::new(
            author,
            &format!("{}@example.com", author.to_lowercase()),
            &git2::Time::new(time, 0),
        )
        .unwrap();
        let parents: Vec<Commit> = repo
            .head()
            .ok()
            .and_then(|h| h.peel_to_commit().ok())
            .into_iter()
            .collect();
        let parents: Vec<&Commit> = parents.iter().collect();
        repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
            .unwrap()
    }

    const DAY: i64 = 86_400;
    const T0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

    #[test]
    fn one_walk_gives_last_change_and_contributors_per_file() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        commit(
            &repo,
            "Alice",
            T0,
            "Add runbooks",
            &[
                ("content/runbooks/a.md", Some("a1")),
                ("content/runbooks/b.md", Some("b1")),
            ],
        );
        commit(
            &repo,
            "Bob",
            T0 + DAY,
            "Fix a typo in a",
            &[("content/runbooks/a.md", Some("a2"))],
        );
        commit(
            &repo,
            "Carol",
            T0 + 2 * DAY,
            "Code only",
            &[("src/main.rs", Some("fn main() {}"))],
        );
        let last = commit(
            &repo,
            "Bob",
            T0 + 3 * DAY,
            "Rework a\n\nLonger body.",
            &[("content/runbooks/a.md", Some("a3"))],
        );

        let git = GitRepo::open(&dir.path().join("content")).unwrap().unwrap();
        assert_eq!(git.content_prefix(), "content");
        let history = git.history(git.head().unwrap()).unwrap();
        assert_eq!(history.commits_walked, 4);
        assert_eq!(history.commits_touching_content, 3);
        let a = history.get("runbooks/a.md").unwrap();
        assert_eq!(a.commit, last.to_string());
        assert!(last.to_string().starts_with(&a.short_commit) && a.short_commit.len() >= 7);
        assert_eq!(a.summary, "Rework a");
        assert_eq!(a.updated.to_string(), "2026-01-04T00:00:00Z");
        assert_eq!(a.contributors, ["Bob", "Alice"], "most commits first");
        assert_eq!(a.commits, 3);
        let b = history.get("runbooks/b.md").unwrap();
        assert_eq!(b.contributors, ["Alice"]);
        assert_eq!(b.updated.to_string(), "2026-01-01T00:00:00Z");
        assert!(history.get("main.rs").is_none() && history.files.len() == 2);
    }

    #[test]
    fn history_from_an_older_commit_ignores_later_ones() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let first = commit(&repo, "Alice", T0, "One", &[("kb/a.md", Some("1"))]);
        commit(&repo, "Bob", T0 + DAY, "Two", &[("kb/a.md", Some("2"))]);
        let git = GitRepo::open(&dir.path().join("kb")).unwrap().unwrap();
        let history = git.history(git.resolve("HEAD~1").unwrap()).unwrap();
        let a = history.get("a.md").unwrap();
        assert_eq!(a.commit, first.to_string());
        assert_eq!(a.contributors, ["Alice"]);
        assert!(matches!(
            git.resolve("no-such-branch"),
            Err(GitError::BadRevision { .. })
        ));
    }

    #[test]
    fn merges_credit_the_merged_commits_not_the_merge() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let base = commit(
            &repo,
            "Alice",
            T0,
            "Base",
            &[("content/a.md", Some("1")), ("content/b.md", Some("1"))],
        );
        let main_tip = commit(
            &repo,
            "Alice",
            T0 + DAY,
            "Main changes a",
            &[("content/a.md", Some("2"))],
        );
        // A side branch from base that changes b.
        let base_commit = repo.find_commit(base).unwrap();
        let mut index = repo.index().unwrap();
        index.read_tree(&base_commit.tree().unwrap()).unwrap();
        let blob = repo.blob(b"side").unwrap();
        let mut entry = index.get_path(Path::new("content/b.md"), 0).unwrap();
        entry.id = blob;
        entry.file_size = 4;
        index.add(&entry).unwrap();
        let side_tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let sig = Signature::new(
            "Dave",
            "dave@example.com",
            &git2::Time::new(T0 + 2 * DAY, 0),
        )
        .unwrap();
        let side = repo
            .commit(
                None,
                &sig,
                &sig,
                "Side changes b",
                &side_tree,
                &[&base_commit],
            )
            .unwrap();
        // Merge: a from main, b from side.
        let main_commit = repo.find_commit(main_tip).unwrap();
        let side_commit = repo.find_commit(side).unwrap();
        let mut merged = repo
            .merge_commits(&main_commit, &side_commit, None)
            .unwrap();
        let merged_tree = repo
            .find_tree(merged.write_tree_to(&repo).unwrap())
            .unwrap();
        let msig =
            Signature::new("Merger", "m@example.com", &git2::Time::new(T0 + 3 * DAY, 0)).unwrap();
        repo.commit(
            Some("HEAD"),
            &msig,
            &msig,
            "Merge side",
            &merged_tree,
            &[&main_commit, &side_commit],
        )
        .unwrap();

        let git = GitRepo::open(&dir.path().join("content")).unwrap().unwrap();
        let history = git.history(git.head().unwrap()).unwrap();
        assert_eq!(history.get("b.md").unwrap().commit, side.to_string());
        assert_eq!(history.get("b.md").unwrap().contributors, ["Dave", "Alice"]);
        assert_eq!(history.get("a.md").unwrap().commit, main_tip.to_string());
        assert!(
            history
                .files
                .values()
                .all(|f| !f.contributors.contains(&"Merger".to_string()))
        );
    }

    #[test]
    fn nested_folders_deletions_and_names_that_sort_around_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        // Git sorts the folder `x` as `x/`, after `x.md` and `x-y.md`, before `x0.md`.
        let files = [
            "content/x.md",
            "content/x-y.md",
            "content/x/y.md",
            "content/x/z/deep.md",
            "content/x0.md",
        ];
        let all: Vec<(&str, Option<&str>)> = files.iter().map(|f| (*f, Some("1"))).collect();
        commit(&repo, "Alice", T0, "All", &all);
        commit(
            &repo,
            "Bob",
            T0 + DAY,
            "Deep",
            &[("content/x/z/deep.md", Some("2"))],
        );
        commit(
            &repo,
            "Carol",
            T0 + 2 * DAY,
            "Remove and re-add",
            &[("content/x0.md", None)],
        );
        commit(
            &repo,
            "Dave",
            T0 + 3 * DAY,
            "Back",
            &[("content/x0.md", Some("3"))],
        );
        let git = GitRepo::open(&dir.path().join("content")).unwrap().unwrap();
        let history = git.history(git.head().unwrap()).unwrap();
        let who = |p: &str| history.get(p).unwrap().contributors.clone();
        assert_eq!(who("x.md"), ["Alice"]);
        assert_eq!(who("x-y.md"), ["Alice"]);
        assert_eq!(who("x/y.md"), ["Alice"]);
        assert_eq!(who("x/z/deep.md"), ["Bob", "Alice"]);
        assert_eq!(
            who("x0.md"),
            ["Dave", "Carol", "Alice"],
            "the deletion is a change too"
        );
        assert_eq!(history.files.len(), 5);
    }

    #[test]
    fn no_repository_is_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("content")).unwrap();
        // A temporary folder is not inside a repository (unless the system's /tmp is).
        if Repository::discover(dir.path()).is_err() {
            assert!(
                GitRepo::open(&dir.path().join("content"))
                    .unwrap()
                    .is_none()
            );
        }
    }

    #[test]
    fn content_folder_may_exist_only_in_history() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        commit(&repo, "Alice", T0, "Add", &[("content/a.md", Some("1"))]);
        let gone = commit(
            &repo,
            "Alice",
            T0 + DAY,
            "Remove",
            &[("content/a.md", None)],
        );
        std::fs::remove_dir_all(dir.path().join("content")).unwrap();
        let git = GitRepo::open(&dir.path().join("content")).unwrap().unwrap();
        assert_eq!(git.content_prefix(), "content");
        assert!(git.content_tree(gone).unwrap().is_none());
        assert!(
            git.content_tree(git.resolve("HEAD~1").unwrap())
                .unwrap()
                .is_some()
        );
    }
}
