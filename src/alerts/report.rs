//! `opsbook alerts`: the alerts and the runbooks that answer them, for a weekly review. The
//! judgements are those of the lint ([`Coverage`], [`Verdict`]); this only lays them out, one
//! row per alert definition, runbook without alerts, or unknown alert a runbook lists.

use serde::Serialize;

use super::AlertRules;
use super::coverage::{Coverage, Verdict, knows_every_alert, listed_alerts};
use crate::config::Config;
use crate::document::{Document, Kind};
use crate::report::table::{self, Line, TableStyle, md_cell};
use crate::term::Paint;

/// Bumped only when a field is removed or changes meaning; new fields may appear any time.
pub const JSON_VERSION: u32 = 1;

/// What a row says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// An alert no runbook answers.
    NoRunbook,
    /// An alert whose runbook URL leads nowhere on the site.
    BrokenUrl,
    /// A runbook lists an alert no rule file defines.
    UnknownAlert,
    /// A runbook that no alert leads to.
    NoAlerts,
    /// An alert a runbook answers.
    Answered,
    /// An alert whose runbook is on another site.
    Elsewhere,
    /// An alert whose runbook URL is known only when it fires.
    Unchecked,
    /// An alert in `[alerts] exempt`.
    Exempt,
}

impl State {
    pub fn is_problem(self) -> bool {
        self <= State::NoAlerts
    }

    fn label(self) -> &'static str {
        match self {
            State::NoRunbook => "no runbook",
            State::BrokenUrl => "broken url",
            State::UnknownAlert => "unknown alert",
            State::NoAlerts => "no alerts",
            State::Answered => "ok",
            State::Elsewhere => "elsewhere",
            State::Unchecked => "unchecked",
            State::Exempt => "exempt",
        }
    }
}

/// One row of the review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub state: State,
    /// The alert's name (empty for a runbook without alerts).
    pub alert: String,
    /// The alert's severity label.
    pub severity: String,
    /// Where: the rule file of an alert, or the runbook, as diagnostics name them.
    pub file: String,
    pub line: usize,
    /// Ids of the runbooks that answer the alert (or the runbook of the row).
    pub runbooks: Vec<String>,
    pub detail: String,
}

/// Every row: problems first (by kind, then alert), then the answered alerts.
pub fn rows(docs: &[Document], rules: &AlertRules, config: &Config) -> Vec<Row> {
    let coverage = Coverage::new(docs, rules, config);
    let mut rows = Vec::new();
    let mut answering: Vec<bool> = vec![false; docs.len()];
    for (_, file, alert) in rules.alerts() {
        let status = coverage.status(alert);
        let runbooks = status.runbooks();
        for &i in &runbooks {
            answering[i] = true;
        }
        let (state, detail) = match status.verdict(&alert.name.value, config) {
            Verdict::Answered => (State::Answered, String::new()),
            Verdict::Exempt => (State::Exempt, String::new()),
            Verdict::Elsewhere => (
                State::Elsewhere,
                status.expanded.clone().unwrap_or_default(),
            ),
            Verdict::Unchecked(why) => (State::Unchecked, why),
            Verdict::NoRunbook(why) => (State::NoRunbook, why),
            Verdict::BrokenUrl { problem, .. } => {
                (State::BrokenUrl, format!("runbook URL {problem}"))
            }
        };
        let line = file
            .line_starts()
            .partition_point(|&s| s <= alert.name.span.start);
        rows.push(Row {
            state,
            alert: alert.name.value.clone(),
            severity: alert
                .severity
                .as_ref()
                .map(|s| s.value.clone())
                .unwrap_or_default(),
            file: file.display_path.clone(),
            line,
            runbooks: runbooks.iter().map(|&i| docs[i].id.clone()).collect(),
            detail,
        });
    }
    rows.extend(runbook_rows(docs, rules, config, &answering));
    rows.sort_by(|a, b| {
        (a.state, &a.alert, &a.file, a.line).cmp(&(b.state, &b.alert, &b.file, b.line))
    });
    rows
}

