//! What templates see: the contract with theme authors (documented in docs/templates.md).
//!
//! Views are built once per language and shared: a list page receives summaries (title,
//! date, URL, summary), never whole articles with their HTML, so the cost of a list does
//! not grow with the length of the articles in it. Every URL is a link already prefixed
//! with the base path; every date is already written the way the language writes it.

use serde::Serialize;

use crate::config::Config;
use lol_html::{RewriteStrSettings, element, rewrite_str};

use crate::content::{Article, Correction, Incident, Page, PartialDate, Source};
use crate::i18n::Strings;
use crate::images::Images;
use crate::slug;
use crate::theme::Theme;

/// The site as every template sees it, under `site`.
#[derive(Debug, Clone, Serialize)]
pub struct SiteView {
    /// Site title.
    pub title: String,
    /// One-line description.
    pub description: String,
    /// Link to the home page of the current language.
    pub home_url: String,
    /// The base path, `/` or `/monitor/`.
    pub base_path: String,
    /// The site's default language, in which incident records (source notes,
    /// corrections) are written.
    pub default_language: String,
    /// Absolute URL of the site root, with a trailing slash.
    pub base_url: String,
    /// Link to the stylesheet, with a content hash for caching.
    pub stylesheet_url: String,
    /// Link to the Atom feed of the current language.
    pub feed_url: String,
    /// The Content-Security-Policy for `<meta http-equiv="Content-Security-Policy">`.
    pub csp: String,
    /// Pages shown in the main navigation, by weight.
    pub nav: Vec<LinkView>,
    /// Licence line for content and data, if the site gives one.
    pub licence: Option<String>,
    /// First and last year of the chronology.
    pub chronology_from: i32,
    /// Last year of the chronology.
    pub chronology_to: i32,
}

/// A titled link.
#[derive(Debug, Clone, Serialize)]
pub struct LinkView {
    /// Link text.
    pub title: String,
    /// Where it goes.
    pub url: String,
}

/// One language version of the current page, under `translations`.
#[derive(Debug, Clone, Serialize)]
pub struct TranslationView {
    /// Language code, for `lang` and `hreflang`.
    pub lang: String,
    /// The language's name in its own script: "English", "한국어".
    pub name: String,
    /// Its link.
    pub url: String,
    /// Its full address, for `<link rel="alternate" hreflang>`.
    pub absolute_url: String,
    /// Whether it is in the site's default language (the `x-default` alternate).
    pub is_default: bool,
}

/// A date in two forms.
#[derive(Debug, Clone, Serialize)]
pub struct DateView {
    /// For `<time datetime>`; absent for decades, which HTML cannot express.
    pub machine: Option<String>,
    /// As the language writes it: "26 April 2024", "October 2023", "1990s".
    pub text: String,
    /// `day`, `month`, `year` or `decade`.
    pub precision: &'static str,
}

impl DateView {
    /// A date at its own precision.
    pub fn partial(date: &PartialDate, strings: &Strings) -> Self {
        DateView {
            machine: date.machine(),
            text: strings.date(date),
            precision: match date.precision() {
                crate::content::Precision::Day => "day",
                crate::content::Precision::Month => "month",
                crate::content::Precision::Year => "year",
                crate::content::Precision::Decade => "decade",
            },
        }
    }

    /// A full date.
    pub fn day(date: chrono::NaiveDate, strings: &Strings) -> Self {
        DateView::partial(&PartialDate::day(date), strings)
    }
}

/// A value from a fixed list with its label in the current language.
#[derive(Debug, Clone, Serialize)]
pub struct LabelView {
    /// The value as written in incident files (also a CSS class and URL segment).
    pub value: &'static str,
    /// The label.
    pub label: String,
    /// What the value means, for confidence levels.
    pub explanation: Option<String>,
}

/// A tag with its page.
#[derive(Debug, Clone, Serialize)]
pub struct TagView {
    /// The tag as written.
    pub name: String,
    /// Its page.
    pub url: String,
    /// How many articles and incidents carry it (on the tag index only; 0 elsewhere).
    pub count: usize,
}

impl TagView {
    /// A tag linked to its page in `prefix` (the language's path prefix).
    pub fn new(name: &str, prefix: &str, config: &Config) -> Self {
        TagView {
            name: name.to_owned(),
            url: config.link(&format!("{prefix}/tags/{}/", slug::slugify(name))),
            count: 0,
        }
    }
}

