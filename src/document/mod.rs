//! A document: one Markdown file with its front matter, parsed once and kept with byte spans
//! into the original text so every finding can point at the exact place.

pub mod front_matter;
pub mod html_nesting;
pub mod links;
pub mod mapping;
pub mod markdown;
pub mod meta;
pub mod schema;
pub mod templating;
pub mod toml_matter;
pub mod yaml;

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

pub use meta::{FollowUp, Meta};
use yaml::{Node, Value};

/// The two kinds of documents opsbook knows.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Runbook,
    Postmortem,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Runbook, Kind::Postmortem];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Runbook => "runbook",
            Kind::Postmortem => "postmortem",
        }
    }

    /// The top folder (and URL section) of this kind.
    pub fn folder(self) -> &'static str {
        match self {
            Kind::Runbook => "runbooks",
            Kind::Postmortem => "postmortems",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn from_folder(folder: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.folder() == folder)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a file could not be read as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadProblem {
    NotUtf8 {
        valid_up_to: usize,
    },
    Binary,
    TooLarge {
        size: u64,
        limit: u64,
    },
    /// A FIFO, socket, device or folder where a file was expected: refused unread.
    NotAFile(&'static str),
    Io(String),
}

impl fmt::Display for ReadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadProblem::NotUtf8 { valid_up_to } => write!(
                f,
                "not valid UTF-8 (the first bad byte is at offset {valid_up_to})"
            ),
            ReadProblem::Binary => f.write_str("looks like a binary file, not text"),
            ReadProblem::TooLarge { size, limit } => {
                write!(f, "{size} bytes, over the {limit}-byte limit")
            }
            ReadProblem::NotAFile(kind) => write!(f, "is {kind}, not a regular file"),
            ReadProblem::Io(message) => f.write_str(message),
        }
    }
}

/// Why the front matter could not be used; each becomes an `invalid-front-matter` finding.
#[derive(Debug, Clone, PartialEq)]
pub enum FrontMatterProblem {
    Missing,
    Unterminated {
        opening: Range<usize>,
    },
    Yaml {
        message: String,
        at: Range<usize>,
    },
    NotAMapping {
        found: &'static str,
        at: Range<usize>,
    },
    TooLong {
        lines: usize,
        at: Range<usize>,
    },
}

/// Front matter longer than this is refused before YAML parsing: metadata that long is a
/// pasted file, and parsing it would only produce noise.
pub const MAX_FRONT_MATTER_LINES: usize = 1_000;

/// Why a text read again for the lint was refused ([`Document::with_text`]).
const CHANGED_DURING_LINT: &str = "it changed while the lint was checking it";
/// Why a text read again for the site was refused ([`Document::shown_body`]).
const CHANGED_AFTER_LINT: &str = "it changed after the lint checked it";

/// A document's text, shared between the document and the reports that quote it.
pub type Source = Arc<String>;

/// One parsed document.
#[derive(Debug, Clone)]
pub struct Document {
    /// Path relative to the content folder, with `/` separators: the name users see.
    pub rel_path: String,
    /// Path on disk (or in the git tree) as opsbook opened it.
    pub path: PathBuf,
    /// The path shown in diagnostics: relative to where opsbook runs, such as
    /// `content/postmortems/2026-01-02-x.md`.
    pub display_path: String,
    /// The original text (empty when unreadable). An `Arc<String>` rather than an `Arc<str>`:
    /// the bytes stay in the buffer the file was read into (copying 100 MB of text into
    /// `Arc<str>`s and faulting in their pages was a tenth of a lint at 10,000 documents).
    pub source: Source,
    /// The text as the site shows it, when that differs from `source`: template tags of
    /// another generator and the heading that became the title blanked (see
    /// [`templating`]). Same length as `source`, so offsets hold in both.
    shown: Option<Source>,
    /// What [`Document::release`] keeps of `shown`: where it differs from the text.
    shown_edits: Option<ShownEdits>,
    /// The heading the title was taken from, or that repeats the title at the top of the
    /// body: the page shows the title once, above the body.
    pub title_heading: Option<Range<usize>>,
    pub read_problem: Option<ReadProblem>,
    pub front_matter_problem: Option<FrontMatterProblem>,
    /// The front matter as a spanned mapping (an empty mapping when absent or broken).
    pub front_matter: Node,
    /// The `---` ... `---` block, or the first line when there is none.
    pub front_matter_block: Range<usize>,
    pub body_start: usize,
    /// From `kind:`, else from the top folder.
    pub kind: Option<Kind>,
    /// From `id:`, else the file name without `.md`.
    pub id: String,
    /// The last path segment of the page URL.
    pub slug: String,
    pub outline: markdown::Outline,
    /// Where each line starts, built on first use by the reports (so that locating many
    /// findings in a large document does not rescan it from the start each time).
    lines: std::sync::OnceLock<Vec<usize>>,
    /// Set once the text has been let go ([`Document::release`]): what it was, so
    /// the text read again can be refused unless it is the text that was checked.
    released: Option<ReleasedText>,
    /// What the site reads of the front matter, kept when its tree is let go after the lint.
    kept_front_matter: Option<Box<KeptFrontMatter>>,
    /// Why reading the released text again failed, the first time it did: the build checks
    /// it before it publishes anything ([`Document::reread_problem`]).
    reread_problem: std::sync::OnceLock<String>,
}

