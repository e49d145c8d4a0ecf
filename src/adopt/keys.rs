//! The front matter keys of a surveyed repository, per kind: which of the team's keys mean one
//! of opsbook's fields (aliases), how their values are written (conversions), which keys are
//! the team's own (extra fields), and which required fields the documents do have.

use std::collections::BTreeMap;

use crate::config::Conversion;
use crate::document::schema::{self, FieldType};
use crate::document::yaml::Node;
use crate::document::{Document, Kind};

/// Names teams give opsbook's fields, per field. The first that a kind's documents use is the
/// alias; for a list field every one is (their values are merged).
const SYNONYMS: &[(&str, &[&str])] = &[
    (
        "started_at",
        &[
            "start_time",
            "started",
            "start",
            "start_date",
            "incident_start",
            "impact_start",
            "began_at",
        ],
    ),
    (
        "resolved_at",
        &[
            "end_time",
            "ended",
            "end",
            "end_date",
            "resolved",
            "resolved_on",
            "incident_end",
        ],
    ),
    (
        "detected_at",
        &["detect_time", "detected", "detection_time"],
    ),
    (
        "mitigated_at",
        &["mitigate_time", "mitigated", "mitigation_time"],
    ),
    ("tags", &["categories", "keywords", "labels", "topics"]),
    (
        "services",
        &[
            "service",
            "company",
            "product",
            "products",
            "systems",
            "components",
            "affected_services",
            "applications",
        ],
    ),
    ("owner", &["author", "maintainer", "team", "owner_team"]),
    (
        "last_reviewed",
        &[
            "last_reviewed_on",
            "last_reviewed_at",
            "reviewed",
            "reviewed_on",
            "last_review",
            "review_date",
        ],
    ),
    (
        "review_interval",
        &[
            "review_in",
            "review_every",
            "review_period",
            "review_frequency",
            "review_cycle",
        ],
    ),
    ("severity", &["sev", "severity_level", "incident_severity"]),
    (
        "rollback",
        &["rollback_plan", "rollback_procedure", "rollback_steps"],
    ),
    ("escalation", &["escalate_to", "escalation_path"]),
    ("alerts", &["alert", "alarms"]),
    ("related_runbooks", &["runbooks", "related_runbook"]),
    (
        "related_postmortems",
        &["related_incidents", "incidents", "postmortems"],
    ),
];

/// Keys that hold when an incident happened: a document with one is a postmortem.
pub fn is_incident_time(key: &str) -> bool {
    ["started_at", "resolved_at", "detected_at"].contains(&key)
        || SYNONYMS
            .iter()
            .filter(|(field, _)| matches!(*field, "started_at" | "resolved_at"))
            .any(|(_, names)| names.contains(&key))
}

/// The top-level front matter keys of a document, as written.
pub fn written_keys(doc: &Document) -> Vec<&str> {
    doc.front_matter
        .as_map()
        .map(|entries| entries.iter().map(|(k, _)| k.name.as_str()).collect())
        .unwrap_or_default()
}

/// What the documents of one kind use, and what to propose for it.
#[derive(Default)]
pub struct KindKeys {
    pub documents: usize,
    /// Written key -> opsbook field, with how many documents use the key.
    pub aliases: Vec<(String, String, usize)>,
    /// Opsbook field -> conversion, with how many values need it and one of them.
    pub convert: Vec<(String, Conversion, usize, String)>,
    /// The team's own keys, with how many documents use each.
    pub extra: Vec<(String, usize)>,
    /// Required fields kept (with how many documents have them) and dropped.
    pub required: Vec<(String, usize)>,
    pub not_required: Vec<(String, usize)>,
}

/// The keys of `docs` (all of one kind), and what to propose.
pub fn analyse(kind: Kind, docs: &[&Document], required: &[String]) -> KindKeys {
    let mut uses: BTreeMap<&str, usize> = BTreeMap::new();
    for doc in docs {
        for key in written_keys(doc) {
            *uses.entry(key).or_default() += 1;
        }
    }
    let aliases = aliases(kind, &uses);
    let field_of = |key: &str| -> Option<String> {
        aliases
            .iter()
            .find(|(alias, _, _)| alias == key)
            .map(|(_, field, _)| field.clone())
            .or_else(|| schema::field_spec(kind, key).map(|f| f.name.to_string()))
    };
    let extra = uses
        .iter()
        .filter(|(key, _)| field_of(key).is_none())
        .map(|(key, n)| (key.to_string(), *n))
        .collect();
    let convert = conversions(kind, docs, &field_of);
    let (required, not_required) = required_kept(docs, required, &field_of);
    KindKeys {
        documents: docs.len(),
        aliases,
        convert,
        extra,
        required,
        not_required,
    }
}

