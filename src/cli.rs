//! The command line: clap definitions and the glue that prints results and picks exit codes.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};
use jiff::civil::Date;

use crate::commands;
use crate::config::Config;
use crate::report;

/// Exit codes: 0 clean, 1 error-level findings, 2 opsbook could not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Clean = 0,
    Findings = 1,
    Failure = 2,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "opsbook",
    version,
    about = "Incident runbooks and postmortems as docs-as-code: lint them in CI, build a searchable site.",
    after_help = "Examples:\n  opsbook init my-kb                        start a knowledge base in my-kb/\n  opsbook new postmortem \"Checkout 5xx\"     a new postmortem with every required field\n  opsbook serve                             preview the site at http://127.0.0.1:3000/\n  opsbook lint                              check every document under content/\n  opsbook lint content/postmortems/2026-09-20-checkout.md\n  opsbook lint --changed-since origin/main --format github\n  opsbook explain stale-runbook             a rule, with examples\n  opsbook build                             lint, then write the site to public/\n  opsbook follow-ups --overdue              follow-ups past their due date\n\nExit codes: 0 no errors, 1 error-level findings, 2 opsbook could not run.\nColour is off when NO_COLOR is set or the output is not a terminal."
)]
pub struct Cli {
    /// Use this opsbook.toml; the knowledge base root is its folder [default: ./opsbook.toml if present]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print only findings and errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print what opsbook does, stage by stage
    #[arg(short, long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check every document and report findings; exit 1 on any error-level finding
    #[command(
        after_help = "Examples:\n  opsbook lint\n  opsbook lint content/runbooks\n  opsbook lint --format json > findings.json\n  opsbook lint --today 2026-11-25"
    )]
    Lint(LintArgs),
    /// Lint, then render the static site (nothing is written when the lint finds errors)
    #[command(
        after_help = "Examples:\n  opsbook build\n  opsbook build --output /tmp/site\n  opsbook build --allow-errors\n  opsbook build --rev v2026.11 --output /tmp/site-v2026.11"
    )]
    Build(BuildArgs),
    /// Preview the site: build it, serve it on 127.0.0.1, rebuild and reload pages on every change
    #[command(
        after_help = "Examples:\n  opsbook serve                       http://127.0.0.1:3000/ (or the next free port)\n  opsbook serve --port 8080\n  opsbook serve --port 0              any free port; the address is printed\n  opsbook serve --bind 0.0.0.0        reachable from other machines: think twice\n\nThe site is built into a temporary folder (public/ is left alone) and rebuilt when a\ndocument, a template or opsbook.toml changes. Lint findings print here and show as a banner\non the page; a broken template shows its error in the browser. Ctrl-C stops."
    )]
    Serve(ServeArgs),
    /// Write a new runbook or postmortem from a template, with every required field
    #[command(
        after_help = "Examples:\n  opsbook new runbook \"Payments DB failover\"\n      writes content/runbooks/payments-db-failover.md\n  opsbook new postmortem \"Checkout 5xx after deploy\"\n      writes content/postmortems/<today>-checkout-5xx-after-deploy.md\n  opsbook new postmortem \"Checkout 5xx\" --date 2026-09-20 --owner alice@example.com\n  $EDITOR \"$(opsbook new runbook 'Restart the API')\"\n\nThe path written is printed on stdout. Fields a person must fill in are left empty and\nmarked TODO, so `opsbook lint` lists them. An existing file is never overwritten (exit 2).\nTemplates: templates/new/runbook.md and templates/new/postmortem.md beside opsbook.toml\nreplace the built-in ones."
    )]
    New(NewArgs),
    /// Create a starter knowledge base: opsbook.toml, an example runbook and postmortem, a CI workflow
    #[command(
        after_help = "Examples:\n  opsbook init                  in the current folder, which must be empty\n  opsbook init ops-kb           creates ops-kb/\n  opsbook init --force          add the missing starter files to a non-empty folder\n\nA folder holding only .git counts as empty. Existing files are never overwritten or deleted,\nwith or without --force."
    )]
    Init(InitArgs),
    /// List the follow-ups of every postmortem, soonest due first
    #[command(
        after_help = "Examples:\n  opsbook follow-ups                          open and in-progress follow-ups\n  opsbook follow-ups --overdue\n  opsbook follow-ups --owner bob@example.com --due-before 2026-12-01\n  opsbook follow-ups --service checkout-web --all\n  opsbook follow-ups --status done --format csv > done.csv\n  opsbook follow-ups --format markdown        paste into the weekly review\n\nThe exit code is 0 whatever is listed; `opsbook lint` is the check that fails."
    )]
    FollowUps(FollowUpsArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    #[command(
        after_help = "Examples:\n  opsbook completions bash > ~/.local/share/bash-completion/completions/opsbook\n  opsbook completions zsh > ~/.zfunc/_opsbook\n  opsbook completions fish > ~/.config/fish/completions/opsbook.fish"
    )]
    Completions(CompletionsArgs),
    /// Print the man page, or write one page per command into a folder
    #[command(
        after_help = "Examples:\n  opsbook man | man -l -\n  opsbook man --output ~/.local/share/man/man1"
    )]
    Man(ManArgs),
    /// List every lint rule with its level and summary
    #[command(after_help = "Examples:\n  opsbook rules\n  opsbook rules --format json")]
    Rules(RulesArgs),
    /// Explain a lint rule, with a failing and a fixed example
    #[command(
        after_help = "Examples:\n  opsbook explain required-field\n  opsbook explain possible-secret"
    )]
    Explain(ExplainArgs),
    /// Print the JSON Schema of a kind's front matter, for editors
    #[command(
        after_help = "Examples:\n  opsbook schema postmortem > .opsbook/postmortem.schema.json\n  # then, first line of a postmortem's front matter:\n  # yaml-language-server: $schema=../../.opsbook/postmortem.schema.json"
    )]
    Schema(SchemaArgs),
}

