//! The reading settings of opsbook.toml (see [`crate::config::reading`]) compiled once and
//! applied while a document is parsed: which files are documents, which kind a path holds, and
//! the team's own front matter keys and value formats turned into opsbook's. A key read under
//! another name keeps its span (findings point at what the author wrote) and its written name
//! ([`Key::written`], so findings can name both).

use std::collections::HashMap;
use std::sync::LazyLock;

use globset::{GlobSet, GlobSetBuilder};

use super::Kind;
use super::schema::{self, FieldType};
use super::yaml::{Key, Node, Value};
use crate::config::reading::{FrontMatterPolicy, TemplateSyntax, path_glob};
use crate::config::{Config, Conversion, KindSchema};

/// The compiled reading settings of a config.
#[derive(Debug)]
pub struct Mapping {
    /// A hash of the settings it was compiled from: equal keys, equal mappings.
    pub key: u64,
    patterns: GlobSet,
    exclude: GlobSet,
    /// The literal endings of the patterns (`.md`, `.html.md.erb`), longest first: what a
    /// file name loses to become a page name.
    suffixes: Vec<String>,
    kinds: Vec<(globset::GlobMatcher, Kind)>,
    pub front_matter_optional: bool,
    pub title_from_heading: bool,
    template_tags: Vec<TemplateSyntax>,
    pub hugo_ref: bool,
    runbook: Fields,
    postmortem: Fields,
    follow_up: Fields,
}

/// The aliases and conversions of one kind.
#[derive(Debug, Default)]
struct Fields {
    /// Written name -> opsbook's name.
    aliases: HashMap<String, String>,
    convert: HashMap<String, Conversion>,
}

impl Fields {
    fn new(schema: &KindSchema) -> Fields {
        Fields {
            aliases: schema
                .aliases
                .iter()
                .map(|(a, t)| (a.to_string(), t.clone()))
                .collect(),
            convert: schema.convert.clone().into_iter().collect(),
        }
    }

    fn is_empty(&self) -> bool {
        self.aliases.is_empty() && self.convert.is_empty()
    }
}

fn glob_set<'a>(patterns: impl Iterator<Item = &'a String>) -> GlobSet {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        // Validated when the config was loaded.
        if let Ok(glob) = path_glob(pattern) {
            builder.add(glob);
        }
    }
    builder.build().unwrap_or_else(|_| GlobSet::empty())
}

/// The literal ending of a pattern such as `*.html.md.erb` (`.html.md.erb`), if it has one.
fn literal_suffix(pattern: &str) -> Option<String> {
    let name = pattern.rsplit('/').next().unwrap_or(pattern);
    let tail = &name[name.rfind(['*', '?', ']', '}'])? + 1..];
    (tail.starts_with('.') && tail.len() > 1 && !tail.contains(['[', '{'])).then(|| tail.into())
}

impl PartialEq for Mapping {
    fn eq(&self, other: &Mapping) -> bool {
        self.key == other.key
    }
}

impl Eq for Mapping {}

static DEFAULT: LazyLock<Mapping> = LazyLock::new(|| Mapping::new(&Config::default()));

impl Mapping {
    pub fn new(config: &Config) -> Mapping {
        let documents = &config.documents;
        let mut suffixes: Vec<String> = documents
            .patterns
            .iter()
            .filter_map(|p| literal_suffix(p))
            .collect();
        if suffixes.is_empty() {
            suffixes.push(".md".into());
        }
        suffixes.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        suffixes.dedup();
        let kinds = config
            .kinds
            .iter()
            .filter_map(|(glob, kind)| Some((path_glob(glob).ok()?.compile_matcher(), *kind)))
            .collect();
        let key = {
            use std::hash::{Hash, Hasher};
            let mut h = std::hash::DefaultHasher::new();
            format!(
                "{:?} {:?} {:?} {:?}",
                config.documents, config.kinds, config.links, config.schema
            )
            .hash(&mut h);
            h.finish()
        };
        Mapping {
            key,
            patterns: glob_set(documents.patterns.iter()),
            exclude: glob_set(documents.exclude.iter()),
            suffixes,
            kinds,
            front_matter_optional: documents.front_matter == FrontMatterPolicy::Optional,
            title_from_heading: documents.title_from_heading,
            template_tags: documents.template_tags.clone(),
            hugo_ref: config.links.hugo_ref,
            runbook: Fields::new(&config.schema.runbook),
            postmortem: Fields::new(&config.schema.postmortem),
            follow_up: Fields::new(&config.schema.follow_up),
        }
    }

