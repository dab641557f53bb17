//! The one Markdown dialect of the site: Markdown → safe HTML, plus the internal links it
//! makes, so that they can be checked against the pages that exist.
//!
//! - Tables, footnotes, strikethrough and smart punctuation are on; headings get ids.
//! - A link whose address starts with `/` is a page of this site, written as the reader
//!   sees it (`/incidents/2024-04-26-tumen/`); it is rewritten under the site's base path,
//!   so the same text works at a domain root and under `/monitor/`.
//! - Links to other sites get `rel="noopener noreferrer"` and `referrerpolicy="no-referrer"`
//!   so the sources we cite learn nothing about the page their reader came from.
//! - Table columns are aligned with classes (`align-center`), not `style` attributes,
//!   which the pages' Content-Security-Policy blocks.
//! - Links may only use http(s), mailto or tel; `javascript:` and `data:` are refused.
//! - Raw HTML is cleaned with ammonia unless the site trusts its editors.

use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;
use std::sync::LazyLock;

use pulldown_cmark::{Alignment, CowStr, Event, Options, Parser, Tag, TagEnd, html};
use pulldown_cmark_escape::{escape_href, escape_html};

use crate::config::Config;
use crate::diagnostics::Diagnostic;

/// A link from Markdown to a page of this site.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InternalLink {
    /// The site path without fragment, as written: `/incidents/x/`.
    pub target: String,
    /// Where the link is in the file.
    pub span: Range<usize>,
}

/// Markdown turned into HTML.
#[derive(Debug, Clone, Default, Hash)]
pub struct Rendered {
    /// The HTML, safe to insert in a page.
    pub html: String,
    /// Links to pages of this site, to be checked once every page is known.
    pub links: Vec<InternalLink>,
    /// Number of words of text, for reading-time estimates.
    pub words: usize,
    /// The text without markup, for the search index.
    pub text: String,
}

/// Renders `text`, which starts at byte `offset` of the file at `path`.
pub fn render(
    text: &str,
    offset: usize,
    path: &Path,
    config: &Config,
) -> Result<Rendered, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut links = Vec::new();
    // Where the first raw HTML is, if any.
    let mut raw_html: Option<Range<usize>> = None;
    let mut words = 0;
    // The text is shorter than its Markdown: one allocation, never grown.
    let mut plain = String::with_capacity(text.len());
    let mut events: Vec<Event<'_>> = Vec::new();
    for (event, range) in Parser::new_ext(text, options()).into_offset_iter() {
        let span = range.start + offset..range.end + offset;
        let event = match event {
            Event::Start(Tag::Link {
                dest_url, title, ..
            }) => match classify(&dest_url) {
                Target::Internal(site_path) => {
                    // The page itself, as the link checker looks it up: no fragment, no
                    // query, percent-escapes decoded (an address copied from a browser).
                    let page = site_path.split(['#', '?']).next().unwrap_or("");
                    let target = percent_encoding::percent_decode_str(page)
                        .decode_utf8_lossy()
                        .into_owned();
                    links.push(InternalLink {
                        target,
                        span: span.clone(),
                    });
                    anchor(&config.link(site_path), &title, false)
                }
                Target::External => anchor(&dest_url, &title, true),
                Target::Fragment | Target::Relative => anchor(&dest_url, &title, false),
                Target::Forbidden(scheme) => {
                    errors.push(forbidden_scheme(path, span, scheme));
                    continue;
                }
            },
            Event::Start(Tag::Image {
                dest_url,
                title,
                link_type,
                id,
            }) => {
                let dest_url = match classify(&dest_url) {
                    Target::Internal(site_path) => CowStr::from(config.link(site_path)),
                    Target::Forbidden(scheme) => {
                        errors.push(forbidden_scheme(path, span, scheme));
                        CowStr::from("")
                    }
                    Target::External if allowed_image(config, &dest_url) => dest_url,
                    Target::External => {
                        // Loading it would tell another host who reads this page.
                        errors.push(
                            Diagnostic::error(path, "images must be files of this site, not of another host")
                                .at(Some(span))
                                .help("save the image under static/ and write its path, such as ![...](/img/photo.jpg)"),
                        );
                        CowStr::from("")
                    }
                    _ => dest_url,
                };
                Event::Start(Tag::Image {
                    dest_url,
                    title,
                    link_type,
                    id,
                })
            }
            // Heading attributes may set an id and classes, nothing else: `{onfocus=...}`
            // would otherwise reach the page as an event handler.
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs: _,
            }) => Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs: Vec::new(),
            }),
            Event::Text(ref text) => {
                words += text.split_whitespace().count();
                plain.push_str(text);
                event
            }
            Event::Code(ref text) => {
                plain.push_str(text);
                event
            }
            Event::SoftBreak | Event::HardBreak | Event::End(_) => {
                plain.push(' ');
                event
            }
            Event::Html(_) | Event::InlineHtml(_) => {
                raw_html.get_or_insert(span);
                event
            }
            other => other,
        };
        events.push(event);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    add_heading_ids(&mut events);
    align_with_classes(&mut events);
    let mut out = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    if let Some(span) = raw_html {
        // Building the tree of thousands of nested elements takes minutes.
        let depth = crate::resources::nesting_depth(&out);
        if depth > MAX_HTML_DEPTH {
            return Err(vec![
                Diagnostic::error(
                    path,
                    format!("the HTML of this file nests {depth} elements deep; the limit is {MAX_HTML_DEPTH}"),
                )
                .at(Some(span))
                .help("close the elements you open, or write the text in Markdown"),
            ]);
        }
        if !config.markdown.trust_raw_html {
            out = SANITIZER.clean(&out).to_string();
        }
    }
    Ok(Rendered {
        html: out,
        links,
        words,
        text: plain,
    })
}

