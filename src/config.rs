//! `opsbook.toml`: site settings, folders and the document schema. Every key is optional.

pub mod reading;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Deserialize;

use crate::document::Kind;
use crate::lint::Level;
pub use reading::{Conversion, DocumentsConfig, KindsConfig, LinksConfig, Section};

pub const CONFIG_FILE: &str = "opsbook.toml";

/// The configuration in force, with every default filled in.
/// An opsbook.toml larger than this is refused: a config is a page of settings.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub site: SiteConfig,
    pub paths: PathsConfig,
    pub schema: SchemaConfig,
    pub lint: LintConfig,
    pub search: SearchConfig,
    /// Which files are documents and how they are read (see [`reading`]).
    pub documents: DocumentsConfig,
    /// Kinds by path glob (see [`reading`]).
    pub kinds: KindsConfig,
    /// Link conventions of other site generators (see [`reading`]).
    pub links: LinksConfig,
    pub alerts: AlertsConfig,
    /// The folder holding opsbook.toml (or the working folder without one); relative paths
    /// in the config are relative to it.
    #[serde(skip)]
    pub root: PathBuf,
    /// The config file that was read, if any.
    #[serde(skip)]
    pub file: Option<PathBuf>,
    /// The reading settings compiled (globs, aliases), made on first use by
    /// [`Config::mapping`]: change the settings before that.
    #[serde(skip)]
    pub compiled: std::sync::OnceLock<std::sync::Arc<crate::document::mapping::Mapping>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteConfig {
    pub title: String,
    pub description: String,
    /// Where the site is served from: "/" or a full URL such as "https://ops.example.com/".
    pub base_url: String,
    /// The web address of the repository (such as "https://github.com/acme/ops-kb"), for
    /// "Edit this page" and commit links; none when empty.
    pub repo_url: String,
    /// The branch "Edit this page" links open.
    pub edit_branch: String,
    /// Where a follow-up's ticket id points, with `{ticket}` standing for the id (such as
    /// "https://tracker.example.com/browse/{ticket}"); ids stay plain text when empty.
    pub ticket_url: String,
    /// Where a document's source path points, with `{path}` standing for the path from the
    /// repository root; when empty, derived from repo_url and edit_branch.
    pub source_url: String,
    /// Keep raw HTML in Markdown as written instead of sanitizing it. Only for teams that
    /// trust everyone who can change the repository.
    pub unsafe_html: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PathsConfig {
    pub content: PathBuf,
    pub output: PathBuf,
    pub templates: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchemaConfig {
    /// The severity scale, most severe first.
    pub severities: Vec<String>,
    pub runbook: KindSchema,
    pub postmortem: KindSchema,
    pub follow_up: KindSchema,
}

/// What one kind of record requires and which values its fields may take.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KindSchema {
    pub required: Vec<String>,
    /// Allowed values per field; a field listed here accepts nothing else.
    pub allowed: BTreeMap<String, Vec<String>>,
    /// Headings the body must have (`missing-section`), matched case-insensitively; a list
    /// in the list is a choice (`["Timeline", "Key events"]`).
    pub sections: Vec<Section>,
    /// Extra front matter keys a team uses, so `unknown-field` accepts them.
    pub extra_fields: Vec<String>,
    /// The team's own names for opsbook's fields: `start_time = "started_at"`.
    pub aliases: reading::Ordered<String>,
    /// Conversions of values written the team's way, by opsbook field:
    /// `review_interval = "duration"`.
    pub convert: BTreeMap<String, Conversion>,
}

/// `[lint]`: rule levels and exceptions.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LintConfig {
    /// Level per rule id, overriding the rule's default: "error", "warning" or "off".
    pub rules: BTreeMap<String, Level>,
    /// Globs of content-relative paths that are not linted (they still count as link targets).
    pub ignore: Vec<String>,
    /// Treat warnings as errors (same as `--deny-warnings`).
    pub deny_warnings: bool,
    /// Files larger than this are reported by `unreadable-file` and not parsed.
    pub max_file_bytes: u64,
    /// Days after `last_reviewed` when a runbook is stale, unless it sets `review_interval`.
    pub review_interval_days: i64,
    /// Rules that do not apply to documents with `status: draft`.
    pub draft_skip: Vec<String>,
    /// Where rule pages are published, for SARIF help links; `{id}` is the rule id.
    pub rule_url: String,
}

