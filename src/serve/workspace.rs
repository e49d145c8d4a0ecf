//! The knowledge base as `opsbook serve` keeps it between rebuilds: the config and the parsed
//! documents, sorted by path. A change re-reads only what it touches: one edited document is
//! one file read and parsed, whatever the size of the knowledge base.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use crate::alerts::AlertRules;
use crate::config::Config;
use crate::discover::{self, SourceFile};
use crate::document::Document;
use crate::parse;

/// What changed on disk, as the watcher saw it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Change {
    /// opsbook.toml was written, created or removed.
    Config,
    /// Something under the templates folder.
    Templates,
    /// A Markdown file under the content folder (content-relative, `/`-separated).
    Document(String),
    /// Something else under the content folder (a folder, a rename, a symlink): walk the
    /// folder again and re-read only files whose size or modification time changed.
    Rescan,
    /// A rule file of `[alerts] rules`: read them all again (there are few).
    AlertRules,
}

/// What a change did to the workspace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Documents read and parsed again (new or changed).
    pub reparsed: Vec<String>,
    /// Documents that are gone.
    pub removed: Vec<String>,
    /// The config was read again (so every document may render differently).
    pub config: bool,
    /// A template changed (so every page may render differently).
    pub templates: bool,
    /// The content folder was walked again (files that are not documents may have come or
    /// gone, which links can point to).
    pub rescanned: bool,
    /// The alert rules were read again.
    pub alert_rules: bool,
}

impl Applied {
    /// Whether anything that the site shows changed.
    pub fn is_empty(&self) -> bool {
        self.reparsed.is_empty()
            && self.removed.is_empty()
            && !self.config
            && !self.templates
            && !self.alert_rules
    }

    /// Whether every page must be rendered again. Otherwise only the pages of the documents
    /// in `reparsed` and `removed`, and the pages that list them, are affected.
    pub fn touches_every_page(&self) -> bool {
        self.config || self.templates || self.alert_rules
    }
}

/// Size and modification time of a file when it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some(Stamp {
        len: meta.len(),
        modified: meta.modified().ok(),
    })
}

pub struct Workspace {
    explicit_config: Option<PathBuf>,
    dir: PathBuf,
    pub config: Config,
    /// Sorted by `rel_path`, like discovery returns them.
    pub docs: Vec<Document>,
    /// The alert rules of `[alerts] rules`, shared with the background search indexer.
    pub alerts: Arc<AlertRules>,
    stamps: HashMap<String, Stamp>,
}

impl Workspace {
    /// Loads the config (the `--config` file, else `opsbook.toml` in `dir`) and every document.
    pub fn open(explicit_config: Option<&Path>, dir: &Path) -> Result<Workspace, crate::Error> {
        let config = Config::load(explicit_config, dir)?;
        let mut workspace = Workspace {
            explicit_config: explicit_config.map(Path::to_path_buf),
            dir: dir.to_path_buf(),
            config,
            docs: Vec::new(),
            alerts: Arc::default(),
            stamps: HashMap::new(),
        };
        workspace.reload_all()?;
        Ok(workspace)
    }

    /// The opsbook.toml that is (or would be) read.
    pub fn config_path(&self) -> PathBuf {
        self.explicit_config
            .clone()
            .unwrap_or_else(|| self.dir.join(crate::config::CONFIG_FILE))
    }

    fn reload_all(&mut self) -> Result<Vec<String>, crate::Error> {
        let files = discover::discover(&self.config.content_dir(), self.config.mapping())?;
        self.docs = parse::parse_all(&files, &self.config);
        self.alerts = Arc::new(crate::alerts::load(&self.config)?);
        self.stamps = files
            .iter()
            .filter_map(|f| Some((f.rel_path.clone(), stamp(&f.path)?)))
            .collect();
        Ok(self.docs.iter().map(|d| d.rel_path.clone()).collect())
    }

