//! What the default theme promises on every page of the bundled site, checked without a
//! browser: sharing metadata, the structure assistive technology relies on, and no inline
//! styles or scripts (so a strict Content-Security-Policy can forbid them). The browser
//! checks in tests/browser/ then prove the same pages in Chromium with axe-core.

use crate::support::{Page, TestSite};

/// Every HTML page of the bundled site, built and parsed, with its path.
fn pages() -> Vec<(String, Page)> {
    let site = TestSite::bundled();
    site.build(&[]);
    site.output_files()
        .into_iter()
        .filter(|f| f.ends_with(".html"))
        .map(|path| {
            let page = site.page(&path);
            (path, page)
        })
        .collect()
}

fn one(page: &Page, selector: &str, attr: &str, path: &str) -> String {
    let values = page.attrs(selector, attr);
    assert_eq!(
        values.len(),
        1,
        "{path}: expected one {selector}, found {values:?}"
    );
    assert!(!values[0].trim().is_empty(), "{path}: {selector} is empty");
    values[0].clone()
}

#[test]
fn every_page_has_title_description_canonical_and_sharing_meta() {
    for (path, page) in pages() {
        assert!(
            !page.texts("head > title")[0].is_empty(),
            "{path}: empty <title>"
        );
        one(&page, "meta[name=description]", "content", &path);
        one(&page, "meta[property='og:title']", "content", &path);
        one(&page, "meta[property='og:description']", "content", &path);
        one(&page, "meta[property='og:site_name']", "content", &path);
        let url = one(&page, "meta[property='og:url']", "content", &path);
        assert!(
            url.starts_with("https://monitor.example.org/"),
            "{path}: og:url {url}"
        );
        let locale = one(&page, "meta[property='og:locale']", "content", &path);
        let lang = page.attrs("html", "lang").join("");
        assert!(
            locale.starts_with(&lang),
            "{path}: og:locale {locale} for lang {lang}"
        );
        let versions = page.attrs("link[rel=alternate][hreflang]", "hreflang");
        let translations = versions.iter().filter(|h| *h != "x-default").count();
        assert_eq!(
            page.attrs("meta[property='og:locale:alternate']", "content")
                .len(),
            translations.saturating_sub(1),
            "{path}: one og:locale:alternate per other language of the page"
        );
        let card = one(&page, "meta[name='twitter:card']", "content", &path);
        assert_eq!(card, "summary", "{path}");
        let kind = one(&page, "meta[property='og:type']", "content", &path);
        let expected = if page.names("main > article.article").is_empty() {
            "website"
        } else {
            "article"
        };
        assert_eq!(kind, expected, "{path}: og:type");
        if path != "404.html" {
            let canonical = one(&page, "link[rel=canonical]", "href", &path);
            assert_eq!(canonical, url, "{path}: canonical and og:url differ");
        }
        for src in page.attrs("script", "src") {
            assert!(
                src.starts_with('/') && !src.starts_with("//"),
                "{path}: script from {src}"
            );
        }
    }
}

#[test]
fn every_page_has_landmarks_a_skip_link_and_ordered_headings() {
    for (path, page) in pages() {
        assert_eq!(
            page.attrs("body > a.skip-link", "href"),
            ["#main"],
            "{path}: skip link"
        );
        assert_eq!(page.attrs("main", "id"), ["main"], "{path}: one main#main");
        assert_eq!(page.names("body > header").len(), 1, "{path}: one banner");
        assert_eq!(page.names("body > footer").len(), 1, "{path}: one footer");
        assert!(
            !page.names("header nav[aria-label]").is_empty(),
            "{path}: named nav"
        );
        let levels: Vec<u32> = page
            .names("h1, h2, h3, h4, h5, h6")
            .iter()
            .map(|name| name[1..].parse().unwrap())
            .collect();
        assert_eq!(
            levels.first(),
            Some(&1),
            "{path}: the first heading is not h1"
        );
        assert_eq!(
            levels.iter().filter(|&&l| l == 1).count(),
            1,
            "{path}: one h1"
        );
        for pair in levels.windows(2) {
            assert!(
                pair[1] <= pair[0] + 1,
                "{path}: heading levels jump {levels:?}"
            );
        }
        assert!(
            page.attrs("[style]", "style").is_empty(),
            "{path}: a style attribute"
        );
        assert!(page.names("style").is_empty(), "{path}: a <style> element");
        assert_eq!(
            page.attrs("img", "src").len(),
            page.attrs("img[alt]", "alt").len(),
            "{path}: an image without alt"
        );
    }
}

#[test]
fn chart_and_map_have_accessible_names() {
    let site = TestSite::bundled();
    site.build(&[]);
    let page = site.page("chronology/index.html");
    assert_eq!(page.attrs("svg.chart", "role"), ["img"]);
    let chart_title = one(&page, "svg.chart", "aria-labelledby", "chart");
    assert!(!page.texts(&format!("svg.chart > title#{chart_title}"))[0].is_empty());
    assert_eq!(
        page.attrs("table.chart-data", "class").len(),
        1,
        "the chart's table"
    );

    // The map holds links, so it is a named group rather than an image; each place link
    // is named by its title.
    assert_eq!(page.attrs("svg.map", "role"), ["group"]);
    let map_title = one(&page, "svg.map", "aria-labelledby", "map");
    assert!(!page.texts(&format!("svg.map > title#{map_title}"))[0].is_empty());
    let places = page.names("svg.map a");
    assert!(!places.is_empty(), "the map shows no place");
    let names = page.texts("svg.map a > title");
    assert_eq!(names.len(), places.len(), "a place link without a title");
    assert!(names.iter().all(|n| n.contains(": ")), "{names:?}");
}
