//! Pagefind's file format, as its engine (`pagefind.js` and its WebAssembly) reads it: CBOR
//! structures, file names from SHA-1 hashes, and gzip with Pagefind's signature in front.
//! The structures are those of the pagefind crate's `index/index_*.rs`, written field by field
//! with minicbor's encoder (the crate derives them; the test in `search_index::tests` compares
//! the bytes with Pagefind's own).

use std::cell::RefCell;
use std::convert::Infallible;

use libdeflater::{CompressionLvl, Compressor};
use minicbor::Encoder;
use sha1::{Digest, Sha1};

/// What every compressed file of the index starts with once inflated: the engine checks it.
const SIGNATURE: &[u8] = b"pagefind_dcd";

/// A CBOR document being written into memory.
pub struct Cbor(Encoder<Vec<u8>>);

/// Writing to a `Vec` cannot fail: the `Result` of minicbor's encoder is always `Ok`.
fn infallible<T>(_: Result<T, minicbor::encode::Error<Infallible>>) {}

impl Cbor {
    pub fn new() -> Cbor {
        Cbor(Encoder::new(Vec::new()))
    }

    pub fn with_capacity(bytes: usize) -> Cbor {
        Cbor(Encoder::new(Vec::with_capacity(bytes)))
    }

    pub fn array(&mut self, len: usize) -> &mut Cbor {
        infallible(self.0.array(len as u64));
        self
    }

    pub fn str(&mut self, s: &str) -> &mut Cbor {
        infallible(self.0.str(s));
        self
    }

    pub fn uint(&mut self, n: u64) -> &mut Cbor {
        infallible(self.0.u64(n));
        self
    }

    /// Appends bytes that are already CBOR.
    pub fn raw(&mut self, bytes: &[u8]) -> &mut Cbor {
        self.vec_mut().extend_from_slice(bytes);
        self
    }

    pub fn clear(&mut self) {
        self.0.writer_mut().clear();
    }

    /// The bytes written so far, to append CBOR written elsewhere.
    pub fn vec_mut(&mut self) -> &mut Vec<u8> {
        self.0.writer_mut()
    }

    pub fn bytes(&self) -> &[u8] {
        self.0.writer()
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0.into_writer()
    }
}

/// Pagefind's hash of a file's contents: SHA-1, each byte in lower-case hex *without* a
/// leading zero (its `format!("{:x?}", byte)`), so it is 20 to 40 characters long.
pub fn full_hash(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let digest = Sha1::digest(bytes);
    let mut hex = String::with_capacity(40);
    for byte in digest {
        let _ = write!(hex, "{byte:x}");
    }
    hex
}

/// How a short file name grows when it is already taken by another file of the same kind.
#[derive(Clone, Copy)]
pub enum Collisions {
    /// Fragments: one more character each time.
    ByOne,
    /// Index chunks and filters: two more characters each time, up to the full hash.
    ByTwo,
}

/// The file name of `hash` (`LANG_HEX...`): the language, `_` and seven hex digits, grown
/// while `taken` says that name is used, the way Pagefind does it.
pub fn short_name(
    hash: &str,
    language: &str,
    growth: Collisions,
    taken: impl Fn(&str) -> bool,
) -> String {
    let mut end = (language.len() + 8).min(hash.len());
    while taken(&hash[..end]) {
        match growth {
            Collisions::ByOne if end < hash.len() => end += 1,
            Collisions::ByTwo if end + 2 <= hash.len() => {
                end += 2;
                if end == hash.len() {
                    break;
                }
            }
            _ => break,
        }
    }
    hash[..end].to_string()
}

/// `bytes` gzipped at `level` (libdeflate's, 1 to 12) behind Pagefind's signature, as the
/// engine fetches them. Each thread keeps its compressor.
pub fn gzip(bytes: &[u8], level: u32) -> Vec<u8> {
    thread_local! {
        static COMPRESSOR: RefCell<Option<(u32, Compressor)>> = const { RefCell::new(None) };
    }
    let mut input = Vec::with_capacity(bytes.len() + SIGNATURE.len());
    input.extend_from_slice(SIGNATURE);
    input.extend_from_slice(bytes);
    COMPRESSOR.with_borrow_mut(|slot| {
        if slot.as_ref().is_none_or(|(l, _)| *l != level) {
            let lvl = CompressionLvl::new(level.clamp(1, 12) as i32).unwrap_or_default();
            *slot = Some((level, Compressor::new(lvl)));
        }
        let Some((_, compressor)) = slot.as_mut() else {
            return Vec::new();
        };
        let mut out = vec![0; compressor.gzip_compress_bound(input.len())];
        // The output has room for the bound libdeflate gives, so this cannot fail.
        let written = compressor.gzip_compress(&input, &mut out).unwrap_or(0);
        out.truncate(written);
        out
    })
}

