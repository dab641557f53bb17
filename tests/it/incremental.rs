//! Incremental builds (what `serve` does after a save) against the oracle of a full build:
//! after every scripted edit, the site a [`Session`] holds equals, file for file and byte
//! for byte, what a fresh build of the same folder gives; and a small edit renders only
//! the pages that show it.

use std::path::Path;
use std::sync::Arc;

use advocate::Options;
use advocate::diagnostics::render;
use advocate::incremental::{Behind, Files, MemorySink, Session};

use crate::support::TestSite;

fn options(root: &Path) -> Options {
    Options {
        base_url: Some("http://127.0.0.1:1111/".to_owned()),
        drafts: true,
        ..Options::new(root)
    }
}

/// A full build from nothing, into memory, with its diagnostics as `check` prints them.
fn fresh(root: &Path) -> (Files, String) {
    let sink = MemorySink::new(root);
    let generated = advocate::generate_into(&options(root), &sink).unwrap();
    assert!(!generated.has_errors(), "{:?}", generated.diagnostics);
    let printed = render(&generated.diagnostics, &generated.sources, false);
    (sink.into_files(), printed)
}

/// A session, and the site it serves, checked against full builds.
struct Oracle {
    session: Session,
    served: Arc<Files>,
}

impl Oracle {
    fn new(root: &Path) -> Self {
        Oracle {
            session: Session::new(options(root)),
            served: Arc::default(),
        }
    }

    fn changed(&mut self, path: &Path) {
        self.session.changed(path);
    }

    /// Builds incrementally, as `serve` does, and compares with a fresh build; returns
    /// how many pages were rendered, in all. A build that leaves something behind is checked
    /// first for what it did make: the files it changed must be those of the full
    /// build. Then [`Session::finish`] makes the rest, and the whole site is compared.
    fn rebuild(&mut self, root: &Path, step: &str) -> usize {
        let session = &mut self.session;
        let build = session.build().unwrap();
        let (expected, printed) = fresh(root);
        let generated = &build.generated;
        let files = build
            .files
            .unwrap_or_else(|| panic!("{step}: {:?}", generated.diagnostics));
        let warnings = render(&generated.diagnostics, &generated.sources, false);
        assert_eq!(warnings, printed, "{step}: the warnings of a full build");
        let mut rendered = build.rendered;
        let mut whole = (build.behind == Behind::Nothing).then_some(files.clone());
        if whole.is_none() {
            let made: Vec<&String> = (files.iter())
                .filter(|(path, bytes)| self.served.get(*path) != Some(*bytes))
                .map(|(path, _)| path)
                .collect();
            assert!(!made.is_empty(), "{step}: the saved pages first");
            for path in made {
                assert!(
                    expected.get(path) == files.get(path),
                    "{step}: {path} differs from a full build before the rest follows"
                );
            }
            let finished = session.finish().unwrap().expect("the rest to follow");
            rendered += finished.rendered;
            whole = finished.files;
        }
        let files = whole.unwrap_or_else(|| panic!("{step}: the rest failed"));
        compare(&files, &expected, step, |_| true);
        assert!(session.finish().unwrap().is_none(), "{step}: nothing left");
        self.served = files;
        rendered
    }
}

/// Asserts that the files of `files` and `expected` for which `kept` holds are the same.
fn compare(files: &Files, expected: &Files, step: &str, kept: impl Fn(&str) -> bool) {
    let mut missing: Vec<&String> = (expected.keys())
        .filter(|k| kept(k) && !files.contains_key(*k))
        .collect();
    let mut extra: Vec<&String> = (files.keys())
        .filter(|k| kept(k) && !expected.contains_key(*k))
        .collect();
    missing.sort();
    extra.sort();
    assert!(missing.is_empty(), "{step}: missing {missing:?}");
    assert!(extra.is_empty(), "{step}: stale files {extra:?}");
    let mut differ: Vec<&String> = expected
        .iter()
        .filter(|(path, bytes)| kept(path) && files[*path] != **bytes)
        .map(|(path, _)| path)
        .collect();
    differ.sort();
    assert!(
        differ.is_empty(),
        "{step}: differ from a full build: {differ:?}"
    );
}

