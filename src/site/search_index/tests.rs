//! The format test: the same records indexed by Pagefind's own indexer (the pinned pagefind
//! crate's API) and by this writer give the same files, byte for byte once inflated, under the
//! same names. It fails when a Pagefind upgrade changes how words are split, stemmed, weighted,
//! chunked, hashed or encoded, and tells which file differs and where.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;

use super::bundle::Engine;
use super::*;

/// Words of every kind Pagefind treats specially.
const VOCABULARY: &[&str] = &[
    "replication",
    "replicas",
    "Replicated",
    "lag",
    "failover",
    "ledger-db",
    "checkout-web",
    "ledgerDb",
    "HTTPServer",
    "sysconfig.is_python_build",
    "api.v2.getUser",
    "café",
    "Café",
    "naïve",
    "crème-brûlée",
    "🔥",
    "fire🔥",
    "データベース",
    "東京",
    "2026-11-25",
    "v1.2.3",
    "—",
    "&amp;",
    "x&lt;y",
    "\u{200B}",
    "zero\u{200B}width",
    "kubectl",
    "rollout",
    "undo",
    "the",
    "a",
    "of",
    "is",
    "p99",
    "5xx",
    "TLS",
    "certificate",
    "expired",
    "DNS",
    "resolve",
    "__init__",
    "co-op",
    "e-mail",
    "U.S.A.",
    "don't",
    "(parenthesised)",
    "\"quoted\"",
    "Straße",
    "İstanbul",
    "ǅemal",
    "ﬁle",
    "Ωmega",
    "µs",
    "½",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as usize
    }

    fn words(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| VOCABULARY[self.next() % VOCABULARY.len()])
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn records(n: usize, words: usize) -> Vec<Record> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out: Vec<Record> = (0..n)
        .map(|i| {
            let mut text = vec![Run {
                weight: 1.0,
                text: rng.words(words),
            }];
            for weight in [7.0, 1.0, 5.0, 0.5, 0.0, 1.0, 12.0] {
                if !rng.next().is_multiple_of(3) {
                    text.push(Run {
                        weight,
                        text: rng.words(3),
                    });
                }
            }
            let mut meta = BTreeMap::from([("title".to_string(), rng.words(4))]);
            if i % 3 == 0 {
                meta.insert("severity".into(), format!("SEV{}", i % 4));
            }
            if i % 5 == 1 {
                meta.insert("date".into(), rng.words(2));
            }
            let mut filters = BTreeMap::from([(
                "kind".to_string(),
                vec![if i % 2 == 0 { "Runbook" } else { "Postmortem" }.to_string()],
            )]);
            filters.insert(
                "tag".into(),
                (0..rng.next() % 4).map(|_| rng.words(1)).collect(),
            );
            if i % 7 == 0 {
                filters.insert(
                    "service".into(),
                    vec!["ledger-db".into(), "ledger-db".into()],
                );
            }
            Record {
                url: format!("/runbooks/doc-{i}/"),
                text,
                meta,
                filters,
            }
        })
        .collect();
    // A record with no word to find it by: both indexers leave it out.
    out.insert(
        3,
        Record {
            url: "/runbooks/punctuation/".into(),
            text: vec![Run {
                weight: 1.0,
                text: "— ... !!".into(),
            }],
            meta: BTreeMap::from([("title".into(), "Only punctuation".into())]),
            filters: BTreeMap::new(),
        },
    );
    out
}

/// Pagefind's own index of `records`: path -> bytes (inflated, signature removed).
fn pagefind_index(records: &[Record]) -> BTreeMap<String, Vec<u8>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let files = runtime.block_on(async {
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
        index.get_files().await.unwrap()
    });
    files
        .into_iter()
        .map(|f| (f.filename.to_string_lossy().replace('\\', "/"), f.contents))
        .filter(|(path, _)| bundle::is_index_data(path))
        .map(|(path, bytes)| {
            let bytes = inflate(&path, bytes);
            (path, bytes)
        })
        .collect()
}

