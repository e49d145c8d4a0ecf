//! Incremental rendering, for `opsbook serve`: renders only the pages whose inputs changed
//! since the last render and writes only the files whose bytes changed, into an output folder
//! that stays in place (no swap). The search index is not touched: the caller updates it.
//!
//! Every page has a *fingerprint*: the hash of what it is made from ([`PageData`]: its
//! template and the context the template receives, or a file's bytes), and for a document
//! page also of its Markdown and of what each link in it resolves to now. A page is rendered
//! again when its fingerprint changed; pages that no longer exist are removed. The result is
//! the output of [`super::build`] without the search index (`tests/serve_incremental.rs`
//! compares the two after sequences of edits).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use rayon::prelude::*;

use super::SiteError;
use super::fingerprint::hash_of;
use super::model::Site;
use super::render::{self, Body, Page, PageData, Pages};
use super::templates::Templates;
use super::write::OutputFile;
use crate::document::Source;

/// What the files in the output folder were made from, kept between renders.
#[derive(Debug, Default)]
pub struct Memo {
    /// Output path of each page -> its fingerprint when it was rendered.
    pages: HashMap<String, u64>,
    /// Output path -> hash of the bytes written there (pages and static files).
    written: HashMap<String, u64>,
    /// Output path of each document page -> the Markdown it was rendered from.
    bodies: HashMap<String, BodyMemo>,
    /// The templates' static files written last time.
    statics: HashSet<String>,
    /// The files (not documents) each document page links to, by the document's path: what
    /// is published under `files/` (see [`Memo::publish_linked`]).
    linked: HashMap<String, Vec<(String, PathBuf)>>,
    /// Output path of each published linked file -> its source's size and modification time
    /// when it was copied.
    published: HashMap<String, (u64, Option<SystemTime>)>,
    /// The pages that list documents were not all checked since the last change (a second
    /// phase stopped or failed): the next update must check them.
    behind: bool,
}

/// The Markdown a document page was rendered from.
#[derive(Debug, Clone)]
struct BodyMemo {
    /// The document's text, kept so the hash below is recognised as its hash.
    source: Source,
    text_hash: u64,
    /// The link targets its rendering asked to resolve, in order: the same text asks for the
    /// same ones, so what they resolve to now tells whether its links changed.
    links: Vec<String>,
}

/// The pages an update left for [`Memo::finish`]: every page that lists documents (lists,
/// taxonomies, follow-ups, documents.json...), which can take seconds at 10,000 documents.
#[derive(Debug, Default)]
pub struct Deferred {
    pages: Vec<Page>,
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
    /// Pages checked (all of the deferred ones unless `stop` said so).
    pub checked: usize,
    /// Pages rendered again: those whose fingerprint changed.
    pub rendered: usize,
    pub written: usize,
    /// Every deferred page was checked: the folder is up to date.
    pub complete: bool,
    /// The output paths of the pages rendered, sorted.
    pub rendered_paths: Vec<String>,
    /// Building the pages' data, fingerprinting and rendering them.
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

/// A page rendered again, and what the memo keeps of it.
struct Fresh {
    fingerprint: u64,
    body: Option<BodyMemo>,
    file: OutputFile,
}

impl Memo {
    pub fn new() -> Memo {
        Memo::default()
    }

    /// The fingerprint of a page: its data's, and for a document page its Markdown's and what
    /// its links resolve to (`links`: those its last rendering asked for, else the memo's).
    fn fingerprint(&self, site: &Site, data: &PageData, links: Option<&[String]>) -> u64 {
        let made_of = data.fingerprint();
        let Some(body) = data.body() else {
            return made_of;
        };
        let memo = self.bodies.get(&data.path);
        let links = links.or(memo.map(|m| m.links.as_slice())).unwrap_or(&[]);
        let resolved: Vec<(&str, Option<String>)> = links
            .iter()
            .map(|dest| (dest.as_str(), site.resolve_link(body.from, dest)))
            .collect();
        let text = self.text_hash(&data.path, body);
        hash_of(&(made_of, text, body.from, body.unsafe_html, resolved))
    }