/// The rows of runbooks: the unknown alerts they list, and those no alert leads to.
fn runbook_rows(
    docs: &[Document],
    rules: &AlertRules,
    config: &Config,
    answering: &[bool],
) -> Vec<Row> {
    let check_names = knows_every_alert(config, rules);
    let mut rows = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        if doc.kind != Some(Kind::Runbook) || !doc.is_usable() {
            continue;
        }
        let row = |state, alert: &str, offset: usize, detail: String| Row {
            state,
            alert: alert.to_string(),
            severity: String::new(),
            file: doc.display_path.clone(),
            line: doc.line_of(offset) + 1,
            runbooks: vec![doc.id.clone()],
            detail,
        };
        let items = doc.field("alerts").and_then(|n| n.as_seq()).unwrap_or(&[]);
        for item in items.iter().filter(|_| check_names) {
            if let Some(name) = item.as_str().map(str::trim)
                && !name.is_empty()
                && !rules.defines(name)
            {
                let detail = "no rule file defines it".to_string();
                rows.push(row(State::UnknownAlert, name, item.span.start, detail));
            }
        }
        let deprecated = doc.field("status").and_then(|s| s.as_str()) == Some("deprecated");
        if listed_alerts(doc).next().is_none() && !answering[i] && !deprecated {
            let detail = "no alert leads here: list the alerts it answers in `alerts:`".to_string();
            rows.push(row(
                State::NoAlerts,
                "",
                doc.front_matter_block.start,
                detail,
            ));
        }
    }
    rows
}

/// How many rows of each kind of problem.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub alerts: usize,
    pub answered: usize,
    pub no_runbook: usize,
    pub broken_url: usize,
    pub unknown_alert: usize,
    pub no_alerts: usize,
}

impl Totals {
    pub fn of(rows: &[Row]) -> Totals {
        let mut totals = Totals::default();
        for row in rows {
            let count = |state| usize::from(row.state == state);
            totals.alerts +=
                usize::from(!matches!(row.state, State::UnknownAlert | State::NoAlerts));
            totals.answered += count(State::Answered);
            totals.no_runbook += count(State::NoRunbook);
            totals.broken_url += count(State::BrokenUrl);
            totals.unknown_alert += count(State::UnknownAlert);
            totals.no_alerts += count(State::NoAlerts);
        }
        totals
    }
}

const HEADERS: [&str; 6] = ["STATE", "ALERT", "SEVERITY", "WHERE", "RUNBOOKS", "DETAIL"];
const DETAIL: usize = 5;

fn cells(row: &Row) -> Vec<String> {
    let or_dash = |s: &str| {
        if s.is_empty() {
            "-".to_string()
        } else {
            s.to_string()
        }
    };
    vec![
        row.state.label().to_string(),
        or_dash(&row.alert),
        or_dash(&row.severity),
        format!("{}:{}", row.file, row.line),
        or_dash(&row.runbooks.join(", ")),
        or_dash(&row.detail),
    ]
}

/// Aligned columns for people; problems in red when `color`.
pub fn table(rows: &[Row], style: TableStyle) -> String {
    let lines: Vec<Line> = rows
        .iter()
        .map(|row| Line {
            cells: cells(row),
            paint: row.state.is_problem().then_some(Paint::Red),
        })
        .collect();
    table::aligned(&HEADERS, &lines, DETAIL, style)
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    rows: &'a [Row],
    summary: Totals,
}

/// A versioned JSON document: `{version, rows: [...], summary}`.
pub fn json(rows: &[Row], summary: Totals) -> String {
    let report = JsonReport {
        version: JSON_VERSION,
        rows,
        summary,
    };
    let mut text = serde_json::to_string_pretty(&report).expect("rows serialize");
    text.push('\n');
    text
}

/// RFC 4180 CSV with a header row; runbook ids joined with `;`.
pub fn csv(rows: &[Row]) -> String {
    let headers = [
        "state", "alert", "severity", "file", "line", "runbooks", "detail",
    ];
    let records = rows.iter().map(|row| {
        vec![
            row.state.label().to_string(),
            row.alert.clone(),
            row.severity.clone(),
            row.file.clone(),
            row.line.to_string(),
            row.runbooks.join(";"),
            row.detail.clone(),
        ]
    });
    table::csv(&headers, records)
}

