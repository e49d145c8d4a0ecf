//! A read-only reader of git pack files, for the history walk.
//!
//! A repository fetched from a server (a CI clone) keeps its objects in packs, most of them
//! as deltas against other objects. Reading them through libgit2 resolved each tree's delta
//! chain again from the nearest cached base and copied the result twice or three times: two
//! thirds of the walk was memory copies. This reader keeps the last objects it resolved (and
//! the bases on the way) in a cache bounded in bytes, so a tree whose base was read a moment
//! ago costs one inflate of a small delta and one copy. It reads pack index version 2 only
//! (with its table of 64-bit offsets, for packs over 2 GiB), and only packs whose header and
//! checksum match their index. Each entry is checked against the CRC-32 the index records
//! before it is inflated, and sizes, delta bases and chains are checked as they are read.
//! An object it cannot find or read (a loose object, an alternate, another index version, a
//! damaged entry) is not an error here: the caller reads it through libgit2, which reports
//! what is wrong.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::rc::Rc;

/// The type of a git object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Commit,
    Tree,
    Blob,
    Tag,
}

impl Kind {
    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::Commit => "commit",
            Kind::Tree => "tree",
            Kind::Blob => "blob",
            Kind::Tag => "tag",
        }
    }

    fn from_pack(code: u8) -> Option<Kind> {
        match code {
            1 => Some(Kind::Commit),
            2 => Some(Kind::Tree),
            3 => Some(Kind::Blob),
            4 => Some(Kind::Tag),
            _ => None,
        }
    }
}

/// One pack: its index in memory, its data read on demand.
struct Pack {
    file: File,
    /// The whole `.idx` file (version 2): header, fan-out, ids, CRCs, offsets, large offsets.
    idx: Vec<u8>,
    count: usize,
    /// Every entry's offset in increasing order, then the offset where the entries end: an
    /// entry's compressed data ends where the next one starts.
    sorted: Vec<u64>,
    /// The position in the index of the entry at each offset of `sorted`.
    positions: Vec<u32>,
}

const FANOUT: usize = 8;
const IDS: usize = FANOUT + 256 * 4;

fn be32(bytes: &[u8]) -> u32 {
    u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

impl Pack {
    fn open(idx_path: &Path) -> Option<Pack> {
        let idx = std::fs::read(idx_path).ok()?;
        if idx.len() < IDS || idx[..4] != [0xff, b't', b'O', b'c'] || be32(&idx[4..]) != 2 {
            return None;
        }
        let count = be32(&idx[FANOUT + 255 * 4..]) as usize;
        // Ids, CRCs and offsets, then two checksums.
        if idx.len() < IDS + count * 28 + 40 {
            return None;
        }
        let file = File::open(idx_path.with_extension("pack")).ok()?;
        let len = file.metadata().ok()?.len();
        // The pack's header (signature, version 2 or 3, as many objects as the index has) and
        // its trailing checksum, which the index repeats: an index left beside another pack,
        // or a truncated pack, is not read.
        let mut header = [0u8; 12];
        file.read_exact_at(&mut header, 0).ok()?;
        let version = be32(&header[4..]);
        if &header[..4] != b"PACK"
            || !(2..=3).contains(&version)
            || be32(&header[8..]) as usize != count
        {
            return None;
        }
        let mut trailer = [0u8; 20];
        file.read_exact_at(&mut trailer, len.checked_sub(20)?)
            .ok()?;
        if idx[idx.len() - 40..idx.len() - 20] != trailer {
            return None;
        }
        let mut pack = Pack {
            file,
            idx,
            count,
            sorted: Vec::new(),
            positions: Vec::new(),
        };
        let mut by_offset = (0..count)
            .map(|n| Some((pack.offset(n)?, n as u32)))
            .collect::<Option<Vec<(u64, u32)>>>()?;
        by_offset.sort_unstable();
        let (mut sorted, positions): (Vec<u64>, Vec<u32>) = by_offset.into_iter().unzip();
        // The pack ends with a 20-byte checksum; the entries start after the header.
        sorted.push(len - 20);
        if sorted.first().is_some_and(|&first| first < 12)
            || sorted.windows(2).any(|w| w[0] >= w[1])
        {
            return None;
        }
        pack.sorted = sorted;
        pack.positions = positions;
        Some(pack)
    }

    /// The offset of the `n`th object of the index.
    fn offset(&self, n: usize) -> Option<u64> {
        let offsets = IDS + self.count * 24;
        let small = be32(&self.idx[offsets + n * 4..]);
        if small & 0x8000_0000 == 0 {
            return Some(u64::from(small));
        }
        let at = offsets + self.count * 4 + (small & 0x7fff_ffff) as usize * 8;
        let bytes = self.idx.get(at..at + 8)?;
        Some(u64::from_be_bytes(bytes.try_into().ok()?))
    }

    /// The offset of object `id` (20 bytes) in this pack.
    fn find(&self, id: &[u8]) -> Option<u64> {
        let first = usize::from(id[0]);
        let mut lo = match first {
            0 => 0,
            _ => be32(&self.idx[FANOUT + (first - 1) * 4..]) as usize,
        };
        let mut hi = (be32(&self.idx[FANOUT + first * 4..]) as usize).min(self.count);
        let ids = &self.idx[IDS..IDS + self.count * 20];
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match ids[mid * 20..mid * 20 + 20].cmp(id) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return self.offset(mid),
            }
        }
        None
    }

    /// Where the entry that starts at `offset` ends, and the CRC-32 of its raw bytes that the
    /// index records; `None` when no entry starts there.
    fn extent(&self, offset: u64) -> Option<(u64, u32)> {
        let at = self.sorted.binary_search(&offset).ok()?;
        let end = *self.sorted.get(at + 1)?;
        let n = *self.positions.get(at)? as usize;
        Some((end, be32(&self.idx[IDS + self.count * 20 + n * 4..])))
    }
}