    /// The hash of a body's text, from the memo while the document is the same `Arc`.
    fn text_hash(&self, path: &str, body: &Body) -> u64 {
        match self.bodies.get(path) {
            Some(memo) if Arc::ptr_eq(&memo.source, body.source) => memo.text_hash,
            _ => hash_of(&body.text),
        }
    }

    /// Renders `data` and fingerprints it with the links its rendering asked for.
    fn render(
        &self,
        pages: &Pages,
        templates: &Templates,
        data: &PageData,
    ) -> Result<Fresh, SiteError> {
        let rendered = data.render(templates, pages.site())?;
        let body = data.body().map(|body| BodyMemo {
            source: body.source.clone(),
            text_hash: self.text_hash(&data.path, body),
            links: rendered.links.clone(),
        });
        Ok(Fresh {
            fingerprint: self.fingerprint(pages.site(), data, Some(&rendered.links)),
            body,
            file: rendered.file,
        })
    }

    /// Writes what was rendered and remembers it; returns how many files were written.
    fn keep(&mut self, output: &Path, fresh: Vec<Fresh>) -> Result<usize, SiteError> {
        let mut files = Vec::with_capacity(fresh.len());
        let mut kept = Vec::with_capacity(fresh.len());
        for f in fresh {
            kept.push((f.file.path.clone(), f.fingerprint, f.body));
            files.push(f.file);
        }
        let written = self.write(output, &files)?;
        for (path, fingerprint, body) in kept {
            self.pages.insert(path.clone(), fingerprint);
            match body {
                Some(body) => self.bodies.insert(path, body),
                None => self.bodies.remove(&path),
            };
        }
        Ok(written)
    }

    /// Brings the files in `output` up to date with `site`: renders the pages whose
    /// fingerprint changed since the last update (every page the first time, or with
    /// `everything`, after a template or config change), writes those whose bytes changed, and
    /// removes pages that are gone. `changed` names the documents (content-relative paths)
    /// whose text changed, that appeared or that were removed since the last update.
    ///
    /// Unless `everything`, only document pages (and the small fixed ones) are brought up to
    /// date here; the pages that list documents are returned for [`Memo::finish`], so the
    /// edited page can be shown before the large pages that list it are rendered.
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
        let pages = Pages::new(site);
        let all = render::all_pages(site);
        let (first, lists): (Vec<Page>, Vec<Page>) = if site.reused && !everything && !self.behind {
            // Only texts changed, in what no view shows: their own pages are all that can
            // change (no other page is made from a body), and the lists are as they were.
            let edited = site
                .documents
                .iter()
                .enumerate()
                .filter(|(_, view)| changed.contains(&view.source_path))
                .map(|(i, _)| Page::Document(i))
                .collect();
            (edited, Vec::new())
        } else {
            all.iter().partition(|page| !is_aggregate(**page))
        };
        let dirty: Vec<Page> = first
            .par_iter()
            .filter(|&&page| {
                let data = pages.data(page);
                everything
                    || self.pages.get(&data.path) != Some(&self.fingerprint(site, &data, None))
            })
            .copied()
            .collect();
        let plan_time = started.elapsed();

        let started = Instant::now();
        let fresh: Vec<Fresh> = dirty
            .par_iter()
            .map(|&page| self.render(&pages, templates, &pages.data(page)))
            .collect::<Result<_, _>>()?;
        let render_time = started.elapsed();
        let started = Instant::now();
        let mut update = Update {
            plan_time,
            render_time,
            rendered: fresh.len(),
            rendered_paths: sorted(fresh.iter().map(|f| f.file.path.clone())),
            ..Update::default()
        };
        update.written = self.keep(output, fresh)?;
        let relink = everything || !site.reused || self.behind;
        update.written += self.publish_linked(site, output, changed, relink)?;
        if !site.reused || everything || self.behind {
            let paths: HashSet<String> = all.iter().map(|p| p.path(site)).collect();
            update.written += self.write_statics(output, templates, everything)?;
            update.removed = self.remove_gone(output, &paths)?;
        }
        update.pages = self.pages.len();
        update.write_time = started.elapsed();

