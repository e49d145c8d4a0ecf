//! The index stage: a Pagefind search index, built in-process.
//!
//! Each document becomes one Pagefind *custom record*: its page URL, plain text taken from the
//! parsed Markdown (no HTML is parsed again), the metadata the results show (title, kind,
//! severity, date) and the filters readers narrow by (kind, severity, service, owner, tag,
//! status). Pagefind's Rust API is async, so the stage owns a small tokio runtime.
//!
//! One Pagefind index costs time and memory that grow faster than the corpus (issue 6 measured
//! 51 s and 5.7 GB for 10,000 documents), so documents are dealt round-robin into *shards* of at
//! most `search.shard_size` documents. Shards are indexed on parallel threads, each bounded in
//! size; the first is written to `pagefind/` together with Pagefind's scripts and UI, the
//! others to `pagefind/shard-N/` with only their index data, and the browser merges them with
//! Pagefind's `mergeIndex`. Documents are dealt round-robin in order of service, so every shard
//! is a fair sample of the whole and the per-shard term statistics Pagefind ranks by stay close
//! to those of one index (the browser test compares the two).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use serde::Serialize;

use super::SiteError;
use super::alerts::AlertView;
use super::model::{DocView, Site};
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

/// One document as Pagefind receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub url: String,
    /// Plain text: the Markdown body, then the facts a reader may search for (rollback,
    /// follow-ups, alerts, services...). Excerpts are cut from it.
    pub content: String,
    pub meta: BTreeMap<String, String>,
    pub filters: BTreeMap<String, Vec<String>>,
}

fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Runbook => "Runbook",
        Kind::Postmortem => "Postmortem",
    }
}

/// The record of one document, from its view and Markdown body. `base_path` is left out of the
/// URL: Pagefind prefixes results with the folder its bundle is served from (everything before
/// `pagefind/`), which is the base path, and the search box passes it explicitly as well.
pub fn record(view: &DocView, body: &str, base_path: &str) -> Record {
    let url = match view.url.strip_prefix(base_path) {
        Some(rest) => format!("/{rest}"),
        None => view.url.clone(),
    };
    let mut content = plain_text(body);
    let mut fact = |label: &str, value: &str| {
        let value = value.trim();
        if !value.is_empty() {
            content.push_str(&format!(" {label}: {value}."));
        }
    };
    fact("Rollback", &view.rollback);
    for follow_up in &view.follow_ups {
        fact("Follow-up", &follow_up.action);
        fact("Follow-up owner", &follow_up.owner);
        fact("Ticket", &follow_up.ticket);
    }
    fact("Escalation", &view.escalation);
    fact("Owner", &view.owner);
    fact("Services", &view.services.join(", "));
    fact("Tags", &view.tags.join(", "));
    // Pagefind reads words starting with `___PAGEFIND_` as instructions; text never is one.
    if content.contains("___PAGEFIND") {
        content = content.replace("___PAGEFIND", "PAGEFIND");
    }
    weighted(&mut content, "Alerts", &view.alerts.join(", "));

    // Metadata and filter values are stored HTML-escaped (the index contract every search
    // interface relies on: static/search.js decodes them and inserts them as text).
    let mut meta = BTreeMap::new();
    meta.insert("title".to_string(), view.title.clone());
    meta.insert("kind".to_string(), kind_label(view.kind).to_string());
    if !view.severity.is_empty() {
        meta.insert("severity".to_string(), view.severity.clone());
    }
    if !view.date.is_empty() {
        meta.insert("date".to_string(), view.date.clone());
    }

    let mut filters: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut filter = |name: &str, values: &[String]| {
        let values: Vec<String> = values
            .iter()
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_string)
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

    let escape = crate::escape::html;
    Record {
        url,
        content,
        meta: meta.into_iter().map(|(k, v)| (k, escape(&v))).collect(),
        filters: filters
            .into_iter()
            .map(|(k, values)| (k, values.iter().map(|v| escape(v)).collect()))
            .collect(),
    }
}

/// How much more a word in the [`weighted`] part of a record counts than one of the body (a
/// page title counts 7): a runbook comes first when its `alerts:` names the alert searched for.
const ALERT_NAME_WEIGHT: u8 = 5;

/// Appends `label: value.` to a record's text inside Pagefind's weight markers, with any
/// instruction in `value` defused.
fn weighted(content: &mut String, label: &str, value: &str) {
    let value = value.trim().replace("___PAGEFIND", "PAGEFIND");
    if !value.is_empty() {
        content.push_str(&format!(
            " ___PAGEFIND_WEIGHT___{ALERT_NAME_WEIGHT} {label}: {value}. ___END_PAGEFIND_WEIGHT___"
        ));
    }
}

