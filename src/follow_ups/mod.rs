//! Follow-ups, in one place: what open and overdue mean ([`Standing`], used by the
//! `follow-up-overdue` rule, the site and `opsbook follow-ups`), the rows of
//! `opsbook follow-ups` (every follow-up of every postmortem, filtered and sorted by due date,
//! for the weekly review; [`format`](mod@format) prints them) and the site's tracker page ([`tracker`]).
//! A follow-up's fields are read from the front matter in `document::meta`.

pub mod format;
pub mod tracker;

use jiff::civil::Date;
use serde::Serialize;

use crate::document::{Document, Kind};

/// The statuses someone still has to act on: what `opsbook follow-ups` shows without
/// `--status`, and the only ones that can be overdue.
pub const OPEN_STATUSES: &[&str] = &["open", "in_progress"];

/// The status of a follow-up that gives none.
pub const DEFAULT_STATUS: &str = "open";

/// The statuses in the order lists and filters show them; others sort after.
pub const STATUS_ORDER: &[&str] = &["open", "in_progress", "done", "wont_do"];

/// Where a follow-up stands on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// Its status is one of [`OPEN_STATUSES`].
    pub open: bool,
    /// Days since its due date, when it is open and due before the date; else `None`.
    pub days_overdue: Option<i32>,
}

impl Standing {
    pub fn of(status: &str, due: Option<Date>, today: Date) -> Standing {
        let open = OPEN_STATUSES.contains(&status);
        let days_overdue = due
            .filter(|due| open && *due < today)
            .map(|due| (today - due).get_days());
        Standing { open, days_overdue }
    }

    pub fn overdue(&self) -> bool {
        self.days_overdue.is_some()
    }
}

/// One follow-up, with the postmortem it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The postmortem's id.
    pub postmortem: String,
    /// The postmortem's title (its file name when it has none).
    pub title: String,
    /// The postmortem's path relative to the content folder.
    pub file: String,
    /// 1-based position of the follow-up in the postmortem's `follow_ups` list.
    pub number: usize,
    pub action: Option<String>,
    pub owner: Option<String>,
    pub due: Option<Date>,
    pub status: String,
    pub overdue: bool,
    pub ticket: Option<String>,
    pub severity: Option<String>,
    pub services: Vec<String>,
}

/// Which follow-ups to list. Empty `statuses` means every status.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub statuses: Vec<String>,
    pub owner: Option<String>,
    pub service: Option<String>,
    pub overdue: bool,
    pub due_before: Option<Date>,
}

impl Filter {
    pub fn matches(&self, row: &Row) -> bool {
        (self.statuses.is_empty()
            || self
                .statuses
                .iter()
                .any(|s| s.eq_ignore_ascii_case(&row.status)))
            && self.owner.as_deref().is_none_or(|wanted| {
                row.owner
                    .as_deref()
                    .is_some_and(|owner| owner_matches(owner, wanted))
            })
            && self
                .service
                .as_deref()
                .is_none_or(|wanted| row.services.iter().any(|s| s.eq_ignore_ascii_case(wanted)))
            && (!self.overdue || row.overdue)
            && self
                .due_before
                .is_none_or(|limit| row.due.is_some_and(|due| due < limit))
    }
}

/// `bob`, `Bob@Example.com` and `bob@example.com` all name `bob@example.com`.
fn owner_matches(owner: &str, wanted: &str) -> bool {
    owner.eq_ignore_ascii_case(wanted)
        || owner
            .split_once('@')
            .is_some_and(|(local, _)| !wanted.contains('@') && local.eq_ignore_ascii_case(wanted))
}

/// Every follow-up of every readable postmortem, in document order.
pub fn collect(docs: &[Document], today: Date) -> Vec<Row> {
    let mut rows = Vec::new();
    for doc in docs {
        if !doc.is_usable() || doc.kind != Some(Kind::Postmortem) {
            continue;
        }
        let meta = doc.meta();
        for (index, follow_up) in meta.follow_ups.iter().enumerate() {
            rows.push(Row {
                postmortem: doc.id.clone(),
                title: meta.title.clone().unwrap_or_else(|| doc.slug.clone()),
                file: doc.rel_path.clone(),
                number: index + 1,
                action: follow_up.action.clone(),
                owner: follow_up.owner.clone(),
                due: follow_up.due,
                status: follow_up.status.clone(),
                overdue: follow_up.standing(today).overdue(),
                ticket: follow_up.ticket.clone(),
                severity: meta.severity.clone(),
                services: meta.services.clone(),
            });
        }
    }
    rows
}

