//! Renders the pages with Tera, in parallel: every page ([`render_all`]) or a chosen set
//! ([`render_pages`], for `opsbook serve`'s incremental rebuilds).
//!
//! What a page is made from is defined once, by [`page_data`]: the template and a typed
//! context (the values the template receives), or the bytes of a file. Rendering turns it into
//! the page; `opsbook serve` fingerprints the same data to tell which pages changed
//! ([`PageData::fingerprint`]).

use std::collections::HashMap;
use std::sync::OnceLock;

use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use super::SiteError;
use super::alerts::AlertView;
use super::doc_body;
use super::files::{self, FeedEntry, SitemapEntry};
use super::fingerprint::{self, hash_of};
use super::metrics::{self, Metrics};
use super::model::{DocView, ServiceGroup, Site, SiteInfo};
use super::taxonomy::{Taxonomy, TaxonomyKind, Term};
use super::templates::{Templates, format_tera_error};
use super::write::{OutputFile, Staging};
use crate::document::{Kind, markdown};
use crate::follow_ups::tracker::{self as follow_ups, FollowUpRow, FollowUpTracker};

fn render(
    templates: &Templates,
    name: &str,
    context: &Context,
    out: &mut dyn std::io::Write,
) -> Result<(), SiteError> {
    templates
        .tera
        .render_to(name, context, out)
        .map_err(|e| SiteError::Template {
            name: name.to_string(),
            message: format_tera_error(&e),
        })
}

/// `page` in every template.
#[derive(Serialize)]
struct PageInfo<'a> {
    title: std::borrow::Cow<'a, str>,
    /// Which top-level section is current, for the navigation: `home`, `runbooks`,
    /// `postmortems`, `services`, `tags`, `owners`, `severities`, `follow-ups`, `metrics`.
    section: &'a str,
    /// The page's URL path, such as `/postmortems/2026-09-20-checkout/`.
    url: String,
    /// The absolute URL when base_url is a full URL, else empty.
    canonical: String,
}

/// What every template receives: `site` and `page`.
#[derive(Serialize)]
struct Base<'a> {
    site: &'a SiteInfo,
    page: PageInfo<'a>,
}

/// `site` and `page` for the page at output folder `dir` (relative, no leading "/", such as
/// `services/payments-api/`).
fn base<'a>(
    site: &'a Site,
    title: impl Into<std::borrow::Cow<'a, str>>,
    section: &'a str,
    dir: &str,
) -> Base<'a> {
    let dir = crate::document::links::encode_path(dir);
    let canonical = if site.info.canonical_base.is_empty() {
        String::new()
    } else {
        format!("{}{dir}", site.info.canonical_base)
    };
    Base {
        site: &site.info,
        page: PageInfo {
            title: title.into(),
            section,
            url: format!("{}{dir}", site.info.base_path),
            canonical,
        },
    }
}

/// A taxonomy without its terms, for term pages.
#[derive(Serialize, Clone, Copy)]
struct TaxonomyInfo<'a> {
    kind: TaxonomyKind,
    key: &'a str,
    title: &'a str,
    singular: &'a str,
    url: &'a str,
}

impl<'a> From<&'a Taxonomy> for TaxonomyInfo<'a> {
    fn from(t: &'a Taxonomy) -> Self {
        TaxonomyInfo {
            kind: t.kind,
            key: t.key,
            title: t.title,
            singular: t.singular,
            url: &t.url,
        }
    }
}

/// One page or file of the site that [`render_pages`] renders from the model (the static
/// files of the templates are copied as they are).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Page {
    /// The page of `site.documents[i]`.
    Document(usize),
    Home,
    /// The list of runbooks or of postmortems.
    List(Kind),
    /// A taxonomy's index page.
    Taxonomy(TaxonomyKind),
    /// The page of term `t` of a taxonomy (an index into [`Taxonomy::terms`]).
    Term(TaxonomyKind, usize),
    FollowUps,
    Metrics,
    /// The list of alerts.
    Alerts,
    /// The page of `site.alerts[i]` (only alerts whose name can be a folder get one).
    Alert(usize),
    NotFound,
    DocumentsJson,
    Feed,
    Sitemap,
    Robots,
}

