//! Damaged repositories, case by case, on the built binary (issue 11, item 6): git is an
//! enrichment, so `build` and `lint` give their result without history and one note; `--rev`
//! and `--changed-since` cannot work without git and exit 2 with an error. Never a signal, a
//! panic, a hang or gigabytes of memory. The cases: a pack index pointing past the end of the
//! pack, deltas based on themselves or on each other, an entry with cleared type bits, a
//! truncated pack, huge declared sizes (pack entry, delta, loose object), a missing object, a
//! damaged loose object, bad references, a commit that is its own ancestor, a tree that
//! contains itself, a damaged `.git` file, shallow file and index. `git_fuzz.rs` mutates
//! repositories at random.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::git::{git, git_with, signature};

pub const T0: i64 = 1_767_225_600; // 2026-01-01

fn runbook(title: &str, step: &str) -> String {
    format!(
        "---\nkind: runbook\ntitle: {title}\nowner: team-ops\nseverity: SEV2\nservices: [api]\nrollback: \"not applicable: read-only\"\n---\n\n## Steps\n\n1. {step}\n"
    )
}

/// A knowledge base of runbooks without `last_reviewed` (so `lint` reads the history) in a
/// repository of four commits, objects loose.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let kb = dir.path();
    git(kb, &["init", "--quiet"]);
    for (n, step) in ["one", "two", "three", "four"].iter().enumerate() {
        for name in ["a", "b", "c"] {
            let path = kb.join(format!("content/runbooks/{name}.md"));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let step = if name == "a" || n == 0 { *step } else { "same" };
            std::fs::write(path, runbook(name, step)).unwrap();
        }
        git(kb, &["add", "--all"]);
        git_with(
            kb,
            &["commit", "--quiet", "-m", &format!("Commit {step}")],
            &signature("Alice", T0 + n as i64 * 86_400),
            None,
        );
    }
    dir
}

/// [`repository`], packed into one pack (as a clone is).
fn packed() -> tempfile::TempDir {
    let dir = repository();
    git(dir.path(), &["repack", "-adf", "--quiet"]);
    git(dir.path(), &["prune", "--expire=now"]);
    dir
}

fn rev(dir: &Path, name: &str) -> String {
    git(dir, &["rev-parse", name]).trim().to_string()
}

/// What a run of the binary did.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs opsbook in `dir`, stopping it (and failing the test) if it runs for more than a minute.
fn opsbook(dir: &Path, args: &[&str]) -> Run {
    let binary = assert_cmd::cargo::cargo_bin("opsbook");
    let mut child = Command::new(binary)
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env("GIT_CEILING_DIRECTORIES", dir.parent().unwrap())
        .env_remove("GIT_DIR")
        .env_remove("GIT_ALLOC_LIMIT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
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
    let run = Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert_never_crashed(&run, args);
    run
}

/// No signal, no panic, no exit code other than opsbook's own, and (on Linux) no child ever
/// reached a gigabyte.
fn assert_never_crashed(run: &Run, args: &[&str]) {
    assert!(
        matches!(run.code, Some(0..=2)),
        "opsbook {args:?} ended with {:?}: {}",
        run.code,
        run.stderr
    );
    assert!(
        !run.stderr.contains("panicked"),
        "opsbook {args:?}: {}",
        run.stderr
    );
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getrusage fills the struct it is given.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
        assert!(
            usage.ru_maxrss < 1 << 20,
            "a run took {} KiB",
            usage.ru_maxrss
        );
    }
}

