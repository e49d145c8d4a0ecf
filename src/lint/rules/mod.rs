//! Every rule, one file each, registered once in [`ALL`]. A rule's file declares its metadata
//! (id, default level, summary, what it reads) with `rule_meta!`
//! and implements its check; book/src/development.md says what else adding a rule takes.

use super::{Rule, RuleId};

/// Declares the rule modules and [`ALL`] from one list, in the order `opsbook rules` prints.
macro_rules! registry {
    ($($module:ident::$rule:ident),* $(,)?) => {
        $(mod $module;)*

        /// The registry: the only list of rules. `opsbook rules`, the book and the checks
        /// read it.
        pub static ALL: &[&dyn Rule] = &[$(&$module::$rule),*];
    };
}

registry! {
    unreadable_file::UnreadableFile,
    invalid_front_matter::InvalidFrontMatter,
    required_field::RequiredField,
    invalid_value::InvalidValue,
    invalid_date::InvalidDate,
    timestamp_order::TimestampOrder,
    follow_up_incomplete::FollowUpIncomplete,
    follow_up_overdue::FollowUpOverdue,
    stale_runbook::StaleRunbook,
    missing_section::MissingSection,
    broken_link::BrokenLink,
    unknown_reference::UnknownReference,
    unknown_alert::UnknownAlert,
    duplicate_id::DuplicateId,
    unknown_field::UnknownField,
    possible_secret::PossibleSecret,
    blameful_language::BlamefulLanguage,
    invalid_rule_file::InvalidRuleFile,
    alert_without_runbook::AlertWithoutRunbook,
    runbook_url_broken::RunbookUrlBroken,
    alert_severity_mismatch::AlertSeverityMismatch,
}

/// Reported even in ignored paths: an ignored file is still a file opsbook read.
pub const UNREADABLE_FILE: RuleId = unreadable_file::META.id;
pub const DUPLICATE_ID: RuleId = duplicate_id::META.id;

/// Looks a rule up by id.
pub fn by_id(id: &str) -> Option<&'static dyn Rule> {
    ALL.iter().copied().find(|r| r.id() == id)
}

/// A byte range covering `a` through `b`.
fn cover(a: &std::ops::Range<usize>, b: &std::ops::Range<usize>) -> std::ops::Range<usize> {
    a.start.min(b.start)..a.end.max(b.end)
}

/// The candidate most like `wanted` (Jaro-Winkler similarity over `threshold`, from 0 to 1),
/// for "did you mean" hints.
fn most_similar<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    threshold: f64,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(c, wanted), c))
        .filter(|(score, _)| *score > threshold)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// The rule id closest to `id`, for "did you mean" hints.
pub fn closest_id(id: &str) -> Option<RuleId> {
    let ids = ALL.iter().map(|r| r.id().as_str());
    most_similar(id, ids, 0.8).and_then(by_id).map(|r| r.id())
}

/// Byte ranges of every likely secret in a text, for reports that must mask them.
pub fn secret_spans(source: &str) -> Vec<std::ops::Range<usize>> {
    possible_secret::secrets(source)
        .into_iter()
        .map(|(span, _)| span)
        .collect()
}
