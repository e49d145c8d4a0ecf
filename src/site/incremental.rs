//! Incremental rendering, for `opsbook serve`: renders only the pages whose inputs changed
//! since the last render and writes only the files whose bytes changed, into an output folder
//! that stays in place (no swap). The search index is not touched: the caller updates it.
//!
//! Every page has a *fingerprint*: a hash of everything its template sees (the site's
//! settings, the document views it shows, its taxonomy terms...). A page is rendered again
//! when its fingerprint changed, when it is the page of a document whose text changed, or when
//! its document links to a document that appeared or went away. Pages that no longer exist
//! are removed. The result is the output of [`super::build`] without the search index
//! (`tests/serve_incremental.rs` compares the two after sequences of edits).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;

use super::SiteError;
use super::model::{DocView, Site};
use super::render::{self, Page};
use super::taxonomy::TaxonomyKind;
use super::templates::Templates;
use super::write::OutputFile;
use crate::document::Kind;

/// What the files in the output folder were made from, kept between renders.
#[derive(Debug, Default)]
pub struct Memo {
    /// Output path of each page -> its fingerprint when it was rendered.
    pages: HashMap<String, u64>,
    /// Output path -> hash of the bytes written there (pages and static files).
    written: HashMap<String, u64>,
    /// Content-relative path -> page URL, as links were resolved ([`Site::urls`]).
    urls: HashMap<String, String>,
    /// The templates' static files written last time.
    statics: HashSet<String>,
    /// Some pages were left for a second phase that has not written them all yet
    /// ([`Memo::finish`]): the next update must compare every fingerprint.
    behind: bool,
}

/// The dirty pages an update left for [`Memo::finish`]: the pages that list many documents
/// (lists, taxonomies, follow-ups, documents.json...), which can take seconds at 10,000
/// documents. Until they are written, the memo keeps their old fingerprints.
#[derive(Debug, Default)]
pub struct Deferred {
    pages: Vec<(Page, String, u64)>,
}

impl Deferred {
    pub fn len(&self) -> usize {
        self.pages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }
}

/// What [`Memo::finish`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Finished {
    /// Pages rendered (all of the deferred ones unless `stop` said so).
    pub rendered: usize,
    pub written: usize,
    /// Every deferred page is written: the folder is up to date.
    pub complete: bool,
    /// The output paths of the pages rendered, sorted.
    pub rendered_paths: Vec<String>,
    pub render_time: Duration,
    pub write_time: Duration,
}

/// What [`Memo::update`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Update {
    /// Pages the site has now.
    pub pages: usize,
    /// Pages rendered again.
    pub rendered: usize,
    /// Files written (rendered pages whose bytes did not change are not written).
    pub written: usize,
    /// Pages (and static files) removed.
    pub removed: usize,
    /// The output paths of the pages rendered again, sorted.
    pub rendered_paths: Vec<String>,
    /// Finding the pages to render (fingerprints), rendering them, writing and removing files.
    pub plan_time: Duration,
    pub render_time: Duration,
    pub write_time: Duration,
}

/// Feeds everything written to it into a hasher (serde_json's output, without a buffer).
struct HashWriter<'a>(&'a mut DefaultHasher);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn hash_serialized(h: &mut DefaultHasher, value: &impl Serialize) {
    // Serializing these types cannot fail (no maps with non-string keys).
    let _ = serde_json::to_writer(HashWriter(h), value);
}

/// A hash of what templates and the machine-readable files see of one document: its
/// serialized view, plus the fields the view does not serialize but pages use (the exact
/// timestamps, for documents.json, the feed and the metrics). Not its index, which shifts
/// when a document before it comes or goes. The part that depends only on the document is
/// hashed once per view ([`DocView::base_fingerprint`]; views are kept between builds by
/// [`super::model::ViewCache`]), the part that depends on other documents every time.
pub fn view_fingerprint(view: &DocView) -> u64 {
    let base = base_fingerprint(view);
    let mut h = DefaultHasher::new();
    base.hash(&mut h);
    hash_serialized(
        &mut h,
        &(
            &view.related_runbooks,
            &view.related_postmortems,
            &view.referenced_by,
            &view.service_links,
            &view.tag_links,
            &view.owner_url,
            &view.severity_url,
            &view.git,
            &view.edit_url,
        ),
    );
    view.updated.hash(&mut h);
    h.finish()
}

