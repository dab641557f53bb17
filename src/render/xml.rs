//! The files for machines: the Atom feed, the sitemap and robots.txt, all with absolute
//! URLs built from `base_url`.

use std::fmt::Write as _;

use atom_syndication::{
    ContentBuilder, EntryBuilder, FeedBuilder, FixedDateTime, LinkBuilder, PersonBuilder, Text,
};
use chrono::{NaiveDate, TimeZone, Utc};
use pulldown_cmark_escape::escape_html;

use super::views::ViewBuilder;
use super::{Content, FEED_ITEMS, OutputFile};
use crate::config::Config;
use crate::content::Site;

fn timestamp(date: NaiveDate) -> FixedDateTime {
    Utc.from_utc_datetime(&date.and_time(chrono::NaiveTime::MIN))
        .fixed_offset()
}

/// The Atom feed of one language: its latest articles, with their full text.
pub(super) fn feed(site: &Site, config: &Config, b: &ViewBuilder<'_>, lang: &str) -> OutputFile {
    let articles: Vec<_> = site
        .articles
        .iter()
        .filter(|a| a.lang == lang)
        .take(FEED_ITEMS)
        .collect();
    let absolute = |site_path: &str| config.absolute_url(&format!("{}{site_path}", b.prefix));
    let feed_url = absolute("/feed.xml");
    let home_url = absolute("/");
    let updated = articles
        .iter()
        .map(|a| a.updated.unwrap_or(a.date).max(a.date))
        .max()
        .map_or_else(|| timestamp(NaiveDate::default()), timestamp);
    let entries = articles
        .iter()
        .map(|article| {
            let url = absolute(&format!("/articles/{}/", article.slug));
            let authors = if article.authors.is_empty() {
                vec![PersonBuilder::default().name(config.title(lang)).build()]
            } else {
                article
                    .authors
                    .iter()
                    .map(|a| PersonBuilder::default().name(a.clone()).build())
                    .collect()
            };
            EntryBuilder::default()
                .title(Text::plain(article.title.clone()))
                .id(url.clone())
                .links(vec![
                    LinkBuilder::default().href(url).rel("alternate").build(),
                ])
                .published(Some(timestamp(article.date)))
                .updated(timestamp(
                    article.updated.unwrap_or(article.date).max(article.date),
                ))
                .authors(authors)
                .summary(article.summary.clone().map(Text::plain))
                .content(Some(
                    ContentBuilder::default()
                        .content_type(Some("html".to_owned()))
                        .value(Some(article.body.html.clone()))
                        .build(),
                ))
                .build()
        })
        .collect::<Vec<_>>();
    let feed = FeedBuilder::default()
        .title(Text::plain(config.title(lang)))
        .subtitle({
            let description = config.description(lang);
            (!description.is_empty()).then(|| Text::plain(description))
        })
        .id(feed_url.clone())
        .updated(updated)
        .lang(Some(lang.to_owned()))
        .base(Some(home_url.clone()))
        .links(vec![
            LinkBuilder::default().href(feed_url).rel("self").build(),
            LinkBuilder::default()
                .href(home_url)
                .rel("alternate")
                .build(),
        ])
        .entries(entries)
        .build();
    OutputFile {
        path: super::file_path(&format!("{}/feed.xml", b.prefix)),
        content: Content::Bytes(feed.to_string().into_bytes()),
    }
}

/// `sitemap.xml`: every page, absolute.
pub(super) fn sitemap<'a>(
    config: &Config,
    site_paths: impl Iterator<Item = &'a str>,
) -> OutputFile {
    let mut paths: Vec<&str> = site_paths.collect();
    paths.sort_unstable();
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for path in paths {
        xml.push_str("  <url><loc>");
        // Sitemaps want URLs, not IRIs: a Korean tag's address is percent-encoded.
        let url = config.absolute_url(path);
        let url = percent_encoding::utf8_percent_encode(&url, percent_encoding::CONTROLS);
        let _ = escape_html(&mut xml, &url.to_string());
        xml.push_str("</loc></url>\n");
    }
    xml.push_str("</urlset>\n");
    OutputFile {
        path: "sitemap.xml".to_owned(),
        content: Content::Bytes(xml.into_bytes()),
    }
}

/// `robots.txt`: everything may be indexed; points at the sitemap.
pub(super) fn robots(config: &Config) -> OutputFile {
    let mut text = String::from("User-agent: *\nAllow: /\n");
    let _ = writeln!(text, "Sitemap: {}", config.absolute_url("/sitemap.xml"));
    OutputFile {
        path: "robots.txt".to_owned(),
        content: Content::Bytes(text.into_bytes()),
    }
}
