//! opsbook: incident runbooks and postmortems as docs-as-code.
//!
//! The pipeline runs in one direction, one module per stage:
//! [`discover`] -> [`parse`] -> [`lint`] (check) -> [`report`] for `opsbook lint`, and on to
//! [`site`] (model, render, write) for `opsbook build`. The library returns data; the binary
//! ([`commands`], with the arguments defined in [`cli`]) prints it and picks the exit code.

pub mod adopt;
pub mod allocator;
pub mod changes;
pub mod cli;
pub mod commands;
pub mod config;
pub mod discover;
pub mod document;
pub mod escape;
pub mod follow_ups;
pub mod git_history;
pub mod json_schema;
pub mod lint;
pub mod parse;
pub mod report;
pub mod scaffold;
pub mod serve;
pub mod site;
pub mod slug;
pub mod term;

use std::path::{Path, PathBuf};

use jiff::civil::Date;

use config::Config;
use document::Document;
use lint::{Finding, Level};

/// Errors that stop opsbook from doing its job at all (exit code 2).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] Box<config::ConfigError>),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Discover(#[from] discover::DiscoverError),
    #[error("{0} is not inside the content folder {1}")]
    #[diagnostic(
        code(paths),
        help("pass files or folders under the content folder, or nothing to lint everything")
    )]
    PathOutsideContent(String, String),
    #[error("{0} does not exist")]
    #[diagnostic(
        code(paths),
        help("pass files or folders under the content folder, or nothing to lint everything")
    )]
    PathMissing(String),
    #[error("no documents in {place}: no file matches the document patterns ({patterns})")]
    #[diagnostic(
        code(content),
        help(
            "{hint}add one with `opsbook new runbook \"Title\"`, check paths.content and [documents] patterns in opsbook.toml (`opsbook adopt` proposes them for an existing repository), or pass --allow-empty when an empty knowledge base is expected"
        )
    )]
    NoDocuments {
        place: String,
        patterns: String,
        /// What the folder holds instead, when it holds Markdown under other names.
        hint: String,
    },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Site(#[from] site::SiteError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Changes(#[from] changes::ChangesError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Scaffold(#[from] Box<scaffold::ScaffoldError>),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Serve(#[from] serve::ServeError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Command(#[from] commands::CommandError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Git(#[from] git_history::GitError),
}

/// What `lint` found.
#[derive(Debug)]
pub struct LintOutcome {
    /// Every document of the knowledge base (cross-document rules see them all).
    pub docs: Vec<Document>,
    /// The findings to report: all of them, or those in the requested paths.
    pub findings: Vec<Finding>,
    /// How many documents the report covers.
    pub checked: usize,
}

impl LintOutcome {
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.level == Level::Error)
    }

    pub fn has_warnings(&self) -> bool {
        self.findings.iter().any(|f| f.level == Level::Warning)
    }
}

/// Options of `opsbook lint`.
#[derive(Debug, Clone, Default)]
pub struct LintOptions {
    /// Report only documents under these paths (files or folders); empty means everything.
    pub paths: Vec<PathBuf>,
    /// The date overdue and staleness checks compare against; today when absent.
    pub today: Option<Date>,
    /// Report only documents changed since the merge base with this git revision.
    pub changed_since: Option<String>,
    /// Succeed when there are no documents at all (otherwise an error: CI must not pass on
    /// nothing).
    pub allow_empty: bool,
}

/// Today's date in the local time zone.
pub fn today() -> Date {
    jiff::Zoned::now().date()
}

/// Reads and parses every document of the knowledge base.
pub fn load(config: &Config) -> Result<Vec<Document>, Error> {
    let files = discover::discover(&config.content_dir(), config.mapping())?;
    Ok(parse::parse_all(&files, config))
}

/// Runs discover -> parse -> check.
pub fn lint(config: &Config, options: &LintOptions) -> Result<LintOutcome, Error> {
    let docs = load(config)?;
    lint_docs(config, docs, options)
}