    /// The mapping of a config without reading settings (every document as opsbook writes it).
    pub fn default_ref() -> &'static Mapping {
        &DEFAULT
    }

    /// Whether the file at a content-relative path is a document.
    pub fn is_document(&self, rel_path: &str) -> bool {
        self.patterns.is_match(rel_path) && !self.is_excluded(rel_path)
    }

    /// Whether a content-relative path (a file or a folder) is excluded, itself or through
    /// one of its folders.
    pub fn is_excluded(&self, rel_path: &str) -> bool {
        if self.exclude.is_empty() {
            return false;
        }
        let mut end = rel_path.len();
        loop {
            if self.exclude.is_match(&rel_path[..end]) {
                return true;
            }
            match rel_path[..end].rfind('/') {
                Some(i) => end = i,
                None => return false,
            }
        }
    }

    /// The literal endings of document file names, longest first (`.html.md.erb`, `.md`).
    pub fn suffixes(&self) -> &[String] {
        &self.suffixes
    }

    /// A document's file name without its document ending (and a generator's `.html` before
    /// it: `manual/x.html.md` is the page `x`).
    pub fn stem<'n>(&self, file_name: &'n str) -> &'n str {
        let stem = self
            .suffixes
            .iter()
            .find_map(|s| file_name.strip_suffix(s.as_str()).filter(|s| !s.is_empty()))
            .or_else(|| file_name.rsplit_once('.').map(|(stem, _)| stem))
            .filter(|s| !s.is_empty())
            .unwrap_or(file_name);
        stem.strip_suffix(".html")
            .filter(|s| !s.is_empty())
            .unwrap_or(stem)
    }

    /// The kind `[kinds]` gives a content-relative path: the first glob that matches.
    pub fn kind_for(&self, rel_path: &str) -> Option<Kind> {
        self.kinds
            .iter()
            .find(|(glob, _)| glob.is_match(rel_path))
            .map(|(_, kind)| *kind)
    }

    /// The template syntaxes to take out of a document at this path: the configured ones, plus
    /// ERB for `.erb` files and MDX for `.mdx` files.
    pub fn template_tags(&self, rel_path: &str) -> Vec<TemplateSyntax> {
        let mut tags = self.template_tags.clone();
        if rel_path.ends_with(".erb") {
            tags.push(TemplateSyntax::Erb);
        }
        if rel_path.ends_with(".mdx") {
            tags.push(TemplateSyntax::Mdx);
        }
        tags.sort();
        tags.dedup();
        tags
    }

    fn fields(&self, kind: Kind) -> &Fields {
        match kind {
            Kind::Runbook => &self.runbook,
            Kind::Postmortem => &self.postmortem,
        }
    }

    /// The written names that `[schema.<kind>.aliases]` maps to `field`.
    pub fn aliases_of(&self, kind: Kind, field: &str) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .fields(kind)
            .aliases
            .iter()
            .filter(|(_, target)| *target == field)
            .map(|(alias, _)| alias.as_str())
            .collect();
        names.sort_unstable();
        names
    }

    /// Reads the front matter of a document of `kind` with opsbook's names and types.
    pub fn apply(&self, front_matter: &mut Node, kind: Kind) {
        let fields = self.fields(kind);
        if fields.is_empty() && self.follow_up.is_empty() {
            return;
        }
        if !fields.is_empty() {
            let spec = |name: &str| schema::field_spec(kind, name).map(|f| f.ty);
            map_entries(front_matter, fields, &spec);
        }
        if self.follow_up.is_empty() {
            return;
        }
        let Value::Map(entries) = &mut front_matter.value else {
            return;
        };
        let follow_up_spec = |name: &str| schema::follow_up_field(name).map(|f| f.ty);
        for (key, value) in entries.iter_mut() {
            if key.name != "follow_ups" {
                continue;
            }
            if let Value::Seq(items) = &mut value.value {
                for item in items {
                    map_entries(item, &self.follow_up, &follow_up_spec);
                }
            }
        }
    }
}

/// Renames aliased keys, converts values, and merges lists that several keys feed
/// (`categories` and `keywords` both read as `tags`). A second key for a field that takes one
/// value is kept under opsbook's name after the first (`unknown-field` reports it).
fn map_entries(node: &mut Node, fields: &Fields, spec: &dyn Fn(&str) -> Option<FieldType>) {
    let Value::Map(entries) = &mut node.value else {
        return;
    };
    let mut mapped: Vec<(Key, Node)> = Vec::with_capacity(entries.len());
    for (mut key, mut value) in std::mem::take(entries) {
        if let Some(target) = fields.aliases.get(&key.name) {
            key.written = Some(std::mem::replace(&mut key.name, target.clone()));
        }
        if let Some(conversion) = fields.convert.get(&key.name) {
            convert(&mut value, *conversion);
        }
        let is_list = spec(&key.name) == Some(FieldType::TextList);
        let earlier = mapped.iter_mut().find(|(k, _)| k.name == key.name);
        match earlier {
            Some((
                _,
                Node {
                    value: Value::Seq(items),
                    ..
                },
            )) if is_list => {
                if let Value::Seq(more) = value.value {
                    items.extend(more);
                } else {
                    items.push(value);
                }
            }
            _ => mapped.push((key, value)),
        }
    }
    *entries = mapped;
}

