//! Repositories damaged at random, by a generator that knows their structure: byte flips,
//! cuts and garbage in the pack, its index, loose objects and references, and targeted damage
//! to pack entry headers and index offsets. Whatever the damage, `lint` (which reads the
//! history for stale-runbook), `lint --changed-since` and `build --rev` end with exit 0, 1 or 2,
//! never a signal, a panic, a hang or gigabytes of memory, and `lint` says what went wrong in
//! at most one note. `git_corruption.rs` has the named cases; `fuzz/` the coverage-guided
//! search.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use proptest::prelude::*;

use common::git::{git, git_with, signature};

const T0: i64 = 1_767_225_600;

/// A knowledge base in a repository of six commits: the first four packed, the rest loose.
fn template() -> &'static Path {
    static TEMPLATE: OnceLock<tempfile::TempDir> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let kb = dir.path();
            git(kb, &["init", "--quiet"]);
            for n in 0..6 {
                for name in ["a", "b", "c"] {
                    let path = kb.join(format!("content/runbooks/{name}.md"));
                    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                    let step = if name == "a" { n } else { n / 3 };
                    std::fs::write(
                        path,
                        format!(
                            "---\nkind: runbook\ntitle: {name}\nowner: team-ops\nseverity: SEV2\nservices: [api]\nrollback: \"not applicable\"\n---\n\n1. Step {step}\n"
                        ),
                    )
                    .unwrap();
                }
                git(kb, &["add", "--all"]);
                let message = format!("Commit {n}");
                git_with(kb, &["commit", "--quiet", "-m", &message], &signature("Alice", T0 + n * 86_400), None);
                if n == 3 {
                    git(kb, &["repack", "-adf", "--quiet"]);
                    git(kb, &["prune", "--expire=now"]);
                    git(kb, &["pack-refs", "--all"]);
                }
            }
            dir
        })
        .path()
}

/// What to damage.
#[derive(Debug, Clone)]
enum Target {
    Pack,
    Index,
    /// The n-th loose object (modulo their number).
    Loose(usize),
    Head,
    PackedRefs,
    Branch,
    Config,
    Shallow,
}

/// How to damage it.
#[derive(Debug, Clone)]
enum Damage {
    /// XOR the byte at this fraction of the file with a mask.
    Flip {
        at: f64,
        mask: u8,
    },
    /// Keep only this fraction of the file.
    Cut {
        keep: f64,
    },
    /// Replace the file with these bytes.
    Garbage(Vec<u8>),
    Remove,
    /// In the pack: set one of the first bytes of the n-th entry (type and size).
    EntryHeader {
        entry: usize,
        byte: usize,
        value: u8,
    },
    /// In the index: point the n-th object somewhere else.
    IndexOffset {
        entry: usize,
        offset: u32,
    },
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        4 => Just(Target::Pack),
        2 => Just(Target::Index),
        3 => any::<usize>().prop_map(Target::Loose),
        1 => Just(Target::Head),
        1 => Just(Target::PackedRefs),
        1 => Just(Target::Branch),
        1 => Just(Target::Config),
        1 => Just(Target::Shallow),
    ]
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        4 => (0.0..1.0f64, 1..=255u8).prop_map(|(at, mask)| Damage::Flip { at, mask }),
        1 => (0.0..1.0f64).prop_map(|keep| Damage::Cut { keep }),
        1 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(Damage::Garbage),
        1 => Just(Damage::Remove),
        3 => (any::<usize>(), 0..3usize, any::<u8>())
            .prop_map(|(entry, byte, value)| Damage::EntryHeader { entry, byte, value }),
        2 => (any::<usize>(), any::<u32>())
            .prop_map(|(entry, offset)| Damage::IndexOffset { entry, offset }),
    ]
}

fn files_with(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect();
    files.sort();
    files
}

fn loose_objects(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir.join(".git/objects"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| {
            p.parent()
                .and_then(|d| d.file_name())
                .is_some_and(|n| n.len() == 2)
        })
        .collect();
    files.sort();
    files
}

/// The file to damage; `None` when an earlier damage removed it.
fn path_of(dir: &Path, target: &Target) -> Option<PathBuf> {
    Some(match target {
        Target::Pack => files_with(dir, "pack").into_iter().next()?,
        Target::Index => files_with(dir, "idx").into_iter().next()?,
        Target::Loose(n) => {
            let loose = loose_objects(dir);
            loose.get(n % loose.len().max(1))?.clone()
        }
        Target::Head => dir.join(".git/HEAD"),
        Target::PackedRefs => dir.join(".git/packed-refs"),
        Target::Branch => dir.join(".git/refs/heads/main"),
        Target::Config => dir.join(".git/config"),
        Target::Shallow => dir.join(".git/shallow"),
    })
}

