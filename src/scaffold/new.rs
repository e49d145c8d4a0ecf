//! `opsbook new runbook|postmortem "TITLE"`: a new document from a template, with every
//! required field present. What a person must fill in is left empty and marked `# TODO`, so
//! `opsbook lint` lists exactly those lines until they are filled in.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::Date;
use serde::Serialize;
use tera::Context;

use super::{ScaffoldError, render_template};
use crate::config::Config;
use crate::document::{Document, Kind, schema};

/// The built-in templates, overridable by `templates/new/<kind>.md` in the knowledge base.
pub const BUILTIN: &[(Kind, &str)] = &[
    (
        Kind::Runbook,
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/templates/new/runbook.md"
        )),
    ),
    (
        Kind::Postmortem,
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/templates/new/postmortem.md"
        )),
    ),
];

/// What to create.
#[derive(Debug, Clone)]
pub struct NewOptions {
    pub kind: Kind,
    pub title: String,
    /// The incident date of a postmortem (its file name starts with it); for a runbook, the
    /// review date. Today when not given.
    pub date: Date,
    pub today: Date,
    /// The file name without `.md` (after the date for postmortems); from the title when absent.
    pub slug: Option<String>,
    /// The document's owner; empty means "to fill in".
    pub owner: Option<String>,
}

/// A rendered document, not yet written.
#[derive(Debug, Clone)]
pub struct NewDocument {
    pub path: PathBuf,
    pub text: String,
    /// The template used: `built-in` or the path of the user's template.
    pub template: String,
}

#[derive(Serialize)]
struct FieldHint {
    name: String,
    /// `name:` padded so the comments after it line up.
    padded: String,
    describe: String,
}

/// The template for `kind`: the user's `templates/new/<kind>.md` when it exists, else the
/// built-in one. Returns (text, where it came from).
pub fn template_for(config: &Config, kind: Kind) -> Result<(String, String), ScaffoldError> {
    let path = config
        .templates_dir()
        .join("new")
        .join(format!("{}.md", kind.name()));
    // Present but not a regular file (a folder, a FIFO): an error that says so, not ignored.
    if std::fs::symlink_metadata(&path).is_ok() {
        let text = crate::parse::read_regular_text(&path, crate::parse::MAX_TEMPLATE_BYTES)
            .map_err(|e| ScaffoldError::Template {
                name: super::display(&path),
                message: e.to_string(),
            })?;
        return Ok((text, super::display(&path)));
    }
    let builtin = BUILTIN
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, text)| text.to_string())
        .unwrap_or_default();
    Ok((builtin, "built-in".to_string()))
}

/// Where the new document goes, relative to the content folder.
pub fn rel_path(kind: Kind, slug: &str, date: Date) -> String {
    match kind {
        Kind::Runbook => format!("runbooks/{slug}.md"),
        Kind::Postmortem => format!("postmortems/{date}-{slug}.md"),
    }
}

/// Renders the new document (nothing is written).
pub fn render(config: &Config, options: &NewOptions) -> Result<NewDocument, ScaffoldError> {
    let slug = match &options.slug {
        Some(slug) if !super::is_safe_slug(slug) => {
            return Err(ScaffoldError::BadSlug { slug: slug.clone() });
        }
        Some(slug) => slug.clone(),
        None => super::file_slug(&options.title),
    };
    if slug.is_empty() {
        return Err(ScaffoldError::EmptySlug {
            title: options.title.clone(),
        });
    }
    let rel = rel_path(options.kind, &slug, options.date);
    let path = super::join(&config.content_dir(), &rel);
    let (template, origin) = template_for(config, options.kind)?;

    let kind_schema = config.schema.for_kind(options.kind);
    let follow_up_fields: Vec<FieldHint> = config
        .schema
        .follow_up
        .required
        .iter()
        .map(|name| FieldHint {
            name: name.clone(),
            padded: format!("{:<16}", format!("{name}:")),
            describe: follow_up_hint(name),
        })
        .collect();
    let mut context = Context::new();
    context.insert("kind", options.kind.name());
    context.insert("title", &options.title);
    context.insert("slug", &slug);
    context.insert("date", &options.date.to_string());
    context.insert("today", &options.today.to_string());
    context.insert("owner", options.owner.as_deref().unwrap_or(""));
    context.insert("severities", &config.schema.severities);
    context.insert("allowed", &kind_schema.allowed);
    context.insert("required", &kind_schema.required);
    context.insert("follow_up_fields", &follow_up_fields);
    let name = if origin == "built-in" {
        format!("the built-in templates/new/{}.md", options.kind.name())
    } else {
        origin.clone()
    };
    let rendered = render_template(&name, &template, &context)?;
    let text = add_missing_required(config, options.kind, &rel, rendered, &name)?;
    Ok(NewDocument {
        path,
        text,
        template: origin,
    })
}

