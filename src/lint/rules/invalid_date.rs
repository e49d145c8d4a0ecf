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
