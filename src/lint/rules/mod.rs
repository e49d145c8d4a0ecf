//! Every rule, one file each, listed once in [`ALL`].

/// A rule's long explanation is its page in the book, compiled in: one text for `opsbook
/// explain` and the user guide, and a rule without a page does not build.
macro_rules! explanation {
    ($id:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/book/src/rules/",
            $id,
            ".md"
        ))
    };
}
pub(crate) use explanation;

mod blameful_language;
mod broken_link;
mod duplicate_id;
mod follow_up_incomplete;
mod follow_up_overdue;
mod invalid_date;
mod invalid_front_matter;
mod invalid_value;
mod missing_section;
mod possible_secret;
mod required_field;
mod stale_runbook;
mod timestamp_order;
mod unknown_field;
mod unknown_reference;
mod unreadable_file;

use super::Rule;

/// The registry: the only list of rules. `opsbook rules`, the book and the checks read it.
pub static ALL: &[&dyn Rule] = &[
    &unreadable_file::UnreadableFile,
    &invalid_front_matter::InvalidFrontMatter,
    &required_field::RequiredField,
    &invalid_value::InvalidValue,
    &invalid_date::InvalidDate,
    &timestamp_order::TimestampOrder,
    &follow_up_incomplete::FollowUpIncomplete,
    &follow_up_overdue::FollowUpOverdue,
    &stale_runbook::StaleRunbook,
    &missing_section::MissingSection,
    &broken_link::BrokenLink,
    &unknown_reference::UnknownReference,
    &duplicate_id::DuplicateId,
    &unknown_field::UnknownField,
    &possible_secret::PossibleSecret,
    &blameful_language::BlamefulLanguage,
];

/// Looks a rule up by id.
pub fn by_id(id: &str) -> Option<&'static dyn Rule> {
    ALL.iter().copied().find(|r| r.id() == id)
}

/// A byte range covering `a` through `b`.
fn cover(a: &std::ops::Range<usize>, b: &std::ops::Range<usize>) -> std::ops::Range<usize> {
    a.start.min(b.start)..a.end.max(b.end)
}

/// The rule id closest to `id`, for "did you mean" hints.
pub fn closest_id(id: &str) -> Option<&'static str> {
    ALL.iter()
        .map(|r| (strsim::jaro_winkler(r.id(), id), r.id()))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, id)| id)
}

/// Byte ranges of every likely secret in a text, for reports that must mask them.
pub fn secret_spans(source: &str) -> Vec<std::ops::Range<usize>> {
    possible_secret::secrets(source)
        .into_iter()
        .map(|(span, _)| span)
        .collect()
}