/// `build` and `lint` succeed without history and say why (`cause`) in one note; `build --rev
/// HEAD` and `lint --changed-since HEAD~3` exit 2 with an error that says it, unless the damage
/// is outside what they read (`rev_works`, `changed_works`: then `--rev` builds without
/// history and a note, and `--changed-since` lints).
fn assert_history_is_dropped_with_a_note(
    dir: &Path,
    cause: &str,
    rev_works: bool,
    changed_works: bool,
) {
    let build = opsbook(dir, &["build", "--today", "2026-12-01"]);
    assert_eq!(build.code, Some(0), "{build:?}");
    assert_one_note(&build, "note: pages show no git history: ", cause);

    let lint = opsbook(dir, &["lint", "--today", "2026-12-01"]);
    assert_eq!(lint.code, Some(0), "{lint:?}");
    assert_one_note(
        &lint,
        "note: stale-runbook has no git dates for runbooks without last_reviewed: ",
        cause,
    );
    assert!(lint.stdout.contains("no git history to tell"), "{lint:?}");

    let args = [
        "build",
        "--rev",
        "HEAD",
        "--output",
        "rev",
        "--today",
        "2026-12-01",
    ];
    let built = opsbook(dir, &args);
    if rev_works {
        assert_eq!(built.code, Some(0), "{built:?}");
        assert_one_note(&built, "note: pages show no git history: ", cause);
    } else {
        assert_eq!(built.code, Some(2), "{built:?}");
        assert!(flat(&built.stderr).contains(cause), "{built:?}");
    }
    let changed = opsbook(dir, &["lint", "--changed-since", "HEAD~3"]);
    if changed_works {
        assert!(matches!(changed.code, Some(0 | 1)), "{changed:?}");
    } else {
        assert_eq!(changed.code, Some(2), "{changed:?}");
        assert!(flat(&changed.stderr).contains(cause), "{changed:?}");
    }
}

/// A message as printed, with the lines miette wrapped it into joined again.
fn flat(text: &str) -> String {
    text.split('\n')
        .map(|line| line.trim_start().trim_start_matches('│').trim())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The run printed exactly one note, on one line, starting with `start` and containing
/// `expect`.
fn assert_one_note(run: &Run, start: &str, expect: &str) {
    let notes: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("note: "))
        .collect();
    assert_eq!(notes.len(), 1, "{run:?}");
    assert!(notes[0].starts_with(start), "{run:?}");
    assert!(notes[0].contains(expect), "{run:?}");
}

/// The pack and its index.
fn pack_files(dir: &Path) -> (PathBuf, PathBuf) {
    let packs = dir.join(".git/objects/pack");
    let mut pack = None;
    for entry in std::fs::read_dir(&packs).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "pack") {
            pack = Some(path);
        }
    }
    let pack = pack.expect("a pack");
    let idx = pack.with_extension("idx");
    make_writable(&pack);
    make_writable(&idx);
    (pack, idx)
}

fn make_writable(path: &Path) {
    let mut permissions = std::fs::metadata(path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(path, permissions).unwrap();
}

/// Where the index of a version 2 pack keeps the offset of object `id`.
fn offset_slot(idx: &[u8], id: &str) -> usize {
    let id = hex(id);
    let count = u32::from_be_bytes(idx[8 + 255 * 4..8 + 256 * 4].try_into().unwrap()) as usize;
    let names = 8 + 256 * 4;
    let n = (0..count)
        .find(|n| idx[names + n * 20..names + n * 20 + 20] == id[..])
        .expect("the object is in the pack");
    names + count * 20 + count * 4 + n * 4
}

fn hex(id: &str) -> Vec<u8> {
    (0..id.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&id[i..i + 2], 16).unwrap())
        .collect()
}

/// Makes the pack entry of `id` the bytes `entry`, appended to the pack (before its trailer)
/// and pointed at by the index.
fn replace_entry(dir: &Path, id: &str, entry: &[u8]) -> u32 {
    let (pack, idx) = pack_files(dir);
    let mut bytes = std::fs::read(&pack).unwrap();
    let trailer = bytes.split_off(bytes.len() - 20);
    let offset = bytes.len() as u32;
    bytes.extend_from_slice(entry);
    bytes.extend_from_slice(&trailer);
    std::fs::write(&pack, bytes).unwrap();
    set_offset(&idx, id, offset);
    offset
}

