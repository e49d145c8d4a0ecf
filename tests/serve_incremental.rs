//! `opsbook serve`'s incremental rebuilds: after every edit, the pages in the served folder
//! are those `opsbook build` writes for the same documents, and the findings are those of
//! `opsbook lint`. The edits go through the same path as in `serve` (the workspace re-reads
//! the files the watcher names, the rebuilder renders what they can have changed).

#[path = "../benches/support/corpus.rs"]
mod corpus;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;
use std::time::Duration;

use opsbook::serve::rebuild::{Rebuilder, SearchStep};
use opsbook::serve::workspace::{Change, Workspace};
use opsbook::site::SiteInput;
use opsbook::term::Verbosity;

const BASE: &str = "http://127.0.0.1:1/";

fn today() -> jiff::civil::Date {
    corpus::TODAY.parse().unwrap()
}

/// Every file under `dir` but the search bundle and the build marker, by relative path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel.starts_with("pagefind/") || rel == ".opsbook-site" {
            continue;
        }
        files.insert(rel, fs::read(entry.path()).unwrap());
    }
    files
}

/// No empty folders are left behind by removed pages.
fn empty_folders(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_dir() && fs::read_dir(e.path()).unwrap().next().is_none())
        .map(|e| e.path().display().to_string())
        .collect()
}

struct Kb {
    dir: tempfile::TempDir,
    workspace: Workspace,
    rebuilder: Rebuilder,
}

impl Kb {
    fn new(documents: usize, config: &str) -> Kb {
        let dir = tempfile::tempdir().unwrap();
        corpus::generate(dir.path(), documents, 7, corpus::Layout::Opsbook).unwrap();
        fs::write(dir.path().join("opsbook.toml"), config).unwrap();
        let workspace = Workspace::open(None, dir.path()).unwrap();
        fs::create_dir(dir.path().join("served")).unwrap();
        let rebuilder = Rebuilder::new(
            dir.path().join("served"),
            BASE.to_string(),
            Verbosity {
                quiet: true,
                verbose: false,
            },
        );
        let mut kb = Kb {
            dir,
            workspace,
            rebuilder,
        };
        let (_, result) = kb.rebuilder.rebuild(&kb.workspace, None, today());
        assert!(result.unwrap().full);
        kb.check("the first build");
        kb
    }

    fn path(&self, rel: &str) -> std::path::PathBuf {
        self.dir.path().join("content").join(rel)
    }

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap()
    }

    fn write(&self, rel: &str, text: &str) {
        fs::create_dir_all(self.path(rel).parent().unwrap()).unwrap();
        fs::write(self.path(rel), text).unwrap();
    }

    /// Replaces `from` by `to` in a document (which must contain it).
    fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = self.read(rel);
        assert!(text.contains(from), "{rel} has no {from:?}");
        self.write(rel, &text.replacen(from, to, 1));
    }

    /// The id of a document, as parsed.
    fn id_of(&self, rel: &str) -> String {
        let doc = self.workspace.docs.iter().find(|d| d.rel_path == rel);
        doc.unwrap().id.clone()
    }

    /// The documents' paths of one kind folder, sorted.
    fn docs_in(&self, folder: &str) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.dir.path().join("content").join(folder))
            .unwrap()
            .map(|e| format!("{folder}/{}", e.unwrap().file_name().to_string_lossy()))
            .collect();
        names.sort();
        names
    }

    /// Tells the workspace what the watcher would, rebuilds, and compares with a full build.
    fn changed(&mut self, what: &str, changes: &[Change]) -> opsbook::serve::rebuild::Rebuilt {
        let changes: BTreeSet<Change> = changes.iter().cloned().collect();
        let applied = self.workspace.apply(&changes).unwrap();
        assert!(!applied.is_empty(), "{what}: nothing changed");
        let (findings, result) = self
            .rebuilder
            .rebuild(&self.workspace, Some(&applied), today());
        let rebuilt = result.unwrap_or_else(|e| panic!("{what}: {e}"));
        let ws = &self.workspace;
        let want = opsbook::lint::check(&ws.docs, &ws.config, today());
        assert_eq!(
            finding_keys(&findings, ws),
            finding_keys(&want, ws),
            "{what}"
        );
        self.check(what);
        rebuilt
    }

    fn doc_changed(&mut self, what: &str, rels: &[&str]) -> opsbook::serve::rebuild::Rebuilt {
        let changes: Vec<Change> = rels
            .iter()
            .map(|r| Change::Document(r.to_string()))
            .collect();
        self.changed(what, &changes)
    }

    /// A full build of the workspace as it is, into `site` in the folder returned.
    fn full_build(&self) -> (tempfile::TempDir, std::path::PathBuf) {
        let ws = &self.workspace;
        let mut config = ws.config.clone();
        config.site.base_url = BASE.to_string();
        let fresh = tempfile::tempdir().unwrap();
        let out = fresh.path().join("site");
        opsbook::site::build(
            &config,
            &mut ws.docs.clone(),
            &out,
            &SiteInput::new(today()),
        )
        .unwrap();
        (fresh, out)
    }

    /// The served folder holds what a full build writes; the findings are lint's.
    fn check(&mut self, what: &str) {
        let (_fresh, out) = self.full_build();
        let want = tree(&out);
        let got = tree(self.rebuilder.output());
        let missing: Vec<&String> = want.keys().filter(|k| !got.contains_key(*k)).collect();
        let extra: Vec<&String> = got.keys().filter(|k| !want.contains_key(*k)).collect();
        let differ: Vec<&String> = want
            .iter()
            .filter(|(k, v)| got.get(*k).is_some_and(|g| g != *v))
            .map(|(k, _)| k)
            .collect();
        assert!(
            missing.is_empty() && extra.is_empty() && differ.is_empty(),
            "{what}: the served site differs from a full build:\nmissing {missing:?}\nextra {extra:?}\ndiffer {differ:?}"
        );
        let empty = empty_folders(self.rebuilder.output());
        assert!(empty.is_empty(), "{what}: empty folders left: {empty:?}");
    }
}

