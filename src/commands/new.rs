//! `opsbook new runbook|postmortem "TITLE"`.

use crate::cli::{Cli, Exit, NewArgs};
use crate::config::Config;
use crate::scaffold::display;
use crate::scaffold::new::{self, NewOptions};

pub fn run(cli: &Cli, config: &Config, args: &NewArgs) -> Result<Exit, crate::Error> {
    let verbosity = super::verbosity(cli);
    let content = config.content_dir();
    if !content.is_dir() {
        return Err(crate::discover::DiscoverError::Missing(display(&content)).into());
    }
    let today = crate::today();
    let owner = new::default_owner(args.owner.as_deref(), &config.root);
    if owner.is_none() {
        verbosity.detail("no --owner and no `git config user.email`: the owner is left to fill in");
    }
    let options = NewOptions {
        kind: args.kind.into(),
        title: args.title.clone(),
        date: args.date.unwrap_or(today),
        today,
        slug: args.slug.clone(),
        owner,
    };
    let doc = new::create(config, &options).map_err(Box::new)?;
    verbosity.detail(format!("template: {}", doc.template));
    println!("{}", display(&doc.path));
    let todo = doc.text.matches("TODO").count();
    verbosity.say(format!(
        "wrote a new {kind}: fill in the {todo} places marked TODO; `opsbook lint {path}` lists the fields still missing, and `opsbook serve` shows the page as you write",
        kind = options.kind,
        path = display(&doc.path),
    ));
    Ok(Exit::Clean)
}
