//! Tera templates compiled into the binary from templates/, overridable file by file by a
//! `templates/` folder beside the user's opsbook.toml.

use std::path::Path;

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
    for (name, builtin) in PAGES {
        let text = read_override(dir, name)?.unwrap_or_else(|| builtin.to_string());
        sources.push((name.to_string(), text));
    }
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
    Ok(Templates { tera, static_files })
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
