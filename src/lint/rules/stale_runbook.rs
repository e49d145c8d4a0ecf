use crate::document::meta::parse_date;
use crate::document::{Document, Kind};
use crate::lint::{CheckContext, Emitter, Level, Rule};

/// A runbook not reviewed within its review interval.
pub struct StaleRunbook;

impl Rule for StaleRunbook {
    fn id(&self) -> &'static str {
        "stale-runbook"
    }
    fn explanation(&self) -> &'static str {
        super::explanation!("stale-runbook")
    }
    fn default_level(&self) -> Level {
        Level::Warning
    }
    fn summary(&self) -> &'static str {
        "a runbook whose last review (last_reviewed, or its last git change) is older than its review interval"
    }
    fn check(&self, doc: &Document, ctx: &CheckContext, out: &mut Emitter) {
        if !doc.is_usable() || doc.kind != Some(Kind::Runbook) {
            return;
        }
        if doc.field("status").and_then(|s| s.as_str()) == Some("deprecated") {
            return; // Nobody should follow it anyway; the page says so.
        }
        let interval = match doc.field("review_interval").map(|n| &n.value) {
            Some(crate::document::yaml::Value::Int(days)) if *days > 0 => *days,
            _ => ctx.config.lint.review_interval_days,
        };
        let (reviewed, span, source) = match doc.field("last_reviewed").filter(|n| !n.is_empty()) {
            Some(node) => match node.as_str().and_then(|s| parse_date(s.trim())) {
                Some(date) if date > ctx.today => {
                    out.emit(
                        node.span.clone(),
                        format!("`last_reviewed` is {date}, in the future"),
                        "not reviewed yet",
                        "set `last_reviewed` to the date the review actually happened",
                    );
                    return;
                }
                Some(date) => (date, node.span.clone(), "last reviewed"),
                None => return, // invalid-date reports it.
            },
            None => match ctx.git_dates().get(&doc.rel_path) {
                Some(date) => (*date, doc.opening_line(), "last changed in git"),
                None => {
                    out.emit(
                        doc.opening_line(),
                        "no `last_reviewed` date, and no git history to tell when this runbook last changed",
                        "when was this runbook last reviewed?",
                        "walk through the runbook (ideally in a drill) and add `last_reviewed: YYYY-MM-DD`",
                    );
                    return;
                }
            },
        };
        let age = (ctx.today - reviewed).get_days() as i64;
        if age <= interval {
            return;
        }
        out.emit(
            span,
            format!("runbook {source} {reviewed}, {age} days ago (review interval: {interval} days)"),
            "stale",
            "review it: run the commands against staging or in a drill, fix what changed, then set `last_reviewed` to today",
        );
    }
}