/// One edit: what it does to the site, and the paths it touches.
struct Edit {
    name: &'static str,
    apply: Box<dyn Fn(&TestSite)>,
    touched: &'static [&'static str],
}

fn edit(
    name: &'static str,
    touched: &'static [&'static str],
    apply: impl Fn(&TestSite) + 'static,
) -> Edit {
    Edit {
        name,
        apply: Box::new(apply),
        touched,
    }
}

fn replace(site: &TestSite, rel: &str, from: &str, to: &str) {
    let path = site.root().join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} has no {from:?}");
    std::fs::write(path, text.replace(from, to)).unwrap();
}

/// Several replacements, each `(file, from, to)`.
fn swap(site: &TestSite, replacements: &[(&str, &str, &str)]) {
    for (rel, from, to) in replacements {
        replace(site, rel, from, to);
    }
}

fn rename(site: &TestSite, from: &str, to: &str) {
    std::fs::rename(site.root().join(from), site.root().join(to)).unwrap();
}

const ORIGINS: &str = "content/articles/origins.md";
const TUMEN: &str = "content/incidents/2023-10-tumen.toml";
const DRAFT: &str = "content/articles/unpublished.md";
const OCTOBER: &str = "content/articles/october-return.md";
const METHODOLOGY: &str = "content/pages/methodology.md";

