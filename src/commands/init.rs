//! `opsbook init [DIR] [--force]`.

use crate::cli::{Cli, Exit, InitArgs};
use crate::scaffold::display;
use crate::scaffold::init::{self, Outcome};

pub fn run(cli: &Cli, args: &InitArgs) -> Result<Exit, crate::Error> {
    let verbosity = super::verbosity(cli);
    let dir = args.dir.clone().unwrap_or_else(|| ".".into());
    let outcomes = init::init(&dir, args.force, crate::today()).map_err(Box::new)?;
    for outcome in &outcomes {
        match outcome {
            Outcome::Created(path) => verbosity.say(format!("created {}", display(path))),
            Outcome::Kept(path) => verbosity.say(format!("kept    {} (it exists)", display(path))),
        }
    }
    let cd = if dir.as_os_str() == "." {
        String::new()
    } else {
        format!("cd {} && ", display(&dir))
    };
    verbosity.say(format!(
        "\nnext: {cd}opsbook lint, then opsbook serve to see the site.\n\
         In .github/workflows/opsbook.yml, set OPSBOOK_GIT to where your team installs opsbook from."
    ));
    Ok(Exit::Clean)
}
