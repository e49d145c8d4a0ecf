//! Typed metadata read leniently from the front matter, for rendering and reports. A value of
//! the wrong type is simply absent here: the lint rules are what report it.

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::yaml::{Node, Value};

#[derive(Debug, Clone, Default, Serialize)]
pub struct Meta {
    pub title: Option<String>,
    pub owner: Option<String>,
    pub severity: Option<String>,
    pub services: Vec<String>,
    pub status: Option<String>,
    pub tags: Vec<String>,
    pub rollback: Option<String>,
    // Runbooks.
    pub last_reviewed: Option<Date>,
    pub review_interval: Option<i64>,
    pub alerts: Vec<String>,
    pub escalation: Option<String>,
    // Postmortems.
    pub started_at: Option<Timestamp>,
    pub detected_at: Option<Timestamp>,
    pub mitigated_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub trigger: Option<String>,
    pub detection: Option<String>,
    pub related_runbooks: Vec<String>,
    pub related_postmortems: Vec<String>,
    pub data_exposure: Option<String>,
    pub follow_ups: Vec<FollowUp>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FollowUp {
    pub action: Option<String>,
    pub owner: Option<String>,
    pub due: Option<Date>,
    /// `open` when not given.
    pub status: String,
    pub ticket: Option<String>,
}

impl FollowUp {
    /// Whether it is open, and overdue, on `today`.
    pub fn standing(&self, today: Date) -> crate::follow_ups::Standing {
        crate::follow_ups::Standing::of(&self.status, self.due, today)
    }
}

/// A strict `YYYY-MM-DD` calendar date.
pub fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    text.parse().ok()
}

/// An RFC 3339 timestamp; an offset (`Z` or `+02:00`) is required so instants are unambiguous.
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let t = text.trim();
    // jiff also accepts RFC 9557 annotations; opsbook documents promise RFC 3339 only.
    let bytes = t.as_bytes();
    if t.contains('[')
        || t.len() < 20
        || !bytes[10].eq_ignore_ascii_case(&b'T')
        || bytes[13] != b':'
        || bytes[16] != b':'
        || !has_rfc3339_offset(t)
    {
        return None;
    }
    t.parse().ok()
}

/// Whether `t` ends in RFC 3339's offset: `Z`, or `+HH:MM`/`-HH:MM` with HH at most 23 and MM
/// at most 59 (jiff alone also takes `+25:00`, `+0200` and `+02`).
pub fn has_rfc3339_offset(t: &str) -> bool {
    if t.ends_with(['Z', 'z']) {
        return true;
    }
    let Some(offset) = t.get(t.len().saturating_sub(6)..) else {
        return false;
    };
    parse_offset(offset)
        .is_some_and(|(hours, minutes)| offset.len() == 6 && hours <= 23 && minutes <= 59)
}

/// The hours and minutes of a numeric offset written `±HH:MM`, `±HHMM` or `±HH` (whatever
/// their range), or `None`.
pub fn parse_offset(text: &str) -> Option<(u32, u32)> {
    let digits = text.strip_prefix(['+', '-'])?;
    // By byte shape, and split with `get`: a multi-byte character where a digit belongs
    // (`+1é2`) is no offset, never a split inside a character.
    let (hours, minutes) = match digits.as_bytes() {
        [_, _] => (digits, "00"),
        [_, _, _, _] => (digits.get(..2)?, digits.get(2..)?),
        [_, _, b':', _, _] => (digits.get(..2)?, digits.get(3..)?),
        _ => return None,
    };
    let number = |d: &str| {
        d.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| d.parse::<u32>().ok())
            .flatten()
    };
    Some((number(hours)?, number(minutes)?))
}

/// A numeric offset (`+0200`, `+02`, `-05:30`) as RFC 3339 writes it (`+02:00`), its range
/// unchecked (see [`has_rfc3339_offset`]).
pub fn offset_as_rfc3339(zone: &str) -> Option<String> {
    let (hours, minutes) = parse_offset(zone)?;
    let sign = zone.get(..1)?;
    Some(format!("{sign}{hours:02}:{minutes:02}"))
}