impl Page {
    /// The output path, relative to the output folder (no leading `/`).
    pub fn path(self, site: &Site) -> String {
        match self {
            Page::Document(i) => format!("{}index.html", doc_dir(site, &site.documents[i])),
            Page::Home => "index.html".into(),
            Page::List(kind) => format!("{}/index.html", kind.folder()),
            Page::Taxonomy(kind) => format!("{}/index.html", kind.folder()),
            Page::Term(kind, t) => format!(
                "{}/{}/index.html",
                kind.folder(),
                site.taxonomy(kind).terms[t].slug
            ),
            Page::FollowUps => "follow-ups/index.html".into(),
            Page::Metrics => "metrics/index.html".into(),
            Page::Alerts => "alerts/index.html".into(),
            Page::Alert(i) => format!(
                "{}index.html",
                site.alerts[i].dir.as_deref().unwrap_or("alerts/")
            ),
            Page::NotFound => "404.html".into(),
            Page::DocumentsJson => "documents.json".into(),
            Page::Feed => "atom.xml".into(),
            Page::Sitemap => "sitemap.xml".into(),
            Page::Robots => "robots.txt".into(),
        }
    }
}

/// The folder of a document's page, relative to the output folder, ending in `/`.
fn doc_dir(site: &Site, view: &DocView) -> String {
    site.document(view.index)
        .url_path()
        .trim_start_matches('/')
        .to_string()
}

/// Every page of the site, in the order [`render_all`] returns them.
pub fn all_pages(site: &Site) -> Vec<Page> {
    let mut pages: Vec<Page> = (0..site.documents.len()).map(Page::Document).collect();
    pages.push(Page::Home);
    pages.push(Page::List(Kind::Runbook));
    pages.push(Page::List(Kind::Postmortem));
    for taxonomy in &site.taxonomies {
        pages.push(Page::Taxonomy(taxonomy.kind));
        pages.extend((0..taxonomy.terms.len()).map(|t| Page::Term(taxonomy.kind, t)));
    }
    if !site.alerts.is_empty() {
        pages.push(Page::Alerts);
        pages.extend(
            (0..site.alerts.len())
                .filter(|&i| site.alerts[i].dir.is_some())
                .map(Page::Alert),
        );
    }
    pages.extend([
        Page::FollowUps,
        Page::Metrics,
        Page::NotFound,
        Page::DocumentsJson,
        Page::Feed,
        Page::Sitemap,
        Page::Robots,
    ]);
    pages
}

/// Every page of the site plus its static files and machine-readable files.
pub fn render_all(site: &Site, templates: &Templates) -> Result<Vec<OutputFile>, SiteError> {
    let mut files = render_pages(site, templates, &all_pages(site))?;
    files.extend(static_files(templates));
    Ok(files)
}

/// The static files of the templates (CSS, scripts, images), as they are.
pub fn static_files(templates: &Templates) -> impl Iterator<Item = OutputFile> + '_ {
    templates
        .static_files
        .iter()
        .map(|(name, bytes)| OutputFile {
            path: name.clone(),
            bytes: bytes.clone(),
        })
}

/// What several pages share, computed once and only when a page needs it.
#[derive(Default)]
struct Shared<'s> {
    tracker: OnceLock<FollowUpTracker>,
    /// Open follow-ups (indexes into the tracker's rows) by owner and by service.
    open_by_owner: OnceLock<HashMap<String, Vec<usize>>>,
    open_by_service: OnceLock<HashMap<String, Vec<usize>>>,
    postmortems: OnceLock<Vec<&'s DocView>>,
    runbooks: OnceLock<Vec<&'s DocView>>,
}

impl<'s> Shared<'s> {
    fn tracker(&self, site: &Site) -> &FollowUpTracker {
        self.tracker.get_or_init(|| follow_ups::tracker(site))
    }

    fn open_by(&self, site: &Site, kind: TaxonomyKind) -> &HashMap<String, Vec<usize>> {
        let group = |of: &dyn Fn(&FollowUpRow) -> Vec<&str>| {
            let mut map: HashMap<String, Vec<usize>> = HashMap::new();
            for (i, row) in self.tracker(site).rows.iter().enumerate() {
                if row.is_open {
                    for key in of(row) {
                        map.entry(key.to_string()).or_default().push(i);
                    }
                }
            }
            map
        };
        match kind {
            TaxonomyKind::Owners => self
                .open_by_owner
                .get_or_init(|| group(&|row| vec![row.owner.as_str()])),
            _ => self.open_by_service.get_or_init(|| {
                group(&|row| row.services.iter().map(|s| s.name.as_str()).collect())
            }),
        }
    }

