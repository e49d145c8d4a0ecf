//! Pull-request mode: which documents a change touched, from git. Documents added or modified
//! since the merge base with a revision (committed, staged, unstaged or untracked), plus the
//! documents whose links or references point at something the change removed or renamed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::document::Document;
use crate::document::markdown::resolve_relative;

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

impl From<git2::Error> for ChangesError {
    fn from(e: git2::Error) -> Self {
        ChangesError::Git(e.message().to_string())
    }
}

/// What changed under `prefix` (relative to the repository's working tree) since the merge
/// base of HEAD and `rev`: committed, staged, unstaged and untracked, renames found.
fn diff_since<'r>(
    repo: &'r git2::Repository,
    rev: &str,
    prefix: &Path,
) -> Result<git2::Diff<'r>, ChangesError> {
    let target = repo
        .revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map_err(|e| ChangesError::UnknownRevision {
            rev: rev.to_string(),
            message: e.message().to_string(),
        })?;
    let base = match repo.head().and_then(|h| h.peel_to_commit()) {
        Ok(head) => repo.find_commit(repo.merge_base(head.id(), target.id())?)?,
        Err(_) => target, // No commits on this branch yet.
    };
    let base_tree = base.tree()?;
    let mut options = git2::DiffOptions::new();
    options
        .include_untracked(true)
        .recurse_untracked_dirs(true)
        .pathspec(prefix.to_string_lossy().as_ref());
    let mut diff = repo.diff_tree_to_workdir_with_index(Some(&base_tree), Some(&mut options))?;
    diff.find_similar(Some(
        git2::DiffFindOptions::new()
            .renames(true)
            .for_untracked(true),
    ))?;
    Ok(diff)
}

/// Files under `dir` changed since the merge base with `rev` (paths relative to `dir`,
/// `/`-separated): those added, modified or renamed to (`changed`), and the text of those
/// modified, removed or renamed from as the base had it (`before`), for the ones `accept`
/// takes (old texts over `max_bytes` are left out). What `--changed-since` needs of alert
/// rule files.
#[derive(Debug, Default)]
pub struct ChangedFiles {
    pub changed: BTreeSet<String>,
    pub before: Vec<(String, String)>,
}

pub fn changed_files(
    dir: &Path,
    rev: &str,
    accept: &dyn Fn(&str) -> bool,
    max_bytes: u64,
) -> Result<ChangedFiles, ChangesError> {
    let repo = git2::Repository::discover(dir)
        .map_err(|_| ChangesError::NotARepository(dir.display().to_string()))?;
    let workdir = repo
        .workdir()
        .ok_or_else(|| ChangesError::Git("the repository has no working tree".into()))?;
    let canonical = |p: &Path| {
        p.canonicalize()
            .map_err(|e| ChangesError::Git(e.to_string()))
    };
    let prefix: PathBuf = canonical(dir)?
        .strip_prefix(canonical(workdir)?)
        .map(Path::to_path_buf)
        .map_err(|_| ChangesError::Git(format!("{} is outside the repository", dir.display())))?;
    let diff = diff_since(&repo, rev, &prefix)?;
    let odb = repo.odb()?;
    let small = |id: git2::Oid| {
        odb.read_header(id)
            .is_ok_and(|(size, _)| size as u64 <= max_bytes)
    };
    let relative = |path: Option<&Path>| -> Option<String> {
        let rel = path?.strip_prefix(&prefix).ok()?;
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        accept(&rel).then_some(rel)
    };
    let mut files = ChangedFiles::default();
    for delta in diff.deltas() {
        use git2::Delta::*;
        if matches!(
            delta.status(),
            Added | Modified | Untracked | Typechange | Copied | Renamed
        ) {
            files.changed.extend(relative(delta.new_file().path()));
        }
        if matches!(delta.status(), Modified | Renamed | Deleted | Typechange)
            && let Some(rel) = relative(delta.old_file().path())
            && small(delta.old_file().id())
            && let Ok(blob) = repo.find_blob(delta.old_file().id())
            && let Ok(text) = std::str::from_utf8(blob.content())
        {
            files.before.push((rel, text.to_string()));
        }
    }
    Ok(files)
}

/// Content-relative paths of the documents to report on.
pub fn changed_documents(
    content_dir: &Path,
    rev: &str,
    docs: &[Document],
) -> Result<BTreeSet<String>, ChangesError> {
    let repo = git2::Repository::discover(content_dir)
        .map_err(|_| ChangesError::NotARepository(content_dir.display().to_string()))?;
    let workdir = repo
        .workdir()
        .ok_or_else(|| ChangesError::Git("the repository has no working tree".into()))?;
    let canonical = |p: &Path| {
        p.canonicalize()
            .map_err(|e| ChangesError::Git(e.to_string()))
    };
    let prefix: PathBuf = canonical(content_dir)?
        .strip_prefix(canonical(workdir)?)
        .map(Path::to_path_buf)
        .map_err(|_| ChangesError::Git("the content folder is outside the repository".into()))?;
    let diff = diff_since(&repo, rev, &prefix)?;

    let to_content = |path: Option<&Path>| -> Option<String> {
        let rel = path?.strip_prefix(&prefix).ok()?;
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        rel.ends_with(".md").then_some(rel)
    };
    let mut changed = BTreeSet::new();
    let mut gone = BTreeSet::new(); // removed, or the old name of a renamed file
    let mut gone_ids = BTreeSet::new();
    for delta in diff.deltas() {
        use git2::Delta::*;
        match delta.status() {
            Added | Modified | Untracked | Typechange | Copied => {
                changed.extend(to_content(delta.new_file().path()));
            }
            Renamed => {
                changed.extend(to_content(delta.new_file().path()));
                if let Some(old) = to_content(delta.old_file().path()) {
                    gone.insert(old);
                }
            }
            Deleted => {
                if let Some(old) = to_content(delta.old_file().path()) {
                    gone.insert(old);
                }
            }
            _ => {}
        }
        if matches!(delta.status(), Renamed | Deleted)
            && let Ok(blob) = repo.find_blob(delta.old_file().id())
            && let (Ok(text), Some(rel)) = (
                std::str::from_utf8(blob.content()),
                to_content(delta.old_file().path()),
            )
        {
            let old = Document::parse(
                rel.clone(),
                PathBuf::from(&rel),
                std::sync::Arc::new(text.to_string()),
            );
            gone_ids.insert(old.id);
        }
    }
    // Ids that still exist (a renamed file keeping its `id:`) are not gone.
    for doc in docs {
        gone_ids.remove(&doc.id);
    }
    for doc in docs {
        if changed.contains(&doc.rel_path) {
            continue;
        }
        let links_to_gone = doc.outline.links.iter().any(|link| {
            let path = link.dest.split('#').next().unwrap_or("");
            !path.is_empty()
                && resolve_relative(&doc.rel_path, path).is_some_and(|t| gone.contains(&t))
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
