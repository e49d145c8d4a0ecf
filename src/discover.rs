//! Finds the documents to read: every file under the content folder that the document
//! patterns match (`*.md` by default; see `[documents]` in opsbook.toml), hidden files and
//! folders and excluded paths skipped, in a deterministic (sorted) order.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::document::mapping::Mapping;

/// A file to read, before it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Relative to the content folder, `/`-separated.
    pub rel_path: String,
    pub path: PathBuf,
    /// Set when the file is a symlink that leaves the content folder or cannot be resolved.
    pub link_problem: Option<String>,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum DiscoverError {
    #[error("the content folder {0} does not exist")]
    #[diagnostic(
        code(content),
        help(
            "run opsbook from the root of a knowledge base (where opsbook.toml or content/ is), or set paths.content in opsbook.toml"
        )
    )]
    Missing(String),
    #[error("cannot read the content folder {path}: {message}")]
    #[diagnostic(code(content))]
    Unreadable { path: String, message: String },
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| n.starts_with('.'))
}

/// Every document under `root` (files `mapping` calls documents), sorted by relative path.
pub fn discover(root: &Path, mapping: &Mapping) -> Result<Vec<SourceFile>, DiscoverError> {
    walk(root, "the content folder", &|path| {
        mapping.is_document(&rel(root, path))
    })
}

/// File endings other site generators use for Markdown, longest first.
pub const MARKDOWN_ENDINGS: &[&str] = &[
    ".html.md.erb",
    ".html.markdown",
    ".html.md",
    ".md.erb",
    ".markdown",
    ".mdown",
    ".mkdn",
    ".mdx",
    ".mkd",
    ".md",
];

/// How many files under `root` (hidden ones aside, at most the first 100,000 entries) look
/// like Markdown by their ending but are not documents by `mapping`, by ending: the hint when
/// no document is found.
pub fn other_markdown(root: &Path, mapping: &Mapping) -> Vec<(&'static str, usize)> {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    let walker = WalkDir::new(root)
        .follow_links(false)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_hidden(e.file_name()))
        .take(100_000);
    for entry in walker.flatten() {
        if !entry.file_type().is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        let Some(ending) = MARKDOWN_ENDINGS.iter().find(|e| name.ends_with(*e)) else {
            continue;
        };
        if !mapping.is_document(&rel(root, entry.path())) {
            *counts.entry(ending).or_default() += 1;
        }
    }
    counts.into_iter().collect()
}

/// Every file under `root` that `accept` takes (by its path), sorted by relative path, hidden
/// files and folders skipped. A symlink is followed only to a file inside `root`; `place` names
/// `root` in the problem recorded for one that leaves it.
pub fn walk(
    root: &Path,
    place: &str,
    accept: &dyn Fn(&Path) -> bool,
) -> Result<Vec<SourceFile>, DiscoverError> {
    if !root.is_dir() {
        return Err(DiscoverError::Missing(root.display().to_string()));
    }
    let canonical_root = root.canonicalize().map_err(|e| DiscoverError::Unreadable {
        path: root.display().to_string(),
        message: e.to_string(),
    })?;
    let mut files = Vec::new();
    let walker = WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_hidden(e.file_name()));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                // An unreadable sub-folder: report it as a file problem, keep walking.
                let Some(path) = err.path().map(Path::to_path_buf) else {
                    continue;
                };
                files.push(SourceFile {
                    rel_path: rel(root, &path),
                    link_problem: Some(format!("cannot be read: {err}")),
                    path,
                });
                continue;
            }
        };
        let path = entry.path();
        if !accept(path) {
            continue;
        }
        let link_problem = if entry.path_is_symlink() {
            match path.canonicalize() {
                Ok(target) if !target.starts_with(&canonical_root) => Some(format!(
                    "is a symlink to {}, outside {place}",
                    target.display()
                )),
                Ok(target) if target.is_dir() => continue,
                Ok(_) => None,
                Err(err) => Some(format!("is a symlink that cannot be resolved: {err}")),
            }
        } else if entry.file_type().is_dir() {
            continue;
        } else {
            None
        };
        files.push(SourceFile {
            rel_path: rel(root, path),
            path: path.to_path_buf(),
            link_problem,
        });
    }
    Ok(files)
}

/// A Markdown file from a git tree (`opsbook build --rev`, read by [`crate::git::rev`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeFile {
    /// Relative to the content folder, `/`-separated.
    pub rel_path: String,
    /// How diagnostics name it, git style: `REV:content/runbooks/a.md`.
    pub display: String,
    /// The bytes, or why they could not be read.
    pub bytes: Result<Vec<u8>, crate::document::ReadProblem>,
}

/// `prefix/rel`, or `rel` for an empty prefix.
pub fn join_prefix(prefix: &str, rel: &str) -> String {
    if prefix.is_empty() {
        rel.to_string()
    } else {
        format!("{prefix}/{rel}")
    }
}

fn rel(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn finds_markdown_sorted_and_skips_hidden() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for path in [
            "runbooks/b.md",
            "runbooks/a.md",
            "postmortems/2026-01-01-x.md",
            ".drafts/hidden.md",
            "runbooks/.hidden.md",
            "runbooks/notes.txt",
        ] {
            let full = root.join(path);
            fs::create_dir_all(full.parent().unwrap()).unwrap();
            fs::write(full, "---\n---\n").unwrap();
        }
        let names: Vec<_> = discover(root, Mapping::default_ref())
            .unwrap()
            .into_iter()
            .map(|f| f.rel_path)
            .collect();
        assert_eq!(
            names,
            [
                "postmortems/2026-01-01-x.md",
                "runbooks/a.md",
                "runbooks/b.md"
            ]
        );
    }

    #[test]
    fn missing_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            discover(&dir.path().join("nope"), Mapping::default_ref()),
            Err(DiscoverError::Missing(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_outside_the_root_and_loops_are_flagged() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("content");
        fs::create_dir_all(&root).unwrap();
        fs::write(dir.path().join("outside.md"), "secret").unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside.md"), root.join("escape.md")).unwrap();
        std::os::unix::fs::symlink(root.join("loop.md"), root.join("loop.md")).unwrap();
        fs::write(root.join("inside.md"), "x").unwrap();
        std::os::unix::fs::symlink(root.join("inside.md"), root.join("alias.md")).unwrap();
        let files = discover(&root, Mapping::default_ref()).unwrap();
        let problem = |name: &str| {
            files
                .iter()
                .find(|f| f.rel_path == name)
                .unwrap()
                .link_problem
                .clone()
        };
        assert!(
            problem("escape.md")
                .unwrap()
                .contains("outside the content folder")
        );
        assert!(problem("loop.md").is_some());
        assert!(problem("alias.md").is_none());
        assert!(problem("inside.md").is_none());
    }
}