/// Runs the check on documents already read (from the working tree or a git tree).
fn lint_docs(
    config: &Config,
    docs: Vec<Document>,
    options: &LintOptions,
) -> Result<LintOutcome, Error> {
    let mut filter = path_filter(config, &options.paths)?;
    if !options.allow_empty && !docs.iter().any(|d| filter.matches(&d.rel_path)) {
        let place = if options.paths.is_empty() {
            let dir = config.content_dir().display().to_string();
            dir.strip_prefix("./").unwrap_or(&dir).to_string()
        } else {
            let paths: Vec<_> = options
                .paths
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            paths.join(", ")
        };
        let other = discover::other_markdown(&config.content_dir(), config.mapping());
        let hint = if other.is_empty() {
            String::new()
        } else {
            let endings: Vec<String> = other
                .iter()
                .map(|(ending, count)| format!("{count} *{ending}"))
                .collect();
            format!(
                "the folder holds Markdown under other names ({}): add their patterns to [documents] patterns; or ",
                endings.join(", ")
            )
        };
        return Err(Error::NoDocuments {
            place,
            patterns: config.documents.patterns.join(", "),
            hint,
        });
    }
    if let Some(rev) = &options.changed_since {
        filter.changed = Some(changes::changed_documents(
            &config.content_dir(),
            rev,
            &docs,
        )?);
    }
    let today = options.today.unwrap_or_else(today);
    let findings: Vec<Finding> = lint::check(&docs, config, today)
        .into_iter()
        .filter(|f| filter.matches(&docs[f.doc].rel_path))
        .collect();
    let checked = docs.iter().filter(|d| filter.matches(&d.rel_path)).count();
    Ok(LintOutcome {
        docs,
        findings,
        checked,
    })
}

/// Which documents a report covers: content-relative path prefixes from the command line,
/// and the set a git change touched (`--changed-since`). Both apply when both are given.
struct PathFilter {
    prefixes: Vec<String>,
    changed: Option<std::collections::BTreeSet<String>>,
}

impl PathFilter {
    fn matches(&self, rel_path: &str) -> bool {
        let in_paths = self.prefixes.is_empty()
            || self.prefixes.iter().any(|p| {
                p.is_empty()
                    || rel_path == p
                    || (rel_path.starts_with(p.as_str()) && rel_path[p.len()..].starts_with('/'))
            });
        in_paths
            && self
                .changed
                .as_ref()
                .is_none_or(|set| set.contains(rel_path))
    }
}

fn path_filter(config: &Config, paths: &[PathBuf]) -> Result<PathFilter, Error> {
    let content = config.content_dir();
    let content_abs = absolute(&content);
    let mut prefixes = Vec::new();
    for path in paths {
        if std::fs::symlink_metadata(path).is_err() {
            return Err(Error::PathMissing(path.display().to_string()));
        }
        let abs = absolute(path);
        let Ok(rel) = abs.strip_prefix(&content_abs) else {
            return Err(Error::PathOutsideContent(
                path.display().to_string(),
                content.display().to_string(),
            ));
        };
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        prefixes.push(rel);
    }
    Ok(PathFilter {
        prefixes,
        changed: None,
    })
}

/// An absolute, lexically normalised path (no symlink resolution, works for missing files).
fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    normalize(&joined)
}

/// Drops `.` and resolves `..` lexically.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Options of `opsbook build`.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Overrides `paths.output`.
    pub output: Option<PathBuf>,
    /// Write the site even when the lint found errors.
    pub allow_errors: bool,
    pub today: Option<Date>,
    /// Build from the content folder in this git revision (commit, branch, tag, `HEAD~3`)
    /// instead of the working tree.
    pub rev: Option<String>,
    /// Write a site even when there are no documents.
    pub allow_empty: bool,
}

/// What `build` did.
#[derive(Debug)]
pub struct BuildOutcome {
    pub lint: LintOutcome,
    /// The site written, or `None` when lint errors stopped the build.
    pub site: Option<site::SiteSummary>,
    /// What the reader should know that did not stop the build, such as why pages show no
    /// git history.
    pub notes: Vec<String>,
    /// Statistics of the git history walk, when there was one.
    pub history: Option<HistoryStats>,
    /// Every document the site has no page for, with why (displayed path, reason): nothing
    /// read is left out in silence.
    pub unpublished: Vec<(String, String)>,
}

/// How much history the build read, and how long it took.
#[derive(Debug, Clone, Copy)]
pub struct HistoryStats {
    pub commits_walked: usize,
    pub commits_touching_content: usize,
    pub files: usize,
    pub elapsed: std::time::Duration,
}

