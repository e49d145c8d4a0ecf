//! Every form of link, resolved once by the one resolver (src/document/links.rs) and seen by
//! its three users: the lint verdict (`broken-link`), the href on the built page and the
//! content paths `serve` watches to check the linking document again. One table; each row is a
//! postmortem of its own holding the one link, so each verdict and href can be read back.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::opsbook;
use opsbook::document::links::Resolver;

/// What the page must show for a row's link.
enum Href {
    /// Rewritten to this href.
    Is(&'static str),
    /// Left exactly as written.
    AsWritten,
}

use Href::{AsWritten, Is};

struct Row {
    /// Markdown for the link: `[x](...)` or `![x](...)`, with the text `row-link`.
    link: &'static str,
    /// `None`: no broken-link finding; `Some(words)`: a finding whose message contains them.
    lint: Option<&'static str>,
    href: Href,
    /// What serve watches (content paths).
    watched: &'static [&'static str],
}

const fn row(
    link: &'static str,
    lint: Option<&'static str>,
    href: Href,
    watched: &'static [&'static str],
) -> Row {
    Row {
        link,
        lint,
        href,
        watched,
    }
}

const FOLDER_DB: &[&str] = &[
    "runbooks/db",
    "runbooks/db/README.md",
    "runbooks/db/index.md",
    "runbooks/db/_index.md",
];

