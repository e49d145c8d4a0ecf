use crate::alerts::RuleFile;
use crate::lint::{CheckContext, Emitter, Meta, Rule, rule_meta};

/// A file of `[alerts] rules` that cannot be read as alerting rules, wholly or in part.
pub struct InvalidRuleFile;

const META: Meta = rule_meta! {
    id: "invalid-rule-file",
    level: Error,
    checks: RuleFiles,
    reads: [],
    summary: "A file of `[alerts] rules` that is not readable YAML rules: unreadable, a template that was not rendered, or a rule of the wrong shape.",
};

impl Rule for InvalidRuleFile {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check_rule_file(&self, file: &RuleFile, _ctx: &CheckContext, out: &mut Emitter) {
        if let Some(problem) = &file.read_problem {
            out.emit(
                0..0,
                format!("cannot read this rule file: {problem}"),
                "unreadable",
                "make it a UTF-8 text file, or leave it out with [alerts] exclude",
            );
        }
        for problem in &file.problems {
            out.emit(
                problem.span.clone(),
                problem.message.clone(),
                problem.label.clone(),
                problem.help.clone(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::InvalidRuleFile;
    use crate::lint::testing::{check_alerts, config};

    #[test]
    fn rules_of_the_right_shape_pass() {
        let found = check_alerts(
            &InvalidRuleFile,
            &config(),
            &[],
            &[(
                "monitoring/a.yaml",
                "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n",
            )],
        );
        assert_eq!(found, []);
    }

    #[test]
    fn a_helm_template_is_reported_at_its_first_template_line() {
        let text = "# chart\n{{- if .Values.enabled }}\ngroups:\n- name: a\n  rules:\n  - alert: A\n{{- end }}\n";
        let found = check_alerts(&InvalidRuleFile, &config(), &[], &[("chart/rules.yaml", text)]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, "chart/rules.yaml");
        assert_eq!(found[0].at, "{{- if .Values.enabled }}");
        assert!(found[0].message.contains("template"), "{}", found[0].message);
    }

    #[test]
    fn a_rule_without_alert_or_record_is_reported_and_the_others_read() {
        let text = "groups:\n- name: a\n  rules:\n  - expr: up == 0\n  - alert: B\n    expr: up == 0\n";
        let found = check_alerts(&InvalidRuleFile, &config(), &[], &[("r.yaml", text)]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].at, "expr: up == 0");
        assert_eq!(found[0].message, "a rule with neither `alert:` nor `record:`");
    }
}
