//! Writes a deterministic benchmark corpus of runbooks and postmortems.
//!
//! ```text
//! cargo run --release --example gen_corpus -- DIR N [--seed S] [--layout opsbook|hugo|zola|mdbook]
//! ```
//!
//! The default layout writes `DIR/content/runbooks/*.md` and `DIR/content/postmortems/*.md`
//! (plus a small `DIR/opsbook.toml`), which `opsbook lint --today 2026-11-25` checks with zero
//! errors. The other layouts write the same text as a Hugo site, a Zola site or an mdBook, so
//! the peers build identical documents. The generator lives in `benches/support/corpus.rs`.

#[path = "../benches/support/corpus.rs"]
mod corpus;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: gen_corpus DIR N [--seed S] [--layout opsbook|hugo|zola|mdbook]";

fn main() -> ExitCode {
    let mut positional = Vec::new();
    let mut seed = 1u64;
    let mut layout = corpus::Layout::Opsbook;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seed" => match args.next().and_then(|s| s.parse().ok()) {
                Some(s) => seed = s,
                None => return usage("--seed needs a whole number"),
            },
            "--layout" => match args.next().as_deref().and_then(corpus::Layout::from_name) {
                Some(l) => layout = l,
                None => return usage("--layout is one of opsbook, hugo, zola, mdbook"),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ if arg.starts_with('-') => return usage(&format!("unknown option {arg}")),
            _ => positional.push(arg),
        }
    }
    let [dir, n] = positional.as_slice() else {
        return usage("expected DIR and N");
    };
    let Ok(n) = n.parse::<usize>() else {
        return usage("N must be a whole number");
    };
    let dir = PathBuf::from(dir);
    let started = Instant::now();
    match corpus::generate(&dir, n, seed, layout) {
        Ok(stats) => {
            println!(
                "wrote {} documents ({} runbooks, {} postmortems) to {} in {:.1?}: {:.1} MB, {} words per document on average ({}..{})",
                stats.documents,
                stats.runbooks,
                stats.postmortems,
                dir.display(),
                started.elapsed(),
                stats.bytes as f64 / 1e6,
                stats.words / stats.documents.max(1) as u64,
                stats.min_words,
                stats.max_words,
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("gen_corpus: {err}");
            ExitCode::from(2)
        }
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("gen_corpus: {problem}\n{USAGE}");
    ExitCode::from(2)
}
