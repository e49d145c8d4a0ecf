//! `opsbook adopt` on repositories shaped like real ones (tests/fixtures/adopt/*: Hugo, MkDocs,
//! Middleman, Docusaurus, a postmortem archive), each copied into a fresh git repository:
//! `adopt --write`, then `lint` and `build`. Every document must get a page, the metrics must
//! count the incidents whose times are under the team's own keys, and the findings left must be
//! the problems each fixture plants, one each, and nothing for the conventions it maps.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use opsbook::config::Config;
use opsbook::site::SiteInput;
use opsbook::site::metrics;
use opsbook::site::model::Site;

const TODAY: &str = "2026-12-01";

/// A copy of fixture `adopt/<name>` committed to a new git repository (a team's repository
/// is one, and stale-runbook reads dates from its history).
fn repository(name: &str) -> tempfile::TempDir {
    let dir = common::kb(&format!("adopt/{name}"));
    commit(dir.path());
    dir
}

/// A repository of the given files (path, text), committed.
fn repository_of(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    commit(dir.path());
    dir
}

fn commit(dir: &Path) {
    for args in [
        &["init", "-q"][..],
        &["add", "-A"],
        &[
            "-c",
            "user.name=Ops",
            "-c",
            "user.email=ops@example.com",
            "commit",
            "-q",
            "-m",
            "as it was",
        ],
    ] {
        let status = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_DATE", "2026-11-20T10:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-11-20T10:00:00Z")
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    }
}

