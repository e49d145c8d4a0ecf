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
use super::model::Site;
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

pub fn compute(site: &Site) -> Metrics {
    let today = site.today;
    let postmortems: Vec<_> = site
        .documents
        .iter()
        .filter(|d| d.kind == Kind::Postmortem)
        .collect();
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

    // Severity columns: the scale, plus any value off it (such as an empty severity).
    let mut severities: Vec<SeverityColumn> = site
        .severities
        .iter()
        .enumerate()
        .map(|(i, s)| SeverityColumn {
            name: s.clone(),
            class: format!("s{}", (i + 1).min(5)),
        })
        .collect();
    for incident in &incidents {
        let name = if incident.severity.is_empty() {
            "unknown"
        } else {
            &incident.severity
        };
        if !severities.iter().any(|s| s.name == name) {
            severities.push(SeverityColumn {
                name: name.to_string(),
                class: "s0".into(),
            });
        }
    }
    let severity_index = |s: &str| {
        let name = if s.is_empty() { "unknown" } else { s };
        severities.iter().position(|c| c.name == name).unwrap_or(0)
    };

    // Months and quarters, gap-filled up to this month.
    let today_month = (today.year(), today.month());
    let first_month = incidents.iter().map(|i| i.month).min();
    let last_month = incidents
        .iter()
        .map(|i| i.month)
        .max()
        .map(|m| m.max(today_month));
    let months = match (first_month, last_month) {
        (Some(first), Some(last)) => span(first, last, next_month, MAX_MONTHS),
        _ => Vec::new(),
    };
    let mut by_month: Vec<MonthRow> = months
        .iter()
        .map(|(y, m)| MonthRow {
            month: format!("{y:04}-{m:02}"),
            counts: vec![0; severities.len()],
            total: 0,
        })
        .collect();
    let month_pos: BTreeMap<(i16, i8), usize> =
        months.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    for incident in &incidents {
        if let Some(&i) = month_pos.get(&incident.month) {
            by_month[i].counts[severity_index(&incident.severity)] += 1;
            by_month[i].total += 1;
        }
    }

    let quarters = match (first_month, last_month) {
        (Some(first), Some(last)) => span(
            quarter_of(first),
            quarter_of(last),
            next_quarter,
            MAX_QUARTERS,
        ),
        _ => Vec::new(),
    };
    let by_quarter: Vec<QuarterRow> = quarters
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
                change_failure_percent: if in_q.is_empty() {
                    0.0
                } else {
                    round1(deploy as f64 * 100.0 / in_q.len() as f64)
                },
            }
        })
        .collect();

    let services_tax = site.taxonomy(TaxonomyKind::Services);
    let mut service_counts: BTreeMap<&str, usize> = BTreeMap::new();
    for incident in &incidents {
        let mut seen = std::collections::HashSet::new();
        for s in &incident.services {
            if seen.insert(s.as_str()) {
                *service_counts.entry(s.as_str()).or_default() += 1;
            }
        }
    }
    let mut by_service: Vec<ServiceRow> = service_counts
        .into_iter()
        .map(|(service, incidents)| ServiceRow {
            service: service.to_string(),
            url: services_tax
                .link(service)
                .map(|l| l.url)
                .unwrap_or_default(),
            incidents,
        })
        .collect();
    by_service.sort_by(|a, b| {
        b.incidents
            .cmp(&a.incidents)
            .then(a.service.cmp(&b.service))
    });

    let deploy = incidents.iter().filter(|i| i.deploy).count();
    let change_failure = ChangeFailure {
        deploy,
        incidents: incidents.len(),
        percent: if incidents.is_empty() {
            0.0
        } else {
            round1(deploy as f64 * 100.0 / incidents.len() as f64)
        },
    };

    // Age of open follow-ups.
    const BUCKETS: [(&str, i64); 5] = [
        ("under 30 days", 30),
        ("30–89 days", 90),
        ("90–179 days", 180),
        ("180–364 days", 365),
        ("a year or more", i64::MAX),
    ];
    let mut buckets: Vec<AgeBucket> = BUCKETS
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
    for doc in &postmortems {
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
            let b = BUCKETS
                .iter()
                .position(|(_, below)| age < *below)
                .unwrap_or(BUCKETS.len() - 1);
            buckets[b].total += 1;
            if f.overdue {
                buckets[b].overdue += 1;
            } else {
                buckets[b].not_overdue += 1;
            }
        }
    }
    let oldest_days = ages.iter().map(|a| *a as i64).max();
    let follow_up_age = FollowUpAge {
        open,
        overdue,
        median_age_days: median(&mut ages).map(round1),
        oldest_days,
        buckets,
        without_age,
    };

    let mut all_detect: Vec<f64> = incidents.iter().filter_map(|i| i.detect).collect();
    let mut all_restore: Vec<f64> = incidents.iter().filter_map(|i| i.restore).collect();
    let median_detect = median(&mut all_detect);
    let median_restore = median(&mut all_restore);

    let charts = draw(
        &severities,
        &by_month,
        &by_quarter,
        &by_service,
        &change_failure,
        &follow_up_age,
    );
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

