//! One rule file's text into its alerts, with the span of every value a finding points at.
//!
//! The file is read with the project's YAML layer (every document of a `---` stream). Rule
//! groups are found wherever they are, so one reader covers the formats in use:
//!
//! | Written as | Where the groups are |
//! |---|---|
//! | Prometheus, Thanos, Cortex, Mimir, Loki, VictoriaMetrics rule files | `groups:` at the top |
//! | `PrometheusRule` (prometheus-operator, kube-prometheus), `VMRule` | `spec.groups` |
//! | `kubectl get -o yaml` output, Helm values files | in a `List`'s `items`, under any key |
//! | Grafana-managed alert rules exported as YAML | `groups:`, rules with `title:` |
//!
//! A `groups:` list counts when one of its items has a `rules:` list; objects without one
//! (a Deployment in the same manifest) are passed over. Nothing is ever unwrapped: a value of
//! the wrong shape becomes a [`Problem`] that `invalid-rule-file` reports.

use std::ops::Range;

use super::{Alert, Flavor, Problem, Spanned};
use crate::config::AlertsConfig;
use crate::document::yaml::{self, Key, Node, Value};

/// How deep rule groups are looked for (a Helm values file nests them a few levels down).
const MAX_SEARCH_DEPTH: usize = 8;

/// What a rule file holds.
#[derive(Debug, Default)]
pub struct Parsed {
    pub alerts: Vec<Alert>,
    pub recording_rules: usize,
    pub problems: Vec<Problem>,
    /// The text is not YAML: nothing of it could be read.
    pub not_yaml: bool,
}

/// Reads the alerts of a rule file's text.
pub fn parse(text: &str, config: &AlertsConfig) -> Parsed {
    let mut parsed = Parsed::default();
    match yaml::parse_documents(text) {
        Ok(documents) => {
            for document in &documents {
                find_groups(document, 0, config, &mut parsed);
            }
        }
        Err(err) => {
            parsed.problems.push(not_yaml(text, &err));
            parsed.not_yaml = true;
        }
    }
    parsed
}

/// The problem of a file that is not YAML, with a hint when it is a template.
fn not_yaml(text: &str, err: &yaml::YamlError) -> Problem {
    let at = err.offset.unwrap_or(0).min(text.len());
    let span = line_at(text, at);
    match template_line(text) {
        Some(template) => Problem {
            span: template,
            message: format!(
                "not a YAML rule file: it holds template syntax (Helm, Go or Jinja) that was not rendered (as YAML: {})",
                err.message
            ),
            label: "template syntax".into(),
            help: "render it first (`helm template`) and point [alerts] rules at the output, or leave it out with [alerts] exclude".into(),
        },
        None => Problem {
            span,
            message: format!("not a YAML rule file: {}", err.message),
            label: "YAML error here".into(),
            help: "fix the YAML (`promtool check rules` checks a Prometheus rule file), or leave the file out with [alerts] exclude".into(),
        },
    }
}

/// The first line that starts with a template action (`{{`, `{%`), or holds one after a key.
fn template_line(text: &str) -> Option<Range<usize>> {
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let value = trimmed.split_once(": ").map_or("", |(_, v)| v.trim_start());
        if ["{{", "{%"]
            .iter()
            .any(|t| trimmed.starts_with(t) || value.starts_with(t))
        {
            return Some(line_at(text, start));
        }
        start += line.len();
    }
    None
}

/// The line holding byte `at`, without its line break.
fn line_at(text: &str, at: usize) -> Range<usize> {
    let at = at.min(text.len());
    let start = text[..floor(text, at)].rfind('\n').map_or(0, |i| i + 1);
    let end = text[start..]
        .find(['\r', '\n'])
        .map_or(text.len(), |i| start + i);
    start..end.max(start)
}

