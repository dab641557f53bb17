//! `content/incidents/<id>.toml` → [`Incident`]: one documented event, with every source
//! kept apart so that disagreeing figures stay visible.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use chrono::Datelike as _;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::date::{PartialDate, Precision};
use super::{Correction, RawCorrection, check_url};
use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::markdown::{self, Rendered};
use crate::slug;
use crate::source::SourceFile;
use crate::toml_de;

/// What happened, in the categories the chronology filters by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A single operation or campaign returning many people (roughly 50 or more).
    MassRepatriation,
    /// An individual or small-group return.
    Repatriation,
    /// Arrest or detention.
    Arrest,
    /// A policy or legal decision.
    Policy,
    /// Diplomatic context.
    Diplomacy,
    /// An international response: a statement, a report, a resolution.
    Response,
}

impl Kind {
    /// Every kind, in the order the chronology lists them.
    pub const ALL: [Kind; 6] = [
        Kind::MassRepatriation,
        Kind::Repatriation,
        Kind::Arrest,
        Kind::Policy,
        Kind::Diplomacy,
        Kind::Response,
    ];

    /// The value written in incident files, also the URL segment.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::MassRepatriation => "mass-repatriation",
            Kind::Repatriation => "repatriation",
            Kind::Arrest => "arrest",
            Kind::Policy => "policy",
            Kind::Diplomacy => "diplomacy",
            Kind::Response => "response",
        }
    }
}

/// How well an incident is established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    /// At least two sources that appear to draw on separate information.
    Corroborated,
    /// One originating source, however many outlets repeated it.
    SingleSource,
    /// Sources disagree on a core fact.
    Disputed,
}

impl Confidence {
    /// Every level, strongest first.
    pub const ALL: [Confidence; 3] = [
        Confidence::Corroborated,
        Confidence::SingleSource,
        Confidence::Disputed,
    ];

    /// The value written in incident files, also the URL segment.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Corroborated => "corroborated",
            Confidence::SingleSource => "single-source",
            Confidence::Disputed => "disputed",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IncidentRecord {
    title: String,
    date: Spanned<PartialDate>,
    end_date: Option<Spanned<PartialDate>>,
    kind: Kind,
    confidence: Spanned<Confidence>,
    people_min: Option<Spanned<i64>>,
    people_max: Option<Spanned<i64>>,
    #[serde(default)]
    places: Vec<RawPlace>,
    summary: Spanned<String>,
    #[serde(default)]
    tags: Vec<Spanned<String>>,
    #[serde(default)]
    sources: Vec<RawSource>,
    #[serde(default)]
    corrections: Vec<RawCorrection>,
    #[serde(default)]
    translations: BTreeMap<Spanned<String>, RawTranslation>,
}

/// `[translations.<lang>]`: the title and summary in another of the site's languages.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTranslation {
    title: String,
    summary: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlace {
    name: String,
    region: Option<String>,
    country: Option<String>,
    lat: Option<Spanned<f64>>,
    lon: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    publisher: String,
    title: String,
    url: Spanned<String>,
    published: Option<PartialDate>,
    people: Option<Spanned<i64>>,
    note: Option<String>,
    archive_url: Option<Spanned<String>>,
}

/// A place named in the reports. Coordinates are approximate and optional.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    /// Town or area.
    pub name: String,
    /// Province or region.
    pub region: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Latitude in degrees.
    pub lat: Option<f64>,
    /// Longitude in degrees.
    pub lon: Option<f64>,
}

// Coordinates are hashed by their bits: two places are the same when they were written
// the same, which is what the fingerprints of rendered pages need.
impl std::hash::Hash for Place {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let Place {
            name,
            region,
            country,
            lat,
            lon,
        } = self;
        (name, region, country).hash(state);
        lat.map(f64::to_bits).hash(state);
        lon.map(f64::to_bits).hash(state);
    }
}

/// One report about an incident, with the figure it gives.
#[derive(Debug, Clone, PartialEq, Hash, Serialize)]
pub struct Source {
    /// Who published it.
    pub publisher: String,
    /// Its headline.
    pub title: String,
    /// Where it is (http or https).
    pub url: String,
    /// When it was published.
    pub published: Option<PartialDate>,
    /// The number of people this source reports.
    pub people: Option<u64>,
    /// Whom it cites, or other context.
    pub note: Option<String>,
    /// A copy in a web archive, for when the link rots.
    pub archive_url: Option<String>,
    /// Where `url` is written in the incident file.
    #[serde(skip)]
    pub url_span: Range<usize>,
    /// Where `archive_url` is written, when it is.
    #[serde(skip)]
    pub archive_span: Option<Range<usize>>,
}

