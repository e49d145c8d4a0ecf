//! The alert pages in a real browser: `/alerts/<name>/` lands on the alert's runbook with
//! JavaScript on and with it off (the `<meta http-equiv="refresh">`), and the pages fit a phone
//! and a laptop (screenshots in `target/screenshots/`). Needs Chromium, so `#[ignore]`d like the
//! other browser tests; `.ci/run` runs it:
//!
//! ```sh
//! cargo test --test browser_alerts -- --ignored --nocapture
//! ```

#[path = "support/chromium.rs"]
mod chromium;
#[path = "support/server.rs"]
mod server;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use headless_chrome::Tab;
use headless_chrome::protocol::cdp::Emulation;

use chromium::{eval, launch, screenshot, set_phone};
use server::Server;

/// Waits until the tab's address ends with `path`; panics with what it shows after 20 s.
fn lands_on(tab: &Arc<Tab>, path: &str) {
    let started = Instant::now();
    loop {
        if tab.get_url().ends_with(path) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "expected to land on {path}, still at {}",
            tab.get_url()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn scripts(tab: &Tab, on: bool) {
    tab.call_method(Emulation::SetScriptExecutionDisabled { value: !on })
        .unwrap();
}

#[test]
#[ignore = "needs Chromium: run `cargo test --test browser_alerts -- --ignored` (.ci/run does)"]
fn alert_pages_land_on_the_runbook_with_and_without_javascript() {
    let temp = tempfile::tempdir().unwrap();
    // The fixture's base_url is https://kb.example.com/ops/: the site lives under /ops/.
    let served = temp.path().join("served");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/alerts");
    chromium::build_site(&fixture, &served.join("ops"), true);
    let server = Server::start(&served);
    let browser = launch(&temp.path().join("profile"), (1366, 900));
    let tab = browser.new_tab().unwrap();
    tab.set_default_timeout(Duration::from_secs(20));
    set_phone(&tab, false);
    let runbook = "/ops/runbooks/payments-api-errors/";

    for javascript in [true, false] {
        scripts(&tab, javascript);
        for alert in ["PaymentsHighErrorRate", "PaymentsLatencyHigh"] {
            tab.navigate_to(&server.url("/ops/")).unwrap();
            lands_on(&tab, "/ops/");
            tab.navigate_to(&server.url(&format!("/ops/alerts/{alert}/")))
                .unwrap();
            lands_on(&tab, runbook);
        }
    }

    // With JavaScript the alert page is replaced, not kept in the history: Back returns to
    // where the reader came from.
    scripts(&tab, true);
    tab.navigate_to(&server.url("/ops/postmortems/")).unwrap();
    lands_on(&tab, "/ops/postmortems/");
    tab.navigate_to(&server.url("/ops/alerts/PaymentsHighErrorRate/"))
        .unwrap();
    lands_on(&tab, runbook);
    eval(&tab, "(history.back(), true)");
    lands_on(&tab, "/ops/postmortems/");

    // Two runbooks: the page stays and lists both; none: it says so.
    tab.navigate_to(&server.url("/ops/alerts/PaymentsDBDown/"))
        .unwrap();
    lands_on(&tab, "/ops/alerts/PaymentsDBDown/");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        tab.get_url().ends_with("/ops/alerts/PaymentsDBDown/"),
        "no redirect"
    );
    let links = eval(
        &tab,
        "Array.from(document.querySelectorAll('main .doc-list a')).map(a => a.getAttribute('href'))",
    );
    assert_eq!(
        links,
        serde_json::json!([
            "/ops/runbooks/payments-db-failover/",
            "/ops/runbooks/payments-db-restore/"
        ])
    );
    for phone in [false, true] {
        set_phone(&tab, phone);
        let width = if phone { 390 } else { 1366 };
        for (page, name) in [
            ("/ops/alerts/", "alerts"),
            ("/ops/alerts/PaymentsDBDown/", "alert"),
        ] {
            tab.navigate_to(&server.url(page)).unwrap();
            lands_on(&tab, page);
            let overflow = eval(
                &tab,
                "document.documentElement.scrollWidth - document.documentElement.clientWidth",
            );
            assert_eq!(overflow, 0, "{page} fits {width} px");
            screenshot(&tab, &format!("{name}-{width}.png"), true);
        }
    }
}