fn floor(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Looks for rule groups in `node` and below.
fn find_groups(node: &Node, depth: usize, config: &AlertsConfig, out: &mut Parsed) {
    if depth > MAX_SEARCH_DEPTH {
        return;
    }
    match &node.value {
        Value::Map(entries) => {
            if let Some((_, groups)) = node.get("groups")
                && let Some(items) = groups.as_seq()
                && items.iter().any(|g| g.get("rules").is_some())
            {
                for group in items {
                    read_group(group, config, out);
                }
                return;
            }
            for (_, value) in entries {
                find_groups(value, depth + 1, config, out);
            }
        }
        Value::Seq(items) => {
            for item in items {
                find_groups(item, depth + 1, config, out);
            }
        }
        _ => {}
    }
}

fn problem(span: &Range<usize>, message: String, label: &str, help: &str) -> Problem {
    Problem {
        span: span.clone(),
        message,
        label: label.into(),
        help: help.into(),
    }
}

fn read_group(group: &Node, config: &AlertsConfig, out: &mut Parsed) {
    if group.as_map().is_none() {
        out.problems.push(problem(
            &group.span,
            format!("a rule group is {}, not a mapping", group.value.type_name()),
            "not a rule group",
            "a group is `name:` and `rules:` (a list of rules)",
        ));
        return;
    }
    let name = group
        .get("name")
        .and_then(|(_, n)| n.scalar_text())
        .unwrap_or_default();
    let Some((key, rules)) = group.get("rules") else {
        return;
    };
    let Some(rules) = rules.as_seq() else {
        if !rules.is_empty() {
            out.problems.push(problem(
                &key.span,
                format!("`rules` is {}, not a list", rules.value.type_name()),
                "not a list of rules",
                "write the group's rules as a list (`- alert: ...`)",
            ));
        }
        return;
    };
    for rule in rules {
        read_rule(rule, &name, config, out);
    }
}

fn read_rule(rule: &Node, group: &str, config: &AlertsConfig, out: &mut Parsed) {
    if rule.as_map().is_none() {
        out.problems.push(problem(
            &rule.span,
            format!("a rule is {}, not a mapping", rule.value.type_name()),
            "not a rule",
            "a rule is a mapping with `alert:` (or `record:`) and `expr:`",
        ));
        return;
    }
    if rule.get("record").is_some() && rule.get("alert").is_none() {
        out.recording_rules += 1;
        return;
    }
    let (name_key, flavor) = match (rule.get("alert"), grafana_title(rule)) {
        (Some(entry), _) => (entry, Flavor::Prometheus),
        (None, Some(entry)) => (entry, Flavor::Grafana),
        (None, None) => {
            out.problems.push(problem(
                &first_line_of(rule),
                "a rule with neither `alert:` nor `record:`".into(),
                "not an alerting or recording rule",
                "name the alert with `alert:` (or the recorded series with `record:`)",
            ));
            return;
        }
    };
    match alert_name(name_key) {
        Ok(name) => {
            let alert = alert(rule, name, group, flavor, config, out);
            out.alerts.push(alert);
        }
        Err(p) => out.problems.push(p),
    }
}

/// The `title:` of a Grafana-managed rule (one with `uid:`, `condition:` or `data:`).
fn grafana_title(rule: &Node) -> Option<(&Key, &Node)> {
    let title = rule.get("title")?;
    ["uid", "condition", "data"]
        .iter()
        .any(|k| rule.get(k).is_some())
        .then_some(title)
}

/// An alert's name, or why it cannot be one.
fn alert_name((key, value): (&Key, &Node)) -> Result<Spanned, Problem> {
    let Some(name) = value.scalar_text().map(|n| n.trim().to_string()) else {
        return Err(problem(
            &cover(&key.span, &value.span),
            format!("the alert name is {}", value.value.type_name()),
            "not a name",
            "write the alert's name as text, such as `alert: PaymentsHighErrorRate`",
        ));
    };
    if name.is_empty() {
        return Err(problem(
            &cover(&key.span, &value.span),
            "an alert without a name".into(),
            "empty",
            "write the alert's name, such as `alert: PaymentsHighErrorRate`",
        ));
    }
    if name.contains("{{") || name.contains("{%") {
        return Err(problem(
            &value.span,
            format!("the alert name `{name}` is a template: this file was not rendered"),
            "template syntax",
            "render the file first (`helm template`) and point [alerts] rules at the output, or leave it out with [alerts] exclude",
        ));
    }
    Ok(Spanned {
        value: name,
        span: value.span.clone(),
    })
}

fn alert(
    rule: &Node,
    name: Spanned,
    group: &str,
    flavor: Flavor,
    config: &AlertsConfig,
    out: &mut Parsed,
) -> Alert {
    let labels = string_map(rule, "labels", out);
    let annotations = string_map(rule, "annotations", out);
    let find = |entries: &[(String, Spanned)], key: &str| {
        entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let text = |key: &str| find(&annotations, key).map(|s| s.value);
    Alert {
        group: group.to_string(),
        severity: find(&labels, &config.severity_label),
        runbook_url: find(&annotations, &config.runbook_annotation)
            .filter(|url| !url.value.trim().is_empty()),
        summary: text("summary")
            .or_else(|| text("message"))
            .unwrap_or_default(),
        description: text("description").unwrap_or_default(),
        expr: scalar(rule, "expr"),
        pending: scalar(rule, "for"),
        labels: labels.into_iter().map(|(k, v)| (k, v.value)).collect(),
        name,
        flavor,
    }
}

fn scalar(rule: &Node, key: &str) -> String {
    rule.get(key)
        .and_then(|(_, v)| v.scalar_text())
        .unwrap_or_default()
}

/// A mapping of scalars (`labels:`, `annotations:`), each value with its span. A value that is
/// not a mapping, or an entry that is not a scalar, is a problem.
fn string_map(rule: &Node, key: &str, out: &mut Parsed) -> Vec<(String, Spanned)> {
    let Some((k, node)) = rule.get(key) else {
        return Vec::new();
    };
    let Some(entries) = node.as_map() else {
        if !node.is_empty() {
            out.problems.push(problem(
                &cover(&k.span, &node.span),
                format!("`{key}` is {}, not a mapping", node.value.type_name()),
                "not a mapping",
                "write them as `name: value` pairs, one per line",
            ));
        }
        return Vec::new();
    };
    let mut map = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        match v.scalar_text() {
            Some(value) => map.push((
                k.name.clone(),
                Spanned {
                    value,
                    span: v.span.clone(),
                },
            )),
            None if v.is_empty() => {}
            None => out.problems.push(problem(
                &v.span,
                format!("`{key}.{}` is {}, not text", k.name, v.value.type_name()),
                "not text",
                "label and annotation values are text; quote them",
            )),
        }
    }
    map
}

fn cover(a: &Range<usize>, b: &Range<usize>) -> Range<usize> {
    a.start.min(b.start)..a.end.max(b.end)
}

/// A rule's first line: where a finding about the whole rule points.
fn first_line_of(rule: &Node) -> Range<usize> {
    match rule.as_map().and_then(|entries| entries.first()) {
        Some((key, value)) => cover(&key.span, &value.span),
        None => rule.span.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Parsed {
        parse(text, &AlertsConfig::default())
    }

    fn at<'a>(text: &'a str, span: &Range<usize>) -> &'a str {
        &text[span.clone()]
    }

    const PROMETHEUS: &str = "# Payments alerts
groups:
  - name: payments
    rules:
      - record: job:http_errors:rate5m
        expr: sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m]))
      - alert: PaymentsHighErrorRate
        expr: job:http_errors:rate5m{job=\"payments-api\"} > 0.05
        for: 10m
        labels:
          severity: critical
        annotations:
          summary: Payments API returns errors
          runbook_url: https://kb.example.com/alerts/{{ $labels.alertname }}/
";

    #[test]
    fn a_prometheus_rule_file_gives_its_alerts_with_spans() {
        let parsed = read(PROMETHEUS);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert_eq!(parsed.recording_rules, 1);
        let [alert] = &parsed.alerts[..] else {
            panic!("{:?}", parsed.alerts)
        };
        assert_eq!(alert.name.value, "PaymentsHighErrorRate");
        assert_eq!(at(PROMETHEUS, &alert.name.span), "PaymentsHighErrorRate");
        assert_eq!(alert.group, "payments");
        let severity = alert.severity.as_ref().unwrap();
        assert_eq!(at(PROMETHEUS, &severity.span), "critical");
        let url = alert.runbook_url.as_ref().unwrap();
        assert_eq!(
            at(PROMETHEUS, &url.span),
            "https://kb.example.com/alerts/{{ $labels.alertname }}/"
        );
        assert_eq!(alert.summary, "Payments API returns errors");
        assert_eq!(alert.pending, "10m");
        assert_eq!(alert.flavor, Flavor::Prometheus);
    }

    #[test]
    fn prometheus_rule_objects_among_other_manifests() {
        let text = "apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 2
---
# The rules
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: node-exporter-rules
spec:
  groups:
  - name: node-exporter
    rules:
    - alert: NodeFilesystemSpaceFillingUp
      annotations:
        runbook_url: https://runbooks.prometheus-operator.dev/runbooks/node/nodefilesystemspacefillingup
      expr: |
        node_filesystem_avail_bytes / node_filesystem_size_bytes < 0.15
      labels:
        severity: warning
    - alert: NodeFilesystemSpaceFillingUp
      expr: node_filesystem_avail_bytes / node_filesystem_size_bytes < 0.05
      labels:
        severity: critical
---
apiVersion: v1
kind: List
items:
- apiVersion: operator.victoriametrics.com/v1beta1
  kind: VMRule
  spec:
    groups:
    - name: vm
      rules:
      - alert: VMDown
        expr: up == 0
";
        let parsed = read(text);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let names: Vec<(&str, &str)> = parsed
            .alerts
            .iter()
            .map(|a| {
                (
                    a.name.value.as_str(),
                    a.severity.as_ref().map_or("", |s| s.value.as_str()),
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                ("NodeFilesystemSpaceFillingUp", "warning"),
                ("NodeFilesystemSpaceFillingUp", "critical"),
                ("VMDown", ""),
            ]
        );
        let second = &parsed.alerts[1];
        assert_eq!(at(text, &second.name.span), "NodeFilesystemSpaceFillingUp");
        assert!(text[..second.name.span.start].contains("runbooks/node"));
    }

    #[test]
    fn a_helm_template_is_one_problem_with_a_hint() {
        let text = "{{- if .Values.rules.enabled }}
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
spec:
  groups:
  - name: x
    rules:
    - alert: {{ .Values.prefix }}Down
      expr: up == 0
{{- end }}
";
        let parsed = read(text);
        assert!(parsed.alerts.is_empty());
        let [problem] = &parsed.problems[..] else {
            panic!("{:?}", parsed.problems)
        };
        assert!(problem.message.contains("template"), "{}", problem.message);
        assert_eq!(at(text, &problem.span), "{{- if .Values.rules.enabled }}");
        assert!(problem.help.contains("helm template"));
    }

    #[test]
    fn a_template_that_parses_as_yaml_is_caught_at_the_alert_name() {
        let text = "groups:\n- name: x\n  rules:\n  - alert: '{{ .Values.prefix }}Down'\n    expr: up == 0\n";
        let parsed = read(text);
        assert!(parsed.alerts.is_empty());
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(
            at(text, &parsed.problems[0].span),
            "'{{ .Values.prefix }}Down'"
        );
    }

    #[test]
    fn broken_yaml_points_at_the_line() {
        let text = "groups:\n- name: x\n  rules:\n  - alert: A\n    expr: [up\n";
        let parsed = read(text);
        assert_eq!(parsed.problems.len(), 1, "{:?}", parsed.problems);
        assert!(
            parsed.problems[0]
                .message
                .starts_with("not a YAML rule file")
        );
    }

    #[test]
    fn wrong_shapes_are_problems_and_the_rest_is_read() {
        let text = "groups:
- name: x
  rules:
  - just text
  - expr: up == 0
  - alert: [A]
  - alert: B
    labels: [severity, critical]
    annotations:
      runbook_url: {nested: map}
  - alert: C
";
        let parsed = read(text);
        let names: Vec<&str> = parsed
            .alerts
            .iter()
            .map(|a| a.name.value.as_str())
            .collect();
        assert_eq!(names, ["B", "C"]);
        // Where each problem starts (a flow collection's span is its opening bracket).
        let starts: Vec<&str> = parsed
            .problems
            .iter()
            .map(|p| &text[p.span.start..])
            .collect();
        let expected = [
            "just text",
            "expr: up == 0",
            "alert: [A]",
            "labels: [severity, critical]",
            "{nested: map}",
        ];
        assert_eq!(starts.len(), expected.len(), "{:?}", parsed.problems);
        for (start, expected) in starts.iter().zip(expected) {
            assert!(start.starts_with(expected), "{start:?} / {expected}");
        }
        assert!(parsed.alerts[0].runbook_url.is_none());
    }

    #[test]
    fn grafana_managed_rules_are_alerts_named_by_their_title() {
        let text = "apiVersion: 1
groups:
  - orgId: 1
    name: checkout
    folder: Shop
    interval: 1m
    rules:
      - uid: a1b2c3
        title: CheckoutLatencyHigh
        condition: C
        data: []
        labels:
          severity: warning
        annotations:
          runbook_url: https://kb.example.com/alerts/CheckoutLatencyHigh/
";
        let parsed = read(text);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert_eq!(parsed.alerts.len(), 1);
        assert_eq!(parsed.alerts[0].name.value, "CheckoutLatencyHigh");
        assert_eq!(parsed.alerts[0].flavor, Flavor::Grafana);
    }

    #[test]
    fn files_without_rule_groups_have_no_alerts_and_no_problems() {
        for text in [
            "",
            "# only a comment\n",
            "apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n",
            "groups: [a, b]\n",
            "- 1\n- 2\n",
        ] {
            let parsed = read(text);
            assert!(
                parsed.alerts.is_empty() && parsed.problems.is_empty(),
                "{text}"
            );
        }
    }

    #[test]
    fn line_at_never_splits_a_character() {
        let text = "é: [\n";
        for at in 0..=text.len() + 2 {
            let span = line_at(text, at);
            assert!(text.get(span).is_some());
        }
    }

    /// Rule-file-like text from pieces that collide: keys, templates, documents, odd values.
    fn rule_like() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            Just("groups:\n".to_string()),
            Just("- name: g\n  rules:\n".to_string()),
            Just("  - alert: A\n".to_string()),
            Just(
                "    annotations: {runbook_url: '/alerts/{{ $labels.alertname }}/'}\n".to_string()
            ),
            Just("    labels:\n      severity: [x]\n".to_string()),
            Just("  - record: r\n".to_string()),
            Just("---\n".to_string()),
            Just("spec:\n  groups:\n".to_string()),
            Just("{{- if .Values.x }}\n".to_string()),
            Just("  - title: T\n    uid: u\n".to_string()),
            Just("é\u{feff}\r\n".to_string()),
            "\\PC{0,12}".prop_map(|s| s),
        ];
        proptest::collection::vec(piece, 0..16).prop_map(|pieces| pieces.concat())
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_read_without_panicking_and_spans_fit(text in rule_like()) {
            let parsed = read(&text);
            for alert in &parsed.alerts {
                proptest::prop_assert!(text.get(alert.name.span.clone()).is_some());
                for value in alert.severity.iter().chain(&alert.runbook_url) {
                    proptest::prop_assert!(text.get(value.span.clone()).is_some());
                }
            }
            for problem in &parsed.problems {
                proptest::prop_assert!(text.get(problem.span.clone()).is_some(), "{:?}", problem);
            }
        }
    }
}
