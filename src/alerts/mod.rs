//! Alerting rules read from the repository, so that alerts and runbooks can be checked against
//! each other (the lint), linked both ways (the site) and reviewed (`opsbook alerts`).
//!
//! - [`parse`]: one rule file's text into its alerts: Prometheus rule files (`groups[].rules[]`)
//!   and every format that shares them (Thanos, Mimir, Cortex, Loki and VictoriaMetrics rulers),
//!   the same groups inside Kubernetes objects (`PrometheusRule`, `VMRule`, a `List`, Helm
//!   values), several YAML documents per file, and Grafana-managed alert rules exported as YAML.
//! - [`runbook_url`]: what an alert's runbook URL template points at.
//! - [`coverage`]: which runbooks answer each alert, for the lint, the site and the report.
//! - Here: the rule files named by `[alerts] rules`, read once ([`load`]).

pub mod coverage;
pub mod parse;
pub mod report;
pub mod runbook_url;

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use crate::config::Config;
use crate::document::ReadProblem;

/// A value from a rule file with its byte span there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned {
    pub value: String,
    pub span: Range<usize>,
}

/// Where an alert is defined: the format of the object around its group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flavor {
    /// `groups[].rules[]` with `alert:` (Prometheus and the rulers that share its format).
    Prometheus,
    /// A Grafana-managed rule (`title:`, `condition:`, `data:`), as Grafana exports them.
    Grafana,
}

/// One alerting rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// The `alert:` name (Grafana: `title:`), with the span of its value.
    pub name: Spanned,
    /// The rule group's `name:`.
    pub group: String,
    /// The severity label (`[alerts] severity_label`).
    pub severity: Option<Spanned>,
    /// The runbook annotation (`[alerts] runbook_annotation`), as written.
    pub runbook_url: Option<Spanned>,
    /// The `summary` annotation, else `message` (older kube-prometheus rules).
    pub summary: String,
    pub description: String,
    /// The query (`expr:`); empty for Grafana rules, whose queries are data sources' own.
    pub expr: String,
    /// `for:` as written.
    pub pending: String,
    /// The static labels, severity included (runbook URL templates may use them).
    pub labels: Vec<(String, String)>,
    pub flavor: Flavor,
}

/// A problem that keeps (part of) a rule file from being read as rules: reported by
/// `invalid-rule-file`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub span: Range<usize>,
    pub message: String,
    pub label: String,
    pub help: String,
}

/// One file named by `[alerts] rules`, read and parsed.
#[derive(Debug)]
pub struct RuleFile {
    /// Relative to the knowledge base root (the folder of opsbook.toml), `/`-separated.
    pub rel_path: String,
    /// Where it was read from.
    pub path: PathBuf,
    /// The path diagnostics show.
    pub display_path: String,
    /// The text (empty when unreadable).
    pub source: Arc<String>,
    pub read_problem: Option<ReadProblem>,
    /// What in the text could not be read as rules.
    pub problems: Vec<Problem>,
    pub alerts: Vec<Alert>,
    /// Recording rules (`record:`): counted, not otherwise used.
    pub recording_rules: usize,
    /// The text is not YAML (a template, say).
    pub not_yaml: bool,
    lines: OnceLock<Vec<usize>>,
}

impl RuleFile {
    /// A rule file parsed from its text.
    pub fn parse(rel_path: String, path: PathBuf, source: Arc<String>, config: &Config) -> Self {
        let parsed = parse::parse(&source, &config.alerts);
        RuleFile {
            display_path: crate::document::display_path(&path),
            rel_path,
            path,
            source,
            read_problem: None,
            problems: parsed.problems,
            alerts: parsed.alerts,
            recording_rules: parsed.recording_rules,
            not_yaml: parsed.not_yaml,
            lines: OnceLock::new(),
        }
    }

    /// A rule file whose bytes could not be read as text.
    pub fn unreadable(rel_path: String, path: PathBuf, problem: ReadProblem) -> Self {
        RuleFile {
            display_path: crate::document::display_path(&path),
            rel_path,
            path,
            source: Arc::default(),
            read_problem: Some(problem),
            problems: Vec::new(),
            alerts: Vec::new(),
            recording_rules: 0,
            not_yaml: false,
            lines: OnceLock::new(),
        }
    }

