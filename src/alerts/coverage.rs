//! Which runbooks answer each alert: the runbooks whose `alerts:` list its name, and where its
//! runbook URL leads. One computation for the lint rules, the site's alert pages and
//! `opsbook alerts`, so the three never disagree.

use std::collections::HashMap;

use super::runbook_url::{self, Bases, Target};
use super::{Alert, AlertRules};
use crate::config::Config;
use crate::document::links::{self, Resolution, Resolver};
use crate::document::{Document, Kind};

/// Where an alert's runbook URL leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlStatus {
    /// The alert has no runbook URL.
    Missing,
    /// Another site (not checked).
    External,
    /// It depends on labels known only when the alert fires (why).
    Dynamic(String),
    /// To these runbooks of this site: a runbook's page, or an alert page listing them (maybe
    /// none, for the page of an alert no runbook lists).
    Runbooks(Vec<usize>),
    /// To a page of this site that is no runbook (what it is).
    NotARunbook(String),
    /// Nowhere: no such page or heading on this site, or not a web address (what is wrong, and
    /// how to fix it).
    Broken { problem: String, help: String },
}

/// How one alert is covered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// Runbooks whose `alerts:` list the alert's name (indexes into the documents).
    pub listed_by: Vec<usize>,
    pub url: UrlStatus,
    /// The runbook URL with what is known filled in (as written when it cannot be).
    pub expanded: Option<String>,
}

impl Status {
    /// Every runbook that answers the alert, each once.
    pub fn runbooks(&self) -> Vec<usize> {
        let mut all = self.listed_by.clone();
        if let UrlStatus::Runbooks(more) = &self.url {
            for i in more {
                if !all.contains(i) {
                    all.push(*i);
                }
            }
        }
        all
    }
}

/// Whether an alert is answered, and what is wrong when it is not: the one judgement the
/// rules (`alert-without-runbook`, `runbook-url-broken`) and `opsbook alerts` share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A runbook of this knowledge base answers it.
    Answered,
    /// `[alerts] exempt` lists it.
    Exempt,
    /// Its runbook URL leads to another site, which counts (`[alerts] external_runbooks`).
    Elsewhere,
    /// Its runbook URL depends on labels known only when it fires (why), and no runbook
    /// lists it.
    Unchecked(String),
    /// Nothing answers it (why).
    NoRunbook(String),
    /// Its runbook URL leads nowhere on this site (what is wrong, how to fix it).
    BrokenUrl { problem: String, help: String },
}

impl Verdict {
    /// Whether the verdict is a problem to report.
    pub fn is_problem(&self) -> bool {
        matches!(self, Verdict::NoRunbook(_) | Verdict::BrokenUrl { .. })
    }
}

impl Status {
    /// The verdict on the alert named `name` under `config`.
    pub fn verdict(&self, name: &str, config: &Config) -> Verdict {
        let alerts = &config.alerts;
        if let UrlStatus::Broken { problem, help } = &self.url {
            return Verdict::BrokenUrl {
                problem: problem.clone(),
                help: help.clone(),
            };
        }
        if !self.runbooks().is_empty() {
            return Verdict::Answered;
        }
        if alerts.exempt.iter().any(|e| e == name) {
            return Verdict::Exempt;
        }
        let why = match &self.url {
            UrlStatus::External if alerts.external_runbooks => return Verdict::Elsewhere,
            UrlStatus::Dynamic(why) => return Verdict::Unchecked(why.clone()),
            UrlStatus::Missing => {
                "no runbook lists it in `alerts:`, and it has no runbook URL".to_string()
            }
            UrlStatus::Runbooks(_) => format!(
                "its runbook URL leads to its page {}alerts/{name}/, but no runbook lists it in `alerts:`",
                crate::site::model::base_path(&config.site.base_url)
            ),
            UrlStatus::NotARunbook(what) => format!(
                "its runbook URL leads to {what}, which is no runbook, and no runbook lists it in `alerts:`"
            ),
            UrlStatus::External => "its runbook URL leads to another site ([alerts] external_runbooks = false), and no runbook lists it in `alerts:`".to_string(),
            UrlStatus::Broken { .. } => unreachable!("returned above"),
        };
        Verdict::NoRunbook(why)
    }
}

