//! The one link resolver. A link written in a document's body (`[text](dest)` or
//! `![alt](dest)`) means the same thing to `lint` (the broken-link rule), to the site (the href
//! on the page) and to `serve` (which documents to check again when a file appears or goes):
//!
//! | Written | Means | On the site |
//! |---|---|---|
//! | `https://x`, `mailto:x`, `//host/x` | an external URL, not checked | as written |
//! | `/runbooks/x/` | a path on the web server, not checked | as written |
//! | `#anchor` | a heading of this document | as written |
//! | `x.md`, `../runbooks/x.md#a` | the document at that path (from this file's folder) | its page (and heading) |
//! | `img/graph.png` | a file in the content folder | published under `files/` |
//! | `../runbooks/`, `sub` (a folder) | its index document: README.md, index.md or _index.md | that page; the content folder itself is the home page, `runbooks/` and `postmortems/` at the top the list pages |
//!
//! Percent-escapes are decoded before the look-up (`my%20doc.md` is the file `my doc.md`), a
//! `?query` is ignored, and `.` and `..` segments are applied. Escapes that do not decode to
//! UTF-8 text, paths that climb out of the content folder, hidden files (a segment starting
//! with `.`), files that are not regular (a FIFO, a device), symlinks leaving the content folder
//! and files over [`MAX_PUBLISHED_BYTES`] are broken: the site could not publish them.
//!
//! Conventions of other site generators (`page.html` for `page.md`, extensionless
//! `incidents/slug`, Hugo's `{{< ref "x.md" >}}`) plug in as a [`Convention`] of the
//! [`Resolver`]: lint, site and serve then all see them at once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

use super::{Document, Kind};

/// The files a link to a folder means, in order of preference: GitHub shows a folder's
/// README.md, most site generators (MkDocs, Jekyll, Docusaurus) index.md, Hugo _index.md.
pub const INDEX_FILES: [&str; 3] = ["README.md", "index.md", "_index.md"];

/// Linked files larger than this are not published (and the link is reported): a knowledge
/// site is no place for disk images or database dumps, and the copy is held in memory.
pub const MAX_PUBLISHED_BYTES: u64 = 32 * 1024 * 1024;

/// A way of writing links that a site generator other than opsbook understands. The resolver
/// asks each convention in turn; plain relative links need none.
pub trait Convention: Send + Sync {
    /// `dest`, written in the document at `from`, rewritten as a plain relative link when it is
    /// written in this convention (Hugo's `/runbooks/x.md` from the content root ->
    /// `../runbooks/x.md`), else `None`.
    fn rewrite(&self, _from: &str, _dest: &str) -> Option<String> {
        None
    }
    /// Other content paths a link to `path` may mean, tried in order when neither a document
    /// nor a file is at `path` (`incidents/x.html` -> `incidents/x.md`).
    fn alternatives(&self, _path: &str) -> Vec<String> {
        Vec::new()
    }
}

/// `page.html` (or `.htm`) for the document `page.md`, `page.html.md`, ... (Middleman, Jekyll,
/// MkDocs without directory URLs).
struct HtmlPages {
    suffixes: Vec<String>,
}

impl Convention for HtmlPages {
    fn alternatives(&self, path: &str) -> Vec<String> {
        let Some(stem) = path
            .strip_suffix(".html")
            .or_else(|| path.strip_suffix(".htm"))
        else {
            return Vec::new();
        };
        self.suffixes
            .iter()
            .flat_map(|suffix| [format!("{stem}{suffix}"), format!("{path}{suffix}")])
            .collect()
    }
}

/// `incidents/slug` for the document `incidents/slug.md` (Hugo, Docusaurus, MkDocs with
/// directory URLs; Hugo's refs often leave the ending out too).
struct Extensionless {
    suffixes: Vec<String>,
}

impl Convention for Extensionless {
    fn alternatives(&self, path: &str) -> Vec<String> {
        if path.is_empty() || self.suffixes.iter().any(|s| path.ends_with(s.as_str())) {
            return Vec::new();
        }
        self.suffixes
            .iter()
            .map(|suffix| format!("{path}{suffix}"))
            .collect()
    }
}

