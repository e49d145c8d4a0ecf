use crate::document::{Document, FrontMatterProblem};
use crate::lint::{CheckContext, Emitter, Meta, Rule, rule_meta};

/// Front matter that is missing, unterminated, not YAML, or not a mapping.
pub struct InvalidFrontMatter;

const META: Meta = rule_meta! {
    id: "invalid-front-matter",
    level: Error,
    reads: [],
    summary: "No front matter, an unterminated `---` block, YAML that doesn't parse (including duplicate keys), front matter that isn't a mapping.",
};

impl Rule for InvalidFrontMatter {
    fn meta(&self) -> &'static Meta {
        &META
    }
    fn check(&self, doc: &Document, _ctx: &CheckContext, out: &mut Emitter) {
        let Some(problem) = &doc.front_matter_problem else {
            return;
        };
        match problem {
            FrontMatterProblem::Missing => out.emit(
                doc.front_matter_block.clone(),
                "no front matter".to_string(),
                "expected a `---` line here",
                "start the file with a `---` line, the YAML fields (kind, title, owner, ...), and another `---` line",
            ),
            FrontMatterProblem::Unterminated { opening } => out.emit(
                opening.clone(),
                "the front matter is never closed".to_string(),
                "this `---` has no closing `---`",
                "add a line with `---` after the last front matter field",
            ),
            FrontMatterProblem::Yaml { message, at } => out.emit(
                at.clone(),
                format!("the front matter is not valid YAML: {message}"),
                message.clone(),
                "fix the YAML syntax here; quote values that contain `: `, `#` or start with `[`, `{`, `*` or `&`",
            ),
            FrontMatterProblem::TooLong { lines, at } => out.emit(
                at.clone(),
                format!(
                    "the front matter is {lines} lines long, over the limit of {}",
                    crate::document::MAX_FRONT_MATTER_LINES
                ),
                "this block is too long to be metadata",
                "keep the front matter to the document's fields; move lists and logs into the body or link to them",
            ),
            FrontMatterProblem::NotAMapping { found, at } => out.emit(
                at.clone(),
                format!("the front matter is {found}, not a mapping of fields"),
                format!("{found}, not `key: value` lines"),
                "write the front matter as `key: value` lines, such as `title: Checkout 5xx after deploy`",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::InvalidFrontMatter;
    use crate::lint::testing::{RUNBOOK, Reported, check};

    fn front_matter(text: &str) -> Vec<Reported> {
        check(&InvalidFrontMatter, &[("runbooks/x.md", text)])
    }

    #[test]
    fn a_mapping_between_two_dashed_lines_passes() {
        assert_eq!(front_matter(RUNBOOK), []);
        assert_eq!(front_matter("\u{feff}---\r\ntitle: T\r\n---\r\nbody\r\n"), []);
    }

    #[test]
    fn a_file_without_front_matter_is_reported_at_its_start() {
        let found = front_matter("# Payments DB failover\n\nSteps.\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].message, "no front matter");
        assert_eq!(found[0].span.start, 0);
        assert_eq!(found[0].label, "expected a `---` line here");
    }

    #[test]
    fn an_unclosed_block_is_reported_at_its_opening_line() {
        let found = front_matter("---\ntitle: T\nowner: me\n\n# Heading\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].at, "---");
        assert_eq!(found[0].span, 0..3);
        assert_eq!(found[0].message, "the front matter is never closed");
    }

    #[test]
    fn yaml_that_does_not_parse_is_reported_where_the_parser_stopped() {
        let found = front_matter("---\ntitle: Checkout: 5xx\nowner: me\n---\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].message.starts_with("the front matter is not valid YAML: "),
            "{}",
            found[0].message
        );
        // On the line of the bad value, not at the start of the file.
        let line_start = "---\n".len();
        let line_end = line_start + "title: Checkout: 5xx".len();
        assert!((line_start..=line_end).contains(&found[0].span.start), "{found:?}");
    }

    #[test]
    fn a_duplicate_key_is_invalid_yaml() {
        let found = front_matter("---\ntitle: A\ntitle: B\n---\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].message,
            "the front matter is not valid YAML: `title` appears twice"
        );
        assert!(found[0].span.start >= "---\ntitle: A\n".len(), "at the second: {found:?}");
    }

    #[test]
    fn front_matter_that_is_not_a_mapping_says_what_it_is() {
        let found = front_matter("---\n- title\n- owner\n---\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].message, "the front matter is a list, not a mapping of fields");
        assert_eq!(found[0].at, "- title", "at its first entry");
    }

    #[test]
    fn front_matter_over_the_line_limit_is_refused() {
        let lines = crate::document::MAX_FRONT_MATTER_LINES + 1;
        let text = format!("---\n{}---\n", "tag: x\n".repeat(lines));
        let found = front_matter(&text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].message.starts_with(&format!("the front matter is {}", lines)),
            "{}",
            found[0].message
        );
    }
}