/// The packs of a repository, opened once and shared by the threads of the walk.
pub(super) struct Packs {
    packs: Vec<Pack>,
}

impl Packs {
    /// The packs in `objects_dir/pack`; those that cannot be read are left out.
    pub(super) fn open(objects_dir: &Path) -> Packs {
        let mut paths: Vec<_> = std::fs::read_dir(objects_dir.join("pack"))
            .map(|dir| {
                dir.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|e| e == "idx"))
                    .collect()
            })
            .unwrap_or_default();
        paths.sort();
        Packs {
            packs: paths.iter().filter_map(|p| Pack::open(p)).collect(),
        }
    }

    fn find(&self, id: &[u8]) -> Option<Key> {
        self.packs
            .iter()
            .enumerate()
            .find_map(|(n, pack)| pack.find(id).map(|offset| (n, offset)))
    }
}

/// An object's bytes. The buffers of large objects come from and go back to the thread's
/// spare buffers, by size class: the walk resolves thousands of trees of a few hundred KiB,
/// each a little larger than the one before, and handing them to the allocator one by one
/// left it holding four times the memory in use (and made the kernel clear fresh pages).
pub(super) struct Bytes(Vec<u8>);

impl Bytes {
    pub(super) fn new(data: Vec<u8>) -> Bytes {
        Bytes(data)
    }

    fn capacity(&self) -> usize {
        self.0.capacity()
    }
}

impl std::ops::Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

/// Buffers smaller than this come from the allocator.
const SPARE_MIN_BYTES: usize = 16 << 10;
/// Spare buffers have capacities that are multiples of this.
const SPARE_CLASS_BYTES: usize = 32 << 10;
/// Spare buffers each thread keeps, at most; beyond that the oldest are freed.
const SPARE_BUFFERS: usize = 16;

thread_local! {
    static SPARE: RefCell<std::collections::VecDeque<Vec<u8>>> =
        const { RefCell::new(std::collections::VecDeque::new()) };
}

impl Drop for Bytes {
    fn drop(&mut self) {
        if self.0.capacity() < SPARE_MIN_BYTES {
            return;
        }
        let mut buffer = std::mem::take(&mut self.0);
        buffer.clear();
        // During the thread's exit the spare buffers may be gone already: then it is freed.
        let _ = SPARE.try_with(|spare| {
            if let Ok(mut spare) = spare.try_borrow_mut() {
                if spare.len() >= SPARE_BUFFERS {
                    spare.pop_front();
                }
                spare.push_back(buffer);
            }
        });
    }
}

