//! The history walk against git itself, on a generated repository: merges (clean, with
//! conflict resolutions, with changes of their own, one octopus), renames, deletions, nested
//! folders, names that sort around a folder, mode changes, a symlink, a file replaced by a
//! folder, a submodule, the content folder removed and restored, commit dates out of order,
//! and authors unified by `.mailmap`. The reference takes git's `--date-order` and, for each
//! commit, `git diff-tree` against each parent; the walk must agree on every file's last
//! change, commit count and contributors, on one thread and on several, loose and packed, and
//! in a shallow clone.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use super::GitRepo;
use super::testing::{git, git_with};

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

/// Path -> (text, or a commit id for a submodule; mode).
type State = BTreeMap<String, (String, u32)>;

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
/// Any commit id serves as a submodule's: git does not look inside.
const SUBMODULE: &str = "0123456789abcdef0123456789abcdef01234567";

/// Writes a `git fast-import` stream of commits, each with the whole tree.
struct Builder {
    rng: Rng,
    time: i64,
    counter: usize,
    commits: usize,
    stream: String,
}

impl Builder {
    fn text(&mut self, path: &str) -> String {
        self.counter += 1;
        format!("{path} version {}\n", self.counter)
    }

    /// A commit of `state` with `parents` (marks); returns its mark.
    fn commit(&mut self, state: &State, parents: &[usize], message: &str) -> usize {
        use std::fmt::Write;
        self.commits += 1;
        let mark = self.commits;
        // Now and then a commit dated before its parent, as clocks skew.
        self.time += if self.rng.chance(0.03) { -7_200 } else { 3_600 };
        let (name, email) = AUTHORS[self.rng.below(AUTHORS.len())];
        let s = &mut self.stream;
        let _ = writeln!(s, "commit refs/heads/generated\nmark :{mark}");
        let _ = writeln!(s, "author {name} <{email}> {} +0000", self.time);
        let _ = writeln!(s, "committer {name} <{email}> {} +0000", self.time);
        let _ = writeln!(s, "data {}\n{message}", message.len());
        for (n, parent) in parents.iter().enumerate() {
            let _ = writeln!(s, "{} :{parent}", if n == 0 { "from" } else { "merge" });
        }
        s.push_str("deleteall\n");
        for (path, (text, mode)) in state {
            if *mode == 0o160000 {
                let _ = writeln!(s, "M 160000 {text} {path}");
            } else {
                let _ = writeln!(s, "M {mode:o} inline {path}\ndata {}\n{text}", text.len());
            }
        }
        s.push('\n');
        mark
    }