/// Hugo's `{{< ref "/runbooks/x.md" >}}`: the shortcode itself becomes its path when the
/// document is read (see [`super::templating`]); a path from the content root is made
/// relative here.
struct HugoRef {
    suffixes: Vec<String>,
}

impl Convention for HugoRef {
    fn rewrite(&self, from: &str, dest: &str) -> Option<String> {
        let rest = dest.trim().strip_prefix('/')?;
        if rest.starts_with('/') {
            return None;
        }
        let path = rest.split(['#', '?']).next().unwrap_or(rest);
        if !self.suffixes.iter().any(|s| path.ends_with(s.as_str())) {
            return None;
        }
        let depth = from.matches('/').count();
        Some(format!("{}{rest}", "../".repeat(depth)))
    }
}

/// Resolves links by the rules in the module documentation plus its conventions.
#[derive(Default)]
pub struct Resolver {
    conventions: Vec<Box<dyn Convention>>,
    /// Links starting with this path (ending in `/`) are looked for in the content folder
    /// first (`[links] site_root`).
    site_root: Option<String>,
}

/// A link destination taken apart, before anything is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dest {
    /// A URL with a scheme, `//host`, or a path on the web server (`/x`): left alone.
    AsWritten,
    /// `#anchor` (decoded), or `#`/`?query` alone (no anchor).
    SameDocument { anchor: Option<String> },
    /// A path in the content folder: content-relative, decoded, normalised (`""` is the
    /// content folder itself).
    Content {
        path: String,
        anchor: Option<String>,
    },
    /// Too many `..`: a path above the content folder.
    Outside,
    /// Percent-escapes that are not UTF-8 text (`%ff`).
    Undecodable,
}

/// What a link leads to.
#[derive(Debug, Clone)]
pub enum Resolution<'a> {
    /// Left as written and not checked (see [`Dest::AsWritten`]).
    AsWritten,
    SameDocument {
        anchor: Option<String>,
    },
    /// A document with a page.
    Document {
        doc: &'a Document,
        anchor: Option<String>,
    },
    /// A file other than a document, published with the site.
    File {
        path: String,
        /// Where it is on disk (symlinks resolved).
        source: PathBuf,
    },
    /// The content folder itself: the site's home page.
    Home,
    /// A top-level `runbooks/` or `postmortems/` folder without an index document.
    List(Kind),
    Broken(Broken),
}

/// Why a link leads nowhere on the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Broken {
    Outside,
    Undecodable,
    /// Nothing at this content path.
    Missing {
        path: String,
    },
    /// A document that gets no page.
    NoPage {
        path: String,
        why: &'static str,
    },
    /// A folder without an index document.
    Folder {
        path: String,
    },
    /// Something is there, but the site does not publish it.
    Unpublishable {
        path: String,
        why: String,
    },
}

/// What is in the content folder at a path that is not a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A regular file, at this path on disk (symlinks resolved).
    File(PathBuf),
    Folder,
    Missing,
    Unpublishable(String),
}

/// Finds the document at a content-relative path.
type DocumentAt<'a> = Box<dyn Fn(&str) -> Option<&'a Document> + 'a>;

/// The knowledge base as links see it: the documents by path, and the content folder on disk.
pub struct Corpus<'a> {
    /// The document at a content-relative path. The lint passes its own lookup so that every
    /// path a link makes it look at is recorded for `opsbook serve`.
    document_at: DocumentAt<'a>,
    /// The content folder on disk, when the documents were read from one.
    root: Option<PathBuf>,
    canonical_root: OnceLock<Option<PathBuf>>,
}

impl<'a> Corpus<'a> {
    /// `paths` maps each document's content-relative path to its index in `docs`; files are
    /// looked up under `root`.
    pub fn new(
        docs: &'a [Document],
        paths: &'a HashMap<&'a str, usize>,
        root: Option<PathBuf>,
    ) -> Self {
        Self::with_lookup(move |path| paths.get(path).map(|&i| &docs[i]), root)
    }

