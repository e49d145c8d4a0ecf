//! Alerts and runbooks end to end, on tests/fixtures/alerts: a knowledge base whose rule files
//! (a Prometheus rule file, a PrometheusRule among other manifests, a Grafana export, a Helm
//! template left out by `[alerts] exclude`) hold one of each problem. Findings in rule files at
//! their exact line and column in every format, `--changed-since` and paths for rule files,
//! the alert pages, the search records and `opsbook alerts`.

mod common;

use std::fs;
use std::path::Path;

use common::{fixture, kb, opsbook, read, stdout_of};
use serde_json::Value;

/// (rule, file, line, column, end line, end column) of each finding `lint --format json` gives.
type Located = (String, String, u64, u64, u64, u64);

fn lint_json(dir: &Path, extra: &[&str]) -> (Vec<Located>, Value, i32) {
    let mut args = vec!["lint", "--format", "json", "--today", "2026-11-25"];
    args.extend_from_slice(extra);
    let (out, code) = stdout_of(opsbook(dir).args(&args));
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}"));
    let found = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let n = |k: &str| f[k].as_u64().unwrap();
            (
                f["rule"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                n("line"),
                n("column"),
                n("end_line"),
                n("end_column"),
            )
        })
        .collect();
    (found, report, code)
}

fn at(
    rule: &str,
    file: &str,
    (line, column, end_line, end_column): (u64, u64, u64, u64),
) -> Located {
    (rule.into(), file.into(), line, column, end_line, end_column)
}

/// The four problems of the fixture, where they are.
fn expected() -> Vec<Located> {
    vec![
        // `PaymentHighErrorRat` in `alerts: [PaymentsHighErrorRate, PaymentsHighErrorRat]`.
        at(
            "unknown-alert",
            "content/runbooks/payments-api-errors.md",
            (9, 33, 9, 53),
        ),
        // `critical`, the severity label of PaymentsHighErrorRate.
        at(
            "alert-severity-mismatch",
            "monitoring/payments.yaml",
            (11, 21, 11, 29),
        ),
        // The name of PaymentsQueueBacklog.
        at(
            "alert-without-runbook",
            "monitoring/payments.yaml",
            (21, 16, 21, 36),
        ),
        // The runbook_url of PaymentsRefundsFailing.
        at(
            "runbook-url-broken",
            "monitoring/payments.yaml",
            (33, 24, 33, 77),
        ),
    ]
}

#[test]
fn every_problem_is_reported_at_its_line_and_column() {
    let (found, report, code) = lint_json(&fixture("alerts"), &[]);
    assert_eq!(found, expected());
    assert_eq!(code, 1, "three errors");
    assert_eq!(report["summary"]["documents"], 4);
    assert_eq!(
        report["summary"]["rule_files"], 3,
        "the Helm chart is excluded"
    );
}

#[test]
fn human_github_and_sarif_point_into_the_rule_file() {
    let dir = fixture("alerts");
    let (human, _) = stdout_of(opsbook(&dir).args(["lint", "--today", "2026-11-25"]));
    assert!(
        human.contains("─[monitoring/payments.yaml:21:16]"),
        "{human}"
    );
    assert!(
        human.contains("20 │       - alert: PaymentsQueueBacklog")
            || human.contains("21 │       - alert: PaymentsQueueBacklog"),
        "{human}"
    );
    assert!(
        human.contains("3 errors and 1 warning in 2 of 7 files (4 documents and 3 rule files)"),
        "{human}"
    );

    let (github, _) =
        stdout_of(opsbook(&dir).args(["lint", "--format", "github", "--today", "2026-11-25"]));
    assert!(
        github.contains("::error file=monitoring/payments.yaml,line=33,col=24,endLine=33,endColumn=77,title=opsbook runbook-url-broken::"),
        "{github}"
    );

    let (sarif, _) =
        stdout_of(opsbook(&dir).args(["lint", "--format", "sarif", "--today", "2026-11-25"]));
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let without = results
        .iter()
        .find(|r| r["ruleId"] == "alert-without-runbook")
        .expect("alert-without-runbook in SARIF");
    let location = &without["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "monitoring/payments.yaml"
    );
    assert_eq!(location["region"]["startLine"], 21);
    assert_eq!(location["region"]["startColumn"], 16);
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(rules.iter().any(|r| r["id"] == "runbook-url-broken"));
}

#[test]
fn paths_select_documents_or_rule_files() {
    let dir = fixture("alerts");
    let (found, _, _) = lint_json(&dir, &["monitoring"]);
    assert!(!found.is_empty());
    assert!(
        found.iter().all(|f| f.1.starts_with("monitoring/")),
        "{found:?}"
    );
    let (found, _, _) = lint_json(&dir, &["monitoring/k8s"]);
    assert_eq!(found, [], "the PrometheusRule file has no problem");
    let (found, _, _) = lint_json(&dir, &["content/runbooks"]);
    assert_eq!(found, expected()[..1]);
    let (out, code) = stdout_of(opsbook(&dir).args(["lint", "opsbook.toml"]));
    assert_eq!(code, 2, "{out}");
}

