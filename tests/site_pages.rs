//! The pages and files of a built site: taxonomies, the follow-ups tracker, cross links, the
//! feed, the sitemap, robots.txt, documents.json and canonical URLs.

mod common;

use std::path::Path;

fn built(config: Option<&str>) -> tempfile::TempDir {
    let kb = common::kb("metrics");
    if let Some(config) = config {
        std::fs::write(kb.path().join("opsbook.toml"), config).unwrap();
    }
    common::opsbook(kb.path())
        .args(["build", "--today", "2026-07-01"])
        .assert()
        .success();
    kb
}

fn page(kb: &Path, path: &str) -> String {
    common::read(&kb.join("public").join(path))
}

#[test]
fn one_page_per_service_tag_owner_and_severity() {
    let kb = built(None);
    let kb = kb.path();
    for path in [
        "services/index.html",
        "services/api/index.html",
        "services/db/index.html",
        "services/web/index.html",
        "tags/index.html",
        "tags/deploy/index.html",
        "tags/database/index.html",
        "owners/index.html",
        "owners/alice-example-com/index.html",
        "owners/team-api/index.html",
        "severities/index.html",
        "severities/sev1/index.html",
        "severities/sev4/index.html",
    ] {
        assert!(kb.join("public").join(path).is_file(), "{path}");
    }
    // A term page lists its runbooks and postmortems, newest incident first.
    let api = page(kb, "services/api/index.html");
    let section = common::between(&api, "id=\"term-postmortems\"", "</section>");
    let titles: Vec<&str> = section
        .split("<td><a href=\"/postmortems/")
        .skip(1)
        .map(|s| s.split('/').next().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "2026-06-20-api-small",
            "2026-05-31-web-dependency",
            "2026-01-20-db-config",
            "2026-01-10-api-deploy"
        ]
    );
    assert!(api.contains(r#"<a href="/runbooks/api-rollback/">Roll back the API</a>"#));
    // Severities follow the scale, not the alphabet; the badges carry text and colour.
    let sev = page(kb, "severities/index.html");
    let order: Vec<usize> = ["SEV1", "SEV2", "SEV3", "SEV4"]
        .iter()
        .map(|s| sev.find(&format!(">{s}</a>")).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{sev}");
    insta::assert_snapshot!(
        "severities_index_row",
        common::between(
            &sev,
            "<tr>\n      <td><a class=\"badge sev sev-2\"",
            "</tr>"
        )
    );
    // An owner's page lists the open follow-ups they own, in anyone's postmortem.
    let bob = page(kb, "owners/bob-example-com/index.html");
    assert!(
        bob.contains("Add a canary stage") && bob.contains("Add a timeout to provider calls"),
        "{bob}"
    );
    assert!(
        !bob.contains("Nothing more to do"),
        "closed follow-ups are not listed: {bob}"
    );
}

#[test]
fn documents_link_to_their_terms_and_to_each_other() {
    let kb = built(None);
    let kb = kb.path();
    let pm = page(kb, "postmortems/2026-01-20-db-config/index.html");
    assert!(pm.contains(r#"<a class="badge sev sev-2" href="/severities/sev2/">SEV2</a>"#));
    assert!(pm.contains(r#"<a href="/owners/carol-example-com/">carol@example.com</a>"#));
    assert!(pm.contains(r#"<a class="chip" href="/services/api/">api</a><a class="chip" href="/services/db/">db</a>"#));
    assert!(pm.contains(r#"<a class="chip tag" href="/tags/config/">config</a>"#));
    // The migration postmortem names this one as related: both pages show the link.
    assert!(pm.contains("Postmortems that refer to this one"));
    assert!(pm.contains(r#"<a href="/postmortems/2026-02-05-db-migration/">Slow queries after a schema migration</a>"#));
    let later = page(kb, "postmortems/2026-02-05-db-migration/index.html");
    assert!(later.contains(
        "<h3>Earlier postmortems</h3><ul><li><a href=\"/postmortems/2026-01-20-db-config/\">"
    ));
    // Runbooks list the postmortems that used them, postmortems their runbooks.
    let rb = page(kb, "runbooks/api-rollback/index.html");
    assert!(rb.contains(r#"<h2 id="used-in">Used in postmortems</h2>"#));
    assert!(
        rb.contains(r#"<a href="/postmortems/2026-01-10-api-deploy/">API errors after deploy</a>"#)
    );
    let api = page(kb, "postmortems/2026-01-10-api-deploy/index.html");
    assert!(api.contains(
        "<h3>Runbooks</h3><ul><li><a href=\"/runbooks/api-rollback/\">Roll back the API</a>"
    ));
    // The navigation reaches every new section.
    for href in [
        "/services/",
        "/follow-ups/",
        "/metrics/",
        "/tags/",
        "/owners/",
        "/severities/",
        "/atom.xml",
    ] {
        assert!(api.contains(&format!("href=\"{href}\"")), "{href}");
    }
}

#[test]
fn the_follow_ups_tracker_lists_every_follow_up_overdue_first() {
    let kb = built(None);
    let html = page(kb.path(), "follow-ups/index.html");
    let rows: Vec<&str> = html.split("<tr class=").skip(1).collect();
    assert_eq!(rows.len(), 8, "every follow-up of every postmortem");
    // Overdue first (most overdue first), then open by due date, then closed ones.
    let actions: Vec<&str> = rows
        .iter()
        .map(|r| common::between(r, "<td data-label=\"Action\">", "</td>"))
        .collect();
    assert_eq!(
        actions,
        [
            "<td data-label=\"Action\">Add a canary stage</td>",
            "<td data-label=\"Action\">Review migrations for missing indexes</td>",
            "<td data-label=\"Action\">Add a timeout to provider calls</td>",
            "<td data-label=\"Action\">Finish this postmortem</td>",
            "<td data-label=\"Action\">Validate connection limits in CI</td>",
            "<td data-label=\"Action\">Nothing more to do</td>",
            "<td data-label=\"Action\">Fingerprint assets</td>",
            "<td data-label=\"Action\">Alert on error budget burn</td>",
        ]
    );
    // Overdue is said in words, not only in colour.
    insta::assert_snapshot!(
        "follow_up_overdue_row",
        format!("<tr class={}", rows[0].split("</tr>").next().unwrap())
    );
    assert!(rows[1].contains("overdue 1 d"));
    assert!(!rows[2].contains("badge overdue") && rows[2].contains("data-overdue=\"0\""));
    // The filters need JavaScript, so they are hidden without it and every row shows.
    assert!(html.contains(
        "<form class=\"filters\" data-follow-up-filters data-table=\"#follow-up-table\" hidden>"
    ));
    assert!(html.contains("<option value=\"bob@example.com\">bob@example.com</option>"));
    assert!(html.contains("<option value=\"open|in_progress\">Open or in progress</option>"));
    assert!(!html.contains("<tr hidden"));
    // A ticket URL is a link, a ticket id is text.
    assert!(html.contains(
        r#"<a href="https://tickets.example.com/OPS-2">https://tickets.example.com/OPS-2</a>"#
    ));
    assert!(html.contains(r#"<td data-label="Ticket">OPS-1</td>"#));
}

#[test]
fn feed_sitemap_robots_and_documents_json() {
    let kb = built(None);
    let kb = kb.path();
    let atom = page(kb, "atom.xml");
    assert!(atom.starts_with(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
    ));
    assert_eq!(atom.matches("<entry>").count(), 7, "every postmortem");
    // Newest incident first; the draft without times last.
    let first = common::between(&atom, "<entry>", "</entry>");
    assert!(
        first.contains("<title>[SEV4] Short API blip after deploy</title>"),
        "{first}"
    );
    assert!(atom.rfind("Draft without times yet") > atom.rfind("API errors after deploy"));
    let api = atom
        .split("<entry>")
        .find(|e| e.contains("API errors after deploy"))
        .unwrap();
    insta::assert_snapshot!("atom_entry", api.split("</entry>").next().unwrap().trim());

    let sitemap = page(kb, "sitemap.xml");
    assert!(sitemap.contains("<loc>/postmortems/2026-01-10-api-deploy/</loc>"));
    assert!(
        sitemap.contains("<loc>/metrics/</loc>") && sitemap.contains("<loc>/services/db/</loc>")
    );
    assert!(!sitemap.contains("404"));

    let robots = page(kb, "robots.txt");
    assert!(robots.contains("User-agent: *\nDisallow: /\n"), "{robots}");
    assert!(
        !robots.contains("Sitemap:"),
        "no sitemap line without an absolute base_url"
    );
    assert!(kb.join("public/404.html").is_file());

    let json: serde_json::Value = serde_json::from_str(&page(kb, "documents.json")).unwrap();
    assert_eq!(json["version"], 1);
    let docs = json["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 8);
    assert_eq!(docs[0]["kind"], "runbook");
    assert_eq!(
        docs[0]["referenced_by"],
        serde_json::json!(["2026-01-10-api-deploy"])
    );
    let api = docs
        .iter()
        .find(|d| d["id"] == "2026-01-10-api-deploy")
        .unwrap();
    assert_eq!(api["url"], "/postmortems/2026-01-10-api-deploy/");
    assert_eq!(api["started_at"], "2026-01-10T10:00:00Z");
    assert_eq!(api["time_to_detect_minutes"], 5.0);
    assert_eq!(api["time_to_restore_minutes"], 60.0);
    assert_eq!(
        api["related_runbooks"],
        serde_json::json!(["rb-api-rollback"])
    );
    assert_eq!(api["follow_ups"][0]["overdue"], true);
    assert_eq!(
        api["follow_ups"][1]["ticket"],
        "https://tickets.example.com/OPS-2"
    );
    assert_eq!(
        api["summary"],
        "The API returned errors for an hour after a deploy."
    );
}

#[test]
fn absolute_base_url_gives_canonical_links_and_absolute_feed_urls() {
    let kb = built(Some("[site]\nbase_url = \"https://ops.example.com/kb/\"\n"));
    let kb = kb.path();
    let pm = page(kb, "postmortems/2026-01-10-api-deploy/index.html");
    assert!(pm.contains(r#"<link rel="canonical" href="https://ops.example.com/kb/postmortems/2026-01-10-api-deploy/">"#));
    assert!(pm.contains(r#"<link rel="stylesheet" href="/kb/static/style.css">"#));
    let home = page(kb, "index.html");
    assert!(home.contains(r#"<link rel="canonical" href="https://ops.example.com/kb/">"#));
    let atom = page(kb, "atom.xml");
    assert!(atom.contains(r#"<link rel="self" type="application/atom+xml" href="https://ops.example.com/kb/atom.xml"/>"#));
    assert!(
        atom.contains("<id>https://ops.example.com/kb/postmortems/2026-01-10-api-deploy/</id>")
    );
    let sitemap = page(kb, "sitemap.xml");
    assert!(sitemap.contains("<loc>https://ops.example.com/kb/services/api/</loc>"));
    assert!(page(kb, "robots.txt").contains("Sitemap: https://ops.example.com/kb/sitemap.xml"));
    assert!(
        !page(kb, "404.html").contains("rel=\"canonical\""),
        "a 404 page has no address of its own"
    );
    assert!(page(kb, "404.html").contains(r#"<a href="/kb/runbooks/">runbooks</a>"#));
    // Without an absolute base_url there is no canonical link.
    let plain = built(None);
    assert!(!page(plain.path(), "index.html").contains("rel=\"canonical\""));
}

#[test]
fn ticket_ids_and_source_paths_link_where_the_config_says() {
    // Without patterns: only a ticket that is a URL links, the source path is plain.
    let kb = built(None);
    let pm = page(kb.path(), "postmortems/2026-01-10-api-deploy/index.html");
    assert!(pm.contains(r#"class="nowrap">OPS-1</td>"#), "{pm}");
    assert!(pm.contains(r#"<a href="https://tickets.example.com/OPS-2">"#));
    assert!(pm.contains("Source: <code>content/postmortems/2026-01-10-api-deploy.md</code>"));

    let kb = built(Some(
        "[site]\nticket_url = \"https://t.example.com/browse/{ticket}?from=kb\"\nsource_url = \"https://git.example.com/kb/src/{path}\"\n",
    ));
    let pm = page(kb.path(), "postmortems/2026-01-10-api-deploy/index.html");
    assert!(
        pm.contains(r#"<a href="https://t.example.com/browse/OPS-1?from=kb">OPS-1</a>"#),
        "{pm}"
    );
    assert!(pm.contains(r#"<a href="https://tickets.example.com/OPS-2">"#));
    assert!(pm.contains(
        r#"Source: <a href="https://git.example.com/kb/src/content/postmortems/2026-01-10-api-deploy.md"><code>"#
    ));
    // The tracker links the same way.
    let tracker = page(kb.path(), "follow-ups/index.html");
    assert!(tracker.contains(r#"<a href="https://t.example.com/browse/OPS-1?from=kb">OPS-1</a>"#));

    // With only repo_url, the source path links to the file on the edit branch.
    let kb = built(Some("[site]\nrepo_url = \"https://github.com/acme/kb\"\n"));
    let rb = page(kb.path(), "postmortems/2026-01-10-api-deploy/index.html");
    assert!(rb.contains(
        r#"<a href="https://github.com/acme/kb/blob/main/content/postmortems/2026-01-10-api-deploy.md"><code>"#
    ), "{rb}");
}

#[test]
fn a_tracker_longer_than_a_chunk_of_rows_lists_each_row_once_in_order() {
    // The rows are rendered a thousand at a time: 2,350 follow-ups span three chunks. They
    // come from ten postmortems (front matter is limited to 1,000 lines), one follow-up of
    // each in turn, so sorting them by due date interleaves the documents.
    let kb = common::kb("clean");
    let path = kb
        .path()
        .join("content/postmortems/2026-09-20-checkout-5xx.md");
    let text = common::read(&path);
    let (head, rest) = text.split_once("follow_ups:\n").unwrap();
    let body = &rest[rest.find("---\n").unwrap()..];
    let (documents, rows) = (10, 2_350);
    for d in 0..documents {
        let follow_ups: String = (d..rows)
            .step_by(documents)
            .map(|i| {
                let due = jiff::civil::date(2027, 1, 1)
                    .checked_add(jiff::Span::new().days(i as i64))
                    .unwrap();
                format!("  - action: Task {i:04}\n    owner: bob@example.com\n    due: {due}\n")
            })
            .collect();
        let text = format!("{head}follow_ups:\n{follow_ups}{body}");
        let text = text.replace("title: Checkout", &format!("title: Part {d} of checkout"));
        let name = format!("content/postmortems/2026-09-2{d}-part.md");
        std::fs::write(kb.path().join(name), text).unwrap();
    }
    std::fs::remove_file(&path).unwrap();
    common::opsbook(kb.path())
        .args(["build", "--today", "2026-11-25"])
        .assert()
        .success();
    let html = page(kb.path(), "follow-ups/index.html");
    let actions: Vec<&str> = html
        .split("<td data-label=\"Action\">")
        .skip(1)
        .map(|r| r.split("</td>").next().unwrap())
        .collect();
    let expected: Vec<String> = (0..rows).map(|i| format!("Task {i:04}")).collect();
    assert_eq!(actions, expected, "every row once, by due date");
    assert_eq!(html.matches("<tbody>").count(), 1);
    assert!(!html.contains("opsbook: follow-up rows"));
}

#[test]
fn a_document_writing_the_rows_marker_does_not_move_the_tracker_rows() {
    // The owner list of the filters comes before the table; an owner that is the marker
    // text is escaped there, so the rows still go into the table.
    let kb = common::kb("clean");
    let path = kb
        .path()
        .join("content/postmortems/2026-09-20-checkout-5xx.md");
    let text = common::read(&path).replace(
        "owner: bob@example.com",
        "owner: \"<!-- opsbook: follow-up rows -->\"",
    );
    std::fs::write(&path, text).unwrap();
    common::opsbook(kb.path())
        .args(["build", "--today", "2026-11-25", "--allow-errors"])
        .assert()
        .success();
    let html = page(kb.path(), "follow-ups/index.html");
    let (filters, table) = html.split_once("<tbody>").unwrap();
    assert!(
        filters.contains("&lt;!-- opsbook: follow-up rows --&gt;"),
        "{filters}"
    );
    assert_eq!(
        filters.matches("<tr class=").count(),
        0,
        "no row before the table"
    );
    assert_eq!(table.matches("<tr class=").count(), 2, "{table}");
    assert!(!html.contains("<!-- opsbook: follow-up rows -->"));
}
