//! Git: the one place opsbook reads a repository. Three questions are asked of it:
//!
//! - who changed each document and when ([`history`]): the site's "last updated" and
//!   contributors, and `stale-runbook`'s date for a runbook without `last_reviewed`, from one
//!   walk and one definition of "last changed";
//! - which documents a commit holds ([`rev`]): `opsbook build --rev`;
//! - which documents changed since the merge base with a revision ([`changes`]):
//!   `opsbook lint --changed-since`.
//!
//! Everything goes through gix (gitoxide), a pure-Rust git implementation: no C library, the
//! same code on Linux, macOS and Windows. A repository is data opsbook did not write and may be
//! damaged, so reading one never panics and stays bounded: every object is read with an
//! allocation limit, trees are walked with a depth and size limit, and every failure is a
//! [`GitError`]. For the site and the lint git is an enrichment (a failure becomes a note);
//! `--rev` and `--changed-since` cannot work without it (a failure is exit 2).

pub mod changes;
pub mod history;
pub mod rev;
mod tree;

#[cfg(test)]
mod reference_tests;
#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use gix::ObjectId;
pub use history::{FileHistory, History, SharedHistory};

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

impl GitError {
    /// A failure of gix while reading `what`.
    fn reading(what: impl std::fmt::Display, err: impl std::error::Error) -> GitError {
        GitError::Git(format!("cannot read {what}: {}", describe(&err)))
    }
}

/// An error and its causes on one line, `what: why: deeper why` (gix's messages say what it
/// was doing; the causes say what was wrong).
fn describe(err: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(cause) = next {
        let text = one_line(&cause.to_string());
        if !text.is_empty() && !parts.contains(&text) {
            parts.push(text);
        }
        next = cause.source();
    }
    parts.join(": ")
}

/// The error says the repository is damaged (malformed data, or an object too large to read),
/// rather than that something is missing or was misnamed.
fn is_damage(err: &gix::Error) -> bool {
    use gix::error::Class;
    matches!(
        err.dominant_class(),
        Some(Class::Corruption | Class::ResourceExhaustion(_))
    )
}

/// gix's messages can span lines (a chain of causes); a note is one line.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(": ")
}

/// The largest single allocation a damaged object can cause (a pack entry or loose object
/// declaring a huge size): an object larger than this is an error, not an attempt.
const ALLOC_LIMIT_BYTES: usize = 256 << 20;

/// A repository and where the content folder sits inside it.
pub struct GitRepo {
    repo: gix::ThreadSafeRepository,
    /// The content folder relative to the repository root, `/`-separated; empty when the
    /// content folder is the root.
    content_prefix: String,
}

