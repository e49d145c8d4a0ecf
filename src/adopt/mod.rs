//! `opsbook adopt`: reads a repository that was not written for opsbook and proposes the
//! opsbook.toml that reads it as it is: where the documents are and which files they are
//! ([`survey`]), which kind each folder holds ([`kinds`]), the team's own keys ([`keys`]), the
//! link conventions and template syntax of its old generator, and the rules to relax while the
//! team settles in. The proposal is written as commented TOML ([`render`]) and parsed back with
//! the config's own reader, so what is proposed is what opsbook will read. Nothing in the
//! repository is changed.

pub mod keys;
pub mod kinds;
pub mod migrate;
pub mod render;
pub mod survey;

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::reading::TemplateSyntax;
use crate::config::{Config, Section};
use crate::document::links::{Corpus, Resolution, Resolver};
use crate::document::{Document, Kind};

/// Everything `adopt` decided, with what it saw.
pub struct Proposal {
    pub survey: survey::Survey,
    pub output: Option<String>,
    /// Where opsbook's template overrides go, when `templates/` holds something else.
    pub templates: Option<String>,
    pub without_front_matter: usize,
    pub title_from_heading: usize,
    pub template_tags: Vec<(TemplateSyntax, usize)>,
    /// Link conventions: name, how many links only it resolves.
    pub links: Links,
    pub kinds: Vec<kinds::KindGlob>,
    pub keys: BTreeMap<Kind, keys::KindKeys>,
    /// Postmortem sections: the headings and how many postmortems have one of them.
    pub sections: Option<(Section, usize)>,
    /// A severity scale that holds every severity written, when opsbook's does not.
    pub severities: Option<(Vec<String>, String)>,
    /// Rules relaxed to warnings: id, documents with a finding, documents in all.
    pub relaxed: Vec<(String, usize, usize)>,
}

#[derive(Default)]
pub struct Links {
    pub html: usize,
    pub extensionless: usize,
    pub hugo_ref: usize,
    pub site_root: Option<(String, usize)>,
}

/// Headings that stand for a timeline in postmortems.
const TIMELINE_HEADINGS: &[&str] = &[
    "Timeline",
    "Key events",
    "Chronology",
    "Sequence of events",
    "Incident timeline",
    "Timeline of events",
    "Events",
];

/// Surveys the repository at `dir` and proposes its config (the text, and the proposal).
pub fn propose(dir: &Path) -> Result<(String, Proposal), crate::Error> {
    let survey = survey::survey(dir)?;
    let docs = &survey.docs;
    let kinds = kinds::globs(docs);
    let defaults = Config::default();
    let mut by_kind: BTreeMap<Kind, Vec<&Document>> = BTreeMap::new();
    for doc in docs {
        if let Some(kind) = kinds::assigned(doc, &kinds) {
            by_kind.entry(kind).or_default().push(doc);
        }
    }
    let keys: BTreeMap<Kind, keys::KindKeys> = by_kind
        .iter()
        .map(|(kind, docs)| {
            let required = &defaults.schema.for_kind(*kind).required;
            (*kind, keys::analyse(*kind, docs, required))
        })
        .collect();
    let sections = by_kind
        .get(&Kind::Postmortem)
        .and_then(|pms| timeline_section(pms));
    let severities = severity_scale(&by_kind, &keys, &defaults.schema.severities);
    let mut proposal = Proposal {
        output: dir
            .join("public")
            .is_dir()
            .then(|| "opsbook-site".to_string()),
        templates: dir
            .join("templates")
            .is_dir()
            .then(|| "opsbook-templates".to_string()),
        without_front_matter: docs.iter().filter(|d| no_front_matter(d)).count(),
        title_from_heading: docs.iter().filter(|d| title_from_heading(d)).count(),
        template_tags: template_tags(docs),
        links: links(dir, &survey),
        kinds,
        keys,
        sections,
        severities,
        relaxed: Vec::new(),
        survey,
    };
    let text = render::render(&proposal);
    proposal.relaxed = relaxed_rules(dir, &text)?;
    Ok((render::render(&proposal), proposal))
}

/// The config a proposal's text gives for the repository at `dir`.
pub fn config_of(dir: &Path, text: &str) -> Result<Config, crate::Error> {
    let mut config = Config::parse(text, crate::config::CONFIG_FILE)?;
    config.root = dir.to_path_buf();
    Ok(config)
}

