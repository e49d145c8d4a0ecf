use crate::document::Document;
use crate::lint::{CheckContext, Emitter, Meta, Rule, rule_meta};

/// Two documents with the same id or the same page URL.
pub struct DuplicateId;

const META: Meta = rule_meta! {
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
        let same_url = others_in(&mut ctx.documents_with_url(&url));
        if !same_url.is_empty() {
            out.emit(
                doc.opening_line(),
                format!(
                    "the page URL {url} is also the URL of {}",
                    same_url.join(", ")
                ),
                "two documents, one page",
                "page URLs come from the file name: rename one of the files",
            );
        }
    }
}
