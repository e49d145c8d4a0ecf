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
    /// The folders `[alerts] rules` globs walk, and the globs (relative to `root`).
    pub rule_folders: Vec<PathBuf>,
    pub rules: Vec<String>,
    pub rules_exclude: Vec<String>,
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
            rule_folders: crate::alerts::rule_folders(config)
                .iter()
                .map(|dir| resolve(dir))
                .collect(),
            rules: config.alerts.rules.clone(),
            rules_exclude: config.alerts.exclude.clone(),
        }
    }

    /// Whether `path` is a rule file of `[alerts] rules` (existing or not).
    fn is_rule_file(&self, path: &Path) -> bool {
        let Ok(rel) = path.strip_prefix(&self.root) else {
            return false;
        };
        let rel: Vec<String> = rel
            .components()
            .filter_map(|c| match c {
                Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect();
        crate::alerts::is_rule_file(&self.rules, &self.rules_exclude, &rel.join("/"))
    }

    /// What a changed path means, or `None` for a path that does not matter (editor swap
    /// files, hidden files, anything outside the watched places).
    pub fn classify(&self, path: &Path) -> Option<Change> {
        if path == self.config {
            return Some(Change::Config);
        }
        if self.is_rule_file(path) {
            return Some(Change::AlertRules);
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
        for dir in &self.rule_folders {
            let covered = wanted
                .iter()
                .any(|(w, mode)| *mode == RecursiveMode::Recursive && dir.starts_with(w));
            if dir.is_dir() && !covered {
                wanted.push((dir.clone(), RecursiveMode::Recursive));
            }
        }
        wanted
    }
}

/// Which folder a path is: a folder deleted and made again under the same name is another
/// one, whose watch must be started again (the old watch ended with the old folder).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Identity {
    device: u64,
    inode: u64,
}

fn identity(path: &Path) -> Option<Identity> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path).ok()?;
        Some(Identity {
            device: meta.dev(),
            inode: meta.ino(),
        })
    }
    #[cfg(not(unix))]
    {
        path.exists().then_some(Identity {
            device: 0,
            inode: 0,
        })
    }
}

/// One watch in place: the path, how, and the folder it was started on.
#[derive(Debug)]
struct Watching {
    path: PathBuf,
    mode: RecursiveMode,
    identity: Option<Identity>,
}

/// The watcher and what it currently watches.
pub struct Watches {
    watcher: notify::RecommendedWatcher,
    watching: Vec<Watching>,
}

impl Watches {
    pub fn new(watcher: notify::RecommendedWatcher) -> Watches {
        Watches {
            watcher,
            watching: Vec::new(),
        }
    }

    /// Starts and stops watches so that exactly `places` are watched, each on the folder that
    /// is there now. Returns the paths that could not be watched, with why.
    pub fn sync(&mut self, places: &Places) -> Vec<String> {
        let wanted = places.wanted();
        let mut problems = Vec::new();
        for old in std::mem::take(&mut self.watching) {
            let still = wanted.contains(&(old.path.clone(), old.mode))
                && old.identity.is_some()
                && identity(&old.path) == old.identity;
            if still {
                self.watching.push(old);
            } else {
                // Fails when the watch ended with its folder: nothing to stop then.
                let _ = self.watcher.unwatch(&old.path);
            }
        }
        for (path, mode) in wanted {
            if self
                .watching
                .iter()
                .any(|w| w.path == path && w.mode == mode)
            {
                continue;
            }
            let now = identity(&path);
            match self.watcher.watch(&path, mode) {
                Ok(()) => self.watching.push(Watching {
                    path,
                    mode,
                    identity: now,
                }),
                Err(e) => problems.push(format!("cannot watch {}: {e}", path.display())),
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
            rule_folders: vec!["/kb/content/monitoring".into(), "/kb/deploy".into()],
            rules: vec![
                "content/monitoring/**/*.yaml".into(),
                "deploy/rules.yml".into(),
            ],
            rules_exclude: vec!["content/monitoring/helm/**".into()],
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
        assert_eq!(
            c("/kb/content/monitoring/payments.yaml"),
            Some(Change::AlertRules)
        );
        assert_eq!(c("/kb/deploy/rules.yml"), Some(Change::AlertRules));
        assert_eq!(c("/kb/deploy/other.yml"), None);
        assert_eq!(
            c("/kb/content/monitoring/helm/x.yaml"),
            Some(Change::Rescan),
            "excluded: an ordinary file of the content folder"
        );
    }
}