/// The lint of the repository at `dir` with a proposal's text as its config.
pub fn lint_with(dir: &Path, text: &str) -> Result<crate::LintOutcome, crate::Error> {
    let config = config_of(dir, text)?;
    crate::lint(
        &config,
        &crate::LintOptions {
            allow_empty: true,
            ..crate::LintOptions::default()
        },
    )
}

/// Rules that fire on more than half of the documents (at least two): a convention of the
/// team rather than a slip, so a warning at first.
fn relaxed_rules(dir: &Path, text: &str) -> Result<Vec<(String, usize, usize)>, crate::Error> {
    let outcome = lint_with(dir, text)?;
    let total = outcome.docs.len();
    let mut docs_per_rule: BTreeMap<&str, std::collections::BTreeSet<usize>> = BTreeMap::new();
    for finding in &outcome.findings {
        if let (crate::lint::Level::Error, Some(doc)) = (finding.level, finding.at.document()) {
            docs_per_rule
                .entry(finding.rule.as_str())
                .or_default()
                .insert(doc);
        }
    }
    Ok(docs_per_rule
        .into_iter()
        .filter(|(_, docs)| docs.len() >= 2 && docs.len() * 2 > total)
        .map(|(rule, docs)| (rule.to_string(), docs.len(), total))
        .collect())
}

fn no_front_matter(doc: &Document) -> bool {
    let text = doc.source.trim_start_matches('\u{feff}');
    !text.starts_with("---") && !text.starts_with("+++")
}

/// Whether the document's title comes from its first heading (it has no `title:`).
fn title_from_heading(doc: &Document) -> bool {
    doc.front_matter
        .get("title")
        .is_some_and(|(key, _)| Some(&key.span) == doc.title_heading.as_ref())
}

/// The template syntaxes found in the documents' bodies (ERB in `.erb` and MDX in `.mdx`
/// files are read as such without being asked).
fn template_tags(docs: &[Document]) -> Vec<(TemplateSyntax, usize)> {
    let mut counts: BTreeMap<TemplateSyntax, usize> = BTreeMap::new();
    for doc in docs {
        let body = doc.source.get(doc.body_start..).unwrap_or_default();
        let hugo = body.contains("{{<") || body.contains("{{%");
        let found = [
            (TemplateSyntax::Hugo, hugo),
            (
                TemplateSyntax::Liquid,
                !hugo && (body.contains("{%") || body.contains("{{ ")),
            ),
            (
                TemplateSyntax::Erb,
                !doc.rel_path.ends_with(".erb") && body.contains("<%"),
            ),
        ];
        for (syntax, _) in found.into_iter().filter(|(_, yes)| *yes) {
            *counts.entry(syntax).or_default() += 1;
        }
    }
    counts.into_iter().collect()
}

/// Severity scales teams use, most severe first.
const SEVERITY_SCALES: &[&[&str]] = &[
    &["SEV0", "SEV1", "SEV2", "SEV3", "SEV4"],
    &["P0", "P1", "P2", "P3", "P4"],
    &["critical", "high", "medium", "low"],
    &["critical", "major", "minor"],
    &["1", "2", "3", "4", "5"],
];

/// The severities written (under `severity` or its alias): when opsbook's scale does not
/// hold them all, the first known scale that does, spelled as the documents spell it.
fn severity_scale(
    by_kind: &BTreeMap<Kind, Vec<&Document>>,
    keys: &BTreeMap<Kind, keys::KindKeys>,
    default: &[String],
) -> Option<(Vec<String>, String)> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (kind, docs) in by_kind {
        let names: Vec<&str> = keys[kind]
            .aliases
            .iter()
            .filter(|(_, field, _)| field == "severity")
            .map(|(alias, _, _)| alias.as_str())
            .chain(["severity"])
            .collect();
        for doc in docs {
            let value = names.iter().find_map(|n| doc.front_matter.get(n));
            if let Some(text) = value.and_then(|(_, v)| v.scalar_text()) {
                *seen.entry(text.trim().to_string()).or_default() += 1;
            }
        }
    }
    if seen.is_empty() || seen.keys().all(|s| default.contains(s)) {
        return None;
    }
    let scale = SEVERITY_SCALES.iter().find(|scale| {
        seen.keys()
            .all(|s| scale.iter().any(|v| v.eq_ignore_ascii_case(s)))
    })?;
    let spelled = scale
        .iter()
        .map(|v| {
            seen.keys()
                .find(|s| v.eq_ignore_ascii_case(s))
                .map_or_else(|| v.to_string(), Clone::clone)
        })
        .collect();
    let written: Vec<String> = seen.iter().map(|(s, n)| format!("{s} ({n})")).collect();
    Some((
        spelled,
        format!("severities written: {}", written.join(", ")),
    ))
}

