//! SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps). Every rule of the registry
//! is described, with a help URI into the book.

use serde_json::{Value, json};

use super::Sources;
use crate::lint::rules::ALL;
use crate::lint::{Finding, Level};

/// Where the rule pages of the book are published; `{id}` is replaced by the rule id.
pub const DEFAULT_RULE_URL: &str = "https://opsbook.dev/rules/{id}.html";

fn level(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Off => "none",
    }
}

/// The first paragraph of a rule page, without its title: the SARIF full description.
fn first_paragraph(page: &str) -> String {
    page.lines()
        .skip_while(|l| l.starts_with('#') || l.trim().is_empty() || l.starts_with("**"))
        .take_while(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn render<'a>(sources: impl Into<Sources<'a>>, findings: &[Finding], rule_url: &str) -> String {
    let sources = sources.into();
    let rules: Vec<Value> = ALL
        .iter()
        .map(|rule| {
            let id = rule.id();
            let full = first_paragraph(rule.explanation());
            json!({
                "id": id,
                "name": id,
                "shortDescription": { "text": rule.summary() },
                "fullDescription": { "text": if full.is_empty() { rule.summary().to_string() } else { full } },
                "helpUri": rule_url.replace("{id}", id.as_str()),
                "help": { "text": format!("See {}", rule_url.replace("{id}", id.as_str())) },
                "defaultConfiguration": { "level": level(rule.default_level()) },
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .filter_map(|f| {
            let file = sources.file(f.at)?;
            let ((line, col), (end_line, end_col)) = file.positions(&f.span);
            let rule_index = ALL.iter().position(|r| r.id() == f.rule).unwrap_or(0);
            Some(json!({
                "ruleId": f.rule,
                "ruleIndex": rule_index,
                "level": level(f.level),
                "message": { "text": format!("{}\nhelp: {}", f.message, f.help) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": file.display_path, "uriBaseId": "%SRCROOT%" },
                        "region": {
                            "startLine": line,
                            "startColumn": col,
                            "endLine": end_line.max(line),
                            "endColumn": if end_line > line { end_col } else { end_col.max(col + 1) },
                        }
                    }
                }],
            }))
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "opsbook",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": rule_url.replace("rules/{id}.html", ""),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    let mut text = serde_json::to_string_pretty(&log).expect("SARIF serializes");
    text.push('\n');
    text
}
