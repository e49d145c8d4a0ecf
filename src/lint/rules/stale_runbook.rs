use crate::document::meta::parse_date;
use crate::document::{Document, Kind};
use crate::lint::{CheckContext, Emitter, Meta, Rule, rule_meta};

/// A runbook not reviewed within its review interval.
pub struct StaleRunbook;

const META: Meta = rule_meta! {
    id: "stale-runbook",
    level: Warning,
    reads: [GitHistory],
    summary: "A runbook whose last review (`last_reviewed`, or its last git change) is older than its review interval.",
};

impl Rule for StaleRunbook {
    fn meta(&self) -> &'static Meta {
        &META
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
        // The review date under the team's own key, when opsbook.toml maps one to last_reviewed.
        let key = doc.front_matter.get("last_reviewed").map(|(k, _)| k);
        let written = key
            .and_then(|k| k.written.as_deref())
            .unwrap_or("last_reviewed");
        let (reviewed, span, source) = match doc.field("last_reviewed").filter(|n| !n.is_empty()) {
            Some(node) => match node.as_str().and_then(|s| parse_date(s.trim())) {
                Some(date) if date > ctx.today => {
                    let label = key.map_or_else(|| "`last_reviewed`".into(), |k| k.label());
                    out.emit(
                        node.span.clone(),
                        format!("{label} is {date}, in the future"),
                        "not reviewed yet",
                        format!("set `{written}` to the date the review actually happened"),
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
            format!("review it: run the commands against staging or in a drill, fix what changed, then set `{written}` to today"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::StaleRunbook;
    use crate::lint::testing::{RUNBOOK, Reported, check, check_with, config};

    /// The base runbook reviewed on `date` (today is 2026-11-25; the interval 180 days).
    fn reviewed(date: &str) -> Vec<Reported> {
        let text = RUNBOOK.replace("last_reviewed: 2026-10-01", &format!("last_reviewed: {date}"));
        check(&StaleRunbook, &[("runbooks/x.md", &text)])
    }

    #[test]
    fn a_review_within_the_interval_passes() {
        assert_eq!(reviewed("2026-05-29"), [], "180 days ago is still within");
        assert_eq!(reviewed("2026-11-25"), []);
    }

    #[test]
    fn an_old_review_is_reported_at_its_date_with_its_age() {
        let found = reviewed("2026-05-28");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].at, "2026-05-28");
        assert_eq!(
            found[0].message,
            "runbook last reviewed 2026-05-28, 181 days ago (review interval: 180 days)"
        );
        assert_eq!(found[0].label, "stale");
    }

    #[test]
    fn the_interval_comes_from_the_runbook_then_the_configuration() {
        let text = RUNBOOK.replace("last_reviewed: 2026-10-01", "last_reviewed: 2026-01-01\nreview_interval: 365");
        assert_eq!(check(&StaleRunbook, &[("runbooks/x.md", &text)]), []);

        let mut config = config();
        config.lint.review_interval_days = 30;
        let text = RUNBOOK.replace("last_reviewed: 2026-10-01", "last_reviewed: 2026-10-20");
        let found = check_with(&StaleRunbook, &config, &[("runbooks/x.md", &text)]);
        assert_eq!(
            found[0].message,
            "runbook last reviewed 2026-10-20, 36 days ago (review interval: 30 days)"
        );
    }

    #[test]
    fn a_review_in_the_future_is_reported() {
        let found = reviewed("2026-12-01");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].at, "2026-12-01");
        assert_eq!(found[0].message, "`last_reviewed` is 2026-12-01, in the future");
    }

    #[test]
    fn deprecated_runbooks_and_bad_dates_are_left_alone() {
        let text = RUNBOOK
            .replace("last_reviewed: 2026-10-01", "last_reviewed: 2020-01-01")
            .replace("status: active", "status: deprecated");
        assert_eq!(check(&StaleRunbook, &[("runbooks/x.md", &text)]), []);
        assert_eq!(reviewed("someday"), [], "invalid-date reports it");
    }

    /// Outside a git repository, a runbook without `last_reviewed` has no date at all.
    #[test]
    fn no_review_date_and_no_history_is_reported_at_the_opening_line() {
        let text = RUNBOOK.replace("last_reviewed: 2026-10-01\n", "");
        let found = check(&StaleRunbook, &[("runbooks/x.md", &text)]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].at, "---");
        assert!(
            found[0].message.starts_with("no `last_reviewed` date, and no git history"),
            "{}",
            found[0].message
        );
    }
}