impl Default for LintConfig {
    fn default() -> Self {
        Self {
            rules: BTreeMap::new(),
            ignore: Vec::new(),
            deny_warnings: false,
            max_file_bytes: crate::parse::DEFAULT_MAX_FILE_BYTES,
            review_interval_days: 180,
            draft_skip: strings(&[
                "required-field",
                "follow-up-incomplete",
                "follow-up-overdue",
                "missing-section",
            ]),
            rule_url: crate::report::sarif::DEFAULT_RULE_URL.to_string(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            site: SiteConfig::default(),
            paths: PathsConfig::default(),
            schema: SchemaConfig::default(),
            lint: LintConfig::default(),
            search: SearchConfig::default(),
            documents: DocumentsConfig::default(),
            kinds: KindsConfig::default(),
            links: LinksConfig::default(),
            alerts: AlertsConfig::default(),
            root: PathBuf::from("."),
            file: None,
            compiled: std::sync::OnceLock::new(),
        }
    }
}

/// `[search]`: the Pagefind search index and the search box on every page.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchConfig {
    /// Build the index and show the search box.
    pub enabled: bool,
    /// At most this many documents per Pagefind index. A bigger knowledge base gets several
    /// indexes, built in parallel and merged in the reader's browser; this bounds the memory
    /// and time of the index stage.
    pub shard_size: usize,
}

impl Default for SearchConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            shard_size: DEFAULT_SHARD_SIZE,
        }
    }
}

/// `[alerts]`: the alerting rule files whose alerts the runbooks answer (see book/src/alerts.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertsConfig {
    /// Globs of rule files (Prometheus rule files, PrometheusRule manifests...), relative to
    /// the knowledge base root. None: opsbook reads no alert rules.
    pub rules: Vec<String>,
    /// Globs of files the `rules` globs match that are not rule files.
    pub exclude: Vec<String>,
    /// The label that holds an alert's severity.
    pub severity_label: String,
    /// The annotation that holds an alert's runbook URL.
    pub runbook_annotation: String,
    /// An alert's severity label -> the severity (of `schema.severities`) its runbook must
    /// handle at least (`alert-severity-mismatch`).
    pub severities: BTreeMap<String, String>,
    /// Other addresses the site is published at, besides `site.base_url`: a runbook URL under
    /// one of them points into this knowledge base.
    pub site_urls: Vec<String>,
    /// Values of Prometheus' external labels, for runbook URLs using `$externalLabels`.
    pub external_labels: BTreeMap<String, String>,
    /// A runbook URL that points to another site counts as the alert's runbook.
    pub external_runbooks: bool,
    /// Alerts that need no runbook (`Watchdog`, say), by name.
    pub exempt: Vec<String>,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        Self {
            rules: Vec::new(),
            exclude: Vec::new(),
            severity_label: "severity".into(),
            runbook_annotation: "runbook_url".into(),
            severities: BTreeMap::new(),
            site_urls: Vec::new(),
            external_labels: BTreeMap::new(),
            external_runbooks: true,
            exempt: Vec::new(),
        }
    }
}

/// Documents per Pagefind index unless `search.shard_size` says otherwise.
pub const DEFAULT_SHARD_SIZE: usize = 10_000;

impl Default for SiteConfig {
    fn default() -> Self {
        Self {
            title: "Incident knowledge base".into(),
            description: String::new(),
            base_url: "/".into(),
            repo_url: String::new(),
            edit_branch: "main".into(),
            ticket_url: String::new(),
            source_url: String::new(),
            unsafe_html: false,
        }
    }
}

