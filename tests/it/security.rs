//! Safety for people at risk: pages load nothing from other hosts and run no code written
//! into them, protected names never reach the output, and nothing is read or written
//! outside the site. `tests/fixtures/hostile` holds a site that tries each of these.

use std::fs;
use std::path::Path;

use scraper::{Html, Selector};

use crate::support::TestSite;

/// The host every fixture site lives at.
const OWN_HOST: &str = "ngo.example";

/// Files of the hostile fixture that fail while content is loaded, before any page is
/// rendered.
const CONTENT_ERRORS: [&str; 3] = [
    "content/articles/script-link.md",
    "content/articles/remote-image.md",
    "content/articles/traversal.md",
];

/// Files of the hostile fixture that fail at the gates, once pages are rendered.
const GATE_ERRORS: [&str; 4] = [
    "content/articles/witness.md",
    "content/articles/witness-ko.md",
    "content/incidents/2024-01-10-sinuiju.toml",
    "static/site.css",
];

fn remove(site: &TestSite, files: &[&str]) {
    for file in files {
        fs::remove_file(site.root().join(file)).unwrap();
    }
}

fn assert_reported(err: &str, expected: &[(&str, &str)]) {
    for (place, message) in expected {
        let at = err
            .find(&format!("--> {place}"))
            .unwrap_or_else(|| panic!("no error at {place}:\n{err}"));
        // The message is the line above its location.
        let start = err[..at].rfind("error").unwrap_or(0);
        assert!(
            err[start..at].contains(message),
            "the error at {place} does not say {message:?}:\n{err}"
        );
    }
}

/// Addresses in a finished site that a browser would load from another host by itself,
/// found independently of the generator's own gate: every attribute of every element but
/// links, and every `url(` of a stylesheet.
fn offsite_loads(site: &TestSite) -> Vec<String> {
    let mut found = Vec::new();
    let remote = |value: &str| {
        let v = value.trim().to_ascii_lowercase();
        let host = v
            .strip_prefix("https://")
            .or_else(|| v.strip_prefix("http://"))
            .or_else(|| v.strip_prefix("//"))
            .map(|rest| rest.split(['/', '?', '#', ' ']).next().unwrap_or(""));
        host.is_some_and(|h| h != OWN_HOST)
    };
    let all = Selector::parse("*").unwrap();
    for file in site.output_files() {
        let text = site.read_bytes(&file);
        let text = String::from_utf8_lossy(&text);
        if file.ends_with(".css") {
            for part in text.split("url(").skip(1) {
                let url = part.trim_start_matches(['"', '\'', ' ']);
                if remote(url) {
                    found.push(format!("{file}: url({url}"));
                }
            }
        }
        if !file.ends_with(".html") && !file.ends_with(".svg") {
            continue;
        }
        let html = Html::parse_document(&text);
        for element in html.select(&all) {
            let name = element.value().name();
            let rel = element.value().attr("rel").unwrap_or("");
            let is_link = matches!(name, "a" | "area")
                || (name == "link" && matches!(rel, "canonical" | "alternate" | "license"));
            for (attr, value) in element.value().attrs() {
                let loads = !is_link && !attr.starts_with("xmlns") && name != "meta";
                let urls = value.split([',', ' ', '(']);
                if loads && urls.clone().any(remote) {
                    found.push(format!("{file}: <{name} {attr}=\"{value}\">"));
                }
            }
        }
    }
    found
}

/// The site this repository publishes loads nothing from any other host.
#[test]
fn the_bundled_site_loads_nothing_from_other_hosts() {
    let site = TestSite::bundled();
    site.build(&["--base-url", &format!("https://{OWN_HOST}/")]);
    assert!(site.output_files().len() > 100);
    assert_eq!(offsite_loads(&site), Vec::<String>::new());
    let home = site.page("index.html");
    let policy = home.attrs("meta[http-equiv=Content-Security-Policy]", "content");
    assert_eq!(policy.len(), 1);
    assert!(policy[0].starts_with("default-src 'none'; script-src 'self';"));
    assert!(!policy[0].contains("unsafe"));
}

/// Content that would run code, load from another host or escape the output folder fails
/// while the content is read, each at its file and line.
#[test]
fn hostile_content_fails_at_its_line() {
    let site = TestSite::new("hostile");
    let run = site.run(&["build"]);
    assert_eq!(run.code(), Some(1));
    assert_reported(
        &run.stderr(),
        &[
            (
                "content/articles/script-link.md:6",
                "`javascript:` addresses are not allowed",
            ),
            ("content/articles/remote-image.md:6", "not of another host"),
            (
                "content/articles/traversal.md:5",
                "may only contain a-z, 0-9 and -",
            ),
        ],
    );
    assert!(!site.root().join("public").exists());
    assert!(!site.root().join("outside").exists());
}

