//! Headless Chromium for the browser tests, driven over the DevTools protocol (no chromedriver).
//! `OPSBOOK_CHROMIUM` picks the binary; `.ci/run` installs Debian's chromium.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use headless_chrome::{Browser, LaunchOptions, Tab};
use serde_json::Value;

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