impl std::fmt::Debug for GitRepo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitRepo")
            .field("path", &self.repo.git_dir())
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
    /// or `None` when there is none. Discovery stops where git's would: at
    /// `GIT_CEILING_DIRECTORIES`, at file-system boundaries, and `GIT_DIR` is honoured.
    pub fn open(content_dir: &Path) -> Result<Option<GitRepo>, GitError> {
        Self::open_below(content_dir, Vec::new())
    }

    /// [`GitRepo::open`], with discovery stopping at `ceiling_dirs` as well (unless
    /// `GIT_CEILING_DIRECTORIES` says otherwise).
    fn open_below(
        content_dir: &Path,
        ceiling_dirs: Vec<PathBuf>,
    ) -> Result<Option<GitRepo>, GitError> {
        let content = resolve_existing(content_dir);
        let mut probe = content.as_path();
        while !probe.exists() {
            match probe.parent() {
                Some(parent) => probe = parent,
                None => return Ok(None),
            }
        }
        let options = gix::discover::upwards::Options {
            ceiling_dirs,
            match_ceiling_dir_or_error: false,
            ..Default::default()
        };
        let repo = match gix::ThreadSafeRepository::discover_with_environment_overrides_opts(
            probe,
            options,
            |open, _trust| open.config_overrides(limits()),
        ) {
            Ok(repo) => repo,
            Err(err) if is_no_repository(&err) => return Ok(None),
            Err(err) => return Err(GitError::reading("the git repository", err)),
        };
        let Some(workdir) = repo.work_dir() else {
            return Ok(None); // A bare repository has no content folder.
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

    /// A handle for this thread (handles keep their own object caches).
    fn local(&self) -> gix::Repository {
        self.repo.to_thread_local()
    }

    /// The content folder relative to the repository root (`content`, `docs/kb`, or empty).
    pub fn content_prefix(&self) -> &str {
        &self.content_prefix
    }

    /// The content folder's path components.
    fn prefix_components(&self) -> Vec<&str> {
        self.content_prefix
            .split('/')
            .filter(|c| !c.is_empty())
            .collect()
    }

    /// The commit `rev` names (a commit id, branch, tag, `HEAD~3`, ...).
    pub fn resolve(&self, rev: &str) -> Result<ObjectId, GitError> {
        guard("the revision", || self.resolve_unguarded(rev))?
    }

    fn resolve_unguarded(&self, rev: &str) -> Result<ObjectId, GitError> {
        // gix's message for a revision it could not read says the revision is malformed;
        // the causes say what is damaged.
        let bad = |err: gix::Error| match is_damage(&err) {
            true => GitError::Git(format!(
                "cannot read the commit `{rev}` names: {}",
                std::error::Error::source(&err).map_or_else(|| describe(&err), describe)
            )),
            false => GitError::BadRevision {
                rev: rev.to_string(),
                message: describe(&err),
            },
        };
        let repo = self.local();
        // What a walk to an ancestor (`HEAD~3`) reads besides commits: gix expects both to be
        // readable once it walks, so they are read (and their errors reported) first.
        repo.shallow_commits()
            .map_err(|e| GitError::reading("the list of shallow commits", e))?;
        repo.commit_graph_if_enabled()
            .map_err(|e| GitError::reading("the commit graph", e))?;
        let id = repo.rev_parse_single(rev).map_err(bad)?;
        let object = id.object().map_err(bad)?;
        let commit = object.peel_to_commit().map_err(bad)?;
        Ok(commit.id)
    }

    /// The commit HEAD points at; `None` in a repository without commits.
    pub fn head(&self) -> Result<Option<ObjectId>, GitError> {
        guard("HEAD", || self.head_unguarded())?
    }

    fn head_unguarded(&self) -> Result<Option<ObjectId>, GitError> {
        let repo = self.local();
        let head = repo.head().map_err(|e| GitError::reading("HEAD", e))?;
        if head.is_unborn() {
            return Ok(None);
        }
        let id = head
            .into_peeled_id()
            .map_err(|e| GitError::reading("the commit HEAD points at", e))?;
        let object = id
            .object()
            .map_err(|e| GitError::reading("the commit HEAD points at", e))?;
        let commit = object
            .peel_to_commit()
            .map_err(|e| GitError::reading("the commit HEAD points at", e))?;
        Ok(Some(commit.id))
    }

    /// The repository is a shallow clone: its oldest fetched commits have their parents cut.
    pub fn is_shallow(&self) -> bool {
        self.local().is_shallow().unwrap_or(false)
    }
}

/// The settings every repository is opened with, over its own configuration: an allocation
/// limit for objects (a damaged size field must not allocate gigabytes).
fn limits() -> [String; 1] {
    [format!("gitoxide.objects.allocLimit={ALLOC_LIMIT_BYTES}")]
}

/// The discovery error that means "no repository here", as opposed to a damaged one.
fn is_no_repository(err: &gix::Error) -> bool {
    if err.is_not_found() {
        return true;
    }
    let text = err.to_string();
    text.contains("Could not find a git repository") || text.contains("ceiling directory")
}

/// Runs `read`, turning a panic in gix into an error: a damaged repository must never take
/// opsbook down (the panic is a bug to report, in gix or here).
fn guard<T>(what: &str, read: impl FnOnce() -> T) -> Result<T, GitError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).map_err(|p| panicked(what, p))
}

/// The error for a panic while reading `what`.
fn panicked(what: &str, panic: Box<dyn std::any::Any + Send>) -> GitError {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    GitError::Git(format!(
        "reading {what} failed unexpectedly ({}); please report this as a bug",
        one_line(&message)
    ))
}

/// The short form of an id, as git abbreviates it (at least 7 characters, unique).
fn short_id(repo: &gix::Repository, id: ObjectId) -> String {
    use gix::prelude::ObjectIdExt;
    id.attach(repo).shorten_or_id().to_string()
}
