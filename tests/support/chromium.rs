//! Headless Chromium for the browser tests, driven over the DevTools protocol (no chromedriver):
//! launching it, evaluating JavaScript, waiting, keys, viewport sizes, dark mode, screenshots.
//!
//! `OPSBOOK_CHROMIUM` picks the browser binary; screenshots go to `target/screenshots/` (or
//! `OPSBOOK_SCREENSHOTS`).
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use headless_chrome::protocol::cdp::{Emulation, Page};
use headless_chrome::{Browser, LaunchOptions, Tab};
use serde_json::Value;

use opsbook::config::Config;

pub fn screenshots_dir() -> PathBuf {
    let dir = std::env::var_os("OPSBOOK_SCREENSHOTS").map_or_else(
        || {
            Path::new(env!("CARGO_TARGET_TMPDIR"))
                .parent()
                .unwrap()
                .join("screenshots")
        },
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("OPSBOOK_CHROMIUM") {
        return PathBuf::from(path);
    }
    let candidates = [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ];
    match candidates.iter().map(PathBuf::from).find(|p| p.is_file()) {
        Some(path) => path,
        None => panic!(
            "Chromium not found (looked for {}); install it (`apt-get install chromium`) or set OPSBOOK_CHROMIUM",
            candidates.join(", ")
        ),
    }
}

/// Builds the knowledge base at `root` (its opsbook.toml) into `output`, as of 2026-11-25.
/// Unless `allow_errors`, the knowledge base must lint clean.
pub fn build_site(root: &Path, output: &Path, allow_errors: bool) {
    let config = Config::load(None, root).expect("fixture config");
    let outcome = opsbook::build(
        &config,
        &opsbook::BuildOptions {
            output: Some(output.to_path_buf()),
            allow_errors,
            today: Some("2026-11-25".parse().unwrap()),
            rev: None,
            allow_empty: false,
        },
    )
    .expect("build runs");
    assert!(
        outcome.site.is_some(),
        "the fixture must lint clean: {:#?}",
        outcome.lint.findings
    );
}

/// A fresh headless Chromium with the flags CI machines need, and a throwaway profile.
pub fn launch(profile: &Path, window: (u32, u32)) -> Browser {
    let args: Vec<&OsStr> = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--disable-extensions",
        "--disable-default-apps",
        "--hide-scrollbars",
        "--force-color-profile=srgb",
        "--lang=en-US",
    ]
    .iter()
    .map(OsStr::new)
    .collect();
    let options = LaunchOptions::default_builder()
        .path(Some(chromium()))
        .headless(true)
        .sandbox(false)
        .user_data_dir(Some(profile.to_path_buf()))
        .window_size(Some(window))
        .disable_default_args(true)
        .args(args)
        .idle_browser_timeout(Duration::from_secs(300))
        .build()
        .unwrap();
    Browser::new(options).expect("Chromium starts")
}

/// Evaluates `expr` (which may be a promise) in the page and returns its value as JSON.
pub fn eval(tab: &Tab, expr: &str) -> Value {
    let wrapped = format!("(async () => JSON.stringify(await ({expr})))()");
    let result = tab
        .evaluate(&wrapped, true)
        .unwrap_or_else(|e| panic!("evaluate {expr}: {e}"));
    match result.value {
        Some(Value::String(json)) => serde_json::from_str(&json).unwrap(),
        other => panic!("evaluate {expr}: unexpected {other:?}"),
    }
}

/// Polls `expr` until it is truthy; panics with `what` after 20 seconds.
pub fn wait_for(tab: &Tab, expr: &str, what: &str) {
    let started = Instant::now();
    loop {
        if eval(tab, expr).as_bool() == Some(true) {
            return;
        }
        if started.elapsed() > Duration::from_secs(20) {
            panic!("timed out waiting for {what} ({expr})");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Polls `expr` until its value stops changing for 600 ms, and returns it.
pub fn settled(tab: &Tab, expr: &str) -> Value {
    let mut last = eval(tab, expr);
    let mut stable_since = Instant::now();
    let started = Instant::now();
    while stable_since.elapsed() < Duration::from_millis(600)
        && started.elapsed() < Duration::from_secs(20)
    {
        std::thread::sleep(Duration::from_millis(100));
        let now = eval(tab, expr);
        if now != last {
            last = now;
            stable_since = Instant::now();
        }
    }
    last
}

pub fn open(tab: &Arc<Tab>, url: &str) {
    tab.navigate_to(url)
        .unwrap()
        .wait_until_navigated()
        .unwrap();
}

/// Saves a PNG of the viewport, or of the whole page (the viewport is stretched to its height,
/// at most 6,000 pixels). Returns its path.
pub fn screenshot(tab: &Tab, name: &str, full_page: bool) -> PathBuf {
    let viewport = eval(
        tab,
        "[window.innerWidth, window.innerHeight, window.devicePixelRatio]",
    );
    let (width, height, scale) = (
        viewport[0].as_u64().unwrap() as u32,
        viewport[1].as_u64().unwrap() as u32,
        viewport[2].as_f64().unwrap(),
    );
    if full_page {
        let page_height = eval(tab, "document.documentElement.scrollHeight")
            .as_u64()
            .unwrap() as u32;
        set_metrics(tab, width, page_height.clamp(height, 6000), scale);
    }
    let bytes = tab
        .capture_screenshot(Page::CaptureScreenshotFormatOption::Png, None, None, true)
        .expect("screenshot");
    if full_page {
        set_metrics(tab, width, height, scale);
    }
    assert!(bytes.starts_with(b"\x89PNG"), "a PNG image");
    let path = screenshots_dir().join(name);
    std::fs::write(&path, bytes).unwrap();
    println!("screenshot: {}", path.display());
    path
}

pub fn set_metrics(tab: &Tab, width: u32, height: u32, scale: f64) {
    tab.call_method(Emulation::SetDeviceMetricsOverride {
        width,
        height,
        device_scale_factor: scale,
        mobile: scale > 1.0,
        scale: None,
        screen_width: None,
        screen_height: None,
        position_x: None,
        position_y: None,
        dont_set_visible_size: None,
        screen_orientation: None,
        viewport: None,
        display_feature: None,
        device_posture: None,
    })
    .unwrap();
}

/// A phone (390 x 844 CSS pixels, 2x) or a laptop screen (1366 x 900).
pub fn set_phone(tab: &Tab, phone: bool) {
    if phone {
        set_metrics(tab, 390, 844, 2.0);
    } else {
        set_metrics(tab, 1366, 900, 1.0);
    }
}

pub fn set_dark(tab: &Tab, dark: bool) {
    tab.call_method(Emulation::SetEmulatedMedia {
        media: None,
        features: Some(vec![Emulation::MediaFeature {
            name: "prefers-color-scheme".into(),
            value: if dark { "dark" } else { "light" }.into(),
        }]),
    })
    .unwrap();
}

/// Presses one key (a name such as "ArrowDown", "Enter", "Escape", "Tab", or a character).
pub fn press(tab: &Tab, key: &str) {
    tab.press_key(key)
        .unwrap_or_else(|e| panic!("press {key}: {e}"));
}