#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The rule id, as printed with each finding
    pub id: String,
}

#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// `runbook` or `postmortem`; without it, both, as {"runbook": ..., "postmortem": ...}
    pub kind: Option<KindArg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    Runbook,
    Postmortem,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Diagnostics for people (colour on a terminal unless NO_COLOR is set)
    Human,
    /// A versioned JSON document for other tools
    Json,
    /// GitHub Actions annotations, plus a summary in $GITHUB_STEP_SUMMARY
    Github,
    /// SARIF 2.1.0, for code scanning
    Sarif,
}

#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Files or folders under the content folder to report on [default: all of it]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Date to check due dates against, YYYY-MM-DD [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date_arg)]
    pub today: Option<Date>,
    /// Report only documents changed since the merge base with REV (plus those whose links the change broke)
    #[arg(long, value_name = "REV")]
    pub changed_since: Option<String>,
    /// Exit 1 on warnings too
    #[arg(long)]
    pub deny_warnings: bool,
}

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// Folder to write the site to [default: paths.output, public/]
    #[arg(long, short, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Write the site even when the lint finds errors
    #[arg(long)]
    pub allow_errors: bool,
    /// Build from the content folder at this git revision (commit, branch, tag, HEAD~3)
    /// instead of the working tree
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    /// Date to check due dates against, YYYY-MM-DD [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date_arg)]
    pub today: Option<Date>,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Port to listen on [default: 3000, or the next free one up to 3009]; 0 picks any free port
    #[arg(long, short, value_name = "N")]
    pub port: Option<u16>,
    /// Address to listen on; anything but a loopback address exposes the site to the network
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
}

/// The kinds `opsbook new` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NewKind {
    Runbook,
    Postmortem,
}