    fn postmortems(&self, site: &'s Site) -> &[&'s DocView] {
        self.postmortems
            .get_or_init(|| site.postmortems_newest_first())
    }

    fn runbooks(&self, site: &'s Site) -> &[&'s DocView] {
        self.runbooks.get_or_init(|| site.runbooks_by_title())
    }
}

/// The pages of one site, with what several of them share ([`Shared`]) computed once.
pub struct Pages<'s> {
    site: &'s Site<'s>,
    shared: Shared<'s>,
}

impl<'s> Pages<'s> {
    pub fn new(site: &'s Site<'s>) -> Pages<'s> {
        Pages {
            site,
            shared: Shared::default(),
        }
    }

    /// What `page` is made from.
    pub fn data(&self, page: Page) -> PageData<'_> {
        page_data(self.site, &self.shared, page)
    }

    pub fn site(&self) -> &'s Site<'s> {
        self.site
    }
}

/// Renders `pages` (in parallel), in that order. Every page comes out exactly as
/// [`render_all`] renders it, so a caller may render only the pages whose inputs changed.
pub fn render_pages(
    site: &Site,
    templates: &Templates,
    pages: &[Page],
) -> Result<Vec<OutputFile>, SiteError> {
    render_unless(site, templates, pages, &|| false)
}

/// [`render_pages`], but asks `stop` before each page and leaves out the pages it is true
/// for (the result holds the pages rendered, in order).
pub fn render_unless(
    site: &Site,
    templates: &Templates,
    pages: &[Page],
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<Vec<OutputFile>, SiteError> {
    let shared = Shared::default();
    pages
        .par_iter()
        .filter(|_| !stop())
        .map(|&p| render_page(site, templates, &shared, p))
        .collect()
}

/// Renders `pages` in parallel and writes each into `staging` as it is rendered, so the build
/// never holds more than a few pages at once, nor any page whole. Stops at the first error
/// (of a template or of writing).
pub fn render_each(
    site: &Site,
    templates: &Templates,
    pages: &[Page],
    staging: &Staging,
) -> Result<(), SiteError> {
    let shared = Shared::default();
    // The pages that list the knowledge base take seconds each at 100,000 documents (the
    // follow-ups tracker, documents.json). Started first, they run beside the document pages
    // rather than alone at the end.
    let (mut lists, documents): (Vec<Page>, Vec<Page>) = pages
        .iter()
        .partition(|page| !matches!(page, Page::Document(_)));
    // The largest of them, the follow-ups tracker, goes first: it holds every follow-up as
    // template values while it renders, best done before the search index has grown.
    lists.sort_by_key(|page| !matches!(page, Page::FollowUps));
    let in_order: Vec<Page> = lists.into_iter().chain(documents).collect();
    in_order.par_iter().try_for_each(|&page| {
        let data = page_data(site, &shared, page);
        staging.write_with(&data.path, |out| {
            data.write_to(templates, site, out).map(drop)
        })
    })
}

fn render_page<'s>(
    site: &'s Site,
    templates: &Templates,
    shared: &Shared<'s>,
    which: Page,
) -> Result<OutputFile, SiteError> {
    let rendered = page_data(site, shared, which).render(templates, site)?;
    Ok(rendered.file)
}

/// A rendered page, and the link targets its Markdown asked to resolve (document pages).
pub struct Rendered {
    pub file: OutputFile,
    pub links: Vec<String>,
}

/// The Markdown body of a document page, rendered into its `content` and `toc`.
pub struct Body<'a> {
    pub text: std::borrow::Cow<'a, str>,
    /// The document's text (`text` is part of it), which stays the same `Arc` while the
    /// document is not edited.
    pub source: &'a crate::document::Source,
    /// The document's content-relative path, which its relative links start from.
    pub from: &'a str,
    /// `unsafe_html`: raw HTML kept as written rather than sanitized.
    pub unsafe_html: bool,
}