fn git_kb() -> tempfile::TempDir {
    let dir = kb("alerts");
    common::git_init(dir.path());
    common::commit_all(dir.path(), "Test", 1_767_225_600, "main");
    dir
}

#[test]
fn changed_since_covers_rule_files_and_what_they_touch() {
    let dir = git_kb();
    let (found, _, _) = lint_json(dir.path(), &["--changed-since", "HEAD"]);
    assert_eq!(found, [], "nothing changed");

    // A rule file changes: its findings, and the runbook listing one of its alerts.
    let rules = dir.path().join("monitoring/payments.yaml");
    fs::write(&rules, read(&rules).replace("for: 15m", "for: 20m")).unwrap();
    let (found, _, _) = lint_json(dir.path(), &["--changed-since", "HEAD"]);
    assert_eq!(found, expected());
    fs::write(&rules, read(&rules).replace("for: 20m", "for: 15m")).unwrap();

    // An alert is deleted from the other rule file: the runbooks listing it are reported.
    let k8s = dir.path().join("monitoring/k8s/payments-db.yaml");
    fs::write(
        &k8s,
        read(&k8s).replace("alert: PaymentsDBDown", "alert: PaymentsDBUnreachable"),
    )
    .unwrap();
    let (found, _, _) = lint_json(dir.path(), &["--changed-since", "HEAD"]);
    let files: Vec<&str> = found.iter().map(|f| f.1.as_str()).collect();
    assert_eq!(
        files,
        [
            "content/runbooks/payments-db-failover.md",
            "content/runbooks/payments-db-restore.md",
            "monitoring/k8s/payments-db.yaml",
        ],
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .all(|f| f.0 != "runbook-url-broken" || f.1.ends_with(".yaml"))
    );
}

#[test]
fn changed_since_reports_rule_files_a_changed_runbook_answers() {
    let dir = git_kb();
    let runbook = dir.path().join("content/runbooks/payments-db-restore.md");
    fs::write(&runbook, read(&runbook).replace("Only when", "Only if")).unwrap();
    let (found, _, _) = lint_json(dir.path(), &["--changed-since", "HEAD"]);
    assert_eq!(found, [], "the runbook and k8s/payments-db.yaml are clean");
    let runbook = dir.path().join("content/runbooks/payments-api-errors.md");
    fs::write(
        &runbook,
        read(&runbook).replace("## Diagnose", "## Diagnosis"),
    )
    .unwrap();
    let (found, _, _) = lint_json(dir.path(), &["--changed-since", "HEAD"]);
    assert_eq!(found, expected(), "payments.yaml defines an alert it lists");
}

