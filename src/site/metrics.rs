//! Incident metrics computed from the postmortems: incidents per month by severity, median
//! time to detect and to restore per quarter, incidents per service, the share of incidents
//! triggered by a deploy, and the age of open follow-ups.
//!
//! Definitions (also in the book):
//! - an incident is a postmortem with a valid `started_at`; months and quarters are UTC;
//! - time to detect = detected_at - started_at, time to restore = resolved_at - started_at;
//!   negative durations (timestamps out of order) are left out;
//! - the median of an even number of values is the mean of the two middle ones;
//! - change-failure share = incidents with `trigger: deploy` / all incidents;
//! - a follow-up's age is the days from its incident's date to today, for follow-ups that are
//!   open or in progress.

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use serde::Serialize;

use super::charts::{self, Columns, Series};
use super::model::{DocView, Site};
use super::taxonomy::TaxonomyKind;
use crate::document::Kind;

/// At most this many months and quarters are shown (the most recent ones).
pub const MAX_MONTHS: usize = 36;
pub const MAX_QUARTERS: usize = 12;

#[derive(Debug, Clone, Serialize)]
pub struct SeverityColumn {
    pub name: String,
    /// CSS class of its bars: `s1` (most severe) ... `s5`, `s0` for a value off the scale.
    pub class: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MonthRow {
    /// `2026-01`.
    pub month: String,
    /// Incidents per severity, in the order of `Metrics::severities`.
    pub counts: Vec<usize>,
    pub total: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuarterRow {
    /// `2026-Q1`.
    pub quarter: String,
    pub incidents: usize,
    /// Incidents with both started_at and detected_at (in order) / resolved_at.
    pub detect_samples: usize,
    pub restore_samples: usize,
    /// Medians in minutes; none without samples.
    pub median_detect_minutes: Option<f64>,
    pub median_restore_minutes: Option<f64>,
    /// The same, for people: "4 min", "1 h 05 min".
    pub median_detect: String,
    pub median_restore: String,
    pub deploy_incidents: usize,
    /// deploy_incidents / incidents, in percent with one decimal; 0 without incidents.
    pub change_failure_percent: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceRow {
    pub service: String,
    pub url: String,
    pub incidents: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangeFailure {
    pub deploy: usize,
    pub incidents: usize,
    pub percent: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AgeBucket {
    pub label: String,
    pub overdue: usize,
    pub not_overdue: usize,
    pub total: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct FollowUpAge {
    /// Open or in-progress follow-ups.
    pub open: usize,
    pub overdue: usize,
    /// Among those with a known age.
    pub median_age_days: Option<f64>,
    pub oldest_days: Option<i64>,
    pub buckets: Vec<AgeBucket>,
    /// Open follow-ups whose postmortem has no started_at (no age).
    pub without_age: usize,
}

/// The SVG of each chart, to insert unescaped.
#[derive(Debug, Clone, Serialize)]
pub struct MetricsCharts {
    pub by_month: String,
    pub time_to_detect: String,
    pub time_to_restore: String,
    pub by_service: String,
    pub change_failure: String,
    pub follow_up_age: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Metrics {
    pub incidents: usize,
    /// Postmortems left out because they have no valid started_at.
    pub without_start: usize,
    pub severities: Vec<SeverityColumn>,
    pub by_month: Vec<MonthRow>,
    pub by_quarter: Vec<QuarterRow>,
    pub by_service: Vec<ServiceRow>,
    pub change_failure: ChangeFailure,
    pub follow_up_age: FollowUpAge,
    /// Overall medians in minutes.
    pub median_detect_minutes: Option<f64>,
    pub median_restore_minutes: Option<f64>,
    pub median_detect: String,
    pub median_restore: String,
    pub charts: MetricsCharts,
}

/// The median; the mean of the two middle values for an even count.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn human_minutes(m: Option<f64>) -> String {
    m.map(|m| {
        super::model::human_duration(jiff::SignedDuration::from_secs((m * 60.0).round() as i64))
    })
    .unwrap_or_default()
}

/// (year, month) -> the next month.
fn next_month((y, m): (i16, i8)) -> (i16, i8) {
    if m == 12 { (y + 1, 1) } else { (y, m + 1) }
}

fn quarter_of((y, m): (i16, i8)) -> (i16, i8) {
    (y, (m - 1) / 3 + 1)
}

fn next_quarter((y, q): (i16, i8)) -> (i16, i8) {
    if q == 4 { (y + 1, 1) } else { (y, q + 1) }
}

/// Every value from `first` to `last` inclusive, the most recent `max` of them.
fn span<T: Copy + Ord>(first: T, last: T, next: fn(T) -> T, max: usize) -> Vec<T> {
    let mut out = vec![first];
    while *out.last().unwrap() < last {
        out.push(next(*out.last().unwrap()));
    }
    let skip = out.len().saturating_sub(max);
    out.split_off(skip)
}

struct Incident {
    month: (i16, i8),
    severity: String,
    services: Vec<String>,
    detect: Option<f64>,
    restore: Option<f64>,
    deploy: bool,
}

/// The incident of each postmortem with a valid `started_at`, and how many have none.
fn incidents_of(postmortems: &[&DocView]) -> (Vec<Incident>, usize) {
    let minutes = |a: Option<jiff::Timestamp>, b: Option<jiff::Timestamp>| -> Option<f64> {
        let secs = b?.duration_since(a?).as_secs_f64();
        (secs >= 0.0).then_some(secs / 60.0)
    };
    let incidents: Vec<Incident> = postmortems
        .iter()
        .filter_map(|d| {
            let started = d.started?;
            let date = started.to_zoned(TimeZone::UTC).date();
            Some(Incident {
                month: (date.year(), date.month()),
                severity: d.severity.clone(),
                services: d.services.clone(),
                detect: minutes(d.started, d.detected),
                restore: minutes(d.started, d.resolved),
                deploy: d.trigger == "deploy",
            })
        })
        .collect();
    let without_start = postmortems.len() - incidents.len();
    (incidents, without_start)
}

/// The severity scale, plus any value off it (such as an empty severity, "unknown").
fn severity_columns(scale: &[String], incidents: &[Incident]) -> Vec<SeverityColumn> {
    let mut severities: Vec<SeverityColumn> = scale
        .iter()
        .enumerate()
        .map(|(i, s)| SeverityColumn {
            name: s.clone(),
            class: format!("s{}", (i + 1).min(5)),
        })
        .collect();
    for incident in incidents {
        let name = severity_name(&incident.severity);
        if !severities.iter().any(|s| s.name == name) {
            severities.push(SeverityColumn {
                name: name.to_string(),
                class: "s0".into(),
            });
        }
    }
    severities
}

fn severity_name(severity: &str) -> &str {
    if severity.is_empty() {
        "unknown"
    } else {
        severity
    }
}

/// The months from the first incident up to this month (gaps filled, the latest MAX_MONTHS).
fn months_of(incidents: &[Incident], today: jiff::civil::Date) -> Vec<(i16, i8)> {
    let today_month = (today.year(), today.month());
    let first = incidents.iter().map(|i| i.month).min();
    let last = incidents.iter().map(|i| i.month).max();
    match (first, last) {
        (Some(first), Some(last)) => span(first, last.max(today_month), next_month, MAX_MONTHS),
        _ => Vec::new(),
    }
}

fn count_by_month(
    months: &[(i16, i8)],
    incidents: &[Incident],
    severities: &[SeverityColumn],
) -> Vec<MonthRow> {
    let mut rows: Vec<MonthRow> = months
        .iter()
        .map(|(y, m)| MonthRow {
            month: format!("{y:04}-{m:02}"),
            counts: vec![0; severities.len()],
            total: 0,
        })
        .collect();
    let position: BTreeMap<(i16, i8), usize> =
        months.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    for incident in incidents {
        let Some(&i) = position.get(&incident.month) else {
            continue;
        };
        let name = severity_name(&incident.severity);
        let column = severities.iter().position(|c| c.name == name).unwrap_or(0);
        rows[i].counts[column] += 1;
        rows[i].total += 1;
    }
    rows
}

fn quarter_rows(months: &[(i16, i8)], incidents: &[Incident]) -> Vec<QuarterRow> {
    let quarters = match (months.first(), months.last()) {
        (Some(&first), Some(&last)) => span(
            quarter_of(first),
            quarter_of(last),
            next_quarter,
            MAX_QUARTERS,
        ),
        _ => Vec::new(),
    };
    quarters
        .iter()
        .map(|&(y, q)| {
            let in_q: Vec<&Incident> = incidents
                .iter()
                .filter(|i| quarter_of(i.month) == (y, q))
                .collect();
            let mut detect: Vec<f64> = in_q.iter().filter_map(|i| i.detect).collect();
            let mut restore: Vec<f64> = in_q.iter().filter_map(|i| i.restore).collect();
            let deploy = in_q.iter().filter(|i| i.deploy).count();
            let median_detect = median(&mut detect);
            let median_restore = median(&mut restore);
            QuarterRow {
                quarter: format!("{y:04}-Q{q}"),
                incidents: in_q.len(),
                detect_samples: detect.len(),
                restore_samples: restore.len(),
                median_detect_minutes: median_detect.map(round1),
                median_restore_minutes: median_restore.map(round1),
                median_detect: human_minutes(median_detect),
                median_restore: human_minutes(median_restore),
                deploy_incidents: deploy,
                change_failure_percent: percent_of(deploy, in_q.len()),
            }
        })
        .collect()
}

/// `part` of `all` in percent with one decimal; 0 when `all` is 0.
fn percent_of(part: usize, all: usize) -> f64 {
    if all == 0 {
        0.0
    } else {
        round1(part as f64 * 100.0 / all as f64)
    }
}

/// Incidents per service, most first; an incident counts once per service it names.
fn service_rows(site: &Site, incidents: &[Incident]) -> Vec<ServiceRow> {
    let services = site.taxonomy(TaxonomyKind::Services);
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for incident in incidents {
        let mut seen = std::collections::HashSet::new();
        for s in &incident.services {
            if seen.insert(s.as_str()) {
                *counts.entry(s.as_str()).or_default() += 1;
            }
        }
    }
    let mut rows: Vec<ServiceRow> = counts
        .into_iter()
        .map(|(service, incidents)| ServiceRow {
            service: service.to_string(),
            url: services.link(service).map(|l| l.url).unwrap_or_default(),
            incidents,
        })
        .collect();
    rows.sort_by(|a, b| {
        b.incidents
            .cmp(&a.incidents)
            .then(a.service.cmp(&b.service))
    });
    rows
}

/// Age groups of open follow-ups: a label and the age in days each group stays below.
const AGE_BUCKETS: [(&str, i64); 5] = [
    ("under 30 days", 30),
    ("30–89 days", 90),
    ("90–179 days", 180),
    ("180–364 days", 365),
    ("a year or more", i64::MAX),
];

fn follow_up_ages(postmortems: &[&DocView], today: jiff::civil::Date) -> FollowUpAge {
    let mut buckets: Vec<AgeBucket> = AGE_BUCKETS
        .iter()
        .map(|(label, _)| AgeBucket {
            label: label.to_string(),
            overdue: 0,
            not_overdue: 0,
            total: 0,
        })
        .collect();
    let (mut open, mut overdue, mut without_age) = (0, 0, 0);
    let mut ages: Vec<f64> = Vec::new();
    for doc in postmortems {
        let incident_date = doc.started.map(|t| t.to_zoned(TimeZone::UTC).date());
        for f in doc.follow_ups.iter().filter(|f| f.is_open) {
            open += 1;
            overdue += usize::from(f.overdue);
            let Some(date) = incident_date else {
                without_age += 1;
                continue;
            };
            let age = i64::from((today - date).get_days()).max(0);
            ages.push(age as f64);
            let b = AGE_BUCKETS
                .iter()
                .position(|(_, below)| age < *below)
                .unwrap_or(AGE_BUCKETS.len() - 1);
            buckets[b].total += 1;
            if f.overdue {
                buckets[b].overdue += 1;
            } else {
                buckets[b].not_overdue += 1;
            }
        }
    }
    FollowUpAge {
        open,
        overdue,
        oldest_days: ages.iter().map(|a| *a as i64).max(),
        median_age_days: median(&mut ages).map(round1),
        buckets,
        without_age,
    }
}

pub fn compute(site: &Site) -> Metrics {
    let postmortems: Vec<&DocView> = site
        .documents
        .iter()
        .filter(|d| d.kind == Kind::Postmortem)
        .collect();
    let (incidents, without_start) = incidents_of(&postmortems);
    let severities = severity_columns(&site.severities, &incidents);
    let months = months_of(&incidents, site.today);
    let by_month = count_by_month(&months, &incidents, &severities);
    let by_quarter = quarter_rows(&months, &incidents);
    let by_service = service_rows(site, &incidents);
    let deploy = incidents.iter().filter(|i| i.deploy).count();
    let change_failure = ChangeFailure {
        deploy,
        incidents: incidents.len(),
        percent: percent_of(deploy, incidents.len()),
    };
    let follow_up_age = follow_up_ages(&postmortems, site.today);
    let median_detect = median(
        &mut incidents
            .iter()
            .filter_map(|i| i.detect)
            .collect::<Vec<_>>(),
    );
    let median_restore = median(
        &mut incidents
            .iter()
            .filter_map(|i| i.restore)
            .collect::<Vec<_>>(),
    );
    let charts = MetricsCharts {
        by_month: draw_by_month(&severities, &by_month),
        time_to_detect: draw_duration(
            "chart-time-to-detect",
            "Median time to detect per quarter",
            &by_quarter,
            |q| q.median_detect_minutes,
            "c-detect",
        ),
        time_to_restore: draw_duration(
            "chart-time-to-restore",
            "Median time to restore per quarter",
            &by_quarter,
            |q| q.median_restore_minutes,
            "c-restore",
        ),
        by_service: draw_by_service(&by_service),
        change_failure: draw_change_failure(&by_quarter, &change_failure),
        follow_up_age: draw_follow_up_age(&follow_up_age),
    };
    Metrics {
        incidents: incidents.len(),
        without_start,
        severities,
        by_month,
        by_quarter,
        by_service,
        change_failure,
        follow_up_age,
        median_detect_minutes: median_detect.map(round1),
        median_restore_minutes: median_restore.map(round1),
        median_detect: human_minutes(median_detect),
        median_restore: human_minutes(median_restore),
        charts,
    }
}

const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Column labels for `2026-01`-style months or `2026-Q1`-style quarters: the month or quarter,
/// with the year under the first one and under each January or first quarter.
fn period_labels(periods: &[String]) -> Vec<String> {
    periods
        .iter()
        .enumerate()
        .map(|(i, period)| {
            let Some((year, part)) = period.split_once('-') else {
                return period.clone();
            };
            let name = part
                .parse::<usize>()
                .ok()
                .and_then(|m| MONTH_NAMES.get(m.wrapping_sub(1)))
                .map_or(part, |name| name);
            // The year under the first column too, unless the next one starts a year.
            let starts_year = |part: &str| part == "01" || part == "Q1";
            let next_starts_year = periods
                .get(i + 1)
                .and_then(|p| p.split_once('-'))
                .is_some_and(|(_, part)| starts_year(part));
            if starts_year(part) || (i == 0 && !next_starts_year) {
                format!("{name}\n{year}")
            } else {
                name.to_string()
            }
        })
        .collect()
}

fn draw_by_month(severities: &[SeverityColumn], by_month: &[MonthRow]) -> String {
    let months: Vec<String> = by_month.iter().map(|m| m.month.clone()).collect();
    let series: Vec<Series> = severities
        .iter()
        .enumerate()
        .map(|(i, s)| Series {
            name: s.name.clone(),
            class: s.class.clone(),
            values: by_month.iter().map(|m| m.counts[i] as f64).collect(),
        })
        .filter(|s| s.values.iter().any(|v| *v > 0.0) || s.class != "s0")
        .collect();
    let total: usize = by_month.iter().map(|m| m.total).sum();
    charts::columns(&Columns {
        id: "chart-by-month",
        title: "Incidents per month by severity",
        description: &format!(
            "Stacked bars, one per month from {} to {}: {total} incidents in all. The table beside the chart lists the numbers.",
            months.first().map_or("", String::as_str),
            months.last().map_or("", String::as_str)
        ),
        categories: &period_labels(&months),
        series: &series,
        format: &charts::count,
        max: None,
        minutes_axis: false,
        height: 280.0,
    })
}

/// A median duration per quarter; a quarter without data is labelled "no data".
fn draw_duration(
    id: &str,
    title: &str,
    by_quarter: &[QuarterRow],
    value: fn(&QuarterRow) -> Option<f64>,
    class: &str,
) -> String {
    let quarters: Vec<String> = by_quarter.iter().map(|q| q.quarter.clone()).collect();
    charts::columns(&Columns {
        id,
        title,
        description: "One bar per quarter; quarters without data have no bar. The table beside the chart lists the numbers.",
        categories: &period_labels(&quarters),
        series: &[Series {
            name: title.to_string(),
            class: class.to_string(),
            values: by_quarter
                .iter()
                .map(|q| value(q).unwrap_or(f64::NAN))
                .collect(),
        }],
        format: &charts::minutes,
        max: None,
        minutes_axis: true,
        height: 240.0,
    })
}

fn draw_by_service(by_service: &[ServiceRow]) -> String {
    let rows: Vec<(String, f64)> = by_service
        .iter()
        .map(|s| (s.service.clone(), s.incidents as f64))
        .collect();
    charts::bars(
        "chart-by-service",
        "Incidents per service",
        "One bar per service, most incidents first; an incident that hit two services counts for each.",
        &rows,
        "c-service",
        &charts::count,
    )
}

fn draw_change_failure(by_quarter: &[QuarterRow], change_failure: &ChangeFailure) -> String {
    let quarters: Vec<String> = by_quarter.iter().map(|q| q.quarter.clone()).collect();
    charts::columns(&Columns {
        id: "chart-change-failure",
        title: "Share of incidents triggered by a deploy, per quarter",
        description: &format!(
            "Percent of each quarter's incidents whose trigger is deploy; {} of {} incidents overall ({}).",
            change_failure.deploy,
            change_failure.incidents,
            charts::percent(change_failure.percent)
        ),
        categories: &period_labels(&quarters),
        series: &[Series {
            name: "Triggered by a deploy".into(),
            class: "c-deploy".into(),
            values: by_quarter
                .iter()
                .map(|q| {
                    if q.incidents == 0 {
                        f64::NAN
                    } else {
                        q.change_failure_percent
                    }
                })
                .collect(),
        }],
        format: &charts::percent,
        max: Some(100.0),
        minutes_axis: false,
        height: 240.0,
    })
}

fn draw_follow_up_age(age: &FollowUpAge) -> String {
    // "under 30 days" -> "under 30" over "days": two short lines fit a narrow column.
    let labels: Vec<String> = age
        .buckets
        .iter()
        .map(|b| match b.label.rsplit_once(' ') {
            Some((first, last)) => format!("{first}\n{last}"),
            None => b.label.clone(),
        })
        .collect();
    charts::columns(&Columns {
        id: "chart-follow-up-age",
        title: "Age of open follow-ups",
        description: &format!(
            "Open and in-progress follow-ups by days since their incident, overdue ones stacked on the rest; {} open, {} overdue.",
            age.open, age.overdue
        ),
        categories: &labels,
        series: &[
            Series {
                name: "Not yet due".into(),
                class: "c-open".into(),
                values: age.buckets.iter().map(|b| b.not_overdue as f64).collect(),
            },
            Series {
                name: "Overdue".into(),
                class: "c-overdue".into(),
                values: age.buckets.iter().map(|b| b.overdue as f64).collect(),
            },
        ],
        format: &charts::count,
        max: None,
        minutes_axis: false,
        height: 240.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5.0]), Some(5.0));
        assert_eq!(median(&mut [9.0, 1.0, 5.0]), Some(5.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 10.0]), Some(3.5));
    }

    #[test]
    fn period_labels_name_the_year_once_per_year() {
        let months: Vec<String> = ["2025-11", "2025-12", "2026-01", "2026-02"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            period_labels(&months),
            ["Nov\n2025", "Dec", "Jan\n2026", "Feb"]
        );
        // The first column right before a new year leaves the year to the next one.
        let quarters: Vec<String> = ["2025-Q4", "2026-Q1", "2026-Q2"].map(String::from).to_vec();
        assert_eq!(period_labels(&quarters), ["Q4", "Q1\n2026", "Q2"]);
        assert_eq!(period_labels(&["odd".to_string()]), ["odd"]);
    }

    #[test]
    fn spans_fill_gaps_and_keep_the_latest() {
        assert_eq!(
            span((2025, 11), (2026, 2), next_month, 10),
            [(2025, 11), (2025, 12), (2026, 1), (2026, 2)]
        );
        assert_eq!(
            span((2025, 11), (2026, 2), next_month, 2),
            [(2026, 1), (2026, 2)]
        );
        assert_eq!(
            span((2025, 4), (2026, 1), next_quarter, 10),
            [(2025, 4), (2026, 1)]
        );
        assert_eq!(quarter_of((2026, 3)), (2026, 1));
        assert_eq!(quarter_of((2026, 10)), (2026, 4));
    }
}
