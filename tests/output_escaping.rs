//! Hostile values in every place a document controls (front matter, body, file name) and every
//! output the site writes: each must escape for its own syntax. The feed and the sitemap parse
//! as XML 1.0, documents.json as JSON, every URL is escaped and leads to a file of the site,
//! and no value turns into markup.

mod common;

use std::path::Path;

use common::opsbook;

/// File names a static host can serve, each with characters that mean something in a URL, a
/// path, HTML or a terminal.
const NAMES: &[&str] = &[
    "postmortems/2026-01-02 q?h#p%b\\s.md",
    "postmortems/2026-01-03 tab\there\nnew line.md",
    "runbooks/sp ace é \"quote\" 'apos' <lt> &amp.md",
];

/// Front matter in YAML double quotes (`\x01` is the control character, `\e` ESC).
const HOSTILE: &str = r#""Ctl \x01 vt \x0b esc \e[2J <b>bold</b> & \"q\" 'a' ]]> \uFFFE end""#;

fn postmortem(date: &str) -> String {
    format!(
        "---\nkind: postmortem\ntitle: {HOSTILE}\nowner: \"<script>alert(1)</script>@x\"\nseverity: SEV2\n\
services: [{HOSTILE}, \"a&b\"]\ntags: [{HOSTILE}]\nstatus: published\nstarted_at: {date}T10:00:00Z\n\
detected_at: {date}T10:05:00Z\nresolved_at: {date}T11:00:00Z\nrollback: {HOSTILE}\n\
follow_ups:\n  - action: {HOSTILE}\n    owner: {HOSTILE}\n    due: 2026-02-01\n    ticket: {HOSTILE}\n---\n\n\
Summary with a control \u{1} character, ]]> and <em>raw</em> & more.\n\n\
## Timeline {{#a\"onmouseover=\"alert(1)}}\n\n- 10:00 it broke\n"
    )
}

fn knowledge_base(root: &Path) {
    std::fs::write(
        root.join("opsbook.toml"),
        "[site]\nbase_url = \"https://ops.example.com/kb/\"\nrepo_url = \"https://git.example.com/ops/kb\"\n\n[search]\nenabled = false\n",
    )
    .unwrap();
    for (i, name) in NAMES.iter().enumerate() {
        let path = root.join("content").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let text = if name.starts_with("runbooks/") {
            format!(
                "---\nkind: runbook\ntitle: {HOSTILE}\nowner: {HOSTILE}\nseverity: SEV2\nservices: [{HOSTILE}]\nrollback: x\n---\n\nSee [the first](../postmortems/2026-01-02%20q%3Fh%23p%25b%5Cs.md).\n"
            )
        } else {
            postmortem(&format!("2026-01-0{}", i + 2))
        };
        std::fs::write(path, text).unwrap();
    }
}

/// Every character a URL may hold as it is (RFC 3986 unreserved, reserved and `%`).
fn is_escaped_url(url: &str) -> bool {
    url.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b))
}

/// The file a URL of the site (absolute, or a path from the server root) is served from.
fn served_file(site: &Path, url: &str) -> Option<std::path::PathBuf> {
    let path = url
        .strip_prefix("https://ops.example.com")
        .unwrap_or(url)
        .strip_prefix("/kb/")?;
    let path = path.split(['#', '?']).next().unwrap();
    let path = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    let file = if path.is_empty() || path.ends_with('/') {
        site.join(&*path).join("index.html")
    } else {
        site.join(&*path)
    };
    file.is_file().then_some(file)
}

fn check_url(site: &Path, what: &str, url: &str, problems: &mut Vec<String>) {
    if !is_escaped_url(url) {
        problems.push(format!("{what}: not escaped: {url:?}"));
    } else if served_file(site, url).is_none() {
        problems.push(format!("{what}: leads nowhere: {url:?}"));
    }
}

/// The values of `attribute="..."` in an HTML page, entity-decoded as a browser does for the
/// entities opsbook writes.
fn attribute_values(html: &str, attribute: &str) -> Vec<String> {
    let needle = format!(" {attribute}=\"");
    html.match_indices(&needle)
        .map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            rest[..rest.find('"').unwrap()]
                .replace("&amp;", "&")
                .replace("&#39;", "'")
                .replace("&#x27;", "'")
        })
        .collect()
}

