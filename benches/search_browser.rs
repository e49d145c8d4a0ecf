//! What a reader's browser pays for a search: bytes fetched and time to the first results, for
//! a cold search (a fresh page with an empty cache: Pagefind's code, WebAssembly, metadata and
//! the index chunks it needs) and a warm one (a second, different search on the same page),
//! with the index in one piece and in shards of several sizes.
//!
//! ```text
//! OPSBOOK_CHROMIUM=/usr/bin/chromium cargo bench --bench search_browser -- CORPUS_DIR [SHARD_SIZE...]
//! # CORPUS_DIR: a generated corpus, e.g. the one benches/compare.sh caches
//! ```
//!
//! The index of CORPUS_DIR (an opsbook knowledge base) is written once per shard size, served
//! from 127.0.0.1 by the tests' static server (which counts the requests and bytes), and
//! searched in headless Chromium through Pagefind's API as the site's search box does (the
//! primary bundle, the other shards merged, the first five results' fragments loaded). Each
//! search runs on the loopback network and on a network of 40 ms round trip and 20 Mbit/s
//! that the server emulates (each answer waits a round trip; the bodies share the bandwidth).
//! The server sends `Cache-Control: no-store`, so every page starts cold. Prints medians over the queries; the numbers go to book/src/performance.md.

#[path = "../tests/support/chromium.rs"]
mod chromium;
#[path = "../tests/support/server.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use serde_json::Value;

use opsbook::config::Config;
use opsbook::site::model::Site;
use opsbook::site::search;

