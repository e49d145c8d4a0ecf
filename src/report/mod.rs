//! The report stage: one file per output format. Formats read findings as data.

pub mod diagnostic;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;
pub mod snippet;

use std::ops::Range;

use crate::document::Document;

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let before = &source[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..]
        .trim_start_matches('\u{feff}')
        .chars()
        .count()
        + 1;
    (line, column)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// 1-based line and column (in characters) of a byte offset of a document: [`line_col`]
/// through the document's line index, so only the one line is scanned.
pub fn doc_line_col(doc: &Document, offset: usize) -> (usize, usize) {
    let line = doc.line_of(offset);
    let start = doc.line_starts()[line];
    let (_, column) = line_col(&doc.source[start..], offset.saturating_sub(start));
    (line + 1, column)
}

/// Start and end positions of a span, as (line, column) pairs.
pub fn positions(doc: &Document, span: &Range<usize>) -> ((usize, usize), (usize, usize)) {
    (doc_line_col(doc, span.start), doc_line_col(doc, span.end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column() {
        let src = "ab\ncd\n\u{e9}x";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 4), (2, 2));
        assert_eq!(line_col(src, 8), (3, 2));
        assert_eq!(line_col(src, 100), (3, 3));
        assert_eq!(line_col("\u{feff}ab", 4), (1, 2));
    }
}
