//! The site as readers use it, in headless Chromium: every page type at phone and laptop width
//! without sideways scrolling, axe-core's accessibility checks in light and dark mode, the
//! search box by keyboard alone, the fallback when no document has every word, filter chips
//! removed by keyboard, and documents whose front matter carries HTML and script payloads.
//!
//! The example knowledge base in content/ is built once and served on 127.0.0.1. These tests
//! need Chromium and axe-core, so a plain `cargo test` skips them (`#[ignore]`); `.ci/run`
//! installs both and runs:
//!
//! ```sh
//! cargo test --test browser --test browser_ui -- --ignored --nocapture
//! ```
//!
//! axe-core is read from `OPSBOOK_AXE` or `target/axe/node_modules/axe-core/axe.min.js`
//! (`npm install --prefix target/axe axe-core@4.14.1`). Screenshots go to target/screenshots/;
//! with `OPSBOOK_BOOK_SCREENSHOTS=book/src/images` the ones the user guide shows go there too.

#[path = "support/chromium.rs"]
mod chromium;
#[path = "support/server.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use headless_chrome::{Browser, Tab};
use serde_json::Value;

use chromium::{
    build_site, eval, launch, open, press, screenshot, set_dark, set_metrics, set_phone, settled,
    wait_for,
};
use server::Server;

/// One page of each type in the example knowledge base.
const PAGES: &[(&str, &str)] = &[
    ("home", "/"),
    ("runbook list", "/runbooks/"),
    ("postmortem list", "/postmortems/"),
    ("runbook", "/runbooks/inventory-db-failover/"),
    (
        "runbook with a wide table",
        "/runbooks/tls-certificate-expiry/",
    ),
    (
        "postmortem",
        "/postmortems/2026-01-09-website-deploy-broken-assets/",
    ),
    ("services", "/services/"),
    ("service", "/services/checkout-web/"),
    ("tags", "/tags/"),
    ("tag", "/tags/assets/"),
    ("owners", "/owners/"),
    ("owner", "/owners/george-lindqvist-acme-example/"),
    ("severities", "/severities/"),
    ("severity", "/severities/sev1/"),
    ("follow-ups", "/follow-ups/"),
    ("metrics", "/metrics/"),
    ("not found", "/404.html"),
];

struct Site {
    _dir: tempfile::TempDir,
    server: Server,
}

/// The example knowledge base, built once for every test in this file.
fn site() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        build_site(Path::new(env!("CARGO_MANIFEST_DIR")), &out, false);
        let server = Server::start(&out);
        Site { _dir: dir, server }
    })
}

fn browser(name: &str) -> (tempfile::TempDir, Browser, Arc<Tab>) {
    let profile = tempfile::Builder::new().prefix(name).tempdir().unwrap();
    let browser = launch(profile.path(), (1366, 900));
    let tab = browser.new_tab().unwrap();
    tab.set_default_timeout(std::time::Duration::from_secs(20));
    (profile, browser, tab)
}

/// The screenshots book/src/site.md and book/src/search.md show (in book/src/images/).
const IN_THE_BOOK: &[&str] = &[
    "home-1366.png",
    "postmortem-1366.png",
    "postmortem-390.png",
    "runbook-390-dark.png",
    "metrics-390.png",
    "search-1366.png",
    "search-390-dark.png",
    "search-fallback.png",
];

/// Saves a screenshot, and a copy for the user guide when OPSBOOK_BOOK_SCREENSHOTS is set and
/// the book shows it.
fn book_screenshot(tab: &Tab, name: &str, full_page: bool) {
    let path = screenshot(tab, name, full_page);
    if !IN_THE_BOOK.contains(&name) {
        return;
    }
    if let Some(dir) = std::env::var_os("OPSBOOK_BOOK_SCREENSHOTS") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(&path, dir.join(name)).unwrap();
    }
}

