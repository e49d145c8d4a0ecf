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
        let mut latest: Option<(String, jiff::Timestamp, &str)> = None;
        for name in ORDER {
            let Some((key, node)) = doc.front_matter.get(name) else {
                continue;
            };
            let Some(text) = node.as_str() else {
                continue;
            };
            let Some(time) = parse_timestamp(text) else {
                continue; // invalid-date reports it.
            };
            if let Some((earlier, earlier_time, earlier_text)) = &latest
                && time < *earlier_time
            {
                out.emit(
                    node.span.clone(),
                    format!(
                        "{} ({}) is before {earlier} ({})",
                        key.label(),
                        text.trim(),
                        earlier_text.trim()
                    ),
                    format!("earlier than {earlier}"),
                    "incident times run started_at <= detected_at <= mitigated_at <= resolved_at; check the date, the time and the offset of both",
                );
                continue;
            }
            latest = Some((key.label(), time, text));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TimestampOrder;
    use crate::lint::testing::{POSTMORTEM, Reported, check, messages};

    fn with_times(times: &[(&str, &str)]) -> Vec<Reported> {
        let mut text = POSTMORTEM.to_string();
        for (field, time) in times {
            let start = text.find(&format!("{field}: ")).unwrap();
            let end = start + text[start..].find('\n').unwrap();
            text.replace_range(start..end, &format!("{field}: {time}"));
        }
        check(&TimestampOrder, &[("postmortems/x.md", &text)])
    }

    #[test]
    fn times_in_order_pass_across_offsets() {
        assert_eq!(with_times(&[]), []);
        // 13:22+02:00 is 11:22Z: after started_at (11:21Z), before detected_at (11:24Z).
        assert_eq!(with_times(&[("started_at", "2026-09-20T13:20:00+02:00")]), []);
    }

    #[test]
    fn a_time_before_the_one_it_follows_is_reported_at_its_value() {
        let found = with_times(&[("detected_at", "2026-09-20T11:10:00Z")]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].at, "2026-09-20T11:10:00Z");
        assert_eq!(
            found[0].message,
            "`detected_at` (2026-09-20T11:10:00Z) is before `started_at` (2026-09-20T11:21:00Z)"
        );
        assert_eq!(found[0].label, "earlier than `started_at`");
    }

    /// The offset counts: 13:22+02:00 is 11:22Z, before detected_at's 11:24Z.
    #[test]
    fn offsets_are_compared_as_instants() {
        let found = with_times(&[("mitigated_at", "2026-09-20T13:22:00+02:00")]);
        assert_eq!(
            messages(&found),
            ["`mitigated_at` (2026-09-20T13:22:00+02:00) is before `detected_at` (2026-09-20T11:24:00Z)"]
        );
    }

    /// A time out of order is not the new reference: the next ones are compared with the
    /// latest time in order, and a missing one is skipped.
    #[test]
    fn each_time_is_compared_with_the_latest_in_order_before_it() {
        let text = POSTMORTEM.replace("mitigated_at: 2026-09-20T11:33:00Z\n", "");
        let text = text
            .replace("detected_at: 2026-09-20T11:24:00Z", "detected_at: 2026-09-20T11:00:00Z")
            .replace("resolved_at: 2026-09-20T11:40:00Z", "resolved_at: 2026-09-20T11:10:00Z");
        let found = check(&TimestampOrder, &[("postmortems/x.md", &text)]);
        assert_eq!(
            messages(&found),
            [
                "`detected_at` (2026-09-20T11:00:00Z) is before `started_at` (2026-09-20T11:21:00Z)",
                "`resolved_at` (2026-09-20T11:10:00Z) is before `started_at` (2026-09-20T11:21:00Z)",
            ]
        );
    }

    #[test]
    fn unparsable_times_are_left_to_invalid_date() {
        assert_eq!(with_times(&[("detected_at", "yesterday")]), []);
    }
}
