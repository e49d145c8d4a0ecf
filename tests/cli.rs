//! Command-line polish: help with examples everywhere, completions and man pages from the
//! same definitions, serve-only markup never in `build` output, colour rules.

use std::path::PathBuf;

use assert_cmd::Command;
use clap::CommandFactory;
use predicates::prelude::*;

fn opsbook() -> Command {
    Command::cargo_bin("opsbook").unwrap()
}

#[test]
fn every_command_has_examples_in_its_help() {
    let cli = opsbook::cli::Cli::command();
    let names: Vec<String> = cli
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    for expected in [
        "lint",
        "build",
        "serve",
        "new",
        "init",
        "follow-ups",
        "completions",
        "man",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
    for name in names.iter().filter(|n| *n != "help") {
        opsbook()
            .args([name.as_str(), "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Examples:"))
            .stdout(predicate::str::contains(format!("opsbook {name}")));
    }
    opsbook()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:"))
        .stdout(predicate::str::contains("NO_COLOR"));
}

#[test]
fn completions_cover_every_command() {
    for shell in ["bash", "zsh", "fish"] {
        let output = opsbook().args(["completions", shell]).output().unwrap();
        assert!(output.status.success(), "{shell}");
        let text = String::from_utf8(output.stdout).unwrap();
        for word in ["serve", "follow-ups", "due-before", "postmortem"] {
            assert!(text.contains(word), "{shell} completions lack {word}");
        }
    }
    opsbook().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn man_page_to_stdout_and_one_per_command_to_a_folder() {
    opsbook()
        .arg("man")
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH opsbook 1"))
        .stdout(predicate::str::contains("follow\\-ups"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man1");
    opsbook()
        .args(["-q", "man", "--output"])
        .arg(&out)
        .assert()
        .success()
        .stderr("");
    for page in [
        "opsbook.1",
        "opsbook-serve.1",
        "opsbook-new.1",
        "opsbook-follow-ups.1",
    ] {
        assert!(out.join(page).is_file(), "{page}");
    }
    let serve = std::fs::read_to_string(out.join("opsbook-serve.1")).unwrap();
    assert!(serve.contains("\\-\\-bind"), "{serve}");
}

#[test]
fn build_output_has_no_serve_markup() {
    let dir = tempfile::tempdir().unwrap();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    opsbook()
        .current_dir(&root)
        .args(["-q", "build", "--output"])
        .arg(dir.path().join("site"))
        .assert()
        .success();
    let mut pages = 0;
    for entry in walkdir::WalkDir::new(dir.path().join("site")) {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "html") {
            let html = std::fs::read_to_string(entry.path()).unwrap();
            assert!(
                !html.contains("opsbook-serve"),
                "{}",
                entry.path().display()
            );
            assert!(!html.contains("__opsbook"), "{}", entry.path().display());
            assert!(
                !html.contains("opsbook-lint-banner"),
                "{}",
                entry.path().display()
            );
            pages += 1;
        }
    }
    assert!(pages > 30, "{pages} pages");
}

#[test]
fn verbose_names_the_config() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/follow-ups");
    opsbook()
        .current_dir(&root)
        .args(["--verbose", "follow-ups", "--format", "json"])
        .assert()
        .success()
        .stderr(predicate::str::contains("config: none (defaults)"))
        .stderr(predicate::str::contains("follow-ups in 5 documents"));
}

/// Runs `command` under a pseudo-terminal with `script` (util-linux, installed on every
/// Debian system; a machine without it fails this test rather than skipping it).
fn on_a_terminal(command: &str, no_color: bool) -> String {
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qec", command, "/dev/null"])
        .env_remove("NO_COLOR");
    if no_color {
        cmd.env("NO_COLOR", "1");
    }
    cmd.env("TERM", "xterm");
    let output = cmd
        .output()
        .expect("`script` (util-linux) provides the terminal for this test");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn colour_on_a_terminal_and_off_under_no_color() {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/follow-ups");
    let command = format!(
        "cd '{}' && '{}' follow-ups --today 2026-11-25",
        fixture.display(),
        env!("CARGO_BIN_EXE_opsbook")
    );
    let coloured = on_a_terminal(&command, false);
    assert!(
        coloured.contains("\x1b[31m"),
        "overdue rows are red on a terminal: {coloured:?}"
    );
    let plain = on_a_terminal(&command, true);
    assert!(plain.contains("Add a canary stage"), "{plain:?}");
    assert!(!plain.contains('\x1b'), "NO_COLOR: {plain:?}");
}