/// The date and time of a timestamp written loosely (`2026-09-20T11:21`, `2026-09-20
/// 11:21:05.5`) as RFC 3339 writes them (`2026-09-20T11:21:00`: seconds added when missing),
/// and whatever follows the time, trimmed: its zone. `None` unless `t` starts with a valid
/// date, then `T`, `t` or a space, then a time of HH:MM or HH:MM:SS.
pub fn split_date_time(t: &str) -> Option<(String, &str)> {
    let date = t.get(..10).filter(|d| parse_date(d).is_some())?;
    if !matches!(t.as_bytes().get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let rest = t.get(11..)?;
    let time_len = rest
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
        .unwrap_or(rest.len());
    let (time, zone) = rest.split_at(time_len);
    let time = match time.len() {
        5 => format!("{time}:00"),
        n if n >= 8 => time.to_string(),
        _ => return None,
    };
    Some((format!("{date}T{time}"), zone.trim()))
}

fn text(node: Option<&Node>) -> Option<String> {
    node.and_then(|n| match &n.value {
        Value::Str(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => n.scalar_text(),
        _ => None,
    })
}

fn list(node: Option<&Node>) -> Vec<String> {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items.iter().filter_map(|i| text(Some(i))).collect(),
        _ => Vec::new(),
    }
}

fn date(node: Option<&Node>) -> Option<Date> {
    node.and_then(Node::as_str).and_then(parse_date)
}

fn timestamp(node: Option<&Node>) -> Option<Timestamp> {
    node.and_then(Node::as_str).and_then(parse_timestamp)
}

impl Meta {
    pub fn from_front_matter(fm: &Node) -> Meta {
        let get = |key: &str| fm.get(key).map(|(_, v)| v);
        let follow_ups = match get("follow_ups").map(|n| &n.value) {
            Some(Value::Seq(items)) => items
                .iter()
                .filter(|i| i.as_map().is_some())
                .map(|item| {
                    let get = |key: &str| item.get(key).map(|(_, v)| v);
                    FollowUp {
                        action: text(get("action")),
                        owner: text(get("owner")),
                        due: date(get("due")),
                        status: text(get("status"))
                            .unwrap_or_else(|| crate::follow_ups::DEFAULT_STATUS.into()),
                        ticket: text(get("ticket")),
                    }
                })
                .collect(),
            _ => Vec::new(),
        };
        Meta {
            title: text(get("title")),
            owner: text(get("owner")),
            severity: text(get("severity")),
            services: list(get("services")),
            status: text(get("status")),
            tags: list(get("tags")),
            rollback: text(get("rollback")),
            last_reviewed: date(get("last_reviewed")),
            review_interval: get("review_interval").and_then(|n| match n.value {
                Value::Int(i) => Some(i),
                _ => None,
            }),
            alerts: list(get("alerts")),
            escalation: text(get("escalation")),
            started_at: timestamp(get("started_at")),
            detected_at: timestamp(get("detected_at")),
            mitigated_at: timestamp(get("mitigated_at")),
            resolved_at: timestamp(get("resolved_at")),
            trigger: text(get("trigger")),
            detection: text(get("detection")),
            related_runbooks: list(get("related_runbooks")),
            related_postmortems: list(get("related_postmortems")),
            data_exposure: text(get("data_exposure")),
            follow_ups,
        }
    }

    /// Detected minus started.
    pub fn time_to_detect(&self) -> Option<SignedDuration> {
        Some(self.detected_at?.duration_since(self.started_at?))
    }

    /// Resolved minus started (DORA's failed deployment recovery time when the trigger is a deploy).
    pub fn time_to_restore(&self) -> Option<SignedDuration> {
        Some(self.resolved_at?.duration_since(self.started_at?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_with_a_character_where_a_digit_belongs_are_no_offsets() {
        for text in ["+1é2", "-é12", "+12é", "+é:12", "+1é:2", "+€", "-1\u{301}2"] {
            assert_eq!(parse_offset(text), None, "{text}");
        }
        assert_eq!(parse_offset("+0530"), Some((5, 30)));
        assert_eq!(parse_offset("-05:30"), Some((5, 30)));
        assert_eq!(parse_offset("+02"), Some((2, 0)));
    }

    #[test]
    fn loose_date_times_split_into_rfc3339_and_their_zone() {
        for (written, date_time, zone) in [
            ("2026-09-20T11:21", "2026-09-20T11:21:00", ""),
            (
                "2026-09-20 11:21:05.5 CEST",
                "2026-09-20T11:21:05.5",
                "CEST",
            ),
            ("2026-09-20t11:21+0200", "2026-09-20T11:21:00", "+0200"),
        ] {
            assert_eq!(
                split_date_time(written),
                Some((date_time.to_string(), zone)),
                "{written}"
            );
        }
        for bad in [
            "2026-09-20",
            "2026-09-20x11:21",
            "2026-09-20 11",
            "2026-02-30 11:21",
            "2026-09-2é 11:21",
            "2026-09-20é11:21",
        ] {
            assert_eq!(split_date_time(bad), None, "{bad}");
        }
        assert_eq!(offset_as_rfc3339("+0200").as_deref(), Some("+02:00"));
        assert_eq!(offset_as_rfc3339("-5").as_deref(), None);
        assert_eq!(offset_as_rfc3339("-05").as_deref(), Some("-05:00"));
    }

    #[test]
    fn strict_dates() {
        assert!(parse_date("2026-02-28").is_some());
        assert!(parse_date("2026-02-30").is_none());
        assert!(parse_date("2026-2-3").is_none());
        assert!(parse_date("20260203").is_none());
        assert!(parse_date("next week").is_none());
    }

    #[test]
    fn timestamps_need_an_offset() {
        assert!(parse_timestamp("2026-09-20T11:21:00Z").is_some());
        assert!(parse_timestamp("2026-09-20T11:21:00+02:00").is_some());
        assert!(parse_timestamp("2026-09-20T11:21:00").is_none());
        assert!(parse_timestamp("2026-09-20").is_none());
        assert!(parse_timestamp("2026-09-20T25:00:00Z").is_none());
        // RFC 3339 offsets: ±HH:MM within ±23:59, with the colon.
        assert!(parse_timestamp("2026-09-20T11:21:00+23:59").is_some());
        assert!(parse_timestamp("2026-09-20T11:21:00-00:00").is_some());
        for bad in [
            "+24:00", "+25:00", "-25:59", "+02:60", "+0200", "+02", "+2:00",
        ] {
            assert!(
                parse_timestamp(&format!("2026-09-20T11:21:00{bad}")).is_none(),
                "{bad}"
            );
        }
        assert!(
            parse_timestamp("2026-09-20T11:21+02:00").is_none(),
            "seconds are required"
        );
    }

    #[test]
    fn durations() {
        let fm = super::super::yaml::parse(
            "started_at: 2026-09-20T11:21:00Z\ndetected_at: 2026-09-20T11:24:00Z\nresolved_at: 2026-09-20T12:21:00Z\n",
            0,
        )
        .unwrap();
        let meta = Meta::from_front_matter(&fm);
        assert_eq!(meta.time_to_detect(), Some(SignedDuration::from_mins(3)));
        assert_eq!(meta.time_to_restore(), Some(SignedDuration::from_hours(1)));
    }

    #[test]
    fn overdue_means_past_due_and_not_closed() {
        let today: Date = "2026-11-25".parse().unwrap();
        let mut f = FollowUp {
            action: None,
            owner: None,
            due: Some("2026-11-24".parse().unwrap()),
            status: "open".into(),
            ticket: None,
        };
        assert_eq!(f.standing(today).days_overdue, Some(1));
        f.status = "done".into();
        assert_eq!(
            f.standing(today),
            crate::follow_ups::Standing {
                open: false,
                days_overdue: None
            }
        );
        f.status = "in_progress".into();
        f.due = Some(today);
        assert!(f.standing(today).open && !f.standing(today).overdue());
        f.due = None;
        assert!(!f.standing(today).overdue());
    }
}