/// Runs the whole pipeline: lint, then render and write the site unless lint found errors.
/// The git history walk runs beside reading and checking the documents.
pub fn build(config: &Config, options: &BuildOptions) -> Result<BuildOutcome, Error> {
    let output = options
        .output
        .clone()
        .unwrap_or_else(|| config.output_dir());
    let output = site::resolve_output(&output)?;
    site::check_output_dir(&output, &config.content_dir(), config.file.is_some())?;
    let mut notes = Vec::new();
    let content_dir = config.content_dir();
    let repo = match git_history::GitRepo::open(&content_dir) {
        Ok(repo) => repo,
        Err(err) if options.rev.is_none() => {
            notes.push(format!("pages show no git history: {err}"));
            None
        }
        Err(err) => return Err(err.into()),
    };
    let (tree_docs, start) = match &options.rev {
        Some(rev) => {
            let repo = repo.as_ref().ok_or_else(|| {
                git_history::GitError::NoRepository(content_dir.display().to_string())
            })?;
            let commit = repo.resolve(rev)?;
            let files = discover::discover_tree(
                repo,
                commit,
                rev,
                parse::DEFAULT_MAX_FILE_BYTES,
                config.mapping(),
            )?;
            (Some(parse::parse_tree_files(files, config)), Some(commit))
        }
        None => (None, repo.as_ref().and_then(git_history::GitRepo::head)),
    };
    let lint_options = LintOptions {
        today: options.today,
        allow_empty: options.allow_empty,
        ..LintOptions::default()
    };
    let (lint, history) = std::thread::scope(|scope| {
        let walk = repo.as_ref().zip(start).map(|(repo, start)| {
            let repo = repo.reopen();
            scope.spawn(move || repo?.history(start))
        });
        let lint = match tree_docs {
            Some(docs) => lint_docs(config, docs, &lint_options),
            None => load(config).and_then(|docs| lint_docs(config, docs, &lint_options)),
        };
        let history = walk.map(|handle| handle.join().expect("the git history walk panicked"));
        (lint, history)
    });
    let lint = lint?;
    let history = match history {
        Some(Ok(history)) => {
            if history.shallow {
                notes.push("the repository is a shallow clone: last-updated dates and contributors only cover the fetched commits (fetch the whole history, e.g. fetch-depth: 0)".into());
            }
            Some(history)
        }
        Some(Err(err)) => {
            notes.push(format!("pages show no git history: {err}"));
            None
        }
        None => None,
    };
    let stats = history.as_ref().map(|h| HistoryStats {
        commits_walked: h.commits_walked,
        commits_touching_content: h.commits_touching_content,
        files: h.files.len(),
        elapsed: h.elapsed,
    });
    let unpublished = document::links::unpublished(&lint.docs)
        .into_iter()
        .map(|(i, why)| (lint.docs[i].display_path.clone(), why))
        .collect();
    if lint.has_errors() && !options.allow_errors {
        return Ok(BuildOutcome {
            lint,
            site: None,
            notes,
            history: stats,
            unpublished,
        });
    }
    let today = options.today.unwrap_or_else(today);
    let input = site::SiteInput {
        today,
        history: history.as_ref(),
        content_prefix: repo.as_ref().map(|r| r.content_prefix()),
    };
    let summary = site::build(config, &lint.docs, &output, &input)?;
    Ok(BuildOutcome {
        lint,
        site: Some(summary),
        notes,
        history: stats,
        unpublished,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_filter_matches_files_and_folders() {
        let f = PathFilter {
            prefixes: vec!["postmortems".into(), "runbooks/a.md".into()],
            changed: None,
        };
        assert!(f.matches("postmortems/x.md"));
        assert!(f.matches("runbooks/a.md"));
        assert!(!f.matches("runbooks/b.md"));
        assert!(!f.matches("postmortems-old/x.md"));
        let all = PathFilter {
            prefixes: vec![String::new()],
            changed: None,
        };
        assert!(all.matches("anything.md"));
        let changed = PathFilter {
            prefixes: Vec::new(),
            changed: Some(["runbooks/a.md".to_string()].into()),
        };
        assert!(changed.matches("runbooks/a.md"));
        assert!(!changed.matches("runbooks/b.md"));
    }
}
