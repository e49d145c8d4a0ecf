//! The inverted index while it is built: for every word, the pages it is on and where.
//!
//! Pages arrive in page order, each with its words already encoded as Pagefind stores them
//! (positions delta-encoded with weight changes marked, metadata positions per field). Each
//! page is appended to its word's list as the CBOR Pagefind's index holds (`[page delta,
//! [locs], [meta_locs]]`): one compact byte list per word and form, no string per occurrence,
//! no allocation per page, and at the end the lists are copied into the index as they are.
//! When the lists outgrow their budget they are written to a temporary file as a *run*, in
//! word order, and memory starts over; at the end the runs and what is still in memory are
//! merged word by word. So the memory of the index does not grow with the corpus: a
//! knowledge base many times the budget is a few more runs on disk.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use minicbor::{Decoder, Encoder};

/// Marks "no diacritic variant": the list of the word itself.
pub const PLAIN: u32 = u32::MAX;

/// One page of one word's list.
pub struct PagePostings<'a> {
    pub page: u32,
    /// Pagefind's `locs`: positions, delta-encoded, with negative weight markers.
    pub locs: &'a [i32],
    /// Pagefind's `meta_locs`, with field markers holding the field's id in this index's
    /// field table (remapped to Pagefind's sorted field order when they differ).
    pub meta_locs: &'a [i32],
}

/// The pages of one word (or of one diacritic form of it), as CBOR.
#[derive(Default)]
struct List {
    bytes: Vec<u8>,
    pages: u32,
    /// Pagefind's measure of a word's size, for cutting index chunks.
    size: u64,
    first: u32,
    last: u32,
}

/// Writing to a `Vec` cannot fail.
fn infallible<T>(_: Result<T, minicbor::encode::Error<std::convert::Infallible>>) {}

