//! The report stage: one file per output format. Formats read findings as data.

pub mod diagnostic;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;
pub mod snippet;
pub mod table;

use std::ops::Range;

use crate::alerts::RuleFile;
use crate::document::Document;
use crate::lint::Origin;

/// The files findings are in: the documents and the alert rule files that were checked.
#[derive(Clone, Copy, Default)]
pub struct Sources<'a> {
    pub docs: &'a [Document],
    pub rule_files: &'a [RuleFile],
}

impl<'a> Sources<'a> {
    pub fn new(docs: &'a [Document], rule_files: &'a [RuleFile]) -> Sources<'a> {
        Sources { docs, rule_files }
    }

    /// The file a finding is in; `None` for an origin that is not among these files.
    pub fn file(&self, at: Origin) -> Option<Located<'a>> {
        match at {
            Origin::Document(i) => self.docs.get(i).map(|doc| Located {
                display_path: &doc.display_path,
                source: &doc.source,
                line_starts: doc.line_starts(),
            }),
            Origin::RuleFile(i) => self.rule_files.get(i).map(|file| Located {
                display_path: &file.display_path,
                source: &file.source,
                line_starts: file.line_starts(),
            }),
        }
    }
}

/// Documents alone (the reports of a knowledge base without `[alerts]`).
impl<'a> From<&'a [Document]> for Sources<'a> {
    fn from(docs: &'a [Document]) -> Sources<'a> {
        Sources::new(docs, &[])
    }
}

impl<'a> From<&'a Vec<Document>> for Sources<'a> {
    fn from(docs: &'a Vec<Document>) -> Sources<'a> {
        Sources::new(docs, &[])
    }
}

/// What a lint covered: how many documents and alert rule files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Checked {
    pub documents: usize,
    pub rule_files: usize,
}

/// Documents alone.
impl From<usize> for Checked {
    fn from(documents: usize) -> Checked {
        Checked {
            documents,
            rule_files: 0,
        }
    }
}

/// A file a finding is in, as the reports show it: its path, its text and where its lines
/// start.
#[derive(Clone, Copy)]
pub struct Located<'a> {
    pub display_path: &'a str,
    pub source: &'a str,
    pub line_starts: &'a [usize],
}

impl Located<'_> {
    /// 0-based number of the line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1)
    }

    /// 1-based line and column (in characters) of a byte offset: [`line_col`] through the
    /// line index, so only the one line is scanned.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = self.line_of(offset);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let (_, column) = line_col(
            self.source.get(start..).unwrap_or(""),
            offset.saturating_sub(start),
        );
        (line + 1, column)
    }

    /// Start and end positions of a span, as (line, column) pairs.
    pub fn positions(&self, span: &Range<usize>) -> ((usize, usize), (usize, usize)) {
        (self.line_col(span.start), self.line_col(span.end))
    }
}

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
