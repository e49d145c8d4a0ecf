//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The fixture folder `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// `opsbook` run in `dir`, with a stable environment (no colour, fixed width).
pub fn opsbook(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("opsbook").unwrap();
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("COLUMNS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE");
    cmd
}

/// Copies a folder tree (files and folders only).
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

pub fn stdout_of(cmd: &mut Command) -> (String, i32) {
    let output = cmd.output().unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        output.status.code().unwrap_or(-1),
    )
}

/// A copy of fixture `name` in a temporary folder (outside any git repository).
pub fn kb(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture(name), dir.path());
    dir
}

/// Every file under `dir` (relative path -> bytes).
pub fn snapshot_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text between the first `start` and the next `end` after it (inclusive).
pub fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let i = text
        .find(start)
        .unwrap_or_else(|| panic!("{start} not found"));
    let j = text[i..]
        .find(end)
        .unwrap_or_else(|| panic!("{end} not found after {start}"))
        + i;
    &text[i..j + end.len()]
}

/// Test repositories made with git itself.
#[path = "../../src/git/testing.rs"]
#[allow(dead_code)]
pub mod git;

/// Stages everything in the working tree of the repository at `dir` and commits it as
/// `author` at `time`.
pub fn commit_all(dir: &Path, author: &str, time: i64, message: &str) -> gix::ObjectId {
    git::git(dir, &["add", "--all"]);
    git::git_with(
        dir,
        &[
            "commit",
            "--quiet",
            "--allow-empty",
            "--no-verify",
            "-m",
            message,
        ],
        &git::signature(author, time),
        None,
    );
    let hex = git::git(dir, &["rev-parse", "HEAD"]);
    gix::ObjectId::from_hex(hex.trim().as_bytes()).unwrap()
}

/// `dir` made a new git repository.
pub fn git_init(dir: &Path) {
    git::git(dir, &["init", "--quiet"]);
}

/// Keeps git (and opsbook's git discovery) from finding a repository above `dir`, as on a
/// machine whose temporary folder is not inside one.
pub fn no_repository_above(command: &mut assert_cmd::Command, dir: &Path) {
    let parent = dir.parent().unwrap_or(dir);
    command.env("GIT_CEILING_DIRECTORIES", parent);
}
