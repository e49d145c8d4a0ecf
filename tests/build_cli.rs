//! `opsbook build` end to end.

mod common;

use std::fs;

use common::{copy_tree, fixture, opsbook};
use predicates::prelude::*;

#[test]
fn every_document_gets_a_page_linked_from_home_with_its_metadata() {
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    opsbook(&fixture("clean"))
        .args(["build", "--today", "2026-11-25", "--output"])
        .arg(&site)
        .assert()
        .code(0);
    let home = fs::read_to_string(site.join("index.html")).unwrap();
    for (url, file) in [
        ("/runbooks/db-failover/", "runbooks/db-failover/index.html"),
        (
            "/postmortems/2026-09-20-checkout-5xx/",
            "postmortems/2026-09-20-checkout-5xx/index.html",
        ),
    ] {
        assert!(
            home.contains(&format!("href=\"{url}\"")),
            "home links {url}"
        );
        assert!(site.join(file).is_file(), "{file} exists");
    }
    let pm =
        fs::read_to_string(site.join("postmortems/2026-09-20-checkout-5xx/index.html")).unwrap();
    for expected in [
        "Checkout 5xx after deploy",
        "alice@example.com",
        "SEV2",
        "checkout-web",
        "Rolled back release 2026.09.20-3",
        "19 min", // time to restore, 11:21 -> 11:40
        "3 min",  // time to detect
        "Add a canary stage to checkout deploys",
        "bob@example.com",
        "2026-12-18",
        "href=\"https://tickets.example.com/OPS-1235\"",
        "href=\"/runbooks/db-failover/#rollback\"", // .md link rewritten to the page URL
        "href=\"/runbooks/db-failover/\"",          // related runbook
    ] {
        assert!(pm.contains(expected), "postmortem page shows {expected}");
    }
    let rb = fs::read_to_string(site.join("runbooks/db-failover/index.html")).unwrap();
    for expected in [
        "Payments DB failover",
        "team-payments",
        "#payments-oncall",
        "2026-10-01",
        "Checkout 5xx after deploy",
    ] {
        assert!(rb.contains(expected), "runbook page shows {expected}");
    }
    assert!(site.join("runbooks/index.html").is_file());
    assert!(site.join("postmortems/index.html").is_file());
    assert!(site.join("static/style.css").is_file());
}

#[test]
fn lint_errors_stop_the_build_unless_allowed() {
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    opsbook(&fixture("broken"))
        .args(["build", "--today", "2026-11-25", "--output"])
        .arg(&site)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no site was written"));
    assert!(!site.exists());
    opsbook(&fixture("broken"))
        .args([
            "build",
            "--allow-errors",
            "--today",
            "2026-11-25",
            "--output",
        ])
        .arg(&site)
        .assert()
        .code(0);
    assert!(site.join("index.html").is_file());
}

#[test]
fn files_from_an_earlier_build_do_not_linger() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("clean"), dir.path());
    let build = || {
        opsbook(dir.path())
            .args(["build", "--today", "2026-11-25"])
            .assert()
            .code(0);
    };
    build();
    let page = dir
        .path()
        .join("public/postmortems/2026-09-20-checkout-5xx/index.html");
    assert!(page.is_file());
    fs::remove_file(
        dir.path()
            .join("content/postmortems/2026-09-20-checkout-5xx.md"),
    )
    .unwrap();
    build();
    assert!(!page.exists());
    assert!(
        dir.path()
            .join("public/runbooks/db-failover/index.html")
            .is_file()
    );
}

/// The clean fixture built with one template overridden: `name` in its templates/ folder.
fn built_with_template(name: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("clean"), dir.path());
    fs::create_dir_all(dir.path().join("templates")).unwrap();
    fs::write(dir.path().join("templates").join(name), text).unwrap();
    opsbook(dir.path())
        .args(["build", "--today", "2026-11-25"])
        .assert()
        .code(0);
    dir
}

#[test]
fn template_overrides_are_used_file_by_file() {
    let dir = built_with_template(
        "404.html",
        "{% extends \"base.html\" %}{% block content %}<p>Nothing at this address, sorry.</p>{% endblock content %}",
    );
    let page = fs::read_to_string(dir.path().join("public/404.html")).unwrap();
    assert!(page.contains("Nothing at this address, sorry."));
    assert!(
        page.contains("static/style.css"),
        "still extends the built-in base"
    );
}

#[test]
fn a_template_looping_over_a_document_sees_its_fields_in_order() {
    let dir = built_with_template(
        "list.html",
        "{% for key, value in documents[0] %}{{ key }} {% endfor %}",
    );
    let page = fs::read_to_string(dir.path().join("public/runbooks/index.html")).unwrap();
    // As the fields are documented (book/src/templates.md), the same on every build.
    assert!(
        page.starts_with("id kind title url canonical_url source_path repo_path summary owner "),
        "{page}"
    );
}

#[test]
fn refuses_to_overwrite_the_content_folder() {
    opsbook(&fixture("clean"))
        .args(["build", "--output", "content"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("it is the content folder"));
}

#[test]
fn an_overridden_tracker_that_loops_over_its_rows_still_gets_every_row() {
    // An override written before the rows had their own template: it reads
    // `follow_ups.rows` and has no place marked for follow-up-rows.html.
    let dir = built_with_template(
        "follow-ups.html",
        "{% for f in follow_ups.rows %}[{{ f.action }}]{% endfor %}",
    );
    let page = fs::read_to_string(dir.path().join("public/follow-ups/index.html")).unwrap();
    assert_eq!(
        page,
        "[Add a canary stage to checkout deploys][Alert on 5xx ratio per release]"
    );
}

#[test]
fn the_tracker_rows_template_can_be_overridden_on_its_own() {
    let dir = built_with_template(
        "follow-up-rows.html",
        "{% for f in rows %}<tr class=\"mine\"><td>{{ f.action }} ({{ page.url }})</td></tr>{% endfor %}",
    );
    let page = fs::read_to_string(dir.path().join("public/follow-ups/index.html")).unwrap();
    let tbody = page
        .split("<tbody>")
        .nth(1)
        .unwrap()
        .split("</tbody>")
        .next()
        .unwrap();
    assert_eq!(
        tbody.trim(),
        "<tr class=\"mine\"><td>Add a canary stage to checkout deploys (/follow-ups/)</td></tr>\
         <tr class=\"mine\"><td>Alert on 5xx ratio per release (/follow-ups/)</td></tr>"
    );
    assert!(
        !page.contains("opsbook: follow-up rows"),
        "the marker is replaced"
    );
}
