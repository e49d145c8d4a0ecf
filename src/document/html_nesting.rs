//! How deeply the elements of an HTML fragment nest, measured in one linear pass before the
//! fragment goes to the sanitizer.
//!
//! ammonia parses with html5ever, which follows the HTML standard: for many start tags
//! (`<div>`, `<p>`, headings, lists, ...) it first looks for an open `<p>` "in button scope",
//! walking the whole stack of open elements. 200,000 unclosed `<div>`s (1 MB) made that
//! 2 × 10^10 steps: 146 s for one page. Browsers cap the depth (Chromium flattens the tree
//! past 512); opsbook refuses to sanitize a fragment nested deeper than
//! [`MAX_HTML_DEPTH`] and shows its raw HTML as text instead, so the work per tag stays
//! bounded and nothing is dropped silently.
//!
//! The count follows the parser closely enough to bound it: void elements and elements the
//! parser closes by itself (`<p>`, `<li>`, table cells, ...) do not nest; an end tag closes
//! the innermost open element of its name and everything opened after it, and is ignored
//! when no such element is open; comments, doctypes and the text of `<script>`, `<style>`,
//! `<textarea>`, `<title>` and the like hold no tags.

use std::collections::HashMap;

/// Deeper than this, a fragment's raw HTML is shown as text (browsers flatten past 512).
pub const MAX_HTML_DEPTH: usize = 512;

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param",
    "source", "track", "wbr", "basefont", "bgsound", "frame",
];

/// Elements whose start tag closes an open one of the same kind (or that are ignored outside
/// their context): they do not deepen the tree.
const SELF_CLOSING: &[&str] = &[
    "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "tbody", "thead", "tfoot",
    "caption", "colgroup", "rb", "rt", "rtc", "rp",
];

/// Elements whose content is text up to their end tag.
const RAW_TEXT: &[&str] = &[
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
];

/// Whether the elements of `html` nest more than `limit` deep.
pub fn nests_deeper_than(html: &str, limit: usize) -> bool {
    let bytes = html.as_bytes();
    let mut open: Vec<String> = Vec::new();
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut at = 0;
    while let Some(found) = memchr::memchr(b'<', &bytes[at..]) {
        let start = at + found;
        let rest = &html[start..];
        at = start + 1;
        if rest.starts_with("<!--") {
            at = find_from(html, start + 4, "-->").map_or(html.len(), |end| end + 3);
        } else if rest.starts_with("<!") || rest.starts_with("<?") {
            at = skip_to_gt(bytes, start);
        } else if let Some(name) = rest.strip_prefix("</").and_then(tag_name) {
            if counts.get(&name).is_some_and(|&n| n > 0) {
                while let Some(closed) = open.pop() {
                    *counts.entry(closed.clone()).or_default() -= 1;
                    if closed == name {
                        break;
                    }
                }
            }
            at = skip_tag(bytes, start);
        } else if let Some(name) = tag_name(&rest[1..]) {
            // `rest` starts with the one-byte `<`, so `rest[1..]` is at a character boundary.
            at = skip_tag(bytes, start);
            if RAW_TEXT.contains(&name.as_str()) {
                let end = format!("</{name}");
                at = find_from_ignore_case(html, at, &end).unwrap_or(html.len());
            } else if !VOID.contains(&name.as_str()) && !SELF_CLOSING.contains(&name.as_str()) {
                *counts.entry(name.clone()).or_default() += 1;
                open.push(name);
                if open.len() > limit {
                    return true;
                }
            }
        }
        if at >= html.len() {
            break;
        }
    }
    false
}

/// The lower-cased tag name at the start of `text` (an ASCII letter, then anything up to
/// whitespace, `/` or `>`), or `None` when `text` does not start a tag.
fn tag_name(text: &str) -> Option<String> {
    if !text.as_bytes().first()?.is_ascii_alphabetic() {
        return None;
    }
    let end = text
        .find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
        .unwrap_or(text.len());
    Some(text[..end].to_ascii_lowercase())
}

/// The offset after the `>` that ends the tag starting at `start`, skipping quoted attribute
/// values (which may hold `>`).
fn skip_tag(bytes: &[u8], start: usize) -> usize {
    let mut quote = None;
    for (i, &b) in bytes.iter().enumerate().skip(start + 1) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return i + 1,
            None => {}
        }
    }
    bytes.len()
}

fn skip_to_gt(bytes: &[u8], start: usize) -> usize {
    memchr::memchr(b'>', &bytes[start..]).map_or(bytes.len(), |i| start + i + 1)
}

fn find_from(text: &str, from: usize, needle: &str) -> Option<usize> {
    memchr::memmem::find(&text.as_bytes()[from.min(text.len())..], needle.as_bytes())
        .map(|i| from + i)
}

/// Like [`find_from`], for an ASCII needle in any case (end tags are case-insensitive).
fn find_from_ignore_case(text: &str, from: usize, needle: &str) -> Option<usize> {
    let haystack = &text.as_bytes()[from.min(text.len())..];
    let needle = needle.as_bytes();
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|i| from + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unclosed_containers_nest() {
        assert!(nests_deeper_than(&"<div>".repeat(513), 512));
        assert!(!nests_deeper_than(&"<div>".repeat(512), 512));
        assert!(nests_deeper_than(&"<DiV class='a>b'>".repeat(600), 512));
        assert!(nests_deeper_than(&"<span>".repeat(600), 512));
        assert!(!nests_deeper_than("<é</é<", 512));
    }

    #[test]
    fn closed_void_and_self_closing_elements_do_not() {
        assert!(!nests_deeper_than(&"<div></div>".repeat(10_000), 512));
        assert!(!nests_deeper_than(&"<p>text".repeat(10_000), 512));
        assert!(!nests_deeper_than(
            &"<li>x<br><img src=a>".repeat(10_000),
            512
        ));
        assert!(!nests_deeper_than(&"<!-- <div> -->".repeat(1_000), 512));
        assert!(!nests_deeper_than(
            &format!("<script>{}</SCRIPT>", "<div>".repeat(1_000)),
            512
        ));
    }

    #[test]
    fn an_end_tag_without_an_open_element_closes_nothing() {
        // The parser ignores `</p>` here (it opens and closes an empty p): depth still grows.
        assert!(nests_deeper_than(&"<div></p></span>".repeat(600), 512));
        // `</div>` closes the span opened inside the div too.
        assert!(!nests_deeper_than(&"<div><span></div>".repeat(10_000), 512));
    }
}
