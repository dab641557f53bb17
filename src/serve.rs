//! `advocate serve`: build into memory, serve over HTTP on this machine, rebuild on every
//! save, and reload the open tab.
//!
//! The preview never touches `public/`: every build goes into memory (a
//! [`Session`], which parses and renders again only what a save changed) and
//! replaces the served snapshot only when it succeeded. While the site has errors, the
//! last good snapshot stays online and every page carries an overlay with the same
//! diagnostics `check` prints; the next good save removes it. The live-reload script is
//! added to pages as they are served, so it never appears in `build`'s output.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, RwLock, mpsc};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::stream::{self, Stream};
use notify::event::{AccessKind, AccessMode, EventKind, MetadataKind, ModifyKind};
use notify::{RecursiveMode, Watcher};
use tokio::sync::broadcast;

use crate::Options;
use crate::diagnostics;
use crate::incremental::{Behind, Build, Files, Session};

/// Where the reload events are streamed; outside any page address a site can have.
pub const EVENTS_PATH: &str = "/__advocate/events";
/// How long the watcher waits for an editor's burst of writes to end.
pub const DEBOUNCE: Duration = Duration::from_millis(30);
/// How many ports after the requested one are tried when it is taken.
const PORT_TRIES: u16 = 10;

/// What `advocate serve` was asked for.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The site root.
    pub root: PathBuf,
    /// Address to listen on; 127.0.0.1 unless told otherwise.
    pub interface: IpAddr,
    /// First port to try.
    pub port: u16,
    /// Include drafts (the default for previews).
    pub drafts: bool,
    /// Open the site in the default browser once it is served.
    pub open: bool,
}

/// What the server shows: the last good build, and the problems of the latest one.
struct Preview {
    files: RwLock<Arc<Files>>,
    /// The latest build's diagnostics, as text, when it failed.
    errors: RwLock<Option<String>>,
    /// The files each build changed, as JSON: a list, or `"*"` for all.
    reload: broadcast::Sender<Arc<String>>,
}

/// Runs the preview server until Ctrl-C.
pub fn serve(options: &ServeOptions) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run(options))
}

async fn bind(interface: IpAddr, port: u16) -> io::Result<tokio::net::TcpListener> {
    let mut last = None;
    for offset in 0..PORT_TRIES {
        let Some(candidate) = port.checked_add(offset) else {
            break;
        };
        match tokio::net::TcpListener::bind(SocketAddr::new(interface, candidate)).await {
            Ok(listener) => {
                if offset > 0 {
                    eprintln!("port {port} is in use; using {candidate} instead");
                }
                return Ok(listener);
            }
            Err(e) if e.kind() == io::ErrorKind::AddrInUse && port != 0 => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AddrInUse,
        format!(
            "ports {port} to {} are all in use ({}); choose another with --port",
            port.saturating_add(PORT_TRIES - 1),
            last.map(|e| e.to_string()).unwrap_or_default()
        ),
    ))
}

