//! `opsbook serve` end to end: start it on a free port, fetch pages, edit files, and watch the
//! served pages follow; then stop it with Ctrl-C (SIGINT).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Kills the server if a test fails half-way.
struct Server {
    child: Child,
    base: String,
    stderr: mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const RUNBOOK: &str = "---
kind: runbook
title: Payments DB failover
owner: team-payments
severity: SEV2
services: [payments-api]
rollback: \"Promote the old primary\"
last_reviewed: 2026-11-01
review_interval: 100000
---
## Steps

Restart the primary and watch replication lag.
";

fn knowledge_base() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "content/runbooks/db-failover.md", RUNBOOK);
    write(
        dir.path(),
        "content/postmortems/2026-09-20-checkout.md",
        "---
kind: postmortem
title: Checkout 5xx
owner: alice@example.com
severity: SEV2
services: [checkout-web]
rollback: Rolled back
related_runbooks: [db-failover]
follow_ups:
  - {action: Add a canary, owner: bob@example.com, due: 2030-01-01}
---
## Timeline
",
    );
    dir
}

fn start(root: &Path, temp: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_opsbook"))
        .args(["serve", "--port", "0"])
        .current_dir(root)
        .env("TMPDIR", temp)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, from_stdout) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let (errors, stderr_lines) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = errors.send(line);
        }
    });
    // From here on the guard kills the server if anything fails.
    let mut server = Server {
        child,
        base: String::new(),
        stderr: stderr_lines,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.base.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = from_stdout
            .recv_timeout(left)
            .expect("opsbook serve printed its address within 30 s");
        if let Some(rest) = line.strip_prefix("opsbook serve: http://") {
            server.base = rest.split('/').next().unwrap().to_string();
        }
    }
    server
}

struct Response {
    status: u16,
    head: String,
    body: String,
}

