//! Git history on pages, edit links, and `opsbook build --rev`, on temporary repositories.

mod common;

use std::path::Path;

use git2::Repository;
use predicates::prelude::*;

const T0: i64 = 1_780_000_000; // 2026-05-28T20:26:40Z
const DAY: i64 = 86_400;

fn edit(path: &Path, from: &str, to: &str) {
    let text = common::read(path);
    assert!(text.contains(from), "{from} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// The metrics fixture in a new repository: Alice commits everything, then Bob changes the
/// API postmortem.
fn repo_with_history() -> (tempfile::TempDir, Repository, git2::Oid, git2::Oid) {
    let kb = common::kb("metrics");
    std::fs::write(
        kb.path().join("opsbook.toml"),
        "[site]\nrepo_url = \"https://github.com/acme/kb/\"\nedit_branch = \"trunk\"\n",
    )
    .unwrap();
    let repo = Repository::init(kb.path()).unwrap();
    let first = common::commit_all(&repo, "Alice", T0, "Add the knowledge base");
    edit(
        &kb.path()
            .join("content/postmortems/2026-01-10-api-deploy.md"),
        "title: API errors after deploy",
        "title: API errors after the January deploy",
    );
    let second = common::commit_all(&repo, "Bob", T0 + 2 * DAY, "Fix the title\n\nMore words.");
    (kb, repo, first, second)
}

fn build(dir: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    common::opsbook(dir)
        .args(["build", "--today", "2026-07-01"])
        .args(extra)
        .assert()
}

#[test]
fn pages_show_the_last_change_contributors_and_an_edit_link() {
    let (kb, _repo, first, second) = repo_with_history();
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
    let (kb, _repo, first, _second) = repo_with_history();
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
    let (kb, repo, _first, _second) = repo_with_history();
    edit(
        &kb.path()
            .join("content/postmortems/2026-01-20-db-config.md"),
        "owner: carol@example.com\n",
        "",
    );
    common::commit_all(&repo, "Carol", T0 + 3 * DAY, "Oops");
    build(kb.path(), &["--rev", "HEAD"])
        .code(1)
        .stdout(predicate::str::contains(
            "HEAD:content/postmortems/2026-01-20-db-config.md",
        ));
    build(kb.path(), &["--rev", "HEAD~1", "--output", "good"]).success();
}

#[test]
fn bad_revisions_and_missing_repositories_are_reported() {
    let (kb, _repo, _, _) = repo_with_history();
    build(kb.path(), &["--rev", "no-such-branch"])
        .code(2)
        .stderr(predicate::str::contains(
            "cannot find the git revision `no-such-branch`",
        ));

    let plain = common::kb("metrics");
    if Repository::discover(plain.path()).is_ok() {
        return; // The temporary folder is inside a repository on this machine.
    }
    build(plain.path(), &["--rev", "HEAD"])
        .code(2)
        .stderr(predicate::str::contains("--rev needs a git repository"));
}

#[test]
fn without_a_repository_the_site_builds_without_history() {
    let kb = common::kb("metrics");
    if Repository::discover(kb.path()).is_ok() {
        return; // The temporary folder is inside a repository on this machine.
    }
    std::fs::write(
        kb.path().join("opsbook.toml"),
        "[site]\nrepo_url = \"https://gitlab.example.com/ops/kb\"\n",
    )
    .unwrap();
    build(kb.path(), &[]).success();
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
