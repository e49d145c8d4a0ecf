//! A tiny static file server for tests: serves a folder on 127.0.0.1 on a free port, with pretty
//! URLs (`/a/` -> `/a/index.html`) and the site's 404.html, like any static host.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Server {
    pub port: u16,
    /// Requests answered and body bytes sent, for the benchmarks.
    served: Arc<[AtomicU64; 2]>,
}

impl Server {
    /// Starts serving `root` on a background thread; it lives as long as the test process.
    pub fn start(root: &Path) -> Server {
        Server::start_on(root, None)
    }

    /// Like [`Server::start`], over an emulated network (for the benchmarks): every answer
    /// waits one round trip `rtt`, and bodies share one link of `bytes_per_second`.
    #[allow(dead_code)]
    pub fn start_throttled(root: &Path, rtt: Duration, bytes_per_second: f64) -> Server {
        let link = Arc::new(Link {
            rtt,
            bytes_per_second,
            free_at: Mutex::new(Instant::now()),
        });
        Server::start_on(root, Some(link))
    }

    fn start_on(root: &Path, link: Option<Arc<Link>>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local address").port();
        let root = root.to_path_buf();
        let served: Arc<[AtomicU64; 2]> = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
        let counters = served.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let root = root.clone();
                let counters = counters.clone();
                let link = link.clone();
                std::thread::spawn(move || {
                    if let Ok(bytes) = handle(stream, &root, link.as_deref()) {
                        counters[0].fetch_add(1, Ordering::Relaxed);
                        counters[1].fetch_add(bytes, Ordering::Relaxed);
                    }
                });
            }
        });
        Server { port, served }
    }

    /// (requests, body bytes) answered so far.
    #[allow(dead_code)]
    pub fn served(&self) -> (u64, u64) {
        (
            self.served[0].load(Ordering::Relaxed),
            self.served[1].load(Ordering::Relaxed),
        )
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "txt" => "text/plain; charset=utf-8",
        // Pagefind's index files are gzip data it decompresses itself: no Content-Encoding.
        _ => "application/octet-stream",
    }
}

/// Maps a request path to a file under `root`, refusing anything that climbs out of it.
fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let path = url_path.split(['?', '#']).next().unwrap_or("/");
    let mut out = root.to_path_buf();
    for component in Path::new(path.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if out.is_dir() {
        out.push("index.html");
    }
    out.is_file().then_some(out)
}

/// An emulated network link: a round trip per request, and a bandwidth the bodies share.
struct Link {
    rtt: Duration,
    bytes_per_second: f64,
    /// When the link has sent everything queued so far.
    free_at: Mutex<Instant>,
}

impl Link {
    /// Sends `bytes` over the link: waits for its turn and its transmission time.
    fn send(&self, stream: &mut TcpStream, bytes: &[u8]) -> std::io::Result<()> {
        for chunk in bytes.chunks(16 * 1024) {
            let done = {
                let mut free_at = self.free_at.lock().unwrap_or_else(|e| e.into_inner());
                let start = (*free_at).max(Instant::now());
                *free_at =
                    start + Duration::from_secs_f64(chunk.len() as f64 / self.bytes_per_second);
                *free_at
            };
            std::thread::sleep(done.saturating_duration_since(Instant::now()));
            stream.write_all(chunk)?;
        }
        Ok(())
    }
}

/// Answers one request; returns the body bytes sent.
fn handle(mut stream: TcpStream, root: &Path, link: Option<&Link>) -> std::io::Result<u64> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Skip the headers.
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("/");
    let (status, file) = match resolve(root, target) {
        Some(file) => ("200 OK", Some(file)),
        None => (
            "404 Not Found",
            Some(root.join("404.html")).filter(|f| f.is_file()),
        ),
    };
    let body = file
        .as_ref()
        .map(std::fs::read)
        .transpose()?
        .unwrap_or_default();
    let kind = file.as_deref().map_or("text/plain", content_type);
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if let Some(link) = link {
        std::thread::sleep(link.rtt);
    }
    stream.write_all(head.as_bytes())?;
    if method == "HEAD" {
        stream.flush()?;
        return Ok(0);
    }
    match link {
        Some(link) => link.send(&mut stream, &body)?,
        None => stream.write_all(&body)?,
    }
    stream.flush()?;
    Ok(body.len() as u64)
}