    /// A corpus whose documents are found by `document_at` (a content-relative path in, the
    /// document there out); files are looked up under `root`.
    pub fn with_lookup(
        document_at: impl Fn(&str) -> Option<&'a Document> + 'a,
        root: Option<PathBuf>,
    ) -> Self {
        Corpus {
            document_at: Box::new(document_at),
            root,
            canonical_root: OnceLock::new(),
        }
    }

    pub fn document(&self, path: &str) -> Option<&'a Document> {
        (self.document_at)(path)
    }

    /// What is at `path` on disk, when no document is.
    pub fn entry(&self, path: &str) -> Entry {
        let Some(root) = &self.root else {
            return Entry::Missing;
        };
        if path.split('/').any(|s| s.starts_with('.')) {
            return Entry::Unpublishable(
                "hidden files and folders (starting with `.`) are not published".into(),
            );
        }
        let Ok(real) = root.join(path).canonicalize() else {
            return Entry::Missing;
        };
        let inside = self
            .canonical_root
            .get_or_init(|| root.canonicalize().ok())
            .as_ref()
            .is_some_and(|r| real.starts_with(r));
        if !inside {
            return Entry::Unpublishable(
                "it is a symlink to something outside the content folder".into(),
            );
        }
        match std::fs::metadata(&real) {
            Ok(m) if m.is_dir() => Entry::Folder,
            Ok(m) if m.is_file() && m.len() > MAX_PUBLISHED_BYTES => Entry::Unpublishable(format!(
                "it is {} MiB, over the {} MiB the site publishes",
                m.len() / (1024 * 1024),
                MAX_PUBLISHED_BYTES / (1024 * 1024)
            )),
            Ok(m) if m.is_file() => Entry::File(real),
            Ok(_) => Entry::Unpublishable("it is not a regular file".into()),
            Err(_) => Entry::Missing,
        }
    }
}

/// The content folder a document was read from: its path without its content-relative path.
pub fn content_root(doc: &Document) -> Option<PathBuf> {
    let depth = doc.rel_path.split('/').count();
    doc.path.ancestors().nth(depth).map(Path::to_path_buf)
}

/// Whether a document gets a page on the site, and why not.
pub fn page_problem(doc: &Document) -> Option<&'static str> {
    if doc.read_problem.is_some() {
        Some("it cannot be read")
    } else if doc.front_matter_problem.is_some() {
        Some("its front matter cannot be used")
    } else if doc.kind.is_none() {
        Some(
            "it is neither a runbook nor a postmortem (give it `kind:`, or its folder a kind under [kinds] in opsbook.toml)",
        )
    } else {
        None
    }
}

/// Which documents get a page: those without a [`page_problem`], and of several that share
/// a page URL, the first by content path (so the site is the same whatever order the file
/// system lists files in; `duplicate-id` reports the others).
pub fn published(docs: &[Document]) -> Vec<bool> {
    let mut first: HashMap<String, usize> = HashMap::new();
    for (index, doc) in docs.iter().enumerate() {
        if page_problem(doc).is_some() {
            continue;
        }
        first
            .entry(doc.url_path())
            .and_modify(|at| {
                if doc.rel_path < docs[*at].rel_path {
                    *at = index;
                }
            })
            .or_insert(index);
    }
    let mut out = vec![false; docs.len()];
    for index in first.into_values() {
        out[index] = true;
    }
    out
}