/// Postmortems' timeline heading and the other names they give it.
fn timeline_section(postmortems: &[&Document]) -> Option<(Section, usize)> {
    let has = |doc: &Document, name: &str| {
        doc.outline
            .headings
            .iter()
            .any(|h| h.text.trim().eq_ignore_ascii_case(name))
    };
    let names: Vec<String> = TIMELINE_HEADINGS
        .iter()
        .filter(|name| **name == "Timeline" || postmortems.iter().any(|d| has(d, name)))
        .map(|name| name.to_string())
        .collect();
    let count = postmortems
        .iter()
        .filter(|d| names.iter().any(|n| has(d, n)))
        .count();
    (names.len() > 1).then_some((Section::AnyOf(names), count))
}

/// How many links each convention of another generator makes resolve, that do not otherwise.
fn links(dir: &Path, survey: &survey::Survey) -> Links {
    let docs = &survey.docs;
    let paths: std::collections::HashMap<&str, usize> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.rel_path.as_str(), i))
        .collect();
    let content = dir.join(&survey.content);
    let corpus = Corpus::new(docs, &paths, Some(content));
    let patterns = survey::patterns(&survey.endings);
    let base = survey::reading_config(dir, &survey.content, &survey.exclude, &patterns);
    let resolver_with = |edit: &dyn Fn(&mut Config)| {
        let mut config = base.clone();
        config.compiled = std::sync::OnceLock::new();
        edit(&mut config);
        Resolver::for_config(&config)
    };
    let plain = Resolver::for_config(&base);
    let gained = |from: &Resolver, to: &Resolver| count_gained(docs, &corpus, from, to);
    let mut links = Links {
        html: gained(&plain, &resolver_with(&|c| c.links.html = true)),
        extensionless: gained(&plain, &resolver_with(&|c| c.links.extensionless = true)),
        hugo_ref: docs
            .iter()
            .filter(|d| d.source.contains("{{< ref") || d.source.contains("{{< relref"))
            .count(),
        site_root: None,
    };
    let (html, extensionless) = (links.html > 0, links.extensionless > 0);
    let conventions = resolver_with(&|c| {
        c.links.html = html;
        c.links.extensionless = extensionless;
    });
    let mut roots = vec!["/".to_string()];
    if survey.content != "." {
        roots.insert(0, format!("/{}/", survey.content));
    }
    for root in roots {
        let with = |html: bool, extensionless: bool| {
            resolver_with(&|c| {
                c.links.html = html;
                c.links.extensionless = extensionless;
                c.links.site_root = root.clone();
            })
        };
        let count = gained(&conventions, &with(true, true));
        if count > 0 {
            // Links from the root may need the other conventions too (`/docs/runbooks/x`).
            if !extensionless {
                links.extensionless = gained(&with(html, false), &with(html, true));
            }
            if !html {
                links.html = gained(&with(false, extensionless), &with(true, extensionless));
            }
            links.site_root = Some((root, count));
            break;
        }
    }
    links
}

/// Links that `plain` leaves broken or as written and `with` resolves to a document or file.
fn count_gained(docs: &[Document], corpus: &Corpus, plain: &Resolver, with: &Resolver) -> usize {
    let found = |r: Resolution| matches!(r, Resolution::Document { .. } | Resolution::File { .. });
    docs.iter()
        .flat_map(|d| d.outline.links.iter().map(move |l| (d, l)))
        .filter(|(d, l)| {
            !found(plain.resolve(corpus, &d.rel_path, &l.dest))
                && found(with.resolve(corpus, &d.rel_path, &l.dest))
        })
        .count()
}
