//! The benchmark corpus generator (benches/support/corpus.rs, run by
//! `cargo run --release --example gen_corpus`): its output lints with zero errors and is the
//! same for the same seed.

#[path = "../benches/support/corpus.rs"]
mod corpus;

use std::collections::BTreeMap;
use std::path::Path;

use opsbook::config::Config;
use opsbook::lint::Level;

fn lint(dir: &Path, today: &str) -> opsbook::LintOutcome {
    let config = Config::load(None, dir).unwrap();
    opsbook::lint(
        &config,
        &opsbook::LintOptions {
            today: Some(today.parse().unwrap()),
            ..opsbook::LintOptions::default()
        },
    )
    .unwrap()
}

/// Every file under `dir`, by relative path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

#[test]
fn generated_corpus_lints_without_errors() {
    let dir = tempfile::tempdir().unwrap();
    let stats = corpus::generate(dir.path(), 60, 7, corpus::Layout::Opsbook).unwrap();
    assert_eq!(stats.documents, 60);
    assert_eq!(stats.runbooks, 18);
    assert_eq!(stats.postmortems, 42);
    assert!(
        stats.min_words >= 400 && stats.max_words <= 1_500,
        "{stats:?}"
    );
    let outcome = lint(dir.path(), corpus::TODAY);
    assert_eq!(outcome.checked, 60);
    let errors: Vec<String> = outcome
        .findings
        .iter()
        .filter(|f| f.level == Level::Error)
        .map(|f| {
            let path =
                f.at.document()
                    .map_or("a rule file", |i| &outcome.docs[i].rel_path);
            format!("{path}: {} {}", f.rule, f.message)
        })
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // Every postmortem has a Timeline: no missing-section warning either.
    assert!(
        !outcome.findings.iter().any(|f| f.rule == "missing-section"),
        "{:?}",
        outcome.findings
    );
    // The rules did run: years later, open follow-ups are overdue and runbooks stale.
    let later = lint(dir.path(), "2028-01-01");
    for rule in ["follow-up-overdue", "stale-runbook"] {
        assert!(later.findings.iter().any(|f| f.rule == rule), "{rule}");
    }
    assert!(!later.has_errors());
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let c = tempfile::tempdir().unwrap();
    corpus::generate(a.path(), 40, 3, corpus::Layout::Opsbook).unwrap();
    corpus::generate(b.path(), 40, 3, corpus::Layout::Opsbook).unwrap();
    corpus::generate(c.path(), 40, 4, corpus::Layout::Opsbook).unwrap();
    let (ta, tb, tc) = (tree(a.path()), tree(b.path()), tree(c.path()));
    assert_eq!(ta.len(), 41, "40 documents and opsbook.toml");
    assert!(ta == tb, "same seed, same corpus");
    assert!(ta != tc, "another seed, another corpus");
    // A non-empty folder is refused rather than mixed with an older corpus.
    assert!(corpus::generate(a.path(), 10, 3, corpus::Layout::Opsbook).is_err());
}

#[test]
fn peer_layouts_hold_the_same_bodies() {
    let docs = corpus::documents(20, 5);
    for layout in [
        corpus::Layout::Hugo,
        corpus::Layout::Zola,
        corpus::Layout::Mdbook,
    ] {
        let dir = tempfile::tempdir().unwrap();
        let stats = corpus::generate(dir.path(), 20, 5, layout).unwrap();
        assert_eq!(stats.documents, 20);
        let root = match layout {
            corpus::Layout::Mdbook => dir.path().join("src"),
            _ => dir.path().join("content"),
        };
        for doc in &docs {
            let text = std::fs::read_to_string(root.join(&doc.planned.rel_path)).unwrap();
            assert!(
                text.ends_with(&doc.body),
                "{layout:?} {}",
                doc.planned.rel_path
            );
        }
        let config = match layout {
            corpus::Layout::Hugo => "hugo.toml",
            corpus::Layout::Zola => "config.toml",
            _ => "book.toml",
        };
        assert!(dir.path().join(config).is_file(), "{layout:?}");
    }
    let summary = std::fs::read_to_string({
        let dir = tempfile::tempdir().unwrap();
        corpus::generate(dir.path(), 20, 5, corpus::Layout::Mdbook).unwrap();
        dir.path().join("src/SUMMARY.md")
    });
    assert!(summary.is_err() || summary.unwrap().contains("# Postmortems"));
}

