//! `opsbook serve [--port N] [--bind ADDR]`.

use crate::cli::{Cli, Exit, ServeArgs};
use crate::serve::{self, ServeOptions};

pub fn run(cli: &Cli, args: &ServeArgs) -> Result<Exit, crate::Error> {
    serve::run(ServeOptions {
        bind: args.bind,
        port: args.port,
        config_file: cli.config.clone(),
        dir: ".".into(),
        verbosity: super::verbosity(cli),
    })?;
    Ok(Exit::Clean)
}
