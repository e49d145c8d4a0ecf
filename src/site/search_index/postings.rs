//! The inverted index while it is built: for every word, the pages it is on and where.
//!
//! Pages arrive in page order, each with its words already encoded as Pagefind stores them
//! (positions delta-encoded with weight changes marked, metadata positions per field). They
//! are appended to one compact byte list per word and form: LEB128 integers, no string per
//! occurrence, no allocation per page. When the lists outgrow their budget they are written
//! to a temporary file as a *run*, sorted by word, and memory starts over; at the end the
//! runs and what is still in memory are merged word by word in Pagefind's order (the order
//! of the words' strings). So the memory of the index does not grow with the corpus: a
//! knowledge base many times the budget is a few more runs on disk.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Marks "no diacritic variant": the list of the word itself.
pub const PLAIN: u32 = u32::MAX;

/// One page of one word's list.
pub struct PagePostings<'a> {
    pub page: u32,
    /// Pagefind's `locs`: positions, delta-encoded, with negative weight markers.
    pub locs: &'a [i32],
    /// Pagefind's `meta_locs`, with field markers holding the field's id in this index's
    /// field table (remapped to Pagefind's sorted field order when the index is written).
    pub meta_locs: &'a [i32],
}

/// The pages of one word (or of one diacritic form of it).
#[derive(Default)]
struct List {
    bytes: Vec<u8>,
    pages: u32,
    /// Pagefind's measure of a word's size, for cutting index chunks.
    size: u64,
}

impl List {
    fn push(&mut self, posting: &PagePostings) {
        put(&mut self.bytes, u64::from(posting.page));
        for values in [posting.locs, posting.meta_locs] {
            put(&mut self.bytes, values.len() as u64);
            for &v in values {
                put(&mut self.bytes, zigzag(v));
            }
        }
        self.pages += 1;
        self.size += (posting.locs.len() + posting.meta_locs.len() + 1) as u64;
    }

    fn is_empty(&self) -> bool {
        self.pages == 0
    }
}

#[derive(Default)]
struct Word {
    plain: List,
    /// Diacritic forms, in the order they were first seen.
    variants: Vec<(u32, List)>,
}

impl Word {
    fn is_empty(&self) -> bool {
        self.plain.is_empty() && self.variants.is_empty()
    }
}

/// The lists of every word, in memory up to a budget, then in runs on disk.
pub struct Postings {
    /// Indexed by word id.
    words: Vec<Word>,
    bytes: usize,
    budget: usize,
    runs: Vec<BufReader<File>>,
    spill_dir: Option<std::path::PathBuf>,
}

impl Postings {
    /// Lists that hold at most about `budget` bytes in memory, spilling runs into `spill_dir`
    /// (the system's temporary folder when `None`).
    pub fn new(budget: usize, spill_dir: Option<&Path>) -> Postings {
        Postings {
            words: Vec::new(),
            bytes: 0,
            budget,
            runs: Vec::new(),
            spill_dir: spill_dir.map(Path::to_path_buf),
        }
    }

    /// Appends one page to the list of `word` (`form` is [`PLAIN`] or a diacritic form id).
    /// Pages must come in ascending order.
    pub fn push(&mut self, word: u32, form: u32, posting: &PagePostings) {
        let index = word as usize;
        if index >= self.words.len() {
            self.words.resize_with(index + 1, Word::default);
        }
        let entry = &mut self.words[index];
        let list = if form == PLAIN {
            &mut entry.plain
        } else {
            match entry.variants.iter().position(|(f, _)| *f == form) {
                Some(i) => &mut entry.variants[i].1,
                None => {
                    entry.variants.push((form, List::default()));
                    &mut entry.variants.last_mut().expect("just pushed").1
                }
            }
        };
        let before = list.bytes.len();
        list.push(posting);
        self.bytes += list.bytes.len() - before;
    }

    /// Whether the lists in memory have outgrown the budget.
    pub fn over_budget(&self) -> bool {
        self.bytes > self.budget
    }

    /// Writes the lists in memory to a run on disk, in `order` (word ids sorted by string;
    /// ids not in memory are skipped), and empties memory.
    pub fn spill(&mut self, order: &[u32]) -> io::Result<()> {
        let file = match &self.spill_dir {
            Some(dir) => tempfile::tempfile_in(dir)?,
            None => tempfile::tempfile()?,
        };
        let mut out = BufWriter::with_capacity(1 << 16, file);
        let mut scratch = Vec::new();
        for &id in order {
            let Some(word) = self.words.get_mut(id as usize) else {
                continue;
            };
            if word.is_empty() {
                continue;
            }
            let word = std::mem::take(word);
            scratch.clear();
            put(&mut scratch, u64::from(id));
            write_list(&mut scratch, &word.plain);
            put(&mut scratch, word.variants.len() as u64);
            for (form, list) in &word.variants {
                put(&mut scratch, u64::from(*form));
                write_list(&mut scratch, list);
            }
            out.write_all(&scratch)?;
        }
        let mut file = out.into_inner().map_err(|e| e.into_error())?;
        file.seek(SeekFrom::Start(0))?;
        self.runs.push(BufReader::with_capacity(1 << 16, file));
        self.words.clear();
        self.words.shrink_to_fit();
        self.bytes = 0;
        Ok(())
    }

