//! The search index as `opsbook build` writes it: the bundle, shards, the search box on every
//! page, the switch that turns it off, and the records Pagefind is fed. (tests/browser.rs runs
//! the same site in Chromium.)

use std::path::{Path, PathBuf};

use opsbook::config::Config;
use opsbook::site::model::Site;
use opsbook::site::search;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/search-site")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Copies the fixture, appends `extra` to its opsbook.toml, builds it, returns the output.
fn build(temp: &Path, extra: &str) -> PathBuf {
    let root = temp.join("kb");
    copy_dir(&fixture(), &root);
    let config_path = root.join("opsbook.toml");
    let config_text = std::fs::read_to_string(&config_path).unwrap() + extra;
    std::fs::write(&config_path, config_text).unwrap();
    let config = Config::load(None, &root).unwrap();
    let output = temp.join("public");
    let outcome = opsbook::build(
        &config,
        &opsbook::BuildOptions {
            output: Some(output.clone()),
            allow_errors: false,
            today: Some("2026-11-25".parse().unwrap()),
            rev: None,
            allow_empty: false,
        },
    )
    .unwrap();
    let site = outcome.site.expect("the fixture lints clean");
    match &site.search {
        Some(summary) if !extra.contains("enabled = false") => {
            // 7 documents, and the pages of the 3 alerts their runbooks list.
            assert_eq!(summary.records, 10);
            assert!(summary.files > 0 && summary.bytes > 0);
        }
        None if extra.contains("enabled = false") => {}
        other => panic!("unexpected search summary {other:?}"),
    }
    output
}

fn page_count(entry: &Path) -> u64 {
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(entry).unwrap()).unwrap();
    json["languages"]["en"]["page_count"].as_u64().unwrap()
}

fn html_pages(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if !path.ends_with("pagefind") {
                html_pages(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "html") {
            out.push(path);
        }
    }
}

#[test]
fn the_index_and_its_ui_are_written_with_the_site() {
    let temp = tempfile::tempdir().unwrap();
    let out = build(temp.path(), "");
    for file in [
        "pagefind.js",
        "pagefind-ui.js",
        "pagefind-ui.css",
        "pagefind-worker.js",
        "wasm.en.pagefind",
    ] {
        assert!(out.join("pagefind").join(file).is_file(), "pagefind/{file}");
    }
    assert!(out.join("static/search.js").is_file());
    assert_eq!(
        page_count(&out.join("pagefind/pagefind-entry.json")),
        10,
        "one record per document, and one per alert page"
    );
    assert!(
        !out.join("pagefind/shard-1").exists(),
        "7 documents fit one shard"
    );

    // The search box on every page, loading Pagefind from the site itself under the base path.
    let mut pages = Vec::new();
    html_pages(&out, &mut pages);
    assert!(pages.len() >= 10, "{pages:?}");
    for page in &pages {
        let html = std::fs::read_to_string(page).unwrap();
        assert!(
            html.contains(
                r#"data-search data-base="/kb/" data-bundle="/kb/pagefind/" data-merge="""#
            ),
            "{}",
            page.display()
        );
        // No search code with the page: site.js loads static/search.js when the box is used.
        assert!(!html.contains("pagefind-ui"), "{}", page.display());
        assert!(html.contains(r#"data-script="/kb/static/search.js""#));
        assert!(!html.contains("cdn."), "no external assets");
    }
}

#[test]
fn a_larger_site_gets_shards_merged_in_the_browser() {
    let temp = tempfile::tempdir().unwrap();
    let out = build(temp.path(), "[search]\nshard_size = 2\n");
    let bundle = out.join("pagefind");
    // 7 documents in shards of at most 2: pagefind/ and shard-1..3.
    let mut total = page_count(&bundle.join("pagefind-entry.json"));
    for shard in 1..=3 {
        let dir = bundle.join(format!("shard-{shard}"));
        let count = page_count(&dir.join("pagefind-entry.json"));
        assert!((1..=2).contains(&count), "shard {shard}: {count}");
        total += count;
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().any(|n| n.ends_with(".pf_meta")), "{names:?}");
        for folder in ["fragment", "index", "filter"] {
            assert!(dir.join(folder).is_dir(), "shard {shard} has {folder}/");
        }
        // Scripts, UI and WebAssembly come once, from the primary bundle.
        assert!(
            names
                .iter()
                .all(|n| !n.ends_with(".js") && !n.ends_with(".css") && !n.starts_with("wasm.")),
            "{names:?}"
        );
    }
    assert!(!bundle.join("shard-4").exists());
    assert_eq!(
        total, 10,
        "every document in exactly one shard (the 3 alert pages in the first)"
    );
    let home = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        home.contains(
            r#"data-merge="/kb/pagefind/shard-1/ /kb/pagefind/shard-2/ /kb/pagefind/shard-3/""#
        ),
        "{home}"
    );
}

#[test]
fn search_can_be_turned_off() {
    let temp = tempfile::tempdir().unwrap();
    let out = build(temp.path(), "[search]\nenabled = false\n");
    assert!(!out.join("pagefind").exists());
    let home = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(!home.contains("data-search"), "no search box");
    assert!(!home.contains("pagefind"), "no Pagefind assets");
}

