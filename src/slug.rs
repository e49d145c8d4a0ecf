//! Slugs: the one place that turns text into a name for a URL or a file.
//!
//! Two algorithms, on purpose:
//! - [`heading_anchor`] is GitHub's (github-slugger), because readers and writers of Markdown
//!   expect `#roll-back-a-release` to work the same on the git host and on the site: every
//!   space becomes `-` (runs are kept: `a - b` is `a---b`) and `-`/`_` stay.
//! - [`slugify`] makes names for pages and files (taxonomy term URLs, `opsbook new` file
//!   names): words joined by one `-`, nothing at either end, apostrophes dropped (`Don't` is
//!   `dont`, not `don-t`).
//!
//! Both lower-case, keep letters and digits of any script (URLs escape them, see
//! [`crate::document::links::encode_path`]), and drop everything else.

/// The anchor GitHub gives a heading with this text (before duplicates get `-1`, `-2`, ...).
pub fn heading_anchor(text: &str) -> String {
    let mut anchor = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_alphanumeric() || c == '-' || c == '_' {
            anchor.extend(c.to_lowercase());
        } else if c == ' ' {
            anchor.push('-');
        }
    }
    anchor
}

/// Lower-case letters and digits, every other run of characters one `-`, apostrophes dropped;
/// empty when the text has no letter or digit.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !matches!(c, '\'' | '’') && !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_anchors_are_githubs() {
        for (heading, anchor) in [
            ("Root cause", "root-cause"),
            ("What went well?", "what-went-well"),
            ("Step 2: roll back (fast)", "step-2-roll-back-fast"),
            ("API_v2 rollout", "api_v2-rollout"),
            ("Before - after", "before---after"),
            ("Störung im Zahlungs-API", "störung-im-zahlungs-api"),
            ("`kubectl` & <friends>", "kubectl--friends"),
            ("emoji 🔥 here", "emoji--here"),
        ] {
            assert_eq!(heading_anchor(heading), anchor, "{heading}");
        }
    }

    #[test]
    fn slugs_join_words_with_one_hyphen() {
        for (text, slug) in [
            ("Payments DB failover", "payments-db-failover"),
            (
                "  Checkout 5xx after release 2026.09.20-3!  ",
                "checkout-5xx-after-release-2026-09-20-3",
            ),
            ("Don't panic: the API’s down", "dont-panic-the-apis-down"),
            ("alice.nguyen@acme.example", "alice-nguyen-acme-example"),
            ("Störung im Zahlungs-API", "störung-im-zahlungs-api"),
            ("!!!", ""),
        ] {
            assert_eq!(slugify(text), slug, "{text}");
        }
    }
}