/// Layout facts of the page shown, as JSON: what overflows and what is too small.
const LAYOUT: &str = r#"(() => {
    const doc = document.documentElement;
    const out = { overflow: doc.scrollWidth - window.innerWidth, wide: [], wrappedDates: [],
                  smallChartText: [], coveredCode: [] };
    // Elements reaching past the right edge (those inside a scrolling box are fine).
    for (const el of document.body.querySelectorAll("*")) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.right <= window.innerWidth + 1) continue;
        let inner = false;
        for (let p = el.parentElement; p; p = p.parentElement) {
            const s = getComputedStyle(p);
            if (["auto", "scroll", "hidden"].includes(s.overflowX) && p !== document.body) { inner = true; break; }
        }
        if (!inner && out.wide.length < 5) out.wide.push(el.tagName + "." + el.className + " " + Math.round(r.right));
    }
    // Dates on one line.
    for (const t of document.querySelectorAll("time")) {
        if (t.getClientRects().length > 1 || t.getBoundingClientRect().height > parseFloat(getComputedStyle(t).lineHeight) * 1.5)
            out.wrappedDates.push(t.textContent);
    }
    // Chart text as drawn on screen, in CSS pixels.
    for (const text of document.querySelectorAll("svg.chart text")) {
        const h = text.getBoundingClientRect().height;
        if (h > 0 && h < 11) out.smallChartText.push(text.textContent + " " + h.toFixed(1));
    }
    // Copy buttons never over code.
    for (const button of document.querySelectorAll(".copy-button")) {
        const b = button.getBoundingClientRect();
        const block = button.closest(".code-block");
        const pre = block && block.querySelector("pre").getBoundingClientRect();
        if (!pre || (b.bottom > pre.top && b.top < pre.bottom && b.right > pre.left && b.left < pre.right))
            out.coveredCode.push(button.textContent);
    }
    return out;
})()"#;

#[test]
#[ignore = "needs Chromium: run `cargo test --test browser_ui -- --ignored` (.ci/run does)"]
fn every_page_fits_a_phone_and_a_laptop() {
    let site = site();
    let (_profile, _browser, tab) = browser("layout");
    let mut problems = Vec::new();
    for phone in [true, false] {
        set_phone(&tab, phone);
        let width = if phone { 390 } else { 1366 };
        for (kind, path) in PAGES {
            open(&tab, &site.server.url(path));
            wait_for(&tab, "document.readyState === 'complete'", "the page");
            let facts = eval(&tab, LAYOUT);
            if facts["overflow"].as_i64().unwrap() > 0 {
                problems.push(format!(
                    "{kind} ({path}) at {width} px scrolls sideways by {} px: {}",
                    facts["overflow"], facts["wide"]
                ));
            }
            for key in ["wrappedDates", "smallChartText", "coveredCode"] {
                if !facts[key].as_array().unwrap().is_empty() {
                    problems.push(format!(
                        "{kind} ({path}) at {width} px: {key} {}",
                        facts[key]
                    ));
                }
            }
        }
    }
    // The check itself works: a wide element outside any scroll box makes the page scroll.
    eval(
        &tab,
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<div style=\"width:2000px\">x</div>'), true",
    );
    let control = eval(&tab, LAYOUT);
    assert!(
        control["overflow"].as_i64().unwrap() > 0,
        "a 2000-pixel element is found: {control}"
    );
    // A wide Markdown table scrolls in its own box and says so.
    set_phone(&tab, true);
    open(&tab, &site.server.url("/runbooks/tls-certificate-expiry/"));
    wait_for(&tab, "document.readyState === 'complete'", "the page");
    let hinted = eval(
        &tab,
        "Array.from(document.querySelectorAll('.prose .table-wrap')).filter(w => w.scrollWidth > w.clientWidth).map(w => w.classList.contains('is-scrollable') && w.tabIndex === 0)",
    );
    assert!(
        !hinted.as_array().unwrap().is_empty()
            && hinted.as_array().unwrap().iter().all(|h| h == true),
        "wide tables scroll in a focusable box with a hint: {hinted}"
    );
    // The favicon is served.
    let favicon = eval(
        &tab,
        "fetch(document.querySelector('link[rel=icon]').href).then(r => r.status)",
    );
    assert_eq!(favicon, 200);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
#[ignore = "needs Chromium: run `cargo test --test browser_ui -- --ignored` (.ci/run does)"]
fn screenshots_for_the_user_guide() {
    let site = site();
    let (_profile, _browser, tab) = browser("shots");
    for (dark, suffix) in [(false, ""), (true, "-dark")] {
        set_dark(&tab, dark);
        for (phone, width) in [(true, "390"), (false, "1366")] {
            // The phone pictures at 1x keep the files small; layout is checked at 2x above.
            if phone {
                set_metrics(&tab, 390, 844, 1.0);
            } else {
                set_phone(&tab, false);
            }
            // On a phone, each picture starts at the part worth showing.
            for (name, path, part) in [
                ("home", "/", "body"),
                (
                    "postmortem",
                    "/postmortems/2026-01-09-website-deploy-broken-assets/",
                    "#follow-ups",
                ),
                (
                    "runbook",
                    "/runbooks/tls-certificate-expiry/",
                    ".prose .table-wrap",
                ),
                ("metrics", "/metrics/", "#by-month"),
                ("follow-ups", "/follow-ups/", "body"),
            ] {
                open(&tab, &site.server.url(path));
                wait_for(&tab, "document.readyState === 'complete'", "the page");
                if phone {
                    eval(
                        &tab,
                        &format!("document.querySelector({part:?}).scrollIntoView(), true"),
                    );
                }
                book_screenshot(&tab, &format!("{name}-{width}{suffix}.png"), false);
            }
            // Search with a filter chosen.
            type_query(&tab, &site.server.url("/"), "failover");
            eval(
                &tab,
                "document.querySelector('[data-search-filters-toggle]').click(), true",
            );
            wait_for(
                &tab,
                "!!document.querySelector('[data-filter-key=kind][data-filter-value=Runbook]')",
                "the kind filter",
            );
            eval(
                &tab,
                "document.querySelector('[data-filter-key=kind][data-filter-value=Runbook]').click(), true",
            );
            wait_for(
                &tab,
                "!!document.querySelector('.search-chip')",
                "the kind chip",
            );
            settled(
                &tab,
                "document.querySelector('[data-search-status]').textContent",
            );
            press(&tab, "ArrowDown");
            book_screenshot(&tab, &format!("search-{width}{suffix}.png"), false);
        }
    }
}

fn axe_source() -> String {
    let path = std::env::var_os("OPSBOOK_AXE").map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/axe/node_modules/axe-core/axe.min.js")
        },
        PathBuf::from,
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core not found at {} ({e}): run `npm install --prefix target/axe axe-core@4.14.1` or set OPSBOOK_AXE",
            path.display()
        )
    })
}