/// The contexts of the templates, one type per kind of page: exactly what each template
/// receives (Tera gets them serialized, and so do fingerprints).
#[derive(Serialize)]
#[serde(untagged)]
enum Contexts<'a> {
    Document(DocumentContext<'a>),
    Home(HomeContext<'a>),
    List(ListContext<'a>),
    Taxonomy(TaxonomyContext<'a>),
    Term(TermContext<'a>),
    FollowUps(FollowUpsContext<'a>),
    Metrics(Box<MetricsContext<'a>>),
    Alerts(AlertsContext<'a>),
    Alert(AlertContext<'a>),
    Plain(Base<'a>),
    Feed(FeedContext<'a>),
    Sitemap(SitemapContext<'a>),
    Robots(RobotsContext<'a>),
}

#[derive(Serialize)]
struct DocumentContext<'a> {
    #[serde(flatten)]
    base: Base<'a>,
    doc: &'a DocView,
}

#[derive(Serialize)]
struct HomeContext<'a> {
    #[serde(flatten)]
    base: Base<'a>,
    recent_postmortems: Vec<&'a DocView>,
    runbooks_by_service: Vec<ServiceGroup<'a>>,
    runbook_count: usize,
    postmortem_count: usize,
    open_follow_ups: usize,
    overdue_follow_ups: usize,
    taxonomies: &'a [Taxonomy],
}

#[derive(Serialize)]
struct ListContext<'a> {
    #[serde(flatten)]
    base: Base<'a>,
    kind: Kind,
    documents: &'a [&'a DocView],
}

#[derive(Serialize)]
struct TaxonomyContext<'a> {
    #[serde(flatten)]
    base: Base<'a>,
    taxonomy: &'a Taxonomy,
}

#[derive(Serialize)]
struct TermContext<'a> {
    #[serde(flatten)]
    base: Base<'a>,
    taxonomy: TaxonomyInfo<'a>,
    term: &'a Term,
    runbooks: Vec<&'a DocView>,
    postmortems: Vec<&'a DocView>,
    follow_ups: Vec<&'a FollowUpRow>,
}

#[derive(Serialize)]
struct FollowUpsContext<'a> {
    #[serde(flatten)]
    base: Base<'a>,
    follow_ups: &'a FollowUpTracker,
}

#[derive(Serialize)]
struct MetricsContext<'a> {
    #[serde(flatten)]
    base: Base<'a>,
    metrics: Metrics,
}

#[derive(Serialize)]
struct AlertsContext<'a> {
    #[serde(flatten)]
    base: Base<'a>,
    alerts: &'a [AlertView],
    /// How many alerts have a runbook, and how many have none.
    answered: usize,
    unanswered: usize,
}

#[derive(Serialize)]
struct AlertContext<'a> {
    #[serde(flatten)]
    base: Base<'a>,
    alert: &'a AlertView,
}

#[derive(Serialize)]
struct FeedContext<'a> {
    #[serde(flatten)]
    base: Base<'a>,
    feed_url: String,
    home_url: String,
    entries: Vec<FeedEntry<'a>>,
    updated: String,
}

#[derive(Serialize)]
struct SitemapContext<'a> {
    #[serde(flatten)]
    base: Base<'a>,
    entries: Vec<SitemapEntry>,
}

#[derive(Serialize)]
struct RobotsContext<'a> {
    #[serde(flatten)]
    base: Base<'a>,
    sitemap_url: String,
}

/// What one page is made from.
pub struct PageData<'a> {
    pub path: String,
    made: Made<'a>,
}

enum Made<'a> {
    /// A template and its context; a document page also renders its body into it, and the
    /// follow-ups tracker its rows.
    Template {
        template: &'static str,
        context: Box<Contexts<'a>>,
        body: Option<Body<'a>>,
        rows: Option<TrackerRows<'a>>,
    },
    /// documents.json, written record by record.
    DocumentsJson(&'a Site<'a>),
}

