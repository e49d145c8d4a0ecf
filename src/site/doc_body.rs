//! A document's rendered body cut where the page adds its own parts: a postmortem's follow-ups
//! table goes at the end of the author's own "Follow-ups" section (one heading, the author's
//! words, then the tracked items), or after the body when there is no such section; footnotes
//! stay last either way.

use serde::Serialize;

use crate::document::markdown::Heading;

/// Anchors of the headings that are the author's own follow-ups section.
const FOLLOW_UP_ANCHORS: &[&str] = &[
    "follow-ups",
    "follow-up",
    "followups",
    "follow-up-actions",
    "follow-up-items",
    "action-items",
    "actions",
];

/// Where pulldown-cmark's footnote definitions start.
const FOOTNOTES: &str = "<div class=\"footnote-definition\"";

/// The body in three parts around the follow-ups table.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct BodyParts {
    /// Everything up to the end of the follow-ups section (or up to the footnotes).
    pub before: String,
    /// The rest of the sections after the follow-ups section, when it is not the last.
    pub after: String,
    /// Footnote definitions, shown after the follow-ups table.
    pub notes: String,
    /// The anchor of the author's follow-ups heading, when the body has one: the table goes in
    /// that section, under no heading of its own.
    pub follow_ups_anchor: Option<String>,
}

/// Cuts `html` (rendered from a body whose headings are `toc`) around the follow-ups table.
pub fn split(html: &str, toc: &[Heading]) -> BodyParts {
    let notes_at = html.find(FOOTNOTES).unwrap_or(html.len());
    let (body, notes) = html.split_at(notes_at);
    let section = toc
        .iter()
        .filter(|h| h.level == 2)
        .find(|h| FOLLOW_UP_ANCHORS.contains(&h.anchor.as_str()))
        .and_then(|h| {
            let start = body.find(&format!("<h2 id=\"{}\"", h.anchor))?;
            Some((h.anchor.clone(), start))
        });
    match section {
        Some((anchor, start)) => {
            // The section ends where the next h2 starts.
            let end = body[start + 3..]
                .find("<h2")
                .map_or(body.len(), |i| start + 3 + i);
            BodyParts {
                before: body[..end].to_string(),
                after: body[end..].to_string(),
                notes: notes.to_string(),
                follow_ups_anchor: Some(anchor),
            }
        }
        None => BodyParts {
            before: body.to_string(),
            after: String::new(),
            notes: notes.to_string(),
            follow_ups_anchor: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::markdown;

    fn parts(body: &str) -> BodyParts {
        let rendered = markdown::render(body, &|_| None);
        split(&rendered.html, &rendered.toc)
    }

    #[test]
    fn the_table_goes_at_the_end_of_the_authors_section() {
        let p = parts("## Timeline\n\nt\n\n## Follow-ups\n\nSee below.\n\n## Lessons\n\nl\n");
        assert_eq!(p.follow_ups_anchor.as_deref(), Some("follow-ups"));
        assert!(p.before.contains("Timeline") && p.before.ends_with("<p>See below.</p>\n"));
        assert!(p.after.starts_with("<h2 id=\"lessons\""), "{}", p.after);
        assert!(p.notes.is_empty());
    }

    #[test]
    fn footnotes_come_after_the_table() {
        let p = parts("## Follow-ups\n\nDone[^1].\n\n[^1]: A note.\n");
        assert_eq!(p.follow_ups_anchor.as_deref(), Some("follow-ups"));
        assert!(p.after.is_empty());
        assert!(p.notes.starts_with(FOOTNOTES), "{}", p.notes);
        assert!(p.notes.contains("A note."));
        assert!(!p.before.contains("A note."));
    }

    #[test]
    fn without_a_section_the_body_stays_whole() {
        let p = parts("## Timeline\n\nt\n\n### Follow-ups\n\nnot an h2\n");
        assert_eq!(p.follow_ups_anchor, None);
        assert!(p.before.contains("not an h2"));
        assert!(p.after.is_empty() && p.notes.is_empty());
    }

    #[test]
    fn a_follow_ups_heading_in_code_is_not_a_section() {
        let p = parts("```\n<h2 id=\"follow-ups\">\n```\n\n## Timeline\n");
        assert_eq!(p.follow_ups_anchor, None);
    }
}
