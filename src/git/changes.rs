//! Pull-request mode (`opsbook lint --changed-since REV`): which documents a change touched.
//! Documents added or modified since the merge base of HEAD and `REV` (committed, staged,
//! unstaged or untracked, as `git status` against the merge base sees them), plus the documents
//! whose links or references point at something the change removed or renamed.

use std::collections::BTreeSet;
use std::path::PathBuf;

use gix::bstr::ByteSlice;

use super::{GitError, GitRepo, ObjectId, describe, guard};
use crate::document::Document;
use crate::document::links::Resolver;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ChangesError {
    #[error("--changed-since needs a git repository, and {0} is not in one")]
    #[diagnostic(
        code(git),
        help("run opsbook inside the repository, or drop --changed-since to lint everything")
    )]
    NotARepository(String),
    #[error("cannot find the revision `{rev}`: {message}")]
    #[diagnostic(
        code(git),
        help(
            "use a branch, tag or commit that exists locally; in CI fetch it first (for example `git fetch origin main` and `--changed-since origin/main`, with fetch-depth: 0 on actions/checkout)"
        )
    )]
    UnknownRevision { rev: String, message: String },
    #[error("git failed: {0}")]
    #[diagnostic(code(git))]
    Git(String),
}

impl From<GitError> for ChangesError {
    fn from(err: GitError) -> Self {
        match err {
            GitError::BadRevision { rev, message } => {
                ChangesError::UnknownRevision { rev, message }
            }
            GitError::Git(message) => ChangesError::Git(message),
            other => ChangesError::Git(other.to_string()),
        }
    }
}

/// What changed under the content folder since the merge base, content-relative.
#[derive(Debug, Default)]
struct Touched {
    /// Paths whose file exists now and differs from the merge base (or is new).
    changed: BTreeSet<String>,
    /// Paths the merge base had and the working tree has not (removed, or renamed away).
    gone: BTreeSet<String>,
}

/// Content-relative paths of the documents to report on.
/// Links are read as `resolver` reads them, so a link in any of the configured conventions to
/// a removed document counts.
pub fn changed_documents(
    content_dir: &std::path::Path,
    rev: &str,
    docs: &[Document],
    resolver: &Resolver,
) -> Result<BTreeSet<String>, ChangesError> {
    guard("the changes", || {
        changed_documents_unguarded(content_dir, rev, docs, resolver)
    })?
}

fn changed_documents_unguarded(
    content_dir: &std::path::Path,
    rev: &str,
    docs: &[Document],
    resolver: &Resolver,
) -> Result<BTreeSet<String>, ChangesError> {
    let (git, base) = open_at_merge_base(content_dir, rev)?;
    // Any Markdown ending: documents may be `*.mdx`, `*.html.md.erb`, ... (`[documents]`).
    let markdown = |rel: &str| {
        crate::discover::MARKDOWN_ENDINGS
            .iter()
            .any(|e| rel.ends_with(e))
    };
    let touched = touched_since(&git, base, &markdown)?;
    let gone_ids = gone_ids(&git, base, &touched.gone, docs)?;
    let mut changed = touched.changed;
    for doc in docs {
        if changed.contains(&doc.rel_path) {
            continue;
        }
        let links_to_gone = doc.outline.links.iter().any(|link| {
            resolver
                .watched_paths(&doc.rel_path, &link.dest)
                .iter()
                .any(|path| touched.gone.contains(path))
        });
        let meta = doc.meta();
        let refers_to_gone = meta
            .related_runbooks
            .iter()
            .chain(&meta.related_postmortems)
            .any(|id| gone_ids.contains(id));
        if links_to_gone || refers_to_gone {
            changed.insert(doc.rel_path.clone());
        }
    }
    Ok(changed)
}

/// The repository `dir` is in (paths become relative to `dir`), and the merge base of HEAD
/// and `rev` (`rev` itself before the first commit).
fn open_at_merge_base(
    dir: &std::path::Path,
    rev: &str,
) -> Result<(GitRepo, ObjectId), ChangesError> {
    let git = GitRepo::open(dir)?
        .ok_or_else(|| ChangesError::NotARepository(dir.display().to_string()))?;
    let target = git.resolve(rev)?;
    let base = match git.head()? {
        Some(head) => merge_base(&git, head, target)?,
        None => target, // No commits on this branch yet.
    };
    Ok((git, base))
}

/// Files under `dir` changed since the merge base with `rev` (paths relative to `dir`,
/// `/`-separated), for the ones `accept` takes: those added or modified (`changed`), and the
/// text of those modified or removed as the base had it (`before`; texts over `max_bytes` or
/// not UTF-8 are left out). What `--changed-since` needs of alert rule files.
#[derive(Debug, Default)]
pub struct ChangedFiles {
    pub changed: BTreeSet<String>,
    pub before: Vec<(String, String)>,
}