/// The hash of the fields of a view that depend only on its document (computed once per view).
pub fn base_fingerprint(view: &DocView) -> u64 {
    *view.base_fingerprint.get_or_init(|| {
        let mut own = view.clone();
        clear_cross_fields(&mut own);
        let mut h = DefaultHasher::new();
        hash_serialized(&mut h, &own);
        (own.started, own.detected, own.mitigated, own.resolved).hash(&mut h);
        for f in &own.follow_ups {
            f.due_date.hash(&mut h);
        }
        h.finish()
    })
}

/// Empties the fields of a view that `Site` computes from other documents (or git): every
/// such field must be here and in the second hash of [`view_fingerprint`].
fn clear_cross_fields(view: &mut DocView) {
    view.related_runbooks.clear();
    view.related_postmortems.clear();
    view.referenced_by.clear();
    view.service_links.clear();
    view.tag_links.clear();
    view.owner_url.clear();
    view.severity_url.clear();
    view.git = None;
    view.edit_url.clear();
    view.updated = None;
}

fn bytes_hash(bytes: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// The fingerprint of every page of `site`, by output path.
fn fingerprints(site: &Site) -> Vec<(Page, String, u64)> {
    let views: Vec<u64> = site.documents.par_iter().map(view_fingerprint).collect();
    let global = {
        let mut h = DefaultHasher::new();
        hash_serialized(&mut h, &site.info);
        (site.unsafe_html, &site.severities).hash(&mut h);
        h.finish()
    };
    let with = |parts: &dyn Fn(&mut DefaultHasher)| {
        let mut h = DefaultHasher::new();
        global.hash(&mut h);
        parts(&mut h);
        h.finish()
    };
    let of_kind = |kind: Kind| {
        let mut h = DefaultHasher::new();
        for (view, fp) in site.documents.iter().zip(&views) {
            if view.kind == kind {
                fp.hash(&mut h);
            }
        }
        h.finish()
    };
    let runbooks = of_kind(Kind::Runbook);
    let postmortems = of_kind(Kind::Postmortem);
    let mut taxonomies = Vec::new();
    for taxonomy in &site.taxonomies {
        let mut h = DefaultHasher::new();
        hash_serialized(&mut h, taxonomy);
        taxonomies.push(h.finish());
    }
    // Follow-up rows link their owner's page.
    let owner_urls = {
        let mut h = DefaultHasher::new();
        for term in &site.taxonomy(TaxonomyKind::Owners).terms {
            (&term.name, &term.url).hash(&mut h);
        }
        h.finish()
    };
    // Postmortems with an open follow-up, by the follow-up's owner: an owner's page lists
    // them, and follow-up owners need not own the postmortem.
    let mut open_by_owner: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, view) in site.documents.iter().enumerate() {
        if view.kind != Kind::Postmortem {
            continue;
        }
        for f in view.follow_ups.iter().filter(|f| f.is_open) {
            open_by_owner.entry(f.owner.as_str()).or_default().push(i);
        }
    }

    let pages = render::all_pages(site);
    pages
        .par_iter()
        .map(|&page| {
            let fp = match page {
                Page::Document(i) => with(&|h| views[i].hash(h)),
                Page::Home | Page::Metrics => with(&|h| {
                    views.hash(h);
                    taxonomies.hash(h);
                }),
                Page::List(Kind::Runbook) => with(&|h| runbooks.hash(h)),
                Page::List(Kind::Postmortem) | Page::Feed => with(&|h| postmortems.hash(h)),
                Page::Taxonomy(kind) => with(&|h| taxonomies[kind as usize].hash(h)),
                Page::Term(kind, t) => with(&|h| {
                    let term = &site.taxonomy(kind).terms[t];
                    hash_serialized(h, term);
                    for &i in term.runbooks.iter().chain(&term.postmortems) {
                        views[i].hash(h);
                    }
                    match kind {
                        TaxonomyKind::Owners => {
                            for &i in open_by_owner.get(term.name.as_str()).into_iter().flatten() {
                                views[i].hash(h);
                            }
                        }
                        // Open follow-ups of its postmortems (listed above).
                        TaxonomyKind::Services => owner_urls.hash(h),
                        _ => {}
                    }
                }),
                Page::FollowUps => with(&|h| {
                    postmortems.hash(h);
                    owner_urls.hash(h);
                }),
                Page::DocumentsJson => with(&|h| views.hash(h)),
                Page::Sitemap => with(&|h| {
                    for p in &pages {
                        p.path(site).hash(h);
                    }
                    for view in &site.documents {
                        (&view.url, view.git.as_ref().map(|g| &g.updated)).hash(h);
                    }
                }),
                Page::NotFound | Page::Robots => global,
            };
            (page, page.path(site), fp)
        })
        .collect()
}

