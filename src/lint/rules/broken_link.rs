use crate::document::Document;
use crate::document::links::{self, Broken, Corpus, Resolution, Resolver};
use crate::lint::{CheckContext, Emitter, Meta, Rule, rule_meta};

/// A relative link to a missing document, file or #anchor.
pub struct BrokenLink;

const META: Meta = rule_meta! {
    id: "broken-link",
    level: Error,
    reads: [OtherDocuments],
    summary: "A relative link to a document or file that doesn't exist, or to a missing `#anchor`.",
};

impl Rule for BrokenLink {
    fn meta(&self) -> &'static Meta {
        &META
    }
    fn check(&self, doc: &Document, ctx: &CheckContext, out: &mut Emitter) {
        if doc.read_problem.is_some() {
            return;
        }
        let corpus = Corpus::with_lookup(|path| ctx.document_at(path), links::content_root(doc));
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

#[cfg(test)]
mod tests {
    use super::BrokenLink;
    use crate::lint::testing::{RUNBOOK, Reported, check};

    /// The runbook at runbooks/db-failover.md with `body` appended, beside
    /// runbooks/api/restart.md (headings: Restart, Verify).
    fn links(body: &str) -> Vec<Reported> {
        let linking = format!("{RUNBOOK}\n{body}\n");
        let target = RUNBOOK.replace("id: rb-db-failover", "id: rb-restart")
            + "\n## Restart\n\n## Verify\n";
        check(
            &BrokenLink,
            &[
                ("runbooks/db-failover.md", &linking),
                ("runbooks/api/restart.md", &target),
            ],
        )
    }

    #[test]
    fn links_that_resolve_pass() {
        let found = links(
            "[a](api/restart.md) [b](./api/restart.md#verify) [c](#rollback) \
             [d](https://example.com/x.md) [e](/runbooks/elsewhere/) [f](mailto:x@example.com) \
             [g](api/restart.md?plain=1#restart)",
        );
        assert_eq!(found, []);
    }

    #[test]
    fn a_missing_document_is_reported_at_the_link_with_its_full_path() {
        let found = links("See [the restart runbook](api/restrat.md).");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].at, "[the restart runbook](api/restrat.md)");
        assert_eq!(
            found[0].message,
            "link to `api/restrat.md`, but kb/content/runbooks/api/restrat.md does not exist"
        );
        assert_eq!(found[0].label, "nothing at this path");
    }

    #[test]
    fn a_missing_anchor_in_this_document_suggests_the_closest_heading() {
        let found = links("[back](#rollbak)");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].at, "[back](#rollbak)");
        assert_eq!(
            found[0].message,
            "link to `#rollbak`, but this document has no such heading"
        );
        assert!(found[0].help.starts_with("did you mean `#rollback`?"), "{}", found[0].help);
    }

    #[test]
    fn a_missing_anchor_in_another_document_names_it() {
        let found = links("[verify](api/restart.md#verfy)");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].message,
            "link to `api/restart.md#verfy`, but kb/content/runbooks/api/restart.md has no heading `#verfy`"
        );
        assert!(found[0].help.starts_with("did you mean `#verify`?"), "{}", found[0].help);
    }

    #[test]
    fn a_link_out_of_the_content_folder_is_reported() {
        let found = links("[x](../../README.md)");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].message, "link to `../../README.md` leaves the content folder");
    }
}
