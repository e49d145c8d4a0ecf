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
        .filter_entry(|e| {
            e.depth() == 0
                || !(is_hidden(e.file_name())
                    || e.file_type().is_dir() && mapping.is_excluded(&rel(root, e.path())))
        });
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
        let rel_path = rel(root, path);
        if entry.depth() == 0 || !mapping.is_document(&rel_path) {
            continue;
        }
        let link_problem = if entry.path_is_symlink() {
            match path.canonicalize() {
                Ok(target) if !target.starts_with(&canonical_root) => Some(format!(
                    "is a symlink to {}, outside the content folder",
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
            rel_path,
            path: path.to_path_buf(),
            link_problem,
        });
    }
    Ok(files)
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

/// A Markdown file from a git tree (`opsbook build --rev`), read while the tree is walked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeFile {
    /// Relative to the content folder, `/`-separated.
    pub rel_path: String,
    /// How diagnostics name it, git style: `REV:content/runbooks/a.md`.
    pub display: String,
    /// The bytes, or why they could not be read.
    pub bytes: Result<Vec<u8>, crate::document::ReadProblem>,
}

/// Every Markdown file under the content folder in the tree of `commit`, sorted by relative
/// path, hidden files and folders skipped, blobs larger than `max_bytes` not read. A symlink
/// is followed when it points at another file inside the content folder of the same tree.
pub fn discover_tree(
    repo: &crate::git_history::GitRepo,
    commit: git2::Oid,
    rev: &str,
    max_bytes: u64,
    mapping: &Mapping,
) -> Result<Vec<TreeFile>, DiscoverError> {
    use crate::document::ReadProblem;
    let prefix = repo.content_prefix();
    let label = if prefix.is_empty() {
        format!("{rev}:")
    } else {
        format!("{rev}:{prefix}")
    };
    let git_err = |e: crate::git_history::GitError| DiscoverError::Unreadable {
        path: label.clone(),
        message: e.to_string(),
    };
    let tree = repo
        .content_tree(commit)
        .map_err(git_err)?
        .ok_or_else(|| DiscoverError::Missing(label.clone()))?;
    let git = repo.repository();
    let odb = git.odb().map_err(|e| git_err(e.into()))?;

    let mut entries: Vec<(String, git2::Oid, i32)> = Vec::new();
    tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        let name = String::from_utf8_lossy(entry.name_bytes()).into_owned();
        let path = format!("{dir}{name}");
        if name.starts_with('.') || mapping.is_excluded(&path) {
            return git2::TreeWalkResult::Skip;
        }
        if entry.kind() == Some(git2::ObjectType::Blob) && mapping.is_document(&path) {
            entries.push((path, entry.id(), entry.filemode()));
        }
        git2::TreeWalkResult::Ok
    })
    .map_err(|e| git_err(e.into()))?;
    entries.sort_by(|a, b| a.0.cmp(&b.0));

    let read_blob = |oid: git2::Oid| -> Result<Vec<u8>, ReadProblem> {
        let (size, _) = odb
            .read_header(oid)
            .map_err(|e| ReadProblem::Io(e.message().to_string()))?;
        if size as u64 > max_bytes {
            return Err(ReadProblem::TooLarge {
                size: size as u64,
                limit: max_bytes,
            });
        }
        git.find_blob(oid)
            .map(|b| b.content().to_vec())
            .map_err(|e| ReadProblem::Io(e.message().to_string()))
    };
    const SYMLINK: i32 = 0o120000;
    let files = entries
        .into_iter()
        .map(|(rel_path, oid, mode)| {
            let bytes = if mode == SYMLINK {
                read_blob(oid).and_then(|target| {
                    let target = String::from_utf8_lossy(&target).into_owned();
                    let resolved = crate::document::markdown::resolve_relative(&rel_path, &target)
                        .filter(|t| !target.starts_with('/') && !t.is_empty());
                    let entry = resolved.as_deref().and_then(|t| tree.get_path(Path::new(t)).ok());
                    match entry {
                        Some(e) if e.filemode() != SYMLINK && e.kind() == Some(git2::ObjectType::Blob) => {
                            read_blob(e.id())
                        }
                        _ => Err(ReadProblem::Io(format!(
                            "is a symlink to {target}, which is not a file inside the content folder of this commit"
                        ))),
                    }
                })
            } else {
                read_blob(oid)
            };
            TreeFile {
                display: format!("{rev}:{}", join_prefix(prefix, &rel_path)),
                rel_path,
                bytes,
            }
        })
        .collect();
    Ok(files)
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
    fn files_of_a_commit_come_from_its_tree() {
        use crate::git_history::tests::commit;
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        let first = commit(
            &repo,
            "A",
            1_767_225_600,
            "one",
            &[
                ("content/runbooks/a.md", Some("old a")),
                ("content/runbooks/.hidden.md", Some("h")),
                ("content/.drafts/x.md", Some("x")),
                ("content/notes.txt", Some("t")),
                ("content/postmortems/big.md", Some(&"x".repeat(100))),
            ],
        );
        commit(
            &repo,
            "A",
            1_767_225_601,
            "two",
            &[
                ("content/runbooks/a.md", Some("new a")),
                ("content/runbooks/b.md", Some("b")),
            ],
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("a.md", dir.path().join("content/runbooks/alias.md"))
                .unwrap();
            std::os::unix::fs::symlink(
                "../../outside.md",
                dir.path().join("content/runbooks/escape.md"),
            )
            .unwrap();
            let mut index = repo.index().unwrap();
            index
                .add_path(Path::new("content/runbooks/alias.md"))
                .unwrap();
            index
                .add_path(Path::new("content/runbooks/escape.md"))
                .unwrap();
            index.write().unwrap();
            commit(&repo, "A", 1_767_225_602, "links", &[]);
        }
        // The working tree differs from both commits: only the tree is read.
        fs::write(dir.path().join("content/runbooks/a.md"), "dirty").unwrap();
        let git = crate::git_history::GitRepo::open(&dir.path().join("content"))
            .unwrap()
            .unwrap();

        let files = discover_tree(&git, first, "v1", 50, Mapping::default_ref()).unwrap();
        let names: Vec<_> = files.iter().map(|f| f.rel_path.as_str()).collect();
        assert_eq!(names, ["postmortems/big.md", "runbooks/a.md"]);
        assert_eq!(files[1].bytes.as_deref().unwrap(), b"old a");
        assert_eq!(files[1].display, "v1:content/runbooks/a.md");
        assert!(matches!(
            files[0].bytes,
            Err(crate::document::ReadProblem::TooLarge {
                size: 100,
                limit: 50
            })
        ));

        let files = discover_tree(
            &git,
            git.head().unwrap(),
            "HEAD",
            1000,
            Mapping::default_ref(),
        )
        .unwrap();
        let get = |name: &str| files.iter().find(|f| f.rel_path == name).unwrap();
        assert_eq!(get("runbooks/a.md").bytes.as_deref().unwrap(), b"new a");
        #[cfg(unix)]
        {
            assert_eq!(get("runbooks/alias.md").bytes.as_deref().unwrap(), b"new a");
            assert!(get("runbooks/escape.md").bytes.is_err());
        }
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