/// The record of an alert's page: its name (weighted like a title), what its rules say, and
/// the runbooks that answer it.
pub fn alert_record(alert: &AlertView, base_path: &str) -> Record {
    let url = match alert.url.strip_prefix(base_path) {
        Some(rest) => format!("/{rest}"),
        None => alert.url.clone(),
    };
    let mut content = String::new();
    let mut fact = |label: &str, value: &str| {
        let value = value.trim();
        if !value.is_empty() {
            content.push_str(&format!(" {label}: {value}."));
        }
    };
    for d in &alert.definitions {
        fact("Summary", &d.summary);
        fact("Description", &d.description);
        fact("Group", &d.group);
        fact("Severity", &d.severity);
    }
    for r in &alert.runbooks {
        fact("Runbook", &r.title);
    }
    let mut content = content.trim_start().replace("___PAGEFIND", "PAGEFIND");
    weighted(&mut content, "Alert", &alert.name);
    let escape = crate::escape::html;
    let mut meta = BTreeMap::new();
    meta.insert("title".to_string(), escape(&alert.name));
    meta.insert("kind".to_string(), "Alert".to_string());
    let mut filters = BTreeMap::new();
    filters.insert("kind".to_string(), vec!["Alert".to_string()]);
    Record {
        url,
        content,
        meta,
        filters,
    }
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

/// Whether a file of a secondary shard is needed by `mergeIndex`: its entry file, metadata
/// and index data. Pagefind's scripts, UI and WebAssembly come from the primary bundle.
fn is_shard_data(path: &str) -> bool {
    path == "pagefind-entry.json"
        || path.ends_with(".pf_meta")
        || path.starts_with("fragment/")
        || path.starts_with("index/")
        || path.starts_with("filter/")
}

/// The records of the alert pages (in the first shard: there are few).
fn alert_records<'s>(site: &'s Site) -> impl Iterator<Item = Record> + 's {
    site.alerts
        .iter()
        .filter(|a| !a.url.is_empty())
        .map(|a| alert_record(a, &site.info.base_path))
}

type ShardResult = Result<Vec<(String, Vec<u8>)>, String>;

/// Indexes one shard and returns its files (paths relative to the bundle folder).
async fn index_shard(records: Vec<Record>) -> ShardResult {
    let options = PagefindServiceConfig::builder()
        .force_language(LANGUAGE.to_string())
        .build();
    let mut index = PagefindIndex::new(Some(options)).map_err(|e| format!("{e:#}"))?;
    for record in records {
        index
            .add_custom_record(
                record.url,
                record.content,
                LANGUAGE.to_string(),
                Some(record.meta),
                Some(record.filters),
                None,
            )
            .await
            .map_err(|e| format!("{e:#}"))?;
    }
    let files = index.get_files().await.map_err(|e| format!("{e:#}"))?;
    Ok(files
        .into_iter()
        .map(|f| {
            let path = f.filename.to_string_lossy().replace('\\', "/");
            (path, f.contents)
        })
        .collect())
}

/// Builds the search index of every document of `site`, shard by shard on parallel threads,
/// and returns its files (for `opsbook serve`, which installs them itself).
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

/// Builds the search index of every document of `site`, shard by shard on parallel threads,
/// and hands the files of each shard to `sink` as soon as that shard is done (paths relative to
/// the output folder), so at most one shard per thread is in memory. When `stop` is set (the
/// rest of the build failed), no further shard is started.
pub fn build_into(
    site: &Site,
    config: &SearchConfig,
    stop: &AtomicBool,
    sink: &(dyn Fn(OutputFile) -> Result<(), SiteError> + Sync),
) -> Result<SearchSummary, SiteError> {
    let started = Instant::now();
    let documents = &site.documents;
    // Dealt in order of service, so each shard gets its share of every service's documents and
    // the term statistics Pagefind ranks by (per shard) stay close to those of the whole.
    let mut order: Vec<usize> = (0..documents.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |d: &DocView| (d.services.first().cloned(), d.kind, d.url.clone());
        key(&documents[a]).cmp(&key(&documents[b]))
    });
    let shards: Vec<Vec<usize>> = deal(
        documents.len(),
        shard_count(documents.len(), config.shard_size),
    )
    .into_iter()
    .map(|shard| shard.into_iter().map(|position| order[position]).collect())
    .collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(shards.len())
        .max(1);
    // The futures run on the threads below (block_on); the runtime's own worker only drives
    // Pagefind's spawn_blocking calls and timers.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("opsbook-search")
        .build()
        .map_err(search_error)?;

    let next = AtomicUsize::new(0);
    let files = AtomicUsize::new(0);
    let bytes = AtomicUsize::new(0);
    let failures: Mutex<Vec<(usize, SiteError)>> = Mutex::new(Vec::new());
    let failed = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    if stop.load(Ordering::Relaxed) || failed.load(Ordering::Relaxed) {
                        break;
                    }
                    let shard = next.fetch_add(1, Ordering::Relaxed);
                    let Some(members) = shards.get(shard) else {
                        break;
                    };
                    // Records are made here, one shard at a time, so the text of the whole
                    // corpus is never held at once.
                    let mut records: Vec<Record> = members
                        .iter()
                        .map(|&i| {
                            record(
                                &documents[i],
                                site.body(documents[i].index),
                                &site.info.base_path,
                            )
                        })
                        .collect();
                    if shard == 0 {
                        records.extend(alert_records(site));
                    }
                    let outcome = runtime
                        .block_on(index_shard(records))
                        .map_err(|e| search_error(format!("shard {shard}: {e}")))
                        .and_then(|bundle| {
                            let dir = shard_dir(shard);
                            for (path, contents) in bundle {
                                if shard > 0 && !is_shard_data(&path) {
                                    continue;
                                }
                                files.fetch_add(1, Ordering::Relaxed);
                                bytes.fetch_add(contents.len(), Ordering::Relaxed);
                                sink(OutputFile {
                                    path: format!("{dir}/{path}"),
                                    bytes: contents,
                                })?;
                            }
                            Ok(())
                        });
                    if let Err(e) = outcome {
                        failed.store(true, Ordering::Relaxed);
                        failures
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((shard, e));
                        break;
                    }
                }
            });
        }
    });
    drop(runtime);

    let mut failures = failures.into_inner().unwrap_or_else(|e| e.into_inner());
    failures.sort_by_key(|(shard, _)| *shard);
    if let Some((_, error)) = failures.into_iter().next() {
        return Err(error);
    }
    Ok(SearchSummary {
        records: documents.len() + alert_records(site).count(),
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