/// An empty buffer for `size` bytes: a spare one of its size class, else a new one.
fn spare_buffer(size: usize) -> Vec<u8> {
    if size < SPARE_MIN_BYTES {
        return Vec::with_capacity(size);
    }
    let class = size.div_ceil(SPARE_CLASS_BYTES) * SPARE_CLASS_BYTES;
    SPARE
        .try_with(|spare| {
            let mut spare = spare.try_borrow_mut().ok()?;
            // The smallest that fits, if not much too large: walking back in time, folders
            // shrink, and the buffers of their newer versions fit the older ones.
            let (n, _) = spare
                .iter()
                .enumerate()
                .filter(|(_, b)| b.capacity() >= class && b.capacity() <= class + class / 4)
                .min_by_key(|(_, b)| b.capacity())?;
            spare.remove(n)
        })
        .ok()
        .flatten()
        .unwrap_or_else(|| Vec::with_capacity(class))
}

/// Frees this thread's spare buffers.
pub(super) fn free_spare_buffers() {
    let _ = SPARE.try_with(|spare| spare.take());
}

/// An object's place: which pack, at which offset.
type Key = (usize, u64);

enum Entry {
    Whole(Kind, Vec<u8>),
    Delta(Key, Vec<u8>),
}

/// One thread's reader, with its cache of resolved objects (least recently used out first)
/// and its buffers.
pub(super) struct Reader<'p> {
    packs: &'p Packs,
    cache: super::FastMap<Key, (Kind, Rc<Bytes>, u64)>,
    /// Cached keys by last use.
    order: BTreeMap<u64, Key>,
    tick: u64,
    bytes: usize,
    /// How many bytes the cache may hold: at least the limit given, and enough for the
    /// last few dozen versions of the largest folder (the bases a walk needs are recent
    /// versions of the folders it reads); doubled while reads still resolve long chains.
    limit: usize,
    /// The largest object resolved so far.
    largest: usize,
    /// Reads and deltas applied since the limit was last reconsidered.
    reads: u32,
    applied: u32,
    /// The parts of the packs read last: objects read one after another are mostly close to
    /// each other in a pack, so a few reads of a window each replace a read per object.
    windows: Vec<Window>,
}

/// A part of a pack file in memory.
struct Window {
    pack: usize,
    start: u64,
    data: Vec<u8>,
    last_use: u64,
}

/// The cache has room for at least this many objects of the largest size seen...
const CACHED_LARGEST: usize = 32;
/// ... and never more than this many bytes.
const MAX_CACHE_BYTES: usize = 512 << 20;

/// Windows are this large (at least: an entry larger than that gets a window of its own), and
/// start at a multiple of it.
const WINDOW_BYTES: u64 = 64 << 10;
const WINDOWS: usize = 16;

impl<'p> Reader<'p> {
    /// A reader that keeps up to `limit` bytes of resolved objects.
    pub(super) fn new(packs: &'p Packs, limit: usize) -> Self {
        Reader {
            packs,
            cache: super::FastMap::default(),
            order: BTreeMap::new(),
            tick: 0,
            bytes: 0,
            limit,
            largest: 0,
            reads: 0,
            applied: 0,
            windows: Vec::new(),
        }
    }

    /// The object with id `id` (20 bytes), or `None` when it is in none of the packs or
    /// cannot be read from them.
    pub(super) fn read(&mut self, id: &[u8]) -> Option<(Kind, Rc<Bytes>)> {
        let key = self.packs.find(id)?;
        self.resolve(key)
    }

    fn cached(&mut self, key: Key) -> Option<(Kind, Rc<Bytes>)> {
        let (kind, data, last) = self.cache.get_mut(&key)?;
        self.order.remove(last);
        self.tick += 1;
        *last = self.tick;
        self.order.insert(self.tick, key);
        Some((*kind, data.clone()))
    }