/// An incident's title and summary in one language other than the default.
#[derive(Debug, Clone, Hash)]
pub struct Translation {
    /// Headline.
    pub title: String,
    /// The summary as written, in Markdown.
    pub summary_markdown: String,
    /// The summary as HTML.
    pub summary: Rendered,
}

/// The words an incident is shown with in one language.
#[derive(Debug, Clone, Copy)]
pub struct Text<'a> {
    /// Headline.
    pub title: &'a str,
    /// The summary as written, in Markdown.
    pub summary_markdown: &'a str,
    /// The summary.
    pub summary: &'a Rendered,
    /// Whether these are the original words, in the default language: for another
    /// language, because no translation was given.
    pub original: bool,
}

/// A validated incident.
#[derive(Debug, Clone, Hash)]
pub struct Incident {
    /// The file stem.
    pub id: String,
    /// The file, relative to the site root.
    pub path: std::path::PathBuf,
    /// Headline.
    pub title: String,
    /// When it happened, at the precision known.
    pub date: PartialDate,
    /// When it ended, for events that lasted.
    pub end_date: Option<PartialDate>,
    /// What happened.
    pub kind: Kind,
    /// How well it is established.
    pub confidence: Confidence,
    /// The lowest reported number of people affected.
    pub people_min: Option<u64>,
    /// The highest reported number of people affected.
    pub people_max: Option<u64>,
    /// Places named in the reports.
    pub places: Vec<Place>,
    /// The summary as written, in Markdown.
    pub summary_markdown: String,
    /// The summary as HTML.
    pub summary: Rendered,
    /// Tags.
    pub tags: Vec<String>,
    /// Reports, each with its own figure, in the order written.
    pub sources: Vec<Source>,
    /// Published corrections, oldest first.
    pub corrections: Vec<Correction>,
    /// Title and summary in other languages of the site, by language code. `title` and
    /// `summary` above are in the default language.
    pub translations: BTreeMap<String, Translation>,
}

impl Incident {
    /// Whether `other` keeps this incident's place in the site: its file (so its id and
    /// address) and its date (so its place in the chronology's order).
    pub fn same_place(&self, other: &Incident) -> bool {
        self.path == other.path && self.id == other.id && self.date == other.date
    }

