use crate::document::meta::parse_date;
use crate::document::{Document, Kind};
use crate::lint::{CheckContext, Emitter, Meta, Rule, rule_meta};

/// A follow-up past its due date that is still open or in progress.
pub struct FollowUpOverdue;

const META: Meta = rule_meta! {
    id: "follow-up-overdue",
    level: Warning,
    reads: [],
    summary: "A follow-up past its due date that is still `open` or `in_progress`.",
};

impl Rule for FollowUpOverdue {
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
            let status = item
                .get("status")
                .and_then(|(_, v)| v.as_str())
                .unwrap_or("open");
            if !matches!(status, "open" | "in_progress") {
                continue;
            }
            let Some((_, due_node)) = item.get("due") else {
                continue;
            };
            let Some(due) = due_node.as_str().and_then(|s| parse_date(s.trim())) else {
                continue;
            };
            if due >= ctx.today {
                continue;
            }
            let days = (ctx.today - due).get_days();
            let label = item
                .get("action")
                .and_then(|(_, v)| v.as_str())
                .map_or_else(
                    || "past due".to_string(),
                    |a| format!("past due: \"{}\"", shorten(a)),
                );
            out.emit(
                due_node.span.clone(),
                format!(
                    "follow-up {} is overdue: due {due} ({} ago) and still {}",
                    index + 1,
                    plural_days(days),
                    status.replace('_', " ")
                ),
                label,
                "finish it and set `status: done`, or agree a new date with its owner and update `due` (record why in the ticket); `status: wont_do` if the team decided against it",
            );
        }
    }
}

fn plural_days(days: i32) -> String {
    if days == 1 {
        "1 day".into()
    } else {
        format!("{days} days")
    }
}

fn shorten(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= 60 {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(57).collect::<String>())
    }
}