impl Memo {
    pub fn new() -> Memo {
        Memo::default()
    }

    /// Brings the files in `output` up to date with `site`: renders the pages whose inputs
    /// changed since the last update (every page the first time, or with `everything`, after a
    /// template or config change), writes those whose bytes changed, and removes pages that
    /// are gone. `changed` names the documents (content-relative paths) whose text changed,
    /// that appeared or that were removed since the last update.
    ///
    /// Unless `everything`, only document pages (and the small fixed ones) are rendered here;
    /// the other dirty pages are returned for [`Memo::finish`], so the edited page can be
    /// shown before the large pages that list it are rendered.
    pub fn update(
        &mut self,
        site: &Site,
        templates: &Templates,
        output: &Path,
        changed: &BTreeSet<String>,
        everything: bool,
    ) -> Result<(Update, Deferred), SiteError> {
        let everything = everything || self.pages.is_empty();
        let started = Instant::now();
        if site.reused && !everything && !self.behind {
            let update = self.bodies_only(site, templates, output, changed, started)?;
            return Ok((update, Deferred::default()));
        }
        let pages = fingerprints(site);

        // Links resolve through the URLs of documents: a document that appeared, went away or
        // changed kind changes the links to it.
        let moved: HashSet<&str> = changed
            .iter()
            .filter(|rel| self.urls.get(*rel) != site.urls.get(*rel))
            .map(String::as_str)
            .collect();
        let mut forced: HashSet<usize> = HashSet::new();
        for (i, view) in site.documents.iter().enumerate() {
            if changed.contains(&view.source_path) {
                forced.insert(i);
            }
        }
        if !moved.is_empty() {
            let linking: Vec<usize> = site
                .documents
                .par_iter()
                .enumerate()
                .filter(|(_, view)| {
                    let resolver = site.resolver();
                    site.document(view.index).outline.links.iter().any(|link| {
                        resolver
                            .watched_paths(&view.source_path, &link.dest)
                            .iter()
                            .any(|target| moved.contains(target.as_str()))
                    })
                })
                .map(|(i, _)| i)
                .collect();
            forced.extend(linking);
        }

        let mut dirty: Vec<Page> = Vec::new();
        let mut deferred = Deferred::default();
        let mut next: HashMap<String, u64> = HashMap::with_capacity(pages.len());
        for (page, path, fp) in pages {
            let stale = everything
                || self.pages.get(&path) != Some(&fp)
                || matches!(page, Page::Document(i) if forced.contains(&i));
            if stale && !everything && is_aggregate(page) {
                // Keeps the fingerprint of the file on disk until finish() replaces it.
                if let Some(&old) = self.pages.get(&path) {
                    next.insert(path.clone(), old);
                }
                deferred.pages.push((page, path, fp));
                continue;
            }
            if stale {
                dirty.push(page);
            }
            next.insert(path, fp);
        }
        let plan_time = started.elapsed();
        let started = Instant::now();
        let files = render::render_pages(site, templates, &dirty)?;
        let render_time = started.elapsed();
        let started = Instant::now();
        let mut update = Update {
            plan_time,
            render_time,
            pages: next.len(),
            rendered: files.len(),
            rendered_paths: files.iter().map(|f| f.path.clone()).collect(),
            ..Update::default()
        };
        update.rendered_paths.sort();
        update.written += self.write(output, &files)?;

        let mut statics = HashSet::new();
        if everything {
            let files: Vec<OutputFile> = templates
                .static_files
                .iter()
                .map(|(name, bytes)| OutputFile {
                    path: name.clone(),
                    bytes: bytes.clone(),
                })
                .collect();
            update.written += self.write(output, &files)?;
            statics.extend(files.into_iter().map(|f| f.path));
        } else {
            statics = std::mem::take(&mut self.statics);
        }

        let gone: Vec<String> = self
            .pages
            .keys()
            .chain(self.statics.iter())
            .filter(|path| !next.contains_key(*path) && !statics.contains(*path))
            .cloned()
            .collect();
        for path in &gone {
            remove(output, path).map_err(|e| SiteError::Write {
                path: output.join(path).display().to_string(),
                message: e.to_string(),
            })?;
            self.written.remove(path);
        }
        update.removed = gone.len();

        update.write_time = started.elapsed();
        self.pages = next;
        self.statics = statics;
        self.behind = !deferred.is_empty();
        if everything {
            self.urls = site.urls.clone();
        } else {
            for rel in changed {
                match site.urls.get(rel) {
                    Some(url) => self.urls.insert(rel.clone(), url.clone()),
                    None => self.urls.remove(rel),
                };
            }
        }
        Ok((update, deferred))
    }

