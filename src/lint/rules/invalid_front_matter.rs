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