fn edits() -> Vec<Edit> {
    vec![
        edit("change an article's body", &[ORIGINS], |s| {
            replace(
                s,
                ORIGINS,
                "The *famine* years.",
                "The *famine* years, retold.",
            )
        }),
        edit(
            "change an article's body while the editor writes a swap file",
            &[ORIGINS, "content/articles/.origins.md.swp"],
            |s| {
                s.write("content/articles/.origins.md.swp", "swap");
                replace(s, ORIGINS, "years, retold.", "years, told again.");
            },
        ),
        // Front matter of the same length: only what it says differs, not where.
        edit(
            "change an article's title, not its length",
            &[ORIGINS],
            |s| replace(s, ORIGINS, "the famine years\"", "the famine yearz\""),
        ),
        edit("and back", &[ORIGINS], |s| {
            replace(s, ORIGINS, "the famine yearz\"", "the famine years\"")
        }),
        edit(
            "change an article's summary, not its length",
            &[ORIGINS],
            |s| replace(s, ORIGINS, "policy comes from", "policy came from"),
        ),
        edit(
            "change a page's title, not its length",
            &[METHODOLOGY],
            |s| replace(s, METHODOLOGY, "\"Methodology\"", "\"Methodologz\""),
        ),
        edit("change a page's body", &[METHODOLOGY], |s| {
            replace(s, METHODOLOGY, "own figure.", "own figure, as given.")
        }),
        // A warning of one file stays while others are saved, and moves with its own.
        edit("drop an article's summary, a warning", &[OCTOBER], |s| {
            replace(
                s,
                OCTOBER,
                "summary = \"Hundreds were sent back in one night.\"\n",
                "",
            )
        }),
        edit(
            "change the body of the article warned about",
            &[OCTOBER],
            // Long enough to change its reading time, and it has no summary: lists and
            // feeds must show nothing of a body but the feed's full text.
            |s| {
                let more = "More words for the reading time. ".repeat(50);
                replace(
                    s,
                    OCTOBER,
                    "Text about",
                    &format!("\n{more}\n\nMore text about"),
                )
            },
        ),
        edit("change another article's body", &[ORIGINS], |s| {
            replace(s, ORIGINS, "*famine*", "**famine**")
        }),
        edit("give the summary back", &[OCTOBER], |s| {
            replace(
                s,
                OCTOBER,
                "+++\n\nMore",
                "summary = \"Hundreds were sent back in one night.\"\n+++\n\nMore",
            )
        }),
        // Items saved together may show each other: neighbours, an article and its
        // incident. Each pair is changed, then changed back.
        edit(
            "retitle two neighbouring articles at once",
            &[ORIGINS, OCTOBER],
            |s| {
                swap(
                    s,
                    &[
                        (ORIGINS, "years\"", "yearz\""),
                        (OCTOBER, "return\"", "returm\""),
                    ],
                )
            },
        ),
        edit("and back", &[ORIGINS, OCTOBER], |s| {
            swap(
                s,
                &[
                    (ORIGINS, "yearz\"", "years\""),
                    (OCTOBER, "returm\"", "return\""),
                ],
            )
        }),
        edit(
            "retitle an article and its incident at once",
            &[OCTOBER, TUMEN],
            |s| {
                swap(
                    s,
                    &[
                        (OCTOBER, "return\"", "returm\""),
                        (TUMEN, "return in", "returm in"),
                    ],
                )
            },
        ),
        edit("and back", &[OCTOBER, TUMEN], |s| {
            swap(
                s,
                &[
                    (OCTOBER, "returm\"", "return\""),
                    (TUMEN, "returm in", "return in"),
                ],
            )
        }),
        edit("change a draft's body", &[DRAFT], |s| {
            replace(s, DRAFT, "Draft text.", "Draft text, longer.")
        }),
        edit("change an article's title", &[ORIGINS], |s| {
            replace(
                s,
                ORIGINS,
                "Origins in the famine years",
                "Origins, famine years",
            )
        }),
        edit(
            "change an article's date, moving it in the lists",
            &[ORIGINS],
            |s| replace(s, ORIGINS, "date = 2023-01-15", "date = 2024-06-01"),
        ),
        edit("change an article's tags", &[ORIGINS], |s| {
            replace(
                s,
                ORIGINS,
                "tags = [\"history\"]",
                "tags = [\"famine\", \"jilin\"]",
            )
        }),
        edit(
            "change the incidents an article reports on",
            &[ORIGINS],
            |s| {
                replace(
                    s,
                    ORIGINS,
                    "[\"1990s-famine\"]",
                    "[\"1990s-famine\", \"2023-10-tumen\"]",
                )
            },
        ),
        edit(
            "create an article",
            &["content/articles/new-report.md"],
            |s| {
                s.write(
                    "content/articles/new-report.md",
                    "+++\ntitle = \"A new report\"\ndate = 2024-02-02\nsummary = \"New.\"\ntags = [\"jilin\"]\nincidents = [\"2023-10-tumen\"]\n+++\nBody with a [link](/chronology/).\n",
                )
            },
        ),
        edit(
            "rename an article",
            &[
                "content/articles/new-report.md",
                "content/articles/renamed.md",
            ],
            |s| {
                rename(
                    s,
                    "content/articles/new-report.md",
                    "content/articles/renamed.md",
                )
            },
        ),
        edit("delete an article", &["content/articles/renamed.md"], |s| {
            std::fs::remove_file(s.root().join("content/articles/renamed.md")).unwrap()
        }),
        edit("change an incident's title", &[TUMEN], |s| {
            replace(s, TUMEN, "Mass return in October", "Mass return, October")
        }),
        edit("change an incident's figures", &[TUMEN], |s| {
            replace(s, TUMEN, "people_max = 600", "people_max = 650")
        }),
        edit("change an incident's place", &[TUMEN], |s| {
            replace(s, TUMEN, "name = \"Tumen\"", "name = \"Hunchun\"")
        }),
        edit(
            "create an incident",
            &["content/incidents/2024-05-hunchun.toml"],
            |s| {
                s.write(
                    "content/incidents/2024-05-hunchun.toml",
                    "title = \"Returns from Hunchun\"\ndate = \"2024-05\"\nkind = \"repatriation\"\nconfidence = \"single-source\"\nsummary = \"A few returned.\"\ntags = [\"jilin\"]\n[[sources]]\npublisher = \"Agency F\"\ntitle = \"Returns\"\nurl = \"https://f.example/a\"\n",
                )
            },
        ),
        edit(
            "rename an incident",
            &[
                "content/incidents/2024-05-hunchun.toml",
                "content/incidents/2024-05-returns.toml",
            ],
            |s| {
                rename(
                    s,
                    "content/incidents/2024-05-hunchun.toml",
                    "content/incidents/2024-05-returns.toml",
                )
            },
        ),
        edit(
            "delete an incident",
            &["content/incidents/2024-05-returns.toml"],
            |s| {
                std::fs::remove_file(s.root().join("content/incidents/2024-05-returns.toml"))
                    .unwrap()
            },
        ),
        edit("create a page", &["content/pages/contact.md"], |s| {
            s.write(
                "content/pages/contact.md",
                "+++\ntitle = \"Contact\"\nweight = 3\n+++\nWrite to us.\n",
            )
        }),
        edit("change a page", &["content/pages/contact.md"], |s| {
            replace(
                s,
                "content/pages/contact.md",
                "Write to us.",
                "Write to us, safely.",
            )
        }),
        edit(
            "rename a page",
            &["content/pages/contact.md", "content/pages/write.md"],
            |s| rename(s, "content/pages/contact.md", "content/pages/write.md"),
        ),
        edit("delete a page", &["content/pages/write.md"], |s| {
            std::fs::remove_file(s.root().join("content/pages/write.md")).unwrap()
        }),
        edit(
            "change a template",
            &["themes/default/templates/page.html"],
            |s| {
                replace(
                    s,
                    "themes/default/templates/page.html",
                    "</article>",
                    "<p class=\"edited\">edited</p></article>",
                )
            },
        ),
        edit(
            "change an interface string",
            &["themes/default/i18n/en.toml"],
            |s| {
                let rel = "themes/default/i18n/en.toml";
                let text = std::fs::read_to_string(s.root().join(rel)).unwrap();
                let line = text
                    .lines()
                    .find(|l| l.starts_with("chronology_title"))
                    .unwrap();
                replace(s, rel, line, "chronology_title = \"Timeline\"")
            },
        ),
        edit(
            "change the stylesheet",
            &["themes/default/static/style.css"],
            |s| {
                let rel = "themes/default/static/style.css";
                let text = std::fs::read_to_string(s.root().join(rel)).unwrap();
                s.write(rel, &format!("{text}\n/* edited */\n"));
            },
        ),
        edit("change site.toml", &["site.toml"], |s| {
            replace(s, "site.toml", "Test Monitor", "Test Monitor 2")
        }),
        edit("change the paging in site.toml", &["site.toml"], |s| {
            replace(
                s,
                "site.toml",
                "articles_per_page = 2",
                "articles_per_page = 1",
            )
        }),
        edit(
            "change an article's body after site.toml changed",
            &[ORIGINS],
            |s| replace(s, ORIGINS, "told again.", "told once more."),
        ),
    ]
}