/// What the site reads of the front matter: the typed metadata and the alerts `alerts:`
/// lists as [`Document::listed_alerts`] reads them.
#[derive(Debug, Clone)]
struct KeptFrontMatter {
    /// `None` once the site took it ([`Document::take_meta`]). Boxed apart, so that what
    /// stays of a document after that is a pointer rather than a whole `Meta`.
    meta: Option<Box<Meta>>,
    listed_alerts: Vec<String>,
}

/// What a released text was: its length and CRC-32. Enough to notice a file edited while a
/// build runs (the lint checked one text; the site must not publish another): an accidental
/// edit keeps both with a chance of one in four billion. A CRC can be forged on purpose, but
/// whoever can rewrite the working tree while a build runs can as well rewrite the templates
/// or the published site; the lint is a gate for what is committed, not a sandbox for the
/// build's own folder. (A cryptographic hash of the 4 GB read in a build of 100,000
/// documents would cost seconds of CPU for no protection that matters here.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ReleasedText {
    len: usize,
    crc: u32,
}

/// Where the text the site shows differs from the file's text (template tags and a title
/// heading blanked, Hugo `ref` shortcodes replaced by their path): runs of bytes at offsets,
/// a few dozen bytes where the copy was the whole text. Written over the text read again they
/// give the copy back, byte for byte; the text is the one they were taken from, since it is
/// read again only when its length and CRC-32 match ([`ReleasedText`]).
#[derive(Debug, Clone, PartialEq, Eq)]
struct ShownEdits(Vec<(usize, Box<[u8]>)>);

impl ShownEdits {
    /// The runs where `shown` differs from `text`; `None` unless both have one length.
    fn between(text: &str, shown: &str) -> Option<ShownEdits> {
        let (text, shown) = (text.as_bytes(), shown.as_bytes());
        if text.len() != shown.len() {
            return None;
        }
        let mut runs = Vec::new();
        let mut at = 0;
        while let Some(start) = (at..text.len()).find(|&i| text[i] != shown[i]) {
            let end = (start..text.len())
                .find(|&i| text[i] == shown[i])
                .unwrap_or(text.len());
            runs.push((start, shown[start..end].into()));
            at = end;
        }
        Some(ShownEdits(runs))
    }

    /// `text` with the runs written over it; `None` when they do not fit it or leave no UTF-8
    /// (another text than the one they were taken from).
    fn apply(&self, text: String) -> Option<String> {
        let mut bytes = text.into_bytes();
        for (at, run) in &self.0 {
            bytes
                .get_mut(*at..at.checked_add(run.len())?)?
                .copy_from_slice(run);
        }
        String::from_utf8(bytes).ok()
    }
}

impl ReleasedText {
    fn of(text: &str) -> ReleasedText {
        ReleasedText {
            len: text.len(),
            crc: crc32fast::hash(text.as_bytes()),
        }
    }
}

impl Document {
    /// Parses a readable document as opsbook writes it (no reading settings). Never fails:
    /// problems are recorded for the rules to report.
    pub fn parse(rel_path: String, path: PathBuf, source: Source) -> Document {
        Document::parse_with(rel_path, path, source, mapping::Mapping::default_ref())
    }

