use crate::document::{Document, Kind};
use crate::lint::{CheckContext, Emitter, Meta, Rule, rule_meta};

/// related_runbooks / related_postmortems ids that no document has.
pub struct UnknownReference;

const META: Meta = rule_meta! {
    id: "unknown-reference",
    level: Error,
    reads: [OtherDocuments],
    summary: "A `related_runbooks` or `related_postmortems` id that no document of that kind has.",
};

impl Rule for UnknownReference {
    fn meta(&self) -> &'static Meta {
        &META
    }
    fn check(&self, doc: &Document, ctx: &CheckContext, out: &mut Emitter) {
        if !doc.is_usable() {
            return;
        }
        for (field, kind) in [
            ("related_runbooks", Kind::Runbook),
            ("related_postmortems", Kind::Postmortem),
        ] {
            let Some(items) = doc.field(field).and_then(|n| n.as_seq()) else {
                continue;
            };
            for item in items {
                let Some(id) = item.as_str().map(str::trim) else {
                    continue; // invalid-value reports it.
                };
                let targets: Vec<&Document> = ctx.documents_with_id(id).collect();
                if targets.iter().any(|d| d.kind == Some(kind)) {
                    continue;
                }
                let help = match targets.first() {
                    Some(other) => format!(
                        "`{id}` is {}, not a {kind}; move it to the right list",
                        other
                            .kind
                            .map_or("a document".to_string(), |k| format!("a {k}"))
                    ),
                    None => match closest_id(ctx, kind, id) {
                        Some(best) => format!(
                            "did you mean `{best}`? ids are the `id:` field, or the file name without .md"
                        ),
                        None => format!(
                            "use the id of an existing {kind}: its `id:` field, or its file name without .md"
                        ),
                    },
                };
                out.emit(
                    item.span.clone(),
                    format!("`{field}` names `{id}`, but no {kind} has that id"),
                    format!("no {kind} with this id"),
                    help,
                );
            }
        }
    }
}

fn closest_id<'a>(ctx: &CheckContext<'a>, kind: Kind, id: &str) -> Option<&'a str> {
    ctx.all_documents()
        .iter()
        .filter(|d| d.kind == Some(kind) && d.is_usable())
        .map(|d| (strsim::jaro_winkler(&d.id, id), d.id.as_str()))
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, id)| id)
}
