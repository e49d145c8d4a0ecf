//! The index stage: a Pagefind search index, written by opsbook ([`super::search_index`]) and
//! searched by Pagefind's own engine in the browser.
//!
//! Each document becomes one Pagefind *custom record*: its page URL, plain text taken from the
//! parsed Markdown (no HTML is parsed again), the metadata the results show (title, kind,
//! severity, date) and the filters readers narrow by (kind, severity, service, owner, tag,
//! status). Each alert page the runbooks list becomes one too.
//!
//! A large knowledge base is dealt round-robin into *shards* of at most `search.shard_size`
//! documents, indexed one after another, each on every core, so the index stage's memory is
//! bounded by the shard; the first shard is written to `pagefind/` together with Pagefind's
//! scripts and UI, the others to `pagefind/shard-N/` with only their index data, and the
//! browser merges them with Pagefind's `mergeIndex`. Documents are dealt round-robin in order
//! of service, so every shard is a fair sample of the whole and the per-shard term statistics
//! Pagefind ranks by stay close to those of one index (the browser test compares the two).
//! Why the default shard holds 10,000 documents is measured in book/src/search.md.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use serde::Serialize;

use super::SiteError;
use super::alerts::AlertView;
use super::model::{DocView, Site};
use super::search_index::bundle::Engine;
use super::search_index::{Indexer, Options as IndexOptions};
use super::write::OutputFile;
use crate::config::SearchConfig;
use crate::document::{Kind, markdown};

/// The folder of the output that holds the search bundle.
pub const BUNDLE_DIR: &str = "pagefind";

/// The language every record is indexed in (stemming, and the WebAssembly the browser loads).
const LANGUAGE: &str = "en";

/// What templates know about search (`site.search`).
#[derive(Debug, Clone, Serialize)]
pub struct SearchView {
    pub enabled: bool,
    /// The site's base path: result URLs are relative to it.
    pub base: String,
    /// URL of the primary bundle, such as `/pagefind/`: Pagefind's scripts, UI and shard 0.
    pub bundle: String,
    /// URLs of the other shards, merged in the browser.
    pub merge: Vec<String>,
}

impl SearchView {
    /// The bundles a site of `documents` documents gets under `base_path`.
    pub fn new(config: &SearchConfig, base_path: &str, documents: usize) -> SearchView {
        let shards = shard_count(documents, config.shard_size);
        SearchView {
            // Nothing to search, no search box.
            enabled: config.enabled && documents > 0,
            base: base_path.to_string(),
            bundle: format!("{base_path}{BUNDLE_DIR}/"),
            merge: (1..shards)
                .map(|i| format!("{base_path}{}/", shard_dir(i)))
                .collect(),
        }
    }
}

/// How many shards `documents` documents need (at least one, so the UI always has a bundle).
pub fn shard_count(documents: usize, shard_size: usize) -> usize {
    documents.div_ceil(shard_size.max(1)).max(1)
}

/// The output folder of shard `index`, relative to the output root.
pub fn shard_dir(index: usize) -> String {
    if index == 0 {
        BUNDLE_DIR.to_string()
    } else {
        format!("{BUNDLE_DIR}/shard-{index}")
    }
}

/// Deals document indexes `0..documents` round-robin into `shards` shards.
pub fn deal(documents: usize, shards: usize) -> Vec<Vec<usize>> {
    let shards = shards.max(1);
    let mut out = vec![Vec::with_capacity(documents / shards + 1); shards];
    for doc in 0..documents {
        out[doc % shards].push(doc);
    }
    out
}

pub use super::search_index::{Record, Run};

/// The metadata fields of a record (see [`record`]).
const META_FIELDS: [&str; 4] = ["date", "kind", "severity", "title"];

