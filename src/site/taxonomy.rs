//! Taxonomies: one list page per service, tag, owner and severity, plus an index page each.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use super::model::DocView;
use crate::document::Kind;

/// The four ways to browse documents, in navigation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TaxonomyKind {
    Services,
    Tags,
    Owners,
    Severities,
}

impl TaxonomyKind {
    pub const ALL: [TaxonomyKind; 4] = [
        TaxonomyKind::Services,
        TaxonomyKind::Tags,
        TaxonomyKind::Owners,
        TaxonomyKind::Severities,
    ];

    /// The URL folder, such as `services`.
    pub fn folder(self) -> &'static str {
        match self {
            TaxonomyKind::Services => "services",
            TaxonomyKind::Tags => "tags",
            TaxonomyKind::Owners => "owners",
            TaxonomyKind::Severities => "severities",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            TaxonomyKind::Services => "Services",
            TaxonomyKind::Tags => "Tags",
            TaxonomyKind::Owners => "Owners",
            TaxonomyKind::Severities => "Severities",
        }
    }

    pub fn singular(self) -> &'static str {
        match self {
            TaxonomyKind::Services => "Service",
            TaxonomyKind::Tags => "Tag",
            TaxonomyKind::Owners => "Owner",
            TaxonomyKind::Severities => "Severity",
        }
    }

    /// The values of this taxonomy a document has.
    pub fn values(self, doc: &DocView) -> Vec<&str> {
        match self {
            TaxonomyKind::Services => doc.services.iter().map(String::as_str).collect(),
            TaxonomyKind::Tags => doc.tags.iter().map(String::as_str).collect(),
            TaxonomyKind::Owners => single(&doc.owner),
            TaxonomyKind::Severities => single(&doc.severity),
        }
    }
}

fn single(value: &str) -> Vec<&str> {
    if value.is_empty() {
        Vec::new()
    } else {
        vec![value]
    }
}

/// A value and the page that lists its documents.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct TermLink {
    pub name: String,
    pub url: String,
}

/// One service, tag, owner or severity.
#[derive(Debug, Clone, Serialize)]
pub struct Term {
    pub name: String,
    pub slug: String,
    pub url: String,
    pub runbook_count: usize,
    pub postmortem_count: usize,
    /// Documents, as indexes into `Site::documents`: runbooks by title, postmortems newest first.
    #[serde(skip)]
    pub runbooks: Vec<usize>,
    #[serde(skip)]
    pub postmortems: Vec<usize>,
    /// The most recent incident date among its postmortems (YYYY-MM-DD), or empty.
    pub last_incident: String,
    /// Open (or in progress) follow-ups of its postmortems; for owners, those they own.
    pub open_follow_ups: usize,
    pub overdue_follow_ups: usize,
    /// For severities: the rank in the scale (1 is the most severe); 0 otherwise.
    pub severity_rank: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Taxonomy {
    pub kind: TaxonomyKind,
    /// `services`, `tags`, `owners` or `severities`.
    pub key: &'static str,
    pub title: &'static str,
    pub singular: &'static str,
    pub url: String,
    pub terms: Vec<Term>,
}

impl Taxonomy {
    /// The term for `name`.
    pub fn link(&self, name: &str) -> Option<TermLink> {
        self.terms
            .iter()
            .find(|t| t.name == name)
            .map(|t| TermLink {
                name: t.name.clone(),
                url: t.url.clone(),
            })
    }
}

/// The slug of a term's page ([`crate::slug::slugify`]; `term` when the value has no letter
/// or digit). `alice.nguyen@acme.example` -> `alice-nguyen-acme-example`.
pub fn term_slug(name: &str) -> String {
    let slug = crate::slug::slugify(name);
    if slug.is_empty() { "term".into() } else { slug }
}

/// Builds the four taxonomies. `documents` must be in the order pages list them: the caller
/// passes runbooks by title, then postmortems newest first, as indexes into `all`.
pub fn build(
    all: &[DocView],
    order: &[usize],
    base_path: &str,
    severities: &[String],
) -> Vec<Taxonomy> {
    TaxonomyKind::ALL
        .iter()
        .map(|&kind| build_one(kind, all, order, base_path, severities))
        .collect()
}

impl Term {
    /// A term with no documents yet.
    fn named(name: &str) -> Term {
        Term {
            name: name.to_string(),
            slug: String::new(),
            url: String::new(),
            runbook_count: 0,
            postmortem_count: 0,
            runbooks: Vec::new(),
            postmortems: Vec::new(),
            last_incident: String::new(),
            open_follow_ups: 0,
            overdue_follow_ups: 0,
            severity_rank: 0,
        }
    }
}

/// Severities in the order of the scale (unknown ones last), everything else by name.
fn sort_terms(kind: TaxonomyKind, terms: &mut [Term], severities: &[String]) {
    if kind != TaxonomyKind::Severities {
        terms.sort_by(|a, b| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then(a.name.cmp(&b.name))
        });
        return;
    }
    let rank = |name: &str| {
        severities
            .iter()
            .position(|s| s == name)
            .map_or(usize::MAX, |p| p + 1)
    };
    terms.sort_by(|a, b| rank(&a.name).cmp(&rank(&b.name)).then(a.name.cmp(&b.name)));
    for term in terms.iter_mut() {
        term.severity_rank = match rank(&term.name) {
            usize::MAX => 0,
            r => r,
        };
    }
}

