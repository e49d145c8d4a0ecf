//! Splits a document into its front matter block and its Markdown body.
//!
//! Offsets are byte offsets into the original file (including any UTF-8 BOM), so every
//! diagnostic can point into the file exactly as the author sees it.

use std::ops::Range;

/// The language of a front matter block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Between `---` lines (the usual, and opsbook's own).
    Yaml,
    /// Between `+++` lines (Hugo).
    Toml,
}

/// Where the front matter and the body sit in the original file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub format: Format,
    /// The YAML (or TOML) text between the delimiter lines.
    pub yaml: Range<usize>,
    /// The whole block, from the opening `---` to the end of the closing `---` line.
    pub block: Range<usize>,
    /// Where the Markdown body starts.
    pub body_start: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// The file does not start with a `---` line.
    Missing,
    /// The opening `---` has no closing `---` (or `...`) line; the range is the opening line.
    Unterminated(Range<usize>),
}

const BOM: &str = "\u{feff}";

/// Finds the front matter of `source`: a `---` line at the very top (after an optional BOM),
/// then YAML, then a `---` or `...` line; or Hugo's TOML between `+++` lines. LF and CRLF line
/// endings are both accepted.
pub fn split(source: &str) -> Result<Split, SplitError> {
    let start = if source.starts_with(BOM) {
        BOM.len()
    } else {
        0
    };
    let mut lines = Lines::new(source, start);
    let Some(first) = lines.next() else {
        return Err(SplitError::Missing);
    };
    let opening = &source[first.text.clone()];
    let (format, closing): (Format, &[&str]) = if is_delimiter(opening, "---") {
        (Format::Yaml, &["---", "..."])
    } else if is_delimiter(opening, "+++") {
        (Format::Toml, &["+++"])
    } else {
        return Err(SplitError::Missing);
    };
    let yaml_start = first.end;
    for line in lines {
        let text = &source[line.text.clone()];
        if closing.iter().any(|marker| is_delimiter(text, marker)) {
            return Ok(Split {
                format,
                yaml: yaml_start..line.text.start,
                block: first.text.start..line.text.end,
                body_start: line.end,
            });
        }
    }
    Err(SplitError::Unterminated(first.text))
}

fn is_delimiter(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.chars().all(|c| c == ' ' || c == '\t'))
}

struct Line {
    /// The line without its terminator.
    text: Range<usize>,
    /// Just past the terminator.
    end: usize,
}

struct Lines<'a> {
    source: &'a str,
    pos: usize,
}

impl<'a> Lines<'a> {
    fn new(source: &'a str, pos: usize) -> Self {
        Self { source, pos }
    }
}

impl Iterator for Lines<'_> {
    type Item = Line;

    fn next(&mut self) -> Option<Line> {
        if self.pos >= self.source.len() {
            return None;
        }
        let rest = &self.source[self.pos..];
        let (len, terminator) = match rest.find('\n') {
            Some(i) if i > 0 && rest.as_bytes()[i - 1] == b'\r' => (i - 1, 2),
            Some(i) => (i, 1),
            None => (rest.len(), 0),
        };
        let line = Line {
            text: self.pos..self.pos + len,
            end: self.pos + len + terminator,
        };
        self.pos = line.end;
        Some(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml_of(source: &str) -> &str {
        let split = split(source).unwrap();
        &source[split.yaml]
    }

    #[test]
    fn plain_front_matter() {
        let src = "---\ntitle: x\n---\n# Body\n";
        let s = split(src).unwrap();
        assert_eq!(&src[s.yaml.clone()], "title: x\n");
        assert_eq!(&src[s.body_start..], "# Body\n");
        assert_eq!(&src[s.block], "---\ntitle: x\n---");
    }

    #[test]
    fn byte_order_mark_is_skipped_but_offsets_stay_in_the_file() {
        let src = "\u{feff}---\ntitle: x\n---\nbody";
        let s = split(src).unwrap();
        assert_eq!(s.block.start, 3);
        assert_eq!(&src[s.yaml], "title: x\n");
        assert_eq!(&src[s.body_start..], "body");
    }

    #[test]
    fn crlf_line_endings() {
        let src = "---\r\ntitle: x\r\nowner: y\r\n---\r\nbody\r\n";
        assert_eq!(yaml_of(src), "title: x\r\nowner: y\r\n");
        let s = split(src).unwrap();
        assert_eq!(&src[s.body_start..], "body\r\n");
    }

    #[test]
    fn no_front_matter() {
        assert_eq!(split("# Just markdown\n"), Err(SplitError::Missing));
        assert_eq!(split(""), Err(SplitError::Missing));
        assert_eq!(split("\n---\ntitle: x\n---\n"), Err(SplitError::Missing));
        assert_eq!(split("----\n"), Err(SplitError::Missing));
    }

    #[test]
    fn unterminated_front_matter() {
        assert_eq!(
            split("---\ntitle: x\n# Body\n"),
            Err(SplitError::Unterminated(0..3))
        );
        assert_eq!(split("---"), Err(SplitError::Unterminated(0..3)));
    }

    #[test]
    fn empty_front_matter() {
        let src = "---\n---\nbody";
        assert_eq!(yaml_of(src), "");
        assert_eq!(&src[split(src).unwrap().body_start..], "body");
    }

    #[test]
    fn list_front_matter_splits_and_is_left_to_the_yaml_stage() {
        // Splitting does not judge the YAML; the parser reports that it is not a mapping.
        assert_eq!(yaml_of("---\n- a\n- b\n---\n"), "- a\n- b\n");
    }

    #[test]
    fn dots_close_the_block_and_trailing_spaces_are_fine() {
        assert_eq!(yaml_of("--- \ntitle: x\n...\nbody"), "title: x\n");
    }

    #[test]
    fn toml_between_plus_lines() {
        let src = "+++\ntitle = \"x\"\n+++\nbody";
        let s = split(src).unwrap();
        assert_eq!(s.format, Format::Toml);
        assert_eq!(&src[s.yaml], "title = \"x\"\n");
        assert_eq!(&src[s.body_start..], "body");
        assert_eq!(
            split("+++\ntitle = 1\n---\n"),
            Err(SplitError::Unterminated(0..3))
        );
        assert_eq!(
            split("---\ntitle: 1\n+++\n"),
            Err(SplitError::Unterminated(0..3))
        );
    }

    #[test]
    fn closing_line_at_end_of_file_without_newline() {
        let src = "---\ntitle: x\n---";
        let s = split(src).unwrap();
        assert_eq!(s.body_start, src.len());
    }
}