/// axe-core's serious and critical violations on the page shown, one line each.
fn axe_violations(tab: &Tab, axe: &str) -> Vec<String> {
    if eval(tab, "typeof window.axe === 'object'") != Value::Bool(true) {
        tab.evaluate(axe, false).expect("axe-core loads");
    }
    let found = eval(
        tab,
        r#"axe.run(document, { resultTypes: ["violations"] }).then(r => r.violations
            .filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => v.impact + " " + v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ") + " (" + (n.failureSummary || "").replace(/\s+/g, " ").slice(0, 160) + ")").join("; ")))"#,
    );
    serde_json::from_value(found).unwrap()
}

#[test]
#[ignore = "needs Chromium: run `cargo test --test browser_ui -- --ignored` (.ci/run does)"]
fn axe_finds_nothing_serious_in_light_or_dark() {
    let site = site();
    let axe = axe_source();
    let (_profile, _browser, tab) = browser("axe");
    set_phone(&tab, false);
    let mut problems = Vec::new();
    for dark in [false, true] {
        set_dark(&tab, dark);
        let mode = if dark { "dark" } else { "light" };
        for (kind, path) in PAGES {
            open(&tab, &site.server.url(path));
            wait_for(&tab, "document.readyState === 'complete'", "the page");
            for v in axe_violations(&tab, &axe) {
                problems.push(format!("{kind} ({path}, {mode}): {v}"));
            }
        }
        // The search panel open, with results, a chip and the filters shown.
        type_query(&tab, &site.server.url("/"), "failover");
        tab.find_element("[data-search-filters-toggle]")
            .unwrap()
            .click()
            .unwrap();
        tab.find_element("[data-filter-key=kind][data-filter-value=Runbook]")
            .unwrap()
            .click()
            .unwrap();
        wait_for(&tab, "!!document.querySelector('.search-chip')", "a chip");
        settled(
            &tab,
            "document.querySelector('[data-search-status]').textContent",
        );
        press(&tab, "ArrowDown");
        for v in axe_violations(&tab, &axe) {
            problems.push(format!("search panel ({mode}): {v}"));
        }
    }
    // The check itself works: an input without a label is critical.
    eval(
        &tab,
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<input type=text>'), true",
    );
    let control = axe_violations(&tab, &axe);
    assert!(
        control.iter().any(|v| v.starts_with("critical label:")),
        "axe finds an unlabelled input: {control:?}"
    );
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Opens `url`, presses `/` (the search box on pages without a filter box) and types `query`.
fn type_query(tab: &Arc<Tab>, url: &str, query: &str) {
    open(tab, url);
    wait_for(tab, "document.readyState === 'complete'", "the page");
    press(tab, "/");
    wait_for(
        tab,
        "document.activeElement && document.activeElement.hasAttribute('data-search-input')",
        "`/` to focus the search box",
    );
    tab.type_str(query).unwrap();
    wait_for(
        tab,
        "document.querySelector('[data-search-status]').textContent !== ''",
        &format!("an answer for {query:?}"),
    );
}

fn status(tab: &Tab) -> String {
    settled(
        tab,
        "document.querySelector('[data-search-status]').textContent",
    )
    .as_str()
    .unwrap()
    .to_string()
}

fn shown_titles(tab: &Tab) -> Vec<String> {
    serde_json::from_value(settled(
        tab,
        "Array.from(document.querySelectorAll('[data-search-results] [role=option] .search-result-title')).map(t => t.textContent)",
    ))
    .unwrap()
}

#[test]
#[ignore = "needs Chromium: run `cargo test --test browser_ui -- --ignored` (.ci/run does)"]
fn search_by_keyboard_alone() {
    let site = site();
    let (_profile, _browser, tab) = browser("keyboard");
    set_phone(&tab, false);
    // An alert name and one word of the symptom.
    type_query(
        &tab,
        &site.server.url("/"),
        "InventoryDBPrimaryDown failover",
    );
    status(&tab);
    let titles = shown_titles(&tab);
    assert_eq!(
        titles.first().map(String::as_str),
        Some("inventory-db primary failover and replica replacement"),
        "{titles:?}"
    );
    assert_eq!(
        eval(&tab, "document.activeElement.getAttribute('aria-expanded')"),
        "true"
    );
    // ArrowDown moves the active option (the focus stays in the box), Enter opens it.
    press(&tab, "ArrowDown");
    let active = eval(
        &tab,
        "[document.activeElement.id, document.activeElement.getAttribute('aria-activedescendant'), \
          document.querySelector('[aria-selected=true]') && document.querySelector('[aria-selected=true]').id]",
    );
    assert_eq!(
        active,
        serde_json::json!(["search-input", "search-result-0", "search-result-0"])
    );
    press(&tab, "ArrowDown");
    press(&tab, "ArrowUp");
    assert_eq!(
        eval(
            &tab,
            "document.activeElement.getAttribute('aria-activedescendant')"
        ),
        "search-result-0"
    );
    // Escape closes the panel and keeps the query; ArrowDown opens it again.
    press(&tab, "Escape");
    assert_eq!(
        eval(
            &tab,
            "[document.querySelector('[data-search-panel]').hidden, document.activeElement.value]"
        ),
        serde_json::json!([true, "InventoryDBPrimaryDown failover"])
    );
    press(&tab, "ArrowDown");
    press(&tab, "Enter");
    wait_for(
        &tab,
        "location.pathname === '/runbooks/inventory-db-failover/'",
        "Enter to open the runbook",
    );
    // On a list page, `/` goes to the page's own filter box, as its placeholder says.
    open(&tab, &site.server.url("/runbooks/"));
    wait_for(&tab, "document.readyState === 'complete'", "the page");
    press(&tab, "/");
    assert_eq!(eval(&tab, "document.activeElement.id"), "filter");
}

#[test]
#[ignore = "needs Chromium: run `cargo test --test browser_ui -- --ignored` (.ci/run does)"]
fn words_never_found_together_fall_back_and_nonsense_finds_nothing() {
    let site = site();
    let (_profile, _browser, tab) = browser("fallback");
    set_phone(&tab, false);
    // "how" and "to" never occur with the others in one document.
    type_query(&tab, &site.server.url("/"), "how to failover inventory");
    let said = status(&tab);
    assert!(
        said.starts_with("No result has every word; showing results with"),
        "{said}"
    );
    assert!(said.contains(" of 4 words"), "{said}");
    let titles = shown_titles(&tab);
    assert!(
        titles
            .iter()
            .take(3)
            .any(|t| t == "inventory-db primary failover and replica replacement"),
        "{titles:?}"
    );
    let missing = settled(
        &tab,
        "document.querySelector('.search-result-missing') && document.querySelector('.search-result-missing').textContent",
    );
    assert!(
        missing.as_str().is_some_and(|m| m.starts_with("Missing: ")),
        "{missing}"
    );
    book_screenshot(&tab, "search-fallback.png", false);

    // A word no document has: nothing, rather than what its first letter matches.
    type_query(&tab, &site.server.url("/"), "xyzzy");
    assert_eq!(status(&tab), "Nothing found for “xyzzy”.");
    assert!(shown_titles(&tab).is_empty());
    // Together with a word that exists: that word's results, and a note on the other.
    type_query(&tab, &site.server.url("/"), "xyzzy failover");
    let said = status(&tab);
    assert!(said.starts_with("Nothing has “xyzzy”."), "{said}");
    assert!(!shown_titles(&tab).is_empty());
}

#[test]
#[ignore = "needs Chromium: run `cargo test --test browser_ui -- --ignored` (.ci/run does)"]
fn a_filter_chip_is_removed_by_keyboard() {
    let site = site();
    let (_profile, _browser, tab) = browser("chips");
    set_phone(&tab, false);
    type_query(&tab, &site.server.url("/"), "replication");
    let all = status(&tab);
    let before = shown_titles(&tab);
    // Tab to the Filters button, open it, Tab to the first value of the first group and press
    // it with Enter.
    press(&tab, "Tab");
    assert_eq!(
        eval(
            &tab,
            "document.activeElement.hasAttribute('data-search-filters-toggle')"
        ),
        true
    );
    press(&tab, "Enter");
    press(&tab, "Tab");
    let chosen = eval(
        &tab,
        "[document.activeElement.getAttribute('data-filter-key'), document.activeElement.getAttribute('data-filter-value')]",
    );
    assert_eq!(chosen[0], "kind", "{chosen}");
    press(&tab, "Enter");
    wait_for(&tab, "!!document.querySelector('.search-chip')", "a chip");
    let filtered = status(&tab);
    assert_ne!(filtered, all, "the filter narrows the results");
    // The chip says what it removes; Shift+Tab back to it and Delete removes it.
    let label = eval(
        &tab,
        "document.querySelector('.search-chip').getAttribute('aria-label')",
    );
    assert_eq!(
        label,
        Value::String(format!(
            "Remove filter Kind: {}",
            chosen[1].as_str().unwrap()
        ))
    );
    eval(&tab, "document.querySelector('.search-chip').focus(), true");
    press(&tab, "Delete");
    wait_for(
        &tab,
        "!document.querySelector('.search-chip')",
        "the chip to go",
    );
    assert_eq!(
        eval(&tab, "document.activeElement && document.activeElement.id"),
        "search-input",
        "the focus returns to the box"
    );
    assert_eq!(status(&tab), all);
    assert_eq!(shown_titles(&tab), before);
}

/// Front-matter values that would run script if inserted as HTML anywhere.
const PAYLOAD_DOC: &str = r#"---
kind: runbook
title: "Payload <img src=x onerror=window.__xss=1> runbook"
owner: "<img src=x onerror=window.__xss=2>"
severity: SEV2
services: ["<script>window.__xss=3</script>", "svc&amp;lt;b&gt;"]
tags: ["\"><svg onload=window.__xss=4>", "a&b"]
rollback: "<b onmouseover=window.__xss=5>roll</b>"
last_reviewed: 2026-11-01
---

# Payload

Search for zebrapayload to find this.
"#;

#[test]
#[ignore = "needs Chromium: run `cargo test --test browser_ui -- --ignored` (.ci/run does)"]
fn html_and_script_in_front_matter_show_as_text() {
    let temp = tempfile::tempdir().unwrap();
    let kb = temp.path().join("kb");
    std::fs::create_dir_all(kb.join("content/runbooks")).unwrap();
    std::fs::write(kb.join("content/runbooks/payload.md"), PAYLOAD_DOC).unwrap();
    std::fs::write(kb.join("opsbook.toml"), "[site]\ntitle = \"Payloads\"\n").unwrap();
    let out = temp.path().join("site");
    build_site(&kb, &out, true);
    let server = Server::start(&out);
    let (_profile, _browser, tab) = browser("payloads");
    set_phone(&tab, false);

    let payloads = [
        "<img src=x onerror=window.__xss=2>",
        "<script>window.__xss=3</script>",
        "svc&amp;lt;b&gt;",
        "\"><svg onload=window.__xss=4>",
        "a&b",
    ];
    let page_text = "document.body.innerText";
    for path in ["/runbooks/payload/", "/owners/", "/services/", "/tags/"] {
        open(&tab, &server.url(path));
        wait_for(&tab, "document.readyState === 'complete'", "the page");
        let text = eval(&tab, page_text);
        let text = text.as_str().unwrap();
        assert_eq!(eval(&tab, "window.__xss === undefined"), true, "{path}");
        assert_eq!(
            eval(
                &tab,
                "document.querySelectorAll('main script, main svg:not(.chart), main img').length"
            ),
            0,
            "{path}: no element made from a value"
        );
        if path == "/runbooks/payload/" {
            for payload in payloads {
                assert!(text.contains(payload), "{path} shows {payload:?} as text");
            }
        }
    }
    // The search box: the result, its facts and every filter value, as text.
    type_query(&tab, &server.url("/"), "zebrapayload");
    tab.find_element("[data-search-filters-toggle]")
        .unwrap()
        .click()
        .unwrap();
    let panel = settled(
        &tab,
        "document.querySelector('[data-search-panel]').innerText",
    );
    let panel = panel.as_str().unwrap();
    assert!(
        panel.contains("Payload <img src=x onerror=window.__xss=1> runbook"),
        "{panel}"
    );
    for payload in payloads {
        assert!(
            panel.contains(payload),
            "the filters show {payload:?}: {panel}"
        );
    }
    assert_eq!(
        eval(
            &tab,
            "document.querySelectorAll('[data-search-panel] script, [data-search-panel] img, [data-search-panel] svg, [data-search-panel] b').length"
        ),
        0
    );
    // Choosing a payload value as a filter: the chip shows it as text too.
    eval(
        &tab,
        "document.querySelector('[data-filter-key=owner]').click(), true",
    );
    wait_for(&tab, "!!document.querySelector('.search-chip')", "a chip");
    let chip = settled(&tab, "document.querySelector('.search-chip').textContent");
    assert_eq!(chip, "Owner: <img src=x onerror=window.__xss=2>×");
    assert_eq!(eval(&tab, "window.__xss === undefined"), true);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
#[ignore = "needs Chromium: run `cargo test --test browser_ui -- --ignored` (.ci/run does)"]
fn the_search_box_searches_every_shard() {
    // The example knowledge base again, its index in shards of 4 documents (8 shards).
    let temp = tempfile::tempdir().unwrap();
    let kb = temp.path().join("kb");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("content"),
        &kb.join("content"),
    );
    std::fs::write(kb.join("opsbook.toml"), "[search]\nshard_size = 4\n").unwrap();
    let out = temp.path().join("site");
    build_site(&kb, &out, false);
    assert!(out.join("pagefind/shard-7").is_dir(), "8 shards");
    let sharded = Server::start(&out);
    let (_profile, _browser, tab) = browser("shards");
    set_phone(&tab, false);
    for query in ["failover", "certificate expired", "InventoryDBPrimaryDown"] {
        type_query(&tab, &site().server.url("/"), query);
        let (one_status, one_titles) = (status(&tab), shown_titles(&tab));
        type_query(&tab, &sharded.url("/"), query);
        let (status_sharded, titles_sharded) = (status(&tab), shown_titles(&tab));
        assert_eq!(status_sharded, one_status, "{query}");
        let (mut a, mut b) = (one_titles, titles_sharded);
        a.sort();
        b.sort();
        assert_eq!(
            a, b,
            "{query}: the same documents from 8 shards as from one index"
        );
    }
}
