//! How documents are read, for knowledge bases that were not written for opsbook: which files
//! are documents (`[documents]`), which kind a folder holds (`[kinds]`), how links were written
//! (`[links]`), and, per kind in `[schema.<kind>]`, the team's own names for opsbook's fields
//! (`aliases`) and how their values are written (`convert`). `opsbook adopt` proposes all of it.
//!
//! Only the settings live here; [`crate::document::mapping`] applies them while a document is
//! parsed, so every stage (lint, site, metrics, follow-ups, serve, search) sees opsbook's keys.

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

use crate::document::Kind;

/// `[documents]`: which files under the content folder are documents, and how they are read.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Hash)]
#[serde(default, deny_unknown_fields)]
pub struct DocumentsConfig {
    /// Globs of documents. A pattern without `/` matches file names in any folder (`*.md`);
    /// one with `/` matches the path under the content folder (`incidents/**/*.md`).
    pub patterns: Vec<String>,
    /// Globs (same matching) of files and folders that are not documents even though a
    /// pattern matches them.
    pub exclude: Vec<String>,
    /// Whether a document must start with front matter.
    pub front_matter: FrontMatterPolicy,
    /// Without `title:`, the first `# Heading` of the body is the title (and the page does not
    /// show it a second time).
    pub title_from_heading: bool,
    /// Template syntax left in documents by another site generator, removed from what the site
    /// shows (never from code). `.erb` files always get `erb`, `.mdx` files `mdx`.
    pub template_tags: Vec<TemplateSyntax>,
}

impl Default for DocumentsConfig {
    fn default() -> Self {
        Self {
            patterns: vec!["*.md".into()],
            exclude: Vec::new(),
            front_matter: FrontMatterPolicy::Required,
            title_from_heading: false,
            template_tags: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum FrontMatterPolicy {
    /// A document without front matter is reported by `invalid-front-matter` and gets no page.
    #[default]
    Required,
    /// A document without front matter is read as one with an empty front matter.
    Optional,
}

/// Template syntaxes another generator expands at build time.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum TemplateSyntax {
    /// `<% ... %>`, `<%= ... %>` (Middleman, Rails).
    Erb,
    /// `{% ... %}` and `{{ ... }}` (Jekyll, MkDocs macros).
    Liquid,
    /// Hugo shortcodes: `{{< ... >}}` and `{{% ... %}}`.
    Hugo,
    /// MDX: `import` and `export` lines (Docusaurus).
    Mdx,
}

impl TemplateSyntax {
    pub fn name(self) -> &'static str {
        match self {
            TemplateSyntax::Erb => "erb",
            TemplateSyntax::Liquid => "liquid",
            TemplateSyntax::Hugo => "hugo",
            TemplateSyntax::Mdx => "mdx",
        }
    }
}

/// `[links]`: ways of writing links that another site generator understood.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq, Hash)]
#[serde(default, deny_unknown_fields)]
pub struct LinksConfig {
    /// `page.html` means the document `page.md` (or `page.html.md`, ...).
    pub html: bool,
    /// `incidents/slug` means the document `incidents/slug.md`.
    pub extensionless: bool,
    /// Hugo's `{{< ref "x.md" >}}` and `{{< relref "x" >}}` are links to documents.
    pub hugo_ref: bool,
    /// Links starting with this path (such as "/" or "/docs/") are read as paths in the
    /// content folder when a document or file is there; others are left as written. Empty: off.
    pub site_root: String,
}

/// A conversion of a value written the team's way into opsbook's type.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Conversion {
    /// A comma-separated string (`"db, api"`), or one value, as a list.
    List,
    /// `6 months`, `90 days`, `2 weeks`, `1 year` as a number of days.
    Duration,
    /// A timestamp (`2026-03-01T10:00:00Z`, `2026-03-01 10:00`) as its date.
    Date,
    /// `2026-03-01 10:00`, `2026-03-01T10:00`, or a date alone, as an RFC 3339 timestamp
    /// (read as UTC when no offset is written).
    Timestamp,
}

impl Conversion {
    pub fn name(self) -> &'static str {
        match self {
            Conversion::List => "list",
            Conversion::Duration => "duration",
            Conversion::Date => "date",
            Conversion::Timestamp => "timestamp",
        }
    }

    /// The field type this conversion produces.
    pub fn produces(self) -> crate::document::schema::FieldType {
        use crate::document::schema::FieldType;
        match self {
            Conversion::List => FieldType::TextList,
            Conversion::Duration => FieldType::Days,
            Conversion::Date => FieldType::Date,
            Conversion::Timestamp => FieldType::Timestamp,
        }
    }
}

