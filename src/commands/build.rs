//! `opsbook build`: lints, writes the site unless the lint found errors, and says what it
//! wrote.

use std::io::Write;
use std::time::{Duration, Instant};

use crate::cli::{BuildArgs, Cli, Exit};
use crate::config::Config;
use crate::report;

pub fn run(cli: &Cli, config: &Config, args: &BuildArgs) -> Result<Exit, crate::Error> {
    let started = Instant::now();
    crate::allocator::keep_freed_memory();
    // A progress line on stderr when it is a terminal and the build takes a while.
    let progress = crate::term::ProgressLine::start(
        "building the site",
        cli.quiet,
        Duration::from_millis(400),
    );
    let outcome = crate::build(
        config,
        &crate::BuildOptions {
            output: args.output.clone(),
            allow_errors: args.allow_errors,
            today: args.today,
            rev: args.rev.clone(),
            allow_empty: args.allow_empty,
        },
    );
    progress.finish();
    let outcome = outcome?;
    print_notes(cli, &outcome);
    let lint = &outcome.lint;
    if !lint.findings.is_empty() {
        let text = report::human::render(
            lint.sources(),
            &lint.findings,
            lint.checked(),
            super::human_style(),
        );
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
    }
    let Some(site) = &outcome.site else {
        eprintln!(
            "error: the lint found errors, so no site was written (fix them, or pass --allow-errors)"
        );
        return Ok(Exit::Findings);
    };
    if !cli.quiet {
        for (path, why) in &outcome.unpublished {
            eprintln!(
                "no page for {}: {}",
                crate::term::escape_controls(path),
                crate::term::escape_controls(why)
            );
        }
        eprintln!(
            "wrote {} pages for {} documents to {} in {:.2?}",
            site.pages,
            site.documents,
            site.output.display(),
            started.elapsed()
        );
    }
    if cli.verbose {
        eprintln!("{}", search_line(config, site));
    }
    // With --allow-errors the findings are printed but the build succeeds: the caller asked
    // for a site in any case.
    Ok(Exit::Clean)
}

/// The build's notes (unless `--quiet`) and, with `--verbose`, what the history walk did.
fn print_notes(cli: &Cli, outcome: &crate::BuildOutcome) {
    if !cli.quiet {
        for note in &outcome.notes {
            eprintln!("note: {}", crate::term::escape_controls(note));
        }
    }
    if cli.verbose
        && let Some(h) = &outcome.history
    {
        eprintln!(
            "git history: {} commits walked ({} changed the content), {} files, in {:.2?}",
            h.commits_walked, h.commits_touching_content, h.files, h.elapsed
        );
    }
}

/// What the search stage wrote, for `--verbose`.
fn search_line(config: &Config, site: &crate::site::SiteSummary) -> String {
    match &site.search {
        Some(search) => format!(
            "search index: {} documents in {} shard{}, {} files ({:.1} MB) in {:.2?}",
            search.records,
            search.shards,
            if search.shards == 1 { "" } else { "s" },
            search.files,
            search.bytes as f64 / 1e6,
            search.duration
        ),
        None if !config.search.enabled => "search index: off ([search] enabled = false)".into(),
        None => "search index: none (no documents)".into(),
    }
}
