//! The site's content as a validated model: every [`Article`], [`Incident`] and [`Page`].
//!
//! [`load`] reads and parses every file in parallel, then runs the checks that need more
//! than one file (duplicate slugs, articles naming incidents that do not exist). It never
//! stops at the first problem: everything it finds comes back as diagnostics.

pub mod article;
pub mod date;
pub mod incident;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Deserialize;
use toml::Spanned;

pub use article::{Article, IncidentRef, Page, TranslationKey};
pub use date::{PartialDate, Precision};
pub use incident::{Confidence, Incident, Kind, Place, Source};

use crate::config::Config;
use crate::diagnostics::{Diagnostic, Sources, display_path, nearest};
use crate::slug;
use crate::source::{self, SourceFile};

/// Folder of articles, relative to the site root.
pub const ARTICLES_DIR: &str = "content/articles";
/// Folder of incident records.
pub const INCIDENTS_DIR: &str = "content/incidents";
/// Folder of standalone pages.
pub const PAGES_DIR: &str = "content/pages";

/// What a file of the site is to [`load`], by its path relative to the site root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// An article's file.
    Article,
    /// A standalone page's file.
    Page,
    /// An incident record.
    Incident,
    /// A content folder itself, or a file outside `content/`: it may change anything.
    Other,
    /// A file `load` never reads, such as an editor's swap file.
    Ignored,
}

/// What the file at `rel` is to [`load`]: the same rules as its listing of folders.
pub fn role(rel: &Path) -> Role {
    let folders = [
        (ARTICLES_DIR, "md", Role::Article),
        (PAGES_DIR, "md", Role::Page),
        (INCIDENTS_DIR, "toml", Role::Incident),
    ];
    let mut role = match rel.starts_with("content") {
        true => Role::Ignored,
        false => Role::Other,
    };
    for (dir, ext, kind) in folders {
        let dir = Path::new(dir);
        if dir.starts_with(rel) {
            // The folder itself, or one holding it: renamed or removed, perhaps.
            return Role::Other;
        }
        if rel.parent() == Some(dir) && source::is_listed(rel, ext) {
            role = kind;
        }
    }
    role
}

/// Top-level URL segments the generator uses itself; a page may not take one as its slug.
pub const RESERVED_SLUGS: &[&str] = &[
    "articles",
    "incidents",
    "chronology",
    "tags",
    "data",
    "search",
    "static",
];

/// Everything that will be published.
#[derive(Debug, Clone, Default)]
pub struct Site {
    /// Articles, newest first (ties by slug).
    pub articles: Vec<Arc<Article>>,
    /// Incidents in time order (ties by id).
    pub incidents: Vec<Arc<Incident>>,
    /// Standalone pages, by slug.
    pub pages: Vec<Arc<Page>>,
}

/// What loading found: the model, the problems, and the texts they point into.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The content; only complete when `diagnostics` holds no error.
    pub site: Site,
    /// Every problem found.
    pub diagnostics: Vec<Diagnostic>,
    /// Texts of the files read, for printing diagnostics.
    pub sources: Sources,
}

/// A dated note saying what was changed in a published record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Correction {
    /// When the correction was made.
    pub date: NaiveDate,
    /// What was wrong and what is right now.
    pub note: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCorrection {
    date: Spanned<PartialDate>,
    note: String,
}

/// A parsed item with the warnings found in it, or every problem when it is unusable.
pub type Checked<T> = Result<(T, Vec<Diagnostic>), Vec<Diagnostic>>;

/// Errors make an item unusable; warnings travel with it.
pub(crate) fn conclude<T>(diagnostics: Vec<Diagnostic>, item: impl FnOnce() -> T) -> Checked<T> {
    if diagnostics.iter().any(Diagnostic::is_error) {
        Err(diagnostics)
    } else {
        Ok((item(), diagnostics))
    }
}

/// Reads and validates all content under `root`. Drafts are dropped unless `drafts`.
pub fn load(root: &Path, config: &Config, drafts: bool) -> io::Result<Loaded> {
    load_with(root, config, drafts, &Cache::default())
}

/// Files parsed by earlier builds, so that `serve` parses again only what was saved.
///
/// An entry is the outcome of parsing one file, which depends on nothing but the file's
/// text and the configuration. The owner must [`forget`](Cache::forget) every path that
/// changed on disk and [`clear`](Cache::clear) everything when site.toml changed;
/// checks across files always run on the whole site.
#[derive(Default)]
pub struct Cache {
    articles: Entries<Article>,
    incidents: Entries<Incident>,
    pages: Entries<Page>,
}

