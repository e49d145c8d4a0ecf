//! What a Pagefind bundle holds besides the index: Pagefind's scripts, interface and
//! WebAssembly, and `pagefind-entry.json`, which names the index's metadata file.
//!
//! These come from the pinned pagefind crate itself: an index of one tiny record is built
//! once per process with Pagefind's own API, and everything in it that is not index data is
//! kept. Its entry file also gives the facts the writer must agree with the engine on: the
//! version, the language's WebAssembly and the extra word characters.

use std::collections::BTreeMap;

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;
use serde::{Deserialize, Serialize};

/// Pagefind's engine for one language: facts and files.
#[derive(Debug, Clone)]
pub struct Engine {
    /// Pagefind's version, which the metadata file carries.
    pub version: String,
    pub language: String,
    /// Characters that are part of words besides letters and digits.
    pub include_characters: Vec<char>,
    /// The language's WebAssembly (`wasm.LANG.pagefind`), when Pagefind has one.
    pub wasm: Option<String>,
    /// Scripts, styles and WebAssembly: (path in the bundle, bytes).
    pub files: Vec<(String, Vec<u8>)>,
}

/// `pagefind-entry.json`, with Pagefind's field order.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    version: String,
    languages: BTreeMap<String, EntryLanguage>,
    include_characters: Vec<char>,
}

#[derive(Debug, Serialize, Deserialize)]
struct EntryLanguage {
    hash: String,
    wasm: Option<String>,
    page_count: usize,
}

/// Whether a file of a Pagefind bundle is index data (rather than Pagefind's code).
pub fn is_index_data(path: &str) -> bool {
    path == "pagefind-entry.json"
        || path.ends_with(".pf_meta")
        || path.starts_with("fragment/")
        || path.starts_with("index/")
        || path.starts_with("filter/")
}

impl Engine {
    /// Asks Pagefind for its files and facts for `language` (an ISO 639-1 code).
    pub fn load(language: &str) -> Result<Engine, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| e.to_string())?;
        let files = runtime.block_on(async {
            let options = PagefindServiceConfig::builder()
                .force_language(language.to_string())
                .build();
            let mut index = PagefindIndex::new(Some(options)).map_err(|e| format!("{e:#}"))?;
            index
                .add_custom_record(
                    "/".to_string(),
                    "opsbook".to_string(),
                    language.to_string(),
                    None,
                    None,
                    None,
                )
                .await
                .map_err(|e| format!("{e:#}"))?;
            index.get_files().await.map_err(|e| format!("{e:#}"))
        })?;
        let mut entry = None;
        let mut kept = Vec::new();
        for file in files {
            let path = file.filename.to_string_lossy().replace('\\', "/");
            if path == "pagefind-entry.json" {
                entry = Some(
                    serde_json::from_slice::<Entry>(&file.contents).map_err(|e| e.to_string())?,
                );
            } else if !is_index_data(&path) {
                kept.push((path, file.contents));
            }
        }
        kept.sort();
        let entry = entry.ok_or("Pagefind wrote no pagefind-entry.json")?;
        let wasm = entry
            .languages
            .get(language)
            .ok_or_else(|| format!("Pagefind's entry file has no language {language}"))?
            .wasm
            .clone();
        Ok(Engine {
            version: entry.version,
            language: language.to_string(),
            include_characters: entry.include_characters,
            wasm,
            files: kept,
        })
    }

    /// `pagefind-entry.json` of an index whose metadata file is `meta_hash`, of `pages` pages.
    pub fn entry(&self, meta_hash: &str, pages: usize) -> Vec<u8> {
        let entry = Entry {
            version: self.version.clone(),
            languages: BTreeMap::from([(
                self.language.clone(),
                EntryLanguage {
                    hash: meta_hash.to_string(),
                    wasm: self.wasm.clone(),
                    page_count: pages,
                },
            )]),
            include_characters: self.include_characters.clone(),
        };
        serde_json::to_vec(&entry).unwrap_or_default()
    }
}
