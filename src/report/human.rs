//! Human output: miette's graphical diagnostics, plain and narrow when not on a terminal.

use std::fmt::Write as _;

use std::collections::HashMap;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, Severity, SourceCode,
};

use super::snippet::{self, Region, Snippet};

use crate::document::Document;
use crate::lint::{Finding, Level, Summary};

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
    fn new(doc: &Document, finding: &'a Finding, secrets: &[std::ops::Range<usize>]) -> Self {
        let source = (!doc.source.is_empty()).then(|| {
            let (text, offset, first_line) = region(doc, &finding.span);
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
                &doc.display_path,
                region,
                std::slice::from_ref(&finding.span),
            );
            (snippet, spans.remove(0))
        });
        FindingDiagnostic {
            finding,
            path: crate::term::escape_controls(&doc.display_path).into_owned(),
            message: snippet::printable(&finding.message),
            label: snippet::printable(&finding.label),
            help: snippet::printable(&finding.help),
            source,
        }
    }
}

/// The whole lines of `doc` that a snippet of `span` shows: the span's lines (at most
/// [`snippet::MAX_LABEL_LINES`]) and [`snippet::CONTEXT_LINES`] on each side. Returns the
/// text, its offset and its first line (0-based).
fn region<'d>(doc: &'d Document, span: &std::ops::Range<usize>) -> (&'d str, usize, usize) {
    let starts = doc.line_starts();
    let first = doc.line_of(span.start);
    let last = doc
        .line_of(span.end.saturating_sub(1).max(span.start))
        .min(first + snippet::MAX_LABEL_LINES - 1);
    let from = first.saturating_sub(snippet::CONTEXT_LINES);
    let to = (last + snippet::CONTEXT_LINES + 1).min(starts.len());
    let start = starts[from];
    let end = starts.get(to).copied().unwrap_or(doc.source.len());
    (&doc.source[start..end], start, from)
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
pub fn render(docs: &[Document], findings: &[Finding], checked: usize, style: Style) -> String {
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
    let mut secrets: HashMap<usize, Vec<std::ops::Range<usize>>> = HashMap::new();
    let mut out = String::new();
    for finding in findings {
        let doc = &docs[finding.doc];
        let doc_secrets: &[std::ops::Range<usize>] = if finding.redact {
            secrets
                .entry(finding.doc)
                .or_insert_with(|| crate::lint::rules::secret_spans(&doc.source))
        } else {
            &[]
        };
        let diagnostic = FindingDiagnostic::new(doc, finding, doc_secrets);
        let _ = handler.render_report(&mut out, &diagnostic);
        out.push('\n');
    }
    let _ = writeln!(out, "{}", summary_line(findings, checked));
    out
}

/// "2 errors and 1 warning in 2 of 24 documents" or "24 documents checked: no problems".
pub fn summary_line(findings: &[Finding], checked: usize) -> String {
    let summary = Summary::of(findings);
    let documents = plural(checked, "document");
    if findings.is_empty() {
        return format!("{documents} checked: no problems found");
    }
    let mut files: Vec<usize> = findings.iter().map(|f| f.doc).collect();
    files.dedup();
    format!(
        "{} and {} in {} of {documents}",
        plural(summary.errors, "error"),
        plural(summary.warnings, "warning"),
        files.len(),
    )
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