    /// Parses and validates an incident file.
    pub fn parse(file: &SourceFile, config: &Config) -> super::Checked<Incident> {
        let path = file.path.as_path();
        let record: IncidentRecord = toml_de::parse(&file.text, path, 0).map_err(|d| vec![d])?;
        let mut errors = Vec::new();
        let id = file.stem().to_owned();
        if !slug::is_valid(&id) {
            errors.push(
                Diagnostic::error(
                    path,
                    format!(
                        "the incident id `{id}` (the file name) may only contain a-z, 0-9 and -"
                    ),
                )
                .help(format!("rename the file to `{}.toml`", slug::slugify(&id))),
            );
        }
        let date = *record.date.get_ref();
        check_in_span(&mut errors, path, &record.date, config);
        if let Some(end) = &record.end_date {
            check_in_span(&mut errors, path, end, config);
            if end.get_ref().last_day() < date.first_day() {
                errors.push(
                    Diagnostic::error(
                        path,
                        format!("`end_date` {} is before `date` {date}", end.get_ref()),
                    )
                    .at(Some(end.span()))
                    .help("the end date must be the same as or later than the date"),
                );
            }
        }
        let people_min = people(&mut errors, path, "people_min", record.people_min.as_ref());
        let people_max = people(&mut errors, path, "people_max", record.people_max.as_ref());
        match (&record.people_min, &record.people_max) {
            (Some(min), Some(max)) if min.get_ref() > max.get_ref() => {
                errors.push(
                    Diagnostic::error(path, format!("`people_min` ({}) is larger than `people_max` ({})", min.get_ref(), max.get_ref()))
                        .at(Some(min.span()))
                        .help("people_min is the lowest reported figure and people_max the highest; swap them"),
                );
            }
            (Some(one), None) | (None, Some(one)) => {
                errors.push(
                    Diagnostic::error(path, "only one of `people_min` and `people_max` is given")
                        .at(Some(one.span()))
                        .help("give both (the same number twice when there is one figure), or neither when no figure is reported"),
                );
            }
            _ => {}
        }
        for place in &record.places {
            if slug::slugify(&place.name).is_empty() {
                errors.push(
                    Diagnostic::error(
                        path,
                        format!("the place name `{}` has no letters or digits", place.name),
                    )
                    .help("write the town or area as the reports name it, such as \"Tumen\""),
                );
            }
        }
        let places = record
            .places
            .into_iter()
            .map(|p| Place {
                lat: coordinate(&mut errors, path, "lat", p.lat.as_ref(), 90.0),
                lon: coordinate(&mut errors, path, "lon", p.lon.as_ref(), 180.0),
                name: p.name,
                region: p.region,
                country: p.country,
            })
            .collect();
        if record.sources.len() == 1 && *record.confidence.get_ref() == Confidence::Corroborated {
            errors.push(
                Diagnostic::warning(path, "marked corroborated, but only one source is given")
                    .at(Some(record.confidence.span()))
                    .help("add the second source, or write confidence = \"single-source\""),
            );
        }
        if record.sources.is_empty() {
            errors.push(
                Diagnostic::error(path, "this incident has no source")
                    .help("add at least one [[sources]] table with publisher, title and url"),
            );
        }
        let sources = record
            .sources
            .into_iter()
            .map(|s| {
                check_url(&mut errors, path, &s.url, "url");
                if let Some(archive) = &s.archive_url {
                    check_url(&mut errors, path, archive, "archive_url");
                }
                Source {
                    people: people(&mut errors, path, "people", s.people.as_ref()),
                    publisher: s.publisher,
                    title: s.title,
                    url_span: s.url.span(),
                    archive_span: s.archive_url.as_ref().map(Spanned::span),
                    url: s.url.into_inner(),
                    published: s.published,
                    note: s.note,
                    archive_url: s.archive_url.map(Spanned::into_inner),
                }
            })
            .collect();
        let tags = super::tags(&mut errors, path, record.tags);
        let corrections = super::corrections(&mut errors, path, record.corrections, 0);
        let summary = render_summary(&mut errors, file, &record.summary, config);
        let translations = record
            .translations
            .into_iter()
            .filter_map(|(lang, raw)| {
                check_translation_language(&mut errors, path, &lang, config).then(|| {
                    let translation = Translation {
                        summary: render_summary(&mut errors, file, &raw.summary, config),
                        title: raw.title,
                        summary_markdown: raw.summary.into_inner(),
                    };
                    (lang.into_inner(), translation)
                })
            })
            .collect();
        super::conclude(errors, || Incident {
            id,
            path: path.to_owned(),
            title: record.title,
            date,
            end_date: record.end_date.map(Spanned::into_inner),
            kind: record.kind,
            confidence: record.confidence.into_inner(),
            people_min,
            people_max,
            places,
            summary_markdown: record.summary.into_inner(),
            summary,
            tags,
            sources,
            corrections,
            translations,
        })
    }

    /// The title and summary to show in `lang`: its translation, or the original words
    /// when there is none.
    pub fn text(&self, lang: &str) -> Text<'_> {
        match self.translations.get(lang) {
            Some(t) => Text {
                title: &t.title,
                summary_markdown: &t.summary_markdown,
                summary: &t.summary,
                original: false,
            },
            None => Text {
                title: &self.title,
                summary_markdown: &self.summary_markdown,
                summary: &self.summary,
                original: true,
            },
        }
    }

    /// The date range, for sorting and for the year the incident belongs to.
    pub fn year(&self) -> i32 {
        self.date.year()
    }

    /// Whether the date is known only to the decade.
    pub fn is_decade(&self) -> bool {
        self.date.precision() == Precision::Decade
    }
}

/// Renders a Markdown summary, with error spans pointing into the incident file.
fn render_summary(
    errors: &mut Vec<Diagnostic>,
    file: &SourceFile,
    summary: &Spanned<String>,
    config: &Config,
) -> Rendered {
    let offset = value_offset(&file.text, summary.span());
    markdown::render(summary.get_ref(), offset, &file.path, config).unwrap_or_else(|mut e| {
        errors.append(&mut e);
        Rendered::default()
    })
}

