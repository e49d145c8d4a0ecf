//! JSON output: a stable, versioned schema for other tools (documented in the book).

use serde::Serialize;

use crate::document::Document;
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

pub fn render(docs: &[Document], findings: &[Finding], checked: usize) -> String {
    let summary = Summary::of(findings);
    let report = Report {
        version: SCHEMA_VERSION,
        findings: findings
            .iter()
            .map(|f| {
                let doc = &docs[f.doc];
                let ((line, column), (end_line, end_column)) = super::positions(doc, &f.span);
                JsonFinding {
                    rule: f.rule.as_str(),
                    level: f.level,
                    file: &doc.display_path,
                    line,
                    column,
                    end_line,
                    end_column,
                    message: &f.message,
                    help: &f.help,
                }
            })
            .collect(),
        summary: JsonSummary {
            documents: checked,
            errors: summary.errors,
            warnings: summary.warnings,
        },
    };
    let mut text = serde_json::to_string_pretty(&report).expect("findings serialize");
    text.push('\n');
    text
}