#[test]
fn records_hold_plain_text_metadata_and_filters() {
    let config = Config::load(None, &fixture()).unwrap();
    let docs = opsbook::load(&config).unwrap();
    let input = opsbook::site::SiteInput::new("2026-11-25".parse().unwrap());
    let site = Site::new(&config, &docs, &input);
    let view = site
        .documents
        .iter()
        .find(|d| d.id == "2026-03-14-ledger-replication-lag")
        .unwrap();
    let record = search::record(view, &site.body(view.index), &site.info.base_path);

    assert_eq!(
        record.url, "/postmortems/2026-03-14-ledger-replication-lag/",
        "relative to /kb/"
    );
    let meta: Vec<(&str, &str)> = record
        .meta
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        meta,
        [
            ("date", "2026-03-14"),
            ("kind", "Postmortem"),
            ("severity", "SEV1"),
            ("title", "Ledger replication lag stalled payments"),
        ]
    );
    let filter = |name: &str| record.filters.get(name).cloned().unwrap_or_default();
    assert_eq!(filter("kind"), ["Postmortem"]);
    assert_eq!(filter("severity"), ["SEV1"]);
    assert_eq!(filter("service"), ["payments-api", "ledger-db"]);
    assert_eq!(filter("owner"), ["dana.kowalski@acme.example"]);
    assert_eq!(filter("tag"), ["database", "failover"]);
    assert_eq!(filter("status"), ["published"]);

    // Words from the body, tables and code included; no Markdown or front matter syntax.
    let text = &record.plain_text();
    assert!(
        text.starts_with("Summary A nightly vacuum on the ledger-db primary"),
        "{text}"
    );
    assert!(
        text.contains("09:06 LedgerDBReplicationLag pages the payments on-call"),
        "{text}"
    );
    for markup in ["##", "|", "`", "---", "follow_ups:"] {
        assert!(!text.contains(markup), "{markup:?} in {text}");
    }
    // The facts a reader may search for: rollback, follow-ups and their tickets, services.
    assert!(
        text.contains("Rollback: not applicable: no change was rolled out"),
        "{text}"
    );
    assert!(
        text.contains("Follow-up: Move the nightly vacuum off the ledger primary."),
        "{text}"
    );
    assert!(text.contains("Ticket: OPS-2102."), "{text}");
    assert!(
        text.contains("Services: payments-api, ledger-db."),
        "{text}"
    );

    // A runbook: its status and kind, and its alerts in the text.
    let runbook = site
        .documents
        .iter()
        .find(|d| d.id == "rb-cdn-cache-purge")
        .unwrap();
    let record = search::record(runbook, &site.body(runbook.index), &site.info.base_path);
    assert_eq!(record.filters["kind"], ["Runbook"]);
    assert_eq!(record.filters["status"], ["deprecated"]);
    assert!(!record.meta.contains_key("date"));
    let failover = site
        .documents
        .iter()
        .find(|d| d.id == "rb-payments-db-failover")
        .unwrap();
    let record = search::record(failover, &site.body(failover.index), &site.info.base_path);
    let text = record.plain_text();
    assert!(text.contains("Alerts: LedgerDBReplicationLag, LedgerDBPrimaryDown."));
    assert!(
        text.contains("patronictl failover ledger-db"),
        "code is searchable"
    );
    // Alert and service names outweigh the body, so their documents rank first.
    let weight_of = |words: &str| {
        record
            .text
            .iter()
            .find(|run| run.text.contains(words))
            .map(|run| run.weight)
    };
    assert_eq!(
        weight_of("LedgerDBReplicationLag, LedgerDBPrimaryDown."),
        Some(search::ALERT_WEIGHT)
    );
    assert_eq!(weight_of("patronictl failover"), Some(1.0));
    assert_eq!(
        weight_of("payments-api, ledger-db."),
        Some(search::SERVICE_WEIGHT)
    );
    assert!(weight_of("LedgerDBPrimaryDown.") > weight_of("patronictl failover"));
    assert!(weight_of("payments-api, ledger-db.") > weight_of("patronictl failover"));
}

/// The fixture's site model, with shards of one document, for `search::build_into`.
fn one_document_shards() -> (Config, Vec<opsbook::document::Document>) {
    let mut config = Config::load(None, &fixture()).unwrap();
    config.search.shard_size = 1;
    let docs = opsbook::load(&config).unwrap();
    (config, docs)
}

#[test]
fn a_failing_write_stops_the_index_and_is_the_error() {
    let (config, docs) = one_document_shards();
    let input = opsbook::site::SiteInput::new("2026-11-25".parse().unwrap());
    let site = Site::new(&config, &docs, &input);
    assert!(site.documents.len() > 2, "several shards");
    let written = std::sync::atomic::AtomicUsize::new(0);
    let err = search::build_into(
        &site,
        &config.search,
        &std::sync::atomic::AtomicBool::new(false),
        &|file| {
            written.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Err(opsbook::site::SiteError::Write {
                path: file.path,
                message: "disk full".into(),
            })
        },
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("disk full"), "{message}");
    assert!(message.contains("pagefind/"), "names the file: {message}");
    // One failed write per thread at most, then no shard is started.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert!(
        written.into_inner() <= threads,
        "kept writing after a failure"
    );
}

#[test]
fn a_stopped_build_starts_no_shard() {
    let (config, docs) = one_document_shards();
    let input = opsbook::site::SiteInput::new("2026-11-25".parse().unwrap());
    let site = Site::new(&config, &docs, &input);
    let summary = search::build_into(
        &site,
        &config.search,
        &std::sync::atomic::AtomicBool::new(true),
        &|file| panic!("wrote {} after the stop", file.path),
    )
    .unwrap();
    assert_eq!(summary.files, 0);
    assert_eq!(summary.shards, site.documents.len());
}