    /// Applies a batch of changes. On error (an invalid config, a content folder that is
    /// gone) the workspace keeps its last good state.
    pub fn apply(&mut self, changes: &BTreeSet<Change>) -> Result<Applied, crate::Error> {
        let mut applied = Applied::default();
        if changes.contains(&Change::Config) {
            let config = Config::load(self.explicit_config.as_deref(), &self.dir)?;
            let content_moved = config.content_dir() != self.config.content_dir();
            let previous = std::mem::replace(&mut self.config, config);
            applied.config = true;
            if content_moved {
                match self.reload_all() {
                    Ok(paths) => applied.reparsed = paths,
                    Err(e) => {
                        self.config = previous;
                        return Err(e);
                    }
                }
                return Ok(applied);
            }
        }
        if changes.contains(&Change::Config) || changes.contains(&Change::AlertRules) {
            self.alerts = Arc::new(crate::alerts::load(&self.config)?);
            applied.alert_rules = true;
        }
        if changes.contains(&Change::Templates) {
            applied.templates = true;
        }
        if changes.contains(&Change::Rescan) {
            self.rescan(&mut applied)?;
        }
        for change in changes {
            if let Change::Document(rel) = change {
                self.refresh(rel, &mut applied)?;
            }
        }
        applied.reparsed.sort();
        applied.reparsed.dedup();
        Ok(applied)
    }

    fn content_path(&self, rel: &str) -> PathBuf {
        let mut path = self.config.content_dir();
        path.extend(rel.split('/'));
        path
    }

    fn position(&self, rel: &str) -> Result<usize, usize> {
        self.docs.binary_search_by(|d| d.rel_path.as_str().cmp(rel))
    }

    fn remove(&mut self, rel: &str, applied: &mut Applied) {
        if let Ok(i) = self.position(rel) {
            self.docs.remove(i);
            self.stamps.remove(rel);
            applied.removed.push(rel.to_string());
        }
    }

    fn insert(&mut self, doc: Document, stamp: Option<Stamp>, applied: &mut Applied) {
        let rel = doc.rel_path.clone();
        match self.position(&rel) {
            Ok(i) => {
                // Unchanged bytes (an editor that saves without changes): nothing to do.
                if self.docs[i].source == doc.source
                    && self.docs[i].read_problem == doc.read_problem
                {
                    if let Some(stamp) = stamp {
                        self.stamps.insert(rel, stamp);
                    }
                    return;
                }
                self.docs[i] = doc;
            }
            Err(i) => self.docs.insert(i, doc),
        }
        match stamp {
            Some(stamp) => self.stamps.insert(rel.clone(), stamp),
            None => self.stamps.remove(&rel),
        };
        applied.reparsed.push(rel);
    }

    /// Re-reads one document named by the watcher.
    fn refresh(&mut self, rel: &str, applied: &mut Applied) -> Result<(), crate::Error> {
        let path = self.content_path(rel);
        match std::fs::symlink_metadata(&path) {
            Err(_) => {
                self.remove(rel, applied);
                Ok(())
            }
            Ok(meta) if meta.is_file() => {
                let file = SourceFile {
                    rel_path: rel.to_string(),
                    path: path.clone(),
                    link_problem: None,
                };
                let doc = parse::parse_file(&file, &self.config);
                self.insert(doc, stamp(&path), applied);
                Ok(())
            }
            // A symlink or a folder named *.md: let discovery judge it, as `lint` does.
            Ok(_) => self.rescan(applied),
        }
    }

    /// Walks the content folder again; reads only new files and files whose size or
    /// modification time changed, and drops documents that are gone.
    fn rescan(&mut self, applied: &mut Applied) -> Result<(), crate::Error> {
        let files = discover::discover(&self.config.content_dir(), self.config.mapping())?;
        applied.rescanned = true;
        let present: BTreeSet<&str> = files.iter().map(|f| f.rel_path.as_str()).collect();
        let gone: Vec<String> = self
            .docs
            .iter()
            .map(|d| d.rel_path.clone())
            .filter(|rel| !present.contains(rel.as_str()))
            .collect();
        for rel in gone {
            self.remove(&rel, applied);
        }
        for file in &files {
            let current = stamp(&file.path);
            let known = self.position(&file.rel_path).is_ok();
            if known && current.is_some() && self.stamps.get(&file.rel_path) == current.as_ref() {
                continue;
            }
            let doc = parse::parse_file(file, &self.config);
            self.insert(doc, current, applied);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn changes(list: &[Change]) -> BTreeSet<Change> {
        list.iter().cloned().collect()
    }

    fn setup() -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "content/runbooks/a.md", "---\ntitle: A\n---\n");
        write(dir.path(), "content/runbooks/b.md", "---\ntitle: B\n---\n");
        let ws = Workspace::open(None, dir.path()).unwrap();
        (dir, ws)
    }

    fn titles(ws: &Workspace) -> Vec<String> {
        ws.docs
            .iter()
            .map(|d| d.meta().title.unwrap_or_default())
            .collect()
    }

