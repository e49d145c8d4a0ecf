//! Fuzz target: the git layer (history walk, `--rev` files, `--changed-since`) on a small
//! repository damaged as the input says. The input is a list of 8-byte operations, each naming
//! a file of the repository (pack, index, a loose object, a reference, the shallow file, the
//! config) and a damage (flip or set a byte, cut the file, overwrite a pack entry's header or
//! an index offset, append garbage), so that the fuzzer learns the structure of the files it
//! damages. Every result is fine except a panic (even one the walk catches: the panic hook
//! aborts), a hang or an allocation beyond AFL's memory limit.
//!
//! ```text
//! fuzz/run.sh git_history 1800
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use opsbook::git::GitRepo;

fn git(dir: &Path, args: &[&str], date: Option<i64>) {
    let mut command = Command::new("git");
    command
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .args(["-c", "user.name=Fuzz", "-c", "user.email=fuzz@example.com"])
        .args(["-c", "init.defaultBranch=main"])
        .args(args);
    if let Some(date) = date {
        let date = format!("{date} +0000");
        command
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date);
    }
    let status = command.status().expect("git is installed");
    assert!(status.success(), "git {args:?}");
}

/// A fresh folder of this process under the temporary folder (no crate needed: the fuzz
/// package depends on afl and opsbook only).
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("opsbook-fuzz-git-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

/// A repository with a merge, its older objects packed and its newer ones loose.
fn template() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = scratch("template");
        git(&dir, &["init", "--quiet"], None);
        let write = |name: &str, text: &str| {
            let path = dir.join("content/runbooks").join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        let t0 = 1_767_225_600;
        for n in 0..4i64 {
            write("a.md", &format!("---\ntitle: a\n---\nstep {n}\n"));
            write(&format!("n{}.md", n % 2), &format!("version {n}\n"));
            git(&dir, &["add", "--all"], None);
            git(&dir, &["commit", "--quiet", "-m", "change"], Some(t0 + n * 86_400));
        }
        git(&dir, &["checkout", "--quiet", "-b", "side", "HEAD~2"], None);
        write("side.md", "from the side\n");
        git(&dir, &["add", "--all"], None);
        git(&dir, &["commit", "--quiet", "-m", "side"], Some(t0 + 5 * 86_400));
        git(&dir, &["checkout", "--quiet", "main"], None);
        git(&dir, &["merge", "--quiet", "--no-ff", "-m", "merge", "side"], Some(t0 + 6 * 86_400));
        git(&dir, &["repack", "-adf", "--quiet"], None);
        git(&dir, &["prune", "--expire=now"], None);
        write("a.md", "---\ntitle: a\n---\nlast\n");
        git(&dir, &["add", "--all"], None);
        git(&dir, &["commit", "--quiet", "-m", "loose"], Some(t0 + 7 * 86_400));
        dir
    })
}

/// Every file of the template's `.git`, relative, sorted, with its bytes.
fn template_files() -> &'static Vec<(PathBuf, Vec<u8>)> {
    static FILES: OnceLock<Vec<(PathBuf, Vec<u8>)>> = OnceLock::new();
    FILES.get_or_init(|| {
        let mut files = Vec::new();
        let mut folders = vec![template().to_path_buf()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).unwrap() {
                let entry = entry.unwrap();
                let path = entry.path();
                if entry.file_type().unwrap().is_dir() {
                    folders.push(path);
                } else {
                    let rel = path.strip_prefix(template()).unwrap().to_path_buf();
                    files.push((rel, std::fs::read(&path).unwrap()));
                }
            }
        }
        files.sort();
        files
    })
}

/// The file an operation damages.
fn target(files: &[(PathBuf, Vec<u8>)], which: u8, n: u8) -> Option<usize> {
    let find = |f: &dyn Fn(&Path) -> bool| files.iter().position(|(p, _)| f(p));
    let has_ext = |p: &Path, e: &str| p.extension().is_some_and(|x| x == e);
    match which % 8 {
        0 | 1 => find(&|p| has_ext(p, "pack")),
        2 => find(&|p| has_ext(p, "idx")),
        3 | 4 => {
            let loose: Vec<usize> = files
                .iter()
                .enumerate()
                .filter(|(_, (p, _))| {
                    p.starts_with(".git/objects")
                        && p.parent().and_then(|d| d.file_name()).is_some_and(|d| d.len() == 2)
                })
                .map(|(i, _)| i)
                .collect();
            loose.get(n as usize % loose.len().max(1)).copied()
        }
        5 => find(&|p| p == Path::new(".git/refs/heads/main") || p == Path::new(".git/HEAD")),
        6 => find(&|p| p == Path::new(".git/config")),
        _ => find(&|p| p.ends_with("packed-refs") || p.ends_with("ORIG_HEAD")),
    }
}