/// Whether `[translations.<lang>]` names another of the site's languages.
fn check_translation_language(
    errors: &mut Vec<Diagnostic>,
    path: &Path,
    lang: &Spanned<String>,
    config: &Config,
) -> bool {
    let code = lang.get_ref();
    let (message, help) = if *code == config.default_language {
        (
            format!("`[translations.{code}]` translates into the default language"),
            "`title` and `summary` at the top of the file are already in it: remove this table"
                .to_owned(),
        )
    } else if !config.languages.contains(code) {
        let others: Vec<&str> = config
            .languages
            .iter()
            .filter(|l| **l != config.default_language)
            .map(String::as_str)
            .collect();
        (
            format!("`[translations.{code}]`: `{code}` is not one of the site's languages"),
            if others.is_empty() {
                format!("add `{code}` to `languages` in site.toml")
            } else {
                format!(
                    "use one of {}, or add `{code}` to `languages` in site.toml",
                    others.join(", ")
                )
            },
        )
    } else {
        return true;
    };
    errors.push(
        Diagnostic::error(path, message)
            .at(Some(lang.span()))
            .help(help),
    );
    false
}

/// Where the text of a TOML string value starts, past its opening quotes, so that spans
/// inside a Markdown summary point at the right line.
fn value_offset(text: &str, span: Range<usize>) -> usize {
    let value = &text[span.clone()];
    let quotes = [
        "\"\"\"\n",
        "\"\"\"\r\n",
        "'''\n",
        "'''\r\n",
        "\"\"\"",
        "'''",
        "\"",
        "'",
    ];
    let skip = quotes
        .iter()
        .find(|q| value.starts_with(**q))
        .map_or(0, |q| q.len());
    span.start + skip
}

fn check_in_span(
    errors: &mut Vec<Diagnostic>,
    path: &Path,
    date: &Spanned<PartialDate>,
    config: &Config,
) {
    let value = date.get_ref();
    let (from, to) = (config.chronology.from, config.chronology.to);
    if value.last_day().year() < from || value.year() > to {
        errors.push(
            Diagnostic::error(
                path,
                format!("{value} is outside the chronology, which covers {from} to {to}"),
            )
            .at(Some(date.span()))
            .help("check the year, or widen [chronology] from/to in site.toml"),
        );
    }
    let today = chrono::Local::now().date_naive();
    if value.first_day() > today {
        errors.push(
            Diagnostic::error(path, format!("{value} is in the future"))
                .at(Some(date.span()))
                .help("record incidents once they have happened; check the year"),
        );
    }
}

/// More people than this in one report is a typing mistake, not a figure.
const MAX_PEOPLE: u64 = 10_000_000;

fn people(
    errors: &mut Vec<Diagnostic>,
    path: &Path,
    key: &str,
    value: Option<&Spanned<i64>>,
) -> Option<u64> {
    let value = value?;
    match u64::try_from(*value.get_ref()) {
        Ok(n) if n > MAX_PEOPLE => {
            errors.push(
                Diagnostic::error(
                    path,
                    format!("`{key}` {n} is not a plausible number of people"),
                )
                .at(Some(value.span()))
                .help("check for extra digits"),
            );
            None
        }
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(
                Diagnostic::error(path, format!("`{key}` cannot be negative"))
                    .at(Some(value.span()))
                    .help("write the number of people reported, or leave the key out when no figure is known"),
            );
            None
        }
    }
}

