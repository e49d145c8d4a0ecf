use crate::document::Document;
use crate::lint::{CheckContext, Emitter, Level, Rule};

/// Two documents with the same id or the same page URL.
pub struct DuplicateId;

impl Rule for DuplicateId {
    fn id(&self) -> &'static str {
        "duplicate-id"
    }
    fn explanation(&self) -> &'static str {
        super::explanation!("duplicate-id")
    }
    fn default_level(&self) -> Level {
        Level::Error
    }
    fn summary(&self) -> &'static str {
        "two documents with the same id or the same page URL"
    }
    fn check(&self, doc: &Document, ctx: &CheckContext, out: &mut Emitter) {
        if !doc.is_usable() || doc.kind.is_none() {
            return;
        }
        let span = doc
            .field("id")
            .map(|n| n.span.clone())
            .unwrap_or_else(|| doc.opening_line());
        // The other documents among `indexes`, by the path users see.
        let others_in = |indexes: Option<&Vec<usize>>| -> Vec<&str> {
            indexes
                .into_iter()
                .flatten()
                .map(|&i| &ctx.docs[i])
                .filter(|d| d.rel_path != doc.rel_path)
                .map(|d| d.display_path.as_str())
                .collect()
        };
        let others = others_in(ctx.ids.get(doc.id.as_str()));
        if !others.is_empty() {
            out.emit(
                span.clone(),
                format!("id `{}` is also used by {}", doc.id, others.join(", ")),
                "this id is not unique",
                "give each document its own `id:` (references and links use it); the id defaults to the file name without .md",
            );
        }
        let url = doc.url_path();
        let same_url = others_in(ctx.urls.get(&url));
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
