//! Tree objects read from their raw bytes, and the paths that differ between two trees.
//!
//! A tree is a sorted list of entries `<octal mode> <name>\0<20-byte id>`. Two versions of a
//! folder of thousands of documents usually differ in one or two entries, so the comparison
//! skips the bytes the two have in common (a block compare) and only parses the entries
//! around a difference. Jumping over equal bytes needs to know where entries start in one of
//! the two trees: each tree keeps its entry offsets once known, and the offsets of the other
//! tree follow from them (shifted past a difference), so a tree's entries are parsed one by
//! one only when neither side of a comparison has offsets yet.

use std::cell::OnceCell;
use std::cmp::Ordering;
use std::rc::Rc;

use super::GitError;
use super::pack::Bytes;

/// A tree's bytes, and where its entries start once someone needed that.
pub(super) struct Tree {
    pub(super) data: Rc<Bytes>,
    starts: OnceCell<Vec<u32>>,
}

/// One entry of a tree.
#[derive(Debug, Clone, Copy)]
pub(super) struct Entry<'a> {
    /// The mode as written (`100644`, `40000`, ...).
    pub(super) mode: u32,
    pub(super) name: &'a [u8],
    pub(super) id: &'a [u8],
    /// Where the next entry starts.
    end: usize,
}

const TYPE_MASK: u32 = 0o170000;
const TREE: u32 = 0o040000;
const COMMIT: u32 = 0o160000;
const LINK: u32 = 0o120000;

impl Entry<'_> {
    pub(super) fn is_tree(&self) -> bool {
        self.mode & TYPE_MASK == TREE
    }

    fn is_submodule(&self) -> bool {
        self.mode & TYPE_MASK == COMMIT
    }

    /// The mode as libgit2 reports it (`git_tree_entry_filemode`).
    fn filemode(&self) -> u32 {
        match self.mode & TYPE_MASK {
            TREE => TREE,
            _ if self.mode & 0o100 != 0 => 0o100755,
            COMMIT => COMMIT,
            LINK => LINK,
            _ => 0o100644,
        }
    }
}

fn corrupt(what: &str) -> GitError {
    GitError::Git(format!("failed to parse tree: {what}"))
}

/// The entry that starts at `at`.
pub(super) fn entry(data: &[u8], at: usize) -> Result<Entry<'_>, GitError> {
    let mut i = at;
    let mut mode = 0u32;
    while let Some(&c) = data.get(i) {
        if c == b' ' {
            break;
        }
        if !(b'0'..=b'7').contains(&c) || mode > 0xffff {
            return Err(corrupt("can't parse filemode"));
        }
        mode = mode * 8 + u32::from(c - b'0');
        i += 1;
    }
    if i == at || mode > 0xffff || data.get(i) != Some(&b' ') {
        return Err(corrupt("can't parse filemode"));
    }
    i += 1;
    let name_len = memchr::memchr(0, &data[i..]).ok_or_else(|| corrupt("object is corrupted"))?;
    if name_len == 0 {
        return Err(corrupt("can't parse filename"));
    }
    let name = &data[i..i + name_len];
    let id_at = i + name_len + 1;
    let id = data
        .get(id_at..id_at + 20)
        .ok_or_else(|| corrupt("can't parse OID"))?;
    Ok(Entry {
        mode,
        name,
        id,
        end: id_at + 20,
    })
}

/// The entries of a tree, in order.
pub(super) fn entries(data: &[u8]) -> impl Iterator<Item = Result<Entry<'_>, GitError>> {
    let mut at = 0;
    std::iter::from_fn(move || {
        if at >= data.len() {
            return None;
        }
        let entry = entry(data, at);
        at = match &entry {
            Ok(e) => e.end,
            Err(_) => data.len(),
        };
        Some(entry)
    })
}

/// git's order of tree entries: by name bytes, a folder's name as if it ended in `/`.
fn git_order(a: &Entry, b: &Entry) -> Ordering {
    let n = a.name.len().min(b.name.len());
    a.name[..n].cmp(&b.name[..n]).then_with(|| {
        let end = |e: &Entry| {
            e.name
                .get(n)
                .copied()
                .unwrap_or(if e.is_tree() { b'/' } else { 0 })
        };
        end(a).cmp(&end(b))
    })
}

