//! Pagefind's own engine (the `pagefind.js` and WebAssembly of the pinned pagefind crate, in
//! headless Chromium) on the indexes opsbook writes.
//!
//! - Equivalence: the same records indexed by Pagefind's own indexer and by opsbook's writer,
//!   on a generated corpus of 1,000 documents and on the example in `content/` (one index and
//!   shards), answer hundreds of queries (words, prefixes as typed, phrases, words only in
//!   titles, words in code blocks, every filter, filters combined) with the same pages, in the
//!   same order, with the same scores, excerpts and metadata. The queries come from the
//!   corpus; the expected answers come from Pagefind, not from this file.
//! - Safety is tested on the site's own search box, which inserts every value as text: see
//!   `html_and_script_in_front_matter_show_as_text` in tests/browser_ui.rs.
//!
//! They need Chromium, so a plain `cargo test` skips them; `.ci/run` runs them:
//!
//! ```sh
//! cargo test --test search_engine -- --ignored --nocapture
//! ```

#[path = "support/chromium.rs"]
mod chromium;
#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/server.rs"]
mod server;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chromium::{eval, launch};
use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;
use serde_json::{Value, json};

use opsbook::config::Config;
use opsbook::site::model::Site;
use opsbook::site::search::{self, Record};
use server::Server;

const TODAY: &str = "2026-11-25";

/// Writes `files` (paths relative to `dir`) under `dir`.
fn write_files(dir: &Path, files: impl IntoIterator<Item = (String, Vec<u8>)>) {
    for (path, bytes) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

/// Pagefind's own bundle of `records`: (path in the bundle, bytes).
fn pagefind_bundle(records: &[Record]) -> Vec<(String, Vec<u8>)> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    runtime.block_on(async {
        let options = PagefindServiceConfig::builder()
            .force_language("en".to_string())
            .build();
        let mut index = PagefindIndex::new(Some(options)).unwrap();
        for r in records {
            index
                .add_custom_record(
                    r.url.clone(),
                    r.pagefind_content(),
                    "en".to_string(),
                    Some(r.meta.clone()),
                    Some(r.filters.clone()),
                    None,
                )
                .await
                .unwrap();
        }
        index
            .get_files()
            .await
            .unwrap()
            .into_iter()
            .map(|f| (f.filename.to_string_lossy().replace('\\', "/"), f.contents))
            .collect()
    })
}

/// One query: a search term (`None`: filters alone) and Pagefind filters.
#[derive(Debug, Clone)]
struct Query {
    what: &'static str,
    term: Option<String>,
    filters: Value,
}

impl Query {
    fn term(what: &'static str, term: impl Into<String>) -> Query {
        Query {
            what,
            term: Some(term.into()),
            filters: Value::Null,
        }
    }

    fn json(&self) -> Value {
        json!({ "term": self.term, "filters": self.filters })
    }
}

/// The words of `text` as a reader would type them: letters only, lower case.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| w.len() >= 3 && w.chars().all(|c| c.is_ascii_alphabetic()))
        .map(str::to_lowercase)
}

/// Every `step`-th item, to sample a list evenly.
fn every<T: Clone>(items: &[T], count: usize) -> Vec<T> {
    let step = (items.len() / count.max(1)).max(1);
    items.iter().step_by(step).take(count).cloned().collect()
}

/// The words inside fenced and indented code blocks of a Markdown body.
fn code_words(body: &str) -> Vec<String> {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut out = Vec::new();
    let mut in_code = false;
    for event in Parser::new(body) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Text(t) if in_code => out.extend(t.split_whitespace().map(str::to_string)),
            _ => {}
        }
    }
    out
}

