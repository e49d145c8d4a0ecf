//! What `opsbook serve` adds to the HTML it serves, and only there (never to `opsbook build`
//! output): a live-reload script, a banner with the lint findings of the page's document,
//! and an error page when the site cannot be built.

use serde::Serialize;

use crate::escape::html as escape;

/// The URL the reload script listens to (server-sent events).
pub const EVENTS_PATH: &str = "/__opsbook/events";

/// One lint finding, as the banner shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BannerItem {
    pub level: String,
    pub rule: String,
    pub message: String,
    pub help: String,
    pub line: usize,
    pub column: usize,
}

/// The findings of one document, shown on its page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Banner {
    /// The document's path as lint prints it, such as `content/runbooks/x.md`.
    pub file: String,
    /// The document has no page (its front matter is unusable, or its kind unknown).
    pub no_page: bool,
    pub items: Vec<BannerItem>,
}

/// The live-reload script. `version` is the build the page comes from: the page reloads as
/// soon as the server announces another one (a rebuild, or a restarted server).
pub fn reload_script(version: u64) -> String {
    format!(
        "<script data-opsbook-serve>(function(){{var v=\"{version}\";var s=new EventSource(\"{EVENTS_PATH}\");\
s.addEventListener(\"version\",function(e){{if(e.data!==v){{s.close();location.reload();}}}});}})();</script>"
    )
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The banner's HTML: self-contained (inline styles), every value escaped.
pub fn banner_html(banners: &[&Banner]) -> String {
    let items: Vec<&BannerItem> = banners.iter().flat_map(|b| &b.items).collect();
    if items.is_empty() {
        return String::new();
    }
    let errors = items.iter().filter(|i| i.level == "error").count();
    let warnings = items.len() - errors;
    let (border, background) = if errors > 0 {
        ("#b42318", "#fef3f2")
    } else {
        ("#b54708", "#fffaeb")
    };
    let mut html = format!(
        "<aside id=\"opsbook-lint-banner\" role=\"alert\" style=\"margin:0;padding:.75rem 1rem;\
border-bottom:3px solid {border};background:{background};color:#1d2939;\
font:14px/1.45 system-ui,sans-serif\">"
    );
    for banner in banners.iter().filter(|b| !b.items.is_empty()) {
        let what = match (errors, warnings) {
            (0, w) => plural(w, "warning"),
            (e, 0) => plural(e, "error"),
            (e, w) => format!("{} and {}", plural(e, "error"), plural(w, "warning")),
        };
        html.push_str(&format!(
            "<p style=\"margin:0 0 .4rem\"><strong>opsbook lint: {what} in <code>{}</code></strong>{}</p>\
<ul style=\"margin:0;padding-left:1.2rem\">",
            escape(&banner.file),
            if banner.no_page {
                " (the document has no page until they are fixed)"
            } else {
                ""
            }
        ));
        for item in &banner.items {
            let color = if item.level == "error" {
                "#b42318"
            } else {
                "#b54708"
            };
            html.push_str(&format!(
                "<li><strong style=\"color:{color}\">{}</strong> <code>{}</code> line {}:{}: {}\
<br><span style=\"color:#475467\">help: {}</span></li>",
                escape(&item.level),
                escape(&item.rule),
                item.line,
                item.column,
                escape(&item.message),
                escape(&item.help),
            ));
        }
        html.push_str("</ul>");
    }
    html.push_str("</aside>");
    html
}

fn find_ascii_case_insensitive(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn rfind_ascii_case_insensitive(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .rposition(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// `html` with the banner right after `<body ...>` and the script right before `</body>`
/// (or at the start and the end when the template has no such tags).
pub fn inject(html: &str, banner: &str, version: u64) -> String {
    let script = reload_script(version);
    let mut out = String::with_capacity(html.len() + banner.len() + script.len());
    let body_open = find_ascii_case_insensitive(html, "<body")
        .and_then(|start| html[start..].find('>').map(|end| start + end + 1));
    let (head, rest) = match body_open {
        Some(i) => html.split_at(i),
        None => ("", html),
    };
    out.push_str(head);
    out.push_str(banner);
    match rfind_ascii_case_insensitive(rest, "</body") {
        Some(i) => {
            out.push_str(&rest[..i]);
            out.push_str(&script);
            out.push_str(&rest[i..]);
        }
        None => {
            out.push_str(rest);
            out.push_str(&script);
        }
    }
    out
}

/// A page explaining why the site could not be built, with the message as opsbook printed
/// it; it reloads by itself once the problem is fixed.
pub fn error_page(title: &str, message: &str, version: u64) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>opsbook: {title}</title>\n</head>\n\
<body style=\"margin:0;font:15px/1.5 system-ui,sans-serif;color:#1d2939;background:#fef3f2\">\n\
<main style=\"max-width:60rem;margin:0 auto;padding:2rem 1rem\">\n\
<h1 style=\"color:#b42318;font-size:1.4rem\">opsbook: {title}</h1>\n\
<pre id=\"opsbook-error\" style=\"white-space:pre-wrap;background:#fff;border:1px solid #fda29b;\
padding:1rem;border-radius:6px;font:13px/1.45 ui-monospace,monospace\">{message}</pre>\n\
<p>Fix it and save: this page reloads by itself. The same message is in the terminal \
running <code>opsbook serve</code>.</p>\n</main>\n{script}\n</body>\n</html>\n",
        title = escape(title),
        message = escape(message),
        script = reload_script(version),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn banner() -> Banner {
        Banner {
            file: "content/runbooks/<x>.md".into(),
            no_page: false,
            items: vec![
                BannerItem {
                    level: "error".into(),
                    rule: "required-field".into(),
                    message: "missing required field `owner`".into(),
                    help: "add `owner: team-x`".into(),
                    line: 1,
                    column: 1,
                },
                BannerItem {
                    level: "warning".into(),
                    rule: "stale-runbook".into(),
                    message: "last reviewed <script>alert(1)</script>".into(),
                    help: "review it".into(),
                    line: 9,
                    column: 16,
                },
            ],
        }
    }

    #[test]
    fn script_before_the_closing_body_and_banner_after_the_opening_one() {
        let html = "<html><head></head><BODY class=\"x\"><main>hi</main></BODY></html>";
        let out = inject(html, "<aside>b</aside>", 7);
        assert!(
            out.starts_with(
                "<html><head></head><BODY class=\"x\"><aside>b</aside><main>hi</main><script"
            ),
            "{out}"
        );
        assert!(out.ends_with("</script></BODY></html>"), "{out}");
        assert!(out.contains("var v=\"7\""));
    }

    #[test]
    fn pages_without_body_tags_still_get_both() {
        let out = inject("<p>fragment</p>", "<aside>b</aside>", 1);
        assert!(out.starts_with("<aside>b</aside><p>fragment</p><script"));
    }

    #[test]
    fn banner_escapes_and_counts() {
        let b = banner();
        let html = banner_html(&[&b]);
        assert!(
            html.contains("1 error and 1 warning in <code>content/runbooks/&lt;x&gt;.md</code>"),
            "{html}"
        );
        assert!(!html.contains("<script>"));
        assert!(html.contains("line 9:16"));
        assert_eq!(banner_html(&[&Banner::default()]), "");
    }

    #[test]
    fn error_page_escapes_the_message() {
        let page = error_page(
            "the site could not be built",
            "template <base.html> failed",
            3,
        );
        assert!(page.contains("template &lt;base.html&gt; failed"));
        assert!(page.contains(EVENTS_PATH));
    }
}