    /// Whether its alerts could be read: it is text, and YAML.
    pub fn is_usable(&self) -> bool {
        self.read_problem.is_none() && !self.not_yaml
    }

    /// Byte offsets where each line starts, built on first use.
    pub fn line_starts(&self) -> &[usize] {
        self.lines
            .get_or_init(|| crate::document::line_starts(&self.source))
    }
}

/// Every alert of the rule files, by name. An alert name may be defined more than once (the
/// same alert at `warning` and `critical`, or in two clusters' files).
#[derive(Debug, Default)]
pub struct AlertRules {
    pub files: Vec<RuleFile>,
    /// Alert name -> (file index, alert index) of each definition, in file order.
    by_name: HashMap<String, Vec<(usize, usize)>>,
}

impl AlertRules {
    pub fn new(files: Vec<RuleFile>) -> AlertRules {
        let mut by_name: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        for (f, file) in files.iter().enumerate() {
            for (a, alert) in file.alerts.iter().enumerate() {
                by_name
                    .entry(alert.name.value.clone())
                    .or_default()
                    .push((f, a));
            }
        }
        AlertRules { files, by_name }
    }

    /// Whether any rule file defines an alert of this name.
    pub fn defines(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    /// The definitions of an alert name.
    pub fn definitions(&self, name: &str) -> impl Iterator<Item = (&RuleFile, &Alert)> {
        self.by_name
            .get(name)
            .into_iter()
            .flatten()
            .map(|&(f, a)| (&self.files[f], &self.files[f].alerts[a]))
    }

    /// Every alert name, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.by_name.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// Every alert with its file, in file order.
    pub fn alerts(&self) -> impl Iterator<Item = (usize, &RuleFile, &Alert)> {
        self.files
            .iter()
            .enumerate()
            .flat_map(|(i, file)| file.alerts.iter().map(move |alert| (i, file, alert)))
    }

    /// Whether every rule file could be read (so an alert no file defines does not exist).
    pub fn all_usable(&self) -> bool {
        self.files.iter().all(RuleFile::is_usable)
    }

    /// The index of the rule file at a root-relative path.
    pub fn file_index(&self, rel_path: &str) -> Option<usize> {
        self.files.iter().position(|f| f.rel_path == rel_path)
    }
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum AlertsError {
    #[error("[alerts] rules = [\"{pattern}\"] matches no file under {root}")]
    #[diagnostic(
        code(alerts),
        help(
            "rule globs are relative to the folder of opsbook.toml (such as \"monitoring/**/*.yaml\"); fix the pattern or remove it"
        )
    )]
    NoMatch { pattern: String, root: String },
    #[error("cannot read the rule files under {path}: {message}")]
    #[diagnostic(code(alerts))]
    Unreadable { path: String, message: String },
}

/// The rule files `[alerts] rules` names, read and parsed in parallel (none without the
/// setting). A glob that matches no file is an error: a check that silently reads nothing
/// would pass for ever.
pub fn load(config: &Config) -> Result<AlertRules, AlertsError> {
    let files = find(config)?;
    let max_bytes = config.lint.max_file_bytes;
    let parsed = files
        .into_par_iter()
        .map(|(rel_path, path, link_problem)| {
            if let Some(problem) = link_problem {
                return RuleFile::unreadable(rel_path, path, ReadProblem::Io(problem));
            }
            match crate::parse::read_regular_file(&path, max_bytes).and_then(crate::parse::decode) {
                Ok(text) => RuleFile::parse(rel_path, path, Arc::new(text), config),
                Err(problem) => RuleFile::unreadable(rel_path, path, problem),
            }
        })
        .collect();
    Ok(AlertRules::new(parsed))
}

