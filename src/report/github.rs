//! GitHub Actions output: workflow commands that become annotations on the pull request, and
//! a Markdown summary for the job page (GitHub shows only the first annotations of a step, so
//! the summary lists every finding).

use std::fmt::Write as _;

use super::{Checked, Sources};
use crate::lint::{Finding, Level, Summary};

/// Escapes the message part of a workflow command. Control characters are shown escaped
/// first: the runner's log is a terminal of sorts, and ESC sequences from a document must not
/// reach it.
fn escape_data(text: &str) -> String {
    crate::term::escape_controls(text)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=`, `title=`) of a workflow command.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One `::error file=..,line=..::message` line per finding.
pub fn annotations<'a>(sources: impl Into<Sources<'a>>, findings: &[Finding]) -> String {
    let sources = sources.into();
    let mut out = String::new();
    for f in findings {
        let Some(file) = sources.file(f.at) else {
            continue;
        };
        let ((line, col), (end_line, end_col)) = file.positions(&f.span);
        let command = match f.level {
            Level::Error => "error",
            _ => "warning",
        };
        let _ = writeln!(
            out,
            "::{command} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}",
            escape_property(file.display_path),
            escape_property(&format!("opsbook {}", f.rule)),
            escape_data(&format!("{}\nhelp: {}", f.message, f.help)),
        );
    }
    out
}

fn cell(text: &str) -> String {
    crate::term::escape_controls(text)
        .replace('|', "\\|")
        .replace('\n', " ")
}

/// A Markdown report for `$GITHUB_STEP_SUMMARY`.
pub fn step_summary<'a>(
    sources: impl Into<Sources<'a>>,
    findings: &[Finding],
    checked: impl Into<Checked>,
) -> String {
    let sources = sources.into();
    let checked = super::human::checked_text(checked.into());
    let summary = Summary::of(findings);
    let mut out = String::from("## opsbook lint\n\n");
    if findings.is_empty() {
        let _ = writeln!(
            out,
            "{checked} checked: no problems found. :white_check_mark:"
        );
        return out;
    }
    let _ = writeln!(
        out,
        "{} errors and {} warnings in {checked} checked.\n",
        summary.errors, summary.warnings
    );
    out.push_str(
        "| Level | File | Line | Rule | Problem | How to fix |\n|---|---|---|---|---|---|\n",
    );
    for f in findings {
        let Some(file) = sources.file(f.at) else {
            continue;
        };
        let (line, _) = file.line_col(f.span.start);
        let level = match f.level {
            Level::Error => ":x: error",
            _ => ":warning: warning",
        };
        let _ = writeln!(
            out,
            "| {level} | `{}` | {line} | `{}` | {} | {} |",
            cell(file.display_path),
            f.rule,
            cell(&f.message),
            cell(&f.help)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
        assert_eq!(escape_data("x\u{1b}]0;t\u{7}"), "x\\u{1b}]0;t\\u{7}");
        assert_eq!(cell("a|\u{1b}[2J"), "a\\|\\u{1b}[2J");
    }
}