    /// Parses a readable document with the reading settings of a config (`Config::mapping`).
    pub fn parse_with(
        rel_path: String,
        path: PathBuf,
        source: Source,
        mapping: &mapping::Mapping,
    ) -> Document {
        let (mut front_matter, block, body_start, mut problem) = parse_front_matter(&source);
        if problem == Some(FrontMatterProblem::Missing) && mapping.front_matter_optional {
            problem = None;
        }
        let kind = front_matter
            .get("kind")
            .and_then(|(_, v)| v.as_str())
            .and_then(Kind::from_name)
            .or_else(|| mapping.kind_for(&rel_path))
            .or_else(|| {
                rel_path
                    .split_once('/')
                    .and_then(|(top, _)| Kind::from_folder(top))
            });
        let masked = templating::mask(
            &source[body_start..],
            &mapping.template_tags(&rel_path),
            mapping.hugo_ref,
        );
        let body = masked.as_deref().unwrap_or(&source[body_start..]);
        let outline = markdown::outline(body, body_start);
        let title_heading = read_as_configured(&mut front_matter, kind, &outline, mapping);
        let slug = page_name(&rel_path, mapping);
        let id = front_matter
            .get("id")
            .and_then(|(_, v)| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map_or_else(|| slug.clone(), str::to_string);
        let shown = shown_text(&source, body_start, masked, title_heading.clone());
        Document {
            display_path: display_path(&path),
            rel_path,
            path,
            source,
            shown,
            shown_edits: None,
            title_heading,
            read_problem: None,
            front_matter_problem: problem,
            front_matter,
            front_matter_block: block,
            body_start,
            kind,
            id,
            slug,
            outline,
            lines: std::sync::OnceLock::new(),
            released: None,
            kept_front_matter: None,
            reread_problem: std::sync::OnceLock::new(),
        }
    }

    /// A document whose bytes could not be read as text.
    pub fn unreadable(rel_path: String, path: PathBuf, problem: ReadProblem) -> Document {
        let slug = page_name(&rel_path, mapping::Mapping::default_ref());
        Document {
            display_path: display_path(&path),
            rel_path,
            path,
            source: Source::default(),
            shown: None,
            shown_edits: None,
            title_heading: None,
            read_problem: Some(problem),
            front_matter_problem: None,
            front_matter: empty_map(),
            front_matter_block: 0..0,
            body_start: 0,
            kind: None,
            id: slug.clone(),
            slug,
            outline: markdown::Outline::default(),
            lines: std::sync::OnceLock::new(),
            released: None,
            kept_front_matter: None,
            reread_problem: std::sync::OnceLock::new(),
        }
    }

    /// Whether the document could be read and its front matter used.
    pub fn is_usable(&self) -> bool {
        self.read_problem.is_none() && self.front_matter_problem.is_none()
    }

    /// The Markdown body as the site shows it (see `shown`): offsets into it plus
    /// `body_start` are offsets into `source`. Empty once the text is released: the site
    /// reads it with [`Document::shown_body`].
    pub fn body(&self) -> &str {
        let text = self.shown.as_ref().unwrap_or(&self.source);
        text.get(self.body_start..).unwrap_or_default()
    }

    /// Lets go of what only the check reads: the text read from disk (keeping what it was,
    /// see [`ReleasedText`]) and the front matter's spanned tree (keeping the typed [`Meta`]
    /// and the listed alerts, which the rules across documents and the site read).
    ///
    /// `opsbook lint` and `opsbook build` parse every document before they check any (the
    /// rules across documents need them all parsed), and holding every text and tree
    /// meanwhile was 1 GB and 0.6 GB at 100,000 documents. The check reads each text again
    /// and parses its front matter again ([`Document::with_text`]); the site reads the text
    /// again when it shows it ([`Document::shown_body`]). The copy of the text the site shows
    /// (template tags and a title heading blanked) goes too: what is kept is where it differs
    /// from the text ([`ShownEdits`]), written over the text read again. Unreadable documents
    /// have nothing to let go.
    pub fn release(&mut self) {
        if self.kept_front_matter.is_some() || self.read_problem.is_some() {
            return;
        }
        let kept = KeptFrontMatter {
            meta: Some(Box::new(Meta::from_front_matter(&self.front_matter))),
            listed_alerts: self
                .listed_alerts()
                .into_iter()
                .map(str::to_string)
                .collect(),
        };
        self.kept_front_matter = Some(Box::new(kept));
        self.front_matter = empty_map();
        self.released = Some(ReleasedText::of(&self.source));
        if let Some(shown) = self.shown.take() {
            match ShownEdits::between(&self.source, &shown) {
                Some(edits) => self.shown_edits = Some(edits),
                None => self.shown = Some(shown),
            }
        }
        self.source = Source::default();
        self.lines = std::sync::OnceLock::new();
    }

    /// The document as it was parsed, for the rules: itself, or, once it was released, a copy
    /// with its text read again (refused unless it is the text that was parsed) and its front
    /// matter parsed again with the reading settings it was parsed with (`mapping`). A
    /// failure is also kept for [`Document::reread_problem`].
    pub fn with_text(
        &self,
        mapping: &mapping::Mapping,
    ) -> Result<std::borrow::Cow<'_, Document>, String> {
        let Some(released) = self.released else {
            return Ok(std::borrow::Cow::Borrowed(self));
        };
        let text = self
            .read_again(released, CHANGED_DURING_LINT)
            .inspect_err(|why| {
                let _ = self.reread_problem.set(why.clone());
            })?;
        let mut front_matter = parse_front_matter(&text).0;
        read_as_configured(&mut front_matter, self.kind, &self.outline, mapping);
        let mut copy = self.clone();
        copy.take_back(text).inspect_err(|why| {
            let _ = self.reread_problem.set(why.clone());
        })?;
        copy.front_matter = front_matter;
        copy.kept_front_matter = None;
        Ok(std::borrow::Cow::Owned(copy))
    }

    /// Takes the text back for good, read again as [`Document::with_text`] reads it: the
    /// report quotes the documents with findings. (Not the front matter's tree: the report
    /// reads only the text, and the site the kept [`Meta`].)
    pub fn restore_text(&mut self) -> Result<(), String> {
        if let Some(released) = self.released {
            let text = self.read_again(released, CHANGED_DURING_LINT)?;
            self.take_back(text)?;
        }
        Ok(())
    }

    /// Puts the text read again back, with the copy the site shows made again from it.
    fn take_back(&mut self, text: String) -> Result<(), String> {
        if let Some(edits) = self.shown_edits.take() {
            let shown = edits
                .apply(text.clone())
                .ok_or_else(|| CHANGED_DURING_LINT.to_string())?;
            self.shown = Some(Arc::new(shown));
        }
        self.source = Arc::new(text);
        self.released = None;
        self.lines = std::sync::OnceLock::new();
        Ok(())
    }

