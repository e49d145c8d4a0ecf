//! A Pagefind index written by opsbook: the files Pagefind's own indexer would write for the
//! same records, which Pagefind's engine in the browser (`pagefind.js` and its WebAssembly,
//! shipped by the pinned pagefind crate) searches.
//!
//! Why not Pagefind's indexer: it keeps every occurrence of every word as a struct with its
//! own strings, clones its maps, looks each record's URL up in a list of all records, and
//! gzips every file at the highest level; at 10,000 documents that was most of a build's time
//! and gigabytes of memory. This writer produces the same bytes (`tests` below compares them
//! with Pagefind's, file by file) with:
//!
//! - words split and stemmed on every core, each distinct word once per thread (a cache);
//! - integer ids for words, and occurrences appended to compact per-word byte lists;
//! - those lists spilled to disk in sorted runs past a memory budget and merged at the end,
//!   so memory does not grow with the corpus;
//! - every page's fragment written as soon as the page is indexed, compressed on the thread
//!   that indexed it; index chunks compressed in parallel; gzip at a level chosen by
//!   measurement (see book/src/performance.md).
//!
//! Files: `fragment/*.pf_fragment` (one per page: URL, text, metadata, filters, as JSON),
//! `index/*.pf_index` (chunks of the word index, CBOR), `filter/*.pf_filter` (one per filter,
//! CBOR) and `pagefind.*.pf_meta` (pages, chunk ranges, filters, metadata fields, CBOR), all
//! gzipped; [`bundle`] adds Pagefind's scripts and `pagefind-entry.json`.

pub mod bundle;
mod format;
mod postings;
#[cfg(test)]
mod tests;
mod words;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::BuildHasher;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, mpsc};

use hashbrown::{DefaultHashBuilder, HashTable};

use rayon::prelude::*;
use regex::Regex;
use serde::Serialize;

use super::SiteError;
use format::{Cbor, Collisions};
use postings::{PLAIN, PagePostings, Postings};
use words::Splitter;

/// A run of a record's text with one weight (Pagefind's `data-pagefind-weight`: 1 is
/// ordinary text, up to 10; a match in heavier text ranks higher).
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub weight: f32,
    pub text: String,
}

/// One page as the index receives it (Pagefind's *custom record*).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The URL a result links to.
    pub url: String,
    /// The searchable text, in runs; a run ends a word. Excerpts are cut from it, and shown
    /// as HTML by Pagefind's interface: it must be HTML-escaped.
    pub text: Vec<Run>,
    /// Shown with results (`title`...); its words are searchable too. HTML-escaped.
    pub meta: BTreeMap<String, String>,
    /// What results can be narrowed by: filter name -> values. HTML-escaped.
    pub filters: BTreeMap<String, Vec<String>>,
}

impl Record {
    /// The text of every run, separated by spaces.
    pub fn plain_text(&self) -> String {
        let mut out = String::new();
        for run in &self.text {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&run.text);
        }
        out
    }

    /// The text as Pagefind's own `add_custom_record` takes it, with its weight markers
    /// around the runs that are not of weight 1 (for comparing with Pagefind's indexer).
    pub fn pagefind_content(&self) -> String {
        let mut out = String::new();
        for run in &self.text {
            if run.weight == 1.0 {
                out.push_str(&run.text);
            } else {
                out.push_str(&format!(
                    "___PAGEFIND_WEIGHT___{} {} ___END_PAGEFIND_WEIGHT___",
                    run.weight, run.text
                ));
            }
            out.push(' ');
        }
        out
    }
}

/// gzip level of the index files (libdeflate's). Measured on 1,000 generated documents
/// (book/src/performance.md): 4.6% more bytes than its level 6 in half the instructions, and
/// smaller than zlib's level 2 in 43% of its instructions (Pagefind uses zlib's level 9).
pub const GZIP_LEVEL: u32 = 1;

