//! The metrics of a fixture whose timestamps are known, against numbers worked out by hand.
//!
//! tests/fixtures/metrics/content/postmortems, with today = 2026-07-01:
//!
//! | postmortem          | sev  | services | started (UTC)    | detect | restore | trigger    |
//! |---------------------|------|----------|------------------|--------|---------|------------|
//! | 2026-01-10-api      | SEV1 | api      | 2026-01-10 10:00 | 5 min  | 60 min  | deploy     |
//! | 2026-01-20-db       | SEV2 | api, db  | 2026-01-20 08:00 | 10 min | 120 min | config     |
//! | 2026-02-05-db       | SEV2 | db       | 2026-02-05 00:00 | 30 min | 180 min | deploy     |
//! | 2026-04-15-web      | SEV3 | web      | 2026-04-15 12:00 | 2 min  | 32 min  | deploy     |
//! | 2026-05-31-web      | SEV3 | web, api | 2026-06-01 01:30 | 15 min | 240 min | dependency |
//! |   (started 2026-05-31T23:30-02:00: June in UTC)                                       |
//! | 2026-06-20-api      | SEV4 | api      | 2026-06-20 09:00 | —      | 20 min  | deploy     |
//! | 2026-06-28-draft    | SEV3 | db       | — (no times: left out of the incident metrics)   |

mod common;

use opsbook::config::Config;
use opsbook::site::SiteInput;
use opsbook::site::metrics::{self, Metrics};
use opsbook::site::model::Site;

fn metrics_of_fixture() -> Metrics {
    let config = Config::load(None, &common::fixture("metrics")).unwrap();
    let docs = opsbook::load(&config).unwrap();
    let today = "2026-07-01".parse().unwrap();
    let site = Site::new(&config, &docs, &SiteInput::new(today));
    metrics::compute(&site)
}

#[test]
fn incidents_per_month_by_severity() {
    let m = metrics_of_fixture();
    assert_eq!(m.incidents, 6);
    assert_eq!(m.without_start, 1, "the draft has no started_at");
    let names: Vec<_> = m.severities.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["SEV1", "SEV2", "SEV3", "SEV4"]);
    // January to July (today's month), gaps filled with zeros; the incident that started on
    // 31 May at 23:30 UTC-2 counts for June.
    let rows: Vec<(&str, Vec<usize>, usize)> = m
        .by_month
        .iter()
        .map(|r| (r.month.as_str(), r.counts.clone(), r.total))
        .collect();
    assert_eq!(
        rows,
        [
            ("2026-01", vec![1, 1, 0, 0], 2),
            ("2026-02", vec![0, 1, 0, 0], 1),
            ("2026-03", vec![0, 0, 0, 0], 0),
            ("2026-04", vec![0, 0, 1, 0], 1),
            ("2026-05", vec![0, 0, 0, 0], 0),
            ("2026-06", vec![0, 0, 1, 1], 2),
            ("2026-07", vec![0, 0, 0, 0], 0),
        ]
    );
}

#[test]
fn medians_per_quarter_and_overall() {
    let m = metrics_of_fixture();
    let q: Vec<_> = m.by_quarter.iter().map(|q| q.quarter.as_str()).collect();
    assert_eq!(q, ["2026-Q1", "2026-Q2", "2026-Q3"]);
    let (q1, q2, q3) = (&m.by_quarter[0], &m.by_quarter[1], &m.by_quarter[2]);
    // Q1: detect 5, 10, 30 -> 10; restore 60, 120, 180 -> 120.
    assert_eq!(q1.incidents, 3);
    assert_eq!(q1.median_detect_minutes, Some(10.0));
    assert_eq!(q1.median_restore_minutes, Some(120.0));
    assert_eq!(q1.median_detect, "10 min");
    assert_eq!(q1.median_restore, "2 h");
    // Q2: detect 2, 15 (the blip has none) -> 8.5; restore 20, 32, 240 -> 32.
    assert_eq!(q2.incidents, 3);
    assert_eq!((q2.detect_samples, q2.restore_samples), (2, 3));
    assert_eq!(q2.median_detect_minutes, Some(8.5));
    assert_eq!(q2.median_restore_minutes, Some(32.0));
    // Q3 (today's quarter) has no incident yet.
    assert_eq!(q3.incidents, 0);
    assert_eq!(q3.median_detect_minutes, None);
    // Overall: detect 2, 5, 10, 15, 30 -> 10; restore 20, 32, 60, 120, 180, 240 -> 90.
    assert_eq!(m.median_detect_minutes, Some(10.0));
    assert_eq!(m.median_restore_minutes, Some(90.0));
    assert_eq!(m.median_restore, "1 h 30 min");
}