/// A GitHub-flavoured Markdown table, for the weekly review.
pub fn markdown(rows: &[Row]) -> String {
    let headers = ["State", "Alert", "Severity", "Where", "Runbooks", "Detail"];
    let rows = rows.iter().map(|row| {
        let state = md_cell(row.state.label());
        let cell = |s: &str| {
            if s.is_empty() {
                "-".to_string()
            } else {
                md_cell(s)
            }
        };
        vec![
            if row.state.is_problem() {
                format!("**{state}**")
            } else {
                state
            },
            cell(&row.alert),
            cell(&row.severity),
            md_cell(&format!("{}:{}", row.file, row.line)),
            cell(&row.runbooks.join(", ")),
            cell(&row.detail),
        ]
    });
    table::markdown(&headers, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::RuleFile;
    use std::sync::Arc;

    fn kb() -> (Vec<Document>, AlertRules, Config) {
        let mut config = Config::default();
        config.alerts.rules = vec!["monitoring/*.yaml".into()];
        config.site.base_url = "https://kb.example.com/".into();
        let doc = |rel: &str, text: &str| {
            Document::parse(
                rel.into(),
                format!("content/{rel}").into(),
                Arc::new(text.into()),
            )
        };
        let docs = vec![
            doc(
                "runbooks/a.md",
                "---\nkind: runbook\ntitle: A\nalerts: [Answered, Gone]\n---\n",
            ),
            doc("runbooks/b.md", "---\nkind: runbook\ntitle: B\n---\n"),
            doc("runbooks/c.md", "---\nkind: runbook\ntitle: C\n---\n"),
        ];
        let rules = "groups:\n- name: g\n  rules:\n  - alert: Answered\n    expr: up\n  - alert: Lonely\n    expr: up\n    labels: {severity: critical}\n  - alert: ViaUrl\n    expr: up\n    annotations: {runbook_url: 'https://kb.example.com/runbooks/c/'}\n  - alert: Broken\n    expr: up\n    annotations: {runbook_url: 'https://kb.example.com/runbooks/x/'}\n";
        let file = RuleFile::parse(
            "monitoring/r.yaml".into(),
            "monitoring/r.yaml".into(),
            Arc::new(rules.into()),
            &config,
        );
        (docs, AlertRules::new(vec![file]), config)
    }

    #[test]
    fn every_problem_gets_a_row_and_problems_come_first() {
        let (docs, rules, config) = kb();
        let rows = rows(&docs, &rules, &config);
        let got: Vec<(State, &str, usize)> = rows
            .iter()
            .map(|r| (r.state, r.alert.as_str(), r.line))
            .collect();
        assert_eq!(
            got,
            [
                (State::NoRunbook, "Lonely", 6),
                (State::BrokenUrl, "Broken", 12),
                (State::UnknownAlert, "Gone", 4),
                (State::NoAlerts, "", 1),
                (State::Answered, "Answered", 4),
                (State::Answered, "ViaUrl", 9),
            ]
        );
        assert_eq!(
            rows[3].file, "content/runbooks/b.md",
            "c.md is answered through a URL"
        );
        let totals = Totals::of(&rows);
        assert_eq!(
            (totals.alerts, totals.answered, totals.no_runbook),
            (4, 2, 1)
        );
    }

    #[test]
    fn the_formats_carry_every_row() {
        let (docs, rules, config) = kb();
        let rows = rows(&docs, &rules, &config);
        let text = table(
            &rows,
            TableStyle {
                color: false,
                max_width: None,
            },
        );
        assert!(text.starts_with("STATE"), "{text}");
        assert!(
            text.contains("no runbook     Lonely    critical  monitoring/r.yaml:6"),
            "{text}"
        );
        assert_eq!(csv(&rows).lines().count(), rows.len() + 1);
        assert!(markdown(&rows).contains("| **no runbook** | Lonely | critical |"));
        let json: serde_json::Value =
            serde_json::from_str(&json(&rows, Totals::of(&rows))).unwrap();
        assert_eq!(json["rows"][0]["state"], "no-runbook");
        assert_eq!(json["summary"]["broken_url"], 1);
    }
}