/// Every document without a page, with why: what a build names so nothing is left out in
/// silence.
pub fn unpublished(docs: &[Document]) -> Vec<(usize, String)> {
    let published = published(docs);
    let owner: HashMap<String, usize> = docs
        .iter()
        .enumerate()
        .filter(|(i, _)| published[*i])
        .map(|(i, d)| (d.url_path(), i))
        .collect();
    docs.iter()
        .enumerate()
        .filter(|(i, _)| !published[*i])
        .map(|(i, doc)| {
            let why = match page_problem(doc) {
                Some(why) => why.to_string(),
                None => {
                    let url = doc.url_path();
                    let other = owner
                        .get(&url)
                        .map_or("", |&o| docs[o].display_path.as_str());
                    format!("its page URL {url} is the page of {other}")
                }
            };
            (i, why)
        })
        .collect()
}

impl Resolver {
    /// The resolver for a knowledge base: the plain rules, plus the conventions its config
    /// asks for (`[links]`). Lint, the site and serve each take theirs from here.
    pub fn for_config(config: &crate::config::Config) -> Resolver {
        let links = &config.links;
        let suffixes = config.mapping().suffixes().to_vec();
        let mut conventions: Vec<Box<dyn Convention>> = Vec::new();
        if links.hugo_ref {
            conventions.push(Box::new(HugoRef {
                suffixes: suffixes.clone(),
            }));
        }
        if links.html {
            conventions.push(Box::new(HtmlPages {
                suffixes: suffixes.clone(),
            }));
        }
        if links.extensionless || links.hugo_ref {
            conventions.push(Box::new(Extensionless { suffixes }));
        }
        let root = links.site_root.trim();
        let site_root = (!root.is_empty()).then(|| {
            let root = root.trim_end_matches('/');
            format!("{root}/")
        });
        Resolver {
            conventions,
            site_root,
        }
    }

    /// Takes a destination written in the document at `from` (content-relative) apart.
    pub fn parse(&self, from: &str, dest: &str) -> Dest {
        let rewritten = self.conventions.iter().find_map(|c| c.rewrite(from, dest));
        parse(from, rewritten.as_deref().unwrap_or(dest))
    }

    /// A link to a path on the web server below `site_root`, as a content path (with its
    /// anchor): what the old site served there may be a document here.
    fn under_site_root(&self, dest: &str) -> Option<(String, Option<String>)> {
        let root = self.site_root.as_deref()?;
        let dest = dest.trim();
        if dest.starts_with("//") {
            return None;
        }
        let rest = dest
            .strip_prefix(root)
            .or_else(|| (dest == root.trim_end_matches('/')).then_some(""))?;
        match parse("", rest) {
            Dest::Content { path, anchor } => Some((path, anchor)),
            Dest::SameDocument { anchor } => Some((String::new(), anchor)),
            _ => None,
        }
    }

    /// What the link `dest` in the document at `from` leads to.
    pub fn resolve<'a>(&self, corpus: &Corpus<'a>, from: &str, dest: &str) -> Resolution<'a> {
        match self.parse(from, dest) {
            Dest::AsWritten => match self.under_site_root(dest) {
                Some((path, anchor)) => match self.resolve_content(corpus, path, anchor) {
                    found @ (Resolution::Document { .. }
                    | Resolution::File { .. }
                    | Resolution::Home
                    | Resolution::List(_)) => found,
                    // Not in the content folder: maybe another page of the web server.
                    _ => Resolution::AsWritten,
                },
                None => Resolution::AsWritten,
            },
            Dest::SameDocument { anchor } => Resolution::SameDocument { anchor },
            Dest::Outside => Resolution::Broken(Broken::Outside),
            Dest::Undecodable => Resolution::Broken(Broken::Undecodable),
            Dest::Content { path, anchor } => self.resolve_content(corpus, path, anchor),
        }
    }

    /// A content path looked up as written, then as each convention reads it.
    fn resolve_content<'a>(
        &self,
        corpus: &Corpus<'a>,
        path: String,
        anchor: Option<String>,
    ) -> Resolution<'a> {
        let missing = |r: &Resolution| matches!(r, Resolution::Broken(Broken::Missing { .. }));
        let found = resolve_path(corpus, path.clone(), anchor.clone());
        if !missing(&found) {
            return found;
        }
        self.conventions
            .iter()
            .flat_map(|c| c.alternatives(&path))
            .map(|p| resolve_path(corpus, p, anchor.clone()))
            .find(|r| !missing(r))
            .unwrap_or(found)
    }

    /// Every content path whose appearance, change or removal can change what `dest` in the
    /// document at `from` resolves to (`serve` checks the linking document again then).
    pub fn watched_paths(&self, from: &str, dest: &str) -> Vec<String> {
        let path = match self.parse(from, dest) {
            Dest::Content { path, .. } => path,
            Dest::AsWritten => match self.under_site_root(dest) {
                Some((path, _)) => path,
                None => return Vec::new(),
            },
            _ => return Vec::new(),
        };
        let mut paths = vec![path.clone()];
        if !path.ends_with(".md") {
            paths.extend(INDEX_FILES.iter().map(|index| join(&path, index)));
        }
        paths.extend(self.conventions.iter().flat_map(|c| c.alternatives(&path)));
        paths
    }
}

