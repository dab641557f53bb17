//! `advocate check`, warnings and `--strict`, `check --external` against a local server,
//! `advocate new`, and interruption with Ctrl-C.

use std::fs;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::support::TestSite;

/// Warnings are printed but do not fail a build, unless --strict.
#[test]
fn warnings_fail_only_in_strict_mode() {
    let site = TestSite::new("basic");
    let clean = site.run(&["check", "--strict"]);
    assert!(
        clean.ok(),
        "the fixture itself has warnings: {}",
        clean.stderr()
    );
    site.write(
        "content/articles/no-summary.md",
        "+++\ntitle = \"No summary\"\ndate = 2024-01-03\n+++\nText.\n",
    );
    let run = site.run(&["check"]);
    assert!(run.ok(), "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("warning: this article has no summary"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("--> content/articles/no-summary.md"),
        "{}",
        run.stderr()
    );

    let strict = site.run(&["check", "--strict"]);
    assert_eq!(strict.code(), Some(1), "{}", strict.stderr());
    assert!(
        strict.stderr().contains("1 error in 1 file"),
        "{}",
        strict.stderr()
    );
}

/// A single source marked corroborated is flagged at the confidence line.
#[test]
fn corroborated_with_one_source_is_a_warning() {
    let site = TestSite::new("basic");
    let path = site.root().join("content/incidents/1990s-famine.toml");
    let text = fs::read_to_string(&path)
        .unwrap()
        .replace("single-source", "corroborated");
    fs::write(&path, text).unwrap();
    let path = site.root().join("content/incidents/1990s-famine.toml");
    let text = fs::read_to_string(&path)
        .unwrap()
        .replace("single-source", "corroborated");
    fs::write(&path, text).unwrap();
    let run = site.run(&["check"]);
    assert!(run.ok(), "{}", run.stderr());
    let err = run.stderr();
    assert!(
        err.contains("warning: marked corroborated, but only one source is given"),
        "{err}"
    );
    assert!(
        err.contains("--> content/incidents/1990s-famine.toml:4:14"),
        "{err}"
    );
}

/// `check --external` fetches source URLs (here from a server on 127.0.0.1) and warns
/// about the ones that fail, naming the incident file and line; success stays 0.
#[test]
fn external_check_warns_about_dead_sources() {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let port = server.server_addr().to_ip().unwrap().port();
    thread::spawn(move || {
        for request in server.incoming_requests() {
            let status = if request.url() == "/ok" { 200 } else { 404 };
            let _ = request.respond(tiny_http::Response::empty(status));
        }
    });
    let site = TestSite::new("basic");
    let path = site.root().join("content/incidents/2024-04-26-tumen.toml");
    let text = fs::read_to_string(&path)
        .unwrap()
        .replace(
            "https://a.example/report",
            &format!("http://127.0.0.1:{port}/ok"),
        )
        .replace(
            "https://b.example/report",
            &format!("http://127.0.0.1:{port}/gone"),
        )
        .replace(
            "https://archive.example/b",
            &format!("http://127.0.0.1:{port}/ok"),
        );
    fs::write(&path, text).unwrap();
    for other in ["2023-10-tumen", "1990s-famine"] {
        let p = site.root().join(format!("content/incidents/{other}.toml"));
        let t = fs::read_to_string(&p).unwrap();
        let t = t.replace(
            "https://c.example/x",
            &format!("http://127.0.0.1:{port}/ok"),
        );
        let t = t.replace(
            "https://d.example/y",
            &format!("http://127.0.0.1:{port}/ok"),
        );
        fs::write(&p, t).unwrap();
    }
    let run = site.run(&["check", "--external"]);
    assert!(run.ok(), "{}", run.stderr());
    let err = run.stderr();
    assert!(
        err.contains(&format!("http://127.0.0.1:{port}/gone answered HTTP 404")),
        "{err}"
    );
    assert!(
        err.contains("--> content/incidents/2024-04-26-tumen.toml:"),
        "{err}"
    );
    assert!(!err.contains("/ok answered"), "{err}");
}

