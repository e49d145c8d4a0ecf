//! The source text miette quotes under a diagnostic, made safe to print: only the lines
//! around the labels, each long line cut to a window around its label, and every character
//! the terminal would act on shown escaped.
//!
//! miette's graphical handler pads with `{:width$}` up to a label's column, and Rust's
//! formatter panics on widths past 65,535: a finding at column 70,000 crashed `lint`. It also
//! scans a source from its start for every label it reads. A [`Snippet`] holds a few short
//! lines, so neither the width nor the scan can grow with the document, while the line and
//! column numbers shown stay those of the original text.

use std::ops::Range;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::term::{escape_controls, is_terminal_control};

/// Lines of context shown before and after a label.
pub const CONTEXT_LINES: usize = 1;
/// The most characters of one line a snippet shows; a longer line shows a window of this many
/// around its label, with `…` where text was left out.
pub const MAX_LINE_CHARS: usize = 160;
/// How many characters of a cut line the window shows before the label.
const LEAD_CHARS: usize = 40;
/// A label over more lines than this is shown by its first lines only.
pub const MAX_LABEL_LINES: usize = 12;

/// The most characters of a message, label or help printed with a diagnostic: a value quoted
/// in a message can be a whole pasted log.
pub const MAX_TEXT_CHARS: usize = 1_000;

/// `text` as a diagnostic prints it: control characters escaped, and cut after
/// [`MAX_TEXT_CHARS`] characters with a note of how many were left out.
pub fn printable(text: &str) -> String {
    let escaped = escape_controls(text);
    match escaped.char_indices().nth(MAX_TEXT_CHARS) {
        None => escaped.into_owned(),
        Some((cut, _)) => {
            let left_out = escaped[cut..].chars().count();
            format!("{}… ({left_out} more characters)", &escaped[..cut])
        }
    }
}

/// A few lines of a source, ready for miette: see the module documentation.
#[derive(Debug, Clone)]
pub struct Snippet {
    name: String,
    text: String,
    lines: Vec<SnippetLine>,
    /// Where each label starts in `text`, with its line and column in the original.
    label_starts: Vec<(usize, (usize, usize))>,
}

#[derive(Debug, Clone, Copy)]
struct SnippetLine {
    /// Byte offset in the snippet text.
    start: usize,
    /// 0-based line number in the original source.
    number: usize,
    /// 0-based column (in characters) in the original of the snippet line's first character.
    column: usize,
}

/// Whole lines of a source: the text, where it starts in the source, and its first line.
#[derive(Debug, Clone, Copy)]
pub struct Region<'a> {
    pub text: &'a str,
    pub offset: usize,
    /// 0-based.
    pub first_line: usize,
}

impl Snippet {
    /// The snippet of `region` for labels at `spans` (offsets in the original source), and
    /// each span mapped into the snippet.
    pub fn new(
        name: &str,
        region: Region<'_>,
        spans: &[Range<usize>],
    ) -> (Snippet, Vec<Range<usize>>) {
        let mut builder = Builder {
            snippet: Snippet {
                name: escape_controls(name).into_owned(),
                text: String::with_capacity(region.text.len().min(4096)),
                lines: Vec::new(),
                label_starts: Vec::new(),
            },
            spans: spans
                .iter()
                .map(|s| clamp(s, region.offset, region.offset + region.text.len()))
                .collect(),
            mapped: vec![None; spans.len() * 2],
        };
        let mut offset = region.offset;
        for (index, raw) in region.text.split_inclusive('\n').enumerate() {
            builder.push_line(raw, offset, region.first_line + index);
            offset += raw.len();
        }
        let end = builder.snippet.text.len();
        let mapped = (0..spans.len())
            .map(|i| {
                let start = builder.mapped[2 * i].unwrap_or(end);
                let stop = builder.mapped[2 * i + 1].unwrap_or(end);
                start..stop.max(start)
            })
            .collect();
        (builder.snippet, mapped)
    }

    /// 0-based line and column (in characters) in the original of a snippet offset.
    fn position(&self, offset: usize) -> (usize, usize) {
        if let Some((_, position)) = self.label_starts.iter().find(|(o, _)| *o == offset) {
            return *position;
        }
        let index = self
            .lines
            .partition_point(|l| l.start <= offset)
            .saturating_sub(1);
        let Some(line) = self.lines.get(index) else {
            return (0, 0);
        };
        let within = self
            .text
            .get(line.start..offset)
            .map_or(0, |t| t.chars().count());
        (line.number, line.column + within)
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text: &'a str = &self.text;
        let inner = text.read_span(span, context_lines_before, context_lines_after)?;
        let (line, column) = self.position(inner.span().offset());
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            line,
            column,
            inner.line_count(),
        )))
    }
}

fn clamp(span: &Range<usize>, low: usize, high: usize) -> Range<usize> {
    let start = span.start.clamp(low, high);
    start..span.end.clamp(start, high)
}

struct Builder {
    snippet: Snippet,
    /// Label spans in original offsets, clamped to the region.
    spans: Vec<Range<usize>>,
    /// Snippet offsets of each span's start (index 2i) and end (2i + 1), once mapped.
    mapped: Vec<Option<usize>>,
}

