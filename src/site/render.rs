//! Renders the pages with Tera, in parallel: every page ([`render_all`]) or a chosen set
//! ([`render_pages`], for `opsbook serve`'s incremental rebuilds).

use std::collections::HashMap;
use std::sync::OnceLock;

use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use super::SiteError;
use super::doc_body;
use super::files;
use super::metrics;
use super::model::{DocView, Site};
use super::taxonomy::{Taxonomy, TaxonomyKind};
use super::templates::{Templates, format_tera_error};
use super::write::OutputFile;
use crate::document::{Kind, markdown};
use crate::follow_ups::tracker::{self as follow_ups, FollowUpRow, FollowUpTracker};

fn render(templates: &Templates, name: &str, context: &Context) -> Result<String, SiteError> {
    templates
        .tera
        .render(name, context)
        .map_err(|e| SiteError::Template {
            name: name.to_string(),
            message: format_tera_error(&e),
        })
}

fn page(path: String, html: String) -> OutputFile {
    OutputFile {
        path,
        bytes: html.into_bytes(),
    }
}

/// `page` in every template.
#[derive(Serialize)]
struct PageInfo<'a> {
    title: &'a str,
    /// Which top-level section is current, for the navigation: `home`, `runbooks`,
    /// `postmortems`, `services`, `tags`, `owners`, `severities`, `follow-ups`, `metrics`.
    section: &'a str,
    /// The page's URL path, such as `/postmortems/2026-09-20-checkout/`.
    url: String,
    /// The absolute URL when base_url is a full URL, else empty.
    canonical: String,
}

/// The output path of a page folder such as `services/payments-api/` (relative, no leading "/").
fn page_context(site: &Site, title: &str, section: &str, dir: &str) -> Context {
    let dir = crate::document::links::encode_path(dir);
    let url = format!("{}{dir}", site.info.base_path);
    let canonical = if site.info.canonical_base.is_empty() {
        String::new()
    } else {
        format!("{}{dir}", site.info.canonical_base)
    };
    let mut context = Context::new();
    context.insert("site", &site.info);
    context.insert(
        "page",
        &PageInfo {
            title,
            section,
            url,
            canonical,
        },
    );
    context
}

/// A taxonomy without its terms, for term pages.
#[derive(Serialize)]
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

/// The folder of a document's page, relative to the output folder, ending in `/`: the file
/// name as it is (its URL escapes it).
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
struct Shared {
    tracker: OnceLock<FollowUpTracker>,
    /// Open follow-ups (indexes into the tracker's rows) by owner and by service.
    open_by_owner: OnceLock<HashMap<String, Vec<usize>>>,
    open_by_service: OnceLock<HashMap<String, Vec<usize>>>,
    postmortems: OnceLock<Vec<DocView>>,
    runbooks: OnceLock<Vec<DocView>>,
}

impl Shared {
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

    fn postmortems(&self, site: &Site) -> &Vec<DocView> {
        self.postmortems
            .get_or_init(|| site.postmortems_newest_first())
    }