/// Renders and writes the new document; refuses to overwrite anything.
pub fn create(config: &Config, options: &NewOptions) -> Result<NewDocument, ScaffoldError> {
    let doc = render(config, options)?;
    super::write_new_file(&doc.path, &doc.text)?;
    Ok(doc)
}

fn follow_up_hint(name: &str) -> String {
    match name {
        "action" => "what will be done, as a verb phrase".into(),
        "owner" => "the one person who does it".into(),
        "due" => "the due date, YYYY-MM-DD".into(),
        other => schema::follow_up_field(other)
            .map_or_else(|| "a value".into(), |f| f.describe.to_string()),
    }
}

/// Appends `name:  # TODO: ...` for every required field the template left out, so the new
/// document names every field the schema requires, even with a customised schema or template.
fn add_missing_required(
    config: &Config,
    kind: Kind,
    rel: &str,
    text: String,
    template: &str,
) -> Result<String, ScaffoldError> {
    let doc = Document::parse(rel.to_string(), PathBuf::from(rel), Arc::new(text.clone()));
    if let Some(problem) = &doc.front_matter_problem {
        return Err(ScaffoldError::Template {
            name: template.to_string(),
            message: format!("its output has no usable front matter ({problem:?})"),
        });
    }
    let missing: Vec<&String> = config
        .schema
        .for_kind(kind)
        .required
        .iter()
        .filter(|name| doc.field(name).is_none())
        .collect();
    if missing.is_empty() {
        return Ok(text);
    }
    let mut lines = String::new();
    for name in missing {
        if name == "follow_ups" {
            lines.push_str("follow_ups:\n");
            for (i, field) in config.schema.follow_up.required.iter().enumerate() {
                let lead = if i == 0 { "  - " } else { "    " };
                lines.push_str(&format!(
                    "{lead}{field}:  # TODO: {}\n",
                    follow_up_hint(field)
                ));
            }
            continue;
        }
        let describe = schema::field_spec(kind, name).map_or("a value", |f| f.describe);
        lines.push_str(&format!("{name}:  # TODO: {describe}\n"));
    }
    // Insert just before the closing `---` line of the front matter.
    let block_end = doc.front_matter_block.end;
    let closing_start = text[..block_end].rfind('\n').map_or(0, |i| i + 1);
    let mut out = String::with_capacity(text.len() + lines.len());
    out.push_str(&text[..closing_start]);
    out.push_str(&lines);
    out.push_str(&text[closing_start..]);
    Ok(out)
}

