//! The HTTP side of `opsbook serve`: the built site from its output folder (tower-http's
//! `ServeDir`), with the reload script, the lint banner and the error page added on the way
//! out, and the server-sent events that tell open pages to reload.

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
    }
}

pub fn router(shared: Arc<Shared>) -> Router {
    let files = ServeDir::new(&shared.output).append_index_html_on_directories(true);
    Router::new()
        .route(EVENTS_PATH, get(events))
        .fallback_service(files)
        .layer(middleware::from_fn_with_state(shared.clone(), decorate))
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

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn html_response(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    no_store(response)
}

/// Adds the serve-mode extras to every HTML response.
async fn decorate(State(shared): State<Arc<Shared>>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if path.starts_with("/__opsbook/") {
        return next.run(request).await;
    }
    // Every response is built fresh (the banner can change when the file does not).
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
    let key = page_key(&path);
    let banners: Vec<&Banner> = page
        .banners
        .get(&key)
        .map(|b| b.iter().collect())
        .unwrap_or_default();
    let banner = inject::banner_html(&banners);
    let response = next.run(request).await;
    if response.status() == StatusCode::NOT_FOUND && is_page {
        let body = tokio::fs::read_to_string(shared.output.join("404.html"))
            .await
            .unwrap_or_else(|_| {
                "<!doctype html><title>Not found</title><body><h1>Not found</h1></body>".into()
            });
        return html_response(
            StatusCode::NOT_FOUND,
            inject::inject(&body, &banner, page.version),
        );
    }
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !is_html || response.status() != StatusCode::OK {
        return no_store(response);
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 256 * 1024 * 1024).await else {
        return html_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot read the page".into(),
        );
    };
    let html = inject::inject(&String::from_utf8_lossy(&bytes), &banner, page.version);
    for name in [
        header::CONTENT_LENGTH,
        header::ETAG,
        header::LAST_MODIFIED,
        header::ACCEPT_RANGES,
    ] {
        parts.headers.remove(name);
    }
    no_store(Response::from_parts(parts, Body::from(html)))
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
}
