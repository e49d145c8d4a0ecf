//! Files for other programs: the Atom feed of postmortems, sitemap.xml, robots.txt (all three
//! rendered from overridable templates) and documents.json (every document's metadata).

use serde::Serialize;

use super::model::{DocView, Site};
use crate::document::Kind;
use crate::document::links;

/// The version of documents.json's layout; it changes only when a field is removed or changes
/// meaning (new fields may appear in any release).
pub const DOCUMENTS_JSON_VERSION: u32 = 1;

/// How many postmortems the feed carries (the newest ones).
pub const FEED_ENTRIES: usize = 50;

/// A URL readers outside the site can use: absolute when base_url is, else the path.
pub fn absolute(site: &Site, path: &str) -> String {
    if site.info.canonical_base.is_empty() {
        return path.to_string();
    }
    let rel = path
        .strip_prefix(site.info.base_path.as_str())
        .unwrap_or(path.trim_start_matches('/'));
    format!("{}{rel}", site.info.canonical_base)
}

#[derive(Debug, Serialize)]
pub struct FeedEntry<'a> {
    pub doc: &'a DocView,
    /// The page's URL for the feed (absolute when base_url is).
    pub link: String,
    /// A stable id: the absolute URL, else `urn:opsbook:postmortem:<id>`.
    pub id: String,
    /// RFC 3339: the last git change, else resolved_at, else started_at, else today.
    pub updated: String,
    /// RFC 3339 started_at, or empty.
    pub published: String,
}

/// The newest postmortems for the Atom feed, and the feed's own `updated`.
pub fn feed<'s>(site: &'s Site<'_>) -> (Vec<FeedEntry<'s>>, String) {
    let mut postmortems: Vec<&DocView> = site
        .documents
        .iter()
        .filter(|d| d.kind == Kind::Postmortem)
        .collect();
    postmortems.sort_by(|a, b| super::model::list_order(a, b));
    let today = format!("{}T00:00:00Z", site.info.today);
    let entries: Vec<FeedEntry> = postmortems
        .into_iter()
        .take(FEED_ENTRIES)
        .map(|doc| {
            let link = absolute(site, &doc.url);
            let id = if site.info.canonical_base.is_empty() {
                format!("urn:opsbook:postmortem:{}", doc.id)
            } else {
                link.clone()
            };
            let updated = doc
                .updated
                .or(doc.resolved)
                .or(doc.started)
                .map_or_else(|| today.clone(), |t| t.to_string());
            FeedEntry {
                doc,
                link,
                id,
                updated,
                published: doc.started.map(|t| t.to_string()).unwrap_or_default(),
            }
        })
        .collect();
    let updated = entries
        .iter()
        .map(|e| e.updated.clone())
        .max()
        .unwrap_or(today);
    (entries, updated)
}

#[derive(Debug, Serialize)]
pub struct SitemapEntry {
    pub loc: String,
    /// YYYY-MM-DD of the last git change, or empty.
    pub lastmod: String,
}

/// The folder of the output that holds the files documents link to (images, PDFs, scripts),
/// under their content-relative paths: no page of the site is in it, so none can clash.
pub const PUBLISHED_FOLDER: &str = "files";

/// Where a linked content file is published, relative to the output folder: `files/<path>`,
/// escaped for a URL with `escaped`, else as the file name on disk.
pub fn published_path(content_path: &str, escaped: bool) -> String {
    let path = if escaped {
        links::encode_path(content_path)
    } else {
        content_path.to_string()
    };
    format!("{PUBLISHED_FOLDER}/{path}")
}

/// The bytes of a linked file, read to at most [`links::MAX_PUBLISHED_BYTES`] (lint reports
/// larger ones; this guards against a file that grew since), never blocking on a file that is
/// not regular (a FIFO put there since the link was resolved).
pub fn read_linked_file(source: &std::path::Path) -> Result<Vec<u8>, String> {
    crate::parse::read_regular_file(source, links::MAX_PUBLISHED_BYTES).map_err(|e| e.to_string())
}

/// Every HTML page among `paths` (output paths; 404.html and other files are left out), with
/// its last change when known.
pub fn sitemap(site: &Site, paths: &[String]) -> Vec<SitemapEntry> {
    let lastmod: std::collections::HashMap<&str, &str> = site
        .documents
        .iter()
        .filter_map(|d| d.git.as_ref().map(|g| (d.url.as_str(), g.updated.as_str())))
        .collect();
    let mut entries: Vec<SitemapEntry> = paths
        .iter()
        .filter_map(|path| {
            let dir = path.strip_suffix("index.html")?;
            let path = format!("{}{}", site.info.base_path, links::encode_path(dir));
            Some(SitemapEntry {
                loc: absolute(site, &path),
                lastmod: lastmod
                    .get(path.as_str())
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
            })
        })
        .collect();
    entries.sort_by(|a, b| a.loc.cmp(&b.loc));
    entries
}

/// One document in documents.json.
#[derive(Debug, Serialize)]
struct Record<'a> {
    id: &'a str,
    kind: Kind,
    title: &'a str,
    /// The page, absolute when base_url is a full URL.
    url: String,
    /// Relative to the content folder.
    path: &'a str,
    /// Relative to the repository root.
    repo_path: &'a str,
    owner: &'a str,
    severity: &'a str,
    services: &'a [String],
    tags: &'a [String],
    status: &'a str,
    summary: &'a str,
    rollback: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    git: Option<GitRecord<'a>>,
    #[serde(skip_serializing_if = "str::is_empty")]
    edit_url: &'a str,
    #[serde(flatten)]
    kind_fields: KindFields<'a>,
}

