use crate::document::Document;
use crate::document::links::{self, Broken, Corpus, Resolution, Resolver};
use crate::lint::{CheckContext, Emitter, Level, Rule};

/// A relative link to a missing document, file or #anchor.
pub struct BrokenLink;

impl Rule for BrokenLink {
    fn id(&self) -> &'static str {
        "broken-link"
    }
    fn explanation(&self) -> &'static str {
        super::explanation!("broken-link")
    }
    fn default_level(&self) -> Level {
        Level::Error
    }
    fn summary(&self) -> &'static str {
        "a relative link to a document or file that does not exist, or to a missing #anchor"
    }
    fn check(&self, doc: &Document, ctx: &CheckContext, out: &mut Emitter) {
        if doc.read_problem.is_some() {
            return;
        }
        let corpus = Corpus::new(ctx.docs, &ctx.paths, links::content_root(doc));
        let resolver = Resolver::for_config(ctx.config);
        for link in &doc.outline.links {
            let dest = link.dest.trim();
            let (target, anchor) = match resolver.resolve(&corpus, &doc.rel_path, dest) {
                Resolution::SameDocument {
                    anchor: Some(anchor),
                } => (doc, anchor),
                Resolution::Document {
                    doc: target,
                    anchor: Some(anchor),
                } => (target, anchor),
                Resolution::Broken(broken) => {
                    let (message, label, help) = describe(doc, dest, &broken);
                    out.emit(link.span.clone(), message, label, help);
                    continue;
                }
                _ => continue,
            };
            if has_anchor(target, &anchor) {
                continue;
            }
            let message = if std::ptr::eq(target, doc) {
                format!("link to `#{anchor}`, but this document has no such heading")
            } else {
                format!(
                    "link to `{dest}`, but {} has no heading `#{anchor}`",
                    target.display_path
                )
            };
            out.emit(
                link.span.clone(),
                message,
                "no heading with this anchor",
                anchor_help(target, &anchor),
            );
        }
    }
}

/// The message, label and help of a finding about a link that leads nowhere.
fn describe(doc: &Document, dest: &str, broken: &Broken) -> (String, &'static str, String) {
    // Show paths as the user sees them: with the content folder prefix.
    let prefix = doc.display_path.strip_suffix(&doc.rel_path).unwrap_or("");
    let shown = |path: &str| format!("{prefix}{path}");
    match broken {
        Broken::Outside => (
            format!("link to `{dest}` leaves the content folder"),
            "points outside the content folder",
            "link to documents inside the content folder, or use a full https:// URL".into(),
        ),
        Broken::Undecodable => (
            format!("link to `{dest}`: its %-escapes are not UTF-8 text"),
            "cannot be decoded",
            "write the file name as it is (or with %20 for spaces); `%` followed by two hex digits is one byte of UTF-8".into(),
        ),
        Broken::Missing { path } => (
            format!("link to `{dest}`, but {} does not exist", shown(path)),
            "nothing at this path",
            "fix the path (it is relative to this file), or remove the link if the document was deleted".into(),
        ),
        Broken::NoPage { path, why } => (
            format!("link to `{dest}`, but {} has no page on the site: {why}", shown(path)),
            "its target has no page",
            "fix the problems reported for that document, or link to another one".into(),
        ),
        Broken::Folder { path } => (
            format!(
                "link to the folder `{dest}`, but {} has no {}, {} or {} to show",
                shown(path),
                links::INDEX_FILES[0],
                links::INDEX_FILES[1],
                links::INDEX_FILES[2]
            ),
            "a folder the site has no page for",
            "link to a document in the folder, or add an index document to it".into(),
        ),
        Broken::Unpublishable { path, why } => (
            format!("link to `{dest}`, but the site does not publish {}: {why}", shown(path)),
            "not published with the site",
            "link to a regular file inside the content folder, or use a full https:// URL".into(),
        ),
    }
}

fn has_anchor(doc: &Document, anchor: &str) -> bool {
    doc.outline.headings.iter().any(|h| h.anchor == anchor)
}

fn anchor_help(doc: &Document, anchor: &str) -> String {
    let best = doc
        .outline
        .headings
        .iter()
        .map(|h| (strsim::jaro_winkler(&h.anchor, anchor), h.anchor.as_str()))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((score, best)) if score > 0.7 => format!(
            "did you mean `#{best}`? anchors are headings in lower case, spaces as `-`, punctuation dropped"
        ),
        _ => "link to an existing heading: its anchor is the heading in lower case, spaces as `-`, punctuation dropped".into(),
    }
}
