//! The site model: what every page shows, computed once from the parsed documents.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::sync::{Arc, OnceLock};

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use rayon::prelude::*;
use serde::Serialize;

use super::SiteInput;
use super::fingerprint::{self, Hashed, Shared};
use super::taxonomy::{self, Taxonomy, TaxonomyKind, TermLink};
use super::templates::FieldNames;
use crate::config::Config;
use crate::document::links::{self, Corpus, Resolution, Resolver};
use crate::document::{Document, FollowUp, Kind, Meta, markdown};

#[derive(Debug, Clone, Serialize)]
pub struct SiteInfo {
    pub title: String,
    pub description: String,
    /// As configured: "/" or a full URL.
    pub base_url: String,
    /// The path part of base_url, always ending in "/": every link starts with it.
    pub base_path: String,
    /// base_url when it is a full URL (ending in "/"), for canonical links, the feed and the
    /// sitemap; empty when base_url is only a path.
    pub canonical_base: String,
    pub today: String,
    /// The repository's web address (no trailing "/"), or empty.
    pub repo_url: String,
    /// The branch "Edit this page" links open.
    pub edit_branch: String,
    /// Whether the search box is shown, and the index bundles it loads.
    pub search: super::search::SearchView,
    /// The severity scale, most severe first (the search box colours its results with it).
    pub severities: Vec<String>,
    /// The site has alert pages (`/alerts/`). Set once the alert views are made (see
    /// [`Site::with_cache`]); a site kept for reuse keeps `false` here.
    pub alerts: bool,
}

#[derive(Debug, Clone, Serialize, Hash)]
pub struct LinkView {
    pub id: String,
    pub title: String,
    pub url: String,
}

impl LinkView {
    /// The link to the page of `view`.
    pub fn to(view: &DocView) -> LinkView {
        LinkView {
            id: view.id.clone(),
            title: view.title.clone(),
            url: view.url.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Hash)]
pub struct FollowUpView {
    pub action: String,
    pub owner: String,
    pub due: String,
    pub status: String,
    pub ticket: String,
    /// The ticket when it is an http(s) URL, for a link; empty otherwise.
    pub ticket_url: String,
    pub overdue: bool,
    /// Status open or in_progress.
    pub is_open: bool,
    /// Days past the due date when overdue, else 0.
    pub days_overdue: i64,
    #[serde(skip)]
    pub due_date: Option<Date>,
}

/// What git knows about a document (absent outside a repository or for uncommitted files).
#[derive(Debug, Clone, Serialize, Hash)]
pub struct GitView {
    /// Date of the last commit that changed the file, YYYY-MM-DD (UTC).
    pub updated: String,
    /// The same instant in RFC 3339, for `<time datetime>` and feeds.
    pub updated_at: String,
    pub commit: String,
    pub short_commit: String,
    /// First line of the last commit's message.
    pub summary: String,
    /// A link to the commit when repo_url is set, else empty.
    pub commit_url: String,
    /// Names of everyone who committed a change to the file, most commits first.
    pub contributors: Vec<String>,
    pub commits: usize,
}

/// Everything a template knows about one document: the part that depends on the document
/// alone ([`OwnView`], reached through `Deref`: `view.title`), and the fields `Site` fills in
/// from the other documents, the settings and git.
#[derive(Debug, Clone)]
pub struct DocView {
    /// Index into the parsed documents.
    pub index: usize,
    pub own: Hashed<OwnView>,
    /// The owner's page (`/owners/<slug>/`), or empty without an owner.
    pub owner_url: String,
    /// The severity's page (`/severities/<slug>/`), or empty.
    pub severity_url: String,
    /// Each service with its page (one link per service, shared by the views that show it).
    pub service_links: Vec<Shared<TermLink>>,
    /// Each tag with its page.
    pub tag_links: Vec<Shared<TermLink>>,
    /// Links to documents: one per document, shared by the views that show it.
    pub related_runbooks: Vec<Shared<LinkView>>,
    pub related_postmortems: Vec<Shared<LinkView>>,
    /// For a runbook, the postmortems whose related_runbooks name it; for a postmortem, the
    /// postmortems whose related_postmortems name it.
    pub referenced_by: Vec<Shared<LinkView>>,
    /// Last change in git, or none.
    pub git: Option<GitView>,
    /// "Edit this page" link when repo_url is set, else empty.
    pub edit_url: String,
    /// Where the source file can be read: site.source_url, else derived from repo_url; empty
    /// when neither is set.
    pub source_url: String,
    pub updated: Option<Timestamp>,
    /// The hash of every field but `index` ([`Hash`]), computed on first use: the fields are
    /// only written while the site is assembled, before anything hashes the view.
    hash: OnceLock<u64>,
}

impl Serialize for DocView {
    /// The fields; the hash of every field while a fingerprint is taken; while a page's
    /// context is converted for Tera, only the fields the page's template reads (a view is
    /// converted for each page that shows it, and a list of 50,000 documents then holds a
    /// dozen fields of each: see [`fingerprint::template_context`]).
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match fingerprint::purpose() {
            fingerprint::Purpose::Fingerprint => serializer.serialize_u64(self.hash_value()),
            fingerprint::Purpose::Template => {
                self.serialize_fields(serializer, fingerprint::fields_read().as_deref())
            }
            fingerprint::Purpose::Plain => self.serialize_fields(serializer, None),
        }
    }
}

