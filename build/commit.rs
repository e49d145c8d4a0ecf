//! Which git commit opsbook is built from, for `opsbook --version`.
//!
//! Used by build.rs and by tests/version.rs. It never fails the build: when no source below
//! knows the commit, the answer is `None` and `--version` says "commit unknown".
//!
//! The sources, first match wins:
//! 1. the `OPSBOOK_BUILD_COMMIT` environment variable (packagers, container builds without .git);
//! 2. `.cargo_vcs_info.json`, which `cargo package` writes into every crates.io package;
//! 3. `git rev-parse HEAD`, only when the manifest folder is itself the top of a git work tree
//!    (a tarball unpacked inside some other repository must not report that repository's
//!    commit), and only for release-profile builds (see `resolve`).

use std::path::{Path, PathBuf};
use std::process::Command;

/// How many hex digits `--version` shows (as `git log --abbrev=12`).
pub const SHORT_LEN: usize = 12;

/// The commit, where it came from, and the files whose change must re-run the build script.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Commit {
    pub hash: Option<String>,
    pub source: &'static str,
    pub watch: Vec<PathBuf>,
}

/// `env_override` is the value of `OPSBOOK_BUILD_COMMIT`. `ask_git` is false for debug builds:
/// asking git means re-running the build script, and so recompiling opsbook, after every
/// commit and checkout, which a development loop should not pay for.
pub fn resolve(manifest_dir: &Path, env_override: Option<&str>, ask_git: bool) -> Commit {
    if let Some(hash) = env_override.and_then(short_hash) {
        return Commit {
            hash: Some(hash),
            source: "OPSBOOK_BUILD_COMMIT",
            watch: Vec::new(),
        };
    }
    let vcs_info = manifest_dir.join(".cargo_vcs_info.json");
    if let Ok(text) = std::fs::read_to_string(&vcs_info) {
        return Commit {
            hash: sha1_from_vcs_info(&text),
            source: ".cargo_vcs_info.json",
            watch: vec![vcs_info],
        };
    }
    if ask_git && let Some(commit) = from_git(manifest_dir) {
        return commit;
    }
    Commit {
        hash: None,
        source: "none",
        watch: Vec::new(),
    }
}

/// The first `SHORT_LEN` digits of a full or abbreviated hex commit id; `None` for anything
/// else (an empty or mistyped override is ignored rather than printed).
pub fn short_hash(text: &str) -> Option<String> {
    let text = text.trim();
    let valid = (7..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_hexdigit());
    valid.then(|| {
        text.chars()
            .take(SHORT_LEN)
            .collect::<String>()
            .to_ascii_lowercase()
    })
}

/// The `"sha1"` value of the `git` object in `.cargo_vcs_info.json`, which looks like
/// `{"git": {"sha1": "<40 hex>", "dirty": true}, "path_in_vcs": ""}`. A build script has no
/// JSON parser without a build dependency; the file is cargo's own and this one key suffices.
pub fn sha1_from_vcs_info(text: &str) -> Option<String> {
    let after_key = text.split_once("\"sha1\"")?.1;
    let after_colon = after_key.trim_start().strip_prefix(':')?.trim_start();
    let value = after_colon.strip_prefix('"')?.split_once('"')?.0;
    short_hash(value)
}

fn from_git(manifest_dir: &Path) -> Option<Commit> {
    let top = git(manifest_dir, &["rev-parse", "--show-toplevel"])?;
    let same_folder = match (Path::new(&top).canonicalize(), manifest_dir.canonicalize()) {
        (Ok(top), Ok(dir)) => top == dir,
        _ => false,
    };
    if !same_folder {
        return None;
    }
    let hash = short_hash(&git(manifest_dir, &["rev-parse", "HEAD"])?)?;
    // HEAD names the branch; the branch file (or packed-refs) moves on every commit. In a
    // worktree these live in different folders, which `--git-path` resolves.
    let mut watch_names = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(manifest_dir, &["symbolic-ref", "-q", "HEAD"]) {
        watch_names.push(branch);
    }
    let watch = watch_names
        .iter()
        .filter_map(|name| git(manifest_dir, &["rev-parse", "--git-path", name]))
        .map(|path| manifest_dir.join(path))
        .filter(|path| path.is_file())
        .collect();
    Some(Commit {
        hash: Some(hash),
        source: "git",
        watch,
    })
}

/// One line of git's output, or `None` when git is missing or fails.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let line = String::from_utf8(output.stdout).ok()?.trim().to_string();
    (!line.is_empty()).then_some(line)
}
