use crate::document::Document;
use crate::document::meta::{
    offset_as_rfc3339, parse_date, parse_offset, parse_timestamp, split_date_time,
};
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
                Some(FieldType::Date) => check_date(&key.label(), value, out),
                Some(FieldType::Timestamp) => check_timestamp(&key.label(), value, out),
                Some(FieldType::FollowUps) => {
                    for (index, item) in value.as_seq().unwrap_or_default().iter().enumerate() {
                        if let Some((due_key, due)) = item.get("due") {
                            let label = match &due_key.written {
                                Some(w) => format!("`follow_ups[{}].{w}` (read as `due`)", index + 1),
                                None => format!("`follow_ups[{}].due`", index + 1),
                            };
                            check_date(&label, due, out);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// `label` names the key as findings show it (`` `due` ``, or both names of an alias).
fn check_date(label: &str, value: &Node, out: &mut Emitter) {
    let Some(text) = value.as_str() else {
        return; // Wrong type: invalid-value reports it.
    };
    if text.trim().is_empty() || parse_date(text.trim()).is_some() {
        return;
    }
    out.emit(
        value.span.clone(),
        format!("{label} is `{text}`, not a valid date"),
        "expected YYYY-MM-DD",
        "write a real calendar date as YYYY-MM-DD, such as 2026-10-18",
    );
}

fn check_timestamp(label: &str, value: &Node, out: &mut Emitter) {
    let Some(text) = value.as_str() else {
        return;
    };
    if text.trim().is_empty() || parse_timestamp(text).is_some() {
        return;
    }
    let t = text.trim();
    let help = timestamp_help(t);
    out.emit(
        value.span.clone(),
        format!("{label} is `{t}`, not an RFC 3339 timestamp"),
        "expected a timestamp like 2026-09-20T11:21:00Z",
        help,
    );
}

/// Time-zone abbreviations people write after a time, with their UTC offsets. Ambiguous ones
/// (IST, CST in China) are left out: the hint would guess.
const ZONES: &[(&str, &str)] = &[
    ("UTC", "Z"),
    ("GMT", "Z"),
    ("UT", "Z"),
    ("PST", "-08:00"),
    ("PDT", "-07:00"),
    ("MST", "-07:00"),
    ("MDT", "-06:00"),
    ("CST", "-06:00"),
    ("CDT", "-05:00"),
    ("EST", "-05:00"),
    ("EDT", "-04:00"),
    ("BST", "+01:00"),
    ("CET", "+01:00"),
    ("CEST", "+02:00"),
    ("EET", "+02:00"),
    ("EEST", "+03:00"),
    ("JST", "+09:00"),
    ("KST", "+09:00"),
    ("AEST", "+10:00"),
    ("AEDT", "+11:00"),
];

const GENERIC_HELP: &str =
    "write an RFC 3339 timestamp with an offset, such as 2026-09-20T11:21:00Z";

/// How to fix a timestamp that does not parse; every timestamp it suggests is valid.
fn timestamp_help(t: &str) -> String {
    if parse_date(t).is_some() {
        return format!(
            "add the time and the offset: `{t}T00:00:00Z` (RFC 3339; use the real time of day)"
        );
    }
    let Some((date_time, zone)) = split_date_time(t) else {
        return GENERIC_HELP.to_string();
    };
    let valid = |candidate: String| parse_timestamp(&candidate).map(|_| candidate);
    let help = if zone.is_empty() || zone.eq_ignore_ascii_case("z") {
        valid(format!("{date_time}Z")).map(|utc| {
            format!(
                "add the UTC offset so the time is unambiguous: `{utc}` for UTC, or `{date_time}+02:00`"
            )
        })
    } else if let Some((hours, minutes)) = parse_offset(zone) {
        if hours > 23 || minutes > 59 {
            Some(format!(
                "`{zone}` is not a UTC offset: offsets run from -23:59 to +23:59 (RFC 3339); write the real one, such as `{date_time}+02:00`"
            ))
        } else {
            offset_as_rfc3339(zone)
                .and_then(|offset| valid(format!("{date_time}{offset}")))
                .map(|fixed| format!("write the offset as ±HH:MM: `{fixed}`"))
        }
    } else if let Some((name, offset)) = ZONES.iter().find(|(n, _)| zone.eq_ignore_ascii_case(n)) {
        valid(format!("{date_time}{offset}")).map(|fixed| match *offset {
            "Z" => format!("RFC 3339 writes {name} as Z: `{fixed}`"),
            _ => format!(
                "RFC 3339 needs a numeric offset, not a zone name: `{fixed}` ({name} is UTC{offset})"
            ),
        })
    } else {
        valid(format!("{date_time}Z")).map(|utc| {
            format!(
                "RFC 3339 needs a numeric offset, not `{zone}`: `{utc}` for UTC, or `{date_time}+02:00`"
            )
        })
    };
    help.unwrap_or_else(|| GENERIC_HELP.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every timestamp quoted in a help parses.
    fn suggestions(help: &str) -> Vec<&str> {
        help.split('`')
            .skip(1)
            .step_by(2)
            .filter(|s| s.len() >= 20)
            .collect()
    }

    #[test]
    fn hints_suggest_valid_timestamps() {
        for (input, expected) in [
            (
                "2026-09-20T11:21:00 PST",
                "`2026-09-20T11:21:00-08:00` (PST is UTC-08:00)",
            ),
            ("2026-09-20 11:21 pdt", "`2026-09-20T11:21:00-07:00`"),
            (
                "2026-09-20T11:21:00 UTC",
                "writes UTC as Z: `2026-09-20T11:21:00Z`",
            ),
            ("2026-09-20T11:21:00+0200", "`2026-09-20T11:21:00+02:00`"),
            ("2026-09-20T11:21:00+25:00", "`+25:00` is not a UTC offset"),
            ("2026-09-20T11:21:00", "`2026-09-20T11:21:00Z` for UTC"),
            (
                "2026-09-20T11:21:00 Mars",
                "not `Mars`: `2026-09-20T11:21:00Z`",
            ),
            ("2026-09-20", "`2026-09-20T00:00:00Z`"),
            ("2026-09-20T25:00:00Z", GENERIC_HELP),
            ("yesterday", GENERIC_HELP),
        ] {
            let help = timestamp_help(input);
            assert!(help.contains(expected), "{input}: {help}");
            for suggestion in suggestions(&help) {
                if suggestion.starts_with("2026") {
                    assert!(
                        parse_timestamp(suggestion).is_some(),
                        "{input}: {suggestion}"
                    );
                }
            }
        }
    }

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
