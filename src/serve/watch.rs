//! Which paths `opsbook serve` watches, and what a file-system event means for the site.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use notify::{EventKind, RecursiveMode, Watcher};

use super::workspace::Change;

/// The watched places, as absolute paths (the way the watcher reports events).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Places {
    /// The knowledge base root: watched on its own (not recursively) for the config file and
    /// for the content and templates folders appearing.
    pub root: PathBuf,
    pub config: PathBuf,
    pub content: PathBuf,
    pub templates: PathBuf,
    /// Which content files are documents (`[documents]` patterns).
    pub documents: std::sync::Arc<crate::document::mapping::Mapping>,
}

/// An absolute path with symlinks resolved as far as the path exists, so it compares equal
/// to the paths in events.
pub fn resolve(path: &Path) -> PathBuf {
    let absolute = crate::absolute(path);
    if let Ok(real) = absolute.canonicalize() {
        return real;
    }
    match (absolute.parent(), absolute.file_name()) {
        (Some(parent), Some(name)) => resolve(parent).join(name),
        _ => absolute,
    }
}

impl Places {
    pub fn new(config: &crate::config::Config, config_path: &Path) -> Places {
        Places {
            root: resolve(&config.root),
            config: resolve(config_path),
            content: resolve(&config.content_dir()),
            templates: resolve(&config.templates_dir()),
            documents: config.mapping().clone(),
        }
    }

    /// What a changed path means, or `None` for a path that does not matter (editor swap
    /// files, hidden files, anything outside the watched places).
    pub fn classify(&self, path: &Path) -> Option<Change> {
        if path == self.config {
            return Some(Change::Config);
        }
        if let Ok(rel) = path.strip_prefix(&self.content) {
            let parts: Vec<String> = rel
                .components()
                .filter_map(|c| match c {
                    Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                    _ => None,
                })
                .collect();
            if parts.iter().any(|p| p.starts_with('.')) {
                return None;
            }
            let rel = parts.join("/");
            if self.documents.is_document(&rel) {
                return Some(Change::Document(rel));
            }
            if rel.ends_with('~') || rel.ends_with(".swp") || rel.ends_with(".tmp") {
                return None;
            }
            // A folder, or a file that is not Markdown (which discovery skips anyway).
            return Some(Change::Rescan);
        }
        if let Ok(rel) = path.strip_prefix(&self.templates) {
            let hidden = rel
                .components()
                .any(|c| matches!(c, Component::Normal(s) if s.to_string_lossy().starts_with('.')));
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            if hidden || name.ends_with('~') || name.ends_with(".swp") {
                return None;
            }
            return Some(Change::Templates);
        }
        None
    }

    /// The changes in a batch of events (see [`may_change`]).
    pub fn changes<'a>(
        &self,
        events: impl IntoIterator<Item = &'a notify::Event>,
    ) -> BTreeSet<Change> {
        let mut changes = BTreeSet::new();
        for event in events {
            if !may_change(event) {
                continue;
            }
            for path in &event.paths {
                if let Some(change) = self.classify(path) {
                    changes.insert(change);
                }
            }
        }
        changes
    }

    /// The (path, mode) pairs to watch. Folders that do not exist yet are left out; the root
    /// watch sees them appear.
    fn wanted(&self) -> Vec<(PathBuf, RecursiveMode)> {
        let mut wanted = vec![(self.root.clone(), RecursiveMode::NonRecursive)];
        if let Some(parent) = self.config.parent()
            && parent != self.root
        {
            wanted.push((parent.to_path_buf(), RecursiveMode::NonRecursive));
        }
        for dir in [&self.content, &self.templates] {
            if dir.is_dir() {
                wanted.push((dir.clone(), RecursiveMode::Recursive));
            }
        }
        wanted
    }
}

/// The watcher and what it currently watches.
pub struct Watches {
    watcher: notify::RecommendedWatcher,
    watching: Vec<(PathBuf, RecursiveMode)>,
}

impl Watches {
    pub fn new(watcher: notify::RecommendedWatcher) -> Watches {
        Watches {
            watcher,
            watching: Vec::new(),
        }
    }

    /// Starts and stops watches so that exactly `places` are watched. Returns the paths that
    /// could not be watched, with why.
    pub fn sync(&mut self, places: &Places) -> Vec<String> {
        let wanted = places.wanted();
        let mut problems = Vec::new();
        for old in std::mem::take(&mut self.watching) {
            if wanted.contains(&old) && old.0.exists() {
                self.watching.push(old);
            } else {
                let _ = self.watcher.unwatch(&old.0);
            }
        }
        for want in wanted {
            if self.watching.contains(&want) {
                continue;
            }
            match self.watcher.watch(&want.0, want.1) {
                Ok(()) => self.watching.push(want),
                Err(e) => problems.push(format!("cannot watch {}: {e}", want.0.display())),
            }
        }
        problems
    }
}

/// Whether an event can mean a change: not an access (opening or reading a file, which
/// serve itself does when it re-reads a saved document).
pub fn may_change(event: &notify::Event) -> bool {
    !matches!(event.kind, EventKind::Access(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places() -> Places {
        Places {
            root: "/kb".into(),
            config: "/kb/opsbook.toml".into(),
            content: "/kb/content".into(),
            templates: "/kb/templates".into(),
            documents: crate::config::Config::default().mapping().clone(),
        }
    }

    #[test]
    fn events_map_to_changes() {
        let p = places();
        let c = |path: &str| p.classify(Path::new(path));
        assert_eq!(c("/kb/opsbook.toml"), Some(Change::Config));
        assert_eq!(
            c("/kb/content/runbooks/a.md"),
            Some(Change::Document("runbooks/a.md".into()))
        );
        assert_eq!(c("/kb/content/runbooks"), Some(Change::Rescan));
        assert_eq!(c("/kb/content/runbooks/.a.md.swp"), None);
        assert_eq!(c("/kb/content/.drafts/a.md"), None);
        assert_eq!(c("/kb/content/runbooks/a.md~"), None);
        assert_eq!(c("/kb/templates/base.html"), Some(Change::Templates));
        assert_eq!(c("/kb/templates/.base.html.swp"), None);
        assert_eq!(c("/kb/public/index.html"), None);
        assert_eq!(c("/kb/README.md"), None);
    }
}
