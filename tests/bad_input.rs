//! Bad input, one test per case: each gives a clear finding naming the file, the other files
//! are still checked, nothing panics, and the exit code is 1.

mod common;

use std::fs;
use std::path::Path;

use common::{fixture, opsbook};

const OTHER_BROKEN: &str = "content/postmortems/2026-01-01-other.md";

/// Lints a knowledge base holding the clean fixture, one more broken document (so we can see
/// that the run went on), and `name` written by `write`. Returns the findings of `name`.
fn lint_with(name: &str, write: impl FnOnce(&Path)) -> Vec<serde_json::Value> {
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(&fixture("clean"), dir.path());
    let clean =
        fs::read_to_string(fixture("clean").join("content/postmortems/2026-09-20-checkout-5xx.md"))
            .unwrap();
    fs::write(
        dir.path().join(OTHER_BROKEN),
        clean.replace("owner: alice@example.com\n", ""),
    )
    .unwrap();
    write(&dir.path().join(name));
    let output = opsbook(dir.path())
        .args(["lint", "--format", "json", "--today", "2026-11-25"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap().clone();
    assert!(
        findings
            .iter()
            .any(|f| f["file"] == OTHER_BROKEN && f["rule"] == "required-field"),
        "the other files are still checked: {findings:?}"
    );
    findings.into_iter().filter(|f| f["file"] == name).collect()
}

fn assert_one(findings: &[serde_json::Value], rule: &str, message_part: &str) {
    assert!(
        findings
            .iter()
            .any(|f| f["rule"] == rule && f["message"].as_str().unwrap().contains(message_part)),
        "expected {rule} with {message_part:?} in {findings:#?}"
    );
}

fn write_bytes(bytes: &'static [u8]) -> impl FnOnce(&Path) {
    move |path| fs::write(path, bytes).unwrap()
}

#[test]
fn invalid_utf8() {
    let f = lint_with(
        "content/runbooks/latin1.md",
        write_bytes(b"---\ntitle: caf\xe9\n---\n"),
    );
    assert_one(&f, "unreadable-file", "not valid UTF-8");
}

#[test]
fn binary_file_named_md() {
    let f = lint_with(
        "content/runbooks/image.md",
        write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
    );
    assert_one(&f, "unreadable-file", "binary");
}

#[test]
fn empty_file() {
    let f = lint_with("content/runbooks/empty.md", write_bytes(b""));
    assert_one(&f, "invalid-front-matter", "no front matter");
}

#[test]
fn no_front_matter() {
    let f = lint_with(
        "content/runbooks/plain.md",
        write_bytes(b"# Title\n\nJust text.\n"),
    );
    assert_one(&f, "invalid-front-matter", "no front matter");
}

#[test]
fn unterminated_front_matter() {
    let f = lint_with(
        "content/runbooks/open.md",
        write_bytes(b"---\ntitle: x\n\n# Body\n"),
    );
    assert_one(&f, "invalid-front-matter", "never closed");
}

#[test]
fn front_matter_that_is_a_list() {
    let f = lint_with(
        "content/runbooks/list.md",
        write_bytes(b"---\n- a\n- b\n---\n"),
    );
    assert_one(&f, "invalid-front-matter", "a list, not a mapping");
}

#[test]
fn front_matter_that_is_a_scalar() {
    let f = lint_with(
        "content/runbooks/scalar.md",
        write_bytes(b"---\njust words\n---\n"),
    );
    assert_one(&f, "invalid-front-matter", "a string, not a mapping");
}

#[test]
fn duplicate_keys() {
    let f = lint_with(
        "content/runbooks/dup.md",
        write_bytes(b"---\ntitle: a\ntitle: b\n---\n"),
    );
    assert_one(&f, "invalid-front-matter", "`title` appears twice");
    assert_eq!(f[0]["line"], 3, "points at the second key");
}

#[test]
fn wrong_types() {
    let f = lint_with(
        "content/postmortems/2026-02-02-types.md",
        write_bytes(b"---\ntitle: t\nowner: a@b.c\nseverity: 2\nservices: [x]\nrollback: r\nfollow_ups: \"todo\"\n---\n## Timeline\n"),
    );
    assert_one(&f, "invalid-value", "`severity` is `2` (a number)");
    assert_one(
        &f,
        "invalid-value",
        "`follow_ups` must be a list of follow-ups, found `todo`",
    );
}

#[test]
fn yaml_alias_bomb() {
    let mut yaml = String::from("---\na: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let names = ["b", "c", "d", "e", "f", "g", "h", "i", "j"];
    let mut previous = "a";
    for name in names {
        let refs = vec![format!("*{previous}"); 10].join(", ");
        yaml.push_str(&format!("{name}: &{name} [{refs}]\n"));
        previous = name;
    }
    yaml.push_str("---\n");
    let started = std::time::Instant::now();
    let f = lint_with("content/runbooks/bomb.md", move |p| {
        fs::write(p, yaml).unwrap()
    });
    assert_one(&f, "invalid-front-matter", "not valid YAML");
    // Not a timing assertion on speed, a guard against a hang: 10^10 expansions would never end.
    assert!(started.elapsed().as_secs() < 60);
}

#[test]
fn very_deep_nesting() {
    let yaml = format!(
        "---\ntitle: {}{}\n---\n",
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    let f = lint_with("content/runbooks/deep.md", move |p| {
        fs::write(p, yaml).unwrap()
    });
    assert_one(&f, "invalid-front-matter", "not valid YAML");
}

#[test]
fn file_over_the_size_limit() {
    let big = format!("---\ntitle: big\n---\n{}", "log line\n".repeat(700_000));
    assert!(big.len() > 5 * 1024 * 1024);
    let f = lint_with("content/runbooks/big.md", move |p| {
        fs::write(p, big).unwrap()
    });
    assert_one(&f, "unreadable-file", "over the 5242880-byte limit");
}

#[test]
fn size_limit_is_configurable() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(&fixture("clean"), dir.path());
    fs::write(
        dir.path().join("opsbook.toml"),
        "[lint]\nmax_file_bytes = 100\n",
    )
    .unwrap();
    let output = opsbook(dir.path())
        .args(["lint", "--format", "json", "--today", "2026-11-25"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("over the 100-byte limit"), "{text}");
}

#[cfg(unix)]
#[test]
fn symlink_that_leaves_the_content_root() {
    let f = lint_with("content/runbooks/escape.md", |p| {
        let outside = p
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .join("outside.md");
        fs::write(&outside, "---\ntitle: secret\n---\n").unwrap();
        std::os::unix::fs::symlink(&outside, p).unwrap();
    });
    assert_one(&f, "unreadable-file", "outside the content folder");
}

#[cfg(unix)]
#[test]
fn symlink_loop() {
    let f = lint_with("content/runbooks/loop.md", |p| {
        std::os::unix::fs::symlink(p, p).unwrap();
    });
    assert_one(&f, "unreadable-file", "cannot be resolved");
}

#[cfg(unix)]
#[test]
fn unreadable_file() {
    // Root reads files whatever their permissions, and CI runs as root; a Unix socket named
    // .md cannot be opened by anyone, so it stands for a file the process may not read.
    let f = lint_with("content/runbooks/socket.md", |p| {
        let listener = std::os::unix::net::UnixListener::bind(p).unwrap();
        std::mem::forget(listener);
    });
    assert_one(&f, "unreadable-file", "cannot be read");
}

#[cfg(unix)]
#[test]
fn file_without_read_permission() {
    use std::os::unix::fs::PermissionsExt;
    let f = lint_with("content/runbooks/locked.md", |p| {
        fs::write(p, "---\ntitle: x\n---\n").unwrap();
        fs::set_permissions(p, fs::Permissions::from_mode(0o000)).unwrap();
    });
    // As root the file is readable (and then lints like any other file); as anyone else it
    // is unreadable. Either way it is reported by name and the run goes on.
    let as_root = f.iter().any(|x| x["rule"] == "required-field");
    assert!(
        as_root || f.iter().any(|x| x["rule"] == "unreadable-file"),
        "{f:#?}"
    );
}

#[test]
fn ten_thousand_line_front_matter() {
    let mut yaml = String::from("---\ntitle: huge\ntags:\n");
    for i in 0..10_000 {
        yaml.push_str(&format!("  - tag-{i}\n"));
    }
    yaml.push_str("---\n");
    let f = lint_with("content/runbooks/huge.md", move |p| {
        fs::write(p, yaml).unwrap()
    });
    assert_one(
        &f,
        "invalid-front-matter",
        "10002 lines long, over the limit of 1000",
    );
    assert_eq!(f.len(), 1, "one finding, not ten thousand: {}", f.len());
}