/// What readers of the generated corpus search for: common and rare words, a word being typed,
/// a phrase, a service name, a word with a filter.
const QUERIES: &[(&str, &str)] = &[
    ("replication", "null"),
    ("rollback", "null"),
    ("certificate", "null"),
    ("kubern", "null"),
    ("\"connection pool\"", "null"),
    ("checkout-api", "null"),
    ("timeout", r#"{"kind": "Runbook"}"#),
    ("dns resolution", "null"),
    ("oom", "null"),
];

struct Link {
    name: &'static str,
    /// Round trip and throughput (bytes per second); `None`: the loopback as it is.
    conditions: Option<(Duration, f64)>,
}

/// Emulated by the server itself, so that it covers the fetches of Pagefind's web worker too.
const NETWORKS: [Link; 2] = [
    Link {
        name: "loopback",
        conditions: None,
    },
    Link {
        name: "40 ms, 20 Mbit/s",
        conditions: Some((Duration::from_millis(40), 20e6 / 8.0)),
    },
];

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// Writes the search bundle of `site` with shards of `shard_size` into `dir`; returns the
/// shard URLs the pages would name (primary first).
fn write_index(site: &Site, config: &Config, shard_size: usize, dir: &Path) -> Vec<String> {
    let mut search_config = config.search.clone();
    search_config.shard_size = shard_size;
    let started = Instant::now();
    let summary = search::build_into(site, &search_config, &AtomicBool::new(false), &|file| {
        let path = dir.join(&file.path);
        std::fs::create_dir_all(path.parent().expect("a file in a folder")).expect("mkdir");
        std::fs::write(path, &file.bytes).expect("write");
        Ok(())
    })
    .expect("index");
    eprintln!(
        "shards of {shard_size}: {} shards, {} files, {:.1} MB, written in {:.1} s",
        summary.shards,
        summary.files,
        summary.bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    (0..summary.shards)
        .map(|i| format!("/{}/", search::shard_dir(i)))
        .collect()
}

/// One search on `tab` as the search box runs it (Pagefind loaded on the first one): returns
/// milliseconds to the first results and the number of results.
fn search(
    tab: &headless_chrome::Tab,
    bundles: &[String],
    query: &str,
    filters: &str,
) -> (f64, u64) {
    let value = chromium::eval(
        tab,
        &format!(
            r#"(async () => {{
                const started = performance.now();
                if (!window.pagefind) {{
                    window.pagefind = await import({primary:?} + "pagefind.js");
                    await window.pagefind.options({{ baseUrl: "/" }});
                    for (const path of {merge}) await window.pagefind.mergeIndex(path, {{ baseUrl: "/" }});
                }}
                const filters = {filters};
                const found = await window.pagefind.search({query:?}, filters ? {{ filters }} : {{}});
                await Promise.all(found.results.slice(0, 5).map(r => r.data()));
                return [performance.now() - started, found.results.length];
            }})()"#,
            primary = bundles[0],
            merge = serde_json::to_string(&bundles[1..]).expect("json"),
        ),
    );
    let pair = value.as_array().cloned().unwrap_or_default();
    (
        pair.first().and_then(Value::as_f64).unwrap_or(f64::NAN),
        pair.get(1).and_then(Value::as_u64).unwrap_or(0),
    )
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let Some(corpus) = args.first().map(PathBuf::from) else {
        eprintln!("usage: cargo bench --bench search_browser -- CORPUS_DIR [SHARD_SIZE...]");
        std::process::exit(2);
    };
    let mut sizes: Vec<usize> = args[1..].iter().filter_map(|a| a.parse().ok()).collect();
    if sizes.is_empty() {
        sizes = vec![usize::MAX, 10_000, 2_500];
    }
    let config = Config::load(None, &corpus).expect("the corpus's opsbook.toml");
    let docs = opsbook::load(&config).expect("documents");
    let input = opsbook::site::SiteInput::new("2026-11-25".parse().expect("date"));
    let site = Site::new(&config, &docs, &input);
    let temp = tempfile::tempdir().expect("temporary folder");

    println!(
        "{} documents; medians over {} queries; bytes are response bodies as served (Pagefind's index files are gzip already; its scripts are not compressed here)",
        site.documents.len(),
        QUERIES.len()
    );
    println!(
        "index                  network            cold: ms  requests  KB     warm: ms  requests  KB"
    );
    for &size in &sizes {
        let root = temp.path().join(format!("s{size}"));
        let bundles = write_index(&site, &config, size, &root);
        std::fs::write(
            root.join("probe.html"),
            "<!doctype html><html lang=\"en\"><title>probe</title></html>",
        )
        .expect("probe page");
        let label = if bundles.len() == 1 {
            "one index".to_string()
        } else {
            format!("{} shards of {size}", bundles.len())
        };
        for network in &NETWORKS {
            let server = match network.conditions {
                None => server::Server::start(&root),
                Some((rtt, rate)) => server::Server::start_throttled(&root, rtt, rate),
            };
            let browser =
                chromium::launch(&temp.path().join(format!("profile-{size}")), (1280, 900));
            let mut cold = (Vec::new(), Vec::new(), Vec::new());
            let mut warm = (Vec::new(), Vec::new(), Vec::new());
            for (i, (query, filters)) in QUERIES.iter().enumerate() {
                let tab = browser.new_tab().expect("tab");
                tab.set_default_timeout(Duration::from_secs(300));
                tab.navigate_to(&server.url("/probe.html"))
                    .expect("navigate")
                    .wait_until_navigated()
                    .expect("loaded");
                let before = server.served();
                let (ms, _) = search(&tab, &bundles, query, filters);
                let after = server.served();
                cold.0.push(ms);
                cold.1.push((after.0 - before.0) as f64);
                cold.2.push((after.1 - before.1) as f64 / 1024.0);
                // A different query on the same page.
                let (next, next_filters) = QUERIES[(i + 1) % QUERIES.len()];
                let (ms, _) = search(&tab, &bundles, next, next_filters);
                let later = server.served();
                warm.0.push(ms);
                warm.1.push((later.0 - after.0) as f64);
                warm.2.push((later.1 - after.1) as f64 / 1024.0);
                let _ = tab.close(true);
            }
            println!(
                "{label:<22} {:<18} {:>8.0}  {:>8.0}  {:>5.0}  {:>8.0}  {:>8.0}  {:>5.0}",
                network.name,
                median(cold.0),
                median(cold.1),
                median(cold.2),
                median(warm.0),
                median(warm.1),
                median(warm.2),
            );
        }
    }
}