/// An article in a list.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleSummary {
    /// Headline.
    pub title: String,
    /// Its page.
    pub url: String,
    /// Publication date.
    pub date: DateView,
    /// One or two sentences.
    pub summary: Option<String>,
    /// Tags.
    pub tags: Vec<TagView>,
    /// Authors.
    pub authors: Vec<String>,
}

/// A whole article, on its own page, under `article`.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleView {
    /// Headline.
    pub title: String,
    /// Its page.
    pub url: String,
    /// Publication date.
    pub date: DateView,
    /// Last substantive update.
    pub updated: Option<DateView>,
    /// One or two sentences.
    pub summary: Option<String>,
    /// Authors.
    pub authors: Vec<String>,
    /// Tags.
    pub tags: Vec<TagView>,
    /// The body as HTML (print it with `| safe`).
    pub content: String,
    /// Estimated minutes to read.
    pub reading_minutes: usize,
    /// The incidents it reports on.
    pub incidents: Vec<IncidentSummary>,
    /// Illustration, if any.
    pub image: Option<ImageView>,
    /// Published corrections, oldest first.
    pub corrections: Vec<CorrectionView>,
}

/// An image with its text alternative, ready for `<img src srcset sizes width height alt>`.
#[derive(Debug, Clone, Serialize)]
pub struct ImageView {
    /// Link to the image (its widest copy).
    pub url: String,
    /// Every copy with its width: `/img/x-480w.jpg 480w, /img/x.jpg 960w`. Empty for
    /// SVG drawings, which have one size for every screen.
    pub srcset: String,
    /// How wide the image is shown, for the browser to pick a copy.
    pub sizes: String,
    /// Width in pixels of the widest copy (absent for SVG).
    pub width: Option<u32>,
    /// Its height, so that the page does not jump when the image arrives.
    pub height: Option<u32>,
    /// Text alternative.
    pub alt: String,
}

/// The `sizes` of an article's illustration in the default theme: its column is at most
/// 48rem wide, inside 1rem of margin on each side.
pub const IMAGE_SIZES: &str = "(min-width: 50rem) 48rem, calc(100vw - 2rem)";

/// A dated correction.
#[derive(Debug, Clone, Serialize)]
pub struct CorrectionView {
    /// When it was made.
    pub date: DateView,
    /// What changed.
    pub note: String,
}

impl CorrectionView {
    fn all(corrections: &[Correction], strings: &Strings) -> Vec<Self> {
        corrections
            .iter()
            .map(|c| CorrectionView {
                date: DateView::day(c.date, strings),
                note: c.note.clone(),
            })
            .collect()
    }
}

/// An incident in a list (home page, article page, chronology, tag page).
#[derive(Debug, Clone, Serialize)]
pub struct IncidentSummary {
    /// The incident id.
    pub id: String,
    /// Headline.
    pub title: String,
    /// Its page.
    pub url: String,
    /// When it happened, at its precision.
    pub date: DateView,
    /// When it ended, if it lasted.
    pub end_date: Option<DateView>,
    /// What happened.
    pub kind: LabelView,
    /// How well it is established.
    pub confidence: LabelView,
    /// "50–200 people", absent when no figure is reported.
    pub people: Option<String>,
    /// Lowest reported figure.
    pub people_min: Option<u64>,
    /// Highest reported figure.
    pub people_max: Option<u64>,
    /// Names of the places, "Tumen, Hunchun".
    pub places: Vec<String>,
    /// The places as URL segments (`tumen`), as used by the chronology's place filters.
    pub place_slugs: Vec<String>,
    /// Summary as HTML (print with `| safe`).
    pub summary: String,
    /// The language of `title` and `summary` when it is not the page's (no translation
    /// was given, so the original is shown): put it in a `lang` attribute so that screen
    /// readers switch voice. None when they are in the page's language.
    pub text_lang: Option<String>,
    /// Year the incident is filed under.
    pub year: i32,
    /// Number of sources.
    pub source_count: usize,
    /// Every source with its own figure, in the order recorded.
    pub sources: Vec<SourceView>,
    /// Articles of this language that report on it.
    pub articles: Vec<LinkView>,
}

/// A whole incident, on its own page, under `incident`.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentView {
    /// Everything a list shows.
    #[serde(flatten)]
    pub summary: IncidentSummary,
    /// Places with region, country and coordinates.
    pub places_detail: Vec<crate::content::Place>,
    /// Tags.
    pub tags: Vec<TagView>,
    /// Published corrections, oldest first.
    pub corrections: Vec<CorrectionView>,
}