#[test]
fn after_every_kind_of_edit_the_site_equals_a_full_build() {
    let site = TestSite::new("basic");
    let root = site.root();
    let mut session = Oracle::new(root);
    let first = session.rebuild(root, "first build");
    assert!(first > 10, "the first build renders every page ({first})");
    for edit in edits() {
        (edit.apply)(&site);
        for path in edit.touched {
            session.changed(&root.join(path));
        }
        session.rebuild(root, edit.name);
    }
}

#[test]
fn an_edit_renders_only_the_pages_that_show_it() {
    let site = TestSite::new("basic");
    let root = site.root();
    let mut session = Oracle::new(root);
    let all = session.rebuild(root, "first build");

    // A body is shown on its own page only: lists carry titles and summaries.
    replace(
        &site,
        ORIGINS,
        "The *famine* years.",
        "The *famine* years, retold.",
    );
    session.changed(&root.join(ORIGINS));
    assert_eq!(session.rebuild(root, "body"), 1);

    // Nothing changed: nothing is rendered.
    assert_eq!(session.rebuild(root, "no change"), 0);

    // A title shows on the article, its neighbours, lists, its tag and its incident.
    replace(
        &site,
        ORIGINS,
        "Origins in the famine years",
        "Origins, famine years",
    );
    session.changed(&root.join(ORIGINS));
    let title = session.rebuild(root, "title");
    assert!(title > 1 && title < all / 2, "{title} of {all}");

    // A template changes every page.
    replace(
        &site,
        "themes/default/templates/base.html",
        "</body>",
        "<!-- edited --></body>",
    );
    session.changed(&root.join("themes/default/templates/base.html"));
    assert_eq!(session.rebuild(root, "base template"), all);
}

