//! The lint findings of `opsbook serve`, kept between rebuilds. After an edit only the
//! documents whose findings can change are checked again: the edited ones, and those whose
//! rules looked at an edited document in their last check. What a rule looked at is recorded
//! by the check context as it happens ([`Lookup`]: the documents with an id, a page URL, the
//! document at a path, every document), so nothing here restates what a rule reads. Everything
//! else keeps its findings. The result is what `lint::check` reports for the whole knowledge
//! base (`tests/serve_incremental.rs` and the tests below compare the two).

use std::collections::{BTreeSet, HashMap, HashSet};

use jiff::civil::Date;
use rayon::prelude::*;

use crate::alerts::AlertRules;
use crate::alerts::coverage::Coverage;
use crate::config::Config;
use crate::document::Document;
use crate::lint::{self, Change, Corpus, Finding, Lookup, Origin};

/// What the last check saw of a document: what other documents can find it by, and what its
/// rules looked up of the others.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    id: String,
    /// Its page URL, when it has a kind.
    url: Option<String>,
    lookups: Vec<Lookup>,
}

#[derive(Debug, Default)]
pub struct LintCache {
    /// Findings by document (content-relative path); their document index is set on assembly.
    findings: HashMap<String, Vec<Finding>>,
    /// The findings of the alert rule files: every rule file is checked on every call (there
    /// are few, and their findings depend on every runbook).
    rule_files: Vec<Finding>,
    seen: HashMap<String, Seen>,
    /// The git dates `stale-runbook` asked for, and the runbooks they were looked up for: reused
    /// while no other runbook needs one (one walk of the history per serve, not per edit).
    git: Option<(HashSet<String>, HashMap<String, Date>)>,
    /// How many documents the last call checked.
    pub checked: usize,
}

/// Runbooks whose `stale-runbook` check needs their last git change.
fn wanting_git_dates(docs: &[Document]) -> HashSet<String> {
    docs.iter()
        .filter(|d| {
            d.kind == Some(crate::document::Kind::Runbook)
                && d.field("last_reviewed").is_none_or(|n| n.is_empty())
        })
        .map(|d| d.rel_path.clone())
        .collect()
}

/// What an edit changed, as [`LintCache::check`] takes it.
#[derive(Debug, Clone, Copy)]
pub struct Edit<'e> {
    /// Documents whose text changed, that appeared or that are gone.
    pub changed: &'e BTreeSet<String>,
    /// The content folder was walked again.
    pub rescanned: bool,
    /// Check everything.
    pub full: bool,
}

impl LintCache {
    /// Checks the documents an edit can affect, or all of them with `full` (the first build, a
    /// config change, a new day). `changed`: documents whose text changed, that appeared or
    /// that are gone; `rescanned`: the content folder was walked again, so files that are not
    /// documents may have appeared or gone (links to them are checked again).
    /// `alerts`: the alert rules, and whether they changed since the last call (the documents
    /// that looked them up are checked again).
    pub fn check(
        &mut self,
        docs: &[Document],
        (alerts, alerts_changed): (&AlertRules, bool),
        config: &Config,
        today: Date,
        edit: &Edit,
    ) -> Vec<Finding> {
        let Edit {
            changed,
            rescanned,
            full,
        } = *edit;
        let coverage = (!alerts.files.is_empty()).then(|| Coverage::new(docs, alerts, config));
        let mut corpus = Corpus::new(docs, config, today);
        if let Some(coverage) = &coverage {
            corpus = corpus.with_alerts(alerts, coverage);
        }
        let wanting = wanting_git_dates(docs);
        if let Some((asked, dates)) = &self.git
            && wanting.is_subset(asked)
        {
            corpus.reuse_git_dates(dates.clone());
        }
        let only: Vec<usize> = if full || self.seen.is_empty() {
            (0..docs.len()).collect()
        } else {
            self.affected(&corpus, changed, rescanned, alerts_changed)
        };
        let (fresh, lookups) = lint::check_documents(&corpus, &only, true);
        if let Some(dates) = corpus.git_dates_if_computed() {
            self.git = Some((wanting, dates.clone()));
        }
        self.store(docs, changed, &only, fresh, lookups);
        self.rule_files = lint::check_rule_files(&corpus);
        self.checked = only.len();
        self.assemble(docs)
    }

