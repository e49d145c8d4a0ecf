//! The documents of a commit, for `opsbook build --rev`: every Markdown file under the content
//! folder in the commit's tree, read from the object store instead of the working tree.

use gix::objs::tree::EntryKind;
use gix::prelude::FindExt;

use super::tree::{MAX_ENTRIES, folder_id};
use super::{GitError, GitRepo, ObjectId, guard};
use crate::discover::{DiscoverError, TreeFile, join_prefix};
use crate::document::ReadProblem;
use crate::document::mapping::Mapping;

/// Folders deeper than this below the content folder are a damaged tree (or one that contains
/// itself), not a knowledge base.
const MAX_DEPTH: usize = 256;
/// Bytes of a symlink's target, at most.
const MAX_LINK_BYTES: u64 = 4096;

/// A Markdown file found in the tree, before it is read.
struct Found {
    rel_path: String,
    id: ObjectId,
    kind: EntryKind,
}

impl GitRepo {
    /// Every Markdown file under the content folder in the tree of `commit`, sorted by relative
    /// path, hidden files and folders skipped, blobs larger than `max_bytes` not read. A symlink
    /// is followed when it points at another file inside the content folder of the same tree.
    /// `rev` is how the user named the commit, for messages (`REV:content/runbooks/a.md`).
    pub fn tree_files(
        &self,
        commit: ObjectId,
        rev: &str,
        max_bytes: u64,
        mapping: &Mapping,
    ) -> Result<Vec<TreeFile>, DiscoverError> {
        let read = || self.tree_files_unguarded(commit, rev, max_bytes, mapping);
        guard("the revision's files", read).unwrap_or_else(|err| {
            Err(DiscoverError::Unreadable {
                path: format!("{rev}:{}", self.content_prefix()),
                message: err.to_string(),
            })
        })
    }

    fn tree_files_unguarded(
        &self,
        commit: ObjectId,
        rev: &str,
        max_bytes: u64,
        mapping: &Mapping,
    ) -> Result<Vec<TreeFile>, DiscoverError> {
        let prefix = self.content_prefix();
        let label = format!("{rev}:{prefix}");
        let unreadable = |e: GitError| DiscoverError::Unreadable {
            path: label.clone(),
            message: e.to_string(),
        };
        let repo = self.local();
        let mut buf = Vec::new();
        let root = repo
            .objects
            .find_commit(&commit, &mut buf)
            .map_err(|e| unreadable(GitError::reading(format_args!("the commit {commit}"), e)))?
            .tree();
        let content = folder_id(&repo, root, &self.prefix_components(), &mut buf)
            .map_err(unreadable)?
            .ok_or_else(|| DiscoverError::Missing(label.clone()))?;
        let mut found = document_files(&repo, content, mapping).map_err(unreadable)?;
        found.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
        let mut files = Vec::with_capacity(found.len());
        for file in found {
            let bytes = match file.kind {
                EntryKind::Link => follow_link(&repo, content, &file, max_bytes),
                _ => read_blob(&repo, file.id, max_bytes),
            };
            // A document too large or a link leading nowhere is a finding about that file; an
            // object that cannot be read is a damaged repository.
            let bytes = match bytes {
                Ok(bytes) => Ok(bytes),
                Err(Problem::Document(problem)) => Err(problem),
                Err(Problem::Git(err)) => return Err(unreadable(err)),
            };
            files.push(TreeFile {
                display: format!("{rev}:{}", join_prefix(prefix, &file.rel_path)),
                rel_path: file.rel_path,
                bytes,
            });
        }
        Ok(files)
    }
}

/// Every document file (blob, executable or symlink; see `[documents]`) below the tree `root`,
/// hidden names and excluded paths skipped.
fn document_files(
    repo: &gix::Repository,
    root: ObjectId,
    mapping: &Mapping,
) -> Result<Vec<Found>, GitError> {
    let mut found = Vec::new();
    let mut folders = vec![(root, String::new(), 0usize)];
    let mut entries = 0usize;
    let mut buf = Vec::new();
    while let Some((id, dir, depth)) = folders.pop() {
        if depth > MAX_DEPTH {
            return Err(GitError::Git(format!(
                "a damaged tree, or one that contains itself: a folder more than {MAX_DEPTH} levels deep ({dir})"
            )));
        }
        let tree = repo
            .objects
            .find_tree_iter(&id, &mut buf)
            .map_err(|e| GitError::reading(format_args!("the tree {id}"), e))?;
        for entry in tree {
            let entry = entry.map_err(|e| GitError::reading(format_args!("the tree {id}"), e))?;
            entries += 1;
            if entries > MAX_ENTRIES {
                return Err(GitError::Git(format!(
                    "the content folder has more than {MAX_ENTRIES} entries (a damaged tree, or one that contains itself)"
                )));
            }
            let name = String::from_utf8_lossy(entry.filename);
            let path = format!("{dir}{name}");
            if name.starts_with('.') || mapping.is_excluded(&path) {
                continue;
            }
            match entry.mode.kind() {
                EntryKind::Tree => folders.push((entry.oid.to_owned(), path + "/", depth + 1)),
                EntryKind::Commit => {}
                kind if mapping.is_document(&path) => found.push(Found {
                    rel_path: path,
                    id: entry.oid.to_owned(),
                    kind,
                }),
                _ => {}
            }
        }
    }
    Ok(found)
}