/// Once the content loads, the gates find the web font of a stylesheet and every
/// protected name, in whatever shape it was written, and point at the file that holds
/// it; names kept under content/private/ are never read.
#[test]
fn hostile_pages_fail_at_the_gates() {
    let site = TestSite::new("hostile");
    remove(&site, &CONTENT_ERRORS);
    let run = site.run(&["build"]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    let err = run.stderr();
    assert_reported(
        &err,
        &[
            (
                "static/site.css:2",
                "makes the page load a font from another host, https://fonts.example",
            ),
            (
                "content/articles/witness.md:8",
                "name #1 of [privacy] forbidden",
            ),
            (
                "content/articles/witness-ko.md:6",
                "name #2 of [privacy] forbidden",
            ),
            (
                "content/incidents/2024-01-10-sinuiju.toml:12",
                "name #1 of [privacy] forbidden",
            ),
        ],
    );
    assert!(!err.contains("content/private"), "{err}");
    for name in ["O'Hara", "O&#39;HARA", "김철수", "\u{1100}\u{1175}"] {
        assert!(!err.contains(name), "a name was printed:\n{err}");
    }
    assert!(!site.root().join("public").exists());
}

/// What raw HTML in Markdown tries is taken out, and the rest of the page stays.
#[test]
fn hostile_raw_html_is_stripped() {
    let site = TestSite::new("hostile");
    remove(&site, &CONTENT_ERRORS);
    remove(&site, &GATE_ERRORS);
    site.build(&[]);
    let page = site.read("articles/raw-html/index.html");
    // The article's own text: the theme has a search form of its own.
    let start = page.find("<main").expect("a main element");
    let page = &page[start..page.rfind("</main>").expect("main ends")];
    for gone in [
        "<script>",
        "collector.example",
        "tracker.example/pixel",
        "onmouseover",
        "onerror",
        "<iframe",
        "<object",
        "<form",
        "javascript:",
        "fonts.example",
        "<style",
        "style=",
        "ping=",
    ] {
        assert!(!page.contains(gone), "{gone} survived:\n{page}");
    }
    assert!(page.contains("Text before.") && page.contains("Text after."));
    let sources = site.page("articles/raw-html/index.html");
    let rfa = "a[href^=\"https://www.rfa.org\"]";
    assert_eq!(sources.attrs(rfa, "rel"), ["noopener noreferrer"]);
    assert_eq!(sources.attrs(rfa, "referrerpolicy"), ["no-referrer"]);
    assert_eq!(offsite_loads(&site), Vec::<String>::new());
    assert!(!site.exists("private/contacts.txt"));
    assert!(site.output_files().iter().all(|f| !f.contains("private")));
}

/// A web font added to a template override fails the build at its line in the override;
/// listing its host allows it, and the pages' policy then allows exactly that host.
#[test]
fn a_template_loading_from_another_host_fails_unless_allowed() {
    let site = TestSite::new("basic");
    let theme_base =
        fs::read_to_string(site.root().join("themes/default/templates/base.html")).unwrap();
    let font =
        "<link rel=\"stylesheet\" href=\"https://fonts.googleapis.com/css2?family=Noto+Sans\">\n";
    let at = theme_base.find("<meta name=\"viewport\"").unwrap();
    let line = theme_base[..at].matches('\n').count() + 1;
    site.write(
        "templates/base.html",
        &format!("{}{font}{}", &theme_base[..at], &theme_base[at..]),
    );
    let run = site.run(&["build"]);
    assert_eq!(run.code(), Some(1));
    let err = run.stderr();
    assert_reported(
        &err,
        &[(
            &format!("templates/base.html:{line}"),
            "makes the page load a stylesheet from another host, https://fonts.googleapis.com",
        )],
    );
    assert!(
        err.contains("to `styles` under [security.allowed_hosts]"),
        "{err}"
    );
    // One error for the template, not one per page.
    assert_eq!(err.matches("error: this file makes").count(), 1, "{err}");

    let config = fs::read_to_string(site.root().join("site.toml")).unwrap();
    site.write(
        "site.toml",
        &format!(
            "{config}\n[security.allowed_hosts]\nstyles = [\"https://fonts.googleapis.com\"]\n"
        ),
    );
    site.build(&[]);
    let policy = site
        .page("index.html")
        .attrs("meta[http-equiv=Content-Security-Policy]", "content")
        .remove(0);
    assert!(
        policy.contains("style-src 'self' https://fonts.googleapis.com;"),
        "{policy}"
    );
    assert!(policy.contains("script-src 'self';"), "{policy}");
}

/// A host listed for one kind of resource must be an origin, nothing more.
#[test]
fn allowed_hosts_must_be_origins() {
    let site = TestSite::new("basic");
    let config = fs::read_to_string(site.root().join("site.toml")).unwrap();
    site.write(
        "site.toml",
        &format!("{config}\n[security.allowed_hosts]\nimages = [\"media.example.org/*\"]\n"),
    );
    let run = site.run(&["check"]);
    assert_eq!(run.code(), Some(1));
    let err = run.stderr();
    assert!(err.contains("[security.allowed_hosts] images"), "{err}");
    assert!(err.contains("--> site.toml:"), "{err}");
}

/// `_headers` carries the policy with frame-ancestors, and the mirror's address when
/// the site has one.
#[test]
fn headers_file_is_written_with_the_onion_location() {
    let site = TestSite::new("basic");
    let config = fs::read_to_string(site.root().join("site.toml")).unwrap();
    site.write(
        "site.toml",
        &format!("{config}\n[security]\nonion_url = \"http://abcdefghijklmnop.onion/\"\n"),
    );
    site.build(&[]);
    let headers = site.read("_headers");
    for line in [
        "/*\n",
        "  Content-Security-Policy: default-src 'none';",
        "frame-ancestors 'none'\n",
        "  Strict-Transport-Security: max-age=31536000\n",
        "  X-Content-Type-Options: nosniff\n",
        "  Referrer-Policy: no-referrer\n",
        "  X-Frame-Options: DENY\n",
        "camera=(), ",
        "  Onion-Location: http://abcdefghijklmnop.onion/\n",
    ] {
        assert!(headers.contains(line), "{line:?} missing from:\n{headers}");
    }
}

/// A symbolic link in content/ or static/ to a file outside the site is not followed:
/// its target is neither read nor published.
#[cfg(unix)]
#[test]
fn symlinks_out_of_the_site_are_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.md");
    fs::write(
        &secret,
        "+++\ntitle = \"Secret\"\ndate = 2024-01-01\n+++\nSECRET-OUTSIDE-TEXT\n",
    )
    .unwrap();
    let site = TestSite::new("basic");
    let link = |target: &Path, at: &str| {
        let at = site.root().join(at);
        fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, at).unwrap();
    };
    link(&secret, "content/articles/secret.md");
    link(&secret, "static/secret.txt");
    link(outside.path(), "static/outside");
    site.build(&[]);
    assert!(!site.exists("articles/secret/index.html"));
    assert!(!site.exists("secret.txt"));
    assert!(!site.exists("outside/secret.md"));
    for file in site.output_files() {
        let bytes = site.read_bytes(&file);
        assert!(
            !String::from_utf8_lossy(&bytes).contains("SECRET-OUTSIDE-TEXT"),
            "{file}"
        );
    }
}

