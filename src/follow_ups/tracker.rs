//! The site's follow-ups tracker: every follow-up of every postmortem on one page, built from
//! the site's model (the follow-ups of each document page, with their standing).

use std::collections::BTreeSet;

use serde::Serialize;

use super::STATUS_ORDER;
use crate::document::Kind;
use crate::site::fingerprint::{self, Shared};
use crate::site::model::{DocView, FollowUpView, LinkView, Site};
use crate::site::taxonomy::{TaxonomyKind, TermLink};

/// One row of the tracker.
#[derive(Debug, Clone, Serialize)]
pub struct FollowUpRow {
    pub action: String,
    pub owner: String,
    /// The owner's page, or empty.
    pub owner_url: String,
    pub due: String,
    pub status: String,
    pub ticket: String,
    pub ticket_url: String,
    pub overdue: bool,
    pub days_overdue: i64,
    /// open or in_progress.
    pub is_open: bool,
    /// The postmortem it came from (one link shared by its rows).
    pub postmortem: Shared<LinkView>,
    pub severity: String,
    pub severity_rank: usize,
    pub services: Vec<Shared<TermLink>>,
    /// Service names joined with `|`, for the browser-side filter (`data-services`).
    pub services_key: String,
    /// What the rows are sorted by.
    #[serde(skip)]
    pub due_date: Option<jiff::civil::Date>,
}

/// Counts for the tracker's summary line.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FollowUpCounts {
    pub total: usize,
    pub open: usize,
    pub in_progress: usize,
    pub done: usize,
    pub wont_do: usize,
    pub overdue: usize,
}

#[derive(Debug, Clone)]
pub struct FollowUpTracker {
    /// Overdue first (most overdue first), then open by due date, then closed ones.
    pub rows: Vec<FollowUpRow>,
    pub counts: FollowUpCounts,
    /// Filter choices, sorted.
    pub statuses: Vec<String>,
    pub owners: Vec<String>,
    pub services: Vec<String>,
}

impl Serialize for FollowUpTracker {
    /// Every field; while the page's context is converted for Tera, only those its template
    /// reads. The built-in follow-ups.html reads no `rows`: they are rendered a thousand at a
    /// time by follow-up-rows.html (see `site::render`), since Tera holds every value of a
    /// context at once, and a large knowledge base has hundreds of thousands of rows.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let FollowUpTracker {
            rows,
            counts,
            statuses,
            owners,
            services,
        } = self;
        let read = match fingerprint::purpose() {
            fingerprint::Purpose::Template => fingerprint::fields_read(),
            _ => None,
        };
        let fields = serializer.serialize_struct("FollowUpTracker", 5)?;
        let mut fields = fingerprint::Only {
            fields,
            names: read.as_deref(),
        };
        fields.serialize_field("rows", rows)?;
        fields.serialize_field("counts", counts)?;
        fields.serialize_field("statuses", statuses)?;
        fields.serialize_field("owners", owners)?;
        fields.serialize_field("services", services)?;
        fields.end()
    }
}

/// One follow-up's row; `postmortem` is the link to `doc`, one for all its rows.
fn row(doc: &DocView, postmortem: &Shared<LinkView>, f: &FollowUpView, site: &Site) -> FollowUpRow {
    let owners = site.taxonomy(TaxonomyKind::Owners);
    FollowUpRow {
        action: f.action.clone(),
        owner: f.owner.clone(),
        owner_url: owners.link(&f.owner).map(|l| l.url).unwrap_or_default(),
        due: f.due.clone(),
        status: f.status.clone(),
        ticket: f.ticket.clone(),
        ticket_url: f.ticket_url.clone(),
        overdue: f.overdue,
        days_overdue: f.days_overdue,
        is_open: f.is_open,
        postmortem: postmortem.clone(),
        severity: doc.severity.clone(),
        severity_rank: doc.severity_rank,
        services: doc.service_links.clone(),
        services_key: doc.services.join("|"),
        due_date: f.due_date,
    }
}

/// Every follow-up of every postmortem.
pub fn tracker(site: &Site) -> FollowUpTracker {
    let postmortems = || site.documents.iter().filter(|d| d.kind == Kind::Postmortem);
    // Made at its size: grown by doubling, the rows took up to twice the memory they need.
    let mut rows = Vec::with_capacity(postmortems().map(|d| d.follow_ups.len()).sum());
    let mut counts = FollowUpCounts::default();
    let (mut statuses, mut owners, mut services) =
        (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for doc in postmortems() {
        // One link for the postmortem's rows, converted for the templates once (the tracker
        // of 100,000 documents has 210,000 rows).
        let postmortem = Shared::new(LinkView::to(doc));
        for f in &doc.follow_ups {
            counts.total += 1;
            match f.status.as_str() {
                "open" => counts.open += 1,
                "in_progress" => counts.in_progress += 1,
                "done" => counts.done += 1,
                "wont_do" => counts.wont_do += 1,
                _ => {}
            }
            counts.overdue += usize::from(f.overdue);
            statuses.insert(f.status.clone());
            if !f.owner.is_empty() {
                owners.insert(f.owner.clone());
            }
            services.extend(doc.services.iter().cloned());
            rows.push(row(doc, &postmortem, f, site));
        }
    }
    // Overdue first, then open ones by due date, then closed ones by due date (newest first).
    rows.sort_by(|a, b| {
        let (a_due, b_due) = (a.due_date, b.due_date);
        let group = |r: &FollowUpRow| match (r.overdue, r.is_open) {
            (true, _) => 0,
            (false, true) => 1,
            (false, false) => 2,
        };
        group(a).cmp(&group(b)).then_with(|| match group(a) {
            2 => b_due.cmp(&a_due),
            _ => a_due
                .map_or(i64::MAX, date_key)
                .cmp(&b_due.map_or(i64::MAX, date_key)),
        })
    });
    let mut statuses: Vec<String> = statuses.into_iter().collect();
    statuses.sort_by_key(|s| {
        STATUS_ORDER
            .iter()
            .position(|o| o == s)
            .unwrap_or(STATUS_ORDER.len())
    });
    FollowUpTracker {
        rows,
        counts,
        statuses,
        owners: owners.into_iter().collect(),
        services: services.into_iter().collect(),
    }
}

fn date_key(d: jiff::civil::Date) -> i64 {
    i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
}
