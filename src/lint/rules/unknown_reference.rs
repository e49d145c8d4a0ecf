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
    let ids = ctx
        .all_documents()
        .iter()
        .filter(|d| d.kind == Some(kind) && d.is_usable())
        .map(|d| d.id.as_str());
    super::most_similar(id, ids, 0.85)
}

#[cfg(test)]
mod tests {
    use super::UnknownReference;
    use crate::lint::testing::{POSTMORTEM, RUNBOOK, Reported, check};

    fn with_references(references: &str) -> Vec<Reported> {
        let postmortem = POSTMORTEM.replace("trigger: deploy\n", &format!("trigger: deploy\n{references}\n"));
        check(
            &UnknownReference,
            &[
                ("runbooks/db-failover.md", RUNBOOK),
                ("postmortems/2026-09-20-checkout.md", &postmortem),
                ("postmortems/2026-10-01-db.md", &POSTMORTEM.replace("title:", "id: pm-db\ntitle:")),
            ],
        )
    }

    #[test]
    fn references_to_existing_documents_of_the_right_kind_pass() {
        let found = with_references("related_runbooks: [rb-db-failover]\nrelated_postmortems: [pm-db]");
        assert_eq!(found, []);
    }

    #[test]
    fn a_typo_is_reported_at_the_id_with_the_closest_one() {
        let found = with_references("related_runbooks: [rb-db-failovr]");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, "postmortems/2026-09-20-checkout.md");
        assert_eq!(found[0].at, "rb-db-failovr");
        assert_eq!(
            found[0].message,
            "`related_runbooks` names `rb-db-failovr`, but no runbook has that id"
        );
        assert!(found[0].help.starts_with("did you mean `rb-db-failover`?"), "{}", found[0].help);
    }

    #[test]
    fn an_id_in_the_wrong_list_says_what_it_is() {
        let found = with_references("related_postmortems: [rb-db-failover]");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].message,
            "`related_postmortems` names `rb-db-failover`, but no postmortem has that id"
        );
        assert_eq!(
            found[0].help,
            "`rb-db-failover` is a runbook, not a postmortem; move it to the right list"
        );
    }

    #[test]
    fn an_id_like_none_other_says_where_ids_come_from() {
        let found = with_references("related_runbooks: [kafka-rebalance, rb-db-failover]");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].at, "kafka-rebalance");
        assert_eq!(
            found[0].help,
            "use the id of an existing runbook: its `id:` field, or its file name without .md"
        );
    }
}
