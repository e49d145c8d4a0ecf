//! Renders every page with Tera, documents and taxonomy terms in parallel.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use super::SiteError;
use super::files;
use super::follow_ups::{self, FollowUpRow};
use super::metrics;
use super::model::{DocView, Site};
use super::taxonomy::{Taxonomy, TaxonomyKind, Term};
use super::templates::{Templates, format_tera_error};
use super::write::OutputFile;
use crate::document::{Kind, markdown};

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

/// Every page of the site plus its static files and machine-readable files.
pub fn render_all(site: &Site, templates: &Templates) -> Result<Vec<OutputFile>, SiteError> {
    let raw = if site.unsafe_html {
        markdown::RawHtml::Keep
    } else {
        markdown::RawHtml::Sanitize
    };
    let mut files: Vec<OutputFile> = site
        .documents
        .par_iter()
        .map(|view| {
            let body = site.body(view.index);
            let rendered = markdown::render_with(
                body,
                &|dest| site.resolve_link(&view.source_path, dest),
                raw,
            );
            let dir = view
                .url
                .trim_start_matches(&site.info.base_path)
                .to_string();
            let mut context = page_context(site, &view.title, view.kind.folder(), &dir);
            context.insert("doc", view);
            context.insert("content", &rendered.html);
            context.insert("toc", &rendered.toc);
            let template = match view.kind {
                Kind::Runbook => "runbook.html",
                Kind::Postmortem => "postmortem.html",
            };
            let html = render(templates, template, &context)?;
            Ok(page(format!("{dir}index.html"), html))
        })
        .collect::<Result<_, SiteError>>()?;

    let postmortems = site.postmortems_newest_first();
    let runbooks = site.runbooks_by_title();
    let tracker = follow_ups::tracker(site);

    let mut home = page_context(site, &site.info.title, "home", "");
    home.insert(
        "recent_postmortems",
        &postmortems.iter().take(10).collect::<Vec<_>>(),
    );
    home.insert("runbooks_by_service", &site.runbooks_by_service());
    home.insert("runbook_count", &runbooks.len());
    home.insert("postmortem_count", &postmortems.len());
    home.insert(
        "open_follow_ups",
        &(tracker.counts.open + tracker.counts.in_progress),
    );
    home.insert("overdue_follow_ups", &tracker.counts.overdue);
    home.insert("taxonomies", &site.taxonomies);
    files.push(page(
        "index.html".into(),
        render(templates, "index.html", &home)?,
    ));

    for (kind, list) in [(Kind::Runbook, &runbooks), (Kind::Postmortem, &postmortems)] {
        let title = match kind {
            Kind::Runbook => "Runbooks",
            Kind::Postmortem => "Postmortems",
        };
        let dir = format!("{}/", kind.folder());
        let mut context = page_context(site, title, kind.folder(), &dir);
        context.insert("kind", &kind);
        context.insert("documents", list);
        files.push(page(
            format!("{dir}index.html"),
            render(templates, "list.html", &context)?,
        ));
    }

    files.extend(taxonomy_pages(site, templates, &tracker.rows)?);

    let mut context = page_context(site, "Follow-ups", "follow-ups", "follow-ups/");
    context.insert("follow_ups", &tracker);
    files.push(page(
        "follow-ups/index.html".into(),
        render(templates, "follow-ups.html", &context)?,
    ));

    let mut context = page_context(site, "Metrics", "metrics", "metrics/");
    context.insert("metrics", &metrics::compute(site));
    files.push(page(
        "metrics/index.html".into(),
        render(templates, "metrics.html", &context)?,
    ));

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
    files.push(page(
        "404.html".into(),
        render(templates, "404.html", &not_found)?,
    ));

    // Machine-readable files. The sitemap lists the pages rendered so far.
    files.push(OutputFile {
        path: "documents.json".into(),
        bytes: files::documents_json(site),
    });
    let (entries, updated) = files::feed(site);
    let mut context = page_context(site, &site.info.title, "", "atom.xml");
    context.insert(
        "feed_url",
        &files::absolute(site, &format!("{}atom.xml", site.info.base_path)),
    );
    context.insert("home_url", &files::absolute(site, &site.info.base_path));
    context.insert("entries", &entries);
    context.insert("updated", &updated);
    files.push(page(
        "atom.xml".into(),
        render(templates, "atom.xml", &context)?,
    ));
    let mut context = page_context(site, &site.info.title, "", "sitemap.xml");
    context.insert("entries", &files::sitemap(site, &files));
    files.push(page(
        "sitemap.xml".into(),
        render(templates, "sitemap.xml", &context)?,
    ));
    let mut context = page_context(site, &site.info.title, "", "robots.txt");
    context.insert(
        "sitemap_url",
        &files::absolute(site, &format!("{}sitemap.xml", site.info.base_path)),
    );
    files.push(page(
        "robots.txt".into(),
        render(templates, "robots.txt", &context)?,
    ));

    for (name, bytes) in &templates.static_files {
        files.push(OutputFile {
            path: name.clone(),
            bytes: bytes.clone(),
        });
    }
    Ok(files)
}

/// The index page of each taxonomy and one page per term.
fn taxonomy_pages(
    site: &Site,
    templates: &Templates,
    rows: &[FollowUpRow],
) -> Result<Vec<OutputFile>, SiteError> {
    // Open follow-ups by owner and by service, for their term pages.
    let mut by_owner: HashMap<&str, Vec<&FollowUpRow>> = HashMap::new();
    let mut by_service: HashMap<&str, Vec<&FollowUpRow>> = HashMap::new();
    for row in rows.iter().filter(|r| r.is_open) {
        by_owner.entry(row.owner.as_str()).or_default().push(row);
        for s in &row.services {
            by_service.entry(s.name.as_str()).or_default().push(row);
        }
    }
    let mut out = Vec::new();
    for taxonomy in &site.taxonomies {
        let dir = format!("{}/", taxonomy.key);
        let mut context = page_context(site, taxonomy.title, taxonomy.key, &dir);
        context.insert("taxonomy", taxonomy);
        out.push(page(
            format!("{dir}index.html"),
            render(templates, "taxonomies.html", &context)?,
        ));
        let info = TaxonomyInfo::from(taxonomy);
        let terms: Vec<OutputFile> = taxonomy
            .terms
            .par_iter()
            .map(|term: &Term| {
                let docs = |ids: &[usize]| -> Vec<&DocView> {
                    ids.iter().map(|&i| &site.documents[i]).collect()
                };
                let follow_ups: &[&FollowUpRow] = match taxonomy.kind {
                    TaxonomyKind::Owners => by_owner.get(term.name.as_str()).map_or(&[], |v| v),
                    TaxonomyKind::Services => by_service.get(term.name.as_str()).map_or(&[], |v| v),
                    _ => &[],
                };
                let dir = format!("{}/{}/", taxonomy.key, term.slug);
                let title = format!("{}: {}", taxonomy.singular, term.name);
                let mut context = page_context(site, &title, taxonomy.key, &dir);
                context.insert("taxonomy", &info);
                context.insert("term", term);
                context.insert("runbooks", &docs(&term.runbooks));
                context.insert("postmortems", &docs(&term.postmortems));
                context.insert("follow_ups", &follow_ups);
                Ok(page(
                    format!("{dir}index.html"),
                    render(templates, "taxonomy.html", &context)?,
                ))
            })
            .collect::<Result<_, SiteError>>()?;
        out.extend(terms);
    }
    Ok(out)
}