impl Hash for DocView {
    /// Every field but the index, which shifts when a document before it comes or goes. (The
    /// pattern names every field: a new one does not compile until it is hashed or skipped.)
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let DocView {
            index: _,
            own,
            owner_url,
            severity_url,
            service_links,
            tag_links,
            related_runbooks,
            related_postmortems,
            referenced_by,
            git,
            edit_url,
            source_url,
            updated,
            hash: _,
        } = self;
        (own, owner_url, severity_url, service_links, tag_links).hash(state);
        (related_runbooks, related_postmortems, referenced_by).hash(state);
        (git, edit_url, source_url, updated).hash(state);
    }
}

impl DocView {
    /// The fields templates see: the [`OwnView`]'s, then the ones `Site` fills in. A struct
    /// (see [`flatten`](super::flatten)); the pattern names every field, so a new one does not
    /// compile until it is serialized or left out here.
    /// With `names`, only the fields named there.
    fn serialize_fields<S: serde::Serializer>(
        &self,
        serializer: S,
        names: Option<&FieldNames>,
    ) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let DocView {
            index: _,
            own,
            owner_url,
            severity_url,
            service_links,
            tag_links,
            related_runbooks,
            related_postmortems,
            referenced_by,
            git,
            edit_url,
            source_url,
            updated: _,
            hash: _,
        } = self;
        // About how many fields there are (34 of the own view's, then these 10): Tera makes
        // the map this large up front, and a wrong count only costs it growing once. A few
        // named fields grow it from nothing instead (44 empty places would be most of it).
        const FIELDS: usize = 44;
        let len = if names.is_some() { 0 } else { FIELDS };
        let fields = serializer.serialize_struct("DocView", len)?;
        let mut fields = fingerprint::Only { fields, names };
        super::flatten::fields_into(&**own, &mut fields)?;
        fields.serialize_field("owner_url", owner_url)?;
        fields.serialize_field("severity_url", severity_url)?;
        fields.serialize_field("service_links", service_links)?;
        fields.serialize_field("tag_links", tag_links)?;
        fields.serialize_field("related_runbooks", related_runbooks)?;
        fields.serialize_field("related_postmortems", related_postmortems)?;
        fields.serialize_field("referenced_by", referenced_by)?;
        fields.serialize_field("git", git)?;
        fields.serialize_field("edit_url", edit_url)?;
        fields.serialize_field("source_url", source_url)?;
        fields.end()
    }

    fn new(index: usize, own: Hashed<OwnView>) -> DocView {
        DocView {
            index,
            own,
            owner_url: String::new(),
            severity_url: String::new(),
            service_links: Vec::new(),
            tag_links: Vec::new(),
            related_runbooks: Vec::new(),
            related_postmortems: Vec::new(),
            referenced_by: Vec::new(),
            git: None,
            edit_url: String::new(),
            source_url: String::new(),
            updated: None,
            hash: OnceLock::new(),
        }
    }

    /// The hash of every field but the index (see [`Hash`]), computed once.
    pub fn hash_value(&self) -> u64 {
        *self.hash.get_or_init(|| fingerprint::hash_of(self))
    }
}

impl std::ops::Deref for DocView {
    type Target = OwnView;
    fn deref(&self) -> &OwnView {
        &self.own
    }
}

/// The part of a document's view made from the document and [`ViewInputs`] only, so
/// `opsbook serve` keeps it between builds while the document's text is the same.
#[derive(Debug, Clone, Serialize, Hash)]
pub struct OwnView {
    pub id: String,
    pub kind: Kind,
    pub title: String,
    pub url: String,
    /// The absolute URL when base_url is a full URL, else empty.
    pub canonical_url: String,
    /// Path relative to the content folder.
    pub source_path: String,
    /// Path relative to the repository root (the content folder's path joined on).
    pub repo_path: String,
    /// The first paragraphs as plain text, for feeds and documents.json.
    pub summary: String,
    pub owner: String,
    pub severity: String,
    /// 1 for the most severe level of the scale; for CSS classes and sorting.
    pub severity_rank: usize,
    pub services: Vec<String>,
    pub status: String,
    pub tags: Vec<String>,
    pub rollback: String,
    pub last_reviewed: String,
    pub review_interval: Option<i64>,
    pub alerts: Vec<String>,
    /// Each alert of `alerts:` with its page (`/alerts/<name>/`); names that cannot be a page
    /// folder are left out.
    pub alert_links: Vec<TermLink>,
    pub escalation: String,
    pub started_at: String,
    pub detected_at: String,
    pub mitigated_at: String,
    pub resolved_at: String,
    /// The incident date, YYYY-MM-DD (from started_at).
    pub date: String,
    pub time_to_detect: String,
    pub time_to_mitigate: String,
    pub time_to_restore: String,
    pub trigger: String,
    pub detection: String,
    pub data_exposure: String,
    pub follow_ups: Vec<FollowUpView>,
    pub open_follow_ups: usize,
    pub overdue_follow_ups: usize,
    #[serde(skip)]
    pub started: Option<Timestamp>,
    #[serde(skip)]
    pub detected: Option<Timestamp>,
    #[serde(skip)]
    pub mitigated: Option<Timestamp>,
    #[serde(skip)]
    pub resolved: Option<Timestamp>,
    /// related_runbooks and related_postmortems as written (ids), resolved into
    /// `related_runbooks` and `related_postmortems` when the site is assembled.
    #[serde(skip)]
    pub related_ids: [Vec<String>; 2],
}