impl Default for PathsConfig {
    fn default() -> Self {
        Self {
            content: "content".into(),
            output: "public".into(),
            templates: "templates".into(),
        }
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn allowed(entries: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
    entries
        .iter()
        .map(|(field, values)| (field.to_string(), strings(values)))
        .collect()
}

impl Default for SchemaConfig {
    fn default() -> Self {
        Self {
            severities: strings(&["SEV1", "SEV2", "SEV3", "SEV4"]),
            runbook: KindSchema {
                required: strings(&["title", "owner", "severity", "services", "rollback"]),
                allowed: allowed(&[("status", &["active", "deprecated"])]),
                ..KindSchema::default()
            },
            postmortem: KindSchema {
                required: strings(&[
                    "title",
                    "owner",
                    "severity",
                    "services",
                    "rollback",
                    "follow_ups",
                ]),
                allowed: allowed(&[
                    ("status", &["draft", "in_review", "published"]),
                    (
                        "trigger",
                        &[
                            "deploy",
                            "config",
                            "dependency",
                            "capacity",
                            "hardware",
                            "other",
                        ],
                    ),
                    ("detection", &["alert", "customer", "internal", "other"]),
                    ("data_exposure", &["none", "suspected", "confirmed"]),
                ]),
                sections: vec![Section::from("Timeline")],
                ..KindSchema::default()
            },
            follow_up: KindSchema {
                required: strings(&["action", "owner", "due"]),
                allowed: allowed(&[("status", &["open", "in_progress", "done", "wont_do"])]),
                ..KindSchema::default()
            },
        }
    }
}

impl SchemaConfig {
    pub fn for_kind(&self, kind: Kind) -> &KindSchema {
        match kind {
            Kind::Runbook => &self.runbook,
            Kind::Postmortem => &self.postmortem,
        }
    }
}

/// A config file that cannot be used; printed by miette with the offending line.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    #[diagnostic(code(config), help("check that the file exists and is readable"))]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a valid opsbook configuration")]
    #[diagnostic(
        code(config),
        help("see the configuration reference in the opsbook book (book/src/configuration.md)")
    )]
    Invalid {
        path: String,
        message: String,
        #[source_code]
        source_code: NamedSource<String>,
        #[label("{message}")]
        span: Option<SourceSpan>,
    },
}

impl Config {
    /// Loads the config: the file given with `--config`, else `opsbook.toml` in `dir` if it
    /// exists, else the defaults with `dir` as the root.
    pub fn load(explicit: Option<&Path>, dir: &Path) -> Result<Config, Box<ConfigError>> {
        let path = match explicit {
            Some(path) => Some(path.to_path_buf()),
            // Anything named opsbook.toml is read (and refused when it is a folder or a FIFO),
            // never silently passed over for the defaults.
            None => Some(dir.join(CONFIG_FILE)).filter(|p| std::fs::symlink_metadata(p).is_ok()),
        };
        let Some(path) = path else {
            return Ok(Config {
                root: dir.to_path_buf(),
                ..Config::default()
            });
        };
        let display = path.display().to_string();
        let display = display.strip_prefix("./").unwrap_or(&display).to_string();
        let text = crate::parse::read_regular_text(&path, MAX_CONFIG_BYTES).map_err(|source| {
            ConfigError::Read {
                path: display.clone(),
                source,
            }
        })?;
        let mut config = Self::parse(&text, &display)?;
        config.root = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        config.file = Some(path);
        Ok(config)
    }

    /// Parses and validates config text; `name` is used in diagnostics.
    pub fn parse(text: &str, name: &str) -> Result<Config, Box<ConfigError>> {
        let invalid = |message: String, span: Option<std::ops::Range<usize>>| {
            Box::new(ConfigError::Invalid {
                path: name.to_string(),
                message,
                source_code: NamedSource::new(name, text.to_string()),
                span: span.map(|r| SourceSpan::from(r.start..r.end.max(r.start + 1))),
            })
        };
        let config: Config =
            toml::from_str(text).map_err(|e| invalid(e.message().to_string(), e.span()))?;
        config
            .validate()
            .map_err(|(message, key)| invalid(message, find_key(text, &key)))?;
        if config.search.shard_size == 0 {
            return Err(invalid(
                "search.shard_size must be at least 1".into(),
                find_key(text, "shard_size"),
            ));
        }
        Ok(config)
    }

