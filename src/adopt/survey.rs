//! What `opsbook adopt` sees in a repository: where the documents are, which file endings
//! they have, and each document read with opsbook's own parser (front matter kept under the
//! team's keys, no kind guessed yet). Nothing is written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::config::reading::FrontMatterPolicy;
use crate::discover::MARKDOWN_ENDINGS;
use crate::document::Document;

/// Folders site generators keep their pages in, most specific first: Hugo `content/`,
/// MkDocs and Docusaurus `docs/`, Middleman `source/`.
const CONTENT_FOLDERS: &[&str] = &["content", "docs", "source", "src/content"];

/// Folders that hold generated output, dependencies or a generator's own files, never
/// documents.
const NOT_CONTENT: &[&str] = &[
    "node_modules",
    "vendor",
    "_site",
    "site",
    "public",
    "build",
    "target",
    "_includes",
    "_layouts",
    "layouts",
    "themes",
    "static",
    "assets",
    "i18n",
    "archetypes",
];

/// Files at the top of a repository that describe the repository, not an incident.
const REPO_FILES: &[&str] = &[
    "README",
    "readme",
    "CHANGELOG",
    "CONTRIBUTING",
    "LICENSE",
    "CODE_OF_CONDUCT",
    "SECURITY",
];

/// The repository as `adopt` found it.
pub struct Survey {
    /// The content folder, relative to the repository (`.` for the repository itself).
    pub content: String,
    /// Files matching a Markdown ending under the content folder, by ending.
    pub endings: BTreeMap<&'static str, usize>,
    /// Globs of what is left out, with why.
    pub exclude: Vec<(String, String)>,
    /// Every document, read without reading settings beyond the permissive ones here.
    pub docs: Vec<Document>,
}

/// Reads the repository at `dir`.
pub fn survey(dir: &Path) -> Result<Survey, crate::Error> {
    let content = content_folder(dir);
    let exclude = exclusions(dir, &content);
    let config = reading_config(dir, &content, &exclude, &[]);
    let mut endings = BTreeMap::new();
    for doc in crate::load(&config)? {
        if let Some(e) = ending(&doc.rel_path) {
            *endings.entry(e).or_default() += 1;
        }
    }
    let patterns = patterns(&endings);
    let config = reading_config(dir, &content, &exclude, &patterns);
    let docs = if endings.is_empty() {
        Vec::new()
    } else {
        crate::load(&config)?
    };
    Ok(Survey {
        content,
        endings,
        exclude,
        docs,
    })
}

/// The document patterns for the endings found (`*.md` when none was).
pub fn patterns(endings: &BTreeMap<&'static str, usize>) -> Vec<String> {
    if endings.is_empty() {
        return vec!["*.md".into()];
    }
    endings.keys().map(|e| format!("*{e}")).collect()
}

/// The longest Markdown ending of a file name (`.html.md.erb` before `.md`).
pub fn ending(path: &str) -> Option<&'static str> {
    MARKDOWN_ENDINGS
        .iter()
        .find(|e| path.ends_with(*e))
        .copied()
}

/// A config that reads every file with a Markdown ending (or `patterns`) under `content`, with
/// or without front matter, and nothing else changed.
pub fn reading_config(
    dir: &Path,
    content: &str,
    exclude: &[(String, String)],
    patterns: &[String],
) -> Config {
    let mut config = Config {
        root: dir.to_path_buf(),
        ..Config::default()
    };
    config.paths.content = PathBuf::from(content);
    config.documents.patterns = if patterns.is_empty() {
        MARKDOWN_ENDINGS.iter().map(|e| format!("*{e}")).collect()
    } else {
        patterns.to_vec()
    };
    config.documents.exclude = exclude.iter().map(|(glob, _)| glob.clone()).collect();
    config.documents.front_matter = FrontMatterPolicy::Optional;
    config.documents.title_from_heading = true;
    config
}

/// The most entries a survey walks in one folder tree.
const WALK_LIMIT: usize = 200_000;

/// The names of the regular files under `dir`, hidden and generated folders aside, at most
/// [`WALK_LIMIT`] entries walked.
fn file_names(dir: &Path) -> impl Iterator<Item = String> {
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.depth() == 0 || !(name.starts_with('.') || NOT_CONTENT.contains(&name.as_ref()))
        })
        .take(WALK_LIMIT)
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
}

/// How many files with a Markdown ending are under `dir` (see [`file_names`]).
fn markdown_count(dir: &Path) -> usize {
    file_names(dir)
        .filter(|name| ending(name).is_some())
        .count()
}

/// The generator's content folder when it holds most of the Markdown, else the repository.
fn content_folder(dir: &Path) -> String {
    let all = markdown_count(dir);
    CONTENT_FOLDERS
        .iter()
        .map(|folder| (folder, markdown_count(&dir.join(folder))))
        .filter(|(_, count)| *count > 0 && *count * 2 >= all)
        .max_by_key(|(_, count)| *count)
        .map_or_else(|| ".".to_string(), |(folder, _)| folder.to_string())
}

/// Whether a file whose name passes `test` is under `dir` (see [`file_names`]).
fn has_file(dir: &Path, test: impl Fn(&str) -> bool) -> bool {
    file_names(dir).any(|name| test(&name))
}

/// What not to read: generated and generator folders, section index pages, and the
/// repository's own README and friends when the content folder is the repository.
fn exclusions(dir: &Path, content: &str) -> Vec<(String, String)> {
    let base = dir.join(content);
    let mut out: Vec<(String, String)> = NOT_CONTENT
        .iter()
        .filter(|name| base.join(name).is_dir())
        .map(|name| {
            (
                format!("{name}/**"),
                "generated output, dependencies or the generator's own files".to_string(),
            )
        })
        .collect();
    if content == "." && base.join("templates").is_dir() {
        out.push((
            "templates/**".into(),
            "templates to start documents from, not documents".into(),
        ));
    }
    if has_file(&base, |name| name.starts_with("_index.")) {
        out.push((
            "_index.*".into(),
            "section list pages (Hugo): opsbook makes its own lists".into(),
        ));
    }
    let top_files = if content == "." {
        REPO_FILES
            .iter()
            .chain(&["index"])
            .copied()
            .collect::<Vec<_>>()
    } else {
        vec!["index", "README", "readme"]
    };
    for name in top_files {
        let found = std::fs::read_dir(&base)
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(&format!("{name}."))
            });
        if found {
            // Anchored with `/`: a folder's own index.md (a Hugo page bundle) is a document.
            out.push((
                format!("/{name}.*"),
                "the site's or repository's front page, not an incident document".into(),
            ));
        }
    }
    out
}
