//! opsbook: incident runbooks and postmortems as docs-as-code.
//!
//! The pipeline runs in one direction, one module per stage:
//! [`discover`] -> [`parse`] -> [`lint`] (check) -> [`report`] for `opsbook lint`, and on to
//! [`site`] (model, render, write) for `opsbook build`. The library returns data; the binary
//! ([`commands`], with the arguments defined in [`cli`]) prints it and picks the exit code.

pub mod adopt;
pub mod alerts;
pub mod allocator;
pub mod cli;
pub mod commands;
pub mod config;
pub mod discover;
pub mod document;
pub mod escape;
pub mod follow_ups;
pub mod git;
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
    #[error("{0} is not inside the content folder {1} and holds no alert rule file")]
    #[diagnostic(
        code(paths),
        help(
            "pass files or folders under the content folder or rule files of [alerts] rules, or nothing to lint everything"
        )
    )]
    PathOutsideContentAndRules(String, String),
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
    #[error("{path} was not checked: {why}")]
    #[diagnostic(
        code(changed),
        help(
            "the lint reads each document again as it checks it, and checks only the text it parsed; lint again once the files stop changing"
        )
    )]
    Changed { path: String, why: String },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Site(#[from] site::SiteError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Changes(#[from] git::changes::ChangesError),
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
    Git(#[from] git::GitError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Alerts(#[from] alerts::AlertsError),
}

/// What `lint` found.
#[derive(Debug)]
pub struct LintOutcome {
    /// Every document of the knowledge base (cross-document rules see them all). Read from
    /// disk, only the documents with findings hold their text: the others let it go, with
    /// their front matter's tree, once parsed ([`Document::release`]).
    pub docs: Vec<Document>,
    /// The alert rules of `[alerts] rules` (none without the setting).
    pub alerts: alerts::AlertRules,
    /// The findings to report: all of them, or those in the requested paths.
    pub findings: Vec<Finding>,
    /// How many documents the report covers.
    pub checked: usize,
    /// How many rule files the report covers.
    pub rule_files_checked: usize,
    /// What the reader should know about the check itself, such as why `stale-runbook` had no
    /// git dates.
    pub notes: Vec<String>,
}

impl LintOutcome {
    /// The files the findings are in, for the reports.
    pub fn sources(&self) -> report::Sources<'_> {
        report::Sources::new(&self.docs, &self.alerts.files)
    }

    /// What the report covers.
    pub fn checked(&self) -> report::Checked {
        report::Checked {
            documents: self.checked,
            rule_files: self.rule_files_checked,
        }
    }

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

/// [`load`] for the check: each text is let go once its document is parsed and read again as
/// the document is checked ([`parse::parse_all_released`]).
fn load_for_check(config: &Config) -> Result<Vec<Document>, Error> {
    let files = discover::discover(&config.content_dir(), config.mapping())?;
    Ok(parse::parse_all_released(&files, config))
}

/// Runs discover -> parse -> check.
pub fn lint(config: &Config, options: &LintOptions) -> Result<LintOutcome, Error> {
    let (docs, alerts) = rayon::join(|| load_for_check(config), || alerts::load(config));
    let history = git::SharedHistory::from_head(&config.content_dir());
    lint_docs(config, docs?, alerts?, options, &history)
}

/// Runs the check on documents already read (from the working tree or a git tree);
/// `stale-runbook` takes its git dates from `history`. Documents whose text was let go after
/// parsing get it back when they have findings (the report quotes them).
fn lint_docs(
    config: &Config,
    mut docs: Vec<Document>,
    alerts: alerts::AlertRules,
    options: &LintOptions,
    history: &git::SharedHistory,
) -> Result<LintOutcome, Error> {
    let mut filter = path_filter(config, &options.paths, &alerts)?;
    let any_rule_file = alerts
        .files
        .iter()
        .any(|f| filter.matches_rule_file(&f.rel_path));
    if !options.allow_empty && !any_rule_file && !docs.iter().any(|d| filter.matches(&d.rel_path)) {
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
        let (documents, rule_files) = changed_since(config, rev, &docs, &alerts)?;
        filter.changed = Some(documents);
        filter.changed_rule_files = Some(rule_files);
    }
    let today = options.today.unwrap_or_else(today);
    let coverage =
        (!alerts.files.is_empty()).then(|| alerts::coverage::Coverage::new(&docs, &alerts, config));
    let mut corpus = lint::Corpus::new(&docs, config, today).with_history(history);
    if let Some(coverage) = &coverage {
        corpus = corpus.with_alerts(&alerts, coverage);
    }
    let all: Vec<usize> = (0..docs.len()).collect();
    let mut findings = lint::check_documents(&corpus, &all, false).0;
    findings.extend(lint::check_rule_files(&corpus));
    let findings: Vec<Finding> = findings
        .into_iter()
        .filter(|f| match f.at {
            lint::Origin::Document(i) => filter.matches(&docs[i].rel_path),
            lint::Origin::RuleFile(i) => filter.matches_rule_file(&alerts.files[i].rel_path),
        })
        .collect();
    let notes = corpus
        .git_dates_if_computed()
        .and_then(|dates| git_dates_note(history, dates))
        .into_iter()
        .collect();
    drop(corpus);
    drop(coverage);
    restore_quoted_texts(&mut docs, &findings)?;
    let checked = docs.iter().filter(|d| filter.matches(&d.rel_path)).count();
    let rule_files_checked = alerts
        .files
        .iter()
        .filter(|f| filter.matches_rule_file(&f.rel_path))
        .count();
    Ok(LintOutcome {
        docs,
        alerts,
        findings,
        checked,
        rule_files_checked,
        notes,
    })
}

/// Gives the documents with findings their text back, and stops when a text could not be
/// read again as it was parsed: the findings would be of a text that is no longer there.
fn restore_quoted_texts(docs: &mut [Document], findings: &[Finding]) -> Result<(), Error> {
    use rayon::prelude::*;
    let changed = |doc: &Document, why: &str| Error::Changed {
        path: doc.display_path.clone(),
        why: why.to_string(),
    };
    if let Some(doc) = docs.iter().find(|d| d.reread_problem().is_some()) {
        return Err(changed(doc, doc.reread_problem().unwrap_or_default()));
    }
    let quoted = documents_with_findings(docs.len(), findings);
    docs.par_iter_mut()
        .zip(quoted)
        .filter(|(_, quoted)| *quoted)
        .try_for_each(|(doc, _)| doc.restore_text().map_err(|why| changed(doc, &why)))
}

/// For each document, whether a finding is in it.
fn documents_with_findings(len: usize, findings: &[Finding]) -> Vec<bool> {
    let mut with_findings = vec![false; len];
    for finding in findings {
        if let Some(flag) = finding.at.document().and_then(|i| with_findings.get_mut(i)) {
            *flag = true;
        }
    }
    with_findings
}

/// What `stale-runbook`'s reader should know about the git dates it used: why there were
/// none, or that a shallow clone dated some runbooks by its oldest commit.
fn git_dates_note(
    history: &git::SharedHistory,
    used: &std::collections::HashMap<String, Date>,
) -> Option<String> {
    match history.get() {
        Err(why) => Some(format!(
            "stale-runbook has no git dates for runbooks without last_reviewed: {why}"
        )),
        Ok(history) if history.shallow => {
            let dated_by_boundary = used
                .keys()
                .filter(|path| history.get(path).is_some_and(|f| f.at_shallow_boundary))
                .count();
            (dated_by_boundary > 0).then(|| git::history::SHALLOW_NOTE.to_string())
        }
        Ok(_) => None,
    }
}

type Paths = std::collections::BTreeSet<String>;

/// The documents and rule files `--changed-since REV` reports on: those that changed, the
/// documents whose links or references the change broke, the documents listing an alert a
/// changed rule file defines or defined, and the rule files defining an alert a changed
/// document lists.
fn changed_since(
    config: &Config,
    rev: &str,
    docs: &[Document],
    rules: &alerts::AlertRules,
) -> Result<(Paths, Paths), Error> {
    let resolver = document::links::Resolver::for_config(config);
    let mut documents =
        git::changes::changed_documents(&config.content_dir(), rev, docs, &resolver)?;
    let (mut rule_files, names) = alerts::changed_since(config, rev, rules)?;
    let mut listed = std::collections::BTreeSet::new();
    for doc in docs {
        let changed = documents.contains(&doc.rel_path);
        for name in alerts::coverage::listed_alerts(doc) {
            if changed {
                listed.insert(name);
            } else if names.contains(name) {
                documents.insert(doc.rel_path.clone());
            }
        }
    }
    for file in &rules.files {
        if file
            .alerts
            .iter()
            .any(|a| listed.contains(a.name.value.as_str()))
        {
            rule_files.insert(file.rel_path.clone());
        }
    }
    Ok((documents, rule_files))
}

/// Which documents and rule files a report covers: path prefixes from the command line
/// (content-relative for documents, root-relative for rule files), and the sets a git change
/// touched (`--changed-since`). Both apply when both are given.
struct PathFilter {
    /// Paths were given: only what is under them is reported.
    restricted: bool,
    prefixes: Vec<String>,
    rule_prefixes: Vec<String>,
    changed: Option<Paths>,
    changed_rule_files: Option<Paths>,
}

/// Whether `/`-separated `path` is `prefix` or under it (everything is under `""`).
fn is_under(path: &str, prefix: &str) -> bool {
    prefix.is_empty()
        || path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

impl PathFilter {
    fn matches(&self, rel_path: &str) -> bool {
        let in_paths = !self.restricted || self.prefixes.iter().any(|p| is_under(rel_path, p));
        in_paths
            && self
                .changed
                .as_ref()
                .is_none_or(|set| set.contains(rel_path))
    }

    /// [`PathFilter::matches`] for a rule file (a root-relative path).
    fn matches_rule_file(&self, rel_path: &str) -> bool {
        let in_paths = !self.restricted || self.rule_prefixes.iter().any(|p| is_under(rel_path, p));
        in_paths
            && self
                .changed_rule_files
                .as_ref()
                .is_none_or(|set| set.contains(rel_path))
    }
}

/// A path relative to `base` (both absolute), `/`-separated; `None` outside it.
fn relative_to(path: &Path, base: &Path) -> Option<String> {
    let rel = path.strip_prefix(base).ok()?;
    Some(
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

fn path_filter(
    config: &Config,
    paths: &[PathBuf],
    rules: &alerts::AlertRules,
) -> Result<PathFilter, Error> {
    let content = config.content_dir();
    let content_abs = absolute(&content);
    let root_abs = absolute(&config.root);
    let mut filter = PathFilter {
        restricted: !paths.is_empty(),
        prefixes: Vec::new(),
        rule_prefixes: Vec::new(),
        changed: None,
        changed_rule_files: None,
    };
    for path in paths {
        if std::fs::symlink_metadata(path).is_err() {
            return Err(Error::PathMissing(path.display().to_string()));
        }
        let abs = absolute(path);
        let in_rules = relative_to(&abs, &root_abs)
            .filter(|rel| rules.files.iter().any(|f| is_under(&f.rel_path, rel)));
        let in_content = relative_to(&abs, &content_abs);
        if in_content.is_none() && in_rules.is_none() {
            let shown = (path.display().to_string(), content.display().to_string());
            return Err(if config.alerts.rules.is_empty() {
                Error::PathOutsideContent(shown.0, shown.1)
            } else {
                Error::PathOutsideContentAndRules(shown.0, shown.1)
            });
        }
        filter.prefixes.extend(in_content);
        filter.rule_prefixes.extend(in_rules);
    }
    Ok(filter)
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

/// What a build takes from git.
struct BuildGit {
    repo: Option<std::sync::Arc<git::GitRepo>>,
    /// The documents of `--rev`, read from git.
    tree_docs: Option<Vec<Document>>,
    /// The history the pages and `stale-runbook` share.
    history: git::SharedHistory,
}

/// What a build takes from git; `notes` says why pages will show no history.
fn git_for_build(
    config: &Config,
    options: &BuildOptions,
    notes: &mut Vec<String>,
) -> Result<BuildGit, Error> {
    let content_dir = config.content_dir();
    let repo = match git::GitRepo::open(&content_dir) {
        Ok(repo) => repo.map(std::sync::Arc::new),
        Err(err) if options.rev.is_none() => {
            notes.push(format!("pages show no git history: {err}"));
            None
        }
        Err(err) => return Err(err.into()),
    };
    if options.rev.is_some() && !config.alerts.rules.is_empty() {
        notes.push("--rev builds read no alert rules: the site has no alert pages".into());
    }
    let (tree_docs, start) = match &options.rev {
        Some(rev) => {
            let repo = repo
                .as_ref()
                .ok_or_else(|| git::GitError::NoRepository(content_dir.display().to_string()))?;
            let commit = repo.resolve(rev)?;
            let files =
                repo.tree_files(commit, rev, parse::DEFAULT_MAX_FILE_BYTES, config.mapping())?;
            (
                Some(parse::parse_tree_files(files, config)),
                Ok(Some(commit)),
            )
        }
        None => (None, repo.as_ref().map_or(Ok(None), |r| r.head())),
    };
    let history = match (&repo, start) {
        (Some(repo), Ok(Some(start))) => git::SharedHistory::at(repo.clone(), start),
        (Some(_), Ok(None)) => {
            notes.push("pages show no git history: the repository has no commits yet".into());
            git::SharedHistory::none(None)
        }
        (Some(_), Err(err)) => {
            notes.push(format!("pages show no git history: {err}"));
            git::SharedHistory::none(Some(err.to_string()))
        }
        (None, _) if notes.is_empty() => {
            notes.push(format!(
                "pages show no git history: the content folder {} is not in a git repository",
                content_dir.display()
            ));
            git::SharedHistory::none(None)
        }
        (None, _) => git::SharedHistory::none(None),
    };
    Ok(BuildGit {
        repo,
        tree_docs,
        history,
    })
}

/// Runs the whole pipeline: lint, then render and write the site unless lint found errors.
/// The git history walk runs beside reading and checking the documents; `stale-runbook` and
/// the pages read the same walk.
pub fn build(config: &Config, options: &BuildOptions) -> Result<BuildOutcome, Error> {
    let output = options
        .output
        .clone()
        .unwrap_or_else(|| config.output_dir());
    let output = site::resolve_output(&output)?;
    site::check_output_dir(&output, &config.content_dir(), config.file.is_some())?;
    let mut notes = Vec::new();
    let BuildGit {
        repo,
        tree_docs,
        history,
    } = git_for_build(config, options, &mut notes)?;
    let lint_options = LintOptions {
        today: options.today,
        allow_empty: options.allow_empty,
        ..LintOptions::default()
    };
    let mut lint = std::thread::scope(|scope| {
        scope.spawn(|| history.get().is_ok());
        match tree_docs {
            Some(docs) => lint_docs(
                config,
                docs,
                alerts::AlertRules::default(),
                &lint_options,
                &history,
            ),
            None => {
                let (docs, alerts) =
                    rayon::join(|| load_for_check(config), || alerts::load(config));
                lint_docs(config, docs?, alerts?, &lint_options, &history)
            }
        }
    })?;
    let walked = match (&repo, history.get()) {
        (Some(_), Ok(walked)) if walked.commits_walked > 0 => {
            if walked.shallow {
                notes.push(git::history::SHALLOW_NOTE.into());
            }
            Some(walked)
        }
        (Some(_), Err(why)) if notes.is_empty() => {
            notes.push(format!("pages show no git history: {why}"));
            None
        }
        _ => None,
    };
    let stats = walked.map(|h| HistoryStats {
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
        history: walked,
        content_prefix: repo.as_ref().map(|r| r.content_prefix()),
        alerts: Some(&lint.alerts),
    };
    let summary = site::build(config, &mut lint.docs, &output, &input)?;
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

    /// A file edited between the parse and the check stops the lint: its findings would be
    /// of a text that is gone, and a gate must not pass on a text it never checked.
    #[test]
    fn a_document_edited_while_the_lint_runs_stops_it() {
        let dir = tempfile::tempdir().unwrap();
        let runbook = dir.path().join("content/runbooks/disk-full.md");
        std::fs::create_dir_all(runbook.parent().unwrap()).unwrap();
        let text = "---\ntitle: Disk full\nowner: team-a\n---\n\nFree space: `df -h`.\n";
        std::fs::write(&runbook, text).unwrap();
        let config = Config::load(None, dir.path()).unwrap();
        let history = git::SharedHistory::from_head(&config.content_dir());
        let lint_now = |docs| {
            let alerts = alerts::AlertRules::default();
            lint_docs(&config, docs, alerts, &LintOptions::default(), &history)
        };
        let docs = load_for_check(&config).unwrap();
        assert!(docs.iter().all(Document::is_released));
        assert!(lint_now(docs).is_ok());
        let docs = load_for_check(&config).unwrap();
        std::fs::write(&runbook, text.replace("df -h", "rm -r")).unwrap();
        match lint_now(docs) {
            Err(Error::Changed { path, why }) => {
                assert!(path.ends_with("content/runbooks/disk-full.md"), "{path}");
                assert!(
                    why.contains("changed while the lint was checking it"),
                    "{why}"
                );
            }
            other => panic!("expected Error::Changed, got {other:?}"),
        }
    }

    fn filter(prefixes: &[&str], rule_prefixes: &[&str]) -> PathFilter {
        PathFilter {
            restricted: true,
            prefixes: prefixes.iter().map(|p| p.to_string()).collect(),
            rule_prefixes: rule_prefixes.iter().map(|p| p.to_string()).collect(),
            changed: None,
            changed_rule_files: None,
        }
    }

    #[test]
    fn path_filter_matches_files_and_folders() {
        let f = filter(&["postmortems", "runbooks/a.md"], &[]);
        assert!(f.matches("postmortems/x.md"));
        assert!(f.matches("runbooks/a.md"));
        assert!(!f.matches("runbooks/b.md"));
        assert!(!f.matches("postmortems-old/x.md"));
        assert!(!f.matches_rule_file("monitoring/a.yaml"));
        let all = filter(&[""], &[]);
        assert!(all.matches("anything.md"));
        let changed = PathFilter {
            restricted: false,
            changed: Some(["runbooks/a.md".to_string()].into()),
            ..filter(&[], &[])
        };
        assert!(changed.matches("runbooks/a.md"));
        assert!(!changed.matches("runbooks/b.md"));
        assert!(changed.matches_rule_file("monitoring/a.yaml"));
        let rules = filter(&[], &["monitoring"]);
        assert!(
            !rules.matches("runbooks/a.md"),
            "a rule folder alone reports no document"
        );
        assert!(rules.matches_rule_file("monitoring/a.yaml"));
        assert!(!rules.matches_rule_file("monitoring-old/a.yaml"));
    }
}
