//! The HTTP side of `opsbook serve`: the built site from its output folder (tower-http's
//! `ServeDir`), with the reload script, the lint banner and the error page added on the way
//! out, and the server-sent events that tell open pages to reload.
//!
//! Responses are compressed (gzip, tower-http's compression layer) and carry a weak `ETag`
//! made from the bytes sent, with `Cache-Control: no-cache`: a reload asks again for every
//! file and gets `304 Not Modified` for those whose bytes did not change. The tag covers the
//! page as served (banner and reload script included), so a rebuild, a new finding or a new
//! version changes it and nothing stale is ever confirmed.

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::Stream;
use tokio::sync::watch;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::services::ServeDir;

use super::inject::{self, Banner, EVENTS_PATH};

/// Why the site cannot be shown, for the error page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    pub title: String,
    pub message: String,
}

/// What the pages look like after the last rebuild.
#[derive(Debug, Clone, Default)]
pub struct PageState {
    pub version: u64,
    /// Set while the site cannot be built: every page shows it.
    pub error: Option<BuildError>,
    /// Lint findings by page URL path (`/runbooks/x/`).
    pub banners: std::collections::HashMap<String, Vec<Banner>>,
}

/// Shared between the rebuild thread and the request handlers.
pub struct Shared {
    pub output: PathBuf,
    pub state: RwLock<Arc<PageState>>,
    /// The current build version; open pages reload when it changes.
    pub version: watch::Sender<u64>,
    /// Becomes true when the server stops, to end the event streams.
    pub shutdown: watch::Sender<bool>,
    /// Becomes true with the first state published: requests wait for it, so nothing is
    /// served from a folder the first build has not finished.
    ready: watch::Sender<bool>,
}

impl Shared {
    pub fn new(output: PathBuf, first_version: u64) -> Shared {
        Shared {
            output,
            state: RwLock::new(Arc::new(PageState {
                version: first_version,
                ..PageState::default()
            })),
            version: watch::Sender::new(first_version),
            shutdown: watch::Sender::new(false),
            ready: watch::Sender::new(false),
        }
    }

    pub fn page_state(&self) -> Arc<PageState> {
        self.state.read().map(|s| s.clone()).unwrap_or_default()
    }

    /// Publishes a new state and tells open pages to reload.
    pub fn publish(&self, state: PageState) {
        let version = state.version;
        if let Ok(mut current) = self.state.write() {
            *current = Arc::new(state);
        }
        self.version.send_replace(version);
        self.ready.send_replace(true);
    }

    /// Waits until the first state is published; false when the server stops first.
    async fn wait_until_ready(&self) -> bool {
        let mut ready = self.ready.subscribe();
        let mut shutdown = self.shutdown.subscribe();
        tokio::select! {
            result = ready.wait_for(|ready| *ready) => result.is_ok(),
            _ = shutdown.wait_for(|stop| *stop) => false,
        }
    }
}

pub fn router(shared: Arc<Shared>) -> Router {
    let files = ServeDir::new(&shared.output).append_index_html_on_directories(true);
    // Text only: Pagefind's index files are compressed already (served as octet-stream).
    let compress =
        DefaultPredicate::new().and(NotForContentType::const_new("application/octet-stream"));
    Router::new()
        .route(EVENTS_PATH, get(events))
        .fallback_service(files)
        .layer(middleware::from_fn_with_state(shared.clone(), decorate))
        .layer(CompressionLayer::new().compress_when(compress))
        .layer(CatchPanicLayer::new())
        .with_state(shared)
}

