//! Markdown: the outline the rules need (headings with anchors, links, with spans) and the
//! HTML the site shows. Both use the same pulldown-cmark options so anchors agree.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::LazyLock;

use super::links;
use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};
use serde::Serialize;

use super::html_nesting;

pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outline {
    pub headings: Vec<Heading>,
    pub links: Vec<Link>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    /// The `id` the heading gets on the page (GitHub-style slug, or `{#custom}`).
    pub anchor: String,
    #[serde(skip)]
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub dest: String,
    pub span: Range<usize>,
}

/// Gives repeated anchors the suffixes `-1`, `-2`, ... as GitHub does.
#[derive(Default)]
struct AnchorSet(HashMap<String, usize>);

impl AnchorSet {
    fn unique(&mut self, base: String) -> String {
        match self.0.get_mut(&base) {
            None => {
                self.0.insert(base.clone(), 0);
                base
            }
            Some(count) => {
                *count += 1;
                let anchor = format!("{base}-{count}");
                self.0.insert(anchor.clone(), 0);
                anchor
            }
        }
    }
}

fn level_number(level: HeadingLevel) -> u8 {
    level as u8
}

/// Headings and links of `body`, which starts at byte `base` of the file.
pub fn outline(body: &str, base: usize) -> Outline {
    let mut outline = Outline::default();
    let mut anchors = AnchorSet::default();
    let mut current: Option<(u8, Option<String>, String, Range<usize>)> = None;
    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                current = Some((
                    level_number(level),
                    id.map(|i| i.to_string()),
                    String::new(),
                    range,
                ));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, id, text, range)) = current.take() {
                    let anchor =
                        anchors.unique(id.unwrap_or_else(|| crate::slug::heading_anchor(&text)));
                    let text = text.trim().to_string();
                    let span = base + range.start..base + trim_end(body, range);
                    outline.headings.push(Heading {
                        level,
                        text,
                        anchor,
                        span,
                    });
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, _, text, _)) = current.as_mut() {
                    text.push_str(&t);
                }
            }
            Event::Start(
                Tag::Link {
                    link_type,
                    dest_url,
                    ..
                }
                | Tag::Image {
                    link_type,
                    dest_url,
                    ..
                },
            ) if !matches!(link_type, LinkType::Email) => {
                outline.links.push(Link {
                    dest: dest_url.to_string(),
                    span: base + range.start..base + trim_end(body, range),
                });
            }
            _ => {}
        }
    }
    // Outlines are held from the parse to the end of a build: no spare capacity.
    outline.headings.shrink_to_fit();
    outline.links.shrink_to_fit();
    outline
}

fn trim_end(body: &str, range: Range<usize>) -> usize {
    range.start + body[range].trim_end().len()
}

// Kept here for the callers that join file paths (symlink targets, renamed files).
pub use super::links::resolve_relative;

/// URL schemes that run code in the reader's browser never survive rendering.
fn is_dangerous_url(url: &str) -> bool {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .take(11)
        .collect::<String>()
        .to_ascii_lowercase();
    ["javascript:", "vbscript:", "data:"]
        .iter()
        .any(|scheme| cleaned.starts_with(scheme))
}

/// A link or image destination as the page gets it: `javascript:`, `vbscript:` and `data:` as
/// `#`, what `resolve` rewrites rewritten, the rest as written.
fn rewrite_dest<'a>(
    dest: CowStr<'a>,
    link_type: LinkType,
    resolve: &dyn Fn(&str) -> Option<String>,
) -> CowStr<'a> {
    if is_dangerous_url(&dest) {
        CowStr::from("#")
    } else if link_type == LinkType::Email {
        dest
    } else {
        resolve(&dest).map_or(dest, CowStr::from)
    }
}

/// Rendered HTML of a document body plus its table of contents.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<Heading>,
}

/// What happens to raw HTML written in Markdown (`<details>`, `<br>`, `<script>`...).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RawHtml {
    /// Keep safe elements and attributes, drop everything that can run code or restyle the
    /// page (the default: content arrives through pull requests from many people and is read
    /// by staff logged in to other internal tools).
    #[default]
    Sanitize,
    /// Keep raw HTML exactly as written (`unsafe_html = true`).
    Keep,
}