/// The team's keys that name opsbook's fields: for a field that takes one value, the most used
/// synonym (and none when opsbook's own name is used more); for a list, every synonym used.
fn aliases(kind: Kind, uses: &BTreeMap<&str, usize>) -> Vec<(String, String, usize)> {
    let mut out = Vec::new();
    for (field, names) in SYNONYMS {
        let Some(spec) = schema::field_spec(kind, field) else {
            continue;
        };
        let own = uses.get(field).copied().unwrap_or(0);
        let mut used: Vec<(&str, usize)> = names
            .iter()
            .filter(|n| schema::field_spec(kind, n).is_none())
            .filter_map(|n| uses.get(n).map(|c| (*n, *c)))
            .collect();
        used.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
        if spec.ty != FieldType::TextList {
            used.truncate(1);
            used.retain(|(_, count)| *count > own);
        }
        out.extend(
            used.into_iter()
                .map(|(name, count)| (name.to_string(), field.to_string(), count)),
        );
    }
    if kind == Kind::Postmortem && !out.iter().any(|(_, f, _)| f == "started_at") {
        // A postmortem archive's only date is when the incident happened.
        if let Some(count) = uses
            .get("date")
            .filter(|_| !uses.contains_key("started_at"))
        {
            out.push(("date".into(), "started_at".into(), *count));
        }
    }
    out
}

/// The conversion a field's type can take, if any.
fn conversion_for(ty: FieldType) -> Option<Conversion> {
    [
        Conversion::List,
        Conversion::Duration,
        Conversion::Date,
        Conversion::Timestamp,
    ]
    .into_iter()
    .find(|c| c.produces() == ty)
}

/// Conversions the values need: a field whose values change when converted (a string where a
/// list goes, `6 months` where days go, a timestamp without an offset).
fn conversions(
    kind: Kind,
    docs: &[&Document],
    field_of: &dyn Fn(&str) -> Option<String>,
) -> Vec<(String, Conversion, usize, String)> {
    let mut found: BTreeMap<String, (Conversion, usize, String)> = BTreeMap::new();
    for doc in docs {
        for (key, value) in doc.front_matter.as_map().unwrap_or_default() {
            let Some(field) = field_of(&key.name) else {
                continue;
            };
            let Some(spec) = schema::field_spec(kind, &field) else {
                continue;
            };
            let Some(conversion) = conversion_for(spec.ty) else {
                continue;
            };
            if changes(value, conversion) {
                let example = value.scalar_text().unwrap_or_default();
                let entry = found.entry(field).or_insert((conversion, 0, example));
                entry.1 += 1;
            }
        }
    }
    found
        .into_iter()
        .map(|(field, (c, n, example))| (field, c, n, example))
        .collect()
}

/// Whether converting the value changes it (so the conversion is needed).
fn changes(value: &Node, conversion: Conversion) -> bool {
    let mut converted = value.clone();
    crate::document::mapping::convert(&mut converted, conversion);
    converted.value != value.value
}

/// Field names, each with how many documents have it.
type Counted = Vec<(String, usize)>;

/// The required fields most documents have (kept) and the others (not required at first).
fn required_kept(
    docs: &[&Document],
    required: &[String],
    field_of: &dyn Fn(&str) -> Option<String>,
) -> (Counted, Counted) {
    let has = |doc: &Document, field: &str| {
        field == "title" && doc.title_heading.is_some()
            || written_keys(doc)
                .iter()
                .any(|k| field_of(k).as_deref() == Some(field))
    };
    let (mut kept, mut dropped) = (Vec::new(), Vec::new());
    for field in required {
        let count = docs.iter().filter(|d| has(d, field)).count();
        if count * 2 > docs.len() {
            kept.push((field.clone(), count));
        } else {
            dropped.push((field.clone(), count));
        }
    }
    (kept, dropped)
}