impl<'a> PageData<'a> {
    fn template(path: String, template: &'static str, context: Contexts<'a>) -> PageData<'a> {
        PageData {
            path,
            made: Made::Template {
                template,
                context: Box::new(context),
                body: None,
                rows: None,
            },
        }
    }

    /// The hash of the template's name and context, or of the file's bytes. For a document
    /// page the body is not in it: see [`PageData::body`].
    pub fn fingerprint(&self) -> u64 {
        match &self.made {
            Made::Template {
                template, context, ..
            } => hash_of(&(template, fingerprint::fingerprint(&**context))),
            Made::DocumentsJson(site) => {
                fingerprint::hash_written(|out| files::write_documents_json(site, out))
            }
        }
    }

    /// The Markdown a document page renders into its `content` and `toc`.
    pub fn body(&self) -> Option<&Body<'a>> {
        match &self.made {
            Made::Template { body, .. } => body.as_ref(),
            Made::DocumentsJson(_) => None,
        }
    }

    /// Renders the page, with the targets of the links in its body, as `resolve` was asked.
    pub fn render(&self, templates: &Templates, site: &Site) -> Result<Rendered, SiteError> {
        let mut bytes = Vec::new();
        let links = self.write_to(templates, site, &mut bytes)?;
        Ok(Rendered {
            file: OutputFile {
                path: self.path.clone(),
                bytes,
            },
            links,
        })
    }

    /// Renders the page into `out`, and returns the targets of the links in its body, as
    /// `resolve` was asked.
    pub fn write_to(
        &self,
        templates: &Templates,
        site: &Site,
        out: &mut dyn std::io::Write,
    ) -> Result<Vec<String>, SiteError> {
        let (template, context, body, rows) = match &self.made {
            Made::DocumentsJson(site) => {
                files::write_documents_json(site, out).map_err(|e| SiteError::Write {
                    path: self.path.clone(),
                    message: e.to_string(),
                })?;
                return Ok(Vec::new());
            }
            Made::Template {
                template,
                context,
                body,
                rows,
            } => (template, context, body, rows),
        };
        let fields = templates.fields_read(template);
        let mut context =
            fingerprint::template_context(&**context, fields).map_err(|e| SiteError::Template {
                name: template.to_string(),
                message: format_tera_error(&e),
            })?;
        let mut links = Vec::new();
        if let Some(body) = body {
            let asked = std::cell::RefCell::new(Vec::new());
            let raw = if body.unsafe_html {
                markdown::RawHtml::Keep
            } else {
                markdown::RawHtml::Sanitize
            };
            let rendered = markdown::render_with(
                &body.text,
                &|dest| {
                    asked.borrow_mut().push(dest.to_string());
                    site.resolve_link(body.from, dest)
                },
                raw,
            );
            context.insert("content", &rendered.html);
            context.insert("body", &doc_body::split(&rendered.html, &rendered.toc));
            // A table of contents longer than this helps nobody, and handing Tera one entry
            // per heading of a document with 100,000 headings cost hundreds of MB.
            let toc = &rendered.toc[..rendered.toc.len().min(MAX_TOC_ENTRIES)];
            context.insert("toc", toc);
            links = asked.into_inner();
        }
        match rows {
            Some(rows) => self.write_with_rows(templates, template, &context, rows, out)?,
            None => render(templates, template, &context, out)?,
        }
        Ok(links)
    }

    /// Renders `template` with `context` into `out`, with `rows` rendered by
    /// [`TRACKER_ROWS_TEMPLATE`], [`TRACKER_ROWS_AT_ONCE`] at a time, where the page has
    /// [`TRACKER_ROWS_MARKER`] (an override without it gets no rows there). Each chunk's
    /// template values are let go before the next, so the page's memory does not grow with
    /// its rows (book/src/performance.md).
    fn write_with_rows(
        &self,
        templates: &Templates,
        template: &str,
        context: &Context,
        rows: &TrackerRows,
        out: &mut dyn std::io::Write,
    ) -> Result<(), SiteError> {
        let mut page = Vec::new();
        render(templates, template, context, &mut page)?;
        let write = |out: &mut dyn std::io::Write, bytes: &[u8]| {
            out.write_all(bytes).map_err(|e| SiteError::Write {
                path: self.path.clone(),
                message: e.to_string(),
            })
        };
        let Some(at) = memchr::memmem::find(&page, TRACKER_ROWS_MARKER.as_bytes()) else {
            return write(out, &page);
        };
        let (before, after) = page.split_at(at);
        write(out, before)?;
        let fields = templates.fields_read(TRACKER_ROWS_TEMPLATE);
        for chunk in rows.rows.chunks(TRACKER_ROWS_AT_ONCE) {
            let chunk = RowsContext {
                base: &rows.base,
                rows: chunk,
            };
            let context =
                fingerprint::template_context(&chunk, fields).map_err(|e| SiteError::Template {
                    name: TRACKER_ROWS_TEMPLATE.to_string(),
                    message: format_tera_error(&e),
                })?;
            render(templates, TRACKER_ROWS_TEMPLATE, &context, out)?;
        }
        write(
            out,
            after.get(TRACKER_ROWS_MARKER.len()..).unwrap_or_default(),
        )
    }
}

/// Where follow-ups.html has the tracker's rows: an HTML comment, which no escaped value can
/// contain (Tera escapes `<`), so a document cannot move the rows; the first one is used.
pub const TRACKER_ROWS_MARKER: &str = "<!-- opsbook: follow-up rows -->";
/// The template of the tracker's rows, rendered with `site`, `page` and `rows`.
pub const TRACKER_ROWS_TEMPLATE: &str = "follow-up-rows.html";
/// How many rows of the tracker are template values at once.
const TRACKER_ROWS_AT_ONCE: usize = 1_000;

