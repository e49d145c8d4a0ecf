//! Words as Pagefind indexes them: which strings one word of text is filed under.
//!
//! This is Pagefind 1.6's own splitting (`fossick/splitting.rs` in the pagefind crate, which
//! keeps it private), carried over rule for rule, because the browser half of Pagefind looks
//! words up exactly as its indexer filed them: lower-cased alphanumerics (plus the characters
//! Pagefind's entry file lists as part of words), diacritics folded, the Snowball stemmer the
//! WebAssembly uses at query time, and the parts of compound words (`checkout-web`,
//! `ledgerDb`, `a.b.c`) at a share of the word's weight. The format test in
//! `search_index::tests` fails when a new Pagefind files a word differently.

use std::collections::HashSet;
use std::sync::LazyLock;

use convert_case::{Case, Casing};
use pagefind_stem::{Algorithm, Stemmer};
use regex::Regex;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};
use unicode_segmentation::UnicodeSegmentation;

const MAX_KATAKANA_SUFFIX_CHARS: usize = 16;
const MAX_DOTTED_TAIL_CHARS: usize = 64;

static EMOJI: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("\\p{Emoji}").expect("a valid regular expression"));

/// One string a word is filed under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indexable {
    /// Normalised and stemmed: what a query is matched against.
    pub stemmed: String,
    /// A part of a compound word (it gets a share of the word's weight).
    pub compound_part: bool,
    /// The form before diacritics were folded, when it differs (`café` for `cafe`): Pagefind
    /// keeps it as a variant, so results with the exact accents rank first.
    pub original: Option<String>,
}

/// Splits and stems words of one language.
pub struct Splitter {
    stemmer: Option<Stemmer>,
    /// Characters that count as part of a word besides letters and digits.
    include: Vec<char>,
    /// Stems of the words seen: the parts of compound words (`checkout`, `svc`) recur in
    /// many different compounds.
    stems: hashbrown::HashMap<Box<str>, Box<str>>,
}

/// Stems remembered before they are all forgotten.
const CACHED_STEMS: usize = 100_000;

impl Splitter {
    /// A splitter for `language` (an ISO 639-1 code such as `en`); `include` are the extra
    /// word characters of Pagefind's entry file.
    pub fn new(language: &str, include: Vec<char>) -> Splitter {
        Splitter {
            stemmer: stemmer(language),
            include,
            stems: hashbrown::HashMap::new(),
        }
    }

    /// What a word of the page's text is filed under: the word itself, its compound parts and
    /// the compound tails after its dots.
    pub fn content_words(&mut self, raw: &str) -> Vec<Indexable> {
        let mut words = self.indexable_words(raw);
        let tails = self.dotted_tails(raw, &words);
        words.extend(tails);
        words
    }

    /// What a word of a metadata value (such as the title) is filed under.
    pub fn indexable_words(&mut self, raw: &str) -> Vec<Indexable> {
        let mut results = Vec::new();
        let normalized = normalize_word(raw, &self.include);
        if !normalized.is_empty() {
            results.push(self.stem_word(&normalized, false));
        }
        for suffix in katakana_suffixes(raw) {
            let folded = normalize_diacritics(suffix);
            results.push(Indexable {
                original: folded.as_ref().map(|_| suffix.to_string()),
                stemmed: folded.unwrap_or_else(|| suffix.to_string()),
                compound_part: true,
            });
        }
        let possibly_compound = raw.chars().any(|c| !c.is_alphanumeric())
            || raw.chars().skip(1).any(char::is_uppercase);
        if !possibly_compound {
            return results;
        }
        let (parts, emoji) = discrete_words(raw);
        if !normalized.is_empty()
            && (parts.contains(char::is_whitespace) || !normalized.starts_with(&parts))
        {
            // Only parts of two or more bytes are indexed.
            for part in parts.split_whitespace().filter(|w| w.len() > 1) {
                let folded = normalize_diacritics(part);
                let base = folded.as_deref().unwrap_or(part);
                let stemmed = self.stem(base);
                results.push(Indexable {
                    stemmed,
                    original: folded.map(|_| part.to_string()),
                    compound_part: true,
                });
            }
        }
        results.extend(emoji.into_iter().map(|e| Indexable {
            stemmed: e,
            compound_part: false,
            original: None,
        }));
        results
    }

    /// The compound words after the dots of a dotted word, so `sysconfig.is_python_build`
    /// also finds `is_python_build`.
    fn dotted_tails(&mut self, raw: &str, existing: &[Indexable]) -> Vec<Indexable> {
        let mut tails = Vec::new();
        if !raw.contains('.') {
            return tails;
        }
        let seen: HashSet<String> = existing.iter().map(|w| w.stemmed.clone()).collect();
        let mut seen_tails: HashSet<String> = HashSet::new();
        for (i, _) in raw.match_indices('.') {
            let rest = &raw[i + 1..];
            let tail = match rest.char_indices().nth(MAX_DOTTED_TAIL_CHARS) {
                Some((end, _)) => &rest[..end],
                None => rest,
            };
            let compound = tail.chars().any(|c| !c.is_alphanumeric())
                || tail.chars().skip(1).any(char::is_uppercase);
            if !compound {
                // A plain tail is already indexed, as the last compound part.
                continue;
            }
            let normalized = normalize_word(tail, &self.include);
            if normalized.chars().count() < 2 {
                continue;
            }
            let word = self.stem_word(&normalized, true);
            if !seen.contains(&word.stemmed) && seen_tails.insert(word.stemmed.clone()) {
                tails.push(word);
            }
        }
        tails
    }