/// How many leading bytes `a` and `b` have in common.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 1024;
    const WORD: usize = 8;
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + BLOCK <= n && a[i..i + BLOCK] == b[i..i + BLOCK] {
        i += BLOCK;
    }
    while i + WORD <= n {
        let x = u64::from_le_bytes(a[i..i + WORD].try_into().expect("8 bytes"));
        let y = u64::from_le_bytes(b[i..i + WORD].try_into().expect("8 bytes"));
        if x != y {
            return i + ((x ^ y).trailing_zeros() / 8) as usize;
        }
        i += WORD;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

impl Tree {
    pub(super) fn new(data: Rc<Bytes>) -> Result<Tree, GitError> {
        if u32::try_from(data.len()).is_err() {
            return Err(corrupt("tree larger than 4 GiB"));
        }
        Ok(Tree {
            data,
            starts: OnceCell::new(),
        })
    }

    /// Where each entry starts, parsing the tree if nobody has yet.
    fn starts(&self) -> Result<&[u32], GitError> {
        if let Some(starts) = self.starts.get() {
            return Ok(starts);
        }
        let mut starts = Vec::new();
        let mut at = 0;
        while at < self.data.len() {
            starts.push(at as u32);
            at = entry(&self.data, at)?.end;
        }
        Ok(self.starts.get_or_init(|| starts))
    }
}

/// Where a comparison finds the trees of folders, and puts the paths it finds.
pub(super) trait Trees {
    fn tree(&mut self, id: &[u8]) -> Result<Rc<Tree>, GitError>;
}

fn path(prefix: &str, name: &[u8]) -> String {
    let mut path = String::with_capacity(prefix.len() + name.len());
    path.push_str(prefix);
    path.push_str(&String::from_utf8_lossy(name));
    path
}

/// Every file below `tree` (submodules are not files), as `prefix/path`.
pub(super) fn files(
    trees: &mut impl Trees,
    tree: &Tree,
    prefix: &str,
    out: &mut Vec<String>,
) -> Result<(), GitError> {
    for e in entries(&tree.data) {
        one_side(trees, &e?, prefix, out)?;
    }
    Ok(())
}

/// An entry on one side of a comparison only: a file, or every file in a folder.
fn one_side(
    trees: &mut impl Trees,
    e: &Entry,
    prefix: &str,
    out: &mut Vec<String>,
) -> Result<(), GitError> {
    if e.is_tree() {
        let tree = trees.tree(e.id)?;
        files(trees, &tree, &format!("{}/", path(prefix, e.name)), out)
    } else {
        if !e.is_submodule() {
            out.push(path(prefix, e.name));
        }
        Ok(())
    }
}

/// Paths (below `prefix`) of files added, changed or removed between two trees; the order
/// of the trees does not matter. Folders with the same id on both sides are not read;
/// submodules are ignored, and so is an entry that changes between a file and a submodule.
pub(super) fn diff(
    trees: &mut impl Trees,
    a: &Tree,
    b: &Tree,
    prefix: &str,
    out: &mut Vec<String>,
) -> Result<(), GitError> {
    // The side whose entry offsets are known leads; the other's are worked out on the way.
    let (known, other) = if a.starts.get().is_some() || b.starts.get().is_none() {
        (a, b)
    } else {
        (b, a)
    };
    let ks = known.starts()?;
    let (kd, od) = (&known.data[..], &other.data[..]);
    let n = ks.len();
    let mut other_starts = match other.starts.get() {
        Some(_) => None,
        None => Some(Vec::with_capacity(n + 4)),
    };
    let start_of = |k: usize| if k < n { ks[k] as usize } else { kd.len() };
    // The next entry of each side: its index in `known`, its offset in `other`.
    let (mut k, mut o) = (0usize, 0usize);
    loop {
        // Entries of the two sides that are the same bytes are the same entries.
        if k < n && o < od.len() {
            let at = start_of(k);
            let limit = at + common_prefix(&kd[at..], &od[o..]);
            // The entries of `known` that end by `limit`.
            let mut j = k + ks[k + 1..].partition_point(|&s| s as usize <= limit);
            if j + 1 == n && kd.len() <= limit {
                j = n;
            }
            if j > k {
                let shift = o.wrapping_sub(at);
                if let Some(starts) = &mut other_starts {
                    starts.extend(
                        ks[k..j]
                            .iter()
                            .map(|&s| (s as usize).wrapping_add(shift) as u32),
                    );
                }
                o += start_of(j) - at;
                k = j;
            }
        }
        let ke = if k < n {
            Some(entry(kd, start_of(k))?)
        } else {
            None
        };
        let oe = if o < od.len() {
            Some(entry(od, o)?)
        } else {
            None
        };
        let order = match (&ke, &oe) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(x), Some(y)) => git_order(x, y),
        };
        if order != Ordering::Greater {
            k += 1;
        }
        if order != Ordering::Less {
            if let Some(starts) = &mut other_starts {
                starts.push(o as u32);
            }
            o = oe.as_ref().expect("an entry on the other side").end;
        }
        match (order, ke, oe) {
            (Ordering::Less, Some(e), _) | (Ordering::Greater, _, Some(e)) => {
                one_side(trees, &e, prefix, out)?;
            }
            (Ordering::Equal, Some(x), Some(y)) if x.id != y.id || x.filemode() != y.filemode() => {
                match (x.is_tree(), y.is_tree()) {
                    (true, true) => {
                        let (tx, ty) = (trees.tree(x.id)?, trees.tree(y.id)?);
                        diff(trees, &tx, &ty, &format!("{}/", path(prefix, x.name)), out)?;
                    }
                    (false, false) if !x.is_submodule() && !y.is_submodule() => {
                        out.push(path(prefix, y.name));
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    if let Some(starts) = other_starts {
        let _ = other.starts.set(starts);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Trees by id, for the tests.
    #[derive(Default)]
    struct Store(HashMap<Vec<u8>, Rc<Tree>>);

    impl Trees for Store {
        fn tree(&mut self, id: &[u8]) -> Result<Rc<Tree>, GitError> {
            self.0
                .get(id)
                .cloned()
                .ok_or_else(|| GitError::Git("no such tree".into()))
        }
    }

    /// Tree bytes; an entry's id is its byte 20 times, except that id 2 is id 1 with only
    /// its last byte changed (a difference at the very end of an entry).
    fn raw(entries: &[(&str, &str, u8)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (mode, name, id) in entries {
            out.extend_from_slice(format!("{mode} {name}\0").as_bytes());
            let mut bytes = [*id; 20];
            if *id == 2 {
                bytes = [1; 20];
                bytes[19] = 2;
            }
            out.extend_from_slice(&bytes);
        }
        out
    }

    fn tree(entries: &[(&str, &str, u8)]) -> Tree {
        Tree::new(Rc::new(Bytes::new(raw(entries)))).unwrap()
    }

    fn changed(store: &mut Store, a: &Tree, b: &Tree) -> Vec<String> {
        let mut out = Vec::new();
        diff(store, a, b, "", &mut out).unwrap();
        out.sort();
        out
    }

    #[test]
    fn common_prefix_at_every_position() {
        let a: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 251) as u8).collect();
        for at in [0, 1, 7, 8, 9, 1023, 1024, 1025, 2047, 2999] {
            let mut b = a.clone();
            b[at] ^= 0x40;
            assert_eq!(common_prefix(&a, &b), at);
        }
        assert_eq!(common_prefix(&a, &a), a.len());
        assert_eq!(common_prefix(&a[..10], &a), 10);
    }

    #[test]
    fn differences_anywhere_in_a_large_folder() {
        let names: Vec<String> = (0..2000).map(|i| format!("doc-{i:05}.md")).collect();
        let base: Vec<(&str, &str, u8)> = names.iter().map(|n| ("100644", n.as_str(), 1)).collect();
        let mut store = Store::default();
        for changes in [
            vec![0],
            vec![1999],
            vec![5, 6, 7],
            vec![100, 1500],
            vec![0, 999, 1999],
        ] {
            let mut edited = base.clone();
            for &c in &changes {
                edited[c].2 = 2;
            }
            // Deleting and adding entries shifts the offsets after them.
            let mut fewer = base.clone();
            for &c in changes.iter().rev() {
                fewer.remove(c);
            }
            let expected: Vec<String> = changes.iter().map(|&c| names[c].clone()).collect();
            for (x, y) in [(&base, &edited), (&base, &fewer), (&fewer, &edited)] {
                // Once with no offsets known, once with each side's known.
                for known in 0..3 {
                    let (tx, ty) = (tree(x), tree(y));
                    match known {
                        1 => drop(tx.starts().unwrap()),
                        2 => drop(ty.starts().unwrap()),
                        _ => {}
                    }
                    let got = changed(&mut store, &tx, &ty);
                    assert_eq!(got, expected, "{changes:?} known {known}");
                    // The offsets worked out on the way are those of a parse.
                    let parsed = |t: &Tree| {
                        Tree::new(t.data.clone())
                            .unwrap()
                            .starts()
                            .unwrap()
                            .to_vec()
                    };
                    assert_eq!(tx.starts().unwrap(), parsed(&tx));
                    assert_eq!(ty.starts().unwrap(), parsed(&ty));
                }
            }
        }
    }

    #[test]
    fn folders_modes_and_submodules() {
        let mut store = Store::default();
        let sub_a = raw(&[("100644", "deep.md", 1), ("100644", "same.md", 1)]);
        let sub_b = raw(&[("100644", "deep.md", 2), ("100644", "same.md", 1)]);
        store.0.insert(
            vec![10; 20],
            Rc::new(Tree::new(Rc::new(Bytes::new(sub_a))).unwrap()),
        );
        store.0.insert(
            vec![11; 20],
            Rc::new(Tree::new(Rc::new(Bytes::new(sub_b))).unwrap()),
        );
        // `x` the folder sorts after `x.md` and `x-y.md`, before `x0.md`.
        let a = tree(&[
            ("100644", "mode.sh", 3),
            ("160000", "sub", 4),
            ("100644", "typechange", 5),
            ("100644", "x-y.md", 1),
            ("100644", "x.md", 1),
            ("40000", "x", 10),
            ("100644", "x0.md", 1),
        ]);
        let b = tree(&[
            ("100755", "mode.sh", 3),
            ("160000", "sub", 6),
            ("160000", "typechange", 7),
            ("100644", "x-y.md", 1),
            ("100644", "x.md", 2),
            ("40000", "x", 11),
            ("100644", "x0.md", 1),
        ]);
        assert_eq!(
            changed(&mut store, &a, &b),
            ["mode.sh", "x.md", "x/deep.md"]
        );
        // A file replaced by a folder of the same name: both are changes.
        let c = tree(&[("100644", "x", 1)]);
        let d = tree(&[("40000", "x", 10)]);
        assert_eq!(changed(&mut store, &c, &d), ["x", "x/deep.md", "x/same.md"]);
        // Modes that libgit2 reads as the same mode are the same.
        let e = tree(&[("100664", "f", 1)]);
        let f = tree(&[("100644", "f", 1)]);
        assert!(changed(&mut store, &e, &f).is_empty());
    }

    #[test]
    fn damaged_trees_are_errors() {
        let mut store = Store::default();
        let good = tree(&[("100644", "a", 1)]);
        for bad in [
            &b"100644 a"[..],
            b"10x644 a\0",
            b" a\0",
            b"100644 \0aaaaaaaaaaaaaaaaaaaa",
            b"100644 a\0short",
        ] {
            let bad = Tree::new(Rc::new(Bytes::new(bad.to_vec()))).unwrap();
            let mut out = Vec::new();
            assert!(
                diff(&mut store, &good, &bad, "", &mut out).is_err(),
                "{:?}",
                &bad.data[..]
            );
        }
    }
}
