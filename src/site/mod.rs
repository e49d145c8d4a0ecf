//! The build stage: site model -> render (Tera, in parallel) -> index (Pagefind, in-process)
//! -> write (temporary folder, swap).

pub mod alerts;
pub mod charts;
pub mod doc_body;
pub mod files;
pub mod fingerprint;
mod flatten;
pub mod incremental;
pub mod metrics;
pub mod model;
pub mod render;
pub mod search;
pub mod search_index;
pub mod taxonomy;
pub mod templates;
pub mod write;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use jiff::civil::Date;

use crate::config::Config;
use crate::document::Document;
use crate::git::History;

/// What the site needs besides the config and the documents.
#[derive(Debug, Clone, Copy)]
pub struct SiteInput<'a> {
    /// The date overdue follow-ups and ages are computed against.
    pub today: Date,
    /// Git history of the content folder, when it is in a repository.
    pub history: Option<&'a History>,
    /// The content folder relative to the repository root, for edit links; `None` outside
    /// a repository (`paths.content` is used).
    pub content_prefix: Option<&'a str>,
    /// The alert rules of `[alerts] rules`, for the alert pages (without them, the pages of
    /// the alerts runbooks list).
    pub alerts: Option<&'a crate::alerts::AlertRules>,
}

impl SiteInput<'_> {
    /// No git history, the content folder at `paths.content`.
    pub fn new(today: Date) -> SiteInput<'static> {
        SiteInput {
            today,
            history: None,
            content_prefix: None,
            alerts: None,
        }
    }
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SiteError {
    #[error("refusing to write the site to {path}: {reason}")]
    #[diagnostic(
        code(output),
        help(
            "choose a dedicated output folder, such as public/ next to opsbook.toml (paths.output or --output)"
        )
    )]
    RefusedOutput { path: String, reason: String },
    #[error("template {name} failed: {message}")]
    #[diagnostic(
        code(template),
        help(
            "fix the template (an override in your templates/ folder, or remove it to use the built-in one)"
        )
    )]
    Template { name: String, message: String },
    #[error("cannot build the search index: {message}")]
    #[diagnostic(
        code(search),
        help(
            "this is a bug in opsbook or Pagefind; turn search off with `[search] enabled = false` in opsbook.toml to build without it"
        )
    )]
    Search { message: String },
    #[error("{path} was not published: {why}")]
    #[diagnostic(
        code(changed),
        help(
            "a build reads each document again when it makes its page, and publishes only the text the lint checked; build again once the files stop changing"
        )
    )]
    Changed { path: String, why: String },
    #[error("cannot write the site to {path}: {message}")]
    #[diagnostic(
        code(output),
        help("check that the output folder's parent exists and is writable")
    )]
    Write { path: String, message: String },
}

/// What a build wrote.
#[derive(Debug, Clone)]
pub struct SiteSummary {
    pub output: PathBuf,
    pub pages: usize,
    pub documents: usize,
    /// The search index, when search is on.
    pub search: Option<search::SearchSummary>,
}

/// Renders every page and swaps the new site into `output`.
///
/// The search index (the longest stage) is built on its own threads while the pages are
/// rendered in parallel, and every file is written to the staging folder as soon as it is
/// produced: memory is bounded by the shard size and the number of threads, not by the size
/// of the knowledge base. (Measured: rendering first and indexing after costs more wall time.)
/// The site takes the metadata the documents kept after the lint ([`Document::take_meta`]).
pub fn build(
    config: &Config,
    docs: &mut [Document],
    output: &Path,
    input: &SiteInput,
) -> Result<SiteSummary, SiteError> {
    let site = model::Site::taking_metadata(config, docs, input);
    let templates = templates::load(&config.templates_dir())?;
    let staging = write::Staging::create(output)?;
    let pages = render::all_pages(&site);
    let stop = AtomicBool::new(false);
    let (rendered, search) = std::thread::scope(|scope| {
        let search = site.info.search.enabled.then(|| {
            scope.spawn(|| {
                search::build_into(&site, &config.search, &stop, &|file| {
                    staging.write(&file.path, &file.bytes)
                })
            })
        });
        let rendered = render::render_each(&site, &templates, &pages, &staging).and_then(|()| {
            render::static_files(&templates)
                .try_for_each(|file| staging.write(&file.path, &file.bytes))
        });
        if rendered.is_err() {
            // No point indexing a site that will not be written.
            stop.store(true, Ordering::Relaxed);
        }
        let search = search.map(|handle| handle.join().expect("the search index thread panicked"));
        (rendered, search)
    });
    rendered?;
    let search = search.transpose()?;
    if let Some((doc, why)) = site.changed_document() {
        return Err(SiteError::Changed {
            path: doc.display_path.clone(),
            why: why.to_string(),
        });
    }
    let published = site.linked_files();
    for (path, source) in &published {
        let bytes = files::read_linked_file(source).map_err(|message| SiteError::Write {
            path: source.display().to_string(),
            message,
        })?;
        staging.write(&files::published_path(path, false), &bytes)?;
    }
    staging.finish()?;
    Ok(SiteSummary {
        output: output.to_path_buf(),
        pages: pages.len() + templates.static_files.len() + published.len(),
        documents: site.documents.len(),
        search,
    })
}

/// Refuses output folders whose replacement would destroy something that is not a site:
/// the content folder, a folder containing it, the filesystem root and the home folder.
/// The folder a build writes to: `output` itself, or, when `output` is a symlink, the folder
/// it points to (so `public -> /srv/www/site` keeps working: the site is swapped in at the
/// target and the link goes on pointing at it). Every check of [`check_output_dir`] then
/// applies to that real folder. A link to something that is not a folder is refused.
pub fn resolve_output(output: &Path) -> Result<PathBuf, SiteError> {
    let is_link = std::fs::symlink_metadata(output).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return Ok(output.to_path_buf());
    }
    let refuse = |reason: String| SiteError::RefusedOutput {
        path: output.display().to_string(),
        reason,
    };
    let link = std::fs::read_link(output).unwrap_or_default();
    match output.canonicalize() {
        Ok(target) if target.is_dir() => Ok(target),
        Ok(target) => Err(refuse(format!(
            "it is a symlink to {}, which is not a folder",
            target.display()
        ))),
        Err(e) => Err(refuse(format!(
            "it is a symlink to {}, which cannot be followed ({e})",
            link.display()
        ))),
    }
}

pub fn check_output_dir(output: &Path, content: &Path, _has_config: bool) -> Result<(), SiteError> {
    let refuse = |reason: &str| SiteError::RefusedOutput {
        path: output.display().to_string(),
        reason: reason.to_string(),
    };
    let output_abs = crate::absolute(output);
    let content_abs = crate::absolute(content);
    if output_abs.parent().is_none() {
        return Err(refuse("it is the filesystem root"));
    }
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from)
        && crate::absolute(&home) == output_abs
    {
        return Err(refuse("it is your home folder"));
    }
    if output_abs == content_abs {
        return Err(refuse("it is the content folder"));
    }
    if content_abs.starts_with(&output_abs) {
        return Err(refuse("it contains the content folder"));
    }
    write::check_replaceable(output).map_err(|reason| refuse(&reason))
}
