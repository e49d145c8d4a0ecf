//! The command line's definition: the clap arguments of every command and the exit codes.
//! What each command does is in [`crate::commands`], one file per command.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use jiff::civil::Date;

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

/// `opsbook --version`: the crate version, the commit and the target it was built for
/// (build.rs; "commit unknown" when the build could not tell).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("OPSBOOK_VERSION_DETAIL"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "opsbook",
    version = VERSION,
    about = "Incident runbooks and postmortems as docs-as-code: lint them in CI, build a searchable site.",
    after_help = "Examples:\n  opsbook init my-kb                        start a knowledge base in my-kb/\n  opsbook new postmortem \"Checkout 5xx\"     a new postmortem with every required field\n  opsbook serve                             preview the site at http://127.0.0.1:3000/\n  opsbook lint                              check every document under content/\n  opsbook lint content/postmortems/2026-09-20-checkout.md\n  opsbook lint --changed-since origin/main --format github\n  opsbook explain stale-runbook             a rule, with examples\n  opsbook build                             lint, then write the site to public/\n  opsbook follow-ups --overdue              follow-ups past their due date\n  opsbook alerts                            alerts without a runbook, broken runbook links\n\nExit codes: 0 no errors, 1 error-level findings, 2 opsbook could not run.\nColour is off when NO_COLOR is set or the output is not a terminal."
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
    /// Propose an opsbook.toml that reads an existing repository of runbooks and postmortems as it is
    #[command(
        after_help = "Examples:\n  opsbook adopt                 print the proposal for the current folder\n  opsbook adopt ../ops-docs     for another folder\n  opsbook adopt --write         write it to opsbook.toml (never over an existing one)\n\nadopt reads Hugo, MkDocs, Jekyll, Middleman and Docusaurus layouts and plain folders. It\nnever changes a document. Every setting it proposes has a comment saying what it saw; the\nlint summary that config gives is printed on stderr."
    )]
    Adopt(AdoptArgs),
    /// Rename the keys opsbook.toml maps (aliases) to opsbook's own names in the documents themselves
    #[command(
        after_help = "Examples:\n  opsbook migrate --dry-run     show the changes as a diff, write nothing\n  opsbook migrate               rename the keys in place\n\nOnly the keys change (`start_time:` becomes `started_at:`); values, comments, order and\nquoting stay byte for byte. A key is kept when another key of the same document is read\nas the same field, or when it is quoted. Never run implicitly; commit before you run it."
    )]
    Migrate(MigrateArgs),
    /// List the follow-ups of every postmortem, soonest due first
    #[command(
        after_help = "Examples:\n  opsbook follow-ups                          open and in-progress follow-ups\n  opsbook follow-ups --overdue\n  opsbook follow-ups --owner bob@example.com --due-before 2026-12-01\n  opsbook follow-ups --service checkout-web --all\n  opsbook follow-ups --status done --format csv > done.csv\n  opsbook follow-ups --format markdown        paste into the weekly review\n\nThe exit code is 0 whatever is listed; `opsbook lint` is the check that fails."
    )]
    FollowUps(FollowUpsArgs),
    /// Review alerts and runbooks: alerts without a runbook, broken runbook URLs, unknown alerts, runbooks no alert leads to
    #[command(
        after_help = "Examples:\n  opsbook alerts                      the problems, for the weekly review\n  opsbook alerts --all                every alert, answered ones too\n  opsbook alerts --format markdown    paste into the review document\n  opsbook alerts --format csv > alerts.csv\n\nReads the rule files of [alerts] rules in opsbook.toml. The exit code is 0 whatever is\nlisted; `opsbook lint` is the check that fails."
    )]
    Alerts(AlertsArgs),
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
    /// Succeed when there are no documents (by default that is an error, exit 2)
    #[arg(long)]
    pub allow_empty: bool,
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
    /// Write a site even when there are no documents (by default that is an error, exit 2)
    #[arg(long)]
    pub allow_empty: bool,
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

#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    /// Print the changes as a unified diff instead of writing them
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, clap::Args)]
pub struct AdoptArgs {
    /// The repository to read [default: .]
    pub dir: Option<PathBuf>,
    /// Write the proposal to DIR/opsbook.toml instead of printing it (refused when one exists)
    #[arg(long)]
    pub write: bool,
}

/// The output formats of the review commands (`follow-ups`, `alerts`).
pub type FollowUpsFormat = TableFormat;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    /// Aligned columns for people (overdue follow-ups and problems in red on a terminal)
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
pub struct AlertsArgs {
    /// Every alert, answered ones included [default: only the problems]
    #[arg(long)]
    pub all: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
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