    fn keep(&mut self, key: Key, kind: Kind, data: &Rc<Bytes>) {
        if data.capacity() > self.largest {
            self.largest = data.capacity();
            self.limit = self
                .limit
                .max(self.largest.saturating_mul(CACHED_LARGEST))
                .min(MAX_CACHE_BYTES);
        }
        let limit = self.limit;
        // A very large object would push out everything else.
        if data.capacity() > limit / 4 {
            return;
        }
        self.tick += 1;
        self.order.insert(self.tick, key);
        self.bytes += data.capacity();
        if let Some((_, old, last)) = self.cache.insert(key, (kind, data.clone(), self.tick)) {
            self.bytes -= old.capacity();
            self.order.remove(&last);
        }
        while self.bytes > limit {
            let Some((_, oldest)) = self.order.pop_first() else {
                break;
            };
            if let Some((_, old, _)) = self.cache.remove(&oldest) {
                self.bytes -= old.capacity();
            }
        }
    }

    /// The object at `key`: its chain of deltas followed down to a cached or whole object,
    /// then applied back up, each result kept for the objects that have it as their base.
    fn resolve(&mut self, key: Key) -> Option<(Kind, Rc<Bytes>)> {
        // With too small a cache a walk resolves chains from far back again and again: more
        // than one and a half deltas per object read means the cache should be larger.
        self.reads += 1;
        if self.reads == 512 {
            if self.applied > 768 {
                self.limit = (self.limit * 2).min(MAX_CACHE_BYTES);
            }
            (self.reads, self.applied) = (0, 0);
        }
        if let Some(hit) = self.cached(key) {
            return Some(hit);
        }
        let mut deltas: Vec<(Key, Vec<u8>)> = Vec::new();
        let mut at = key;
        let (kind, mut data) = loop {
            if !deltas.is_empty()
                && let Some(hit) = self.cached(at)
            {
                break hit;
            }
            match self.entry(at)? {
                Entry::Whole(kind, data) => {
                    let data = Rc::new(Bytes(data));
                    if !deltas.is_empty() {
                        self.keep(at, kind, &data);
                    }
                    break (kind, data);
                }
                Entry::Delta(base, delta) => {
                    // git limits chains to a few thousand; a longer one is a loop.
                    if deltas.len() >= 10_000 {
                        return None;
                    }
                    deltas.push((at, delta));
                    at = base;
                }
            }
        };
        self.applied += deltas.len() as u32;
        while let Some((at, delta)) = deltas.pop() {
            let mut out = spare_buffer(delta_result_size(&delta)?);
            apply_delta(&data, &delta, &mut out)?;
            data = Rc::new(Bytes(out));
            self.keep(at, kind, &data);
        }
        Some((kind, data))
    }

    /// The entry at `key`, inflated: a whole object or a delta and where its base is.
    fn entry(&mut self, (pack_no, offset): Key) -> Option<Entry> {
        let packs = self.packs;
        let pack = &packs.packs[pack_no];
        let (end, crc) = pack.extent(offset)?;
        let w = self.window(pack_no, offset, end)?;
        let window = &self.windows[w];
        let from = usize::try_from(offset - window.start).ok()?;
        let raw = &window.data[from..from + usize::try_from(end - offset).ok()?];
        // A damaged entry (header, base, or compressed data) is left to libgit2.
        if zlib_rs::crc32::crc32(0, raw) != crc {
            return None;
        }
        // Type and inflated size: 3 bits and a little-endian base-128 number.
        let mut c = *raw.first()?;
        let code = (c >> 4) & 7;
        let mut size = u64::from(c & 15);
        let mut shift = 4u32;
        let mut i = 1;
        while c & 0x80 != 0 {
            c = *raw.get(i)?;
            i += 1;
            if shift > 57 {
                return None;
            }
            size |= u64::from(c & 0x7f) << shift;
            shift += 7;
        }
        let base = match code {
            // OFS_DELTA: the base is that many bytes before, in git's offset encoding.
            6 => {
                let mut c = *raw.get(i)?;
                i += 1;
                let mut back = u64::from(c & 0x7f);
                while c & 0x80 != 0 {
                    c = *raw.get(i)?;
                    i += 1;
                    back = back.checked_add(1)?.checked_mul(128)? | u64::from(c & 0x7f);
                }
                // A base at or after the delta is a damaged pack (or a loop).
                Some((pack_no, offset.checked_sub(back).filter(|_| back > 0)?))
            }
            // REF_DELTA: the base by id, usually in the same pack.
            7 => {
                let id = raw.get(i..i + 20)?;
                i += 20;
                Some(match pack.find(id) {
                    Some(offset) => (pack_no, offset),
                    None => packs.find(id)?,
                })
            }
            _ => None,
        };
        // Deflate makes at most about 1,032 bytes of 1: a larger size is a damaged header, not
        // something to allocate.
        if size > (raw.len() as u64).saturating_mul(1100) + 64 {
            return None;
        }
        let size = usize::try_from(size).ok()?;
        let mut out = spare_buffer(size);
        out.resize(size, 0);
        let (inflated, status) =
            zlib_rs::decompress_slice(&mut out, &raw[i..], zlib_rs::InflateConfig::default());
        if status != zlib_rs::ReturnCode::Ok || inflated.len() != size {
            return None;
        }
        Some(match base {
            Some(base) => Entry::Delta(base, out),
            None => Entry::Whole(Kind::from_pack(code)?, out),
        })
    }
}