type Entries<T> = Mutex<HashMap<PathBuf, Parsed<T>>>;

impl Cache {
    /// Records the article parsed from `rel` now, with its warnings and the text they
    /// quote, as [`load_with`] would have.
    pub(crate) fn remember_article(&self, rel: &Path, item: Arc<Article>, found: Found) {
        remember(&self.articles, rel, item, found);
    }

    /// Records the incident parsed from `rel` now, like
    /// [`remember_article`](Cache::remember_article).
    pub(crate) fn remember_incident(&self, rel: &Path, item: Arc<Incident>, found: Found) {
        remember(&self.incidents, rel, item, found);
    }

    /// Records the page parsed from `rel` now, like
    /// [`remember_article`](Cache::remember_article).
    pub(crate) fn remember_page(&self, rel: &Path, item: Arc<Page>, found: Found) {
        remember(&self.pages, rel, item, found);
    }

    /// Drops the entries of `path` (relative to the site root) and of any file under it.
    pub fn forget(&self, path: &Path) {
        fn drop_file<T>(entries: &Entries<T>, path: &Path) -> bool {
            entries
                .lock()
                .is_ok_and(|mut map| map.remove(path).is_some())
        }
        fn drop_under<T>(entries: &Entries<T>, path: &Path) {
            if let Ok(mut map) = entries.lock() {
                map.retain(|p, _| !p.starts_with(path));
            }
        }
        // Usually one file was saved; a folder (renamed, removed) needs a look at all.
        let file = drop_file(&self.articles, path)
            | drop_file(&self.incidents, path)
            | drop_file(&self.pages, path);
        if !file {
            drop_under(&self.articles, path);
            drop_under(&self.incidents, path);
            drop_under(&self.pages, path);
        }
    }

    /// Drops every entry.
    pub fn clear(&self) {
        self.forget(Path::new(""));
    }
}

/// The warnings of a good item, and the text of its file when there are some.
pub(crate) type Found = (Vec<Diagnostic>, Option<String>);

fn remember<T>(entries: &Entries<T>, rel: &Path, item: Arc<T>, (warnings, text): Found) {
    if let Ok(mut map) = entries.lock() {
        let outcome = Ok((item, warnings));
        map.insert(rel.to_owned(), Parsed { outcome, text });
    }
}

/// [`load`], reusing the files `cache` parsed before and adding those it parses now.
pub fn load_with(root: &Path, config: &Config, drafts: bool, cache: &Cache) -> io::Result<Loaded> {
    let article_paths = source::list(root, ARTICLES_DIR, "md")?;
    let incident_paths = source::list(root, INCIDENTS_DIR, "toml")?;
    let page_paths = source::list(root, PAGES_DIR, "md")?;

    let mut loaded = Loaded::default();
    let articles = parse_all(
        root,
        config,
        &article_paths,
        &cache.articles,
        &mut loaded,
        |f| Article::parse(f, root, config),
    );
    let incidents = parse_all(
        root,
        config,
        &incident_paths,
        &cache.incidents,
        &mut loaded,
        |f| Incident::parse(f, config),
    );
    let pages = parse_all(root, config, &page_paths, &cache.pages, &mut loaded, |f| {
        Page::parse(f, config)
    });

    let mut site = Site {
        articles,
        incidents,
        pages,
    };
    // An incident file that failed to parse still exists: articles naming it get no
    // second, misleading error on top of the one in the incident file itself.
    let incident_ids: HashSet<String> = incident_paths
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    check_references(&site, &incident_ids, &mut loaded.diagnostics);
    check_unique(&site, config, &mut loaded.diagnostics);
    check_translations(&site, &mut loaded.diagnostics);

    if !drafts {
        site.articles.retain(|a| !a.draft);
        site.pages.retain(|p| !p.draft);
    }
    site.articles.sort_by(|a, b| {
        b.date
            .cmp(&a.date)
            .then_with(|| a.slug.cmp(&b.slug))
            .then_with(|| a.lang.cmp(&b.lang))
    });
    site.incidents
        .sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.id.cmp(&b.id)));
    site.pages
        .sort_by(|a, b| a.slug.cmp(&b.slug).then_with(|| a.lang.cmp(&b.lang)));
    loaded.site = site;
    Ok(loaded)
}

