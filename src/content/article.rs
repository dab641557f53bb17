//! `content/articles/*.md` and `content/pages/*.md` → [`Article`] and [`Page`].
//!
//! Both are a `+++` front matter block and a Markdown body; articles are dated and listed,
//! pages stand alone (about, methodology).

use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use super::date::{PartialDate, Precision};
use super::{Correction, RawCorrection};
use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::frontmatter;
use crate::markdown::{self, Rendered};
use crate::slug;
use crate::source::SourceFile;
use crate::toml_de;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ArticleFrontMatter {
    title: String,
    date: Spanned<PartialDate>,
    updated: Option<Spanned<PartialDate>>,
    summary: Option<String>,
    #[serde(default)]
    authors: Vec<String>,
    #[serde(default)]
    tags: Vec<Spanned<String>>,
    #[serde(default)]
    incidents: Vec<Spanned<String>>,
    lang: Option<Spanned<String>>,
    translation_key: Option<Spanned<String>>,
    #[serde(default)]
    draft: bool,
    slug: Option<Spanned<String>>,
    image: Option<Spanned<String>>,
    image_alt: Option<String>,
    #[serde(default)]
    corrections: Vec<RawCorrection>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageFrontMatter {
    title: String,
    summary: Option<String>,
    slug: Option<Spanned<String>>,
    lang: Option<Spanned<String>>,
    translation_key: Option<Spanned<String>>,
    #[serde(default)]
    draft: bool,
    updated: Option<Spanned<PartialDate>>,
    weight: Option<i64>,
}

/// A reference from an article to an incident, kept with its place in the file so that a
/// dangling id can be pointed at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IncidentRef {
    /// The incident id as written.
    pub id: String,
    /// Where it is written.
    pub span: Range<usize>,
}

/// The `translation_key` shared by the translations of one article or page, kept with
/// its place in the file so that a duplicate can be pointed at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TranslationKey {
    /// The key as written.
    pub key: String,
    /// Where it is written.
    pub span: Range<usize>,
}

/// A validated, rendered article.
#[derive(Debug, Clone, Hash)]
pub struct Article {
    /// The file, relative to the site root.
    pub path: PathBuf,
    /// URL segment, unique per language.
    pub slug: String,
    /// Language code.
    pub lang: String,
    /// Headline.
    pub title: String,
    /// Publication date.
    pub date: NaiveDate,
    /// Date of the last substantive update.
    pub updated: Option<NaiveDate>,
    /// One or two sentences for lists and feeds.
    pub summary: Option<String>,
    /// Who wrote it.
    pub authors: Vec<String>,
    /// Tags, as written.
    pub tags: Vec<String>,
    /// The incidents it reports on.
    pub incidents: Vec<IncidentRef>,
    /// Links translations of the same article.
    pub translation_key: Option<TranslationKey>,
    /// Drafts are built only on request.
    pub draft: bool,
    /// An illustration: its site path (under `static/`) and its alt text.
    pub image: Option<(String, String)>,
    /// Published corrections, oldest first.
    pub corrections: Vec<Correction>,
    /// The body.
    pub body: Rendered,
}

/// A validated, rendered standalone page.
#[derive(Debug, Clone, Hash)]
pub struct Page {
    /// The file, relative to the site root.
    pub path: PathBuf,
    /// URL segment, unique per language.
    pub slug: String,
    /// Language code.
    pub lang: String,
    /// Title.
    pub title: String,
    /// One sentence for the page head.
    pub summary: Option<String>,
    /// Links translations of the same page.
    pub translation_key: Option<TranslationKey>,
    /// Drafts are built only on request.
    pub draft: bool,
    /// Date of the last substantive update.
    pub updated: Option<NaiveDate>,
    /// Position in the site navigation; pages without one are not in it.
    pub weight: Option<i64>,
    /// The body.
    pub body: Rendered,
}

impl Article {
    /// Whether `other` is this article with another body: the same file, front matter
    /// and all. What the rest of the site shows of an article is then unchanged.
    pub fn differs_only_in_body(&self, other: &Article) -> bool {
        // Every field but the body, named, so that a new field must be added here.
        let Article {
            path,
            slug,
            lang,
            title,
            date,
            updated,
            summary,
            authors,
            tags,
            incidents,
            translation_key,
            draft,
            image,
            corrections,
            body: _,
        } = self;
        *path == other.path
            && *slug == other.slug
            && *lang == other.lang
            && *title == other.title
            && *date == other.date
            && *updated == other.updated
            && *summary == other.summary
            && *authors == other.authors
            && *tags == other.tags
            && *incidents == other.incidents
            && *translation_key == other.translation_key
            && *draft == other.draft
            && *image == other.image
            && *corrections == other.corrections
    }

