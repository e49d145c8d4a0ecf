use crate::config::KindSchema;
use crate::document::schema::{self, FieldSpec, FieldType};
use crate::document::yaml::{Key, Node, Value};
use crate::document::{Document, Kind};
use crate::lint::{CheckContext, Emitter, Meta, Rule, rule_meta};

/// A value of the wrong type or outside the allowed values.
pub struct InvalidValue;

const META: Meta = rule_meta! {
    id: "invalid-value",
    level: Error,
    reads: [],
    summary: "A value of the wrong type, a severity outside the scale, a value outside its allowed list, an unknown `kind`.",
};

impl Rule for InvalidValue {
    fn meta(&self) -> &'static Meta {
        &META
    }
    fn check(&self, doc: &Document, ctx: &CheckContext, out: &mut Emitter) {
        if !doc.is_usable() {
            return;
        }
        if let Some((_, value)) = doc.front_matter.get("kind")
            && Kind::from_name(value.as_str().unwrap_or_default()).is_none()
        {
            out.emit(
                value.span.clone(),
                format!("unknown kind {}", shown(value)),
                "not a kind opsbook knows",
                "use `kind: runbook` or `kind: postmortem`",
            );
            return;
        }
        let Some(kind) = doc.kind else {
            return;
        };
        let checker = Checker {
            doc,
            severities: &ctx.config.schema.severities,
            out,
        };
        checker.check_map(
            &doc.front_matter,
            ctx.config.schema.for_kind(kind),
            &|name| schema::field_spec(kind, name),
            &ctx.config.schema.follow_up,
            "",
        );
    }
}

struct Checker<'a, 'o> {
    doc: &'a Document,
    severities: &'a [String],
    out: &'o mut Emitter,
}

/// How a value looks in a message: strings quoted, others by type.
fn shown(node: &Node) -> String {
    match &node.value {
        Value::Str(s) => format!("`{s}`"),
        Value::Int(i) => format!("`{i}` (a number)"),
        Value::Float(f) => format!("`{f}` (a number)"),
        Value::Bool(b) => format!("`{b}` (a boolean)"),
        other => other.type_name().to_string(),
    }
}

/// The key as a finding names it: `` `follow_ups[1].due` ``, or for an alias both names
/// (`` `review_in` (read as `review_interval`) ``).
fn named(prefix: &str, key: &Key) -> String {
    match &key.written {
        Some(written) => format!("`{prefix}{written}` (read as `{prefix}{}`)", key.name),
        None => format!("`{prefix}{}`", key.name),
    }
}

/// For a value under an alias, how opsbook.toml can read it the team's way.
fn conversion_hint(key: &Key, conversion: &str) -> String {
    if key.written.is_some() {
        format!(
            "; or, to read such values as they are, set `{} = \"{conversion}\"` under `convert` for this kind in opsbook.toml",
            key.name
        )
    } else {
        String::new()
    }
}

