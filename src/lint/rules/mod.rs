//! Every rule, one file each, listed once in [`ALL`].

mod follow_up_incomplete;
mod invalid_date;
mod invalid_front_matter;
mod invalid_value;
mod required_field;
mod timestamp_order;
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
];

/// Looks a rule up by id.
pub fn by_id(id: &str) -> Option<&'static dyn Rule> {
    ALL.iter().copied().find(|r| r.id() == id)
}

/// A byte range covering `a` through `b`.
fn cover(a: &std::ops::Range<usize>, b: &std::ops::Range<usize>) -> std::ops::Range<usize> {
    a.start.min(b.start)..a.end.max(b.end)
}
