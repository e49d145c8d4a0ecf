//! The part of the history walk that reads objects: for a run of commits in walk order, the
//! paths under the content folder that each commit changed. Runs of commits are independent,
//! so several threads walk several runs, each with its own reader and caches.

use std::rc::Rc;

use git2::{Oid, Repository};

use super::pack::{Bytes, Kind, Packs, Reader};
use super::tree::{self, Tree, Trees};
use super::{FastMap, GitError};

/// What one commit changed under the content folder.
pub(super) struct Changes {
    /// The commit's position in the walk.
    pub(super) index: usize,
    /// Content-relative paths.
    pub(super) paths: Vec<String>,
    /// The author line of the commit up to the e-mail address (`Name <email>`), when it has
    /// the usual shape: commits with the same one have the same author after `.mailmap`.
    pub(super) author: Option<Vec<u8>>,
}

/// What the walk needs of a commit.
struct Facts {
    parents: Vec<Oid>,
    /// The id of the content folder's tree, `None` when the commit has no content folder.
    content: Option<Oid>,
    author: Option<Vec<u8>>,
}

/// Bytes of resolved pack objects each thread keeps at first, for the deltas that need them as
/// bases (the reader makes room for more as the folders it reads turn out larger).
const OBJECT_CACHE_BYTES: usize = if cfg!(test) { 256 << 10 } else { 8 << 20 };
/// Trees each thread keeps with their entry offsets, for the next commits' comparisons.
const TREE_CACHE_ENTRIES: usize = 16;

pub(super) struct Walker<'a> {
    repo: &'a Repository,
    reader: Reader<'a>,
    /// The content folder's path components.
    prefix: &'a [String],
    /// The repository has grafts or is shallow: parents come from libgit2, which applies them.
    grafted: bool,
    facts: FastMap<Oid, Rc<Facts>>,
    trees: FastMap<Oid, (Rc<Tree>, u64)>,
    tick: u64,
}

impl<'a> Walker<'a> {
    pub(super) fn new(
        repo: &'a Repository,
        packs: &'a Packs,
        prefix: &'a [String],
        grafted: bool,
    ) -> Self {
        Walker {
            repo,
            reader: Reader::new(packs, OBJECT_CACHE_BYTES),
            prefix,
            grafted,
            facts: FastMap::default(),
            trees: FastMap::default(),
            tick: 0,
        }
    }

    /// The changes of `commits` (a run of the walk that starts at position `first`), for the
    /// commits that changed something.
    pub(super) fn run(&mut self, first: usize, commits: &[Oid]) -> Result<Vec<Changes>, GitError> {
        let mut out = Vec::new();
        for (n, &oid) in commits.iter().enumerate() {
            let in_commit = |err: GitError| {
                GitError::Git(format!(
                    "cannot read what commit {oid} changed: {}",
                    err.to_string().trim_start_matches("git: ")
                ))
            };
            let facts = self.facts(oid).map_err(in_commit)?;
            // Commits of the run are visited once, and parents usually right after.
            self.facts.remove(&oid);
            let paths = self.changed(&facts).map_err(in_commit)?;
            if !paths.is_empty() {
                out.push(Changes {
                    index: first + n,
                    paths,
                    author: facts.author.clone(),
                });
            }
        }
        self.facts.clear();
        Ok(out)
    }

    /// A path counts when it differs from every parent: a merge is credited only with what it
    /// resolved itself, the merged commits with their own changes.
    fn changed(&mut self, facts: &Facts) -> Result<Vec<String>, GitError> {
        let mut changed = Vec::new();
        if facts.parents.is_empty() {
            if let Some(id) = facts.content {
                let tree = self.tree_by_oid(id)?;
                tree::files(self, &tree, "", &mut changed)?;
            }
            return Ok(changed);
        }
        let mut first = true;
        for &parent in &facts.parents {
            let parent = self.facts(parent)?.content;
            if parent == facts.content {
                changed.clear();
                break;
            }
            let mut paths = Vec::new();
            match (parent, facts.content) {
                (Some(a), Some(b)) => {
                    let (a, b) = (self.tree_by_oid(a)?, self.tree_by_oid(b)?);
                    tree::diff(self, &a, &b, "", &mut paths)?;
                }
                (Some(id), None) | (None, Some(id)) => {
                    let tree = self.tree_by_oid(id)?;
                    tree::files(self, &tree, "", &mut paths)?;
                }
                (None, None) => {}
            }
            if first {
                changed = paths;
                first = false;
            } else if changed.len().min(paths.len()) < 16 {
                changed.retain(|p| paths.contains(p));
            } else {
                // A merge of long-lived branches may differ from each parent in thousands of
                // files.
                let paths: std::collections::HashSet<&String> = paths.iter().collect();
                changed.retain(|p| paths.contains(p));
            }
            if changed.is_empty() {
                break;
            }
        }
        Ok(changed)
    }

    /// An object's bytes: from the packs, else through libgit2 (loose objects, alternates).
    fn object(&mut self, id: Oid, kind: Kind) -> Result<Rc<Bytes>, GitError> {
        if let Some((found, data)) = self.reader.read(id.as_bytes())
            && found == kind
        {
            return Ok(data);
        }
        let odb = self.repo.odb()?;
        let object = odb.read(id).map_err(|err| {
            GitError::Git(format!(
                "cannot read the {} {id}: {}",
                kind.name(),
                err.message()
            ))
        })?;
        let found = match object.kind() {
            git2::ObjectType::Commit => Kind::Commit,
            git2::ObjectType::Tree => Kind::Tree,
            git2::ObjectType::Blob => Kind::Blob,
            _ => Kind::Tag,
        };
        if found != kind {
            return Err(GitError::Git(format!(
                "the object {id} is a {}, not a {}",
                found.name(),
                kind.name()
            )));
        }
        Ok(Rc::new(Bytes::new(object.data().to_vec())))
    }