pub fn changed_files(
    dir: &std::path::Path,
    rev: &str,
    accept: &dyn Fn(&str) -> bool,
    max_bytes: u64,
) -> Result<ChangedFiles, ChangesError> {
    guard("the changes", || {
        let (git, base) = open_at_merge_base(dir, rev)?;
        let touched = touched_since(&git, base, accept)?;
        let mut before = Vec::new();
        for rel_path in touched.changed.iter().chain(&touched.gone) {
            if let Some(Ok(text)) = git
                .file_at(base, rel_path, max_bytes)?
                .map(String::from_utf8)
            {
                before.push((rel_path.clone(), text));
            }
        }
        Ok(ChangedFiles {
            changed: touched.changed,
            before,
        })
    })?
}

fn merge_base(git: &GitRepo, head: ObjectId, target: ObjectId) -> Result<ObjectId, ChangesError> {
    let repo = git.local();
    match repo.merge_base(head, target) {
        Ok(Some(base)) => Ok(base.detach()),
        Ok(None) => Err(ChangesError::Git(format!(
            "HEAD and {target} have no common ancestor (in a shallow clone, fetch more history, e.g. fetch-depth: 0)"
        ))),
        Err(err) => Err(ChangesError::Git(format!(
            "cannot find the merge base of HEAD and {target}: {}",
            describe(&err)
        ))),
    }
}

/// The files under the content folder that `accept` takes (content-relative path) and that
/// differ between the tree of `base` and the index or the working tree, untracked files
/// included, ignored files not.
fn touched_since(
    git: &GitRepo,
    base: ObjectId,
    accept: &dyn Fn(&str) -> bool,
) -> Result<Touched, ChangesError> {
    let repo = git.local();
    let fail = |e: gix::Error| ChangesError::Git(describe(&e));
    let base_tree = repo
        .find_commit(base)
        .and_then(|c| c.tree_id())
        .map_err(fail)?
        .detach();
    let prefix = git.content_prefix();
    // `top`: relative to the repository root, wherever opsbook runs; `literal`: a folder name
    // is not a pattern.
    let pathspec = (!prefix.is_empty()).then(|| format!(":(top,literal){prefix}").into());
    let items = repo
        .status(gix::progress::Discard)
        .map_err(fail)?
        .head_tree(base_tree)
        .tree_index_track_renames(gix::status::tree_index::TrackRenames::Disabled)
        .index_worktree_rewrites(None)
        .index_worktree_submodules(None)
        .untracked_files(gix::status::UntrackedFiles::Files)
        .into_iter(pathspec)
        .map_err(fail)?;
    let workdir = repo
        .workdir()
        .ok_or_else(|| ChangesError::Git("the repository has no working tree".into()))?
        .to_path_buf();
    let mut touched = Touched::default();
    for item in items {
        let item = item.map_err(fail)?;
        if let gix::status::Item::IndexWorktree(change) = &item
            && change.summary().is_none()
        {
            continue; // Only the index's record of the file is out of date.
        }
        let location = item.location().to_str_lossy();
        let Some(rel) = content_relative(prefix, &location).filter(|rel| accept(rel)) else {
            continue;
        };
        if std::fs::symlink_metadata(workdir.join(location.as_ref())).is_ok() {
            touched.changed.insert(rel);
        } else {
            touched.gone.insert(rel);
        }
    }
    Ok(touched)
}

/// `location` (repository-relative) relative to the content folder, when it is in it.
fn content_relative(prefix: &str, location: &str) -> Option<String> {
    let rel = if prefix.is_empty() {
        location
    } else {
        location.strip_prefix(prefix)?.strip_prefix('/')?
    };
    Some(rel.to_string())
}

/// The ids of the documents that are gone (read from the merge base) and that no document
/// still has (a renamed file may keep its `id:`).
fn gone_ids(
    git: &GitRepo,
    base: ObjectId,
    gone: &BTreeSet<String>,
    docs: &[Document],
) -> Result<BTreeSet<String>, ChangesError> {
    let mut ids = BTreeSet::new();
    for rel_path in gone {
        let bytes = git.file_at(base, rel_path, crate::parse::DEFAULT_MAX_FILE_BYTES)?;
        if let Some(Ok(text)) = bytes.map(String::from_utf8) {
            let old = Document::parse(
                rel_path.clone(),
                PathBuf::from(rel_path),
                std::sync::Arc::new(text),
            );
            ids.insert(old.id);
        }
    }
    for doc in docs {
        ids.remove(&doc.id);
    }
    Ok(ids)
}