impl Builder {
    /// Appends one line (`raw` with its line break, starting at `offset` in the original).
    fn push_line(&mut self, raw: &str, offset: usize, number: usize) {
        let mut content = raw.strip_suffix('\n').unwrap_or(raw);
        content = content.strip_suffix('\r').unwrap_or(content);
        let mut skipped = 0; // bytes before the first character shown (a byte order mark)
        if offset == 0 && content.starts_with('\u{feff}') {
            skipped = '\u{feff}'.len_utf8();
        }
        let chars: Vec<(usize, char)> = content[skipped..]
            .char_indices()
            .map(|(i, c)| (offset + skipped + i, c))
            .collect();
        let window = self.window(&chars, offset, offset + raw.len());
        let text_start = self.snippet.text.len();
        self.snippet.lines.push(SnippetLine {
            start: text_start,
            number,
            column: window.start.saturating_sub(usize::from(window.start > 0)),
        });
        if window.start > 0 {
            self.snippet.text.push('…');
        }
        // Boundaries before the window map to its start.
        self.map_boundaries(
            offset..chars.get(window.start).map_or(offset, |c| c.0),
            None,
        );
        for (index, &(at, c)) in chars[window.clone()].iter().enumerate() {
            self.map_boundaries(at..at + 1, Some((number, window.start + index)));
            if is_terminal_control(c) {
                self.snippet
                    .text
                    .push_str(&escape_controls(c.encode_utf8(&mut [0; 4])));
            } else {
                self.snippet.text.push(c);
            }
        }
        // Boundaries after the window, in the line break, or at the end map to its end.
        let after = chars
            .get(window.end)
            .map_or(offset + content.len(), |c| c.0);
        let line_end = offset + raw.len() + usize::from(!raw.ends_with('\n'));
        self.map_boundaries(after..line_end, Some((number, window.end)));
        if window.end < chars.len() {
            self.snippet.text.push('…');
        }
        self.snippet.text.push('\n');
    }

    /// The characters of a line to show: all of a short line, else a window around the first
    /// label boundary in it.
    fn window(&self, chars: &[(usize, char)], line_start: usize, line_end: usize) -> Range<usize> {
        if chars.len() <= MAX_LINE_CHARS {
            return 0..chars.len();
        }
        let focus = self
            .spans
            .iter()
            .flat_map(|s| [s.start, s.end])
            .find(|b| (line_start..line_end).contains(b))
            .map_or(0, |b| chars.partition_point(|c| c.0 < b));
        let start = focus
            .saturating_sub(LEAD_CHARS)
            .min(chars.len() - MAX_LINE_CHARS);
        start..start + MAX_LINE_CHARS
    }

    /// Maps every label boundary in `original` to the current end of the snippet text;
    /// `position` is the line and column there, for label starts.
    fn map_boundaries(&mut self, original: Range<usize>, position: Option<(usize, usize)>) {
        let here = self.snippet.text.len();
        for (index, span) in self.spans.iter().enumerate() {
            for (slot, boundary) in [(2 * index, span.start), (2 * index + 1, span.end)] {
                if self.mapped[slot].is_none() && original.contains(&boundary) {
                    self.mapped[slot] = Some(here);
                    if slot % 2 == 0
                        && let Some(position) = position
                    {
                        self.snippet.label_starts.push((here, position));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init)] // a slice of one label span, not a range of numbers
mod tests {
    use super::*;

    fn whole(text: &str) -> Region<'_> {
        Region {
            text,
            offset: 0,
            first_line: 0,
        }
    }

    #[test]
    fn printable_text_is_escaped_and_bounded() {
        assert_eq!(printable("a\u{1b}b"), "a\\u{1b}b");
        let long = printable(&"é".repeat(MAX_TEXT_CHARS + 5));
        assert!(long.ends_with("… (5 more characters)"), "{long}");
    }

    #[test]
    fn short_lines_are_kept_and_labels_map_to_the_same_text() {
        let source = "one\ntwo three\nfour\n";
        let (snippet, spans) = Snippet::new("a.md", whole(source), &[8..13]);
        assert_eq!(snippet.text, source);
        assert_eq!(&snippet.text[spans[0].clone()], "three");
        assert_eq!(snippet.position(spans[0].start), (1, 4));
    }

    #[test]
    fn a_long_line_shows_a_window_around_the_label_with_its_real_column() {
        let line = format!("{}[x](nope.md) tail", "x".repeat(70_000));
        let start = line.find('[').unwrap();
        let (snippet, spans) = Snippet::new("a.md", whole(&line), &[start..start + 12]);
        assert!(snippet.text.chars().count() <= MAX_LINE_CHARS + 3);
        assert!(snippet.text.starts_with('…'));
        assert_eq!(&snippet.text[spans[0].clone()], "[x](nope.md)");
        assert_eq!(snippet.position(spans[0].start), (0, 70_000));
    }

    #[test]
    fn control_characters_are_escaped_and_crlf_is_a_line_break() {
        let source = "title: \u{1b}]0;pwned\u{7}\r\nnext\r\n";
        let (snippet, spans) = Snippet::new("a.md", whole(source), &[7..16]);
        assert_eq!(snippet.text, "title: \\u{1b}]0;pwned\\u{7}\nnext\n");
        assert_eq!(&snippet.text[spans[0].clone()], "\\u{1b}]0;pwned");
    }

    #[test]
    fn a_region_keeps_the_original_line_numbers() {
        let region = Region {
            text: "b\nc\n",
            offset: 100,
            first_line: 41,
        };
        let (snippet, spans) = Snippet::new("a.md", region, &[102..103, 50..500]);
        assert_eq!(snippet.position(spans[0].start), (42, 0));
        assert_eq!(spans[1], 0..4);
    }
}