/// `new article` and `new incident` write skeletons that check accepts once filled in,
/// and never overwrite an existing file.
#[test]
fn new_writes_skeletons_and_refuses_to_overwrite() {
    let site = TestSite::new("basic");
    let run = site.run(&["new", "article", "Returns continue in Jilin"]);
    assert!(run.ok(), "{}", run.stderr());
    let article = site
        .root()
        .join("content/articles/returns-continue-in-jilin.md");
    let text = fs::read_to_string(&article).unwrap();
    assert!(text.contains("title = \"Returns continue in Jilin\""));
    assert!(text.contains("draft = true"));

    let run = site.run(&["new", "incident", "2024-08-kunming"]);
    assert!(run.ok(), "{}", run.stderr());
    let incident = site.root().join("content/incidents/2024-08-kunming.toml");
    let skeleton = fs::read_to_string(&incident).unwrap();
    assert!(skeleton.contains("date = \"2024-08\""), "{skeleton}");
    // As written, the skeleton still needs its source URL: check says so, precisely.
    let run = site.run(&["check"]);
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stderr()
            .contains("content/incidents/2024-08-kunming.toml"),
        "{}",
        run.stderr()
    );
    let filled = skeleton
        .replace("title = \"\"", "title = \"Arrests in Kunming\"")
        .replace("publisher = \"\"", "publisher = \"P\"")
        .replace("url = \"https://\"", "url = \"https://p.example/k\"");
    fs::write(&incident, filled).unwrap();
    let run = site.run(&["check"]);
    assert!(run.ok(), "{}", run.stderr());

    let again = site.run(&["new", "article", "Returns continue in Jilin"]);
    assert_eq!(again.code(), Some(2));
    assert!(
        again.stderr().contains("already exists"),
        "{}",
        again.stderr()
    );
    assert_eq!(fs::read_to_string(&article).unwrap(), text);
}

/// Files that are not UTF-8 or too large are named, not crashed on.
#[test]
fn unreadable_files_are_reported_by_name() {
    let site = TestSite::new("basic");
    fs::write(
        site.root().join("content/articles/latin1.md"),
        b"+++\ntitle = \"Caf\xe9\"\n+++\n",
    )
    .unwrap();
    let config = fs::read_to_string(site.root().join("site.toml")).unwrap();
    fs::write(
        site.root().join("site.toml"),
        format!("{config}\n[limits]\nfile_size_kib = 1\n"),
    )
    .unwrap();
    site.write(
        "content/pages/huge.md",
        &format!("+++\ntitle = \"Huge\"\n+++\n{}", "word ".repeat(400)),
    );
    let run = site.run(&["check"]);
    assert_eq!(run.code(), Some(1));
    let err = run.stderr();
    assert!(err.contains("content/articles/latin1.md"), "{err}");
    assert!(
        err.contains("not UTF-8 text (invalid bytes on line 2)"),
        "{err}"
    );
    assert!(err.contains("content/pages/huge.md"), "{err}");
    assert!(err.contains("the limit is 1 KiB"), "{err}");
}

/// Ctrl-C in the middle of writing leaves the previous site as it was and no staging
/// folder behind.
#[test]
fn interrupting_a_build_keeps_the_old_site() {
    let site = TestSite::new("basic");
    site.build(&[]);
    let before = site.snapshot();
    // Enough articles that writing takes a while.
    for i in 0..3000 {
        site.write(
            &format!("content/articles/bulk-{i}.md"),
            &format!("+++\ntitle = \"Bulk {i}\"\ndate = 2020-01-01\nsummary = \"s\"\ntags = [\"t{}\"]\n+++\n{}\n", i % 200, "Text. ".repeat(200)),
        );
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_advocate"))
        .arg("--root")
        .arg(site.root())
        .arg("build")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let staging = loop {
        // Wait until pages are being written into the staging folder.
        let found = fs::read_dir(site.root())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(".public.new-")
                    && fs::read_dir(p)
                        .map(|mut d| d.next().is_some())
                        .unwrap_or(false)
            });
        if found.is_some() || started.elapsed() > Duration::from_secs(60) {
            break found;
        }
        thread::sleep(Duration::from_millis(1));
    };
    assert!(staging.is_some(), "the build never started writing");
    Command::new("kill")
        .arg("-INT")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    if status.success() {
        // The build won the race and finished first: nothing to assert about interruption.
        return;
    }
    assert_eq!(status.code(), Some(130));
    assert!(site.snapshot() == before, "the published site changed");
    let leftovers = site.hidden_entries();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}