/// Everything besides the document that an [`OwnView`] is made from: [`own_view`] sees
/// nothing else, so views made with equal inputs are equal.
#[derive(Debug, Clone, Hash)]
pub struct ViewInputs {
    pub today: Date,
    /// The site's base path ("/" or "/kb/").
    pub base: String,
    /// See [`SiteInfo::canonical_base`].
    pub canonical_base: String,
    /// The content folder's path in the repository.
    pub content_prefix: String,
    /// The severity scale, most severe first.
    pub scale: Vec<String>,
    /// `site.ticket_url`: the link of a follow-up's ticket id.
    pub ticket_pattern: String,
    /// The reading settings (kinds, patterns, aliases, link conventions), by their hash.
    pub reading: u64,
}

impl ViewInputs {
    pub fn new(config: &Config, input: &SiteInput) -> ViewInputs {
        let base = base_path(&config.site.base_url);
        ViewInputs {
            today: input.today,
            canonical_base: origin(config.site.base_url.trim())
                .map(|o| format!("{o}{base}"))
                .unwrap_or_default(),
            base,
            content_prefix: input
                .content_prefix
                .map_or_else(|| default_content_prefix(config), str::to_string),
            scale: config.schema.severities.clone(),
            ticket_pattern: config.site.ticket_url.clone(),
            reading: config.mapping().key,
        }
    }

    /// The page URL of a document.
    fn url_of(&self, doc: &Document) -> String {
        format!("{}{}", self.base, page_path(doc))
    }
}

/// A document's follow-ups as templates show them, on `inputs.today`.
fn follow_up_views(follow_ups: Vec<FollowUp>, inputs: &ViewInputs) -> Vec<FollowUpView> {
    follow_ups
        .into_iter()
        .map(|f| {
            let standing = f.standing(inputs.today);
            FollowUpView {
                ticket_url: f
                    .ticket
                    .as_deref()
                    .map(|t| ticket_url(&inputs.ticket_pattern, t))
                    .unwrap_or_default(),
                action: f.action.unwrap_or_default(),
                owner: f.owner.unwrap_or_default(),
                due: f.due.map(|d| d.to_string()).unwrap_or_default(),
                status: f.status,
                ticket: f.ticket.unwrap_or_default(),
                overdue: standing.overdue(),
                is_open: standing.open,
                days_overdue: standing.days_overdue.map_or(0, i64::from),
                due_date: f.due,
            }
        })
        .collect()
}

