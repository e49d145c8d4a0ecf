use crate::document::{Document, Kind};
use crate::lint::{CheckContext, Emitter, Meta, Rule, rule_meta};

/// A follow-up without action, owner or due date.
pub struct FollowUpIncomplete;

const META: Meta = rule_meta! {
    id: "follow-up-incomplete",
    level: Error,
    reads: [],
    summary: "A follow-up without an action, an owner or a due date.",
};

impl Rule for FollowUpIncomplete {
    fn meta(&self) -> &'static Meta {
        &META
    }
    fn check(&self, doc: &Document, ctx: &CheckContext, out: &mut Emitter) {
        if !doc.is_usable() || doc.kind != Some(Kind::Postmortem) {
            return;
        }
        let Some(items) = doc.field("follow_ups").and_then(|n| n.as_seq()) else {
            return;
        };
        for (index, item) in items.iter().enumerate() {
            if item.as_map().is_none() {
                continue; // invalid-value reports it.
            }
            let number = index + 1;
            for name in &ctx.config.schema.follow_up.required {
                let (span, state) = match item.get(name) {
                    None => (item.span.clone(), "has no"),
                    Some((key, value)) if value.is_empty() => {
                        (super::cover(&key.span, &value.span), "has an empty")
                    }
                    Some(_) => continue,
                };
                let example = match name.as_str() {
                    "action" => "action: <what will be done, as a verb phrase>",
                    "owner" => "owner: <the one person who does it>",
                    "due" => "due: YYYY-MM-DD",
                    _ => "<value>",
                };
                out.emit(
                    span,
                    format!("follow-up {number} {state} `{name}`"),
                    format!("follow-up {number} needs `{name}`"),
                    format!(
                        "add `{example}` to follow-up {number}: a follow-up without an action, an owner and a due date is the one that silently goes stale"
                    ),
                );
            }
        }
    }
}
