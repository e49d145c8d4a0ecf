//! The history walk against a reference computed with libgit2's own tree diff, on a
//! generated repository: merges (clean, with conflict resolutions, with changes of their own,
//! one octopus), renames, deletions, nested folders, names that sort around a folder, mode
//! changes, a symlink, a file replaced by a folder, a submodule, the content folder removed
//! and restored, commit dates out of order, and authors unified by `.mailmap`. The objects are
//! read loose, from a pack libgit2 writes (deltas by id) and, when git is installed, from packs
//! `git repack` writes (deltas by offset, short and long chains); on one thread and on several,
//! so that runs of the walk start and end everywhere. Then the unusual cases: objects half
//! loose and half packed, 64-bit pack offsets, an index of version 1, shallow clones, and
//! damaged repositories (a missing tree, damaged bytes anywhere in a pack, a pack cut short,
//! another pack's index), where the walk must give the right history or an error.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use git2::{Commit, FileMode, Index, IndexEntry, IndexTime, Oid, Repository, Signature, Sort};

use super::GitRepo;

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// Path -> (blob or commit id, mode).
type State = BTreeMap<String, (Oid, u32)>;

const AUTHORS: &[(&str, &str)] = &[
    ("Alice Doe", "alice@example.com"),
    ("alice", "alice@old.example"),
    ("Bob", "bob@example.com"),
    ("Carol", "carol@example.com"),
    ("Dave", "dave@example.com"),
    ("Grace K.", "grace@example.com"),
];
const MAILMAP: &str =
    "Alice Doe <alice@example.com> alice <alice@old.example>\nGrace Kim <grace@example.com>\n";

struct Builder<'r> {
    repo: &'r Repository,
    rng: Rng,
    time: i64,
    counter: usize,
    submodule: Oid,
}