#[test]
fn incidents_per_service_and_change_failure() {
    let m = metrics_of_fixture();
    let services: Vec<_> = m
        .by_service
        .iter()
        .map(|s| (s.service.as_str(), s.incidents, s.url.as_str()))
        .collect();
    assert_eq!(
        services,
        [
            ("api", 4, "/services/api/"),
            ("db", 2, "/services/db/"),
            ("web", 2, "/services/web/")
        ]
    );
    // Deploys: the API deploy, the migration, the web assets and the blip: 4 of 6.
    assert_eq!(
        (m.change_failure.deploy, m.change_failure.incidents),
        (4, 6)
    );
    assert_eq!(m.change_failure.percent, 66.7);
    let shares: Vec<_> = m
        .by_quarter
        .iter()
        .map(|q| (q.deploy_incidents, q.change_failure_percent))
        .collect();
    assert_eq!(shares, [(2, 66.7), (2, 66.7), (0, 0.0)]);
}

#[test]
fn age_of_open_follow_ups() {
    let m = metrics_of_fixture();
    let age = &m.follow_up_age;
    // Open or in progress: the canary (open, due 02-01: overdue), the CI check (in progress),
    // the index review (open, due 06-30: overdue by a day), the provider timeout (open) and
    // the draft's (no incident date, so no age).
    assert_eq!((age.open, age.overdue, age.without_age), (5, 2, 1));
    // Ages on 2026-07-01: from 01-10 = 172 d, 01-20 = 162 d, 02-05 = 146 d, 06-01 = 30 d.
    assert_eq!(age.oldest_days, Some(172));
    assert_eq!(age.median_age_days, Some(154.0));
    let buckets: Vec<_> = age
        .buckets
        .iter()
        .map(|b| (b.label.as_str(), b.not_overdue, b.overdue))
        .collect();
    assert_eq!(
        buckets,
        [
            ("under 30 days", 0, 0),
            ("30–89 days", 1, 0),
            ("90–179 days", 1, 2),
            ("180–364 days", 0, 0),
            ("a year or more", 0, 0),
        ]
    );
}

#[test]
fn the_metrics_page_shows_the_numbers_beside_accessible_charts() {
    let kb = common::kb("metrics");
    common::opsbook(kb.path())
        .args(["build", "--today", "2026-07-01"])
        .assert()
        .success();
    let html = common::read(&kb.path().join("public/metrics/index.html"));
    // Six charts, each an image with a title and a description.
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 6, "{html}");
    for id in [
        "chart-by-month",
        "chart-time-to-detect",
        "chart-time-to-restore",
        "chart-by-service",
        "chart-change-failure",
        "chart-follow-up-age",
    ] {
        assert!(
            html.contains(&format!(
                r#"role="img" aria-labelledby="{id}-title {id}-desc""#
            )),
            "{id}"
        );
        assert!(
            html.contains(&format!(r#"<title id="{id}-title">"#)),
            "{id}"
        );
    }
    // The tables carry the same numbers.
    assert!(html.contains(r#"<tr><th scope="row">2026-06</th><td class="num">0</td><td class="num">0</td><td class="num">1</td><td class="num">1</td><td class="num"><strong>2</strong></td></tr>"#), "{html}");
    assert!(html.contains(r#"<tr><th scope="row">2026-Q2</th><td class="num">3</td><td class="num nowrap">8 min</td><td class="num nowrap">32 min</td></tr>"#), "{html}");
    assert!(html.contains(r#"<tr><th scope="row">2026-Q1</th><td class="num">3</td><td class="num">2</td><td class="num">66.7%</td></tr>"#), "{html}");
    assert!(html.contains("4 of 6 incidents (66.7%)"), "{html}");
    // The tables and the charts say durations the same way.
    assert!(
        html.contains(r#"<text class="value" x="#) && html.contains(">32 min</text>"),
        "{html}"
    );
    // One bar per non-zero month and severity, with the number in its tooltip.
    assert!(html.contains("<title>Jan 2026, SEV1: 1</title>"), "{html}");
    assert!(html.contains("<title>api: 4</title>"), "{html}");
}