/// Findings by rule from `opsbook lint --format json`.
fn findings_by_rule(dir: &Path) -> BTreeMap<String, usize> {
    let output = common::opsbook(dir)
        .args(["lint", "--format", "json", "--today", TODAY])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut counts = BTreeMap::new();
    for finding in report["findings"].as_array().unwrap() {
        *counts
            .entry(finding["rule"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    counts
}

/// Runs adopt, lint and build on fixture `name`, checks what every fixture must give, and
/// returns the findings by rule and the repository.
fn adopt(
    name: &str,
    documents: usize,
    incidents: usize,
) -> (BTreeMap<String, usize>, tempfile::TempDir) {
    let repo = repository(name);
    let findings = adopt_in(&repo, documents, incidents);
    (findings, repo)
}

fn adopt_in(
    repo: &tempfile::TempDir,
    documents: usize,
    incidents: usize,
) -> BTreeMap<String, usize> {
    let before = common::snapshot_tree(repo.path());
    let adopted = common::opsbook(repo.path())
        .args(["adopt", "--write"])
        .output()
        .unwrap();
    assert!(adopted.status.success(), "{adopted:?}");
    let mut after = common::snapshot_tree(repo.path());
    let written = after.remove("opsbook.toml").expect("opsbook.toml written");
    after.retain(|path, _| !path.starts_with(".git/"));
    let mut unchanged = before;
    unchanged.retain(|path, _| !path.starts_with(".git/"));
    assert_eq!(after, unchanged, "adopt changed a file of the repository");
    // What it wrote is a config opsbook reads, with a comment on every setting.
    let text = String::from_utf8(written).unwrap();
    Config::parse(&text, "opsbook.toml").unwrap();
    for line in text.lines().filter(|l| l.contains(" = ")) {
        assert!(line.contains("  # "), "no comment on `{line}`");
    }
    let findings = findings_by_rule(repo.path());
    let built = common::opsbook(repo.path())
        .args(["build", "--allow-errors", "--today", TODAY])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&built.stderr);
    assert!(built.status.success(), "{stderr}");
    assert!(!stderr.contains("no page for"), "{stderr}");
    assert!(
        stderr.contains(&format!("for {documents} documents")),
        "{stderr}"
    );
    let config = Config::load(None, repo.path()).unwrap();
    let docs = opsbook::load(&config).unwrap();
    assert_eq!(docs.len(), documents);
    let site = Site::new(&config, &docs, &SiteInput::new(TODAY.parse().unwrap()));
    let metrics = metrics::compute(&site);
    assert_eq!(
        (metrics.incidents, metrics.without_start),
        (incidents, 0),
        "the metrics count every incident from the team's own time keys"
    );
    findings
}

fn expect(findings: &BTreeMap<String, usize>, planted: &[(&str, usize)]) {
    let planted: BTreeMap<String, usize> =
        planted.iter().map(|(r, n)| (r.to_string(), *n)).collect();
    assert_eq!(findings, &planted);
}

#[test]
fn hugo_site_with_section_pages_shortcodes_and_toml_front_matter() {
    let (findings, repo) = adopt("hugo", 4, 2);
    // Planted: a link to a runbook that does not exist; a runbook whose `last_reviewed_on`
    // is older than its `review_in: 3 months`.
    expect(&findings, &[("broken-link", 1), ("stale-runbook", 1)]);
    let config = common::read(&repo.path().join("opsbook.toml"));
    assert!(config.contains("hugo_ref = true"), "{config}");
    assert!(
        config.contains("last_reviewed_on = \"last_reviewed\""),
        "{config}"
    );
    // Shortcodes do not reach the page; the ref became a link to the runbook's page.
    let page = common::read(&repo.path().join("public/runbooks/db-failover/index.html"));
    assert!(!page.contains("{{&lt;") && !page.contains("{{<"), "{page}");
    assert!(page.contains("href=\"/runbooks/api-restart/\""), "{page}");
}

#[test]
fn mkdocs_site_with_md_links_and_pages_without_front_matter() {
    let (findings, repo) = adopt("mkdocs", 5, 2);
    // Planted: a link to a page that does not exist; a postmortem resolved before it started.
    expect(&findings, &[("broken-link", 1), ("timestamp-order", 1)]);
    let config = common::read(&repo.path().join("opsbook.toml"));
    assert!(config.contains("front_matter = \"optional\""), "{config}");
    assert!(config.contains("title_from_heading = true"), "{config}");
    // The title comes from the first heading, and the page shows it once.
    let page = common::read(&repo.path().join("public/runbooks/rotate-certs/index.html"));
    assert_eq!(
        page.matches("Rotate the TLS certificates</h1>").count(),
        1,
        "{page}"
    );
}

#[test]
fn middleman_site_with_erb_documents_and_html_links() {
    let (findings, repo) = adopt("middleman", 4, 1);
    // Planted: a runbook without an owner.
    expect(&findings, &[("required-field", 1)]);
    let config = common::read(&repo.path().join("opsbook.toml"));
    assert!(config.contains("\"*.html.md.erb\""), "{config}");
    assert!(config.contains("html = true"), "{config}");
    let page = common::read(
        &repo
            .path()
            .join("public/runbooks/deploy-rollback/index.html"),
    );
    assert!(
        !page.contains("current_page") && !page.contains("&lt;%"),
        "{page}"
    );
}

#[test]
fn postmortem_archive_with_its_own_keys_and_a_data_folder() {
    let (findings, repo) = adopt("archive", 5, 3);
    // Planted: a postmortem without a severity; a runbook reviewed too long ago by its own
    // `last_reviewed_on` and `review_in: 6 months`.
    expect(&findings, &[("required-field", 1), ("stale-runbook", 1)]);
    let config = common::read(&repo.path().join("opsbook.toml"));
    assert!(config.contains("\"data/**\" = \"postmortem\""), "{config}");
    assert!(
        config.contains("[\"Timeline\", \"Key events\"]"),
        "{config}"
    );
    assert!(config.contains("company = \"services\""), "{config}");
    // Its templates/ folder is neither documents nor opsbook's template overrides.
    assert!(
        config.contains("\"templates/**\",  # templates to start"),
        "{config}"
    );
    assert!(
        config.contains("templates = \"opsbook-templates\""),
        "{config}"
    );
}

#[test]
fn docusaurus_site_with_mdx_and_links_from_the_site_root() {
    let (findings, repo) = adopt("docusaurus", 4, 1);
    // Planted: a runbook without an owner.
    expect(&findings, &[("required-field", 1)]);
    let config = common::read(&repo.path().join("opsbook.toml"));
    assert!(config.contains("\"*.mdx\""), "{config}");
    assert!(config.contains("site_root = \"/docs/\""), "{config}");
    let page = common::read(
        &repo
            .path()
            .join("public/runbooks/redis-failover/index.html"),
    );
    assert!(!page.contains("import Tabs"), "{page}");
}

#[test]
fn write_never_overwrites_an_existing_config() {
    let repo = repository("archive");
    std::fs::write(repo.path().join("opsbook.toml"), "# ours\n").unwrap();
    let output = common::opsbook(repo.path())
        .args(["adopt", "--write"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(common::read(&repo.path().join("opsbook.toml")), "# ours\n");
    // Without --write the proposal is printed, and it parses.
    let printed = common::opsbook(repo.path()).arg("adopt").output().unwrap();
    assert!(printed.status.success());
    Config::parse(
        std::str::from_utf8(&printed.stdout).unwrap(),
        "opsbook.toml",
    )
    .unwrap();
}

#[test]
fn jekyll_site_with_posts_and_liquid() {
    let repo = repository_of(&[
        ("_config.yml", "title: Ops\n"),
        ("README.md", "# Ops site\n"),
        ("index.md", "---\nlayout: home\n---\n"),
        ("_layouts/post.html", "{{ content }}\n"),
        (
            "_posts/2026-03-04-db-outage.md",
            "---\nlayout: post\ntitle: DB outage\ndate: 2026-03-04 10:00:00 +0000\nauthor: jo@example.com\ncategories: [db]\n---\n\n## Timeline\n\n- 10:00 {{ site.title }} down\n",
        ),
        (
            "_posts/2026-05-10-cache.md",
            "---\nlayout: post\ntitle: Cache stampede\ndate: 2026-05-10 08:30:00 +0000\nauthor: kim@example.com\ncategories: [cache]\n---\n\n## Timeline\n\n- 08:30 see {% link _posts/2026-03-04-db-outage.md %}\n",
        ),
    ]);
    // The posts are postmortems from their folder's incident dates (Jekyll's `date`), the
    // README and the home page are not documents, and nothing is left to report.
    let findings = adopt_in(&repo, 2, 2);
    expect(&findings, &[]);
    let config = common::read(&repo.path().join("opsbook.toml"));
    assert!(
        config.contains("\"_posts/**\" = \"postmortem\""),
        "{config}"
    );
    assert!(config.contains("date = \"started_at\""), "{config}");
    assert!(config.contains("template_tags = [\"liquid\"]"), "{config}");
}

#[test]
fn plain_folders_with_their_own_severity_scale_and_date_habit() {
    let runbook = |name: &str| {
        format!(
            "---\ntitle: {name}\nowner: team-ops\nseverity: P2\nservices: [{name}]\nrollback: none needed\nlast_reviewed: 11/02/2026\n---\n\nSteps.\n"
        )
    };
    let (a, b, c) = (runbook("api"), runbook("db"), runbook("web"));
    let incident = "---\ntitle: API down\nowner: lee@example.com\nseverity: P1\nservices: [api]\nrollback: redeployed\nfollow_ups: []\nno_follow_ups_reason: none needed\nstarted_at: 2026-02-01T10:00:00Z\n---\n\n## Timeline\n\n- down\n";
    let repo = repository_of(&[
        ("playbooks/api.md", &a),
        ("playbooks/db.md", &b),
        ("playbooks/web.md", &c),
        ("outages/2026-02-01-api.md", incident),
    ]);
    let findings = adopt_in(&repo, 4, 1);
    let config = common::read(&repo.path().join("opsbook.toml"));
    // P1/P2 is a scale opsbook knows; the US dates are the team's habit: a warning at first.
    assert!(
        config.contains("severities = [\"P0\", \"P1\", \"P2\", \"P3\", \"P4\"]"),
        "{config}"
    );
    assert!(config.contains("invalid-date = \"warning\""), "{config}");
    assert!(
        config.contains("\"playbooks/**\" = \"runbook\""),
        "{config}"
    );
    assert!(
        config.contains("\"outages/**\" = \"postmortem\""),
        "{config}"
    );
    expect(&findings, &[("invalid-date", 3)]);
}

#[test]
fn every_toml_example_in_the_configuration_chapter_is_valid_config() {
    let book =
        common::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src/configuration.md"));
    // The chapter's last section shows invalid config on purpose.
    let valid = book.split("## Errors in opsbook.toml").next().unwrap();
    let mut examples = 0;
    for block in valid.split("```toml\n").skip(1) {
        let text = block.split("```").next().unwrap();
        if let Err(e) = Config::parse(text, "opsbook.toml") {
            panic!("{text}\n{:?}", miette::Report::new(*e));
        }
        examples += 1;
    }
    assert!(examples >= 10, "{examples}");
}

#[test]
fn migrate_renames_only_the_keys_and_keeps_what_the_documents_mean() {
    let repo = repository("archive");
    common::opsbook(repo.path())
        .args(["adopt", "--write"])
        .assert()
        .success();
    // Two keys feeding one field, a quoted key: both stay as written.
    let tricky = "---\ntitle: Tricky\nowner: a@example.com\nseverity: SEV3\nproduct: x\nservices: [y]\nstart_time: \"2026-01-01 10:00\" # began\n\"end_time\": \"2026-01-01 11:00\"\n---\n\n## Timeline\n";
    std::fs::write(repo.path().join("data/2026-01-01-tricky.md"), tricky).unwrap();
    let before = common::snapshot_tree(repo.path());
    let findings = findings_by_rule(repo.path());

    let dry = common::opsbook(repo.path())
        .args(["migrate", "--dry-run"])
        .output()
        .unwrap();
    assert!(dry.status.success());
    let diff = String::from_utf8(dry.stdout).unwrap();
    assert!(
        diff.contains("\n-start_time: \"2025-11-03 14:05\"\n"),
        "{diff}"
    );
    assert!(
        diff.contains("\n+started_at: \"2025-11-03 14:05\"\n"),
        "{diff}"
    );
    assert_eq!(
        common::snapshot_tree(repo.path()),
        before,
        "--dry-run wrote something"
    );

    let run = common::opsbook(repo.path())
        .arg("migrate")
        .output()
        .unwrap();
    assert!(run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("`end_time`: not written as a plain key"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`product`: another key here is read as `services` too"),
        "{stderr}"
    );
    let after = common::read(&repo.path().join("data/2026-01-01-tricky.md"));
    assert_eq!(
        after,
        tricky.replace("start_time: ", "started_at: "),
        "only the plain, unambiguous key changes"
    );
    // Every other byte is kept: lines differ only in the renamed key before the colon.
    let old = String::from_utf8(before["runbooks/payments.md"].clone()).unwrap();
    let new = common::read(&repo.path().join("runbooks/payments.md"));
    assert_eq!(old.lines().count(), new.lines().count());
    for (a, b) in old.lines().zip(new.lines()) {
        assert_eq!(
            a.split_once(':').map(|p| p.1),
            b.split_once(':').map(|p| p.1)
        );
    }
    assert!(
        new.contains("last_reviewed: 2025-01-10\nreview_interval: 6 months\n"),
        "{new}"
    );
    // The documents mean what they meant: the same findings.
    assert_eq!(findings_by_rule(repo.path()), findings);
}
