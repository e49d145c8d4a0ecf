//! Which kind each document of a surveyed repository is, and the `[kinds]` globs that say so:
//! a document's own `kind:` first, then the words of its folders, its keys and its headings.

use std::collections::BTreeMap;

use crate::document::{Document, Kind};

/// Folder words that mean a kind.
const POSTMORTEM_WORDS: &[&str] = &[
    "postmortem",
    "post-mortem",
    "post_mortem",
    "incident",
    "outage",
    "retro",
    "rca",
];
const RUNBOOK_WORDS: &[&str] = &["runbook", "playbook", "procedure", "sop", "howto", "how-to"];
/// Headings only a postmortem has.
const POSTMORTEM_HEADINGS: &[&str] = &[
    "timeline",
    "key events",
    "root cause",
    "root causes",
    "impact",
    "lessons learned",
    "what went wrong",
];

/// The kind a document shows signs of, with the sign.
pub fn sign(doc: &Document) -> Option<(Kind, &'static str)> {
    if let Some(kind) = doc.kind {
        return Some((kind, "its `kind:` or folder name"));
    }
    let folders = doc.rel_path.rsplit_once('/').map_or("", |(f, _)| f);
    let folders = folders.to_ascii_lowercase();
    if POSTMORTEM_WORDS.iter().any(|w| folders.contains(w)) {
        return Some((Kind::Postmortem, "the folder name"));
    }
    if RUNBOOK_WORDS.iter().any(|w| folders.contains(w)) {
        return Some((Kind::Runbook, "the folder name"));
    }
    let keys = super::keys::written_keys(doc);
    if keys.iter().any(|k| super::keys::is_incident_time(k)) {
        return Some((Kind::Postmortem, "incident times in the front matter"));
    }
    let postmortem_heading = doc
        .outline
        .headings
        .iter()
        .any(|h| POSTMORTEM_HEADINGS.contains(&h.text.trim().to_ascii_lowercase().as_str()));
    if postmortem_heading {
        return Some((
            Kind::Postmortem,
            "postmortem headings (Timeline, Impact, ...)",
        ));
    }
    None
}

/// A `[kinds]` glob and what it says, with the comment that explains it.
pub struct KindGlob {
    pub glob: String,
    pub kind: Kind,
    pub why: String,
}

/// The top folder of a content-relative path (`""` for a file at the top).
fn top_folder(rel_path: &str) -> &str {
    rel_path.split_once('/').map_or("", |(top, _)| top)
}

/// One glob per top folder, for the kind most of its documents show signs of, then `**` for
/// whatever is left (so every document has a kind, and so a page).
pub fn globs(docs: &[Document]) -> Vec<KindGlob> {
    let mut by_folder: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for doc in docs {
        let entry = by_folder.entry(top_folder(&doc.rel_path)).or_default();
        match sign(doc) {
            Some((Kind::Runbook, _)) => entry.0 += 1,
            Some((Kind::Postmortem, _)) => entry.1 += 1,
            None => entry.2 += 1,
        }
    }
    let mut out = Vec::new();
    let mut left = 0;
    for (folder, (runbooks, postmortems, unknown)) in by_folder {
        let total = runbooks + postmortems + unknown;
        let kind = match (runbooks, postmortems) {
            (0, 0) => {
                left += total;
                continue;
            }
            (r, p) if p > r => Kind::Postmortem,
            _ => Kind::Runbook,
        };
        let signs = runbooks.max(postmortems);
        let glob = if folder.is_empty() {
            "/*".to_string()
        } else {
            format!("{}/**", globset::escape(folder))
        };
        out.push(KindGlob {
            glob,
            kind,
            why: format!(
                "{signs} of {total} documents here look like {kind}s ({})",
                signs_seen(docs, folder)
            ),
        });
    }
    if left > 0 || out.is_empty() {
        out.push(KindGlob {
            glob: "**".into(),
            kind: Kind::Runbook,
            why: format!("{left} documents show no sign of either kind (folder names, incident times, postmortem headings): read as runbooks"),
        });
    }
    out
}

/// The signs the documents of a top folder show, for the comment.
fn signs_seen(docs: &[Document], folder: &str) -> String {
    let mut signs: Vec<&str> = docs
        .iter()
        .filter(|d| top_folder(&d.rel_path) == folder)
        .filter_map(|d| sign(d).map(|(_, why)| why))
        .collect();
    signs.sort_unstable();
    signs.dedup();
    signs.join("; ")
}

/// The kind a document gets from its own `kind:` or else the first glob that matches.
pub fn assigned(doc: &Document, globs: &[KindGlob]) -> Option<Kind> {
    if doc.kind.is_some() {
        return doc.kind;
    }
    globs
        .iter()
        .find(|g| {
            crate::config::reading::path_glob(&g.glob)
                .is_ok_and(|glob| glob.compile_matcher().is_match(&doc.rel_path))
        })
        .map(|g| g.kind)
}