/// A content path looked up: a document, a file, or a folder and its index document.
fn resolve_path<'a>(corpus: &Corpus<'a>, path: String, anchor: Option<String>) -> Resolution<'a> {
    if let Some(doc) = corpus.document(&path) {
        return match page_problem(doc) {
            None => Resolution::Document { doc, anchor },
            Some(why) => Resolution::Broken(Broken::NoPage { path, why }),
        };
    }
    match corpus.entry(&path) {
        Entry::File(source) => Resolution::File { path, source },
        Entry::Missing => Resolution::Broken(Broken::Missing { path }),
        Entry::Unpublishable(why) => Resolution::Broken(Broken::Unpublishable { path, why }),
        Entry::Folder => {
            let index = INDEX_FILES
                .iter()
                .find_map(|name| corpus.document(&join(&path, name)));
            match index {
                Some(doc) => resolve_path(corpus, doc.rel_path.clone(), anchor),
                None if path.is_empty() => Resolution::Home,
                None => match Kind::from_folder(&path) {
                    Some(kind) => Resolution::List(kind),
                    None => Resolution::Broken(Broken::Folder { path }),
                },
            }
        }
    }
}

fn join(folder: &str, name: &str) -> String {
    if folder.is_empty() {
        name.to_string()
    } else {
        format!("{folder}/{name}")
    }
}

/// [`Resolver::parse`] without conventions.
pub fn parse(from: &str, dest: &str) -> Dest {
    let dest = dest.trim();
    if is_external(dest) || dest.starts_with('/') {
        return Dest::AsWritten;
    }
    let (rest, anchor) = match dest.split_once('#') {
        Some((rest, fragment)) => (rest, Some(fragment)),
        None => (dest, None),
    };
    let path = rest.split_once('?').map_or(rest, |(path, _)| path);
    let anchor = anchor
        .filter(|a| !a.is_empty())
        .map(|a| percent_decode_str(a).decode_utf8_lossy().into_owned());
    if path.is_empty() {
        return Dest::SameDocument { anchor };
    }
    let Ok(path) = percent_decode_str(path).decode_utf8() else {
        return Dest::Undecodable;
    };
    match resolve_relative(from, &path) {
        Some(path) => Dest::Content { path, anchor },
        None => Dest::Outside,
    }
}

/// Joins a relative path to the folder of `from` and applies `.` and `..`; `None` when the
/// result would be above the root. Both are `/`-separated.
pub fn resolve_relative(from: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// Whether a link has a scheme (`https:`, `mailto:`) or is protocol-relative (`//host`).
pub fn is_external(dest: &str) -> bool {
    if dest.starts_with("//") {
        return true;
    }
    let Some((scheme, _)) = dest.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
}

/// Characters escaped in a URL path segment: everything outside the unreserved and
/// sub-delimiter characters that could end the segment or the URL (`/`, `?`, `#`), start an
/// escape (`%`), or break the HTML, XML or JSON the URL lands in. Non-ASCII is always escaped.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'\'')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Characters escaped in a URL fragment (the WHATWG fragment set, plus `#` and `%`).
const FRAGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'`');

