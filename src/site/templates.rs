//! Tera templates compiled into the binary from templates/, overridable file by file by a
//! `templates/` folder beside the user's opsbook.toml.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, LazyLock};

use regex::Regex;
use tera::Tera;

use super::SiteError;

macro_rules! builtin {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/", $name)))),*]
    };
}

/// The built-in page templates.
pub const PAGES: &[(&str, &str)] = builtin!(
    "base.html",
    "index.html",
    "list.html",
    "runbook.html",
    "postmortem.html",
    "taxonomies.html",
    "taxonomy.html",
    "follow-ups.html",
    "follow-up-rows.html",
    "metrics.html",
    "alerts.html",
    "alert.html",
    "404.html",
    "atom.xml",
    "sitemap.xml",
    "robots.txt",
);

/// The built-in static files, copied to the output as they are.
pub const STATIC: &[(&str, &str)] = builtin!(
    "static/style.css",
    "static/site.js",
    "static/favicon.svg",
    "static/search.js",
);

pub struct Templates {
    pub tera: Tera,
    /// (path relative to the output folder, bytes)
    pub static_files: Vec<(String, Vec<u8>)>,
    /// For each built-in page template that no override changes (neither it nor a template
    /// it extends, includes or imports), the names it reads fields by: see [`names_read`].
    fields_read: HashMap<&'static str, Arc<FieldNames>>,
}

/// Names a template reads fields of its values by.
pub type FieldNames = hashbrown::HashSet<Box<str>>;

impl Templates {
    /// The names template `name` reads fields by, when it is built in and not overridden
    /// (with what it extends, includes and imports); `None` otherwise, and then a template
    /// may read any field.
    pub fn fields_read(&self, name: &str) -> Option<&Arc<FieldNames>> {
        self.fields_read.get(name)
    }

    /// Gives every template every field, as if each were overridden (to compare the pages).
    #[cfg(test)]
    pub fn read_every_field(&mut self) {
        self.fields_read.clear();
    }
}

/// `{% extends "x" %}`, `{% include "x" %}`, `{% import "x" as m %}`: the template named.
static USES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\{%-?\s*(?:extends|include|import)\s+["']([^"']+)["']"#)
        .expect("a valid regular expression")
});

/// A name a field could be read by: an identifier after a `.` (`doc.title`) or written as a
/// string (`doc["title"]`).
static FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\.\s*([A-Za-z_][A-Za-z0-9_]*)|["']([A-Za-z_][A-Za-z0-9_]*)["']"#)
        .expect("a valid regular expression")
});

/// Template `name` and those it extends, includes or imports, and theirs.
fn with_uses(name: &str, texts: &HashMap<&str, &str>) -> Vec<String> {
    let mut seen = vec![name.to_string()];
    let mut next = vec![name.to_string()];
    while let Some(template) = next.pop() {
        let text = texts.get(template.as_str()).copied().unwrap_or_default();
        for used in USES.captures_iter(text) {
            let used = used[1].to_string();
            if !seen.contains(&used) {
                seen.push(used.clone());
                next.push(used);
            }
        }
    }
    seen
}

/// Every name `templates` could read a field by. More names than they read (`.html` in a
/// URL, a word of the page's text) cost nothing; fewer would hide a field from them, so this
/// serves only the built-in templates, which read fields by name (no `json_encode` of a
/// document, no loop over its keys). `pages_are_the_same_whether_views_bring_every_field_or_the_named_ones`
/// renders every page with every field and with these.
fn names_read(templates: &[String], texts: &HashMap<&str, &str>) -> FieldNames {
    let mut names = FieldNames::default();
    for template in templates {
        let text = texts.get(template.as_str()).copied().unwrap_or_default();
        for found in FIELD.captures_iter(text) {
            if let Some(name) = found.get(1).or_else(|| found.get(2)) {
                names.insert(name.as_str().into());
            }
        }
    }
    names
}

/// [`Templates::fields_read`] of every built-in page template that `overridden` leaves as it
/// is, with everything it uses.
fn fields_read(
    sources: &[(String, String)],
    overridden: &[&str],
) -> HashMap<&'static str, Arc<FieldNames>> {
    let texts: HashMap<&str, &str> = sources
        .iter()
        .map(|(name, text)| (name.as_str(), text.as_str()))
        .collect();
    let built_in =
        |name: &str| !overridden.contains(&name) && PAGES.iter().any(|(page, _)| *page == name);
    PAGES
        .iter()
        .filter_map(|(name, _)| {
            let uses = with_uses(name, &texts);
            uses.iter()
                .all(|used| built_in(used))
                .then(|| (*name, Arc::new(names_read(&uses, &texts))))
        })
        .collect()
}