async fn run(options: &ServeOptions) -> io::Result<()> {
    let listener = bind(options.interface, options.port).await?;
    let address = listener.local_addr()?;
    let url = format!("http://{address}/");
    if !options.interface.is_loopback() {
        eprintln!(
            "warning: serving on {}, which other machines on this network can reach; drafts and unpublished work are visible to them",
            options.interface
        );
    }
    // The watcher reports absolute paths: the session must see the root the same way.
    let root = options.root.canonicalize()?;
    let mut session = Session::new(Options {
        base_url: Some(url.clone()),
        drafts: options.drafts,
        ..Options::new(&root)
    });
    let (reload, _) = broadcast::channel(16);
    let preview = Arc::new(Preview {
        files: RwLock::new(Arc::new(HashMap::new())),
        errors: RwLock::new(None),
        reload,
    });
    rebuild(&mut session, &preview)?;

    // Watch in a thread of its own: builds are blocking work.
    let (events, changes) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(events).map_err(io::Error::other)?;
    for watched in ["content", "templates", "themes", "static", "site.toml"] {
        let path = root.join(watched);
        if path.exists() {
            watcher
                .watch(&path, RecursiveMode::Recursive)
                .map_err(io::Error::other)?;
        }
    }
    let watcher_preview = Arc::clone(&preview);
    std::thread::spawn(move || {
        while let Ok(event) = changes.recv() {
            if !note_change(&mut session, event) {
                continue;
            }
            // An editor's save is a burst of events: wait until it has been quiet for a
            // moment, so that one save is one build.
            while let Ok(more) = changes.recv_timeout(DEBOUNCE) {
                note_change(&mut session, more);
            }
            if let Err(e) = rebuild(&mut session, &watcher_preview) {
                eprintln!("error: {e}");
            }
        }
    });

    eprintln!(
        "serving {} at {url} (Ctrl-C to stop)",
        options.root.display()
    );
    if options.open {
        open_browser(&url);
    }
    let app = Router::new()
        .route(EVENTS_PATH, get(events_handler))
        .route(
            RELOAD_PATH,
            get(|| async { own_file(RELOAD_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            OVERLAY_PATH,
            get(|| async { own_file(OVERLAY_CSS, "text/css; charset=utf-8") }),
        )
        .fallback(get(page_handler))
        .with_state(preview);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
            eprintln!("stopping");
        })
        .await?;
    drop(watcher);
    Ok(())
}

/// Tells the session which files a watcher event changed; false when the event is no
/// change to the site, just a file being read (every build reads every template, which
/// must not start another build).
fn note_change(session: &mut Session, event: notify::Result<notify::Event>) -> bool {
    let Ok(event) = event else {
        return false;
    };
    let change = match event.kind {
        EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)) => false,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) => true,
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        EventKind::Any | EventKind::Other => true,
    };
    if change {
        if event.paths.is_empty() || event.need_rescan() {
            session.forget_everything();
        }
        for path in &event.paths {
            session.changed(path);
        }
    }
    change
}

/// Builds the site and updates what is served; prints one line (or the diagnostics).
/// When only articles, pages and incidents were saved, their own pages are served first and the
/// rest of the site follows (see [`Session::build`]).
fn rebuild(session: &mut Session, preview: &Preview) -> io::Result<()> {
    let started = Instant::now();
    let good = preview.files.read().map(|files| Arc::clone(&files));
    let mut build = session.build()?;
    while publish(preview, &build, started) && build.behind != Behind::Nothing {
        let first_look = build.behind == Behind::OtherPages;
        let Some(next) = session.finish()? else {
            break;
        };
        // The full build refused a save whose first look was served: serve the last good
        // build again, as the overlay says.
        if first_look
            && next.files.is_none()
            && let (Ok(good), Ok(mut current)) = (&good, preview.files.write())
        {
            *current = Arc::clone(good);
        }
        build = next;
    }
    Ok(())
}

/// The reload event that concerns every tab.
const ALL: &str = "\"*\"";
/// More changed files than this, and every tab reloads.
const LISTED_CHANGES: usize = 100;

/// Serves `build` when it succeeded, or the overlay with its diagnostics when it did
/// not; prints one line, and tells the open tabs which files changed (a tab reloads
/// when its page or a file it loaded is among them). Returns whether it succeeded.
fn publish(preview: &Preview, build: &Build, started: Instant) -> bool {
    let generated = &build.generated;
    let text = diagnostics::render(&generated.diagnostics, &generated.sources, false);
    let ms = started.elapsed().as_millis();
    let had_errors = preview.errors.read().is_ok_and(|e| e.is_some());
    let Some(files) = &build.files else {
        let summary = diagnostics::summary(&generated.diagnostics);
        if let Ok(mut errors) = preview.errors.write() {
            *errors = Some(format!("{text}error: {summary}"));
        }
        eprint!("{text}");
        eprintln!("error: {summary}; still serving the last good build");
        // Every page shows the overlay.
        let _ = preview.reload.send(Arc::new(ALL.to_owned()));
        return false;
    };
    let old = preview
        .files
        .write()
        .map(|mut current| std::mem::replace(&mut *current, Arc::clone(files)));
    if let Ok(mut errors) = preview.errors.write() {
        *errors = None;
    }
    let changed = match old {
        // The overlay goes from every page.
        Ok(old) if !had_errors => changed_files(&old, files),
        _ => None,
    };
    let message = match &changed {
        Some(paths) => serde_json::to_string(paths).unwrap_or_default(),
        None => ALL.to_owned(),
    };
    eprint!("{text}");
    let what = match build.behind {
        Behind::Nothing => String::new(),
        Behind::SearchIndex => "; the search index follows".to_owned(),
        Behind::OtherPages => "; the other pages follow".to_owned(),
    };
    eprintln!(
        "rebuilt {} pages ({} rendered) in {ms} ms{what}",
        generated.pages, build.rendered,
    );
    let _ = preview.reload.send(Arc::new(message));
    true
}