/// `text` with its `id:` line set to `id` (added when it has none).
fn with_id(text: &str, id: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    match lines.iter().position(|l| l.starts_with("id:")) {
        Some(i) => lines[i] = format!("id: {id}"),
        None => lines.insert(1, format!("id: {id}")),
    }
    lines.join("\n") + "\n"
}

fn finding_keys(findings: &[opsbook::lint::Finding], ws: &Workspace) -> Vec<String> {
    findings
        .iter()
        .map(|f| {
            let path = match f.at {
                opsbook::lint::Origin::Document(i) => ws.docs[i].rel_path.clone(),
                opsbook::lint::Origin::RuleFile(i) => ws.alerts.files[i].rel_path.clone(),
            };
            format!("{path} {:?} {} {} {}", f.span, f.rule, f.message, f.help)
        })
        .collect()
}

#[test]
fn edits_give_the_site_and_findings_of_a_full_build() {
    // Small shards, so that adding and removing documents changes the number of shards.
    let mut kb = Kb::new(40, "[search]\nshard_size = 13\n");
    let runbooks = kb.docs_in("runbooks");
    let postmortems = kb.docs_in("postmortems");
    let (rb, rb2, pm, pm2) = (&runbooks[0], &runbooks[1], &postmortems[0], &postmortems[1]);

    // A body-only edit renders only its page.
    let text = kb.read(pm);
    kb.write(pm, &format!("{text}\nOne more line at the end.\n"));
    let rebuilt = kb.doc_changed("append a line", &[pm]);
    assert!(!rebuilt.full);
    assert_eq!(
        rebuilt.pages.rendered, 1,
        "{:?}",
        rebuilt.pages.rendered_paths
    );
    assert_eq!(rebuilt.search, SearchStep::Later);

    // Titles show on lists, terms, the feed, documents.json, related documents.
    kb.edit(pm, "title: ", "title: Renamed ");
    kb.doc_changed("postmortem title", &[pm]);
    kb.edit(rb, "title: ", "title: A renamed ");
    let rebuilt = kb.doc_changed("runbook title", &[rb]);
    assert!(!rebuilt.model_reused);
    assert!(rebuilt.pages.rendered < rebuilt.pages.pages / 2);
    // Body edits again, one with a link to another document, one in two documents at once.
    let text = kb.read(pm);
    kb.write(pm, &format!("{text}\nSee [the runbook](../{rb}).\n"));
    let rebuilt = kb.doc_changed("a link added", &[pm]);
    assert!(rebuilt.model_reused);
    assert_eq!(
        rebuilt.pages.rendered, 1,
        "{:?}",
        rebuilt.pages.rendered_paths
    );
    // An image linked from a body is published under files/, as a full build does; when no
    // page links to it any more it is removed.
    let folder = std::path::Path::new(pm.as_str()).parent().unwrap();
    let image = folder.join("diagram.png").to_string_lossy().into_owned();
    std::fs::write(kb.path(&image), b"\x89PNG not really").unwrap();
    let text = kb.read(pm);
    kb.write(pm, &format!("{text}\n![A diagram](diagram.png)\n"));
    kb.doc_changed("an image linked", &[pm]);
    kb.write(pm, &text);
    kb.doc_changed("the image link removed", &[pm]);
    let (a, b) = (kb.read(pm), kb.read(rb));
    kb.write(pm, &format!("{a}\nAnd more.\n"));
    kb.write(rb, &format!("{b}\nAnd more.\n"));
    let rebuilt = kb.doc_changed("two bodies", &[pm, rb]);
    assert!(rebuilt.model_reused);
    assert_eq!(
        rebuilt.pages.rendered, 2,
        "{:?}",
        rebuilt.pages.rendered_paths
    );

    // Taxonomy terms appear and go.
    kb.edit(rb, "services: [", "services: [brand-new-service, ");
    kb.edit(rb, "tags: [", "tags: [fresh-tag, ");
    kb.doc_changed("new service and tag", &[rb]);
    kb.edit(rb, "services: [brand-new-service, ", "services: [");
    kb.doc_changed("service gone again", &[rb]);
    kb.edit(pm, "owner: ", "owner: zz-new-owner-");
    kb.doc_changed("new owner", &[pm]);
    kb.edit(pm, "severity: ", "severity: SEV9");
    kb.doc_changed("severity off the scale", &[pm]);

    // A broken front matter takes the page away; fixing it brings it back.
    let before = kb.read(pm2);
    kb.write(pm2, &before.replacen("title: ", "title: [unclosed ", 1));
    kb.doc_changed("broken front matter", &[pm2]);
    kb.write(pm2, &before);
    kb.doc_changed("front matter fixed", &[pm2]);

    // Rename: the old page goes, links and references to it break.
    let renamed = rb2.replace(".md", "-renamed.md");
    fs::rename(kb.path(rb2), kb.path(&renamed)).unwrap();
    kb.doc_changed("rename", &[rb2, &renamed]);
    fs::rename(kb.path(&renamed), kb.path(rb2)).unwrap();
    kb.doc_changed("rename back", &[rb2, &renamed]);

    // Delete, add (with a link to an existing document and a duplicate id), and a new day.
    let gone = postmortems[2].clone();
    let kept = kb.read(&gone);
    fs::remove_file(kb.path(&gone)).unwrap();
    kb.doc_changed("delete", &[&gone]);
    let rb_name = rb.trim_start_matches("runbooks/");
    let rb_id = kb.id_of(rb);
    kb.write(
        "runbooks/new-one.md",
        &format!(
            "---\ntitle: A new runbook\nid: {rb_id}\nowner: someone@acme.example\nservices: [new-svc]\nlast_reviewed: 2026-11-01\n---\n\n## Steps\n\nSee [the other](./{rb_name}#nowhere).\n"
        ),
    );
    kb.doc_changed("add with a duplicate id", &["runbooks/new-one.md"]);
    kb.write(&gone, &kept);
    kb.doc_changed("deleted one back", &[&gone]);
    fs::remove_file(kb.path("runbooks/new-one.md")).unwrap();
    // A folder event: the watcher asks for a rescan.
    kb.changed("rescan", &[Change::Rescan]);

    // The kind from front matter moves the page.
    let text = kb.read(rb);
    kb.write(rb, &text.replacen("---\n", "---\nkind: postmortem\n", 1));
    kb.doc_changed("kind changed", &[rb]);
    kb.write(rb, &text);
    kb.doc_changed("kind back", &[rb]);

    // A template change renders everything.
    fs::create_dir_all(kb.dir.path().join("templates")).unwrap();
    fs::write(
        kb.dir.path().join("templates/404.html"),
        "{% extends \"base.html\" %}{% block content %}<p>Gone fishing.</p>{% endblock %}",
    )
    .unwrap();
    let rebuilt = kb.changed("template", &[Change::Templates]);
    assert!(rebuilt.full);

    // The index catches up in the background and matches a full build's.
    assert!(kb.rebuilder.wait_for_search(Duration::from_secs(120)));
    let (_fresh, out) = kb.full_build();
    for entry in walkdir::WalkDir::new(out.join("pagefind")) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(&out).unwrap();
            let served = fs::read(kb.rebuilder.output().join(rel))
                .unwrap_or_else(|_| panic!("{} is not served", rel.display()));
            assert!(
                served == fs::read(entry.path()).unwrap(),
                "{} differs",
                rel.display()
            );
        }
    }
}