        let mut deferred = Deferred { pages: lists };
        if everything && !deferred.is_empty() {
            let done = self.check(&pages, templates, output, &deferred.pages, true, &|| false)?;
            update.rendered += done.rendered;
            update.written += done.written;
            update.rendered_paths =
                sorted(update.rendered_paths.into_iter().chain(done.rendered_paths));
            update.render_time += done.render_time;
            update.write_time += done.write_time;
            update.pages = self.pages.len();
            deferred = Deferred::default();
        }
        self.behind = !deferred.is_empty();
        Ok((update, deferred))
    }

    /// Checks the pages [`Memo::update`] deferred and renders and writes those whose
    /// fingerprint changed. `stop` is asked before each page (a newer change came in): the
    /// pages not checked are checked by the next update. On an error nothing is written.
    pub fn finish(
        &mut self,
        site: &Site,
        templates: &Templates,
        output: &Path,
        deferred: Deferred,
        stop: &(dyn Fn() -> bool + Sync),
    ) -> Result<Finished, SiteError> {
        let pages = Pages::new(site);
        let done = self.check(&pages, templates, output, &deferred.pages, false, stop)?;
        self.behind = !done.complete;
        Ok(done)
    }

    /// Fingerprints `list` (each page's data is built once, here) and renders the pages
    /// whose fingerprint changed (all with `force`), unless `stop`.
    fn check(
        &mut self,
        pages: &Pages,
        templates: &Templates,
        output: &Path,
        list: &[Page],
        force: bool,
        stop: &(dyn Fn() -> bool + Sync),
    ) -> Result<Finished, SiteError> {
        let started = Instant::now();
        let checked = AtomicUsize::new(0);
        let fresh: Vec<Fresh> = list
            .par_iter()
            .filter(|_| !stop())
            .filter_map(|&page| {
                checked.fetch_add(1, Ordering::Relaxed);
                let data = pages.data(page);
                let same = self.pages.get(&data.path)
                    == Some(&self.fingerprint(pages.site(), &data, None));
                (force || !same).then(|| self.render(pages, templates, &data))
            })
            .collect::<Result<_, _>>()?;
        let render_time = started.elapsed();
        let started = Instant::now();
        let rendered_paths = sorted(fresh.iter().map(|f| f.file.path.clone()));
        let rendered = fresh.len();
        let written = self.keep(output, fresh)?;
        let checked = checked.into_inner();
        Ok(Finished {
            checked,
            rendered,
            written,
            complete: checked == list.len(),
            rendered_paths,
            render_time,
            write_time: started.elapsed(),
        })
    }

    /// Pages were left for [`Memo::finish`] and are not all checked yet.
    pub fn behind(&self) -> bool {
        self.behind
    }

    /// Publishes the files document pages link to (images, attachments), as a full build
    /// does: copies those that are new or changed on disk, removes those no page links to any
    /// more. The links are looked at again for the `changed` documents, or all with `all`.
    fn publish_linked(
        &mut self,
        site: &Site,
        output: &Path,
        changed: &BTreeSet<String>,
        all: bool,
    ) -> Result<usize, SiteError> {
        if all {
            self.linked.clear();
        }
        for view in &site.documents {
            if all || changed.contains(&view.source_path) {
                self.linked
                    .insert(view.source_path.clone(), site.files_linked_by(view));
            }
        }
        if !all {
            // A changed document may be gone.
            let present: HashSet<&str> = site
                .documents
                .iter()
                .map(|v| v.source_path.as_str())
                .collect();
            self.linked
                .retain(|path, _| present.contains(path.as_str()));
        }
        let wanted: HashMap<String, PathBuf> = self
            .linked
            .values()
            .flatten()
            .map(|(path, source)| (super::files::published_path(path, false), source.clone()))
            .collect();
        let mut files = Vec::new();
        let mut stamps = Vec::new();
        for (path, source) in &wanted {
            let stamp = std::fs::metadata(source).map(|m| (m.len(), m.modified().ok()));
            let Ok(stamp) = stamp else { continue };
            if self.published.get(path) == Some(&stamp) {
                continue;
            }
            let bytes =
                super::files::read_linked_file(source).map_err(|message| SiteError::Write {
                    path: source.display().to_string(),
                    message,
                })?;
            files.push(OutputFile {
                path: path.clone(),
                bytes,
            });
            stamps.push((path.clone(), stamp));
        }
        let written = self.write(output, &files)?;
        self.published.extend(stamps);
        let gone: Vec<String> = self
            .published
            .keys()
            .filter(|path| !wanted.contains_key(*path))
            .cloned()
            .collect();
        for path in gone {
            self.remove_file(output, &path)?;
            self.published.remove(&path);
        }
        Ok(written)
    }