    /// Whether the text was let go ([`Document::release`]) and not taken back.
    pub fn is_released(&self) -> bool {
        self.released.is_some()
    }

    /// The Markdown body as the site shows it: [`Document::body`], or, once the text is
    /// released, read again from `path` (at most as many bytes as it had) and refused unless
    /// it is exactly the text the lint checked. A failure is also kept for
    /// [`Document::reread_problem`], so that callers with nowhere to report it (a summary, a
    /// search record) still stop the build.
    pub fn shown_body(&self) -> Result<std::borrow::Cow<'_, str>, String> {
        let Some(released) = self.released.filter(|_| self.shown.is_none()) else {
            return Ok(std::borrow::Cow::Borrowed(self.body()));
        };
        self.read_released(released).inspect_err(|why| {
            let _ = self.reread_problem.set(why.clone());
        })
    }

    /// Why the released text could not be read again, if [`Document::shown_body`] failed.
    pub fn reread_problem(&self) -> Option<&str> {
        self.reread_problem.get().map(String::as_str)
    }

    fn read_released(&self, released: ReleasedText) -> Result<std::borrow::Cow<'_, str>, String> {
        let mut text = self.read_again(released, CHANGED_AFTER_LINT)?;
        if !text.is_char_boundary(self.body_start) {
            return Err(CHANGED_AFTER_LINT.to_string());
        }
        if let Some(edits) = &self.shown_edits {
            text = edits
                .apply(text)
                .ok_or_else(|| CHANGED_AFTER_LINT.to_string())?;
        }
        text.drain(..self.body_start);
        Ok(std::borrow::Cow::Owned(text))
    }

    /// The text read again from `path` (at most as many bytes as it had), refused with
    /// `changed` unless it has the length and CRC-32 it had.
    fn read_again(&self, released: ReleasedText, changed: &str) -> Result<String, String> {
        let changed = || changed.to_string();
        let bytes = crate::parse::read_regular_file(&self.path, released.len as u64).map_err(
            |problem| match problem {
                ReadProblem::TooLarge { .. } => changed(),
                other => other.to_string(),
            },
        )?;
        let text = crate::parse::decode(bytes).map_err(|_| changed())?;
        if ReleasedText::of(&text) != released {
            return Err(changed());
        }
        Ok(text)
    }

    /// The front matter value for `key`. Only the lint reads the tree: once it is let go
    /// ([`Document::release`]) there is none, and the site reads [`Document::meta`].
    pub fn field(&self, key: &str) -> Option<&Node> {
        debug_assert!(
            self.kept_front_matter.is_none(),
            "the front matter was let go"
        );
        self.front_matter.get(key).map(|(_, v)| v)
    }

    /// Typed metadata for rendering; invalid values are left out (the rules report them).
    pub fn meta(&self) -> Meta {
        match &self.kept_front_matter {
            Some(kept) => {
                debug_assert!(kept.meta.is_some(), "the site took the metadata");
                kept.meta.as_deref().cloned().unwrap_or_default()
            }
            None => Meta::from_front_matter(&self.front_matter),
        }
    }

    /// The metadata [`Document::release`] kept, given to the site, which makes its views from
    /// it once and then holds no other copy (a build held both for its whole length before).
    /// `None` for a document that was not released: its
    /// [`Document::meta`] is read from the tree as before. Nothing reads the metadata of a
    /// released document after this.
    pub fn take_meta(&mut self) -> Option<Meta> {
        self.kept_front_matter
            .as_mut()?
            .meta
            .take()
            .map(|meta| *meta)
    }

    /// The alert names `alerts:` lists (strings, trimmed, non-empty).
    pub fn listed_alerts(&self) -> Vec<&str> {
        match &self.kept_front_matter {
            Some(kept) => kept.listed_alerts.iter().map(String::as_str).collect(),
            None => self
                .front_matter
                .get("alerts")
                .and_then(|(_, n)| n.as_seq())
                .into_iter()
                .flatten()
                .filter_map(|item| item.as_str().map(str::trim))
                .filter(|name| !name.is_empty())
                .collect(),
        }
    }

    /// The first line of the front matter block (the opening `---`): where findings about
    /// the front matter as a whole point, so their label stays one line.
    pub fn opening_line(&self) -> Range<usize> {
        let block = &self.front_matter_block;
        let text = self.source.get(block.clone()).unwrap_or_default();
        let end = text
            .find(['\r', '\n'])
            .map_or(block.end, |i| block.start + i);
        block.start..end
    }

    /// Byte offsets where each line of the source starts (the first is 0).
    pub fn line_starts(&self) -> &[usize] {
        self.lines.get_or_init(|| line_starts(&self.source))
    }

    /// 0-based number of the line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.line_starts()
            .partition_point(|&start| start <= offset)
            .saturating_sub(1)
    }

    /// The URL path of the document's page, such as `/postmortems/2026-01-02-x/`.
    pub fn url_path(&self) -> String {
        let section = self.kind.map_or("docs", Kind::folder);
        format!("/{section}/{}/", self.slug)
    }
}

