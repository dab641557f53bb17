//! Search: the index written with the site finds documents by the words a reader types,
//! in English and in Korean, stays small per file, is the same on every build, and the
//! theme's search.js ranks from it in a real JavaScript engine.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::TestSite;

/// A Korean report: "강제송환을" is the noun 강제송환 (forced repatriation) with the
/// object particle 을 attached, as Korean writes it.
const KOREAN_ARTICLE: &str = "+++
title = \"중국의 탈북민 강제송환\"
date = 2024-05-12
summary = \"국경이 다시 열린 뒤 중국은 탈북민 강제송환을 재개했다.\"
lang = \"ko\"
tags = [\"송환\"]
+++
여러 단체가 같은 날 밤에 대해 서로 다른 숫자를 보고했다.
";

/// The basic fixture published in English and Korean, with one Korean report.
fn bilingual_site() -> TestSite {
    let site = TestSite::new("basic");
    let config = fs::read_to_string(site.root().join("site.toml")).unwrap();
    site.write(
        "site.toml",
        &format!("languages = [\"en\", \"ko\"]\n{config}"),
    );
    // Until the theme ships Korean strings, the English ones stand in for them.
    let ko = site.root().join("themes/default/i18n/ko.toml");
    if !ko.exists() {
        fs::copy(site.root().join("themes/default/i18n/en.toml"), ko).unwrap();
    }
    site.write("content/articles/ko-repatriation.md", KOREAN_ARTICLE);
    site
}

/// The arguments of the one call an index file makes: `advocateSearch.shard("k", {...});`
/// gives `["k", {...}]`.
fn call_arguments(path: &Path) -> Vec<Value> {
    let text = fs::read_to_string(path).unwrap();
    let text = text.trim_start_matches('\u{feff}').trim_end();
    let open = text.find('(').unwrap();
    let args = text[open + 1..].strip_suffix(");").unwrap();
    match serde_json::from_str(&format!("[{args}]")).unwrap() {
        Value::Array(values) => values,
        _ => unreachable!(),
    }
}

/// One language's index as written, read the way search.js reads it.
struct Index {
    dir: PathBuf,
    manifest: Value,
}

impl Index {
    fn open(site: &TestSite, search_page: &str) -> Index {
        let dir = site.root().join("public").join(search_page).join("data");
        let manifest = call_arguments(&dir.join("manifest.js")).remove(0);
        Index { dir, manifest }
    }

    /// The file of the shard that holds `term`: the one with the longest key it starts with.
    fn shard_file(&self, term: &str) -> Option<String> {
        let shards = self.manifest["shards"].as_object().unwrap();
        shards
            .iter()
            .filter(|(key, _)| term.starts_with(key.as_str()))
            .max_by_key(|(key, _)| key.len())
            .map(|(_, file)| file.as_str().unwrap().to_owned())
    }

    /// Ids of the documents holding `term` exactly.
    fn postings(&self, term: &str) -> BTreeSet<u64> {
        let Some(file) = self.shard_file(term) else {
            return BTreeSet::new();
        };
        let args = call_arguments(&self.dir.join(format!("{file}.js")));
        let mut id = 0;
        args[1][term]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|v| {
                        id += v.as_u64().unwrap() / 4;
                        id
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Links (relative to the search page) of the documents holding every term of `query`.
    fn find(&self, query: &str) -> Vec<String> {
        let mut ids: Option<BTreeSet<u64>> = None;
        for term in advocate::search::terms(query) {
            let found = self.postings(&term);
            ids = Some(match ids {
                Some(ids) => ids.intersection(&found).copied().collect(),
                None => found,
            });
        }
        let chunk = self.manifest["chunk"].as_u64().unwrap();
        ids.unwrap_or_default()
            .into_iter()
            .map(|id| {
                let file = self.manifest["chunks"][(id / chunk) as usize]
                    .as_str()
                    .unwrap();
                let rows = call_arguments(&self.dir.join(format!("{file}.js")));
                rows[1][(id % chunk) as usize][1]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    }
}

/// A reader finds an English report by a word of its body, and by a word of its summary
/// written differently (plural, capitals); incidents by their places.
#[test]
fn the_index_finds_english_documents_by_their_words() {
    let site = TestSite::new("basic");
    site.build(&[]);
    let index = Index::open(&site, "search");
    assert_eq!(
        index.find("footnote figures published"),
        Vec::<String>::new(),
        "every word must match"
    );
    assert!(
        index
            .find("Agency")
            .contains(&"../articles/returns-resume/".to_owned())
    );
    assert!(
        index
            .find("AGENCIES figure")
            .contains(&"../articles/returns-resume/".to_owned()),
        "{:?}",
        index.find("AGENCIES figure")
    );
    assert!(
        index
            .find("tumen")
            .contains(&"../incidents/2024-04-26-tumen/".to_owned())
    );
}

/// A Korean reader searching for the noun finds the report where it carries a particle,
/// in the Korean index, and the English index does not hold Korean documents.
#[test]
fn the_korean_index_finds_a_noun_with_a_particle_attached() {
    let site = bilingual_site();
    site.build(&[]);
    let ko = Index::open(&site, "ko/search");
    assert_eq!(ko.find("강제송환"), ["../articles/ko-repatriation/"]);
    assert_eq!(ko.find("탈북민"), ["../articles/ko-repatriation/"]);
    assert!(ko.find("국경 강제송환 보고").len() == 1);
    assert!(ko.find("평양").is_empty());
    let en = Index::open(&site, "search");
    assert!(en.find("강제송환").is_empty());
}

/// A phone downloads little: every index file of the fixture is a few kilobytes, and a
/// one-word query needs the manifest and a single shard.
#[test]
fn index_files_are_small() {
    let site = TestSite::new("basic");
    site.build(&[]);
    let files = site.output_files();
    let data: Vec<&String> = files
        .iter()
        .filter(|f| f.starts_with("search/data/"))
        .collect();
    assert!(data.len() > 5, "{data:?}");
    for file in data {
        let size = fs::metadata(site.root().join("public").join(file))
            .unwrap()
            .len();
        assert!(size < 16 * 1024, "{file} is {size} bytes");
    }
    let index = Index::open(&site, "search");
    assert!(index.shard_file("tumen").is_some());
}

/// Two builds of the same site write byte-identical search indexes.
#[test]
fn the_index_is_the_same_on_every_build() {
    let site = bilingual_site();
    site.build(&[]);
    let first = site.snapshot();
    site.build(&[]);
    assert_eq!(first, site.snapshot());
    assert!(first.iter().any(|(f, _)| f.starts_with("ko/search/data/")));
}

/// Every page carries a search form that leads to the search page of its language; the
/// search page explains itself without JavaScript and offers the tag index and the
/// chronology, and loads search.js from a file, never inline.
#[test]
fn every_page_has_a_search_form_and_the_search_page_works_without_javascript() {
    let site = bilingual_site();
    site.build(&[]);
    for (page, action) in [
        ("index.html", "/search/"),
        ("articles/returns-resume/index.html", "/search/"),
        ("ko/index.html", "/ko/search/"),
    ] {
        let page = site.page(page);
        assert_eq!(page.attrs("form[role=search]", "action"), [action]);
        assert_eq!(
            page.attrs("form[role=search] input[type=search]", "name"),
            ["q"]
        );
        assert_eq!(page.attrs("label[for=search-q]", "for").len(), 1);
    }
    let search = site.page("search/index.html");
    assert_eq!(search.attrs("ol#search-results", "id").len(), 1);
    assert_eq!(search.attrs("#search-status", "aria-live"), ["polite"]);
    let fallback = search.attrs("#search-fallback a", "href");
    assert_eq!(fallback, ["/tags/", "/chronology/"]);
    assert_eq!(search.attrs("script", "src"), ["/search.js"]);
    assert!(search.attrs("script:not([src])", "type").is_empty());
    assert!(search.attrs("[style]", "style").is_empty());
    assert_eq!(
        site.page("ko/search/index.html")
            .attrs("#search-fallback a", "href"),
        ["/ko/tags/", "/ko/chronology/"]
    );
    // Search engines are told to leave the page out, and it is not in the sitemap.
    assert_eq!(search.attrs("meta[name=robots]", "content"), ["noindex"]);
    assert!(!site.read("sitemap.xml").contains("/search/"));
    // Only the search page loads the script.
    assert!(
        site.page("index.html")
            .attrs("script[src$='search.js']", "src")
            .is_empty()
    );
}

/// Runs `program` in node with `args` and parses what it prints as JSON; `None` when
/// node is not installed (CI installs it).
fn node(program: &str, args: &[&std::ffi::OsStr]) -> Option<Value> {
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("skipped: node is not installed; CI installs it to run search.js");
        return None;
    }
    let out = Command::new("node")
        .arg("-e")
        .arg(program)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

/// The theme's search.js splits text into the same terms as the index does.
#[test]
fn search_js_splits_words_as_the_index_does() {
    let site = TestSite::new("basic");
    let script = site.root().join("themes/default/static/search.js");
    let text = "China’s REFUGEES, the agencies’ 1,000 returns: 중국의 강제송환을 中国政府 ＡＢＣ 2024년 U.N.";
    let program = r#"
const [script, text] = process.argv.slice(1);
console.log(JSON.stringify(require(script).terms(text).map((t) => t.term)));
"#;
    let Some(js) = node(program, &[script.as_os_str(), text.as_ref()]) else {
        return;
    };
    let mut rust = advocate::search::terms(text);
    let mut seen = BTreeSet::new();
    rust.retain(|t| seen.insert(t.clone()));
    assert_eq!(js, serde_json::json!(rust));
}

/// The theme's search.js, run by node on the generated files, ranks a title match first,
/// requires every word, and finds the Korean noun inside a word with a particle.
#[test]
fn search_js_ranks_results_from_the_generated_index() {
    let site = bilingual_site();
    site.build(&[]);
    let script = site.root().join("themes/default/static/search.js");
    let program = r#"
const [script, dir, query] = process.argv.slice(1);
const fs = require("fs"), path = require("path"), vm = require("vm");
const search = require(script);
search.load = (name) => Promise.resolve(
  vm.runInThisContext(fs.readFileSync(path.join(dir, name + ".js"), "utf8")));
search.search(query)
  .then((ids) => search.rows(ids))
  .then((rows) => console.log(JSON.stringify(rows.map((r) => r[1]))));
"#;
    let run = |page: &str, query: &str| -> Option<Vec<String>> {
        let dir = site.root().join("public").join(page).join("data");
        let args = [script.as_os_str(), dir.as_os_str(), query.as_ref()];
        node(program, &args).map(|v| serde_json::from_value(v).unwrap())
    };
    let Some(returns) = run("search", "returns") else {
        return;
    };
    // "Returns" is in the title of one report and in the text of others: it comes first.
    assert_eq!(returns[0], "../articles/returns-resume/", "{returns:?}");
    assert!(returns.len() > 1, "{returns:?}");
    // Every word must match; a word's start finds longer words; plurals fold.
    assert_eq!(
        run("search", "returns nonexistentword").unwrap(),
        Vec::<String>::new()
    );
    let resume = "../articles/returns-resume/".to_owned();
    assert!(run("search", "agenc").unwrap().contains(&resume));
    assert!(run("search", "AGENCIES").unwrap().contains(&resume));
    // Korean: the noun alone, and the noun with its particle as the reader may type it.
    let korean = ["../articles/ko-repatriation/"];
    assert_eq!(run("ko/search", "강제송환").unwrap(), korean);
    assert_eq!(run("ko/search", "강제송환을").unwrap(), korean);
    assert_eq!(run("ko/search", "강제송환은").unwrap(), korean);
}
