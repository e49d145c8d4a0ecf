//! Writing files for people to fill in: `opsbook new` (one document from a template) and
//! `opsbook init` (a starter knowledge base). Nothing here ever overwrites or deletes a file.

pub mod init;
pub mod new;

use std::path::{Path, PathBuf};

use tera::{Context, Kwargs, State, Tera};

/// Why a file could not be written. All of these exit with code 2.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ScaffoldError {
    #[error("{path} already exists")]
    #[diagnostic(
        code(exists),
        help(
            "opsbook never overwrites a file: pick another title, pass --slug NAME, or edit the existing file"
        )
    )]
    Exists { path: String },
    #[error("cannot make a file name from the title {title:?}")]
    #[diagnostic(
        code(title),
        help("use a title with letters or digits, or pass --slug NAME")
    )]
    EmptySlug { title: String },
    #[error("{slug:?} cannot be used as a file name")]
    #[diagnostic(
        code(slug),
        help("use lowercase letters, digits and hyphens, such as `payments-db-failover`")
    )]
    BadSlug { slug: String },
    #[error("the template {name} failed: {message}")]
    #[diagnostic(
        code(template),
        help(
            "fix the template, or delete it to use the built-in one (see the book's `opsbook new` page for its variables)"
        )
    )]
    Template { name: String, message: String },
    #[error("{path} is not empty")]
    #[diagnostic(
        code(init),
        help(
            "run `opsbook init` in an empty folder, or pass --force to add the starter files that are missing (existing files are kept)"
        )
    )]
    NotEmpty { path: String },
    #[error("{path} exists and is not a folder")]
    #[diagnostic(code(init), help("pass the path of a new or empty folder"))]
    NotAFolder { path: String },
    #[error("cannot write {path}: {message}")]
    #[diagnostic(code(write), help("check that the folder exists and is writable"))]
    Write { path: String, message: String },
}

/// A file name from a title: [`crate::slug::slugify`] cut at a word boundary to at most 60
/// characters (file names stay short enough to read in a listing and a URL).
pub fn file_slug(title: &str) -> String {
    let slug = crate::slug::slugify(title);
    if slug.chars().count() <= 60 {
        return slug;
    }
    let cut: String = slug.chars().take(61).collect();
    match cut.rfind('-') {
        Some(i) if i > 20 => cut[..i].to_string(),
        _ => cut
            .chars()
            .take(60)
            .collect::<String>()
            .trim_end_matches('-')
            .to_string(),
    }
}

/// Whether `slug` is safe as one path segment: no separators, no leading dot, not empty.
pub fn is_safe_slug(slug: &str) -> bool {
    !slug.is_empty()
        && !slug.starts_with('.')
        && !slug.starts_with('-')
        && slug
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '.')
}

/// `text` as a YAML scalar: plain when that reads back as the same string, else
/// double-quoted (JSON string syntax is valid YAML).
pub fn yaml_scalar(text: &str) -> String {
    let reserved = [
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~",
    ];
    let plain = text.chars().next().is_some_and(|c| c.is_alphabetic())
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || " _.,()/+-@".contains(c))
        && !text.ends_with(' ')
        && !reserved.contains(&text.to_ascii_lowercase().as_str());
    if plain {
        text.to_string()
    } else {
        serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
    }
}

/// Renders a template text with Tera: autoescape off (the output is Markdown and YAML) and a
/// `yaml` filter that quotes a value for the front matter.
pub fn render_template(name: &str, text: &str, context: &Context) -> Result<String, ScaffoldError> {
    let mut tera = Tera::new();
    tera.register_filter("yaml", |value: &str, _: Kwargs, _: &State| {
        yaml_scalar(value)
    });
    tera.render_str(text, context, false)
        .map_err(|e| ScaffoldError::Template {
            name: name.to_string(),
            message: crate::site::templates::format_tera_error(&e),
        })
}

/// `git config user.email` as git sees it from `dir` (the repository's config, then the
/// global and system ones), when set.
pub fn git_user_email(dir: &Path) -> Option<String> {
    let email = match gix::discover(dir) {
        Ok(repo) => repo
            .config_snapshot()
            .string("user.email")
            .map(|e| e.to_string()),
        Err(_) => gix::config::File::from_globals()
            .ok()?
            .string("user.email")
            .map(|e| e.to_string()),
    };
    email
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty())
}

/// Writes `text` to `path` only if nothing is there yet (atomically checked by the OS),
/// creating the parent folders.
pub fn write_new_file(path: &Path, text: &str) -> Result<(), ScaffoldError> {
    use std::io::Write;
    let err = |path: &Path, e: std::io::Error| ScaffoldError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| err(parent, e))?;
    }
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(ScaffoldError::Exists {
                path: display(path),
            });
        }
        Err(e) => return Err(err(path, e)),
    };
    file.write_all(text.as_bytes()).map_err(|e| err(path, e))
}

/// A path as people read it: without a leading `./`.
pub fn display(path: &Path) -> String {
    let text = path.display().to_string();
    text.strip_prefix("./").map(str::to_string).unwrap_or(text)
}

/// `root.join(rel)` without a useless `./` in front.
pub fn join(root: &Path, rel: &str) -> PathBuf {
    if root == Path::new(".") || root.as_os_str().is_empty() {
        PathBuf::from(rel)
    } else {
        root.join(rel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_slugs_are_cut_at_a_word_boundary() {
        assert_eq!(file_slug("Payments DB failover"), "payments-db-failover");
        let long = file_slug(&"word ".repeat(30));
        assert!(long.len() <= 60 && !long.ends_with('-'), "{long}");
        assert_eq!(long, "word-".repeat(12).trim_end_matches('-'));
        let one_word = file_slug(&"x".repeat(80));
        assert_eq!(one_word.chars().count(), 60);
    }

    #[test]
    fn unsafe_slugs_are_refused() {
        assert!(is_safe_slug("db-failover"));
        for bad in ["", "../x", "a/b", ".hidden", "-x", "a b"] {
            assert!(!is_safe_slug(bad), "{bad}");
        }
    }

    #[test]
    fn yaml_scalars_read_back_as_the_same_text() {
        for text in [
            "Checkout 5xx after deploy",
            "DB: failover",
            "yes",
            "#1 priority",
            "- dash",
            "quote \" and \\ backslash",
            "2026-01-01",
            "@team",
            "null",
            "",
            "tab\there",
        ] {
            let yaml = format!("v: {}\n", yaml_scalar(text));
            let node = crate::document::yaml::parse(&yaml, 0).unwrap();
            let (_, value) = node.get("v").unwrap();
            assert_eq!(value.as_str(), Some(text), "{yaml}");
        }
        assert_eq!(yaml_scalar("Payments DB failover"), "Payments DB failover");
        assert_eq!(yaml_scalar("alice@example.com"), "alice@example.com");
    }
}