/// Queries drawn from the corpus itself: every kind the issue names, at least 200.
fn queries(records: &[Record], bodies: &[&str]) -> Vec<Query> {
    let texts: Vec<String> = records.iter().map(Record::plain_text).collect();
    let mut frequency: HashMap<String, usize> = HashMap::new();
    for text in &texts {
        for word in words(text) {
            *frequency.entry(word).or_default() += 1;
        }
    }
    let mut by_frequency: Vec<(String, usize)> = frequency.clone().into_iter().collect();
    by_frequency.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let picked: Vec<String> = every(&by_frequency, 40).into_iter().map(|w| w.0).collect();
    let mut out: Vec<Query> = picked.iter().map(|w| Query::term("word", w)).collect();

    // As typed: every prefix of two to six letters.
    for word in picked.iter().filter(|w| w.len() >= 7).take(14) {
        for len in 2..=6 {
            out.push(Query::term("prefix", &word[..len]));
        }
    }
    // Phrases: two or three consecutive words of a document, in quotes.
    for (i, text) in every(&texts, 30).iter().enumerate() {
        let ws: Vec<String> = words(text).collect();
        let len = 2 + i % 2;
        if ws.len() > len + 10 {
            let start = (i * 7919) % (ws.len() - len);
            out.push(Query::term(
                "phrase",
                format!("\"{}\"", ws[start..start + len].join(" ")),
            ));
        }
    }
    // Words of titles that no document's text has, and whole titles.
    let titles: Vec<&str> = records.iter().map(|r| r.meta["title"].as_str()).collect();
    let title_only: BTreeSet<String> = titles
        .iter()
        .flat_map(|t| words(t))
        .filter(|w| !frequency.contains_key(w))
        .collect();
    out.extend(
        title_only
            .iter()
            .take(20)
            .map(|w| Query::term("title word", w)),
    );
    out.extend(
        every(&titles, 10)
            .into_iter()
            .map(|t| Query::term("title", t)),
    );
    // Words and phrases of code blocks.
    let mut code: Vec<String> = bodies.iter().flat_map(|b| code_words(b)).collect();
    code.sort();
    code.dedup();
    out.extend(every(&code, 25).into_iter().map(|w| Query::term("code", w)));
    // Several words without quotes, capitals, compound names, nothing at all.
    for pair in picked.chunks(2).take(10) {
        out.push(Query::term("words", pair.join(" ")));
    }
    for word in picked.iter().take(5) {
        out.push(Query::term("capitals", word.to_uppercase()));
    }
    out.push(Query::term("unknown", "xyzzyqx"));

    // Filters: every value of every filter (up to 8 each) alone, with a word, combined.
    let mut values: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for r in records {
        for (name, vs) in &r.filters {
            values
                .entry(name)
                .or_default()
                .extend(vs.iter().map(String::as_str));
        }
    }
    for (name, vs) in &values {
        let vs: Vec<&str> = vs.iter().copied().collect();
        for v in every(&vs, 8) {
            out.push(Query {
                what: "filter",
                term: None,
                filters: json!({ *name: v }),
            });
        }
        if vs.len() > 1 {
            out.push(Query {
                what: "filter any",
                term: None,
                filters: json!({ *name: { "any": [vs[0], vs[vs.len() - 1]] } }),
            });
        }
    }
    for (i, r) in every(records, 20).iter().enumerate() {
        let names: Vec<&String> = r.filters.keys().collect();
        let a = names[i % names.len()];
        let b = names[(i + 1) % names.len()];
        out.push(Query {
            what: "filters combined",
            term: None,
            filters: json!({ a: r.filters[a][0], b: r.filters[b][0] }),
        });
        out.push(Query {
            what: "word and filter",
            term: Some(picked[i % picked.len()].clone()),
            filters: json!({ a: r.filters[a][0] }),
        });
    }
    out
}

/// Runs `queries` on a bundle in a fresh page: the filters, and per query the number of
/// results, every result's score, and the URL, excerpt, metadata and filters of the first
/// five.
fn run_queries(
    tab: &headless_chrome::Tab,
    server: &Server,
    bundle: &str,
    merge: &[String],
    queries: &[Query],
) -> Value {
    tab.navigate_to(&server.url("/probe.html"))
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    let queries = Value::Array(queries.iter().map(Query::json).collect());
    eval(
        tab,
        &format!(
            r#"(async () => {{
                const pagefind = await import({bundle:?} + "pagefind.js");
                await pagefind.options({{ baseUrl: "/", excerptLength: 16 }});
                for (const path of {merge}) await pagefind.mergeIndex(path, {{ baseUrl: "/" }});
                const filters = await pagefind.filters();
                const answers = [];
                for (const q of {queries}) {{
                    const found = await pagefind.search(q.term, q.filters ? {{ filters: q.filters }} : {{}});
                    const top = await Promise.all(found.results.slice(0, 5).map(r => r.data()));
                    answers.push({{
                        count: found.results.length,
                        scores: found.results.map(r => r.score),
                        top: top.map(d => [d.url, d.excerpt, d.meta, d.filters]),
                    }});
                }}
                return {{ filters, answers }};
            }})()"#,
            merge = serde_json::to_string(merge).unwrap(),
        ),
    )
}