    /// Whether `other` keeps this article's place in the site: its file, address,
    /// language, date, translations and draft status. Its neighbours in every list and
    /// its versions in other languages are then the same, and only what it says changed.
    pub fn same_place(&self, other: &Article) -> bool {
        let key = |a: &Article| a.translation_key.as_ref().map(|k| k.key.clone());
        self.path == other.path
            && self.slug == other.slug
            && self.lang == other.lang
            && self.date == other.date
            && self.draft == other.draft
            && key(self) == key(other)
    }

    /// Parses and validates an article file and renders its body.
    pub fn parse(file: &SourceFile, root: &Path, config: &Config) -> super::Checked<Article> {
        let path = file.path.as_path();
        let split = frontmatter::split(&file.text, path).map_err(|d| vec![d])?;
        let fm: ArticleFrontMatter =
            toml_de::parse(split.front_matter, path, split.front_matter_offset)
                .map_err(|d| vec![d])?;
        let shift = split.front_matter_offset;
        let mut errors = Vec::new();
        let (slug, lang) = slug_and_lang(
            &mut errors,
            file,
            fm.slug.as_ref(),
            fm.lang.as_ref(),
            shift,
            config,
        );
        let date = full_date(&mut errors, path, &fm.date, shift, "date");
        let updated = fm
            .updated
            .as_ref()
            .and_then(|u| full_date(&mut errors, path, u, shift, "updated"));
        let image = match (fm.image, fm.image_alt) {
            (None, _) => None,
            (Some(image), alt) => {
                let site_path = image_path(&mut errors, path, &image, shift, root);
                match alt.filter(|a| !a.trim().is_empty()) {
                    Some(alt) => site_path.map(|p| (p, alt)),
                    None => {
                        errors.push(
                            Diagnostic::error(path, "`image` has no `image_alt`")
                                .at(Some(shifted(image.span(), shift)))
                                .help("describe the picture for readers who cannot see it: image_alt = \"...\""),
                        );
                        None
                    }
                }
            }
        };
        let tags = super::tags(&mut errors, path, shift_all(fm.tags, shift));
        let corrections = super::corrections(&mut errors, path, fm.corrections, shift);
        let incidents = fm
            .incidents
            .into_iter()
            .map(|id| IncidentRef {
                span: shifted(id.span(), shift),
                id: id.into_inner(),
            })
            .collect();
        let body = render_body(&mut errors, split.body, split.body_offset, path, config);
        if fm.summary.as_deref().is_none_or(|s| s.trim().is_empty()) {
            errors.push(
                Diagnostic::warning(path, "this article has no summary")
                    .at(Some(split.front_matter_offset..split.front_matter_offset))
                    .help("add summary = \"...\": one or two sentences shown in lists, feeds and search results"),
            );
        }
        super::conclude(errors, || Article {
            path: path.to_owned(),
            slug,
            lang,
            title: fm.title,
            date: date.unwrap_or_default(),
            updated,
            summary: fm.summary,
            authors: fm.authors,
            tags,
            incidents,
            translation_key: translation_key(fm.translation_key, shift),
            draft: fm.draft,
            image,
            corrections,
            body,
        })
    }
}

impl Page {
    /// Whether `other` is this page with another body (see
    /// [`Article::differs_only_in_body`]).
    pub fn differs_only_in_body(&self, other: &Page) -> bool {
        let Page {
            path,
            slug,
            lang,
            title,
            summary,
            translation_key,
            draft,
            updated,
            weight,
            body: _,
        } = self;
        *path == other.path
            && *slug == other.slug
            && *lang == other.lang
            && *title == other.title
            && *summary == other.summary
            && *translation_key == other.translation_key
            && *draft == other.draft
            && *updated == other.updated
            && *weight == other.weight
    }

