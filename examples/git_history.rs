//! Runs only the git history stage of `opsbook build`, for benchmarks and profiles.
//!
//! ```text
//! cargo run --release --example git_history -- CONTENT_DIR [--rev REV] [--dump FILE]
//! ```
//!
//! Walks the history of the repository that holds `CONTENT_DIR` from `HEAD` (or `REV`) and
//! prints how many commits it read and how long the walk took. `--dump` writes what the walk
//! found, one line per file in path order, so two versions of the walk can be compared with
//! `cmp`. `benches/git_history.sh` times this binary on a generated repository.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// The allocator of the opsbook binary, so the numbers are those of `opsbook build`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: git_history CONTENT_DIR [--rev REV] [--dump FILE]";

fn main() -> ExitCode {
    // As `opsbook build` does.
    opsbook::allocator::keep_freed_memory();
    let mut positional = Vec::new();
    let mut rev = None;
    let mut dump = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rev" => rev = args.next(),
            "--dump" => dump = args.next().map(PathBuf::from),
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ if arg.starts_with('-') => return fail(&format!("unknown option {arg}\n{USAGE}")),
            _ => positional.push(arg),
        }
    }
    let [content] = positional.as_slice() else {
        return fail(USAGE);
    };
    let repo = match opsbook::git::GitRepo::open(content.as_ref()) {
        Ok(Some(repo)) => repo,
        Ok(None) => return fail(&format!("{content} is not inside a git repository")),
        Err(err) => return fail(&err.to_string()),
    };
    let start = match rev {
        Some(rev) => repo.resolve(&rev),
        None => repo
            .head()
            .and_then(|head| head.ok_or_else(|| opsbook::git::GitError::Git("no commits".into()))),
    };
    let history = match start.and_then(|start| repo.history(start)) {
        Ok(history) => history,
        Err(err) => return fail(&err.to_string()),
    };
    println!(
        "walked {} commits ({} changed the content folder), {} files, in {:.3} s",
        history.commits_walked,
        history.commits_touching_content,
        history.files.len(),
        history.elapsed.as_secs_f64()
    );
    if let Some(path) = dump {
        let mut files: Vec<_> = history.files.iter().collect();
        files.sort_by(|a, b| a.0.cmp(b.0));
        let mut out = Vec::new();
        for (path, file) in files {
            let _ = writeln!(
                out,
                "{path}\t{}\t{}\t{}\t{}\t{}\t{}",
                file.commit,
                file.short_commit,
                file.updated,
                file.commits,
                file.contributors.join(", "),
                file.summary
            );
        }
        if let Err(err) = std::fs::write(&path, out) {
            return fail(&format!("cannot write {}: {err}", path.display()));
        }
    }
    ExitCode::SUCCESS
}

fn fail(message: &str) -> ExitCode {
    eprintln!("git_history: {message}");
    ExitCode::from(2)
}
