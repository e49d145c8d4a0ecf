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
            .current_dir(dir.path())
            .env("GIT_AUTHOR_DATE", "2026-11-20T10:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-11-20T10:00:00Z")
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    }
    dir
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
fn adopt(name: &str, documents: usize, incidents: usize) -> (BTreeMap<String, usize>, tempfile::TempDir) {
    let repo = repository(name);
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
    (findings, repo)
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
    assert!(config.contains("last_reviewed_on = \"last_reviewed\""), "{config}");
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
    assert_eq!(page.matches("Rotate the TLS certificates</h1>").count(), 1, "{page}");
}

#[test]
fn middleman_site_with_erb_documents_and_html_links() {
    let (findings, repo) = adopt("middleman", 4, 1);
    // Planted: a runbook without an owner.
    expect(&findings, &[("required-field", 1)]);
    let config = common::read(&repo.path().join("opsbook.toml"));
    assert!(config.contains("\"*.html.md.erb\""), "{config}");
    assert!(config.contains("html = true"), "{config}");
    let page = common::read(&repo.path().join("public/runbooks/deploy-rollback/index.html"));
    assert!(!page.contains("current_page") && !page.contains("&lt;%"), "{page}");
}

#[test]
fn postmortem_archive_with_its_own_keys_and_a_data_folder() {
    let (findings, repo) = adopt("archive", 5, 3);
    // Planted: a postmortem without a severity; a runbook reviewed too long ago by its own
    // `last_reviewed_on` and `review_in: 6 months`.
    expect(&findings, &[("required-field", 1), ("stale-runbook", 1)]);
    let config = common::read(&repo.path().join("opsbook.toml"));
    assert!(config.contains("\"data/**\" = \"postmortem\""), "{config}");
    assert!(config.contains("[\"Timeline\", \"Key events\"]"), "{config}");
    assert!(config.contains("company = \"services\""), "{config}");
}

#[test]
fn docusaurus_site_with_mdx_and_links_from_the_site_root() {
    let (findings, repo) = adopt("docusaurus", 4, 1);
    // Planted: a runbook without an owner.
    expect(&findings, &[("required-field", 1)]);
    let config = common::read(&repo.path().join("opsbook.toml"));
    assert!(config.contains("\"*.mdx\""), "{config}");
    assert!(config.contains("site_root = \"/docs/\""), "{config}");
    let page = common::read(&repo.path().join("public/runbooks/redis-failover/index.html"));
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
    Config::parse(std::str::from_utf8(&printed.stdout).unwrap(), "opsbook.toml").unwrap();
}