/// Builds `kb` both ways (shards of `shard_size`), serves them and compares the answers.
fn compare_indexers(name: &str, kb: &Path, shard_size: usize) {
    let temp = tempfile::tempdir().unwrap();
    let served = temp.path().join("served");
    let mut config = Config::load(None, kb).unwrap();
    config.search.shard_size = shard_size;
    let docs = opsbook::load(&config).unwrap();
    let input = opsbook::site::SiteInput::new(TODAY.parse().unwrap());
    let site = Site::new(&config, &docs, &input);
    let shards = search::shards(&site, &config.search);

    // opsbook's bundle, as `opsbook build` writes it.
    let ours = search::build(&site, &config.search).unwrap();
    write_files(
        &served.join("ours"),
        ours.files.into_iter().map(|f| (f.path, f.bytes)),
    );
    // Pagefind's, shard by shard, with the same records in the same order.
    let mut all_records = Vec::new();
    let mut bodies = Vec::new();
    for (i, members) in shards.iter().enumerate() {
        let mut records: Vec<Record> = members
            .iter()
            .map(|&d| {
                let view = &site.documents[d];
                let body = site.body(view.index);
                let record = search::record(view, &body, &site.info.base_path);
                bodies.push(body);
                record
            })
            .collect();
        if i == 0 {
            records.extend(search::alert_records(&site));
        }
        let files = pagefind_bundle(&records);
        let dir = served.join("reference").join(search::shard_dir(i));
        write_files(&dir, files);
        all_records.extend(records);
    }
    std::fs::write(
        served.join("probe.html"),
        "<!doctype html><html lang=\"en\"><title>probe</title></html>",
    )
    .unwrap();

    let bodies: Vec<&str> = bodies.iter().map(|b| b.as_ref()).collect();
    let queries = queries(&all_records, &bodies);
    assert!(
        queries.len() >= 200,
        "{name}: {} queries, at least 200 wanted",
        queries.len()
    );
    let server = Server::start(&served);
    let browser = launch(&temp.path().join("profile"), (1280, 900));
    let tab = browser.new_tab().unwrap();
    tab.set_default_timeout(Duration::from_secs(120));
    let merge = |root: &str| -> Vec<String> {
        (1..shards.len())
            .map(|i| format!("/{root}/{}/", search::shard_dir(i)))
            .collect()
    };
    let reference = run_queries(
        &tab,
        &server,
        "/reference/pagefind/",
        &merge("reference"),
        &queries,
    );
    let ours = run_queries(&tab, &server, "/ours/pagefind/", &merge("ours"), &queries);

    assert_eq!(
        reference["filters"], ours["filters"],
        "{name}: filter counts"
    );
    let mut differences = Vec::new();
    let mut answered = 0;
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, query) in queries.iter().enumerate() {
        let (a, b) = (&reference["answers"][i], &ours["answers"][i]);
        *kinds.entry(query.what).or_default() += 1;
        if a["count"].as_u64().unwrap_or(0) > 0 {
            answered += 1;
        }
        if a != b {
            differences.push(format!(
                "{} {:?} {}: Pagefind {} results {:?}, opsbook {} results {:?}",
                query.what,
                query.term,
                query.filters,
                a["count"],
                a["top"].get(0).map(|t| &t[0]),
                b["count"],
                b["top"].get(0).map(|t| &t[0]),
            ));
        }
    }
    println!(
        "{name}: {} queries ({kinds:?}), {answered} with results, {} differences",
        queries.len(),
        differences.len()
    );
    assert!(
        answered * 10 >= queries.len() * 7,
        "{name}: only {answered} of {} queries find anything: the test would prove little",
        queries.len()
    );
    assert!(differences.is_empty(), "{name}: {differences:#?}");
}

#[test]
#[ignore = "needs Chromium: run `cargo test --test search_engine -- --ignored` (.ci/run does)"]
fn pagefind_and_opsbook_indexes_answer_alike_on_1000_generated_documents() {
    let temp = tempfile::tempdir().unwrap();
    let kb = temp.path().join("kb");
    corpus::write_corpus(&kb, 1000, 11, "[site]\ntitle = \"Generated\"\n").unwrap();
    compare_indexers("1,000 generated documents", &kb, 10_000);
}

#[test]
#[ignore = "needs Chromium: run `cargo test --test search_engine -- --ignored` (.ci/run does)"]
fn pagefind_and_opsbook_indexes_answer_alike_on_the_example_content() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    compare_indexers("content/, one index", &root, 10_000);
    compare_indexers("content/, shards of 8", &root, 8);
}