/// A minimal HTTP/1.0 GET (the server closes the connection after the response).
fn get(addr: &str, path: &str) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Response {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

/// Polls `path` until `check` holds; returns how long that took.
fn wait_for(
    addr: &str,
    path: &str,
    limit: Duration,
    check: impl Fn(&Response) -> bool,
) -> Duration {
    let started = Instant::now();
    loop {
        let response = get(addr, path);
        if check(&response) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "{path} did not change within {limit:?}; last response:\n{}\n\n{}",
            response.head,
            response.body
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn serves_rebuilds_and_reloads() {
    let kb = knowledge_base();
    let temp = tempfile::tempdir().unwrap();
    let mut server = start(kb.path(), temp.path());
    let addr = server.base.clone();

    // The page is served, with the reload script and without a banner (the document is clean).
    let page = get(&addr, "/runbooks/db-failover/");
    assert_eq!(page.status, 200, "{}", page.head);
    assert!(page.body.contains("Restart the primary"));
    assert!(
        page.body.contains("data-opsbook-serve"),
        "reload script injected"
    );
    assert!(page.body.contains("/__opsbook/events"));
    assert!(!page.body.contains("opsbook-lint-banner"));
    assert!(
        page.head
            .to_ascii_lowercase()
            .contains("cache-control: no-store")
    );
    // Assets are served as they are.
    let css = get(&addr, "/static/style.css");
    assert_eq!(css.status, 200);
    assert!(!css.body.contains("data-opsbook-serve"));
    // The build output folder is a temporary one, not public/.
    assert!(!kb.path().join("public").exists());

    // Edit the document: the new text is served within a second.
    write(
        kb.path(),
        "content/runbooks/db-failover.md",
        &RUNBOOK.replace("Restart the primary", "Fail over to the replica"),
    );
    let latency = wait_for(
        &addr,
        "/runbooks/db-failover/",
        Duration::from_secs(5),
        |r| r.body.contains("Fail over to the replica"),
    );
    eprintln!("one-file edit served after {latency:?}");
    assert!(latency < Duration::from_secs(1), "took {latency:?}");

    // A lint error: the server keeps going, and the page shows a banner naming it.
    write(
        kb.path(),
        "content/runbooks/db-failover.md",
        &RUNBOOK.replace("owner: team-payments\n", ""),
    );
    wait_for(
        &addr,
        "/runbooks/db-failover/",
        Duration::from_secs(5),
        |r| r.status == 200 && r.body.contains("opsbook-lint-banner"),
    );
    let page = get(&addr, "/runbooks/db-failover/");
    assert!(
        page.body.contains("missing required field `owner`"),
        "{}",
        page.body
    );
    assert!(page.body.contains("required-field"));

    // Broken front matter: the document has no page, and its 404 says why.
    write(
        kb.path(),
        "content/runbooks/db-failover.md",
        "---\ntitle: [\n---\n",
    );
    wait_for(
        &addr,
        "/runbooks/db-failover/",
        Duration::from_secs(5),
        |r| r.status == 404 && r.body.contains("invalid-front-matter"),
    );
    write(kb.path(), "content/runbooks/db-failover.md", RUNBOOK);
    wait_for(
        &addr,
        "/runbooks/db-failover/",
        Duration::from_secs(5),
        |r| r.status == 200 && !r.body.contains("opsbook-lint-banner"),
    );

    // A broken template: every page shows the template error, until it is fixed.
    write(
        kb.path(),
        "templates/base.html",
        "<html><body>{% block content %}{% endblock",
    );
    wait_for(&addr, "/", Duration::from_secs(5), |r| {
        r.status == 500 && r.body.contains("opsbook-error") && r.body.contains("base.html")
    });
    std::fs::remove_file(kb.path().join("templates/base.html")).unwrap();
    wait_for(&addr, "/", Duration::from_secs(5), |r| r.status == 200);

    // A new document gets a page.
    write(
        kb.path(),
        "content/runbooks/cache-purge.md",
        &RUNBOOK.replace("Payments DB failover", "Purge the CDN cache"),
    );
    wait_for(
        &addr,
        "/runbooks/cache-purge/",
        Duration::from_secs(5),
        |r| r.status == 200 && r.body.contains("Purge the CDN cache"),
    );

    // Ctrl-C: the server stops by itself, exits 0 and removes its temporary folder.
    let status = Command::new("kill")
        .args(["-INT", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = server.child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "serve did not stop after SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    let leftovers: Vec<_> = std::fs::read_dir(temp.path()).unwrap().collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    let stderr: Vec<String> = server.stderr.try_iter().collect();
    assert!(
        stderr
            .iter()
            .any(|l| l.starts_with("rebuilt (runbooks/db-failover.md changed)")),
        "{stderr:?}"
    );
}

#[test]
fn events_announce_each_rebuild() {
    let kb = knowledge_base();
    let temp = tempfile::tempdir().unwrap();
    let server = start(kb.path(), temp.path());
    let mut events = Events::open(&server.base);
    let mut next_version = || events.next_version();
    let first = next_version();
    write(
        kb.path(),
        "content/runbooks/db-failover.md",
        &RUNBOOK.replace("Restart", "Reboot"),
    );
    let second = next_version();
    assert_ne!(first, second);
    // The page carries the version it was built from, so it reloads on the next one.
    let page = get(&server.base, "/runbooks/db-failover/");
    assert!(
        page.body.contains(&format!("var v=\"{second}\"")),
        "{}",
        page.body
    );
}

#[test]
fn port_in_use_is_a_clear_error() {
    let kb = knowledge_base();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_opsbook"))
        .args(["serve", "--port", &port])
        .current_dir(kb.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot listen on 127.0.0.1:"), "{stderr}");
    assert!(stderr.contains("--port"), "{stderr}");
}

#[test]
fn a_title_change_reloads_its_page_then_the_lists() {
    let kb = knowledge_base();
    let temp = tempfile::tempdir().unwrap();
    let server = start(kb.path(), temp.path());
    let mut events = Events::open(&server.base);
    let mut next_version = || -> u64 { events.next_version().parse().unwrap() };
    let first = next_version();
    write(
        kb.path(),
        "content/runbooks/db-failover.md",
        &RUNBOOK.replace("Payments DB failover", "Payments DB switchover"),
    );
    // Two versions: the runbook's page, then the pages that list it. The stream may skip
    // the first when the second follows at once, never the second.
    let mut seen = vec![next_version()];
    while seen.last() < Some(&(first + 2)) {
        seen.push(next_version());
    }
    assert_eq!(seen.last(), Some(&(first + 2)), "{seen:?}");
    for path in ["/runbooks/db-failover/", "/runbooks/", "/"] {
        let page = get(&server.base, path);
        assert!(
            page.body.contains("Payments DB switchover"),
            "{path}: {}",
            page.body
        );
        assert!(page.body.contains(&format!("var v=\"{}\"", first + 2)));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut lines = Vec::new();
    while !lines
        .iter()
        .any(|l: &String| l.contains("pages that list documents in"))
    {
        let left = deadline.saturating_duration_since(Instant::now());
        match server.stderr.recv_timeout(left) {
            Ok(line) => lines.push(line),
            Err(_) => panic!("no second-phase line: {lines:?}"),
        }
    }
    // Reading the saved file makes events too; they must not stop the second phase.
    assert!(
        !lines.iter().any(|l| l.starts_with("caught up")),
        "{lines:?}"
    );
}

/// The live-reload event stream of a running `opsbook serve`.
struct Events(BufReader<TcpStream>);

impl Events {
    fn open(base: &str) -> Events {
        let mut stream = TcpStream::connect(base).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "GET /__opsbook/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        Events(BufReader::new(stream))
    }

    /// The site version the next event announces (waits up to 10 s).
    fn next_version(&mut self) -> String {
        loop {
            let mut line = String::new();
            assert!(
                self.0.read_line(&mut line).unwrap() > 0,
                "event stream closed"
            );
            if let Some(version) = line.trim_end().strip_prefix("data: ") {
                return version.to_string();
            }
        }
    }
}
