//! `opsbook new` and `opsbook init` in temporary folders, refusals included.

mod common;

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

/// `opsbook` with a home folder of its own, so the machine's git config does not leak in.
fn opsbook(dir: &Path, home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("opsbook").unwrap();
    cmd.current_dir(dir)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("NO_COLOR", "1");
    cmd
}

fn lint_exit(dir: &Path, home: &Path) -> (i32, String) {
    let output = opsbook(dir, home).arg("lint").output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn init_then_lint_is_clean_then_build_works() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    opsbook(dir.path(), home.path())
        .args(["init", "kb"])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains("created kb/opsbook.toml"))
        .stderr(predicate::str::contains(
            "created kb/.github/workflows/opsbook.yml",
        ));
    let kb = dir.path().join("kb");
    for file in [
        "opsbook.toml",
        ".gitignore",
        "content/runbooks/restart-example-api.md",
    ] {
        assert!(kb.join(file).is_file(), "{file}");
    }
    let workflow = std::fs::read_to_string(kb.join(".github/workflows/opsbook.yml")).unwrap();
    assert!(workflow.contains("run: opsbook lint"));
    assert_eq!(lint_exit(&kb, home.path()).0, 0);
    opsbook(&kb, home.path())
        .args(["build", "--output", "site"])
        .assert()
        .success();
    assert!(
        kb.join("site/runbooks/restart-example-api/index.html")
            .is_file()
    );
}

#[test]
fn init_refuses_a_non_empty_folder_and_force_keeps_files() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("opsbook.toml"),
        "[site]\ntitle = \"Mine\"\n",
    )
    .unwrap();
    opsbook(dir.path(), home.path())
        .arg("init")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not empty"))
        .stderr(predicate::str::contains("--force"));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "nothing was written"
    );
    opsbook(dir.path(), home.path())
        .args(["init", "--force"])
        .assert()
        .success()
        .stderr(predicate::str::contains("kept    opsbook.toml"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("opsbook.toml")).unwrap(),
        "[site]\ntitle = \"Mine\"\n"
    );
    assert!(
        dir.path()
            .join("content/runbooks/restart-example-api.md")
            .is_file()
    );
}

#[test]
fn init_quiet_prints_nothing() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    opsbook(dir.path(), home.path())
        .args(["--quiet", "init", "kb"])
        .assert()
        .success()
        .stdout("")
        .stderr("");
}

fn empty_kb() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("content")).unwrap();
    dir
}

#[test]
fn new_postmortem_prints_its_path_and_lint_lists_the_todos() {
    let home = tempfile::tempdir().unwrap();
    let kb = empty_kb();
    opsbook(kb.path(), home.path())
        .args([
            "new",
            "postmortem",
            "Checkout 5xx after deploy",
            "--date",
            "2026-09-20",
        ])
        .assert()
        .success()
        .stdout("content/postmortems/2026-09-20-checkout-5xx-after-deploy.md\n");
    let path = kb
        .path()
        .join("content/postmortems/2026-09-20-checkout-5xx-after-deploy.md");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("title: Checkout 5xx after deploy\n"));
    assert!(text.contains("## Timeline"));
    assert!(
        text.contains("owner:            # TODO"),
        "no git email: the owner is a TODO"
    );
    // Past the draft stage (a configuration may let drafts skip the completeness rules), the
    // lint lists exactly the fields left to fill in.
    std::fs::write(
        &path,
        text.replacen("status: draft ", "status: in_review ", 1),
    )
    .unwrap();
    let (code, report) = lint_exit(kb.path(), home.path());
    assert_eq!(code, 1, "the TODO fields are reported");
    for field in ["owner", "severity", "services", "rollback"] {
        assert!(
            report.contains(&format!("required field `{field}`")),
            "{field}: {report}"
        );
    }
    assert!(report.contains("follow-up 1 has an empty `due`"));
}

#[test]
fn new_takes_the_owner_from_git_config() {
    let home = tempfile::tempdir().unwrap();
    let kb = empty_kb();
    common::git_init(kb.path());
    common::git::git(kb.path(), &["config", "user.email", "dana@example.com"]);
    opsbook(kb.path(), home.path())
        .args(["new", "runbook", "Restart the API"])
        .assert()
        .success()
        .stdout("content/runbooks/restart-the-api.md\n");
    let text =
        std::fs::read_to_string(kb.path().join("content/runbooks/restart-the-api.md")).unwrap();
    assert!(text.contains("\nowner: dana@example.com\n"), "{text}");
    // --owner wins over git.
    opsbook(kb.path(), home.path())
        .args(["new", "runbook", "Purge the cache", "--owner", "team-edge"])
        .assert()
        .success();
    let text =
        std::fs::read_to_string(kb.path().join("content/runbooks/purge-the-cache.md")).unwrap();
    assert!(text.contains("\nowner: team-edge\n"), "{text}");
}

#[test]
fn new_never_overwrites() {
    let home = tempfile::tempdir().unwrap();
    let kb = empty_kb();
    let path = kb.path().join("content/runbooks/restart-the-api.md");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "mine").unwrap();
    opsbook(kb.path(), home.path())
        .args(["new", "runbook", "Restart the API"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "content/runbooks/restart-the-api.md already exists",
        ))
        .stderr(predicate::str::contains("never overwrites"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
    // --slug picks another name.
    opsbook(kb.path(), home.path())
        .args([
            "new",
            "runbook",
            "Restart the API",
            "--slug",
            "restart-the-api-v2",
        ])
        .assert()
        .success()
        .stdout("content/runbooks/restart-the-api-v2.md\n");
}

#[test]
fn new_uses_the_user_template() {
    let home = tempfile::tempdir().unwrap();
    let kb = empty_kb();
    std::fs::create_dir_all(kb.path().join("templates/new")).unwrap();
    std::fs::write(
        kb.path().join("templates/new/runbook.md"),
        "---\ntitle: {{ title | yaml }}\nowner: team-sre\nseverity: SEV3\nservices: [web]\nrollback: n/a\n---\nOur house style for {{ slug }}.\n",
    )
    .unwrap();
    opsbook(kb.path(), home.path())
        .args(["--verbose", "new", "runbook", "Web: restart"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "template: templates/new/runbook.md",
        ));
    let text = std::fs::read_to_string(kb.path().join("content/runbooks/web-restart.md")).unwrap();
    assert_eq!(
        text,
        "---\ntitle: \"Web: restart\"\nowner: team-sre\nseverity: SEV3\nservices: [web]\nrollback: n/a\n---\nOur house style for web-restart.\n"
    );
    assert_eq!(lint_exit(kb.path(), home.path()).0, 0);
}

#[test]
fn new_outside_a_knowledge_base_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    opsbook(dir.path(), home.path())
        .args(["new", "runbook", "X"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("content folder"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn new_quiet_prints_only_the_path() {
    let home = tempfile::tempdir().unwrap();
    let kb = empty_kb();
    opsbook(kb.path(), home.path())
        .args(["-q", "new", "runbook", "Quiet one"])
        .assert()
        .success()
        .stdout("content/runbooks/quiet-one.md\n")
        .stderr("");
}
