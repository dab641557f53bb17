//! Languages: a Korean edition under /ko/ with its own interface strings, dates, feed,
//! tags and chronology; translations linked both ways by `hreflang` and the language
//! switcher; incidents in Korean, falling back to the original marked as English.

use crate::support::{Page, TestSite};

const SITE: &str = "title = \"Test Monitor\"
base_url = \"https://ngo.example/\"
articles_per_page = 2
languages = [\"en\", \"ko\"]

[translations.ko]
title = \"시험 모니터\"
";

const ORIGINS_EN: &str = "+++
title = \"Origins in the famine years\"
date = 2023-01-15
summary = \"Where the policy comes from.\"
tags = [\"history\"]
incidents = [\"1990s-famine\"]
translation_key = \"origins\"
+++
The *famine* years.
";

const ORIGINS_KO: &str = "+++
title = \"기근 시기에서 비롯된 정책\"
date = 2023-01-15
summary = \"이 정책이 어디에서 왔는가.\"
tags = [\"history\", \"강제 송환\"]
incidents = [\"1990s-famine\"]
translation_key = \"origins\"
+++
*기근*의 시기.
";

const TUMEN_KO: &str = "
[translations.ko]
title = \"투먼을 통한 송환\"
summary = \"두 기관이 *서로 다른* 수치를 보도했다.\"
";

/// The basic fixture in two languages: `origins` translated into Korean, one incident
/// with a Korean title and summary.
fn bilingual() -> TestSite {
    let site = TestSite::new("basic");
    site.write("site.toml", SITE);
    site.write("content/articles/origins.md", ORIGINS_EN);
    site.write("content/articles/origins.ko.md", ORIGINS_KO);
    let tumen = "content/incidents/2024-04-26-tumen.toml";
    let original = std::fs::read_to_string(site.root().join(tumen)).unwrap();
    site.write(tumen, &format!("{original}{TUMEN_KO}"));
    site
}

/// `(hreflang, href)` of every alternate link of a page.
fn alternates(page: &Page) -> Vec<(String, String)> {
    let langs = page.attrs("link[rel=alternate][hreflang]", "hreflang");
    let hrefs = page.attrs("link[rel=alternate][hreflang]", "href");
    langs.into_iter().zip(hrefs).collect()
}

fn pair(lang: &str, href: &str) -> (String, String) {
    (lang.to_owned(), href.to_owned())
}

#[test]
fn korean_pages_live_under_ko_and_say_so_in_html_lang() {
    let site = bilingual();
    site.build(&[]);
    for file in [
        "ko/index.html",
        "ko/articles/index.html",
        "ko/articles/origins/index.html",
        "ko/chronology/index.html",
        "ko/incidents/2024-04-26-tumen/index.html",
        "ko/tags/index.html",
        "ko/feed.xml",
    ] {
        assert!(
            site.exists(file),
            "{file} missing: {:?}",
            site.output_files()
        );
    }
    assert_eq!(site.page("index.html").attrs("html", "lang"), ["en"]);
    assert_eq!(site.page("ko/index.html").attrs("html", "lang"), ["ko"]);
    let article = site.page("ko/articles/origins/index.html");
    assert_eq!(article.attrs("html", "lang"), ["ko"]);
    assert_eq!(article.texts("h1"), ["기근 시기에서 비롯된 정책"]);
    assert_eq!(article.texts("a.skip-link"), ["본문 바로가기"]);
    // The site's own title, translated in site.toml.
    assert_eq!(site.page("ko/index.html").texts("h1"), ["시험 모니터"]);
    assert_eq!(site.page("index.html").texts("h1"), ["Test Monitor"]);
}

#[test]
fn korean_dates_are_written_the_korean_way_at_each_precision() {
    let site = bilingual();
    site.build(&[]);
    let article = site.page("ko/articles/origins/index.html");
    assert!(
        article
            .texts("time")
            .contains(&"2023년 1월 15일".to_owned())
    );
    let chronology = site.page("ko/chronology/index.html");
    let text = chronology.text();
    // Day, month and decade precision, and the people range with the Korean counter.
    for expected in ["2024년 4월 26일", "2023년 10월", "1990년대", "50~200명"] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }
    assert!(!text.contains("April"), "{text}");
}

#[test]
fn an_article_and_its_translation_name_each_other_by_hreflang() {
    let site = bilingual();
    site.build(&[]);
    let expected = [
        pair("en", "https://ngo.example/articles/origins/"),
        pair("x-default", "https://ngo.example/articles/origins/"),
        pair("ko", "https://ngo.example/ko/articles/origins/"),
    ];
    for file in [
        "articles/origins/index.html",
        "ko/articles/origins/index.html",
    ] {
        assert_eq!(alternates(&site.page(file)), expected, "{file}");
    }
    // An article without a translation claims none.
    assert!(alternates(&site.page("articles/october-return/index.html")).is_empty());
}

#[test]
fn the_language_switcher_goes_to_the_translation() {
    let site = bilingual();
    site.build(&[]);
    let switcher = "nav.language-switcher a";
    let en = site.page("articles/origins/index.html");
    assert_eq!(en.attrs(switcher, "href"), ["/ko/articles/origins/"]);
    assert_eq!(en.attrs(switcher, "lang"), ["ko"]);
    assert_eq!(en.attrs(switcher, "hreflang"), ["ko"]);
    assert_eq!(en.texts(switcher), ["한국어"]);
    let ko = site.page("ko/articles/origins/index.html");
    assert_eq!(ko.attrs(switcher, "href"), ["/articles/origins/"]);
    assert_eq!(ko.texts(switcher), ["English"]);
    let untranslated = site.page("articles/october-return/index.html");
    assert!(untranslated.attrs(switcher, "href").is_empty());
}

#[test]
fn pages_every_language_has_link_to_the_same_page_in_the_other() {
    let site = bilingual();
    site.build(&[]);
    for (en, ko) in [
        ("", "ko/"),
        ("chronology/", "ko/chronology/"),
        (
            "chronology/kind/mass-repatriation/",
            "ko/chronology/kind/mass-repatriation/",
        ),
        ("incidents/2023-10-tumen/", "ko/incidents/2023-10-tumen/"),
        ("tags/", "ko/tags/"),
        ("articles/", "ko/articles/"),
    ] {
        let expected = [
            pair("en", &format!("https://ngo.example/{en}")),
            pair("x-default", &format!("https://ngo.example/{en}")),
            pair("ko", &format!("https://ngo.example/{ko}")),
        ];
        for file in [en, ko] {
            let page = site.page(&format!("{file}index.html"));
            assert_eq!(alternates(&page), expected, "{file}");
        }
    }
    // Only English has enough articles for a second page: no alternate to a missing one.
    assert!(!site.exists("ko/articles/page/2/index.html"));
    assert!(alternates(&site.page("articles/page/2/index.html")).is_empty());
}

#[test]
fn each_language_has_its_own_feed_with_only_its_articles() {
    let site = bilingual();
    site.build(&[]);
    let read = |file: &str| atom_syndication::Feed::read_from(site.read(file).as_bytes()).unwrap();
    let links = |feed: &atom_syndication::Feed| -> Vec<String> {
        feed.entries()
            .iter()
            .map(|e| e.links()[0].href().to_owned())
            .collect()
    };
    let ko = read("ko/feed.xml");
    assert_eq!(ko.lang(), Some("ko"));
    assert_eq!(ko.title().as_str(), "시험 모니터");
    assert_eq!(links(&ko), ["https://ngo.example/ko/articles/origins/"]);
    let en = read("feed.xml");
    assert_eq!(en.lang(), Some("en"));
    let en_links = links(&en);
    assert_eq!(en_links.len(), 3, "{en_links:?}");
    assert!(en_links.iter().all(|l| !l.contains("/ko/")), "{en_links:?}");
    // The Korean pages point at the Korean feed.
    let head = site.page("ko/index.html");
    let feeds = head.attrs("link[type='application/atom+xml']", "href");
    assert_eq!(feeds, ["/ko/feed.xml"]);
}

#[test]
fn korean_lists_and_tags_hold_only_korean_articles() {
    let site = bilingual();
    site.build(&[]);
    let list = site.page("ko/articles/index.html");
    assert_eq!(list.texts(".item-title"), ["기근 시기에서 비롯된 정책"]);
    // A Hangul tag gets a Hangul address, linked from the article.
    assert!(site.exists("ko/tags/강제-송환/index.html"));
    let article = site.page("ko/articles/origins/index.html");
    assert!(article.links().contains(&"/ko/tags/강제-송환/".to_owned()));
    let tag = site.page("ko/tags/강제-송환/index.html");
    assert_eq!(tag.texts("h1"), ["‘강제 송환’ 태그"]);
    // English readers get no Korean tag; the sitemap lists its address percent-encoded.
    assert!(!site.exists("tags/강제-송환/index.html"));
    let sitemap = site.read("sitemap.xml");
    let encoded = "https://ngo.example/ko/tags/%EA%B0%95%EC%A0%9C-%EC%86%A1%ED%99%98/";
    assert!(sitemap.contains(encoded), "{sitemap}");
}

#[test]
fn incidents_show_their_korean_text_or_the_original_marked_as_english() {
    let site = bilingual();
    site.build(&[]);
    let translated = site.page("ko/incidents/2024-04-26-tumen/index.html");
    assert_eq!(translated.texts("h1"), ["투먼을 통한 송환"]);
    assert!(translated.attrs("h1", "lang").is_empty());
    assert!(translated.text().contains("서로 다른"));
    // Source notes are the record's own words, in English.
    assert_eq!(
        translated.texts(".source-table [lang=en]"),
        ["Citing activists"]
    );
    let fallback = site.page("ko/incidents/2023-10-tumen/index.html");
    assert_eq!(fallback.attrs("h1", "lang"), ["en"]);
    assert_eq!(fallback.attrs(".prose", "lang"), ["en"]);
    // In the Korean chronology, the same: translated cards plain, others marked.
    let chronology = site.page("ko/chronology/index.html");
    let card = "#incident-2024-04-26-tumen .card-title";
    assert_eq!(chronology.texts(card), ["투먼을 통한 송환"]);
    assert!(chronology.attrs(card, "lang").is_empty());
    let marked = chronology.attrs("#incident-2023-10-tumen .card-title", "lang");
    assert_eq!(marked, ["en"]);
    // The English pages never carry the Korean words, nor mark their own as English.
    let english = site.page("chronology/index.html");
    assert!(!english.text().contains("투먼"));
    assert!(english.attrs(".card-title[lang]", "lang").is_empty());
    let english_incident = site.page("incidents/2024-04-26-tumen/index.html");
    assert!(english_incident.texts(".source-table [lang]").is_empty());
}

#[test]
fn the_json_export_carries_the_translations_as_written() {
    let site = bilingual();
    site.build(&[]);
    let data: serde_json::Value = serde_json::from_str(&site.read("data/incidents.json")).unwrap();
    let incidents = data.as_array().unwrap();
    let tumen = incidents
        .iter()
        .find(|i| i["id"] == "2024-04-26-tumen")
        .unwrap();
    assert_eq!(tumen["title"], "Returns through Tumen");
    assert_eq!(tumen["translations"]["ko"]["title"], "투먼을 통한 송환");
    assert_eq!(
        tumen["translations"]["ko"]["summary"],
        "두 기관이 *서로 다른* 수치를 보도했다."
    );
    let famine = incidents
        .iter()
        .find(|i| i["id"] == "1990s-famine")
        .unwrap();
    assert_eq!(famine["translations"], serde_json::json!({}));
}

#[test]
fn a_missing_interface_string_names_the_key_and_the_language() {
    let site = bilingual();
    let ko = "themes/default/i18n/ko.toml";
    let text = std::fs::read_to_string(site.root().join(ko)).unwrap();
    site.write(ko, &text.replace("all_tags = ", "# all_tags = "));
    let run = site.run(&["build"]);
    assert_eq!(run.code(), Some(1));
    let err = run.stderr();
    assert!(
        err.contains("the interface string `all_tags` is missing for language `ko`"),
        "{err}"
    );
    assert!(err.contains("themes/default/i18n/ko.toml"), "{err}");
    assert!(!site.exists("index.html"));
}

#[test]
fn translation_mistakes_are_reported_with_file_and_line() {
    let site = bilingual();
    // A second Korean article with the same key, and a file name that disagrees with `lang`.
    site.write(
        "content/articles/origins-again.ko.md",
        &ORIGINS_KO.replace("기근", "다시"),
    );
    site.write(
        "content/articles/returns.ko.md",
        "+++\ntitle = \"A\"\ndate = 2024-05-10\nsummary = \"s\"\nlang = \"en\"\n+++\n",
    );
    site.write(
        "content/incidents/1990s-famine.toml",
        &format!(
            "{}\n[translations.ja]\ntitle = \"x\"\nsummary = \"y\"\n",
            std::fs::read_to_string(site.root().join("content/incidents/1990s-famine.toml"))
                .unwrap()
        ),
    );
    let run = site.run(&["check"]);
    assert_eq!(run.code(), Some(1));
    let err = run.stderr();
    for expected in [
        "the translation_key `origins` is also used by content/articles/origins-again.ko.md, in the same language (`ko`)",
        "--> content/articles/origins.ko.md:7:19",
        "`lang` says `en` but the file name says `ko`",
        "--> content/articles/returns.ko.md:5:8",
        "`[translations.ja]`: `ja` is not one of the site's languages",
        "--> content/incidents/1990s-famine.toml:13:15",
    ] {
        assert!(err.contains(expected), "{expected} not in:\n{err}");
    }
}
