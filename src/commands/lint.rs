//! `opsbook lint [PATHS...]`: prints the findings in the chosen format and exits 1 on an
//! error-level finding (or a warning with `--deny-warnings`).

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use crate::cli::{Cli, Exit, Format, LintArgs};
use crate::config::Config;
use crate::report;

pub fn run(cli: &Cli, config: &Config, args: &LintArgs) -> Result<Exit, crate::Error> {
    let started = Instant::now();
    let outcome = crate::lint(
        config,
        &crate::LintOptions {
            paths: args.paths.clone(),
            today: args.today,
            changed_since: args.changed_since.clone(),
            allow_empty: args.allow_empty,
        },
    )?;
    print(cli, config, args.format, &outcome);
    if cli.verbose {
        eprintln!("lint took {:.2?}", started.elapsed());
    }
    let deny_warnings = args.deny_warnings || config.lint.deny_warnings;
    let exit = if outcome.has_errors() || (deny_warnings && outcome.has_warnings()) {
        Exit::Findings
    } else {
        Exit::Clean
    };
    // The process ends next: leave the documents to the OS instead of freeing them one by one
    // on one thread (a few percent of a lint of 10,000 documents).
    std::mem::forget(outcome);
    Ok(exit)
}

/// The report on stdout; for the machine formats, the summary line on stderr.
fn print(cli: &Cli, config: &Config, format: Format, outcome: &crate::LintOutcome) {
    let (sources, findings, checked) = (outcome.sources(), &outcome.findings, outcome.checked());
    let text = match format {
        Format::Human => {
            if cli.quiet && findings.is_empty() {
                return;
            }
            report::human::render(sources, findings, checked, super::human_style())
        }
        Format::Json => report::json::render(sources, findings, checked),
        Format::Github => {
            write_step_summary(outcome);
            report::github::annotations(sources, findings)
        }
        Format::Sarif => report::sarif::render(sources, findings, &config.lint.rule_url),
    };
    // Ignore a closed pipe (`opsbook lint | head`).
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    if format != Format::Human && !cli.quiet {
        eprintln!("{}", report::human::summary_line(findings, checked));
    }
    if !cli.quiet {
        for note in &outcome.notes {
            eprintln!("note: {}", crate::term::escape_controls(note));
        }
    }
}

/// Appends the Markdown summary to $GITHUB_STEP_SUMMARY when GitHub Actions sets it.
fn write_step_summary(outcome: &crate::LintOutcome) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    let text =
        report::github::step_summary(outcome.sources(), &outcome.findings, outcome.checked());
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(text.as_bytes()));
    if let Err(e) = written {
        eprintln!(
            "warning: cannot write the step summary to {}: {e}",
            PathBuf::from(path).display()
        );
    }
}