/// What `--changed-since REV` reports of the alert rules, by root-relative path: the rule
/// files that changed since the merge base with `rev`, and every alert name such a file
/// defines now or defined before (documents listing one are reported too).
pub fn changed_since(
    config: &Config,
    rev: &str,
    rules: &AlertRules,
) -> Result<(BTreeSet<String>, BTreeSet<String>), crate::git::changes::ChangesError> {
    let mut names = BTreeSet::new();
    if config.alerts.rules.is_empty() {
        return Ok((BTreeSet::new(), names));
    }
    let matcher = glob_set(&config.alerts.rules);
    let exclude = glob_set(&config.alerts.exclude);
    let accept = |rel: &str| matcher.is_match(rel) && !exclude.is_match(rel);
    let changed =
        crate::git::changes::changed_files(&config.root, rev, &accept, config.lint.max_file_bytes)?;
    for (_, text) in &changed.before {
        let before = parse::parse(text, &config.alerts);
        names.extend(before.alerts.into_iter().map(|a| a.name.value));
    }
    for file in rules
        .files
        .iter()
        .filter(|f| changed.changed.contains(&f.rel_path))
    {
        names.extend(file.alerts.iter().map(|a| a.name.value.clone()));
    }
    Ok((changed.changed, names))
}

type Found = (String, PathBuf, Option<String>);

/// The files the globs match, by root-relative path (sorted, each once), with the problem of a
/// symlink that leaves its folder. Each glob's fixed leading folders are walked, not the root.
fn find(config: &Config) -> Result<Vec<Found>, AlertsError> {
    let alerts = &config.alerts;
    let exclude = glob_set(&alerts.exclude);
    let mut found: std::collections::BTreeMap<String, Found> = Default::default();
    for pattern in &alerts.rules {
        let matcher = glob_set(std::slice::from_ref(pattern));
        let base = literal_base(pattern);
        let dir = config.root.join(&base);
        let mut matched = 0;
        if dir.is_dir() {
            let accept = |path: &Path| {
                let rel = root_relative(&base, &dir, path);
                matcher.is_match(&rel) && !exclude.is_match(&rel)
            };
            let files = crate::discover::walk(&dir, &format!("{}", dir.display()), &accept)
                .map_err(|e| AlertsError::Unreadable {
                    path: dir.display().to_string(),
                    message: e.to_string(),
                })?;
            for file in files {
                matched += 1;
                let rel = root_relative(&base, &dir, &file.path);
                found.insert(rel.clone(), (rel, file.path, file.link_problem));
            }
        } else if std::fs::symlink_metadata(&dir).is_ok() && !exclude.is_match(&base) {
            // A glob without wildcards: the one file it names (read_regular_file refuses what
            // is not a regular file).
            matched += 1;
            let problem = leaves_root(&config.root, &dir);
            found.insert(base.clone(), (base.clone(), dir, problem));
        }
        if matched == 0 {
            return Err(AlertsError::NoMatch {
                pattern: pattern.clone(),
                root: crate::document::display_path(&config.root),
            });
        }
    }
    Ok(found.into_values().collect())
}

/// Whether a root-relative path is a rule file of `[alerts]` (matched by `rules`, not by
/// `exclude`): what `opsbook serve` asks of a changed file.
pub fn is_rule_file(rules: &[String], exclude: &[String], rel_path: &str) -> bool {
    !rules.is_empty() && glob_set(rules).is_match(rel_path) && !glob_set(exclude).is_match(rel_path)
}

/// The folders the rule globs walk (each glob's fixed leading folders), under `root`.
pub fn rule_folders(config: &Config) -> Vec<PathBuf> {
    config
        .alerts
        .rules
        .iter()
        .map(|pattern| config.root.join(literal_base(pattern)))
        .collect()
}

/// Why a symlink at `path` cannot be read as a rule file: it leads outside `root`, or nowhere.
fn leaves_root(root: &Path, path: &Path) -> Option<String> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return None;
    }
    match (path.canonicalize(), root.canonicalize()) {
        (Ok(target), Ok(root)) if target.starts_with(&root) => None,
        (Ok(target), _) => Some(format!(
            "is a symlink to {}, outside the knowledge base",
            target.display()
        )),
        (Err(e), _) => Some(format!("is a symlink that cannot be resolved: {e}")),
    }
}