/// Why a file of the tree has no text.
enum Problem {
    Document(ReadProblem),
    Git(GitError),
}

/// The bytes of the blob `id`, unless it is larger than `max_bytes`.
fn read_blob(repo: &gix::Repository, id: ObjectId, max_bytes: u64) -> Result<Vec<u8>, Problem> {
    let header = repo
        .find_header(id)
        .map_err(|e| Problem::Git(GitError::reading(format_args!("the blob {id}"), e)))?;
    if header.size() > max_bytes {
        return Err(Problem::Document(ReadProblem::TooLarge {
            size: header.size(),
            limit: max_bytes,
        }));
    }
    let mut buf = Vec::new();
    repo.objects
        .find_blob(&id, &mut buf)
        .map_err(|e| Problem::Git(GitError::reading(format_args!("the blob {id}"), e)))?;
    Ok(buf)
}

/// The bytes of the file a symlink points at, when that is a file (not another link) inside
/// the content folder of the same tree.
fn follow_link(
    repo: &gix::Repository,
    content: ObjectId,
    link: &Found,
    max_bytes: u64,
) -> Result<Vec<u8>, Problem> {
    let target = read_blob(repo, link.id, MAX_LINK_BYTES.min(max_bytes))?;
    let target = String::from_utf8_lossy(&target).into_owned();
    let nowhere = || {
        Problem::Document(ReadProblem::Io(format!(
            "is a symlink to {target}, which is not a file inside the content folder of this commit"
        )))
    };
    let resolved = crate::document::markdown::resolve_relative(&link.rel_path, &target)
        .filter(|t| !target.starts_with('/') && !t.is_empty())
        .ok_or_else(nowhere)?;
    match entry_at(repo, content, &resolved).map_err(Problem::Git)? {
        Some((EntryKind::Blob | EntryKind::BlobExecutable, id)) => read_blob(repo, id, max_bytes),
        _ => Err(nowhere()),
    }
}

/// The entry at `rel_path` (`/`-separated) below the tree `root`.
fn entry_at(
    repo: &gix::Repository,
    root: ObjectId,
    rel_path: &str,
) -> Result<Option<(EntryKind, ObjectId)>, GitError> {
    let (dir, name) = rel_path.rsplit_once('/').unwrap_or(("", rel_path));
    let components: Vec<&str> = dir.split('/').filter(|c| !c.is_empty()).collect();
    let mut buf = Vec::new();
    let Some(folder) = folder_id(repo, root, &components, &mut buf)? else {
        return Ok(None);
    };
    let tree = repo
        .objects
        .find_tree_iter(&folder, &mut buf)
        .map_err(|e| GitError::reading(format_args!("the tree {folder}"), e))?;
    for entry in tree {
        let entry = entry.map_err(|e| GitError::reading(format_args!("the tree {folder}"), e))?;
        if entry.filename == name.as_bytes() {
            return Ok(Some((entry.mode.kind(), entry.oid.to_owned())));
        }
    }
    Ok(None)
}

impl GitRepo {
    /// The bytes of the file at `rel_path` under the content folder in `commit`, when it is a
    /// file there of at most `max_bytes`.
    pub(super) fn file_at(
        &self,
        commit: ObjectId,
        rel_path: &str,
        max_bytes: u64,
    ) -> Result<Option<Vec<u8>>, GitError> {
        let repo = self.local();
        let mut buf = Vec::new();
        let root = repo
            .objects
            .find_commit(&commit, &mut buf)
            .map_err(|e| GitError::reading(format_args!("the commit {commit}"), e))?
            .tree();
        let Some(content) = folder_id(&repo, root, &self.prefix_components(), &mut buf)? else {
            return Ok(None);
        };
        match entry_at(&repo, content, rel_path)? {
            Some((EntryKind::Blob | EntryKind::BlobExecutable, id)) => {
                match read_blob(&repo, id, max_bytes) {
                    Ok(bytes) => Ok(Some(bytes)),
                    Err(Problem::Document(_)) => Ok(None),
                    Err(Problem::Git(err)) => Err(err),
                }
            }
            _ => Ok(None),
        }
    }
}
