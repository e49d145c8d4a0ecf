//! JSON output: a stable, versioned schema for other tools (documented in the book).

use serde::Serialize;

use super::Sources;
use crate::lint::{Finding, Level, Summary};

/// Bumped only when a field is removed or changes meaning; new fields may appear any time.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonSummary {
    documents: usize,
    rule_files: usize,
    errors: usize,
    warnings: usize,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    level: Level,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
    help: &'a str,
}

pub fn render<'a>(
    sources: impl Into<Sources<'a>>,
    findings: &[Finding],
    checked: impl Into<super::Checked>,
) -> String {
    let sources = sources.into();
    let checked = checked.into();
    let summary = Summary::of(findings);
    let report = Report {
        version: SCHEMA_VERSION,
        findings: findings
            .iter()
            .filter_map(|f| {
                let file = sources.file(f.at)?;
                let ((line, column), (end_line, end_column)) = file.positions(&f.span);
                Some(JsonFinding {
                    rule: f.rule.as_str(),
                    level: f.level,
                    file: file.display_path,
                    line,
                    column,
                    end_line,
                    end_column,
                    message: &f.message,
                    help: &f.help,
                })
            })
            .collect(),
        summary: JsonSummary {
            documents: checked.documents,
            rule_files: checked.rule_files,
            errors: summary.errors,
            warnings: summary.warnings,
        },
    };
    let mut text = serde_json::to_string_pretty(&report).expect("findings serialize");
    text.push('\n');
    text
}
