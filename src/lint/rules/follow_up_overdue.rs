use crate::document::meta::parse_date;
use crate::document::{Document, Kind};
use crate::follow_ups::{DEFAULT_STATUS, Standing};
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
                .unwrap_or(DEFAULT_STATUS);
            let Some((_, due_node)) = item.get("due") else {
                continue;
            };
            let Some(due) = due_node.as_str().and_then(|s| parse_date(s.trim())) else {
                continue;
            };
            let Some(days) = Standing::of(status, Some(due), ctx.today).days_overdue else {
                continue;
            };
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

#[cfg(test)]
mod tests {
    use super::FollowUpOverdue;
    use crate::lint::Level;
    use crate::lint::testing::{POSTMORTEM, Reported, check};

    /// The base postmortem's follow-up with another due date and status (today is 2026-11-25).
    fn follow_up(due: &str, status: &str) -> Vec<Reported> {
        let text = POSTMORTEM
            .replace("due: 2026-12-18", &format!("due: {due}"))
            .replace("    status: open", &format!("    status: {status}"));
        check(&FollowUpOverdue, &[("postmortems/x.md", &text)])
    }

    #[test]
    fn follow_ups_not_yet_due_or_closed_pass() {
        assert_eq!(follow_up("2026-11-25", "open"), [], "due today is not overdue");
        assert_eq!(follow_up("2026-11-01", "done"), []);
        assert_eq!(follow_up("2026-11-01", "wont_do"), []);
        assert_eq!(follow_up("not a date", "open"), []);
    }

    #[test]
    fn an_open_follow_up_past_due_is_reported_at_its_due_date() {
        let found = follow_up("2026-11-01", "open");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].at, "2026-11-01");
        assert_eq!(found[0].level, Level::Warning);
        assert_eq!(
            found[0].message,
            "follow-up 1 is overdue: due 2026-11-01 (24 days ago) and still open"
        );
        assert_eq!(found[0].label, "past due: \"Add a canary stage to checkout deploys\"");
    }

    #[test]
    fn in_progress_counts_and_one_day_is_singular() {
        let found = follow_up("2026-11-24", "in_progress");
        assert_eq!(
            found[0].message,
            "follow-up 1 is overdue: due 2026-11-24 (1 day ago) and still in progress"
        );
    }

    #[test]
    fn a_follow_up_without_status_is_open_and_long_actions_are_shortened() {
        let action = "Write the migration guide for every team that still runs the old checkout service";
        let text = POSTMORTEM
            .replace("Add a canary stage to checkout deploys", action)
            .replace("    status: open\n", "")
            .replace("due: 2026-12-18", "due: 2026-10-26");
        let found = check(&FollowUpOverdue, &[("postmortems/x.md", &text)]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.ends_with("(30 days ago) and still open"), "{}", found[0].message);
        let shortened: String = action.chars().take(57).collect();
        assert_eq!(found[0].label, format!("past due: \"{shortened}…\""));
    }
}
