//! `opsbook schema [KIND]`: the JSON Schema of a kind's front matter, for editors.

use crate::cli::{Exit, KindArg, SchemaArgs};
use crate::config::Config;
use crate::document::Kind;
use crate::json_schema::for_kind;

pub fn run(config: &Config, args: &SchemaArgs) -> Result<Exit, crate::Error> {
    let value = match args.kind {
        Some(KindArg::Runbook) => for_kind(Kind::Runbook, config),
        Some(KindArg::Postmortem) => for_kind(Kind::Postmortem, config),
        None => serde_json::json!({
            "runbook": for_kind(Kind::Runbook, config),
            "postmortem": for_kind(Kind::Postmortem, config),
        }),
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&value).expect("schema serializes")
    );
    Ok(Exit::Clean)
}
