//! Every command's glue between the clap definitions in [`crate::cli`] and the library, one
//! file per command: each prints what its command prints and returns the exit code. [`run`]
//! is what the binary calls.

pub mod adopt;
pub mod alerts;
pub mod build;
pub mod follow_ups;
pub mod init;
pub mod lint;
pub mod manual;
pub mod migrate;
pub mod new;
pub mod rules;
pub mod schema;
pub mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, Exit};
use crate::config::Config;
use crate::report;
use crate::term::{self, Verbosity};

/// Parses the command line, runs the command, and returns the exit code.
pub fn run() -> ExitCode {
    crate::report::diagnostic::install_hook();
    // Every command, not only builds: a lint of 100,000 documents spent more time in the
    // kernel zeroing huge pages than checking (book/src/performance.md).
    crate::allocator::without_huge_pages();
    let cli = Cli::parse();
    match execute(&cli) {
        Ok(exit) => exit.into(),
        Err(err) => {
            eprintln!("{:?}", miette::Report::new(err));
            Exit::Failure.into()
        }
    }
}

fn execute(cli: &Cli) -> Result<Exit, crate::Error> {
    // Commands that need no knowledge base, so no config.
    match &cli.command {
        Command::Init(args) => return init::run(cli, args),
        Command::Adopt(args) => return adopt::run(cli, args),
        Command::Completions(args) => return manual::completions(args),
        Command::Man(args) => return manual::man(cli, args),
        Command::Serve(args) => return serve::run(cli, args),
        Command::Explain(args) => return rules::explain(cli, args),
        _ => {}
    }
    let config = load_config(cli)?;
    match &cli.command {
        Command::Lint(args) => lint::run(cli, &config, args),
        Command::Build(args) => build::run(cli, &config, args),
        Command::New(args) => new::run(cli, &config, args),
        Command::FollowUps(args) => follow_ups::run(cli, &config, args),
        Command::Alerts(args) => alerts::run(cli, &config, args),
        Command::Rules(args) => rules::list(&config, args),
        Command::Schema(args) => schema::run(&config, args),
        Command::Migrate(args) => migrate::run(cli, &config, args),
        Command::Init(_)
        | Command::Adopt(_)
        | Command::Completions(_)
        | Command::Man(_)
        | Command::Serve(_)
        | Command::Explain(_) => unreachable!("handled above"),
    }
}

/// The configuration of `--config`, or of the knowledge base around the current folder.
fn load_config(cli: &Cli) -> Result<Config, crate::Error> {
    let config = Config::load(cli.config.as_deref(), &PathBuf::from("."))?;
    if cli.verbose {
        match &config.file {
            Some(file) => eprintln!("config: {}", file.display()),
            None => eprintln!("config: none (defaults), root {}", config.root.display()),
        }
    }
    Ok(config)
}

/// How findings are printed for people on stdout: colour and width of the terminal.
fn human_style() -> report::human::Style {
    report::human::Style {
        color: term::stdout_color(),
        width: term::stdout_width(100),
    }
}

/// Problems with what a command was asked to do (exit code 2).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum CommandError {
    #[error("`{status}` is not a follow-up status")]
    #[diagnostic(
        code(follow_ups),
        help("use one of {allowed} (schema.follow_up.allowed.status in opsbook.toml)")
    )]
    UnknownStatus { status: String, allowed: String },
    #[error("cannot write {path}: {message}")]
    #[diagnostic(code(write))]
    Write { path: String, message: String },
}

/// `--quiet` and `--verbose`.
pub fn verbosity(cli: &Cli) -> Verbosity {
    Verbosity {
        quiet: cli.quiet,
        verbose: cli.verbose,
    }
}
