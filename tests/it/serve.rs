//! `advocate serve` on a free port of 127.0.0.1: pages are served from memory, a save
//! shows up in the page, a broken file brings the overlay and the next good save removes
//! it, paths that try to leave the site are refused, many requests at once all succeed,
//! and what is served equals a fresh build after every kind of edit.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::support::TestSite;

/// A running `advocate serve`, stopped when dropped.
struct Server {
    child: Child,
    url: String,
    log: mpsc::Receiver<String>,
}

impl Server {
    fn start(site: &TestSite, port: u16) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_advocate"))
            .arg("--root")
            .arg(site.root())
            .args(["serve", "--port", &port.to_string()])
            .env("NO_COLOR", "1")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (lines, log) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        // From here on the server is stopped by `Drop`, whatever happens.
        let mut server = Server {
            child,
            url: String::new(),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while server.url.is_empty() {
            let line = server
                .log
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("serve did not start");
            if let Some(rest) = line.split(" at ").nth(1) {
                let url = rest.split_whitespace().next().unwrap_or_default();
                server.url = url.trim_end_matches('/').to_owned();
            }
        }
        server
    }

    /// Status and body of a GET.
    fn get(&self, path: &str) -> (u16, String) {
        raw_get(&self.url, path)
    }

    /// Waits until `path` contains `needle`, or fails after ten seconds.
    fn wait_for(&self, path: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let (_, body) = self.get(path);
            if body.contains(needle) {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "{path} never showed {needle:?}:\n{body}"
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the log line saying a rebuild finished (good or bad).
    fn wait_rebuild(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let line = self
                .log
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("no rebuild");
            if line.starts_with("rebuilt") || line.contains("still serving the last good build") {
                return line;
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A GET written by hand, so that paths reach the server exactly as written.
fn raw_get(url: &str, path: &str) -> (u16, String) {
    let host = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn header(url: &str, path: &str, name: &str) -> Option<String> {
    let host = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    let _ = stream.read_to_string(&mut text);
    text.lines().take_while(|l| !l.is_empty()).find_map(|l| {
        l.split_once(": ")
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.to_owned())
    })
}

/// The page as `build` would write it: the injected reload script removed.
fn without_injection(page: &str) -> String {
    match (
        page.find("<script src=\"/__advocate/reload.js\""),
        page.rfind("</body>"),
    ) {
        (Some(start), Some(end)) if start < end => format!("{}{}", &page[..start], &page[end..]),
        _ => page.to_owned(),
    }
}

/// Pages are served from memory with the right types, the reload script is added to HTML
/// only, and nothing is written into public/.
#[test]
fn pages_are_served_with_their_types_and_public_is_untouched() {
    let site = TestSite::new("basic");
    let server = Server::start(&site, 0);
    let (status, home) = server.get("/");
    assert_eq!(status, 200);
    assert!(
        home.contains("Test Monitor") && home.contains("/__advocate/reload.js"),
        "{home}"
    );
    let (status, script) = server.get("/__advocate/reload.js");
    assert_eq!(status, 200);
    assert!(script.contains("EventSource"), "{script}");
    assert_eq!(
        header(&server.url, "/__advocate/reload.js", "content-type").as_deref(),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(
        header(&server.url, "/", "content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        header(&server.url, "/style.css", "content-type").as_deref(),
        Some("text/css; charset=utf-8")
    );
    assert_eq!(
        header(&server.url, "/feed.xml", "content-type").as_deref(),
        Some("application/atom+xml")
    );
    assert_eq!(
        header(&server.url, "/data/incidents.json", "content-type").as_deref(),
        Some("application/json")
    );
    let (status, page) = server.get("/no/such/page/");
    assert_eq!(status, 404);
    assert!(page.contains("Page not found"), "{page}");
    let (status, _) = server.get("/articles/unpublished/");
    assert_eq!(status, 200, "drafts are previewed");
    assert!(!site.root().join("public").exists());
}

/// Paths that try to leave the site are refused, however they are encoded.
#[test]
fn traversal_attempts_are_refused() {
    let site = TestSite::new("basic");
    let server = Server::start(&site, 0);
    for path in [
        "/../site.toml",
        "/%2e%2e/site.toml",
        "/articles/..%2f..%2fsite.toml",
        "/a%5c..%5csite.toml",
        "/%00",
    ] {
        let (status, body) = server.get(path);
        assert!(status == 400 || status == 404, "{path}: {status}");
        assert!(!body.contains("base_url"), "{path} leaked site.toml");
    }
}

/// A save shows up in the served page; a broken file brings the overlay with the same
/// diagnostics as check while the last good build stays online; fixing it recovers.
#[test]
fn edits_errors_and_recovery() {
    let site = TestSite::new("basic");
    let server = Server::start(&site, 0);
    let article = site.root().join("content/articles/origins.md");
    let text = std::fs::read_to_string(&article).unwrap();
    std::fs::write(
        &article,
        text.replace("Origins in the famine years", "Origins, revised"),
    )
    .unwrap();
    server.wait_for("/articles/origins/", "Origins, revised");

    std::fs::write(&article, "+++\ntitle = \"Broken\"\n").unwrap();
    let page = server.wait_for("/articles/origins/", "advocate-errors");
    assert!(page.contains("the front matter is never closed"), "{page}");
    assert!(page.contains("content/articles/origins.md"), "{page}");
    assert!(
        page.contains("Origins, revised"),
        "the last good build is still served"
    );
    let (status, _) = server.get("/chronology/");
    assert_eq!(status, 200);

    std::fs::write(&article, text).unwrap();
    let page = server.wait_for("/articles/origins/", "Origins in the famine years");
    assert!(!page.contains("advocate-errors"), "{page}");
}

/// After each kind of edit, every page served equals the page of a fresh full build.
#[test]
fn served_site_equals_a_fresh_build_after_every_edit() {
    let site = TestSite::new("basic");
    let server = Server::start(&site, 0);
    let root = site.root().to_owned();
    let edits: Vec<Box<dyn Fn()>> = vec![
        Box::new(|| {
            site.write("content/articles/new-report.md", "+++\ntitle = \"A new report\"\ndate = 2024-02-02\nsummary = \"New.\"\ntags = [\"jilin\"]\nincidents = [\"2023-10-tumen\"]\n+++\nBody.\n")
        }),
        // Its text alone: the page first, the search index after.
        Box::new(|| {
            let p = root.join("content/articles/new-report.md");
            let t = std::fs::read_to_string(&p)
                .unwrap()
                .replace("Body.", "Body, longer.");
            std::fs::write(p, t).unwrap();
        }),
        Box::new(|| {
            let p = root.join("content/incidents/2023-10-tumen.toml");
            let t = std::fs::read_to_string(&p)
                .unwrap()
                .replace("Mass return in October", "Mass return, October");
            std::fs::write(p, t).unwrap();
        }),
        Box::new(|| {
            std::fs::rename(
                root.join("content/articles/origins.md"),
                root.join("content/articles/origins-renamed.md"),
            )
            .unwrap()
        }),
        Box::new(|| std::fs::remove_file(root.join("content/articles/new-report.md")).unwrap()),
        Box::new(|| {
            site.write(
                "content/pages/contact.md",
                "+++\ntitle = \"Contact\"\nweight = 3\n+++\nWrite to us.\n",
            )
        }),
        Box::new(|| {
            let p = root.join("themes/default/templates/page.html");
            let t = std::fs::read_to_string(&p)
                .unwrap()
                .replace("</article>", "<p class=\"edited\">edited</p></article>");
            std::fs::write(p, t).unwrap();
        }),
        Box::new(|| {
            let p = root.join("site.toml");
            let t = std::fs::read_to_string(&p)
                .unwrap()
                .replace("Test Monitor", "Test Monitor 2");
            std::fs::write(p, t).unwrap();
        }),
    ];
    for (n, edit) in edits.iter().enumerate() {
        edit();
        let line = server.wait_rebuild();
        assert!(line.starts_with("rebuilt"), "edit {n}: {line}");
        // Further events of the same save may start one more build; let it finish.
        thread::sleep(Duration::from_millis(300));
        while server.log.try_recv().is_ok() {}
        let out = format!("fresh-{n}");
        site.build(&[
            "--output-dir",
            &out,
            "--base-url",
            &format!("{}/", server.url),
            "--drafts",
        ]);
        let base = root.join(&out);
        for entry in walkdir::WalkDir::new(&base)
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
        {
            let rel = entry
                .path()
                .strip_prefix(&base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let index = rel.contains("search/data/");
            if !index && ![".html", ".xml", ".json"].iter().any(|e| rel.ends_with(e)) {
                continue;
            }
            let path = format!("/{}", rel.trim_end_matches("index.html"));
            let (status, served) = server.get(&path);
            assert_eq!(status, 200, "edit {n}: {path}");
            let fresh = std::fs::read_to_string(entry.path()).unwrap();
            assert!(
                without_injection(&served) == fresh,
                "edit {n}: {path} differs from a fresh build"
            );
        }
        std::fs::remove_dir_all(&base).unwrap();
    }
}

/// Two hundred requests at once are all answered.
#[test]
fn concurrent_requests_all_succeed() {
    let site = TestSite::new("basic");
    let server = Server::start(&site, 0);
    let paths = [
        "/",
        "/chronology/",
        "/articles/",
        "/style.css",
        "/feed.xml",
        "/incidents/2024-04-26-tumen/",
        "/tags/",
        "/data/incidents.csv",
    ];
    let handles: Vec<_> = (0..20)
        .map(|t| {
            let url = server.url.clone();
            thread::spawn(move || {
                (0..10)
                    .map(|i| raw_get(&url, paths[(t + i) % paths.len()]).0)
                    .filter(|&s| s == 200)
                    .count()
            })
        })
        .collect();
    let ok: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(ok, 200);
}

/// Opens the live-reload stream of `server`.
fn events(server: &Server) -> TcpStream {
    let host = server.url.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET /__advocate/events HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    thread::sleep(Duration::from_millis(200));
    stream
}

/// Reads `stream` until what it sent contains `needle`, or ten seconds passed.
fn read_until(stream: &mut TcpStream, needle: &str) -> String {
    let mut received = String::new();
    let mut buffer = [0u8; 1024];
    let deadline = Instant::now() + Duration::from_secs(10);
    while !received.contains(needle) && Instant::now() < deadline {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => received.push_str(&String::from_utf8_lossy(&buffer[..n])),
            Err(_) => break,
        }
    }
    received
}

/// The open tab is told to reload after a rebuild, over Server-Sent Events.
#[test]
fn a_rebuild_sends_a_reload_event() {
    let site = TestSite::new("basic");
    let server = Server::start(&site, 0);
    let mut stream = events(&server);
    site.write(
        "content/pages/new.md",
        "+++\ntitle = \"New page\"\n+++\nHello.\n",
    );
    // The event names the files that changed, so that tabs showing others stay put.
    let received = read_until(&mut stream, "new/index.html");
    assert!(received.contains("text/event-stream"), "{received}");
    assert!(received.contains("data: [\""), "{received}");
    assert!(received.contains("\"new/index.html\""), "{received}");
}

const ORIGINS: &str = "content/articles/origins.md";

/// Replaces `from` with `to` in a file of the site, as an editor's save would.
fn save(site: &TestSite, rel: &str, from: &str, to: &str) {
    let path = site.root().join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} has no {from:?}");
    std::fs::write(&path, text.replace(from, to)).unwrap();
}

/// Starts a server, saves an edit of an article, and returns the server and the events
/// it sent until one named `until`, once sure that the article's page came first.
fn events_of_save(site: &TestSite, from: &str, to: &str, until: &str) -> (Server, String) {
    let server = Server::start(site, 0);
    let mut stream = events(&server);
    save(site, ORIGINS, from, to);
    let received = read_until(&mut stream, until);
    let page = received.find("articles/origins/index.html");
    let later = received.find(until);
    assert!(page.is_some() && page < later, "its page first: {received}");
    (server, received)
}

/// A save that changes only an article's text reloads the tab showing it as soon as its
/// page is ready; the search index follows in an event of its own, for a tab showing
/// search results.
#[test]
fn a_body_edit_reloads_its_page_first_and_the_search_index_after() {
    let site = TestSite::new("basic");
    let (server, received) = events_of_save(
        &site,
        "The *famine* years.",
        "The *famine* years, again.",
        "search/data/",
    );
    assert!(
        !received.contains("articles/index.html"),
        "lists are unchanged: {received}"
    );
    let page = server.wait_for("/articles/origins/", "years, again.");
    assert!(page.contains("/__advocate/reload.js"));
}

/// A new title is on the article's page at once; the lists showing it follow.
#[test]
fn a_title_edit_shows_on_its_page_first_and_in_lists_after() {
    let site = TestSite::new("basic");
    let tag = "tags/history/index.html";
    let (server, received) = events_of_save(
        &site,
        "Origins in the famine years",
        "Origins, famine years",
        tag,
    );
    // The page does not reload a second time: the full build made the same bytes.
    let at = received.find(tag).unwrap();
    let second = &received[received[..at].rfind("data:").unwrap()..];
    assert!(
        !second.contains("articles/origins/index.html"),
        "{received}"
    );
    server.wait_for("/tags/history/", "Origins, famine years");
}

/// A save whose article page was served first, but which the full build then refuses,
/// leaves the last good build online under the overlay, not the first look.
#[test]
fn a_first_look_the_full_build_refuses_is_taken_back() {
    let site = TestSite::new("basic");
    site.write(
        "content/pages/history.md",
        "+++\ntitle = \"History\"\n+++\nSee [the tag](/tags/history/).\n",
    );
    let server = Server::start(&site, 0);
    // The article's own page is fine; the tag page another text links to goes away.
    save(
        &site,
        ORIGINS,
        "tags = [\"history\"]",
        "tags = [\"origins\"]",
    );
    let page = server.wait_for("/articles/origins/", "advocate-errors");
    assert!(page.contains("/tags/history/"), "{page}");
    assert!(page.contains("leads to no page"), "{page}");
    assert!(
        !page.contains("/tags/origins/"),
        "the first look stayed: {page}"
    );
}

/// A port already in use is not fatal: the next free one is used and named.
#[test]
fn a_taken_port_moves_to_the_next_one() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let site = TestSite::new("basic");
    let server = Server::start(&site, port);
    assert!(!server.url.ends_with(&format!(":{port}")), "{}", server.url);
    assert_eq!(server.get("/").0, 200);
}

/// `build` output never carries the live-reload script.
#[test]
fn build_output_has_no_reload_script() {
    let site = TestSite::new("basic");
    site.build(&[]);
    for file in site.output_files().iter().filter(|f| f.ends_with(".html")) {
        assert!(!site.read(file).contains("__advocate"), "{file}");
    }
}
