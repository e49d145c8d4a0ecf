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
            let present = doc.outline.headings.iter().any(|h| {
                let text = h.text.trim();
                section
                    .names()
                    .iter()
                    .any(|name| name.trim().eq_ignore_ascii_case(text))
            });
            if present {
                continue;
            }
            let at = doc.body_start.min(doc.source.len());
            let end = doc.source[at..]
                .find(['\r', '\n'])
                .map_or(doc.source.len(), |i| at + i);
            let first = section.first();
            let others: Vec<String> = section.names()[1..]
                .iter()
                .map(|n| format!("`## {n}`"))
                .collect();
            let or_others = if others.is_empty() {
                String::new()
            } else {
                format!(" (or {})", others.join(", "))
            };
            out.emit(
                at..end.max(at),
                format!("no `## {first}` section{or_others}"),
                format!("a {kind} needs a `{first}` section"),
                format!(
                    "add a `## {first}` heading with its content{}",
                    if first.eq_ignore_ascii_case("timeline") {
                        ": what happened when, in UTC, from the first signal to resolution"
                    } else {
                        ""
                    }
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::MissingSection;
    use crate::lint::Level;
    use crate::lint::testing::{POSTMORTEM, RUNBOOK, check, check_with, config};

    #[test]
    fn documents_with_their_sections_pass_whatever_the_case() {
        let lower = POSTMORTEM.replace("## Timeline", "## timeline ");
        let found = check(
            &MissingSection,
            &[("postmortems/x.md", &lower), ("runbooks/x.md", RUNBOOK)],
        );
        assert_eq!(found, []);
    }

    #[test]
    fn a_missing_timeline_is_reported_at_the_first_body_line() {
        let text = POSTMORTEM.replace("## Timeline", "## What happened");
        let found = check(&MissingSection, &[("postmortems/x.md", &text)]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].at, "## Summary");
        assert_eq!(found[0].level, Level::Warning);
        assert_eq!(found[0].message, "no `## Timeline` section");
        assert_eq!(found[0].label, "a postmortem needs a `Timeline` section");
        assert_eq!(
            found[0].help,
            "add a `## Timeline` heading with its content: what happened when, in UTC, from the first signal to resolution"
        );
    }

    /// A configured section is required; in a document with no body the span is empty, at the
    /// end of the text.
    #[test]
    fn sections_come_from_the_configuration() {
        let mut config = config();
        config.schema.runbook.sections = vec!["Verification".into()];
        let text = RUNBOOK.split("---\nUse this").next().unwrap().to_string() + "---\n";
        let found = check_with(&MissingSection, &config, &[("runbooks/x.md", &text)]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].span, text.len()..text.len());
        assert_eq!(found[0].message, "no `## Verification` section");
        assert_eq!(found[0].help, "add a `## Verification` heading with its content");
    }

    /// A section with alternatives is present when any of its headings is; the finding names
    /// them all.
    #[test]
    fn any_alternative_satisfies_a_section() {
        let mut config = config();
        config.schema.postmortem.sections = vec![crate::config::Section::AnyOf(vec![
            "Timeline".into(),
            "Key events".into(),
        ])];
        let keyed = POSTMORTEM.replace("## Timeline", "## Key Events");
        let found = check_with(&MissingSection, &config, &[("postmortems/x.md", &keyed)]);
        assert_eq!(found, []);
        let neither = POSTMORTEM.replace("## Timeline", "## What happened");
        let found = check_with(&MissingSection, &config, &[("postmortems/x.md", &neither)]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].message,
            "no `## Timeline` section (or `## Key events`)"
        );
    }
}
