//! Per-document cost of each pipeline stage: parse, check and render.
//!
//! ```text
//! cargo bench --bench pipeline                 # everything
//! cargo bench --bench pipeline -- check/rule   # one group
//! ```
//!
//! Every benchmark runs over the same 200 generated documents (benches/support/corpus.rs,
//! seed 1: 30% runbooks, 70% postmortems) and reports throughput in documents per second;
//! the time per iteration divided by 200 is the cost of one document. Stages that use rayon
//! run inside a one-thread pool, so the numbers are CPU time per document on one core.

#[path = "support/corpus.rs"]
mod corpus;

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use opsbook::config::Config;
use opsbook::discover::SourceFile;
use opsbook::document::{Document, front_matter, markdown, yaml};
use opsbook::lint::Level;

const DOCS: usize = 200;
const SEED: u64 = 1;

struct Sample {
    /// (content-relative path, text)
    texts: Vec<(String, Arc<String>)>,
    docs: Vec<Document>,
    /// The files on disk, for the read + parse benchmark.
    files: Vec<SourceFile>,
    _dir: tempfile::TempDir,
}

fn sample() -> Sample {
    let dir = tempfile::tempdir().expect("temporary folder");
    corpus::generate(dir.path(), DOCS, SEED, corpus::Layout::Opsbook).expect("corpus");
    let content = dir.path().join("content");
    let files =
        opsbook::discover::discover(&content, opsbook::document::mapping::Mapping::default_ref())
            .expect("discover");
    let texts: Vec<(String, Arc<String>)> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f.path).expect("read");
            (f.rel_path.clone(), Arc::new(text))
        })
        .collect();
    let docs = texts
        .iter()
        .map(|(rel, text)| Document::parse(rel.clone(), PathBuf::from(rel), text.clone()))
        .collect();
    Sample {
        texts,
        docs,
        files,
        _dir: dir,
    }
}

fn one_thread() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool")
}

fn today() -> jiff::civil::Date {
    corpus::TODAY.parse().expect("date")
}

fn parse(c: &mut Criterion) {
    let s = sample();
    let config = opsbook::config::Config::default();
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(DOCS as u64));
    group.bench_function("document", |b| {
        b.iter(|| {
            for (rel, text) in &s.texts {
                black_box(Document::parse(
                    rel.clone(),
                    PathBuf::from(rel),
                    text.clone(),
                ));
            }
        })
    });
    group.bench_function("read_and_parse_file", |b| {
        b.iter(|| {
            for file in &s.files {
                black_box(opsbook::parse::parse_file(file, &config));
            }
        })
    });
    group.bench_function("front_matter_yaml", |b| {
        b.iter(|| {
            for (_, text) in &s.texts {
                let split = front_matter::split(text).expect("front matter");
                black_box(yaml::parse(&text[split.yaml.clone()], split.yaml.start).ok());
            }
        })
    });
    // Floors for the YAML stage: serde-saphyr deserializing into nothing (no tree, no
    // spans), and its parser's events alone.
    group.bench_function("front_matter_yaml_floor_ignored_any", |b| {
        b.iter(|| {
            for (_, text) in &s.texts {
                let split = front_matter::split(text).expect("front matter");
                black_box(
                    serde_saphyr::from_str::<serde::de::IgnoredAny>(&text[split.yaml.clone()]).ok(),
                );
            }
        })
    });
    group.bench_function("front_matter_yaml_floor_parser_events", |b| {
        b.iter(|| {
            for (_, text) in &s.texts {
                let split = front_matter::split(text).expect("front matter");
                let parser =
                    serde_saphyr::granit_parser::Parser::new_from_str(&text[split.yaml.clone()]);
                black_box(parser.count());
            }
        })
    });
    group.bench_function("markdown_outline", |b| {
        b.iter(|| {
            for doc in &s.docs {
                black_box(markdown::outline(doc.body(), doc.body_start));
            }
        })
    });
    group.finish();
}

fn check(c: &mut Criterion) {
    let s = sample();
    let pool = one_thread();
    let config = Config::default();
    let today = today();
    let mut group = c.benchmark_group("check");
    group.throughput(Throughput::Elements(DOCS as u64));
    group.bench_function("all_rules", |b| {
        b.iter(|| pool.install(|| black_box(opsbook::lint::check(&s.docs, &config, today))))
    });
    group.finish();

    // Each rule alone: the config turns every other rule off.
    let mut group = c.benchmark_group("check/rule");
    group.throughput(Throughput::Elements(DOCS as u64));
    group.sample_size(20);
    group.warm_up_time(std::time::Duration::from_millis(500));
    group.measurement_time(std::time::Duration::from_secs(2));
    for rule in opsbook::lint::rules::ALL {
        let mut only = Config::default();
        for other in opsbook::lint::rules::ALL {
            let level = if other.id() == rule.id() {
                Level::Error
            } else {
                Level::Off
            };
            only.lint.rules.insert(other.id().to_string(), level);
        }
        group.bench_function(rule.id().as_str(), |b| {
            b.iter(|| pool.install(|| black_box(opsbook::lint::check(&s.docs, &only, today))))
        });
    }
    group.finish();
}

fn render(c: &mut Criterion) {
    let s = sample();
    // Relative links become page URLs, as the site does.
    let resolve = |dest: &str| -> Option<String> {
        let (path, fragment) = dest.split_once('#').unwrap_or((dest, ""));
        let stem = path.strip_suffix(".md")?.rsplit('/').next()?;
        let section = if path.contains("runbooks") {
            "runbooks"
        } else {
            "postmortems"
        };
        Some(format!("/{section}/{stem}/#{fragment}"))
    };
    let mut group = c.benchmark_group("render");
    group.throughput(Throughput::Elements(DOCS as u64));
    group.bench_function("markdown", |b| {
        b.iter(|| {
            for doc in &s.docs {
                black_box(markdown::render(doc.body(), &resolve));
            }
        })
    });
    group.bench_function("meta", |b| {
        b.iter(|| {
            for doc in &s.docs {
                black_box(doc.meta());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, parse, check, render);
criterion_main!(benches);