/// Appends a CBOR head: major type `major` with argument `n` in its shortest form (RFC 8949,
/// section 3). The page entries are the writer's hottest path: minicbor's encoder gives
/// the same bytes through a fallible writer per integer.
fn head(out: &mut Vec<u8>, major: u8, n: u64) {
    let major = major << 5;
    if n < 24 {
        out.push(major | n as u8);
    } else if n <= u64::from(u8::MAX) {
        out.extend_from_slice(&[major | 24, n as u8]);
    } else if n <= u64::from(u16::MAX) {
        out.push(major | 25);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else if n <= u64::from(u32::MAX) {
        out.push(major | 26);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(major | 27);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

/// Appends a CBOR integer.
fn int(out: &mut Vec<u8>, v: i32) {
    if v >= 0 {
        head(out, 0, v as u64);
    } else {
        head(out, 1, (-1 - i64::from(v)) as u64);
    }
}

/// Appends one page entry, `[delta, [locs], [meta_locs]]`.
fn put_entry(out: &mut Vec<u8>, delta: u32, locs: &[i32], meta_locs: &[i32]) {
    out.reserve(8 + 2 * (locs.len() + meta_locs.len()));
    head(out, 4, 3);
    head(out, 0, u64::from(delta));
    for values in [locs, meta_locs] {
        head(out, 4, values.len() as u64);
        for &v in values {
            int(out, v);
        }
    }
}

impl List {
    fn push(&mut self, posting: &PagePostings) {
        // The first page of a list is absolute: lists start over after a spill, and the merge
        // makes it relative to the page before (see `Piece`).
        let delta = if self.pages == 0 {
            self.first = posting.page;
            posting.page
        } else {
            posting.page.saturating_sub(self.last)
        };
        put_entry(&mut self.bytes, delta, posting.locs, posting.meta_locs);
        self.last = posting.page;
        self.pages += 1;
        self.size += (posting.locs.len() + posting.meta_locs.len() + 1) as u64;
    }

    fn is_empty(&self) -> bool {
        self.pages == 0
    }

    fn into_piece(self) -> Piece {
        Piece {
            bytes: self.bytes,
            pages: self.pages,
            size: self.size,
            first: self.first,
            last: self.last,
        }
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
    /// The lists of the words in memory, in the order they came.
    words: Vec<Word>,
    /// Word id -> 1 + its index in `words` (0: not in memory). Four bytes per word of the
    /// vocabulary rather than a list each: most words of a large vocabulary are not in a
    /// given index.
    slots: Vec<u32>,
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
            slots: Vec::new(),
            bytes: 0,
            budget,
            runs: Vec::new(),
            spill_dir: spill_dir.map(Path::to_path_buf),
        }
    }

    /// Appends one page to the list of `word` (`form` is [`PLAIN`] or a diacritic form id).
    /// Pages must come in ascending order.
    pub fn push(&mut self, word: u32, form: u32, posting: &PagePostings) {
        let id = word as usize;
        if id >= self.slots.len() {
            self.slots.resize(id + 1, 0);
        }
        if self.slots[id] == 0 {
            self.words.push(Word::default());
            self.slots[id] = self.words.len() as u32;
        }
        let entry = &mut self.words[self.slots[id] as usize - 1];
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
        let before = list.bytes.capacity();
        list.push(posting);
        self.bytes += list.bytes.capacity() - before;
    }

    /// Whether the lists in memory, with the table that holds them and the slots that find
    /// them, have outgrown the budget. (The table and the slots grow with the vocabulary,
    /// not with the lists: left out, they went over the budget unseen.)
    pub fn over_budget(&self) -> bool {
        let table = self.words.capacity() * std::mem::size_of::<Word>();
        let slots = self.slots.capacity() * std::mem::size_of::<u32>();
        self.bytes + table + slots > self.budget
    }

    /// Writes the lists in memory to a run on disk, in `order` (word ids sorted by string;
    /// ids not in memory are skipped), and empties memory.
    pub fn spill(&mut self, order: &[u32]) -> io::Result<()> {
        let file = match &self.spill_dir {
            Some(dir) => tempfile::tempfile_in(dir)?,
            None => tempfile::tempfile()?,
        };
        let mut out = BufWriter::with_capacity(1 << 16, file);
        let mut head = Vec::new();
        for &id in order {
            let Some(word) = self.take(id) else {
                continue;
            };
            head.clear();
            put(&mut head, u64::from(id));
            out.write_all(&head)?;
            write_list(&mut out, &word.plain)?;
            head.clear();
            put(&mut head, word.variants.len() as u64);
            out.write_all(&head)?;
            for (form, list) in &word.variants {
                head.clear();
                put(&mut head, u64::from(*form));
                out.write_all(&head)?;
                write_list(&mut out, list)?;
            }
        }
        let mut file = out.into_inner().map_err(|e| e.into_error())?;
        file.seek(SeekFrom::Start(0))?;
        self.runs.push(BufReader::with_capacity(1 << 16, file));
        self.words = Vec::new();
        self.slots = Vec::new();
        self.bytes = 0;
        Ok(())
    }

    /// Takes the lists of word `id` out of memory.
    fn take(&mut self, id: u32) -> Option<Word> {
        let slot = *self.slots.get(id as usize)?;
        let word = std::mem::take(self.words.get_mut((slot as usize).checked_sub(1)?)?);
        (!word.is_empty()).then_some(word)
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
                        merged.add(word.plain, word.variants);
                    }
                    *head = RunWord::read(run)?;
                }
            }
            if let Some(word) = self.take(id) {
                merged.add(
                    word.plain.into_piece(),
                    word.variants
                        .into_iter()
                        .map(|(form, list)| (form, list.into_piece()))
                        .collect(),
                );
            }
            if !merged.is_empty() {
                each(id, &merged)?;
            }
        }
        Ok(())
    }
}

/// Part of a list: its pages from one run, or from memory.
#[derive(Default)]
struct Piece {
    /// CBOR page entries; the first one's page is absolute.
    bytes: Vec<u8>,
    pages: u32,
    size: u64,
    first: u32,
    last: u32,
}

/// One word's lists from every run, in page order.
#[derive(Default)]
pub struct Merged {
    plain: Vec<Piece>,
    variants: Vec<(u32, Vec<Piece>)>,
}

impl Merged {
    fn clear(&mut self) {
        self.plain.clear();
        self.variants.clear();
    }

    fn is_empty(&self) -> bool {
        self.plain.is_empty() && self.variants.is_empty()
    }

    fn add(&mut self, plain: Piece, variants: Vec<(u32, Piece)>) {
        if plain.pages > 0 {
            self.plain.push(plain);
        }
        for (form, piece) in variants {
            if piece.pages == 0 {
                continue;
            }
            match self.variants.iter_mut().find(|(f, _)| *f == form) {
                Some((_, pieces)) => pieces.push(piece),
                None => self.variants.push((form, vec![piece])),
            }
        }
    }

