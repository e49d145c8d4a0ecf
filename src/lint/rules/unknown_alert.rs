use crate::alerts::coverage::knows_every_alert;
use crate::document::{Document, Kind};
use crate::lint::{CheckContext, Emitter, Meta, Rule, rule_meta};

/// A runbook listing an alert that no rule file defines.
pub struct UnknownAlert;

const META: Meta = rule_meta! {
    id: "unknown-alert",
    level: Error,
    reads: [AlertRules],
    summary: "A runbook's `alerts:` names an alert that no rule file of `[alerts] rules` defines.",
};

impl Rule for UnknownAlert {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, doc: &Document, ctx: &CheckContext, out: &mut Emitter) {
        if doc.kind != Some(Kind::Runbook) || !doc.is_usable() {
            return;
        }
        let Some(items) = doc.field("alerts").and_then(|n| n.as_seq()) else {
            return;
        };
        let rules = ctx.alerts();
        if !knows_every_alert(ctx.config, rules) {
            return;
        }
        for item in items {
            let Some(name) = item.as_str().map(str::trim).filter(|n| !n.is_empty()) else {
                continue; // invalid-value reports it.
            };
            if rules.defines(name) {
                continue;
            }
            let help = match super::most_similar(name, rules.names(), 0.85) {
                Some(best) => format!(
                    "did you mean `{best}`? alert names are matched exactly, upper and lower case included"
                ),
                None => "remove it if the alert was deleted, or add the file that defines it to [alerts] rules".into(),
            };
            out.emit(
                item.span.clone(),
                format!("`alerts` names `{name}`, but no rule file defines that alert"),
                "no such alert",
                help,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::UnknownAlert;
    use crate::config::Config;
    use crate::lint::testing::{RUNBOOK, Reported, check_alerts, config};

    const RULES: &str = "groups:\n- name: payments\n  rules:\n  - alert: PaymentsHighErrorRate\n    expr: up == 0\n";

    fn check(config: &Config, alerts: &str, rules: &str) -> Vec<Reported> {
        let runbook = RUNBOOK.replace("status: active\n", &format!("status: active\nalerts: {alerts}\n"));
        check_alerts(
            &UnknownAlert,
            config,
            &[("runbooks/db-failover.md", &runbook)],
            &[("monitoring/payments.yaml", rules)],
        )
    }

    fn with_rules() -> Config {
        let mut config = config();
        config.alerts.rules = vec!["monitoring/*.yaml".into()];
        config
    }

    #[test]
    fn a_defined_alert_passes() {
        assert_eq!(check(&with_rules(), "[PaymentsHighErrorRate]", RULES), []);
    }

    #[test]
    fn a_typo_is_reported_with_the_closest_name() {
        let found = check(&with_rules(), "[PaymentsHighErrorRate, PaymentHighErrorRate]", RULES);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].at, "PaymentHighErrorRate");
        assert_eq!(
            found[0].message,
            "`alerts` names `PaymentHighErrorRate`, but no rule file defines that alert"
        );
        assert!(found[0].help.starts_with("did you mean `PaymentsHighErrorRate`?"));
    }

    #[test]
    fn nothing_is_reported_without_rule_files_or_with_an_unreadable_one() {
        assert_eq!(check(&config(), "[Anything]", RULES), []);
        assert_eq!(check(&with_rules(), "[Anything]", "{{ template }}\n: ["), []);
    }
}
