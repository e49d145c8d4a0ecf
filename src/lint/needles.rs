//! Needle words: a cheap test that tells a rule its expensive search cannot match, so it can
//! skip it. Rules whose patterns are case-insensitive regular expressions without a literal
//! prefix (`possible-secret`, `blameful-language`) would otherwise run them over every text,
//! and almost no text holds what they look for.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};

/// A set of lower-case ASCII (or exact non-ASCII) words, found in one pass over a text.
pub struct Needles {
    words: Vec<&'static str>,
    finder: AhoCorasick,
}

/// The needle words a text holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// These words, each once, in no particular order.
    Words(Vec<&'static str>),
    /// The text holds a character that case-insensitive matching folds onto an ASCII letter
    /// (the Kelvin sign, the long s), so a pattern may match where no needle is: assume all.
    Unknown,
}

impl Found {
    /// Whether `word` (one of the needles) is in the text, or may be.
    pub fn may_contain(&self, word: &str) -> bool {
        match self {
            Found::Words(words) => words.contains(&word),
            Found::Unknown => true,
        }
    }
}

impl Needles {
    /// `words` are lower case, and none is a prefix of another (so that at most one of them
    /// starts at any position of a text, and [`Needles::find`] can report each).
    pub fn new(words: &[&'static str]) -> Needles {
        assert!(
            words
                .iter()
                .all(|w| !w.bytes().any(|b| b.is_ascii_uppercase())),
            "needles are lower case"
        );
        assert!(
            words
                .iter()
                .all(|a| words.iter().all(|b| a == b || !b.starts_with(a))),
            "no needle is a prefix of another"
        );
        // Case-sensitive and leftmost, over a lower-cased copy of the text: that lets the
        // search skip ahead with a SIMD prefilter. Case-insensitive or overlapping search run
        // the automaton on every byte, five times the instructions of the copy and the search.
        let finder = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(words)
            .expect("needle words build an automaton");
        Needles {
            words: words.to_vec(),
            finder,
        }
    }

    /// Which needle words `text` holds, ignoring ASCII case: one pass over the text, where
    /// testing each word with `contains` on a lower-cased copy made one pass per word.
    pub fn find(&self, text: &str) -> Found {
        // Single-char searches use memchr; a char-set pattern would walk the text char by char.
        if !text.is_ascii() && (text.contains('\u{212A}') || text.contains('\u{17F}')) {
            return Found::Unknown;
        }
        let text = text.to_ascii_lowercase();
        let mut found: Vec<&'static str> = Vec::new();
        let mut at = 0;
        // The next match starting at or after `at`; restarting one byte past each match start
        // (not past its end) also finds a word that starts inside another.
        while let Some(m) = self.finder.find(Input::new(&text).span(at..text.len())) {
            let word = self.words[m.pattern().as_usize()];
            if !found.contains(&word) {
                found.push(word);
            }
            at = m.start() + 1;
        }
        Found::Words(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(found: Found) -> Vec<&'static str> {
        match found {
            Found::Words(mut words) => {
                words.sort_unstable();
                words
            }
            Found::Unknown => panic!("unknown"),
        }
    }

    #[test]
    fn finds_each_word_once_in_any_ascii_case() {
        let needles = Needles::new(&["key", "token", "secret"]);
        assert_eq!(
            words(needles.find("API_KEY=1 and Token, tokens, KEYS")),
            ["key", "token"]
        );
        assert_eq!(words(needles.find("nothing here")), Vec::<&str>::new());
    }

    #[test]
    fn finds_words_that_overlap_or_nest() {
        let needles = Needles::new(&["should have ", "have known", "s fault", "fault of"]);
        assert_eq!(
            words(needles.find("he should have known; it was his fault of course")),
            ["fault of", "have known", "s fault", "should have "]
        );
    }

    #[test]
    #[should_panic(expected = "prefix")]
    fn a_word_that_is_a_prefix_of_another_is_refused() {
        Needles::new(&["pass", "password"]);
    }

    #[test]
    fn non_ascii_words_match_exactly() {
        let needles = Needles::new(&["should’ve "]);
        assert_eq!(words(needles.find("SHOULD’VE known")), ["should’ve "]);
        assert_eq!(words(needles.find("should've known")), Vec::<&str>::new());
    }

    #[test]
    fn characters_that_fold_onto_ascii_make_it_unknown() {
        let needles = Needles::new(&["key"]);
        assert_eq!(needles.find("API_\u{212A}EY"), Found::Unknown);
        assert_eq!(needles.find("pa\u{17F}\u{17F}word"), Found::Unknown);
        assert!(Found::Unknown.may_contain("key"));
        // Other non-ASCII text is searched as usual.
        assert_eq!(words(needles.find("clé KEY")), ["key"]);
    }
}
