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

#[cfg(test)]
mod tests {
    use super::UnreadableFile;
    use crate::document::{Document, ReadProblem};
    use crate::lint::Level;
    use crate::lint::testing::{RUNBOOK, Reported, check, check_documents, config, doc};

    fn unreadable(problem: ReadProblem) -> Reported {
        let docs = [Document::unreadable(
            "runbooks/x.md".into(),
            "kb/content/runbooks/x.md".into(),
            problem,
        )];
        let mut found = check_documents(&UnreadableFile, &config(), &docs);
        assert_eq!(found.len(), 1, "{found:?}");
        found.remove(0)
    }

    #[test]
    fn a_readable_file_passes() {
        assert_eq!(check(&UnreadableFile, &[("runbooks/x.md", RUNBOOK)]), []);
    }

    #[test]
    fn each_problem_says_what_is_wrong_and_what_to_do() {
        let cases = [
            (
                ReadProblem::NotUtf8 { valid_up_to: 7 },
                "not valid UTF-8 (the first bad byte is at offset 7)",
                "save the file as UTF-8",
            ),
            (
                ReadProblem::Binary,
                "looks like a binary file, not Markdown",
                "rename it so it does not end in .md",
            ),
            (
                ReadProblem::TooLarge { size: 6_000_000, limit: 5_242_880 },
                "6000000 bytes, over the 5242880-byte limit",
                "move logs and dumps out of the document",
            ),
            (
                ReadProblem::Io("permission denied".into()),
                "cannot be read: permission denied",
                "check the file's permissions",
            ),
            (
                ReadProblem::Io("is a symlink that leaves the content folder".into()),
                "is a symlink that leaves the content folder",
                "check the file's permissions, or where the symlink points",
            ),
        ];
        for (problem, message, help) in cases {
            let found = unreadable(problem);
            assert_eq!(found.message, message);
            assert!(found.help.starts_with(help), "{}", found.help);
            assert_eq!((found.span, found.level), (0..0, Level::Error));
            assert_eq!(found.label, "cannot read this file");
        }
    }

    /// An ignored path turns every other rule off, not this one.
    #[test]
    fn an_unreadable_file_in_an_ignored_path_is_still_reported() {
        let mut config = config();
        config.lint.ignore = vec!["runbooks/**".into()];
        let docs = [
            Document::unreadable("runbooks/x.md".into(), "kb/content/runbooks/x.md".into(), ReadProblem::Binary),
            doc("runbooks/y.md", "no front matter"),
        ];
        let found = check_documents(&UnreadableFile, &config, &docs);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, "runbooks/x.md");
    }
}