impl From<NewKind> for crate::document::Kind {
    fn from(kind: NewKind) -> Self {
        match kind {
            NewKind::Runbook => crate::document::Kind::Runbook,
            NewKind::Postmortem => crate::document::Kind::Postmortem,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// What to write
    #[arg(value_enum)]
    pub kind: NewKind,
    /// The document's title; the file name is made from it
    pub title: String,
    /// Incident date of a postmortem, YYYY-MM-DD (starts its file name) [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date_arg)]
    pub date: Option<Date>,
    /// File name without .md (after the date for a postmortem) [default: from the title]
    #[arg(long, value_name = "NAME")]
    pub slug: Option<String>,
    /// Owner to write [default: `git config user.email`, else left to fill in]
    #[arg(long, value_name = "OWNER")]
    pub owner: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Folder to create the knowledge base in; created when missing [default: .]
    pub dir: Option<PathBuf>,
    /// Add the starter files to a folder that is not empty (existing files are kept)
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FollowUpsFormat {
    /// Aligned columns for people (overdue rows in red on a terminal)
    Table,
    /// A versioned JSON document for other tools
    Json,
    /// Comma-separated values with a header row, for spreadsheets
    Csv,
    /// A Markdown table, for a review document or an issue
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct FollowUpsArgs {
    /// Only follow-ups with this status; repeat or separate with commas [default: open,in_progress]
    #[arg(
        long = "status",
        value_name = "STATUS",
        value_delimiter = ',',
        conflicts_with = "all"
    )]
    pub statuses: Vec<String>,
    /// Every status, done and wont_do included
    #[arg(long)]
    pub all: bool,
    /// Only follow-ups of this owner (an email, or the part before the @)
    #[arg(long, value_name = "OWNER")]
    pub owner: Option<String>,
    /// Only follow-ups of postmortems about this service
    #[arg(long, value_name = "SERVICE")]
    pub service: Option<String>,
    /// Only follow-ups past their due date and not done
    #[arg(long)]
    pub overdue: bool,
    /// Only follow-ups due before this date, YYYY-MM-DD
    #[arg(long, value_name = "DATE", value_parser = parse_date_arg)]
    pub due_before: Option<Date>,
    /// Date to compute "overdue" against, YYYY-MM-DD [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date_arg)]
    pub today: Option<Date>,
    /// Output format
    #[arg(long, value_enum, default_value_t = FollowUpsFormat::Table)]
    pub format: FollowUpsFormat,
}

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write opsbook.1 and one page per command (opsbook-lint.1, ...) into this folder instead of printing opsbook.1
    #[arg(long, short, value_name = "DIR")]
    pub output: Option<PathBuf>,
}

fn parse_date_arg(text: &str) -> Result<Date, String> {
    crate::document::meta::parse_date(text)
        .ok_or_else(|| format!("`{text}` is not a date; use YYYY-MM-DD"))
}

/// Parses the command line, runs the command, and returns the exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match execute(&cli) {
        Ok(exit) => exit.into(),
        Err(err) => {
            eprintln!("{:?}", miette::Report::new(err));
            Exit::Failure.into()
        }
    }
}

fn load_config(cli: &Cli) -> Result<Config, crate::Error> {
    let cwd = PathBuf::from(".");
    Ok(Config::load(cli.config.as_deref(), &cwd)?)
}

fn human_style() -> report::human::Style {
    let terminal = std::io::stdout().is_terminal();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|_| terminal)
        .unwrap_or(100);
    report::human::Style {
        color: terminal && !no_color,
        width,
    }
}

/// Appends the Markdown summary to $GITHUB_STEP_SUMMARY when GitHub Actions sets it.
fn write_step_summary(outcome: &crate::LintOutcome) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    let text = report::github::step_summary(&outcome.docs, &outcome.findings, outcome.checked);
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(text.as_bytes()));
    if let Err(e) = written {
        eprintln!(
            "warning: cannot write the step summary to {}: {e}",
            PathBuf::from(path).display()
        );
    }
}

