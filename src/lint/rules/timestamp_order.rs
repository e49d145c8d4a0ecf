use crate::document::meta::parse_timestamp;
use crate::document::{Document, Kind};
use crate::lint::{CheckContext, Emitter, Meta, Rule, rule_meta};

/// started_at <= detected_at <= mitigated_at <= resolved_at.
pub struct TimestampOrder;

const ORDER: [&str; 4] = ["started_at", "detected_at", "mitigated_at", "resolved_at"];

const META: Meta = rule_meta! {
    id: "timestamp-order",
    level: Error,
    reads: [],
    summary: "Postmortem timestamps out of order (`started_at` ≤ `detected_at` ≤ `mitigated_at` ≤ `resolved_at`).",
};

impl Rule for TimestampOrder {
    fn meta(&self) -> &'static Meta {
        &META
    }
    fn check(&self, doc: &Document, _ctx: &CheckContext, out: &mut Emitter) {
        if !doc.is_usable() || doc.kind != Some(Kind::Postmortem) {
            return;
        }
        // The latest timestamp seen so far, compared with each later one in the chain.
        let mut latest: Option<(&str, jiff::Timestamp, &str)> = None;
        for name in ORDER {
            let Some(node) = doc.field(name) else {
                continue;
            };
            let Some(text) = node.as_str() else {
                continue;
            };
            let Some(time) = parse_timestamp(text) else {
                continue; // invalid-date reports it.
            };
            if let Some((earlier, earlier_time, earlier_text)) = latest
                && time < earlier_time
            {
                out.emit(
                    node.span.clone(),
                    format!(
                        "`{name}` ({}) is before `{earlier}` ({})",
                                                text.trim(),
                        earlier_text.trim()
                    ),
                    format!("earlier than `{earlier}`"),
                    "incident times run started_at <= detected_at <= mitigated_at <= resolved_at; check the date, the time and the offset of both",
                );
                continue;
            }
            latest = Some((name, time, text));
        }
    }
}