#[test]
fn findings_after_edits_are_those_of_lint() {
    let mut kb = Kb::new(30, "[search]\nenabled = false\n");
    let runbooks = kb.docs_in("runbooks");
    let postmortems = kb.docs_in("postmortems");
    let today = today();
    let check = |kb: &mut Kb, what: &str, rels: &[&str]| {
        let changes: BTreeSet<Change> = rels
            .iter()
            .map(|r| Change::Document(r.to_string()))
            .collect();
        let applied = kb.workspace.apply(&changes).unwrap();
        let (findings, result) = kb.rebuilder.rebuild(&kb.workspace, Some(&applied), today);
        result.unwrap();
        let want = opsbook::lint::check(&kb.workspace.docs, &kb.workspace.config, today);
        assert_eq!(
            finding_keys(&findings, &kb.workspace),
            finding_keys(&want, &kb.workspace),
            "{what}"
        );
    };
    let rb = runbooks[0].clone();
    let rb_id = kb.id_of(&rb);
    let pm = postmortems[0].clone();

    // A postmortem that references the runbook and links to it with an anchor.
    kb.write(
        "postmortems/watcher.md",
        &format!(
            "---\ntitle: Watcher\nowner: a@acme.example\nseverity: SEV2\nservices: [x]\nstarted_at: 2026-01-01T00:00:00Z\nrelated_runbooks: [{rb_id}, {rb_id}-typo]\n---\n\n## Summary\n\n[link](../{rb}#steps) [missing](../runbooks/nope.md)\n"
        ),
    );
    check(
        &mut kb,
        "a new document with references",
        &["postmortems/watcher.md"],
    );
    // Renaming the runbook breaks its reference, link and the "did you mean".
    let moved = rb.replace(".md", "-moved.md");
    fs::rename(kb.path(&rb), kb.path(&moved)).unwrap();
    check(&mut kb, "runbook renamed", &[&rb, &moved]);
    fs::rename(kb.path(&moved), kb.path(&rb)).unwrap();
    check(&mut kb, "runbook back", &[&rb, &moved]);
    // Its id changes (references break), then a heading goes (the anchor breaks).
    let text = kb.read(&rb);
    kb.write(&rb, &with_id(&text, &format!("{rb_id}-typo")));
    check(&mut kb, "runbook id changed", &[&rb]);
    kb.write(&rb, &text.replace("## ", "### x"));
    check(&mut kb, "runbook headings changed", &[&rb]);
    kb.write(&rb, &text);
    check(&mut kb, "runbook restored", &[&rb]);
    // Another runbook takes an id close to the unresolved `-typo`: the watcher's "did you
    // mean" changes although it names neither the old nor the new id.
    let other = runbooks[1].clone();
    let other_text = kb.read(&other);
    kb.write(&other, &with_id(&other_text, &format!("{rb_id}-typx")));
    check(&mut kb, "a close id appears", &[&other]);
    kb.write(&other, &other_text);
    check(&mut kb, "the close id goes", &[&other]);
    // A duplicate id and URL, then gone.
    let dup = format!("postmortems/{}", pm.trim_start_matches("postmortems/"));
    let copy = dup.replace("postmortems/", "runbooks/");
    kb.write(&copy, &kb.read(&dup));
    check(&mut kb, "duplicate", &[&copy]);
    fs::remove_file(kb.path(&copy)).unwrap();
    check(&mut kb, "duplicate gone", &[&copy]);
    // Broken front matter.
    kb.write(&pm, "---\ntitle: [\n---\n");
    check(&mut kb, "broken", &[&pm]);
}