/// A theme name cannot lead out of themes/.
#[test]
fn theme_names_cannot_leave_the_themes_folder() {
    let site = TestSite::new("basic");
    let config = fs::read_to_string(site.root().join("site.toml")).unwrap();
    site.write("site.toml", &format!("theme = \"../../etc\"\n{config}"));
    let run = site.run(&["check"]);
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stderr().contains("`../../etc` is not a theme name"),
        "{}",
        run.stderr()
    );
}

/// Writes a witness statement naming `name` into the basic fixture.
fn add_witness(site: &TestSite, name: &str) {
    site.write(
        "content/articles/witness.md",
        &format!(
            "+++\ntitle = \"Witness\"\ndate = 2024-03-03\nsummary = \"s\"\n+++\nIntro.\n\nA witness, {name}, said so.\n"
        ),
    );
}

/// `privacy add` keeps names out of site.toml, and the build then finds them by their
/// hash in any shape, naming the file and line without printing the name.
#[test]
fn hashed_names_fail_the_build_without_being_printed() {
    let site = TestSite::new("basic");
    let run = site.run_with(&["privacy", "add"], &[], "Pak O'Hara\n김철수\n");
    assert!(run.ok(), "{}", run.stderr());
    assert!(run.stderr().contains("added 2 name(s)"), "{}", run.stderr());
    let config = fs::read_to_string(site.root().join("site.toml")).unwrap();
    assert!(config.contains("forbidden_hashes = ["), "{config}");
    assert!(
        config.contains("description = \"A fixture site"),
        "{config}"
    );
    for secret in ["Pak", "O'Hara", "김철수"] {
        assert!(!config.contains(secret), "{config}");
        assert!(!run.stderr().contains(secret));
    }
    site.build(&[]);

    for (shape, entry) in [
        ("PAK O’HARA", 1),
        ("Ｐａｋ Ｏ'Ｈａｒａ", 1),
        ("증인 김철수씨", 2),
        (
            "증인 \u{1100}\u{1175}\u{11b7}\u{110e}\u{1165}\u{11af}\u{1109}\u{116e}씨",
            2,
        ),
    ] {
        add_witness(&site, shape);
        let run = site.run(&["build"]);
        assert_eq!(run.code(), Some(1), "{shape} passed the gate");
        let err = run.stderr();
        assert_reported(
            &err,
            &[(
                "content/articles/witness.md:8:1",
                &format!("name #{entry} of [privacy] forbidden_hashes"),
            )],
        );
        assert!(!err.contains(shape), "the name was printed:\n{err}");
        assert!(
            err.contains("8 | A witness, ") && err.contains("****"),
            "the line is not shown masked:\n{err}"
        );
    }
}