    /// Replaces what the cache knows of the documents at `only` with a fresh check.
    fn store(
        &mut self,
        docs: &[Document],
        changed: &BTreeSet<String>,
        only: &[usize],
        fresh: Vec<Finding>,
        lookups: Vec<Vec<Lookup>>,
    ) {
        if only.len() == docs.len() {
            self.findings.clear();
            self.seen.clear();
        }
        for rel in changed {
            self.findings.remove(rel);
            self.seen.remove(rel);
        }
        for (&i, mut lookups) in only.iter().zip(lookups) {
            let doc = &docs[i];
            lookups.sort_unstable();
            lookups.dedup();
            self.findings.insert(doc.rel_path.clone(), Vec::new());
            let seen = Seen {
                id: doc.id.clone(),
                url: doc.kind.map(|_| doc.url_path()),
                lookups,
            };
            self.seen.insert(doc.rel_path.clone(), seen);
        }
        for finding in fresh {
            let Some(i) = finding.at.document() else {
                continue;
            };
            if let Some(list) = self.findings.get_mut(&docs[i].rel_path) {
                list.push(finding);
            }
        }
    }

    /// Every cached finding, in document order with its index into `docs`, then the rule
    /// files' findings.
    fn assemble(&self, docs: &[Document]) -> Vec<Finding> {
        let mut all = Vec::new();
        for (i, doc) in docs.iter().enumerate() {
            for finding in self.findings.get(&doc.rel_path).into_iter().flatten() {
                let mut finding = finding.clone();
                finding.at = Origin::Document(i);
                all.push(finding);
            }
        }
        all.extend(self.rule_files.iter().cloned());
        all
    }

