//! `opsbook migrate`: rewrites the keys the config's `aliases` map to opsbook's names in the
//! documents themselves (`start_time:` becomes `started_at:`), for teams who want to move
//! fully. Only the key's own bytes change: values, comments, order and quoting stay as they
//! are, byte for byte. A key is left as it is when renaming it would change what the document
//! means: when another key of the document is read as the same field (their values are
//! merged), or when the key is not written plainly (quoted or escaped).

use std::ops::Range;
use std::path::PathBuf;

use crate::config::Config;
use crate::document::Document;
use crate::document::yaml::{Node, Value};

/// What migrating one document changes.
pub struct Rewrite {
    pub path: PathBuf,
    pub display_path: String,
    pub before: String,
    pub after: String,
    /// How many keys were renamed.
    pub renamed: usize,
    /// Keys left as they are, with why.
    pub kept: Vec<String>,
}

impl Rewrite {
    /// The change as a unified diff.
    pub fn diff(&self) -> String {
        similar::TextDiff::from_lines(&self.before, &self.after)
            .unified_diff()
            .context_radius(2)
            .header(&self.display_path, &self.display_path)
            .to_string()
    }
}

/// The rewrite of every document that has an aliased key (documents without one are left out).
pub fn plan(config: &Config) -> Result<Vec<Rewrite>, crate::Error> {
    let docs = crate::load(config)?;
    Ok(docs.iter().filter_map(rewrite).collect())
}

type Entries = [(crate::document::yaml::Key, Node)];

/// The maps whose keys are renamed: the front matter and each of its follow-ups.
fn maps(front_matter: &Node) -> Vec<&Entries> {
    let mut out = Vec::new();
    if let Some(entries) = front_matter.as_map() {
        out.push(entries);
        for (key, value) in entries {
            if let (true, Value::Seq(items)) = (key.name == "follow_ups", &value.value) {
                out.extend(items.iter().filter_map(Node::as_map));
            }
        }
    }
    out
}

fn rewrite(doc: &Document) -> Option<Rewrite> {
    if !doc.is_usable() {
        return None;
    }
    // The same front matter with the keys as written (no aliases applied, nothing merged).
    let raw = Document::parse(doc.rel_path.clone(), doc.path.clone(), doc.source.clone());
    let raw_maps = maps(&raw.front_matter);
    let mut edits: Vec<(Range<usize>, &str)> = Vec::new();
    let mut kept = Vec::new();
    for (i, entries) in maps(&doc.front_matter).into_iter().enumerate() {
        let literal = |name: &str| {
            raw_maps
                .get(i)
                .is_some_and(|m| m.iter().any(|(k, _)| k.name == name))
        };
        for (key, _) in entries {
            let Some(written) = &key.written else {
                continue;
            };
            if literal(&key.name) || entries.iter().filter(|(k, _)| k.name == key.name).count() > 1
            {
                kept.push(format!(
                    "`{written}`: another key here is read as `{}` too",
                    key.name
                ));
            } else if doc.source.get(key.span.clone()) != Some(written.as_str()) {
                kept.push(format!("`{written}`: not written as a plain key"));
            } else {
                edits.push((key.span.clone(), key.name.as_str()));
            }
        }
    }
    if edits.is_empty() && kept.is_empty() {
        return None;
    }
    edits.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
    let mut after = doc.source.to_string();
    for (span, name) in &edits {
        after.replace_range(span.clone(), name);
    }
    Some(Rewrite {
        path: doc.path.clone(),
        display_path: doc.display_path.clone(),
        before: doc.source.to_string(),
        after,
        renamed: edits.len(),
        kept,
    })
}

/// Writes a rewrite, unless the file changed since it was read (then nothing is written).
pub fn apply(rewrite: &Rewrite, max_bytes: u64) -> std::io::Result<()> {
    let now = crate::parse::read_regular_text(&rewrite.path, max_bytes)?;
    if now != rewrite.before {
        return Err(std::io::Error::other(
            "it changed while opsbook was reading it; run migrate again",
        ));
    }
    let dir = rewrite
        .path
        .parent()
        .ok_or_else(|| std::io::Error::other("no folder"))?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut file, rewrite.after.as_bytes())?;
    let permissions = std::fs::metadata(&rewrite.path)?.permissions();
    file.as_file().set_permissions(permissions)?;
    file.persist(&rewrite.path).map_err(|e| e.error)?;
    Ok(())
}
