//! `opsbook completions SHELL` and `opsbook man [--output DIR]`: generated from the same clap
//! definitions as `--help`, so they never disagree with it.

use std::io::Write;

use clap::CommandFactory;

use super::CommandError;
use crate::cli::{Cli, CompletionsArgs, Exit, ManArgs};

pub fn completions(args: &CompletionsArgs) -> Result<Exit, crate::Error> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut command, "opsbook", &mut out);
    let _ = std::io::stdout().lock().write_all(&out);
    Ok(Exit::Clean)
}

pub fn man(cli: &Cli, args: &ManArgs) -> Result<Exit, crate::Error> {
    let verbosity = super::verbosity(cli);
    let command = Cli::command();
    match &args.output {
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut out)
                .map_err(|e| CommandError::Write {
                    path: "stdout".into(),
                    message: e.to_string(),
                })?;
            let _ = std::io::stdout().lock().write_all(&out);
        }
        Some(dir) => {
            let err = |e: std::io::Error| CommandError::Write {
                path: dir.display().to_string(),
                message: e.to_string(),
            };
            std::fs::create_dir_all(dir).map_err(err)?;
            clap_mangen::generate_to(command, dir).map_err(err)?;
            verbosity.say(format!(
                "wrote opsbook.1 and one page per command to {}",
                dir.display()
            ));
        }
    }
    Ok(Exit::Clean)
}