fn set_offset(idx: &Path, id: &str, offset: u32) {
    let mut bytes = std::fs::read(idx).unwrap();
    let slot = offset_slot(&bytes, id);
    bytes[slot..slot + 4].copy_from_slice(&offset.to_be_bytes());
    std::fs::write(idx, bytes).unwrap();
}

/// A pack entry header: type and size.
fn entry_header(kind: u8, size: u64) -> Vec<u8> {
    let mut out = vec![(kind << 4) | (size & 0x0f) as u8];
    let mut rest = size >> 4;
    while rest > 0 {
        *out.last_mut().unwrap() |= 0x80;
        out.push((rest & 0x7f) as u8);
        rest >>= 7;
    }
    out
}

/// The size varint of a delta.
fn delta_size(mut size: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (size & 0x7f) as u8;
        size >>= 7;
        if size == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// A delta from a `base_size`-byte base to `result_size` bytes that inserts `text` (the sizes
/// may lie).
fn delta(base_size: u64, result_size: u64, text: &[u8]) -> Vec<u8> {
    let mut out = delta_size(base_size);
    out.extend(delta_size(result_size));
    for chunk in text.chunks(127) {
        out.push(chunk.len() as u8);
        out.extend_from_slice(chunk);
    }
    out
}

const REF_DELTA: u8 = 7;
const OFS_DELTA: u8 = 6;

/// A loose object file, written over whatever is there.
fn write_loose(dir: &Path, id: &str, raw: &[u8]) {
    let path = dir.join(".git/objects").join(&id[..2]).join(&id[2..]);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    if path.exists() {
        make_writable(&path);
    }
    std::fs::write(path, zlib(raw)).unwrap();
}

fn loose_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(".git/objects").join(&id[..2]).join(&id[2..])
}

#[test]
fn a_pack_index_pointing_past_the_end_of_the_pack() {
    let repo = packed();
    let head = rev(repo.path(), "HEAD");
    let (pack, idx) = pack_files(repo.path());
    let past = std::fs::metadata(&pack).unwrap().len() as u32 + 1000;
    set_offset(&idx, &head, past);
    assert_history_is_dropped_with_a_note(repo.path(), "pointing beyond pack data", false, false);
}

#[test]
fn a_delta_whose_base_is_itself() {
    let repo = packed();
    let head = rev(repo.path(), "HEAD");
    let mut entry = entry_header(REF_DELTA, 20);
    entry.extend(hex(&head));
    entry.extend(zlib(&delta(200, 12, b"tree nothing")));
    replace_entry(repo.path(), &head, &entry);
    assert_history_is_dropped_with_a_note(
        repo.path(),
        "delta chain contains a cycle",
        false,
        false,
    );
}

#[test]
fn two_deltas_based_on_each_other() {
    let repo = packed();
    let head = rev(repo.path(), "HEAD");
    let parent = rev(repo.path(), "HEAD~1");
    for (id, base) in [(&head, &parent), (&parent, &head)] {
        let mut entry = entry_header(REF_DELTA, 20);
        entry.extend(hex(base));
        entry.extend(zlib(&delta(200, 12, b"tree nothing")));
        replace_entry(repo.path(), id, &entry);
    }
    assert_history_is_dropped_with_a_note(
        repo.path(),
        "delta chain contains a cycle",
        false,
        false,
    );
}

#[test]
fn an_offset_delta_pointing_at_itself() {
    let repo = packed();
    let head = rev(repo.path(), "HEAD");
    let mut entry = entry_header(OFS_DELTA, 20);
    entry.push(0); // a distance of 0: the base is the entry itself
    entry.extend(zlib(&delta(200, 12, b"tree nothing")));
    replace_entry(repo.path(), &head, &entry);
    assert_history_is_dropped_with_a_note(repo.path(), "ofs-delta", false, false);
}