fn draw(
    severities: &[SeverityColumn],
    by_month: &[MonthRow],
    by_quarter: &[QuarterRow],
    by_service: &[ServiceRow],
    change_failure: &ChangeFailure,
    age: &FollowUpAge,
) -> MetricsCharts {
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
    let by_month_svg = charts::columns(&Columns {
        id: "chart-by-month",
        title: "Incidents per month by severity",
        description: &format!(
            "Stacked bars, one per month from {} to {}: {total} incidents in all. The table beside the chart lists the numbers.",
            months.first().map_or("", String::as_str),
            months.last().map_or("", String::as_str)
        ),
        categories: &months,
        series: &series,
        format: &charts::count,
        max: None,
        minutes_axis: false,
        height: 260.0,
    });

    let quarters: Vec<String> = by_quarter.iter().map(|q| q.quarter.clone()).collect();
    let duration_chart = |id: &str, title: &str, values: Vec<f64>, class: &str| {
        charts::columns(&Columns {
            id,
            title,
            description: "One bar per quarter; quarters without data have no bar. The table beside the chart lists the numbers.",
            categories: &quarters,
            series: &[Series {
                name: title.to_string(),
                class: class.to_string(),
                values,
            }],
            format: &charts::minutes,
            max: None,
            minutes_axis: true,
            height: 220.0,
        })
    };
    let time_to_detect = duration_chart(
        "chart-time-to-detect",
        "Median time to detect per quarter",
        by_quarter
            .iter()
            .map(|q| q.median_detect_minutes.unwrap_or(0.0))
            .collect(),
        "c-detect",
    );
    let time_to_restore = duration_chart(
        "chart-time-to-restore",
        "Median time to restore per quarter",
        by_quarter
            .iter()
            .map(|q| q.median_restore_minutes.unwrap_or(0.0))
            .collect(),
        "c-restore",
    );

    let rows: Vec<(String, f64)> = by_service
        .iter()
        .map(|s| (s.service.clone(), s.incidents as f64))
        .collect();
    let by_service_svg = charts::bars(
        "chart-by-service",
        "Incidents per service",
        "One bar per service, most incidents first; an incident that hit two services counts for each.",
        &rows,
        "c-service",
        &charts::count,
    );

    let change_failure_svg = charts::columns(&Columns {
        id: "chart-change-failure",
        title: "Share of incidents triggered by a deploy, per quarter",
        description: &format!(
            "Percent of each quarter's incidents whose trigger is deploy; {} of {} incidents overall ({}).",
            change_failure.deploy,
            change_failure.incidents,
            charts::percent(change_failure.percent)
        ),
        categories: &quarters,
        series: &[Series {
            name: "Triggered by a deploy".into(),
            class: "c-deploy".into(),
            values: by_quarter
                .iter()
                .map(|q| q.change_failure_percent)
                .collect(),
        }],
        format: &charts::percent,
        max: Some(100.0),
        minutes_axis: false,
        height: 220.0,
    });

    let labels: Vec<String> = age.buckets.iter().map(|b| b.label.clone()).collect();
    let follow_up_age = charts::columns(&Columns {
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
        height: 220.0,
    });

    MetricsCharts {
        by_month: by_month_svg,
        time_to_detect,
        time_to_restore,
        by_service: by_service_svg,
        change_failure: change_failure_svg,
        follow_up_age,
    }
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