/// Converts a value written the team's way in place; a value that does not convert is left
/// as written, for the rules to report.
pub fn convert(node: &mut Node, conversion: Conversion) {
    let converted = match (&node.value, conversion) {
        (Value::Str(text), Conversion::List) => Some(Value::Seq(
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Node {
                    value: Value::Str(s.to_string()),
                    span: node.span.clone(),
                })
                .collect(),
        )),
        (Value::Int(_) | Value::Float(_) | Value::Bool(_), Conversion::List) => {
            node.scalar_text().map(|text| {
                Value::Seq(vec![Node {
                    value: Value::Str(text),
                    span: node.span.clone(),
                }])
            })
        }
        (Value::Str(text), Conversion::Duration) => duration_days(text).map(Value::Int),
        (Value::Str(text), Conversion::Date) => loose_date(text).map(Value::Str),
        (Value::Str(text), Conversion::Timestamp) => loose_timestamp(text).map(Value::Str),
        _ => None,
    };
    if let Some(value) = converted {
        node.value = value;
    }
}

/// `90 days`, `6 months`, `2 weeks`, `1 year`, `3m`, `180` as days (a month is 30 days, a
/// year 365), or `None`.
pub fn duration_days(text: &str) -> Option<i64> {
    let text = text.trim().to_ascii_lowercase();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: i64 = number.parse().ok().filter(|n| *n > 0)?;
    let per = match unit.trim() {
        "" | "d" | "day" | "days" => 1,
        "w" | "week" | "weeks" => 7,
        "m" | "mo" | "month" | "months" => 30,
        "y" | "year" | "years" => 365,
        _ => return None,
    };
    number.checked_mul(per)
}

/// The date of `2026-03-01`, `2026-03-01T10:00:00Z` or `2026-03-01 10:00`, as YYYY-MM-DD.
pub fn loose_date(text: &str) -> Option<String> {
    let text = text.trim();
    let date = text.get(..10)?;
    let rest = &text[10..];
    let separated = rest.is_empty() || rest.starts_with(['T', 't', ' ']);
    (separated && super::meta::parse_date(date).is_some()).then(|| date.to_string())
}