const TABLE: &[Row] = &[
    // Documents, by relative path, with and without anchors, queries and escapes.
    row(
        "[row-link](../runbooks/target.md)",
        None,
        Is("/runbooks/target/"),
        &["runbooks/target.md"],
    ),
    row(
        "[row-link](./../runbooks/./target.md#rollback)",
        None,
        Is("/runbooks/target/#rollback"),
        &["runbooks/target.md"],
    ),
    row(
        "[row-link](../runbooks/target.md#nope)",
        Some("has no heading `#nope`"),
        Is("/runbooks/target/#nope"),
        &["runbooks/target.md"],
    ),
    row(
        "[row-link](../runbooks/target.md?plain=1#rollback)",
        None,
        Is("/runbooks/target/#rollback"),
        &["runbooks/target.md"],
    ),
    row(
        "[row-link](../runbooks/target.md#caf%C3%A9-steps)",
        None,
        Is("/runbooks/target/#caf%C3%A9-steps"),
        &["runbooks/target.md"],
    ),
    row(
        "[row-link](../runbooks/my%20doc.md)",
        None,
        Is("/runbooks/my%20doc/"),
        &["runbooks/my doc.md"],
    ),
    row(
        "[row-link](<../runbooks/my doc.md>)",
        None,
        Is("/runbooks/my%20doc/"),
        &["runbooks/my doc.md"],
    ),
    row(
        "[row-link](../runbooks/weird%3F%23%25name.md)",
        None,
        Is("/runbooks/weird%3F%23%25name/"),
        &["runbooks/weird?#%name.md"],
    ),
    row(
        "[row-link](../runbooks/st%C3%B6rung.md)",
        None,
        Is("/runbooks/st%C3%B6rung/"),
        &["runbooks/störung.md"],
    ),
    row(
        "[row-link](../runbooks/My%20Doc.md)",
        Some("does not exist"),
        AsWritten,
        &["runbooks/My Doc.md"],
    ),
    row(
        "[row-link](row-00.md)",
        None,
        Is("/postmortems/row-00/"),
        &["postmortems/row-00.md"],
    ),
    row(
        "[row-link](my%20sibling.md)",
        None,
        Is("/postmortems/my%20sibling/"),
        &["postmortems/my sibling.md"],
    ),
    // Anchors in the same document.
    row("[row-link](#timeline)", None, AsWritten, &[]),
    row(
        "[row-link](#nope)",
        Some("this document has no such heading"),
        AsWritten,
        &[],
    ),
    // Files that are not documents: published under files/.
    row(
        "[row-link](../runbooks/img/graph.png)",
        None,
        Is("/files/runbooks/img/graph.png"),
        &[
            "runbooks/img/graph.png",
            "runbooks/img/graph.png/README.md",
            "runbooks/img/graph.png/index.md",
            "runbooks/img/graph.png/_index.md",
        ],
    ),
    row(
        "![row-link](../runbooks/img/graph.png)",
        None,
        Is("/files/runbooks/img/graph.png"),
        &[
            "runbooks/img/graph.png",
            "runbooks/img/graph.png/README.md",
            "runbooks/img/graph.png/index.md",
            "runbooks/img/graph.png/_index.md",
        ],
    ),
    row(
        "![row-link](../runbooks/img/my%20graph.png)",
        None,
        Is("/files/runbooks/img/my%20graph.png"),
        &[
            "runbooks/img/my graph.png",
            "runbooks/img/my graph.png/README.md",
            "runbooks/img/my graph.png/index.md",
            "runbooks/img/my graph.png/_index.md",
        ],
    ),
    row(
        "![row-link](../runbooks/img/missing.png)",
        Some("does not exist"),
        AsWritten,
        &[
            "runbooks/img/missing.png",
            "runbooks/img/missing.png/README.md",
            "runbooks/img/missing.png/index.md",
            "runbooks/img/missing.png/_index.md",
        ],
    ),
    row(
        "[row-link](../runbooks/.hidden.png)",
        Some("hidden files"),
        AsWritten,
        &[
            "runbooks/.hidden.png",
            "runbooks/.hidden.png/README.md",
            "runbooks/.hidden.png/index.md",
            "runbooks/.hidden.png/_index.md",
        ],
    ),
    row(
        "[row-link](../runbooks/pipe.png)",
        Some("not a regular file"),
        AsWritten,
        &[
            "runbooks/pipe.png",
            "runbooks/pipe.png/README.md",
            "runbooks/pipe.png/index.md",
            "runbooks/pipe.png/_index.md",
        ],
    ),
    row(
        "[row-link](../runbooks/escape.png)",
        Some("outside the content folder"),
        AsWritten,
        &[
            "runbooks/escape.png",
            "runbooks/escape.png/README.md",
            "runbooks/escape.png/index.md",
            "runbooks/escape.png/_index.md",
        ],
    ),
    row(
        "[row-link](../runbooks/big.bin)",
        Some("over the 32 MiB"),
        AsWritten,
        &[
            "runbooks/big.bin",
            "runbooks/big.bin/README.md",
            "runbooks/big.bin/index.md",
            "runbooks/big.bin/_index.md",
        ],
    ),
    // Folders: their index document, the home page, a list page, or nothing.
    row(
        "[row-link](../runbooks/db/)",
        None,
        Is("/runbooks/db/"),
        FOLDER_DB,
    ),
    row(
        "[row-link](../runbooks/db)",
        None,
        Is("/runbooks/db/"),
        FOLDER_DB,
    ),
    row(
        "[row-link](../runbooks/)",
        None,
        Is("/runbooks/"),
        &[
            "runbooks",
            "runbooks/README.md",
            "runbooks/index.md",
            "runbooks/_index.md",
        ],
    ),
    row(
        "[row-link](..)",
        None,
        Is("/"),
        &["", "README.md", "index.md", "_index.md"],
    ),
    row(
        "[row-link](../notes/)",
        Some("has no README.md, index.md or _index.md"),
        AsWritten,
        &[
            "notes",
            "notes/README.md",
            "notes/index.md",
            "notes/_index.md",
        ],
    ),
    // Documents without a page, and paths that cannot be.
    row(
        "[row-link](../notes/orphan.md)",
        Some(
            "has no page on the site: it is neither a runbook nor a postmortem (give it `kind:`, or its folder a kind under [kinds] in opsbook.toml)",
        ),
        AsWritten,
        &["notes/orphan.md"],
    ),
    row(
        "[row-link](../../outside.md)",
        Some("leaves the content folder"),
        AsWritten,
        &[],
    ),
    row(
        "[row-link](b%aé.md)",
        Some("does not exist"),
        AsWritten,
        &["postmortems/b%aé.md"],
    ),
    row("[row-link](%ff%fe.md)", Some("not UTF-8"), AsWritten, &[]),
    // Left as written, not checked.
    row(
        "[row-link](https://example.com/a%20b?q=1#x)",
        None,
        AsWritten,
        &[],
    ),
    row("[row-link](//cdn.example.com/x.png)", None, AsWritten, &[]),
    row("[row-link](/runbooks/target/)", None, AsWritten, &[]),
    row(
        "[row-link](mailto:oncall@example.com)",
        None,
        AsWritten,
        &[],
    ),
];

