use crate::document::Document;
use crate::document::meta::{parse_date, parse_timestamp};
use crate::document::schema::{self, FieldType};
use crate::document::yaml::Node;
use crate::lint::{CheckContext, Emitter, Meta, Rule, rule_meta};

/// A date or timestamp that does not parse.
pub struct InvalidDate;

const META: Meta = rule_meta! {
    id: "invalid-date",
    level: Error,
    reads: [],
    summary: "A date that isn't a real `YYYY-MM-DD` date, or a timestamp that isn't RFC 3339 with an offset.",
};

impl Rule for InvalidDate {
    fn meta(&self) -> &'static Meta {
        &META
    }
    fn check(&self, doc: &Document, _ctx: &CheckContext, out: &mut Emitter) {
        let (true, Some(kind)) = (doc.is_usable(), doc.kind) else {
            return;
        };
        for (key, value) in doc.front_matter.as_map().unwrap_or_default() {
            match schema::field_spec(kind, &key.name).map(|f| f.ty) {
                Some(FieldType::Date) => check_date(&key.name, value, out),
                Some(FieldType::Timestamp) => check_timestamp(&key.name, value, out),
                Some(FieldType::FollowUps) => {
                    for (index, item) in value.as_seq().unwrap_or_default().iter().enumerate() {
                        if let Some((_, due)) = item.get("due") {
                            check_date(&format!("follow_ups[{}].due", index + 1), due, out);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

fn check_date(name: &str, value: &Node, out: &mut Emitter) {
    let Some(text) = value.as_str() else {
        return; // Wrong type: invalid-value reports it.
    };
    if text.trim().is_empty() || parse_date(text.trim()).is_some() {
        return;
    }
    out.emit(
        value.span.clone(),
        format!("`{name}` is `{text}`, not a valid date"),
        "expected YYYY-MM-DD",
        "write a real calendar date as YYYY-MM-DD, such as 2026-10-18",
    );
}

fn check_timestamp(name: &str, value: &Node, out: &mut Emitter) {
    let Some(text) = value.as_str() else {
        return;
    };
    if text.trim().is_empty() || parse_timestamp(text).is_some() {
        return;
    }
    let t = text.trim();
    let date_part = t.get(..10).filter(|d| parse_date(d).is_some());
    let after_seconds = t.get(19..).unwrap_or("");
    let help = if parse_date(t).is_some() {
        format!("add the time and the offset: `{t}T00:00:00Z` (RFC 3339; use the real time of day)")
    } else if date_part.is_some()
        && t.len() >= 19
        && !t.ends_with(['Z', 'z'])
        && !after_seconds.contains(['+', '-'])
    {
        format!("add the UTC offset so the time is unambiguous: `{t}Z` for UTC, or `{t}+02:00`")
    } else {
        "write an RFC 3339 timestamp with an offset, such as 2026-09-20T11:21:00Z".to_string()
    };
    out.emit(
        value.span.clone(),
        format!("`{name}` is `{t}`, not an RFC 3339 timestamp"),
        "expected a timestamp like 2026-09-20T11:21:00Z",
        help,
    );
}

#[cfg(test)]
mod tests {
    use super::InvalidDate;
    use crate::lint::testing::{POSTMORTEM, RUNBOOK, Reported, check};

    fn postmortem(from: &str, to: &str) -> Vec<Reported> {
        assert!(POSTMORTEM.contains(from), "{from}");
        check(&InvalidDate, &[("postmortems/x.md", &POSTMORTEM.replace(from, to))])
    }

    #[test]
    fn real_dates_and_timestamps_with_offsets_pass() {
        assert_eq!(check(&InvalidDate, &[("runbooks/x.md", RUNBOOK)]), []);
        assert_eq!(postmortem("2026-09-20T11:21:00Z", "2026-09-20T13:21:00+02:00"), []);
    }

    #[test]
    fn a_date_that_is_not_on_the_calendar_is_reported_at_its_value() {
        let runbook = RUNBOOK.replace("last_reviewed: 2026-10-01", "last_reviewed: 2026-02-30");
        let found = check(&InvalidDate, &[("runbooks/x.md", &runbook)]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].at, "2026-02-30");
        assert_eq!(found[0].message, "`last_reviewed` is `2026-02-30`, not a valid date");
        assert_eq!(found[0].label, "expected YYYY-MM-DD");
    }

    #[test]
    fn a_follow_up_due_date_is_named_by_its_position() {
        let found = postmortem("due: 2026-12-18", "due: 18/12/2026");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].at, "18/12/2026");
        assert_eq!(found[0].message, "`follow_ups[1].due` is `18/12/2026`, not a valid date");
    }

    /// The help says what is missing: the time, the offset, or everything.
    #[test]
    fn a_timestamp_without_a_time_or_an_offset_says_which() {
        let cases = [
            (
                "2026-09-20",
                "add the time and the offset: `2026-09-20T00:00:00Z` (RFC 3339; use the real time of day)",
            ),
            (
                "2026-09-20T11:21:00",
                "add the UTC offset so the time is unambiguous: `2026-09-20T11:21:00Z` for UTC, or `2026-09-20T11:21:00+02:00`",
            ),
            (
                "20 Sept 11:21",
                "write an RFC 3339 timestamp with an offset, such as 2026-09-20T11:21:00Z",
            ),
        ];
        for (value, help) in cases {
            let found = postmortem("started_at: 2026-09-20T11:21:00Z", &format!("started_at: \"{value}\""));
            assert_eq!(found.len(), 1, "{value}: {found:?}");
            assert_eq!(found[0].message, format!("`started_at` is `{value}`, not an RFC 3339 timestamp"));
            assert_eq!(found[0].at, format!("\"{value}\""));
            assert_eq!(found[0].help, help);
        }
    }
}
