//! `advocate build --offline`: a copy of the site that works opened from a folder or a
//! zip, with no server. Every link between its pages is relative and names a file that
//! exists; feeds keep their absolute addresses.

use std::fs;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use scraper::{Html, Selector};

use crate::support::TestSite;

/// Attributes that hold addresses a browser follows or loads.
const ADDRESS_ATTRIBUTES: &[&str] = &["href", "src", "action", "poster", "srcset"];

/// Every internal address of every page under `out`, with the page it is on.
fn internal_addresses(out: &Path) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(out) {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "html") {
            continue;
        }
        let page = entry
            .path()
            .strip_prefix(out)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let html = Html::parse_document(&fs::read_to_string(entry.path()).unwrap());
        for attr in ADDRESS_ATTRIBUTES {
            let selector = Selector::parse(&format!("[{attr}]")).unwrap();
            for element in html.select(&selector) {
                let value = element.value().attr(attr).unwrap();
                let addresses: Vec<&str> = if *attr == "srcset" {
                    value
                        .split(',')
                        .filter_map(|c| c.split_whitespace().next())
                        .collect()
                } else {
                    vec![value]
                };
                for address in addresses {
                    let external = ["https:", "http:", "mailto:", "#"]
                        .iter()
                        .any(|p| address.starts_with(p));
                    if !external {
                        found.push((page.clone(), address.to_owned()));
                    }
                }
            }
        }
    }
    found
}

/// `dir/../a/b.html` → `a/b.html`.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => assert!(out.pop(), "{} leaves the site", path.display()),
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn assert_works_from_a_folder(out: &Path) {
    let addresses = internal_addresses(out);
    assert!(addresses.len() > 100, "{}", addresses.len());
    for (page, address) in addresses {
        assert!(
            !address.starts_with('/'),
            "{page}: {address} is not relative"
        );
        let path = address.split(['?', '#']).next().unwrap();
        assert!(
            !path.is_empty() && !path.ends_with('/'),
            "{page}: {address} names a folder, which file:// shows as a listing"
        );
        let dir = Path::new(&page).parent().unwrap();
        let target = out.join(normalize(&dir.join(path)));
        assert!(
            target.is_file(),
            "{page}: {address} leads to no file ({})",
            target.display()
        );
    }
}

/// The offline edition goes to public-offline/ by default, beside the normal build, and
/// every link in it leads to a file that exists, relative to the page.
#[test]
fn every_link_of_the_offline_edition_is_relative_and_leads_to_a_file() {
    let site = TestSite::new("basic");
    site.build(&["--offline"]);
    assert!(
        !site.exists("index.html"),
        "--offline must not replace public/"
    );
    let out = site.root().join("public-offline");
    assert_works_from_a_folder(&out);

    let home = fs::read_to_string(out.join("index.html")).unwrap();
    assert!(home.contains(r#"action="search/index.html""#), "{home}");
    let article = fs::read_to_string(out.join("articles/returns-resume/index.html")).unwrap();
    assert!(article.contains(r#"href="../../style.css""#));
    // Addresses meant for the web stay absolute: the canonical link, the feed's entries.
    assert!(
        article.contains(
            r#"<link rel="canonical" href="https://ngo.example/articles/returns-resume/">"#
        )
    );
    let feed = fs::read_to_string(out.join("feed.xml")).unwrap();
    assert!(feed.contains("https://ngo.example/articles/returns-resume/"));
    // The search index is there, beside the search page, for search.js to load.
    assert!(out.join("search/data/manifest.js").is_file());
}

/// A site hosted under a sub-path gives the same self-contained folder.
#[test]
fn the_offline_edition_of_a_sub_path_site_is_relative_too() {
    let site = TestSite::new("basic");
    site.build(&[
        "--offline",
        "--base-url",
        "https://ngo.example/monitor/",
        "-o",
        "usb",
    ]);
    let out = site.root().join("usb");
    assert_works_from_a_folder(&out);
    let page = fs::read_to_string(out.join("tags/index.html")).unwrap();
    assert!(!page.contains(r#"href="/monitor/"#), "{page}");
}

/// Opened from its folder in a real browser (file://, no server), the offline edition's
/// search finds an incident and links to its file.
#[test]
fn search_works_in_a_browser_from_the_folder() {
    let Some(browser) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        eprintln!("skipped: no Chromium to open the offline edition in; CI installs it");
        return;
    };
    let site = TestSite::new("basic");
    site.build(&["--offline"]);
    let page = site.root().join("public-offline/search/index.html");
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=10000",
        ])
        .arg("--dump-dom")
        .arg(format!("file://{}?q=tumen", page.display()))
        .output()
        .unwrap();
    let dom = Html::parse_document(&String::from_utf8_lossy(&out.stdout));
    let links: Vec<&str> = dom
        .select(&Selector::parse("#search-results a").unwrap())
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(
        links.contains(&"../incidents/2024-04-26-tumen/index.html"),
        "{links:?}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