#[test]
fn an_entry_with_cleared_type_bits() {
    let repo = packed();
    let head = rev(repo.path(), "HEAD");
    // The tree of the content folder in the first commit: only the history reads it.
    let tree = rev(repo.path(), "HEAD~3:content/runbooks");
    let mut entry = entry_header(0, 30);
    entry.extend(zlib(b"not an object of any known type"));
    replace_entry(repo.path(), &tree, &entry);
    assert_history_is_dropped_with_a_note(repo.path(), "type 0", true, false);
    // A blob of a document in HEAD: `--rev HEAD` cannot read it.
    let blob = rev(repo.path(), "HEAD:content/runbooks/a.md");
    replace_entry(repo.path(), &blob, &entry);
    let built = opsbook(repo.path(), &["build", "--rev", "HEAD", "--output", "rev"]);
    assert_eq!(built.code, Some(2), "{built:?}");
    assert!(flat(&built.stderr).contains(&blob), "{built:?}");
    let _ = head;
}

#[test]
fn a_truncated_pack() {
    let repo = packed();
    let (pack, _) = pack_files(repo.path());
    let bytes = std::fs::read(&pack).unwrap();
    std::fs::write(&pack, &bytes[..bytes.len() * 6 / 10]).unwrap();
    let build = opsbook(repo.path(), &["build", "--today", "2026-12-01"]);
    assert_eq!(build.code, Some(0), "{build:?}");
    assert_one_note(&build, "note: pages show no git history: ", "");
    let changed = opsbook(repo.path(), &["lint", "--changed-since", "HEAD~3"]);
    assert_eq!(changed.code, Some(2), "{changed:?}");
}

#[test]
fn a_pack_entry_declaring_a_terabyte() {
    let repo = packed();
    let head = rev(repo.path(), "HEAD");
    let mut entry = entry_header(1, 1 << 40); // a commit of 1 TiB
    entry.extend(zlib(b"tree 0000000000000000000000000000000000000000\n"));
    replace_entry(repo.path(), &head, &entry);
    assert_history_is_dropped_with_a_note(repo.path(), "too large", false, false);
}

#[test]
fn a_pack_entry_declaring_less_than_the_allocation_limit_but_far_more_than_it_holds() {
    let repo = packed();
    let head = rev(repo.path(), "HEAD");
    let mut entry = entry_header(1, 200 << 20);
    entry.extend(zlib(b"tree 0000000000000000000000000000000000000000\n"));
    replace_entry(repo.path(), &head, &entry);
    assert_history_is_dropped_with_a_note(repo.path(), "does not match entry header", false, false);
}

#[test]
fn a_delta_declaring_a_terabyte_result() {
    let repo = packed();
    let head = rev(repo.path(), "HEAD");
    // A whole base object, then a delta on it (by offset) that claims to make 1 TiB.
    let base = b"a small base object";
    let mut entries = entry_header(3, base.len() as u64);
    entries.extend(zlib(base));
    let delta_at = entries.len();
    let instructions = delta(base.len() as u64, 1 << 40, b"tree x");
    entries.extend(entry_header(OFS_DELTA, instructions.len() as u64));
    entries.extend(offset_distance(delta_at as u64));
    entries.extend(zlib(&instructions));
    let base_at = replace_entry(repo.path(), &head, &entries);
    let (_, idx) = pack_files(repo.path());
    set_offset(&idx, &head, base_at + delta_at as u32);
    assert_history_is_dropped_with_a_note(repo.path(), "too large", false, false);
}

/// The distance of an offset delta to its base, as git writes it.
fn offset_distance(mut distance: u64) -> Vec<u8> {
    let mut out = vec![(distance & 0x7f) as u8];
    distance >>= 7;
    while distance > 0 {
        distance -= 1;
        out.insert(0, 0x80 | (distance & 0x7f) as u8);
        distance >>= 7;
    }
    out
}

#[test]
fn a_loose_object_declaring_a_terabyte() {
    let repo = repository();
    let head = rev(repo.path(), "HEAD");
    write_loose(repo.path(), &head, b"commit 1099511627776\0tree 0000");
    assert_history_is_dropped_with_a_note(repo.path(), "allocation limit", false, false);
}

