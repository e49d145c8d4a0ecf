//! The document parser: bytes -> text (binary and UTF-8 checks) -> front matter + Markdown
//! outline + links, then the body rendered to sanitized HTML and its excerpt, as `build` does.

use std::path::PathBuf;
use std::sync::Arc;

use opsbook::document::{Document, markdown};

fn main() {
    afl::fuzz!(|bytes: &[u8]| {
        let Ok(text) = opsbook::parse::decode(bytes.to_vec()) else {
            return;
        };
        let doc = Document::parse(
            "runbooks/fuzz.md".into(),
            PathBuf::from("content/runbooks/fuzz.md"),
            Arc::new(text),
        );
        let _ = doc.meta();
        let rendered = markdown::render(doc.body(), &|dest| Some(format!("/resolved/{dest}")));
        let _ = markdown::render_with(doc.body(), &|_| None, markdown::RawHtml::Keep);
        let _ = markdown::excerpt(doc.body(), 200);
        drop(rendered);
    });
}
