//! Search in a real browser. These tests build a fixture knowledge base into a temporary folder,
//! serve it on 127.0.0.1 on a free port and drive headless Chromium over the DevTools protocol:
//! the search box (static/search.js on Pagefind's JS API), its filters, result links, and a
//! sharded search index against one index. tests/browser_ui.rs checks every page's layout,
//! accessibility and the search box's keyboard use.
//!
//! They need Chromium, so a plain `cargo test` skips them (they are `#[ignore]`d and cargo
//! prints the reason). `.ci/run` installs Debian's chromium when it is missing and runs:
//!
//! ```sh
//! cargo test --test browser --test browser_ui -- --ignored --nocapture
//! ```
//!
//! `OPSBOOK_CHROMIUM` picks the browser binary; screenshots go to `target/screenshots/`
//! (or `OPSBOOK_SCREENSHOTS`).

#[path = "support/chromium.rs"]
mod chromium;
#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/server.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use headless_chrome::Tab;
use serde_json::Value;

use chromium::{eval, launch, open, screenshot, set_dark, set_phone, settled, wait_for};
use server::Server;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/search-site")
}

fn build(root: &Path, output: &Path) {
    chromium::build_site(root, output, false);
}

/// One search result as shown: title, facts (severity, kind, date), excerpt HTML, link.
type Shown = (String, Vec<String>, String, String);

/// The search results shown, once they stop changing.
fn results(tab: &Tab) -> Vec<Shown> {
    let value = settled(
        tab,
        r#"Array.from(document.querySelectorAll("[data-search-results] [role=option]")).map(r => [
            r.querySelector(".search-result-title").textContent,
            Array.from(r.querySelectorAll(".search-result-facts > *")).map(t => t.textContent.trim()),
            r.querySelector(".search-result-excerpt").innerHTML,
            r.getAttribute("data-url") || ""
        ])"#,
    );
    serde_json::from_value(value).unwrap()
}

fn titles(results: &[Shown]) -> Vec<String> {
    results.iter().map(|r| r.0.clone()).collect()
}

/// Opens `url`, presses `/` to focus the search box, and types `query` into it.
fn search(tab: &Arc<Tab>, url: &str, query: &str) {
    open(tab, url);
    wait_for(
        tab,
        "!!document.querySelector('[data-search-input]')",
        "the search box",
    );
    tab.press_key("/").unwrap();
    wait_for(
        tab,
        "!!document.activeElement && document.activeElement.hasAttribute('data-search-input')",
        "`/` to focus the search box",
    );
    tab.type_str(query).unwrap();
    wait_for(
        tab,
        "document.querySelectorAll('[data-search-results] [role=option]').length > 0",
        &format!("results for {query:?}"),
    );
}