    /// Pagefind's size of the word: every page's positions plus one, plus one per variant.
    pub fn size(&self) -> u64 {
        let size = |pieces: &[Piece]| pieces.iter().map(|p| p.size).sum::<u64>();
        size(&self.plain)
            + self.variants.iter().map(|(_, p)| size(p)).sum::<u64>()
            + self.variants.len() as u64
    }

    /// The word's own pages.
    pub fn plain(&self) -> Pages<'_> {
        Pages(&self.plain)
    }

    /// The diacritic forms and their pages, in the order the forms were first seen.
    pub fn variants(&self) -> impl Iterator<Item = (u32, Pages<'_>)> {
        self.variants
            .iter()
            .map(|(form, pieces)| (*form, Pages(pieces)))
    }
}

/// The pages of one list, from every run.
pub struct Pages<'a>(&'a [Piece]);

impl Pages<'_> {
    /// Appends them as Pagefind's CBOR array; `fields` maps the field ids in metadata
    /// positions to Pagefind's (`None`: they are the same).
    pub fn write(&self, out: &mut Vec<u8>, fields: Option<&[i32]>) -> io::Result<()> {
        write_pages(self.0, out, fields)
    }
}

/// Writes `[page entry...]` from the pieces of one list, each piece's first page made
/// relative to the last page of the piece before.
fn write_pages(pieces: &[Piece], out: &mut Vec<u8>, fields: Option<&[i32]>) -> io::Result<()> {
    let pages: u64 = pieces.iter().map(|p| u64::from(p.pages)).sum();
    infallible(Encoder::new(&mut *out).array(pages));
    let mut last = 0;
    for piece in pieces {
        let mut entries = Decoder::new(&piece.bytes);
        // The first entry: `[absolute page, ...` becomes `[page - last, ...`.
        entries.array().map_err(|_| corrupt())?;
        entries.u32().map_err(|_| corrupt())?;
        let rest = piece.bytes.get(entries.position()..).ok_or_else(corrupt)?;
        let mut e = Encoder::new(&mut *out);
        infallible(e.array(3));
        infallible(e.u32(piece.first.saturating_sub(last)));
        match fields {
            None => out.extend_from_slice(rest),
            Some(fields) => remap_entries(rest, true, fields, out)?,
        }
        last = piece.last;
    }
    Ok(())
}

/// Copies page entries, replacing the field ids of metadata positions (`-(id + 1)`) by
/// `fields[id]`. `partial`: the bytes start inside the first entry, after its page.
fn remap_entries(bytes: &[u8], partial: bool, fields: &[i32], out: &mut Vec<u8>) -> io::Result<()> {
    let mut d = Decoder::new(bytes);
    let mut first = partial;
    while d.position() < bytes.len() {
        let mut e = Encoder::new(&mut *out);
        if !first {
            d.array().map_err(|_| corrupt())?;
            let delta = d.u32().map_err(|_| corrupt())?;
            infallible(e.array(3));
            infallible(e.u32(delta));
        }
        first = false;
        for meta in [false, true] {
            let n = d.array().map_err(|_| corrupt())?.ok_or_else(corrupt)?;
            infallible(e.array(n));
            for _ in 0..n {
                let mut v = d.i32().map_err(|_| corrupt())?;
                if meta && v < 0 {
                    let id = (-i64::from(v) - 1) as usize;
                    v = -fields.get(id).copied().unwrap_or(0) - 1;
                }
                infallible(e.i32(v));
            }
        }
    }
    Ok(())
}

