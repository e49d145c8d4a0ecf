//! `opsbook follow-ups`: prints the follow-ups of every postmortem.

use std::io::Write;

use crate::cli::{Cli, Exit, FollowUpsArgs, FollowUpsFormat};
use crate::config::Config;
use crate::follow_ups::{self, Filter, OPEN_STATUSES, Totals, format};
use crate::term;

use super::CommandError;

pub fn run(cli: &Cli, config: &Config, args: &FollowUpsArgs) -> Result<Exit, crate::Error> {
    let verbosity = super::verbosity(cli);
    let allowed = config.schema.follow_up.allowed.get("status");
    if let Some(allowed) = allowed {
        for status in &args.statuses {
            if !allowed.iter().any(|a| a.eq_ignore_ascii_case(status)) {
                return Err(CommandError::UnknownStatus {
                    status: status.clone(),
                    allowed: allowed.join(", "),
                }
                .into());
            }
        }
    }
    let statuses = if args.all {
        Vec::new()
    } else if args.statuses.is_empty() {
        OPEN_STATUSES.iter().map(|s| s.to_string()).collect()
    } else {
        args.statuses.clone()
    };
    let filter = Filter {
        statuses,
        owner: args.owner.clone(),
        service: args.service.clone(),
        overdue: args.overdue,
        due_before: args.due_before,
    };
    let today = args.today.unwrap_or_else(crate::today);
    let docs = crate::load(config)?;
    let all = follow_ups::collect(&docs, today);
    let rows = follow_ups::select(all.clone(), &filter);
    verbosity.detail(format!(
        "{} follow-ups in {} documents; {} match",
        all.len(),
        docs.len(),
        rows.len()
    ));
    let text = match args.format {
        FollowUpsFormat::Table => {
            if rows.is_empty() {
                String::new()
            } else {
                let color = term::stdout_color();
                let max_width = std::io::IsTerminal::is_terminal(&std::io::stdout())
                    .then(|| term::stdout_width(100));
                format::table(&rows, format::TableStyle { color, max_width })
            }
        }
        FollowUpsFormat::Json => format::json(&rows, today),
        FollowUpsFormat::Csv => format::csv(&rows),
        FollowUpsFormat::Markdown => format::markdown(&rows),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    let totals = Totals::of(&rows);
    let which = if args.all || !args.statuses.is_empty() {
        ""
    } else {
        "open "
    };
    let summary = match totals.follow_ups {
        0 => format!("no {which}follow-ups match"),
        n => format!(
            "{n} {which}follow-up{} ({} overdue) from {} postmortem{}",
            if n == 1 { "" } else { "s" },
            totals.overdue,
            totals.postmortems,
            if totals.postmortems == 1 { "" } else { "s" },
        ),
    };
    verbosity.say(summary);
    Ok(Exit::Clean)
}