/// A required section: one heading, or any one of several (`["Timeline", "Key events"]`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Hash)]
#[serde(untagged)]
pub enum Section {
    One(String),
    AnyOf(Vec<String>),
}

impl Section {
    /// The headings that satisfy it, the preferred one first.
    pub fn names(&self) -> &[String] {
        match self {
            Section::One(name) => std::slice::from_ref(name),
            Section::AnyOf(names) => names,
        }
    }

    /// The preferred heading.
    pub fn first(&self) -> &str {
        self.names().first().map_or("", String::as_str)
    }
}

impl From<&str> for Section {
    fn from(name: &str) -> Self {
        Section::One(name.to_string())
    }
}

/// A TOML table read in the order it is written (`[kinds]`: the first matching glob wins).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ordered<V>(pub Vec<(String, V)>);

impl<V> Default for Ordered<V> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<V> Ordered<V> {
    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Ordered<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for OrderedVisitor<V> {
            type Value = Ordered<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, V>()? {
                    entries.push((key, value));
                }
                Ok(Ordered(entries))
            }
        }
        deserializer.deserialize_map(OrderedVisitor(std::marker::PhantomData))
    }
}

/// `[kinds]`: content-relative globs and the kind of the documents they match, first match
/// first (`"incidents/**" = "postmortem"`). A document's own `kind:` still wins.
pub type KindsConfig = Ordered<Kind>;

/// A glob as `[documents]` patterns and `[kinds]` match it: a pattern without `/` matches the
/// file name in any folder, one with `/` the whole content-relative path (a leading `/` only
/// anchors it: `/index.md` is the content folder's own index, not every folder's).
pub fn path_glob(pattern: &str) -> Result<globset::Glob, globset::Error> {
    let pattern = pattern.trim_start_matches("./");
    if pattern.contains('/') {
        // A leading `/` anchors a pattern at the content folder: `/index.md` is only the top one.
        globset::GlobBuilder::new(pattern.strip_prefix('/').unwrap_or(pattern))
            .literal_separator(true)
            .build()
    } else {
        globset::GlobBuilder::new(&format!("**/{pattern}"))
            .literal_separator(true)
            .build()
    }
}

/// Checks what serde cannot in the reading settings: the message and the text to point at.
pub fn validate(config: &super::Config) -> Result<(), (String, String)> {
    let documents = &config.documents;
    if documents.patterns.is_empty() {
        return Err((
            "documents.patterns must list at least one pattern, such as \"*.md\"".into(),
            "patterns".into(),
        ));
    }
    let globs = documents
        .patterns
        .iter()
        .chain(&documents.exclude)
        .chain(config.kinds.0.iter().map(|(glob, _)| glob));
    for pattern in globs {
        if let Err(e) = path_glob(pattern) {
            return Err((
                format!("`{pattern}` is not a valid glob: {e}"),
                pattern.clone(),
            ));
        }
    }
    let root = config.links.site_root.trim();
    if !root.is_empty() && !root.starts_with('/') {
        return Err((
            format!(
                "links.site_root must be a path starting with `/`, such as \"/\", not `{root}`"
            ),
            "site_root".into(),
        ));
    }
    for (table, kind) in [
        ("runbook", Some(Kind::Runbook)),
        ("postmortem", Some(Kind::Postmortem)),
        ("follow_up", None),
    ] {
        validate_kind(&config.schema, table, kind)?;
    }
    Ok(())
}