/// The allow-list applied to pages with raw HTML: ammonia's defaults (no `<script>`,
/// `<style>`, `<iframe>`, `<form>`, event-handler attributes or `javascript:` URLs) plus what
/// opsbook's own Markdown output needs: ids and classes (heading anchors, footnotes, alerts,
/// code languages), disabled task-list checkboxes, `text-align` on table cells and the scroll box
/// around tables (`role="region"`, `tabindex="0"`, only those values).
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["input"])
        .add_generic_attributes(["class", "id", "aria-label", "aria-hidden", "style"])
        .filter_style_properties(HashSet::from(["text-align"]))
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_tag_attributes("details", ["open"])
        .add_tag_attributes("img", ["loading"])
        .add_tag_attributes("div", ["role", "tabindex"])
        .add_tag_attributes("time", ["datetime"])
        .set_tag_attribute_value("input", "disabled", "")
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            // Only checkboxes, and only disabled ones (set above): no fake login forms.
            ("input", "type") => Some("checkbox".into()),
            // Only what a table's scroll box needs: a focusable landmark, nothing else.
            ("div", "role") => (value == "region").then(|| value.into()),
            ("div", "tabindex") => (value == "0").then(|| value.into()),
            _ => Some(value.into()),
        })
        .link_rel(None);
    builder
});

/// Removes everything unsafe from an HTML fragment (see [`RawHtml::Sanitize`]).
pub fn sanitize(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

/// Renders `body` to HTML with raw HTML sanitized; see [`render_with`].
pub fn render(body: &str, resolve: &dyn Fn(&str) -> Option<String>) -> Rendered {
    render_with(body, resolve, RawHtml::Sanitize)
}

/// Renders `body` to HTML. `resolve` maps the destination of a link or image
/// (`../runbooks/x.md#y`) to its href on the site, or `None` to leave it as written (see
/// [`super::links`]). `javascript:`, `vbscript:` and `data:`
/// link targets become `#`. Raw HTML is handled as `raw` says; a page without raw HTML is not
/// run through the sanitizer at all (pulldown-cmark escapes everything else), which keeps the
/// common case fast.
pub fn render_with(body: &str, resolve: &dyn Fn(&str) -> Option<String>, raw: RawHtml) -> Rendered {
    // Control characters the page cannot hold (crate::escape): rare, so only looked for once.
    let body = crate::escape::replace_forbidden(body);
    let mut events = PageEvents::new(&body, resolve, false);
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.by_ref());
    let toc = std::mem::take(&mut events.toc);
    if !(events.has_raw_html && raw == RawHtml::Sanitize) {
        return Rendered { html, toc };
    }
    if !html_nesting::nests_deeper_than(&html, html_nesting::MAX_HTML_DEPTH) {
        return Rendered {
            html: sanitize(&html),
            toc,
        };
    }
    // Raw HTML nested too deep to sanitize in bounded time (see `html_nesting`): shown as
    // text, under a note that says why.
    drop(html);
    let mut html = format!(
        "<p class=\"opsbook-note\"><strong>Note:</strong> the raw HTML in this page nests elements more than {} deep, so opsbook shows it as text.</p>\n",
        html_nesting::MAX_HTML_DEPTH
    );
    pulldown_cmark::html::push_html(&mut html, PageEvents::new(&body, resolve, true));
    Rendered { html, toc }
}

/// The events of a page, streamed from the parser to the HTML writer: headings get unique
/// anchors (and join the table of contents), dangerous link targets become `#`, relative links
/// are resolved, tables and code blocks get their scrolling boxes. Only one heading's events
/// are held at a time (its anchor comes from its text), so memory does not grow with the
/// document: a list of every event of a 10 MB document was hundreds of MB.
struct PageEvents<'b, 'r> {
    parser: Parser<'b>,
    resolve: &'r dyn Fn(&str) -> Option<String>,
    /// Show the document's raw HTML as text instead of passing it on.
    raw_as_text: bool,
    anchors: AnchorSet,
    toc: Vec<Heading>,
    /// Events ready to be passed on: a finished heading's, or one event and its wrapper.
    pending: std::collections::VecDeque<Event<'b>>,
    has_raw_html: bool,
}