impl Reader<'_> {
    /// The window that holds the bytes from `offset` to `end` of pack `pack_no`, read if none
    /// does.
    fn window(&mut self, pack_no: usize, offset: u64, end: u64) -> Option<usize> {
        self.tick += 1;
        let found = self.windows.iter().position(|w| {
            w.pack == pack_no && w.start <= offset && end <= w.start + w.data.len() as u64
        });
        if let Some(w) = found {
            self.windows[w].last_use = self.tick;
            return Some(w);
        }
        let pack = &self.packs.packs[pack_no];
        let start = offset - offset % WINDOW_BYTES;
        // The entries end where the pack's checksum starts.
        let stop = (start + WINDOW_BYTES).min(*pack.sorted.last()?).max(end);
        let len = usize::try_from(stop - start).ok()?;
        let w = if self.windows.len() < WINDOWS {
            self.windows.push(Window {
                pack: pack_no,
                start,
                data: Vec::new(),
                last_use: 0,
            });
            self.windows.len() - 1
        } else {
            (0..self.windows.len()).min_by_key(|&w| self.windows[w].last_use)?
        };
        let window = &mut self.windows[w];
        (window.pack, window.start, window.last_use) = (pack_no, start, self.tick);
        window.data.resize(len, 0);
        if pack.file.read_exact_at(&mut window.data, start).is_err() {
            window.data.clear();
            return None;
        }
        Some(w)
    }
}

/// A size in a delta's header: little-endian base-128.
fn delta_size(delta: &[u8], i: &mut usize) -> Option<usize> {
    let mut value = 0usize;
    let mut shift = 0u32;
    loop {
        let c = *delta.get(*i)?;
        *i += 1;
        if shift > 57 {
            return None;
        }
        value |= usize::from(c & 0x7f) << shift;
        shift += 7;
        if c & 0x80 == 0 {
            return Some(value);
        }
    }
}

/// The size of the object a delta makes; `None` for more than its instructions can make
/// (each byte copies at most 64 KiB).
fn delta_result_size(delta: &[u8]) -> Option<usize> {
    let mut i = 0;
    delta_size(delta, &mut i)?;
    delta_size(delta, &mut i).filter(|&size| size <= delta.len().saturating_mul(0x10000))
}

