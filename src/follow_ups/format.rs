//! Output formats of `opsbook follow-ups`: one function per format, each returning text.

use jiff::civil::Date;
use serde::Serialize;

use super::{Row, Totals};
use crate::report::table::{self, Line, md_cell};
use crate::term::Paint;

pub use crate::report::table::TableStyle;

/// Bumped only when a field is removed or changes meaning; new fields may appear any time.
pub const JSON_VERSION: u32 = 1;

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

/// The table's cells of a row.
fn cells(row: &Row) -> Vec<String> {
    vec![
        row.due.map_or_else(|| "-".to_string(), |d| d.to_string()),
        status_text(row),
        or_dash(row.owner.as_deref()),
        or_dash(row.action.as_deref()),
        row.postmortem.clone(),
        or_dash(row.ticket.as_deref()),
    ]
}

/// Aligned columns for people; overdue rows in red and closed ones dimmed when `color`.
pub fn table(rows: &[Row], style: TableStyle) -> String {
    let lines: Vec<Line> = rows
        .iter()
        .map(|row| Line {
            cells: cells(row),
            paint: if row.overdue {
                Some(Paint::Red)
            } else if matches!(row.status.as_str(), "done" | "wont_do") {
                Some(Paint::Dim)
            } else {
                None
            },
        })
        .collect();
    table::aligned(&HEADERS, &lines, ACTION, style)
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
    let headers = [
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
    ];
    let records = rows.iter().map(|row| {
        vec![
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
    });
    table::csv(&headers, records)
}

/// A GitHub-flavoured Markdown table, for a review document or an issue.
pub fn markdown(rows: &[Row]) -> String {
    let headers = ["Due", "Status", "Owner", "Action", "Postmortem", "Ticket"];
    let rows = rows.iter().map(|row| {
        let due = row.due.map_or_else(|| "-".to_string(), |d| d.to_string());
        let status = if row.overdue {
            format!("**{}**", md_cell(&status_text(row)))
        } else {
            md_cell(&status_text(row))
        };
        vec![
            due,
            status,
            md_cell(&or_dash(row.owner.as_deref())),
            md_cell(&or_dash(row.action.as_deref())),
            format!("{} ({})", md_cell(&row.title), md_cell(&row.file)),
            md_cell(&or_dash(row.ticket.as_deref())),
        ]
    });
    table::markdown(&headers, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_width::UnicodeWidthStr;

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