#[test]
fn a_helm_template_is_a_finding_and_a_glob_matching_nothing_an_error() {
    let dir = kb("alerts");
    let config = dir.path().join("opsbook.toml");
    fs::write(
        &config,
        read(&config).replace("exclude = [\"monitoring/chart/**\"]", ""),
    )
    .unwrap();
    let (found, _, _) = lint_json(dir.path(), &[]);
    let helm = at(
        "invalid-rule-file",
        "monitoring/chart/templates/rules.yaml",
        (1, 1, 1, 33),
    );
    assert!(found.contains(&helm), "{found:?}");
    assert!(
        !found.iter().any(|f| f.0 == "unknown-alert"),
        "alerts of an unreadable file are unknown, not missing: {found:?}"
    );

    fs::write(&config, "[alerts]\nrules = [\"rules/*.yml\"]\n").unwrap();
    let output = opsbook(dir.path()).args(["lint"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("rules/*.yml"), "{stderr}");
}

fn built() -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let output = opsbook(&fixture("alerts"))
        .args([
            "build",
            "--allow-errors",
            "--today",
            "2026-11-25",
            "--output",
        ])
        .arg(out.path().join("site"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

#[test]
fn alert_pages_lead_to_runbooks() {
    let out = built();
    let site = out.path().join("site");
    let page = |path: &str| read(&site.join(path));

    // One runbook: a redirect that works without JavaScript, and a visible link.
    let one = page("alerts/PaymentsHighErrorRate/index.html");
    assert!(
        one.contains(
            r#"<meta http-equiv="refresh" content="0; url=/ops/runbooks/payments-api-errors/">"#
        ),
        "{one}"
    );
    assert!(
        one.contains(r#"<a href="/ops/runbooks/payments-api-errors/" data-redirect"#),
        "{one}"
    );
    assert!(
        one.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "annotations are escaped"
    );
    assert!(!one.contains("<script>alert(1)"));

    // Two runbooks: listed, no redirect.
    let two = page("alerts/PaymentsDBDown/index.html");
    assert!(!two.contains("http-equiv=\"refresh\""), "{two}");
    assert!(
        two.contains("/ops/runbooks/payments-db-failover/")
            && two.contains("/ops/runbooks/payments-db-restore/")
    );
    assert!(
        two.contains("Payments down for 22 minutes"),
        "the postmortem listing it"
    );

    // None: it says so.
    let none = page("alerts/PaymentsQueueBacklog/index.html");
    assert!(none.contains("No runbook answers this alert yet"), "{none}");
    assert!(!none.contains("http-equiv=\"refresh\""));

    // A runbook's URL with a heading counts; an odd name is escaped in its URL and its page.
    let latency = page("alerts/PaymentsLatencyHigh/index.html");
    assert!(
        latency.contains("url=/ops/runbooks/payments-api-errors/"),
        "{latency}"
    );
    let odd = "Checkout p99 > 2s & \"slow\"";
    assert!(site.join(format!("alerts/{odd}/index.html")).is_file());
    let list = page("alerts/index.html");
    assert!(
        list.contains(r#"href="/ops/alerts/Checkout%20p99%20%3E%202s%20&amp;%20%22slow%22/""#),
        "{list}"
    );
    assert!(list.contains("Checkout p99 &gt; 2s &amp; &quot;slow&quot;"));
    for name in [
        "PaymentsHighErrorRate",
        "PaymentsDBDown",
        "PaymentsQueueBacklog",
        "Watchdog",
        "PaymentsHighErrorRat",
    ] {
        assert!(
            list.contains(&format!("<code>{name}</code>")),
            "{name} in the list"
        );
    }

    // The runbook links its alerts' pages; the postmortem too.
    let runbook = page("runbooks/payments-api-errors/index.html");
    assert!(
        runbook.contains(r#"href="/ops/alerts/PaymentsHighErrorRate/""#),
        "{runbook}"
    );
    let postmortem = page("postmortems/2026-10-01-payments-outage/index.html");
    assert!(postmortem.contains(r#"href="/ops/alerts/PaymentsDBDown/""#));
}

#[test]
fn search_finds_alert_pages_and_runbooks_by_alert_name() {
    use opsbook::site::{SiteInput, model::Site, search};
    let config = opsbook::config::Config::load(None, &fixture("alerts")).unwrap();
    let docs = opsbook::load(&config).unwrap();
    let rules = opsbook::alerts::load(&config).unwrap();
    let input = SiteInput {
        alerts: Some(&rules),
        ..SiteInput::new("2026-11-25".parse().unwrap())
    };
    let site = Site::new(&config, &docs, &input);
    let runbook = site
        .documents
        .iter()
        .find(|d| d.id == "payments-api-errors")
        .unwrap();
    let record = search::record(runbook, &site.body(runbook.index), &site.info.base_path);
    let alerts_run = record
        .text
        .iter()
        .find(|run| run.text.contains("PaymentsHighErrorRate"))
        .expect("a run with the alert names");
    assert_eq!(
        alerts_run.weight,
        search::ALERT_WEIGHT,
        "alert names weigh more than the body: {:?}",
        record.text
    );
    let alert = site
        .alerts
        .iter()
        .find(|a| a.name == "PaymentsHighErrorRate")
        .unwrap();
    let record = search::alert_record(alert, &site.info.base_path);
    assert_eq!(record.url, "/alerts/PaymentsHighErrorRate/");
    assert_eq!(record.meta["kind"], "Alert");
    let text: Vec<&str> = record.text.iter().map(|run| run.text.as_str()).collect();
    assert!(
        text.join(" ")
            .contains("Runbook: Payments API returns errors."),
        "{text:?}"
    );

    let index = search::build(&site, &config.search).unwrap();
    assert_eq!(index.summary.records, 4 + site.alerts.len());
}

#[test]
fn opsbook_alerts_reviews_the_problems() {
    let dir = fixture("alerts");
    let (out, code) = stdout_of(opsbook(&dir).args(["alerts", "--format", "json"]));
    assert_eq!(code, 0);
    let report: Value = serde_json::from_str(&out).unwrap();
    let rows: Vec<(&str, &str)> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["state"].as_str().unwrap(), r["alert"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rows,
        [
            ("no-runbook", "PaymentsQueueBacklog"),
            ("broken-url", "PaymentsRefundsFailing"),
            ("unknown-alert", "PaymentsHighErrorRat"),
        ]
    );
    assert_eq!(report["summary"]["alerts"], 7);
    let (all, _) = stdout_of(opsbook(&dir).args(["alerts", "--all", "--format", "csv"]));
    assert!(all.contains("ok,PaymentsDBDown,critical,monitoring/k8s/payments-db.yaml,17,payments-db-failover;payments-db-restore,\r\n"), "{all}");
    assert!(all.contains("broken url,PaymentsRefundsFailing,warning,monitoring/payments.yaml,28,,\"runbook URL leads to /ops/runbooks/payments-refunds/,"), "{all}");
    assert!(all.contains("exempt,Watchdog"), "{all}");
    assert!(
        all.contains("elsewhere,\"Checkout p99 > 2s & \"\"slow\"\"\""),
        "{all}"
    );
}