    /// The stem of a normalised word (the word itself without a stemmer).
    fn stem(&mut self, word: &str) -> String {
        let Some(stemmer) = &self.stemmer else {
            return word.to_string();
        };
        if let Some(stem) = self.stems.get(word) {
            return stem.to_string();
        }
        let stem = stemmer.stem(word).into_owned();
        if self.stems.len() >= CACHED_STEMS {
            self.stems.clear();
        }
        self.stems.insert(word.into(), stem.as_str().into());
        stem
    }

    fn stem_word(&mut self, normalized: &str, compound_part: bool) -> Indexable {
        let folded = normalize_diacritics(normalized);
        let base = folded.as_deref().unwrap_or(normalized);
        let stemmed = self.stem(base);
        Indexable {
            stemmed,
            original: folded.map(|_| normalized.to_string()),
            compound_part,
        }
    }
}

/// The Snowball stemmer Pagefind uses for a language (none: words are matched unstemmed).
fn stemmer(language: &str) -> Option<Stemmer> {
    let algorithm = match language.split('-').next().unwrap_or_default() {
        "ar" => Algorithm::Arabic,
        "hy" => Algorithm::Armenian,
        "eu" => Algorithm::Basque,
        "ca" => Algorithm::Catalan,
        "da" => Algorithm::Danish,
        "nl" => Algorithm::Dutch,
        "en" => Algorithm::English,
        "eo" => Algorithm::Esperanto,
        "et" => Algorithm::Estonian,
        "fi" => Algorithm::Finnish,
        "fr" => Algorithm::French,
        "de" => Algorithm::German,
        "el" => Algorithm::Greek,
        "hi" => Algorithm::Hindi,
        "hu" => Algorithm::Hungarian,
        "id" => Algorithm::Indonesian,
        "ga" => Algorithm::Irish,
        "it" => Algorithm::Italian,
        "lt" => Algorithm::Lithuanian,
        "nb" | "nn" | "no" => Algorithm::Norwegian,
        "ne" => Algorithm::Nepali,
        "pt" => Algorithm::Portuguese,
        "ro" => Algorithm::Romanian,
        "ru" => Algorithm::Russian,
        "sr" => Algorithm::Serbian,
        "pl" => Algorithm::Polish,
        "es" => Algorithm::Spanish,
        "sv" => Algorithm::Swedish,
        "ta" => Algorithm::Tamil,
        "tr" => Algorithm::Turkish,
        "yi" => Algorithm::Yiddish,
        _ => return None,
    };
    Some(Stemmer::create(algorithm))
}

/// Letters, digits and the extra word characters, lower-cased.
fn normalize_word(raw: &str, include: &[char]) -> String {
    let mut normalized = String::with_capacity(raw.len());
    for mut c in raw.chars() {
        if c.is_alphanumeric() || include.contains(&c) {
            c.make_ascii_lowercase();
            if c.is_uppercase() {
                // Non-ASCII capitals can lower to several characters.
                normalized.extend(c.to_lowercase());
            } else {
                normalized.push(c);
            }
        }
    }
    normalized
}

fn is_katakana(c: char) -> bool {
    matches!(c as u32, 0x30A1..=0x30FA | 0x30FC..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F)
}

/// Every suffix of a katakana word, so prefix matching finds its substrings (Pagefind's
/// segmenter has no katakana dictionary).
fn katakana_suffixes(word: &str) -> Vec<&str> {
    if word.chars().count() < 3 || !word.chars().all(is_katakana) {
        return Vec::new();
    }
    let mut seen = HashSet::new();
    let mut suffixes = Vec::new();
    for (i, _) in word.char_indices().skip(1) {
        let rest = &word[i..];
        let suffix = match rest.char_indices().nth(MAX_KATAKANA_SUFFIX_CHARS) {
            Some((end, _)) => &rest[..end],
            None => rest,
        };
        if suffix.chars().count() >= 2 && seen.insert(suffix) {
            suffixes.push(suffix);
        }
    }
    suffixes
}

/// The word without its diacritics, when it has any (`café` -> `cafe`); the kana voicing
/// marks are kept, as they tell words apart.
fn normalize_diacritics(word: &str) -> Option<String> {
    if word.is_ascii() || !has_decomposition(word) {
        return None;
    }
    let stripped: String = word
        .nfd()
        .filter(|c| !is_combining_mark(*c) || matches!(*c, '\u{3099}' | '\u{309A}'))
        .collect();
    let normalized = if stripped
        .chars()
        .any(|c| matches!(c, '\u{3099}' | '\u{309A}'))
    {
        stripped.nfc().collect::<String>()
    } else {
        stripped
    };
    (normalized != word).then_some(normalized)
}

