//! Escaping text for the markup it lands in: the one function for HTML text, HTML attribute
//! values and XML (the Atom feed, the sitemap, SVG charts). Tera's autoescape uses it too (see
//! `site::templates`), so a value escapes the same way in a template and in Rust code.
//!
//! Besides the five characters that end text or an attribute (`& < > " '`), characters XML 1.0
//! forbids (every C0 control but tab, line feed and carriage return; U+FFFE and U+FFFF) become
//! U+FFFD, the replacement character: one invalid character in a title must not make the whole
//! feed unreadable, and a visible mark says something was there (dropping it silently could
//! join two words). The same replacement in HTML keeps both outputs alike.

use std::io::Write;

/// `text` escaped for HTML or XML text and quoted attribute values.
pub fn html(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len() + text.len() / 8);
    write_html(text, &mut out).expect("writing to a Vec cannot fail");
    // Only whole UTF-8 sequences of `text` and ASCII escapes were written.
    String::from_utf8(out).unwrap_or_default()
}

/// [`html`] into a writer; the signature of Tera's escape function.
pub fn write_html(text: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let mut start = 0;
    for (i, c) in text.char_indices() {
        let replacement: &[u8] = match c {
            '&' => b"&amp;",
            '<' => b"&lt;",
            '>' => b"&gt;",
            '"' => b"&quot;",
            '\'' => b"&#39;",
            c if !allowed_in_xml(c) => "\u{FFFD}".as_bytes(),
            _ => continue,
        };
        out.write_all(&text.as_bytes()[start..i])?;
        out.write_all(replacement)?;
        start = i + c.len_utf8();
    }
    out.write_all(&text.as_bytes()[start..])
}

/// `text` with the characters XML 1.0 forbids replaced by U+FFFD, and nothing else changed:
/// for text that is escaped elsewhere (Markdown rendered by pulldown-cmark).
pub fn replace_forbidden(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().all(allowed_in_xml) {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| if allowed_in_xml(c) { c } else { '\u{FFFD}' })
        .collect()
}

/// XML 1.0's `Char` production (Rust strings hold no surrogates).
fn allowed_in_xml(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(
            html(r#"<a href="x" onclick='y'>&amp;</a>"#),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;"
        );
        assert_eq!(html("plain é 🔥"), "plain é 🔥");
    }

    proptest::proptest! {
        #[test]
        fn escaped_text_holds_no_markup_and_only_xml_characters(text in "\\PC{0,40}|[\\x00-\\x20<>&\"']{0,20}") {
            let escaped = html(&text);
            proptest::prop_assert!(!escaped.contains(['<', '>', '"', '\'']), "{}", escaped);
            proptest::prop_assert!(escaped.chars().all(allowed_in_xml), "{:?}", escaped);
        }
    }

    #[test]
    fn characters_xml_forbids_become_the_replacement_character() {
        assert_eq!(
            html("a\u{1}b\u{0}c\u{1b}[2Jd\u{FFFE}\u{FFFF}"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}[2Jd\u{FFFD}\u{FFFD}"
        );
        assert_eq!(html("tab\tline\nreturn\r"), "tab\tline\nreturn\r");
        assert_eq!(replace_forbidden("a\u{1}<b>"), "a\u{FFFD}<b>");
        assert!(matches!(
            replace_forbidden("plain"),
            std::borrow::Cow::Borrowed(_)
        ));
        // Allowed in XML 1.0: DEL and the C1 controls.
        assert_eq!(html("\u{7f}\u{85}"), "\u{7f}\u{85}");
    }
}
