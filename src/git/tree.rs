//! Trees, read through gix with bounds: the id of a folder in a commit's tree, and the file
//! paths that differ between two trees (gix's tree diff, which descends only into folders
//! whose ids differ).
//!
//! A damaged repository can hold a tree that contains itself (its stored id does not match its
//! bytes). Every diff therefore stops with an error after [`MAX_ENTRIES`] entries or at a path
//! longer than [`MAX_PATH_BYTES`], which no knowledge base reaches: a loop cannot run for ever
//! or fill the memory.

use std::collections::VecDeque;

use gix::bstr::{BStr, BString, ByteSlice, ByteVec};
use gix::diff::tree::{Visit, visit};
use gix::objs::TreeRefIter;
use gix::prelude::FindExt;

use super::{GitError, ObjectId};

/// Entries one comparison of two trees may visit (changed files and the folders holding them).
pub(super) const MAX_ENTRIES: usize = 1 << 20;
/// Bytes of a path, at most: deeper is a tree that contains itself (a path grows with each
/// level, and each level copies it).
pub(super) const MAX_PATH_BYTES: usize = 4096;

/// The id of the tree at `components` below the tree `root`; `None` when there is no such
/// folder (a missing name, or a file in its place).
pub(super) fn folder_id(
    repo: &gix::Repository,
    root: ObjectId,
    components: &[&str],
    buf: &mut Vec<u8>,
) -> Result<Option<ObjectId>, GitError> {
    let mut id = root;
    for component in components {
        let tree = repo
            .objects
            .find_tree_iter(&id, buf)
            .map_err(|e| GitError::reading(format_args!("the tree {id}"), e))?;
        let mut found = None;
        for entry in tree {
            let entry = entry.map_err(|e| GitError::reading(format_args!("the tree {id}"), e))?;
            if entry.filename == component.as_bytes() {
                found = Some((entry.mode.is_tree(), entry.oid.to_owned()));
                break;
            }
        }
        match found {
            Some((true, child)) => id = child,
            _ => return Ok(None),
        }
    }
    Ok(Some(id))
}

/// Reusable buffers for comparing trees on one thread.
#[derive(Default)]
pub(super) struct Differ {
    state: gix::diff::tree::State,
    left: Vec<u8>,
    right: Vec<u8>,
}

impl Differ {
    /// The paths of the files (not folders, not submodules) that differ between the trees
    /// `old` and `new`, relative to them; with `old` absent, every file of `new` (and the
    /// reverse). Sorted as git sorts paths, each once.
    pub(super) fn changed_files(
        &mut self,
        repo: &gix::Repository,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
    ) -> Result<Vec<String>, GitError> {
        let Differ { state, left, right } = self;
        let read = |id: Option<ObjectId>, buf: &'_ mut Vec<u8>| -> Result<(), GitError> {
            buf.clear();
            if let Some(id) = id {
                repo.objects
                    .find_tree(&id, buf)
                    .map_err(|e| GitError::reading(format_args!("the tree {id}"), e))?;
            }
            Ok(())
        };
        read(old, left)?;
        read(new, right)?;
        let mut files = Files::default();
        let result = gix::diff::tree(
            TreeRefIter::from_bytes(left, repo.object_hash()),
            TreeRefIter::from_bytes(right, repo.object_hash()),
            &mut *state,
            &repo.objects,
            &mut files,
        );
        match result {
            Ok(()) => {}
            Err(gix::diff::tree::Error::Cancelled) => {
                return Err(GitError::Git(format!(
                    "the trees {} and {} differ in more than {MAX_ENTRIES} entries or in paths longer than {MAX_PATH_BYTES} bytes, or one contains itself (a damaged repository)",
                    show(old),
                    show(new)
                )));
            }
            Err(err) => {
                return Err(GitError::reading(
                    format_args!("the trees {} and {}", show(old), show(new)),
                    err,
                ));
            }
        }
        let mut paths = files.paths;
        paths.sort_unstable();
        paths.dedup();
        Ok(paths)
    }
}

fn show(id: Option<ObjectId>) -> String {
    id.map_or_else(|| "(none)".to_string(), |id| id.to_string())
}

/// A tree-diff visitor that keeps the paths of changed files and counts what it visits. Path
/// tracking follows gix's own `Recorder`, with the length of the path before each component
/// kept on a stack instead of searched for (the diff pushes and pops a component for every
/// entry it compares, changed or not).
#[derive(Default)]
struct Files {
    queued: VecDeque<BString>,
    path: BString,
    lengths: Vec<usize>,
    visited: usize,
    paths: Vec<String>,
}

impl Files {
    fn push(&mut self, name: &BStr) {
        self.lengths.push(self.path.len());
        if name.is_empty() {
            return;
        }
        if !self.path.is_empty() {
            self.path.push(b'/');
        }
        self.path.push_str(name);
    }
}

impl Visit for Files {
    fn pop_front_tracked_path_and_set_current(&mut self) {
        self.path = self.queued.pop_front().unwrap_or_default();
        self.lengths.clear();
    }

    fn push_back_tracked_path_component(&mut self, component: &BStr) {
        self.push(component);
        self.queued.push_back(self.path.clone());
    }

    fn push_path_component(&mut self, component: &BStr) {
        self.push(component);
    }

    fn pop_path_component(&mut self) {
        let length = self.lengths.pop().unwrap_or(0);
        self.path.truncate(length);
    }

    fn visit(&mut self, change: visit::Change) -> visit::Action {
        self.visited += 1;
        if self.visited > MAX_ENTRIES || self.path.len() > MAX_PATH_BYTES {
            return std::ops::ControlFlow::Break(());
        }
        let is_file = |mode: gix::objs::tree::EntryMode| !mode.is_tree() && !mode.is_commit();
        let counts = match change {
            visit::Change::Addition { entry_mode, .. }
            | visit::Change::Deletion { entry_mode, .. } => is_file(entry_mode),
            visit::Change::Modification {
                previous_entry_mode,
                entry_mode,
                ..
            } => is_file(previous_entry_mode) || is_file(entry_mode),
        };
        if counts {
            self.paths.push(self.path.to_str_lossy().into_owned());
        }
        std::ops::ControlFlow::Continue(())
    }
}