    fn runbooks(&self, site: &Site) -> &Vec<DocView> {
        self.runbooks.get_or_init(|| site.runbooks_by_title())
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

/// Renders `pages` in parallel and hands each to `sink` as soon as it is rendered, in no
/// particular order, so the build never holds more than a few pages at once. Stops at the
/// first error (of a template or of the sink).
pub fn render_each(
    site: &Site,
    templates: &Templates,
    pages: &[Page],
    sink: impl Fn(OutputFile) -> Result<(), SiteError> + Sync,
) -> Result<(), SiteError> {
    let shared = Shared::default();
    pages
        .par_iter()
        .try_for_each(|&p| sink(render_page(site, templates, &shared, p)?))
}

fn render_page(
    site: &Site,
    templates: &Templates,
    shared: &Shared,
    which: Page,
) -> Result<OutputFile, SiteError> {
    let path = which.path(site);
    let html = match which {
        Page::Document(i) => document_page(site, templates, &site.documents[i])?,
        Page::Home => {
            let postmortems = shared.postmortems(site);
            let tracker = shared.tracker(site);
            let mut home = page_context(site, &site.info.title, "home", "");
            home.insert(
                "recent_postmortems",
                &postmortems.iter().take(10).collect::<Vec<_>>(),
            );
            home.insert("runbooks_by_service", &site.runbooks_by_service());
            home.insert("runbook_count", &shared.runbooks(site).len());
            home.insert("postmortem_count", &postmortems.len());
            home.insert(
                "open_follow_ups",
                &(tracker.counts.open + tracker.counts.in_progress),
            );
            home.insert("overdue_follow_ups", &tracker.counts.overdue);
            home.insert("taxonomies", &site.taxonomies);
            render(templates, "index.html", &home)?
        }
        Page::List(kind) => {
            let (title, list) = match kind {
                Kind::Runbook => ("Runbooks", shared.runbooks(site)),
                Kind::Postmortem => ("Postmortems", shared.postmortems(site)),
            };
            let dir = format!("{}/", kind.folder());
            let mut context = page_context(site, title, kind.folder(), &dir);
            context.insert("kind", &kind);
            context.insert("documents", list);
            render(templates, "list.html", &context)?
        }
        Page::Taxonomy(kind) => {
            let taxonomy = site.taxonomy(kind);
            let dir = format!("{}/", taxonomy.key);
            let mut context = page_context(site, taxonomy.title, taxonomy.key, &dir);
            context.insert("taxonomy", taxonomy);
            render(templates, "taxonomies.html", &context)?
        }
        Page::Term(kind, t) => term_page(site, templates, shared, kind, t)?,
        Page::FollowUps => {
            let mut context = page_context(site, "Follow-ups", "follow-ups", "follow-ups/");
            context.insert("follow_ups", shared.tracker(site));
            render(templates, "follow-ups.html", &context)?
        }
        Page::Metrics => {
            let mut context = page_context(site, "Metrics", "metrics", "metrics/");
            context.insert("metrics", &metrics::compute(site));
            render(templates, "metrics.html", &context)?
        }
        Page::Alerts => {
            let mut context = page_context(site, "Alerts", "alerts", "alerts/");
            let answered = site
                .alerts
                .iter()
                .filter(|a| !a.runbooks.is_empty())
                .count();
            context.insert("alerts", &site.alerts);
            context.insert("answered", &answered);
            context.insert("unanswered", &(site.alerts.len() - answered));
            render(templates, "alerts.html", &context)?
        }
        Page::Alert(i) => {
            let alert = &site.alerts[i];
            let dir = alert.dir.as_deref().unwrap_or("alerts/");
            let mut context = page_context(site, &alert.name, "alerts", dir);
            context.insert("alert", alert);
            render(templates, "alert.html", &context)?
        }
        Page::NotFound => {
            let mut not_found = page_context(site, "Page not found", "", "404.html");
            // Served at any missing address: it has no canonical URL of its own.
            not_found.insert(
                "page",
                &PageInfo {
                    title: "Page not found",
                    section: "",
                    url: format!("{}404.html", site.info.base_path),
                    canonical: String::new(),
                },
            );
            render(templates, "404.html", &not_found)?
        }
        Page::DocumentsJson => {
            return Ok(OutputFile {
                path,
                bytes: files::documents_json(site),
            });
        }
        Page::Feed => {
            let (entries, updated) = files::feed(site);
            let mut context = page_context(site, &site.info.title, "", "atom.xml");
            context.insert(
                "feed_url",
                &files::absolute(site, &format!("{}atom.xml", site.info.base_path)),
            );
            context.insert("home_url", &files::absolute(site, &site.info.base_path));
            context.insert("entries", &entries);
            context.insert("updated", &updated);
            render(templates, "atom.xml", &context)?
        }
        Page::Sitemap => {
            // Every HTML page of the site, rendered now or not.
            let paths: Vec<String> = all_pages(site).iter().map(|p| p.path(site)).collect();
            let mut context = page_context(site, &site.info.title, "", "sitemap.xml");
            context.insert("entries", &files::sitemap(site, &paths));
            render(templates, "sitemap.xml", &context)?
        }
        Page::Robots => {
            let mut context = page_context(site, &site.info.title, "", "robots.txt");
            context.insert(
                "sitemap_url",
                &files::absolute(site, &format!("{}sitemap.xml", site.info.base_path)),
            );
            render(templates, "robots.txt", &context)?
        }
    };
    Ok(page(path, html))
}

/// The most headings a page's table of contents (`toc` in templates) lists.
pub const MAX_TOC_ENTRIES: usize = 500;

fn document_page(site: &Site, templates: &Templates, view: &DocView) -> Result<String, SiteError> {
    let raw = if site.unsafe_html {
        markdown::RawHtml::Keep
    } else {
        markdown::RawHtml::Sanitize
    };
    let body = site.body(view.index);
    let rendered = markdown::render_with(
        body,
        &|dest| site.resolve_link(&view.source_path, dest),
        raw,
    );
    let dir = doc_dir(site, view);
    let mut context = page_context(site, &view.title, view.kind.folder(), &dir);
    context.insert("doc", view);
    context.insert("content", &rendered.html);
    context.insert("body", &doc_body::split(&rendered.html, &rendered.toc));
    // A table of contents longer than this helps nobody, and handing Tera one entry per
    // heading of a document with 100,000 headings cost hundreds of MB.
    let toc = &rendered.toc[..rendered.toc.len().min(MAX_TOC_ENTRIES)];
    context.insert("toc", toc);
    let template = match view.kind {
        Kind::Runbook => "runbook.html",
        Kind::Postmortem => "postmortem.html",
    };
    render(templates, template, &context)
}

/// The page of one term: its documents and, for owners and services, its open follow-ups.
fn term_page(
    site: &Site,
    templates: &Templates,
    shared: &Shared,
    kind: TaxonomyKind,
    t: usize,
) -> Result<String, SiteError> {
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
    let mut context = page_context(site, &title, taxonomy.key, &dir);
    context.insert("taxonomy", &TaxonomyInfo::from(taxonomy));
    context.insert("term", term);
    context.insert("runbooks", &docs(&term.runbooks));
    context.insert("postmortems", &docs(&term.postmortems));
    context.insert("follow_ups", &follow_ups);
    render(templates, "taxonomy.html", &context)
}
