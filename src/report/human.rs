//! Human output: miette's graphical diagnostics, plain and narrow when not on a terminal.

use std::fmt::Write as _;

use std::collections::HashMap;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, Severity, SourceCode,
};

use super::snippet::{self, Region, Snippet};
use super::{Checked, Located, Sources};

use crate::lint::{Finding, Level, Origin, Summary};

/// How the human report looks.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

impl Style {
    /// Plain Unicode without colour at a fixed width: stable output for files and tests.
    pub fn plain() -> Style {
        Style {
            color: false,
            width: 100,
        }
    }
}

/// One finding as a miette diagnostic, quoting a [`Snippet`] of its document.
struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    path: String,
    message: String,
    label: String,
    help: String,
    /// The snippet and the finding's span in it; `None` for a document without text.
    source: Option<(Snippet, std::ops::Range<usize>)>,
}

impl<'a> FindingDiagnostic<'a> {
    fn new(file: &Located, finding: &'a Finding, secrets: &[std::ops::Range<usize>]) -> Self {
        let source = (!file.source.is_empty()).then(|| {
            let (text, offset, first_line) = region(file, &finding.span);
            let masked;
            let text = if finding.redact {
                masked = mask(text, offset, secrets.iter().chain([&finding.span]));
                masked.as_str()
            } else {
                text
            };
            let region = Region {
                text,
                offset,
                first_line,
            };
            let (snippet, mut spans) = Snippet::new(
                file.display_path,
                region,
                std::slice::from_ref(&finding.span),
            );
            (snippet, spans.remove(0))
        });
        FindingDiagnostic {
            finding,
            path: crate::term::escape_controls(file.display_path).into_owned(),
            message: snippet::printable(&finding.message),
            label: snippet::printable(&finding.label),
            help: snippet::printable(&finding.help),
            source,
        }
    }
}

/// The whole lines of `file` that a snippet of `span` shows: the span's lines (at most
/// [`snippet::MAX_LABEL_LINES`]) and [`snippet::CONTEXT_LINES`] on each side. Returns the
/// text, its offset and its first line (0-based).
fn region<'d>(file: &Located<'d>, span: &std::ops::Range<usize>) -> (&'d str, usize, usize) {
    let starts = file.line_starts;
    let first = file.line_of(span.start);
    let last = file
        .line_of(span.end.saturating_sub(1).max(span.start))
        .min(first + snippet::MAX_LABEL_LINES - 1);
    let from = first.saturating_sub(snippet::CONTEXT_LINES);
    let to = (last + snippet::CONTEXT_LINES + 1).min(starts.len());
    let start = starts.get(from).copied().unwrap_or(0);
    let end = starts.get(to).copied().unwrap_or(file.source.len());
    (file.source.get(start..end).unwrap_or(""), start, from)
}

/// `text` (at `offset` in its document) with every byte of `secrets` that falls in it
/// replaced by `*`, line breaks kept so every offset still points where it did.
fn mask<'s>(
    text: &str,
    offset: usize,
    secrets: impl Iterator<Item = &'s std::ops::Range<usize>>,
) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for secret in secrets {
        let start = secret.start.clamp(offset, offset + text.len()) - offset;
        let end = secret.end.clamp(offset, offset + text.len()) - offset;
        for byte in &mut bytes[start..end] {
            if *byte != b'\n' && *byte != b'\r' {
                *byte = b'*';
            }
        }
    }
    // Whole characters are masked byte for byte; a secret boundary inside a character would
    // leave a broken one, which the lossy conversion shows as a replacement character.
    String::from_utf8_lossy(&bytes).into_owned()
}

impl std::fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        Some(Box::new(self.finding.rule))
    }
    fn severity(&self) -> Option<Severity> {
        Some(match self.finding.level {
            Level::Error => Severity::Error,
            _ => Severity::Warning,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        Some(Box::new(&self.help))
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source
            .as_ref()
            .map(|(snippet, _)| snippet as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let (_, span) = self.source.as_ref()?;
        let label = LabeledSpan::new_primary_with_span(Some(self.label.clone()), span.clone());
        Some(Box::new(std::iter::once(label)))
    }
}

/// Renders every finding, then a summary line.
pub fn render<'a>(
    sources: impl Into<Sources<'a>>,
    findings: &[Finding],
    checked: impl Into<Checked>,
    style: Style,
) -> String {
    let sources = sources.into();
    let checked = checked.into();
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .with_context_lines(snippet::CONTEXT_LINES);
    // The secrets of a document, found once: a finding about one masks them all in its
    // snippet (a neighbouring line may hold another).
    let mut secrets: HashMap<Origin, Vec<std::ops::Range<usize>>> = HashMap::new();
    let mut out = String::new();
    for finding in findings {
        let Some(file) = sources.file(finding.at) else {
            continue;
        };
        let file_secrets: &[std::ops::Range<usize>] = if finding.redact {
            secrets
                .entry(finding.at)
                .or_insert_with(|| crate::lint::rules::secret_spans(file.source))
        } else {
            &[]
        };
        let diagnostic = FindingDiagnostic::new(&file, finding, file_secrets);
        let _ = handler.render_report(&mut out, &diagnostic);
        out.push('\n');
    }
    let _ = writeln!(out, "{}", summary_line(findings, checked));
    out
}

/// "2 errors and 1 warning in 2 of 24 documents" or "24 documents checked: no problems"
/// ("24 documents and 3 rule files" when alert rule files were checked).
pub fn summary_line(findings: &[Finding], checked: impl Into<Checked>) -> String {
    let summary = Summary::of(findings);
    let checked = checked.into();
    let text = checked_text(checked);
    if findings.is_empty() {
        return format!("{text} checked: no problems found");
    }
    let mut files: Vec<Origin> = findings.iter().map(|f| f.at).collect();
    files.sort_unstable();
    files.dedup();
    let problems = format!(
        "{} and {}",
        plural(summary.errors, "error"),
        plural(summary.warnings, "warning")
    );
    match checked.rule_files {
        0 => format!("{problems} in {} of {text}", files.len()),
        n => format!(
            "{problems} in {} of {} files ({text})",
            files.len(),
            checked.documents + n
        ),
    }
}

/// "24 documents", or "24 documents and 3 rule files".
pub fn checked_text(checked: Checked) -> String {
    let documents = plural(checked.documents, "document");
    match checked.rule_files {
        0 => documents,
        n => format!("{documents} and {}", plural(n, "rule file")),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
