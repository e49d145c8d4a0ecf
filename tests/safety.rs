//! Safety guarantees of `opsbook build`: raw HTML is sanitized, front matter is escaped, a
//! failed build leaves the last good site in place, dangerous output folders are refused.

mod common;

use std::path::Path;

use predicates::prelude::*;

/// Every tag of an HTML or XML document (the text between `<` and `>`), lowercased.
/// Escaped text (`&lt;script&gt;`) is not a tag, which is the point.
fn tags(html: &str) -> Vec<String> {
    html.split('<')
        .skip(1)
        .filter_map(|rest| rest.split_once('>').map(|(tag, _)| tag.to_lowercase()))
        .collect()
}

/// Asserts that no tag in `html` can run code or restyle the page.
fn assert_inert(name: &str, html: &str) {
    for tag in tags(html) {
        let element = tag
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        if element == "script" {
            // opsbook's own scripts: the site's enhancements and the search box.
            let own = ["static/site.js"];
            assert!(
                own.iter()
                    .any(|src| tag.contains(&format!("src=\"/{src}\""))),
                "{name}: a script that is not opsbook's own: <{tag}>"
            );
        }
        for banned in ["iframe", "style", "object", "embed", "base"] {
            assert!(element != banned, "{name}: <{tag}>");
        }
        // opsbook's own filter form posts nowhere; a form from content would.
        assert!(
            element != "form" || !tag.contains("action"),
            "{name}: <{tag}>"
        );
        assert!(!tag.contains("type=\"password\""), "{name}: <{tag}>");
        let attributes = tag.trim_start_matches(element);
        let mut words = attributes.split(|c: char| c.is_whitespace() || c == '/');
        assert!(
            !words.any(|w| w.starts_with("on") && w.contains('=')),
            "{name}: an event handler in <{tag}>"
        );
        let compact: String = attributes.chars().filter(|c| !c.is_whitespace()).collect();
        for attr in ["href=", "src=", "action=", "xlink:href="] {
            for quote in ["\"", "'", ""] {
                assert!(
                    !compact.contains(&format!("{attr}{quote}javascript:")),
                    "{name}: a javascript: URL in <{tag}>"
                );
            }
        }
        assert!(!compact.contains("position:fixed"), "{name}: <{tag}>");
    }
}

fn build(dir: &Path) -> assert_cmd::assert::Assert {
    common::opsbook(dir)
        .args(["build", "--today", "2026-03-10"])
        .assert()
}