#[test]
#[ignore = "needs Chromium: run `cargo test --test browser -- --ignored` (.ci/run does)"]
fn search_filters_and_screenshots_in_chromium() {
    let temp = tempfile::tempdir().unwrap();
    // The fixture's base_url is https://ops.example.com/kb/: the site lives under /kb/.
    let served = temp.path().join("served");
    let site = served.join("kb");
    build(&fixture(), &site);
    let server = Server::start(&served);
    let browser = launch(&temp.path().join("profile"), (1366, 900));
    let tab = browser.new_tab().unwrap();
    tab.set_default_timeout(Duration::from_secs(20));
    set_phone(&tab, false);
    set_dark(&tab, false);

    // No search code on a page until the box is used.
    open(&tab, &server.url("/kb/"));
    wait_for(
        &tab,
        "!!document.querySelector('[data-search-input]')",
        "the search box",
    );
    let loaded = eval(
        &tab,
        "performance.getEntriesByType('resource').map(r => r.name).filter(n => /search\\.js|pagefind/.test(n))",
    );
    assert_eq!(loaded, serde_json::json!([]), "search code before use");

    // `/` focuses the box; a query finds the expected postmortem, with severity, kind and date,
    // and an excerpt with the words marked.
    search(&tab, &server.url("/kb/"), "replication lag");
    let found = results(&tab);
    let titles_found = titles(&found);
    assert_eq!(
        titles_found.first().map(String::as_str),
        Some("Ledger replication lag stalled payments"),
        "best result for `replication lag`: {titles_found:?}"
    );
    let (_, facts, excerpt, href) = &found[0];
    assert_eq!(facts, &["SEV1", "Postmortem", "2026-03-14"]);
    assert!(
        excerpt.contains("<mark>"),
        "the excerpt highlights the query: {excerpt}"
    );
    assert_eq!(
        href,
        &server.url("/kb/postmortems/2026-03-14-ledger-replication-lag/")
    );

    // Prefixes match while typing (book/src/search.md says so).
    search(&tab, &server.url("/kb/"), "replic");
    let prefix = titles(&results(&tab));
    assert!(
        prefix.contains(&"Ledger replication lag stalled payments".to_string()),
        "`replic` finds replication: {prefix:?}"
    );

    // A broader query, then the severity filter: the results change, and every one left is SEV2.
    search(&tab, &server.url("/kb/"), "failover");
    let before = results(&tab);
    let before_titles = titles(&before);
    assert!(
        before_titles.contains(&"Payments database failover".to_string()),
        "{before_titles:?}"
    );
    assert!(
        before_titles.contains(&"Failover drill left payments read-only".to_string()),
        "{before_titles:?}"
    );
    tab.find_element("[data-search-filters-toggle]")
        .unwrap()
        .click()
        .unwrap();
    let groups = eval(
        &tab,
        "Array.from(document.querySelectorAll('.search-filter-name')).map(f => f.textContent.toLowerCase())",
    );
    for name in ["kind", "severity", "service", "owner", "tag"] {
        assert!(
            groups.as_array().unwrap().iter().any(|f| f == name),
            "filter {name} is offered: {groups}"
        );
    }
    assert!(
        !groups.as_array().unwrap().iter().any(|f| f == "status"),
        "status is offered only with a kind: {groups}"
    );
    tab.find_element("[data-filter-key=severity][data-filter-value=SEV2]")
        .unwrap()
        .click()
        .unwrap();
    wait_for(
        &tab,
        "!!document.querySelector('.search-chip[data-filter-key=severity]')",
        "the SEV2 chip",
    );
    let after = results(&tab);
    let after_titles = titles(&after);
    assert!(!after.is_empty(), "SEV2 documents match `failover`");
    for (title, facts, _, _) in &after {
        assert_eq!(facts.first().map(String::as_str), Some("SEV2"), "{title}");
    }
    assert!(
        after_titles.contains(&"Failover drill left payments read-only".to_string()),
        "{after_titles:?}"
    );
    assert!(
        !after_titles.contains(&"Payments database failover".to_string()),
        "{after_titles:?}"
    );

    // The chip removes the filter; runbook statuses appear once the kind is Runbook, and only
    // those.
    tab.find_element(".search-chip[data-filter-key=severity]")
        .unwrap()
        .click()
        .unwrap();
    wait_for(
        &tab,
        "!document.querySelector('.search-chip')",
        "the SEV2 chip to go",
    );
    tab.find_element("[data-filter-key=kind][data-filter-value=Runbook]")
        .unwrap()
        .click()
        .unwrap();
    wait_for(
        &tab,
        "!!document.querySelector('.search-chip[data-filter-key=kind]')",
        "the kind chip",
    );
    let statuses = settled(
        &tab,
        "Array.from(document.querySelectorAll('[data-filter-key=status]')).map(b => b.getAttribute('data-filter-value'))",
    );
    for status in statuses.as_array().unwrap() {
        assert!(
            status == "active" || status == "deprecated",
            "a runbook status: {statuses}"
        );
    }
    tab.find_element("[data-filter-key=kind][data-filter-value=Runbook]")
        .unwrap()
        .click()
        .unwrap();

    // A result opens its page.
    wait_for(
        &tab,
        "document.querySelectorAll('[data-search-results] [role=option]').length > 0",
        "results again",
    );
    tab.find_element("[data-search-results] [role=option]")
        .unwrap()
        .click()
        .unwrap();
    wait_for(
        &tab,
        "location.pathname.startsWith('/kb/postmortems/') || location.pathname.startsWith('/kb/runbooks/')",
        "the result to open a document",
    );

    // Dark mode follows the system.
    set_dark(&tab, true);
    search(&tab, &server.url("/kb/"), "checkout");
    let background = eval(
        &tab,
        "getComputedStyle(document.querySelector('[data-search-panel]')).backgroundColor",
    );
    assert_ne!(
        background, "rgb(255, 255, 255)",
        "the results panel is dark in dark mode"
    );
    set_dark(&tab, false);

    // A phone: the box spans the width and the results panel fits the screen.
    set_phone(&tab, true);
    search(&tab, &server.url("/kb/"), "failover");
    let fits = eval(
        &tab,
        "(() => { const r = document.querySelector('[data-search-panel]').getBoundingClientRect(); \
         return r.left >= 0 && r.right <= window.innerWidth; })()",
    );
    assert_eq!(
        fits,
        Value::Bool(true),
        "the results panel fits a phone screen"
    );
    let font = eval(
        &tab,
        "parseFloat(getComputedStyle(document.querySelector('[data-search-input]')).fontSize)",
    );
    assert!(
        font.as_f64().unwrap() >= 16.0,
        "phones zoom into smaller inputs: {font}"
    );
    screenshot(&tab, "search-phone-fixture.png", false);
}