/// How the index is written.
#[derive(Debug, Clone)]
pub struct Options {
    /// Pagefind's chunk size (its `index_chunk_size`): a chunk of the word index ends once
    /// its words have this many positions.
    pub chunk_size: usize,
    /// Bytes of word lists held in memory before they are spilled to disk.
    pub memory_budget: usize,
    /// gzip level of the index files.
    pub level: u32,
    /// Threads that index pages.
    pub threads: usize,
    /// Where spilled runs go (the system's temporary folder when `None`).
    pub spill_dir: Option<PathBuf>,
    /// The metadata fields records have. Optional: registered first, in Pagefind's order,
    /// they let the word lists be copied into the index as they are.
    pub fields: Vec<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            chunk_size: 20_000,
            memory_budget: 96 << 20,
            level: GZIP_LEVEL,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            spill_dir: None,
            fields: Vec::new(),
        }
    }
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Written {
    /// Pages in the index (records without a single word are left out, as Pagefind does).
    pub pages: usize,
    /// Distinct words.
    pub words: usize,
    /// Names the metadata file (`pagefind.HASH.pf_meta`) in `pagefind-entry.json`.
    pub meta_hash: String,
    /// Runs spilled to disk.
    pub runs: usize,
    pub files: usize,
    pub bytes: usize,
}

/// Receives each file of the index: path relative to the bundle, bytes.
pub type Sink<'a> = dyn Fn(String, Vec<u8>) -> Result<(), SiteError> + Sync + 'a;

fn error(message: impl std::fmt::Display) -> SiteError {
    SiteError::Search {
        message: message.to_string(),
    }
}

/// A hash map with a fast hasher (the words of untrusted text are not keys an attacker
/// could use to slow it down much: hashbrown's default hasher is randomly seeded).
type FastMap<K, V> = hashbrown::HashMap<K, V>;

/// Pages handed to the threads at a time: bounds what is in flight.
const BATCH: usize = 256;
/// Distinct words a thread remembers before it forgets them all. (Four times as many cost
/// memory on every thread and saved no measurable time: book/src/performance.md.)
const CACHE_WORDS: usize = 25_000;

/// Writes Pagefind indexes, one after the other (the shards of a site), each on all threads.
pub struct Indexer<'e> {
    engine: &'e bundle::Engine,
    options: Options,
    dictionary: Arc<Mutex<Dictionary>>,
    workers: Vec<Worker>,
}

impl<'e> Indexer<'e> {
    pub fn new(engine: &'e bundle::Engine, options: Options) -> Indexer<'e> {
        let dictionary = Arc::new(Mutex::new(Dictionary::default()));
        let workers = (0..options.threads.max(1))
            .map(|_| Worker::new(engine, options.level, dictionary.clone()))
            .collect();
        Indexer {
            engine,
            options,
            dictionary,
            workers,
        }
    }

    /// An empty word table, with the declared metadata fields first, in Pagefind's order.
    fn new_dictionary(&self) -> Dictionary {
        let mut fields = self.options.fields.clone();
        fields.sort_unstable();
        let mut table = Dictionary::default();
        for field in &fields {
            table.fields.id(field);
        }
        table
    }

    /// Writes the index of `count` records, record `i` made by `record(i)` (on the indexing
    /// threads), in that order, to `sink`. Stops early, returning `None`, when `stop` is set.
    pub fn write(
        &mut self,
        count: usize,
        record: &(dyn Fn(usize) -> Record + Sync),
        stop: &AtomicBool,
        sink: &Sink,
    ) -> Result<Option<Written>, SiteError> {
        // A word table per index: shards share no words, and a table kept for a whole site
        // would grow with it (at 100,000 documents, 2.8 million words, most of them unique
        // identifiers from logs and code).
        *self.dictionary.lock().unwrap_or_else(|e| e.into_inner()) = self.new_dictionary();
        for worker in &mut self.workers {
            worker.forget();
        }
        let dictionary = &*self.dictionary;
        let workers = &mut self.workers;
        // Threads that live for the whole index: a thread per batch left each thread's
        // allocator heap behind when it ended, and the build's memory grew with the batches.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(workers.len())
            .thread_name(|i| format!("search-index-{i}"))
            .build()
            .map_err(|e| error(format!("cannot start the search index threads: {e}")))?;
        let mut assembler = Assembler::new(self.engine, &self.options);
        std::thread::scope(|scope| {
            let (batches, received) = mpsc::sync_channel::<Vec<Option<PageData>>>(1);
            let assembling = scope.spawn(|| -> Result<(), SiteError> {
                for batch in received {
                    for page in batch.into_iter().flatten() {
                        assembler.add(page, dictionary, sink)?;
                    }
                }
                Ok(())
            });
            for start in (0..count).step_by(BATCH) {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let end = (start + BATCH).min(count);
                let pages = index_batch(&pool, workers, start..end, record);
                if batches.send(pages).is_err() {
                    // The assembler stopped on an error; it reports it.
                    break;
                }
            }
            drop(batches);
            assembling
                .join()
                .unwrap_or_else(|_| Err(error("the search index thread panicked")))
        })?;
        if stop.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let mut dictionary = dictionary.lock().unwrap_or_else(|e| e.into_inner());
        assembler.finish(&mut dictionary, sink).map(Some)
    }
}

/// Indexes the records `range` with every worker, each on a thread of `pool`; results in
/// record order.
fn index_batch(
    pool: &rayon::ThreadPool,
    workers: &mut [Worker],
    range: std::ops::Range<usize>,
    record: &(dyn Fn(usize) -> Record + Sync),
) -> Vec<Option<PageData>> {
    let start = range.start;
    let next = AtomicUsize::new(range.start);
    let mut pages: Vec<Option<PageData>> = Vec::with_capacity(range.len());
    pages.resize_with(range.len(), || None);
    let mut done: Vec<Vec<(usize, Option<PageData>)>> =
        workers.iter().map(|_| Vec::new()).collect();
    pool.scope(|scope| {
        for (worker, out) in workers.iter_mut().zip(&mut done) {
            let next = &next;
            let end = range.end;
            scope.spawn(move |_| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= end {
                        break;
                    }
                    out.push((i, worker.page(record(i))));
                }
            });
        }
    });
    for (i, page) in done.into_iter().flatten() {
        pages[i - start] = page;
    }
    pages
}