impl Kb {
    /// The served file at `rel` (output-relative).
    fn served(&self, rel: &str) -> String {
        fs::read_to_string(self.rebuilder.output().join(rel)).unwrap()
    }

    /// What the watcher would tell the workspace after `rels` changed.
    fn apply(&mut self, rels: &[&str]) -> opsbook::serve::workspace::Applied {
        let changes: BTreeSet<Change> = rels
            .iter()
            .map(|r| Change::Document(r.to_string()))
            .collect();
        self.workspace.apply(&changes).unwrap()
    }
}

/// A stop signal that turns true after `n` questions (a newer change arriving while the
/// second phase runs, after it rendered a few pages).
fn stop_after(n: usize) -> impl Fn() -> bool + Sync {
    let asked = std::sync::atomic::AtomicUsize::new(0);
    move || asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= n
}

#[test]
fn a_title_change_writes_its_page_before_the_lists() {
    let mut kb = Kb::new(30, "[search]\nenabled = false\n");
    let pm = kb.docs_in("postmortems")[0].clone();
    kb.edit(&pm, "title: ", "title: Phased ");
    let applied = kb.apply(&[&pm]);
    let (_, result, rest) = kb
        .rebuilder
        .first_phase(&kb.workspace, Some(&applied), today());
    let rebuilt = result.unwrap();
    let rest = rest.expect("a title change leaves the pages that list it for later");
    assert!(rebuilt.deferred > 3, "{}", rebuilt.deferred);
    // Its own page has the new title; the list and documents.json not yet.
    let page = rebuilt
        .pages
        .rendered_paths
        .iter()
        .find(|p| p.starts_with("postmortems/") && p.ends_with("/index.html"))
        .unwrap()
        .clone();
    assert!(kb.served(&page).contains("Phased "));
    assert!(!kb.served("postmortems/index.html").contains("Phased "));
    assert!(!kb.served("documents.json").contains("Phased "));
    assert!(
        rebuilt
            .pages
            .rendered_paths
            .iter()
            .all(|p| p.ends_with("/index.html") && p != "postmortems/index.html"),
        "{:?}",
        rebuilt.pages.rendered_paths
    );

    let done = kb.rebuilder.finish(rest, &|| false).unwrap();
    assert!(done.complete);
    // Every page that lists documents is checked; those that show the title are rendered.
    assert_eq!(done.checked, rebuilt.deferred);
    assert!(
        done.rendered > 3 && done.rendered < done.checked,
        "{:?}",
        done.rendered_paths
    );
    for path in [
        "documents.json",
        "postmortems/index.html",
        "index.html",
        "atom.xml",
    ] {
        assert!(done.rendered_paths.contains(&path.to_string()), "{path}");
    }
    assert!(!kb.rebuilder.behind());
    kb.check("after the second phase");
}