/// The rows of the follow-ups tracker, rendered apart from its page (see
/// [`PageData::write_with_rows`]).
struct TrackerRows<'a> {
    base: Base<'a>,
    rows: &'a [FollowUpRow],
}

/// What [`TRACKER_ROWS_TEMPLATE`] receives.
#[derive(Serialize)]
struct RowsContext<'a> {
    #[serde(flatten)]
    base: &'a Base<'a>,
    rows: &'a [FollowUpRow],
}

/// The most headings a page's table of contents (`toc` in templates) lists.
pub const MAX_TOC_ENTRIES: usize = 500;

/// What page `which` is made from. `shared` holds what several pages need, computed once.
fn page_data<'a, 's: 'a>(site: &'s Site, shared: &'a Shared<'s>, which: Page) -> PageData<'a> {
    let path = which.path(site);
    match which {
        Page::Document(i) => document_data(site, &site.documents[i], path),
        Page::Home => PageData::template(path, "index.html", home_context(site, shared)),
        Page::List(kind) => {
            let (title, documents) = match kind {
                Kind::Runbook => ("Runbooks", shared.runbooks(site)),
                Kind::Postmortem => ("Postmortems", shared.postmortems(site)),
            };
            let dir = format!("{}/", kind.folder());
            let context = Contexts::List(ListContext {
                base: base(site, title, kind.folder(), &dir),
                kind,
                documents,
            });
            PageData::template(path, "list.html", context)
        }
        Page::Taxonomy(kind) => {
            let taxonomy = site.taxonomy(kind);
            let dir = format!("{}/", taxonomy.key);
            let context = Contexts::Taxonomy(TaxonomyContext {
                base: base(site, taxonomy.title, taxonomy.key, &dir),
                taxonomy,
            });
            PageData::template(path, "taxonomies.html", context)
        }
        Page::Term(kind, t) => {
            PageData::template(path, "taxonomy.html", term_context(site, shared, kind, t))
        }
        Page::FollowUps => {
            let page_base = || base(site, "Follow-ups", "follow-ups", "follow-ups/");
            let tracker = shared.tracker(site);
            let context = Contexts::FollowUps(FollowUpsContext {
                base: page_base(),
                follow_ups: tracker,
            });
            PageData {
                path,
                made: Made::Template {
                    template: "follow-ups.html",
                    context: Box::new(context),
                    body: None,
                    rows: Some(TrackerRows {
                        base: page_base(),
                        rows: &tracker.rows,
                    }),
                },
            }
        }
        Page::Metrics => {
            let context = Contexts::Metrics(Box::new(MetricsContext {
                base: base(site, "Metrics", "metrics", "metrics/"),
                metrics: metrics::compute(site),
            }));
            PageData::template(path, "metrics.html", context)
        }
        Page::Alerts | Page::Alert(_) => alert_data(site, which, path),
        Page::NotFound => {
            let mut not_found = base(site, "Page not found", "", "404.html");
            // Served at any missing address: it has no canonical URL of its own.
            not_found.page.canonical = String::new();
            PageData::template(path, "404.html", Contexts::Plain(not_found))
        }
        Page::DocumentsJson => PageData {
            path,
            made: Made::DocumentsJson(site),
        },
        Page::Feed => {
            let (entries, updated) = files::feed(site);
            let context = Contexts::Feed(FeedContext {
                base: base(site, &site.info.title, "", "atom.xml"),
                feed_url: files::absolute(site, &format!("{}atom.xml", site.info.base_path)),
                home_url: files::absolute(site, &site.info.base_path),
                entries,
                updated,
            });
            PageData::template(path, "atom.xml", context)
        }
        Page::Sitemap => {
            // Every HTML page of the site, rendered now or not.
            let paths: Vec<String> = all_pages(site).iter().map(|p| p.path(site)).collect();
            let context = Contexts::Sitemap(SitemapContext {
                base: base(site, &site.info.title, "", "sitemap.xml"),
                entries: files::sitemap(site, &paths),
            });
            PageData::template(path, "sitemap.xml", context)
        }
        Page::Robots => {
            let context = Contexts::Robots(RobotsContext {
                base: base(site, &site.info.title, "", "robots.txt"),
                sitemap_url: files::absolute(site, &format!("{}sitemap.xml", site.info.base_path)),
            });
            PageData::template(path, "robots.txt", context)
        }
    }
}

