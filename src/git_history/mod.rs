//! Git: who changed each document and when, computed in one walk over the history, and the
//! content of a commit for `opsbook build --rev`.
//!
//! The walk visits every commit reachable from the start commit once, newest first. For each
//! commit it compares the content folder's tree with its parent's: when the two subtrees have
//! the same id (most commits, in a repository that also holds code) nothing else is read;
//! otherwise a merge-join over the two sorted entry lists, descending only into folders whose
//! ids differ, gives the content-relative paths the commit changed (libgit2's general diff
//! machinery was ten times slower on a flat folder of thousands of postmortems). Each
//! content tree is read once: the parent's tree is kept for the next commit of the walk. The first commit seen for a path is its last change; every author seen is a
//! contributor. This costs one tree lookup per commit plus one small diff per commit that
//! touched the content, instead of one `git log` per file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use git2::{Commit, ObjectType, Oid, Repository, Sort, Tree, TreeEntry};
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
        let started = Instant::now();
        let repo = &self.repo;
        let mailmap = repo.mailmap().ok();
        let mut walk = repo.revwalk()?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
        walk.push(start)?;

        #[derive(Default)]
        struct Acc {
            last: Option<Oid>,
            commits: usize,
            /// author -> (commits, order of first appearance)
            authors: HashMap<String, (usize, usize)>,
        }
        let mut files: HashMap<String, Acc> = HashMap::new();
        let mut commit_info: HashMap<Oid, (Timestamp, String)> = HashMap::new();
        let mut history = History {
            shallow: repo.is_shallow(),
            ..History::default()
        };
        let mut changed: Vec<String> = Vec::new();
        // Content trees of recently seen commits: in a walk newest first, a commit's parent is
        // usually the next commit, so each (possibly large) tree is read once.
        let mut cache: Vec<(Oid, Option<Tree>)> = Vec::new();
        let mut trees = TreeCache::default();
        let prefix = self.content_prefix.as_str();

        for oid in walk {
            let oid = oid?;
            let commit = repo.find_commit(oid)?;
            history.commits_walked += 1;
            let tree = cached_tree(repo, &mut cache, &commit, prefix)?;
            changed.clear();
            if commit.parent_count() == 0 {
                if let Some(tree) = &tree {
                    diff_paths(repo, &mut trees, None, Some(tree), "", &mut changed)?;
                }
            } else {
                // A path counts when it differs from every parent: a merge is credited only
                // with what it resolved itself, the merged commits with their own changes.
                let mut first = true;
                for parent in commit.parents() {
                    let parent_tree = cached_tree(repo, &mut cache, &parent, prefix)?;
                    let same = match (&tree, &parent_tree) {
                        (Some(a), Some(b)) => a.id() == b.id(),
                        (None, None) => true,
                        _ => false,
                    };
                    if same {
                        changed.clear();
                        break;
                    }
                    let mut paths = Vec::new();
                    diff_paths(
                        repo,
                        &mut trees,
                        parent_tree.as_ref(),
                        tree.as_ref(),
                        "",
                        &mut paths,
                    )?;
                    if first {
                        changed = paths;
                        first = false;
                    } else {
                        changed.retain(|p| paths.contains(p));
                    }
                    if changed.is_empty() {
                        break;
                    }
                }
            }
            if changed.is_empty() {
                continue;
            }
            history.commits_touching_content += 1;
            let author = match &mailmap {
                Some(map) => commit.author_with_mailmap(map).ok(),
                None => None,
            }
            .map(|s| String::from_utf8_lossy(s.name_bytes()).into_owned())
            .unwrap_or_else(|| String::from_utf8_lossy(commit.author().name_bytes()).into_owned());
            for path in changed.drain(..) {
                let acc = files.entry(path).or_default();
                if acc.last.is_none() {
                    acc.last = Some(oid);
                    commit_info.entry(oid).or_insert_with(|| {
                        let time = Timestamp::from_second(commit.time().seconds())
                            .unwrap_or(Timestamp::UNIX_EPOCH);
                        let summary = commit
                            .summary_bytes()
                            .map(|s| String::from_utf8_lossy(s).into_owned())
                            .unwrap_or_default();
                        (time, summary)
                    });
                }
                acc.commits += 1;
                let order = acc.authors.len();
                acc.authors.entry(author.clone()).or_insert((0, order)).0 += 1;
            }
        }

        let mut short_ids: HashMap<Oid, String> = HashMap::new();
        for (path, acc) in files {
            let Some(last) = acc.last else { continue };
            let short_commit = match short_ids.get(&last) {
                Some(s) => s.clone(),
                None => {
                    let short = repo
                        .find_object(last, Some(ObjectType::Commit))
                        .and_then(|o| o.short_id())
                        .ok()
                        .and_then(|b| b.as_str().map(str::to_string))
                        .unwrap_or_else(|| last.to_string()[..7].to_string());
                    short_ids.insert(last, short.clone());
                    short
                }
            };
            let (updated, summary) = commit_info.get(&last).cloned().unwrap_or_default();
            let mut authors: Vec<(String, (usize, usize))> = acc.authors.into_iter().collect();
            authors.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.1.1.cmp(&b.1.1)));
            history.files.insert(
                path,
                FileHistory {
                    updated,
                    commit: last.to_string(),
                    short_commit,
                    summary,
                    contributors: authors.into_iter().map(|(name, _)| name).collect(),
                    commits: acc.commits,
                },
            );
        }
        history.elapsed = started.elapsed();
        Ok(history)
    }
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