#[test]
fn an_edit_during_the_second_phase_is_not_lost() {
    let mut kb = Kb::new(30, "[search]\nenabled = false\n");
    let postmortems = kb.docs_in("postmortems");
    let pm = postmortems[0].clone();
    let original = kb.read(&pm);

    // The second phase stops before its last page for a newer edit, which puts the title back:
    // the pages written with the intermediate title must be rendered again, although their
    // fingerprints are those of before the first edit.
    kb.edit(&pm, "title: ", "title: Briefly ");
    let applied = kb.apply(&[&pm]);
    let (_, result, rest) = kb
        .rebuilder
        .first_phase(&kb.workspace, Some(&applied), today());
    let deferred = result.unwrap().deferred;
    let done = kb
        .rebuilder
        .finish(rest.unwrap(), &stop_after(deferred - 1))
        .unwrap();
    assert!(!done.complete);
    assert_eq!(done.checked, deferred - 1, "{:?}", done.rendered_paths);
    assert!(
        done.rendered_paths
            .iter()
            .any(|p| kb.served(p).contains("Briefly ")),
        "{:?}",
        done.rendered_paths
    );
    assert!(kb.rebuilder.behind());
    kb.write(&pm, &original);
    kb.doc_changed("the title back, during the second phase", &[&pm]);
    assert!(!kb.rebuilder.behind());

    // Stopped before any page; then a body-only edit (whose model is reused whole) must
    // still bring the lists up to date.
    kb.edit(&pm, "title: ", "title: Again ");
    let applied = kb.apply(&[&pm]);
    let (_, result, rest) = kb
        .rebuilder
        .first_phase(&kb.workspace, Some(&applied), today());
    result.unwrap();
    let done = kb.rebuilder.finish(rest.unwrap(), &|| true).unwrap();
    assert_eq!(done.rendered, 0);
    let text = kb.read(&pm);
    kb.write(&pm, &format!("{text}\nA line added meanwhile.\n"));
    let rebuilt = kb.doc_changed("a body edit after a stopped second phase", &[&pm]);
    assert!(rebuilt.pages.rendered >= 1);
    assert!(kb.served("postmortems/index.html").contains("Again "));

    // Stopped again, then events that change nothing: an empty rebuild catches up (what
    // serve does when no newer change follows).
    kb.edit(&pm, "title: ", "title: Once more ");
    let applied = kb.apply(&[&pm]);
    let (_, result, rest) = kb
        .rebuilder
        .first_phase(&kb.workspace, Some(&applied), today());
    result.unwrap();
    kb.rebuilder.finish(rest.unwrap(), &stop_after(1)).unwrap();
    let (_, result) = kb.rebuilder.rebuild(
        &kb.workspace,
        Some(&opsbook::serve::workspace::Applied::default()),
        today(),
    );
    assert!(result.unwrap().pages.rendered <= 1);
    assert!(!kb.rebuilder.behind());
    kb.check("caught up");
}

