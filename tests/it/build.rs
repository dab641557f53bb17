//! `advocate build`: every page type is written, links between pages resolve, drafts stay
//! out, the feed is valid Atom, sub-path hosting works and builds are reproducible.

use std::collections::BTreeSet;
use std::fs;

use crate::support::TestSite;

/// A newcomer's first build produces every kind of page the design promises.
#[test]
fn every_page_type_is_written() {
    let site = TestSite::new("basic");
    site.build(&[]);
    for file in [
        "index.html",
        "articles/index.html",
        "articles/page/2/index.html",
        "articles/returns-resume/index.html",
        "incidents/2024-04-26-tumen/index.html",
        "incidents/1990s-famine/index.html",
        "chronology/index.html",
        "tags/index.html",
        "tags/jilin/index.html",
        "tags/mass-returns/index.html",
        "methodology/index.html",
        "404.html",
        "feed.xml",
        "sitemap.xml",
        "robots.txt",
        "style.css",
    ] {
        assert!(
            site.exists(file),
            "{file} is missing; output: {:?}",
            site.output_files()
        );
    }
}

/// An article page shows its dates, tags, the incidents it covers and its neighbours.
#[test]
fn article_page_links_to_its_incidents_tags_and_neighbours() {
    let site = TestSite::new("basic");
    site.build(&[]);
    let page = site.page("articles/october-return/index.html");
    assert_eq!(page.texts("h1"), ["The October mass return"]);
    let text = page.text();
    assert!(text.contains("20 October 2023"), "{text}");
    let links = page.links();
    for expected in [
        "/incidents/2023-10-tumen/",
        "/incidents/2024-04-26-tumen/",
        "/tags/mass-returns/",
        "/articles/returns-resume/",
        "/articles/origins/",
    ] {
        assert!(
            links.iter().any(|l| l == expected),
            "no link to {expected} in {links:?}"
        );
    }
    // The body's Markdown table and footnote are rendered in the newer article.
    let newer = site.page("articles/returns-resume/index.html");
    assert_eq!(newer.texts("table th"), ["Source", "Figure"]);
    assert_eq!(newer.attrs("h2#who-reported-what", "id").len(), 1);
}

/// An incident page gives the range, each source's own figure, the confidence in words,
/// the correction and the articles about it.
#[test]
fn incident_page_keeps_sources_side_by_side() {
    let site = TestSite::new("basic");
    site.build(&[]);
    let page = site.page("incidents/2024-04-26-tumen/index.html");
    let text = page.text();
    for expected in [
        "Returns through Tumen",
        "26 April 2024",
        "50–200 people",
        "Mass repatriation",
        "Disputed",
        "Sources disagree on a core fact",
        "Agency A",
        "200 people",
        "Agency B",
        "60 people",
        "Tumen",
        "An earlier version gave the wrong date.",
        "Returns resume after the border reopens",
    ] {
        assert!(
            text.contains(expected),
            "incident page lacks {expected:?}:\n{text}"
        );
    }
    let links = page.links();
    assert!(links.contains(&"https://a.example/report".to_owned()));
    assert!(links.contains(&"https://archive.example/b".to_owned()));
    let rels = page.attrs("a[href='https://a.example/report']", "rel");
    assert!(rels.iter().all(|r| r.contains("noreferrer")), "{rels:?}");

    let month = site.page("incidents/2023-10-tumen/index.html").text();
    assert!(
        month.contains("October 2023") && !month.contains("1 October 2023"),
        "{month}"
    );
    let decade = site.page("incidents/1990s-famine/index.html").text();
    assert!(decade.contains("1990s"), "{decade}");
}

/// Every internal link on every page leads to a file of the output.
#[test]
fn internal_links_resolve_at_a_domain_root() {
    let site = TestSite::new("basic");
    site.build(&[]);
    assert_links_resolve(&site, "/");
}

/// Under a sub-path such as https://ngo.example/monitor/, every internal link carries the
/// sub-path and still resolves, and the feed and sitemap use absolute URLs.
#[test]
fn internal_links_resolve_under_a_sub_path() {
    let site = TestSite::new("basic");
    site.build(&["--base-url", "https://ngo.example/monitor/"]);
    assert_links_resolve(&site, "/monitor/");
    let sitemap = site.read("sitemap.xml");
    assert!(
        sitemap.contains("<loc>https://ngo.example/monitor/articles/origins/</loc>"),
        "{sitemap}"
    );
    assert!(
        !sitemap.contains("404"),
        "the 404 page is not in the sitemap"
    );
    let robots = site.read("robots.txt");
    assert!(
        robots.contains("Sitemap: https://ngo.example/monitor/sitemap.xml"),
        "{robots}"
    );
    let article = site.page("articles/origins/index.html");
    assert_eq!(
        article.attrs("link[rel=canonical]", "href"),
        ["https://ngo.example/monitor/articles/origins/"]
    );
}

