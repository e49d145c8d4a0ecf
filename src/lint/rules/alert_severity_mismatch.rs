use crate::alerts::RuleFile;
use crate::alerts::coverage::rank;
use crate::lint::{CheckContext, Emitter, Meta, Rule, rule_meta};

/// An alert answered by a runbook for a lower severity than the alert's.
pub struct AlertSeverityMismatch;

const META: Meta = rule_meta! {
    id: "alert-severity-mismatch",
    level: Warning,
    checks: RuleFiles,
    reads: [OtherDocuments, AlertRules],
    summary: "An alert whose runbook is for a lower severity than `[alerts.severities]` maps the alert's severity label to.",
};

impl Rule for AlertSeverityMismatch {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check_rule_file(&self, file: &RuleFile, ctx: &CheckContext, out: &mut Emitter) {
        let Some(coverage) = ctx.coverage() else {
            return;
        };
        for alert in &file.alerts {
            let (Some(label), Some((wanted, severity))) =
                (&alert.severity, coverage.required_severity(alert))
            else {
                continue;
            };
            for i in coverage.status(alert).runbooks() {
                let runbook = &coverage.docs[i];
                let meta = runbook.meta();
                let Some(has) = meta.severity.as_deref() else {
                    continue; // required-field reports it.
                };
                if rank(ctx.config, has).is_none_or(|r| r <= wanted) {
                    continue;
                }
                out.emit(
                    label.span.clone(),
                    format!(
                        "`{}` is `{}` ({severity} by [alerts.severities]), but its runbook `{}` ({}) is for {has}",
                        alert.name.value, label.value, runbook.id, runbook.display_path
                    ),
                    format!("{severity} alert"),
                    format!(
                        "raise the runbook's `severity:` to {severity} if it handles this alert, or give the alert a lower severity"
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AlertSeverityMismatch;
    use crate::lint::testing::{RUNBOOK, Reported, check_alerts, config};

    fn check(runbook_severity: &str, alert_severity: &str) -> Vec<Reported> {
        let mut config = config();
        config.alerts.severities.insert("critical".into(), "SEV1".into());
        config.alerts.severities.insert("warning".into(), "SEV3".into());
        let runbook = RUNBOOK
            .replace("severity: SEV2", &format!("severity: {runbook_severity}"))
            .replace("status: active\n", "status: active\nalerts: [PaymentsDown]\n");
        let rules = format!(
            "groups:\n- name: payments\n  rules:\n  - alert: PaymentsDown\n    expr: up == 0\n    labels:\n      severity: {alert_severity}\n"
        );
        check_alerts(
            &AlertSeverityMismatch,
            &config,
            &[("runbooks/db-failover.md", &runbook)],
            &[("monitoring/payments.yaml", &rules)],
        )
    }

    #[test]
    fn a_runbook_for_the_alerts_severity_or_worse_passes() {
        assert_eq!(check("SEV1", "critical"), []);
        assert_eq!(check("SEV2", "warning"), []);
        assert_eq!(check("SEV4", "info"), [], "info is not mapped");
    }

    #[test]
    fn a_critical_alert_with_a_lesser_runbook_is_reported_at_the_label() {
        let found = check("SEV3", "critical");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].at, "critical");
        assert_eq!(
            found[0].message,
            "`PaymentsDown` is `critical` (SEV1 by [alerts.severities]), but its runbook `rb-db-failover` (kb/content/runbooks/db-failover.md) is for SEV3"
        );
    }
}