/// A `/`-separated path (a page folder, a file name) as a URL path: each segment escaped.
pub fn encode_path(path: &str) -> String {
    path.split('/')
        .map(|segment| utf8_percent_encode(segment, SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// An anchor as a URL fragment (without the `#`).
pub fn encode_fragment(anchor: &str) -> String {
    utf8_percent_encode(anchor, FRAGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_are_taken_apart() {
        let content = |path: &str, anchor: Option<&str>| Dest::Content {
            path: path.into(),
            anchor: anchor.map(str::to_string),
        };
        let from = "postmortems/a.md";
        assert_eq!(
            parse(from, "../runbooks/b.md"),
            content("runbooks/b.md", None)
        );
        assert_eq!(
            parse(from, "./c.md#x"),
            content("postmortems/c.md", Some("x"))
        );
        assert_eq!(
            parse(from, " my%20doc.md?plain=1 "),
            content("postmortems/my doc.md", None)
        );
        assert_eq!(parse(from, "b%aé.md"), content("postmortems/b%aé.md", None));
        assert_eq!(parse(from, "%ff.md"), Dest::Undecodable);
        assert_eq!(parse(from, "../../x.md"), Dest::Outside);
        assert_eq!(parse(from, ".."), content("", None));
        assert_eq!(
            parse(from, "#caf%C3%A9"),
            Dest::SameDocument {
                anchor: Some("café".into())
            }
        );
        assert_eq!(parse(from, "#"), Dest::SameDocument { anchor: None });
        for external in [
            "https://x.com",
            "mailto:a@b",
            "//cdn/x",
            "/runbooks/x/",
            "javascript:alert(1)",
        ] {
            assert_eq!(parse(from, external), Dest::AsWritten, "{external}");
        }
        assert_eq!(
            parse(from, "a.md#x:y"),
            content("postmortems/a.md", Some("x:y"))
        );
    }

    proptest::proptest! {
        #[test]
        fn any_destination_parses_without_panicking(from in "[a-z/ .é%]{0,12}", dest in "\\PC{0,24}") {
            let _ = parse(&from, &dest);
            let _ = Resolver::default().watched_paths(&from, &dest);
        }

        #[test]
        fn escaped_paths_hold_only_url_characters_and_decode_back(path in "\\PC{0,24}") {
            let escaped = encode_path(&path);
            proptest::prop_assert!(escaped.bytes().all(|b| b.is_ascii_graphic() && !b"\"#<>?\\^`{|}'".contains(&b)), "{}", escaped);
            proptest::prop_assert_eq!(percent_decode_str(&escaped).decode_utf8().unwrap(), path);
        }
    }

    /// A convention as issue 13 will add them: `x.html` means `x.md`.
    struct HtmlForMarkdown;

    impl Convention for HtmlForMarkdown {
        fn alternatives(&self, path: &str) -> Vec<String> {
            path.strip_suffix(".html")
                .map(|stem| vec![format!("{stem}.md")])
                .unwrap_or_default()
        }
    }

    #[test]
    fn conventions_are_tried_when_nothing_is_at_the_path() {
        let docs = [Document::parse(
            "runbooks/db.md".into(),
            "runbooks/db.md".into(),
            std::sync::Arc::new("---\nkind: runbook\n---\n".into()),
        )];
        let paths = HashMap::from([("runbooks/db.md", 0)]);
        let corpus = Corpus::new(&docs, &paths, None);
        let plain = Resolver::default();
        let with = Resolver {
            conventions: vec![Box::new(HtmlForMarkdown)],
            site_root: None,
        };
        let from = "postmortems/a.md";
        assert!(matches!(
            plain.resolve(&corpus, from, "../runbooks/db.html#x"),
            Resolution::Broken(Broken::Missing { .. })
        ));
        assert!(matches!(
            with.resolve(&corpus, from, "../runbooks/db.html#x"),
            Resolution::Document { doc, anchor: Some(a) } if doc.rel_path == "runbooks/db.md" && a == "x"
        ));
        assert_eq!(
            with.watched_paths(from, "../runbooks/db.html"),
            [
                "runbooks/db.html",
                "runbooks/db.html/README.md",
                "runbooks/db.html/index.md",
                "runbooks/db.html/_index.md",
                "runbooks/db.md"
            ]
        );
    }

    /// The `[links]` conventions of opsbook.toml, as lint, site and serve all get them.
    #[test]
    fn configured_conventions_find_the_documents_they_mean() {
        let config = crate::config::Config::parse(
            "[documents]\npatterns = [\"*.md\", \"*.html.md.erb\"]\n[links]\nhtml = true\nextensionless = true\nhugo_ref = true\nsite_root = \"/\"\n",
            "opsbook.toml",
        )
        .unwrap();
        let mapping = config.mapping();
        let doc = |rel: &str, text: &str| {
            Document::parse_with(
                rel.into(),
                rel.into(),
                std::sync::Arc::new(text.into()),
                mapping,
            )
        };
        let docs = [
            doc("runbooks/db.md", "---\nkind: runbook\n---\n"),
            doc("manual/alerts.html.md.erb", "---\nkind: runbook\n---\n"),
            doc(
                "postmortems/a.md",
                "---\nkind: postmortem\n---\n[r]({{< ref \"/runbooks/db.md#x\" >}}) [s]({{< relref \"../runbooks/db\" >}})\n",
            ),
        ];
        let paths: HashMap<&str, usize> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| (d.rel_path.as_str(), i))
            .collect();
        let corpus = Corpus::new(&docs, &paths, None);
        let resolver = Resolver::for_config(&config);
        let target = |dest: &str| match resolver.resolve(&corpus, "postmortems/a.md", dest) {
            Resolution::Document { doc, anchor } => {
                format!(
                    "{}{}",
                    doc.rel_path,
                    anchor.map(|a| format!("#{a}")).unwrap_or_default()
                )
            }
            Resolution::AsWritten => "as written".into(),
            other => format!("{other:?}"),
        };
        assert_eq!(target("../runbooks/db.html"), "runbooks/db.md");
        assert_eq!(
            target("../manual/alerts.html#y"),
            "manual/alerts.html.md.erb#y"
        );
        assert_eq!(target("../runbooks/db"), "runbooks/db.md");
        assert_eq!(target("/manual/alerts.html"), "manual/alerts.html.md.erb");
        assert_eq!(target("/runbooks/db/"), "runbooks/db.md");
        assert_eq!(
            target("/api/status"),
            "as written",
            "not in the content folder"
        );
        // Hugo refs in the body became links to the documents they name.
        let dests: Vec<_> = docs[2]
            .outline
            .links
            .iter()
            .map(|l| target(&l.dest))
            .collect();
        assert_eq!(dests, ["runbooks/db.md#x", "runbooks/db.md"]);
        // Without the conventions, the same links lead nowhere.
        let plain = Resolver::default();
        assert!(matches!(
            plain.resolve(&corpus, "postmortems/a.md", "../runbooks/db.html"),
            Resolution::Broken(_)
        ));
        assert!(matches!(
            plain.resolve(&corpus, "postmortems/a.md", "/runbooks/db/"),
            Resolution::AsWritten
        ));
        assert!(
            resolver
                .watched_paths("postmortems/a.md", "/runbooks/x")
                .contains(&"runbooks/x.md".to_string())
        );
    }

    #[test]
    fn paths_and_fragments_are_escaped_for_urls() {
        assert_eq!(encode_path("/runbooks/my doc/"), "/runbooks/my%20doc/");
        assert_eq!(
            encode_path("a?b#c%d\\e\tf\ng'h\"<é>"),
            "a%3Fb%23c%25d%5Ce%09f%0Ag%27h%22%3C%C3%A9%3E"
        );
        assert_eq!(encode_fragment("café \"x\""), "caf%C3%A9%20%22x%22");
    }
}
