//! The rule registry (`opsbook::lint::rules::ALL`) is the one source of what the rules are:
//! these tests fail when something a rule needs elsewhere was forgotten or drifted. Adding a
//! rule is described in book/src/development.md ("Adding a rule").
//!
//! The rule table in book/src/rules/README.md is generated from the registry: when it is out
//! of date, `OPSBOOK_BLESS=1 cargo test --test rule_registry` rewrites it.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use opsbook::lint::rules::ALL;
use opsbook::lint::{Checks, Level};

const TABLE_START: &str = "<!-- The table is generated from the rule registry (src/lint/rules/): `OPSBOOK_BLESS=1 cargo test --test rule_registry` rewrites it. -->";
const TABLE_END: &str = "<!-- End of the generated table. -->";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// File stems of the files in a folder with this extension.
fn stems(dir: &str, extension: &str) -> BTreeSet<String> {
    fs::read_dir(root().join(dir))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == extension))
        .map(|path: PathBuf| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect()
}

fn ids() -> Vec<&'static str> {
    ALL.iter().map(|rule| rule.id().as_str()).collect()
}

/// The table of book/src/rules/README.md, as the registry says it.
fn table() -> String {
    let mut table = String::from("| Rule | Default level | Reads | Reports |\n|---|---|---|---|\n");
    for rule in ALL {
        let meta = rule.meta();
        let this = match meta.checks {
            Checks::Documents => "this document",
            Checks::RuleFiles => "this rule file",
        };
        let reads = match meta.reads {
            [] => this.to_string(),
            sources => sources
                .iter()
                .map(|s| s.describe())
                .collect::<Vec<_>>()
                .join(", "),
        };
        let reads = match meta.checks {
            Checks::RuleFiles if !meta.reads.is_empty() => format!("{this}, {reads}"),
            _ => reads,
        };
        table.push_str(&format!(
            "| [`{id}`]({id}.md) | {level} | {reads} | {summary} |\n",
            id = meta.id,
            level = meta.default_level,
            summary = meta.summary,
        ));
    }
    table
}

#[test]
fn ids_are_unique_and_kebab_case() {
    let mut seen = BTreeSet::new();
    for id in ids() {
        assert!(seen.insert(id), "duplicate rule id {id}");
        assert!(
            !id.is_empty()
                && id.split('-').all(|word| {
                    !word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase())
                }),
            "{id} is not kebab-case"
        );
    }
}

/// A rule file that is not in the `registry!` list is never compiled, so it would be dead
/// silently; and a rule's module is named after its id.
#[test]
fn every_rule_file_is_registered_under_its_id() {
    let modules: BTreeSet<String> = ALL
        .iter()
        .map(|rule| {
            let meta = rule.meta();
            let module = meta.module.rsplit("::").next().unwrap();
            assert_eq!(
                module,
                meta.id.as_str().replace('-', "_"),
                "the rule {} lives in src/lint/rules/{module}.rs: name the file after the id",
                meta.id
            );
            module.to_string()
        })
        .collect();
    let mut files = stems("src/lint/rules", "rs");
    files.remove("mod");
    assert_eq!(
        files, modules,
        "every file in src/lint/rules/ is a rule listed in registry! (src/lint/rules/mod.rs)"
    );
}

/// Every rule file carries its unit tests: pass and fail cases asserting the exact findings.
#[test]
fn every_rule_file_has_unit_tests() {
    for rule in ALL {
        let module = rule.meta().module.rsplit("::").next().unwrap();
        let source = read(&format!("src/lint/rules/{module}.rs"));
        assert!(
            source.contains("#[cfg(test)]") && source.contains("#[test]"),
            "src/lint/rules/{module}.rs has no unit tests (see lint::testing)"
        );
    }
}

/// Every rule has a page starting with its id, and every page is a rule's.
#[test]
fn every_rule_has_its_book_page_and_every_page_a_rule() {
    for rule in ALL {
        let id = rule.id();
        let first = rule.explanation().lines().next().unwrap_or("");
        assert_eq!(
            first,
            format!("# {id}"),
            "book/src/rules/{id}.md starts with `# {id}`"
        );
        assert!(!rule.summary().trim().is_empty(), "{id} has a summary");
        assert!(
            rule.summary().ends_with('.') && !rule.summary().contains('\n'),
            "{id}'s summary is one sentence on one line"
        );
        assert_ne!(rule.default_level(), Level::Off, "{id} is on by default");
    }
    let mut pages = stems("book/src/rules", "md");
    pages.remove("README");
    let ids: BTreeSet<String> = ids().into_iter().map(String::from).collect();
    assert_eq!(
        pages, ids,
        "book/src/rules/ holds one page per rule, and no page of a rule that does not exist"
    );
}

/// SUMMARY.md lists the rule pages under "Lint rules", in the registry's order.
#[test]
fn summary_lists_every_rule_page_in_registry_order() {
    let summary = read("book/src/SUMMARY.md");
    let listed: Vec<&str> = summary
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- ["))
        .filter_map(|entry| entry.split_once("](rules/"))
        .filter_map(|(_, path)| path.strip_suffix(".md)"))
        .filter(|page| *page != "README")
        .collect();
    let expected: Vec<String> = ids()
        .iter()
        .map(|id| format!("  - [{id}](rules/{id}.md)"))
        .collect();
    assert_eq!(
        listed,
        ids(),
        "book/src/SUMMARY.md lists the rule pages, under [Lint rules](rules/README.md):\n{}",
        expected.join("\n")
    );
}

#[test]
fn the_rules_table_in_the_book_is_the_registry() {
    let path = root().join("book/src/rules/README.md");
    let page = fs::read_to_string(&path).unwrap();
    let (before, rest) = page
        .split_once(TABLE_START)
        .expect("book/src/rules/README.md has the table's start marker");
    let (current, after) = rest
        .split_once(TABLE_END)
        .expect("book/src/rules/README.md has the table's end marker");
    let wanted = format!("\n\n{}\n", table());
    if current == wanted {
        return;
    }
    if std::env::var_os("OPSBOOK_BLESS").is_some() {
        fs::write(
            &path,
            format!("{before}{TABLE_START}{wanted}{TABLE_END}{after}"),
        )
        .unwrap();
        return;
    }
    panic!(
        "the rules table in book/src/rules/README.md differs from the registry; run \
         `OPSBOOK_BLESS=1 cargo test --test rule_registry` to rewrite it. The table is:\n{wanted}"
    );
}

/// The ids the default configuration names (rules skipped in drafts) are rules.
#[test]
fn the_default_configuration_names_registered_rules() {
    let config = opsbook::config::Config::default();
    for id in &config.lint.draft_skip {
        assert!(
            opsbook::lint::rules::by_id(id).is_some(),
            "lint.draft_skip's default names `{id}`, which is not a rule"
        );
    }
}
