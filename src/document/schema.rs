//! The fields opsbook knows, per kind, and the type each must have. Which fields are required
//! and which values are allowed come from the config; this table says what a field *is*.

use super::Kind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// A non-empty string.
    Text,
    /// A list of strings.
    TextList,
    /// One of `schema.severities`.
    Severity,
    /// A calendar date, YYYY-MM-DD.
    Date,
    /// An RFC 3339 timestamp with an offset.
    Timestamp,
    /// A whole number of days.
    Days,
    /// `runbook` or `postmortem`.
    Kind,
    /// A list of follow-up mappings.
    FollowUps,
    /// Per-document lint settings (a mapping).
    LintSettings,
}

#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub name: &'static str,
    pub ty: FieldType,
    /// What to write, for help lines: "a team or a person".
    pub describe: &'static str,
}

const fn field(name: &'static str, ty: FieldType, describe: &'static str) -> FieldSpec {
    FieldSpec { name, ty, describe }
}

use FieldType::*;

const COMMON: &[FieldSpec] = &[
    field("kind", Kind, "`runbook` or `postmortem`"),
    field("id", Text, "a stable id other documents refer to"),
    field("title", Text, "a short, specific title"),
    field("severity", Severity, "a severity from the scale"),
    field(
        "services",
        TextList,
        "the services involved, as a list: `[checkout-web]`",
    ),
    field(
        "rollback",
        Text,
        "how to roll back, or `not applicable: <why>`",
    ),
    field("status", Text, "the document's status"),
    field("tags", TextList, "a list of tags"),
    field("lint", LintSettings, "per-document lint settings"),
];

pub const RUNBOOK_FIELDS: &[FieldSpec] = &[
    field(
        "owner",
        Text,
        "the owning team or person, such as `team-payments`",
    ),
    field(
        "last_reviewed",
        Date,
        "the date of the last review, YYYY-MM-DD",
    ),
    field("review_interval", Days, "days between reviews, such as 180"),
    field("alerts", TextList, "the alerts that lead here, as a list"),
    field(
        "escalation",
        Text,
        "where to escalate, such as `#payments-oncall`",
    ),
];

pub const POSTMORTEM_FIELDS: &[FieldSpec] = &[
    field("owner", Text, "one person's email: the postmortem's owner"),
    field(
        "started_at",
        Timestamp,
        "when impact began, RFC 3339: 2026-09-20T11:21:00Z",
    ),
    field(
        "detected_at",
        Timestamp,
        "when it was detected, RFC 3339: 2026-09-20T11:24:00Z",
    ),
    field(
        "mitigated_at",
        Timestamp,
        "when impact was mitigated, RFC 3339",
    ),
    field("resolved_at", Timestamp, "when it was resolved, RFC 3339"),
    field("alerts", TextList, "the alerts that fired, as a list"),
    field("trigger", Text, "what triggered it"),
    field("detection", Text, "how it was detected"),
    field("related_runbooks", TextList, "ids of runbooks, as a list"),
    field(
        "related_postmortems",
        TextList,
        "ids of earlier postmortems, as a list",
    ),
    field("data_exposure", Text, "whether data was exposed"),
    field(
        "follow_ups",
        FollowUps,
        "a list of follow-ups, each with `action`, `owner` and `due`",
    ),
    field(
        "no_follow_ups_reason",
        Text,
        "why this postmortem has no follow-ups",
    ),
];

pub const FOLLOW_UP_FIELDS: &[FieldSpec] = &[
    field("action", Text, "what will be done"),
    field("owner", Text, "who does it"),
    field("due", Date, "the due date, YYYY-MM-DD"),
    field("status", Text, "the follow-up's status"),
    field("ticket", Text, "a ticket id or URL"),
];

/// Every field a document of `kind` may have.
pub fn fields(kind: Kind) -> impl Iterator<Item = &'static FieldSpec> {
    let specific = match kind {
        Kind::Runbook => RUNBOOK_FIELDS,
        Kind::Postmortem => POSTMORTEM_FIELDS,
    };
    COMMON.iter().chain(specific.iter())
}

pub fn field_spec(kind: Kind, name: &str) -> Option<&'static FieldSpec> {
    fields(kind).find(|f| f.name == name)
}

pub fn follow_up_field(name: &str) -> Option<&'static FieldSpec> {
    FOLLOW_UP_FIELDS.iter().find(|f| f.name == name)
}