/// The list of alerts, or one alert's page.
fn alert_data<'a>(site: &'a Site, page: Page, path: String) -> PageData<'a> {
    match page {
        Page::Alert(i) => {
            let alert = &site.alerts[i];
            let dir = alert.dir.as_deref().unwrap_or("alerts/");
            let context = Contexts::Alert(AlertContext {
                base: base(site, &alert.name, "alerts", dir),
                alert,
            });
            PageData::template(path, "alert.html", context)
        }
        _ => {
            let answered = site
                .alerts
                .iter()
                .filter(|a| !a.runbooks.is_empty())
                .count();
            let context = Contexts::Alerts(AlertsContext {
                base: base(site, "Alerts", "alerts", "alerts/"),
                alerts: &site.alerts,
                answered,
                unanswered: site.alerts.len() - answered,
            });
            PageData::template(path, "alerts.html", context)
        }
    }
}

fn document_data<'a>(site: &'a Site, view: &'a DocView, path: String) -> PageData<'a> {
    let dir = doc_dir(site, view);
    let context = Contexts::Document(DocumentContext {
        base: base(site, &view.title, view.kind.folder(), &dir),
        doc: view,
    });
    let template = match view.kind {
        Kind::Runbook => "runbook.html",
        Kind::Postmortem => "postmortem.html",
    };
    PageData {
        path,
        made: Made::Template {
            template,
            context: Box::new(context),
            body: Some(Body {
                text: site.body(view.index),
                source: &site.document(view.index).source,
                from: &view.source_path,
                unsafe_html: site.unsafe_html,
            }),
            rows: None,
        },
    }
}

fn home_context<'a, 's: 'a>(site: &'s Site, shared: &'a Shared<'s>) -> Contexts<'a> {
    let postmortems = shared.postmortems(site);
    let tracker = shared.tracker(site);
    Contexts::Home(HomeContext {
        base: base(site, &site.info.title, "home", ""),
        recent_postmortems: postmortems.iter().take(10).copied().collect(),
        runbooks_by_service: site.runbooks_by_service(),
        runbook_count: shared.runbooks(site).len(),
        postmortem_count: postmortems.len(),
        open_follow_ups: tracker.counts.open + tracker.counts.in_progress,
        overdue_follow_ups: tracker.counts.overdue,
        taxonomies: &site.taxonomies,
    })
}