impl Builder<'_> {
    fn blob(&mut self, path: &str) -> Oid {
        self.counter += 1;
        self.repo
            .blob(format!("{path} version {}\n", self.counter).as_bytes())
            .unwrap()
    }

    fn commit(&mut self, state: &State, parents: &[Oid], message: &str) -> Oid {
        let mut index = Index::new().unwrap();
        for (path, (id, mode)) in state {
            index
                .add(&IndexEntry {
                    ctime: IndexTime::new(0, 0),
                    mtime: IndexTime::new(0, 0),
                    dev: 0,
                    ino: 0,
                    mode: *mode,
                    uid: 0,
                    gid: 0,
                    file_size: 0,
                    id: *id,
                    flags: path.len().min(0xfff) as u16,
                    flags_extended: 0,
                    path: path.as_bytes().to_vec(),
                })
                .unwrap();
        }
        let tree = self
            .repo
            .find_tree(index.write_tree_to(self.repo).unwrap())
            .unwrap();
        // Now and then a commit dated before its parent, as clocks skew.
        self.time += if self.rng.chance(0.03) { -7_200 } else { 3_600 };
        let (name, email) = AUTHORS[self.rng.below(AUTHORS.len())];
        let sig = Signature::new(name, email, &git2::Time::new(self.time, 0)).unwrap();
        let parents: Vec<Commit> = parents
            .iter()
            .map(|p| self.repo.find_commit(*p).unwrap())
            .collect();
        let parents: Vec<&Commit> = parents.iter().collect();
        self.repo
            .commit(None, &sig, &sig, message, &tree, &parents)
            .unwrap()
    }

    /// One random change to `state`.
    fn change(&mut self, state: &mut State) {
        if state.contains_key("content") {
            // The content folder is gone (a file has its name): change something else.
            let id = self.blob("README.md");
            state.insert("README.md".into(), (id, 0o100644));
            return;
        }
        let content: Vec<String> = state
            .keys()
            .filter(|p| p.starts_with("content/") && state[*p].1 == 0o100644)
            .cloned()
            .collect();
        let roll = self.rng.below(100);
        match roll {
            0..40 if !content.is_empty() => {
                for _ in 0..1 + self.rng.below(3) {
                    let path = content[self.rng.below(content.len())].clone();
                    let id = self.blob(&path);
                    state.insert(path, (id, 0o100644));
                }
            }
            40..60 => {
                let folder = [
                    "content/runbooks",
                    "content/postmortems",
                    "content/x/deep",
                    "content",
                ][self.rng.below(4)];
                let path = format!("{folder}/doc-{}.md", self.counter);
                let id = self.blob(&path);
                state.insert(path, (id, 0o100644));
            }
            60..66 if content.len() > 5 => {
                let path = &content[self.rng.below(content.len())];
                state.remove(path);
            }
            66..72 if content.len() > 5 => {
                // A rename: the same blob under a new name.
                let path = content[self.rng.below(content.len())].clone();
                let entry = state.remove(&path).unwrap();
                state.insert(
                    format!(
                        "{}-renamed-{}.md",
                        path.trim_end_matches(".md"),
                        self.counter
                    ),
                    entry,
                );
                self.counter += 1;
            }
            72..76 => {
                let path = format!("content/scripts/s{}.sh", self.rng.below(3));
                let mode = match state.get(&path) {
                    Some((_, 0o100755)) => 0o100644,
                    _ => 0o100755,
                };
                let id = match state.get(&path) {
                    Some((id, _)) if self.rng.chance(0.5) => *id,
                    _ => self.blob(&path),
                };
                state.insert(path, (id, mode));
            }
            76..78 => {
                let id = self.blob("link");
                state.insert("content/link".into(), (id, 0o120000));
            }
            78..80 => {
                // A file and a folder of the same name, in turn.
                if state.remove("content/tf").is_some() {
                    let id = self.blob("tf/inner");
                    state.insert("content/tf/inner.md".into(), (id, 0o100644));
                } else {
                    state.retain(|p, _| !p.starts_with("content/tf/"));
                    let id = self.blob("tf");
                    state.insert("content/tf".into(), (id, 0o100644));
                }
            }
            80..82 => {
                if state.remove("content/sub").is_none() {
                    state.insert("content/sub".into(), (self.submodule, 0o160000));
                }
            }
            82..84 => {
                let id = self.blob(".mailmap");
                state.insert(".mailmap".into(), (id, 0o100644));
            }
            _ => {
                let path =
                    ["src/main.rs", "README.md", "contentious.md", "content.md"][self.rng.below(4)];
                let id = self.blob(path);
                state.insert(path.into(), (id, 0o100644));
            }
        }
    }
}