/// Whether a runbook's `alerts:` can be checked against the rule files: `[alerts] rules` is
/// set, and every rule file could be read (an alert of an unreadable one is unknown, not
/// missing).
pub fn knows_every_alert(config: &Config, rules: &AlertRules) -> bool {
    !config.alerts.rules.is_empty() && rules.all_usable()
}

/// The runbooks and alerts of a knowledge base, indexed for [`Coverage::status`].
pub struct Coverage<'a> {
    pub docs: &'a [Document],
    pub rules: &'a AlertRules,
    config: &'a Config,
    bases: Bases,
    /// The site's base path (`/`, `/kb/`), for messages.
    base_path: String,
    /// Alert name -> the usable runbooks listing it, in document order.
    listing: HashMap<&'a str, Vec<usize>>,
    /// Page URL path (`/runbooks/x/`) -> document index.
    urls: HashMap<String, usize>,
    /// Content-relative path -> document index.
    paths: HashMap<&'a str, usize>,
}

impl<'a> Coverage<'a> {
    pub fn new(docs: &'a [Document], rules: &'a AlertRules, config: &'a Config) -> Coverage<'a> {
        let mut listing: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut urls = HashMap::new();
        let mut paths = HashMap::new();
        for (i, doc) in docs.iter().enumerate() {
            paths.insert(doc.rel_path.as_str(), i);
            if links::page_problem(doc).is_none() {
                urls.entry(doc.url_path()).or_insert(i);
            }
            if doc.kind != Some(Kind::Runbook) || !doc.is_usable() {
                continue;
            }
            for name in listed_alerts(doc) {
                let list = listing.entry(name).or_default();
                if !list.contains(&i) {
                    list.push(i);
                }
            }
        }
        let prefix = crate::site::model::default_content_prefix(config);
        Coverage {
            docs,
            rules,
            config,
            bases: Bases::new(config, &prefix),
            base_path: crate::site::model::base_path(&config.site.base_url),
            listing,
            urls,
            paths,
        }
    }

    /// The runbooks listing an alert name.
    pub fn listing(&self, name: &str) -> &[usize] {
        self.listing.get(name).map_or(&[], Vec::as_slice)
    }

    /// Whether the site has a page for this alert name: a rule file defines it, or a runbook
    /// lists it.
    pub fn has_page(&self, name: &str) -> bool {
        self.rules.defines(name) || self.listing.contains_key(name)
    }

    /// Every alert name the site has a page for, sorted.
    pub fn page_names(&self) -> Vec<&str> {
        let mut names = self.rules.names();
        names.extend(
            self.listing
                .keys()
                .copied()
                .filter(|n| !self.rules.defines(n)),
        );
        names.sort_unstable();
        names
    }

    /// How `alert` is covered.
    pub fn status(&self, alert: &Alert) -> Status {
        let listed_by = self.listing(&alert.name.value).to_vec();
        let Some((expanded, target)) = runbook_url::target(alert, self.config, &self.bases) else {
            return Status {
                listed_by,
                url: UrlStatus::Missing,
                expanded: None,
            };
        };
        let url = match target {
            Target::External => UrlStatus::External,
            Target::Dynamic(why) => UrlStatus::Dynamic(why),
            Target::Invalid(why) => UrlStatus::Broken {
                problem: format!("is not a link Alertmanager can follow: {why}"),
                help: "write the full address of the alert's page, such as https://kb.example.com/alerts/{{ $labels.alertname }}/".into(),
            },
            Target::Site { path, anchor } => self.site_page(&path, anchor.as_deref()),
            Target::Content { link } => self.content_file(&link),
        };
        Status {
            listed_by,
            url,
            expanded: Some(expanded),
        }
    }

    /// Where a path of this site leads.
    fn site_page(&self, path: &str, anchor: Option<&str>) -> UrlStatus {
        if let Some(rest) = path.strip_prefix("alerts/") {
            let name = rest.trim_end_matches('/');
            if name.is_empty() {
                return UrlStatus::NotARunbook("the list of alerts".into());
            }
            if self.has_page(name) {
                return UrlStatus::Runbooks(self.listing(name).to_vec());
            }
            return broken(
                format!(
                    "leads to {}alerts/{name}/, but no rule file defines `{name}` and no runbook lists it",
                    self.base_path
                ),
                "use the alert's own name ({{ $labels.alertname }}), or add the alert to the `alerts:` of its runbook",
            );
        }
        if let Some(&i) = self.urls.get(&format!("/{path}")) {
            return self.document(i, anchor);
        }
        let section = path.split('/').next().unwrap_or("");
        match section {
            "" => UrlStatus::NotARunbook("the home page".into()),
            "runbooks" | "postmortems" if path == format!("{section}/") => {
                UrlStatus::NotARunbook(format!("the list of {section}"))
            }
            "services" | "tags" | "owners" | "severities" | "follow-ups" | "metrics" => {
                UrlStatus::NotARunbook(format!("a page of /{section}/"))
            }
            _ => broken(
                format!(
                    "leads to {}{path}, but the site has no page there",
                    self.base_path
                ),
                "link to the alert's page (/alerts/<name>/) or to the runbook's page; a runbook's page is /runbooks/<file name without .md>/",
            ),
        }
    }

    /// Where a file of the content folder (from the repository's web view) leads.
    fn content_file(&self, link: &str) -> UrlStatus {
        let corpus = links::Corpus::with_lookup(
            |path| self.paths.get(path).map(|&i| &self.docs[i]),
            Some(self.config.content_dir()),
        );
        match Resolver::for_config(self.config).resolve(&corpus, "", link) {
            Resolution::Document { doc, anchor } => match self.paths.get(doc.rel_path.as_str()) {
                Some(&i) => self.document(i, anchor.as_deref()),
                None => UrlStatus::NotARunbook(doc.rel_path.clone()),
            },
            Resolution::File { path, .. } => UrlStatus::NotARunbook(format!("the file {path}")),
            Resolution::Home => UrlStatus::NotARunbook("the content folder".into()),
            Resolution::List(kind) => {
                UrlStatus::NotARunbook(format!("the {} folder", kind.folder()))
            }
            Resolution::Broken(_) | Resolution::AsWritten | Resolution::SameDocument { .. } => {
                broken(
                    format!(
                        "leads to {link} in the repository, which is no document of the content folder"
                    ),
                    "point it at the runbook's file, or at the alert's page on the site",
                )
            }
        }
    }

    /// A document's page, and the heading `anchor` on it.
    fn document(&self, i: usize, anchor: Option<&str>) -> UrlStatus {
        let doc = &self.docs[i];
        if let Some(anchor) = anchor
            && !doc.outline.headings.iter().any(|h| h.anchor == anchor)
        {
            return broken(
                format!(
                    "leads to {}, which has no heading `#{anchor}`",
                    doc.display_path
                ),
                "link to an existing heading (lower case, spaces as `-`), or drop the #anchor",
            );
        }
        match doc.kind {
            Some(Kind::Runbook) => UrlStatus::Runbooks(vec![i]),
            _ => UrlStatus::NotARunbook(format!(
                "{}, a {}",
                doc.display_path,
                doc.kind.map_or("document", Kind::name)
            )),
        }
    }

    /// The severity rank (1 is the most severe) a runbook must handle for `alert`, from
    /// `[alerts.severities]`, with the severity's name.
    pub fn required_severity(&self, alert: &Alert) -> Option<(usize, &'a str)> {
        let label = &alert.severity.as_ref()?.value;
        let wanted = self.config.alerts.severities.get(label)?;
        rank(self.config, wanted).map(|r| (r, wanted.as_str()))
    }
}

/// The position of a severity on the scale (1 is the most severe).
pub fn rank(config: &Config, severity: &str) -> Option<usize> {
    config
        .schema
        .severities
        .iter()
        .position(|s| s == severity.trim())
        .map(|p| p + 1)
}

fn broken(problem: String, help: &str) -> UrlStatus {
    UrlStatus::Broken {
        problem,
        help: help.to_string(),
    }
}

/// The alert names a document's `alerts:` lists (trimmed, non-empty).
pub fn listed_alerts(doc: &Document) -> impl Iterator<Item = &str> {
    doc.listed_alerts().into_iter()
}
