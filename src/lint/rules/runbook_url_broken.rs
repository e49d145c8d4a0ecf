use crate::alerts::RuleFile;
use crate::alerts::coverage::UrlStatus;
use crate::lint::{CheckContext, Emitter, Meta, Rule, rule_meta};

/// A runbook URL that leads nowhere on this site.
pub struct RunbookUrlBroken;

const META: Meta = rule_meta! {
    id: "runbook-url-broken",
    level: Error,
    checks: RuleFiles,
    reads: [OtherDocuments, AlertRules],
    summary: "An alert's `runbook_url` that points into this site at no page, or at a heading the page does not have.",
};

impl Rule for RunbookUrlBroken {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check_rule_file(&self, file: &RuleFile, ctx: &CheckContext, out: &mut Emitter) {
        let Some(coverage) = ctx.coverage() else {
            return;
        };
        for alert in &file.alerts {
            let Some(url) = &alert.runbook_url else {
                continue;
            };
            let status = coverage.status(alert);
            let UrlStatus::Broken { problem, help } = &status.url else {
                continue;
            };
            let expanded = status
                .expanded
                .filter(|e| *e != url.value)
                .map(|e| format!(" (`{e}`)"))
                .unwrap_or_default();
            out.emit(
                url.span.clone(),
                format!(
                    "the runbook URL of `{}`{expanded} {problem}",
                    alert.name.value
                ),
                "leads nowhere",
                help.clone(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RunbookUrlBroken;
    use crate::lint::testing::{RUNBOOK, Reported, check_alerts, config};

    fn check(url: &str) -> Vec<Reported> {
        let mut config = config();
        config.site.base_url = "https://kb.example.com/".into();
        config.site.repo_url = "https://github.com/acme/kb".into();
        let runbook = RUNBOOK.replace("status: active\n", "status: active\nalerts: [Listed]\n");
        let rules = format!(
            "groups:\n- name: payments\n  rules:\n  - alert: PaymentsDown\n    expr: up == 0\n    annotations:\n      runbook_url: \"{url}\"\n"
        );
        check_alerts(
            &RunbookUrlBroken,
            &config,
            &[("runbooks/db-failover.md", &runbook)],
            &[("monitoring/payments.yaml", &rules)],
        )
    }

    #[test]
    fn urls_to_pages_headings_and_other_sites_pass() {
        for url in [
            "https://kb.example.com/alerts/{{ $labels.alertname }}/",
            "https://kb.example.com/alerts/Listed/",
            "https://kb.example.com/runbooks/db-failover/#rollback",
            "https://kb.example.com/runbooks/",
            "https://github.com/acme/kb/blob/main/content/runbooks/db-failover.md",
            "https://wiki.example.com/Payments",
            "https://kb.example.com/runbooks/{{ $labels.service }}/",
        ] {
            assert_eq!(check(url), [], "{url}");
        }
    }

    #[test]
    fn a_missing_page_is_reported_at_the_annotation() {
        let found = check("https://kb.example.com/runbooks/db-failovr/");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].at, "\"https://kb.example.com/runbooks/db-failovr/\"");
        assert_eq!(
            found[0].message,
            "the runbook URL of `PaymentsDown` leads to /runbooks/db-failovr/, but the site has no page there"
        );
    }

    #[test]
    fn a_missing_heading_an_unknown_alert_and_a_missing_file_are_reported() {
        let found = check("https://kb.example.com/runbooks/db-failover/#roll-back");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("has no heading `#roll-back`"), "{}", found[0].message);

        let found = check("https://kb.example.com/alerts/{{ $labels.alertname }}-v2/");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].message,
            "the runbook URL of `PaymentsDown` (`https://kb.example.com/alerts/PaymentsDown-v2/`) leads to /alerts/PaymentsDown-v2/, but no rule file defines `PaymentsDown-v2` and no runbook lists it"
        );

        let found = check("https://github.com/acme/kb/blob/main/content/runbooks/gone.md");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("runbooks/gone.md"), "{}", found[0].message);
    }

    #[test]
    fn a_relative_path_is_not_a_link_alertmanager_can_follow() {
        let found = check("runbooks/db-failover.md");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("is not a link Alertmanager can follow"));
    }
}
