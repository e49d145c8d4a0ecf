use std::sync::LazyLock;

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use regex::Regex;

use crate::document::{Document, Kind, markdown};
use crate::lint::needles::Needles;
use crate::lint::{CheckContext, Emitter, Meta, Rule, rule_meta};

/// Wording that blames people in a postmortem.
pub struct BlamefulLanguage;

/// (pattern, what to write instead)
static PHRASES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (r"\b(?:human|operator|pilot) errors?\b", "describe the conditions that made the mistake possible and easy: missing guard rails, confusing tools, time pressure"),
        (r"\b\w+(?:'|’)s fault\b|\bfault of\b|\b(?:his|her|their|my|your) fault\b", "say what happened and which safeguard was missing, not whose fault it was"),
        (r"\bshould(?: have|(?:'|’)ve) (?:known|noticed|checked|caught|realized|realised)\b", "hindsight: describe what the person knew at the time and why the action made sense then"),
        (r"\bcareless(?:ly|ness)?\b|\bnegligen(?:t|ce)\b|\bincompeten(?:t|ce)\b|\bsloppy\b|\blazy\b", "describe the action and its context, not a person's character"),
        (r"\bblam(?:e|ed|es|ing)\b", "postmortems look for causes in systems and processes; drop the blame"),
        (r"\b(?:he|she|they|someone|somebody)\s+(?:forgot|neglected)\s+to\b", "describe which step was missing from the process or the tooling"),
        (r"\bdropped the ball\b|\bfat[- ]finger(?:ed|s)?\b", "describe the action and what would have caught it"),
    ]
    .into_iter()
    .map(|(pattern, help)| (Regex::new(&format!("(?i){pattern}")).expect("valid phrase"), help))
    .collect()
});

/// What a match of each of [`PHRASES`] contains, in lower case: one word of every group.
const NEEDLES: &[&[&[&str]]] = &[
    &[&["human error", "operator error", "pilot error"]],
    // `X's fault`, `his/her/their/my/your fault`, `fault of` (not `default`).
    &[&["s fault", "r fault", "y fault", "fault of"]],
    &[
        &["should have ", "should've ", "should’ve "],
        &[
            "known", "noticed", "checked", "caught", "realized", "realised",
        ],
    ],
    &[&["careless", "negligen", "incompeten", "sloppy", "lazy"]],
    &[&["blam"]],
    &[&["forgot", "neglected"]],
    &[&["dropped the ball", "finger"]],
];

/// Whether `body` may hold a phrase: false only when no phrase has its [`NEEDLES`] in it. Almost no
/// body does, and then the second Markdown parse and the phrase search (most of the cost of
/// this rule) are skipped. The text events the phrases run on come from the source, except
/// for character references (`&#102;`, `&amp;`), so a body with one is always searched.
fn may_contain_phrase(body: &str) -> bool {
    let reference = memchr::memchr_iter(b'&', body.as_bytes()).any(|i| {
        body.as_bytes()
            .get(i + 1)
            .is_some_and(|&b| b == b'#' || b.is_ascii_alphabetic())
    });
    if reference {
        return true;
    }
    let present = NEEDLE_FINDER.find(body);
    NEEDLES.iter().any(|groups| {
        groups
            .iter()
            .all(|group| group.iter().any(|n| present.may_contain(n)))
    })
}

/// Every word of [`NEEDLES`], found in one pass.
static NEEDLE_FINDER: LazyLock<Needles> = LazyLock::new(|| {
    let words: Vec<&'static str> = NEEDLES
        .iter()
        .flat_map(|groups| groups.iter())
        .flat_map(|group| group.iter().copied())
        .collect();
    Needles::new(&words)
});

const META: Meta = rule_meta! {
    id: "blameful-language",
    level: Warning,
    reads: [],
    summary: r#"Wording in a postmortem that blames people ("human error", "Bob's fault", "should have known")."#,
};