/// The page of one term: its documents and, for owners and services, its open follow-ups.
fn term_context<'a, 's: 'a>(
    site: &'s Site,
    shared: &'a Shared<'s>,
    kind: TaxonomyKind,
    t: usize,
) -> Contexts<'a> {
    let taxonomy = site.taxonomy(kind);
    let term = &taxonomy.terms[t];
    let docs =
        |ids: &[usize]| -> Vec<&DocView> { ids.iter().map(|&i| &site.documents[i]).collect() };
    let follow_ups: Vec<&FollowUpRow> = match kind {
        TaxonomyKind::Owners | TaxonomyKind::Services => {
            let rows = &shared.tracker(site).rows;
            shared
                .open_by(site, kind)
                .get(term.name.as_str())
                .map(|ids| ids.iter().map(|&i| &rows[i]).collect())
                .unwrap_or_default()
        }
        _ => Vec::new(),
    };
    let dir = format!("{}/{}/", taxonomy.key, term.slug);
    let title = format!("{}: {}", taxonomy.singular, term.name);
    Contexts::Term(TermContext {
        base: base(site, title, taxonomy.key, &dir),
        taxonomy: TaxonomyInfo::from(taxonomy),
        term,
        runbooks: docs(&term.runbooks),
        postmortems: docs(&term.postmortems),
        follow_ups,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;
    use crate::document::Document;

    fn documents() -> Vec<Document> {
        let runbook = |i: usize| {
            format!(
                "---\ntitle: Runbook {i} <b>&</b>\nowner: team-{o}\nseverity: SEV{s}\nservices: [api, db{o}]\ntags: [x]\nrollback: undo\nlast_reviewed: 2026-01-0{d}\n---\n# Steps\n\nDo it.\n",
                o = i % 2,
                s = 1 + i % 3,
                d = 1 + i % 9
            )
        };
        let postmortem = |i: usize| {
            format!(
                "---\ntitle: Outage {i}\nowner: team-{o}\nseverity: SEV{s}\nservices: [api]\nstatus: published\nstarted_at: 2026-01-0{d}T10:00:00Z\nrelated_runbooks: [r{i}]\nfollow_ups:\n  - action: fix {i}\n    owner: zed\n    due: 2026-01-02\n---\n## Timeline\n\nIt broke.\n",
                o = i % 2,
                s = 1 + i % 4,
                d = 1 + i % 9
            )
        };
        (0..12)
            .flat_map(|i| {
                [
                    (format!("runbooks/r{i}.md"), runbook(i)),
                    (format!("postmortems/p{i}.md"), postmortem(i)),
                ]
            })
            .map(|(path, text)| Document::parse(path.clone(), path.into(), Arc::new(text)))
            .collect()
    }

    /// Every page of the site of `docs` is the same whether the views bring every field or
    /// only those the page's template reads (`Templates::fields_read`); returns the pages.
    fn same_pages_either_way(
        config: &crate::config::Config,
        docs: &[Document],
        input: &crate::site::SiteInput,
    ) -> Vec<(String, Vec<u8>)> {
        let named = crate::site::templates::load(Path::new("no-such-folder")).unwrap();
        assert!(named.fields_read("list.html").is_some());
        let mut every = crate::site::templates::load(Path::new("no-such-folder")).unwrap();
        every.read_every_field();
        assert!(every.fields_read("list.html").is_none());
        let site = Site::new(config, docs, input);
        let render = |templates: &Templates| -> Vec<(String, Vec<u8>)> {
            let pages = all_pages(&site);
            let mut files: Vec<_> = render_pages(&site, templates, &pages)
                .unwrap()
                .into_iter()
                .map(|f| (f.path, f.bytes))
                .collect();
            files.sort();
            files
        };
        let (all_fields, named_fields) = (render(&every), render(&named));
        assert_eq!(all_fields.len(), named_fields.len());
        for ((path, a), (_, b)) in all_fields.iter().zip(&named_fields) {
            assert!(a == b, "{path} differs");
        }
        all_fields
    }

    #[test]
    fn the_example_sites_pages_are_the_same_whether_views_bring_every_field_or_the_named_ones() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let config = crate::config::Config::load(None, root).unwrap();
        let docs = crate::load(&config).unwrap();
        let alerts = crate::alerts::load(&config).unwrap();
        let mut input = crate::site::SiteInput::new("2026-02-01".parse().unwrap());
        input.alerts = Some(&alerts);
        let pages = same_pages_either_way(&config, &docs, &input);
        assert!(pages.len() > 100, "{}", pages.len());
        assert!(pages.iter().any(|(path, _)| path.starts_with("alerts/")));
    }

    #[test]
    fn pages_are_the_same_whether_views_bring_every_field_or_the_named_ones() {
        let docs = documents();
        let config = crate::config::Config::default();
        let input = crate::site::SiteInput::new("2026-02-01".parse().unwrap());
        let with_values = same_pages_either_way(&config, &docs, &input);
        assert!(
            with_values.len() > 40,
            "lists, terms and documents: {}",
            with_values.len()
        );
        let postmortems = with_values
            .iter()
            .find(|(path, _)| path == "postmortems/index.html")
            .map(|(_, bytes)| String::from_utf8_lossy(bytes))
            .unwrap();
        assert!(
            postmortems.contains("Outage 11"),
            "the list shows its documents"
        );
    }

    #[test]
    fn pages_written_as_they_render_are_the_pages_rendered() {
        let docs = documents();
        let config = crate::config::Config::default();
        let input = crate::site::SiteInput::new("2026-02-01".parse().unwrap());
        let templates = crate::site::templates::load(Path::new("no-such-folder")).unwrap();
        let site = Site::new(&config, &docs, &input);
        let pages = all_pages(&site);
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        let staging = Staging::create(&output).unwrap();
        render_each(&site, &templates, &pages, &staging).unwrap();
        staging.finish().unwrap();
        let rendered = render_pages(&site, &templates, &pages).unwrap();
        assert_eq!(rendered.len(), pages.len());
        for file in &rendered {
            let written = std::fs::read(output.join(&file.path)).unwrap();
            assert!(written == file.bytes, "{} differs", file.path);
        }
        let json = std::fs::read_to_string(output.join("documents.json")).unwrap();
        assert!(json.ends_with("}\n") && json.contains("\"Outage 11\""));
    }
}