/// Sharding must not change what readers find: a corpus indexed as one Pagefind index and as
/// several merged shards gives the same matches and the same top results.
#[test]
#[ignore = "needs Chromium: run `cargo test --test browser -- --ignored` (.ci/run does)"]
fn sharded_index_finds_what_one_index_finds() {
    let temp = tempfile::tempdir().unwrap();
    let served = temp.path().join("served");
    let documents = 1000;
    for (name, shard_size) in [("single", 10_000), ("sharded", 250)] {
        let kb = temp.path().join(format!("kb-{name}"));
        let config =
            format!("[site]\nbase_url = \"/{name}/\"\n[search]\nshard_size = {shard_size}\n");
        corpus::write_corpus(&kb, documents, 7, &config).unwrap();
        build(&kb, &served.join(name));
    }
    assert!(
        served
            .join("sharded/pagefind/shard-3/pagefind-entry.json")
            .is_file()
    );
    assert!(!served.join("single/pagefind/shard-1").exists());

    // A bare page to run Pagefind's search API on, as its UI does: a fresh Pagefind instance per
    // load, with the bundles the site's pages name in their search box.
    std::fs::write(
        served.join("probe.html"),
        "<!doctype html><html lang=\"en\"><title>probe</title></html>",
    )
    .unwrap();
    let bundles = |name: &str| -> (String, String, Vec<String>) {
        let home = std::fs::read_to_string(served.join(name).join("index.html")).unwrap();
        let attr = |key: &str| {
            let start = home.find(&format!("{key}=\"")).unwrap() + key.len() + 2;
            home[start..start + home[start..].find('"').unwrap()].to_string()
        };
        (
            attr("data-base"),
            attr("data-bundle"),
            attr("data-merge")
                .split_whitespace()
                .map(str::to_string)
                .collect(),
        )
    };
    let single = bundles("single");
    assert_eq!(single.0, "/single/");
    assert!(single.2.is_empty(), "one index: {:?}", single.2);
    let sharded = bundles("sharded");
    assert_eq!(
        sharded.2.len(),
        3,
        "1,000 documents in shards of 250: {:?}",
        sharded.2
    );

    let server = Server::start(&served);
    let browser = launch(&temp.path().join("profile"), (1366, 900));
    let tab = browser.new_tab().unwrap();
    // Search as the site's search box does (templates/static/search.js): the primary bundle,
    // the other shards merged, result URLs relative to the base path. Returns (URL, score).
    let run = |(base, bundle, merge): &(String, String, Vec<String>),
               query: &str|
     -> Vec<(String, f64)> {
        open(&tab, &server.url("/probe.html"));
        let value = eval(
            &tab,
            &format!(
                r#"(async () => {{
                    const pagefind = await import({bundle:?} + "pagefind.js");
                    await pagefind.options({{ excerptLength: 10, baseUrl: {base:?} }});
                    for (const path of {merge:?}) {{
                        await pagefind.mergeIndex(path, {{ baseUrl: {base:?} }});
                    }}
                    const search = await pagefind.search({query:?});
                    const data = await Promise.all(search.results.map(r => r.data()));
                    return data.map((d, i) => [d.url, search.results[i].score]);
                }})()"#
            ),
        );
        serde_json::from_value(value).unwrap()
    };
    let queries = [
        "replication lag",
        "checkout-web timeouts",
        "expired TLS certificate",
        "rollback",
        "dns resolution failures",
        "ledger-db failover",
        "stuck consumer group",
    ];
    let mut report = String::new();
    let mut failures: Vec<String> = Vec::new();
    for query in queries {
        let one = run(&single, query);
        let shards = run(&sharded, query);
        // Result links keep the base path, once.
        for (url, _) in one.iter().chain(&shards) {
            assert!(
                ["/single/", "/sharded/"].iter().any(|base| {
                    ["runbooks/", "postmortems/", "alerts/"]
                        .iter()
                        .any(|section| url.starts_with(&format!("{base}{section}")))
                }),
                "{url}"
            );
        }
        let strip = |results: Vec<(String, f64)>| -> Vec<(String, f64)> {
            results
                .into_iter()
                .map(|(url, score)| (url[url[1..].find('/').unwrap() + 1..].to_string(), score))
                .collect()
        };
        let (one, shards) = (strip(one), strip(shards));
        assert!(!one.is_empty(), "{query:?} finds documents");
        // Pagefind scores each shard with its own term statistics (IDF), so documents that one
        // index scores about the same may trade places; a clearly better document may not. So,
        // scored by one index's own measure: the best sharded result is within 2% of the best
        // result of one index, and the i-th sharded result within 15% of the i-th (with shards of
        // 250 documents; larger shards agree more closely).
        let score_in_one = |url: &str| one.iter().find(|r| r.0 == url).map_or(0.0, |r| r.1);
        let ratios: Vec<f64> = (0..one.len().min(5))
            .map(|i| score_in_one(&shards[i].0) / one[i].1)
            .collect();
        let line = format!(
            "{query:?}: {} matches; top 5 sharded / one index, scored by one index: {:?}",
            one.len(),
            ratios
                .iter()
                .map(|r| (r * 1000.0).round() / 1000.0)
                .collect::<Vec<_>>(),
        );
        report.push_str(&line);
        report.push('\n');
        for (i, ratio) in ratios.iter().enumerate() {
            if *ratio < if i == 0 { 0.98 } else { 0.85 } {
                failures.push(format!(
                    "{query:?}: sharded result {} is {} (scored {:.3} by one index), one index has {} ({:.3})",
                    i + 1,
                    shards[i].0,
                    score_in_one(&shards[i].0),
                    one[i].0,
                    one[i].1
                ));
            }
        }
        // Nothing lost, nothing added.
        let mut one_urls: Vec<&str> = one.iter().map(|r| r.0.as_str()).collect();
        let mut shard_urls: Vec<&str> = shards.iter().map(|r| r.0.as_str()).collect();
        one_urls.sort_unstable();
        shard_urls.sort_unstable();
        if one_urls != shard_urls {
            failures.push(format!(
                "{query:?}: {} matches in one index, {} sharded",
                one_urls.len(),
                shard_urls.len()
            ));
        }
    }
    println!("sharded against one index:\n{report}");
    assert!(failures.is_empty(), "{failures:#?}");
}