/// Deepest nesting of elements accepted in a file's HTML.
const MAX_HTML_DEPTH: usize = 256;

/// The dialect: the same options everywhere Markdown is read.
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

enum Target<'a> {
    /// A page of this site, as a site path.
    Internal(&'a str),
    /// Another site.
    External,
    /// `#section` on the same page.
    Fragment,
    /// A relative address, left as written.
    Relative,
    /// A scheme that could run code or smuggle content.
    Forbidden(&'a str),
}

fn classify(url: &str) -> Target<'_> {
    let url = url.trim();
    if url.starts_with("//") {
        return Target::External;
    }
    if url.starts_with('/') {
        return Target::Internal(url);
    }
    if url.starts_with('#') {
        return Target::Fragment;
    }
    match url.split_once(':') {
        Some((scheme, _)) if !scheme.contains(['/', '?', '#']) => {
            match scheme.to_ascii_lowercase().as_str() {
                "http" | "https" => Target::External,
                "mailto" | "tel" => Target::Relative,
                _ => Target::Forbidden(scheme),
            }
        }
        _ => Target::Relative,
    }
}

/// Whether `[security.allowed_hosts] images` lists the host of an image address.
fn allowed_image(config: &Config, url: &str) -> bool {
    crate::resources::origin(url)
        .is_some_and(|origin| config.security.allowed_hosts.images.contains(&origin))
}

fn forbidden_scheme(path: &Path, span: Range<usize>, scheme: &str) -> Diagnostic {
    Diagnostic::error(
        path,
        format!("links with `{scheme}:` addresses are not allowed"),
    )
    .at(Some(span))
    .help("link to an https:// address, or to a page of this site such as /chronology/")
}

/// An opening `<a>` tag written by us, so that it can carry `rel`.
fn anchor<'a>(href: &str, title: &str, external: bool) -> Event<'a> {
    let mut tag = String::from("<a href=\"");
    let _ = escape_href(&mut tag, href);
    tag.push('"');
    if !title.is_empty() {
        tag.push_str(" title=\"");
        let _ = escape_html(&mut tag, title);
        tag.push('"');
    }
    if external {
        tag.push_str(" rel=\"noopener noreferrer\" referrerpolicy=\"no-referrer\"");
    }
    tag.push('>');
    Event::InlineHtml(CowStr::from(tag))
}