/// [`content_tree`] through a small cache of the last commits' trees.
fn cached_tree<'r>(
    repo: &'r Repository,
    cache: &mut Vec<(Oid, Option<Tree<'r>>)>,
    commit: &Commit<'r>,
    prefix: &str,
) -> Result<Option<Tree<'r>>, GitError> {
    if let Some((_, tree)) = cache.iter().find(|(id, _)| *id == commit.id()) {
        return Ok(tree.clone());
    }
    let tree = content_tree(repo, commit, prefix)?;
    if cache.len() >= 8 {
        cache.remove(0);
    }
    cache.push((commit.id(), tree.clone()));
    Ok(tree)
}

/// The last folders read, by id: a folder changed by one commit is the parent side of the
/// next commit's comparison, and large folders are not kept by libgit2's own object cache.
#[derive(Default)]
struct TreeCache<'r> {
    trees: Vec<(Oid, Tree<'r>)>,
}

impl<'r> TreeCache<'r> {
    const SIZE: usize = 32;

    fn get(&mut self, repo: &'r Repository, id: Oid) -> Result<Tree<'r>, GitError> {
        if let Some((_, tree)) = self.trees.iter().find(|(i, _)| *i == id) {
            return Ok(tree.clone());
        }
        let tree = repo.find_tree(id)?;
        if self.trees.len() >= Self::SIZE {
            self.trees.remove(0);
        }
        self.trees.push((id, tree.clone()));
        Ok(tree)
    }
}

/// Git's order of tree entries: by name bytes, a folder's name as if it ended in `/`.
fn git_order(a: &TreeEntry, b: &TreeEntry) -> std::cmp::Ordering {
    let (an, bn) = (a.name_bytes(), b.name_bytes());
    let n = an.len().min(bn.len());
    an[..n].cmp(&bn[..n]).then_with(|| {
        let end = |name: &[u8], e: &TreeEntry| {
            name.get(n)
                .copied()
                .unwrap_or(if e.kind() == Some(ObjectType::Tree) {
                    b'/'
                } else {
                    0
                })
        };
        end(an, a).cmp(&end(bn, b))
    })
}

/// Paths (below `prefix`) of files added, changed or removed between two trees. Folders with
/// the same id on both sides are skipped without being read; submodules are ignored.
fn diff_paths<'r>(
    repo: &'r Repository,
    trees: &mut TreeCache<'r>,
    old: Option<&Tree<'r>>,
    new: Option<&Tree<'r>>,
    prefix: &str,
    out: &mut Vec<String>,
) -> Result<(), GitError> {
    let old_entries: Vec<TreeEntry> = old.map(|t| t.iter().collect()).unwrap_or_default();
    let new_entries: Vec<TreeEntry> = new.map(|t| t.iter().collect()).unwrap_or_default();
    // One side of a difference: a file is a path, a folder is every file in it.
    let one_side = |entry: &TreeEntry,
                    trees: &mut TreeCache<'r>,
                    out: &mut Vec<String>,
                    old_side: bool|
     -> Result<(), GitError> {
        let path = format!("{prefix}{}", String::from_utf8_lossy(entry.name_bytes()));
        match entry.kind() {
            Some(ObjectType::Blob) => out.push(path),
            Some(ObjectType::Tree) => {
                let tree = trees.get(repo, entry.id())?;
                let child = format!("{path}/");
                if old_side {
                    diff_paths(repo, trees, Some(&tree), None, &child, out)?;
                } else {
                    diff_paths(repo, trees, None, Some(&tree), &child, out)?;
                }
            }
            _ => {}
        }
        Ok(())
    };
    let (mut i, mut j) = (0, 0);
    while i < old_entries.len() || j < new_entries.len() {
        let order = match (old_entries.get(i), new_entries.get(j)) {
            (Some(a), Some(b)) => git_order(a, b),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match order {
            std::cmp::Ordering::Less => {
                one_side(&old_entries[i], trees, out, true)?;
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                one_side(&new_entries[j], trees, out, false)?;
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                let (a, b) = (&old_entries[i], &new_entries[j]);
                if a.id() != b.id() || a.filemode() != b.filemode() {
                    match (a.kind(), b.kind()) {
                        (Some(ObjectType::Tree), Some(ObjectType::Tree)) => {
                            let (ta, tb) = (trees.get(repo, a.id())?, trees.get(repo, b.id())?);
                            let child =
                                format!("{prefix}{}/", String::from_utf8_lossy(a.name_bytes()));
                            diff_paths(repo, trees, Some(&ta), Some(&tb), &child, out)?;
                        }
                        (Some(ObjectType::Blob), Some(ObjectType::Blob)) => {
                            out.push(format!(
                                "{prefix}{}",
                                String::from_utf8_lossy(b.name_bytes())
                            ));
                        }
                        _ => {}
                    }
                }
                i += 1;
                j += 1;
            }
        }
    }
    Ok(())
}

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