#[derive(Debug, Serialize)]
struct GitRecord<'a> {
    updated: &'a str,
    commit: &'a str,
    summary: &'a str,
    contributors: &'a [String],
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum KindFields<'a> {
    Runbook {
        last_reviewed: Option<&'a str>,
        review_interval: Option<i64>,
        alerts: &'a [String],
        escalation: Option<&'a str>,
        /// Ids of postmortems that list this runbook.
        referenced_by: Vec<&'a str>,
    },
    Postmortem {
        started_at: Option<String>,
        detected_at: Option<String>,
        mitigated_at: Option<String>,
        resolved_at: Option<String>,
        time_to_detect_minutes: Option<f64>,
        time_to_restore_minutes: Option<f64>,
        trigger: Option<&'a str>,
        detection: Option<&'a str>,
        data_exposure: Option<&'a str>,
        related_runbooks: Vec<&'a str>,
        related_postmortems: Vec<&'a str>,
        follow_ups: Vec<FollowUpRecord<'a>>,
    },
}

#[derive(Debug, Serialize)]
struct FollowUpRecord<'a> {
    action: &'a str,
    owner: &'a str,
    due: Option<&'a str>,
    status: &'a str,
    ticket: Option<&'a str>,
    overdue: bool,
}

fn opt(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

#[derive(Serialize)]
struct DocumentsFile<'a> {
    version: u32,
    generator: &'static str,
    /// The date overdue follow-ups were computed against.
    generated: &'a str,
    site: SiteRecord<'a>,
    documents: Records<'a>,
}

#[derive(Debug, Serialize)]
struct SiteRecord<'a> {
    title: &'a str,
    base_url: &'a str,
}

/// documents.json: every document's metadata, runbooks by title then postmortems newest first,
/// written to `out` record by record (200 MB at 100,000 documents is never held whole).
pub fn write_documents_json(site: &Site, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut docs: Vec<&DocView> = site.documents.iter().collect();
    docs.sort_by(|a, b| super::model::list_order(a, b));
    let file = DocumentsFile {
        version: DOCUMENTS_JSON_VERSION,
        generator: concat!("opsbook ", env!("CARGO_PKG_VERSION")),
        generated: &site.info.today,
        site: SiteRecord {
            title: &site.info.title,
            base_url: &site.info.base_url,
        },
        documents: Records { site, docs },
    };
    serde_json::to_writer_pretty(&mut *out, &file).map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}

/// documents.json's `documents`, each record made as it is written.
struct Records<'a> {
    site: &'a Site<'a>,
    docs: Vec<&'a DocView>,
}

impl Serialize for Records<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.docs.iter().map(|d| record(self.site, d)))
    }
}

/// One document's record in documents.json.
fn record<'a>(site: &Site, d: &'a DocView) -> Record<'a> {
    let minutes = |a: Option<jiff::Timestamp>, b: Option<jiff::Timestamp>| -> Option<f64> {
        let secs = b?.duration_since(a?).as_secs_f64();
        (secs >= 0.0).then_some((secs / 60.0 * 10.0).round() / 10.0)
    };
    Record {
        id: &d.id,
        kind: d.kind,
        title: &d.title,
        url: absolute(site, &d.url),
        path: &d.source_path,
        repo_path: &d.repo_path,
        owner: &d.owner,
        severity: &d.severity,
        services: &d.services,
        tags: &d.tags,
        status: &d.status,
        summary: &d.summary,
        rollback: &d.rollback,
        git: d.git.as_ref().map(|g| GitRecord {
            updated: &g.updated_at,
            commit: &g.commit,
            summary: &g.summary,
            contributors: &g.contributors,
        }),
        edit_url: &d.edit_url,
        kind_fields: match d.kind {
            Kind::Runbook => KindFields::Runbook {
                last_reviewed: opt(&d.last_reviewed),
                review_interval: d.review_interval,
                alerts: &d.alerts,
                escalation: opt(&d.escalation),
                referenced_by: d.referenced_by.iter().map(|l| l.id.as_str()).collect(),
            },
            Kind::Postmortem => KindFields::Postmortem {
                started_at: d.started.map(|t| t.to_string()),
                detected_at: d.detected.map(|t| t.to_string()),
                mitigated_at: d.mitigated.map(|t| t.to_string()),
                resolved_at: d.resolved.map(|t| t.to_string()),
                time_to_detect_minutes: minutes(d.started, d.detected),
                time_to_restore_minutes: minutes(d.started, d.resolved),
                trigger: opt(&d.trigger),
                detection: opt(&d.detection),
                data_exposure: opt(&d.data_exposure),
                related_runbooks: d.related_runbooks.iter().map(|l| l.id.as_str()).collect(),
                related_postmortems: d
                    .related_postmortems
                    .iter()
                    .map(|l| l.id.as_str())
                    .collect(),
                follow_ups: d
                    .follow_ups
                    .iter()
                    .map(|f| FollowUpRecord {
                        action: &f.action,
                        owner: &f.owner,
                        due: opt(&f.due),
                        status: &f.status,
                        ticket: opt(&f.ticket),
                        overdue: f.overdue,
                    })
                    .collect(),
            },
        },
    }
}
