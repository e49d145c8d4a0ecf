use crate::document::Document;
use crate::lint::{CheckContext, Emitter, Meta, Rule, rule_meta};

/// A required heading is absent.
pub struct MissingSection;

const META: Meta = rule_meta! {
    id: "missing-section",
    level: Warning,
    reads: [],
    summary: "A heading the document's kind requires is absent (by default, a postmortem's `Timeline`).",
};

impl Rule for MissingSection {
    fn meta(&self) -> &'static Meta {
        &META
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
