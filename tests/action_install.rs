//! The opsbook-lint action's installer (.github/actions/opsbook-lint/install.sh), run the way
//! action.yml runs it, against a release laid out in a temporary folder and read through
//! file:// URLs: it picks the archive for the runner, refuses an archive whose SHA-256 does
//! not match the release's SHA256SUMS, and compiles with cargo only when the release has no
//! archive for the platform.

use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/.github/actions/opsbook-lint/install.sh"
);
const VERSION: &str = "9.8.7";
const LINUX_X64: &str = "x86_64-unknown-linux-musl";

struct Runner {
    root: tempfile::TempDir,
    script: PathBuf,
}

impl Runner {
    fn new() -> Runner {
        let runner = Runner {
            root: tempfile::tempdir().unwrap(),
            script: PathBuf::from(SCRIPT),
        };
        for dir in ["releases", "tool-cache", "fake-bin"] {
            fs::create_dir_all(runner.path(dir)).unwrap();
        }
        runner
    }

    fn path(&self, name: &str) -> PathBuf {
        self.root.path().join(name)
    }

    /// Runs `install.sh STEP` with the runner's environment plus `env`; a PATH of the fake
    /// tools first, then the system's (curl, tar, sha256sum), without ~/.cargo/bin.
    fn run(&self, step: &str, env: &[(&str, &str)]) -> Output {
        let outputs = self.path("github-output");
        let _ = fs::remove_file(&outputs);
        let path = format!(
            "{}:/usr/local/bin:/usr/bin:/bin",
            self.path("fake-bin").display()
        );
        Command::new("bash")
            .arg(&self.script)
            .arg(step)
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.root.path())
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TOOL_CACHE", self.path("tool-cache"))
            .env("GITHUB_OUTPUT", &outputs)
            .env("OPSBOOK_REPOSITORY", "example/opsbook")
            .env("OPSBOOK_REF", "v9.8.7")
            .env(
                "OPSBOOK_RELEASES_URL",
                format!("file://{}", self.path("releases").display()),
            )
            .envs(env.iter().copied())
            .output()
            .unwrap()
    }

    fn outputs(&self) -> HashMap<String, String> {
        let text = fs::read_to_string(self.path("github-output")).unwrap_or_default();
        text.lines()
            .filter_map(|line| line.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// A release `v9.8.7` with opsbook-<target>.tar.gz holding a script named opsbook, and
    /// SHA256SUMS listing it (with `sums_hash` instead of the real hash when given).
    fn publish(&self, target: &str, sums_hash: Option<&str>) {
        let release = self.path("releases").join(format!("v{VERSION}"));
        let staging = self.path("staging");
        fs::create_dir_all(&release).unwrap();
        fs::create_dir_all(&staging).unwrap();
        write_executable(
            &staging.join("opsbook"),
            "#!/bin/sh\necho released opsbook\n",
        );
        fs::write(staging.join("README.md"), "readme\n").unwrap();
        let archive = format!("opsbook-{target}.tar.gz");
        run_ok(
            Command::new("tar")
                .arg("-czf")
                .arg(release.join(&archive))
                .arg("-C")
                .arg(&staging)
                .args(["opsbook", "README.md"]),
        );
        let real = sha256(&release.join(&archive));
        let hash = sums_hash.unwrap_or(&real);
        let sums = format!("{}  other-file.zip\n{hash}  {archive}\n", "0".repeat(64));
        fs::write(release.join("SHA256SUMS"), sums).unwrap();
    }

    /// A `cargo` on PATH that records its arguments and installs a script as `cargo install
    /// --root DIR` would (DIR/bin/opsbook).
    fn fake_cargo(&self) {
        let log = self.path("cargo-args");
        let script = format!(
            "#!/bin/sh\necho \"$@\" > '{}'\nwhile [ \"$1\" != --root ]; do shift; done\n\
             mkdir -p \"$2/bin\"\nprintf '#!/bin/sh\\necho compiled opsbook\\n' > \"$2/bin/opsbook\"\n\
             chmod +x \"$2/bin/opsbook\"\n",
            log.display()
        );
        write_executable(&self.path("fake-bin").join("cargo"), &script);
    }

    fn install(&self, target: &str) -> (Output, PathBuf) {
        let dir = self.path("tool-cache").join("opsbook").join(VERSION);
        let dir_text = dir.display().to_string();
        let output = self.run(
            "install",
            &[
                ("OPSBOOK_VERSION", VERSION),
                ("OPSBOOK_TARGET", target),
                ("OPSBOOK_DIR", &dir_text),
            ],
        );
        (output, dir)
    }
}

fn write_executable(path: &Path, text: &str) {
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

fn run_ok(command: &mut Command) -> String {
    let output = command.output().unwrap();
    assert!(output.status.success(), "{command:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap()
}

fn sha256(path: &Path) -> String {
    let line = run_ok(Command::new("sha256sum").arg(path));
    line.split_whitespace().next().unwrap().to_string()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn plan_picks_the_archive_for_each_runner_and_the_actions_own_version() {
    let runner = Runner::new();
    let cases = [
        ("Linux", "X64", "x86_64-unknown-linux-musl"),
        ("Linux", "ARM64", "aarch64-unknown-linux-musl"),
        ("macOS", "X64", "x86_64-apple-darwin"),
        ("macOS", "ARM64", "aarch64-apple-darwin"),
        ("Windows", "X64", "x86_64-pc-windows-msvc"),
        ("Windows", "ARM64", ""),
        ("Linux", "ARM", ""),
    ];
    for (os, arch, target) in cases {
        let output = runner.run("plan", &[("RUNNER_OS", os), ("RUNNER_ARCH", arch)]);
        assert!(output.status.success(), "{os}/{arch}: {output:?}");
        let outputs = runner.outputs();
        assert_eq!(outputs["target"], target, "{os}/{arch}");
        // Empty version input: the version of the Cargo.toml the action sits in.
        assert_eq!(outputs["version"], env!("CARGO_PKG_VERSION"));
        let folder = if target.is_empty() { "source" } else { target };
        assert!(outputs["dir"].ends_with(&format!("/opsbook/{}/{folder}", outputs["version"])));
    }
}

#[test]
fn plan_takes_a_version_input_with_or_without_v_and_refuses_anything_else() {
    let runner = Runner::new();
    for (input, version) in [
        ("1.2.3", "1.2.3"),
        ("v1.2.3", "1.2.3"),
        ("2.0.0-rc.1", "2.0.0-rc.1"),
    ] {
        let output = runner.run("plan", &[("OPSBOOK_VERSION", input)]);
        assert!(output.status.success(), "{input}: {output:?}");
        assert_eq!(runner.outputs()["version"], version);
    }
    for bad in ["latest", "1.2", "1.2.3; rm -rf /", "../1.2.3"] {
        let output = runner.run("plan", &[("OPSBOOK_VERSION", bad)]);
        assert!(!output.status.success(), "{bad} was accepted");
        assert!(
            stderr(&output).contains("not a version"),
            "{bad}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn a_release_archive_is_downloaded_verified_and_installed() {
    let runner = Runner::new();
    runner.publish(LINUX_X64, None);
    let (output, dir) = runner.install(LINUX_X64);
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("SHA-256 verified"));
    assert_eq!(runner.outputs()["method"], "download");
    let installed = run_ok(&mut Command::new(dir.join("opsbook")));
    assert_eq!(installed, "released opsbook\n");
    assert!(!runner.path("cargo-args").exists());
}

#[test]
fn an_archive_whose_hash_differs_from_sha256sums_is_not_installed() {
    let runner = Runner::new();
    runner.publish(LINUX_X64, Some(&"ab".repeat(32)));
    runner.fake_cargo();
    let (output, dir) = runner.install(LINUX_X64);
    assert!(!output.status.success(), "{output:?}");
    assert!(stderr(&output).contains("SHA-256 of opsbook-x86_64-unknown-linux-musl.tar.gz"));
    assert!(!dir.join("opsbook").exists());
    // A bad checksum is an error, never a reason to fall back to compiling.
    assert!(!runner.path("cargo-args").exists());
}

#[test]
fn an_archive_missing_from_sha256sums_is_not_installed() {
    let runner = Runner::new();
    runner.publish(LINUX_X64, None);
    let sums = runner
        .path("releases")
        .join(format!("v{VERSION}/SHA256SUMS"));
    fs::write(&sums, format!("{}  other-file.zip\n", "0".repeat(64))).unwrap();
    let (output, dir) = runner.install(LINUX_X64);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("does not list"),
        "{}",
        stderr(&output)
    );
    assert!(!dir.join("opsbook").exists());
}

#[test]
fn without_an_archive_for_the_platform_opsbook_is_compiled_from_the_actions_ref() {
    let runner = Runner::new();
    // The release exists, but not for this target.
    runner.publish("aarch64-apple-darwin", None);
    runner.fake_cargo();
    let (output, dir) = runner.install(LINUX_X64);
    assert!(output.status.success(), "{output:?}");
    let args = fs::read_to_string(runner.path("cargo-args")).unwrap();
    assert_eq!(
        args.trim(),
        format!(
            "install --locked --root {} --git https://github.com/example/opsbook --rev v9.8.7 opsbook",
            dir.display()
        )
    );
    assert_eq!(runner.outputs()["method"], "cargo");
    assert_eq!(
        run_ok(&mut Command::new(dir.join("opsbook"))),
        "compiled opsbook\n"
    );
    assert!(!dir.join("bin").exists());
}

#[test]
fn a_platform_without_release_binaries_compiles_and_says_so_when_cargo_is_missing() {
    let runner = Runner::new();
    runner.fake_cargo();
    let (output, _) = runner.install("");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(runner.outputs()["method"], "cargo");

    let without_cargo = Runner::new();
    let (output, dir) = without_cargo.install("");
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("dtolnay/rust-toolchain"),
        "{}",
        stderr(&output)
    );
    assert!(!dir.join("opsbook").exists());
}

/// As the runner lays out a remote action: `_actions/<owner>/<repo>/<ref>/` holds the whole
/// repository at that ref, so the action knows its version and where to compile from even when
/// github.action_repository and github.action_ref are empty (as in composite actions).
#[test]
fn a_remote_action_takes_its_version_and_source_from_where_the_runner_put_it() {
    let mut runner = Runner::new();
    let checkout = runner.path("_actions/acme/opsbook/v1.2.3");
    let action = checkout.join(".github/actions/opsbook-lint");
    fs::create_dir_all(&action).unwrap();
    fs::copy(SCRIPT, action.join("install.sh")).unwrap();
    fs::write(
        checkout.join("Cargo.toml"),
        "[package]\nname = \"opsbook\"\nversion = \"1.2.3\"\n\n[dependencies]\nversion = \"9\"\n",
    )
    .unwrap();
    runner.script = action.join("install.sh");

    assert!(runner.run("plan", &[]).status.success());
    assert_eq!(runner.outputs()["version"], "1.2.3");

    runner.fake_cargo();
    let dir = runner.path("tool-cache/opsbook/1.2.3/source");
    let dir_text = dir.display().to_string();
    let no_context = [
        ("OPSBOOK_REPOSITORY", ""),
        ("OPSBOOK_REF", ""),
        ("OPSBOOK_VERSION", "1.2.3"),
        ("OPSBOOK_TARGET", ""),
        ("OPSBOOK_DIR", dir_text.as_str()),
    ];
    let output = runner.run("install", &no_context);
    assert!(output.status.success(), "{output:?}");
    let args = fs::read_to_string(runner.path("cargo-args")).unwrap();
    assert!(
        args.contains("--git https://github.com/acme/opsbook --rev v1.2.3 opsbook"),
        "{args}"
    );
}