/// The files that differ between two snapshots, sorted; `None` when there are too many
/// to list.
fn changed_files(old: &Files, new: &Files) -> Option<Vec<String>> {
    // Unchanged files share their bytes: compare addresses before contents.
    let same = |a: &bytes::Bytes, b: &bytes::Bytes| {
        (a.as_ptr() == b.as_ptr() && a.len() == b.len()) || a == b
    };
    let mut changed: Vec<&String> = new
        .iter()
        .filter(|(path, bytes)| old.get(*path).is_none_or(|was| !same(was, bytes)))
        .map(|(path, _)| path)
        .chain(old.keys().filter(|path| !new.contains_key(*path)))
        .collect();
    if changed.len() > LISTED_CHANGES {
        return None;
    }
    changed.sort();
    Some(changed.into_iter().cloned().collect())
}

async fn events_handler(
    State(preview): State<Arc<Preview>>,
) -> Sse<impl Stream<Item = Result<Event, std::convert::Infallible>>> {
    let receiver = preview.reload.subscribe();
    let events = stream::unfold(receiver, |mut receiver| async move {
        let event = match receiver.recv().await {
            Ok(message) => Event::default().data(message.as_str()),
            // Some lists of changed files were missed: reload to be sure.
            Err(broadcast::error::RecvError::Lagged(_)) => Event::default().data(ALL),
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        Some((Ok(event), receiver))
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}

/// The output file a request path names, or `None` for paths that try to leave the
/// site (`..`, backslashes, NUL, encoded or not).
pub fn file_for(path: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    if decoded.contains('\0') || decoded.contains('\\') {
        return None;
    }
    let trimmed = decoded.trim_start_matches('/');
    if trimmed
        .split('/')
        .any(|segment| segment == ".." || segment == ".")
    {
        return None;
    }
    Some(crate::render::file_path(&format!("/{trimmed}")))
}

async fn page_handler(State(preview): State<Arc<Preview>>, uri: Uri) -> Response {
    let Some(key) = file_for(uri.path()) else {
        return (StatusCode::BAD_REQUEST, "bad path").into_response();
    };
    let files = preview
        .files
        .read()
        .map(|f| Arc::clone(&f))
        .unwrap_or_default();
    let errors = preview.errors.read().ok().and_then(|e| e.clone());
    let (status, key, bytes) = match files.get(&key) {
        Some(bytes) => (StatusCode::OK, key, bytes),
        None => {
            // A folder without the trailing slash: send the browser to the right address.
            let folder = format!("{}/index.html", key.trim_end_matches(".html"));
            if !key.ends_with("index.html") && files.contains_key(&folder) {
                let location = format!("/{}", folder.trim_end_matches("index.html"));
                return (
                    StatusCode::PERMANENT_REDIRECT,
                    [(header::LOCATION, location)],
                )
                    .into_response();
            }
            match files.get("404.html") {
                Some(bytes) => (StatusCode::NOT_FOUND, "404.html".to_owned(), bytes),
                None => return (StatusCode::NOT_FOUND, "not found").into_response(),
            }
        }
    };
    let content_type = content_type(&key);
    let body = if content_type.starts_with("text/html") {
        Body::from(inject(bytes, &key, errors.as_deref()))
    } else {
        Body::from(bytes.clone())
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// The live-reload script and the error overlay's style, served beside the site. They
/// are files rather than inline code so that pages keep working under their
/// Content-Security-Policy, which allows scripts and styles from the site itself only.
const RELOAD_JS: &str = include_str!("serve/reload.js");
const OVERLAY_CSS: &str = "#advocate-errors{position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(20,20,20,.96);color:#fff;padding:1.5rem;font:14px/1.5 ui-monospace,monospace}\n#advocate-errors p{font:bold 18px system-ui,sans-serif;margin:0 0 1rem}\n#advocate-errors pre{white-space:pre-wrap;margin:0}\n";
/// Where the script and the style are served.
const RELOAD_PATH: &str = "/__advocate/reload.js";
const OVERLAY_PATH: &str = "/__advocate/overlay.css";

/// Adds the reload script, and the error overlay when the latest build failed.
fn inject(page: &[u8], file: &str, errors: Option<&str>) -> Vec<u8> {
    let mut extra = String::new();
    if let Some(errors) = errors {
        let mut escaped = String::new();
        let _ = pulldown_cmark_escape::escape_html(&mut escaped, errors);
        extra.push_str(&format!(
            "<link rel=\"stylesheet\" href=\"{OVERLAY_PATH}\"><div id=\"advocate-errors\" role=\"alert\">\
             <p>The site has errors. This preview shows the last good build until they are fixed.</p><pre>"
        ));
        extra.push_str(&escaped);
        extra.push_str("</pre></div>");
    }
    // The file served, which is not the address's for the error page.
    let mut file_attr = String::new();
    let _ = pulldown_cmark_escape::escape_html(&mut file_attr, file);
    extra.push_str(&format!(
        "<script src=\"{RELOAD_PATH}\" data-file=\"{file_attr}\"></script>"
    ));
    let text = String::from_utf8_lossy(page);
    let at = text.rfind("</body>").unwrap_or(text.len());
    let mut out = String::with_capacity(text.len() + extra.len());
    out.push_str(&text[..at]);
    out.push_str(&extra);
    out.push_str(&text[at..]);
    out.into_bytes()
}

/// Serves one of the preview's own files.
fn own_file(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The media type of an output file, by extension.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "geojson" => "application/geo+json",
        "csv" => "text/csv; charset=utf-8",
        "xml" if path.ends_with("feed.xml") => "application/atom+xml",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn open_browser(url: &str) {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(program).arg(url).spawn() {
        eprintln!("warning: could not open a browser ({e}); open {url} yourself");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_files_and_escapes_are_refused() {
        assert_eq!(file_for("/").as_deref(), Some("index.html"));
        assert_eq!(
            file_for("/articles/x/").as_deref(),
            Some("articles/x/index.html")
        );
        assert_eq!(
            file_for("/tags/%EC%86%A1%ED%99%98/").as_deref(),
            Some("tags/송환/index.html")
        );
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/a/..%2f..%2fb",
            "/a%5c..%5cb",
            "/a%00b",
        ] {
            assert_eq!(file_for(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_reload_script_goes_before_the_end_of_body() {
        let page = inject(b"<html><body><p>x</p></body></html>", "x/index.html", None);
        let text = String::from_utf8(page).unwrap();
        assert!(text.contains(RELOAD_PATH));
        assert!(RELOAD_JS.contains(EVENTS_PATH));
        assert!(text.ends_with("</script></body></html>"));
        // The script knows the file it came with, even where the address names none.
        assert!(text.contains("data-file=\"x/index.html\""), "{text}");
        let with_errors =
            String::from_utf8(inject(b"<body></body>", "404.html", Some("error: <bad>"))).unwrap();
        assert!(with_errors.contains("advocate-errors"));
        assert!(with_errors.contains("error: &lt;bad&gt;"));
    }
}
