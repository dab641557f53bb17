//! Mistakes in content come back as errors naming the file and line, all at once, and a
//! failed build leaves the previous site untouched.

use std::fs;

use crate::support::TestSite;

/// Several broken files are reported together, each with file:line:col and a hint, and
/// the command exits with status 1.
#[test]
fn every_error_is_reported_with_file_and_line() {
    let site = TestSite::new("basic");
    site.write(
        "content/incidents/2024-05-bad.toml",
        "title = \"Bad\"\ndate = \"2024-02-30\"\nkind = \"mass-repatriation\"\nconfidence = \"disputed\"\nsummary = \"x\"\n[[sources]]\npublisher = \"P\"\ntitle = \"T\"\nurl = \"https://p.example\"\n",
    );
    site.write(
        "content/articles/typo.md",
        "+++\ntitle = \"Typo\"\ndate = 2024-01-02\nsumary = \"misspelled\"\n+++\nText\n",
    );
    let run = site.run(&["build"]);
    assert_eq!(run.code(), Some(1));
    let err = run.stderr();
    assert!(
        err.contains("--> content/incidents/2024-05-bad.toml:2:8"),
        "{err}"
    );
    assert!(err.contains("has no day 30"), "{err}");
    assert!(err.contains("--> content/articles/typo.md:4:1"), "{err}");
    assert!(err.contains("did you mean `summary`?"), "{err}");
    assert!(
        err.contains("error: 2 errors in 2 files; nothing was written"),
        "{err}"
    );
}

/// An article naming an incident that does not exist is an error with the nearest id.
#[test]
fn dangling_incident_ids_suggest_the_nearest() {
    let site = TestSite::new("basic");
    let path = site.root().join("content/articles/origins.md");
    let text = fs::read_to_string(&path)
        .unwrap()
        .replace("\"1990s-famine\"", "\"1990s-famin\"");
    fs::write(&path, text).unwrap();
    let run = site.run(&["check"]);
    assert_eq!(run.code(), Some(1));
    let err = run.stderr();
    assert!(err.contains("there is no incident `1990s-famin`"), "{err}");
    assert!(err.contains("--> content/articles/origins.md:6:"), "{err}");
    assert!(err.contains("did you mean \"1990s-famine\"?"), "{err}");
}

/// A Markdown link to a page of the site that does not exist is caught.
#[test]
fn broken_internal_links_are_errors() {
    let site = TestSite::new("basic");
    site.write(
        "content/pages/about.md",
        "+++\ntitle = \"About\"\n+++\nSee [the chronolgy](/chronolgy/).\n",
    );
    let run = site.run(&["check"]);
    assert_eq!(run.code(), Some(1));
    let err = run.stderr();
    assert!(
        err.contains("the link to /chronolgy/ leads to no page"),
        "{err}"
    );
    assert!(err.contains("--> content/pages/about.md:4:5"), "{err}");
    assert!(err.contains("did you mean /chronology/"), "{err}");
}

/// A build that fails leaves the site from the last good build exactly as it was.
#[test]
fn a_failed_build_leaves_the_previous_site_untouched() {
    let site = TestSite::new("basic");
    site.build(&[]);
    let before = site.read("articles/origins/index.html");
    let files_before = site.output_files();
    site.write("content/articles/broken.md", "+++\ntitle = \"Broken\"\n");
    let run = site.run(&["build"]);
    assert_eq!(run.code(), Some(1));
    assert_eq!(site.read("articles/origins/index.html"), before);
    assert_eq!(site.output_files(), files_before);
    let leftovers: Vec<_> = fs::read_dir(site.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary folders left behind: {leftovers:?}"
    );
}

/// `check` validates everything and writes nothing.
#[test]
fn check_writes_nothing() {
    let site = TestSite::new("basic");
    let run = site.run(&["check"]);
    assert!(run.ok(), "{}", run.stderr());
    assert!(!site.root().join("public").exists());
}

/// Running outside a site folder is a usage error (exit 2), not a content error.
#[test]
fn missing_site_toml_is_a_usage_error() {
    let site = TestSite::new("basic");
    fs::remove_file(site.root().join("site.toml")).unwrap();
    let run = site.run(&["build"]);
    assert_eq!(run.code(), Some(2));
    assert!(
        run.stderr().contains("has no site.toml"),
        "{}",
        run.stderr()
    );
}

/// A name listed as forbidden in site.toml fails the build wherever it appears.
#[test]
fn forbidden_strings_fail_the_build() {
    let site = TestSite::new("basic");
    let config = fs::read_to_string(site.root().join("site.toml")).unwrap();
    fs::write(
        site.root().join("site.toml"),
        format!("{config}\n[privacy]\nforbidden = [\"agency b\"]\n"),
    )
    .unwrap();
    let run = site.run(&["build"]);
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stderr()
            .contains("incidents/2024-04-26-tumen/index.html"),
        "{}",
        run.stderr()
    );
    assert!(!site.root().join("public").exists());
}