/// Strings by id: words, diacritic forms, metadata fields. The strings live in one arena,
/// the table holds ids: a few bytes per distinct word beyond its text.
#[derive(Default)]
struct Interner {
    arena: String,
    spans: Vec<(usize, usize)>,
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
    /// Ids sorted by string, for the ids up to its length (kept up to date by [`sorted`]).
    sorted: Vec<u32>,
}

impl Interner {
    fn id(&mut self, name: &str) -> u32 {
        let hash = self.hasher.hash_one(name);
        let Interner {
            arena,
            spans,
            table,
            hasher,
            ..
        } = self;
        let text = |id: u32| {
            let (start, end) = spans[id as usize];
            &arena[start..end]
        };
        if let Some(&id) = table.find(hash, |&id| text(id) == name) {
            return id;
        }
        let id = spans.len() as u32;
        let start = arena.len();
        arena.push_str(name);
        spans.push((start, arena.len()));
        table.insert_unique(hash, id, |&id| {
            let (start, end) = spans[id as usize];
            hasher.hash_one(&arena[start..end])
        });
        id
    }

    fn name(&self, id: u32) -> &str {
        self.spans
            .get(id as usize)
            .and_then(|&(start, end)| self.arena.get(start..end))
            .unwrap_or_default()
    }

    fn len(&self) -> usize {
        self.spans.len()
    }

    /// Every id, in the order of the strings (Pagefind's order of words in the index). Only
    /// the ids added since the last call are sorted, then merged in.
    fn sorted(&mut self) -> &[u32] {
        let known = self.sorted.len();
        if known < self.len() {
            let mut new: Vec<u32> = (known as u32..self.len() as u32).collect();
            new.sort_unstable_by(|&a, &b| self.name(a).cmp(self.name(b)));
            let old = std::mem::take(&mut self.sorted);
            let mut merged = Vec::with_capacity(old.len() + new.len());
            let (mut i, mut j) = (0, 0);
            while i < old.len() && j < new.len() {
                if self.name(old[i]) <= self.name(new[j]) {
                    merged.push(old[i]);
                    i += 1;
                } else {
                    merged.push(new[j]);
                    j += 1;
                }
            }
            merged.extend_from_slice(&old[i..]);
            merged.extend_from_slice(&new[j..]);
            self.sorted = merged;
        }
        &self.sorted
    }
}

#[derive(Default)]
struct Dictionary {
    words: Interner,
    forms: Interner,
    fields: Interner,
}

/// One string a word is filed under, by id.
#[derive(Clone, Copy)]
struct Filed {
    word: u32,
    form: u32,
    compound: bool,
}

/// One word's occurrences on one page: ranges of [`PageData::values`].
struct WordPostings {
    word: u32,
    form: u32,
    locs: std::ops::Range<usize>,
    meta_locs: std::ops::Range<usize>,
}

