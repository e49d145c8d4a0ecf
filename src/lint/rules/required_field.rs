use crate::document::{Document, Kind, schema};
use crate::lint::{CheckContext, Emitter, Meta, Rule, rule_meta};

/// A field the kind requires is missing or empty.
pub struct RequiredField;

const META: Meta = rule_meta! {
    id: "required-field",
    level: Error,
    reads: [],
    summary: "A field the document's kind requires is missing or empty; a document whose kind can't be told.",
};

impl Rule for RequiredField {
    fn meta(&self) -> &'static Meta {
        &META
    }
    fn check(&self, doc: &Document, ctx: &CheckContext, out: &mut Emitter) {
        if !doc.is_usable() {
            return;
        }
        let Some(kind) = doc.kind else {
            if doc.field("kind").is_none() {
                out.emit(
                    doc.opening_line(),
                    "cannot tell whether this is a runbook or a postmortem",
                    "no `kind` here, and the file is not under runbooks/ or postmortems/",
                    "add `kind: runbook` or `kind: postmortem`, or move the file under runbooks/ or postmortems/",
                );
            }
            return;
        };
        for name in &ctx.config.schema.for_kind(kind).required {
            let describe = schema::field_spec(kind, name).map_or("a value", |f| f.describe);
            match doc.front_matter.get(name) {
                None => {
                    if name == "follow_ups" && has_no_follow_ups_reason(doc) {
                        continue;
                    }
                    let aliases = ctx.config.mapping().aliases_of(kind, name);
                    let also = if aliases.is_empty() {
                        String::new()
                    } else {
                        let names: Vec<String> =
                            aliases.iter().map(|a| format!("`{a}`")).collect();
                        format!(" (or {}, which opsbook.toml reads as `{name}`)", names.join(", "))
                    };
                    out.emit(
                        doc.opening_line(),
                        format!("missing required field `{name}`{also}"),
                        format!("this {kind} has no `{name}`"),
                        missing_help(kind, name, describe),
                    );
                }
                Some((key, value)) if value.is_empty() => {
                    if name == "follow_ups" && has_no_follow_ups_reason(doc) {
                        continue;
                    }
                    out.emit(
                        super::cover(&key.span, &value.span),
                        format!("required field {} is empty", key.label()),
                        format!("`{name}` needs a value"),
                        format!("fill in {}: {describe}", key.label()),
                    );
                }
                Some(_) => {}
            }
        }
    }
}

fn has_no_follow_ups_reason(doc: &Document) -> bool {
    doc.field("no_follow_ups_reason")
        .is_some_and(|v| !v.is_empty())
}

fn missing_help(kind: Kind, name: &str, describe: &str) -> String {
    let example = match (kind, name) {
        (_, "title") => "title: Checkout 5xx after deploy".to_string(),
        (Kind::Runbook, "owner") => "owner: team-payments".to_string(),
        (Kind::Postmortem, "owner") => "owner: alice@example.com".to_string(),
        (_, "severity") => "severity: SEV2".to_string(),
        (_, "services") => "services: [checkout-web]".to_string(),
        (Kind::Runbook, "rollback") => "rollback: \"Promote the old primary (see Rollback)\"".to_string(),
        (Kind::Postmortem, "rollback") => "rollback: \"Rolled back release 2026.09.20-3\"".to_string(),
        (_, "follow_ups") => {
            "follow_ups:\n    - action: Add a canary stage\n      owner: bob@example.com\n      due: 2026-10-18".to_string()
        }
        _ => format!("{name}: ..."),
    };
    let extra = if name == "follow_ups" {
        " (or `no_follow_ups_reason: <why>` when there is truly nothing to follow up)"
    } else {
        ""
    };
    format!("add `{example}` to the front matter: {describe}{extra}")
}

#[cfg(test)]
mod tests {
    use super::RequiredField;
    use crate::lint::testing::{POSTMORTEM, RUNBOOK, check, check_with, config, messages};

    #[test]
    fn complete_documents_pass() {
        let found = check(
            &RequiredField,
            &[("runbooks/x.md", RUNBOOK), ("postmortems/x.md", POSTMORTEM)],
        );
        assert_eq!(found, []);
    }

    #[test]
    fn a_missing_field_is_reported_at_the_opening_line_with_an_example() {
        let runbook = RUNBOOK.replace("owner: team-payments\n", "");
        let found = check(&RequiredField, &[("runbooks/x.md", &runbook)]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].at.as_str(), found[0].span.clone()), ("---", 0..3));
        assert_eq!(found[0].message, "missing required field `owner`");
        assert_eq!(found[0].label, "this runbook has no `owner`");
        assert!(
            found[0].help.starts_with("add `owner: team-payments` to the front matter"),
            "{}",
            found[0].help
        );
    }

    #[test]
    fn an_empty_field_is_reported_at_its_key_and_value() {
        let postmortem = POSTMORTEM.replace("rollback: \"Rolled back release 2026.09.20-3\"", "rollback: \"\"");
        let found = check(&RequiredField, &[("postmortems/x.md", &postmortem)]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].at, "rollback: \"\"");
        assert_eq!(found[0].message, "required field `rollback` is empty");
    }

    #[test]
    fn follow_ups_may_be_replaced_by_a_reason() {
        let start = POSTMORTEM.find("follow_ups:").unwrap();
        let end = POSTMORTEM.find("---\n## Summary").unwrap();
        let without = format!("{}{}", &POSTMORTEM[..start], &POSTMORTEM[end..]);
        let found = check(&RequiredField, &[("postmortems/x.md", &without)]);
        assert_eq!(messages(&found), ["missing required field `follow_ups`"]);
        assert!(found[0].help.contains("no_follow_ups_reason"), "{}", found[0].help);

        let reasoned = without.replace("trigger:", "no_follow_ups_reason: a one-off vendor outage\ntrigger:");
        assert_eq!(check(&RequiredField, &[("postmortems/x.md", &reasoned)]), []);
    }

    #[test]
    fn a_document_of_no_kind_is_reported_once() {
        let found = check(&RequiredField, &[("notes/x.md", "---\ntitle: T\n---\n")]);
        assert_eq!(messages(&found), ["cannot tell whether this is a runbook or a postmortem"]);
        assert_eq!(found[0].at, "---");
    }

    #[test]
    fn the_required_list_comes_from_the_configuration() {
        let runbook = RUNBOOK.replace("severity: SEV2\n", "");
        let mut config = config();
        config.schema.runbook.required.retain(|f| f != "severity");
        config.schema.runbook.required.push("escalation".into());
        let found = check_with(&RequiredField, &config, &[("runbooks/x.md", &runbook)]);
        assert_eq!(messages(&found), ["missing required field `escalation`"]);
    }
}