/// The offsets of the pack's entries, from a version 2 index.
fn entry_offsets(idx: &[u8]) -> Vec<usize> {
    let word = |at: usize| -> Option<usize> {
        Some(u32::from_be_bytes(idx.get(at..at + 4)?.try_into().ok()?) as usize)
    };
    let Some(count) = word(8 + 255 * 4) else {
        return Vec::new();
    };
    let table = 8 + 256 * 4 + count.saturating_mul(24);
    (0..count.min(4096)).map_while(|n| word(table + n * 4)).collect()
}

/// Applies one 8-byte operation to the files.
fn damage(files: &mut [(PathBuf, Vec<u8>)], op: &[u8]) {
    let mut padded = [0u8; 8];
    padded[..op.len().min(8)].copy_from_slice(&op[..op.len().min(8)]);
    let [which, n, kind, a, b, c, d, value] = padded;
    let position = u32::from_le_bytes([a, b, c, d]) as usize;
    let Some(index) = target(files, which, n) else { return };
    let idx = files
        .iter()
        .find(|(p, _)| p.extension().is_some_and(|e| e == "idx"))
        .map(|(_, bytes)| entry_offsets(bytes))
        .unwrap_or_default();
    let bytes = &mut files[index].1;
    match kind % 6 {
        0 if !bytes.is_empty() => {
            let at = position % bytes.len();
            bytes[at] ^= value.max(1);
        }
        1 if !bytes.is_empty() => {
            let at = position % bytes.len();
            bytes[at] = value;
        }
        2 => bytes.truncate(position % (bytes.len() + 1)),
        3 if !idx.is_empty() && bytes.starts_with(b"PACK") => {
            // A pack entry's type and size bits.
            let at = idx[position % idx.len()] + (value as usize % 3);
            if let Some(byte) = bytes.get_mut(at) {
                *byte = n;
            }
        }
        4 if !idx.is_empty() && bytes.starts_with(b"\xfftOc") => {
            // An index offset.
            let at = 8 + 256 * 4 + idx.len() * 24 + (n as usize % idx.len()) * 4;
            if let Some(slot) = bytes.get_mut(at..at + 4) {
                slot.copy_from_slice(&(position as u32 & 0x7fff_ffff).to_be_bytes());
            }
        }
        _ => bytes.extend_from_slice(&padded[3..]),
    }
}

/// The folder the damaged repository is written to, made once before AFL++ forks, so every
/// child process reuses it.
fn work_dir() -> &'static Path {
    static WORK: OnceLock<PathBuf> = OnceLock::new();
    WORK.get_or_init(|| scratch("work"))
}

/// The repository to read this time: the template's files, damaged, written anew.
fn prepare(data: &[u8]) -> PathBuf {
    let work = work_dir();
    let _ = std::fs::remove_dir_all(work.join(".git"));
    let mut files = template_files().clone();
    for op in data.chunks(8).take(16) {
        damage(&mut files, op);
    }
    for (rel, bytes) in &files {
        let path = work.join(rel);
        let _ = std::fs::create_dir_all(path.parent().unwrap());
        let _ = std::fs::write(&path, bytes);
    }
    let _ = std::fs::create_dir_all(work.join("content/runbooks"));
    work.to_path_buf()
}

fn run(data: &[u8]) {
    let work = prepare(data);
    let content = work.join("content");
    let Ok(Some(repo)) = GitRepo::open(&content) else { return };
    if let Ok(Some(head)) = repo.head() {
        let _ = repo.history(head);
        let _ = repo.tree_files(
            head,
            "HEAD",
            1 << 20,
            opsbook::document::mapping::Mapping::default_ref(),
        );
    }
    let _ = repo.resolve("HEAD~2");
    let resolver = opsbook::document::links::Resolver::for_config(&Default::default());
    let _ = opsbook::git::changes::changed_documents(&content, "HEAD~2", &[], &resolver);
}

fn main() {
    // Only the repository made here counts, whatever holds the temporary folder.
    // SAFETY: no other thread runs yet.
    unsafe { std::env::set_var("GIT_CEILING_DIRECTORIES", std::env::temp_dir()) };
    // A panic is a finding even where the walk would catch it.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("{info}");
        std::process::abort();
    }));
    template_files();
    work_dir();
    afl::fuzz!(|data: &[u8]| run(data));
}
