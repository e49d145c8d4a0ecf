//! The glue between the clap definitions in [`crate::cli`] and the library for the author's
//! commands: `serve`, `new`, `init`, `follow-ups`, `completions` and `man`. Each prints what
//! its command prints and returns the exit code.

pub mod follow_ups;
pub mod init;
pub mod manual;
pub mod new;
pub mod serve;

use crate::cli::Cli;
use crate::term::Verbosity;

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
