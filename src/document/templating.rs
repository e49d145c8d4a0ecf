//! Template syntax another site generator left in a document (`<%= current_page.data.title %>`,
//! `{{< figure >}}`, `{% include x %}`, MDX `import` lines): opsbook cannot run it, so it is
//! taken out of what the site shows instead of appearing as literal text (or as a heading).
//!
//! Tags are blanked (every byte but line breaks becomes a space) rather than cut, so every
//! offset into the body stays an offset into the file and findings still point at the right
//! place. Code spans and code blocks are never touched: a runbook that shows a Helm template
//! shows it as written. Hugo's `{{< ref "x.md" >}}` becomes the path it names (padded with
//! spaces), so a Markdown link around it is a link.

use std::ops::Range;

use pulldown_cmark::{Event, Parser, Tag};

use crate::config::reading::TemplateSyntax;

/// The body with the template syntax of `syntaxes` blanked and, with `hugo_ref`, Hugo ref
/// shortcodes replaced by their path; `None` when nothing changes.
pub fn mask(body: &str, syntaxes: &[TemplateSyntax], hugo_ref: bool) -> Option<String> {
    let has = |s: TemplateSyntax| syntaxes.contains(&s);
    let hugo = has(TemplateSyntax::Hugo);
    let openers = [
        ("<%", has(TemplateSyntax::Erb)),
        ("{%", has(TemplateSyntax::Liquid)),
        ("{{", has(TemplateSyntax::Liquid) || hugo || hugo_ref),
        ("import ", has(TemplateSyntax::Mdx)),
        ("export ", has(TemplateSyntax::Mdx)),
        ("{/*", has(TemplateSyntax::Mdx)),
    ];
    if !openers.iter().any(|(o, on)| *on && body.contains(o)) {
        return None;
    }
    let code = code_ranges(body);
    let mut out = body.as_bytes().to_vec();
    let mut changed = false;
    let mut code_at = 0;
    let mut i = 0;
    while i < body.len() {
        while code.get(code_at).is_some_and(|r| r.end <= i) {
            code_at += 1;
        }
        if let Some(r) = code.get(code_at).filter(|r| r.start <= i) {
            i = r.end;
            continue;
        }
        let rest = &body[i..];
        let found = if hugo || hugo_ref {
            hugo_shortcode(rest, hugo, hugo_ref)
        } else {
            None
        }
        .or_else(|| has(TemplateSyntax::Liquid).then(|| liquid(rest)).flatten())
        .or_else(|| {
            has(TemplateSyntax::Erb)
                .then(|| closed(rest, "<%", "%>"))
                .flatten()
        })
        .or_else(|| has(TemplateSyntax::Mdx).then(|| mdx(body, i)).flatten());
        match found {
            Some((len, replacement)) => {
                let len = len.min(out.len() - i);
                blank(&mut out[i..i + len]);
                if let Some(text) = replacement {
                    out[i..i + text.len()].copy_from_slice(text.as_bytes());
                }
                changed = true;
                i += len.max(1);
            }
            None => i += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    if !changed {
        return None;
    }
    blank_empty_headings(&mut out);
    // Only ASCII spaces replaced whole tags (which start and end on ASCII), and a path copied
    // from the text: still UTF-8.
    String::from_utf8(out).ok()
}

/// Code spans and code blocks, in order.
fn code_ranges(body: &str) -> Vec<Range<usize>> {
    let mut ranges: Vec<Range<usize>> = Vec::new();
    for (event, range) in Parser::new_ext(body, super::markdown::options()).into_offset_iter() {
        if matches!(event, Event::Code(_) | Event::Start(Tag::CodeBlock(_)))
            && ranges.last().is_none_or(|last| last.end <= range.start)
        {
            ranges.push(range);
        }
    }
    ranges
}

fn blank(bytes: &mut [u8]) {
    for b in bytes {
        if *b != b'\n' && *b != b'\r' {
            *b = b' ';
        }
    }
}

/// The length of a tag from `open` to `close` at the start of `text`.
fn closed(text: &str, open: &str, close: &str) -> Option<(usize, Option<String>)> {
    let inner = text.strip_prefix(open)?;
    let end = inner.find(close)?;
    Some((open.len() + end + close.len(), None))
}

fn liquid(text: &str) -> Option<(usize, Option<String>)> {
    closed(text, "{%", "%}").or_else(|| closed(text, "{{", "}}"))
}

/// A Hugo shortcode at the start of `text`: `{{< name args >}}` or `{{% name args %}}`. A
/// `ref`/`relref` becomes its path when `hugo_ref`; others are blanked when `hugo`.
fn hugo_shortcode(text: &str, hugo: bool, hugo_ref: bool) -> Option<(usize, Option<String>)> {
    let (len, inner) = [("{{<", ">}}"), ("{{%", "%}}")]
        .iter()
        .find_map(|(open, close)| {
            let (len, _) = closed(text, open, close)?;
            Some((len, &text[open.len()..len - close.len()]))
        })?;
    let inner = inner.trim();
    let name = inner.split_whitespace().next().unwrap_or("");
    if hugo_ref && matches!(name, "ref" | "relref") {
        let path = quoted(&inner[name.len()..])?;
        let replacement = if path.contains([' ', '(', ')']) {
            format!("<{path}>")
        } else {
            path.to_string()
        };
        let fits = replacement.len() <= len && !path.contains(['<', '>', '\n', '\r']);
        return fits.then_some((len, Some(replacement)));
    }
    hugo.then_some((len, None))
}

/// The first argument in double quotes or backticks (`"x.md"`, `path="x.md"`).
fn quoted(args: &str) -> Option<&str> {
    let start = args.find(['"', '`'])?;
    let quote = args[start..].chars().next()?;
    let rest = &args[start + 1..];
    let end = rest.find(quote)?;
    Some(rest[..end].trim()).filter(|p| !p.is_empty())
}

/// An MDX `import`/`export` statement starting a line at `at` (to its `;`, its `from '...'`,
/// or the end of its paragraph), or a `{/* comment */}`.
fn mdx(body: &str, at: usize) -> Option<(usize, Option<String>)> {
    let rest = &body[at..];
    if rest.starts_with("{/*") {
        return closed(rest, "{/*", "*/}");
    }
    let line_start = at == 0 || body.as_bytes()[at - 1] == b'\n';
    if !(line_start && (rest.starts_with("import ") || rest.starts_with("export "))) {
        return None;
    }
    let mut len = 0;
    for line in rest.split_inclusive('\n') {
        len += line.len();
        let text = line.trim_end();
        if text.is_empty() || text.ends_with(';') || text.contains(" from ") {
            break;
        }
    }
    Some((len, None))
}

/// A heading line left as nothing but `#` marks: blanked as well, so the page shows no empty
/// heading.
fn blank_empty_headings(out: &mut [u8]) {
    let mut start = 0;
    while start < out.len() {
        let end = out[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(out.len(), |i| start + i);
        let line = &out[start..end];
        let text = line.trim_ascii();
        let was_heading = !text.is_empty() && text.iter().all(|&b| b == b'#') && text.len() <= 6;
        if was_heading {
            blank(&mut out[start..end]);
        }
        start = end + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TemplateSyntax::*;

    #[test]
    fn erb_is_blanked_and_an_emptied_heading_goes() {
        let body = "# <%= current_page.data.title %>\n\nRun <% if x %>this<% end %>.\n\n```erb\n<%= keep %>\n```\n";
        let masked = mask(body, &[Erb], false).unwrap();
        assert_eq!(masked.len(), body.len());
        assert!(masked.lines().next().unwrap().trim().is_empty());
        let words: Vec<_> = masked.lines().nth(2).unwrap().split_whitespace().collect();
        assert_eq!(words, ["Run", "this", "."]);
        assert!(masked.contains("<%= keep %>"), "code is left alone");
        assert_eq!(mask("no tags here", &[Erb], false), None);
    }

    #[test]
    fn liquid_and_hugo_shortcodes() {
        let body = "{% include note.html %}\nSee `{{ .Values }}` and {{ site.title }}.\n{{< figure src=\"a.png\" >}}\n";
        let masked = mask(body, &[Liquid], false).unwrap();
        assert!(masked.contains("`{{ .Values }}`"));
        assert!(!masked.contains("site.title") && !masked.contains("include"));
        let masked = mask(body, &[Hugo], false).unwrap();
        assert!(!masked.contains("figure"));
        assert!(masked.contains("{% include"), "liquid is not hugo");
    }

    #[test]
    fn hugo_refs_become_their_paths() {
        let body = "See [the db runbook]({{< ref \"runbooks/db.md#failover\" >}}) and [x]({{% relref path=\"my doc.md\" %}}).\n";
        let masked = mask(body, &[], true).unwrap();
        assert_eq!(masked.len(), body.len());
        assert!(masked.contains("(runbooks/db.md#failover    "), "{masked}");
        assert!(masked.contains("(<my doc.md>"), "{masked}");
        let outline = crate::document::markdown::outline(&masked, 0);
        let dests: Vec<_> = outline.links.iter().map(|l| l.dest.as_str()).collect();
        assert_eq!(dests, ["runbooks/db.md#failover", "my doc.md"]);
        // Other shortcodes stay unless Hugo syntax is on.
        assert_eq!(mask("{{< note >}}", &[], true), None);
    }

    #[test]
    fn mdx_imports_and_comments() {
        let body = "import Tabs from '@theme/Tabs';\nimport {\n  A,\n} from './a';\n\n{/* hidden */}\n# Title\n\nText mentioning import things.\n";
        let masked = mask(body, &[Mdx], false).unwrap();
        assert!(!masked.contains("Tabs") && !masked.contains("A,") && !masked.contains("hidden"));
        assert!(masked.contains("# Title") && masked.contains("mentioning import things"));
    }

    proptest::proptest! {
        #[test]
        fn masking_keeps_length_and_never_panics(body in "[<%{}>#\\n a-z\"`é/*;.]{0,80}") {
            if let Some(masked) = mask(&body, &[Erb, Liquid, Hugo, Mdx], true) {
                proptest::prop_assert_eq!(masked.len(), body.len());
            }
        }
    }
}