impl<'b, 'r> PageEvents<'b, 'r> {
    fn new(body: &'b str, resolve: &'r dyn Fn(&str) -> Option<String>, raw_as_text: bool) -> Self {
        PageEvents {
            parser: Parser::new_ext(body, options()),
            resolve,
            raw_as_text,
            anchors: AnchorSet::default(),
            toc: Vec::new(),
            pending: std::collections::VecDeque::new(),
            has_raw_html: false,
        }
    }

    /// Reads a heading up to its end into `pending`, with its anchor set and linked.
    fn heading(&mut self, start: Event<'b>) {
        let first = self.pending.len();
        self.pending.push_back(start);
        // The heading's own text (before raw HTML may be turned into text), for its anchor.
        let mut text = String::new();
        let level = loop {
            match self.parser.next() {
                Some(Event::End(TagEnd::Heading(level))) => break Some(level),
                Some(event) => {
                    if let Event::Text(t) | Event::Code(t) = &event {
                        text.push_str(t);
                    }
                    self.push(event);
                }
                None => break None,
            }
        };
        let Some(level) = level else {
            return;
        };
        if let Some(Event::Start(Tag::Heading { id, .. })) = self.pending.get_mut(first) {
            let base = id
                .as_ref()
                .map_or_else(|| crate::slug::heading_anchor(&text), |i| i.to_string());
            let anchor = self.anchors.unique(base);
            *id = Some(CowStr::from(anchor.clone()));
            // A custom id (`{#...}`) is the writer's text: escaped like any other.
            let href = crate::escape::html(&links::encode_fragment(&anchor));
            self.pending.push_back(Event::Html(CowStr::from(format!(
                " <a class=\"anchor\" href=\"#{href}\" aria-label=\"Link to this section\">#</a>"
            ))));
            self.toc.push(Heading {
                level: level_number(level),
                text: text.trim().to_string(),
                anchor,
                span: 0..0,
            });
        }
        self.pending.push_back(Event::End(TagEnd::Heading(level)));
    }

    /// Queues one event as the page shows it (with the markup around it, for some).
    fn push(&mut self, event: Event<'b>) {
        let event = match event {
            Event::Html(text) | Event::InlineHtml(text) if self.raw_as_text => Event::Text(text),
            Event::Html(_) | Event::InlineHtml(_) => {
                self.has_raw_html = true;
                event
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Link {
                link_type,
                dest_url: rewrite_dest(dest_url, link_type, self.resolve),
                title,
                id,
            }),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Image {
                link_type,
                dest_url: rewrite_dest(dest_url, link_type, self.resolve),
                title,
                id,
            }),
            // A wide table scrolls in its own box (the page never scrolls sideways on a
            // phone); the box takes the focus so it can be scrolled from the keyboard.
            Event::Start(Tag::Table(_)) => {
                self.pending.push_back(Event::Html(CowStr::from(
                    "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" aria-label=\"Table\">",
                )));
                event
            }
            // A code block scrolls sideways inside a box that takes the focus, so long lines
            // can be scrolled from the keyboard too.
            Event::Start(Tag::CodeBlock(_)) => {
                self.pending.push_back(Event::Html(CowStr::from(
                    "<div class=\"code-scroll\" tabindex=\"0\">",
                )));
                event
            }
            Event::End(TagEnd::Table) | Event::End(TagEnd::CodeBlock) => {
                self.pending.push_back(event);
                Event::Html(CowStr::from("</div>"))
            }
            // Task-list checkboxes say what they mean to screen readers.
            Event::TaskListMarker(done) => Event::Html(CowStr::from(if done {
                "<input type=\"checkbox\" disabled=\"\" checked=\"\" aria-label=\"Done\"> "
            } else {
                "<input type=\"checkbox\" disabled=\"\" aria-label=\"Not done\"> "
            })),
            other => other,
        };
        self.pending.push_back(event);
    }
}