/// The rows `filter` keeps, soonest due first; follow-ups without a due date come last.
/// Ties keep document order (file, then position in the file).
pub fn select(rows: Vec<Row>, filter: &Filter) -> Vec<Row> {
    let mut rows: Vec<Row> = rows.into_iter().filter(|r| filter.matches(r)).collect();
    rows.sort_by(|a, b| {
        let key = |r: &Row| (r.due.is_none(), r.due);
        key(a)
            .cmp(&key(b))
            .then_with(|| a.file.cmp(&b.file))
            .then_with(|| a.number.cmp(&b.number))
    });
    rows
}

/// Counts for the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub follow_ups: usize,
    pub overdue: usize,
    pub postmortems: usize,
}

impl Totals {
    pub fn of(rows: &[Row]) -> Totals {
        let mut files: Vec<&str> = rows.iter().map(|r| r.file.as_str()).collect();
        files.sort_unstable();
        files.dedup();
        Totals {
            follow_ups: rows.len(),
            overdue: rows.iter().filter(|r| r.overdue).count(),
            postmortems: files.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn postmortem(name: &str, front_matter: &str) -> Document {
        let rel = format!("postmortems/{name}.md");
        Document::parse(
            rel.clone(),
            rel.into(),
            Arc::new(format!("---\n{front_matter}---\n")),
        )
    }

    fn today() -> Date {
        "2026-11-25".parse().unwrap()
    }

    fn docs() -> Vec<Document> {
        vec![
            postmortem(
                "a",
                "title: A\nservices: [checkout-web]\nfollow_ups:\n  - {action: later, owner: bob@example.com, due: 2026-12-20}\n  - {action: no date, owner: carol@example.com}\n  - {action: late, owner: Bob@Example.com, due: 2026-11-01}\n",
            ),
            postmortem(
                "b",
                "title: B\nservices: [payments-api]\nfollow_ups:\n  - {action: closed, owner: bob@example.com, due: 2026-10-01, status: done}\n  - {action: soon, owner: dan@example.com, due: 2026-11-30, status: in_progress}\n",
            ),
            Document::parse(
                "runbooks/r.md".into(),
                "runbooks/r.md".into(),
                Arc::new("---\nfollow_ups: [{action: not a postmortem}]\n---\n".to_string()),
            ),
        ]
    }

    fn actions(rows: &[Row]) -> Vec<&str> {
        rows.iter()
            .map(|r| r.action.as_deref().unwrap_or(""))
            .collect()
    }

    #[test]
    fn sorted_by_due_date_with_undated_last() {
        let rows = select(collect(&docs(), today()), &Filter::default());
        assert_eq!(
            actions(&rows),
            ["closed", "late", "soon", "later", "no date"]
        );
        assert!(rows[1].overdue && !rows[0].overdue);
        assert_eq!(rows[1].number, 3);
    }

    #[test]
    fn filters_combine() {
        let all = collect(&docs(), today());
        let by = |filter: Filter| actions(&select(all.clone(), &filter)).join(",");
        let open = || OPEN_STATUSES.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            by(Filter {
                statuses: open(),
                ..Filter::default()
            }),
            "late,soon,later,no date"
        );
        assert_eq!(
            by(Filter {
                statuses: vec!["done".into()],
                ..Filter::default()
            }),
            "closed"
        );
        assert_eq!(
            by(Filter {
                owner: Some("bob".into()),
                ..Filter::default()
            }),
            "closed,late,later"
        );
        assert_eq!(
            by(Filter {
                owner: Some("BOB@example.com".into()),
                statuses: open(),
                ..Filter::default()
            }),
            "late,later"
        );
        assert_eq!(
            by(Filter {
                service: Some("payments-api".into()),
                ..Filter::default()
            }),
            "closed,soon"
        );
        assert_eq!(
            by(Filter {
                overdue: true,
                ..Filter::default()
            }),
            "late"
        );
        assert_eq!(
            by(Filter {
                due_before: Some("2026-12-01".parse().unwrap()),
                ..Filter::default()
            }),
            "closed,late,soon"
        );
    }

    #[test]
    fn totals_count_postmortems_once() {
        let rows = collect(&docs(), today());
        assert_eq!(
            Totals::of(&rows),
            Totals {
                follow_ups: 5,
                overdue: 1,
                postmortems: 2
            }
        );
    }
}
