//! The files that install opsbook agree with each other and with Cargo.toml: one version
//! everywhere, pre-commit hooks for the wheel and for an opsbook on PATH, the action's inputs
//! and outputs documented, and the container build context holding what the crate compiles in.

use std::collections::BTreeSet;
use std::path::Path;

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

fn toml_file(path: &str) -> toml::Table {
    read(path).parse().unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[derive(serde::Deserialize)]
struct Hook {
    id: String,
    entry: String,
    language: String,
    files: String,
}

#[test]
fn the_pre_commit_shim_installs_the_wheel_of_this_version() {
    let shim = toml_file("pyproject.toml");
    let project = shim["project"].as_table().unwrap();
    assert_eq!(project["version"].as_str(), Some(VERSION));
    let dependencies: Vec<&str> = project["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d.as_str())
        .collect();
    assert_eq!(dependencies, [format!("opsbook=={VERSION}")]);
    // Not a maturin project: pre-commit's `pip install .` must not compile opsbook.
    assert_eq!(
        shim["build-system"]["build-backend"].as_str(),
        Some("setuptools.build_meta")
    );
}

#[test]
fn the_wheel_is_a_maturin_bin_build_of_this_crate() {
    let wheel = toml_file("wheel/pyproject.toml");
    assert_eq!(wheel["project"]["name"].as_str(), Some("opsbook"));
    let maturin = wheel["tool"]["maturin"].as_table().unwrap();
    assert_eq!(maturin["bindings"].as_str(), Some("bin"));
    assert_eq!(maturin["manifest-path"].as_str(), Some("../Cargo.toml"));
    let profile = maturin["profile"].as_str().unwrap();
    let cargo = toml_file("Cargo.toml");
    assert!(
        cargo["profile"].get(profile).is_some(),
        "the wheel's profile {profile} is not in Cargo.toml"
    );
}

#[test]
fn pre_commit_has_a_python_hook_and_a_system_hook_that_run_the_same_lint() {
    let hooks: Vec<Hook> = serde_saphyr::from_str(&read(".pre-commit-hooks.yaml")).unwrap();
    let by_language = |language: &str| {
        hooks
            .iter()
            .find(|h| h.language == language)
            .unwrap_or_else(|| panic!("no {language} hook"))
    };
    let python = by_language("python");
    let system = by_language("system");
    assert_eq!(python.id, "opsbook-lint");
    assert_eq!(system.id, "opsbook-lint-system");
    assert_eq!(python.entry, "opsbook lint");
    assert_eq!(python.entry, system.entry);
    assert_eq!(python.files, system.files);
    assert!(hooks.iter().all(|h| h.language != "rust"));
}

#[test]
fn the_changelog_has_a_section_for_this_version() {
    let changelog = read("CHANGELOG.md");
    let headings: Vec<&str> = changelog.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(headings.first(), Some(&"## [Unreleased]"));
    assert!(
        headings
            .iter()
            .any(|h| h.starts_with(&format!("## [{VERSION}] - "))),
        "CHANGELOG.md has no '## [{VERSION}] - <date>' heading: {headings:?}"
    );
}

/// Every input and output of action.yml is in the book's table of them, and nothing else is.
#[test]
fn the_book_documents_every_input_and_output_of_the_action() {
    let action: serde_json::Value =
        serde_saphyr::from_str(&read(".github/actions/opsbook-lint/action.yml")).unwrap();
    let book = read("book/src/ci.md");
    for section in ["inputs", "outputs"] {
        let declared: BTreeSet<&str> = action[section]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let documented = documented_names(&book, section);
        assert_eq!(declared, documented, "action {section} vs book/src/ci.md");
    }
}

/// The first column of the table under the line `<!-- action SECTION -->` in the book.
fn documented_names<'a>(book: &'a str, section: &str) -> BTreeSet<&'a str> {
    let marker = format!("<!-- action {section} -->");
    let after = book
        .split_once(&marker)
        .unwrap_or_else(|| panic!("book/src/ci.md has no {marker}"))
        .1;
    after
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .filter_map(|row| row.split('|').nth(1))
        .map(|cell| cell.trim().trim_matches('`'))
        .collect()
}

/// `docker build` sees only what .dockerignore lets through: every part of the crate that
/// `cargo package` ships for compiling (sources, templates, rule pages) must be let through.
#[test]
fn the_container_build_context_holds_every_compiled_in_file() {
    let cargo = toml_file("Cargo.toml");
    let allowed: BTreeSet<String> = read(".dockerignore")
        .lines()
        .filter_map(|l| l.strip_prefix('!'))
        .map(|l| l.trim_end_matches('/').to_string())
        .collect();
    let docs = ["README.md", "CHANGELOG.md", "LICENSE-MIT", "LICENSE-APACHE"];
    for pattern in cargo["package"]["include"].as_array().unwrap() {
        let pattern = pattern.as_str().unwrap().trim_start_matches('/');
        if docs.contains(&pattern) {
            continue;
        }
        // "src/**/*" -> "src", "book/src/rules/*.md" -> "book/src/rules"
        let path = pattern.split("/*").next().unwrap();
        assert!(
            allowed.contains(path),
            ".dockerignore does not let {path} through"
        );
    }
    assert!(allowed.contains("dist"), "the prebuilt binaries' folder");
}