/// Weight of an alert's name in the index (Pagefind's weights: ordinary text is 1, a page's
/// `<h1>` 7): an engineer paged by an alert searches its name, and the runbook for it must
/// come first.
pub const ALERT_WEIGHT: f32 = 7.0;
/// Weight of every word of an alert's page (below ordinary text: see [`alert_record`]).
pub const ALERT_PAGE_WEIGHT: f32 = 0.5;
/// Weight of the names of the services a document is about.
pub const SERVICE_WEIGHT: f32 = 5.0;

fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Runbook => "Runbook",
        Kind::Postmortem => "Postmortem",
    }
}

/// A value as the index holds it: escaped for HTML text (Pagefind's interface inserts
/// excerpts, metadata and filter values as HTML), and never one of Pagefind's instructions
/// (words starting `___PAGEFIND_` or `___END_PAGEFIND_`).
pub fn index_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    // Writing to a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html_body_text(&mut out, value);
    if out.contains("___PAGEFIND") || out.contains("___END_PAGEFIND") {
        out = out
            .replace("___PAGEFIND", "PAGEFIND")
            .replace("___END_PAGEFIND", "END_PAGEFIND");
    }
    out
}

/// Builds a record's text run by run; adjacent runs of the same weight are joined.
#[derive(Default)]
struct Text(Vec<Run>);

impl Text {
    fn push(&mut self, weight: f32, text: &str) {
        let text = index_value(text.trim());
        if text.is_empty() {
            return;
        }
        match self.0.last_mut() {
            Some(last) if last.weight == weight => {
                last.text.push(' ');
                last.text.push_str(&text);
            }
            _ => self.0.push(Run { weight, text }),
        }
    }

    /// `Label: value.`, the value at `weight`.
    fn fact(&mut self, label: &str, value: &str, weight: f32) {
        let value = value.trim();
        if !value.is_empty() {
            self.push(1.0, &format!("{label}:"));
            self.push(weight, &format!("{value}."));
        }
    }
}

/// The record of one document, from its view and Markdown body. `base_path` is left out of the
/// URL: Pagefind prefixes results with the folder its bundle is served from (everything before
/// `pagefind/`), which is the base path, and the search box passes it explicitly as well.
///
/// Every value is [`index_value`]: text for HTML.
pub fn record(view: &DocView, body: &str, base_path: &str) -> Record {
    let url = match view.url.strip_prefix(base_path) {
        Some(rest) => format!("/{rest}"),
        None => view.url.clone(),
    };
    let mut text = Text::default();
    text.push(1.0, &plain_text(body));
    text.fact("Rollback", &view.rollback, 1.0);
    for follow_up in &view.follow_ups {
        text.fact("Follow-up", &follow_up.action, 1.0);
        text.fact("Follow-up owner", &follow_up.owner, 1.0);
        text.fact("Ticket", &follow_up.ticket, 1.0);
    }
    text.fact("Alerts", &view.alerts.join(", "), ALERT_WEIGHT);
    text.fact("Escalation", &view.escalation, 1.0);
    text.fact("Owner", &view.owner, 1.0);
    text.fact("Services", &view.services.join(", "), SERVICE_WEIGHT);
    text.fact("Tags", &view.tags.join(", "), 1.0);

    // Metadata and filter values are stored HTML-escaped (the index contract every search
    // interface relies on: static/search.js decodes them and inserts them as text).
    let mut meta = BTreeMap::new();
    meta.insert("title".to_string(), index_value(&view.title));
    meta.insert("kind".to_string(), kind_label(view.kind).to_string());
    if !view.severity.is_empty() {
        meta.insert("severity".to_string(), index_value(&view.severity));
    }
    if !view.date.is_empty() {
        meta.insert("date".to_string(), index_value(&view.date));
    }

    let mut filters: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut filter = |name: &str, values: &[String]| {
        let values: Vec<String> = values
            .iter()
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(index_value)
            .collect();
        if !values.is_empty() {
            filters.insert(name.to_string(), values);
        }
    };
    filter("kind", &[kind_label(view.kind).to_string()]);
    filter("severity", std::slice::from_ref(&view.severity));
    filter("service", &view.services);
    filter("owner", std::slice::from_ref(&view.owner));
    filter("tag", &view.tags);
    filter("status", &[view.status.replace('_', " ")]);

    Record {
        url,
        text: text.0,
        meta,
        filters,
    }
}