fn one_of(values: &[String]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Checker<'_, '_> {
    fn check_map(
        mut self,
        map: &Node,
        kind_schema: &KindSchema,
        spec: &dyn Fn(&str) -> Option<&'static FieldSpec>,
        follow_up_schema: &KindSchema,
        prefix: &str,
    ) {
        for (key, value) in map.as_map().unwrap_or_default() {
            let Some(field) = spec(&key.name) else {
                continue;
            };
            if matches!(value.value, Value::Null) {
                continue; // Emptiness is required-field's business.
            }
            self.check_field(key, value, field, kind_schema, prefix);
            if field.ty == FieldType::FollowUps
                && let Some(items) = value.as_seq()
            {
                for (index, item) in items.iter().enumerate() {
                    if item.as_map().is_none() {
                        continue; // Reported by check_field.
                    }
                    let prefix = format!("follow_ups[{}].", index + 1);
                    let inner = Checker {
                        doc: self.doc,
                        severities: self.severities,
                        out: &mut *self.out,
                    };
                    inner.check_map(
                        item,
                        follow_up_schema,
                        &schema::follow_up_field,
                        follow_up_schema,
                        &prefix,
                    );
                }
            }
        }
    }

    fn wrong(&mut self, key: &Key, value: &Node, prefix: &str, expected: &str, help: String) {
        self.out.emit(
            value.span.clone(),
            format!(
                "{} must be {expected}, found {}",
                named(prefix, key),
                shown(value)
            ),
            format!("expected {expected}"),
            help,
        );
    }

    fn check_field(
        &mut self,
        key: &Key,
        value: &Node,
        field: &FieldSpec,
        kind_schema: &KindSchema,
        prefix: &str,
    ) {
        let name = field.name;
        match field.ty {
            FieldType::Text | FieldType::Date | FieldType::Timestamp | FieldType::Kind => {
                if value.as_str().is_none() {
                    let help = format!("write `{name}` as text: {}", field.describe);
                    self.wrong(key, value, prefix, "text", help);
                    return;
                }
                self.check_allowed(key, value, kind_schema, prefix);
            }
            FieldType::TextList => match &value.value {
                Value::Seq(items) => {
                    for item in items {
                        if item.as_str().is_none() {
                            let help =
                                format!("each entry of `{name}` is a name: {}", field.describe);
                            self.wrong(key, item, prefix, "a list of names", help);
                        } else {
                            self.check_allowed(key, item, kind_schema, prefix);
                        }
                    }
                }
                Value::Str(s) => {
                    let hint = conversion_hint(key, "list");
                    let help = format!("write it as a list: `{name}: [{s}]`{hint}");
                    self.wrong(key, value, prefix, "a list", help);
                }
                _ => {
                    let help = format!("write it as a list: `{name}: [a, b]`");
                    self.wrong(key, value, prefix, "a list", help);
                }
            },
            FieldType::Severity => self.check_severity(key, value, prefix),
            FieldType::Days => {
                if !matches!(value.value, Value::Int(i) if i > 0) {
                    let hint = conversion_hint(key, "duration");
                    let help = format!(
                        "write `{name}` as a whole number of days, such as `{name}: 180`{hint}"
                    );
                    self.wrong(key, value, prefix, "a positive whole number of days", help);
                }
            }
            FieldType::FollowUps => match &value.value {
                Value::Seq(items) => {
                    for item in items {
                        if item.as_map().is_none() {
                            let help = "write each follow-up as a mapping: `- action: ...` / `owner: ...` / `due: YYYY-MM-DD`".to_string();
                            self.wrong(
                                key,
                                item,
                                prefix,
                                "a list of follow-ups (each a mapping)",
                                help,
                            );
                        }
                    }
                }
                _ => {
                    let help = "write follow-ups as a list:\n    follow_ups:\n      - action: Add a canary stage\n        owner: bob@example.com\n        due: 2026-10-18".to_string();
                    self.wrong(key, value, prefix, "a list of follow-ups", help);
                }
            },
            FieldType::LintSettings => self.check_lint_settings(key, value, prefix),
        }
    }

    /// A severity on the configured scale, with a suggestion for a near miss (`sev2`, `2`).
    fn check_severity(&mut self, key: &Key, value: &Node, prefix: &str) {
        let found = value.scalar_text();
        let ok = value
            .as_str()
            .is_some_and(|s| self.severities.iter().any(|v| v == s));
        if !ok {
            let scale = one_of(self.severities);
            let suggestion = found
                .and_then(|f| {
                    let f = f.trim().to_ascii_uppercase();
                    self.severities
                        .iter()
                        .find(|s| s.to_ascii_uppercase() == f || s.ends_with(&f))
                })
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            self.out.emit(
                value.span.clone(),
                format!(
                    "{} is {}, not a severity on the scale",
                    named(prefix, key),
                    shown(value)
                ),
                format!("expected one of {scale}"),
                format!(
                    "use one of {scale}{suggestion}; the scale is `schema.severities` in opsbook.toml"
                ),
            );
        }
    }

    /// `lint: {allow: [rule-id, ...]}`: a mapping whose only key is a list of known rule ids.
    fn check_lint_settings(&mut self, key: &Key, value: &Node, prefix: &str) {
        let example = "write it as `lint: {allow: [rule-id]}` (`opsbook rules` lists the ids)";
        let Some(entries) = value.as_map() else {
            self.wrong(key, value, prefix, "a mapping", example.to_string());
            return;
        };
        for (inner_key, inner) in entries {
            if inner_key.name != "allow" {
                self.out.emit(
                    inner_key.span.clone(),
                    format!("`lint.{}` is not a lint setting", inner_key.name),
                    "expected `allow`",
                    example,
                );
                continue;
            }
            let Some(items) = inner.as_seq() else {
                self.wrong(
                    inner_key,
                    inner,
                    "lint.",
                    "a list of rule ids",
                    example.to_string(),
                );
                continue;
            };
            for item in items {
                let id = item.as_str().unwrap_or_default();
                if crate::lint::rules::by_id(id).is_none() {
                    let hint = crate::lint::rules::closest_id(id)
                        .map(|c| format!("did you mean `{c}`? "))
                        .unwrap_or_default();
                    self.out.emit(
                        item.span.clone(),
                        format!(
                            "`lint.allow` names {}, which is not a lint rule",
                            shown(item)
                        ),
                        "unknown rule id",
                        format!("{hint}`opsbook rules` lists the rule ids"),
                    );
                }
            }
        }
    }

    fn check_allowed(&mut self, key: &Key, value: &Node, kind_schema: &KindSchema, prefix: &str) {
        let (Some(allowed), Some(text)) = (kind_schema.allowed.get(&key.name), value.as_str())
        else {
            return;
        };
        if allowed.iter().any(|a| a == text) {
            return;
        }
        let list = one_of(allowed);
        let suggestion = allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(text) || a.replace('_', " ") == text.to_lowercase())
            .map(|a| format!(" (did you mean `{a}`?)"))
            .unwrap_or_default();
        self.out.emit(
            value.span.clone(),
            format!(
                "{} is {}, which is not an allowed value",
                named(prefix, key),
                shown(value)
            ),
            format!("expected one of {list}"),
            format!("use one of {list}{suggestion}"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::InvalidValue;
    use crate::lint::testing::{POSTMORTEM, RUNBOOK, Reported, check};

    fn postmortem(from: &str, to: &str) -> Vec<Reported> {
        assert!(POSTMORTEM.contains(from), "{from}");
        check(&InvalidValue, &[("postmortems/x.md", &POSTMORTEM.replace(from, to))])
    }

    fn one(found: Vec<Reported>) -> Reported {
        assert_eq!(found.len(), 1, "{found:?}");
        found.into_iter().next().unwrap()
    }

    #[test]
    fn valid_values_pass() {
        let runbook = RUNBOOK.replace("status: active", "status: active\nreview_interval: 90\nlint: {allow: [stale-runbook]}");
        assert_eq!(check(&InvalidValue, &[("runbooks/x.md", &runbook)]), []);
        assert_eq!(postmortem("severity: SEV2", "severity: SEV1"), []);
    }

    #[test]
    fn a_severity_off_the_scale_suggests_the_closest() {
        let found = one(postmortem("severity: SEV2", "severity: sev2"));
        assert_eq!(found.at, "sev2");
        assert_eq!(found.message, "`severity` is `sev2`, not a severity on the scale");
        assert!(found.help.starts_with("use one of `SEV1`, `SEV2`, `SEV3`, `SEV4` (did you mean `SEV2`?)"), "{}", found.help);

        let found = one(postmortem("severity: SEV2", "severity: 2"));
        assert_eq!(found.message, "`severity` is `2` (a number), not a severity on the scale");
    }

    #[test]
    fn a_value_outside_its_list_names_the_list() {
        let found = one(postmortem("status: published", "status: Published"));
        assert_eq!(found.at, "Published");
        assert_eq!(found.message, "`status` is `Published`, which is not an allowed value");
        assert_eq!(found.help, "use one of `draft`, `in_review`, `published` (did you mean `published`?)");
    }

    #[test]
    fn a_follow_up_value_is_named_by_its_position() {
        let found = one(postmortem("    status: open", "    status: closed"));
        assert_eq!(found.at, "closed");
        assert_eq!(found.message, "`follow_ups[1].status` is `closed`, which is not an allowed value");
    }

    #[test]
    fn a_scalar_where_a_list_belongs_shows_the_list_to_write() {
        let found = one(postmortem("services: [checkout-web]", "services: checkout-web"));
        assert_eq!(found.at, "checkout-web");
        assert_eq!(found.message, "`services` must be a list, found `checkout-web`");
        assert_eq!(found.help, "write it as a list: `services: [checkout-web]`");
    }

    #[test]
    fn wrong_types_are_named() {
        let found = one(postmortem("title: Checkout 5xx after deploy", "title: [a, b]"));
        // A flow sequence's span is its opening bracket.
        assert_eq!(found.at, "[");
        assert!(found.message.starts_with("`title` must be text, found "), "{}", found.message);

        let found = one(postmortem("follow_ups:\n", "follow_ups: none\nx:\n"));
        assert_eq!(found.message, "`follow_ups` must be a list of follow-ups, found `none`");

        let runbook = RUNBOOK.replace("status: active", "status: active\nreview_interval: -3");
        let found = one(check(&InvalidValue, &[("runbooks/x.md", &runbook)]));
        assert_eq!(found.at, "-3");
        assert_eq!(found.message, "`review_interval` must be a positive whole number of days, found `-3` (a number)");
    }

    #[test]
    fn an_unknown_kind_is_reported_and_nothing_else() {
        let text = POSTMORTEM
            .replace("kind: postmortem", "kind: incident")
            .replace("status: published", "status: finished");
        let found = one(check(&InvalidValue, &[("postmortems/x.md", &text)]));
        assert_eq!(found.at, "incident");
        assert_eq!(found.message, "unknown kind `incident`");
    }

    #[test]
    fn lint_allow_names_rules_that_exist() {
        let runbook = RUNBOOK.replace("status: active", "status: active\nlint: {allow: [broken-lnk], skip: x}");
        let found = check(&InvalidValue, &[("runbooks/x.md", &runbook)]);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].at, "broken-lnk");
        assert_eq!(found[0].message, "`lint.allow` names `broken-lnk`, which is not a lint rule");
        assert!(found[0].help.starts_with("did you mean `broken-link`?"), "{}", found[0].help);
        assert_eq!(found[1].at, "skip");
        assert_eq!(found[1].message, "`lint.skip` is not a lint setting");
    }
}