#[test]
fn a_failing_second_phase_is_rendered_again_by_the_next_rebuild() {
    let mut kb = Kb::new(30, "[search]\nenabled = false\n");
    let pm = kb.docs_in("postmortems")[0].clone();
    // A list template that fails for one title only (the document pages render).
    let list = "{% for d in documents %}{% if \"Boom\" in d.title %}{{ missing.field }}{% endif %}{{ d.title }}\n{% endfor %}";
    fs::create_dir_all(kb.dir.path().join("templates")).unwrap();
    fs::write(kb.dir.path().join("templates/list.html"), list).unwrap();
    kb.changed("a list template", &[Change::Templates]);

    kb.edit(&pm, "title: ", "title: Boom ");
    let applied = kb.apply(&[&pm]);
    let (_, result, rest) = kb
        .rebuilder
        .first_phase(&kb.workspace, Some(&applied), today());
    result.unwrap();
    let err = kb.rebuilder.finish(rest.unwrap(), &|| false).unwrap_err();
    assert!(err.to_string().contains("list.html"), "{err}");
    assert!(kb.rebuilder.behind());
    // Fixed: the next rebuild renders what the failed phase left.
    kb.edit(&pm, "title: Boom ", "title: Fine ");
    kb.doc_changed("the title fixed", &[&pm]);
    assert!(kb.served("postmortems/index.html").contains("Fine "));
}

/// One edit of a random sequence. Document numbers are taken modulo the documents there are
/// when the edit is made; small numbers pick from small pools (owners, tags, ids...), so
/// edits meet: two documents get the same id, a reference finds its target, a tag empties.
#[derive(Debug, Clone)]
enum Edit {
    Title {
        doc: usize,
        word: u8,
    },
    Id {
        doc: usize,
        id: Option<u8>,
    },
    Link {
        from: usize,
        to: usize,
        anchor: bool,
    },
    Reference {
        from: usize,
        to: usize,
    },
    Owner {
        doc: usize,
        owner: u8,
    },
    Tags {
        doc: usize,
        tags: Vec<u8>,
    },
    Services {
        doc: usize,
        service: u8,
    },
    Severity {
        doc: usize,
        level: u8,
    },
    FollowUp {
        doc: usize,
    },
    Body {
        doc: usize,
    },
    Kind {
        doc: usize,
    },
    Broken {
        doc: usize,
    },
    Delete {
        doc: usize,
    },
    Rename {
        doc: usize,
    },
    Add {
        like: usize,
        link_to: usize,
    },
    Config {
        setting: u8,
    },
}

fn edit_strategy() -> impl proptest::strategy::Strategy<Value = Edit> {
    use proptest::prelude::*;
    let doc = 0..64_usize;
    prop_oneof![
        (doc.clone(), 0..4_u8).prop_map(|(doc, word)| Edit::Title { doc, word }),
        (doc.clone(), proptest::option::of(0..3_u8)).prop_map(|(doc, id)| Edit::Id { doc, id }),
        (doc.clone(), doc.clone(), any::<bool>()).prop_map(|(from, to, anchor)| Edit::Link {
            from,
            to,
            anchor
        }),
        (doc.clone(), doc.clone()).prop_map(|(from, to)| Edit::Reference { from, to }),
        (doc.clone(), 0..3_u8).prop_map(|(doc, owner)| Edit::Owner { doc, owner }),
        (doc.clone(), proptest::collection::vec(0..4_u8, 0..3))
            .prop_map(|(doc, tags)| Edit::Tags { doc, tags }),
        (doc.clone(), 0..3_u8).prop_map(|(doc, service)| Edit::Services { doc, service }),
        (doc.clone(), 0..5_u8).prop_map(|(doc, level)| Edit::Severity { doc, level }),
        doc.clone().prop_map(|doc| Edit::FollowUp { doc }),
        doc.clone().prop_map(|doc| Edit::Body { doc }),
        doc.clone().prop_map(|doc| Edit::Kind { doc }),
        doc.clone().prop_map(|doc| Edit::Broken { doc }),
        doc.clone().prop_map(|doc| Edit::Delete { doc }),
        doc.clone().prop_map(|doc| Edit::Rename { doc }),
        (doc.clone(), doc).prop_map(|(like, link_to)| Edit::Add { like, link_to }),
        (0..5_u8).prop_map(|setting| Edit::Config { setting }),
    ]
}