    /// Parses and validates a standalone page and renders its body.
    pub fn parse(file: &SourceFile, config: &Config) -> super::Checked<Page> {
        let path = file.path.as_path();
        let split = frontmatter::split(&file.text, path).map_err(|d| vec![d])?;
        let fm: PageFrontMatter =
            toml_de::parse(split.front_matter, path, split.front_matter_offset)
                .map_err(|d| vec![d])?;
        let shift = split.front_matter_offset;
        let mut errors = Vec::new();
        let (slug, lang) = slug_and_lang(
            &mut errors,
            file,
            fm.slug.as_ref(),
            fm.lang.as_ref(),
            shift,
            config,
        );
        let updated = fm
            .updated
            .as_ref()
            .and_then(|u| full_date(&mut errors, path, u, shift, "updated"));
        let body = render_body(&mut errors, split.body, split.body_offset, path, config);
        super::conclude(errors, || Page {
            path: path.to_owned(),
            slug,
            lang,
            title: fm.title,
            summary: fm.summary,
            translation_key: translation_key(fm.translation_key, shift),
            draft: fm.draft,
            updated,
            weight: fm.weight,
            body,
        })
    }
}

fn render_body(
    errors: &mut Vec<Diagnostic>,
    body: &str,
    offset: usize,
    path: &Path,
    config: &Config,
) -> Rendered {
    markdown::render(body, offset, path, config).unwrap_or_else(|mut e| {
        errors.append(&mut e);
        Rendered::default()
    })
}

fn shifted(span: Range<usize>, by: usize) -> Range<usize> {
    span.start + by..span.end + by
}

fn shift_all(values: Vec<Spanned<String>>, by: usize) -> Vec<Spanned<String>> {
    values
        .into_iter()
        .map(|v| {
            let span = shifted(v.span(), by);
            Spanned::new(span, v.into_inner())
        })
        .collect()
}

/// Splits a file stem into the slug and the language it names, Zola's way:
/// `returns.ko.md` is the Korean `returns`, `returns.md` names no language.
/// The slug and language of an article or page: as its front matter writes them, or
/// from its file name (`x.md`, `x.ko.md`).
fn slug_and_lang(
    errors: &mut Vec<Diagnostic>,
    file: &SourceFile,
    slug: Option<&Spanned<String>>,
    lang: Option<&Spanned<String>>,
    shift: usize,
    config: &Config,
) -> (String, String) {
    let (stem, stem_lang) = split_stem(file);
    let slug = slug_of(errors, file, stem, slug, shift);
    let lang = lang_of(errors, &file.path, stem_lang, lang, shift, config);
    (slug, lang)
}

fn split_stem(file: &SourceFile) -> (&str, Option<&str>) {
    match file.stem().rsplit_once('.') {
        Some((stem, lang)) => (stem, Some(lang)),
        None => (file.stem(), None),
    }
}

fn translation_key(written: Option<Spanned<String>>, shift: usize) -> Option<TranslationKey> {
    written.map(|k| TranslationKey {
        span: shifted(k.span(), shift),
        key: k.into_inner(),
    })
}

fn slug_of(
    errors: &mut Vec<Diagnostic>,
    file: &SourceFile,
    stem: &str,
    written: Option<&Spanned<String>>,
    shift: usize,
) -> String {
    let (slug, span) = match written {
        Some(s) => (s.get_ref().clone(), Some(shifted(s.span(), shift))),
        None => (stem.to_owned(), None),
    };
    if !slug::is_valid(&slug) {
        let what = if span.is_some() {
            "`slug`"
        } else {
            "the file name"
        };
        errors.push(
            Diagnostic::error(
                &file.path,
                format!("the slug `{slug}` ({what}) may only contain a-z, 0-9 and -"),
            )
            .at(span)
            .help(format!("use `{}`", slug::slugify(&slug))),
        );
    }
    slug
}