#[test]
fn every_output_escapes_hostile_names_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    knowledge_base(root);
    let output = opsbook(root)
        .args(["build", "--allow-errors", "--today", "2026-03-10"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let site = root.join("public");
    let mut problems = Vec::new();

    // The feed: XML 1.0, the titles kept with the control characters replaced.
    let atom = std::fs::read_to_string(site.join("atom.xml")).unwrap();
    let feed =
        roxmltree::Document::parse(&atom).unwrap_or_else(|e| panic!("atom.xml: {e}\n{atom}"));
    let entries: Vec<_> = feed
        .descendants()
        .filter(|n| n.has_tag_name("entry"))
        .collect();
    assert_eq!(entries.len(), 2);
    for entry in entries {
        let title = entry
            .children()
            .find(|n| n.has_tag_name("title"))
            .unwrap()
            .text()
            .unwrap();
        assert_eq!(
            title,
            "[SEV2] Ctl \u{FFFD} vt \u{FFFD} esc \u{FFFD}[2J <b>bold</b> & \"q\" 'a' ]]> \u{FFFD} end"
        );
        let summary = entry
            .children()
            .find(|n| n.has_tag_name("summary"))
            .unwrap()
            .text()
            .unwrap();
        assert!(
            summary.starts_with("Summary with a control \u{FFFD} character, ]]> and raw & more."),
            "{summary}"
        );
        let link = entry.children().find(|n| n.has_tag_name("link")).unwrap();
        check_url(
            &site,
            "atom link",
            link.attribute("href").unwrap(),
            &mut problems,
        );
    }

    // The sitemap: XML 1.0, every page once, every URL escaped and served.
    let sitemap = std::fs::read_to_string(site.join("sitemap.xml")).unwrap();
    let urls = roxmltree::Document::parse(&sitemap).unwrap_or_else(|e| panic!("sitemap.xml: {e}"));
    let locs: Vec<&str> = urls
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text())
        .collect();
    assert!(locs.len() > 10, "{locs:?}");
    for loc in locs {
        check_url(&site, "sitemap", loc, &mut problems);
    }

    // documents.json: JSON, with escaped URLs and the values as written.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(site.join("documents.json")).unwrap()).unwrap();
    for doc in json["documents"].as_array().unwrap() {
        check_url(
            &site,
            "documents.json",
            doc["url"].as_str().unwrap(),
            &mut problems,
        );
        assert!(
            doc["title"].as_str().unwrap().contains("\u{1}"),
            "JSON keeps the value: {doc}"
        );
        let edit = doc["edit_url"].as_str().unwrap();
        assert!(is_escaped_url(edit) && edit.contains("%20"), "{edit}");
    }

    // Every HTML page: no value became markup, every link into the site is escaped and served.
    for entry in walkdir::WalkDir::new(&site) {
        let entry = entry.unwrap();
        let path = entry.path();
        let name = path.strip_prefix(&site).unwrap().display().to_string();
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        assert!(
            !text.contains('\u{1}') || name == "documents.json",
            "{name}: a raw control character"
        );
        assert!(
            !text.contains('\u{1b}') || name == "documents.json",
            "{name}: a raw ESC"
        );
        if !name.ends_with(".html") {
            continue;
        }
        assert!(
            !text.contains("<script>alert"),
            "{name}: a value became a script"
        );
        assert!(!text.contains("<b>bold"), "{name}: a value became markup");
        assert!(
            !text.contains("onmouseover=\""),
            "{name}: a heading id became an attribute"
        );
        for attribute in ["href", "src"] {
            for url in attribute_values(&text, attribute) {
                if url.starts_with("/kb/") || url.starts_with("https://ops.example.com/") {
                    check_url(&site, &format!("{name} {attribute}"), &url, &mut problems);
                }
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));

    // The pages are where the file names say, under their names as they are.
    for page in [
        "postmortems/2026-01-02 q?h#p%b\\s/index.html",
        "postmortems/2026-01-03 tab\there\nnew line/index.html",
        "runbooks/sp ace é \"quote\" 'apos' <lt> &amp/index.html",
    ] {
        assert!(site.join(page).is_file(), "{page:?}");
    }
}