    /// How many runs went to disk.
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    /// Calls `each` with every word in `order` (all word ids, sorted by string) that has
    /// pages, and its lists gathered from every run and from memory, in page order.
    pub fn merge(
        mut self,
        order: &[u32],
        mut each: impl FnMut(u32, &Merged) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut heads: Vec<Option<RunWord>> = Vec::with_capacity(self.runs.len());
        for run in &mut self.runs {
            heads.push(RunWord::read(run)?);
        }
        let mut merged = Merged::default();
        for &id in order {
            merged.clear();
            for (run, head) in self.runs.iter_mut().zip(heads.iter_mut()) {
                if head.as_ref().is_some_and(|h| h.id == id) {
                    if let Some(word) = head.take() {
                        merged.add_run(word);
                    }
                    *head = RunWord::read(run)?;
                }
            }
            if let Some(word) = self.words.get_mut(id as usize) {
                let word = std::mem::take(word);
                merged.add_memory(word);
            }
            if !merged.is_empty() {
                each(id, &merged)?;
            }
        }
        Ok(())
    }
}

/// One word's lists from every run, in page order: pieces of encoded pages.
#[derive(Default)]
pub struct Merged {
    plain: MergedList,
    variants: Vec<(u32, MergedList)>,
}

#[derive(Default)]
struct MergedList {
    pieces: Vec<Vec<u8>>,
    pages: u32,
    size: u64,
}

impl MergedList {
    fn add(&mut self, bytes: Vec<u8>, pages: u32, size: u64) {
        if pages > 0 {
            self.pieces.push(bytes);
            self.pages += pages;
            self.size += size;
        }
    }
}

impl Merged {
    fn clear(&mut self) {
        self.plain = MergedList::default();
        self.variants.clear();
    }

    fn is_empty(&self) -> bool {
        self.plain.pages == 0 && self.variants.is_empty()
    }

    fn variant(&mut self, form: u32) -> &mut MergedList {
        match self.variants.iter().position(|(f, _)| *f == form) {
            Some(i) => &mut self.variants[i].1,
            None => {
                self.variants.push((form, MergedList::default()));
                &mut self.variants.last_mut().expect("just pushed").1
            }
        }
    }

    fn add_run(&mut self, word: RunWord) {
        let (bytes, pages, size) = word.plain;
        self.plain.add(bytes, pages, size);
        for (form, (bytes, pages, size)) in word.variants {
            self.variant(form).add(bytes, pages, size);
        }
    }

    fn add_memory(&mut self, word: Word) {
        self.plain
            .add(word.plain.bytes, word.plain.pages, word.plain.size);
        for (form, list) in word.variants {
            self.variant(form).add(list.bytes, list.pages, list.size);
        }
    }

    /// Pagefind's size of the word: every page's positions plus one, plus one per variant.
    pub fn size(&self) -> u64 {
        self.plain.size
            + self.variants.iter().map(|(_, l)| l.size).sum::<u64>()
            + self.variants.len() as u64
    }

    /// The pages of the word itself.
    pub fn plain(&self) -> ListReader<'_> {
        ListReader::new(&self.plain)
    }

    /// The diacritic forms and their pages, in the order they were first seen.
    pub fn variants(&self) -> impl Iterator<Item = (u32, ListReader<'_>)> {
        self.variants
            .iter()
            .map(|(form, list)| (*form, ListReader::new(list)))
    }
}

/// Reads the pages of a merged list back.
pub struct ListReader<'a> {
    pieces: &'a [Vec<u8>],
    at: usize,
    pages: u32,
}

