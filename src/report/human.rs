//! Human output: miette's graphical diagnostics, plain and narrow when not on a terminal.

use std::fmt::Write as _;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, Severity,
    SourceCode,
};

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

/// One finding as a miette diagnostic.
struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    path: &'a str,
    source: NamedSource<crate::document::Source>,
    has_source: bool,
}

impl std::fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.finding.message)
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
        Some(Box::new(&self.finding.help))
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.has_source.then_some(&self.source as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if !self.has_source {
            return None;
        }
        let span = &self.finding.span;
        let label = LabeledSpan::new_primary_with_span(
            Some(self.finding.label.clone()),
            span.start..span.end.max(span.start),
        );
        Some(Box::new(std::iter::once(label)))
    }
}

/// The text a snippet is cut from. For a finding about a secret, every secret of the
/// document is masked (a neighbouring line may hold another one), keeping byte offsets.
fn source_for(doc: &Document, finding: &Finding) -> crate::document::Source {
    if !finding.redact {
        return doc.source.clone();
    }
    let mut text = doc.source.to_string();
    let mut spans = crate::lint::rules::secret_spans(&doc.source);
    spans.push(finding.span.clone());
    for span in spans {
        let span = span.start.min(text.len())..span.end.min(text.len());
        // Same number of bytes (line breaks kept), so every offset still points where it did.
        let masked: String = text[span.clone()]
            .bytes()
            .map(|b| {
                if b == b'\n' || b == b'\r' {
                    b as char
                } else {
                    '*'
                }
            })
            .collect();
        text.replace_range(span, &masked);
    }
    std::sync::Arc::new(text)
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
        .with_context_lines(1);
    let mut out = String::new();
    for finding in findings {
        let doc = &docs[finding.doc];
        let diagnostic = FindingDiagnostic {
            finding,
            path: &doc.display_path,
            source: NamedSource::new(&doc.display_path, source_for(doc, finding)),
            has_source: !doc.source.is_empty(),
        };
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
