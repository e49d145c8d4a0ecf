//! `opsbook rules [--format table|json]` and `opsbook explain ID`: the rule registry, with the
//! levels the configuration gives the rules.

use std::io::Write;

use crate::cli::{Cli, Exit, ExplainArgs, ListFormat, RulesArgs};
use crate::config::Config;
use crate::lint::rules::{self, ALL};
use crate::lint::{Level, Rule};

/// A rule's level under `config`.
fn level_of(config: &Config, rule: &dyn Rule) -> Level {
    config
        .lint
        .rules
        .get(rule.id().as_str())
        .copied()
        .unwrap_or_else(|| rule.default_level())
}

pub fn list(config: &Config, args: &RulesArgs) -> Result<Exit, crate::Error> {
    let text = match args.format {
        ListFormat::Json => {
            let rules: Vec<_> = ALL
                .iter()
                .map(|rule| {
                    let meta = rule.meta();
                    serde_json::json!({
                        "id": meta.id,
                        "level": level_of(config, *rule),
                        "default_level": meta.default_level,
                        "summary": meta.summary,
                        "checks": meta.checks,
                        "reads": meta.reads,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&rules).expect("rules serialize") + "\n"
        }
        ListFormat::Table => {
            let width = ALL.iter().map(|r| r.id().as_str().len()).max().unwrap_or(0);
            ALL.iter()
                .map(|rule| {
                    let level = level_of(config, *rule).to_string();
                    format!("{:width$}  {level:7}  {}\n", rule.id(), rule.summary())
                })
                .collect()
        }
    };
    // Ignore a closed pipe (`opsbook rules | head`).
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(Exit::Clean)
}

pub fn explain(_cli: &Cli, args: &ExplainArgs) -> Result<Exit, crate::Error> {
    let Some(rule) = rules::by_id(&args.id) else {
        let ids: Vec<&str> = ALL.iter().map(|r| r.id().as_str()).collect();
        let hint = rules::closest_id(&args.id)
            .map(|id| format!(" Did you mean `{id}`?"))
            .unwrap_or_default();
        eprintln!(
            "error: `{}` is not a lint rule.{hint}\nRules: {}",
            args.id,
            ids.join(", ")
        );
        return Ok(Exit::Failure);
    };
    // Ignore a closed pipe (`opsbook explain x | head`).
    let _ = writeln!(
        std::io::stdout().lock(),
        "{}",
        rule.explanation().trim_end()
    );
    Ok(Exit::Clean)
}
