//! Writes a deterministic synthetic knowledge base for measurements:
//!
//! ```sh
//! cargo run --release --example gen_corpus -- DIR N [--seed S]
//! opsbook build --verbose --config DIR/opsbook.toml --output /tmp/site
//! ```

#[path = "../tests/support/corpus.rs"]
mod corpus;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: gen_corpus DIR N [--seed S]";
    let (Some(dir), Some(n)) = (
        args.first(),
        args.get(1).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let seed = match args.iter().position(|a| a == "--seed") {
        Some(i) => match args.get(i + 1).and_then(|s| s.parse().ok()) {
            Some(seed) => seed,
            None => {
                eprintln!("{usage}");
                std::process::exit(2);
            }
        },
        None => 1,
    };
    let dir = std::path::Path::new(dir);
    if let Err(e) = corpus::write_corpus(
        dir,
        n,
        seed,
        "[site]\ntitle = \"Synthetic knowledge base\"\n",
    ) {
        eprintln!("cannot write {}: {e}", dir.display());
        std::process::exit(1);
    }
    eprintln!("wrote {n} documents to {}", dir.join("content").display());
}