impl<'b> Iterator for PageEvents<'b, '_> {
    type Item = Event<'b>;

    fn next(&mut self) -> Option<Event<'b>> {
        while self.pending.is_empty() {
            match self.parser.next()? {
                start @ Event::Start(Tag::Heading { .. }) => self.heading(start),
                event => self.push(event),
            }
        }
        self.pending.pop_front()
    }
}

/// Plain text of the first paragraphs of `body`, cut at a word boundary near `max_chars`
/// (with "…"): a summary for feeds and other tools.
pub fn excerpt(body: &str, max_chars: usize) -> String {
    let mut text = String::new();
    let mut depth = 0usize;
    for event in Parser::new_ext(body, options()) {
        match event {
            Event::Start(Tag::Paragraph) => depth += 1,
            Event::End(TagEnd::Paragraph) => {
                depth = depth.saturating_sub(1);
                if text.chars().count() >= max_chars / 2 {
                    break;
                }
                text.push(' ');
            }
            Event::Text(t) | Event::Code(t) if depth > 0 => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak if depth > 0 => text.push(' '),
            _ => {}
        }
        if text.chars().count() > max_chars {
            break;
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max_chars {
        return text;
    }
    let cut: String = text.chars().take(max_chars).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.']))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_links(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn outline_finds_headings_links_and_spans() {
        let body = "## Timeline\n\nSee [the runbook](../runbooks/a.md#rollback).\n\n## Timeline\n\n### Custom {#my-id}\n";
        let o = outline(body, 10);
        let anchors: Vec<_> = o.headings.iter().map(|h| h.anchor.as_str()).collect();
        assert_eq!(anchors, ["timeline", "timeline-1", "my-id"]);
        assert_eq!(o.links[0].dest, "../runbooks/a.md#rollback");
        assert_eq!(
            &body[o.links[0].span.start - 10..o.links[0].span.end - 10],
            "[the runbook](../runbooks/a.md#rollback)"
        );
        assert_eq!(o.headings[2].text, "Custom");
    }

    #[test]
    fn renders_extensions() {
        let body = "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~\n\n- [x] done\n\nText[^1]\n\n[^1]: note\n\n> [!WARNING]\n> careful\n";
        let html = render(body, &no_links).html;
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<del>old</del>"), "{html}");
        assert!(html.contains("type=\"checkbox\""), "{html}");
        assert!(html.contains("footnote-definition"), "{html}");
        assert!(html.contains("markdown-alert-warning"), "{html}");
    }

    #[test]
    fn tables_and_code_scroll_in_focusable_boxes_and_checkboxes_have_names() {
        let body = "| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\n```sh\nls\n```\n";
        for raw in ["", "\n<details><summary>s</summary>x</details>\n"] {
            // The second body has raw HTML, so it goes through the sanitizer too.
            let html = render(&format!("{body}{raw}"), &no_links).html;
            assert!(
                html.contains("<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" aria-label=\"Table\"><table>"),
                "{html}"
            );
            assert!(
                html.contains("</table>") && html.contains("</table>\n</div>"),
                "{html}"
            );
            assert!(html.contains("aria-label=\"Done\""), "{html}");
            assert!(html.contains("aria-label=\"Not done\""), "{html}");
            assert!(
                html.contains("<div class=\"code-scroll\" tabindex=\"0\">"),
                "{html}"
            );
            assert!(html.contains("<pre><code class=\"language-sh\">"), "{html}");
        }
        // Raw HTML cannot borrow the scroll box's attributes for anything else.
        let html = render("<div role=\"button\" tabindex=\"5\">x</div>\n", &no_links).html;
        assert!(
            !html.contains("role=") && !html.contains("tabindex="),
            "{html}"
        );
    }

    #[test]
    fn headings_get_anchors_and_a_toc() {
        let r = render("## Root cause\n\ntext\n", &no_links);
        assert!(r.html.contains("<h2 id=\"root-cause\">"), "{}", r.html);
        assert_eq!(r.toc[0].anchor, "root-cause");
    }

    #[test]
    fn raw_html_and_script_urls_are_neutralised() {
        let body = "<script>alert(1)</script>\n\nHi <img src=x onerror=alert(1)> [x](javascript:alert(1)) [y]( JaVaScRiPt:alert(1))\n\n<a href=\"javascript:alert(2)\">z</a> <iframe src=\"https://evil.example\"></iframe>\n\n<style>body{display:none}</style>\n\n<p style=\"position:fixed\" onclick=\"x()\">p</p>\n";
        let html = render(body, &no_links).html;
        let lower = html.to_lowercase();
        assert!(!lower.contains("<script"), "{html}");
        assert!(
            !lower.contains("alert(1)</"),
            "script content is dropped too: {html}"
        );
        assert!(!lower.contains("onerror"), "{html}");
        assert!(!lower.contains("onclick"), "{html}");
        assert!(!lower.contains("javascript:"), "{html}");
        assert!(!lower.contains("<iframe"), "{html}");
        assert!(!lower.contains("<style"), "{html}");
        assert!(!lower.contains("position"), "{html}");
        assert!(
            html.contains("<img src=\"x\">"),
            "safe part of the image stays: {html}"
        );
    }

    #[test]
    fn safe_raw_html_survives_sanitizing() {
        let body = "<details><summary>Logs</summary>\n\nPress <kbd>Ctrl</kbd>+<kbd>C</kbd><br>then wait.\n\n</details>\n\n| a | b |\n|:-:|---|\n| 1 | 2 |\n\n- [x] done\n\n## Heading\n\nText[^n]\n\n[^n]: note\n";
        let html = render(body, &no_links).html;
        for kept in [
            "<details><summary>Logs</summary>",
            "<kbd>Ctrl</kbd>",
            "<br>",
            "</details>",
            "<th style=\"text-align:center\">",
            "type=\"checkbox\"",
            "<h2 id=\"heading\">",
            "class=\"anchor\"",
            "aria-label=\"Link to this section\"",
            "footnote-definition",
        ] {
            assert!(html.contains(kept), "{kept} missing from {html}");
        }
    }

    #[test]
    fn unsafe_html_keeps_raw_html_as_written() {
        let body =
            "<div onclick=\"go()\"><script>track()</script></div>\n\n[x](javascript:alert(1))\n";
        let html = render_with(body, &no_links, RawHtml::Keep).html;
        assert!(
            html.contains("<div onclick=\"go()\"><script>track()</script></div>"),
            "{html}"
        );
        assert!(
            !html.contains("javascript:"),
            "Markdown links are still filtered: {html}"
        );
    }

    #[test]
    fn pages_without_raw_html_are_not_rewritten() {
        let body = "# T\n\nSome *text* & a < b > c \"quotes\"\n";
        assert_eq!(
            render(body, &no_links).html,
            render_with(body, &no_links, RawHtml::Keep).html
        );
    }

    #[test]
    fn excerpts_take_the_first_paragraphs() {
        let body = "## Summary\n\nThe `api` failed.\nIt recovered.\n\n| a |\n|---|\n| b |\n";
        assert_eq!(excerpt(body, 200), "The api failed. It recovered.");
        let long = format!("{}\n", "word ".repeat(100));
        let cut = excerpt(&long, 30);
        assert!(cut.ends_with('…') && cut.chars().count() <= 31, "{cut}");
    }

    #[test]
    fn links_are_rewritten_by_the_resolver() {
        let resolve = |dest: &str| (dest == "../runbooks/a.md").then(|| "/runbooks/a/".to_string());
        let html = render("[a](../runbooks/a.md) [b](https://example.com)", &resolve).html;
        assert!(html.contains("href=\"/runbooks/a/\""), "{html}");
        assert!(html.contains("href=\"https://example.com\""), "{html}");
    }
}