/// One report about an incident.
#[derive(Debug, Clone, Serialize)]
pub struct SourceView {
    /// Who published it.
    pub publisher: String,
    /// Headline.
    pub title: String,
    /// Where it is.
    pub url: String,
    /// When it was published.
    pub published: Option<DateView>,
    /// The figure this source gives, written out ("200 people").
    pub people: Option<String>,
    /// The figure as a number.
    pub people_count: Option<u64>,
    /// Whom it cites.
    pub note: Option<String>,
    /// An archived copy.
    pub archive_url: Option<String>,
}

/// Pagination of a list, under `paginator`.
#[derive(Debug, Clone, Serialize)]
pub struct PaginatorView {
    /// This page's number, from 1.
    pub current: usize,
    /// How many pages there are.
    pub total: usize,
    /// The newer page, if any.
    pub previous_url: Option<String>,
    /// The older page, if any.
    pub next_url: Option<String>,
    /// The first page, the last, and up to three on each side of this one, in order, for
    /// numbered links (a gap between two listed numbers is where an ellipsis goes).
    pub pages: Vec<PageNumberView>,
}

/// One numbered page of a list.
#[derive(Debug, Clone, Serialize)]
pub struct PageNumberView {
    /// Its number, from 1.
    pub number: usize,
    /// Its link.
    pub url: String,
}

/// A standalone page, under `page`.
#[derive(Debug, Clone, Serialize)]
pub struct PageView {
    /// Title.
    pub title: String,
    /// Its link.
    pub url: String,
    /// One sentence.
    pub summary: Option<String>,
    /// Last update.
    pub updated: Option<DateView>,
    /// Body as HTML (print with `| safe`).
    pub content: String,
}

/// Words per minute used for reading-time estimates.
const WORDS_PER_MINUTE: usize = 220;

/// Builds views from the model for one language.
pub struct ViewBuilder<'a> {
    /// Site settings.
    pub config: &'a Config,
    /// The language's strings.
    pub strings: &'a Strings,
    /// The language's path prefix: "" or "/ko".
    pub prefix: String,
    /// The published images, with their sizes and copies.
    pub images: &'a Images,
}

impl<'a> ViewBuilder<'a> {
    /// The builder of one language of the site.
    pub fn new(config: &'a Config, theme: &'a Theme, images: &'a Images, lang: &str) -> Self {
        ViewBuilder {
            config,
            strings: &theme.strings[lang],
            prefix: super::lang_prefix(config, lang),
            images,
        }
    }

    /// A link to a site path in this language.
    pub fn link(&self, site_path: &str) -> String {
        self.config.link(&format!("{}{}", self.prefix, site_path))
    }

    fn tags(&self, tags: &[String]) -> Vec<TagView> {
        tags.iter()
            .map(|t| TagView::new(t, &self.prefix, self.config))
            .collect()
    }

    /// An article's link.
    pub fn article_url(&self, article: &Article) -> String {
        self.link(&format!("/articles/{}/", article.slug))
    }

    /// An incident's link.
    pub fn incident_url(&self, id: &str) -> String {
        self.link(&format!("/incidents/{id}/"))
    }

    /// An article as it appears in lists.
    pub fn article_summary(&self, article: &Article) -> ArticleSummary {
        ArticleSummary {
            title: article.title.clone(),
            url: self.article_url(article),
            date: DateView::day(article.date, self.strings),
            summary: article.summary.clone(),
            tags: self.tags(&article.tags),
            authors: article.authors.clone(),
        }
    }

    /// An article on its own page; `incidents` are the summaries of those it names.
    pub fn article(&self, article: &Article, incidents: Vec<IncidentSummary>) -> ArticleView {
        let words = article.body.words;
        ArticleView {
            title: article.title.clone(),
            url: self.article_url(article),
            date: DateView::day(article.date, self.strings),
            updated: article.updated.map(|d| DateView::day(d, self.strings)),
            summary: article.summary.clone(),
            authors: article.authors.clone(),
            tags: self.tags(&article.tags),
            content: self.body(&article.body.html),
            reading_minutes: words.div_ceil(WORDS_PER_MINUTE).max(1),
            incidents,
            image: article
                .image
                .as_ref()
                .map(|(path, alt)| self.image(path, alt)),
            corrections: CorrectionView::all(&article.corrections, self.strings),
        }
    }

    /// A standalone page.
    pub fn page(&self, page: &Page) -> PageView {
        PageView {
            title: page.title.clone(),
            url: self.link(&format!("/{}/", page.slug)),
            summary: page.summary.clone(),
            updated: page.updated.map(|d| DateView::day(d, self.strings)),
            content: self.body(&page.body.html),
        }
    }