/// One page, indexed.
struct PageData {
    /// `LANG_SHA1` of the fragment.
    hash: String,
    fragment: Vec<u8>,
    word_count: u32,
    words: Vec<WordPostings>,
    values: Vec<i32>,
    filters: Vec<(String, String)>,
    /// Field ids of its metadata.
    fields: Vec<u32>,
}

/// A fragment file: the page as the engine shows it. The field order is Pagefind's.
#[derive(Serialize)]
struct Fragment<'a> {
    url: &'a str,
    content: &'a str,
    word_count: usize,
    filters: &'a BTreeMap<String, Vec<String>>,
    meta: &'a BTreeMap<String, String>,
    anchors: [u8; 0],
}

/// Words starting with this are instructions to Pagefind's HTML reader; it strips them from
/// metadata and filter values, so this writer does too.
static PRIVATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("___PAGEFIND_[\\S]+\\s?").expect("a valid regular expression"));

fn tidy(value: &mut String) {
    if value.contains("___PAGEFIND_")
        && let std::borrow::Cow::Owned(tidied) = PRIVATE.replace_all(value, "")
    {
        *value = tidied;
    }
}

/// A thread's state: its stemmer and the words it has seen.
struct Worker {
    splitter: Splitter,
    language: String,
    level: u32,
    dictionary: Arc<Mutex<Dictionary>>,
    /// Word of text -> what it is filed under; one for page text, one for metadata (which
    /// has no dotted tails).
    text_words: FastMap<Box<str>, Box<[Filed]>>,
    meta_words: FastMap<Box<str>, Box<[Filed]>>,
}

impl Worker {
    fn new(engine: &bundle::Engine, level: u32, dictionary: Arc<Mutex<Dictionary>>) -> Worker {
        Worker {
            splitter: Splitter::new(&engine.language, engine.include_characters.clone()),
            language: engine.language.clone(),
            level,
            dictionary,
            text_words: FastMap::default(),
            meta_words: FastMap::default(),
        }
    }

    /// Forgets the words it has seen (their ids belong to the last index).
    fn forget(&mut self) {
        self.text_words.clear();
        self.meta_words.clear();
    }

    /// Appends what `token` is filed under to `out`.
    fn lookup(&mut self, token: &str, meta: bool, out: &mut Vec<Filed>) {
        let cache = if meta {
            &mut self.meta_words
        } else {
            &mut self.text_words
        };
        if let Some(filed) = cache.get(token) {
            out.extend_from_slice(filed);
            return;
        }
        let words = if meta {
            self.splitter.indexable_words(token)
        } else {
            self.splitter.content_words(token)
        };
        let filed: Box<[Filed]> = {
            let mut dictionary = self.dictionary.lock().unwrap_or_else(|e| e.into_inner());
            words
                .iter()
                .map(|w| Filed {
                    word: dictionary.words.id(&w.stemmed),
                    form: w
                        .original
                        .as_deref()
                        .map_or(PLAIN, |o| dictionary.forms.id(o)),
                    compound: w.compound_part,
                })
                .collect()
        };
        out.extend_from_slice(&filed);
        if cache.len() >= CACHE_WORDS {
            cache.clear();
        }
        cache.insert(token.into(), filed);
    }