/// Byte offsets where each line of `text` starts (the first is 0).
pub fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
        .collect()
}

/// A path as diagnostics show it: `/` separators, no leading `./`.
pub fn display_path(path: &std::path::Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").unwrap_or(&text).to_string()
}

/// The last segment of a document's page URL: its file name without the document ending; for
/// a folder's index (README, index, _index), the folder's name.
fn page_name(rel_path: &str, mapping: &mapping::Mapping) -> String {
    let mut segments = rel_path.rsplit('/');
    let name = segments.next().unwrap_or(rel_path);
    let stem = mapping.stem(name);
    let is_index = ["README", "readme", "index", "_index"].contains(&stem);
    match segments.next() {
        Some(folder) if is_index && !folder.is_empty() => mapping.stem(folder).to_string(),
        _ => stem.to_string(),
    }
}

/// The parsed front matter as the rules and the site read it: the field aliases of the reading
/// settings applied for a document of `kind`, and the title taken from a heading (see
/// [`title_heading`]), whose span it returns. [`Document::parse_with`] and the tree parsed
/// again for the check ([`Document::with_text`]) both go through it, so the two are the same.
fn read_as_configured(
    front_matter: &mut Node,
    kind: Option<Kind>,
    outline: &markdown::Outline,
    mapping: &mapping::Mapping,
) -> Option<Range<usize>> {
    if let Some(kind) = kind {
        mapping.apply(front_matter, kind);
    }
    title_heading(front_matter, outline, mapping)
}

/// Finds the heading the page shows as its title: without `title:` (and with
/// `title_from_heading`), the first `# Heading`, which then becomes the title (a `title` entry
/// whose span is the heading); with a title, a first heading that repeats it.
fn title_heading(
    front_matter: &mut Node,
    outline: &markdown::Outline,
    mapping: &mapping::Mapping,
) -> Option<Range<usize>> {
    let title = front_matter.get("title").map(|(_, v)| v);
    let first = outline.headings.first();
    match title {
        Some(title) => {
            let text = title.scalar_text()?;
            let first = first.filter(|h| h.level == 1)?;
            first
                .text
                .trim()
                .eq_ignore_ascii_case(text.trim())
                .then(|| first.span.clone())
        }
        None if mapping.title_from_heading => {
            let heading = outline.headings.iter().find(|h| h.level == 1)?;
            if heading.text.trim().is_empty() {
                return None;
            }
            if let Value::Map(entries) = &mut front_matter.value {
                entries.push((
                    yaml::Key::new("title", heading.span.clone()),
                    Node {
                        value: Value::Str(heading.text.clone()),
                        span: heading.span.clone(),
                    },
                ));
            }
            Some(heading.span.clone())
        }
        None => None,
    }
}

/// The text the site shows, when it is not the file's: `masked` (the body with template tags
/// blanked) and the title heading blanked.
fn shown_text(
    source: &str,
    body_start: usize,
    masked: Option<String>,
    title_heading: Option<Range<usize>>,
) -> Option<Source> {
    if masked.is_none() && title_heading.is_none() {
        return None;
    }
    let mut text = source[..body_start].to_string();
    text.push_str(masked.as_deref().unwrap_or(&source[body_start..]));
    if let Some(span) = title_heading.filter(|s| s.end <= text.len()) {
        // Blanked byte by byte (line breaks kept): the same length, still UTF-8 because whole
        // characters are replaced by as many spaces as they have bytes.
        let blanked: String = text[span.clone()]
            .chars()
            .map(|c| {
                if c == '\n' || c == '\r' {
                    c.to_string()
                } else {
                    " ".repeat(c.len_utf8())
                }
            })
            .collect();
        text.replace_range(span, &blanked);
    }
    Some(Arc::new(text))
}

fn empty_map() -> Node {
    Node {
        value: Value::Map(Vec::new()),
        span: 0..0,
    }
}

fn first_line(source: &str) -> Range<usize> {
    let start = if source.starts_with('\u{feff}') { 3 } else { 0 };
    let end = source[start..]
        .find(['\r', '\n'])
        .map_or(source.len(), |i| start + i);
    start..end.max(start)
}

type ParsedFrontMatter = (Node, Range<usize>, usize, Option<FrontMatterProblem>);