impl Rule for BlamefulLanguage {
    fn meta(&self) -> &'static Meta {
        &META
    }
    fn check(&self, doc: &Document, _ctx: &CheckContext, out: &mut Emitter) {
        if !doc.is_usable() || doc.kind != Some(Kind::Postmortem) {
            return;
        }
        let body = doc.body();
        if !may_contain_phrase(body) {
            return;
        }
        let base = doc.body_start;
        let mut in_code = false;
        for (event, range) in Parser::new_ext(body, markdown::options()).into_offset_iter() {
            match event {
                Event::Start(Tag::CodeBlock(_)) => in_code = true,
                Event::End(TagEnd::CodeBlock) => in_code = false,
                Event::Text(text) if !in_code => {
                    // Text without entities or escapes sits verbatim in the source.
                    let verbatim = &body[range.clone()] == text.as_ref();
                    for (regex, help) in PHRASES.iter() {
                        for m in regex.find_iter(&text) {
                            if is_negated(&text[..m.start()]) {
                                continue;
                            }
                            let span = if verbatim {
                                base + range.start + m.start()..base + range.start + m.end()
                            } else {
                                base + range.start..base + range.end
                            };
                            out.emit(
                                span,
                                format!("blameful wording: \"{}\"", m.as_str()),
                                "blames a person",
                                format!("{help}. Blameless postmortems get honest timelines; blame gets silence next time"),
                            );
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// "no-blame", "nobody is to blame", "without blame": the words, used to reject blame.
fn is_negated(before: &str) -> bool {
    let before = before.to_lowercase();
    let before = before.trim_end();
    [
        "no-",
        "no",
        "not to",
        "nobody is to",
        "no one is to",
        "without",
        "non-",
    ]
    .iter()
    .any(|w| {
        before.ends_with(w)
            && (w.ends_with('-')
                || before.len() == w.len()
                || !before[..before.len() - w.len()].ends_with(char::is_alphanumeric))
    })
}

#[cfg(test)]
mod tests {
    use super::{PHRASES, is_negated};

    fn flagged(text: &str) -> bool {
        PHRASES
            .iter()
            .any(|(r, _)| r.find_iter(text).any(|m| !is_negated(&text[..m.start()])))
    }

    #[test]
    fn flags_blame() {
        for text in [
            "The root cause was human error.",
            "It was Bob's fault.",
            "It was Bob’s fault.",
            "The operator should have known better.",
            "A careless change to the config.",
            "We blame the on-call engineer.",
            "She forgot to drain the node.",
        ] {
            assert!(flagged(text), "{text}");
        }
    }

    #[test]
    fn every_phrase_has_a_needle() {
        for text in [
            "The root cause was HUMAN ERROR.",
            "It was Bob’s fault.",
            "The operator should\u{2019}ve caught it.",
            "A Careless change.",
            "We blamed the tooling.",
            "They neglected to drain the node.",
            "Someone dropped the ball.",
            "A fat-fingered command.",
            "It was \u{212A}aren's fault.",
            "It was their fault, or my fault, or the fault of the tool.",
            "\u{17F}loppy work",
            "a CARELE\u{17F}\u{17F} change",
        ] {
            assert!(flagged(text), "{text}");
            assert!(super::may_contain_phrase(text), "{text}");
        }
        // Character references can spell a phrase the raw text does not hold.
        assert!(super::may_contain_phrase("human&#32;error"));
        assert!(!super::may_contain_phrase(
            "The deploy failed && the rollback worked. It took longer than it should have. By default."
        ));
        assert_eq!(super::NEEDLES.len(), super::PHRASES.len());
    }

    #[test]
    fn leaves_blameless_wording_alone() {
        for text in [
            "This is a blameless postmortem.",
            "The deploy failed to roll out.",
            "The health check should have failed the rollout, and did not.",
            "A default of 30 seconds.",
            "A no-blame review.",
            "Nobody is to blame here; the tooling allowed it.",
        ] {
            assert!(!flagged(text), "{text}");
        }
    }
}