fn glob_set(patterns: &[String]) -> globset::GlobSet {
    let mut set = globset::GlobSetBuilder::new();
    for pattern in patterns {
        // Validated when the config was loaded; `literal_separator` keeps `*` within a folder.
        if let Ok(glob) = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
        {
            set.add(glob);
        }
    }
    set.build().unwrap_or_else(|_| globset::GlobSet::empty())
}

/// The leading folders of a glob that hold no glob syntax (`monitoring/rules` of
/// `monitoring/rules/**/*.yaml`), or the whole pattern when it has none.
fn literal_base(pattern: &str) -> String {
    let parts: Vec<&str> = pattern.split('/').collect();
    let literal = parts
        .iter()
        .take_while(|part| !part.contains(['*', '?', '[', '{', '\\']))
        .count();
    parts[..literal]
        .iter()
        .filter(|p| !p.is_empty() && **p != ".")
        .copied()
        .collect::<Vec<_>>()
        .join("/")
}

/// The root-relative `/`-separated path of `path`, found under `dir` (the root joined with
/// `base`).
fn root_relative(base: &str, dir: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(dir).unwrap_or(path);
    let mut parts: Vec<String> = Vec::new();
    if !base.is_empty() {
        parts.push(base.to_string());
    }
    parts.extend(
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_literal_base_of_a_glob_is_walked() {
        assert_eq!(literal_base("monitoring/**/*.yaml"), "monitoring");
        assert_eq!(literal_base("deploy/rules/*.rules.yml"), "deploy/rules");
        assert_eq!(literal_base("**/*.yaml"), "");
        assert_eq!(literal_base("./rules/alerts.yaml"), "rules/alerts.yaml");
        assert_eq!(literal_base("rules/{a,b}.yaml"), "rules");
    }

    #[test]
    fn globs_select_files_under_the_root_and_exclude_some() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for path in [
            "monitoring/a.yaml",
            "monitoring/sub/b.yaml",
            "monitoring/helm/templates/c.yaml",
            "monitoring/notes.md",
            "monitoring/.hidden/d.yaml",
            "other/e.yaml",
        ] {
            let full = root.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, "groups: []\n").unwrap();
        }
        let mut config = Config {
            root: root.to_path_buf(),
            ..Config::default()
        };
        config.alerts.rules = vec!["monitoring/**/*.yaml".into(), "other/e.yaml".into()];
        config.alerts.exclude = vec!["monitoring/helm/**".into()];
        let rules = load(&config).unwrap();
        let names: Vec<&str> = rules.files.iter().map(|f| f.rel_path.as_str()).collect();
        assert_eq!(
            names,
            ["monitoring/a.yaml", "monitoring/sub/b.yaml", "other/e.yaml"]
        );
        config.alerts.rules = vec!["monitoring/*.yml".into()];
        let err = load(&config).unwrap_err();
        assert!(matches!(err, AlertsError::NoMatch { .. }), "{err:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_leaving_the_knowledge_base_is_refused() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.yaml"), "groups: []\n").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("rules")).unwrap();
        for name in ["rules/link.yaml", "named.yaml"] {
            std::os::unix::fs::symlink(outside.path().join("secret.yaml"), root.join(name))
                .unwrap();
        }
        let mut config = Config {
            root: root.to_path_buf(),
            ..Config::default()
        };
        config.alerts.rules = vec!["rules/*.yaml".into(), "named.yaml".into()];
        let rules = load(&config).unwrap();
        assert_eq!(rules.files.len(), 2);
        for file in &rules.files {
            let problem = file
                .read_problem
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            assert!(
                problem.contains("is a symlink to"),
                "{}: {problem}",
                file.rel_path
            );
            assert!(file.source.is_empty(), "not read");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("rules")).unwrap();
        let fifo = root.join("rules/pipe.yaml");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let mut config = Config {
            root: root.to_path_buf(),
            ..Config::default()
        };
        config.alerts.rules = vec!["rules/*.yaml".into()];
        let rules = load(&config).unwrap();
        assert!(matches!(
            rules.files[0].read_problem,
            Some(ReadProblem::NotAFile(_))
        ));
    }
}