    /// One random change to `state`.
    fn change(&mut self, state: &mut State) {
        if state.contains_key("content") {
            // The content folder is gone (a file has its name): change something else.
            let text = self.text("README.md");
            state.insert("README.md".into(), (text, 0o100644));
            return;
        }
        let content: Vec<String> = state
            .keys()
            .filter(|p| p.starts_with("content/") && state[*p].1 == 0o100644)
            .cloned()
            .collect();
        match self.rng.below(100) {
            0..40 if !content.is_empty() => {
                for _ in 0..1 + self.rng.below(3) {
                    let path = content[self.rng.below(content.len())].clone();
                    let text = self.text(&path);
                    state.insert(path, (text, 0o100644));
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
                let text = self.text(&path);
                state.insert(path, (text, 0o100644));
            }
            60..66 if content.len() > 5 => {
                let path = &content[self.rng.below(content.len())];
                state.remove(path);
            }
            66..72 if content.len() > 5 => {
                // A rename: the same text under a new name.
                let path = content[self.rng.below(content.len())].clone();
                let entry = state.remove(&path).unwrap();
                let stem = path.trim_end_matches(".md");
                state.insert(format!("{stem}-renamed-{}.md", self.counter), entry);
                self.counter += 1;
            }
            72..76 => {
                let path = format!("content/scripts/s{}.sh", self.rng.below(3));
                let mode = match state.get(&path) {
                    Some((_, 0o100755)) => 0o100644,
                    _ => 0o100755,
                };
                let text = match state.get(&path) {
                    Some((text, _)) if self.rng.chance(0.5) => text.clone(),
                    _ => self.text(&path),
                };
                state.insert(path, (text, mode));
            }
            76..78 => {
                let text = self.text("link");
                state.insert("content/link".into(), (text, 0o120000));
            }
            78..80 => {
                // A file and a folder of the same name, in turn.
                if state.remove("content/tf").is_some() {
                    let text = self.text("tf/inner");
                    state.insert("content/tf/inner.md".into(), (text, 0o100644));
                } else {
                    state.retain(|p, _| !p.starts_with("content/tf/"));
                    let text = self.text("tf");
                    state.insert("content/tf".into(), (text, 0o100644));
                }
            }
            80..82 => {
                if state.remove("content/sub").is_none() {
                    state.insert("content/sub".into(), (SUBMODULE.into(), 0o160000));
                }
            }
            82..84 => {
                let text = self.text(".mailmap");
                state.insert(".mailmap".into(), (text, 0o100644));
            }
            _ => {
                let path =
                    ["src/main.rs", "README.md", "contentious.md", "content.md"][self.rng.below(4)];
                let text = self.text(path);
                state.insert(path.into(), (text, 0o100644));
            }
        }
    }

    /// A merge of `sides` (each a state and its tip) into `state`: each side's changes since
    /// `fork` win, and now and then the merge writes a version of its own.
    fn merge(&mut self, fork: &State, state: &State, sides: &[(State, usize)]) -> State {
        let mut merged = state.clone();
        for (side_state, _) in sides {
            for path in fork.keys().chain(side_state.keys()) {
                if fork.get(path) != side_state.get(path) {
                    match side_state.get(path) {
                        Some(entry) => merged.insert(path.clone(), entry.clone()),
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
        if self.rng.chance(0.3) && !files.is_empty() {
            let path = files[self.rng.below(files.len())].clone();
            let text = self.text(&path);
            merged.insert(path, (text, 0o100644));
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
        merged
    }
}

/// A repository of a few hundred commits on `main`, made by `git fast-import`.
fn generate(dir: &Path, seed: u64) {
    git(dir, &["init", "--quiet"]);
    std::fs::write(dir.join(".mailmap"), MAILMAP).unwrap();
    let mut b = Builder {
        rng: Rng(seed),
        time: 1_767_225_600,
        counter: 0,
        commits: 0,
        stream: String::new(),
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
        let text = b.text(path);
        state.insert(path.into(), (text, 0o100644));
    }
    let mut tip = b.commit(&state, &[], "Initial commit");
    let mut removed: Option<State> = None;
    let mut octopus_done = false;
    while b.commits < 320 {
        let roll = b.rng.below(100);
        if roll < 8 {
            // One or two branches from here, some commits on main meanwhile, then a merge.
            let branches = if !octopus_done && b.commits > 150 {
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
                }
                sides.push((side_state, side_tip));
            }
            for _ in 0..b.rng.below(3) {
                b.change(&mut state);
                tip = b.commit(&state, &[tip], "Main change meanwhile");
            }
            state = b.merge(&fork, &state, &sides);
            let mut parents = vec![tip];
            parents.extend(sides.iter().map(|(_, t)| *t));
            tip = b.commit(&state, &parents, "Merge branch");
        } else if roll < 10 && removed.is_none() {
            // The content folder goes away for a while, and a file takes its name.
            let saved = state.clone();
            state.retain(|p, _| !p.starts_with("content/"));
            let text = b.text("content");
            state.insert("content".into(), (text, 0o100644));
            tip = b.commit(&state, &[tip], "Remove the content folder");
            removed = Some(saved);
        } else if roll < 30
            && let Some(saved) = removed.take()
        {
            state = saved;
            tip = b.commit(&state, &[tip], "Bring the content folder back");
        } else {
            b.change(&mut state);
            let message = format!("Change {}\n\nWith a body.", b.commits);
            tip = b.commit(&state, &[tip], &message);
        }
    }
    b.stream
        .push_str(&format!("reset refs/heads/main\nfrom :{tip}\n\n"));
    git_with(
        dir,
        &["fast-import", "--quiet"],
        &[],
        Some(b.stream.as_bytes()),
    );
    git(dir, &["update-ref", "-d", "refs/heads/generated"]);
}

/// Author -> (commits, order of first appearance).
type Authors = HashMap<String, (usize, usize)>;

/// For each file: the last commit that changed it, how many did, and who (most first).
type Expected = BTreeMap<String, (String, usize, Vec<String>)>;

/// What git says changed between two commits (or in a root commit), as (path, counts) where a
/// path counts when one side is a file (not a folder, not a submodule).
fn diff_tree(dir: &Path, parent: Option<&str>, commit: &str) -> BTreeSet<String> {
    let mut args = vec![
        "diff-tree",
        "-r",
        "--raw",
        "--no-renames",
        "-z",
        "--no-commit-id",
    ];
    match parent {
        Some(parent) => args.extend([parent, commit]),
        None => args.extend(["--root", commit]),
    }
    let out = git(dir, &args);
    let fields: Vec<&str> = out.split('\0').collect();
    let mut paths = BTreeSet::new();
    for pair in fields.chunks(2) {
        let [meta, path] = pair else { continue };
        let modes: Vec<&str> = meta.trim_start_matches(':').split(' ').take(2).collect();
        if modes.iter().any(|m| *m != "160000" && *m != "000000") {
            paths.insert(path.to_string());
        }
    }
    paths
}

/// The walk as git computes it: `git rev-list --date-order`, and each commit's changes
/// against every parent (kept when in all of them), names after `.mailmap` by `%aN`.
fn reference(dir: &Path, prefix: &str, start: &str) -> Expected {
    let names: HashMap<String, String> = git(dir, &["log", "--format=%H %aN", start])
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(id, name)| (id.to_string(), name.to_string()))
        .collect();
    // path -> (last, commits, author -> (commits, first seen))
    let mut files: BTreeMap<String, (String, usize, Authors)> = BTreeMap::new();
    for line in git(dir, &["rev-list", "--date-order", "--parents", start]).lines() {
        let mut ids = line.split(' ');
        let commit = ids.next().unwrap();
        let parents: Vec<&str> = ids.collect();
        let mut changed = match parents.first() {
            None => diff_tree(dir, None, commit),
            Some(first) => diff_tree(dir, Some(first), commit),
        };
        for parent in parents.iter().skip(1) {
            let other = diff_tree(dir, Some(parent), commit);
            changed.retain(|p| other.contains(p));
        }
        let author = &names[commit];
        for path in changed {
            let rel = match prefix {
                "" => path.as_str(),
                _ => match path.strip_prefix(prefix).and_then(|p| p.strip_prefix('/')) {
                    Some(rel) => rel,
                    None => continue,
                },
            };
            let file =
                files
                    .entry(rel.to_string())
                    .or_insert((commit.to_string(), 0, HashMap::new()));
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
            let authors = authors.into_iter().map(|(a, _)| a).collect();
            (path, (last, commits, authors))
        })
        .collect()
}

/// The walk agrees with git from `start`, for three content folders, on 1 and 3 threads.
fn check(dir: &Path, start: &str, what: &str) {
    let start_id =
        super::ObjectId::from_hex(git(dir, &["rev-parse", start]).trim().as_bytes()).unwrap();
    for prefix in ["content", "content/x", ""] {
        let expected = reference(dir, prefix, start);
        let repo = GitRepo::open(&dir.join(prefix)).unwrap().unwrap();
        assert_eq!(repo.content_prefix(), prefix);
        for threads in [1, 3] {
            let history = repo.history_on(start_id, threads).unwrap();
            let got: Expected = history
                .files
                .iter()
                .map(|(path, f)| {
                    (
                        path.clone(),
                        (f.commit.clone(), f.commits, f.contributors.clone()),
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
                let facts = git(dir, &["show", "-s", "--format=%ct%n%s", &file.commit]);
                let (time, subject) = facts.trim_end().split_once('\n').unwrap();
                assert_eq!(file.updated.as_second().to_string(), time);
                assert_eq!(file.summary, subject);
                assert!(
                    file.commit.starts_with(&file.short_commit) && file.short_commit.len() >= 7
                );
            }
        }
    }
}

#[test]
fn the_walk_agrees_with_git_loose_packed_and_shallow() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 7);
    // fast-import writes one pack with deltas; `git repack` another kind; then loose objects.
    check(dir.path(), "main", "fast-import's pack");
    check(dir.path(), "main~25", "an older start");
    git(
        dir.path(),
        &["repack", "-adf", "--quiet", "--depth=50", "--window=250"],
    );
    check(dir.path(), "main", "git repack's pack");
    let clones = tempfile::tempdir().unwrap();
    let url = format!("file://{}", dir.path().display());
    git(
        clones.path(),
        &[
            "clone",
            "--quiet",
            "--no-checkout",
            "--depth",
            "40",
            &url,
            "shallow",
        ],
    );
    let shallow = clones.path().join("shallow");
    std::fs::write(shallow.join(".mailmap"), MAILMAP).unwrap();
    check(&shallow, "HEAD", "a shallow clone");
}

#[test]
fn loose_objects_give_the_same_walk() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 11);
    let packs = tempfile::tempdir().unwrap();
    // Move the pack away and unpack it into loose objects.
    let pack_dir = dir.path().join(".git/objects/pack");
    for entry in std::fs::read_dir(&pack_dir).unwrap() {
        let path = entry.unwrap().path();
        std::fs::rename(&path, packs.path().join(path.file_name().unwrap())).unwrap();
    }
    for entry in std::fs::read_dir(packs.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "pack") {
            let bytes = std::fs::read(&path).unwrap();
            git_with(dir.path(), &["unpack-objects", "-q"], &[], Some(&bytes));
        }
    }
    check(dir.path(), "main", "loose objects");
}