    #[test]
    fn an_edit_reparses_only_that_document() {
        let (dir, mut ws) = setup();
        let b_before = ws.docs[1].source.clone();
        write(dir.path(), "content/runbooks/a.md", "---\ntitle: A2\n---\n");
        let applied = ws
            .apply(&changes(&[Change::Document("runbooks/a.md".into())]))
            .unwrap();
        assert_eq!(applied.reparsed, ["runbooks/a.md"]);
        assert!(!applied.touches_every_page());
        assert_eq!(titles(&ws), ["A2", "B"]);
        assert!(
            std::sync::Arc::ptr_eq(&ws.docs[1].source, &b_before),
            "b.md was not read again"
        );
    }

    #[test]
    fn unchanged_bytes_change_nothing() {
        let (_dir, mut ws) = setup();
        let applied = ws
            .apply(&changes(&[Change::Document("runbooks/a.md".into())]))
            .unwrap();
        assert!(applied.is_empty());
    }

    #[test]
    fn new_and_deleted_documents_keep_the_order() {
        let (dir, mut ws) = setup();
        write(
            dir.path(),
            "content/runbooks/0.md",
            "---\ntitle: Zero\n---\n",
        );
        fs::remove_file(dir.path().join("content/runbooks/b.md")).unwrap();
        let applied = ws
            .apply(&changes(&[
                Change::Document("runbooks/0.md".into()),
                Change::Document("runbooks/b.md".into()),
            ]))
            .unwrap();
        assert_eq!(applied.reparsed, ["runbooks/0.md"]);
        assert_eq!(applied.removed, ["runbooks/b.md"]);
        assert_eq!(titles(&ws), ["Zero", "A"]);
    }

    #[test]
    fn a_rescan_reads_only_what_changed() {
        let (dir, mut ws) = setup();
        fs::create_dir_all(dir.path().join("content/postmortems")).unwrap();
        write(
            dir.path(),
            "content/postmortems/p.md",
            "---\ntitle: P\n---\n",
        );
        fs::remove_file(dir.path().join("content/runbooks/a.md")).unwrap();
        let applied = ws.apply(&changes(&[Change::Rescan])).unwrap();
        assert_eq!(applied.reparsed, ["postmortems/p.md"]);
        assert_eq!(applied.removed, ["runbooks/a.md"]);
        assert_eq!(titles(&ws), ["P", "B"]);
    }

    #[test]
    fn a_broken_config_keeps_the_last_good_one() {
        let (dir, mut ws) = setup();
        fs::write(dir.path().join("opsbook.toml"), "[site]\ntitle = \"KB\"\n").unwrap();
        let applied = ws.apply(&changes(&[Change::Config])).unwrap();
        assert!(applied.config && applied.touches_every_page());
        assert_eq!(ws.config.site.title, "KB");
        fs::write(dir.path().join("opsbook.toml"), "[site]\ntitel = 1\n").unwrap();
        assert!(ws.apply(&changes(&[Change::Config])).is_err());
        assert_eq!(ws.config.site.title, "KB");
    }

    #[test]
    fn moving_the_content_folder_reloads_everything() {
        let (dir, mut ws) = setup();
        write(dir.path(), "docs/runbooks/z.md", "---\ntitle: Z\n---\n");
        fs::write(
            dir.path().join("opsbook.toml"),
            "[paths]\ncontent = \"docs\"\n",
        )
        .unwrap();
        let applied = ws.apply(&changes(&[Change::Config])).unwrap();
        assert_eq!(applied.reparsed, ["runbooks/z.md"]);
        assert_eq!(titles(&ws), ["Z"]);
    }

    #[test]
    fn a_rule_file_change_rereads_the_alert_rules() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "content/runbooks/a.md", "---\ntitle: A\n---\n");
        write(
            dir.path(),
            "opsbook.toml",
            "[alerts]\nrules = [\"rules/*.yaml\"]\n",
        );
        let rule =
            |name: &str| format!("groups:\n- name: g\n  rules:\n  - alert: {name}\n    expr: up\n");
        write(dir.path(), "rules/a.yaml", &rule("A"));
        let mut ws = Workspace::open(None, dir.path()).unwrap();
        assert!(ws.alerts.defines("A"));
        write(dir.path(), "rules/a.yaml", &rule("B"));
        let applied = ws.apply(&changes(&[Change::AlertRules])).unwrap();
        assert!(applied.alert_rules && !applied.is_empty() && applied.touches_every_page());
        assert!(ws.alerts.defines("B") && !ws.alerts.defines("A"));
        assert!(applied.reparsed.is_empty(), "no document was read again");
    }
}
