//! `opsbook migrate [--dry-run]`: the team's keys renamed to opsbook's in the documents (see
//! [`crate::adopt::migrate`]).

use std::io::Write;

use super::CommandError;
use crate::adopt::migrate;
use crate::cli::{Cli, Exit, MigrateArgs};
use crate::config::Config;
use crate::term::escape_controls;

pub fn run(cli: &Cli, config: &Config, args: &MigrateArgs) -> Result<Exit, crate::Error> {
    let rewrites = migrate::plan(config)?;
    let mut out = std::io::stdout().lock();
    let (mut renamed, mut files) = (0, 0);
    for rewrite in &rewrites {
        for why in &rewrite.kept {
            eprintln!(
                "kept in {}: {}",
                escape_controls(&rewrite.display_path),
                escape_controls(why)
            );
        }
        if rewrite.renamed == 0 {
            continue;
        }
        if args.dry_run {
            let _ = out.write_all(escape_controls(&rewrite.diff()).as_bytes());
        } else {
            migrate::apply(rewrite, config.lint.max_file_bytes).map_err(|e| {
                CommandError::Write {
                    path: rewrite.display_path.clone(),
                    message: e.to_string(),
                }
            })?;
        }
        renamed += rewrite.renamed;
        files += 1;
    }
    if !cli.quiet {
        let verb = if args.dry_run {
            "would rename"
        } else {
            "renamed"
        };
        eprintln!("{verb} {renamed} keys in {files} documents");
    }
    Ok(Exit::Clean)
}