fn has_decomposition(word: &str) -> bool {
    word.chars().any(|c| {
        is_combining_mark(c) || {
            let mut decomposes = false;
            decompose_canonical(c, |part| decomposes = decomposes || part != c);
            decomposes
        }
    })
}

/// The parts of a compound word, lower-case and space-separated (split at punctuation and
/// at case changes), and the emoji in it.
fn discrete_words(word: &str) -> (String, Vec<String>) {
    if let Some(parts) = simple_parts(word) {
        return (parts, Vec::new());
    }
    let parts = word
        .replace(|c: char| c.is_ascii_punctuation(), " ")
        .to_case(Case::Lower)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let emoji = if EMOJI.is_match(word) {
        word.graphemes(true)
            .filter(|g| emojis::get(g).is_some())
            .map(str::to_string)
            .collect()
    } else {
        Vec::new()
    };
    (parts, emoji)
}

/// [`discrete_words`] of the most common compound words, without convert_case (whose
/// grapheme-by-grapheme splitting was most of the cost of indexing a new word): ASCII letters,
/// digits and punctuation only (`checkout-web`, `Replicas,`, `OPS-2102`, `2026-03-14T09:06Z`).
/// convert_case splits at punctuation, between letters and digits, and between a small and a
/// capital letter; so when every run of letters is small letters, capitals, or a capital
/// followed by small letters, the parts are these runs and the runs of digits, lower-cased.
/// No ASCII character is an emoji on its own (the digits, `#` and `*` only start keycap
/// sequences), so there are none. `None` for anything else (`HTTPServer`, non-ASCII).
fn simple_parts(word: &str) -> Option<String> {
    if !word
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b.is_ascii_punctuation())
    {
        return None;
    }
    let mut parts = String::with_capacity(word.len() + 8);
    for run in word.split(|c: char| c.is_ascii_punctuation()) {
        let bytes = run.as_bytes();
        let mut start = 0;
        while start < bytes.len() {
            let digits = bytes[start].is_ascii_digit();
            let end = bytes[start..]
                .iter()
                .position(|b| b.is_ascii_digit() != digits)
                .map_or(bytes.len(), |n| start + n);
            let segment = &run[start..end];
            if !digits && !is_one_word(segment.as_bytes()) {
                return None;
            }
            if !parts.is_empty() {
                parts.push(' ');
            }
            parts.push_str(&segment.to_ascii_lowercase());
            start = end;
        }
    }
    Some(parts)
}

/// Letters with no case boundary inside: `ops`, `OPS`, `Ops`.
fn is_one_word(letters: &[u8]) -> bool {
    let rest = letters.get(1..).unwrap_or_default();
    rest.iter().all(u8::is_ascii_lowercase) || letters.iter().all(u8::is_ascii_uppercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(raw: &str) -> Vec<(String, bool)> {
        Splitter::new("en", vec!['_'])
            .content_words(raw)
            .into_iter()
            .map(|w| (w.stemmed, w.compound_part))
            .collect()
    }

    #[test]
    fn plain_words_are_lower_cased_and_stemmed() {
        assert_eq!(stems("Replicas,"), [("replica".to_string(), false)]);
        assert_eq!(stems("—"), []);
    }

    #[test]
    fn compound_words_are_filed_under_their_parts_too() {
        let words = stems("checkout-web");
        assert_eq!(words[0], ("checkoutweb".to_string(), false));
        assert!(words.contains(&("checkout".to_string(), true)));
        assert!(words.contains(&("web".to_string(), true)));
        let camel = stems("ledgerDb");
        assert!(camel.contains(&("ledger".to_string(), true)), "{camel:?}");
        let dotted = stems("sysconfig.is_python_build");
        assert!(
            dotted.iter().any(|(w, _)| w == "is_python_build"),
            "{dotted:?}"
        );
    }

    /// Every ASCII character on its own, which [`simple_parts`] assumes.
    #[test]
    fn no_ascii_character_is_an_emoji() {
        for b in 0u8..128 {
            let c = (b as char).to_string();
            assert!(emojis::get(&c).is_none(), "{c:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        /// The shortcut agrees with convert_case wherever it answers.
        #[test]
        fn simple_parts_are_convert_cases(word in "[aAbBzZ0-9_.,:;()'\"/#*é-]{1,14}") {
            if let Some(parts) = simple_parts(&word) {
                let slow = word
                    .replace(|c: char| c.is_ascii_punctuation(), " ")
                    .to_case(Case::Lower)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                proptest::prop_assert_eq!(parts, slow);
            }
        }
    }

    #[test]
    fn diacritics_are_folded_and_the_original_kept() {
        let words = Splitter::new("en", vec![]).content_words("Café");
        assert_eq!(words[0].stemmed, "cafe");
        assert_eq!(words[0].original.as_deref(), Some("café"));
    }
}