impl<'a> ListReader<'a> {
    fn new(list: &'a MergedList) -> ListReader<'a> {
        ListReader {
            pieces: &list.pieces,
            at: 0,
            pages: list.pages,
        }
    }

    /// How many pages the list has.
    pub fn pages(&self) -> u32 {
        self.pages
    }

    /// The next page, decoded into `locs` and `meta_locs`; `None` after the last.
    pub fn next_page(&mut self, locs: &mut Vec<i32>, meta_locs: &mut Vec<i32>) -> Option<u32> {
        while let Some(piece) = self.pieces.first() {
            if self.at < piece.len() {
                let mut bytes = &piece[self.at..];
                let before = bytes.len();
                let page = take(&mut bytes)?;
                for values in [&mut *locs, &mut *meta_locs] {
                    values.clear();
                    let count = take(&mut bytes)?;
                    for _ in 0..count {
                        values.push(unzigzag(take(&mut bytes)?));
                    }
                }
                self.at += before - bytes.len();
                return u32::try_from(page).ok();
            }
            self.pieces = &self.pieces[1..];
            self.at = 0;
        }
        None
    }
}

/// A word as a run stores it: id, then each list as (pages, size, byte length, bytes).
struct RunWord {
    id: u32,
    plain: (Vec<u8>, u32, u64),
    variants: Vec<(u32, (Vec<u8>, u32, u64))>,
}

impl RunWord {
    fn read(run: &mut impl Read) -> io::Result<Option<RunWord>> {
        let Some(id) = read_varint(run, true)? else {
            return Ok(None);
        };
        let plain = read_list(run)?;
        let count = read_required(run)?;
        let mut variants = Vec::new();
        for _ in 0..count {
            let form = to_u32(read_required(run)?)?;
            variants.push((form, read_list(run)?));
        }
        Ok(Some(RunWord {
            id: to_u32(id)?,
            plain,
            variants,
        }))
    }
}

fn write_list(out: &mut Vec<u8>, list: &List) {
    put(out, u64::from(list.pages));
    put(out, list.size);
    put(out, list.bytes.len() as u64);
    out.extend_from_slice(&list.bytes);
}

fn read_list(run: &mut impl Read) -> io::Result<(Vec<u8>, u32, u64)> {
    let pages = to_u32(read_required(run)?)?;
    let size = read_required(run)?;
    let len = usize::try_from(read_required(run)?).map_err(|_| corrupt())?;
    let mut bytes = vec![0; len];
    run.read_exact(&mut bytes)?;
    Ok((bytes, pages, size))
}

fn corrupt() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "a search index run file is damaged",
    )
}

fn to_u32(value: u64) -> io::Result<u32> {
    u32::try_from(value).map_err(|_| corrupt())
}

fn read_required(run: &mut impl Read) -> io::Result<u64> {
    read_varint(run, false)?.ok_or_else(corrupt)
}

/// A LEB128 integer; `None` at the end of the file when `eof_ok`.
fn read_varint(run: &mut impl Read, eof_ok: bool) -> io::Result<Option<u64>> {
    let mut value = 0u64;
    let mut byte = [0u8; 1];
    for shift in (0..64).step_by(7) {
        if run.read(&mut byte)? == 0 {
            return if eof_ok && shift == 0 {
                Ok(None)
            } else {
                Err(corrupt())
            };
        }
        value |= u64::from(byte[0] & 0x7f) << shift;
        if byte[0] & 0x80 == 0 {
            return Ok(Some(value));
        }
    }
    Err(corrupt())
}

/// Appends `value` as LEB128.
fn put(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Reads a LEB128 integer off the front of `bytes`.
fn take(bytes: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = bytes.split_first()?;
        *bytes = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

fn zigzag(v: i32) -> u64 {
    u64::from(((v << 1) ^ (v >> 31)) as u32)
}

fn unzigzag(v: u64) -> i32 {
    let v = v as u32;
    ((v >> 1) as i32) ^ -((v & 1) as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(
        postings: Postings,
        order: &[u32],
    ) -> Vec<(u32, Vec<(u32, Vec<i32>, Vec<i32>)>, u64)> {
        let mut out = Vec::new();
        postings
            .merge(order, |id, merged| {
                let mut pages = Vec::new();
                let (mut locs, mut meta) = (Vec::new(), Vec::new());
                let mut reader = merged.plain();
                while let Some(page) = reader.next_page(&mut locs, &mut meta) {
                    pages.push((page, locs.clone(), meta.clone()));
                }
                out.push((id, pages, merged.size()));
                Ok(())
            })
            .unwrap();
        out
    }

    #[test]
    fn spilled_runs_merge_back_in_word_and_page_order() {
        let build = |budget: usize| {
            let mut postings = Postings::new(budget, None);
            for page in 0..50u32 {
                for word in [page % 3, 3 + page % 2] {
                    let locs = [-25, page as i32, 1, -(word as i32) - 1];
                    postings.push(
                        word,
                        PLAIN,
                        &PagePostings {
                            page,
                            locs: &locs,
                            meta_locs: &[-1, 0],
                        },
                    );
                }
                if postings.over_budget() {
                    postings.spill(&[4, 3, 2, 1, 0]).unwrap();
                }
            }
            postings
        };
        let in_memory = build(usize::MAX);
        assert_eq!(in_memory.runs(), 0);
        let spilled = build(64);
        assert!(spilled.runs() > 3);
        let order = [4, 3, 2, 1, 0];
        let a = collect(in_memory, &order);
        assert_eq!(a.len(), 5);
        assert_eq!(a[0].0, 4);
        assert!(
            a.iter()
                .all(|(_, pages, _)| pages.windows(2).all(|w| w[0].0 < w[1].0))
        );
        assert_eq!(a, collect(spilled, &order));
    }

    #[test]
    fn integers_round_trip() {
        for v in [0, 1, -1, 63, -64, 24, -25, i32::MAX, i32::MIN] {
            assert_eq!(unzigzag(zigzag(v)), v);
            let mut bytes = Vec::new();
            put(&mut bytes, zigzag(v));
            assert_eq!(take(&mut bytes.as_slice()), Some(zigzag(v)));
        }
    }
}