#[test]
fn a_damaged_loose_object() {
    let repo = repository();
    let head = rev(repo.path(), "HEAD");
    let path = loose_path(repo.path(), &head);
    make_writable(&path);
    std::fs::write(&path, b"\x78\x9c this is not zlib data").unwrap();
    assert_history_is_dropped_with_a_note(repo.path(), "Could not decode zip stream", false, false);
}

#[test]
fn a_missing_tree() {
    let repo = repository();
    // The content folder of the first commit: the history needs it, `--rev HEAD` does not.
    let tree = rev(repo.path(), "HEAD~3:content/runbooks");
    std::fs::remove_file(loose_path(repo.path(), &tree)).unwrap();
    assert_history_is_dropped_with_a_note(repo.path(), &tree, true, false);
}

#[test]
fn a_commit_that_is_its_own_ancestor() {
    let repo = repository();
    let head = rev(repo.path(), "HEAD");
    let root = rev(repo.path(), "HEAD~3");
    // The first commit claims the last as its parent (its stored id no longer matches).
    let text = git(repo.path(), &["cat-file", "commit", &root]);
    let forged = text.replacen('\n', &format!("\nparent {head}\n"), 1);
    write_loose(
        repo.path(),
        &root,
        format!("commit {}\0{forged}", forged.len()).as_bytes(),
    );
    assert_history_is_dropped_with_a_note(repo.path(), "a commit is its own ancestor", true, true);
}

#[test]
fn a_tree_that_contains_itself() {
    let repo = repository();
    let tree = rev(repo.path(), "HEAD:content/runbooks");
    // The folder holds itself, as `loop`, besides its files.
    let mut raw = Vec::new();
    for name in ["a.md", "b.md", "c.md"] {
        let blob = rev(repo.path(), &format!("HEAD:content/runbooks/{name}"));
        raw.extend(format!("100644 {name}\0").as_bytes());
        raw.extend(hex(&blob));
    }
    raw.extend(b"40000 loop\0");
    raw.extend(hex(&tree));
    let mut object = format!("tree {}\0", raw.len()).into_bytes();
    object.extend(raw);
    write_loose(repo.path(), &tree, &object);
    let build = opsbook(repo.path(), &["build", "--today", "2026-12-01"]);
    assert_eq!(build.code, Some(0), "{build:?}");
    assert_one_note(
        &build,
        "note: pages show no git history: ",
        "contains itself",
    );
    let built = opsbook(repo.path(), &["build", "--rev", "HEAD", "--output", "rev"]);
    assert_eq!(built.code, Some(2), "{built:?}");
    assert!(flat(&built.stderr).contains("contains itself"), "{built:?}");
}

#[test]
fn bad_references() {
    let repo = repository();
    let main = repo.path().join(".git/refs/heads/main");
    // A branch that holds no object id.
    std::fs::write(&main, "this is not an object id\n").unwrap();
    let build = opsbook(repo.path(), &["build", "--today", "2026-12-01"]);
    assert_eq!(build.code, Some(0), "{build:?}");
    assert_one_note(&build, "note: pages show no git history: ", "HEAD");
    let changed = opsbook(repo.path(), &["lint", "--changed-since", "HEAD~1"]);
    assert_eq!(changed.code, Some(2), "{changed:?}");
    // A branch that names an object that does not exist.
    std::fs::write(&main, "0123456789abcdef0123456789abcdef01234567\n").unwrap();
    let build = opsbook(repo.path(), &["build", "--today", "2026-12-01"]);
    assert_eq!(build.code, Some(0), "{build:?}");
    assert_one_note(
        &build,
        "note: pages show no git history: ",
        "0123456789abcdef",
    );
    let built = opsbook(repo.path(), &["build", "--rev", "HEAD", "--output", "rev"]);
    assert_eq!(built.code, Some(2), "{built:?}");
    // HEAD pointing at a branch that does not exist: a repository without commits.
    std::fs::write(repo.path().join(".git/HEAD"), "ref: refs/heads/nowhere\n").unwrap();
    let build = opsbook(repo.path(), &["build", "--today", "2026-12-01"]);
    assert_eq!(build.code, Some(0), "{build:?}");
    assert_one_note(&build, "note: pages show no git history: ", "no commits");
    // HEAD that is neither.
    std::fs::write(repo.path().join(".git/HEAD"), "\u{1}\u{2} garbage").unwrap();
    let build = opsbook(repo.path(), &["build", "--today", "2026-12-01"]);
    assert_eq!(build.code, Some(0), "{build:?}");
    assert_one_note(&build, "note: pages show no git history: ", "");
}