fn parse_front_matter(source: &str) -> ParsedFrontMatter {
    let split = match front_matter::split(source) {
        Ok(split) => split,
        Err(front_matter::SplitError::Missing) => {
            let start = first_line(source).start;
            return (
                empty_map(),
                first_line(source),
                start,
                Some(FrontMatterProblem::Missing),
            );
        }
        Err(front_matter::SplitError::Unterminated(opening)) => {
            return (
                empty_map(),
                opening.clone(),
                source.len(),
                Some(FrontMatterProblem::Unterminated { opening }),
            );
        }
    };
    let yaml_text = &source[split.yaml.clone()];
    let fallback_body = split.body_start;
    let lines = yaml_text.lines().count();
    if lines > MAX_FRONT_MATTER_LINES {
        let at = split.block.start..split.block.start + 3;
        let problem = FrontMatterProblem::TooLong { lines, at };
        return (empty_map(), split.block, split.body_start, Some(problem));
    }
    if yaml_text.trim().is_empty() {
        // An empty block is an empty mapping: required-field then names what is missing.
        return (empty_map(), split.block, fallback_body, None);
    }
    let parsed = match split.format {
        front_matter::Format::Yaml => yaml::parse(yaml_text, split.yaml.start),
        front_matter::Format::Toml => toml_matter::parse(yaml_text, split.yaml.start),
    };
    match parsed {
        Ok(node) => match node.value {
            Value::Map(_) => (node, split.block, split.body_start, None),
            Value::Null => (empty_map(), split.block, split.body_start, None),
            ref other => {
                let problem = FrontMatterProblem::NotAMapping {
                    found: other.type_name(),
                    at: node.span.clone(),
                };
                (empty_map(), split.block, split.body_start, Some(problem))
            }
        },
        Err(err) => {
            let at = match err.offset {
                Some(offset) => {
                    let offset = offset.min(source.len());
                    let end = source[offset..]
                        .char_indices()
                        .nth(1)
                        .map_or(source.len(), |(i, _)| offset + i);
                    offset..end
                }
                None => split.block.clone(),
            };
            let problem = FrontMatterProblem::Yaml {
                message: err.message,
                at,
            };
            (empty_map(), split.block, split.body_start, Some(problem))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(rel: &str, src: &str) -> Document {
        Document::parse(rel.into(), rel.into(), Arc::new(src.to_string()))
    }

    #[test]
    fn kind_from_field_then_folder() {
        assert_eq!(
            doc("x/a.md", "---\nkind: runbook\n---\n").kind,
            Some(Kind::Runbook)
        );
        assert_eq!(
            doc("postmortems/a.md", "---\ntitle: t\n---\n").kind,
            Some(Kind::Postmortem)
        );
        assert_eq!(doc("notes/a.md", "---\ntitle: t\n---\n").kind, None);
    }

    #[test]
    fn id_defaults_to_file_stem() {
        assert_eq!(
            doc("runbooks/db-failover.md", "---\ntitle: t\n---\n").id,
            "db-failover"
        );
        assert_eq!(doc("runbooks/a.md", "---\nid: rb-a\n---\n").id, "rb-a");
        assert_eq!(
            doc("runbooks/a.md", "---\nid: rb-a\n---\n").url_path(),
            "/runbooks/a/"
        );
    }

    #[test]
    fn problems_are_recorded_not_raised() {
        assert_eq!(
            doc("a.md", "no front matter").front_matter_problem,
            Some(FrontMatterProblem::Missing)
        );
        assert!(matches!(
            doc("a.md", "---\ntitle: [\n---\n").front_matter_problem,
            Some(FrontMatterProblem::Yaml { .. })
        ));
        assert!(matches!(
            doc("a.md", "---\n- a\n- b\n---\n").front_matter_problem,
            Some(FrontMatterProblem::NotAMapping {
                found: "a list",
                ..
            })
        ));
        assert!(matches!(
            doc("a.md", "---\njust a string\n---\n").front_matter_problem,
            Some(FrontMatterProblem::NotAMapping {
                found: "a string",
                ..
            })
        ));
        assert!(doc("a.md", "---\n---\nbody").front_matter_problem.is_none());
    }

    #[test]
    fn body_keeps_its_offset() {
        let d = doc("a.md", "\u{feff}---\r\ntitle: x\r\n---\r\n## Timeline\r\n");
        assert_eq!(d.body(), "## Timeline\r\n");
        assert_eq!(d.outline.headings[0].text, "Timeline");
        assert_eq!(&d.source[d.outline.headings[0].span.clone()], "## Timeline");
    }

    /// A document read from a real file, as `opsbook build` reads it.
    fn on_disk(dir: &std::path::Path, text: &str) -> Document {
        let path = dir.join("a.md");
        std::fs::write(&path, text).unwrap();
        Document::parse("runbooks/a.md".into(), path, Arc::new(text.to_string()))
    }

    /// A document read from a real file at `rel_path`, with the reading settings of the
    /// opsbook.toml `toml`; and those settings, for reading it again.
    fn on_disk_read_as(
        dir: &std::path::Path,
        rel_path: &str,
        text: &str,
        toml: &str,
    ) -> (mapping::Mapping, Document) {
        let config = crate::config::Config::parse(toml, "opsbook.toml").unwrap();
        let mapping = mapping::Mapping::new(&config);
        let path = dir.join("a.md");
        std::fs::write(&path, text).unwrap();
        let doc = Document::parse_with(rel_path.into(), path, Arc::new(text.into()), &mapping);
        (mapping, doc)
    }

    const TEXT: &str = "---\ntitle: Disk full\n---\n\nFree space: `df -h`.\n";

    #[test]
    fn a_released_text_is_read_again_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = on_disk(dir.path(), TEXT);
        let before = d.body().to_string();
        d.release();
        assert!(d.is_released());
        assert!(d.source.is_empty(), "the text is let go");
        assert_eq!(d.body(), "", "body() never slices what is not there");
        assert_eq!(d.shown_body().unwrap(), before);
        assert_eq!(d.reread_problem(), None);
    }

    #[test]
    fn the_front_matter_the_site_reads_is_kept_when_its_tree_is_let_go() {
        let dir = tempfile::tempdir().unwrap();
        let text = "---\ntitle: Disk full\nowner: team-a\nalerts: [' DiskFull ', '', 7]\n\
                    follow_ups:\n  - action: Alert earlier\n    owner: bob\n    due: 2026-01-02\n---\nx\n";
        let mut d = on_disk(dir.path(), text);
        let (meta, alerts) = (format!("{:?}", d.meta()), d.listed_alerts().join(","));
        assert_eq!(alerts, "DiskFull");
        d.release();
        assert!(
            d.front_matter.as_map().is_some_and(|m| m.is_empty()),
            "the tree is let go"
        );
        assert_eq!(format!("{:?}", d.meta()), meta);
        assert_eq!(d.listed_alerts().join(","), alerts);
        d.release();
        assert_eq!(
            format!("{:?}", d.meta()),
            meta,
            "releasing twice keeps what was kept"
        );
        let taken = d
            .take_meta()
            .expect("a released document gives its metadata");
        assert_eq!(format!("{taken:?}"), meta);
        assert!(d.take_meta().is_none(), "once");
        assert_eq!(d.listed_alerts().join(","), alerts, "the alerts stay");
    }

    #[test]
    fn a_document_not_released_has_no_metadata_to_take() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = on_disk(dir.path(), "---\ntitle: Disk full\n---\nx\n");
        assert!(d.take_meta().is_none());
        assert_eq!(
            d.meta().title.as_deref(),
            Some("Disk full"),
            "read from the tree"
        );
    }

    #[test]
    fn a_file_edited_after_the_lint_is_refused_and_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = on_disk(dir.path(), TEXT);
        d.release();
        // The same length, one byte different: only the CRC tells.
        std::fs::write(&d.path, TEXT.replace("df -h", "rm -r")).unwrap();
        let why = d.shown_body().unwrap_err();
        assert!(why.contains("changed after the lint"), "{why}");
        assert_eq!(d.reread_problem(), Some(why.as_str()));
    }

    #[test]
    fn a_file_that_grew_shrank_or_went_is_refused() {
        let grown = format!("{TEXT}<script>alert(1)</script>\n");
        let cut = &TEXT[..TEXT.len() - 3];
        for edit in [Some(grown.as_str()), Some(cut), Some(""), None] {
            let dir = tempfile::tempdir().unwrap();
            let mut d = on_disk(dir.path(), TEXT);
            d.release();
            match edit {
                Some(text) => std::fs::write(&d.path, text).unwrap(),
                None => std::fs::remove_file(&d.path).unwrap(),
            }
            assert!(d.shown_body().is_err(), "{edit:?}");
            assert!(d.reread_problem().is_some(), "{edit:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_file_replaced_by_a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = on_disk(dir.path(), TEXT);
        d.release();
        std::fs::remove_file(&d.path).unwrap();
        let fifo = std::ffi::CString::new(d.path.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo reads a NUL-terminated path and creates a file; no memory is shared.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let why = d.shown_body().unwrap_err();
        assert!(why.contains("FIFO"), "{why}");
    }

    /// A body shown with its title heading blanked is made again from the text read again.
    #[test]
    fn a_body_shown_without_its_title_heading_is_blanked_again_when_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let text = "---\ntitle: Disk full\n---\n# Disk full\n\nSteps.\n";
        let mut d = on_disk(dir.path(), text);
        let before = d.body().to_string();
        assert!(before.starts_with("           \n") && before.ends_with("Steps.\n"));
        d.release();
        assert!(d.shown.is_none(), "the copy is let go");
        assert_eq!(d.shown_body().unwrap(), before);
        let checked = d.with_text(mapping::Mapping::default_ref()).unwrap();
        assert_eq!(checked.body(), before, "the rules see what they saw");
        d.restore_text().unwrap();
        assert_eq!(d.body(), before);
    }

    /// With template tags blanked too (and a Hugo `ref` replaced by its path), the copy is
    /// made again from where it differed from the text.
    #[test]
    fn a_body_shown_without_its_template_tags_is_made_again_when_read_again() {
        let text = "---\ntitle: Disk full\n---\n# Disk full\n\nSee {{< figure src=\"é.png\" >}} \
                    and [the runbook]({{< ref \"db/ü.md\" >}}): ünïcode.\n";
        let dir = tempfile::tempdir().unwrap();
        let (mapping, mut d) = on_disk_read_as(
            dir.path(),
            "runbooks/a.md",
            text,
            "[documents]\ntemplate_tags = [\"hugo\"]\n[links]\nhugo_ref = true\n",
        );
        let before = d.body().to_string();
        assert!(
            !before.contains("{{<") && before.contains("(db/ü.md"),
            "{before}"
        );
        d.release();
        assert!(d.shown.is_none(), "the copy is let go");
        assert_eq!(d.shown_body().unwrap(), before);
        let checked = d.with_text(&mapping).unwrap();
        assert_eq!(checked.body(), before, "the rules see what they saw");
        d.restore_text().unwrap();
        assert_eq!(d.body(), before);
    }

    #[test]
    fn shown_edits_give_back_the_shown_text_and_refuse_another() {
        let text = "# Tïtle\n{{< x >}} ü\n";
        let shown = format!("{}\n{} ü\n", " ".repeat(8), " ".repeat(9));
        let edits = ShownEdits::between(text, &shown).unwrap();
        assert_eq!(edits.apply(text.to_string()), Some(shown));
        assert!(ShownEdits::between(text, "short").is_none());
        assert_eq!(edits.apply("tiny".into()), None, "runs past the end");
        // A run written over the middle of a two-byte character leaves no UTF-8.
        let broken = ShownEdits(vec![(3, b" ".to_vec().into())]);
        assert_eq!(broken.apply("# Tïtle".into()), None);
    }

    #[test]
    fn an_unreadable_document_has_nothing_to_release() {
        let mut d =
            Document::unreadable("runbooks/a.md".into(), "a.md".into(), ReadProblem::Binary);
        d.release();
        assert!(!d.is_released());
        assert_eq!(d.shown_body().unwrap(), "");
    }

    #[test]
    fn the_check_reads_a_text_let_go_after_parsing_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = on_disk(dir.path(), TEXT);
        let held = d.with_text(mapping::Mapping::default_ref()).unwrap();
        assert!(
            matches!(held, std::borrow::Cow::Borrowed(_)),
            "nothing to read"
        );
        let tree = d.front_matter.clone();
        d.release();
        assert!(d.is_released() && d.source.is_empty());
        assert!(d.front_matter.as_map().is_some_and(|m| m.is_empty()));
        let checked = d.with_text(mapping::Mapping::default_ref()).unwrap();
        assert_eq!(checked.source.as_str(), TEXT);
        assert!(!checked.is_released());
        assert_eq!(checked.front_matter, tree, "the tree is parsed again");
        assert_eq!(
            checked.field("title").and_then(Node::as_str),
            Some("Disk full")
        );
        assert_eq!(checked.line_of(TEXT.find("Free").unwrap()), 4);
        assert!(d.is_released(), "the copy has the text, the document not");
        d.restore_text().unwrap();
        assert_eq!((d.source.as_str(), d.is_released()), (TEXT, false));
        d.restore_text().unwrap();
        assert_eq!(d.source.as_str(), TEXT, "restoring twice changes nothing");
    }

    #[test]
    fn a_file_edited_between_parsing_and_checking_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = on_disk(dir.path(), TEXT);
        d.release();
        std::fs::write(&d.path, TEXT.replace("df -h", "rm -r")).unwrap();
        let why = d.with_text(mapping::Mapping::default_ref()).unwrap_err();
        assert!(
            why.contains("changed while the lint was checking it"),
            "{why}"
        );
        assert_eq!(d.reread_problem(), Some(why.as_str()));
        assert_eq!(d.restore_text().unwrap_err(), why);
        assert!(d.source.is_empty(), "nothing else is taken for the text");
    }

    /// The tree parsed again for the check is the tree of the first parse, with the reading
    /// settings applied: aliases renamed and converted, the title taken from a heading.
    #[test]
    fn the_check_parses_the_front_matter_again_as_it_was_read() {
        let text =
            "---\nstart_time: 2019-05-01 10:00\ncategories: [db]\n---\n# Disk full\n\nSteps.\n";
        let dir = tempfile::tempdir().unwrap();
        let (mapping, mut d) = on_disk_read_as(
            dir.path(),
            "postmortems/a.md",
            text,
            "[documents]\ntitle_from_heading = true\n\
             [schema.postmortem.aliases]\nstart_time = \"started_at\"\ncategories = \"tags\"\n\
             [schema.postmortem.convert]\nstarted_at = \"timestamp\"\n",
        );
        let tree = d.front_matter.clone();
        assert!(tree.get("started_at").is_some() && tree.get("title").is_some());
        d.release();
        let checked = d.with_text(&mapping).unwrap();
        assert_eq!(checked.front_matter, tree);
        let plain = d.with_text(mapping::Mapping::default_ref()).unwrap();
        assert_ne!(plain.front_matter, tree, "the reading settings are applied");
    }

    #[test]
    fn a_document_released_twice_keeps_what_its_text_was() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = on_disk(dir.path(), TEXT);
        let body = d.body().to_string();
        d.release();
        // The second release must not take the length and CRC of the empty string left in
        // the text's place.
        d.release();
        assert_eq!(d.shown_body().unwrap(), body);
        let checked = d.with_text(mapping::Mapping::default_ref()).unwrap();
        assert_eq!(checked.source.as_str(), TEXT);
    }
}
