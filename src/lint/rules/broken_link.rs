use crate::document::Document;
use crate::document::markdown::{is_external, percent_decode, resolve_relative};
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
        for link in &doc.outline.links {
            let dest = link.dest.trim();
            if is_external(dest) || dest.starts_with('/') {
                continue; // Only relative links can be checked from the repository.
            }
            let (path, fragment) = match dest.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (dest, None),
            };
            let path = percent_decode(path.split('?').next().unwrap_or(path));
            if path.is_empty() {
                if let Some(anchor) = fragment.filter(|f| !f.is_empty())
                    && !has_anchor(doc, anchor)
                {
                    out.emit(
                        link.span.clone(),
                        format!("link to `#{anchor}`, but this document has no such heading"),
                        "no heading with this anchor",
                        anchor_help(doc, anchor),
                    );
                }
                continue;
            }
            let Some(target) = resolve_relative(&doc.rel_path, &path) else {
                out.emit(
                    link.span.clone(),
                    format!("link to `{dest}` leaves the content folder"),
                    "points outside the content folder",
                    "link to documents inside the content folder, or use a full https:// URL",
                );
                continue;
            };
            match ctx.document_at(&target) {
                Some(target_doc) => {
                    if let Some(anchor) = fragment.filter(|f| !f.is_empty())
                        && target_doc.read_problem.is_none()
                        && !has_anchor(target_doc, anchor)
                    {
                        out.emit(
                            link.span.clone(),
                            format!(
                                "link to `{dest}`, but {} has no heading `#{anchor}`",
                                target_doc.display_path
                            ),
                            "no heading with this anchor",
                            anchor_help(target_doc, anchor),
                        );
                    }
                }
                None => {
                    // Show the target as the user sees paths: with the content folder prefix.
                    let prefix = doc.display_path.strip_suffix(&doc.rel_path).unwrap_or("");
                    let on_disk = doc
                        .path
                        .parent()
                        .is_some_and(|dir| dir.join(&path).exists());
                    if !on_disk {
                        out.emit(
                            link.span.clone(),
                            format!("link to `{dest}`, but {prefix}{target} does not exist"),
                            "nothing at this path",
                            "fix the path (it is relative to this file), or remove the link if the document was deleted",
                        );
                    }
                }
            }
        }
    }
}

fn has_anchor(doc: &Document, anchor: &str) -> bool {
    doc.outline.headings.iter().any(|h| h.anchor == anchor)
}

fn anchor_help(doc: &Document, anchor: &str) -> String {
    let anchors = doc.outline.headings.iter().map(|h| h.anchor.as_str());
    match super::most_similar(anchor, anchors, 0.7) {
        Some(best) => format!(
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
