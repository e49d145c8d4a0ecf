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
    start_with(root, temp, &[], &[])
}

/// `opsbook serve --port 0` with more arguments and environment variables.
fn start_with(root: &Path, temp: &Path, args: &[&str], envs: &[(&str, &str)]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_opsbook"))
        .args(["serve", "--port", "0"])
        .args(args)
        .envs(envs.iter().copied())
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
    request(addr, path, &[])
}

/// A GET with more request headers; a gzip body is decompressed.
fn request(addr: &str, path: &str, headers: &[(&str, &str)]) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut head = format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    write!(stream, "{head}\r\n").unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut bytes = raw.get(split + 4..).unwrap_or_default().to_vec();
    if header(&head, "content-encoding").as_deref() == Some("gzip") {
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut plain)
            .unwrap();
        bytes = plain;
    }
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Response {
        status,
        head,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// The value of a response header (case-insensitive name).
fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

/// The version a served page reloads after (from its reload script).
fn page_version(body: &str) -> u64 {
    let start = body.find("var v=\"").expect("a reload script") + 7;
    let end = body[start..].find('"').unwrap() + start;
    body[start..end].parse().unwrap()
}

/// How long a test waits for something that should happen at once: long, for a loaded
/// machine. (How fast serve is: benches/serve_edit.sh.)
const PATIENCE: Duration = Duration::from_secs(60);

/// Polls `path` until `check` holds.
fn wait_for(addr: &str, path: &str, limit: Duration, check: impl Fn(&Response) -> bool) {
    let started = Instant::now();
    loop {
        let response = get(addr, path);
        if check(&response) {
            return;
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
    // Kept by the browser, but asked about again on every use.
    assert_eq!(
        header(&page.head, "cache-control").as_deref(),
        Some("no-cache")
    );
    // Assets are served as they are.
    let css = get(&addr, "/static/style.css");
    assert_eq!(css.status, 200);
    assert!(!css.body.contains("data-opsbook-serve"));
    // The build output folder is a temporary one, not public/.
    assert!(!kb.path().join("public").exists());

    // Edit the document: the new text is served. (How fast: benches/serve_edit.sh.)
    write(
        kb.path(),
        "content/runbooks/db-failover.md",
        &RUNBOOK.replace("Restart the primary", "Fail over to the replica"),
    );
    wait_for(&addr, "/runbooks/db-failover/", PATIENCE, |r| {
        r.body.contains("Fail over to the replica")
    });

    // A lint error: the server keeps going, and the page shows a banner naming it.
    write(
        kb.path(),
        "content/runbooks/db-failover.md",
        &RUNBOOK.replace("owner: team-payments\n", ""),
    );
    wait_for(&addr, "/runbooks/db-failover/", PATIENCE, |r| {
        r.status == 200 && r.body.contains("opsbook-lint-banner")
    });
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
    wait_for(&addr, "/runbooks/db-failover/", PATIENCE, |r| {
        r.status == 404 && r.body.contains("invalid-front-matter")
    });
    write(kb.path(), "content/runbooks/db-failover.md", RUNBOOK);
    wait_for(&addr, "/runbooks/db-failover/", PATIENCE, |r| {
        r.status == 200 && !r.body.contains("opsbook-lint-banner")
    });

    // A broken template: every page shows the template error, until it is fixed.
    write(
        kb.path(),
        "templates/base.html",
        "<html><body>{% block content %}{% endblock",
    );
    wait_for(&addr, "/", PATIENCE, |r| {
        r.status == 500 && r.body.contains("opsbook-error") && r.body.contains("base.html")
    });
    std::fs::remove_file(kb.path().join("templates/base.html")).unwrap();
    wait_for(&addr, "/", PATIENCE, |r| r.status == 200);

    // A new document gets a page.
    write(
        kb.path(),
        "content/runbooks/cache-purge.md",
        &RUNBOOK.replace("Payments DB failover", "Purge the CDN cache"),
    );
    wait_for(&addr, "/runbooks/cache-purge/", PATIENCE, |r| {
        r.status == 200 && r.body.contains("Purge the CDN cache")
    });

    // Ctrl-C: the server stops by itself, exits 0 and removes its temporary folder.
    stop(&mut server, "INT", temp.path());
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
    // A page served after an event carries that version or a newer one (the edit changed the
    // runbook's summary, so the pages that list it follow with a second version), and the
    // stream announces the page's version too: a page never misses a reload and never
    // reloads for ever. Events of the first build's second phase may come before the edit's.
    let first: u64 = first.parse().unwrap();
    let (second, shown) = loop {
        let version: u64 = next_version().parse().unwrap();
        assert!(version > first, "event {version} after {first}");
        let page = get(&server.base, "/runbooks/db-failover/");
        let shown = page_version(&page.body);
        assert!(shown >= version, "page {shown}, event {version}");
        if page.body.contains("Reboot the primary") {
            break (version, shown);
        }
    };
    let mut announced = second;
    while announced < shown {
        announced = next_version().parse().unwrap();
    }
    assert_eq!(announced, shown);
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
    let deadline = Instant::now() + PATIENCE;
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

/// The live-reload event stream of a running `opsbook serve`, asked for as a browser does
/// (gzip accepted: the stream must come uncompressed, or no event could be read).
struct Events(BufReader<TcpStream>);

impl Events {
    fn open(base: &str) -> Events {
        let mut stream = TcpStream::connect(base).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        write!(
            stream,
            "GET /__opsbook/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nAccept-Encoding: gzip\r\n\r\n"
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

/// Sends `signal` (`INT` is Ctrl-C, `TERM`), waits for serve to exit 0 and checks that it
/// removed its temporary folder (under `temp`, its TMPDIR).
fn stop(server: &mut Server, signal: &str, temp: &Path) {
    send(&server.child, signal);
    let started = Instant::now();
    // It stops within a second; the limit only tells a slow machine from a server that
    // waits for its rebuild (which in these tests never ends).
    let exit = loop {
        if let Some(exit) = server.child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "serve did not stop after SIG{signal}"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    eprintln!("stopped {:?} after SIG{signal}", started.elapsed());
    assert!(exit.success(), "{exit:?}");
    let leftovers: Vec<_> = std::fs::read_dir(temp).unwrap().collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// Sends `signal` (`INT` or `TERM`) to `child`.
#[cfg(target_os = "linux")]
fn send(child: &Child, signal: &str) {
    let number = match signal {
        "INT" => libc::SIGINT,
        "TERM" => libc::SIGTERM,
        other => panic!("no signal {other}"),
    };
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: kill(2) with the id of a child this test started and still holds.
    assert_eq!(unsafe { libc::kill(pid, number) }, 0);
}

#[cfg(not(target_os = "linux"))]
fn send(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// A base template whose rendering never ends (10^10 loop turns).
const ENDLESS: &str = "<html><body>{% for a in range(end=100000) %}{% for b in range(end=100000) %}{% endfor %}{% endfor %}{% block content %}{% endblock content %}</body></html>";

/// Waits until serve's stderr has a line containing `text`.
fn wait_for_line(server: &Server, text: &str) {
    let deadline = Instant::now() + PATIENCE;
    let mut lines = Vec::new();
    while !lines.iter().any(|l: &String| l.contains(text)) {
        let left = deadline.saturating_duration_since(Instant::now());
        match server.stderr.recv_timeout(left) {
            Ok(line) => lines.push(line),
            Err(_) => panic!("no line with {text:?}: {lines:?}"),
        }
    }
}

#[test]
fn stops_while_a_rebuild_runs_long() {
    for signal in ["TERM", "INT"] {
        let kb = knowledge_base();
        let temp = tempfile::tempdir().unwrap();
        let mut server = start_with(kb.path(), temp.path(), &["--verbose"], &[]);
        assert_eq!(get(&server.base, "/").status, 200);
        write(kb.path(), "templates/base.html", ENDLESS);
        wait_for_line(&server, "changed: templates");
        std::thread::sleep(Duration::from_millis(300));
        stop(&mut server, signal, temp.path());
    }
}

#[test]
fn stops_during_a_first_build_that_never_ends() {
    let kb = knowledge_base();
    write(kb.path(), "templates/base.html", ENDLESS);
    let temp = tempfile::tempdir().unwrap();
    let mut server = start(kb.path(), temp.path());
    std::thread::sleep(Duration::from_millis(300));
    stop(&mut server, "TERM", temp.path());
}

#[cfg(unix)]
#[test]
fn stops_while_a_rebuild_is_blocked_reading() {
    let kb = knowledge_base();
    let temp = tempfile::tempdir().unwrap();
    let mut server = start_with(kb.path(), temp.path(), &["--verbose"], &[]);
    assert_eq!(get(&server.base, "/").status, 200);
    // A named pipe where a template is: reading it waits for a writer that never comes.
    std::fs::create_dir_all(kb.path().join("templates")).unwrap();
    let fifo = kb.path().join("templates/base.html");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    wait_for_line(&server, "changed: templates");
    std::thread::sleep(Duration::from_millis(300));
    stop(&mut server, "INT", temp.path());
}

#[test]
fn a_panic_shows_on_the_pages_and_the_next_change_rebuilds() {
    let kb = knowledge_base();
    let temp = tempfile::tempdir().unwrap();
    // Debug builds panic while rebuilding a document that holds this text (a stand-in for
    // a bug in opsbook).
    let mut server = start_with(
        kb.path(),
        temp.path(),
        &[],
        &[("OPSBOOK_TEST_PANIC_ON", "PANIC-IN-REBUILD")],
    );
    let addr = server.base.clone();
    write(
        kb.path(),
        "content/runbooks/db-failover.md",
        &RUNBOOK.replace("Restart the primary", "PANIC-IN-REBUILD"),
    );
    wait_for(&addr, "/runbooks/db-failover/", PATIENCE, |r| {
        r.status == 500
            && r.body.contains("opsbook stopped while rebuilding")
            && r.body.contains("test fault: runbooks/db-failover.md")
            && r.body.contains("rebuild_loop.rs")
    });
    // Every page says so, not only the document's.
    assert!(
        get(&addr, "/")
            .body
            .contains("opsbook stopped while rebuilding")
    );
    // The next change is rebuilt, and the one after it.
    for text in ["Fail over to the replica", "Promote the replica"] {
        write(
            kb.path(),
            "content/runbooks/db-failover.md",
            &RUNBOOK.replace("Restart the primary", text),
        );
        wait_for(&addr, "/runbooks/db-failover/", PATIENCE, |r| {
            r.status == 200 && r.body.contains(text)
        });
    }
    assert_eq!(get(&addr, "/runbooks/").status, 200);
    stop(&mut server, "TERM", temp.path());
}

#[test]
fn a_rebuild_error_shows_and_the_next_change_rebuilds() {
    let kb = knowledge_base();
    let temp = tempfile::tempdir().unwrap();
    let mut server = start(kb.path(), temp.path());
    let addr = server.base.clone();
    // An invalid config: the knowledge base cannot be read.
    write(kb.path(), "opsbook.toml", "[site\ntitle = ");
    wait_for(&addr, "/", PATIENCE, |r| {
        r.status == 500 && r.body.contains("cannot be read")
    });
    // A document edited meanwhile, then the config fixed: both are in the site.
    write(
        kb.path(),
        "content/runbooks/db-failover.md",
        &RUNBOOK.replace("Restart the primary", "Fail over to the replica"),
    );
    write(kb.path(), "opsbook.toml", "[site]\ntitle = \"Fixed KB\"\n");
    wait_for(&addr, "/runbooks/db-failover/", PATIENCE, |r| {
        r.status == 200
            && r.body.contains("Fail over to the replica")
            && r.body.contains("Fixed KB")
    });
    stop(&mut server, "TERM", temp.path());
}

#[test]
fn keeps_watching_when_the_content_folder_is_deleted_and_made_again() {
    let kb = knowledge_base();
    let temp = tempfile::tempdir().unwrap();
    let mut server = start(kb.path(), temp.path());
    let addr = server.base.clone();
    let content = kb.path().join("content");
    let page = "/runbooks/db-failover/";

    // Deleted: the page goes.
    std::fs::remove_dir_all(&content).unwrap();
    wait_for(&addr, page, PATIENCE, |r| r.status != 200);
    // Made again, with the runbook edited: served, and edits inside are followed.
    write(
        kb.path(),
        "content/runbooks/db-failover.md",
        &RUNBOOK.replace("Restart", "Reboot"),
    );
    wait_for(&addr, page, PATIENCE, |r| {
        r.status == 200 && r.body.contains("Reboot the primary")
    });
    write(
        kb.path(),
        "content/runbooks/db-failover.md",
        &RUNBOOK.replace("Restart", "Drain"),
    );
    wait_for(&addr, page, PATIENCE, |r| {
        r.body.contains("Drain the primary")
    });

    // Replaced at once (moved away and another put in its place within one batch).
    let elsewhere = kb.path().join("old-content");
    std::fs::rename(&content, &elsewhere).unwrap();
    write(
        kb.path(),
        "content/runbooks/db-failover.md",
        &RUNBOOK.replace("Restart", "Resize"),
    );
    wait_for(&addr, page, PATIENCE, |r| {
        r.body.contains("Resize the primary")
    });
    write(
        kb.path(),
        "content/runbooks/db-failover.md",
        &RUNBOOK.replace("Restart", "Rotate"),
    );
    wait_for(&addr, page, PATIENCE, |r| {
        r.body.contains("Rotate the primary")
    });
    // The folder moved away is not watched any more.
    write(
        &elsewhere,
        "runbooks/db-failover.md",
        &RUNBOOK.replace("Restart", "Ignore"),
    );
    std::thread::sleep(Duration::from_millis(500));
    assert!(get(&addr, page).body.contains("Rotate the primary"));
    stop(&mut server, "TERM", temp.path());
}

#[test]
fn responses_are_compressed_and_validated() {
    let kb = knowledge_base();
    let temp = tempfile::tempdir().unwrap();
    let mut server = start(kb.path(), temp.path());
    let addr = server.base.clone();
    let page = "/runbooks/db-failover/";
    let gzip = [("Accept-Encoding", "gzip")];

    let first = request(&addr, page, &gzip);
    assert_eq!(first.status, 200);
    assert_eq!(
        header(&first.head, "content-encoding").as_deref(),
        Some("gzip")
    );
    assert!(
        first.body.contains("Restart the primary"),
        "decompressed: {}",
        first.body
    );
    assert!(first.body.contains("data-opsbook-serve"));
    let tag = header(&first.head, "etag").expect("an ETag");
    // A reload: not modified, no body.
    let again = request(
        &addr,
        page,
        &[("Accept-Encoding", "gzip"), ("If-None-Match", &tag)],
    );
    assert_eq!(again.status, 304, "{}", again.head);
    assert!(again.body.is_empty());
    // Assets too (the script and the style sheet are text, so compressed).
    let css = request(&addr, "/static/style.css", &gzip);
    assert_eq!(
        header(&css.head, "content-encoding").as_deref(),
        Some("gzip")
    );
    let css_tag = header(&css.head, "etag").unwrap();
    let css_again = request(&addr, "/static/style.css", &[("If-None-Match", &css_tag)]);
    assert_eq!(css_again.status, 304);
    // The reload events are a stream, not compressed ([`Events`] accepts gzip).
    let mut events = Events::open(&addr);
    let version: u64 = events.next_version().parse().unwrap();

    // After a rebuild the old tag is not confirmed: the new page comes back.
    write(
        kb.path(),
        "content/runbooks/db-failover.md",
        &RUNBOOK.replace("Restart", "Reboot"),
    );
    let announced: u64 = events.next_version().parse().unwrap();
    assert!(announced > version);
    let after = request(
        &addr,
        page,
        &[("Accept-Encoding", "gzip"), ("If-None-Match", &tag)],
    );
    assert_eq!(after.status, 200, "{}", after.head);
    assert!(after.body.contains("Reboot the primary"));
    assert_ne!(header(&after.head, "etag").unwrap(), tag);
    // A new lint finding changes the page as served (its banner), not the file: a new tag.
    let clean_tag = header(&request(&addr, page, &[]).head, "etag").unwrap();
    write(
        kb.path(),
        "content/runbooks/db-failover.md",
        &RUNBOOK
            .replace("Restart", "Reboot")
            .replace("owner: team-payments\n", ""),
    );
    wait_for(&addr, page, PATIENCE, |r| {
        r.body.contains("opsbook-lint-banner")
    });
    let flagged = request(&addr, page, &[("If-None-Match", &clean_tag)]);
    assert_eq!(flagged.status, 200);
    stop(&mut server, "TERM", temp.path());
}
