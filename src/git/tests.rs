//! The git layer on small repositories made with git.

use super::testing::{DAY, T0, TestRepo, git};
use super::*;
use crate::document::mapping::Mapping;

#[test]
fn one_walk_gives_last_change_and_contributors_per_file() {
    let repo = TestRepo::new();
    repo.commit(
        "Alice",
        T0,
        "Add runbooks",
        &[
            ("content/runbooks/a.md", Some("a1")),
            ("content/runbooks/b.md", Some("b1")),
        ],
    );
    repo.commit(
        "Bob",
        T0 + DAY,
        "Fix a typo in a",
        &[("content/runbooks/a.md", Some("a2"))],
    );
    repo.commit(
        "Carol",
        T0 + 2 * DAY,
        "Code only",
        &[("src/main.rs", Some("fn main() {}"))],
    );
    let last = repo.commit(
        "Bob",
        T0 + 3 * DAY,
        "Rework a\n\nLonger body.",
        &[("content/runbooks/a.md", Some("a3"))],
    );

    let git = GitRepo::open(&repo.join("content")).unwrap().unwrap();
    assert_eq!(git.content_prefix(), "content");
    let history = git.history(git.head().unwrap().unwrap()).unwrap();
    assert_eq!(history.commits_walked, 4);
    assert_eq!(history.commits_touching_content, 3);
    assert!(!history.shallow);
    let a = history.get("runbooks/a.md").unwrap();
    assert_eq!(a.commit, last.to_string());
    assert!(last.to_string().starts_with(&a.short_commit) && a.short_commit.len() >= 7);
    assert_eq!(a.summary, "Rework a");
    assert_eq!(a.updated.to_string(), "2026-01-04T00:00:00Z");
    assert_eq!(a.contributors, ["Bob", "Alice"], "most commits first");
    assert_eq!(a.commits, 3);
    let b = history.get("runbooks/b.md").unwrap();
    assert_eq!(b.contributors, ["Alice"]);
    assert_eq!(b.updated.to_string(), "2026-01-01T00:00:00Z");
    assert!(history.get("main.rs").is_none() && history.files.len() == 2);
    assert_eq!(
        history.dates()["runbooks/a.md"].to_string(),
        "2026-01-04",
        "the day stale-runbook compares"
    );
}

#[test]
fn history_from_an_older_commit_ignores_later_ones() {
    let repo = TestRepo::new();
    let first = repo.commit("Alice", T0, "One", &[("kb/a.md", Some("1"))]);
    repo.commit("Bob", T0 + DAY, "Two", &[("kb/a.md", Some("2"))]);
    let git = GitRepo::open(&repo.join("kb")).unwrap().unwrap();
    let history = git.history(git.resolve("HEAD~1").unwrap()).unwrap();
    let a = history.get("a.md").unwrap();
    assert_eq!(a.commit, first.to_string());
    assert_eq!(a.contributors, ["Alice"]);
    assert!(matches!(
        git.resolve("no-such-branch"),
        Err(GitError::BadRevision { .. })
    ));
}

#[test]
fn merges_credit_the_merged_commits_not_the_merge() {
    let repo = TestRepo::new();
    repo.commit(
        "Alice",
        T0,
        "Base",
        &[("content/a.md", Some("1")), ("content/b.md", Some("1"))],
    );
    repo.git(&["branch", "side"]);
    let main_tip = repo.commit(
        "Alice",
        T0 + DAY,
        "Main changes a",
        &[("content/a.md", Some("2"))],
    );
    repo.git(&["checkout", "--quiet", "side"]);
    let side = repo.commit(
        "Dave",
        T0 + 2 * DAY,
        "Side changes b",
        &[("content/b.md", Some("side"))],
    );
    repo.git(&["checkout", "--quiet", "main"]);
    super::testing::git_with(
        repo.path(),
        &["merge", "--quiet", "--no-ff", "-m", "Merge side", "side"],
        &super::testing::signature("Merger", T0 + 3 * DAY),
        None,
    );

    let git = GitRepo::open(&repo.join("content")).unwrap().unwrap();
    let history = git.history(git.head().unwrap().unwrap()).unwrap();
    assert_eq!(history.get("b.md").unwrap().commit, side.to_string());
    assert_eq!(history.get("b.md").unwrap().contributors, ["Dave", "Alice"]);
    assert_eq!(history.get("a.md").unwrap().commit, main_tip.to_string());
    assert!(
        history
            .files
            .values()
            .all(|f| !f.contributors.contains(&"Merger".to_string()))
    );
}