/// What parsing one file gave: the item or its errors, and the file's text when a
/// diagnostic may quote it (keeping every text would cost memory on big sites).
struct Parsed<T> {
    outcome: Checked<Arc<T>>,
    text: Option<String>,
}

impl<T> Clone for Parsed<T> {
    fn clone(&self) -> Self {
        Parsed {
            outcome: match &self.outcome {
                Ok((item, warnings)) => Ok((Arc::clone(item), warnings.clone())),
                Err(errors) => Err(errors.clone()),
            },
            text: self.text.clone(),
        }
    }
}

/// Reads and parses, in parallel, the files `cache` does not know; keeps the good items
/// and collects every problem.
fn parse_all<T: Send + Sync>(
    root: &Path,
    config: &Config,
    paths: &[PathBuf],
    cache: &Entries<T>,
    loaded: &mut Loaded,
    parse: impl Fn(&SourceFile) -> Checked<T> + Sync,
) -> Vec<Arc<T>> {
    let known = |rel: &PathBuf| cache.lock().ok()?.get(rel).cloned();
    let results: Vec<Parsed<T>> = paths
        .par_iter()
        .map(|rel| {
            known(rel).unwrap_or_else(|| {
                let parsed = match source::read(root, rel, config.max_file_size) {
                    Ok(file) => {
                        let outcome = parse(&file).map(|(item, w)| (Arc::new(item), w));
                        let quoted = match &outcome {
                            Ok((_, warnings)) => !warnings.is_empty(),
                            Err(_) => true,
                        };
                        Parsed {
                            outcome,
                            text: quoted.then_some(file.text),
                        }
                    }
                    Err(d) => Parsed {
                        outcome: Err(vec![d]),
                        text: None,
                    },
                };
                if let Ok(mut map) = cache.lock() {
                    map.insert(rel.clone(), parsed.clone());
                }
                parsed
            })
        })
        .collect();
    let mut items = Vec::with_capacity(results.len());
    for (rel, parsed) in paths.iter().zip(results) {
        let diagnostics = match parsed.outcome {
            Ok((item, warnings)) => {
                items.push(item);
                warnings
            }
            Err(errors) => errors,
        };
        loaded.diagnostics.extend(diagnostics);
        if let Some(text) = parsed.text {
            loaded.sources.insert(rel, text);
        }
    }
    items
}

/// Articles must name incidents that exist.
fn check_references(site: &Site, ids: &HashSet<String>, diagnostics: &mut Vec<Diagnostic>) {
    for article in &site.articles {
        for reference in &article.incidents {
            if ids.contains(&reference.id) {
                continue;
            }
            let help = match nearest(&reference.id, ids.iter().map(String::as_str)) {
                Some(near) => format!(
                    "did you mean \"{near}\"? Incident ids are file names in {INCIDENTS_DIR}/"
                ),
                None => format!("incident ids are file names in {INCIDENTS_DIR}/, without .toml"),
            };
            diagnostics.push(
                Diagnostic::error(
                    &article.path,
                    format!("there is no incident `{}`", reference.id),
                )
                .at(Some(reference.span.clone()))
                .help(help),
            );
        }
    }
}

/// Two files must not claim the same URL, and pages must not take the site's own.
fn check_unique(site: &Site, config: &Config, diagnostics: &mut Vec<Diagnostic>) {
    let articles = site
        .articles
        .iter()
        .map(|a| (&a.lang, format!("/articles/{}/", a.slug), &a.path));
    let pages = site
        .pages
        .iter()
        .map(|p| (&p.lang, format!("/{}/", p.slug), &p.path));
    let mut seen: BTreeMap<(&String, String), &PathBuf> = BTreeMap::new();
    for (lang, url, path) in articles.chain(pages) {
        if let Some(first) = seen.get(&(lang, url.clone())) {
            diagnostics.push(
                Diagnostic::error(
                    path,
                    format!("the address {url} is also used by {}", display_path(first)),
                )
                .help("give one of them a different file name or `slug`"),
            );
        } else {
            seen.insert((lang, url), path);
        }
    }
    for page in &site.pages {
        let language_home = config.languages.contains(&page.slug);
        if RESERVED_SLUGS.contains(&page.slug.as_str()) || language_home {
            diagnostics.push(
                Diagnostic::error(
                    &page.path,
                    format!("the page slug `{}` is used by the site itself", page.slug),
                )
                .help("rename the file or set another `slug`"),
            );
        }
    }
}

