//! Renders every page with Tera, documents in parallel.

use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use super::SiteError;
use super::model::Site;
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

#[derive(Serialize)]
struct PageInfo<'a> {
    title: &'a str,
    /// Which top-level section is current, for the navigation.
    section: &'a str,
}

fn base_context(site: &Site, title: &str, section: &str) -> Context {
    let mut context = Context::new();
    context.insert("site", &site.info);
    context.insert("page", &PageInfo { title, section });
    context
}

/// Every page of the site plus its static files.
pub fn render_all(site: &Site, templates: &Templates) -> Result<Vec<OutputFile>, SiteError> {
    let docs = documents(site);
    let mut files: Vec<OutputFile> = docs
        .par_iter()
        .map(|(view, body)| {
            let rendered =
                markdown::render(body, &|dest| site.resolve_link(&view.source_path, dest));
            let section = view.kind.folder();
            let mut context = base_context(site, &view.title, section);
            context.insert("doc", view);
            context.insert("content", &rendered.html);
            context.insert("toc", &rendered.toc);
            let template = match view.kind {
                Kind::Runbook => "runbook.html",
                Kind::Postmortem => "postmortem.html",
            };
            let html = render(templates, template, &context)?;
            let path = format!(
                "{}index.html",
                view.url.trim_start_matches(&site.info.base_path)
            );
            Ok(page(path, html))
        })
        .collect::<Result<_, SiteError>>()?;

    let postmortems = site.postmortems_newest_first();
    let runbooks = site.runbooks_by_title();

    let mut home = base_context(site, &site.info.title, "home");
    home.insert(
        "recent_postmortems",
        &postmortems.iter().take(10).collect::<Vec<_>>(),
    );
    home.insert("runbooks_by_service", &site.runbooks_by_service());
    home.insert("runbook_count", &runbooks.len());
    home.insert("postmortem_count", &postmortems.len());
    home.insert(
        "open_follow_ups",
        &postmortems.iter().map(|p| p.open_follow_ups).sum::<usize>(),
    );
    home.insert(
        "overdue_follow_ups",
        &postmortems
            .iter()
            .map(|p| p.overdue_follow_ups)
            .sum::<usize>(),
    );
    files.push(page(
        "index.html".into(),
        render(templates, "index.html", &home)?,
    ));

    for (kind, list) in [(Kind::Runbook, &runbooks), (Kind::Postmortem, &postmortems)] {
        let title = match kind {
            Kind::Runbook => "Runbooks",
            Kind::Postmortem => "Postmortems",
        };
        let mut context = base_context(site, title, kind.folder());
        context.insert("kind", &kind);
        context.insert("documents", list);
        files.push(page(
            format!("{}/index.html", kind.folder()),
            render(templates, "list.html", &context)?,
        ));
    }

    let not_found = base_context(site, "Page not found", "");
    files.push(page(
        "404.html".into(),
        render(templates, "404.html", &not_found)?,
    ));

    for (name, bytes) in &templates.static_files {
        files.push(OutputFile {
            path: name.clone(),
            bytes: bytes.clone(),
        });
    }
    Ok(files)
}

/// Each document's view with its Markdown body.
fn documents<'s>(site: &'s Site) -> Vec<(&'s super::model::DocView, &'s str)> {
    site.documents
        .iter()
        .map(|view| (view, site.body(view.index)))
        .collect()
}