/// Gives every heading without an explicit `{#id}` an id made from its text, unique in
/// the document, so that sections can be linked to.
fn add_heading_ids(events: &mut [Event<'_>]) {
    let mut used: HashSet<String> = HashSet::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { id, .. }) = &events[i] {
            if let Some(id) = id {
                used.insert(id.to_string());
                i += 1;
                continue;
            }
            let mut text = String::new();
            let mut j = i + 1;
            while j < events.len() && !matches!(events[j], Event::End(TagEnd::Heading(_))) {
                if let Event::Text(t) | Event::Code(t) = &events[j] {
                    text.push_str(t);
                }
                j += 1;
            }
            let base = match crate::slug::slugify(&text) {
                s if s.is_empty() => "section".to_owned(),
                s => s,
            };
            let mut candidate = base.clone();
            let mut n = 1;
            while used.contains(&candidate) {
                n += 1;
                candidate = format!("{base}-{n}");
            }
            used.insert(candidate.clone());
            if let Event::Start(Tag::Heading { id, .. }) = &mut events[i] {
                *id = Some(CowStr::from(candidate));
            }
            i = j;
        }
        i += 1;
    }
}

/// Replaces the `style="text-align: …"` that pulldown-cmark writes on the cells of an
/// aligned table column with a class, `align-left`, `align-center` or `align-right`.
fn align_with_classes(events: &mut [Event<'_>]) {
    let mut alignments = Vec::new();
    let (mut head, mut column) = (false, 0);
    for event in events.iter_mut() {
        match event {
            Event::Start(Tag::Table(aligns)) => {
                alignments = std::mem::take(aligns);
                *aligns = vec![Alignment::None; alignments.len()];
            }
            Event::Start(Tag::TableHead) => (head, column) = (true, 0),
            Event::End(TagEnd::TableHead) => head = false,
            Event::Start(Tag::TableRow) => column = 0,
            Event::End(TagEnd::TableCell) => column += 1,
            Event::Start(Tag::TableCell) => {
                let class = match alignments.get(column) {
                    Some(Alignment::Left) => "left",
                    Some(Alignment::Center) => "center",
                    Some(Alignment::Right) => "right",
                    _ => continue,
                };
                let cell = if head { "th" } else { "td" };
                *event =
                    Event::InlineHtml(CowStr::from(format!("<{cell} class=\"align-{class}\">")));
            }
            _ => {}
        }
    }
}

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        // Every link, ours or written in raw HTML, tells its target nothing about us.
        .link_rel(Some("noopener noreferrer"))
        .set_tag_attribute_value("a", "referrerpolicy", "no-referrer")
        .add_generic_attributes(["id", "class"])
        .add_tag_attributes("ol", ["start"])
        .add_tags(["sup", "section", "figure", "figcaption"])
        // Raw HTML may not load anything from another host either.
        .attribute_filter(|element, attribute, value| {
            let loads = matches!(attribute, "src" | "srcset" | "poster" | "data");
            let remote = value.contains("//") || value.contains(':');
            if loads && remote && element != "a" {
                None
            } else {
                Some(value.into())
            }
        });
    builder
});