/// The record of an alert's page: its name (weighted like an alert name on a runbook), what
/// its rules say, and the runbooks that answer it.
pub fn alert_record(alert: &AlertView, base_path: &str) -> Record {
    let url = match alert.url.strip_prefix(base_path) {
        Some(rest) => format!("/{rest}"),
        None => alert.url.clone(),
    };
    // The page only leads to the runbooks: its words weigh less than theirs, so a search for
    // the alert or its words finds the runbook first and the alert page after it.
    let mut text = Text::default();
    text.fact("Alert", &alert.name, ALERT_PAGE_WEIGHT);
    for d in &alert.definitions {
        text.fact("Summary", &d.summary, ALERT_PAGE_WEIGHT);
        text.fact("Description", &d.description, ALERT_PAGE_WEIGHT);
        text.fact("Group", &d.group, ALERT_PAGE_WEIGHT);
        text.fact("Severity", &d.severity, ALERT_PAGE_WEIGHT);
    }
    for r in &alert.runbooks {
        text.fact("Runbook", &r.title, ALERT_PAGE_WEIGHT);
    }
    let mut meta = BTreeMap::new();
    meta.insert("title".to_string(), index_value(&alert.name));
    meta.insert("kind".to_string(), "Alert".to_string());
    let mut filters = BTreeMap::new();
    filters.insert("kind".to_string(), vec!["Alert".to_string()]);
    Record {
        url,
        text: text.0,
        meta,
        filters,
    }
}

/// The alerts that have a page (they go in the first shard: there are few).
fn alerts_with_pages<'s>(site: &'s Site) -> Vec<&'s AlertView> {
    site.alerts.iter().filter(|a| !a.url.is_empty()).collect()
}

/// The records of the alert pages, as the first shard holds them after its documents.
pub fn alert_records(site: &Site) -> Vec<Record> {
    alerts_with_pages(site)
        .into_iter()
        .map(|alert| alert_record(alert, &site.info.base_path))
        .collect()
}

/// The words of a Markdown body: text, inline code, code blocks, table cells, image alt text.
/// Raw HTML is left out (it is markup, not prose). Blocks are separated by a space.
pub fn plain_text(body: &str) -> String {
    let mut text = String::with_capacity(body.len());
    let gap = |text: &mut String| {
        if !text.is_empty() && !text.ends_with(' ') {
            text.push(' ');
        }
    };
    for event in Parser::new_ext(body, markdown::options()) {
        match event {
            Event::Text(t) | Event::Code(t) => {
                if t.contains(char::is_whitespace) {
                    // Code blocks keep their newlines; the index only needs the words.
                    let mut words = t.split_whitespace().peekable();
                    if t.starts_with(char::is_whitespace) {
                        gap(&mut text);
                    }
                    while let Some(word) = words.next() {
                        text.push_str(word);
                        if words.peek().is_some() {
                            text.push(' ');
                        }
                    }
                    if t.ends_with(char::is_whitespace) {
                        gap(&mut text);
                    }
                } else {
                    text.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak | Event::Rule => gap(&mut text),
            Event::Start(Tag::TableCell | Tag::Item | Tag::CodeBlock(_)) => gap(&mut text),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::TableRow
                | TagEnd::TableHead
                | TagEnd::BlockQuote(_)
                | TagEnd::CodeBlock
                | TagEnd::FootnoteDefinition
                | TagEnd::DefinitionListTitle
                | TagEnd::DefinitionListDefinition,
            ) => gap(&mut text),
            _ => {}
        }
    }
    let trimmed = text.trim_end().len();
    text.truncate(trimmed);
    text
}

/// What the index stage did.
#[derive(Debug, Clone)]
pub struct SearchSummary {
    pub records: usize,
    pub shards: usize,
    pub files: usize,
    pub bytes: usize,
    pub duration: Duration,
}

/// The index files to write, and the summary.
pub struct SearchOutput {
    pub files: Vec<OutputFile>,
    pub summary: SearchSummary,
}

fn search_error(message: impl std::fmt::Display) -> SiteError {
    SiteError::Search {
        message: message.to_string(),
    }
}

/// Pagefind's engine files and facts, asked once per process.
pub fn engine() -> Result<&'static Engine, SiteError> {
    static ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();
    ENGINE
        .get_or_init(|| Engine::load(LANGUAGE))
        .as_ref()
        .map_err(|e| search_error(format!("Pagefind: {e}")))
}