/// A repository with a few hundred commits on `main`; returns its folder and the commits.
fn generate(dir: &Path, seed: u64) -> (Repository, Vec<Oid>) {
    let repo = Repository::init(dir).unwrap();
    std::fs::write(dir.join(".mailmap"), MAILMAP).unwrap();
    let mut b = Builder {
        repo: &repo,
        rng: Rng(seed),
        time: 1_767_225_600,
        counter: 0,
        submodule: Oid::zero(),
    };
    let mut state = State::new();
    for path in [
        "content/x.md",
        "content/x-y.md",
        "content/x/y.md",
        "content/x/deep/z.md",
        "content/x0.md",
        "content/runbooks/a.md",
        "content/postmortems/2026-01-01-\u{fc}ber.md",
        "src/main.rs",
    ] {
        let id = b.blob(path);
        state.insert(path.into(), (id, 0o100644));
    }
    let first = b.commit(&state, &[], "Initial commit");
    b.submodule = first;
    let mut all = vec![first];
    let mut tip = first;
    let mut removed: Option<State> = None;
    let mut octopus_done = false;
    while all.len() < 320 {
        let roll = b.rng.below(100);
        if roll < 8 {
            // One or two branches from here, some commits on main meanwhile, then a merge.
            let branches = if !octopus_done && all.len() > 150 {
                2
            } else {
                1
            };
            octopus_done |= branches == 2;
            let fork = state.clone();
            let mut sides = Vec::new();
            for _ in 0..branches {
                let mut side_state = fork.clone();
                let mut side_tip = tip;
                for _ in 0..1 + b.rng.below(3) {
                    b.change(&mut side_state);
                    side_tip = b.commit(&side_state, &[side_tip], "Side change");
                    all.push(side_tip);
                }
                sides.push((side_state, side_tip));
            }
            for _ in 0..b.rng.below(3) {
                b.change(&mut state);
                tip = b.commit(&state, &[tip], "Main change meanwhile");
                all.push(tip);
            }
            // The merge takes each side's changes; where main changed the same path, the
            // side wins, and now and then the merge writes a version of its own.
            let mut merged = state.clone();
            for (side_state, _) in &sides {
                for path in fork.keys().chain(side_state.keys()) {
                    if fork.get(path) != side_state.get(path) {
                        match side_state.get(path) {
                            Some(entry) => merged.insert(path.clone(), *entry),
                            None => merged.remove(path),
                        };
                    }
                }
            }
            let files: Vec<String> = merged
                .keys()
                .filter(|p| p.ends_with(".md"))
                .cloned()
                .collect();
            if b.rng.chance(0.3) && !files.is_empty() {
                let path = files[b.rng.below(files.len())].clone();
                let id = b.blob(&path);
                merged.insert(path, (id, 0o100644));
            }
            // Folders and files of the same name cannot both be in a tree.
            let names: Vec<String> = merged.keys().cloned().collect();
            for name in &names {
                if names
                    .iter()
                    .any(|other| other.starts_with(&format!("{name}/")))
                {
                    merged.remove(name);
                }
            }
            let mut parents = vec![tip];
            parents.extend(sides.iter().map(|(_, t)| *t));
            state = merged;
            tip = b.commit(&state, &parents, "Merge branch");
            all.push(tip);
        } else if roll < 10 && removed.is_none() {
            // The content folder goes away for a while, and a file takes its name.
            let saved = state.clone();
            state.retain(|p, _| !p.starts_with("content/"));
            let id = b.blob("content");
            state.insert("content".into(), (id, 0o100644));
            tip = b.commit(&state, &[tip], "Remove the content folder");
            all.push(tip);
            removed = Some(saved);
        } else if roll < 30
            && let Some(saved) = removed.take()
        {
            state = saved;
            tip = b.commit(&state, &[tip], "Bring the content folder back");
            all.push(tip);
        } else {
            b.change(&mut state);
            tip = b.commit(
                &state,
                &[tip],
                &format!("Change {}\n\nWith a body.", all.len()),
            );
            all.push(tip);
        }
    }
    repo.reference("refs/heads/main", tip, true, "tip").unwrap();
    repo.set_head("refs/heads/main").unwrap();
    (repo, all)
}

/// For each file: the last commit that changed it, how many did, and who (most first).
type Expected = BTreeMap<String, (Oid, usize, Vec<String>)>;

fn content_tree<'r>(
    repo: &'r Repository,
    commit: &Commit<'r>,
    prefix: &str,
) -> Option<git2::Tree<'r>> {
    let root = commit.tree().unwrap();
    if prefix.is_empty() {
        return Some(root);
    }
    let entry = root.get_path(Path::new(prefix)).ok()?;
    (entry.kind() == Some(git2::ObjectType::Tree)).then(|| repo.find_tree(entry.id()).unwrap())
}

/// Paths that differ between two trees, by libgit2's diff, submodules left out.
fn diff(repo: &Repository, a: Option<&git2::Tree>, b: Option<&git2::Tree>) -> BTreeSet<String> {
    let diff = repo.diff_tree_to_tree(a, b, None).unwrap();
    diff.deltas()
        .filter(|d| {
            d.old_file().mode() != FileMode::Commit && d.new_file().mode() != FileMode::Commit
        })
        .map(|d| {
            let path = d.new_file().path().or(d.old_file().path()).unwrap();
            path.to_string_lossy().into_owned()
        })
        .collect()
}

/// Author -> (commits, order of first appearance).
type Authors = HashMap<String, (usize, usize)>;

