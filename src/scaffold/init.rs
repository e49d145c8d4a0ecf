//! `opsbook init [DIR]`: a starter knowledge base. Refuses a folder with anything in it
//! (other than `.git`) unless `--force`, and even then writes only the files that are missing.

use std::path::{Path, PathBuf};

use jiff::ToSpan;
use jiff::civil::Date;
use tera::Context;

use super::{ScaffoldError, render_template, write_new_file};

const CONFIG: &str = include_str!("starter/opsbook.toml");
const WORKFLOW: &str = include_str!("starter/workflow.yml");
const GITIGNORE: &str = include_str!("starter/gitignore");
const RUNBOOK: &str = include_str!("starter/runbook.md");
const POSTMORTEM: &str = include_str!("starter/postmortem.md");

/// What `init` did with each starter file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created(PathBuf),
    /// The file was there already (with `--force`): left as it was.
    Kept(PathBuf),
}

/// The starter files as (path relative to the new knowledge base, text).
pub fn starter_files(today: Date) -> Result<Vec<(String, String)>, ScaffoldError> {
    let mut context = Context::new();
    context.insert("today", &today.to_string());
    context.insert("date", &today.to_string());
    let due = today.checked_add(30.days()).unwrap_or(today);
    context.insert("due", &due.to_string());
    Ok(vec![
        ("opsbook.toml".into(), CONFIG.into()),
        (
            "content/runbooks/restart-example-api.md".into(),
            render_template("the starter runbook", RUNBOOK, &context)?,
        ),
        (
            format!("content/postmortems/{today}-example-api-config-change.md"),
            render_template("the starter postmortem", POSTMORTEM, &context)?,
        ),
        (".github/workflows/opsbook.yml".into(), WORKFLOW.into()),
        (".gitignore".into(), GITIGNORE.into()),
    ])
}

/// Whether `dir` counts as empty: missing, or holding nothing but a `.git` folder.
fn is_empty(dir: &Path) -> Result<bool, ScaffoldError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(true),
        Err(e) => {
            return Err(ScaffoldError::Write {
                path: super::display(dir),
                message: e.to_string(),
            });
        }
    };
    for entry in entries.flatten() {
        if entry.file_name() != ".git" {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Creates the starter knowledge base in `dir`.
pub fn init(dir: &Path, force: bool, today: Date) -> Result<Vec<Outcome>, ScaffoldError> {
    if dir.exists() && !dir.is_dir() {
        return Err(ScaffoldError::NotAFolder {
            path: super::display(dir),
        });
    }
    if !force && !is_empty(dir)? {
        return Err(ScaffoldError::NotEmpty {
            path: super::display(dir),
        });
    }
    let mut outcomes = Vec::new();
    for (rel, text) in starter_files(today)? {
        let path = super::join(dir, &rel);
        match write_new_file(&path, &text) {
            Ok(()) => outcomes.push(Outcome::Created(path)),
            Err(ScaffoldError::Exists { .. }) => outcomes.push(Outcome::Kept(path)),
            Err(e) => return Err(e),
        }
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn today() -> Date {
        "2026-11-25".parse().unwrap()
    }

    #[test]
    fn the_commented_config_is_the_default_config() {
        let defaults = Config::default();
        let as_written = Config::parse(CONFIG, "opsbook.toml").unwrap();
        // Uncomment every setting and table line: still the defaults.
        let uncommented: String = CONFIG
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(rest)
                    if rest.starts_with('[')
                        || rest.split_once(" = ").is_some_and(|(k, _)| {
                            k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                        }) =>
                {
                    rest.to_string()
                }
                _ => line.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let uncommented = Config::parse(&uncommented, "opsbook.toml").unwrap();
        for config in [&as_written, &uncommented] {
            assert_eq!(config.site.title, defaults.site.title);
            assert_eq!(config.site.base_url, defaults.site.base_url);
            assert_eq!(config.paths.content, defaults.paths.content);
            assert_eq!(config.paths.output, defaults.paths.output);
            assert_eq!(config.schema.severities, defaults.schema.severities);
            for (a, b) in [
                (&config.schema.runbook, &defaults.schema.runbook),
                (&config.schema.postmortem, &defaults.schema.postmortem),
                (&config.schema.follow_up, &defaults.schema.follow_up),
            ] {
                assert_eq!(a.required, b.required);
                assert_eq!(a.allowed, b.allowed);
            }
        }
        assert!(uncommented.schema.runbook.allowed.contains_key("status"));
    }

    #[test]
    fn creates_the_starter_and_lints_clean() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("kb");
        let outcomes = init(&root, false, today()).unwrap();
        assert_eq!(outcomes.len(), 5);
        assert!(outcomes.iter().all(|o| matches!(o, Outcome::Created(_))));
        assert!(root.join(".github/workflows/opsbook.yml").is_file());
        assert!(
            root.join("content/postmortems/2026-11-25-example-api-config-change.md")
                .is_file()
        );
        let config = Config::load(None, &root).unwrap();
        let outcome = crate::lint(
            &config,
            &crate::LintOptions {
                today: Some(today()),
                ..crate::LintOptions::default()
            },
        )
        .unwrap();
        assert_eq!(outcome.checked, 2);
        assert!(outcome.findings.is_empty(), "{:?}", outcome.findings);
    }

    #[test]
    fn refuses_a_non_empty_folder_without_force() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let err = init(dir.path(), false, today()).unwrap_err();
        assert!(matches!(err, ScaffoldError::NotEmpty { .. }));
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "nothing written"
        );
    }

    #[test]
    fn a_git_folder_alone_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        assert!(init(dir.path(), false, today()).is_ok());
    }

    #[test]
    fn force_adds_missing_files_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("opsbook.toml"), "# mine\n").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let outcomes = init(dir.path(), true, today()).unwrap();
        assert!(outcomes.contains(&Outcome::Kept(dir.path().join("opsbook.toml"))));
        assert_eq!(
            outcomes
                .iter()
                .filter(|o| matches!(o, Outcome::Created(_)))
                .count(),
            4
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("opsbook.toml")).unwrap(),
            "# mine\n"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
            "mine"
        );
    }

    #[test]
    fn a_file_is_not_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x");
        std::fs::write(&file, "").unwrap();
        assert!(matches!(
            init(&file, true, today()),
            Err(ScaffoldError::NotAFolder { .. })
        ));
    }
}