/// The documents of each index shard (indexes into `site.documents`), in index order.
/// Dealt in order of service, so each shard gets its share of every service's documents and
/// the term statistics Pagefind ranks by (per shard) stay close to those of the whole.
pub fn shards(site: &Site, config: &SearchConfig) -> Vec<Vec<usize>> {
    let documents = &site.documents;
    let mut order: Vec<usize> = (0..documents.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |d: &DocView| (d.services.first().cloned(), d.kind, d.url.clone());
        key(&documents[a]).cmp(&key(&documents[b]))
    });
    deal(
        documents.len(),
        shard_count(documents.len(), config.shard_size),
    )
    .into_iter()
    .map(|shard| shard.into_iter().map(|position| order[position]).collect())
    .collect()
}

/// Builds the search index of every document of `site` and returns its files (for
/// `opsbook serve`, which installs them itself).
pub fn build(site: &Site, config: &SearchConfig) -> Result<SearchOutput, SiteError> {
    let files = Mutex::new(Vec::new());
    let summary = build_into(site, config, &AtomicBool::new(false), &|file| {
        files.lock().unwrap_or_else(|e| e.into_inner()).push(file);
        Ok(())
    })?;
    let mut files = files.into_inner().unwrap_or_else(|e| e.into_inner());
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(SearchOutput { files, summary })
}

