//! The alert pages: `/alerts/` lists every alert with the runbooks that answer it, and
//! `/alerts/<name>/` is the stable address a `runbook_url` points at. With one runbook the page
//! sends the reader straight on (a `<meta http-equiv="refresh">`, which needs no JavaScript);
//! with several it lists them; with none it says so.
//!
//! An alert has a page when a rule file defines it or a runbook lists it, so the page exists
//! even for a team that has not pointed opsbook at its rule files yet.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde::Serialize;

use super::model::{DocView, LinkView};
use crate::alerts::AlertRules;
use crate::alerts::coverage::{Coverage, listed_alerts};
use crate::config::Config;
use crate::document::{Document, Kind, links};

/// A runbook that answers an alert, for the alert's page.
#[derive(Debug, Clone, Serialize)]
pub struct RunbookLink {
    pub id: String,
    pub title: String,
    pub url: String,
    pub severity: String,
    /// 1 for the most severe level of the scale, 0 without a severity.
    pub severity_rank: usize,
}

/// One definition of an alert in a rule file.
#[derive(Debug, Clone, Serialize)]
pub struct DefinitionView {
    /// The rule file, relative to the knowledge base root, and the line of `alert:`.
    pub file: String,
    pub line: usize,
    pub group: String,
    pub severity: String,
    pub summary: String,
    pub description: String,
    pub expr: String,
    /// `for:` as written.
    pub pending: String,
    /// The runbook URL as written (a template).
    pub runbook_url: String,
    /// Grafana-managed (`grafana`) or Prometheus-style (`prometheus`).
    pub flavor: &'static str,
}

/// Everything the alert pages show of one alert name.
#[derive(Debug, Clone, Serialize)]
pub struct AlertView {
    pub name: String,
    /// The page's URL (escaped); empty when the name cannot be a folder name (it holds `/`,
    /// starts with `.`, or a control character), so the alert has no page of its own.
    pub url: String,
    /// The page's folder below the output folder (`alerts/<name>/`), when it has a page.
    #[serde(skip)]
    pub dir: Option<String>,
    /// The severity labels of its definitions, each once.
    pub severities: Vec<String>,
    /// Where rule files define it (empty for an alert only runbooks list).
    pub definitions: Vec<DefinitionView>,
    pub runbooks: Vec<RunbookLink>,
    /// Postmortems that list it in `alerts:` or name it in their text.
    pub postmortems: Vec<LinkView>,
    /// Where the page sends the reader: the one runbook's page, else empty.
    pub redirect: String,
}

/// The longest alert name that gets a page (a folder name must stay well under the file
/// system's 255 bytes).
const MAX_PAGE_NAME: usize = 200;

/// The page folder of an alert name, or `None` when the name cannot be one folder: empty,
/// `.`/`..` or hidden, a `/` or `\`, a control character, or too long.
pub fn page_dir(name: &str) -> Option<String> {
    let safe = !name.is_empty()
        && name.len() <= MAX_PAGE_NAME
        && !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control);
    safe.then(|| format!("alerts/{name}/"))
}

/// The URL of an alert's page under `base_path`, or `None` when it has no page.
pub fn page_url(base_path: &str, name: &str) -> Option<String> {
    page_dir(name).map(|dir| format!("{base_path}{}", links::encode_path(&dir)))
}

/// The alert views of a site, sorted by name.
pub fn views(
    config: &Config,
    docs: &[Document],
    documents: &[DocView],
    rules: Option<&AlertRules>,
    base_path: &str,
) -> Vec<AlertView> {
    let none = AlertRules::default();
    let rules = rules.unwrap_or(&none);
    let coverage = Coverage::new(docs, rules, config);
    let names = coverage.page_names();
    if names.is_empty() {
        return Vec::new();
    }
    let view_of: HashMap<usize, &DocView> = documents.iter().map(|v| (v.index, v)).collect();
    let mentions = mentions(docs, documents, &names);
    names
        .par_iter()
        .map(|name| {
            let definitions: Vec<_> = rules.definitions(name).collect();
            let mut runbooks: Vec<usize> = coverage.listing(name).to_vec();
            for (_, alert) in &definitions {
                for i in coverage.status(alert).runbooks() {
                    if !runbooks.contains(&i) {
                        runbooks.push(i);
                    }
                }
            }
            let runbooks: Vec<RunbookLink> = runbooks
                .iter()
                .filter_map(|i| view_of.get(i))
                .map(|v| RunbookLink {
                    id: v.id.clone(),
                    title: v.title.clone(),
                    url: v.url.clone(),
                    severity: v.severity.clone(),
                    severity_rank: v.severity_rank,
                })
                .collect();
            let mut severities: Vec<String> = Vec::new();
            for (_, alert) in &definitions {
                if let Some(s) = &alert.severity
                    && !severities.contains(&s.value)
                {
                    severities.push(s.value.clone());
                }
            }
            let definitions = definitions
                .iter()
                .map(|(file, alert)| {
                    let line = file
                        .line_starts()
                        .partition_point(|&s| s <= alert.name.span.start);
                    DefinitionView {
                        file: file.rel_path.clone(),
                        line,
                        group: alert.group.clone(),
                        severity: alert
                            .severity
                            .as_ref()
                            .map(|s| s.value.clone())
                            .unwrap_or_default(),
                        summary: alert.summary.clone(),
                        description: alert.description.clone(),
                        expr: alert.expr.clone(),
                        pending: alert.pending.clone(),
                        runbook_url: alert
                            .runbook_url
                            .as_ref()
                            .map(|u| u.value.clone())
                            .unwrap_or_default(),
                        flavor: match alert.flavor {
                            crate::alerts::Flavor::Prometheus => "prometheus",
                            crate::alerts::Flavor::Grafana => "grafana",
                        },
                    }
                })
                .collect();
            let redirect = match runbooks.as_slice() {
                [one] => one.url.clone(),
                _ => String::new(),
            };
            AlertView {
                name: name.to_string(),
                url: page_url(base_path, name).unwrap_or_default(),
                dir: page_dir(name),
                severities,
                definitions,
                runbooks,
                postmortems: mentions.get(*name).cloned().unwrap_or_default(),
                redirect,
            }
        })
        .collect()
}

