use crate::document::Document;
use crate::lint::{CheckContext, Emitter, Level, Rule};

/// A required heading is absent.
pub struct MissingSection;

impl Rule for MissingSection {
    fn id(&self) -> &'static str {
        "missing-section"
    }
    fn explanation(&self) -> &'static str {
        super::explanation!("missing-section")
    }
    fn default_level(&self) -> Level {
        Level::Warning
    }
    fn summary(&self) -> &'static str {
        "a heading the document's kind requires (by default a postmortem's Timeline) is absent"
    }
    fn check(&self, doc: &Document, ctx: &CheckContext, out: &mut Emitter) {
        let (true, Some(kind)) = (doc.is_usable(), doc.kind) else {
            return;
        };
        for section in &ctx.config.schema.for_kind(kind).sections {
            let wanted = section.trim().to_lowercase();
            let present = doc
                .outline
                .headings
                .iter()
                .any(|h| h.text.trim().to_lowercase() == wanted);
            if present {
                continue;
            }
            let at = doc.body_start.min(doc.source.len());
            let end = doc.source[at..]
                .find(['\r', '\n'])
                .map_or(doc.source.len(), |i| at + i);
            out.emit(
                at..end.max(at),
                format!("no `## {section}` section"),
                format!("a {kind} needs a `{section}` section"),
                format!(
                    "add a `## {section}` heading with its content{}",
                    if wanted == "timeline" {
                        ": what happened when, in UTC, from the first signal to resolution"
                    } else {
                        ""
                    }
                ),
            );
        }
    }
}
