//! The site model: what every page shows, computed once from the parsed documents.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::config::Config;
use crate::document::{Document, Kind};

#[derive(Debug, Clone, Serialize)]
pub struct SiteInfo {
    pub title: String,
    pub description: String,
    /// As configured: "/" or a full URL.
    pub base_url: String,
    /// The path part of base_url, always ending in "/": every link starts with it.
    pub base_path: String,
    pub today: String,
    /// Whether the search box is shown, and the index bundles it loads.
    pub search: super::search::SearchView,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkView {
    pub id: String,
    pub title: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FollowUpView {
    pub action: String,
    pub owner: String,
    pub due: String,
    pub status: String,
    pub ticket: String,
    /// The ticket when it is an http(s) URL, for a link; empty otherwise.
    pub ticket_url: String,
    pub overdue: bool,
}

/// Everything a template knows about one document.
#[derive(Debug, Clone, Serialize)]
pub struct DocView {
    /// Index into the parsed documents.
    #[serde(skip)]
    pub index: usize,
    pub id: String,
    pub kind: Kind,
    pub title: String,
    pub url: String,
    pub source_path: String,
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
    pub related_runbooks: Vec<LinkView>,
    pub related_postmortems: Vec<LinkView>,
    /// Postmortems whose related_runbooks name this runbook.
    pub referenced_by: Vec<LinkView>,
    pub follow_ups: Vec<FollowUpView>,
    pub open_follow_ups: usize,
    pub overdue_follow_ups: usize,
    #[serde(skip)]
    pub started: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceGroup {
    pub service: String,
    pub runbooks: Vec<DocView>,
}

pub struct Site<'a> {
    pub info: SiteInfo,
    docs: &'a [Document],
    /// Documents with a kind, in discovery order.
    pub documents: Vec<DocView>,
    /// Content-relative path -> page URL, for rewriting `.md` links.
    pub urls: HashMap<String, String>,
}

/// "3 min", "1 h 05 min", "2 d 4 h".
pub fn human_duration(d: SignedDuration) -> String {
    let minutes = d.as_secs() / 60;
    if minutes < 0 {
        return "n/a".into();
    }
    let (days, hours, mins) = (minutes / 1440, (minutes / 60) % 24, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{mins} min"),
        (0, h) => format!("{h} h {mins:02} min"),
        (d, h) => format!("{d} d {h} h"),
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
    pub fn new(config: &Config, docs: &'a [Document], today: Date) -> Site<'a> {
        let base = base_path(&config.site.base_url);
        let url_of = |doc: &Document| format!("{base}{}", doc.url_path().trim_start_matches('/'));
        let scale = &config.schema.severities;
        let mut documents: Vec<DocView> = docs
            .iter()
            .enumerate()
            .filter(|(_, d)| d.is_usable() && d.kind.is_some())
            .map(|(index, doc)| {
                let meta = doc.meta();
                let kind = doc.kind.unwrap_or(Kind::Runbook);
                let severity = meta.severity.clone().unwrap_or_default();
                let follow_ups: Vec<FollowUpView> = meta
                    .follow_ups
                    .iter()
                    .map(|f| FollowUpView {
                        action: f.action.clone().unwrap_or_default(),
                        owner: f.owner.clone().unwrap_or_default(),
                        due: f.due.map(|d| d.to_string()).unwrap_or_default(),
                        status: f.status.clone(),
                        ticket: f.ticket.clone().unwrap_or_default(),
                        ticket_url: f
                            .ticket
                            .clone()
                            .filter(|t| t.starts_with("https://") || t.starts_with("http://"))
                            .unwrap_or_default(),
                        overdue: f.is_overdue(today),
                    })
                    .collect();
                let duration =
                    |d: Option<SignedDuration>| d.map(human_duration).unwrap_or_default();
                let mitigate = meta
                    .mitigated_at
                    .zip(meta.started_at)
                    .map(|(m, s)| m.duration_since(s));
                DocView {
                    index,
                    id: doc.id.clone(),
                    kind,
                    title: meta.title.clone().unwrap_or_else(|| doc.slug.clone()),
                    url: url_of(doc),
                    source_path: doc.rel_path.clone(),
                    owner: meta.owner.clone().unwrap_or_default(),
                    severity_rank: scale
                        .iter()
                        .position(|s| *s == severity)
                        .map_or(0, |p| p + 1),
                    severity,
                    services: meta.services.clone(),
                    status: meta.status.clone().unwrap_or_default(),
                    tags: meta.tags.clone(),
                    rollback: meta.rollback.clone().unwrap_or_default(),
                    last_reviewed: meta
                        .last_reviewed
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                    review_interval: meta.review_interval,
                    alerts: meta.alerts.clone(),
                    escalation: meta.escalation.clone().unwrap_or_default(),
                    started_at: ts(meta.started_at),
                    detected_at: ts(meta.detected_at),
                    mitigated_at: ts(meta.mitigated_at),
                    resolved_at: ts(meta.resolved_at),
                    date: meta
                        .started_at
                        .map(|t| t.strftime("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                    time_to_detect: duration(meta.time_to_detect()),
                    time_to_mitigate: duration(mitigate),
                    time_to_restore: duration(meta.time_to_restore()),
                    trigger: meta.trigger.clone().unwrap_or_default(),
                    detection: meta.detection.clone().unwrap_or_default(),
                    data_exposure: meta.data_exposure.clone().unwrap_or_default(),
                    related_runbooks: Vec::new(),
                    related_postmortems: Vec::new(),
                    referenced_by: Vec::new(),
                    open_follow_ups: follow_ups
                        .iter()
                        .filter(|f| matches!(f.status.as_str(), "open" | "in_progress"))
                        .count(),
                    overdue_follow_ups: follow_ups.iter().filter(|f| f.overdue).count(),
                    follow_ups,
                    started: meta.started_at,
                }
            })
            .collect();

        // Cross references, resolved by id.
        let by_id: HashMap<String, LinkView> = documents
            .iter()
            .map(|d| {
                let link = LinkView {
                    id: d.id.clone(),
                    title: d.title.clone(),
                    url: d.url.clone(),
                };
                (d.id.clone(), link)
            })
            .collect();
        let mut referenced: HashMap<String, Vec<LinkView>> = HashMap::new();
        for view in &mut documents {
            let meta = docs[view.index].meta();
            let resolve = |ids: &[String]| -> Vec<LinkView> {
                ids.iter().filter_map(|id| by_id.get(id).cloned()).collect()
            };
            view.related_runbooks = resolve(&meta.related_runbooks);
            view.related_postmortems = resolve(&meta.related_postmortems);
            for runbook in &view.related_runbooks {
                referenced
                    .entry(runbook.id.clone())
                    .or_default()
                    .push(LinkView {
                        id: view.id.clone(),
                        title: view.title.clone(),
                        url: view.url.clone(),
                    });
            }
        }
        for view in &mut documents {
            if let Some(refs) = referenced.remove(&view.id) {
                view.referenced_by = refs;
            }
        }

        let urls = docs
            .iter()
            .filter(|d| d.kind.is_some())
            .map(|d| (d.rel_path.clone(), url_of(d)))
            .collect();
        let search = super::search::SearchView::new(&config.search, &base, documents.len());
        Site {
            info: SiteInfo {
                title: config.site.title.clone(),
                description: config.site.description.clone(),
                base_url: config.site.base_url.clone(),
                base_path: base,
                today: today.to_string(),
                search,
            },
            docs,
            documents,
            urls,
        }
    }

    /// The Markdown body of the document at `index`.
    pub fn body(&self, index: usize) -> &'a str {
        self.docs[index].body()
    }

    pub fn of_kind(&self, kind: Kind) -> Vec<DocView> {
        self.documents
            .iter()
            .filter(|d| d.kind == kind)
            .cloned()
            .collect()
    }

    /// Postmortems, newest incident first.
    pub fn postmortems_newest_first(&self) -> Vec<DocView> {
        let mut list = self.of_kind(Kind::Postmortem);
        list.sort_by(|a, b| {
            b.started
                .cmp(&a.started)
                .then_with(|| a.title.cmp(&b.title))
        });
        list
    }

    /// Runbooks by title.
    pub fn runbooks_by_title(&self) -> Vec<DocView> {
        let mut list = self.of_kind(Kind::Runbook);
        list.sort_by_key(|d| d.title.to_lowercase());
        list
    }

    /// Runbooks grouped by service (a runbook appears under each of its services).
    pub fn runbooks_by_service(&self) -> Vec<ServiceGroup> {
        let mut groups: BTreeMap<String, Vec<DocView>> = BTreeMap::new();
        for runbook in self.runbooks_by_title() {
            for service in &runbook.services {
                groups
                    .entry(service.clone())
                    .or_default()
                    .push(runbook.clone());
            }
        }
        groups
            .into_iter()
            .map(|(service, runbooks)| ServiceGroup { service, runbooks })
            .collect()
    }

    /// Resolves a relative Markdown link written in the document at `from` (content-relative)
    /// to the target's page URL, keeping any `#fragment`.
    pub fn resolve_link(&self, from: &str, dest: &str) -> Option<String> {
        let (path, fragment) = match dest.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (dest, None),
        };
        if path.is_empty()
            || path.starts_with('/')
            || path.contains("://")
            || path.starts_with("mailto:")
        {
            return None;
        }
        let target = resolve_relative(from, path)?;
        let url = self.urls.get(&target)?;
        Some(match fragment {
            Some(f) => format!("{url}#{f}"),
            None => url.clone(),
        })
    }
}

/// Joins a relative path to the folder of `from` and normalises `.` and `..`.
pub fn resolve_relative(from: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
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
    fn relative_links() {
        assert_eq!(
            resolve_relative("postmortems/a.md", "../runbooks/b.md").as_deref(),
            Some("runbooks/b.md")
        );
        assert_eq!(
            resolve_relative("postmortems/a.md", "./c.md").as_deref(),
            Some("postmortems/c.md")
        );
        assert_eq!(resolve_relative("a.md", "../x.md"), None);
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human_duration(SignedDuration::from_mins(3)), "3 min");
        assert_eq!(human_duration(SignedDuration::from_mins(65)), "1 h 05 min");
        assert_eq!(human_duration(SignedDuration::from_hours(52)), "2 d 4 h");
    }
}
