//! What a rule is: its metadata, declared once in the rule's own file with `rule_meta!`, and
//! the [`Rule`] trait its check implements. `opsbook rules`, `opsbook explain`, the SARIF
//! report, the book's rule table (checked by a test) and `opsbook serve`'s incremental lint all
//! read the metadata; none of them restates it.

use std::fmt;

use serde::Serialize;

use super::{CheckContext, Emitter, Level};
use crate::alerts::RuleFile;
use crate::document::Document;

/// A rule's stable kebab-case id (`broken-link`): the one type for rule ids, in findings, the
/// registry and the reports. Ids are written once, in the rule's `rule_meta!`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct RuleId(&'static str);

impl RuleId {
    /// For `rule_meta!`; other code gets ids from the registry ([`super::rules::by_id`]).
    #[doc(hidden)]
    pub const fn new(id: &'static str) -> RuleId {
        RuleId(id)
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.0)
    }
}

impl PartialEq<str> for RuleId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for RuleId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl std::borrow::Borrow<str> for RuleId {
    fn borrow(&self) -> &str {
        self.0
    }
}

/// What a rule reads besides the document it checks, the configuration and the date.
///
/// The check context hands out the other documents and the git history only to a rule that
/// declares them (a debug assertion, so the test suite catches an undeclared read), and
/// records which ones it looked at, so `opsbook serve` re-checks a document when something it
/// read changed (see `serve::lint_cache`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// Other documents: their ids, kinds, page URLs, paths and headings.
    OtherDocuments,
    /// The git history of the content folder (when a file last changed).
    GitHistory,
    /// The alerting rules of the files `[alerts] rules` names.
    AlertRules,
}

impl Source {
    /// How the book's rule table names it.
    pub fn describe(self) -> &'static str {
        match self {
            Source::OtherDocuments => "other documents",
            Source::GitHistory => "git history",
            Source::AlertRules => "alert rules",
        }
    }
}

/// What a rule checks: documents (most rules), or the alert rule files of `[alerts] rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Checks {
    Documents,
    RuleFiles,
}

/// Everything the registry knows about a rule but its check.
#[derive(Debug)]
pub struct Meta {
    /// Stable kebab-case id; never changes once released.
    pub id: RuleId,
    pub default_level: Level,
    /// Documents ([`Rule::check`]) or rule files ([`Rule::check_rule_file`]).
    pub checks: Checks,
    /// One sentence (Markdown inline code allowed) for `opsbook rules`, SARIF and the book's
    /// rule table.
    pub summary: &'static str,
    /// What the rule reads besides the document it checks; empty for "this document only".
    pub reads: &'static [Source],
    /// The rule's book page, compiled in: one text for `opsbook explain` and the user guide.
    pub explanation: &'static str,
    /// The Rust module the rule lives in (`opsbook::lint::rules::broken_link`), so a test can
    /// tell that every file under src/lint/rules/ is registered.
    pub module: &'static str,
}

impl Meta {
    pub fn reads(&self, source: Source) -> bool {
        self.reads.contains(&source)
    }
}

/// Declares a rule's [`Meta`]: the id is written once, and the rule's book page
/// (book/src/rules/<id>.md) is compiled in from it, so a rule without a page does not build.
///
/// ```ignore
/// static META: Meta = rule_meta! {
///     id: "broken-link",
///     level: Error,
///     reads: [OtherDocuments],
///     summary: "A relative link to a document or file that doesn't exist, or to a missing `#anchor`.",
/// };
/// ```
///
/// A rule that checks alert rule files says so after its level: `checks: RuleFiles,`.
macro_rules! rule_meta {
    (
        id: $id:literal,
        level: $level:ident,
        $(checks: $checks:ident,)?
        reads: [$($source:ident),* $(,)?],
        summary: $summary:literal $(,)?
    ) => {
        $crate::lint::Meta {
            id: $crate::lint::RuleId::new($id),
            default_level: $crate::lint::Level::$level,
            checks: rule_meta!(@checks $($checks)?),
            summary: $summary,
            reads: &[$($crate::lint::Source::$source),*],
            explanation: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/book/src/rules/",
                $id,
                ".md"
            )),
            module: module_path!(),
        }
    };
    (@checks) => {
        $crate::lint::Checks::Documents
    };
    (@checks $checks:ident) => {
        $crate::lint::Checks::$checks
    };
}
pub(crate) use rule_meta;

/// One lint rule. Every rule is registered once in [`super::rules::ALL`].
pub trait Rule: Sync {
    /// The rule's metadata, a `static` declared with `rule_meta!` beside the rule.
    fn meta(&self) -> &'static Meta;
    /// Checks one document and pushes what it finds; rules that check rule files only
    /// (`checks: RuleFiles`) keep this default.
    fn check(&self, _doc: &Document, _ctx: &CheckContext, _out: &mut Emitter) {}

    /// Checks one alert rule file (`[alerts] rules`) and pushes what it finds; most rules
    /// check documents only. Rule files are checked again after every edit (there are few,
    /// and what their findings depend on is the whole knowledge base), so nothing here needs
    /// recording for `opsbook serve`.
    fn check_rule_file(&self, _file: &RuleFile, _ctx: &CheckContext, _out: &mut Emitter) {}

    fn id(&self) -> RuleId {
        self.meta().id
    }
    fn default_level(&self) -> Level {
        self.meta().default_level
    }
    fn summary(&self) -> &'static str {
        self.meta().summary
    }
    fn explanation(&self) -> &'static str {
        self.meta().explanation
    }
}
