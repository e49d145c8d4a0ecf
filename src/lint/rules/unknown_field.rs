use crate::document::Document;
use crate::document::schema::{self, FieldSpec};
use crate::document::yaml::Node;
use crate::lint::{CheckContext, Emitter, Meta, Rule, rule_meta};

/// A front matter key the schema does not know, usually a typo.
pub struct UnknownField;

const META: Meta = rule_meta! {
    id: "unknown-field",
    level: Warning,
    reads: [],
    summary: "A front matter key the schema doesn't know, usually a typo; with a did-you-mean suggestion.",
};

impl Rule for UnknownField {
    fn meta(&self) -> &'static Meta {
        &META
    }
    fn check(&self, doc: &Document, ctx: &CheckContext, out: &mut Emitter) {
        let (true, Some(kind)) = (doc.is_usable(), doc.kind) else {
            return;
        };
        let kind_schema = ctx.config.schema.for_kind(kind);
        let known: Vec<&str> = schema::fields(kind)
            .map(|f| f.name)
            .chain(kind_schema.extra_fields.iter().map(String::as_str))
            .collect();
        check_keys(&doc.front_matter, &known, &format!("a {kind}"), "", out);
        if let Some(items) = doc.field("follow_ups").and_then(Node::as_seq) {
            let follow_up_known: Vec<&str> = schema::FOLLOW_UP_FIELDS
                .iter()
                .map(|f: &FieldSpec| f.name)
                .chain(
                    ctx.config
                        .schema
                        .follow_up
                        .extra_fields
                        .iter()
                        .map(String::as_str),
                )
                .collect();
            for (index, item) in items.iter().enumerate() {
                let prefix = format!("follow_ups[{}].", index + 1);
                check_keys(item, &follow_up_known, "a follow-up", &prefix, out);
            }
        }
    }
}

fn check_keys(map: &Node, known: &[&str], what: &str, prefix: &str, out: &mut Emitter) {
    let entries = map.as_map().unwrap_or_default();
    for (index, (key, _)) in entries.iter().enumerate() {
        // Two keys read as one field (an alias in opsbook.toml and the field itself, or two
        // aliases): YAML has no duplicate keys, so only a mapping makes one.
        if let Some((first, _)) = entries[..index].iter().find(|(k, _)| k.name == key.name) {
            out.emit(
                key.span.clone(),
                format!(
                    "{} sets `{prefix}{}` again; only the first, {}, is read",
                    key.label(),
                    key.name,
                    first.label()
                ),
                format!("`{}` is already set", key.name),
                "keep one of the two keys (opsbook.toml's `aliases` read them as the same field)",
            );
            continue;
        }
        if known.contains(&key.name.as_str()) {
            continue;
        }
        let suggestion = closest(&key.name, known);
        let help = match suggestion {
            Some(best) => format!("did you mean `{best}`? (`{}` -> `{best}`)", key.name),
            None => format!(
                "remove it, or list it under `extra_fields` for this kind in opsbook.toml if your team uses it; {what} knows: {}",
                known.join(", ")
            ),
        };
        out.emit(
            key.span.clone(),
            format!("unknown field `{prefix}{}`", key.name),
            match suggestion {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("not a field of {what}"),
            },
            help,
        );
    }
}

/// The known name closest to `name`, if it is close enough to be a typo.
pub fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    let lower = name.to_lowercase().replace('-', "_");
    known
        .iter()
        .map(|k| {
            let distance = strsim::damerau_levenshtein(&lower, k);
            (distance, strsim::jaro_winkler(&lower, k), *k)
        })
        .filter(|(distance, similarity, k)| *distance <= 2.max(k.len() / 4) || *similarity >= 0.9)
        .min_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)))
        .map(|(_, _, k)| k)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggestions() {
        let known = [
            "owner",
            "title",
            "severity",
            "services",
            "follow_ups",
            "last_reviewed",
        ];
        assert_eq!(closest("onwer", &known), Some("owner"));
        assert_eq!(closest("Severity", &known), Some("severity"));
        assert_eq!(closest("service", &known), Some("services"));
        assert_eq!(closest("follow-ups", &known), Some("follow_ups"));
        assert_eq!(closest("lastreviewed", &known), Some("last_reviewed"));
        assert_eq!(closest("pager", &known), None);
    }
}