fn assert_links_resolve(site: &TestSite, base: &str) {
    let files: BTreeSet<String> = site.output_files().into_iter().collect();
    let mut checked = 0;
    for file in files.iter().filter(|f| f.ends_with(".html")) {
        let page = site.page(file);
        let mut targets = page.links();
        targets.extend(page.attrs("link[href]", "href"));
        for href in targets {
            if href.starts_with("http") || href.starts_with('#') || href.starts_with("mailto:") {
                continue;
            }
            let path = href.split('#').next().unwrap();
            let rest = path
                .strip_prefix(base)
                .unwrap_or_else(|| panic!("{file}: link {href} does not start with {base}"));
            let target = if rest.is_empty() || rest.ends_with('/') {
                format!("{rest}index.html")
            } else {
                rest.to_owned()
            };
            assert!(files.contains(&target), "{file}: link {href} leads nowhere");
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} links checked");
}

/// Drafts are left out of every page and the feed unless --drafts is given.
#[test]
fn drafts_only_with_the_flag() {
    let site = TestSite::new("basic");
    site.build(&[]);
    assert!(!site.exists("articles/unpublished/index.html"));
    let everything: String = site
        .output_files()
        .iter()
        .filter(|f| f.ends_with(".html") || f.ends_with(".xml"))
        .map(|f| site.read(f))
        .collect();
    assert!(!everything.contains("An unfinished draft"));

    site.build(&["--drafts"]);
    assert!(site.exists("articles/unpublished/index.html"));
    assert!(
        site.read("articles/index.html")
            .contains("An unfinished draft")
    );
}

/// The feed is Atom that a reader can parse, newest first, full text, absolute links.
#[test]
fn feed_is_atom_with_the_published_articles() {
    let site = TestSite::new("basic");
    site.build(&[]);
    let feed = atom_syndication::Feed::read_from(site.read("feed.xml").as_bytes()).unwrap();
    assert_eq!(feed.title().as_str(), "Test Monitor");
    let titles: Vec<_> = feed
        .entries()
        .iter()
        .map(|e| e.title().as_str().to_owned())
        .collect();
    assert_eq!(
        titles,
        [
            "Returns resume after the border reopens",
            "The October mass return",
            "Origins in the famine years"
        ]
    );
    let first = &feed.entries()[0];
    assert_eq!(
        first.links()[0].href(),
        "https://ngo.example/articles/returns-resume/"
    );
    let content = first.content().unwrap().value().unwrap();
    assert!(content.contains("<table>"), "{content}");
}

/// The same input gives byte-identical output, run after run.
#[test]
fn two_builds_are_identical() {
    let site = TestSite::new("basic");
    site.build(&["--output-dir", "first"]);
    site.build(&["--output-dir", "second"]);
    let read_all = |dir: &str| {
        let base = site.root().join(dir);
        walkdir::WalkDir::new(&base)
            .sort_by_file_name()
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                (
                    e.path().strip_prefix(&base).unwrap().to_owned(),
                    fs::read(e.path()).unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let (first, second) = (read_all("first"), read_all("second"));
    assert!(first.len() > 15);
    assert_eq!(first, second);
}

/// A site may replace any theme template with its own file of the same name.
#[test]
fn site_templates_override_the_theme() {
    let site = TestSite::new("basic");
    site.write(
        "templates/page.html",
        "<!doctype html><title>{{ page.title }}</title><p class=custom>{{ page.title }} (site override)</p>",
    );
    site.build(&[]);
    let page = site.page("methodology/index.html");
    assert_eq!(page.texts("p.custom"), ["Methodology (site override)"]);
}

/// Pagination splits the article list and links the pages together.
#[test]
fn article_list_is_paginated() {
    let site = TestSite::new("basic");
    site.build(&[]);
    let first = site.page("articles/index.html");
    assert!(first.links().contains(&"/articles/page/2/".to_owned()));
    let second = site.page("articles/page/2/index.html");
    assert!(second.text().contains("Origins in the famine years"));
    assert!(!second.text().contains("The October mass return"));
}