/// Pagefind's weight of a word in a run of text of weight `weight` (1 is ordinary text; its
/// `data-pagefind-weight`): a byte, 24 per unit, at most 10 units; above 0, at least 1.
pub fn encode_weight(weight: f32) -> u8 {
    if weight.is_nan() || weight <= 0.0 {
        0
    } else {
        ((weight.clamp(0.0, 10.0) * 24.0) as u8).max(1)
    }
}

/// Pagefind's `locs` of one word on one page from its `(weight, position)` occurrences:
/// sorted by weight (ordinary weight first) then position, positions delta-encoded, and a
/// change of weight written as `-(weight + 1)` followed by the absolute position.
pub fn encode_locs(occurrences: &mut [(u8, u32)], out: &mut Vec<i32>) {
    // Pagefind sorts weight 25 first, believing it the ordinary weight (it is 24).
    occurrences.sort_unstable_by_key(|&(w, p)| (if w == 25 { 0 } else { w }, p));
    let mut current = 25u8;
    let mut last = 0u32;
    for &(weight, position) in occurrences.iter() {
        if weight != current {
            out.push(-i32::from(weight) - 1);
            out.push(position as i32);
            current = weight;
        } else {
            out.push(position.wrapping_sub(last) as i32);
        }
        last = position;
    }
}

/// Pagefind's `meta_locs` of one word on one page from its `(field, position)` occurrences:
/// sorted, a change of field written as `-(field + 1)`, positions delta-encoded per field.
pub fn encode_meta_locs(occurrences: &mut [(u32, u32)], out: &mut Vec<i32>) {
    occurrences.sort_unstable();
    let mut current = None;
    let mut last = 0u32;
    for &(field, position) in occurrences.iter() {
        if current != Some(field) {
            out.push(-(field as i32) - 1);
            current = Some(field);
            last = 0;
        }
        out.push(position.wrapping_sub(last) as i32);
        last = position;
    }
}

/// The prefixes that tell the last word of one chunk from the first of the next: their
/// common prefix plus one character of each.
pub fn chunk_bounds(a: &str, b: &str) -> (String, String) {
    let common = b.chars().zip(a.chars()).take_while(|(x, y)| x == y).count();
    (
        a.chars().take(common + 1).collect(),
        b.chars().take(common + 1).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_drop_leading_zeros_like_pagefind() {
        // SHA-1 of "" is da39a3ee 5e6b4b0d 3255bfef 95601890 afd80709.
        assert_eq!(full_hash(b""), "da39a3ee5e6b4bd3255bfef95601890afd879");
    }

    #[test]
    fn names_grow_on_collisions() {
        let hash = "en_0123456789abcdef";
        assert_eq!(
            short_name(hash, "en", Collisions::ByOne, |_| false),
            "en_0123456"
        );
        assert_eq!(
            short_name(hash, "en", Collisions::ByOne, |n| n.len() < 12),
            "en_012345678"
        );
        assert_eq!(
            short_name(hash, "en", Collisions::ByTwo, |n| n.len() < 11),
            "en_012345678"
        );
    }

    #[test]
    fn locations_follow_pagefinds_encoding() {
        let mut out = Vec::new();
        encode_locs(&mut [(24, 9), (24, 3), (48, 5)], &mut out);
        assert_eq!(out, [-25, 3, 6, -49, 5]);
        let mut meta = Vec::new();
        encode_meta_locs(&mut [(3, 2), (0, 5), (0, 0)], &mut meta);
        assert_eq!(meta, [-1, 0, 5, -4, 2]);
        assert_eq!(
            chunk_bounds("apple", "apricot"),
            ("app".into(), "apr".into())
        );
        assert_eq!(encode_weight(1.0), 24);
        assert_eq!(encode_weight(0.00001), 1);
        assert_eq!(encode_weight(99.0), 240);
        assert_eq!(encode_weight(-3.0), 0);
    }
}