    fn facts(&mut self, oid: Oid) -> Result<Rc<Facts>, GitError> {
        if let Some(facts) = self.facts.get(&oid) {
            return Ok(facts.clone());
        }
        let data = self.object(oid, Kind::Commit)?;
        let parsed = parse_commit(&data).filter(|_| !self.grafted);
        let (tree, parents, author) = match parsed {
            Some(parsed) => parsed,
            None => {
                // libgit2 applies grafts, and reports a commit it cannot parse.
                let commit = self.repo.find_commit(oid)?;
                let author = parse_commit(&data).and_then(|(_, _, author)| author);
                (commit.tree_id(), commit.parent_ids().collect(), author)
            }
        };
        let content = self.content_id(tree)?;
        let facts = Rc::new(Facts {
            parents,
            content,
            author,
        });
        self.facts.insert(oid, facts.clone());
        Ok(facts)
    }

    /// The id of the content folder in the root tree `root`.
    fn content_id(&mut self, root: Oid) -> Result<Option<Oid>, GitError> {
        let mut id = root;
        for component in self.prefix {
            let data = self.object(id, Kind::Tree)?;
            let mut found = None;
            for entry in tree::entries(&data) {
                let entry = entry?;
                if entry.name == component.as_bytes() {
                    found = Some(entry);
                    break;
                }
            }
            match found {
                Some(entry) if entry.is_tree() => id = Oid::from_bytes(entry.id)?,
                _ => return Ok(None),
            }
        }
        Ok(Some(id))
    }

    fn tree_by_oid(&mut self, id: Oid) -> Result<Rc<Tree>, GitError> {
        self.tick += 1;
        if let Some((tree, last)) = self.trees.get_mut(&id) {
            *last = self.tick;
            return Ok(tree.clone());
        }
        let tree = Rc::new(Tree::new(self.object(id, Kind::Tree)?)?);
        if self.trees.len() >= TREE_CACHE_ENTRIES
            && let Some(oldest) = self
                .trees
                .iter()
                .min_by_key(|(_, (_, t))| *t)
                .map(|(k, _)| *k)
        {
            self.trees.remove(&oldest);
        }
        self.trees.insert(id, (tree.clone(), self.tick));
        Ok(tree)
    }
}

impl Trees for Walker<'_> {
    fn tree(&mut self, id: &[u8]) -> Result<Rc<Tree>, GitError> {
        self.tree_by_oid(Oid::from_bytes(id)?)
    }
}

fn hex_oid(hex: &[u8]) -> Option<Oid> {
    if hex.len() != 40 {
        return None;
    }
    Oid::from_str(std::str::from_utf8(hex).ok()?).ok()
}

/// The tree, the parents and the author key of a commit in its usual shape (`tree`, `parent`
/// lines, `author`); `None` for anything else, which libgit2 then reads.
fn parse_commit(data: &[u8]) -> Option<(Oid, Vec<Oid>, Option<Vec<u8>>)> {
    let mut lines = data.split(|&b| b == b'\n');
    let tree = hex_oid(lines.next()?.strip_prefix(b"tree ")?)?;
    let mut parents = Vec::new();
    let mut line = lines.next()?;
    while let Some(hex) = line.strip_prefix(b"parent ") {
        parents.push(hex_oid(hex)?);
        line = lines.next()?;
    }
    let author = line.strip_prefix(b"author ")?;
    // libgit2 takes the name and address from before the last `>`; the rest is the time. Two
    // lines with the same part before it (and a time without `<` or `>`) name the same person.
    let key = author.iter().rposition(|&b| b == b'>').and_then(|gt| {
        (!author[gt..].contains(&b'<') && author[..gt].contains(&b'<'))
            .then(|| author[..=gt].to_vec())
    });
    Some((tree, parents, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_in_their_usual_shape() {
        let tree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
        let parent = "0123456789abcdef0123456789abcdef01234567";
        let text = format!(
            "tree {tree}\nparent {parent}\nparent {parent}\nauthor A. Person <a@example.com> 1700000000 +0100\ncommitter C <c@example.com> 1700000000 +0100\n\nMessage\n"
        );
        let (t, parents, author) = parse_commit(text.as_bytes()).unwrap();
        assert_eq!(t.to_string(), tree);
        assert_eq!(parents.len(), 2);
        assert_eq!(author.unwrap(), b"A. Person <a@example.com>");
        // A root commit; an author line libgit2 reads in its own way.
        let text = format!("tree {tree}\nauthor Odd <x> <y> 1 +0000\n");
        let (_, parents, author) = parse_commit(text.as_bytes()).unwrap();
        assert!(parents.is_empty());
        assert_eq!(author.unwrap(), b"Odd <x> <y>");
        let text = format!("tree {tree}\nauthor Odd <x> 1 <+0000\n");
        assert!(parse_commit(text.as_bytes()).unwrap().2.is_none());
        // Not the usual shape.
        assert!(parse_commit(b"tree nothex\n").is_none());
        assert!(parse_commit(format!("parent {parent}\ntree {tree}\n").as_bytes()).is_none());
        assert!(
            parse_commit(format!("tree {tree}\ncommitter C <c> 1 +0000\n").as_bytes()).is_none()
        );
    }
}
