//! `opsbook alerts`: the review of alerts and runbooks (see [`crate::alerts::report`]).

use std::io::Write;

use crate::alerts::report::{self, Totals};
use crate::cli::{AlertsArgs, Cli, Exit, TableFormat};
use crate::config::Config;
use crate::report::table::TableStyle;
use crate::term;

pub fn run(cli: &Cli, config: &Config, args: &AlertsArgs) -> Result<Exit, crate::Error> {
    let verbosity = super::verbosity(cli);
    let (docs, rules) = rayon::join(|| crate::load(config), || crate::alerts::load(config));
    let (docs, rules) = (docs?, rules?);
    if config.alerts.rules.is_empty() {
        verbosity.say(
            "no rule files: set [alerts] rules in opsbook.toml (only the alerts runbooks list are known)",
        );
    }
    let all = report::rows(&docs, &rules, config);
    let totals = Totals::of(&all);
    let rows: Vec<_> = all
        .into_iter()
        .filter(|row| args.all || row.state.is_problem())
        .collect();
    let text = match args.format {
        TableFormat::Table if rows.is_empty() => String::new(),
        TableFormat::Table => {
            let max_width = std::io::IsTerminal::is_terminal(&std::io::stdout())
                .then(|| term::stdout_width(100));
            let style = TableStyle {
                color: term::stdout_color(),
                max_width,
            };
            report::table(&rows, style)
        }
        TableFormat::Json => report::json(&rows, totals),
        TableFormat::Csv => report::csv(&rows),
        TableFormat::Markdown => report::markdown(&rows),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    verbosity.say(format!(
        "{} alerts in {} rule files, {} answered; without a runbook: {}; broken runbook URLs: {}; unknown alerts in runbooks: {}; runbooks without alerts: {}",
        totals.alerts,
        rules.files.len(),
        totals.answered,
        totals.no_runbook,
        totals.broken_url,
        totals.unknown_alert,
        totals.no_alerts,
    ));
    Ok(Exit::Clean)
}