/// The part of a document's view that depends on the document, its metadata (`meta`, which
/// the view takes its strings from) and `inputs` only.
pub fn own_view(doc: &Document, mut meta: Meta, inputs: &ViewInputs) -> OwnView {
    let follow_ups = follow_up_views(std::mem::take(&mut meta.follow_ups), inputs);
    let duration = |d: Option<SignedDuration>| d.map(human_duration).unwrap_or_default();
    let (time_to_detect, time_to_restore) = (
        duration(meta.time_to_detect()),
        duration(meta.time_to_restore()),
    );
    let severity = meta.severity.unwrap_or_default();
    let mitigate = meta
        .mitigated_at
        .zip(meta.started_at)
        .map(|(m, s)| m.duration_since(s));
    OwnView {
        id: doc.id.clone(),
        kind: doc.kind.unwrap_or(Kind::Runbook),
        title: meta.title.unwrap_or_else(|| doc.slug.clone()),
        url: inputs.url_of(doc),
        canonical_url: if inputs.canonical_base.is_empty() {
            String::new()
        } else {
            format!("{}{}", inputs.canonical_base, page_path(doc))
        },
        source_path: doc.rel_path.clone(),
        repo_path: crate::discover::join_prefix(&inputs.content_prefix, &doc.rel_path),
        summary: markdown::excerpt(&doc.shown_body().unwrap_or_default(), 280),
        owner: meta.owner.unwrap_or_default(),
        severity_rank: inputs
            .scale
            .iter()
            .position(|s| *s == severity)
            .map_or(0, |p| p + 1),
        severity,
        services: meta.services,
        status: meta.status.unwrap_or_default(),
        tags: meta.tags,
        rollback: meta.rollback.unwrap_or_default(),
        last_reviewed: meta
            .last_reviewed
            .map(|d| d.to_string())
            .unwrap_or_default(),
        review_interval: meta.review_interval,
        alert_links: meta
            .alerts
            .iter()
            .filter_map(|name| {
                let url = super::alerts::page_url(&inputs.base, name)?;
                Some(TermLink {
                    name: name.clone(),
                    url,
                })
            })
            .collect(),
        alerts: meta.alerts,
        escalation: meta.escalation.unwrap_or_default(),
        started_at: ts(meta.started_at),
        detected_at: ts(meta.detected_at),
        mitigated_at: ts(meta.mitigated_at),
        resolved_at: ts(meta.resolved_at),
        date: meta
            .started_at
            .map(|t| t.strftime("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        time_to_detect,
        time_to_mitigate: duration(mitigate),
        time_to_restore,
        trigger: meta.trigger.unwrap_or_default(),
        detection: meta.detection.unwrap_or_default(),
        data_exposure: meta.data_exposure.unwrap_or_default(),
        open_follow_ups: follow_ups.iter().filter(|f| f.is_open).count(),
        overdue_follow_ups: follow_ups.iter().filter(|f| f.overdue).count(),
        follow_ups,
        started: meta.started_at,
        detected: meta.detected_at,
        mitigated: meta.mitigated_at,
        resolved: meta.resolved_at,
        related_ids: [meta.related_runbooks, meta.related_postmortems],
    }
}

/// Document views kept between builds (by `opsbook serve`): the [`OwnView`] of each document,
/// reused while its text is the same `Arc` (the workspace keeps unchanged documents as they
/// are) and the [`ViewInputs`] are equal; the fields that depend on other documents are
/// computed again on every build. When the documents changed only in what no view shows (a
/// paragraph of a body), the whole last site is reused ([`Site::reused`]).
#[derive(Default)]
pub struct ViewCache {
    /// The hash of the [`ViewInputs`] the cached views were made with.
    key: u64,
    views: HashMap<String, (crate::document::Source, Hashed<OwnView>)>,
    last: Option<Last>,
}

/// What a site assembles from the documents' views.
struct Assembled {
    documents: Vec<DocView>,
    urls: HashMap<String, String>,
    taxonomies: Vec<Taxonomy>,
}

/// The last site, and what it was made from.
struct Last {
    /// Path, text and kind of each document, and whether it has a view, by index.
    sources: Vec<(String, crate::document::Source, Option<Kind>, bool)>,
    info: SiteInfo,
    documents: Vec<DocView>,
    urls: HashMap<String, String>,
    taxonomies: Vec<Taxonomy>,
}

impl ViewCache {
    /// Keeps `site` for the next build.
    pub fn keep(&mut self, site: Site) {
        let sources = site
            .docs
            .iter()
            .zip(&site.published)
            .map(|(d, &published)| (d.rel_path.clone(), d.source.clone(), d.kind, published))
            .collect();
        self.views.clear();
        self.last = Some(Last {
            sources,
            // Compared with the next build's info before its alert views exist.
            info: SiteInfo {
                alerts: false,
                ..site.info
            },
            documents: site.documents,
            urls: site.urls,
            taxonomies: site.taxonomies,
        });
    }

    /// Forgets everything made with other inputs.
    fn start(&mut self, inputs: &ViewInputs) {
        let key = fingerprint::hash_of(inputs);
        if self.key != key {
            self.views.clear();
            self.last = None;
            self.key = key;
        }
    }

    /// The last site whole, when the documents changed only in what no view shows.
    fn reuse_last(
        &mut self,
        docs: &[Document],
        published: &[bool],
        info: &SiteInfo,
        input: &SiteInput,
        inputs: &ViewInputs,
    ) -> Option<Assembled> {
        let last = self.last.take()?;
        if reusable(&last, docs, published, info, input, inputs) {
            return Some(Assembled {
                documents: last.documents,
                urls: last.urls,
                taxonomies: last.taxonomies,
            });
        }
        self.views = last
            .documents
            .into_iter()
            .map(|view| {
                let (rel, source, _, _) = &last.sources[view.index];
                (rel.clone(), (source.clone(), view.own))
            })
            .collect();
        None
    }

    /// The cached own part of the view of `doc`, when its text did not change.
    fn take(&mut self, doc: &Document) -> Option<Hashed<OwnView>> {
        match self.views.remove(&doc.rel_path) {
            Some((source, own)) if Arc::ptr_eq(&source, &doc.source) => Some(own),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceGroup<'a> {
    pub service: String,
    /// The service's page.
    pub url: String,
    pub runbooks: Vec<&'a DocView>,
}

pub struct Site<'a> {
    /// Made by [`Site::with_cache`] from the last site whole: the documents changed only in
    /// what no view shows, so every page but theirs is as it was.
    pub reused: bool,
    pub info: SiteInfo,
    docs: &'a [Document],
    /// Documents with a kind, in discovery order.
    pub documents: Vec<DocView>,
    /// Content-relative path -> page URL (escaped), of every document with a page.
    pub urls: HashMap<String, String>,
    /// Whether each document gets a page ([`links::published`]: one per URL), by index.
    published: Vec<bool>,
    /// Content-relative path -> index in `docs`, for resolving links (made on first use).
    /// (Owned keys: a borrowed key would make `Site` invariant in its lifetime.)
    link_paths: OnceLock<HashMap<String, usize>>,
    /// How links are read (the config's conventions).
    resolver: Resolver,
    /// Services, tags, owners and severities, in that order.
    pub taxonomies: Vec<Taxonomy>,
    /// The severity scale, most severe first.
    pub severities: Vec<String>,
    /// Every alert a rule file defines or a runbook lists, by name (the alert pages).
    pub alerts: Vec<super::alerts::AlertView>,
    pub today: Date,
    /// Keep raw HTML in Markdown as written (`unsafe_html`).
    pub unsafe_html: bool,
}

/// The scheme and host of a full URL (`https://ops.example.com`), or `None` for a path.
pub fn origin(url: &str) -> Option<&str> {
    let i = url.find("://")?;
    let scheme = &url[..i];
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    {
        return None;
    }
    let rest = &url[i + 3..];
    let end = rest.find('/').map_or(url.len(), |j| i + 3 + j);
    (end > i + 3).then(|| &url[..end])
}

/// "Edit this page" for GitHub, Gitea/Forgejo (`/edit/` is redirected) and GitLab (`/-/edit/`).
pub fn edit_url(repo_url: &str, branch: &str, repo_path: &str) -> String {
    if repo_url.is_empty() {
        return String::new();
    }
    let sep = if is_gitlab(repo_url) {
        "/-/edit/"
    } else {
        "/edit/"
    };
    // The branch and the path are names, not URLs: escaped (a file name may hold `#` or `?`).
    let path = links::encode_path(&format!("{branch}/{repo_path}"));
    format!("{repo_url}{sep}{path}")
}

/// Characters a ticket id keeps in a URL: the unreserved ones; everything else is escaped.
const TICKET_ESCAPE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Characters a path keeps in a URL: as for a ticket, and the `/` between folders.
const PATH_ESCAPE: &percent_encoding::AsciiSet = &TICKET_ESCAPE.remove(b'/');

/// A follow-up's ticket as a link: the ticket itself when it is an http(s) URL, else
/// `site.ticket_url` with `{ticket}` replaced by the URL-escaped id; empty when neither applies.
pub fn ticket_url(pattern: &str, ticket: &str) -> String {
    let ticket = ticket.trim();
    if ticket.starts_with("https://") || ticket.starts_with("http://") {
        return ticket.to_string();
    }
    let pattern = pattern.trim();
    if pattern.is_empty() || ticket.is_empty() {
        return String::new();
    }
    let id = percent_encoding::utf8_percent_encode(ticket, TICKET_ESCAPE).to_string();
    pattern.replace("{ticket}", &id)
}

/// Where a document's source can be read: `site.source_url` with `{path}` replaced by the
/// URL-escaped path from the repository root, else the file on `branch` under `repo_url`
/// (`/blob/`, GitLab's `/-/blob/`); empty when neither is set.
pub fn source_url(pattern: &str, repo_url: &str, branch: &str, repo_path: &str) -> String {
    let path = percent_encoding::utf8_percent_encode(repo_path, PATH_ESCAPE).to_string();
    let pattern = pattern.trim();
    if !pattern.is_empty() {
        return pattern.replace("{path}", &path);
    }
    if repo_url.is_empty() {
        return String::new();
    }
    let sep = if is_gitlab(repo_url) {
        "/-/blob/"
    } else {
        "/blob/"
    };
    let branch = percent_encoding::utf8_percent_encode(branch, PATH_ESCAPE);
    format!("{repo_url}{sep}{branch}/{path}")
}

pub fn commit_url(repo_url: &str, commit: &str) -> String {
    if repo_url.is_empty() {
        return String::new();
    }
    let sep = if is_gitlab(repo_url) {
        "/-/commit/"
    } else {
        "/commit/"
    };
    format!("{repo_url}{sep}{commit}")
}

fn is_gitlab(repo_url: &str) -> bool {
    origin(repo_url).is_some_and(|o| o.contains("gitlab"))
}

/// The content folder relative to the repository root when there is no repository to ask:
/// `paths.content` as written (the config's folder is taken as the repository root).
pub fn default_content_prefix(config: &Config) -> String {
    let path = &config.paths.content;
    if path.is_absolute() {
        return String::new();
    }
    path.components()
        .filter_map(|c| match c {
            std::path::Component::Normal(p) => Some(p.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// "3 min", "1 h 05 min", "2 h", "2 d 4 h", "3 d": the one way durations read on the site, in
/// tables and charts alike.
pub fn human_duration(d: SignedDuration) -> String {
    let minutes = d.as_secs() / 60;
    if minutes < 0 {
        return "n/a".into();
    }
    let (days, hours, mins) = (minutes / 1440, (minutes / 60) % 24, minutes % 60);
    match (days, hours, mins) {
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m:02} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

fn ts(t: Option<Timestamp>) -> String {
    t.map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

pub fn base_path(base_url: &str) -> String {
    let path = match base_url.find("://") {
        Some(i) => {
            let rest = &base_url[i + 3..];
            rest.find('/').map_or("/", |j| &rest[j..])
        }
        None => base_url,
    };
    let mut path = path.trim().to_string();
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    if !path.ends_with('/') {
        path.push('/');
    }
    path
}

impl<'a> Site<'a> {
    pub fn new(config: &Config, docs: &'a [Document], input: &SiteInput) -> Site<'a> {
        Site::with_cache(config, docs, input, &mut ViewCache::default())
    }

    /// [`Site::new`] for a build, which takes the metadata the documents kept after the lint
    /// ([`Document::take_meta`]): the views are made from it, so the build holds one copy of
    /// each document's metadata rather than two. The site is the same.
    pub fn taking_metadata(
        config: &Config,
        docs: &'a mut [Document],
        input: &SiteInput,
    ) -> Site<'a> {
        let metas = docs.iter_mut().map(Document::take_meta).collect();
        Site::assemble(config, docs, input, &mut ViewCache::default(), metas)
    }

    /// [`Site::new`], reusing the views `cache` kept of documents that did not change (see
    /// [`ViewCache`]); the result is the same.
    pub fn with_cache(
        config: &Config,
        docs: &'a [Document],
        input: &SiteInput,
        cache: &mut ViewCache,
    ) -> Site<'a> {
        Site::assemble(config, docs, input, cache, Vec::new())
    }

    /// The site of `docs`. `metas` holds the metadata taken from them, by index (shorter, or
    /// `None`, for documents whose [`Document::meta`] is read instead).
    fn assemble(
        config: &Config,
        docs: &'a [Document],
        input: &SiteInput,
        cache: &mut ViewCache,
        metas: Vec<Option<Meta>>,
    ) -> Site<'a> {
        let inputs = ViewInputs::new(config, input);
        cache.start(&inputs);
        let published = links::published(docs);
        let pages = published.iter().filter(|p| **p).count();
        let info = site_info(config, &inputs, pages);
        let site = |reused, parts: Assembled| {
            let alerts =
                super::alerts::views(config, docs, &parts.documents, input.alerts, &inputs.base);
            Site {
                reused,
                info: SiteInfo {
                    alerts: !alerts.is_empty(),
                    ..info.clone()
                },
                alerts,
                docs,
                documents: parts.documents,
                urls: parts.urls,
                published: published.clone(),
                link_paths: OnceLock::new(),
                resolver: Resolver::for_config(config),
                taxonomies: parts.taxonomies,
                severities: inputs.scale.clone(),
                today: inputs.today,
                unsafe_html: config.site.unsafe_html,
            }
        };
        if let Some(parts) = cache.reuse_last(docs, &published, &info, input, &inputs) {
            return site(true, parts);
        }
        let mut metas = metas.into_iter();
        let cached: Vec<_> = docs
            .iter()
            .enumerate()
            .map(|(index, doc)| (index, doc, metas.next().flatten()))
            .filter(|(i, _, _)| published[*i])
            .map(|(index, doc, meta)| (index, doc, meta, cache.take(doc)))
            .collect();
        // In parallel: a view's summary parses the document's Markdown (4 s of one core at
        // 100,000 documents).
        let mut documents: Vec<DocView> = cached
            .into_par_iter()
            .map(|(index, doc, meta, own)| {
                let own = own.unwrap_or_else(|| {
                    let meta = meta.unwrap_or_else(|| doc.meta());
                    Hashed::new(own_view(doc, meta, &inputs))
                });
                DocView::new(index, own)
            })
            .collect();
        link_related(&mut documents);
        link_history(
            &mut documents,
            &info,
            &config.site.source_url,
            input.history,
        );
        let taxonomies = taxonomies_of(&documents, &inputs);
        link_terms(&mut documents, &taxonomies);
        let urls = docs
            .iter()
            .zip(&published)
            .filter(|(_, published)| **published)
            .map(|(d, _)| (d.rel_path.clone(), inputs.url_of(d)))
            .collect();
        site(
            false,
            Assembled {
                documents,
                urls,
                taxonomies,
            },
        )
    }

    pub fn taxonomy(&self, kind: TaxonomyKind) -> &Taxonomy {
        &self.taxonomies[kind as usize]
    }

    /// The Markdown body of the document at `index` ([`Document::shown_body`]: read again
    /// when its text was released). Empty when that read fails; the build then stops before
    /// it publishes anything ([`Site::changed_document`]).
    pub fn body(&self, index: usize) -> std::borrow::Cow<'a, str> {
        self.docs[index].shown_body().unwrap_or_default()
    }

    /// A document whose text could not be read again as the lint checked it, and why.
    pub fn changed_document(&self) -> Option<(&'a Document, &'a str)> {
        self.docs
            .iter()
            .find_map(|doc| doc.reread_problem().map(|why| (doc, why)))
    }

    pub fn of_kind(&self, kind: Kind) -> Vec<&DocView> {
        self.documents.iter().filter(|d| d.kind == kind).collect()
    }

    /// Postmortems, newest incident first.
    pub fn postmortems_newest_first(&self) -> Vec<&DocView> {
        let mut list = self.of_kind(Kind::Postmortem);
        list.sort_by(|a, b| list_order(a, b));
        list
    }

    /// Runbooks by title.
    pub fn runbooks_by_title(&self) -> Vec<&DocView> {
        let mut list = self.of_kind(Kind::Runbook);
        list.sort_by_key(|d| d.title.to_lowercase());
        list
    }

    /// Runbooks grouped by service (a runbook appears under each of its services).
    pub fn runbooks_by_service(&self) -> Vec<ServiceGroup<'_>> {
        let mut groups: BTreeMap<String, Vec<&DocView>> = BTreeMap::new();
        for runbook in self.runbooks_by_title() {
            for service in &runbook.services {
                groups.entry(service.clone()).or_default().push(runbook);
            }
        }
        groups
            .into_iter()
            .map(|(service, runbooks)| ServiceGroup {
                url: self
                    .taxonomy(TaxonomyKind::Services)
                    .link(&service)
                    .map(|l| l.url)
                    .unwrap_or_default(),
                service,
                runbooks,
            })
            .collect()
    }

    /// The href on the site of the link `dest` written in the document at `from`
    /// (content-relative), or `None` to leave it as written (see [`links`]).
    pub fn resolve_link(&self, from: &str, dest: &str) -> Option<String> {
        let corpus = self.corpus(from)?;
        let base = &self.info.base_path;
        match self.resolver.resolve(&corpus, from, dest) {
            Resolution::Document { doc, anchor } => {
                let url = self.urls.get(&doc.rel_path)?;
                Some(match anchor {
                    Some(anchor) => format!("{url}#{}", links::encode_fragment(&anchor)),
                    None => url.clone(),
                })
            }
            Resolution::File { path, .. } => Some(format!(
                "{base}{}",
                super::files::published_path(&path, true)
            )),
            Resolution::Home => Some(base.clone()),
            Resolution::List(kind) => Some(format!("{base}{}/", kind.folder())),
            Resolution::AsWritten | Resolution::SameDocument { .. } | Resolution::Broken(_) => None,
        }
    }

    /// The files (not documents) that pages link to, by content-relative path, each once
    /// with where it is on disk: what the site publishes under
    /// [`super::files::PUBLISHED_FOLDER`].
    pub fn linked_files(&self) -> BTreeMap<String, std::path::PathBuf> {
        self.documents
            .par_iter()
            .flat_map_iter(|view| self.files_linked_by(view))
            .collect::<Vec<_>>()
            .into_iter()
            .collect()
    }

    /// The files (not documents) the page of `view` links to: content-relative path, and
    /// where it is on disk.
    pub fn files_linked_by(&self, view: &DocView) -> Vec<(String, std::path::PathBuf)> {
        let doc = &self.docs[view.index];
        let Some(corpus) = self.corpus(&doc.rel_path) else {
            return Vec::new();
        };
        doc.outline
            .links
            .iter()
            .filter_map(
                |link| match self.resolver.resolve(&corpus, &doc.rel_path, &link.dest) {
                    Resolution::File { path, source } => Some((path, source)),
                    _ => None,
                },
            )
            .collect()
    }

    /// The knowledge base as the links of the document at `from` see it.
    fn corpus(&self, from: &str) -> Option<Corpus<'_>> {
        let paths = self.link_paths.get_or_init(|| {
            self.docs
                .iter()
                .enumerate()
                .map(|(i, d)| (d.rel_path.clone(), i))
                .collect()
        });
        let docs = self.docs;
        let from_doc = &docs[*paths.get(from)?];
        Some(Corpus::with_lookup(
            move |path| paths.get(path).map(|&i| &docs[i]),
            links::content_root(from_doc),
        ))
    }

    /// The parsed document at `index` (a [`DocView::index`]).
    pub fn document(&self, index: usize) -> &'a Document {
        &self.docs[index]
    }
}

/// `site` in every template: the settings, the date and the search box.
fn site_info(config: &Config, inputs: &ViewInputs, documents: usize) -> SiteInfo {
    SiteInfo {
        title: config.site.title.clone(),
        description: config.site.description.clone(),
        base_url: config.site.base_url.clone(),
        base_path: inputs.base.clone(),
        canonical_base: inputs.canonical_base.clone(),
        today: inputs.today.to_string(),
        repo_url: config
            .site
            .repo_url
            .trim()
            .trim_end_matches('/')
            .trim_end_matches(".git")
            .to_string(),
        edit_branch: config.site.edit_branch.trim().to_string(),
        search: super::search::SearchView::new(&config.search, &inputs.base, documents),
        severities: inputs.scale.clone(),
        alerts: false,
    }
}

/// Resolves each view's related_runbooks and related_postmortems (ids) to links, and lists on
/// each document the postmortems that name it.
fn link_related(documents: &mut [DocView]) {
    let links: Vec<Shared<LinkView>> = documents
        .iter()
        .map(|d| Shared::new(LinkView::to(d)))
        .collect();
    // The last document with an id is the one its id links to.
    let by_id: HashMap<String, &Shared<LinkView>> = documents
        .iter()
        .zip(&links)
        .map(|(d, link)| (d.id.clone(), link))
        .collect();
    let mut referenced: HashMap<String, Vec<Shared<LinkView>>> = HashMap::new();
    for (view, link) in documents.iter_mut().zip(&links) {
        let resolve = |ids: &[String]| -> Vec<Shared<LinkView>> {
            ids.iter()
                .filter_map(|id| by_id.get(id).map(|l| Shared::clone(l)))
                .collect()
        };
        view.related_runbooks = resolve(&view.related_ids[0]);
        view.related_postmortems = resolve(&view.related_ids[1]);
        if view.kind != Kind::Postmortem {
            continue;
        }
        for target in view
            .related_runbooks
            .iter()
            .chain(&view.related_postmortems)
        {
            if target.id == view.id {
                continue;
            }
            let list = referenced.entry(target.id.clone()).or_default();
            if !list.iter().any(|l| l.id == view.id) {
                list.push(link.clone());
            }
        }
    }
    for view in documents.iter_mut() {
        view.referenced_by = referenced.remove(&view.id).unwrap_or_default();
    }
}

/// Git history (last change, contributors), "Edit this page" and source links
/// (`source_pattern`: `site.source_url`).
fn link_history(
    documents: &mut [DocView],
    info: &SiteInfo,
    source_pattern: &str,
    history: Option<&crate::git::History>,
) {
    for view in documents.iter_mut() {
        view.edit_url = edit_url(&info.repo_url, &info.edit_branch, &view.repo_path);
        view.source_url = source_url(
            source_pattern,
            &info.repo_url,
            &info.edit_branch,
            &view.repo_path,
        );
        let Some(file) = history.and_then(|h| h.get(&view.source_path)) else {
            continue;
        };
        view.updated = Some(file.updated);
        view.git = Some(GitView {
            updated: file.updated.strftime("%Y-%m-%d").to_string(),
            updated_at: file.updated.to_string(),
            commit: file.commit.clone(),
            short_commit: file.short_commit.clone(),
            summary: file.summary.clone(),
            commit_url: commit_url(&info.repo_url, &file.commit),
            contributors: file.contributors.clone(),
            commits: file.commits,
        });
    }
}

/// Services, tags, owners and severities, each term listing its documents in list order.
fn taxonomies_of(documents: &[DocView], inputs: &ViewInputs) -> Vec<Taxonomy> {
    let mut order: Vec<usize> = (0..documents.len()).collect();
    // `list_order`, with each title lowercased once rather than in every comparison.
    let lower: Vec<String> = documents.iter().map(|d| d.title.to_lowercase()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&documents[a], &documents[b]);
        x.kind.cmp(&y.kind).then_with(|| match x.kind {
            Kind::Runbook => lower[a].cmp(&lower[b]),
            Kind::Postmortem => y
                .started
                .cmp(&x.started)
                .then_with(|| x.title.cmp(&y.title)),
        })
    });
    taxonomy::build(documents, &order, &inputs.base, &inputs.scale)
}

/// Each view's links to the pages of its services, tags, owner and severity.
fn link_terms(documents: &mut [DocView], taxonomies: &[Taxonomy]) {
    // Each term's link by name, made once and shared by every view that shows it (and
    // without a scan of the terms per value, as `Taxonomy::link` would).
    let term_links: Vec<HashMap<&str, Shared<TermLink>>> = taxonomies
        .iter()
        .map(|t| {
            t.terms
                .iter()
                .map(|term| {
                    let link = TermLink {
                        name: term.name.clone(),
                        url: term.url.clone(),
                    };
                    (term.name.as_str(), Shared::new(link))
                })
                .collect()
        })
        .collect();
    let link = |kind: TaxonomyKind, name: &str| term_links[kind as usize].get(name);
    let links = |kind: TaxonomyKind, names: &[String]| -> Vec<Shared<TermLink>> {
        names
            .iter()
            .filter_map(|n| link(kind, n).cloned())
            .collect()
    };
    let url = |kind: TaxonomyKind, name: &str| link(kind, name).map(|l| l.url.clone());
    for view in documents.iter_mut() {
        view.service_links = links(TaxonomyKind::Services, &view.services);
        view.tag_links = links(TaxonomyKind::Tags, &view.tags);
        view.owner_url = url(TaxonomyKind::Owners, &view.owner).unwrap_or_default();
        view.severity_url = url(TaxonomyKind::Severities, &view.severity).unwrap_or_default();
    }
}

/// The path of a document's page below the base path, escaped for a URL
/// (`postmortems/my%20doc/`).
pub fn page_path(doc: &Document) -> String {
    links::encode_path(doc.url_path().trim_start_matches('/'))
}

/// Whether the last site is still right for `docs`: made with the same settings (`info`, and
/// [`ViewCache::start`] checked the view inputs), without git history, for the same documents
/// (paths, kinds, which have pages), and the documents whose text changed make the same own
/// views as before, so nothing another page shows changed.
fn reusable(
    last: &Last,
    docs: &[Document],
    published: &[bool],
    info: &SiteInfo,
    input: &SiteInput,
    inputs: &ViewInputs,
) -> bool {
    if input.history.is_some()
        || fingerprint::fingerprint(&last.info) != fingerprint::fingerprint(info)
        || last.sources.len() != docs.len()
        || last
            .sources
            .iter()
            .zip(docs)
            .any(|(s, d)| s.0 != d.rel_path)
    {
        return false;
    }
    for (i, doc) in docs.iter().enumerate() {
        let (_, source, kind, viewed) = &last.sources[i];
        if Arc::ptr_eq(source, &doc.source) {
            continue;
        }
        if doc.kind != *kind || published[i] != *viewed {
            return false;
        }
        if !published[i] {
            continue;
        }
        let Ok(at) = last.documents.binary_search_by_key(&i, |v| v.index) else {
            return false;
        };
        let fresh = Hashed::new(own_view(doc, doc.meta(), inputs));
        if fresh.hash_value() != last.documents[at].own.hash_value() {
            return false;
        }
    }
    true
}

/// The order of list pages: runbooks by title, then postmortems newest incident first.
pub fn list_order(a: &DocView, b: &DocView) -> std::cmp::Ordering {
    a.kind.cmp(&b.kind).then_with(|| match a.kind {
        Kind::Runbook => a.title.to_lowercase().cmp(&b.title.to_lowercase()),
        Kind::Postmortem => b
            .started
            .cmp(&a.started)
            .then_with(|| a.title.cmp(&b.title)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_paths() {
        assert_eq!(base_path("/"), "/");
        assert_eq!(base_path("https://ops.example.com"), "/");
        assert_eq!(base_path("https://ops.example.com/kb"), "/kb/");
        assert_eq!(base_path("docs/"), "/docs/");
    }

    #[test]
    fn ticket_links_escape_the_id() {
        let pattern = "https://t.example.com/browse/{ticket}";
        assert_eq!(
            ticket_url(pattern, "OPS-1234"),
            "https://t.example.com/browse/OPS-1234"
        );
        assert_eq!(
            ticket_url(pattern, "a b/\"<x>?#&"),
            "https://t.example.com/browse/a%20b%2F%22%3Cx%3E%3F%23%26"
        );
        assert_eq!(ticket_url("", "OPS-1"), "", "no pattern, no link");
        assert_eq!(ticket_url(pattern, " "), "");
        assert_eq!(
            ticket_url("", "https://t.example.com/x"),
            "https://t.example.com/x",
            "a URL is its own link"
        );
        assert_eq!(
            ticket_url(pattern, "javascript:alert(1)"),
            "https://t.example.com/browse/javascript%3Aalert%281%29"
        );
    }

    #[test]
    fn source_links_from_the_pattern_or_the_repository() {
        assert_eq!(
            source_url(
                "https://git.example.com/kb/src/{path}",
                "",
                "main",
                "content/a b/#1.md"
            ),
            "https://git.example.com/kb/src/content/a%20b/%231.md"
        );
        assert_eq!(
            source_url("", "https://github.com/acme/kb", "main", "content/x.md"),
            "https://github.com/acme/kb/blob/main/content/x.md"
        );
        assert_eq!(
            source_url("", "https://gitlab.com/acme/kb", "main", "content/x.md"),
            "https://gitlab.com/acme/kb/-/blob/main/content/x.md"
        );
        assert_eq!(source_url("", "", "main", "content/x.md"), "");
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human_duration(SignedDuration::from_mins(3)), "3 min");
        assert_eq!(human_duration(SignedDuration::from_mins(65)), "1 h 05 min");
        assert_eq!(human_duration(SignedDuration::from_hours(52)), "2 d 4 h");
        assert_eq!(human_duration(SignedDuration::from_hours(2)), "2 h");
        assert_eq!(human_duration(SignedDuration::from_hours(72)), "3 d");
    }
}