fn reference(repo: &Repository, prefix: &str, start: Oid) -> Expected {
    let mailmap = repo.mailmap().unwrap();
    let mut walk = repo.revwalk().unwrap();
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME).unwrap();
    walk.push(start).unwrap();
    // path -> (last, commits, author -> (commits, first seen))
    let mut files: BTreeMap<String, (Oid, usize, Authors)> = BTreeMap::new();
    for oid in walk {
        let commit = repo.find_commit(oid.unwrap()).unwrap();
        let tree = content_tree(repo, &commit, prefix);
        let mut changed: Option<BTreeSet<String>> = None;
        if commit.parent_count() == 0 {
            changed = Some(diff(repo, None, tree.as_ref()));
        }
        for parent in commit.parents() {
            let parent_tree = content_tree(repo, &parent, prefix);
            let paths = diff(repo, parent_tree.as_ref(), tree.as_ref());
            changed = Some(match changed {
                None => paths,
                Some(before) => before.intersection(&paths).cloned().collect(),
            });
        }
        let author =
            String::from_utf8_lossy(commit.author_with_mailmap(&mailmap).unwrap().name_bytes())
                .into_owned();
        for path in changed.unwrap_or_default() {
            let file = files
                .entry(path)
                .or_insert((commit.id(), 0, HashMap::new()));
            file.1 += 1;
            let seen = file.2.len();
            file.2.entry(author.clone()).or_insert((0, seen)).0 += 1;
        }
    }
    files
        .into_iter()
        .map(|(path, (last, commits, authors))| {
            let mut authors: Vec<_> = authors.into_iter().collect();
            authors.sort_by_key(|(_, (n, first))| (std::cmp::Reverse(*n), *first));
            (
                path,
                (last, commits, authors.into_iter().map(|(a, _)| a).collect()),
            )
        })
        .collect()
}

fn check(dir: &Path, repo: &Repository, start: Oid, what: &str) {
    for prefix in ["content", "content/x", ""] {
        let expected = reference(repo, prefix, start);
        let git = GitRepo::open(&dir.join(prefix)).unwrap().unwrap();
        assert_eq!(git.content_prefix(), prefix);
        for threads in [1, 3] {
            let history = git.history_on(start, threads).unwrap();
            let got: Expected = history
                .files
                .iter()
                .map(|(path, f)| {
                    (
                        path.clone(),
                        (
                            Oid::from_str(&f.commit).unwrap(),
                            f.commits,
                            f.contributors.clone(),
                        ),
                    )
                })
                .collect();
            assert_eq!(
                got.len(),
                expected.len(),
                "{what}, prefix {prefix:?}, {threads} threads"
            );
            for (path, want) in &expected {
                assert_eq!(
                    got.get(path),
                    Some(want),
                    "{path}: {what}, prefix {prefix:?}, {threads} threads"
                );
            }
            for file in history.files.values() {
                let commit = repo
                    .find_commit(Oid::from_str(&file.commit).unwrap())
                    .unwrap();
                assert_eq!(file.summary, commit.summary().unwrap_or(""));
                assert_eq!(file.updated.as_second(), commit.time().seconds());
                assert!(
                    file.commit.starts_with(&file.short_commit) && file.short_commit.len() >= 7
                );
            }
        }
    }
}

