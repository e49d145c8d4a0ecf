//! Output formats of `opsbook follow-ups`: one function per format, each returning text.

use std::fmt::Write as _;

use jiff::civil::Date;
use serde::Serialize;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::{Row, Totals};
use crate::term::{Paint, paint};

/// Bumped only when a field is removed or changes meaning; new fields may appear any time.
pub const JSON_VERSION: u32 = 1;

/// How the table looks.
#[derive(Debug, Clone, Copy)]
pub struct TableStyle {
    pub color: bool,
    /// Shorten the action column so each row fits this many columns.
    pub max_width: Option<usize>,
}

const HEADERS: [&str; 6] = ["DUE", "STATUS", "OWNER", "ACTION", "POSTMORTEM", "TICKET"];
const ACTION: usize = 3;

fn status_text(row: &Row) -> String {
    let status = row.status.replace('_', " ");
    if row.overdue {
        format!("{status}, overdue")
    } else {
        status
    }
}

fn or_dash(text: Option<&str>) -> String {
    text.filter(|t| !t.is_empty()).unwrap_or("-").to_string()
}

/// The table's cells of a row, with control characters from documents shown escaped.
fn cells(row: &Row) -> [String; 6] {
    [
        row.due.map_or_else(|| "-".to_string(), |d| d.to_string()),
        status_text(row),
        or_dash(row.owner.as_deref()),
        or_dash(row.action.as_deref()),
        row.postmortem.clone(),
        or_dash(row.ticket.as_deref()),
    ]
    .map(|cell| crate::term::escape_controls(&cell).into_owned())
}

/// Cuts `text` to at most `width` display columns, ending in `…` when cut.
fn truncate(text: &str, width: usize) -> String {
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

/// Aligned columns for people; overdue rows in red and closed ones dimmed when `color`.
pub fn table(rows: &[Row], style: TableStyle) -> String {
    let mut grid: Vec<[String; 6]> = rows.iter().map(cells).collect();
    let mut widths: Vec<usize> = HEADERS.iter().map(|h| h.width()).collect();
    for row in &grid {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.width());
        }
    }
    if let Some(max) = style.max_width {
        let others: usize = widths
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != ACTION)
            .map(|(_, w)| w + 2)
            .sum();
        let room = max.saturating_sub(others).max(20);
        if widths[ACTION] > room {
            widths[ACTION] = room;
            for row in &mut grid {
                row[ACTION] = truncate(&row[ACTION], room);
            }
        }
    }
    let line = |cells: &[String]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(widths[i] - cell.width() + 2));
            }
        }
        text.trim_end().to_string()
    };
    let mut out = String::new();
    let header: Vec<String> = HEADERS.iter().map(|h| h.to_string()).collect();
    let _ = writeln!(out, "{}", paint(style.color, Paint::Bold, &line(&header)));
    for (row, cells) in rows.iter().zip(&grid) {
        let text = line(cells);
        let text = if row.overdue {
            paint(style.color, Paint::Red, &text)
        } else if matches!(row.status.as_str(), "done" | "wont_do") {
            paint(style.color, Paint::Dim, &text)
        } else {
            text
        };
        let _ = writeln!(out, "{text}");
    }
    out
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    today: String,
    follow_ups: &'a [Row],
    summary: Totals,
}

/// A versioned JSON document: `{version, today, follow_ups: [...], summary}`.
pub fn json(rows: &[Row], today: Date) -> String {
    let report = JsonReport {
        version: JSON_VERSION,
        today: today.to_string(),
        follow_ups: rows,
        summary: Totals::of(rows),
    };
    let mut text = serde_json::to_string_pretty(&report).expect("follow-ups serialize");
    text.push('\n');
    text
}

/// RFC 4180 CSV with a header row, one follow-up per line; services joined with `;`.
pub fn csv(rows: &[Row]) -> String {
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let _ = writer.write_record([
        "due",
        "status",
        "overdue",
        "owner",
        "action",
        "ticket",
        "postmortem",
        "title",
        "file",
        "number",
        "severity",
        "services",
    ]);
    for row in rows {
        // Values as written, except control characters (ESC and the like), shown escaped: CSV
        // often goes straight to a terminal.
        let record = [
            row.due.map(|d| d.to_string()).unwrap_or_default(),
            row.status.clone(),
            row.overdue.to_string(),
            row.owner.clone().unwrap_or_default(),
            row.action.clone().unwrap_or_default(),
            row.ticket.clone().unwrap_or_default(),
            row.postmortem.clone(),
            row.title.clone(),
            row.file.clone(),
            row.number.to_string(),
            row.severity.clone().unwrap_or_default(),
            row.services.join(";"),
        ]
        .map(|value| crate::term::escape_controls(&value).into_owned());
        let _ = writer.write_record(record);
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// Text safe inside a Markdown table cell: pipes escaped, line breaks flattened, and
/// characters that would start HTML or emphasis left harmless.
fn md_cell(text: &str) -> String {
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

/// A GitHub-flavoured Markdown table, for a review document or an issue.
pub fn markdown(rows: &[Row]) -> String {
    let mut out = String::from("| Due | Status | Owner | Action | Postmortem | Ticket |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    for row in rows {
        let due = row.due.map_or_else(|| "-".to_string(), |d| d.to_string());
        let status = if row.overdue {
            format!("**{}**", md_cell(&status_text(row)))
        } else {
            md_cell(&status_text(row))
        };
        let _ = writeln!(
            out,
            "| {due} | {status} | {} | {} | {} ({}) | {} |",
            md_cell(&or_dash(row.owner.as_deref())),
            md_cell(&or_dash(row.action.as_deref())),
            md_cell(&row.title),
            md_cell(&row.file),
            md_cell(&or_dash(row.ticket.as_deref())),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(action: &str, overdue: bool) -> Row {
        Row {
            postmortem: "pm".into(),
            title: "Title | with pipe".into(),
            file: "postmortems/pm.md".into(),
            number: 1,
            action: Some(action.into()),
            owner: Some("bob@example.com".into()),
            due: Some("2026-11-01".parse().unwrap()),
            status: "in_progress".into(),
            overdue,
            ticket: None,
            severity: Some("SEV2".into()),
            services: vec!["a".into(), "b".into()],
        }
    }

    #[test]
    fn table_truncates_the_action_to_the_width() {
        let long = "x".repeat(200);
        let text = table(
            &[row(&long, false)],
            TableStyle {
                color: false,
                max_width: Some(100),
            },
        );
        for line in text.lines() {
            assert!(line.width() <= 100, "{line}");
        }
        assert!(text.contains('…'));
    }

    #[test]
    fn table_colours_overdue_rows_only_with_colour() {
        let plain = table(
            &[row("a", true)],
            TableStyle {
                color: false,
                max_width: None,
            },
        );
        assert!(!plain.contains('\x1b'));
        assert!(plain.contains("in progress, overdue"));
        let coloured = table(
            &[row("a", true)],
            TableStyle {
                color: true,
                max_width: None,
            },
        );
        assert!(coloured.contains("\x1b[31m"));
    }

    #[test]
    fn markdown_escapes_cells() {
        let text = markdown(&[row("drop <script> | *now*", true)]);
        assert!(text.contains("drop &lt;script&gt; \\| \\*now\\*"), "{text}");
        assert!(text.contains("Title \\| with pipe"));
        assert!(text.contains("**in progress, overdue**"));
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let text = csv(&[row("a, b \"c\"", false)]);
        assert!(text.contains("\"a, b \"\"c\"\"\""), "{text}");
        assert!(text.contains("a;b"));
    }
}