/// Plain text of a Markdown snippet, for `<meta name=description>` and feeds.
pub fn plain_text(text: &str) -> String {
    let mut out = String::new();
    for event in Parser::new_ext(text, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(TagEnd::Paragraph) => out.push(' '),
            _ => {}
        }
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::parse(
            "title = \"t\"\nbase_url = \"https://ngo.example/monitor/\"\n",
            None,
        )
        .unwrap()
    }

    fn html(text: &str) -> String {
        render(text, 0, Path::new("a.md"), &config()).unwrap().html
    }

    #[test]
    fn internal_links_go_under_the_base_path_and_are_recorded() {
        let text = "See [the record](/incidents/x/#sources).";
        let rendered = render(text, 100, Path::new("a.md"), &config()).unwrap();
        assert!(
            rendered
                .html
                .contains("href=\"/monitor/incidents/x/#sources\"")
        );
        assert_eq!(rendered.links[0].target, "/incidents/x/");
        assert_eq!(rendered.links[0].span.start, 104);
        let copied = render(
            "[t](/tags/%EA%B0%95%EC%A0%9C/?x=1)",
            0,
            Path::new("a.md"),
            &config(),
        )
        .unwrap();
        assert_eq!(copied.links[0].target, "/tags/강제/");
    }

    #[test]
    fn external_links_carry_noopener_noreferrer() {
        let out = html("[RFA](https://www.rfa.org/x)");
        assert!(
            out.contains("<a href=\"https://www.rfa.org/x\" rel=\"noopener noreferrer\" referrerpolicy=\"no-referrer\">RFA</a>")
        );
    }

    #[test]
    fn javascript_links_are_errors() {
        let errors =
            render("[x](javascript:alert(1))", 0, Path::new("a.md"), &config()).unwrap_err();
        assert!(errors[0].message.contains("`javascript:`"));
    }

    #[test]
    fn raw_html_is_sanitized_by_default() {
        let out = html(
            "Hi <script>alert(1)</script><img src=x onerror=alert(1)>\n\n<iframe src=\"https://x\"></iframe>",
        );
        assert!(!out.contains("<script"));
        assert!(!out.contains("onerror"));
        assert!(!out.contains("<iframe"));
        let link = html("[RFA](https://www.rfa.org/x) <a href=\"https://x.example/\">raw</a>");
        assert_eq!(
            link.matches("rel=\"noopener noreferrer\"").count(),
            2,
            "{link}"
        );
        assert_eq!(
            link.matches("referrerpolicy=\"no-referrer\"").count(),
            2,
            "{link}"
        );
    }

    #[test]
    fn heading_attributes_cannot_add_event_handlers() {
        let out = html("## Hi {#hi .note onfocus=alert(1) tabindex=0 autofocus}\n");
        assert!(
            out.contains("<h2 id=\"hi\" class=\"note\">Hi</h2>"),
            "{out}"
        );
        assert!(
            !out.contains("onfocus") && !out.contains("autofocus"),
            "{out}"
        );
    }

    #[test]
    fn images_from_other_hosts_are_refused() {
        let errors = render(
            "![x](https://tracker.example/p.gif)",
            0,
            Path::new("a.md"),
            &config(),
        )
        .unwrap_err();
        assert!(errors[0].message.contains("not of another host"));
        let allowed = Config::parse(
            "title = \"t\"\nbase_url = \"https://ngo.example/\"\n[security.allowed_hosts]\nimages = [\"https://media.example.org\"]\n",
            None,
        )
        .unwrap();
        let out = render(
            "![x](https://media.example.org/a.jpg)",
            0,
            Path::new("a.md"),
            &allowed,
        );
        assert!(
            out.unwrap()
                .html
                .contains("src=\"https://media.example.org/a.jpg\"")
        );
        let out = html(
            "<img src=\"https://tracker.example/p.gif\" alt=\"x\"> <img src=\"/img/a.png\" alt=\"y\">",
        );
        assert!(!out.contains("tracker.example"), "{out}");
        assert!(out.contains("/img/a.png"), "{out}");
    }

    #[test]
    fn headings_get_unique_ids() {
        let out = html("## What happened\n\n## What happened\n\n## 송환 {#custom}\n");
        assert!(out.contains("<h2 id=\"what-happened\">"));
        assert!(out.contains("<h2 id=\"what-happened-2\">"));
        assert!(out.contains("<h2 id=\"custom\">"));
    }

    #[test]
    fn tables_footnotes_and_strikethrough_are_on() {
        let out = html("| a | b |\n|---|---|\n| 1 | 2 |\n\nText[^1] ~~old~~\n\n[^1]: A note.\n");
        assert!(out.contains("<table>"));
        let aligned = html("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n\n<b>raw</b>\n");
        assert!(!aligned.contains("style"), "{aligned}");
        for cell in [
            "<th class=\"align-left\">a</th>",
            "<th class=\"align-center\">b</th>",
            "<td class=\"align-right\">3</td>",
        ] {
            assert!(aligned.contains(cell), "{aligned}");
        }
        assert!(out.contains("<del>old</del>"));
        assert!(out.contains("footnote"));
    }
}
