//! `opsbook adopt [DIR] [--write]`: proposes the opsbook.toml that reads an existing repository
//! as it is (see [`crate::adopt`]), and says what lint would report with it.

use std::collections::BTreeMap;
use std::io::Write;

use super::CommandError;
use crate::cli::{AdoptArgs, Cli, Exit};
use crate::config::CONFIG_FILE;
use crate::term::escape_controls;

pub fn run(cli: &Cli, args: &AdoptArgs) -> Result<Exit, crate::Error> {
    let dir = args.dir.clone().unwrap_or_else(|| ".".into());
    let target = dir.join(CONFIG_FILE);
    if std::fs::symlink_metadata(&target).is_ok() && args.write {
        return Err(exists(&target).into());
    }
    let (text, _) = crate::adopt::propose(&dir)?;
    if args.write {
        write_new(&target, &text)?;
        if !cli.quiet {
            eprintln!("wrote {}", escape_controls(&target.display().to_string()));
        }
    } else {
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
    }
    if !cli.quiet {
        eprintln!("{}", lint_summary(&crate::adopt::lint_with(&dir, &text)?));
    }
    Ok(Exit::Clean)
}

fn exists(target: &std::path::Path) -> CommandError {
    CommandError::Write {
        path: target.display().to_string(),
        message: "it exists already; adopt never overwrites it (move it away, or print the proposal without --write)".into(),
    }
}

/// Writes a file that must not exist yet (created exclusively, so nothing is overwritten).
fn write_new(target: &std::path::Path, text: &str) -> Result<(), CommandError> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(target);
    let mut file = match file {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(exists(target)),
        Err(e) => return Err(write_error(target, e)),
    };
    file.write_all(text.as_bytes())
        .map_err(|e| write_error(target, e))
}

fn write_error(target: &std::path::Path, e: std::io::Error) -> CommandError {
    CommandError::Write {
        path: target.display().to_string(),
        message: e.to_string(),
    }
}

/// What `opsbook lint` says with the proposed config: the summary line and the findings by rule.
fn lint_summary(outcome: &crate::LintOutcome) -> String {
    let mut by_rule: BTreeMap<&str, (usize, crate::lint::Level)> = BTreeMap::new();
    for finding in &outcome.findings {
        let entry = by_rule
            .entry(finding.rule.as_str())
            .or_insert((0, finding.level));
        entry.0 += 1;
    }
    let mut text = format!(
        "with this config, opsbook lint finds {}",
        crate::report::human::summary_line(&outcome.findings, outcome.checked)
    );
    for (rule, (count, level)) in by_rule {
        text.push_str(&format!("\n  {count:>4} {rule} ({level})"));
    }
    text
}