#[test]
fn a_failed_build_keeps_the_session_right_for_the_next_one() {
    let site = TestSite::new("basic");
    let root = site.root();
    let mut session = Oracle::new(root);
    session.rebuild(root, "first build");

    replace(&site, ORIGINS, "date = 2023-01-15", "date = 2023-13-15");
    session.changed(&root.join(ORIGINS));
    let broken = session.session.build().unwrap();
    assert!(broken.files.is_none());
    assert!(broken.generated.has_errors());

    replace(&site, ORIGINS, "date = 2023-13-15", "date = 2022-01-15");
    session.changed(&root.join(ORIGINS));
    session.rebuild(root, "recovered");
}

/// Whether any file of the search index holds `term`.
fn indexed(files: &Files, term: &str) -> bool {
    let key = format!("\"{term}\":");
    files.iter().any(|(path, bytes)| {
        path.starts_with("search/data/") && String::from_utf8_lossy(bytes).contains(&key)
    })
}

#[test]
fn a_body_edit_shows_its_page_at_once_and_the_search_index_after() {
    let site = TestSite::new("basic");
    let root = site.root();
    let mut session = Oracle::new(root);
    session.rebuild(root, "first build");

    replace(
        &site,
        ORIGINS,
        "The *famine* years.",
        "The *famine* years of hardship.",
    );
    session.changed(&root.join(ORIGINS));
    let build = session.session.build().unwrap();
    assert_eq!(build.rendered, 1, "the article's page alone");
    assert!(build.behind == Behind::SearchIndex);
    let files = build.files.unwrap();
    let page = String::from_utf8_lossy(&files["articles/origins/index.html"]).into_owned();
    assert!(page.contains("years of hardship"), "{page}");
    let feed = String::from_utf8_lossy(&files["feed.xml"]).into_owned();
    assert!(
        feed.contains("years of hardship"),
        "the feed carries the full text"
    );
    assert!(!indexed(&files, "hardship"), "the index follows later");

    let finished = session
        .session
        .finish()
        .unwrap()
        .expect("an index to renew");
    assert!(indexed(&finished.files.unwrap(), "hardship"));
    assert!(session.session.finish().unwrap().is_none());
}

#[test]
fn a_body_edit_that_breaks_a_link_is_reported_as_check_reports_it() {
    let site = TestSite::new("basic");
    let root = site.root();
    let mut session = Oracle::new(root);
    session.rebuild(root, "first build");

    let broken = "The *famine* years, see [this](/no-such-page/).";
    replace(&site, ORIGINS, "The *famine* years.", broken);
    session.changed(&root.join(ORIGINS));
    let build = session.session.build().unwrap();
    assert!(build.files.is_none());
    let printed = render(
        &build.generated.diagnostics,
        &build.generated.sources,
        false,
    );
    assert!(printed.contains("/no-such-page/"), "{printed}");
    assert!(
        printed.contains("origins.md:8"),
        "names the file and line: {printed}"
    );
    let check = advocate::generate(&options(root)).unwrap();
    assert_eq!(printed, render(&check.diagnostics, &check.sources, false));

    replace(&site, ORIGINS, broken, "The *famine* years, mended.");
    session.changed(&root.join(ORIGINS));
    session.rebuild(root, "mended");
}
