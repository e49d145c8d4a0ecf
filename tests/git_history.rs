//! Git history on pages, edit links, and `opsbook build --rev`, on temporary repositories.

mod common;

use std::path::Path;

use predicates::prelude::*;

use common::commit_all;

const T0: i64 = 1_780_000_000; // 2026-05-28T20:26:40Z
const DAY: i64 = 86_400;

fn edit(path: &Path, from: &str, to: &str) {
    let text = common::read(path);
    assert!(text.contains(from), "{from} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// The metrics fixture in a new repository: Alice commits everything, then Bob changes the
/// API postmortem.
fn repo_with_history() -> (tempfile::TempDir, gix::ObjectId, gix::ObjectId) {
    let kb = common::kb("metrics");
    std::fs::write(
        kb.path().join("opsbook.toml"),
        "[site]\nrepo_url = \"https://github.com/acme/kb/\"\nedit_branch = \"trunk\"\n",
    )
    .unwrap();
    common::git_init(kb.path());
    let first = commit_all(kb.path(), "Alice", T0, "Add the knowledge base");
    edit(
        &kb.path()
            .join("content/postmortems/2026-01-10-api-deploy.md"),
        "title: API errors after deploy",
        "title: API errors after the January deploy",
    );
    let second = commit_all(
        kb.path(),
        "Bob",
        T0 + 2 * DAY,
        "Fix the title\n\nMore words.",
    );
    (kb, first, second)
}

fn build(dir: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    common::opsbook(dir)
        .args(["build", "--today", "2026-07-01"])
        .args(extra)
        .assert()
}

#[test]
fn pages_show_the_last_change_contributors_and_an_edit_link() {
    let (kb, first, second) = repo_with_history();
    build(kb.path(), &[]).success();
    let out = kb.path().join("public");

    let changed = common::read(&out.join("postmortems/2026-01-10-api-deploy/index.html"));
    let footer = common::between(&changed, "<footer class=\"doc-footer\">", "</footer>");
    let short = &second.to_string()[..7];
    assert!(
        footer.contains(r#"Last updated <time datetime="2026-05-30T20:26:40Z">2026-05-30</time>"#),
        "{footer}"
    );
    assert!(
        footer.contains(&format!(
            r#"<a href="https://github.com/acme/kb/commit/{second}"><code>{short}"#
        )),
        "{footer}"
    );
    assert!(footer.contains("“Fix the title”"), "{footer}");
    assert!(footer.contains("Contributors: Bob, Alice."), "{footer}");
    assert!(
        footer.contains(r#"<a class="edit-link" href="https://github.com/acme/kb/edit/trunk/content/postmortems/2026-01-10-api-deploy.md">Edit this page</a>"#),
        "{footer}"
    );

    let unchanged = common::read(&out.join("runbooks/api-rollback/index.html"));
    let footer = common::between(&unchanged, "<footer class=\"doc-footer\">", "</footer>");
    assert!(
        footer.contains("2026-05-28") && footer.contains("Contributors: Alice."),
        "{footer}"
    );
    assert!(footer.contains(&first.to_string()), "{footer}");
    assert!(unchanged.contains(
        r#"<dt>Last updated</dt><dd><time datetime="2026-05-28T20:26:40Z">2026-05-28</time></dd>"#
    ));

    // The same facts for other tools.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("documents.json")).unwrap()).unwrap();
    let doc = json["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "2026-01-10-api-deploy")
        .unwrap();
    assert_eq!(doc["git"]["commit"], second.to_string());
    assert_eq!(
        doc["git"]["contributors"],
        serde_json::json!(["Bob", "Alice"])
    );
    assert_eq!(doc["git"]["updated"], "2026-05-30T20:26:40Z");
    let sitemap = common::read(&out.join("sitemap.xml"));
    assert!(
        sitemap.contains(
            "<loc>/postmortems/2026-01-10-api-deploy/</loc><lastmod>2026-05-30</lastmod>"
        ),
        "{sitemap}"
    );
}

#[test]
fn build_rev_builds_the_content_of_an_older_commit() {
    let (kb, first, _second) = repo_with_history();
    // Uncommitted work in the working tree is not part of a --rev build either.
    std::fs::write(
        kb.path().join("content/runbooks/draft.md"),
        "not even front matter",
    )
    .unwrap();
    build(kb.path(), &["--rev", "HEAD~1", "--output", "old"]).success();
    let page = common::read(
        &kb.path()
            .join("old/postmortems/2026-01-10-api-deploy/index.html"),
    );
    assert!(
        page.contains("<h1>API errors after deploy</h1>"),
        "the old title"
    );
    let footer = common::between(&page, "<footer class=\"doc-footer\">", "</footer>");
    assert!(
        footer.contains(&first.to_string()) && footer.contains("Contributors: Alice."),
        "{footer}"
    );
    assert!(!kb.path().join("old/runbooks/draft/index.html").exists());

    // The same revision by commit id; the working tree build has the new title.
    build(
        kb.path(),
        &["--rev", &first.to_string(), "--output", "old2"],
    )
    .success();
    assert_eq!(
        common::snapshot_tree(&kb.path().join("old")),
        common::snapshot_tree(&kb.path().join("old2"))
    );
    std::fs::remove_file(kb.path().join("content/runbooks/draft.md")).unwrap();
    build(kb.path(), &[]).success();
    let page = common::read(
        &kb.path()
            .join("public/postmortems/2026-01-10-api-deploy/index.html"),
    );
    assert!(page.contains("<h1>API errors after the January deploy</h1>"));
}

#[test]
fn lint_errors_in_the_revision_stop_the_build_and_name_the_revision() {
    let (kb, _first, _second) = repo_with_history();
    edit(
        &kb.path()
            .join("content/postmortems/2026-01-20-db-config.md"),
        "owner: carol@example.com\n",
        "",
    );
    commit_all(kb.path(), "Carol", T0 + 3 * DAY, "Oops");
    build(kb.path(), &["--rev", "HEAD"])
        .code(1)
        .stdout(predicate::str::contains(
            "HEAD:content/postmortems/2026-01-20-db-config.md",
        ));
    build(kb.path(), &["--rev", "HEAD~1", "--output", "good"]).success();
}

#[test]
fn bad_revisions_and_missing_repositories_are_reported() {
    let (kb, _, _) = repo_with_history();
    build(kb.path(), &["--rev", "no-such-branch"])
        .code(2)
        .stderr(predicate::str::contains(
            "cannot find the git revision `no-such-branch`",
        ));

    let plain = common::kb("metrics");
    let mut command = common::opsbook(plain.path());
    common::no_repository_above(&mut command, plain.path());
    command
        .args(["build", "--rev", "HEAD"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--rev needs a git repository"));
}

#[test]
fn without_a_repository_the_site_builds_without_history() {
    let kb = common::kb("metrics");
    std::fs::write(
        kb.path().join("opsbook.toml"),
        "[site]\nrepo_url = \"https://gitlab.example.com/ops/kb\"\n",
    )
    .unwrap();
    let mut command = common::opsbook(kb.path());
    common::no_repository_above(&mut command, kb.path());
    command
        .args(["build", "--today", "2026-07-01"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "note: pages show no git history: the content folder",
        ))
        .stderr(predicate::str::contains("is not in a git repository"));
    let page = common::read(
        &kb.path()
            .join("public/postmortems/2026-01-10-api-deploy/index.html"),
    );
    assert!(!page.contains("Last updated"), "{page}");
    assert!(!page.contains("Contributors"), "{page}");
    // Edit links need only repo_url (GitLab's form here); paths.content gives the path.
    assert!(page.contains(
        r#"href="https://gitlab.example.com/ops/kb/-/edit/main/content/postmortems/2026-01-10-api-deploy.md">Edit this page</a>"#
    ));
    let json = common::read(&kb.path().join("public/documents.json"));
    assert!(!json.contains("\"git\""), "{json}");
}

/// A knowledge base of runbooks without `last_reviewed` (stale-runbook falls back to git).
fn runbook(title: &str, step: &str) -> String {
    format!(
        "---\nkind: runbook\ntitle: {title}\nowner: team-ops\nseverity: SEV2\nservices: [api]\nrollback: \"not applicable: read-only\"\n---\n\n## Steps\n\n1. {step}\n"
    )
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// git in `dir`, committing (and merging) as `author` at `time`.
fn git_as(dir: &Path, author: &str, time: i64, args: &[&str]) {
    common::git::git_with(dir, args, &common::git::signature(author, time), None);
}

/// Seconds at midnight UTC of a date.
fn day(date: &str) -> i64 {
    let date: jiff::civil::Date = date.parse().unwrap();
    date.to_zoned(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
        .as_second()
}

/// Content path -> the day documents.json gives as its last change.
fn site_dates(kb: &Path) -> std::collections::BTreeMap<String, String> {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(kb.join("public/documents.json")).unwrap()).unwrap();
    json["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| {
            let updated = d["git"]["updated"].as_str()?;
            Some((
                d["repo_path"].as_str().unwrap().to_string(),
                updated[..10].to_string(),
            ))
        })
        .collect()
}

/// Content path -> the day `stale-runbook` says each runbook last changed in git (every
/// runbook is stale on `today`); and what lint said on stderr.
fn lint_dates(kb: &Path, today: &str) -> (std::collections::BTreeMap<String, String>, String) {
    let out = common::opsbook(kb)
        .args(["lint", "--format", "json", "--today", today])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let dates = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "stale-runbook")
        .map(|f| {
            let message = f["message"].as_str().unwrap();
            let date = message
                .split("last changed in git ")
                .nth(1)
                .unwrap_or_else(|| panic!("{message}"));
            (
                f["file"].as_str().unwrap().to_string(),
                date[..10].to_string(),
            )
        })
        .collect();
    (dates, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The regression of issue 12: a runbook changed on a branch on 2026-02-01 and merged on
/// 2026-08-01 was dated 2026-02-01 on its page but 2026-08-01 by the lint (first parents
/// only), so it was not stale on 2026-08-20 with a limit of 180 days.
#[test]
fn a_change_merged_later_is_dated_by_the_commit_that_made_it_on_the_page_and_in_the_lint() {
    let kb = tempfile::tempdir().unwrap();
    let dir = kb.path();
    common::git_init(dir);
    write(dir, "content/runbooks/a.md", &runbook("A", "one"));
    write(dir, "content/runbooks/b.md", &runbook("B", "one"));
    commit_all(dir, "Alice", day("2026-01-01"), "Add the runbooks");
    common::git::git(dir, &["checkout", "--quiet", "-b", "side"]);
    write(dir, "content/runbooks/a.md", &runbook("A", "two"));
    commit_all(dir, "Dave", day("2026-02-01"), "Rework A on a branch");
    common::git::git(dir, &["checkout", "--quiet", "main"]);
    write(dir, "content/runbooks/b.md", &runbook("B", "two"));
    commit_all(dir, "Alice", day("2026-07-01"), "Rework B");
    git_as(
        dir,
        "Merger",
        day("2026-08-01"),
        &["merge", "--quiet", "--no-ff", "-m", "Merge side", "side"],
    );

    common::opsbook(dir)
        .args(["build", "--today", "2026-08-20"])
        .assert()
        .success();
    let page = common::read(&dir.join("public/runbooks/a/index.html"));
    assert!(
        page.contains(r#"<time datetime="2026-02-01T00:00:00Z">2026-02-01</time>"#),
        "{page}"
    );
    assert!(
        page.contains("Contributors: Alice, Dave.") || page.contains("Contributors: Dave, Alice."),
        "{page}"
    );
    assert!(!page.contains("Merger"), "the merge is not a contributor");

    let out = common::opsbook(dir)
        .args(["lint", "--today", "2026-08-20", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let stale: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "stale-runbook")
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        stale,
        [(
            "content/runbooks/a.md".to_string(),
            "runbook last changed in git 2026-02-01, 200 days ago (review interval: 180 days)"
                .to_string()
        )]
    );
}

/// Lint and site read one walk: on a repository with merges (one resolving a conflict), a
/// rename and a deletion, and on a shallow clone of it, every runbook's date is the same in
/// both, and the lint says once that a shallow clone dates old runbooks by its oldest commit.
#[test]
fn lint_and_site_agree_on_every_date_with_merges_renames_and_a_shallow_clone() {
    let kb = tempfile::tempdir().unwrap();
    let dir = kb.path();
    common::git_init(dir);
    for name in ["a", "b", "c", "d", "e"] {
        write(
            dir,
            &format!("content/runbooks/{name}.md"),
            &runbook(name, "one"),
        );
    }
    commit_all(dir, "Alice", day("2025-01-01"), "Add the runbooks");
    common::git::git(dir, &["checkout", "--quiet", "-b", "side"]);
    write(dir, "content/runbooks/a.md", &runbook("a", "side"));
    commit_all(dir, "Bob", day("2025-03-01"), "Side: a");
    common::git::git(
        dir,
        &["mv", "content/runbooks/b.md", "content/runbooks/b2.md"],
    );
    commit_all(dir, "Bob", day("2025-04-01"), "Side: rename b");
    common::git::git(dir, &["checkout", "--quiet", "main"]);
    write(dir, "content/runbooks/a.md", &runbook("a", "main"));
    write(dir, "content/runbooks/c.md", &runbook("c", "main"));
    commit_all(dir, "Carol", day("2025-05-01"), "Main: a and c");
    // A conflict on a, resolved by the merge with a text of its own.
    let merge = common::git::git_command(dir)
        .args(["merge", "--quiet", "--no-ff", "side"])
        .envs(common::git::signature("Merger", day("2025-06-01")))
        .output()
        .unwrap();
    assert!(!merge.status.success(), "the merge has a conflict");
    write(dir, "content/runbooks/a.md", &runbook("a", "resolved"));
    commit_all(dir, "Merger", day("2025-06-01"), "Merge side");
    std::fs::remove_file(dir.join("content/runbooks/e.md")).unwrap();
    write(dir, "content/runbooks/d.md", &runbook("d", "later"));
    commit_all(dir, "Dave", day("2025-08-01"), "Remove e, change d");
    write(dir, "content/runbooks/c.md", &runbook("c", "latest"));
    commit_all(dir, "Erin", day("2025-09-01"), "Change c");

    common::opsbook(dir).args(["build"]).assert().success();
    let site = site_dates(dir);
    let (lint, stderr) = lint_dates(dir, "2030-01-01");
    let expected: std::collections::BTreeMap<String, String> = [
        ("content/runbooks/a.md", "2025-06-01"),
        ("content/runbooks/b2.md", "2025-04-01"),
        ("content/runbooks/c.md", "2025-09-01"),
        ("content/runbooks/d.md", "2025-08-01"),
    ]
    .into_iter()
    .map(|(p, d)| (p.to_string(), d.to_string()))
    .collect();
    assert_eq!(site, expected);
    assert_eq!(lint, expected);
    assert!(!stderr.contains("shallow"), "{stderr}");

    // A shallow clone of the last two commits: runbooks last changed before them are dated
    // by the oldest fetched commit, on the page and in the lint alike.
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", dir.display());
    common::git::git(
        clone.path(),
        &["clone", "--quiet", "--depth", "2", &url, "kb"],
    );
    let shallow = clone.path().join("kb");
    common::opsbook(&shallow)
        .args(["build"])
        .assert()
        .success()
        .stderr(predicate::str::contains("note: the repository is a shallow clone").count(1));
    let site = site_dates(&shallow);
    let (lint, stderr) = lint_dates(&shallow, "2030-01-01");
    let boundary = "2025-08-01";
    let expected: std::collections::BTreeMap<String, String> = [
        ("content/runbooks/a.md", boundary),
        ("content/runbooks/b2.md", boundary),
        ("content/runbooks/c.md", "2025-09-01"),
        ("content/runbooks/d.md", boundary),
    ]
    .into_iter()
    .map(|(p, d)| (p.to_string(), d.to_string()))
    .collect();
    assert_eq!(site, expected);
    assert_eq!(lint, expected);
    assert_eq!(
        stderr
            .matches("note: the repository is a shallow clone")
            .count(),
        1,
        "{stderr}"
    );
}