    /// Writes the templates' static files (with `everything`; they change only with the
    /// templates). Returns how many were written.
    fn write_statics(
        &mut self,
        output: &Path,
        templates: &Templates,
        everything: bool,
    ) -> Result<usize, SiteError> {
        if !everything {
            return Ok(0);
        }
        let files: Vec<OutputFile> = render::static_files(templates).collect();
        let written = self.write(output, &files)?;
        let statics: HashSet<String> = files.into_iter().map(|f| f.path).collect();
        for gone in self
            .statics
            .difference(&statics)
            .cloned()
            .collect::<Vec<_>>()
        {
            if !self.pages.contains_key(&gone) {
                self.remove_file(output, &gone)?;
            }
        }
        self.statics = statics;
        Ok(written)
    }

    /// Removes the pages that are not among `paths` (and not static files). Returns how many.
    fn remove_gone(&mut self, output: &Path, paths: &HashSet<String>) -> Result<usize, SiteError> {
        let gone: Vec<String> = self
            .pages
            .keys()
            .filter(|path| !paths.contains(*path) && !self.statics.contains(*path))
            .cloned()
            .collect();
        for path in &gone {
            self.remove_file(output, path)?;
            self.pages.remove(path);
            self.bodies.remove(path);
        }
        Ok(gone.len())
    }

    fn remove_file(&mut self, output: &Path, path: &str) -> Result<(), SiteError> {
        remove(output, path).map_err(|e| SiteError::Write {
            path: output.join(path).display().to_string(),
            message: e.to_string(),
        })?;
        self.written.remove(path);
        Ok(())
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

fn bytes_hash(bytes: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

fn sorted(paths: impl Iterator<Item = String>) -> Vec<String> {
    let mut paths: Vec<String> = paths.collect();
    paths.sort();
    paths
}

/// A page that lists many documents, left for the second phase of an update. Document pages
/// are one each and small; the 404 page and robots.txt depend on the settings only.
fn is_aggregate(page: Page) -> bool {
    !matches!(page, Page::Document(_) | Page::NotFound | Page::Robots)
}

/// Writes one file so that readers see the old bytes or the new ones, never a part: into a
/// temporary file beside it, then renamed over it. Folders are created below `output`, never
/// `output` itself: once it is removed (`opsbook serve` stopping), writes fail.
pub fn write_file(output: &Path, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
    let path = output.join(rel);
    let parent = path.parent().unwrap_or(output);
    create_below(output, parent)?;
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let temp = parent.join(format!(".{name}.opsbook-{}.tmp", std::process::id()));
    std::fs::write(&temp, bytes)?;
    std::fs::rename(&temp, &path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temp);
    })
}

/// Creates `dir` and the folders between `output` and it, one `mkdir` each, so a missing
/// `output` is an error rather than made again (as `create_dir_all` would).
fn create_below(output: &Path, dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let Ok(rel) = dir.strip_prefix(output) else {
        return Err(std::io::Error::other("a folder outside the output folder"));
    };
    let mut current = output.to_path_buf();
    for part in rel.components() {
        current.push(part);
        match std::fs::create_dir(&current) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && current.is_dir() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
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