    /// Checks what serde cannot: returns the message and the text to point at.
    fn validate(&self) -> Result<(), (String, String)> {
        if self.schema.severities.is_empty() {
            return Err((
                "schema.severities must list at least one severity".into(),
                "severities".into(),
            ));
        }
        let known = |id: &str| crate::lint::rules::by_id(id).is_some();
        for id in self.lint.rules.keys().chain(self.lint.draft_skip.iter()) {
            if !known(id) {
                return Err((
                    format!("`{id}` is not a lint rule (`opsbook rules` lists them)"),
                    id.clone(),
                ));
            }
        }
        self.validate_alerts()?;
        for pattern in &self.lint.ignore {
            if let Err(e) = globset::Glob::new(pattern) {
                return Err((
                    format!("`{pattern}` is not a valid glob: {e}"),
                    pattern.clone(),
                ));
            }
        }
        let repo_url = self.site.repo_url.trim();
        let web = repo_url.starts_with("https://") || repo_url.starts_with("http://");
        if !repo_url.is_empty() && !web {
            return Err((
                format!(
                    "site.repo_url must be an http(s) address such as https://github.com/acme/ops-kb, not `{repo_url}`"
                ),
                "repo_url".into(),
            ));
        }
        for (key, value, placeholder) in [
            ("ticket_url", &self.site.ticket_url, "{ticket}"),
            ("source_url", &self.site.source_url, "{path}"),
        ] {
            let value = value.trim();
            let web = value.starts_with("https://") || value.starts_with("http://");
            if !value.is_empty() && (!web || !value.contains(placeholder)) {
                return Err((
                    format!(
                        "site.{key} must be an http(s) address containing {placeholder}, such as https://tracker.example.com/browse/{{ticket}}, not `{value}`"
                    ),
                    key.into(),
                ));
            }
        }
        if self.site.edit_branch.trim().is_empty() {
            return Err((
                "site.edit_branch must not be empty".into(),
                "edit_branch".into(),
            ));
        }
        reading::validate(self)
    }

    /// The reading settings compiled for document parsing and discovery.
    pub fn mapping(&self) -> &std::sync::Arc<crate::document::mapping::Mapping> {
        self.compiled
            .get_or_init(|| std::sync::Arc::new(crate::document::mapping::Mapping::new(self)))
    }

    /// The `[alerts]` checks: valid globs, severities on the scale, web addresses.
    fn validate_alerts(&self) -> Result<(), (String, String)> {
        let alerts = &self.alerts;
        for pattern in alerts.rules.iter().chain(&alerts.exclude) {
            if let Err(e) = globset::Glob::new(pattern) {
                return Err((
                    format!("`{pattern}` is not a valid glob: {e}"),
                    pattern.clone(),
                ));
            }
            if pattern.starts_with('/') || pattern.split('/').any(|part| part == "..") {
                return Err((
                    format!(
                        "`{pattern}` must be relative to the folder of opsbook.toml, without `..`"
                    ),
                    pattern.clone(),
                ));
            }
        }
        for (label, severity) in &alerts.severities {
            if !self.schema.severities.contains(severity) {
                return Err((
                    format!(
                        "alerts.severities maps `{label}` to `{severity}`, which is not in schema.severities ({})",
                        self.schema.severities.join(", ")
                    ),
                    severity.clone(),
                ));
            }
        }
        for url in &alerts.site_urls {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err((
                    format!(
                        "alerts.site_urls holds web addresses such as https://kb.example.com/, not `{url}`"
                    ),
                    url.clone(),
                ));
            }
        }
        for (key, value) in [
            ("severity_label", &alerts.severity_label),
            ("runbook_annotation", &alerts.runbook_annotation),
        ] {
            if value.trim().is_empty() {
                return Err((format!("alerts.{key} must not be empty"), key.into()));
            }
        }
        Ok(())
    }

    pub fn content_dir(&self) -> PathBuf {
        self.root.join(&self.paths.content)
    }

    pub fn output_dir(&self) -> PathBuf {
        self.root.join(&self.paths.output)
    }

    pub fn templates_dir(&self) -> PathBuf {
        self.root.join(&self.paths.templates)
    }
}