    /// Indexes one record; `None` when it has no word to find it by (Pagefind drops those).
    fn page(&mut self, mut record: Record) -> Option<PageData> {
        let capacity = record.text.iter().map(|r| r.text.len() + 1).sum();
        let mut content = String::with_capacity(capacity);
        // (word, form, weight, position) of every occurrence in the text.
        let mut occurrences: Vec<(u32, u32, u8, u32)> = Vec::with_capacity(capacity / 5);
        let mut filed = Vec::new();
        let mut position = 0u32;
        for run in &record.text {
            let weight = format::encode_weight(run.weight);
            for raw in run.text.split_whitespace() {
                // Pagefind uses zero-width spaces as boundaries and removes them from text.
                let cleaned;
                let token = if raw.contains('\u{200B}') {
                    cleaned = raw.replace('\u{200B}', "");
                    cleaned.as_str()
                } else {
                    raw
                };
                if token.is_empty() {
                    continue;
                }
                content.push_str(token);
                content.push(' ');
                filed.clear();
                self.lookup(token, false, &mut filed);
                let parts = filed.iter().filter(|f| f.compound).count();
                let part_weight = if parts > 0 && weight > 0 {
                    (weight / u8::try_from(parts).unwrap_or(u8::MAX)).max(1)
                } else {
                    0
                };
                for f in &filed {
                    let w = if f.compound { part_weight } else { weight };
                    occurrences.push((f.word, f.form, w, position));
                }
                position += 1;
            }
        }
        if occurrences.is_empty() {
            return None;
        }
        content.pop();

        for value in record.meta.values_mut() {
            tidy(value);
        }
        for values in record.filters.values_mut() {
            values.iter_mut().for_each(tidy);
        }
        let mut values = Vec::with_capacity(occurrences.len() + 16);
        let text = self.text_postings(&mut occurrences, &mut values);
        let (meta, fields) = self.meta_postings(&record.meta, &mut values);
        let words = self.join(text, meta, &values);

        let fragment = Fragment {
            url: &record.url,
            content: &content,
            word_count: position as usize,
            filters: &record.filters,
            meta: &record.meta,
            anchors: [],
        };
        let json = serde_json::to_string(&fragment).unwrap_or_default();
        Some(PageData {
            hash: format!("{}_{}", self.language, format::full_hash(json.as_bytes())),
            fragment: format::gzip(json.as_bytes(), self.level),
            word_count: position,
            words,
            values,
            filters: record
                .filters
                .iter()
                .flat_map(|(f, vs)| vs.iter().map(move |v| (f.clone(), v.clone())))
                .collect(),
            fields,
        })
    }

    /// Groups the text's occurrences by word and form and encodes each group's `locs`.
    fn text_postings(
        &self,
        occurrences: &mut [(u32, u32, u8, u32)],
        values: &mut Vec<i32>,
    ) -> Vec<WordPostings> {
        occurrences.sort_unstable_by_key(|&(word, form, _, _)| (word, form));
        let mut out = Vec::new();
        let mut group: Vec<(u8, u32)> = Vec::new();
        for same in occurrences.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            group.clear();
            group.extend(same.iter().map(|&(_, _, w, p)| (w, p)));
            let start = values.len();
            format::encode_locs(&mut group, values);
            out.push(WordPostings {
                word: same[0].0,
                form: same[0].1,
                locs: start..values.len(),
                meta_locs: 0..0,
            });
        }
        out
    }

    /// The words of the metadata values, grouped by word and form, with their `meta_locs`;
    /// and the field ids of the page's metadata.
    fn meta_postings(
        &mut self,
        meta: &BTreeMap<String, String>,
        values: &mut Vec<i32>,
    ) -> (Vec<WordPostings>, Vec<u32>) {
        let fields: Vec<u32> = {
            let mut dictionary = self.dictionary.lock().unwrap_or_else(|e| e.into_inner());
            meta.keys().map(|k| dictionary.fields.id(k)).collect()
        };
        // (word, form, field of this page, position in the field's value)
        let mut occurrences: Vec<(u32, u32, u32, u32)> = Vec::new();
        let mut filed = Vec::new();
        for (field, value) in meta.values().enumerate() {
            for (position, word) in value.split_whitespace().enumerate() {
                filed.clear();
                self.lookup(word, true, &mut filed);
                for f in &filed {
                    occurrences.push((f.word, f.form, field as u32, position as u32));
                }
            }
        }
        occurrences.sort_unstable_by_key(|&(word, form, _, _)| (word, form));
        let mut out = Vec::new();
        let mut group: Vec<(u32, u32)> = Vec::new();
        for same in occurrences.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            group.clear();
            group.extend(same.iter().map(|&(_, _, f, p)| (f, p)));
            let start = values.len();
            format::encode_meta_locs(&mut group, values);
            // Field markers name the page's n-th field; make them name the field id, which
            // keeps their order (a page's fields and all fields are both sorted by name).
            for v in &mut values[start..] {
                if *v < 0 {
                    let local = (-*v - 1) as usize;
                    *v = -(fields.get(local).copied().unwrap_or(0) as i32) - 1;
                }
            }
            out.push(WordPostings {
                word: same[0].0,
                form: same[0].1,
                locs: 0..0,
                meta_locs: start..values.len(),
            });
        }
        (out, fields)
    }

    /// The page's postings of text and metadata, one per word and form, with each word's
    /// diacritic forms in Pagefind's order (forms in the text by string, then forms only in
    /// the metadata by string).
    fn join(
        &self,
        text: Vec<WordPostings>,
        meta: Vec<WordPostings>,
        values: &[i32],
    ) -> Vec<WordPostings> {
        let mut out: Vec<WordPostings> = Vec::with_capacity(text.len() + meta.len());
        let mut meta = meta.into_iter().peekable();
        for t in text {
            while let Some(m) = meta.next_if(|m| (m.word, m.form) < (t.word, t.form)) {
                out.push(m);
            }
            match meta.next_if(|m| (m.word, m.form) == (t.word, t.form)) {
                Some(m) => out.push(WordPostings {
                    meta_locs: m.meta_locs,
                    ..t
                }),
                None => out.push(t),
            }
        }
        out.extend(meta);
        let has_variants = out
            .windows(2)
            .any(|w| w[0].word == w[1].word && w[0].form != PLAIN && w[1].form != PLAIN);
        if has_variants {
            let dictionary = self.dictionary.lock().unwrap_or_else(|e| e.into_inner());
            for same in out.chunk_by_mut(|a, b| a.word == b.word) {
                same.sort_by(|a, b| {
                    let key = |p: &WordPostings| {
                        (
                            p.form != PLAIN,
                            values[p.locs.clone()].is_empty(),
                            dictionary.forms.name(p.form).to_string(),
                        )
                    };
                    key(a).cmp(&key(b))
                });
            }
        }
        out
    }
}