    /// The documents whose findings may differ from the cached ones: the changed and new ones,
    /// and those whose rules looked up something a changed document is or was.
    fn affected(
        &self,
        corpus: &Corpus,
        changed: &BTreeSet<String>,
        rescanned: bool,
        alerts_changed: bool,
    ) -> Vec<usize> {
        let docs = corpus.docs();
        let mut change = Change {
            paths: changed.iter().cloned().collect(),
            any_file: rescanned,
            alert_rules: alerts_changed,
            ..Change::default()
        };
        for rel in changed {
            if let Some(seen) = self.seen.get(rel) {
                change.document(&seen.id, seen.url.clone());
            }
            if let Some(i) = corpus.index_of(rel) {
                change.document(&docs[i].id, docs[i].kind.map(|_| docs[i].url_path()));
            }
        }
        (0..docs.len())
            .into_par_iter()
            .filter(|&i| {
                let rel = &docs[i].rel_path;
                // A document that did not change is as it was when `seen` was taken.
                match self.seen.get(rel).filter(|_| !changed.contains(rel)) {
                    Some(seen) => seen.lookups.iter().any(|l| change.touches(l, corpus)),
                    None => true,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    //! The oracle: after any sequence of edits, the cache reports what a full `lint::check`
    //! reports. The documents are drawn from small pools of ids, links, references and headings
    //! so that edits collide: ids are shared and stop being shared, links and references
    //! start and stop resolving, anchors appear and vanish, documents appear and are deleted.

    use std::collections::BTreeMap;
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::*;

    const PATHS: &[&str] = &[
        "runbooks/a.md",
        "runbooks/b.md",
        "runbooks/sub/a.md",
        "postmortems/c.md",
        "postmortems/d.md",
        "notes/e.md",
    ];
    const IDS: &[&str] = &["", "a", "b", "c", "x"];
    const REFERENCES: &[&str] = &["a", "b", "bb", "c", "x"];
    const LINKS: &[&str] = &[
        "a.md",
        "b.md#timeline",
        "../runbooks/b.md",
        "../postmortems/c.md#timeline",
        "#timeline",
        "#other",
        "../notes/e.md",
        "sub/a.md#steps",
    ];
    const HEADINGS: &[&str] = &["Timeline", "Steps", "Other"];

    /// One document's text, from choices among the pools.
    #[derive(Debug, Clone)]
    struct Text {
        id: usize,
        references: Vec<usize>,
        links: Vec<usize>,
        headings: Vec<usize>,
    }

    impl Text {
        fn render(&self, path: &str) -> String {
            let kind = if path.starts_with("postmortems/") {
                "postmortem"
            } else {
                "runbook"
            };
            let mut text = format!("---\nkind: {kind}\ntitle: T\nlast_reviewed: 2026-11-01\n");
            if !IDS[self.id].is_empty() {
                text.push_str(&format!("id: {}\n", IDS[self.id]));
            }
            let field = if kind == "runbook" {
                "related_postmortems"
            } else {
                "related_runbooks"
            };
            let references: Vec<&str> = self.references.iter().map(|&i| REFERENCES[i]).collect();
            text.push_str(&format!("{field}: [{}]\n---\n", references.join(", ")));
            for &h in &self.headings {
                text.push_str(&format!("\n## {}\n", HEADINGS[h]));
            }
            for &l in &self.links {
                text.push_str(&format!("\n[link]({})\n", LINKS[l]));
            }
            text
        }
    }

    fn text() -> impl Strategy<Value = Text> {
        (
            0..IDS.len(),
            proptest::collection::vec(0..REFERENCES.len(), 0..3),
            proptest::collection::vec(0..LINKS.len(), 0..4),
            proptest::collection::vec(0..HEADINGS.len(), 0..3),
        )
            .prop_map(|(id, references, links, headings)| Text {
                id,
                references,
                links,
                headings,
            })
    }

    /// Write a document (`Some`) or delete it (`None`).
    fn edit() -> impl Strategy<Value = (usize, Option<Text>)> {
        (0..PATHS.len(), proptest::option::weighted(0.8, text()))
    }

    fn documents(files: &BTreeMap<&str, String>) -> Vec<Document> {
        files
            .iter()
            .map(|(rel, text)| {
                let path = format!("/nonexistent/content/{rel}");
                Document::parse(rel.to_string(), path.into(), Arc::new(text.clone()))
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn incremental_findings_are_the_full_lints(
            start in proptest::collection::vec(edit(), 0..6),
            edits in proptest::collection::vec(edit(), 1..12),
        ) {
            let config = Config::default();
            let today: Date = "2026-11-25".parse().unwrap();
            let mut files: BTreeMap<&str, String> = BTreeMap::new();
            let apply = |files: &mut BTreeMap<&str, String>, (path, text): &(usize, Option<Text>)| {
                let rel = PATHS[*path];
                match text {
                    Some(text) => files.insert(rel, text.render(rel)),
                    None => files.remove(rel),
                };
                rel.to_string()
            };
            for step in &start {
                apply(&mut files, step);
            }
            let mut cache = LintCache::default();
            let docs = documents(&files);
            cache.check(&docs, (&AlertRules::default(), false), &config, today, &Edit { changed: &BTreeSet::new(), rescanned: true, full: true });
            for (n, step) in edits.iter().enumerate() {
                let changed = BTreeSet::from([apply(&mut files, step)]);
                let docs = documents(&files);
                let got = cache.check(&docs, (&AlertRules::default(), false), &config, today, &Edit { changed: &changed, rescanned: false, full: false });
                let want = lint::check(&docs, &config, today);
                prop_assert_eq!(got, want, "after edit {} of {:?}", n + 1, edits);
            }
        }
    }

    /// The oracle is not vacuous: the pools produce every cross-document finding, and the
    /// cache re-checks fewer documents than a full check when an edit touches no other.
    #[test]
    fn edits_change_other_documents_findings_and_spare_the_rest() {
        let config = Config::default();
        let today: Date = "2026-11-25".parse().unwrap();
        let runbook = |id: usize, links: Vec<usize>| Text {
            id,
            references: vec![],
            links,
            headings: vec![1],
        };
        let mut files: BTreeMap<&str, String> = BTreeMap::new();
        files.insert(PATHS[0], runbook(3, vec![]).render(PATHS[0]));
        files.insert(PATHS[1], runbook(2, vec![0]).render(PATHS[1]));
        files.insert(PATHS[5], runbook(4, vec![]).render(PATHS[5]));
        // Only the findings of rules that read other documents (the pools leave out required
        // fields, which the oracle above does not mind).
        let across = |findings: Vec<Finding>| -> Vec<Finding> {
            findings
                .into_iter()
                .filter(|f| {
                    crate::lint::rules::by_id(f.rule.as_str())
                        .is_some_and(|r| !r.meta().reads.is_empty())
                })
                .collect()
        };
        let mut cache = LintCache::default();
        let docs = documents(&files);
        let first = across(cache.check(
            &docs,
            (&AlertRules::default(), false),
            &config,
            today,
            &Edit {
                changed: &BTreeSet::new(),
                rescanned: false,
                full: true,
            },
        ));
        assert!(first.is_empty(), "{first:?}");

        // b.md links to a.md; deleting a.md breaks the link in b.md, which did not change.
        files.remove(PATHS[0]);
        let docs = documents(&files);
        let changed = BTreeSet::from([PATHS[0].to_string()]);
        let after = across(cache.check(
            &docs,
            (&AlertRules::default(), false),
            &config,
            today,
            &Edit {
                changed: &changed,
                rescanned: false,
                full: false,
            },
        ));
        assert_eq!(after.len(), 1, "{after:?}");
        assert_eq!(after[0].rule, "broken-link");
        assert_eq!(after[0].at, Origin::Document(1), "{}", PATHS[1]);
        assert_eq!(cache.checked, 1, "notes/e.md looked at nothing a.md was");

        // notes/e.md takes b.md's id: both report duplicate-id.
        files.insert(PATHS[5], runbook(2, vec![]).render(PATHS[5]));
        let docs = documents(&files);
        let changed = BTreeSet::from([PATHS[5].to_string()]);
        let after = cache.check(
            &docs,
            (&AlertRules::default(), false),
            &config,
            today,
            &Edit {
                changed: &changed,
                rescanned: false,
                full: false,
            },
        );
        let duplicates = after.iter().filter(|f| f.rule == "duplicate-id").count();
        assert_eq!(duplicates, 2, "{after:?}");
        assert_eq!(after, lint::check(&docs, &config, today));
    }

    /// A changed rule file re-checks the documents whose rules read the alert rules, and the
    /// rule files' findings follow the documents: the cache equals a full check each time.
    #[test]
    fn alert_rule_changes_recheck_what_read_them() {
        use crate::alerts::{AlertRules, RuleFile};
        let mut config = Config::default();
        config.alerts.rules = vec!["rules/*.yaml".into()];
        let today: Date = "2026-11-25".parse().unwrap();
        let rules = |names: &[&str]| {
            let body: String = names
                .iter()
                .map(|n| format!("  - alert: {n}\n    expr: up == 0\n"))
                .collect();
            let text = format!("groups:\n- name: g\n  rules:\n{body}");
            AlertRules::new(vec![RuleFile::parse(
                "rules/a.yaml".into(),
                "rules/a.yaml".into(),
                Arc::new(text),
                &config,
            )])
        };
        let runbook = |alerts: &str| {
            format!(
                "---\nkind: runbook\ntitle: T\nlast_reviewed: 2026-11-01\nalerts: [{alerts}]\n---\n"
            )
        };
        let mut files: BTreeMap<&str, String> = BTreeMap::new();
        files.insert(PATHS[0], runbook("A"));
        files.insert(PATHS[1], runbook("B"));
        files.insert(PATHS[3], POSTMORTEM_WITHOUT_ALERTS.to_string());
        let docs = documents(&files);
        let rules_of = |f: &[Finding]| -> Vec<(crate::lint::RuleId, Origin)> {
            f.iter()
                .filter(|f| f.rule.as_str().contains("alert"))
                .map(|f| (f.rule, f.at))
                .collect()
        };
        let mut cache = LintCache::default();
        let before = rules(&["A", "B"]);
        let first = cache.check(
            &docs,
            (&before, false),
            &config,
            today,
            &Edit {
                changed: &BTreeSet::new(),
                rescanned: false,
                full: true,
            },
        );
        assert_eq!(rules_of(&first), []);

        // B is renamed in the rule file: the runbook listing B no longer resolves, the new
        // name has no runbook; only the runbooks that looked the alert rules up are checked.
        let after = rules(&["A", "B2"]);
        let got = cache.check(
            &docs,
            (&after, true),
            &config,
            today,
            &Edit {
                changed: &BTreeSet::new(),
                rescanned: false,
                full: false,
            },
        );
        let want = lint::check_with_alerts(&docs, &after, &config, today);
        assert_eq!(got, want);
        let found = rules_of(&got);
        assert!(
            found.contains(&(
                crate::lint::rules::by_id("unknown-alert").unwrap().id(),
                Origin::Document(2)
            )),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|(r, at)| *r == "alert-without-runbook" && *at == Origin::RuleFile(0)),
            "{found:?}"
        );
        assert_eq!(cache.checked, 2, "the two runbooks, not the postmortem");

        // A runbook lists the new name: the rule file's finding goes without a rule-file change.
        files.insert(PATHS[1], runbook("B2"));
        let docs = documents(&files);
        let changed = BTreeSet::from([PATHS[1].to_string()]);
        let got = cache.check(
            &docs,
            (&after, false),
            &config,
            today,
            &Edit {
                changed: &changed,
                rescanned: false,
                full: false,
            },
        );
        assert_eq!(got, lint::check_with_alerts(&docs, &after, &config, today));
        assert_eq!(rules_of(&got), []);
    }

    const POSTMORTEM_WITHOUT_ALERTS: &str = "---\nkind: postmortem\ntitle: P\n---\n## Timeline\n";
}