/// A word as a run stores it: id, then each list as (pages, size, first, last, length, bytes).
struct RunWord {
    id: u32,
    plain: Piece,
    variants: Vec<(u32, Piece)>,
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

fn write_list(out: &mut impl Write, list: &List) -> io::Result<()> {
    let mut head = Vec::with_capacity(32);
    for n in [
        u64::from(list.pages),
        list.size,
        u64::from(list.first),
        u64::from(list.last),
        list.bytes.len() as u64,
    ] {
        put(&mut head, n);
    }
    out.write_all(&head)?;
    out.write_all(&list.bytes)
}

fn read_list(run: &mut impl Read) -> io::Result<Piece> {
    let pages = to_u32(read_required(run)?)?;
    let size = read_required(run)?;
    let first = to_u32(read_required(run)?)?;
    let last = to_u32(read_required(run)?)?;
    let len = usize::try_from(read_required(run)?).map_err(|_| corrupt())?;
    let mut bytes = vec![0; len];
    run.read_exact(&mut bytes)?;
    Ok(Piece {
        bytes,
        pages,
        size,
        first,
        last,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// (word, CBOR of its plain pages, size) of every word.
    fn collect(
        postings: Postings,
        order: &[u32],
        fields: Option<&[i32]>,
    ) -> Vec<(u32, Vec<u8>, u64)> {
        let mut out = Vec::new();
        postings
            .merge(order, |id, merged| {
                let mut bytes = Vec::new();
                merged.plain().write(&mut bytes, fields)?;
                out.push((id, bytes, merged.size()));
                Ok(())
            })
            .unwrap();
        out
    }

    fn build(budget: usize, fields: u32) -> Postings {
        let mut postings = Postings::new(budget, None);
        for page in 0..50u32 {
            for word in [page % 3, 3 + page % 2] {
                let locs = [-25, page as i32, 1, -(word as i32) - 1];
                let meta = [-((page % fields) as i32) - 1, 0];
                postings.push(
                    word,
                    PLAIN,
                    &PagePostings {
                        page: page * 2,
                        locs: &locs,
                        meta_locs: &meta,
                    },
                );
            }
            if postings.over_budget() {
                postings.spill(&[4, 3, 2, 1, 0]).unwrap();
            }
        }
        postings
    }

    #[test]
    fn spilled_runs_merge_back_into_the_same_index() {
        let order = [4, 3, 2, 1, 0];
        let in_memory = build(usize::MAX, 1);
        assert_eq!(in_memory.runs(), 0);
        let spilled = build(64, 1);
        assert!(spilled.runs() > 3);
        let a = collect(in_memory, &order, None);
        assert_eq!(a.len(), 5);
        assert_eq!(a[0].0, 4);
        assert_eq!(a, collect(spilled, &order, None));
        // Word 4 is on pages 2, 6, 10...: deltas 2, then 4.
        assert_eq!(&a[0].1[..4], [0x98, 25, 0x83, 2]);
    }

    #[test]
    fn entries_are_minicbors_bytes() {
        let mut ours = Vec::new();
        let values = [
            0,
            1,
            23,
            24,
            255,
            256,
            65535,
            65536,
            -1,
            -24,
            -25,
            -256,
            -257,
            i32::MAX,
            i32::MIN,
        ];
        put_entry(&mut ours, 70_000, &values, &values[..3]);
        let mut theirs = Vec::new();
        let mut e = Encoder::new(&mut theirs);
        infallible(e.array(3));
        infallible(e.u32(70_000));
        for list in [&values[..], &values[..3]] {
            infallible(e.array(list.len() as u64));
            for &v in list {
                infallible(e.i32(v));
            }
        }
        assert_eq!(ours, theirs);
    }

    #[test]
    fn field_ids_are_remapped_in_metadata_positions_only() {
        let order = [4, 3, 2, 1, 0];
        let fields = [1, 0];
        let remapped = collect(build(64, 2), &order, Some(&fields));
        let plain = collect(build(usize::MAX, 2), &order, None);
        for ((_, r, _), (_, p, _)) in remapped.iter().zip(&plain) {
            assert_eq!(r.len(), p.len());
            let mut d = Decoder::new(r);
            let mut e = Decoder::new(p);
            let n = d.array().unwrap().unwrap();
            e.array().unwrap();
            for _ in 0..n {
                for dec in [&mut d, &mut e] {
                    dec.array().unwrap();
                    dec.u32().unwrap();
                }
                let locs = |dec: &mut Decoder| -> Vec<i32> {
                    let n = dec.array().unwrap().unwrap();
                    (0..n).map(|_| dec.i32().unwrap()).collect()
                };
                assert_eq!(locs(&mut d), locs(&mut e), "locs untouched");
                let (rm, pm) = (locs(&mut d), locs(&mut e));
                assert_eq!(rm[0], -fields[(-pm[0] - 1) as usize] - 1);
                assert_eq!(rm[1], pm[1]);
            }
        }
    }
}