#[test]
fn a_postmortem_with_scripts_builds_into_pages_without_them() {
    let kb = common::kb("unsafe");
    build(kb.path()).success();
    let out = kb.path().join("public");
    let mut checked = 0;
    for (path, bytes) in common::snapshot_tree(&out) {
        if path.ends_with(".html") || path.ends_with(".xml") {
            assert_inert(&path, std::str::from_utf8(&bytes).unwrap());
            checked += 1;
        }
    }
    assert!(checked > 10, "{checked} pages checked");

    let page = common::read(&out.join("postmortems/2026-03-01-xss/index.html"));
    // The dangerous parts are gone, content and all ...
    assert!(!page.contains("alert('body')"), "{page}");
    assert!(!page.contains("evil.example/frame"), "{page}");
    assert!(!page.contains("evil.example/login"), "{page}");
    assert!(!page.contains("display: none"), "{page}");
    // ... the safe raw HTML stays.
    for kept in [
        "<details><summary>Raw logs</summary>",
        "<kbd>Ctrl</kbd>+<kbd>C</kbd><br>then wait.",
        "<mark>Started</mark>",
        r#"<img src="https://intranet.example/graph.png" alt="Error graph">"#,
    ] {
        assert!(page.contains(kept), "{kept} missing from the page");
    }
    assert!(
        page.contains(">Overlay</div>") && !page.contains("position"),
        "{page}"
    );
    // Markdown and raw links to javascript: keep their text, lose their target.
    assert!(page.contains(r##"<a href="#">Click me</a>"##), "{page}");
    assert!(page.contains("<a>this raw link</a>"), "{page}");
    // Front matter is text, never markup.
    assert!(
        page.contains(r#"<h1>&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt; Checkout &amp; &quot;quotes&quot;</h1>"#),
        "{page}"
    );
    assert!(
        page.contains("&lt;img src=x onerror=alert(&#39;owner&#39;)&gt;"),
        "{page}"
    );
    assert!(
        page.contains(
            "&lt;iframe src=&quot;https://evil.example/action&quot;&gt;&lt;/iframe&gt;Fix it"
        ),
        "{page}"
    );
    // A ticket that is not an http(s) URL is not a link.
    assert!(
        page.contains(
            r#"<td data-label="Ticket" class="nowrap">javascript:alert(&#39;ticket&#39;)</td>"#
        ),
        "{page}"
    );

    // documents.json keeps the data exactly, as data.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("documents.json")).unwrap()).unwrap();
    assert_eq!(
        json["documents"][0]["title"],
        r#"<script>alert("title")</script> Checkout & "quotes""#
    );
}

#[test]
fn unsafe_html_keeps_raw_html_but_still_escapes_front_matter() {
    let kb = common::kb("unsafe");
    std::fs::write(
        kb.path().join("opsbook.toml"),
        "[site]\nunsafe_html = true\n",
    )
    .unwrap();
    build(kb.path()).success();
    let page = common::read(
        &kb.path()
            .join("public/postmortems/2026-03-01-xss/index.html"),
    );
    assert!(page.contains("<script>alert('body')</script>"), "{page}");
    assert!(
        page.contains(r#"<iframe src="https://evil.example/frame"></iframe>"#),
        "{page}"
    );
    assert!(
        page.contains("<h1>&lt;script&gt;alert(&quot;title&quot;)"),
        "{page}"
    );
    // Markdown link targets are still filtered.
    assert!(page.contains(r##"<a href="#">Click me</a>"##), "{page}");
}

/// Every file of a fixture knowledge base's output, after a good build.
fn good_build() -> (
    tempfile::TempDir,
    std::collections::BTreeMap<String, Vec<u8>>,
) {
    let kb = common::kb("metrics");
    common::opsbook(kb.path())
        .args(["build", "--today", "2026-07-01"])
        .assert()
        .success();
    let before = common::snapshot_tree(&kb.path().join("public"));
    assert!(before.contains_key("index.html") && before.contains_key(".opsbook-site"));
    (kb, before)
}

fn assert_untouched(kb: &Path, before: &std::collections::BTreeMap<String, Vec<u8>>) {
    let after = common::snapshot_tree(&kb.join("public"));
    assert_eq!(after.len(), before.len(), "the same files");
    for (path, bytes) in before {
        assert!(after.get(path) == Some(bytes), "{path} changed");
    }
    // No staging folder is left behind either.
    let mut names: Vec<String> = std::fs::read_dir(kb)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names.retain(|n| n != "opsbook.toml" && n != "templates");
    assert_eq!(names, ["content", "public"]);
}

#[test]
fn a_build_that_fails_lint_leaves_the_previous_site_untouched() {
    let (kb, before) = good_build();
    let doc = kb
        .path()
        .join("content/postmortems/2026-01-10-api-deploy.md");
    let text = common::read(&doc).replace("owner: alice@example.com\n", "");
    std::fs::write(&doc, text).unwrap();
    common::opsbook(kb.path())
        .args(["build", "--today", "2026-07-01"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no site was written"));
    assert_untouched(kb.path(), &before);
}

#[test]
fn a_broken_template_override_leaves_the_previous_site_untouched() {
    let (kb, before) = good_build();
    let templates = kb.path().join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    // A syntax error: found when the templates load.
    std::fs::write(templates.join("postmortem.html"), "{% if %}broken").unwrap();
    common::opsbook(kb.path())
        .args(["build", "--today", "2026-07-01"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("template"));
    assert_untouched(kb.path(), &before);
    // An error while rendering, after other pages were rendered: the build fails mid-way.
    std::fs::write(
        templates.join("postmortem.html"),
        "{% extends \"base.html\" %}{% block content %}{{ doc.no_such_field.deeper }}{% endblock content %}",
    )
    .unwrap();
    common::opsbook(kb.path())
        .args(["build", "--today", "2026-07-01"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("postmortem.html"));
    assert_untouched(kb.path(), &before);
}

#[test]
fn refuses_the_content_folder_as_output() {
    let kb = common::kb("metrics");
    common::opsbook(kb.path())
        .args(["build", "--output", "content"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("it is the content folder"));
    assert!(
        kb.path()
            .join("content/postmortems/2026-01-10-api-deploy.md")
            .exists()
    );
}

#[test]
fn refuses_a_folder_that_contains_the_content_folder() {
    let kb = common::kb("metrics");
    let before = common::snapshot_tree(kb.path());
    common::opsbook(kb.path())
        .args(["build", "--output", "."])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("it contains the content folder"));
    assert_eq!(common::snapshot_tree(kb.path()), before);
}

#[test]
fn refuses_the_filesystem_root() {
    let kb = common::kb("metrics");
    common::opsbook(kb.path())
        .args(["build", "--output", "/"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("it is the filesystem root"));
}

#[test]
fn refuses_the_home_folder() {
    let kb = common::kb("metrics");
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join(".bashrc"), "# mine").unwrap();
    common::opsbook(kb.path())
        .env("HOME", home.path())
        .args(["build", "--output"])
        .arg(home.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("it is your home folder"));
    assert_eq!(common::read(&home.path().join(".bashrc")), "# mine");
}