fn inflate(path: &str, bytes: Vec<u8>) -> Vec<u8> {
    if path.ends_with(".json") {
        return bytes;
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes.as_slice())
        .read_to_end(&mut out)
        .unwrap();
    assert!(out.starts_with(b"pagefind_dcd"), "{path} has no signature");
    out.split_off(12)
}

fn our_index(records: &[Record], options: &Options) -> (BTreeMap<String, Vec<u8>>, Written) {
    let engine = Engine::load("en").unwrap();
    let files = Mutex::new(BTreeMap::new());
    let sink = |path: String, bytes: Vec<u8>| {
        let bytes = inflate(&path, bytes);
        assert!(
            files.lock().unwrap().insert(path.clone(), bytes).is_none(),
            "{path} written twice"
        );
        Ok(())
    };
    let written = Indexer::new(&engine, options.clone())
        .write(
            records.len(),
            &|i| records[i].clone(),
            &AtomicBool::new(false),
            &sink,
        )
        .unwrap()
        .expect("not stopped");
    let mut files = files.into_inner().unwrap();
    files.insert(
        "pagefind-entry.json".into(),
        engine.entry(&written.meta_hash, written.pages),
    );
    (files, written)
}

fn assert_same(pagefind: &BTreeMap<String, Vec<u8>>, ours: &BTreeMap<String, Vec<u8>>) {
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    let (a, b) = (names(pagefind), names(ours));
    let only_pagefind: Vec<_> = a.iter().filter(|n| !ours.contains_key(*n)).collect();
    let only_ours: Vec<_> = b.iter().filter(|n| !pagefind.contains_key(*n)).collect();
    assert!(
        only_pagefind.is_empty() && only_ours.is_empty(),
        "file names differ: only Pagefind's {only_pagefind:?}, only ours {only_ours:?}"
    );
    for (path, expected) in pagefind {
        let actual = &ours[path];
        if actual != expected {
            let at = actual
                .iter()
                .zip(expected)
                .position(|(x, y)| x != y)
                .unwrap_or(actual.len().min(expected.len()));
            let window = |b: &[u8]| b[at.saturating_sub(20)..(at + 40).min(b.len())].to_vec();
            panic!(
                "{path} differs at byte {at} of {} (Pagefind) / {} (ours):\n Pagefind {:?}\n ours     {:?}",
                expected.len(),
                actual.len(),
                String::from_utf8_lossy(&window(expected)),
                String::from_utf8_lossy(&window(actual)),
            );
        }
    }
}

#[test]
fn the_index_is_pagefinds_own_byte_for_byte() {
    let records = records(60, 400);
    let pagefind = pagefind_index(&records);
    assert!(
        pagefind.keys().filter(|p| p.starts_with("index/")).count() > 1,
        "the test covers several index chunks"
    );
    let (ours, written) = our_index(&records, &Options::default());
    assert_eq!(written.pages, 60, "the record without words is left out");
    assert_eq!(written.runs, 0);
    assert_same(&pagefind, &ours);
}

#[test]
fn spilling_to_disk_and_thread_count_change_nothing() {
    let records = records(40, 300);
    let (in_memory, _) = our_index(&records, &Options::default());
    let options = Options {
        memory_budget: 2_000,
        threads: 3,
        level: 1,
        ..Options::default()
    };
    let (spilled, written) = our_index(&records, &options);
    assert!(written.runs > 5, "{} runs", written.runs);
    assert_same(&in_memory, &spilled);
    // Declared fields (lists copied as they are), declared in another order, and a field
    // declared that no record has (lists remapped): the same index.
    for fields in [
        vec!["date", "severity", "title"],
        vec!["title", "severity", "date"],
        vec!["author", "date", "severity", "title"],
    ] {
        let options = Options {
            fields: fields.iter().map(|f| f.to_string()).collect(),
            memory_budget: 5_000,
            ..Options::default()
        };
        assert_same(&in_memory, &our_index(&records, &options).0);
    }
}