/// `text` with front-matter field `field` set to `value` (its first line replaced, or a line
/// added after the opening `---`); `None` removes the line. Text without front matter is
/// returned as it is.
fn set_field(text: &str, field: &str, value: Option<&str>) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.first().map(String::as_str) != Some("---") {
        return text.to_string();
    }
    let end = lines
        .iter()
        .skip(1)
        .position(|l| l == "---")
        .map_or(lines.len(), |i| i + 1);
    let prefix = format!("{field}:");
    let at = lines[1..end].iter().position(|l| l.starts_with(&prefix));
    match (at, value) {
        (Some(i), Some(v)) => lines[i + 1] = format!("{field}: {v}"),
        (Some(i), None) => {
            lines.remove(i + 1);
        }
        (None, Some(v)) => lines.insert(1, format!("{field}: {v}")),
        (None, None) => {}
    }
    lines.join("\n") + "\n"
}

/// The relative link from the document at `from` to the one at `to` (content-relative).
fn relative(from: &str, to: &str) -> String {
    let depth = from.matches('/').count();
    format!("{}{to}", "../".repeat(depth))
}

const CONFIGS: [&str; 5] = [
    "[search]\nenabled = false\n",
    "[search]\nenabled = false\n[site]\ntitle = \"Renamed KB\"\ndescription = \"Where we keep what we learned\"\n",
    "[search]\nenabled = false\n[site]\nrepo_url = \"https://git.example.com/ops/kb.git\"\nedit_branch = \"trunk\"\n",
    "[search]\nenabled = false\n[schema]\nseverities = [\"SEV0\", \"SEV1\", \"SEV2\", \"SEV3\", \"SEV4\"]\n",
    "[search]\nenabled = false\n[site]\nunsafe_html = true\n",
];

impl Kb {
    /// Every document file, sorted (content-relative).
    fn all_docs(&self) -> Vec<String> {
        let mut docs = self.docs_in("runbooks");
        docs.extend(self.docs_in("postmortems"));
        docs
    }