fn print_rules(config: &Config, format: ListFormat) {
    use crate::lint::rules::ALL;
    let level_of = |rule: &dyn crate::lint::Rule| {
        config
            .lint
            .rules
            .get(rule.id())
            .copied()
            .unwrap_or_else(|| rule.default_level())
    };
    match format {
        ListFormat::Json => {
            let rules: Vec<_> = ALL
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id(),
                        "level": level_of(*r),
                        "default_level": r.default_level(),
                        "summary": r.summary(),
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&rules).expect("rules serialize")
            );
        }
        ListFormat::Table => {
            let width = ALL.iter().map(|r| r.id().len()).max().unwrap_or(0);
            for rule in ALL {
                println!(
                    "{:width$}  {:7}  {}",
                    rule.id(),
                    level_of(*rule).to_string(),
                    rule.summary()
                );
            }
        }
    }
}

fn execute(cli: &Cli) -> Result<Exit, crate::Error> {
    // Commands that need no knowledge base, so no config.
    match &cli.command {
        Command::Init(args) => return commands::init::run(cli, args),
        Command::Completions(args) => return commands::manual::completions(args),
        Command::Man(args) => return commands::manual::man(cli, args),
        Command::Serve(args) => return commands::serve::run(cli, args),
        _ => {}
    }
    let config = load_config(cli)?;
    if cli.verbose {
        match &config.file {
            Some(file) => eprintln!("config: {}", file.display()),
            None => eprintln!("config: none (defaults), root {}", config.root.display()),
        }
    }
    let started = Instant::now();
    match &cli.command {
        Command::New(args) => commands::new::run(cli, &config, args),
        Command::FollowUps(args) => commands::follow_ups::run(cli, &config, args),
        Command::Init(_) | Command::Completions(_) | Command::Man(_) | Command::Serve(_) => {
            unreachable!("handled above")
        }
        Command::Lint(args) => {
            let outcome = crate::lint(
                &config,
                &crate::LintOptions {
                    paths: args.paths.clone(),
                    today: args.today,
                    changed_since: args.changed_since.clone(),
                },
            )?;
            let mut stdout = std::io::stdout().lock();
            match args.format {
                Format::Human => {
                    let text = report::human::render(
                        &outcome.docs,
                        &outcome.findings,
                        outcome.checked,
                        human_style(),
                    );
                    if !cli.quiet || !outcome.findings.is_empty() {
                        let _ = stdout.write_all(text.as_bytes());
                    }
                }
                Format::Json | Format::Github | Format::Sarif => {
                    let text = match args.format {
                        Format::Json => {
                            report::json::render(&outcome.docs, &outcome.findings, outcome.checked)
                        }
                        Format::Github => {
                            write_step_summary(&outcome);
                            report::github::annotations(&outcome.docs, &outcome.findings)
                        }
                        _ => report::sarif::render(
                            &outcome.docs,
                            &outcome.findings,
                            &config.lint.rule_url,
                        ),
                    };
                    let _ = stdout.write_all(text.as_bytes());
                    if !cli.quiet {
                        eprintln!(
                            "{}",
                            report::human::summary_line(&outcome.findings, outcome.checked)
                        );
                    }
                }
            }
            if !cli.quiet {
                for note in &outcome.notes {
                    eprintln!("note: {note}");
                }
            }
            if cli.verbose {
                eprintln!("lint took {:.2?}", started.elapsed());
            }
            let deny_warnings = args.deny_warnings || config.lint.deny_warnings;
            let exit = if outcome.has_errors() || (deny_warnings && outcome.has_warnings()) {
                Exit::Findings
            } else {
                Exit::Clean
            };
            // The process ends next: leave the documents to the OS instead of freeing them
            // one by one on one thread (a few percent of a lint of 10,000 documents).
            std::mem::forget(outcome);
            Ok(exit)
        }
        Command::Rules(args) => {
            print_rules(&config, args.format);
            Ok(Exit::Clean)
        }
        Command::Explain(args) => match crate::lint::rules::by_id(&args.id) {
            Some(rule) => {
                // Ignore a closed pipe (`opsbook explain x | head`).
                let _ = writeln!(
                    std::io::stdout().lock(),
                    "{}",
                    rule.explanation().trim_end()
                );
                Ok(Exit::Clean)
            }
            None => {
                let ids: Vec<&str> = crate::lint::rules::ALL.iter().map(|r| r.id()).collect();
                let hint = crate::lint::rules::closest_id(&args.id)
                    .map(|id| format!(" Did you mean `{id}`?"))
                    .unwrap_or_default();
                eprintln!(
                    "error: `{}` is not a lint rule.{hint}\nRules: {}",
                    args.id,
                    ids.join(", ")
                );
                Ok(Exit::Failure)
            }
        },
        Command::Schema(args) => {
            use crate::document::Kind;
            let value = match args.kind {
                Some(KindArg::Runbook) => crate::json_schema::for_kind(Kind::Runbook, &config),
                Some(KindArg::Postmortem) => {
                    crate::json_schema::for_kind(Kind::Postmortem, &config)
                }
                None => serde_json::json!({
                    "runbook": crate::json_schema::for_kind(Kind::Runbook, &config),
                    "postmortem": crate::json_schema::for_kind(Kind::Postmortem, &config),
                }),
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&value).expect("schema serializes")
            );
            Ok(Exit::Clean)
        }
        Command::Build(args) => {
            crate::allocator::keep_freed_memory();
            // A progress line on stderr when it is a terminal and the build takes a while.
            let progress = crate::term::ProgressLine::start(
                "building the site",
                cli.quiet,
                std::time::Duration::from_millis(400),
            );
            let outcome = crate::build(
                &config,
                &crate::BuildOptions {
                    output: args.output.clone(),
                    allow_errors: args.allow_errors,
                    today: args.today,
                    rev: args.rev.clone(),
                },
            );
            progress.finish();
            let outcome = outcome?;
            if !cli.quiet {
                for note in &outcome.notes {
                    eprintln!("note: {note}");
                }
            }
            if cli.verbose
                && let Some(h) = &outcome.history
            {
                eprintln!(
                    "git history: {} commits walked ({} changed the content), {} files, in {:.2?}",
                    h.commits_walked, h.commits_touching_content, h.files, h.elapsed
                );
            }
            let lint = &outcome.lint;
            if !lint.findings.is_empty() {
                let text =
                    report::human::render(&lint.docs, &lint.findings, lint.checked, human_style());
                let _ = std::io::stdout().lock().write_all(text.as_bytes());
            }
            match &outcome.site {
                None => {
                    eprintln!(
                        "error: the lint found errors, so no site was written (fix them, or pass --allow-errors)"
                    );
                    Ok(Exit::Findings)
                }
                Some(site) => {
                    if !cli.quiet {
                        eprintln!(
                            "wrote {} pages for {} documents to {} in {:.2?}",
                            site.pages,
                            site.documents,
                            site.output.display(),
                            started.elapsed()
                        );
                    }
                    if cli.verbose {
                        match &site.search {
                            Some(search) => eprintln!(
                                "search index: {} documents in {} shard{}, {} files ({:.1} MB) in {:.2?}",
                                search.records,
                                search.shards,
                                if search.shards == 1 { "" } else { "s" },
                                search.files,
                                search.bytes as f64 / 1e6,
                                search.duration
                            ),
                            None if !config.search.enabled => {
                                eprintln!("search index: off ([search] enabled = false)")
                            }
                            None => eprintln!("search index: none (no documents)"),
                        }
                    }
                    // With --allow-errors the findings are printed but the build succeeds:
                    // the caller asked for a site in any case.
                    Ok(Exit::Clean)
                }
            }
        }
    }
}
