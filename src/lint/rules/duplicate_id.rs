use crate::document::Document;
use crate::lint::{CheckContext, Emitter, Meta, Rule, rule_meta};

/// Two documents with the same id or the same page URL.
pub struct DuplicateId;

pub(super) const META: Meta = rule_meta! {
    id: "duplicate-id",
    level: Error,
    reads: [OtherDocuments],
    summary: "Two documents with the same id, or the same page URL.",
};

impl Rule for DuplicateId {
    fn meta(&self) -> &'static Meta {
        &META
    }
    fn check(&self, doc: &Document, ctx: &CheckContext, out: &mut Emitter) {
        if !doc.is_usable() || doc.kind.is_none() {
            return;
        }
        let span = doc
            .field("id")
            .map(|n| n.span.clone())
            .unwrap_or_else(|| doc.opening_line());
        // The other documents among `found`, by the path users see.
        let others_in = |found: &mut dyn Iterator<Item = &Document>| -> Vec<String> {
            found
                .filter(|d| d.rel_path != doc.rel_path)
                .map(|d| d.display_path.clone())
                .collect()
        };
        let others = others_in(&mut ctx.documents_with_id(&doc.id));
        if !others.is_empty() {
            out.emit(
                span.clone(),
                format!("id `{}` is also used by {}", doc.id, others.join(", ")),
                "this id is not unique",
                "give each document its own `id:` (references and links use it); the id defaults to the file name without .md",
            );
        }
        let url = doc.url_path();
        let sharing: Vec<&Document> = ctx.documents_with_url(&url).collect();
        let same_url = others_in(&mut sharing.iter().copied());
        if !same_url.is_empty() {
            // The site gives the page to the first of them by path, whatever the file system's
            // order: say which, so nobody has to guess what the build will show.
            let first = sharing
                .iter()
                .min_by(|a, b| a.rel_path.cmp(&b.rel_path))
                .map_or("", |d| d.display_path.as_str());
            out.emit(
                doc.opening_line(),
                format!(
                    "the page URL {url} is also the URL of {}",
                    same_url.join(", ")
                ),
                "two documents, one page",
                format!(
                    "page URLs come from the file name (a folder's README or index takes the folder's name): rename one of the files; until then only {first} gets the page"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DuplicateId;
    use crate::lint::testing::{POSTMORTEM, RUNBOOK, check};

    #[test]
    fn documents_with_distinct_ids_and_urls_pass() {
        let other = RUNBOOK.replace("id: rb-db-failover", "id: rb-api-restart");
        let found = check(
            &DuplicateId,
            &[
                ("runbooks/db-failover.md", RUNBOOK),
                ("runbooks/api-restart.md", &other),
                ("postmortems/2026-09-20-x.md", POSTMORTEM),
            ],
        );
        assert_eq!(found, []);
    }

    #[test]
    fn both_documents_sharing_an_id_are_reported_at_their_id() {
        let found = check(
            &DuplicateId,
            &[
                ("runbooks/db-failover.md", RUNBOOK),
                ("runbooks/db-failover-old.md", RUNBOOK),
            ],
        );
        assert_eq!(found.len(), 2, "{found:?}");
        for (finding, other) in found.iter().zip([
            "kb/content/runbooks/db-failover-old.md",
            "kb/content/runbooks/db-failover.md",
        ]) {
            assert_eq!(finding.at, "rb-db-failover");
            assert_eq!(
                finding.message,
                format!("id `rb-db-failover` is also used by {other}")
            );
        }
        assert_eq!(found[0].path, "runbooks/db-failover.md");
    }

    /// Without `id:`, the id is the file name: the finding points at the opening `---`.
    #[test]
    fn ids_taken_from_file_names_collide_across_folders() {
        let runbook = RUNBOOK.replace("id: rb-db-failover\n", "");
        let found = check(
            &DuplicateId,
            &[
                ("runbooks/checkout.md", &runbook),
                ("postmortems/checkout.md", POSTMORTEM),
            ],
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].at, "---");
        assert_eq!(
            found[0].message,
            "id `checkout` is also used by kb/content/postmortems/checkout.md"
        );
    }

    #[test]
    fn two_files_with_one_page_url_are_reported() {
        let other = RUNBOOK.replace("id: rb-db-failover", "id: rb-db-failover-eu");
        let found = check(
            &DuplicateId,
            &[
                ("runbooks/db-failover.md", RUNBOOK),
                ("runbooks/eu/db-failover.md", &other),
            ],
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].at, "---");
        assert_eq!(
            found[0].message,
            "the page URL /runbooks/db-failover/ is also the URL of kb/content/runbooks/eu/db-failover.md"
        );
        assert_eq!(found[0].label, "two documents, one page");
    }
}