    /// Body HTML with its images made light: every `<img>` loads lazily, and those of
    /// this site get the width, height and `srcset` of the copies they were published in,
    /// so the page does not jump as they arrive and a phone fetches a narrow copy.
    pub fn body(&self, html: &str) -> String {
        if !html.contains("<img") {
            return html.to_owned();
        }
        let base = self.config.base_path.trim_end_matches('/');
        let settings =
            RewriteStrSettings::new().append_element_content_handler(element!("img[src]", |el| {
                el.set_attribute("loading", "lazy")?;
                el.set_attribute("decoding", "async")?;
                let src = el.get_attribute("src").unwrap_or_default();
                let Some(site_path) = src.strip_prefix(base).filter(|p| p.starts_with('/')) else {
                    return Ok(());
                };
                let view = self.image(site_path, "");
                if let (Some(width), Some(height)) = (view.width, view.height) {
                    el.set_attribute("width", &width.to_string())?;
                    el.set_attribute("height", &height.to_string())?;
                    el.set_attribute("srcset", &view.srcset)?;
                    el.set_attribute("sizes", &view.sizes)?;
                }
                Ok(())
            }));
        rewrite_str(html, settings).unwrap_or_else(|_| html.to_owned())
    }

    /// An image at `site_path` (`/img/x.jpg`), with the copies it was published in.
    pub fn image(&self, site_path: &str, alt: &str) -> ImageView {
        let published = self.images.get(site_path.trim_start_matches('/'));
        let srcset = published.map_or_else(String::new, |image| {
            let copies = image.copies.iter();
            copies
                .map(|(width, path)| format!("{} {width}w", self.config.link(path)))
                .collect::<Vec<_>>()
                .join(", ")
        });
        ImageView {
            url: self.config.link(site_path),
            srcset,
            sizes: IMAGE_SIZES.to_owned(),
            width: published.map(|i| i.width),
            height: published.map(|i| i.height),
            alt: alt.to_owned(),
        }
    }

    /// An incident as it appears in lists.
    pub fn incident_summary(&self, incident: &Incident) -> IncidentSummary {
        let s = self.strings;
        let text = incident.text(&s.lang);
        let default = &self.config.default_language;
        IncidentSummary {
            id: incident.id.clone(),
            title: text.title.to_owned(),
            url: self.incident_url(&incident.id),
            date: DateView::partial(&incident.date, s),
            end_date: incident.end_date.as_ref().map(|d| DateView::partial(d, s)),
            kind: LabelView {
                value: incident.kind.as_str(),
                label: s.kind(incident.kind).to_owned(),
                explanation: None,
            },
            confidence: LabelView {
                value: incident.confidence.as_str(),
                label: s.confidence(incident.confidence).to_owned(),
                explanation: Some(s.confidence_explained(incident.confidence).to_owned()),
            },
            people: match (incident.people_min, incident.people_max) {
                (Some(min), Some(max)) => Some(s.people(min, max)),
                _ => None,
            },
            people_min: incident.people_min,
            people_max: incident.people_max,
            places: incident.places.iter().map(|p| p.name.clone()).collect(),
            place_slugs: incident
                .places
                .iter()
                .map(|p| slug::slugify(&p.name))
                .collect(),
            summary: text.summary.html.clone(),
            text_lang: (text.original && s.lang != *default).then(|| default.clone()),
            year: incident.year(),
            source_count: incident.sources.len(),
            sources: incident
                .sources
                .iter()
                .map(|src| self.source(src))
                .collect(),
            articles: Vec::new(),
        }
    }

    /// An incident on its own page.
    pub fn incident(&self, incident: &Incident) -> IncidentView {
        IncidentView {
            summary: self.incident_summary(incident),
            places_detail: incident.places.clone(),
            tags: self.tags(&incident.tags),
            corrections: CorrectionView::all(&incident.corrections, self.strings),
        }
    }

    fn source(&self, source: &Source) -> SourceView {
        SourceView {
            publisher: source.publisher.clone(),
            title: source.title.clone(),
            url: source.url.clone(),
            published: source
                .published
                .as_ref()
                .map(|d| DateView::partial(d, self.strings)),
            people: source.people.map(|n| self.strings.people(n, n)),
            people_count: source.people,
            note: source.note.clone(),
            archive_url: source.archive_url.clone(),
        }
    }
}