fn coordinate(
    errors: &mut Vec<Diagnostic>,
    path: &Path,
    key: &str,
    value: Option<&Spanned<f64>>,
    limit: f64,
) -> Option<f64> {
    let value = value?;
    let v = *value.get_ref();
    if v.is_finite() && v.abs() <= limit {
        Some(v)
    } else {
        errors.push(
            Diagnostic::error(path, format!("`{key}` {v} is out of range"))
                .at(Some(value.span()))
                .help(format!("{key} is in degrees between -{limit} and {limit}; Tumen is lat = 42.97, lon = 129.84")),
        );
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::parse(
            "title = \"t\"\nbase_url = \"https://ngo.example/\"\nlanguages = [\"en\", \"ko\"]\n",
            None,
        )
        .unwrap()
    }

    fn parse(text: &str) -> Result<Incident, Vec<Diagnostic>> {
        let file = SourceFile {
            path: "content/incidents/2024-04-26-tumen.toml".into(),
            text: text.to_owned(),
        };
        Incident::parse(&file, &config()).map(|(incident, _)| incident)
    }

    /// Fails unless one of `errors` says `needle`.
    fn assert_reports(errors: &[Diagnostic], needle: &str) {
        let messages: Vec<_> = errors.iter().map(|e| e.message.as_str()).collect();
        assert!(messages.iter().any(|m| m.contains(needle)), "{messages:?}");
    }

    const GOOD: &str = r#"
title = "Returns from Tumen"
date = "2024-04-26"
kind = "mass-repatriation"
confidence = "disputed"
people_min = 50
people_max = 200
places = [ { name = "Tumen", region = "Jilin", country = "China", lat = 42.97, lon = 129.84 } ]
summary = "Reports *differ*."
[[sources]]
publisher = "Yonhap News Agency"
title = "Headline"
url = "https://example.org/a"
people = 200
[[sources]]
publisher = "Radio Free Asia"
title = "Other headline"
url = "https://example.org/b"
people = 60
"#;

    #[test]
    fn a_complete_record_keeps_every_source_figure() {
        let incident = parse(GOOD).unwrap();
        assert_eq!(incident.id, "2024-04-26-tumen");
        assert_eq!(
            (incident.people_min, incident.people_max),
            (Some(50), Some(200))
        );
        let figures: Vec<_> = incident.sources.iter().map(|s| s.people).collect();
        assert_eq!(figures, [Some(200), Some(60)]);
        assert!(incident.summary.html.contains("<em>differ</em>"));
    }

    #[test]
    fn inverted_range_and_bad_coordinates_are_all_reported() {
        let text = GOOD
            .replace("people_min = 50", "people_min = 500")
            .replace("lat = 42.97", "lat = 142.97");
        let errors = parse(&text).unwrap_err();
        assert_reports(&errors, "larger than `people_max`");
        assert_reports(&errors, "`lat` 142.97 is out of range");
    }

    #[test]
    fn implausible_figures_and_empty_place_names_are_errors() {
        let text = GOOD
            .replace("people_max = 200", "people_max = 9000000000000000000")
            .replace("name = \"Tumen\"", "name = \"?\"");
        let errors = parse(&text).unwrap_err();
        assert_reports(&errors, "not a plausible number");
        assert_reports(&errors, "has no letters or digits");
    }

    #[test]
    fn unknown_kind_lists_the_allowed_ones() {
        let errors = parse(&GOOD.replace("mass-repatriation", "deportation")).unwrap_err();
        assert!(
            errors[0]
                .help
                .as_deref()
                .unwrap()
                .contains("mass-repatriation")
        );
    }

    #[test]
    fn dates_outside_the_span_and_end_before_start_are_errors() {
        let errors = parse(&GOOD.replace(
            "date = \"2024-04-26\"",
            "date = \"1985\"\nend_date = \"1984\"",
        ))
        .unwrap_err();
        assert_reports(&errors, "outside the chronology");
        assert_reports(&errors, "is before `date`");
    }

    #[test]
    fn sources_need_http_urls() {
        let errors =
            parse(&GOOD.replace("https://example.org/a", "ftp://example.org/a")).unwrap_err();
        assert!(errors[0].message.contains("http"), "{}", errors[0].message);
    }

    const KOREAN: &str =
        "\n[translations.ko]\ntitle = \"투먼을 통한 송환\"\nsummary = \"보도가 *엇갈립니다*.\"\n";

    #[test]
    fn translations_give_the_title_and_summary_in_their_language() {
        let incident = parse(&format!("{GOOD}{KOREAN}")).unwrap();
        let ko = incident.text("ko");
        assert_eq!(ko.title, "투먼을 통한 송환");
        assert!(ko.summary.html.contains("<em>엇갈립니다</em>"));
        assert!(!ko.original);
        let en = incident.text("en");
        assert_eq!(en.title, "Returns from Tumen");
        assert!(en.original);
    }

    #[test]
    fn without_a_translation_the_original_is_shown() {
        let incident = parse(GOOD).unwrap();
        let ko = incident.text("ko");
        assert_eq!(ko.title, "Returns from Tumen");
        assert!(ko.original);
    }

    #[test]
    fn translations_into_unknown_languages_or_with_unknown_keys_are_errors() {
        let text = format!("{GOOD}{}", KOREAN.replace(".ko]", ".fr]"));
        let errors = parse(&text).unwrap_err();
        assert_reports(&errors, "`fr` is not one of the site's languages");
        let line = crate::diagnostics::line_col(&text, errors[0].span.clone().unwrap().start).0;
        assert_eq!(text.lines().nth(line - 1), Some("[translations.fr]"));

        let errors = parse(&format!("{GOOD}{}", KOREAN.replace("title =", "titel ="))).unwrap_err();
        assert_reports(&errors, "unknown key `titel`");

        let errors = parse(&format!("{GOOD}{}", KOREAN.replace(".ko]", ".en]"))).unwrap_err();
        assert_reports(&errors, "translates into the default language");
    }
}
