//! Test repositories made with git itself (the reference the git layer is compared with).
//! The unit tests use it, and so do the integration tests (tests/common includes this file).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use gix::ObjectId;

pub const DAY: i64 = 86_400;
/// 2026-01-01T00:00:00Z
pub const T0: i64 = 1_767_225_600;

/// `git` with no system or user configuration, so the machine's settings cannot change a test.
pub fn git_command(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args(["-c", "init.defaultBranch=main", "-c", "core.autocrlf=false"]);
    command
}

/// Runs git in `dir` and returns its output; panics (the test fails) when git fails or is
/// missing: the tests need git, and CI installs it.
pub fn git(dir: &Path, args: &[&str]) -> String {
    git_with(dir, args, &[], None)
}

/// [`git`] with extra environment variables and standard input.
pub fn git_with(dir: &Path, args: &[&str], env: &[(&str, String)], input: Option<&[u8]>) -> String {
    let mut command = git_command(dir);
    command.args(args);
    for (key, value) in env {
        command.env(key, value);
    }
    command
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run git (install it): {e}"));
    if let Some(input) = input {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A repository in a temporary folder.
pub struct TestRepo {
    pub dir: tempfile::TempDir,
}

impl TestRepo {
    pub fn new() -> TestRepo {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "--quiet"]);
        TestRepo { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn git(&self, args: &[&str]) -> String {
        git(self.path(), args)
    }

    /// Writes `files` (path, Some(text) to write or None to delete) and commits everything
    /// as `author` at `time`; returns the commit.
    pub fn commit(
        &self,
        author: &str,
        time: i64,
        message: &str,
        files: &[(&str, Option<&str>)],
    ) -> ObjectId {
        for (path, text) in files {
            let full = self.join(path);
            match text {
                Some(text) => {
                    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
                    std::fs::write(&full, text).unwrap();
                }
                None => std::fs::remove_file(&full).unwrap(),
            }
        }
        self.git(&["add", "--all"]);
        self.commit_index(author, time, message)
    }

    /// Commits what is staged as `author` at `time`.
    pub fn commit_index(&self, author: &str, time: i64, message: &str) -> ObjectId {
        git_with(
            self.path(),
            &[
                "commit",
                "--quiet",
                "--allow-empty",
                "--no-verify",
                "-m",
                message,
            ],
            &signature(author, time),
            None,
        );
        self.rev("HEAD")
    }

    /// The commit `rev` names, by git.
    pub fn rev(&self, rev: &str) -> ObjectId {
        let hex = self.git(&["rev-parse", "--verify", &format!("{rev}^{{commit}}")]);
        ObjectId::from_hex(hex.trim().as_bytes()).unwrap()
    }

    /// Stages a symlink at `path` pointing at `target` (without a symlink on disk).
    pub fn stage_symlink(&self, path: &str, target: &str) {
        let blob = git_with(
            self.path(),
            &["hash-object", "-w", "--stdin"],
            &[],
            Some(target.as_bytes()),
        );
        self.git(&[
            "update-index",
            "--add",
            "--cacheinfo",
            &format!("120000,{},{path}", blob.trim()),
        ]);
    }
}

/// The environment that makes git sign a commit as `author` (name; the address is derived) at
/// `time` (seconds since the epoch, UTC).
pub fn signature(author: &str, time: i64) -> Vec<(&'static str, String)> {
    let email = format!("{}@example.com", author.to_lowercase().replace(' ', "."));
    let date = format!("{time} +0000");
    vec![
        ("GIT_AUTHOR_NAME", author.to_string()),
        ("GIT_AUTHOR_EMAIL", email.clone()),
        ("GIT_AUTHOR_DATE", date.clone()),
        ("GIT_COMMITTER_NAME", author.to_string()),
        ("GIT_COMMITTER_EMAIL", email),
        ("GIT_COMMITTER_DATE", date),
    ]
}