/// Metadata of one chunk of the word index: the words it covers, and its file.
struct Chunk {
    from: String,
    to: String,
    hash: String,
}

/// Puts the indexed pages together, in page order, and writes the index at the end.
struct Assembler<'e> {
    engine: &'e bundle::Engine,
    options: Options,
    postings: Postings,
    /// Fragment file names, and (name, word count) per page.
    fragment_names: HashSet<String>,
    pages: Vec<(String, u32)>,
    filters: HashMap<String, HashMap<String, Vec<u32>>>,
    fields: BTreeSet<u32>,
    files: usize,
    bytes: usize,
}

impl<'e> Assembler<'e> {
    fn new(engine: &'e bundle::Engine, options: &Options) -> Assembler<'e> {
        Assembler {
            engine,
            options: options.clone(),
            postings: Postings::new(options.memory_budget, options.spill_dir.as_deref()),
            fragment_names: HashSet::new(),
            pages: Vec::new(),
            filters: HashMap::new(),
            fields: BTreeSet::new(),
            files: 0,
            bytes: 0,
        }
    }

    fn emit(&mut self, sink: &Sink, path: String, bytes: Vec<u8>) -> Result<(), SiteError> {
        self.files += 1;
        self.bytes += bytes.len();
        sink(path, bytes)
    }

    fn add(
        &mut self,
        page: PageData,
        dictionary: &Mutex<Dictionary>,
        sink: &Sink,
    ) -> Result<(), SiteError> {
        let number = self.pages.len() as u32;
        let names = &self.fragment_names;
        let name = format::short_name(&page.hash, &self.engine.language, Collisions::ByOne, |n| {
            names.contains(n)
        });
        self.fragment_names.insert(name.clone());
        self.emit(sink, format!("fragment/{name}.pf_fragment"), page.fragment)?;
        self.pages.push((name, page.word_count));
        for w in &page.words {
            let posting = PagePostings {
                page: number,
                locs: &page.values[w.locs.clone()],
                meta_locs: &page.values[w.meta_locs.clone()],
            };
            self.postings.push(w.word, w.form, &posting);
        }
        for (filter, value) in page.filters {
            self.filters
                .entry(filter)
                .or_default()
                .entry(value)
                .or_default()
                .push(number);
        }
        self.fields.extend(page.fields);
        if self.postings.over_budget() {
            let mut dictionary = dictionary.lock().unwrap_or_else(|e| e.into_inner());
            self.postings
                .spill(dictionary.words.sorted())
                .map_err(error)?;
        }
        Ok(())
    }

    fn finish(mut self, dictionary: &mut Dictionary, sink: &Sink) -> Result<Written, SiteError> {
        // Pagefind's field ids are positions in the sorted list of the fields in use.
        let fields: Vec<&str> = {
            let mut names: Vec<&str> = self
                .fields
                .iter()
                .map(|&id| dictionary.fields.name(id))
                .collect();
            names.sort_unstable();
            names
        };
        let mut field_position = vec![0i32; dictionary.fields.len()];
        for &id in &self.fields {
            let name = dictionary.fields.name(id);
            field_position[id as usize] =
                fields.iter().position(|f| *f == name).unwrap_or(0) as i32;
        }
        // The lists hold field ids; they are Pagefind's when the fields in use were the
        // first ones registered, in order (`Options::fields`), and the lists are copied as
        // they are.
        let same_ids = self
            .fields
            .iter()
            .all(|&id| field_position[id as usize] == id as i32);
        let remap = (!same_ids).then_some(field_position.as_slice());

        let postings = std::mem::replace(&mut self.postings, Postings::new(0, None));
        let runs = postings.runs();
        dictionary.words.sorted();
        // Taken out for the merge (which reads the words' strings), put back after it.
        let order = std::mem::take(&mut dictionary.words.sorted);
        let mut chunks = ChunkWriter::new(&self.options);
        let mut words = 0;
        postings
            .merge(&order, |id, merged| {
                words += 1;
                let word = dictionary.words.name(id);
                let body = &mut chunks.body;
                body.array(3).str(word);
                merged.plain().write(body.vec_mut(), remap)?;
                let variants: Vec<_> = merged.variants().collect();
                body.array(variants.len());
                for (form, pages) in variants {
                    body.array(2).str(dictionary.forms.name(form));
                    pages.write(body.vec_mut(), remap)?;
                }
                chunks.word_done(word, merged.size());
                if chunks.full() {
                    chunks
                        .close(self.engine, sink)
                        .map_err(std::io::Error::other)?;
                }
                Ok(())
            })
            .map_err(error)?;
        dictionary.words.sorted = order;
        chunks.close(self.engine, sink)?;
        chunks.flush(sink)?;
        self.files += chunks.files;
        self.bytes += chunks.bytes;
        let chunk_meta = chunks.bounds();

        let filter_meta = self.write_filters(sink)?;
        let meta_hash = self.write_meta(&chunk_meta, &filter_meta, &fields, sink)?;
        Ok(Written {
            pages: self.pages.len(),
            words,
            meta_hash,
            runs,
            files: self.files,
            bytes: self.bytes,
        })
    }

    /// One file per filter: its values, sorted, each with its pages. Returns (filter, hash).
    fn write_filters(&mut self, sink: &Sink) -> Result<Vec<(String, String)>, SiteError> {
        let mut filters: Vec<(String, HashMap<String, Vec<u32>>)> =
            std::mem::take(&mut self.filters).into_iter().collect();
        filters.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut written: Vec<(String, String)> = Vec::new();
        let mut names = HashSet::new();
        for (filter, values) in filters {
            let mut values: Vec<(String, Vec<u32>)> = values.into_iter().collect();
            values.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            let mut cbor = Cbor::new();
            cbor.array(2).str(&filter).array(values.len());
            for (value, pages) in &values {
                cbor.array(2).str(value).array(pages.len());
                for &page in pages {
                    cbor.uint(u64::from(page));
                }
            }
            let hash = format!(
                "{}_{}",
                self.engine.language,
                format::full_hash(cbor.bytes())
            );
            let name = format::short_name(&hash, &self.engine.language, Collisions::ByTwo, |n| {
                names.contains(n)
            });
            names.insert(name.clone());
            let gz = format::gzip(cbor.bytes(), self.options.level);
            self.emit(sink, format!("filter/{name}.pf_filter"), gz)?;
            written.push((filter, name));
        }
        Ok(written)
    }

    /// The metadata file the engine loads first; returns its hash.
    fn write_meta(
        &mut self,
        chunks: &[Chunk],
        filters: &[(String, String)],
        fields: &[&str],
        sink: &Sink,
    ) -> Result<String, SiteError> {
        let mut cbor = Cbor::with_capacity(self.pages.len() * 20 + chunks.len() * 40);
        cbor.array(6).str(&self.engine.version);
        cbor.array(self.pages.len());
        for (hash, word_count) in &self.pages {
            cbor.array(3).str(hash).uint(u64::from(*word_count)).str("");
        }
        cbor.array(chunks.len());
        for chunk in chunks {
            cbor.array(3)
                .str(&chunk.from)
                .str(&chunk.to)
                .str(&chunk.hash);
        }
        cbor.array(filters.len());
        for (filter, hash) in filters {
            cbor.array(2).str(filter).str(hash);
        }
        // No sort orders.
        cbor.array(0);
        cbor.array(fields.len());
        for field in fields {
            cbor.str(field);
        }
        let language = &self.engine.language;
        let full = format::full_hash(cbor.bytes());
        let hash = format!(
            "{language}_{}",
            &full[..(language.len() + 8).min(full.len())]
        );
        let gz = format::gzip(cbor.bytes(), self.options.level);
        self.emit(sink, format!("pagefind.{hash}.pf_meta"), gz)?;
        Ok(hash)
    }
}

/// Cuts the sorted words into chunk files.
struct ChunkWriter {
    chunk_size: u64,
    level: u32,
    batch: usize,
    /// The CBOR of the words of the open chunk.
    body: Cbor,
    words: usize,
    size: u64,
    first: Option<String>,
    last: String,
    chunks: Vec<Chunk>,
    names: HashSet<String>,
    /// Closed chunks waiting to be compressed together.
    pending: Vec<(String, Vec<u8>)>,
    files: usize,
    bytes: usize,
}

impl ChunkWriter {
    fn new(options: &Options) -> ChunkWriter {
        ChunkWriter {
            chunk_size: options.chunk_size as u64,
            level: options.level,
            batch: options.threads.max(1) * 8,
            body: Cbor::with_capacity(1 << 16),
            words: 0,
            size: 0,
            first: None,
            last: String::new(),
            chunks: Vec::new(),
            names: HashSet::new(),
            pending: Vec::new(),
            files: 0,
            bytes: 0,
        }
    }

