//! Tables for people and spreadsheets, shared by the review commands (`opsbook follow-ups`,
//! `opsbook alerts`): aligned columns for the terminal, RFC 4180 CSV, and GitHub-flavoured
//! Markdown. Every cell comes from documents or rule files, so each format escapes it for
//! where it lands (control characters for the terminal and CSV, Markdown and HTML syntax for
//! Markdown).

use std::fmt::Write as _;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::term::{Paint, paint};

/// How the aligned table looks.
#[derive(Debug, Clone, Copy)]
pub struct TableStyle {
    pub color: bool,
    /// Shorten the flexible column so each row fits this many columns.
    pub max_width: Option<usize>,
}

/// One row of an aligned table: its cells (as written; control characters are escaped here)
/// and how to paint it on a colour terminal.
pub struct Line {
    pub cells: Vec<String>,
    pub paint: Option<Paint>,
}

/// Cuts `text` to at most `width` display columns, ending in `…` when cut.
pub fn truncate(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Aligned columns under bold `headers`; the column at `flexible` is shortened to fit
/// `style.max_width`.
pub fn aligned(headers: &[&str], lines: &[Line], flexible: usize, style: TableStyle) -> String {
    let mut grid: Vec<Vec<String>> = lines
        .iter()
        .map(|line| {
            line.cells
                .iter()
                .map(|cell| crate::term::escape_controls(cell).into_owned())
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in &grid {
        for (i, cell) in row.iter().enumerate().take(widths.len()) {
            widths[i] = widths[i].max(cell.width());
        }
    }
    if let Some(max) = style.max_width
        && flexible < widths.len()
    {
        let others: usize = widths
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != flexible)
            .map(|(_, w)| w + 2)
            .sum();
        let room = max.saturating_sub(others).max(20);
        if widths[flexible] > room {
            widths[flexible] = room;
            for row in &mut grid {
                if let Some(cell) = row.get_mut(flexible) {
                    *cell = truncate(cell, room);
                }
            }
        }
    }
    let line = |cells: &[String]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            text.push_str(cell);
            if i + 1 < cells.len() {
                let width = widths.get(i).copied().unwrap_or(0);
                text.push_str(&" ".repeat(width.saturating_sub(cell.width()) + 2));
            }
        }
        text.trim_end().to_string()
    };
    let mut out = String::new();
    let header: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    let _ = writeln!(out, "{}", paint(style.color, Paint::Bold, &line(&header)));
    for (row, cells) in lines.iter().zip(&grid) {
        let text = line(cells);
        let text = match row.paint {
            Some(p) => paint(style.color, p, &text),
            None => text,
        };
        let _ = writeln!(out, "{text}");
    }
    out
}

/// RFC 4180 CSV with a header row. Values as written, except control characters (ESC and the
/// like), shown escaped: CSV often goes straight to a terminal.
pub fn csv(headers: &[&str], records: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let _ = writer.write_record(headers);
    for record in records {
        let record: Vec<String> = record
            .iter()
            .map(|value| crate::term::escape_controls(value).into_owned())
            .collect();
        let _ = writer.write_record(record);
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// Text safe inside a Markdown table cell: pipes escaped, line breaks flattened, and
/// characters that would start HTML or emphasis left harmless.
pub fn md_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\r' | '\n' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if crate::term::is_terminal_control(c) => {
                out.push_str(&crate::term::escape_controls(c.encode_utf8(&mut [0; 4])))
            }
            '*' | '_' | '`' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A GitHub-flavoured Markdown table; `rows` hold Markdown already (cells escaped with
/// [`md_cell`], plus any markup the caller adds).
pub fn markdown(headers: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut out = format!("| {} |\n", headers.join(" | "));
    out.push_str(&format!("|{}\n", "---|".repeat(headers.len())));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flexible_column_is_cut_to_the_width() {
        let lines = [Line {
            cells: vec!["a".into(), "x".repeat(200), "\u{1b}[2Jz".into()],
            paint: None,
        }];
        let text = aligned(
            &["A", "TEXT", "C"],
            &lines,
            1,
            TableStyle {
                color: false,
                max_width: Some(80),
            },
        );
        for line in text.lines() {
            assert!(line.width() <= 80, "{line}");
        }
        assert!(text.contains('…'));
        assert!(!text.contains('\u{1b}'), "control characters are escaped");
    }

    #[test]
    fn markdown_cells_and_csv_escape_what_they_must() {
        assert_eq!(md_cell("a|<b>*c*"), "a\\|&lt;b&gt;\\*c\\*");
        let text = markdown(&["X", "Y"], [vec!["1".to_string(), md_cell("a|b")]]);
        assert_eq!(text, "| X | Y |\n|---|---|\n| 1 | a\\|b |\n");
        let text = csv(&["a"], [vec!["x, \"y\"".to_string()]]);
        assert_eq!(text, "a\r\n\"x, \"\"y\"\"\"\r\n");
    }
}
