use crate::alerts::coverage::Verdict;
use crate::alerts::{Alert, RuleFile};
use crate::lint::{CheckContext, Emitter, Meta, Rule, rule_meta};

/// An alert that no runbook answers.
pub struct AlertWithoutRunbook;

const META: Meta = rule_meta! {
    id: "alert-without-runbook",
    level: Error,
    checks: RuleFiles,
    reads: [OtherDocuments, AlertRules],
    summary: "An alert that no runbook lists in `alerts:` and whose `runbook_url` leads to no runbook.",
};

impl Rule for AlertWithoutRunbook {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check_rule_file(&self, file: &RuleFile, ctx: &CheckContext, out: &mut Emitter) {
        let Some(coverage) = ctx.coverage() else {
            return;
        };
        for alert in &file.alerts {
            let name = &alert.name.value;
            // Broken runbook URLs are runbook-url-broken's.
            let Verdict::NoRunbook(why) = coverage.status(alert).verdict(name, ctx.config) else {
                continue;
            };
            out.emit(
                alert.name.span.clone(),
                format!("no runbook answers the alert `{name}`: {why}"),
                "no runbook for this alert",
                help(alert, ctx),
            );
        }
    }
}

fn help(alert: &Alert, ctx: &CheckContext) -> String {
    let name = &alert.name.value;
    let url = if alert.runbook_url.is_none() {
        format!(
            ", and give the alert `{}: {}alerts/{{{{ $labels.alertname }}}}/`",
            ctx.config.alerts.runbook_annotation,
            site_root(ctx)
        )
    } else {
        String::new()
    };
    format!(
        "add `{name}` to the `alerts:` of the runbook that handles it (or write one: opsbook new runbook \"...\"){url}; alerts that need none go in [alerts] exempt"
    )
}

/// The site's address as runbook URLs should start, from `site.base_url`.
fn site_root(ctx: &CheckContext) -> String {
    let base = ctx.config.site.base_url.trim();
    if base.contains("://") {
        format!("{}/", base.trim_end_matches('/'))
    } else {
        format!("https://<your site>{}", crate::site::model::base_path(base))
    }
}

#[cfg(test)]
mod tests {
    use super::AlertWithoutRunbook;
    use crate::config::Config;
    use crate::lint::testing::{RUNBOOK, Reported, check_alerts, config};

    fn rules(alert: &str, url: Option<&str>) -> String {
        let annotations = url
            .map(|u| format!("    annotations:\n      runbook_url: {u}\n"))
            .unwrap_or_default();
        format!(
            "groups:\n- name: payments\n  rules:\n  - alert: {alert}\n    expr: up == 0\n{annotations}"
        )
    }

    fn check(config: &Config, runbook_alerts: &str, rule_file: &str) -> Vec<Reported> {
        let runbook = RUNBOOK.replace("status: active\n", &format!("status: active\n{runbook_alerts}\n"));
        check_alerts(
            &AlertWithoutRunbook,
            config,
            &[("runbooks/db-failover.md", &runbook)],
            &[("monitoring/payments.yaml", rule_file)],
        )
    }

    fn site_config() -> Config {
        let mut config = config();
        config.site.base_url = "https://kb.example.com/".into();
        config
    }

    #[test]
    fn an_alert_a_runbook_lists_passes() {
        let found = check(&config(), "alerts: [PaymentsDown]", &rules("PaymentsDown", None));
        assert_eq!(found, []);
    }

    #[test]
    fn an_alert_whose_url_leads_to_a_runbook_passes() {
        for url in [
            "https://kb.example.com/runbooks/db-failover/",
            "https://kb.example.com/runbooks/db-failover/#rollback",
        ] {
            let found = check(&site_config(), "", &rules("PaymentsDown", Some(url)));
            assert_eq!(found, [], "{url}");
        }
    }

    #[test]
    fn an_alert_nothing_answers_is_reported_at_its_name() {
        let found = check(&site_config(), "alerts: [Other]", &rules("PaymentsDown", None));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, "monitoring/payments.yaml");
        assert_eq!(found[0].at, "PaymentsDown");
        assert_eq!(
            found[0].message,
            "no runbook answers the alert `PaymentsDown`: no runbook lists it in `alerts:`, and it has no runbook URL"
        );
        assert!(
            found[0]
                .help
                .contains("runbook_url: https://kb.example.com/alerts/{{ $labels.alertname }}/"),
            "{}",
            found[0].help
        );
    }

    #[test]
    fn the_alert_page_of_an_alert_no_runbook_lists_is_no_runbook() {
        let url = "https://kb.example.com/alerts/{{ $labels.alertname }}/";
        let found = check(&site_config(), "", &rules("PaymentsDown", Some(url)));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("/alerts/PaymentsDown/"), "{}", found[0].message);
        let found = check(&site_config(), "alerts: [PaymentsDown]", &rules("PaymentsDown", Some(url)));
        assert_eq!(found, []);
    }

    #[test]
    fn external_dynamic_broken_and_exempt_alerts_are_left_alone() {
        for url in [
            "https://runbooks.prometheus-operator.dev/runbooks/x",
            "https://kb.example.com/runbooks/{{ $labels.service }}/",
            "https://kb.example.com/runbooks/gone/",
        ] {
            let found = check(&site_config(), "", &rules("PaymentsDown", Some(url)));
            assert_eq!(found, [], "{url}");
        }
        let mut config = site_config();
        config.alerts.exempt = vec!["Watchdog".into()];
        assert_eq!(check(&config, "", &rules("Watchdog", None)), []);
        config.alerts.external_runbooks = false;
        let found = check(&config, "", &rules("PaymentsDown", Some("https://elsewhere.example.com/x")));
        assert_eq!(found.len(), 1, "{found:?}");
    }
}