/// Builds the search index of every document of `site`, shard after shard, each on every
/// core, and hands each file to `sink` as soon as it is written (paths relative to the
/// output folder). When `stop` is set (the rest of the build failed), indexing stops.
pub fn build_into(
    site: &Site,
    config: &SearchConfig,
    stop: &AtomicBool,
    sink: &(dyn Fn(OutputFile) -> Result<(), SiteError> + Sync),
) -> Result<SearchSummary, SiteError> {
    let started = Instant::now();
    let engine = engine()?;
    let documents = &site.documents;
    let shards = shards(site, config);

    let options = IndexOptions {
        fields: META_FIELDS.iter().map(|f| f.to_string()).collect(),
        ..IndexOptions::default()
    };
    let mut indexer = Indexer::new(engine, options);
    let files = AtomicUsize::new(0);
    let bytes = AtomicUsize::new(0);
    let alerts = alerts_with_pages(site);
    for (shard, members) in shards.iter().enumerate() {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let dir = shard_dir(shard);
        let put = |path: String, contents: Vec<u8>| {
            files.fetch_add(1, Ordering::Relaxed);
            bytes.fetch_add(contents.len(), Ordering::Relaxed);
            sink(OutputFile {
                path: format!("{dir}/{path}"),
                bytes: contents,
            })
        };
        if shard == 0 {
            // Pagefind's scripts, interface and WebAssembly, for every shard.
            for (path, contents) in &engine.files {
                put(path.clone(), contents.clone())?;
            }
        }
        // Records are made on the indexing threads, one at a time, so the text of the whole
        // corpus is never held at once.
        let make = |i: usize| match members.get(i) {
            Some(&member) => {
                let doc = &documents[member];
                record(doc, &site.body(doc.index), &site.info.base_path)
            }
            None => alert_record(alerts[i - members.len()], &site.info.base_path),
        };
        let count = members.len() + if shard == 0 { alerts.len() } else { 0 };
        let written = indexer
            .write(count, &make, stop, &put)
            .map_err(|e| match e {
                SiteError::Search { message } => search_error(format!("shard {shard}: {message}")),
                other => other,
            })?;
        let Some(written) = written else {
            break;
        };
        put(
            "pagefind-entry.json".to_string(),
            engine.entry(&written.meta_hash, written.pages),
        )?;
    }
    Ok(SearchSummary {
        records: documents.len() + alerts.len(),
        shards: shards.len(),
        files: files.into_inner(),
        bytes: bytes.into_inner(),
        duration: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_bounded_and_cover_every_document_once() {
        for (documents, size) in [(0, 10), (1, 10), (10, 10), (11, 10), (1000, 7), (32, 8)] {
            let shards = deal(documents, shard_count(documents, size));
            assert!(shards.iter().all(|s| s.len() <= size), "{documents}/{size}");
            let mut all: Vec<usize> = shards.concat();
            all.sort_unstable();
            assert_eq!(all, (0..documents).collect::<Vec<_>>());
            // Balanced: sizes differ by at most one.
            let (min, max) = (
                shards.iter().map(Vec::len).min().unwrap(),
                shards.iter().map(Vec::len).max().unwrap(),
            );
            assert!(max - min <= 1, "{documents}/{size}");
        }
        assert_eq!(shard_count(0, 10), 1);
        assert_eq!(shard_count(25, 10), 3);
    }

    #[test]
    fn bundle_urls_follow_the_base_path() {
        let config = SearchConfig {
            enabled: true,
            shard_size: 10,
        };
        let view = SearchView::new(&config, "/kb/", 25);
        assert_eq!(view.bundle, "/kb/pagefind/");
        assert_eq!(
            view.merge,
            ["/kb/pagefind/shard-1/", "/kb/pagefind/shard-2/"]
        );
        assert!(SearchView::new(&config, "/", 3).merge.is_empty());
        assert!(SearchView::new(&config, "/", 1).enabled);
        assert!(
            !SearchView::new(&config, "/", 0).enabled,
            "no documents, no search box"
        );
    }

    #[test]
    fn index_values_are_html_text_and_never_pagefind_instructions() {
        assert_eq!(
            index_value("<img src=x onerror=alert(1)> & \"><script>"),
            "&lt;img src=x onerror=alert(1)&gt; &amp; \"&gt;&lt;script&gt;"
        );
        assert_eq!(index_value("javascript:alert(1)"), "javascript:alert(1)");
        assert_eq!(
            index_value("___PAGEFIND_WEIGHT___9 x ___END_PAGEFIND_WEIGHT___"),
            "PAGEFIND_WEIGHT___9 x END_PAGEFIND_WEIGHT___"
        );
        // Words keep their apostrophes and quotes, so they are found as typed.
        assert_eq!(index_value("won't \"start\""), "won't \"start\"");
    }

    #[test]
    fn plain_text_keeps_words_and_drops_markup() {
        let body = "## Root cause\n\nThe **deploy** of `checkout-web` broke [the cart](../runbooks/a.md).\n\n\
                    | Step | Command |\n|---|---|\n| 1 | `kubectl rollout undo` |\n\n\
                    ```sh\nkubectl -n shop \\\n  get pods\n```\n\n> Quote\n\n<script>alert(1)</script>\n\n- one\n- two\n";
        let text = plain_text(body);
        assert_eq!(
            text,
            "Root cause The deploy of checkout-web broke the cart. Step Command 1 kubectl rollout undo \
             kubectl -n shop \\ get pods Quote one two"
        );
    }
}