/// The language of an article or page: the one its file name gives (`x.ko.md`), else
/// `lang` in the front matter, else the site's default. Both given must agree.
fn lang_of(
    errors: &mut Vec<Diagnostic>,
    path: &Path,
    from_name: Option<&str>,
    written: Option<&Spanned<String>>,
    shift: usize,
    config: &Config,
) -> String {
    let span = written.map(|l| shifted(l.span(), shift));
    let known = config.languages.join(", ");
    if let Some(lang) = from_name {
        if !config.languages.iter().any(|l| l == lang) {
            errors.push(
                Diagnostic::error(
                    path,
                    format!("the file name says the language is `{lang}`, which is not one of the site's languages"),
                )
                .help(format!(
                    "a file named <slug>.<language>.md is in that language: use one of {known}, or add `{lang}` to `languages` in site.toml"
                )),
            );
        } else if let Some(w) = written.filter(|w| w.get_ref() != lang) {
            errors.push(
                Diagnostic::error(
                    path,
                    format!(
                        "`lang` says `{}` but the file name says `{lang}`",
                        w.get_ref()
                    ),
                )
                .at(span)
                .help(format!(
                    "remove `lang` (the file name is enough), or rename the file to end in .{}.md",
                    w.get_ref()
                )),
            );
        }
        return lang.to_owned();
    }
    let Some(lang) = written else {
        return config.default_language.clone();
    };
    if !config.languages.contains(lang.get_ref()) {
        errors.push(
            Diagnostic::error(
                path,
                format!(
                    "the language `{}` is not one of the site's languages",
                    lang.get_ref()
                ),
            )
            .at(span)
            .help(format!(
                "use one of {known}, or add it to `languages` in site.toml"
            )),
        );
    }
    lang.get_ref().clone()
}

fn full_date(
    errors: &mut Vec<Diagnostic>,
    path: &Path,
    date: &Spanned<PartialDate>,
    shift: usize,
    key: &str,
) -> Option<NaiveDate> {
    let value = date.get_ref();
    if value.precision() != Precision::Day {
        errors.push(
            Diagnostic::error(path, format!("`{key}` must be a full date, not `{value}`"))
                .at(Some(shifted(date.span(), shift)))
                .help(format!("write it as {key} = 2024-05-10")),
        );
        return None;
    }
    if value.first_day() > chrono::Local::now().date_naive() {
        errors.push(
            Diagnostic::warning(path, format!("`{key}` {value} is in the future"))
                .at(Some(shifted(date.span(), shift))),
        );
    }
    Some(value.first_day())
}