#[test]
fn nested_folders_deletions_and_names_that_sort_around_a_folder() {
    let repo = TestRepo::new();
    // Git sorts the folder `x` as `x/`, after `x.md` and `x-y.md`, before `x0.md`.
    let files = [
        "content/x.md",
        "content/x-y.md",
        "content/x/y.md",
        "content/x/z/deep.md",
        "content/x0.md",
    ];
    let all: Vec<(&str, Option<&str>)> = files.iter().map(|f| (*f, Some("1"))).collect();
    repo.commit("Alice", T0, "All", &all);
    repo.commit(
        "Bob",
        T0 + DAY,
        "Deep",
        &[("content/x/z/deep.md", Some("2"))],
    );
    repo.commit("Carol", T0 + 2 * DAY, "Remove", &[("content/x0.md", None)]);
    repo.commit(
        "Dave",
        T0 + 3 * DAY,
        "Back",
        &[("content/x0.md", Some("3"))],
    );
    let git = GitRepo::open(&repo.join("content")).unwrap().unwrap();
    let history = git.history(git.head().unwrap().unwrap()).unwrap();
    let who = |p: &str| history.get(p).unwrap().contributors.clone();
    assert_eq!(who("x.md"), ["Alice"]);
    assert_eq!(who("x-y.md"), ["Alice"]);
    assert_eq!(who("x/y.md"), ["Alice"]);
    assert_eq!(who("x/z/deep.md"), ["Bob", "Alice"]);
    assert_eq!(
        who("x0.md"),
        ["Dave", "Carol", "Alice"],
        "the deletion is a change too"
    );
    assert_eq!(history.files.len(), 5);
}

#[test]
fn no_repository_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("content")).unwrap();
    // Discovery stops at the ceiling, as git's does, whatever holds the temporary folder.
    let ceiling = dir.path().parent().unwrap().to_path_buf();
    let found = GitRepo::open_below(&dir.path().join("content"), vec![ceiling]);
    assert!(found.unwrap().is_none());
}

#[test]
fn content_folder_may_exist_only_in_history() {
    let repo = TestRepo::new();
    repo.commit("Alice", T0, "Add", &[("content/a.md", Some("1"))]);
    let gone = repo.commit("Alice", T0 + DAY, "Remove", &[("content/a.md", None)]);
    std::fs::remove_dir_all(repo.join("content")).unwrap();
    let git = GitRepo::open(&repo.join("content")).unwrap().unwrap();
    assert_eq!(git.content_prefix(), "content");
    assert!(matches!(
        git.tree_files(gone, "HEAD", 100, Mapping::default_ref()),
        Err(crate::discover::DiscoverError::Missing(label)) if label == "HEAD:content"
    ));
    let files = git
        .tree_files(
            git.resolve("HEAD~1").unwrap(),
            "HEAD~1",
            100,
            Mapping::default_ref(),
        )
        .unwrap();
    assert_eq!(files.len(), 1);
    let history = git.history(gone).unwrap();
    assert_eq!(
        history.get("a.md").unwrap().commits,
        2,
        "added, then removed"
    );
}