#[test]
fn calendar_arithmetic_round_trips() {
    for day in [-1000, 0, 365, 19_000, corpus::parse_day(corpus::TODAY)] {
        let (y, m, d) = corpus::civil_from_days(day);
        assert_eq!(corpus::days_from_civil(y, m, d), day);
    }
    assert_eq!(
        corpus::date(corpus::parse_day("2024-02-29") + 1),
        "2024-03-01"
    );
    assert_eq!(
        corpus::timestamp(corpus::parse_day("2026-12-31"), 1441),
        "2027-01-01T00:01:00Z"
    );
}

/// The YAML fast path (parser events straight into the tree) builds exactly what serde-saphyr
/// builds, spans included, on the example knowledge base, the fixtures, a generated corpus and
/// hand-written edge cases; what it does not take, serde-saphyr parses.
#[test]
fn yaml_fast_path_matches_serde_saphyr() {
    use opsbook::document::{front_matter, yaml};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut texts: Vec<String> = Vec::new();
    for dir in ["content", "tests/fixtures"] {
        for entry in walkdir::WalkDir::new(root.join(dir)).sort_by_file_name() {
            let entry = entry.unwrap();
            if entry.path().extension().is_some_and(|e| e == "md")
                && let Ok(text) = std::fs::read_to_string(entry.path())
            {
                texts.push(text);
            }
        }
    }
    texts.extend(
        corpus::documents(300, 11)
            .iter()
            .map(corpus::Generated::opsbook_text),
    );
    for yaml in [
        "title: x\nempty:\ntilde: ~\nn: 42\nz: 0\nlead: 0123\nneg: -3\nf: 1.5\nyes_word: yes\nb: True\non: x\n",
        "a: {b: c, d: [1, 2]}\nlist:\n  - one\n  - {two: 2}\n  - - nested\n",
        "'quoted key': 1\n\"dq\": \"a \\\"b\\\" c\"\nsq: 'it''s'\n",
        "multi: first line\n  second line\nurl: https://example.com/a#b\nhash: a # comment\n",
        "crlf: a\r\nlist: [x, y]\r\n",
        "anchor: &a x\nalias: *a\n",
        "tagged: !!str 12\nblock: |\n  text\n",
        "dup: 1\ndup: 2\n",
        "unterminated: [a, b\n",
        "date: 2026-01-02\nts: 2026-09-20T11:21:00Z\noff: 2026-09-20T11:21:00+02:00\nweird: 2026-13-99\n",
        "inf: .inf\nnan: NaN\nword: Infinity\nhex: 0x1F\nsign: +12\nunder: 1_000\ninterp: a${B}\n",
        "a: 0xff\nb: 1e5\nc: 1e999\nd: 0o17\ne: 0b101\nf: 2026-10-18-slug\ng: 12ab\nh: 12gh\ni: 1.5.6\n",
        "a: -.INF\nb: +nan\nc: 0X1F\nd: 1:30\ne: 10%\nf: 3rd\ng: done\nh: NULL\ni: nULL\nj: Y\n",
        "kind: runbook\nservices: []\nfollow_ups:\n  - action: A\n    due: 2026-10-18\n",
        "a: first line\n  second line\nb: [x, y]\nc:\n  d: e\n  f:\n    - g\n    - {h: i}\n",
        "a: b # c\n# whole line\nd: 'e: f'\ng: \"h\\ti\"\nj: k l  \nm:   n\n",
        "- a\n- b\n",
        "just a string\n",
        "",
    ] {
        texts.push(format!("---\n{yaml}---\nbody\n"));
    }
    let mut fast = 0;
    for text in &texts {
        let Ok(split) = front_matter::split(text) else {
            continue;
        };
        let (text, base) = (&text[split.yaml.clone()], split.yaml.start);
        let expected = yaml::parse_with_serde(text, base);
        assert_eq!(yaml::parse(text, base), expected, "front matter:\n{text}");
        if let Some(node) = yaml::parse_fast(text, base) {
            assert_eq!(Ok(node), expected, "front matter:\n{text}");
            fast += 1;
        }
    }
    // Shapes the fast path must take (and match): empty values, nulls, numbers, empty
    // collections, nesting, quoting, dates.
    for yaml in [
        "a: x\nempty:\ntilde: ~\nnum: 42\nz: 0\nlist: []\nmap: {}\nnull_word: null\n",
        "a:\n  - b: 1\n    c: [d, 'e', \"f\"]\n  -\n  - 2026-01-02\nts: 2026-09-20T11:21:00+02:00\n",
    ] {
        let node = yaml::parse_fast(yaml, 7).expect("fast path");
        assert_eq!(Ok(node), yaml::parse_with_serde(yaml, 7), "{yaml}");
    }
    // Every generated document takes the fast path, and most of the others.
    assert!(fast >= 300 + 30, "{fast} of {}", texts.len());
}