/// Where the entries of the pack start, from its index (version 2); empty when the index is
/// gone or too damaged to tell.
fn entry_offsets(dir: &Path) -> Vec<usize> {
    let Some(idx) = files_with(dir, "idx").into_iter().next() else {
        return Vec::new();
    };
    let idx = std::fs::read(idx).unwrap();
    let word = |at: usize| -> Option<usize> {
        Some(u32::from_be_bytes(idx.get(at..at + 4)?.try_into().ok()?) as usize)
    };
    let Some(count) = word(8 + 255 * 4) else {
        return Vec::new();
    };
    let offsets = 8 + 256 * 4 + count.saturating_mul(24);
    (0..count.min(1 << 16))
        .map_while(|n| word(offsets + n * 4))
        .collect()
}

fn apply(dir: &Path, target: &Target, damage: &Damage) {
    let Some(path) = path_of(dir, target) else {
        return;
    };
    if path.exists() {
        let mut permissions = std::fs::metadata(&path).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        permissions.set_readonly(false);
        std::fs::set_permissions(&path, permissions).unwrap();
    }
    let mut bytes = std::fs::read(&path).unwrap_or_default();
    match damage {
        Damage::Flip { at, mask } if !bytes.is_empty() => {
            let n = ((bytes.len() as f64 * at) as usize).min(bytes.len() - 1);
            bytes[n] ^= mask;
        }
        Damage::Flip { .. } => {}
        Damage::Cut { keep } => bytes.truncate((bytes.len() as f64 * keep) as usize),
        Damage::Garbage(garbage) => bytes = garbage.clone(),
        Damage::Remove => {
            let _ = std::fs::remove_file(&path);
            return;
        }
        Damage::EntryHeader { entry, byte, value } => {
            let offsets = entry_offsets(dir);
            let Some(pack) = files_with(dir, "pack").into_iter().next() else {
                return;
            };
            if offsets.is_empty() {
                return;
            }
            let mut pack_bytes = std::fs::read(&pack).unwrap();
            let at = offsets[entry % offsets.len()] + byte;
            if at < pack_bytes.len() {
                pack_bytes[at] = *value;
            }
            std::fs::write(pack, pack_bytes).unwrap();
            return;
        }
        Damage::IndexOffset { entry, offset } => {
            let count = entry_offsets(dir).len();
            let Some(idx) = files_with(dir, "idx").into_iter().next() else {
                return;
            };
            let mut idx_bytes = std::fs::read(&idx).unwrap();
            let at = 8 + 256 * 4 + count * 24 + (entry % count.max(1)) * 4;
            if count > 0 && at + 4 <= idx_bytes.len() {
                idx_bytes[at..at + 4].copy_from_slice(&(offset & 0x7fff_ffff).to_be_bytes());
            }
            std::fs::write(idx, idx_bytes).unwrap();
            return;
        }
    }
    std::fs::write(&path, bytes).unwrap();
}

#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stderr: String,
}

/// Runs opsbook, stopped (and the case failed) after a minute.
fn opsbook(dir: &Path, args: &[&str]) -> Run {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("opsbook"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env("GIT_CEILING_DIRECTORIES", dir.parent().unwrap())
        .env_remove("GIT_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("opsbook {args:?} hung (stopped after a minute)");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = child.wait_with_output().unwrap();
    Run {
        code: status.code(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn check(run: &Run, args: &[&str], codes: &[i32]) -> Result<(), TestCaseError> {
    prop_assert!(
        run.code.is_some_and(|c| codes.contains(&c)),
        "opsbook {:?} ended with {:?}: {}",
        args,
        run.code,
        run.stderr
    );
    prop_assert!(
        !run.stderr.contains("panicked"),
        "opsbook {:?}: {}",
        args,
        run.stderr
    );
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getrusage fills the struct it is given.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
        prop_assert!(
            usage.ru_maxrss < 1 << 20,
            "a run took {} KiB",
            usage.ru_maxrss
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("MUTATION_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(24),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn damaged_repositories_never_crash_opsbook(
        damages in proptest::collection::vec((target(), damage()), 1..4)
    ) {
        let dir = tempfile::tempdir().unwrap();
        common::copy_tree(template(), dir.path());
        for (target, damage) in &damages {
            apply(dir.path(), target, damage);
        }
        let lint = ["lint", "--today", "2026-12-01"];
        let run = opsbook(dir.path(), &lint);
        check(&run, &lint, &[0])?;
        prop_assert!(
            run.stderr.lines().filter(|l| l.starts_with("note: ")).count() <= 1,
            "{}", run.stderr
        );
        let changed = ["lint", "--changed-since", "HEAD~2"];
        check(&opsbook(dir.path(), &changed), &changed, &[0, 1, 2])?;
        let rev = ["build", "--rev", "HEAD", "--output", "rev", "--today", "2026-12-01"];
        check(&opsbook(dir.path(), &rev), &rev, &[0, 1, 2])?;
    }
}