/// The postmortems that mention each alert name: in their `alerts:`, or as a word of their
/// text (alert names are identifiers such as `PaymentsHighErrorRate`), newest first as listed.
fn mentions(
    docs: &[Document],
    documents: &[DocView],
    names: &[&str],
) -> HashMap<String, Vec<LinkView>> {
    let found: Vec<(usize, Vec<&str>)> = documents
        .par_iter()
        .enumerate()
        .filter(|(_, v)| v.kind == Kind::Postmortem)
        .map(|(position, view)| {
            let doc = &docs[view.index];
            let body = doc.shown_body().unwrap_or_default();
            let words = alert_words(&body);
            let named: Vec<&str> = names
                .iter()
                .copied()
                .filter(|name| {
                    listed_alerts(doc).any(|n| n == *name)
                        || words.binary_search_by(|w| w.as_str().cmp(name)).is_ok()
                })
                .collect();
            (position, named)
        })
        .collect();
    let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (position, named) in found {
        for name in named {
            by_name.entry(name).or_default().push(position);
        }
    }
    by_name
        .into_iter()
        .map(|(name, positions)| {
            let mut list: Vec<&DocView> = positions.iter().map(|&p| &documents[p]).collect();
            list.sort_by(|a, b| {
                b.started
                    .cmp(&a.started)
                    .then_with(|| a.title.cmp(&b.title))
            });
            let links = list
                .into_iter()
                .map(|v| LinkView {
                    id: v.id.clone(),
                    title: v.title.clone(),
                    url: v.url.clone(),
                })
                .collect();
            (name.to_string(), links)
        })
        .collect()
}

/// The words of a text that look like alert names: identifiers of letters, digits, `_` and
/// `:` that start with a letter and hold an upper-case letter after the first character
/// (`PaymentsHighErrorRate`, `KubePodCrashLooping`), sorted and each once.
pub fn alert_words(text: &str) -> Vec<String> {
    let mut words: Vec<String> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|w| {
            w.len() >= 4
                && w.starts_with(|c: char| c.is_ascii_alphabetic())
                && w[1..].bytes().any(|b| b.is_ascii_uppercase())
        })
        .map(str::to_string)
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_that_are_one_safe_folder_get_pages() {
        assert_eq!(
            page_dir("PaymentsDown").as_deref(),
            Some("alerts/PaymentsDown/")
        );
        assert_eq!(
            page_dir("High CPU usage").as_deref(),
            Some("alerts/High CPU usage/")
        );
        for bad in [
            "",
            ".",
            "..",
            ".hidden",
            "a/b",
            "a\\b",
            "a\nb",
            &"x".repeat(201),
        ] {
            assert_eq!(page_dir(bad), None, "{bad:?}");
        }
        assert_eq!(
            page_url("/kb/", "High CPU <usage>?").as_deref(),
            Some("/kb/alerts/High%20CPU%20%3Cusage%3E%3F/")
        );
    }

    #[test]
    fn alert_like_words_are_found() {
        let words = alert_words(
            "At 11:24 PaymentsHighErrorRate fired, then KubePodCrashLooping; The Payments team saw node:cpu:Rate.",
        );
        assert_eq!(
            words,
            [
                "KubePodCrashLooping",
                "PaymentsHighErrorRate",
                "node:cpu:Rate"
            ]
        );
    }
}