fn git(dir: &Path, args: &[&str]) -> bool {
    std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

fn remove_loose_objects(dir: &Path) {
    for entry in std::fs::read_dir(dir.join(".git/objects")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.len() == 2 {
            std::fs::remove_dir_all(entry.path()).unwrap();
        }
    }
}

#[test]
fn the_walk_agrees_with_libgit2_diffs_loose_and_packed() {
    let dir = tempfile::tempdir().unwrap();
    let (repo, commits) = generate(dir.path(), 7);
    let head = repo.head().unwrap().peel_to_commit().unwrap().id();
    let merges = commits
        .iter()
        .filter(|c| repo.find_commit(**c).unwrap().parent_count() > 1)
        .count();
    assert!(merges >= 10, "{merges} merges");

    check(dir.path(), &repo, head, "loose objects");
    check(
        dir.path(),
        &repo,
        commits[commits.len() / 2],
        "loose objects, from an older commit",
    );

    // A pack by libgit2 (deltas name their base by id), nothing loose.
    let mut builder = repo.packbuilder().unwrap();
    let mut walk = repo.revwalk().unwrap();
    walk.push(head).unwrap();
    builder.insert_walk(&mut walk).unwrap();
    builder
        .write(&dir.path().join(".git/objects/pack"), 0)
        .unwrap();
    drop(builder);
    remove_loose_objects(dir.path());
    let repo = Repository::open(dir.path()).unwrap();
    check_pack_reader(dir.path(), &repo, "libgit2's pack");
    check(dir.path(), &repo, head, "libgit2's pack");

    // Packs by git (deltas by offset), with short and long chains, if git is installed.
    for args in [
        &["repack", "-adf", "-q"][..],
        &["repack", "-adf", "-q", "--depth=2", "--window=50"],
        &["repack", "-adf", "-q", "--depth=1000", "--window=250"],
    ] {
        if !git(dir.path(), args) {
            eprintln!("git is not installed: packs by git not tested");
            return;
        }
        let repo = Repository::open(dir.path()).unwrap();
        check_pack_reader(dir.path(), &repo, &args.join(" "));
        check(dir.path(), &repo, head, &args.join(" "));
    }
}

/// Every object in the packs, read by the pack reader (with a cache too small to hold a chain
/// and with a large one) as libgit2 reads it: the walk falls back to libgit2 for an object
/// the reader cannot read, so the walk alone would not notice a reader that gives up.
fn check_pack_reader(dir: &Path, repo: &Repository, what: &str) {
    let packs = super::pack::Packs::open(&dir.join(".git/objects"));
    let odb = repo.odb().unwrap();
    let mut ids = Vec::new();
    odb.foreach(|id| {
        ids.push(*id);
        true
    })
    .unwrap();
    assert!(ids.len() > 1000, "{what}: {} objects", ids.len());
    for limit in [1 << 10, 64 << 20] {
        let mut reader = super::pack::Reader::new(&packs, limit);
        for id in &ids {
            let object = odb.read(*id).unwrap();
            let (kind, data) = reader
                .read(id.as_bytes())
                .unwrap_or_else(|| panic!("{what}: {id} not read from the packs"));
            let expected = match object.kind() {
                git2::ObjectType::Commit => super::pack::Kind::Commit,
                git2::ObjectType::Tree => super::pack::Kind::Tree,
                git2::ObjectType::Blob => super::pack::Kind::Blob,
                _ => super::pack::Kind::Tag,
            };
            assert_eq!(kind, expected, "{what}: {id}");
            assert!(&data[..] == object.data(), "{what}: {id}");
        }
    }
    assert!(
        super::pack::Reader::new(&packs, 1 << 20)
            .read(&[0xab; 20])
            .is_none()
    );
}

/// Runs git in `dir`, or says why not: `false` when git is not installed.
fn git_or_skip(dir: &Path, args: &[&str]) -> bool {
    match std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
    {
        Ok(out) => {
            assert!(
                out.status.success(),
                "git {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            true
        }
        Err(_) => {
            eprintln!("git is not installed: git {args:?} not tested");
            false
        }
    }
}

fn pack_files(dir: &Path, ext: &str) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(dir.join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    out.sort();
    out
}

/// Writes the index of every pack again with `git index-pack` and `args`.
fn reindex(dir: &Path, args: &[&str]) -> bool {
    for pack in pack_files(dir, "pack") {
        for ext in ["idx", "rev"] {
            let _ = std::fs::remove_file(pack.with_extension(ext));
        }
        let mut all = vec!["index-pack"];
        all.extend(args);
        all.push(pack.to_str().unwrap());
        if !git_or_skip(dir, &all) {
            return false;
        }
    }
    true
}

#[test]
fn loose_objects_beside_a_pack_64_bit_offsets_and_index_version_1() {
    let dir = tempfile::tempdir().unwrap();
    let (repo, commits) = generate(dir.path(), 11);
    let head = repo.head().unwrap().peel_to_commit().unwrap().id();
    // The older half in a pack, the newer half loose.
    let mid = commits[commits.len() / 2].to_string();
    let packed = std::process::Command::new("git")
        .arg("-C")
        .arg(dir.path())
        .args(["pack-objects", "--revs", "-q", ".git/objects/pack/pack"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .map(|mut child| {
            use std::io::Write;
            writeln!(child.stdin.take().unwrap(), "{mid}").unwrap();
            assert!(child.wait().unwrap().success());
        });
    if packed.is_err() || !git_or_skip(dir.path(), &["prune-packed"]) {
        eprintln!("git is not installed: packs by git not tested");
        return;
    }
    let repo = Repository::open(dir.path()).unwrap();
    check(dir.path(), &repo, head, "half packed, half loose");

    // Every offset but the first in the table of 64-bit offsets, as in packs over 2 GiB.
    assert!(git_or_skip(dir.path(), &["repack", "-adf", "-q"]));
    // Blobs no commit kept are still loose.
    remove_loose_objects(dir.path());
    let small_index = std::fs::metadata(&pack_files(dir.path(), "idx")[0])
        .unwrap()
        .len();
    assert!(reindex(dir.path(), &["--index-version=2,12"]));
    let large_index = std::fs::metadata(&pack_files(dir.path(), "idx")[0])
        .unwrap()
        .len();
    assert!(
        large_index > small_index + 8 * 1000,
        "{small_index} {large_index}"
    );
    let repo = Repository::open(dir.path()).unwrap();
    check_pack_reader(dir.path(), &repo, "64-bit offsets");
    check(dir.path(), &repo, head, "64-bit offsets");

    // An index of version 1 is not read by the pack reader: libgit2 reads every object.
    assert!(reindex(dir.path(), &["--index-version=1"]));
    let packs = super::pack::Packs::open(&dir.path().join(".git/objects"));
    let some = repo.head().unwrap().peel_to_tree().unwrap().id();
    assert!(
        super::pack::Reader::new(&packs, 1 << 20)
            .read(some.as_bytes())
            .is_none()
    );
    let repo = Repository::open(dir.path()).unwrap();
    check(dir.path(), &repo, head, "index version 1");
}

#[test]
fn shallow_clones_agree_with_libgit2() {
    let dir = tempfile::tempdir().unwrap();
    let origin = dir.path().join("origin");
    let (repo, _) = generate(&origin, 13);
    drop(repo);
    let url = format!("file://{}", origin.display());
    let clone = dir.path().join("clone");
    for depth in ["1", "40"] {
        let _ = std::fs::remove_dir_all(&clone);
        let args = [
            "clone",
            "-q",
            "--depth",
            depth,
            "--branch",
            "main",
            url.as_str(),
            clone.to_str().unwrap(),
        ];
        if !git_or_skip(dir.path(), &args) {
            return;
        }
        let repo = Repository::open(&clone).unwrap();
        assert!(repo.is_shallow());
        let head = repo.head().unwrap().peel_to_commit().unwrap().id();
        check(
            &clone,
            &repo,
            head,
            &format!("shallow clone, depth {depth}"),
        );
        let git = GitRepo::open(&clone.join("content")).unwrap().unwrap();
        let history = git.history(head).unwrap();
        assert!(history.shallow);
        let expected = if depth == "1" { 1 } else { 40 };
        assert!(
            history.commits_walked >= expected && history.commits_walked < 320,
            "depth {depth}: {} commits",
            history.commits_walked
        );
    }
}

/// A copy of the repository in `from`, made by git itself (`cp -a` keeps the objects as
/// they are).
fn copy_repo(from: &Path, to: &Path) {
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn damaged_repositories_give_an_error_or_the_right_history_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good");
    let (repo, commits) = generate(&good, 17);
    let head = repo.head().unwrap().peel_to_commit().unwrap().id();
    let expected = reference(&repo, "content", head);
    let walk = |path: &Path| {
        let git = GitRepo::open(&path.join("content")).unwrap().unwrap();
        git.history_on(head, 3)
    };
    let agrees = |history: &super::History| {
        history.files.len() == expected.len()
            && expected.iter().all(|(path, (last, commits, authors))| {
                history.files.get(path).is_some_and(|f| {
                    f.commit == last.to_string()
                        && f.commits == *commits
                        && &f.contributors == authors
                })
            })
    };

    // A tree object missing (loose): an error that names it.
    let missing = dir.path().join("missing");
    copy_repo(&good, &missing);
    let victim = repo.find_commit(commits[commits.len() / 3]).unwrap();
    let tree = content_tree(&repo, &victim, "content").unwrap().id();
    let hex = tree.to_string();
    std::fs::remove_file(missing.join(".git/objects").join(&hex[..2]).join(&hex[2..])).unwrap();
    let err = walk(&missing).unwrap_err().to_string();
    assert!(err.contains(&hex), "{err}");

    if !git_or_skip(&good, &["repack", "-adf", "-q", "--depth=50"]) {
        return;
    }
    let repo = Repository::open(&good).unwrap();
    assert!(agrees(&walk(&good).unwrap()));
    let pack = pack_files(&good, "pack").remove(0);
    let bytes = std::fs::read(&pack).unwrap();
    let odb = repo.odb().unwrap();
    let mut ids = Vec::new();
    odb.foreach(|id| {
        ids.push(*id);
        true
    })
    .unwrap();

    // One byte damaged at each of many places in the pack: the walk gives the right history
    // or an error, and the pack reader never gives bytes other than the object's.
    let damaged = dir.path().join("damaged");
    let damaged_pack = damaged.join(pack.strip_prefix(&good).unwrap());
    copy_repo(&good, &damaged);
    let (mut errors, mut right) = (0, 0);
    for n in 0..24 {
        let at = 12 + (bytes.len() - 32) * n / 24 + n;
        let mut copy = bytes.clone();
        copy[at] ^= 0x5a;
        std::fs::write(&damaged_pack, &copy).unwrap();
        match walk(&damaged) {
            Ok(history) => {
                assert!(agrees(&history), "byte {at}: a wrong history");
                right += 1;
            }
            Err(err) => {
                assert!(!err.to_string().is_empty());
                errors += 1;
            }
        }
        let packs = super::pack::Packs::open(&damaged.join(".git/objects"));
        let mut reader = super::pack::Reader::new(&packs, 1 << 20);
        for id in &ids {
            if let Some((_, data)) = reader.read(id.as_bytes()) {
                assert!(
                    &data[..] == odb.read(*id).unwrap().data(),
                    "byte {at}: {id}"
                );
            }
        }
    }
    eprintln!("damaged packs: {right} right histories, {errors} errors");

    // The pack cut short: not read by the reader; libgit2 cannot read it either.
    std::fs::write(&damaged_pack, &bytes[..bytes.len() / 2]).unwrap();
    let err = walk(&damaged).unwrap_err().to_string();
    assert!(!err.is_empty());
    // Another pack's index beside the pack: not read by the reader.
    std::fs::write(&damaged_pack, &bytes).unwrap();
    assert!(agrees(&walk(&damaged).unwrap()));
    let other = dir.path().join("other");
    copy_repo(&good, &other);
    assert!(git_or_skip(&other, &["repack", "-adf", "-q", "--depth=3"]));
    let other_idx = pack_files(&other, "idx").remove(0);
    std::fs::copy(&other_idx, damaged_pack.with_extension("idx")).unwrap();
    let packs = super::pack::Packs::open(&damaged.join(".git/objects"));
    assert!(
        super::pack::Reader::new(&packs, 1 << 20)
            .read(head.as_bytes())
            .is_none()
    );
}