/// A `translation_key` names one article (or page) per language: two in one language
/// would leave readers of the others not knowing which one is the translation.
fn check_translations(site: &Site, diagnostics: &mut Vec<Diagnostic>) {
    let articles = site
        .articles
        .iter()
        .map(|a| ("article", &a.lang, &a.translation_key, &a.path));
    let pages = site
        .pages
        .iter()
        .map(|p| ("page", &p.lang, &p.translation_key, &p.path));
    let mut seen: BTreeMap<(&str, &String, &str), &PathBuf> = BTreeMap::new();
    for (what, lang, key, path) in articles.chain(pages) {
        let Some(key) = key else { continue };
        match seen.get(&(what, lang, key.key.as_str())) {
            Some(first) => diagnostics.push(
                Diagnostic::error(
                    path,
                    format!(
                        "the translation_key `{}` is also used by {}, in the same language (`{lang}`)",
                        key.key,
                        display_path(first)
                    ),
                )
                .at(Some(key.span.clone()))
                .help(format!("translations share a key across languages; within one language each key names one {what}: give this one its own key")),
            ),
            None => {
                seen.insert((what, lang, key.key.as_str()), path);
            }
        }
    }
}

/// Tags as written, each checked to make a usable address.
pub(crate) fn tags(
    errors: &mut Vec<Diagnostic>,
    path: &Path,
    tags: Vec<Spanned<String>>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        if slug::slugify(tag.get_ref()).is_empty() {
            errors.push(
                Diagnostic::error(
                    path,
                    format!("the tag `{}` has no letters or digits", tag.get_ref()),
                )
                .at(Some(tag.span()))
                .help("tags are short words such as \"jilin\" or \"repatriation\""),
            );
        } else if !out.contains(tag.get_ref()) {
            out.push(tag.into_inner());
        }
    }
    out
}

pub(crate) fn corrections(
    errors: &mut Vec<Diagnostic>,
    path: &Path,
    raw: Vec<RawCorrection>,
    shift: usize,
) -> Vec<Correction> {
    let mut out = Vec::with_capacity(raw.len());
    for c in raw {
        let date = c.date.get_ref();
        if date.precision() != Precision::Day {
            errors.push(
                Diagnostic::error(
                    path,
                    format!("a correction needs the full date it was made, not `{date}`"),
                )
                .at(Some(c.date.span().start + shift..c.date.span().end + shift))
                .help("write date = \"2024-05-20\""),
            );
            continue;
        }
        out.push(Correction {
            date: date.first_day(),
            note: c.note,
        });
    }
    out.sort_by_key(|c| c.date);
    out
}

/// Checks that a URL of a source is a web address.
pub(crate) fn check_url(
    errors: &mut Vec<Diagnostic>,
    path: &Path,
    url: &Spanned<String>,
    key: &str,
) {
    let value = url.get_ref().trim();
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    let host_ok = rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !host.contains(char::is_whitespace)
    });
    if !host_ok || value.contains(char::is_whitespace) {
        errors.push(
            Diagnostic::error(
                path,
                format!("`{key}` must be a web address starting with https:// or http://"),
            )
            .at(Some(url.span()))
            .help("copy the full address from the browser's address bar"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_placed_as_the_listing_would_place_them() {
        let cases = [
            ("content/articles/x.md", Role::Article),
            ("content/pages/about.md", Role::Page),
            ("content/incidents/2023-10-tumen.toml", Role::Incident),
            // Editor leftovers and files the listing skips.
            ("content/articles/.x.md.swp", Role::Ignored),
            ("content/articles/.#x.md", Role::Ignored),
            ("content/articles/x.md~", Role::Ignored),
            ("content/articles/4913", Role::Ignored),
            ("content/articles/notes/x.md", Role::Ignored),
            ("content/pages/about.toml", Role::Ignored),
            // A content folder itself, or one holding it, may have been renamed.
            ("content/articles", Role::Other),
            ("content", Role::Other),
            ("", Role::Other),
            // Anything outside content/.
            ("templates/base.html", Role::Other),
            ("themes/default/templates/article.html", Role::Other),
        ];
        for (path, role) in cases {
            assert_eq!(super::role(Path::new(path)), role, "{path}");
        }
    }
}