/// `base` with a git delta applied: copies from the base and inserted bytes.
fn apply_delta(base: &[u8], delta: &[u8], out: &mut Vec<u8>) -> Option<()> {
    let mut i = 0;
    if delta_size(delta, &mut i)? != base.len() {
        return None;
    }
    let size = delta_size(delta, &mut i)?;
    out.clear();
    out.reserve(size);
    while i < delta.len() {
        let op = delta[i];
        i += 1;
        if op & 0x80 != 0 {
            let mut offset = 0usize;
            let mut len = 0usize;
            for bit in 0..4 {
                if op & (1 << bit) != 0 {
                    offset |= usize::from(*delta.get(i)?) << (8 * bit);
                    i += 1;
                }
            }
            for bit in 0..3 {
                if op & (0x10 << bit) != 0 {
                    len |= usize::from(*delta.get(i)?) << (8 * bit);
                    i += 1;
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            out.extend_from_slice(base.get(offset..offset.checked_add(len)?)?);
        } else if op != 0 {
            let len = usize::from(op);
            out.extend_from_slice(delta.get(i..i + len)?);
            i += len;
        } else {
            return None;
        }
        if out.len() > size {
            return None;
        }
    }
    (out.len() == size).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How a test entry is written: a whole object or a delta, and what its header claims.
    enum Raw<'a> {
        Whole(u8, &'a [u8]),
        /// A whole object whose header claims another size.
        Claims(u8, u64, &'a [u8]),
        /// A delta on the object that many bytes before (0: itself).
        Ofs(u64, &'a [u8]),
        /// A delta on the entry of that index (by offset; `bytes` into it).
        OfsInto(usize, u64, &'a [u8]),
        Ref([u8; 20], &'a [u8]),
    }

    fn header(code: u8, size: u64) -> Vec<u8> {
        let mut out = vec![(code << 4) | (size & 15) as u8];
        let mut rest = size >> 4;
        while rest > 0 {
            *out.last_mut().unwrap() |= 0x80;
            out.push((rest & 0x7f) as u8);
            rest >>= 7;
        }
        out
    }

    /// A distance back in git's encoding (as pack-objects writes it).
    fn ofs(mut back: u64) -> Vec<u8> {
        let mut out = vec![(back & 0x7f) as u8];
        loop {
            back >>= 7;
            if back == 0 {
                break;
            }
            back -= 1;
            out.push(0x80 | (back & 0x7f) as u8);
        }
        out.reverse();
        out
    }

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; zlib_rs::compress_bound(data.len())];
        let (done, status) =
            zlib_rs::compress_slice(&mut out, data, zlib_rs::DeflateConfig::default());
        assert_eq!(status, zlib_rs::ReturnCode::Ok);
        done.to_vec()
    }

    /// A pack of `entries` with ids `ids` and its index (version 2; the offsets of entries
    /// from `large_from` on in the 64-bit table) in `dir/pack`; `crc_off` damages one
    /// entry's recorded CRC.
    fn write_pack(
        dir: &Path,
        ids: &[[u8; 20]],
        entries: &[Raw],
        large_from: usize,
        crc_off: Option<usize>,
    ) -> (Vec<u8>, Vec<u8>) {
        let mut pack = b"PACK".to_vec();
        pack.extend(2u32.to_be_bytes());
        pack.extend((entries.len() as u32).to_be_bytes());
        let mut offsets = Vec::new();
        let mut crcs = Vec::new();
        for (n, entry) in entries.iter().enumerate() {
            let offset = pack.len() as u64;
            let mut raw = match entry {
                Raw::Whole(code, data) => {
                    [header(*code, data.len() as u64), deflate(data)].concat()
                }
                Raw::Claims(code, size, data) => [header(*code, *size), deflate(data)].concat(),
                Raw::Ofs(back, delta) => {
                    [header(6, delta.len() as u64), ofs(*back), deflate(delta)].concat()
                }
                Raw::OfsInto(base, into, delta) => {
                    let back = offset - (offsets[*base] + into);
                    [header(6, delta.len() as u64), ofs(back), deflate(delta)].concat()
                }
                Raw::Ref(id, delta) => {
                    [header(7, delta.len() as u64), id.to_vec(), deflate(delta)].concat()
                }
            };
            crcs.push(zlib_rs::crc32::crc32(0, &raw) ^ u32::from(crc_off == Some(n)));
            offsets.push(offset);
            pack.append(&mut raw);
        }
        let trailer = [0x5a; 20];
        pack.extend(trailer);
        let mut order: Vec<usize> = (0..ids.len()).collect();
        order.sort_by_key(|&n| ids[n]);
        let mut idx = vec![0xff, b't', b'O', b'c', 0, 0, 0, 2];
        for first in 0..256 {
            let below = ids.iter().filter(|id| usize::from(id[0]) <= first).count();
            idx.extend((below as u32).to_be_bytes());
        }
        for &n in &order {
            idx.extend(ids[n]);
        }
        for &n in &order {
            idx.extend(crcs[n].to_be_bytes());
        }
        let mut large = Vec::new();
        for &n in &order {
            if n >= large_from {
                idx.extend((0x8000_0000u32 | large.len() as u32).to_be_bytes());
                large.push(offsets[n]);
            } else {
                idx.extend((offsets[n] as u32).to_be_bytes());
            }
        }
        for offset in large {
            idx.extend(offset.to_be_bytes());
        }
        idx.extend(trailer);
        idx.extend([0; 20]);
        std::fs::create_dir_all(dir.join("pack")).unwrap();
        std::fs::write(dir.join("pack/pack-test.pack"), &pack).unwrap();
        std::fs::write(dir.join("pack/pack-test.idx"), &idx).unwrap();
        (pack, idx)
    }

    fn id(n: u8) -> [u8; 20] {
        [n; 20]
    }

    /// A delta from `base_len` bytes: copy the first `copy` bytes, then insert `insert`.
    fn delta(base_len: u8, copy: u8, insert: &[u8]) -> Vec<u8> {
        let mut out = vec![base_len, copy + insert.len() as u8, 0x90, copy];
        out.push(insert.len() as u8);
        out.extend(insert);
        out
    }

    #[test]
    fn packs_are_read_through_32_and_64_bit_offsets_and_damaged_entries_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let hello = delta(5, 5, b" world");
        let entries = [
            Raw::Whole(3, b"hello"),
            Raw::Ofs(0, &hello),
            // The base is the first entry, by offset (set below) and by id.
            Raw::Ref(id(1), &hello),
            Raw::Ref(id(5), &hello),
            Raw::Ref(id(4), &hello),
            Raw::Claims(3, 1 << 40, b"big"),
            Raw::Whole(5, b"reserved type"),
            Raw::OfsInto(0, 2, &hello),
            Raw::Whole(1, b"crc"),
            Raw::Ref(id(1), &delta(5, 5, b"")[..2]),
            Raw::Ref(id(1), &[5, 0xff, 0xff, 0xff, 0x7f, 0x90, 5]),
        ];
        let ids: Vec<[u8; 20]> = (1..=entries.len() as u8).map(id).collect();
        write_pack(dir.path(), &ids, &entries, 2, Some(8));
        let packs = Packs::open(dir.path());
        assert_eq!(packs.packs.len(), 1);
        let mut reader = Reader::new(&packs, 1 << 20);
        let (kind, data) = reader.read(&id(1)).unwrap();
        assert_eq!((kind, &data[..]), (Kind::Blob, &b"hello"[..]));
        // Through the 64-bit offset table, a delta on an object by id.
        let (kind, data) = reader.read(&id(3)).unwrap();
        assert_eq!((kind, &data[..]), (Kind::Blob, &b"hello world"[..]));
        // A delta on itself, a loop of deltas by id, a size no deflate stream makes, a
        // reserved type, a base in the middle of another entry, a recorded CRC that does not
        // match, a delta cut short, a delta claiming a result its instructions cannot make.
        for n in [2, 4, 5, 6, 7, 8, 9, 10, 11] {
            assert!(reader.read(&id(n)).is_none(), "entry {n}");
        }
        assert!(reader.read(&id(99)).is_none());
        // An OFS delta on the first entry, reached by offset.
        let entries = [Raw::Whole(3, b"hello"), Raw::OfsInto(0, 0, &hello)];
        let dir = tempfile::tempdir().unwrap();
        write_pack(dir.path(), &[id(1), id(2)], &entries, 1, None);
        let packs = Packs::open(dir.path());
        let (_, data) = Reader::new(&packs, 0).read(&id(2)).unwrap();
        assert_eq!(&data[..], b"hello world");
    }

    #[test]
    fn packs_and_indexes_that_do_not_match_are_not_read() {
        let entries = [Raw::Whole(3, b"hello"), Raw::Whole(3, b"world")];
        let ids = [id(1), id(2)];
        let dir = tempfile::tempdir().unwrap();
        let (pack, idx) = write_pack(dir.path(), &ids, &entries, 2, None);
        assert_eq!(Packs::open(dir.path()).packs.len(), 1);
        let idx_path = dir.path().join("pack/pack-test.idx");
        let pack_path = dir.path().join("pack/pack-test.pack");
        let damaged = |what: &str, idx: &[u8], pack: &[u8]| {
            std::fs::write(&idx_path, idx).unwrap();
            std::fs::write(&pack_path, pack).unwrap();
            assert!(Packs::open(dir.path()).packs.is_empty(), "{what}");
        };
        let with = |bytes: &[u8], at: usize, value: &[u8]| {
            let mut out = bytes.to_vec();
            out[at..at + value.len()].copy_from_slice(value);
            out
        };
        damaged("index version 1", &with(&idx, 4, &[0, 0, 0, 1]), &pack);
        damaged("not an index", &with(&idx, 0, b"PACK"), &pack);
        damaged("index cut short", &idx[..idx.len() - 41], &pack);
        damaged(
            "another pack's checksum",
            &idx,
            &with(&pack, pack.len() - 1, &[0]),
        );
        damaged("pack cut short", &idx, &pack[..pack.len() - 30]);
        damaged("not a pack", &idx, &with(&pack, 0, b"KCAP"));
        damaged("pack version 4", &idx, &with(&pack, 4, &[0, 0, 0, 4]));
        damaged("other object count", &idx, &with(&pack, 8, &[0, 0, 0, 3]));
        // Both objects at one offset; an offset inside the header; past the end.
        let offsets = IDS + 2 * 24;
        damaged(
            "same offset",
            &with(&idx, offsets + 4, &idx[offsets..offsets + 4]),
            &pack,
        );
        damaged(
            "offset in the header",
            &with(&idx, offsets, &[0, 0, 0, 4]),
            &pack,
        );
        damaged(
            "offset past the end",
            &with(&idx, offsets, &[0, 0, 1, 0]),
            &pack,
        );
        damaged(
            "no 64-bit offset",
            &with(&idx, offsets, &[0x80, 0, 0, 0]),
            &pack,
        );
        // The last entry cut short, the checksum kept: the pack opens, the entry is not read.
        std::fs::write(&idx_path, &idx).unwrap();
        let cut = [&pack[..pack.len() - 23], &pack[pack.len() - 20..]].concat();
        std::fs::write(&pack_path, cut).unwrap();
        let packs = Packs::open(dir.path());
        assert_eq!(packs.packs.len(), 1);
        let mut reader = Reader::new(&packs, 0);
        assert_eq!(&reader.read(&id(1)).unwrap().1[..], b"hello");
        assert!(reader.read(&id(2)).is_none());
        std::fs::write(&pack_path, &pack).unwrap();
        std::fs::remove_file(&idx_path).unwrap();
        assert!(Packs::open(dir.path()).packs.is_empty(), "no index");
    }

    #[test]
    fn deltas_copy_and_insert() {
        let base = b"0123456789abcdef";
        // base size 16, result size 9: copy 4 bytes at 2, insert "XYZ", copy 2 at 14.
        let delta = [16, 9, 0x91, 2, 4, 3, b'X', b'Y', b'Z', 0x91, 14, 2];
        let apply = |base: &[u8], delta: &[u8]| {
            // A reused buffer: what it held before does not matter.
            let mut out = b"old contents".to_vec();
            apply_delta(base, delta, &mut out).map(|()| out)
        };
        assert_eq!(apply(base, &delta).unwrap(), b"2345XYZef");
        // A wrong base size, a copy past the end, a zero opcode, a short result.
        assert!(apply(base, &[15, 1, 1, b'x']).is_none());
        assert!(apply(base, &[16, 4, 0x91, 14, 4]).is_none());
        assert!(apply(base, &[16, 1, 0]).is_none());
        assert!(apply(base, &[16, 2, 1, b'x']).is_none());
        // A copy of size 0 means 64 KiB.
        let big = vec![7u8; 0x10000];
        let delta = [0x80, 0x80, 4, 0x80, 0x80, 4, 0x80];
        assert_eq!(apply(&big, &delta).unwrap(), big);
    }
}