fn find_key(text: &str, key: &str) -> Option<std::ops::Range<usize>> {
    text.find(key).map(|start| start..start + key.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_without_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::load(None, dir.path()).unwrap();
        assert_eq!(config.schema.severities, ["SEV1", "SEV2", "SEV3", "SEV4"]);
        assert_eq!(config.content_dir(), dir.path().join("content"));
        assert!(config.file.is_none());
    }

    #[test]
    fn partial_file_keeps_other_defaults() {
        let config = Config::parse(
            "[site]\ntitle = \"Acme\"\n[schema.postmortem]\nrequired = [\"title\"]\n",
            "opsbook.toml",
        )
        .unwrap();
        assert_eq!(config.site.title, "Acme");
        assert_eq!(config.site.base_url, "/");
        assert_eq!(config.schema.postmortem.required, ["title"]);
        assert_eq!(config.schema.runbook.required.len(), 5);
    }

    #[test]
    fn unknown_key_points_at_its_line() {
        let text = "[site]\ntitle = \"Acme\"\ntitel = \"x\"\n";
        let err = Config::parse(text, "opsbook.toml").unwrap_err();
        let ConfigError::Invalid { span, message, .. } = *err else {
            panic!("expected Invalid");
        };
        let span = span.unwrap();
        assert_eq!(&text[span.offset()..span.offset() + span.len()], "titel");
        assert!(message.contains("titel"), "{message}");
    }

    #[test]
    fn wrong_type_is_an_error() {
        let err = Config::parse("[schema]\nseverities = \"SEV1\"\n", "opsbook.toml").unwrap_err();
        assert!(matches!(*err, ConfigError::Invalid { span: Some(_), .. }));
    }

    #[test]
    fn lint_levels_and_unknown_rules() {
        let config = Config::parse(
            "[lint]\nignore = [\"archive/**\"]\n[lint.rules]\nstale-runbook = \"off\"\nblameful-language = \"error\"\n",
            "opsbook.toml",
        )
        .unwrap();
        assert_eq!(config.lint.rules["stale-runbook"], Level::Off);
        assert_eq!(config.lint.rules["blameful-language"], Level::Error);
        let text = "[lint.rules]\nstale-runbok = \"off\"\n";
        let err = Config::parse(text, "opsbook.toml").unwrap_err();
        let ConfigError::Invalid { span, message, .. } = *err else {
            panic!("expected Invalid");
        };
        assert!(message.contains("stale-runbok"), "{message}");
        assert_eq!(span.unwrap().offset(), text.find("stale-runbok").unwrap());
        assert!(Config::parse("[lint.rules]\nstale-runbook = \"loud\"\n", "opsbook.toml").is_err());
    }

    #[test]
    fn site_keys_for_edit_links_and_raw_html() {
        let config = Config::parse(
            "[site]\nrepo_url = \"https://github.com/acme/kb\"\nedit_branch = \"trunk\"\nunsafe_html = true\n",
            "opsbook.toml",
        )
        .unwrap();
        assert_eq!(config.site.repo_url, "https://github.com/acme/kb");
        assert_eq!(config.site.edit_branch, "trunk");
        assert!(config.site.unsafe_html);
        let defaults = Config::default();
        assert_eq!(defaults.site.edit_branch, "main");
        assert!(!defaults.site.unsafe_html);
        let text = "[site]\nrepo_url = \"javascript:alert(1)\"\n";
        let err = Config::parse(text, "opsbook.toml").unwrap_err();
        let ConfigError::Invalid { span, .. } = *err else {
            panic!("expected Invalid");
        };
        let span = span.unwrap();
        assert_eq!(&text[span.offset()..span.offset() + span.len()], "repo_url");
    }

    #[test]
    fn ticket_and_source_url_patterns() {
        let config = Config::parse(
            "[site]\nticket_url = \"https://t.example.com/browse/{ticket}\"\nsource_url = \"https://git.example.com/kb/src/{path}\"\n",
            "opsbook.toml",
        )
        .unwrap();
        assert_eq!(
            config.site.ticket_url,
            "https://t.example.com/browse/{ticket}"
        );
        assert_eq!(
            config.site.source_url,
            "https://git.example.com/kb/src/{path}"
        );
        for (text, key) in [
            (
                "[site]\nticket_url = \"javascript:alert({ticket})\"\n",
                "ticket_url",
            ),
            (
                "[site]\nticket_url = \"https://t.example.com/browse/\"\n",
                "ticket_url",
            ),
            (
                "[site]\nsource_url = \"https://git.example.com/{ticket}\"\n",
                "source_url",
            ),
        ] {
            let err = Config::parse(text, "opsbook.toml").unwrap_err();
            let ConfigError::Invalid { span, .. } = *err else {
                panic!("expected Invalid for {text}");
            };
            let span = span.unwrap();
            assert_eq!(&text[span.offset()..span.offset() + span.len()], key);
        }
    }

    #[test]
    fn search_defaults_and_switch() {
        let config = Config::parse("", "opsbook.toml").unwrap();
        assert!(config.search.enabled);
        assert_eq!(config.search.shard_size, DEFAULT_SHARD_SIZE);
        let config = Config::parse(
            "[search]\nenabled = false\nshard_size = 10\n",
            "opsbook.toml",
        )
        .unwrap();
        assert!(!config.search.enabled);
        assert_eq!(config.search.shard_size, 10);
        let err = Config::parse("[search]\nshard_size = 0\n", "opsbook.toml").unwrap_err();
        let ConfigError::Invalid { span, .. } = *err else {
            panic!("expected Invalid");
        };
        assert!(span.is_some());
    }

    #[test]
    fn alerts_settings_and_their_checks() {
        let config = Config::parse(
            "[alerts]\nrules = [\"monitoring/**/*.yaml\"]\nsite_urls = [\"https://kb.example.com/\"]\n[alerts.severities]\ncritical = \"SEV1\"\n",
            "opsbook.toml",
        )
        .unwrap();
        assert_eq!(config.alerts.rules, ["monitoring/**/*.yaml"]);
        assert_eq!(config.alerts.severities["critical"], "SEV1");
        assert_eq!(config.alerts.severity_label, "severity");
        assert!(config.alerts.external_runbooks);
        for (text, at) in [
            ("[alerts]\nrules = [\"a/[b\"]\n", "a/[b"),
            (
                "[alerts]\nrules = [\"../rules/*.yaml\"]\n",
                "../rules/*.yaml",
            ),
            ("[alerts.severities]\ncritical = \"P1\"\n", "P1"),
            (
                "[alerts]\nsite_urls = [\"kb.example.com\"]\n",
                "kb.example.com",
            ),
        ] {
            let err = Config::parse(text, "opsbook.toml").unwrap_err();
            let ConfigError::Invalid { span, .. } = *err else {
                panic!("expected Invalid for {text}");
            };
            let span = span.unwrap();
            assert_eq!(
                &text[span.offset()..span.offset() + span.len()],
                at,
                "{text}"
            );
        }
    }

    #[test]
    fn empty_severity_scale_is_refused() {
        assert!(Config::parse("[schema]\nseverities = []\n", "opsbook.toml").is_err());
    }
}
