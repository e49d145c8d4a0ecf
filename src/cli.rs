//! The command line: clap definitions and the glue that prints results and picks exit codes.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};
use jiff::civil::Date;

use crate::config::Config;
use crate::report;

/// Exit codes: 0 clean, 1 error-level findings, 2 opsbook could not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Clean = 0,
    Findings = 1,
    Failure = 2,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "opsbook",
    version,
    about = "Incident runbooks and postmortems as docs-as-code: lint them in CI, build a searchable site.",
    after_help = "Examples:\n  opsbook lint                 check every document under content/\n  opsbook lint content/postmortems/2026-09-20-checkout.md\n  opsbook build                lint, then write the site to public/\n\nExit codes: 0 no errors, 1 error-level findings, 2 opsbook could not run."
)]
pub struct Cli {
    /// Use this opsbook.toml; the knowledge base root is its folder [default: ./opsbook.toml if present]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print only findings and errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print what opsbook does, stage by stage
    #[arg(short, long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check every document and report findings; exit 1 on any error-level finding
    #[command(
        after_help = "Examples:\n  opsbook lint\n  opsbook lint content/runbooks\n  opsbook lint --format json > findings.json\n  opsbook lint --today 2026-11-25"
    )]
    Lint(LintArgs),
    /// Lint, then render the static site (nothing is written when the lint finds errors)
    #[command(
        after_help = "Examples:\n  opsbook build\n  opsbook build --output /tmp/site\n  opsbook build --allow-errors"
    )]
    Build(BuildArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Diagnostics for people (colour on a terminal unless NO_COLOR is set)
    Human,
    /// A versioned JSON document for other tools
    Json,
}

#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Files or folders under the content folder to report on [default: all of it]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Date to check due dates against, YYYY-MM-DD [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date_arg)]
    pub today: Option<Date>,
}

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// Folder to write the site to [default: paths.output, public/]
    #[arg(long, short, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Write the site even when the lint finds errors
    #[arg(long)]
    pub allow_errors: bool,
    /// Date to check due dates against, YYYY-MM-DD [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date_arg)]
    pub today: Option<Date>,
}

fn parse_date_arg(text: &str) -> Result<Date, String> {
    crate::document::meta::parse_date(text)
        .ok_or_else(|| format!("`{text}` is not a date; use YYYY-MM-DD"))
}

/// Parses the command line, runs the command, and returns the exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match execute(&cli) {
        Ok(exit) => exit.into(),
        Err(err) => {
            eprintln!("{:?}", miette::Report::new(err));
            Exit::Failure.into()
        }
    }
}

fn load_config(cli: &Cli) -> Result<Config, crate::Error> {
    let cwd = PathBuf::from(".");
    Ok(Config::load(cli.config.as_deref(), &cwd)?)
}

fn human_style() -> report::human::Style {
    let terminal = std::io::stdout().is_terminal();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|_| terminal)
        .unwrap_or(100);
    report::human::Style {
        color: terminal && !no_color,
        width,
    }
}

fn execute(cli: &Cli) -> Result<Exit, crate::Error> {
    let config = load_config(cli)?;
    let started = Instant::now();
    match &cli.command {
        Command::Lint(args) => {
            let outcome = crate::lint(
                &config,
                &crate::LintOptions {
                    paths: args.paths.clone(),
                    today: args.today,
                },
            )?;
            let mut stdout = std::io::stdout().lock();
            match args.format {
                Format::Human => {
                    let text = report::human::render(
                        &outcome.docs,
                        &outcome.findings,
                        outcome.checked,
                        human_style(),
                    );
                    if !cli.quiet || !outcome.findings.is_empty() {
                        let _ = stdout.write_all(text.as_bytes());
                    }
                }
                Format::Json => {
                    let text =
                        report::json::render(&outcome.docs, &outcome.findings, outcome.checked);
                    let _ = stdout.write_all(text.as_bytes());
                    if !cli.quiet {
                        eprintln!(
                            "{}",
                            report::human::summary_line(&outcome.findings, outcome.checked)
                        );
                    }
                }
            }
            if cli.verbose {
                eprintln!("lint took {:.2?}", started.elapsed());
            }
            Ok(if outcome.has_errors() {
                Exit::Findings
            } else {
                Exit::Clean
            })
        }
        Command::Build(args) => {
            let outcome = crate::build(
                &config,
                &crate::BuildOptions {
                    output: args.output.clone(),
                    allow_errors: args.allow_errors,
                    today: args.today,
                },
            )?;
            let lint = &outcome.lint;
            if !lint.findings.is_empty() {
                let text =
                    report::human::render(&lint.docs, &lint.findings, lint.checked, human_style());
                let _ = std::io::stdout().lock().write_all(text.as_bytes());
            }
            match &outcome.site {
                None => {
                    eprintln!(
                        "error: the lint found errors, so no site was written (fix them, or pass --allow-errors)"
                    );
                    Ok(Exit::Findings)
                }
                Some(site) => {
                    if !cli.quiet {
                        eprintln!(
                            "wrote {} pages for {} documents to {} in {:.2?}",
                            site.pages,
                            site.documents,
                            site.output.display(),
                            started.elapsed()
                        );
                    }
                    if cli.verbose {
                        match &site.search {
                            Some(search) => eprintln!(
                                "search index: {} documents in {} shard{}, {} files ({:.1} MB) in {:.2?}",
                                search.records,
                                search.shards,
                                if search.shards == 1 { "" } else { "s" },
                                search.files,
                                search.bytes as f64 / 1e6,
                                search.duration
                            ),
                            None if !config.search.enabled => {
                                eprintln!("search index: off ([search] enabled = false)")
                            }
                            None => eprintln!("search index: none (no documents)"),
                        }
                    }
                    // With --allow-errors the findings are printed but the build succeeds:
                    // the caller asked for a site in any case.
                    Ok(Exit::Clean)
                }
            }
        }
    }
}
