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

#[cfg(test)]
mod tests {
    use super::FollowUpIncomplete;
    use crate::lint::testing::{POSTMORTEM, RUNBOOK, Reported, check, messages};

    fn follow_ups(list: &str) -> Vec<Reported> {
        let start = POSTMORTEM.find("follow_ups:").unwrap();
        let end = POSTMORTEM.find("---\n## Summary").unwrap();
        let text = format!("{}follow_ups:\n{list}{}", &POSTMORTEM[..start], &POSTMORTEM[end..]);
        check(&FollowUpIncomplete, &[("postmortems/x.md", &text)])
    }

    #[test]
    fn complete_follow_ups_pass() {
        assert_eq!(follow_ups("  - {action: Add a canary, owner: bob, due: 2026-12-01}\n"), []);
        let runbook = RUNBOOK.replace("status: active", "status: active\nfollow_ups: [{action: x}]");
        assert_eq!(check(&FollowUpIncomplete, &[("runbooks/x.md", &runbook)]), []);
    }

    #[test]
    fn a_missing_field_is_reported_at_the_follow_up_by_number() {
        let found = follow_ups(
            "  - {action: Add a canary, owner: bob, due: 2026-12-01}\n  - action: Alert on 5xx\n    due: 2026-12-01\n",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].at, "action: Alert on 5xx", "the follow-up's first line");
        assert_eq!(found[0].message, "follow-up 2 has no `owner`");
        assert_eq!(found[0].label, "follow-up 2 needs `owner`");
        assert!(found[0].help.starts_with("add `owner: <the one person who does it>` to follow-up 2"), "{}", found[0].help);
    }

    #[test]
    fn an_empty_field_is_reported_at_its_key_and_value() {
        let found = follow_ups("  - action: Add a canary\n    owner: bob\n    due: \"\"\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].at, "due: \"\"");
        assert_eq!(found[0].message, "follow-up 1 has an empty `due`");
    }

    #[test]
    fn every_missing_field_is_reported_and_non_mappings_are_skipped() {
        let found = follow_ups("  - just a sentence\n  - {ticket: OPS-1}\n");
        assert_eq!(
            messages(&found),
            [
                "follow-up 2 has no `action`",
                "follow-up 2 has no `due`",
                "follow-up 2 has no `owner`",
            ]
        );
    }
}