/// The version now, then every new one, until the server stops.
async fn events(
    State(shared): State<Arc<Shared>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let versions = shared.version.subscribe();
    let shutdown = shared.shutdown.subscribe();
    let stream = futures_util::stream::unfold(
        (versions, shutdown, true),
        |(mut versions, mut shutdown, first)| async move {
            if *shutdown.borrow() {
                return None;
            }
            if !first {
                tokio::select! {
                    changed = versions.changed() => changed.ok()?,
                    _ = shutdown.wait_for(|stop| *stop) => return None,
                }
            }
            let version = *versions.borrow_and_update();
            let event = Event::default().event("version").data(version.to_string());
            Some((Ok(event), (versions, shutdown, false)))
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// A request for a page rather than an asset: `/x/`, `/x.html` or `/x` (no extension).
fn is_page_path(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or("");
    path.ends_with('/') || last.ends_with(".html") || !last.contains('.')
}

/// The page URL a request path belongs to: percent-decoded, `index.html` dropped.
pub fn page_key(path: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let key = decoded.strip_suffix("index.html").unwrap_or(&decoded);
    if key.ends_with('/') || key.ends_with(".html") {
        key.to_string()
    } else {
        format!("{key}/")
    }
}

fn cache_control(mut response: Response, value: &'static str) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

/// A response that is never stored (error pages, 404s, partial content).
fn no_store(response: Response) -> Response {
    cache_control(response, "no-store")
}

fn html_response(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    no_store(response)
}

/// A weak validator of exactly these bytes (weak: the gzip and the plain body share it).
fn etag(bytes: &[u8]) -> HeaderValue {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    bytes.hash(&mut h);
    HeaderValue::from_str(&format!("W/\"{:016x}\"", h.finish()))
        .unwrap_or_else(|_| HeaderValue::from_static("W/\"0\""))
}

/// Whether an `If-None-Match` header names `tag` (or is `*`), compared weakly.
fn matches(if_none_match: Option<&HeaderValue>, tag: &HeaderValue) -> bool {
    let (Some(header), Ok(tag)) = (if_none_match.and_then(|v| v.to_str().ok()), tag.to_str())
    else {
        return false;
    };
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_string();
    header
        .split(',')
        .any(|t| t.trim() == "*" || opaque(t) == opaque(tag))
}

/// The 200 response for `bytes`, or 304 when the client holds them already.
fn validated(
    mut parts: axum::http::response::Parts,
    bytes: Vec<u8>,
    if_none_match: Option<&HeaderValue>,
) -> Response {
    let tag = etag(&bytes);
    for name in [
        header::CONTENT_LENGTH,
        header::ETAG,
        header::LAST_MODIFIED,
        header::ACCEPT_RANGES,
    ] {
        parts.headers.remove(name);
    }
    parts.headers.insert(header::ETAG, tag.clone());
    let response = if matches(if_none_match, &tag) {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_TYPE);
        Response::from_parts(parts, Body::empty())
    } else {
        Response::from_parts(parts, Body::from(bytes))
    };
    // Kept, but asked about again on every use: reloads are cheap and never stale.
    cache_control(response, "no-cache")
}

/// The most a served file is read into memory for its validator and the page extras.
const MAX_BODY: usize = 256 * 1024 * 1024;

/// Adds the serve-mode extras to every response: the error page while the site cannot be
/// built, the banner and reload script in HTML, and the validators.
async fn decorate(State(shared): State<Arc<Shared>>, mut request: Request, next: Next) -> Response {
    if !shared.wait_until_ready().await {
        return html_response(StatusCode::SERVICE_UNAVAILABLE, "stopping".into());
    }
    let path = request.uri().path().to_string();
    if path.starts_with("/__opsbook/") {
        return next.run(request).await;
    }
    // The files are read whole and validated here, against the bytes as served; a HEAD
    // request gets the headers of the GET (the server sends no body for it).
    if request.method() == axum::http::Method::HEAD {
        *request.method_mut() = axum::http::Method::GET;
    }
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    for name in [
        header::IF_NONE_MATCH,
        header::IF_MODIFIED_SINCE,
        header::IF_MATCH,
        header::IF_UNMODIFIED_SINCE,
    ] {
        request.headers_mut().remove(name);
    }
    let page = shared.page_state();
    let is_page = is_page_path(&path);
    if let Some(error) = &page.error
        && is_page
    {
        let html = inject::error_page(&error.title, &error.message, page.version);
        return html_response(StatusCode::INTERNAL_SERVER_ERROR, html);
    }
    let response = next.run(request).await;
    if response.status() == StatusCode::NOT_FOUND && is_page {
        let body = tokio::fs::read_to_string(shared.output.join("404.html"))
            .await
            .unwrap_or_else(|_| {
                "<!doctype html><title>Not found</title><body><h1>Not found</h1></body>".into()
            });
        let banner = banner_for(&page, &path);
        return html_response(
            StatusCode::NOT_FOUND,
            inject::inject(&body, &banner, page.version),
        );
    }
    if response.status() != StatusCode::OK {
        return no_store(response);
    }
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return html_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot read the file".into(),
        );
    };
    let bytes = if is_html {
        let banner = banner_for(&page, &path);
        inject::inject(&String::from_utf8_lossy(&bytes), &banner, page.version).into_bytes()
    } else {
        bytes.to_vec()
    };
    validated(parts, bytes, if_none_match.as_ref())
}

/// The lint banner of the page at `path`, as HTML (empty when its document is clean).
fn banner_for(page: &PageState, path: &str) -> String {
    let banners: Vec<&Banner> = page
        .banners
        .get(&page_key(path))
        .map(|b| b.iter().collect())
        .unwrap_or_default();
    inject::banner_html(&banners)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_paths_and_keys() {
        assert!(is_page_path("/runbooks/x/"));
        assert!(is_page_path("/runbooks/x"));
        assert!(is_page_path("/404.html"));
        assert!(!is_page_path("/static/style.css"));
        assert!(!is_page_path("/pagefind/pagefind.js"));
        assert_eq!(page_key("/runbooks/x/index.html"), "/runbooks/x/");
        assert_eq!(page_key("/runbooks/x"), "/runbooks/x/");
        assert_eq!(page_key("/runbooks/st%C3%B6rung/"), "/runbooks/störung/");
    }

    #[test]
    fn validators_compare_weakly_and_change_with_the_bytes() {
        let tag = etag(b"<p>one</p>");
        assert_ne!(tag, etag(b"<p>two</p>"));
        assert!(tag.to_str().unwrap().starts_with("W/\""));
        let header = |v: &str| HeaderValue::from_str(v).unwrap();
        let strong = tag.to_str().unwrap().trim_start_matches("W/").to_string();
        assert!(matches(Some(&tag), &tag));
        assert!(matches(Some(&header(&strong)), &tag));
        assert!(matches(Some(&header(&format!("\"x\", {strong}"))), &tag));
        assert!(matches(Some(&header("*")), &tag));
        assert!(!matches(Some(&header("\"x\"")), &tag));
        assert!(!matches(None, &tag));
    }
}
