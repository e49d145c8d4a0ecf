use crate::document::{Document, ReadProblem};
use crate::lint::{CheckContext, Emitter, Level, Rule};

/// A file that cannot be read as UTF-8 text.
pub struct UnreadableFile;

impl Rule for UnreadableFile {
    fn id(&self) -> &'static str {
        "unreadable-file"
    }
    fn explanation(&self) -> &'static str {
        super::explanation!("unreadable-file")
    }
    fn default_level(&self) -> Level {
        Level::Error
    }
    fn summary(&self) -> &'static str {
        "a file that cannot be read as text: not UTF-8, binary, too large, unreadable, or a symlink leaving the content folder"
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
            ReadProblem::NotAFile(_) => (
                problem.to_string(),
                "opsbook reads only regular files: remove it, or rename it so it does not end in .md"
                    .to_string(),
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