#[test]
fn a_git_file_pointing_nowhere() {
    let repo = repository();
    std::fs::remove_dir_all(repo.path().join(".git")).unwrap();
    std::fs::write(
        repo.path().join(".git"),
        "gitdir: /nonexistent/repository\n",
    )
    .unwrap();
    let build = opsbook(repo.path(), &["build", "--today", "2026-12-01"]);
    assert_eq!(build.code, Some(0), "{build:?}");
    assert_one_note(&build, "note: pages show no git history: ", "");
    let changed = opsbook(repo.path(), &["lint", "--changed-since", "HEAD~1"]);
    assert_eq!(changed.code, Some(2), "{changed:?}");
}

#[test]
fn a_damaged_shallow_file() {
    let repo = repository();
    std::fs::write(repo.path().join(".git/shallow"), "not a commit id\n").unwrap();
    let build = opsbook(repo.path(), &["build", "--today", "2026-12-01"]);
    assert_eq!(build.code, Some(0), "{build:?}");
    assert_one_note(&build, "note: pages show no git history: ", "shallow");
    // Found by tests/git_mutations.rs: gix panicked walking to `HEAD~1` with this file.
    for shallow in ["\0", "not a commit id\n"] {
        std::fs::write(repo.path().join(".git/shallow"), shallow).unwrap();
        let changed = opsbook(repo.path(), &["lint", "--changed-since", "HEAD~1"]);
        assert_eq!(changed.code, Some(2), "{changed:?}");
        assert!(
            flat(&changed.stderr).contains("shallow commits"),
            "{changed:?}"
        );
        let built = opsbook(
            repo.path(),
            &["build", "--rev", "HEAD~1", "--output", "rev"],
        );
        assert_eq!(built.code, Some(2), "{built:?}");
    }
}

#[test]
fn a_damaged_index_stops_changed_since_only() {
    let repo = repository();
    std::fs::write(
        repo.path().join(".git/index"),
        "DIRC garbage that is not an index",
    )
    .unwrap();
    let changed = opsbook(repo.path(), &["lint", "--changed-since", "HEAD~1"]);
    assert_eq!(changed.code, Some(2), "{changed:?}");
    assert!(changed.stderr.contains("git failed"), "{changed:?}");
    let build = opsbook(repo.path(), &["build", "--today", "2026-12-01"]);
    assert_eq!(build.code, Some(0), "{build:?}");
    assert!(
        !build.stderr.contains("note:"),
        "the history does not need the index: {build:?}"
    );
}

#[test]
fn no_repository_at_all_is_a_note_for_build_and_exit_2_for_git_options() {
    let dir = repository();
    std::fs::remove_dir_all(dir.path().join(".git")).unwrap();
    let build = opsbook(dir.path(), &["build", "--today", "2026-12-01"]);
    assert_eq!(build.code, Some(0), "{build:?}");
    assert_one_note(
        &build,
        "note: pages show no git history: ",
        "is not in a git repository",
    );
    let built = opsbook(dir.path(), &["build", "--rev", "HEAD"]);
    assert_eq!(built.code, Some(2), "{built:?}");
    assert!(
        built.stderr.contains("--rev needs a git repository"),
        "{built:?}"
    );
    let changed = opsbook(dir.path(), &["lint", "--changed-since", "HEAD"]);
    assert_eq!(changed.code, Some(2), "{changed:?}");
    assert!(
        changed.stderr.contains("needs a git repository"),
        "{changed:?}"
    );
}