/// Unique slugs and page URLs: a second value with the same slug gets `-2`, and so on.
fn give_slugs(kind: TaxonomyKind, terms: &mut [Term], base_path: &str) {
    let mut used: HashMap<String, usize> = HashMap::new();
    for term in terms.iter_mut() {
        let base = term_slug(&term.name);
        let mut slug = base.clone();
        let mut n = 1;
        while used.contains_key(&slug) {
            n += 1;
            slug = format!("{base}-{n}");
        }
        used.insert(slug.clone(), 1);
        let escaped = crate::document::links::encode_path(&slug);
        term.url = format!("{base_path}{}/{escaped}/", kind.folder());
        term.slug = slug;
    }
}

fn build_one(
    kind: TaxonomyKind,
    all: &[DocView],
    order: &[usize],
    base_path: &str,
    severities: &[String],
) -> Taxonomy {
    let mut by_name: BTreeMap<&str, Term> = BTreeMap::new();
    for &i in order {
        let doc = &all[i];
        let mut seen = HashSet::new();
        for name in kind.values(doc) {
            if !seen.insert(name) {
                continue;
            }
            let term = by_name.entry(name).or_insert_with(|| Term::named(name));
            match doc.kind {
                Kind::Runbook => {
                    term.runbook_count += 1;
                    term.runbooks.push(i);
                }
                Kind::Postmortem => {
                    term.postmortem_count += 1;
                    term.postmortems.push(i);
                    if doc.date > term.last_incident {
                        term.last_incident = doc.date.clone();
                    }
                    if kind != TaxonomyKind::Owners {
                        term.open_follow_ups += doc.open_follow_ups;
                        term.overdue_follow_ups += doc.overdue_follow_ups;
                    }
                }
            }
        }
    }
    if kind == TaxonomyKind::Owners {
        // Owners also own follow-ups, in postmortems they may not own.
        for doc in all.iter().filter(|d| d.kind == Kind::Postmortem) {
            for f in &doc.follow_ups {
                if f.owner.is_empty() || !f.is_open {
                    continue;
                }
                let term = by_name
                    .entry(f.owner.as_str())
                    .or_insert_with(|| Term::named(&f.owner));
                term.open_follow_ups += 1;
                term.overdue_follow_ups += usize::from(f.overdue);
            }
        }
    }
    let mut terms: Vec<Term> = by_name.into_values().collect();
    sort_terms(kind, &mut terms, severities);
    give_slugs(kind, &mut terms, base_path);
    Taxonomy {
        kind,
        key: kind.folder(),
        title: kind.title(),
        singular: kind.singular(),
        url: format!("{base_path}{}/", kind.folder()),
        terms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site_of(docs: &[(&str, &str)]) -> (crate::config::Config, Vec<crate::document::Document>) {
        let docs = docs
            .iter()
            .map(|(path, text)| {
                crate::document::Document::parse(
                    path.to_string(),
                    path.into(),
                    std::sync::Arc::new(text.to_string()),
                )
            })
            .collect();
        (crate::config::Config::default(), docs)
    }

    #[test]
    fn values_with_the_same_slug_get_distinct_pages() {
        let (config, docs) = site_of(&[
            (
                "runbooks/a.md",
                "---\ntitle: A\nowner: Team A\nseverity: SEV2\nservices: [api, API]\ntags: [x, x]\n---\n",
            ),
            (
                "runbooks/b.md",
                "---\ntitle: B\nowner: team-a\nseverity: SEV1\nservices: [api]\n---\n",
            ),
            (
                "postmortems/c.md",
                "---\ntitle: C\nowner: Team A\nseverity: SEV9\nservices: [api]\nstarted_at: 2026-01-01T00:00:00Z\nfollow_ups:\n  - action: x\n    owner: zed\n    due: 2026-01-02\n---\n",
            ),
        ]);
        let today = "2026-02-01".parse().unwrap();
        let site =
            crate::site::model::Site::new(&config, &docs, &crate::site::SiteInput::new(today));
        let owners: Vec<(&str, &str)> = site
            .taxonomy(TaxonomyKind::Owners)
            .terms
            .iter()
            .map(|t| (t.name.as_str(), t.url.as_str()))
            .collect();
        assert_eq!(
            owners,
            [
                ("Team A", "/owners/team-a/"),
                ("team-a", "/owners/team-a-2/"),
                ("zed", "/owners/zed/")
            ],
            "the owner of a follow-up has a page too"
        );
        let zed = &site.taxonomy(TaxonomyKind::Owners).terms[2];
        assert_eq!(
            (
                zed.open_follow_ups,
                zed.overdue_follow_ups,
                zed.postmortem_count
            ),
            (1, 1, 0)
        );
        let services: Vec<&str> = site
            .taxonomy(TaxonomyKind::Services)
            .terms
            .iter()
            .map(|t| t.url.as_str())
            .collect();
        assert_eq!(services, ["/services/api/", "/services/api-2/"]);
        let tags = &site.taxonomy(TaxonomyKind::Tags).terms;
        assert_eq!(
            (tags.len(), tags[0].runbook_count),
            (1, 1),
            "a repeated value counts once"
        );
        // Severities in the order of the scale, a value off the scale last.
        let sev: Vec<(&str, usize)> = site
            .taxonomy(TaxonomyKind::Severities)
            .terms
            .iter()
            .map(|t| (t.name.as_str(), t.severity_rank))
            .collect();
        assert_eq!(sev, [("SEV1", 1), ("SEV2", 2), ("SEV9", 0)]);
        let a = site.documents.iter().find(|d| d.id == "a").unwrap();
        assert_eq!(a.owner_url, "/owners/team-a/");
        assert_eq!(a.severity_url, "/severities/sev2/");
        let b = site.documents.iter().find(|d| d.id == "b").unwrap();
        assert_eq!(b.owner_url, "/owners/team-a-2/");
    }

    #[test]
    fn slugs_are_url_safe() {
        assert_eq!(
            term_slug("alice.nguyen@acme.example"),
            "alice-nguyen-acme-example"
        );
        assert_eq!(term_slug("Payments API"), "payments-api");
        assert_eq!(term_slug("  --SEV1--  "), "sev1");
        assert_eq!(term_slug("../.."), "term");
        assert_eq!(term_slug("Zürich DC"), "zürich-dc");
    }
}