/// An RFC 3339 timestamp from `2026-03-01 10:00`, `2026-03-01T10:00:00+0200`,
/// `2026-03-01 10:00:00 UTC` or `2026-03-01` (midnight); no offset means UTC.
pub fn loose_timestamp(text: &str) -> Option<String> {
    use super::meta::{offset_as_rfc3339, parse_date, parse_timestamp, split_date_time};
    let text = text.trim();
    if parse_timestamp(text).is_some() {
        return Some(text.to_string());
    }
    if parse_date(text).is_some() {
        return Some(format!("{text}T00:00:00Z"));
    }
    let (date_time, zone) = split_date_time(text)?;
    let offset = match zone {
        "" | "Z" | "z" | "UTC" | "utc" | "GMT" => "Z".to_string(),
        _ => offset_as_rfc3339(zone)?,
    };
    let candidate = format!("{date_time}{offset}");
    parse_timestamp(&candidate).map(|_| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::yaml;

    fn mapping(toml: &str) -> Mapping {
        Mapping::new(&Config::parse(toml, "opsbook.toml").unwrap())
    }

    #[test]
    fn durations_dates_and_timestamps_convert_when_clear() {
        assert_eq!(duration_days("6 months"), Some(180));
        assert_eq!(duration_days("90 days"), Some(90));
        assert_eq!(duration_days("2 Weeks"), Some(14));
        assert_eq!(duration_days("1 year"), Some(365));
        assert_eq!(duration_days("180"), Some(180));
        for bad in [
            "soon",
            "0 days",
            "-3 days",
            "6 fortnights",
            "",
            "99999999999999999 years",
        ] {
            assert_eq!(duration_days(bad), None, "{bad}");
        }
        assert_eq!(
            loose_date("2026-03-01T10:00:00Z").as_deref(),
            Some("2026-03-01")
        );
        assert_eq!(loose_date("2026-03-01").as_deref(), Some("2026-03-01"));
        assert_eq!(loose_date("2026-02-30"), None);
        assert_eq!(loose_date("2026-03-01x"), None);
        for (written, read) in [
            ("2026-03-01 10:00", "2026-03-01T10:00:00Z"),
            ("2026-03-01T10:00:30", "2026-03-01T10:00:30Z"),
            ("2026-03-01 10:00:00 UTC", "2026-03-01T10:00:00Z"),
            ("2026-03-01 10:00 +0200", "2026-03-01T10:00:00+02:00"),
            ("2026-03-01T10:00:00-05:00", "2026-03-01T10:00:00-05:00"),
            ("2026-03-01", "2026-03-01T00:00:00Z"),
        ] {
            assert_eq!(loose_timestamp(written).as_deref(), Some(read), "{written}");
        }
        for bad in [
            "yesterday",
            "2026-03-01 25:00",
            "2026-03-01 10",
            "2026-03-01 10:00 CEST",
        ] {
            assert_eq!(loose_timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn aliases_rename_keep_spans_and_merge_lists() {
        let m = mapping(
            "[schema.postmortem.aliases]\nstart_time = \"started_at\"\ncategories = \"tags\"\nkeywords = \"tags\"\n\
             [schema.postmortem.convert]\ntags = \"list\"\nstarted_at = \"timestamp\"\n",
        );
        let text =
            "start_time: 2019-05-01 10:00\ncategories: [db]\nkeywords: api, cache\ntitle: x\n";
        let mut fm = yaml::parse(text, 0).unwrap();
        m.apply(&mut fm, Kind::Postmortem);
        let (key, value) = fm.get("started_at").unwrap();
        assert_eq!(&text[key.span.clone()], "start_time");
        assert_eq!(key.label(), "`start_time` (read as `started_at`)");
        assert_eq!(value.as_str(), Some("2019-05-01T10:00:00Z"));
        let tags: Vec<_> = fm
            .get("tags")
            .unwrap()
            .1
            .as_seq()
            .unwrap()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        assert_eq!(tags, ["db", "api", "cache"]);
        assert!(fm.get("categories").is_none() && fm.get("keywords").is_none());
        // A runbook has no such aliases.
        let mut fm = yaml::parse(text, 0).unwrap();
        m.apply(&mut fm, Kind::Runbook);
        assert!(fm.get("start_time").is_some());
    }

    #[test]
    fn follow_up_items_are_mapped_too() {
        let m = mapping(
            "[schema.postmortem.aliases]\naction_items = \"follow_ups\"\n[schema.follow_up.aliases]\nassignee = \"owner\"\n[schema.follow_up.convert]\ndue = \"date\"\n",
        );
        let text =
            "action_items:\n  - action: a\n    assignee: bob\n    due: 2026-01-02T00:00:00Z\n";
        let mut fm = yaml::parse(text, 0).unwrap();
        m.apply(&mut fm, Kind::Postmortem);
        let items = fm.get("follow_ups").unwrap().1.as_seq().unwrap();
        assert_eq!(items[0].get("owner").unwrap().1.as_str(), Some("bob"));
        assert_eq!(items[0].get("due").unwrap().1.as_str(), Some("2026-01-02"));
    }

    #[test]
    fn patterns_stems_and_kinds() {
        let m = mapping(
            "[documents]\npatterns = [\"*.md\", \"*.html.md.erb\", \"*.mdx\"]\nexclude = [\"_site\", \"README.md\"]\n[kinds]\n\"source/incidents/**\" = \"postmortem\"\n\"**\" = \"runbook\"\n",
        );
        assert!(m.is_document("a/b.mdx") && m.is_document("x.html.md.erb"));
        assert!(!m.is_document("a/b.erb") && !m.is_document("_site/a.md"));
        assert!(!m.is_document("README.md") && !m.is_document("x/README.md"));
        assert_eq!(m.stem("x.html.md.erb"), "x");
        assert_eq!(m.stem("x.html.md"), "x");
        assert_eq!(m.stem("x.mdx"), "x");
        assert_eq!(m.stem(".md"), ".md");
        assert_eq!(
            m.kind_for("source/incidents/2019/a.md"),
            Some(Kind::Postmortem)
        );
        assert_eq!(m.kind_for("manual/a.md"), Some(Kind::Runbook));
        assert_eq!(Mapping::default_ref().kind_for("runbooks/a.md"), None);
        assert_eq!(m.template_tags("x.html.md.erb"), [TemplateSyntax::Erb]);
    }
}