    /// Makes `edit` on disk and returns what the watcher would report.
    fn make(&mut self, edit: &Edit, step: usize) -> Vec<Change> {
        let docs = self.all_docs();
        if docs.is_empty() {
            return vec![Change::Rescan];
        }
        let pick = |i: usize| docs[i % docs.len()].clone();
        let mut touched = Vec::new();
        let mut set = |kb: &Kb, rel: &str, field: &str, value: Option<&str>| {
            kb.write(rel, &set_field(&kb.read(rel), field, value));
            touched.push(rel.to_string());
        };
        match edit {
            Edit::Title { doc, word } => {
                let title =
                    ["Alpha outage", "Beta failover", "alpha outage", "Zulu"][*word as usize];
                set(
                    self,
                    &pick(*doc),
                    "title",
                    Some(&format!("\"{title} {step}\"")),
                );
            }
            Edit::Id { doc, id } => {
                let id = id.map(|i| format!("shared-id-{i}"));
                set(self, &pick(*doc), "id", id.as_deref());
            }
            Edit::Link { from, to, anchor } => {
                let (from, to) = (pick(*from), pick(*to));
                let fragment = if *anchor { "#summary" } else { "" };
                let text = self.read(&from);
                let link = relative(&from, &to);
                self.write(&from, &format!("{text}\nSee [this]({link}{fragment}).\n"));
                touched.push(from);
            }
            Edit::Reference { from, to } => {
                let (from, to) = (pick(*from), pick(*to));
                let id = self
                    .workspace
                    .docs
                    .iter()
                    .find(|d| d.rel_path == to)
                    .map(|d| d.id.clone());
                let field = if to.starts_with("runbooks/") {
                    "related_runbooks"
                } else {
                    "related_postmortems"
                };
                set(
                    self,
                    &from,
                    field,
                    Some(&format!("[{}]", id.unwrap_or_default())),
                );
            }
            Edit::Owner { doc, owner } => {
                let owner = ["team-a", "bob@acme.example", "team-b"][*owner as usize];
                set(self, &pick(*doc), "owner", Some(owner));
            }
            Edit::Tags { doc, tags } => {
                let names: Vec<&str> = tags
                    .iter()
                    .map(|t| ["db", "deploy", "dns", "cache"][*t as usize])
                    .collect();
                set(
                    self,
                    &pick(*doc),
                    "tags",
                    Some(&format!("[{}]", names.join(", "))),
                );
            }
            Edit::Services { doc, service } => {
                let service = ["payments-api", "checkout-web", "new-service"][*service as usize];
                set(self, &pick(*doc), "services", Some(&format!("[{service}]")));
            }
            Edit::Severity { doc, level } => {
                set(self, &pick(*doc), "severity", Some(&format!("SEV{level}")));
            }
            Edit::FollowUp { doc } => {
                let rel = pick(*doc);
                let text = self.read(&rel);
                let flipped = if text.contains("status: done") {
                    text.replacen("status: done", "status: open", 1)
                } else {
                    text.replacen("status: open", "status: done", 1)
                };
                self.write(&rel, &flipped);
                touched.push(rel);
            }
            Edit::Body { doc } => {
                let rel = pick(*doc);
                let text = self.read(&rel);
                self.write(&rel, &format!("{text}\nEdit {step} adds a line.\n"));
                touched.push(rel);
            }
            Edit::Kind { doc } => {
                let rel = pick(*doc);
                let other = if self.read(&rel).contains("kind: postmortem") {
                    "runbook"
                } else {
                    "postmortem"
                };
                set(self, &rel, "kind", Some(other));
            }
            Edit::Broken { doc } => {
                let rel = pick(*doc);
                let text = self.read(&rel);
                self.write(&rel, &text.replacen("title: ", "title: [unclosed ", 1));
                touched.push(rel);
            }
            Edit::Delete { doc } => {
                let rel = pick(*doc);
                fs::remove_file(self.path(&rel)).unwrap();
                touched.push(rel);
            }
            Edit::Rename { doc } => {
                let rel = pick(*doc);
                let renamed = rel.replace(".md", &format!("-r{step}.md"));
                fs::rename(self.path(&rel), self.path(&renamed)).unwrap();
                touched.extend([rel, renamed]);
            }
            Edit::Add { like, link_to } => {
                let (like, to) = (pick(*like), pick(*link_to));
                let rel = format!("{}/added-{step}.md", like.split('/').next().unwrap());
                let text = format!("{}\nSee [it]({}).\n", self.read(&like), relative(&rel, &to));
                self.write(&rel, &set_field(&text, "id", None));
                touched.push(rel);
            }
            Edit::Config { setting } => {
                fs::write(
                    self.dir.path().join("opsbook.toml"),
                    CONFIGS[*setting as usize],
                )
                .unwrap();
                return vec![Change::Config];
            }
        }
        touched.into_iter().map(Change::Document).collect()
    }

    /// Applies `changes`, rebuilds in two phases and compares with a full build and lint.
    fn step(&mut self, what: &str, changes: Vec<Change>) {
        let changes: BTreeSet<Change> = changes.into_iter().collect();
        let applied = self.workspace.apply(&changes).unwrap();
        let (findings, result, rest) =
            self.rebuilder
                .first_phase(&self.workspace, Some(&applied), today());
        result.unwrap_or_else(|e| panic!("{what}: {e}"));
        if let Some(rest) = rest {
            self.rebuilder.finish(rest, &|| false).unwrap();
        }
        let ws = &self.workspace;
        let want = opsbook::lint::check(&ws.docs, &ws.config, today());
        assert_eq!(
            finding_keys(&findings, ws),
            finding_keys(&want, ws),
            "{what}"
        );
        self.check(what);
    }
}

proptest::proptest! {
    // Each case is a few full builds; more with PROPTEST_CASES.
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(6),
        max_shrink_iters: 64,
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// Random sequences of edits: after each, the served folder is what a full build writes
    /// and the findings are lint's.
    #[test]
    fn random_edits_give_the_site_of_a_full_build(
        edits in proptest::collection::vec(edit_strategy(), 1..7)
    ) {
        let mut kb = Kb::new(12, CONFIGS[0]);
        for (step, edit) in edits.iter().enumerate() {
            let changes = kb.make(edit, step);
            kb.step(&format!("edit {step}: {edit:?} in {edits:?}"), changes);
        }
    }
}
