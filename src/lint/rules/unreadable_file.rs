use crate::document::{Document, ReadProblem};
use crate::lint::{CheckContext, Emitter, Meta, Rule, rule_meta};

/// A file that cannot be read as UTF-8 text.
pub struct UnreadableFile;

pub(super) const META: Meta = rule_meta! {
    id: "unreadable-file",
    level: Error,
    reads: [],
    summary: "A `.md` file that can't be read as text: not UTF-8, binary, too large, unreadable, or a symlink that leaves the content folder or can't be resolved.",
};

impl Rule for UnreadableFile {
    fn meta(&self) -> &'static Meta {
        &META
    }
    fn check(&self, doc: &Document, _ctx: &CheckContext, out: &mut Emitter) {
        let Some(problem) = &doc.read_problem else {
            return;
        };
        let (message, help) = match problem {
            ReadProblem::NotUtf8 { valid_up_to } => (
                format!("not valid UTF-8 (the first bad byte is at offset {valid_up_to})"),
                "save the file as UTF-8 (most editors have an \"encoding\" setting)".to_string(),
            ),
            ReadProblem::Binary => (
                "looks like a binary file, not Markdown".to_string(),
                "rename it so it does not end in .md, or move it out of the content folder"
                    .to_string(),
            ),
            ReadProblem::TooLarge { size, limit } => (
                format!("{size} bytes, over the {limit}-byte limit"),
                "move logs and dumps out of the document and link to them instead".to_string(),
            ),
            ReadProblem::Io(message) => (
                with_verb(message),
                "check the file's permissions, or where the symlink points".to_string(),
            ),
        };
        out.emit(0..0, message, "cannot read this file", help);
    }
}

fn with_verb(message: &str) -> String {
    if message.starts_with("is ") || message.starts_with("cannot ") {
        message.to_string()
    } else {
        format!("cannot be read: {message}")
    }
}
