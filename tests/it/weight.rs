//! Page weight: readers on cheap phones and slow or metered connections get every page of
//! the bundled site, with the stylesheets it links, in under 60 KB gzipped, before images.

use std::io::Write as _;

use flate2::Compression;
use flate2::write::GzEncoder;

use crate::support::TestSite;

/// The budget for one page and its stylesheets, gzipped as a web server sends them.
const BUDGET: usize = 60_000;

fn gzipped_len(bytes: &[u8]) -> usize {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap().len()
}

/// The file under `public/` that a root-relative link names.
fn output_file(href: &str) -> String {
    let path = href.split(['?', '#']).next().unwrap_or_default();
    path.trim_start_matches('/').to_owned()
}

#[test]
fn every_page_with_its_stylesheets_is_under_60_kb_gzipped() {
    let site = TestSite::bundled();
    site.build(&[]);
    let pages: Vec<String> = site
        .output_files()
        .into_iter()
        .filter(|f| f.ends_with(".html"))
        .collect();
    assert!(
        pages.len() > 100,
        "the bundled site has only {} pages",
        pages.len()
    );

    let mut heaviest = (0, String::new());
    for page in &pages {
        let html = site.read(page);
        let stylesheets = site.page(page).attrs("link[rel=stylesheet]", "href");
        assert!(!stylesheets.is_empty(), "{page} links no stylesheet");
        let css: usize = stylesheets
            .iter()
            .map(|href| gzipped_len(site.read(&output_file(href)).as_bytes()))
            .sum();
        let total = gzipped_len(html.as_bytes()) + css;
        assert!(
            total < BUDGET,
            "{page} weighs {total} bytes gzipped with its stylesheets, over the {BUDGET}-byte budget"
        );
        if total > heaviest.0 {
            heaviest = (total, page.clone());
        }
    }
    // The figure docs/benchmarks.md records; shown with `cargo test -- --nocapture`.
    eprintln!(
        "heaviest page: {} ({} bytes gzipped with its CSS)",
        heaviest.1, heaviest.0
    );
}

#[test]
fn scripts_are_external_and_deferred() {
    let site = TestSite::bundled();
    site.build(&[]);
    for page in site.output_files().iter().filter(|f| f.ends_with(".html")) {
        let doc = site.page(page);
        let scripts = doc.attrs("script", "src").len();
        assert_eq!(
            doc.attrs("script[src][defer]", "src").len(),
            scripts,
            "{page}: a script is not deferred"
        );
        assert_eq!(
            doc.texts("script").len(),
            scripts,
            "{page}: an inline script (the theme writes none, so a strict CSP can forbid them)"
        );
    }
}