/// Names can come from a file outside the repository, named by an environment variable
/// that CI fills from a secret; a name file that cannot be read stops the build.
#[test]
fn names_from_a_secret_file_fail_the_build() {
    let site = TestSite::new("basic");
    let secrets = tempfile::tempdir().unwrap();
    let file = secrets.path().join("names.txt");
    fs::write(&file, "# names of people at risk\n\nPak O'Hara\n").unwrap();
    add_witness(&site, "Pak O’Hara");
    let var = "ADVOCATE_FORBIDDEN_FILE";
    let run = site.run_with(&["build"], &[(var, &file)], "");
    assert_eq!(run.code(), Some(1));
    let err = run.stderr();
    assert_reported(
        &err,
        &[(
            "content/articles/witness.md:8:1",
            "the name on line 3 of the file named by ADVOCATE_FORBIDDEN_FILE",
        )],
    );
    assert!(!err.contains("Hara"), "{err}");

    let missing = secrets.path().join("missing.txt");
    let run = site.run_with(&["build"], &[(var, &missing)], "");
    assert_eq!(run.code(), Some(2));
    assert!(
        run.stderr().contains("ADVOCATE_FORBIDDEN_FILE names"),
        "{}",
        run.stderr()
    );
}

/// A draft that names a protected person is not published, so it does not fail the
/// build; with --drafts it does.
#[test]
fn drafts_stay_unpublished_and_unscanned() {
    let site = TestSite::new("basic");
    let config = fs::read_to_string(site.root().join("site.toml")).unwrap();
    site.write(
        "site.toml",
        &format!("{config}\n[privacy]\nforbidden = [\"Pak O'Hara\"]\n"),
    );
    site.write(
        "content/articles/draft.md",
        "+++\ntitle = \"Draft\"\ndate = 2024-03-03\ndraft = true\n+++\nPak O'Hara said so.\n",
    );
    site.write(
        "content/private/notes.md",
        "Pak O'Hara, at the usual address.\n",
    );
    site.build(&[]);
    assert!(!site.exists("articles/draft/index.html"));
    assert!(site.output_files().iter().all(|f| !f.contains("private")));
    let run = site.run(&["build", "--drafts"]);
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stderr().contains("--> content/articles/draft.md:6:1"),
        "{}",
        run.stderr()
    );
}

/// A file far over the size limit, and Markdown or TOML nested as deep as it fits, end
/// with a message or a site within seconds, never a hang or a crash.
#[test]
fn huge_and_deeply_nested_files_end_quickly() {
    let site = TestSite::new("basic");
    let started = std::time::Instant::now();
    let front = "+++\ntitle = \"Deep\"\ndate = 2024-03-03\nsummary = \"s\"\n+++\n";
    let cases = [
        (
            "content/articles/quotes.md",
            format!("{front}{} deep\n", ">".repeat(100_000)),
        ),
        (
            "content/articles/lists.md",
            format!("{front}{}", "- ".repeat(100_000)),
        ),
        (
            "content/articles/html.md",
            format!("{front}{}", "<div>".repeat(100_000)),
        ),
        (
            "content/articles/links.md",
            format!("{front}{}x{}", "[".repeat(100_000), "](/)".repeat(100_000)),
        ),
    ];
    for (path, text) in &cases {
        site.write(path, text);
        let run = site.run(&["check"]);
        assert!(
            matches!(run.code(), Some(0 | 1)),
            "{path}: {:?}\n{}",
            run.code(),
            run.stderr()
        );
        fs::remove_file(site.root().join(path)).unwrap();
    }
    let toml = format!("a = {}{}\n", "[".repeat(200_000), "]".repeat(200_000));
    site.write("content/incidents/2024-01-01-deep.toml", &toml);
    let run = site.run(&["check"]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("content/incidents/2024-01-01-deep.toml"),
        "{}",
        run.stderr()
    );
    fs::remove_file(site.root().join("content/incidents/2024-01-01-deep.toml")).unwrap();

    site.write("content/articles/huge.md", &"word ".repeat(2_000_000));
    let run = site.run(&["check"]);
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stderr().contains("the limit is 4096 KiB"),
        "{}",
        run.stderr()
    );
    assert!(
        started.elapsed().as_secs() < 60,
        "took {:?}",
        started.elapsed()
    );
}
