//! The git facts the lint needs: when a document last changed, for runbooks that do not say
//! when they were last reviewed.

use std::collections::HashMap;
use std::path::Path;

use jiff::civil::Date;

use crate::document::{Document, Kind};

/// Last commit date (UTC) of each runbook without `last_reviewed`, keyed by content-relative
/// path. One walk over the history, newest first, that stops as soon as every wanted path is
/// found. Empty when the content is not in a git repository.
pub fn last_commit_dates(content_dir: &Path, docs: &[Document]) -> HashMap<String, Date> {
    let wanted: Vec<&Document> = docs
        .iter()
        .filter(|d| {
            d.kind == Some(Kind::Runbook) && d.field("last_reviewed").is_none_or(|n| n.is_empty())
        })
        .collect();
    if wanted.is_empty() {
        return HashMap::new();
    }
    walk(content_dir, &wanted).unwrap_or_default()
}

fn walk(content_dir: &Path, wanted: &[&Document]) -> Result<HashMap<String, Date>, git2::Error> {
    let repo = git2::Repository::discover(content_dir)?;
    if repo.is_shallow() {
        // A shallow clone (CI's default) makes every file look changed in the newest commit.
        return Ok(HashMap::new());
    }
    let Some(workdir) = repo.workdir() else {
        return Ok(HashMap::new());
    };
    let workdir = workdir
        .canonicalize()
        .map_err(|e| git2::Error::from_str(&e.to_string()))?;
    let content = content_dir
        .canonicalize()
        .map_err(|e| git2::Error::from_str(&e.to_string()))?;
    let Ok(prefix) = content.strip_prefix(&workdir) else {
        return Ok(HashMap::new());
    };
    // (path in the repository, content-relative path)
    let mut pending: Vec<(std::path::PathBuf, String)> = wanted
        .iter()
        .map(|d| (prefix.join(&d.rel_path), d.rel_path.clone()))
        .collect();
    let mut dates = HashMap::new();
    let mut revwalk = repo.revwalk()?;
    if revwalk.push_head().is_err() {
        return Ok(dates); // No commits yet.
    }
    revwalk.set_sorting(git2::Sort::TIME)?;
    for oid in revwalk {
        if pending.is_empty() {
            break;
        }
        let commit = repo.find_commit(oid?)?;
        let tree = commit.tree()?;
        let parent_tree = match commit.parent(0) {
            Ok(parent) => Some(parent.tree()?),
            Err(_) => None,
        };
        pending.retain(|(repo_path, rel)| {
            let here = tree.get_path(repo_path).ok().map(|e| e.id());
            let before = parent_tree
                .as_ref()
                .and_then(|t| t.get_path(repo_path).ok())
                .map(|e| e.id());
            if here.is_some() && here != before {
                let seconds = commit.time().seconds();
                if let Ok(ts) = jiff::Timestamp::from_second(seconds) {
                    dates.insert(rel.clone(), ts.to_zoned(jiff::tz::TimeZone::UTC).date());
                }
                return false;
            }
            true
        });
    }
    Ok(dates)
}
