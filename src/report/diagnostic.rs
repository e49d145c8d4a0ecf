//! Every error opsbook prints through miette (config errors, build and serve failures, the
//! banner `serve` shows) goes through [`Clipped`]: its source is cut to a [`Snippet`] and its
//! text has control characters escaped, as for lint findings. [`install_hook`] makes it the
//! way every `miette::Report` is printed, so no caller can forget it.

use std::fmt;

use miette::{Diagnostic, LabeledSpan, MietteHandlerOpts, ReportHandler, Severity, SourceCode};

use super::snippet::{self, Region, Snippet};

/// An owned copy of a diagnostic, safe to render: see the module documentation.
#[derive(Debug)]
pub struct Clipped {
    message: String,
    code: Option<String>,
    severity: Option<Severity>,
    help: Option<String>,
    url: Option<String>,
    source: Option<(Snippet, Vec<LabeledSpan>)>,
    cause: Option<Box<Clipped>>,
}

impl Clipped {
    pub fn new(diagnostic: &dyn Diagnostic) -> Clipped {
        let text = |d: &dyn fmt::Display| snippet::printable(&d.to_string());
        let cause = match diagnostic.diagnostic_source() {
            Some(inner) => Some(Box::new(Clipped::new(inner))),
            None => diagnostic.source().map(|e| Box::new(Clipped::plain(e))),
        };
        Clipped {
            message: text(diagnostic),
            code: diagnostic.code().map(|c| text(&c)),
            severity: diagnostic.severity(),
            help: diagnostic.help().map(|h| text(&h)),
            url: diagnostic.url().map(|u| text(&u)),
            source: snippet_of(diagnostic),
            cause,
        }
    }

    /// A plain error in a chain of causes.
    fn plain(error: &(dyn std::error::Error + 'static)) -> Clipped {
        Clipped {
            message: snippet::printable(&error.to_string()),
            code: None,
            severity: None,
            help: None,
            url: None,
            source: None,
            cause: error.source().map(|e| Box::new(Clipped::plain(e))),
        }
    }
}

/// The snippet of a diagnostic's source around its labels, and the labels mapped into it.
/// Labels far from the first one (more than a snippet's worth of lines) are left out.
fn snippet_of(diagnostic: &dyn Diagnostic) -> Option<(Snippet, Vec<LabeledSpan>)> {
    let source = diagnostic.source_code()?;
    let mut labels: Vec<LabeledSpan> = diagnostic.labels()?.collect();
    labels.sort_by_key(|l| (!l.primary(), l.offset()));
    let first = labels.first()?.clone();
    let contents = source
        .read_span(
            first.inner(),
            snippet::CONTEXT_LINES,
            snippet::CONTEXT_LINES,
        )
        .ok()?;
    let text = std::str::from_utf8(contents.data()).ok()?;
    let region = Region {
        text,
        offset: contents.span().offset(),
        first_line: contents.line(),
    };
    let region_end = region.offset + text.len();
    labels.retain(|l| l.offset() >= region.offset && l.offset() + l.len() <= region_end);
    let spans: Vec<_> = labels
        .iter()
        .map(|l| l.offset()..l.offset() + l.len())
        .collect();
    let name = contents.name().unwrap_or_default().to_string();
    let (snippet, mapped) = Snippet::new(&name, region, &spans);
    let labels = labels
        .iter()
        .zip(mapped)
        .map(|(label, span)| {
            let text = label.label().map(snippet::printable);
            if label.primary() {
                LabeledSpan::new_primary_with_span(text, span)
            } else {
                LabeledSpan::new_with_span(text, span)
            }
        })
        .collect();
    Some((snippet, labels))
}

impl fmt::Display for Clipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Clipped {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_deref()
            .map(|c| c as &(dyn std::error::Error + 'static))
    }
}

impl Diagnostic for Clipped {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<Severity> {
        self.severity
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.url
            .as_ref()
            .map(|u| Box::new(u) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|(s, _)| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let (_, labels) = self.source.as_ref()?;
        Some(Box::new(labels.iter().cloned()))
    }
}

/// miette's own handler (graphical on a terminal, with its usual colours and width), fed
/// [`Clipped`] copies of what it is asked to print.
struct ClippingHandler(Box<dyn ReportHandler>);

impl ReportHandler for ClippingHandler {
    fn debug(&self, error: &dyn Diagnostic, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.debug(&Clipped::new(error), f)
    }
}

/// Makes every `miette::Report` print through [`Clipped`]. Called once at start-up; a
/// second call changes nothing.
pub fn install_hook() {
    let _ = miette::set_hook(Box::new(|_| {
        let handler = MietteHandlerOpts::new()
            .context_lines(snippet::CONTEXT_LINES)
            .build();
        Box::new(ClippingHandler(Box::new(handler)))
    }));
}

/// The text of an error without colour, as `serve` shows it in its page banner.
pub fn render_plain(error: &dyn Diagnostic) -> String {
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_context_lines(snippet::CONTEXT_LINES);
    let mut out = String::new();
    let _ = handler.render_report(&mut out, &Clipped::new(error));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error, Diagnostic)]
    #[error("bad value {value}")]
    struct Sample {
        value: String,
        #[source_code]
        source_code: miette::NamedSource<String>,
        #[label("here")]
        span: miette::SourceSpan,
    }

    #[test]
    fn a_label_far_along_a_line_prints_instead_of_panicking() {
        let line = format!("key = \"{}\" x\n", "v".repeat(100_000));
        let at = line.len() - 3;
        let error = Sample {
            value: "\u{1b}[2J".into(),
            source_code: miette::NamedSource::new("opsbook.toml", line),
            span: (at, 1).into(),
        };
        let text = render_plain(&error);
        assert!(text.contains("bad value \\u{1b}[2J"), "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(
            text.contains(&format!("opsbook.toml:1:{}", at + 1)),
            "{text}"
        );
        assert!(text.len() < 2_000, "{} bytes", text.len());
    }
}