fn write(root: &Path, rel: &str, text: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const RUNBOOK: &str = "---\nkind: runbook\ntitle: T\n---\n";

/// The knowledge base the table's links point into, rows included.
fn knowledge_base(root: &Path) {
    write(root, "opsbook.toml", b"[search]\nenabled = false\n");
    let content = root.join("content");
    let runbook =
        |rel: &str, body: &str| write(&content, rel, format!("{RUNBOOK}{body}").as_bytes());
    runbook(
        "runbooks/target.md",
        "## Roll back {#rollback}\n\n## Café steps\n",
    );
    runbook("runbooks/my doc.md", "");
    runbook("runbooks/weird?#%name.md", "");
    runbook("runbooks/störung.md", "");
    runbook("runbooks/db/README.md", "");
    write(
        &content,
        "postmortems/my sibling.md",
        b"---\ntitle: next to the rows\n---\n",
    );
    write(&content, "runbooks/img/graph.png", b"\x89PNG graph");
    write(&content, "runbooks/img/my graph.png", b"\x89PNG my graph");
    write(&content, "runbooks/.hidden.png", b"hidden");
    write(&content, "notes/orphan.md", b"---\ntitle: no kind\n---\n");
    write(&content, "notes/x.txt", b"x");
    std::fs::File::create(content.join("runbooks/big.bin"))
        .unwrap()
        .set_len(33 * 1024 * 1024)
        .unwrap();
    write(root, "outside.png", b"outside");
    #[cfg(target_os = "linux")]
    {
        std::os::unix::fs::symlink(
            root.join("outside.png"),
            content.join("runbooks/escape.png"),
        )
        .unwrap();
        let fifo =
            std::ffi::CString::new(content.join("runbooks/pipe.png").to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    }
    for (i, row) in TABLE.iter().enumerate() {
        let text = format!("---\ntitle: row {i}\n---\n\n## Timeline\n\n{}\n", row.link);
        write(
            &content,
            &format!("postmortems/{}", row_file(i)),
            text.as_bytes(),
        );
    }
}

fn row_file(i: usize) -> String {
    format!("row-{i:02}.md")
}

/// broken-link messages by row file.
fn lint_verdicts(root: &Path) -> BTreeMap<String, Vec<String>> {
    let output = opsbook(root)
        .args(["lint", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut verdicts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for finding in report["findings"].as_array().unwrap() {
        if finding["rule"] == "broken-link" {
            let file = finding["file"].as_str().unwrap();
            let name = file.rsplit('/').next().unwrap().to_string();
            verdicts
                .entry(name)
                .or_default()
                .push(finding["message"].as_str().unwrap().to_string());
        }
    }
    verdicts
}

/// The href (or src) of the element whose text (or alt) is `row-link` on a built page.
fn href_on_page(html: &str) -> String {
    let (attribute, end) = match html.find("alt=\"row-link\"") {
        Some(at) => ("src=\"", at),
        None => (
            "href=\"",
            html.find(">row-link</a>")
                .expect("the row's link is on its page"),
        ),
    };
    let tag_start = html[..end].rfind('<').unwrap();
    let tag = &html[tag_start..];
    let value = &tag[tag.find(attribute).unwrap() + attribute.len()..];
    value[..value.find('"').unwrap()].to_string()
}

/// Whether a static web server would find something at `href` (a path from the site root,
/// `#fragment` dropped): decoded as a server decodes it, `index.html` for a folder.
fn leads_somewhere(site: &Path, href: &str) -> bool {
    let path = href.split('#').next().unwrap().trim_start_matches('/');
    let path = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .unwrap();
    let file = if path.is_empty() || path.ends_with('/') {
        site.join(&*path).join("index.html")
    } else {
        site.join(&*path)
    };
    file.is_file()
}

/// The link destination as written in the row's Markdown.
fn dest(link: &str) -> &str {
    let inner = &link[link.find("](").unwrap() + 2..link.len() - 1];
    inner.trim_start_matches('<').trim_end_matches('>')
}

#[cfg(target_os = "linux")]
#[test]
fn every_link_form_resolves_the_same_for_lint_site_and_serve() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    knowledge_base(root);
    let verdicts = lint_verdicts(root);
    let output = opsbook(root)
        .args(["build", "--allow-errors"])
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
    for (i, row) in TABLE.iter().enumerate() {
        let file = row_file(i);
        let found = verdicts.get(&file).cloned().unwrap_or_default();
        match row.lint {
            None if !found.is_empty() => {
                problems.push(format!("{}: lint says {found:?}", row.link))
            }
            Some(words) if !found.iter().any(|m| m.contains(words)) => problems.push(format!(
                "{}: lint should say `{words}`, says {found:?}",
                row.link
            )),
            _ => {}
        }
        let page = std::fs::read_to_string(site.join(format!("postmortems/row-{i:02}/index.html")))
            .unwrap();
        let href = href_on_page(&page);
        let expected = match row.href {
            Is(href) => {
                if !leads_somewhere(&site, href) {
                    problems.push(format!("{}: nothing in the site at {href}", row.link));
                }
                href.to_string()
            }
            // pulldown-cmark escapes what is not allowed in an href as it writes it.
            AsWritten => dest(row.link).replace(' ', "%20").replace('é', "%C3%A9"),
        };
        if href != expected {
            problems.push(format!(
                "{}: the page has href {href:?}, not {expected:?}",
                row.link
            ));
        }
        let from = format!("postmortems/{file}");
        let watched = Resolver::default().watched_paths(&from, dest(row.link));
        if watched != row.watched {
            problems.push(format!(
                "{}: serve watches {watched:?}, not {:?}",
                row.link, row.watched
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));

    // The files and pages those hrefs lead to were written.
    for published in [
        "files/runbooks/img/graph.png",
        "files/runbooks/img/my graph.png",
        "runbooks/my doc/index.html",
        "runbooks/weird?#%name/index.html",
        "runbooks/störung/index.html",
        "runbooks/db/index.html",
    ] {
        assert!(site.join(published).is_file(), "{published} is missing");
    }
    assert_eq!(
        std::fs::read(site.join("files/runbooks/img/graph.png")).unwrap(),
        b"\x89PNG graph"
    );
    for unpublished in [
        "files/runbooks/.hidden.png",
        "files/runbooks/escape.png",
        "files/runbooks/big.bin",
        "files/notes/x.txt",
    ] {
        assert!(
            !site.join(unpublished).exists(),
            "{unpublished} was published"
        );
    }
}

/// Malformed escapes and paths in every place a link can hold them: lint and build finish
/// with a verdict (exit 0 or 1), never a panic (101).
#[test]
fn malformed_links_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "opsbook.toml", b"[search]\nenabled = false\n");
    let dests = [
        "b%aé.md",
        "%",
        "%%",
        "%e9.md",
        "%C3",
        "%C3%28.md",
        "x%",
        "%zz",
        "é%",
        "%é",
        "a.md#%ff",
        "a.md#%",
        "#%C3",
        "?%ff",
        "%2e%2e/%2e%2e/x.md",
        "..%2f..%2fx.md",
        "%00.md",
        "a%2Fb.md",
        "a.md?%ff#%fe",
        "../../../../../../etc/passwd",
        "...",
        "./",
        ".%2e/x.md",
        "\\server\\x",
        "C:\\x.md",
        "🔥%F0%9F.md",
    ];
    let body: String = dests
        .iter()
        .map(|d| format!("[x](<{d}>) ![y](<{d}>)\n\n"))
        .collect();
    write(
        root,
        "content/postmortems/bad.md",
        format!("---\ntitle: bad\n---\n\n## Timeline\n\n{body}").as_bytes(),
    );
    for args in [&["lint"][..], &["build", "--allow-errors"][..]] {
        let output = opsbook(root).args(args).output().unwrap();
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{args:?}: exit {:?}\n{}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