fn read_override(dir: &Path, name: &str) -> Result<Option<String>, SiteError> {
    let path = dir.join(name);
    // Present but not a regular file (a folder, a FIFO): an error that says so, not ignored.
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(None);
    }
    crate::parse::read_regular_text(&path, crate::parse::MAX_TEMPLATE_BYTES)
        .map(Some)
        .map_err(|e| SiteError::Template {
            name: path.display().to_string(),
            message: e.to_string(),
        })
}

/// Built-in templates with the user's overrides from `dir` laid on top.
pub fn load(dir: &Path) -> Result<Templates, SiteError> {
    let mut sources = Vec::new();
    let mut overridden = Vec::new();
    for (name, builtin) in PAGES {
        let text = match read_override(dir, name)? {
            Some(text) => {
                overridden.push(*name);
                text
            }
            None => builtin.to_string(),
        };
        sources.push((name.to_string(), text));
    }
    let fields_read = fields_read(&sources, &overridden);
    let mut tera = Tera::new();
    tera.autoescape_on(vec![".html", ".xml"]);
    // One escaper for HTML and XML; it also replaces characters XML forbids (crate::escape).
    tera.set_escape_fn(crate::escape::write_html);
    tera.add_raw_templates(sources.iter().map(|(n, t)| (n.as_str(), t.as_str())))
        .map_err(|e| SiteError::Template {
            name: "templates".into(),
            message: format_tera_error(&e),
        })?;
    let mut static_files = Vec::new();
    for (name, builtin) in STATIC {
        let text = read_override(dir, name)?.unwrap_or_else(|| builtin.to_string());
        static_files.push((name.to_string(), text.into_bytes()));
    }
    Ok(Templates {
        tera,
        static_files,
        fields_read,
    })
}

/// Tera's error with its causes, on one line each.
pub fn format_tera_error(err: &tera::Error) -> String {
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        message.push_str(&format!("\n  caused by: {cause}"));
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_built_in_template_reads_the_fields_it_and_what_it_extends_name() {
        let templates = load(Path::new("no-such-folder")).unwrap();
        let list = templates.fields_read("list.html").unwrap();
        for name in [
            "title",
            "url",
            "severity_rank",
            "open_follow_ups",
            "services",
        ] {
            assert!(list.contains(name), "list.html reads {name}");
        }
        // From base.html, which list.html extends.
        assert!(list.contains("base_path"));
        for name in ["summary", "rollback", "follow_ups", "referenced_by"] {
            assert!(!list.contains(name), "list.html does not read {name}");
        }
        let postmortem = templates.fields_read("postmortem.html").unwrap();
        assert!(postmortem.contains("follow_ups") && postmortem.contains("referenced_by"));
    }

    #[test]
    fn an_override_may_read_any_field_and_so_may_what_extends_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("base.html"),
            "<html>{% block head %}{% endblock head %}{% for d in documents %}{% for k, v in d %}\
             {{ k }}{% endfor %}{% endfor %}{% block content %}{% endblock content %}</html>",
        )
        .unwrap();
        std::fs::write(dir.path().join("list.html"), "{% extends \"base.html\" %}").unwrap();
        let templates = load(dir.path()).unwrap();
        assert!(templates.fields_read("base.html").is_none());
        assert!(templates.fields_read("list.html").is_none());
        assert!(
            templates.fields_read("index.html").is_none(),
            "index.html extends the overridden base.html"
        );
        assert!(
            templates.fields_read("robots.txt").is_some(),
            "robots.txt extends nothing"
        );
    }

    #[test]
    fn names_are_found_after_dots_and_in_strings_through_includes() {
        let texts: HashMap<&str, &str> = [
            ("a", "{% extends 'b' %}{{ doc . title }}{{ doc['owner'] }}"),
            ("b", "{% include \"c\" %}{{ x.y }}"),
            ("c", "{% import \"a\" as m %}{{ z.deep }}"),
        ]
        .into_iter()
        .collect();
        let uses = with_uses("a", &texts);
        assert_eq!(uses.len(), 3, "{uses:?}");
        let names = names_read(&uses, &texts);
        for name in ["title", "owner", "y", "deep"] {
            assert!(names.contains(name), "{name}: {names:?}");
        }
    }
}