/// The aliases, conversions and sections of `[schema.<table>]`.
fn validate_kind(
    schema: &super::SchemaConfig,
    table: &str,
    kind: Option<Kind>,
) -> Result<(), (String, String)> {
    use crate::document::schema;
    let kind_schema = match kind {
        Some(kind) => schema.for_kind(kind),
        None => &schema.follow_up,
    };
    let spec = |name: &str| match kind {
        Some(kind) => schema::field_spec(kind, name),
        None => schema::follow_up_field(name),
    };
    for (alias, target) in kind_schema.aliases.iter() {
        if spec(target).is_none() {
            return Err((
                format!(
                    "schema.{table}.aliases: `{target}` is not a field opsbook knows (`opsbook schema` lists them)"
                ),
                target.to_string(),
            ));
        }
        if spec(alias).is_some() || alias == target {
            return Err((
                format!(
                    "schema.{table}.aliases: `{alias}` is one of opsbook's own fields and cannot be another's alias"
                ),
                alias.to_string(),
            ));
        }
    }
    for (field, conversion) in &kind_schema.convert {
        let Some(found) = spec(field) else {
            return Err((
                format!("schema.{table}.convert: `{field}` is not a field opsbook knows"),
                field.clone(),
            ));
        };
        if found.ty != conversion.produces() {
            return Err((
                format!(
                    "schema.{table}.convert: `{field}` is not a field a `{}` conversion can fill ({})",
                    conversion.name(),
                    found.describe
                ),
                field.clone(),
            ));
        }
    }
    for section in &kind_schema.sections {
        if section.names().iter().all(|n| n.trim().is_empty()) {
            return Err((
                format!("schema.{table}.sections: a section needs a heading"),
                "sections".into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn kinds_keep_the_order_they_are_written_in() {
        let config = Config::parse(
            "[kinds]\n\"z/**\" = \"runbook\"\n\"a/**\" = \"postmortem\"\n\"**\" = \"runbook\"\n",
            "opsbook.toml",
        )
        .unwrap();
        let globs: Vec<_> = config.kinds.iter().map(|(g, k)| (g, *k)).collect();
        assert_eq!(
            globs,
            [
                ("z/**", Kind::Runbook),
                ("a/**", Kind::Postmortem),
                ("**", Kind::Runbook)
            ]
        );
        assert!(Config::parse("[kinds]\n\"a/**\" = \"page\"\n", "opsbook.toml").is_err());
    }

    #[test]
    fn reading_settings_and_their_defaults() {
        let defaults = Config::default();
        assert_eq!(defaults.documents.patterns, ["*.md"]);
        assert_eq!(defaults.documents.front_matter, FrontMatterPolicy::Required);
        assert!(!defaults.links.html && defaults.links.site_root.is_empty());
        let config = Config::parse(
            r#"
[documents]
patterns = ["*.md", "*.html.md.erb"]
exclude = ["_site/**"]
front_matter = "optional"
title_from_heading = true
template_tags = ["erb", "hugo"]
[links]
html = true
extensionless = true
hugo_ref = true
site_root = "/"
[schema.postmortem]
sections = [["Timeline", "Key events"], "Impact"]
[schema.postmortem.aliases]
start_time = "started_at"
keywords = "tags"
[schema.postmortem.convert]
tags = "list"
started_at = "timestamp"
[schema.runbook.convert]
review_interval = "duration"
"#,
            "opsbook.toml",
        )
        .unwrap();
        assert_eq!(
            config.documents.template_tags,
            [TemplateSyntax::Erb, TemplateSyntax::Hugo]
        );
        let pm = &config.schema.postmortem;
        assert_eq!(
            pm.aliases.get("start_time").map(String::as_str),
            Some("started_at")
        );
        assert_eq!(pm.convert["tags"], Conversion::List);
        assert_eq!(pm.sections[0].names(), ["Timeline", "Key events"]);
        assert_eq!(pm.sections[1].first(), "Impact");
        assert_eq!(
            config.schema.runbook.convert["review_interval"],
            Conversion::Duration
        );
    }

    #[test]
    fn bad_reading_settings_point_at_their_key() {
        for (text, points_at) in [
            ("[documents]\npatterns = []\n", "patterns"),
            ("[documents]\npatterns = [\"a[\"]\n", "a["),
            ("[kinds]\n\"x[\" = \"runbook\"\n", "x["),
            ("[links]\nsite_root = \"docs\"\n", "site_root"),
            (
                "[schema.postmortem.aliases]\nstart_time = \"begun\"\n",
                "begun",
            ),
            ("[schema.postmortem.aliases]\ntags = \"services\"\n", "tags"),
            ("[schema.runbook.convert]\nowner = \"list\"\n", "owner"),
            ("[schema.runbook.convert]\nnope = \"list\"\n", "nope"),
            ("[schema.postmortem]\nsections = [[]]\n", "sections"),
        ] {
            let err = Config::parse(text, "opsbook.toml").unwrap_err();
            let crate::config::ConfigError::Invalid { span, .. } = *err else {
                panic!("expected Invalid for {text}");
            };
            let span = span.unwrap_or_else(|| panic!("no span for {text}"));
            assert_eq!(
                &text[span.offset()..span.offset() + span.len()],
                points_at,
                "{text}"
            );
        }
    }

    #[test]
    fn globs_match_names_anywhere_or_whole_paths() {
        let name = path_glob("*.md").unwrap().compile_matcher();
        assert!(name.is_match("a.md") && name.is_match("x/y/a.md"));
        let path = path_glob("data/*.md").unwrap().compile_matcher();
        assert!(path.is_match("data/a.md") && !path.is_match("data/x/a.md"));
        assert!(!path.is_match("other/data/a.md"));
        let deep = path_glob("data/**").unwrap().compile_matcher();
        assert!(deep.is_match("data/x/a.md"));
        let top = path_glob("/index.*").unwrap().compile_matcher();
        assert!(top.is_match("index.md") && !top.is_match("runbooks/index.md"));
    }
}