/// Checks that an image path stays inside the site and exists; returns its site path.
fn image_path(
    errors: &mut Vec<Diagnostic>,
    path: &Path,
    image: &Spanned<String>,
    shift: usize,
    root: &Path,
) -> Option<String> {
    let written = Path::new(image.get_ref());
    let span = Some(shifted(image.span(), shift));
    let escapes = written
        .components()
        .any(|c| !matches!(c, Component::Normal(_)));
    if escapes {
        errors.push(
            Diagnostic::error(
                path,
                format!(
                    "the image path `{}` leaves the site folder",
                    image.get_ref()
                ),
            )
            .at(span)
            .help("give a path inside static/, such as image = \"static/img/photo.jpg\""),
        );
        return None;
    }
    let Ok(under_static) = written.strip_prefix("static") else {
        errors.push(
            Diagnostic::error(
                path,
                format!("the image `{}` is not under static/", image.get_ref()),
            )
            .at(span)
            .help("put images in the static/ folder and write image = \"static/img/photo.jpg\""),
        );
        return None;
    };
    let extension = written
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if !matches!(
        extension.as_deref(),
        Some("jpg" | "jpeg" | "png" | "webp" | "gif" | "svg")
    ) {
        errors.push(
            Diagnostic::error(
                path,
                format!(
                    "the image `{}` is not a JPEG, PNG, WebP, GIF or SVG file",
                    image.get_ref()
                ),
            )
            .at(span)
            .help("export the picture as JPEG (photos) or PNG (drawings, screenshots)"),
        );
        return None;
    }
    // A link could lead anywhere on the machine that builds the site.
    if std::fs::symlink_metadata(root.join(written)).is_ok_and(|m| m.file_type().is_symlink()) {
        errors.push(
            Diagnostic::error(
                path,
                format!("the image `{}` is a symbolic link", image.get_ref()),
            )
            .at(span)
            .help("copy the picture itself into static/"),
        );
        return None;
    }
    if !root.join(written).is_file() {
        errors.push(
            Diagnostic::error(
                path,
                format!("the image `{}` does not exist", image.get_ref()),
            )
            .at(span)
            .help("check the file name and that the image was committed"),
        );
        return None;
    }
    let segments: Vec<_> = under_static.iter().map(|s| s.to_string_lossy()).collect();
    Some(format!("/{}", segments.join("/")))
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

    fn parse(name: &str, text: &str) -> Result<Article, Vec<Diagnostic>> {
        let file = SourceFile {
            path: PathBuf::from("content/articles").join(name),
            text: text.to_owned(),
        };
        Article::parse(&file, Path::new("."), &config()).map(|(article, _)| article)
    }

    #[test]
    fn front_matter_and_body_become_an_article() {
        let article = parse(
            "resumption.md",
            "+++\ntitle = \"Returns resume\"\ndate = 2024-05-10\ntags = [\"jilin\"]\nincidents = [\"2024-04-26-tumen\"]\n+++\n## Background\n",
        )
        .unwrap();
        assert_eq!(article.slug, "resumption");
        assert_eq!(article.lang, "en");
        assert_eq!(article.date.to_string(), "2024-05-10");
        assert_eq!(article.incidents[0].id, "2024-04-26-tumen");
        assert!(article.body.html.contains("<h2 id=\"background\">"));
    }

    #[test]
    fn errors_point_at_lines_of_the_file_not_the_snippet() {
        let text = "+++\ntitle = \"A\"\ndate = \"2024-02-30\"\n+++\n";
        let errors = parse("a.md", text).unwrap_err();
        let span = errors[0].span.clone().unwrap();
        assert_eq!(crate::diagnostics::line_col(text, span.start).0, 3);
    }

    #[test]
    fn month_precision_is_refused_for_articles_and_bad_slugs_reported() {
        let errors = parse(
            "Bad_Name.md",
            "+++\ntitle = \"A\"\ndate = \"2024-05\"\n+++\n",
        )
        .unwrap_err();
        let messages: Vec<_> = errors.iter().map(|e| e.message.as_str()).collect();
        assert!(
            messages.iter().any(|m| m.contains("must be a full date")),
            "{messages:?}"
        );
        assert!(
            messages.iter().any(|m| m.contains("may only contain")),
            "{messages:?}"
        );
    }

    #[test]
    fn image_paths_must_stay_inside_the_site_and_have_alt_text() {
        let errors = parse(
            "a.md",
            "+++\ntitle = \"A\"\ndate = 2024-05-10\nimage = \"../../etc/passwd\"\nimage_alt = \"x\"\n+++\n",
        )
        .unwrap_err();
        assert!(errors[0].message.contains("leaves the site folder"));
        for hostile in ["/etc/passwd.jpg", "static/../../x.jpg", "./static/x.jpg"] {
            let errors = parse(
                "a.md",
                &format!("+++\ntitle = \"A\"\ndate = 2024-05-10\nimage = \"{hostile}\"\nimage_alt = \"x\"\n+++\n"),
            )
            .unwrap_err();
            assert!(
                errors[0].message.contains("leaves the site folder"),
                "{hostile}: {}",
                errors[0].message
            );
        }
        let errors = parse(
            "a.md",
            "+++\ntitle = \"A\"\ndate = 2024-05-10\nimage = \"static/report.pdf\"\nimage_alt = \"x\"\n+++\n",
        )
        .unwrap_err();
        assert!(
            errors[0].message.contains("not a JPEG"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn unknown_language_is_an_error() {
        let errors = parse(
            "a.md",
            "+++\ntitle = \"A\"\ndate = 2024-05-10\nlang = \"fr\"\n+++\n",
        )
        .unwrap_err();
        assert!(errors[0].message.contains("`fr`"));
    }

    #[test]
    fn the_file_name_gives_the_language_and_the_slug() {
        let text = "+++\ntitle = \"송환 재개\"\ndate = 2024-05-10\n+++\n";
        let article = parse("returns.ko.md", text).unwrap();
        assert_eq!(
            (article.slug.as_str(), article.lang.as_str()),
            ("returns", "ko")
        );
        let agreeing = text.replace("+++\n송", "+++\nlang = \"ko\"\n송");
        assert_eq!(parse("returns.ko.md", &agreeing).unwrap().lang, "ko");
    }

    #[test]
    fn a_file_name_language_must_be_known_and_agree_with_lang() {
        let text = "+++\ntitle = \"A\"\ndate = 2024-05-10\nlang = \"en\"\n+++\n";
        let errors = parse("returns.ko.md", text).unwrap_err();
        assert_eq!(
            errors[0].message,
            "`lang` says `en` but the file name says `ko`"
        );
        assert_eq!(
            crate::diagnostics::line_col(text, errors[0].span.clone().unwrap().start).0,
            4
        );
        let errors = parse(
            "returns.fr.md",
            "+++\ntitle = \"A\"\ndate = 2024-05-10\n+++\n",
        )
        .unwrap_err();
        assert!(errors[0].message.contains("`fr`"), "{}", errors[0].message);
    }
}