#[test]
fn files_of_a_commit_come_from_its_tree() {
    let repo = TestRepo::new();
    let first = repo.commit(
        "A",
        T0,
        "one",
        &[
            ("content/runbooks/a.md", Some("old a")),
            ("content/runbooks/.hidden.md", Some("h")),
            ("content/.drafts/x.md", Some("x")),
            ("content/notes.txt", Some("t")),
            ("content/postmortems/big.md", Some(&"x".repeat(100))),
        ],
    );
    repo.commit(
        "A",
        T0 + 1,
        "two",
        &[
            ("content/runbooks/a.md", Some("new a")),
            ("content/runbooks/b.md", Some("b")),
        ],
    );
    repo.stage_symlink("content/runbooks/alias.md", "a.md");
    repo.stage_symlink("content/runbooks/escape.md", "../../outside.md");
    repo.stage_symlink("content/runbooks/loop.md", "loop.md");
    repo.commit_index("A", T0 + 2, "links");
    // The working tree differs from both commits: only the tree is read.
    std::fs::write(repo.join("content/runbooks/a.md"), "dirty").unwrap();
    let git = GitRepo::open(&repo.join("content")).unwrap().unwrap();

    let files = git
        .tree_files(first, "v1", 50, Mapping::default_ref())
        .unwrap();
    let names: Vec<_> = files.iter().map(|f| f.rel_path.as_str()).collect();
    assert_eq!(names, ["postmortems/big.md", "runbooks/a.md"]);
    assert_eq!(files[1].bytes.as_deref().unwrap(), b"old a");
    assert_eq!(files[1].display, "v1:content/runbooks/a.md");
    assert!(matches!(
        files[0].bytes,
        Err(crate::document::ReadProblem::TooLarge {
            size: 100,
            limit: 50
        })
    ));

    let files = git
        .tree_files(
            git.head().unwrap().unwrap(),
            "HEAD",
            1000,
            Mapping::default_ref(),
        )
        .unwrap();
    let get = |name: &str| files.iter().find(|f| f.rel_path == name).unwrap();
    assert_eq!(get("runbooks/a.md").bytes.as_deref().unwrap(), b"new a");
    assert_eq!(get("runbooks/alias.md").bytes.as_deref().unwrap(), b"new a");
    assert!(get("runbooks/escape.md").bytes.is_err());
    assert!(
        get("runbooks/loop.md").bytes.is_err(),
        "a link to a link is not followed"
    );
}

#[test]
fn a_repository_without_commits_has_no_head() {
    let repo = TestRepo::new();
    std::fs::create_dir_all(repo.join("content")).unwrap();
    let git = GitRepo::open(&repo.join("content")).unwrap().unwrap();
    assert_eq!(git.head().unwrap(), None);
    let shared = SharedHistory::from_head(&repo.join("content"));
    assert_eq!(shared.get().unwrap().files.len(), 0);
}

#[test]
fn the_shared_history_is_walked_once_by_whoever_asks_first() {
    let repo = TestRepo::new();
    repo.commit("Alice", T0, "One", &[("content/a.md", Some("1"))]);
    let git = std::sync::Arc::new(GitRepo::open(&repo.join("content")).unwrap().unwrap());
    let shared = SharedHistory::at(git.clone(), git.head().unwrap().unwrap());
    assert!(!shared.was_walked());
    let (one, two) = std::thread::scope(|scope| {
        let one = scope.spawn(|| shared.get().map(|h| h as *const History as usize));
        let two = scope.spawn(|| shared.get().map(|h| h as *const History as usize));
        (one.join().unwrap(), two.join().unwrap())
    });
    assert_eq!(one, two, "both threads read the same walk");
    assert!(shared.was_walked());
    let failed = SharedHistory::none(Some("the repository is damaged".into()));
    assert_eq!(failed.get().unwrap_err(), "the repository is damaged");
}

#[test]
fn shallow_clones_credit_the_oldest_fetched_commit_and_say_so() {
    let repo = TestRepo::new();
    repo.commit(
        "Alice",
        T0,
        "One",
        &[("content/a.md", Some("1")), ("content/b.md", Some("1"))],
    );
    repo.commit("Bob", T0 + DAY, "Two", &[("content/a.md", Some("2"))]);
    let tip = repo.commit(
        "Carol",
        T0 + 2 * DAY,
        "Three",
        &[("content/b.md", Some("2"))],
    );
    let clones = tempfile::tempdir().unwrap();
    let url = format!("file://{}", repo.path().display());
    git(
        clones.path(),
        &["clone", "--quiet", "--depth", "2", &url, "kb"],
    );
    let git = GitRepo::open(&clones.path().join("kb/content"))
        .unwrap()
        .unwrap();
    assert!(git.is_shallow());
    let history = git.history(tip).unwrap();
    assert!(history.shallow);
    assert_eq!(history.commits_walked, 2);
    let a = history.get("a.md").unwrap();
    assert_eq!(
        (a.contributors.as_slice(), a.at_shallow_boundary),
        (&["Bob".to_string()][..], true)
    );
    let b = history.get("b.md").unwrap();
    assert_eq!(
        (b.contributors.as_slice(), b.at_shallow_boundary),
        (&["Carol".to_string(), "Bob".to_string()][..], false)
    );
}