    /// Renders and writes the pages [`Memo::update`] deferred. `stop` is asked before each
    /// page (a newer change came in): the pages not rendered keep their old fingerprints, so
    /// the next update finds them dirty again. On an error nothing is written.
    pub fn finish(
        &mut self,
        site: &Site,
        templates: &Templates,
        output: &Path,
        deferred: Deferred,
        stop: &(dyn Fn() -> bool + Sync),
    ) -> Result<Finished, SiteError> {
        let started = Instant::now();
        let pages: Vec<Page> = deferred.pages.iter().map(|(page, ..)| *page).collect();
        let files = render::render_unless(site, templates, &pages, stop)?;
        let render_time = started.elapsed();
        let started = Instant::now();
        let written = self.write(output, &files)?;
        let fingerprints: HashMap<&str, u64> = deferred
            .pages
            .iter()
            .map(|(_, path, fp)| (path.as_str(), *fp))
            .collect();
        for file in &files {
            self.pages
                .insert(file.path.clone(), fingerprints[file.path.as_str()]);
        }
        let complete = files.len() == deferred.pages.len();
        self.behind = !complete;
        let mut rendered_paths: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
        rendered_paths.sort();
        Ok(Finished {
            rendered: files.len(),
            written,
            complete,
            rendered_paths,
            render_time,
            write_time: started.elapsed(),
        })
    }

    /// Pages were left for [`Memo::finish`] and are not all written yet.
    pub fn behind(&self) -> bool {
        self.behind
    }

    /// [`Memo::update`] when `site` is the site of the last update with only the texts of the
    /// `changed` documents different ([`Site::reused`]): their pages are all that can change.
    fn bodies_only(
        &mut self,
        site: &Site,
        templates: &Templates,
        output: &Path,
        changed: &BTreeSet<String>,
        started: Instant,
    ) -> Result<Update, SiteError> {
        let dirty: Vec<Page> = site
            .documents
            .iter()
            .enumerate()
            .filter(|(_, view)| changed.contains(&view.source_path))
            .map(|(i, _)| Page::Document(i))
            .collect();
        let plan_time = started.elapsed();
        let started = Instant::now();
        let files = render::render_pages(site, templates, &dirty)?;
        let render_time = started.elapsed();
        let started = Instant::now();
        let written = self.write(output, &files)?;
        let mut rendered_paths: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
        rendered_paths.sort();
        Ok(Update {
            pages: self.pages.len(),
            rendered: files.len(),
            written,
            removed: 0,
            rendered_paths,
            plan_time,
            render_time,
            write_time: started.elapsed(),
        })
    }

    /// Writes the files whose bytes differ from what was written there last; returns how many.
    fn write(&mut self, output: &Path, files: &[OutputFile]) -> Result<usize, SiteError> {
        let todo: Vec<(&OutputFile, u64)> = files
            .iter()
            .map(|f| (f, bytes_hash(&f.bytes)))
            .filter(|(f, hash)| self.written.get(&f.path) != Some(hash))
            .collect();
        todo.par_iter().try_for_each(|(file, _)| {
            write_file(output, &file.path, &file.bytes).map_err(|e| SiteError::Write {
                path: output.join(&file.path).display().to_string(),
                message: e.to_string(),
            })
        })?;
        for (file, hash) in &todo {
            self.written.insert(file.path.clone(), *hash);
        }
        Ok(todo.len())
    }
}

/// A page that lists many documents, left for the second phase of an update. Document pages
/// are one each and small; the 404 page and robots.txt depend on the settings only.
fn is_aggregate(page: Page) -> bool {
    !matches!(page, Page::Document(_) | Page::NotFound | Page::Robots)
}

/// Writes one file so that readers see the old bytes or the new ones, never a part: into a
/// temporary file beside it, then renamed over it.
pub fn write_file(output: &Path, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
    let path = output.join(rel);
    let parent = path.parent().unwrap_or(output);
    std::fs::create_dir_all(parent)?;
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let temp = parent.join(format!(".{name}.opsbook-{}.tmp", std::process::id()));
    std::fs::write(&temp, bytes)?;
    std::fs::rename(&temp, &path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temp);
    })
}

/// Removes one file and the folders above it that it leaves empty (up to `output`).
pub fn remove(output: &Path, rel: &str) -> std::io::Result<()> {
    let path = output.join(rel);
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d == output || !d.starts_with(output) || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
    Ok(())
}