/// The owner to put in a new document: `--owner`, else `git config user.email` from `dir`.
pub fn default_owner(explicit: Option<&str>, dir: &Path) -> Option<String> {
    explicit
        .map(str::to_string)
        .or_else(|| super::git_user_email(dir))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint;

    fn options(kind: Kind, title: &str) -> NewOptions {
        NewOptions {
            kind,
            title: title.into(),
            date: "2026-11-20".parse().unwrap(),
            today: "2026-11-25".parse().unwrap(),
            slug: None,
            owner: Some("alice@example.com".into()),
        }
    }

    fn config_in(dir: &Path) -> Config {
        Config {
            root: dir.to_path_buf(),
            ..Config::default()
        }
    }

    /// The findings of the new document, each with the text of its first line. The status is
    /// moved past `draft` first, so that rules a configuration may waive for drafts apply.
    fn findings(config: &Config, doc: &NewDocument, rel: &str) -> Vec<(String, String)> {
        let text = doc.text.replacen("status: draft ", "status: in_review ", 1);
        let parsed = Document::parse(rel.into(), rel.into(), Arc::new(text.clone()));
        let docs = vec![parsed];
        lint::check(&docs, config, "2026-11-25".parse().unwrap())
            .into_iter()
            .map(|f| {
                let (line, _) = crate::report::line_col(&docs[0].source, f.span.start);
                let text = docs[0]
                    .source
                    .lines()
                    .nth(line - 1)
                    .unwrap_or("")
                    .to_string();
                (f.rule.to_string(), text)
            })
            .collect()
    }

    #[test]
    fn paths_follow_the_kind() {
        let dir = tempfile::tempdir().unwrap();
        let config = config_in(dir.path());
        let pm = render(
            &config,
            &options(Kind::Postmortem, "Checkout 5xx after deploy"),
        )
        .unwrap();
        assert_eq!(
            pm.path,
            dir.path()
                .join("content/postmortems/2026-11-20-checkout-5xx-after-deploy.md")
        );
        let rb = render(&config, &options(Kind::Runbook, "Payments DB failover")).unwrap();
        assert_eq!(
            rb.path,
            dir.path().join("content/runbooks/payments-db-failover.md")
        );
        assert_eq!(rb.template, "built-in");
    }

    #[test]
    fn only_the_todo_lines_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let config = config_in(dir.path());
        for kind in Kind::ALL {
            let doc = render(&config, &options(kind, "Title: with a colon")).unwrap();
            let rel = format!("{}/x.md", kind.folder());
            let found = findings(&config, &doc, &rel);
            assert!(!found.is_empty(), "{kind}: a person has fields to fill in");
            for (rule, line) in &found {
                assert!(
                    line.contains("TODO"),
                    "{kind}: {rule} on a line without TODO: {line:?}\n{}",
                    doc.text
                );
            }
            let parsed = Document::parse(rel.clone(), rel.into(), Arc::new(doc.text.clone()));
            assert_eq!(parsed.meta().title.as_deref(), Some("Title: with a colon"));
            assert_eq!(parsed.meta().owner.as_deref(), Some("alice@example.com"));
        }
    }

    #[test]
    fn filled_in_postmortem_is_clean() {
        let dir = tempfile::tempdir().unwrap();
        let config = config_in(dir.path());
        let doc = render(&config, &options(Kind::Postmortem, "Checkout 5xx")).unwrap();
        let filled = doc
            .text
            .replacen("severity:", "severity: SEV2", 1)
            .replacen("services: []", "services: [checkout-web]", 1)
            .replacen("rollback:", "rollback: Rolled back release 42", 1)
            .replacen("  - action:", "  - action: Add a canary stage", 1)
            .replacen("    owner:", "    owner: bob@example.com", 1)
            .replacen("    due:", "    due: 2026-12-18", 1);
        let filled = NewDocument {
            text: filled,
            ..doc
        };
        assert_eq!(findings(&config, &filled, "postmortems/x.md"), []);
    }

    #[test]
    fn without_an_owner_the_owner_is_a_todo() {
        let dir = tempfile::tempdir().unwrap();
        let config = config_in(dir.path());
        let doc = render(
            &config,
            &NewOptions {
                owner: None,
                ..options(Kind::Runbook, "Restart the API")
            },
        )
        .unwrap();
        let owner_line = doc.text.lines().find(|l| l.starts_with("owner:")).unwrap();
        assert!(owner_line.contains("TODO"), "{owner_line}");
        assert!(
            findings(&config, &doc, "runbooks/x.md")
                .iter()
                .any(|(_, l)| l == owner_line)
        );
    }

    #[test]
    fn required_fields_from_the_config_are_added() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = config_in(dir.path());
        config.schema.runbook.required.push("escalation".into());
        config
            .schema
            .runbook
            .required
            .push("customer_impact".into());
        config
            .schema
            .postmortem
            .required
            .retain(|f| f != "follow_ups");
        let doc = render(&config, &options(Kind::Runbook, "Restart the API")).unwrap();
        assert!(
            doc.text
                .contains("\ncustomer_impact:  # TODO: a value\n---\n"),
            "{}",
            doc.text
        );
        // The template already has `escalation:` (empty): it is not added twice.
        assert_eq!(doc.text.matches("\nescalation:").count(), 1);
        let found = findings(&config, &doc, "runbooks/x.md");
        assert!(
            found
                .iter()
                .any(|(r, l)| r == "required-field" && l.starts_with("customer_impact:"))
        );
    }

    #[test]
    fn a_user_template_wins_and_missing_fields_are_added() {
        let dir = tempfile::tempdir().unwrap();
        let config = config_in(dir.path());
        let custom = dir.path().join("templates/new/postmortem.md");
        std::fs::create_dir_all(custom.parent().unwrap()).unwrap();
        std::fs::write(
            &custom,
            "---\ntitle: {{ title | yaml }}\nteam: sre\n---\n# {{ title }} on {{ date }}\n",
        )
        .unwrap();
        let doc = render(&config, &options(Kind::Postmortem, "Disk full")).unwrap();
        assert!(doc.template.ends_with("templates/new/postmortem.md"));
        assert!(
            doc.text
                .starts_with("---\ntitle: Disk full\nteam: sre\nowner:  # TODO"),
            "{}",
            doc.text
        );
        assert!(doc.text.contains("follow_ups:\n  - action:  # TODO"));
        assert!(doc.text.ends_with("---\n# Disk full on 2026-11-20\n"));
    }

    #[test]
    fn a_broken_user_template_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let config = config_in(dir.path());
        let custom = dir.path().join("templates/new/runbook.md");
        std::fs::create_dir_all(custom.parent().unwrap()).unwrap();
        std::fs::write(&custom, "---\ntitle: {{ title \n---\n").unwrap();
        let err = render(&config, &options(Kind::Runbook, "X")).unwrap_err();
        assert!(matches!(err, ScaffoldError::Template { .. }), "{err}");
        std::fs::write(&custom, "no front matter {{ title }}\n").unwrap();
        let err = render(&config, &options(Kind::Runbook, "X")).unwrap_err();
        assert!(err.to_string().contains("front matter"), "{err}");
    }

    #[test]
    fn never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let config = config_in(dir.path());
        let first = create(&config, &options(Kind::Runbook, "Restart the API")).unwrap();
        std::fs::write(&first.path, "mine").unwrap();
        let err = create(&config, &options(Kind::Runbook, "Restart the API")).unwrap_err();
        assert!(matches!(err, ScaffoldError::Exists { .. }));
        assert_eq!(std::fs::read_to_string(&first.path).unwrap(), "mine");
    }

    #[test]
    fn bad_titles_and_slugs_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let config = config_in(dir.path());
        assert!(matches!(
            render(&config, &options(Kind::Runbook, "???")),
            Err(ScaffoldError::EmptySlug { .. })
        ));
        let escape = NewOptions {
            slug: Some("../../etc/x".into()),
            ..options(Kind::Runbook, "x")
        };
        assert!(matches!(
            render(&config, &escape),
            Err(ScaffoldError::BadSlug { .. })
        ));
    }
}