    fn word_done(&mut self, word: &str, size: u64) {
        if self.first.is_none() {
            self.first = Some(word.to_string());
        }
        self.last.clear();
        self.last.push_str(word);
        self.words += 1;
        self.size += size;
    }

    fn full(&self) -> bool {
        self.size >= self.chunk_size
    }

    /// Ends the open chunk (if it has words): names it by its hash, queues it for compression.
    fn close(&mut self, engine: &bundle::Engine, sink: &Sink) -> Result<(), SiteError> {
        let Some(first) = self.first.take() else {
            return Ok(());
        };
        let mut chunk = Cbor::with_capacity(self.body.bytes().len() + 16);
        chunk.array(1).array(self.words).raw(self.body.bytes());
        let hash = format!("{}_{}", engine.language, format::full_hash(chunk.bytes()));
        let names = &self.names;
        let name = format::short_name(&hash, &engine.language, Collisions::ByTwo, |n| {
            names.contains(n)
        });
        self.names.insert(name.clone());
        self.chunks.push(Chunk {
            from: first,
            to: self.last.clone(),
            hash: name.clone(),
        });
        self.pending
            .push((format!("index/{name}.pf_index"), chunk.into_bytes()));
        self.body.clear();
        self.words = 0;
        self.size = 0;
        if self.pending.len() >= self.batch {
            self.flush(sink)?;
        }
        Ok(())
    }

    /// Compresses the queued chunks in parallel and hands them to the sink.
    fn flush(&mut self, sink: &Sink) -> Result<(), SiteError> {
        let level = self.level;
        let pending = std::mem::take(&mut self.pending);
        let (files, bytes) = pending
            .into_par_iter()
            .map(|(path, raw)| {
                let gz = format::gzip(&raw, level);
                let len = gz.len();
                sink(path, gz).map(|()| (1, len))
            })
            .try_reduce(|| (0, 0), |a, b| Ok((a.0 + b.0, a.1 + b.1)))?;
        self.files += files;
        self.bytes += bytes;
        Ok(())
    }

    /// The chunks' word ranges, each bound cut to the shortest prefix that still tells it
    /// from its neighbour (as Pagefind does).
    fn bounds(&mut self) -> Vec<Chunk> {
        let mut chunks = std::mem::take(&mut self.chunks);
        for i in 1..chunks.len() {
            let (before, after) = chunks.split_at_mut(i);
            let (a, b) = (&mut before[i - 1], &mut after[0]);
            let (to, from) = format::chunk_bounds(&a.to, &b.from);
            // Only when the range stays a range.
            if to >= a.from {
                a.to = to;
            }
            b.from = from;
        }
        chunks
    }
}
