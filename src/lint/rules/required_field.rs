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
                    out.emit(
                        doc.opening_line(),
                        format!("missing required field `{name}`"),
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
                        format!("required field `{name}` is empty"),
                        format!("`{name}` needs a value"),
                        format!("fill in `{name}`: {describe}"),
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
