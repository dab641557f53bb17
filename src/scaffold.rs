//! `advocate new article "Title"` and `advocate new incident <id>`: a correct skeleton
//! with every field present and explained, so that editors fill in rather than recall.
//!
//! A skeleton is written only where no file exists yet; nothing is ever overwritten.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::content::{ARTICLES_DIR, INCIDENTS_DIR, PartialDate};
use crate::slug;

/// The path, relative to the site root, of a new article titled `title`.
pub fn article_path(title: &str, today: NaiveDate) -> PathBuf {
    let slug = slug::slugify(title);
    let slug = if slug::is_valid(&slug) {
        slug
    } else {
        // Titles in other scripts make slugs outside a-z; fall back to the date.
        format!("article-{today}")
    };
    Path::new(ARTICLES_DIR).join(format!("{slug}.md"))
}

/// The text of a new article.
pub fn article_text(title: &str, today: NaiveDate) -> String {
    format!(
        r#"+++
title = {title}
date = {today}
# updated = {today}               # the date of the last substantive change
summary = ""                      # one or two sentences for lists and feeds
authors = []                      # e.g. ["Research team"]
tags = []                         # e.g. ["repatriation", "jilin"]
incidents = []                    # ids of incident files this article reports on
# lang = "en"                     # the default language, or the one the file name gives (x.ko.md)
# translation_key = ""            # the same key on each translation of this article
draft = true                      # set to false (or delete the line) to publish
# slug = ""                       # the address; the file name when left out
# image = "static/img/photo.jpg"  # an image under static/
# image_alt = ""                  # what the image shows; required with image
# [[corrections]]                 # one table per published correction
# date = "{today}"
# note = "What was wrong, and what is right now."
+++
Write the article here, in Markdown. Link to pages of this site as readers see them,
for example [the chronology](/chronology/).
"#,
        title = toml_string(title),
    )
}

/// The text of a new incident. A date at the start of the id (`2024-04-26-tumen`) is
/// used as the incident's date; otherwise today's.
pub fn incident_text(id: &str, today: NaiveDate) -> String {
    let date = date_in_id(id).map_or_else(|| today.to_string(), |d| d.to_string());
    format!(
        r#"title = ""                       # a short factual headline
date = "{date}"                # "YYYY-MM-DD", "YYYY-MM", "YYYY" or a decade such as "1990s"
# end_date = "{date}"          # when it ended, if it lasted
kind = "repatriation"           # mass-repatriation | repatriation | arrest | policy | diplomacy | response
confidence = "single-source"    # corroborated | single-source | disputed
# people_min = 0                # the lowest number of people reported
# people_max = 0                # the highest; give both, or neither when no figure is known
places = [
  # {{ name = "Tumen", region = "Jilin", country = "China", lat = 42.97, lon = 129.84 }},
]
summary = """
What happened, in our own words. Never name a person at risk.
"""
tags = []

[[sources]]                     # one table per report; each keeps its own figure
publisher = ""
title = ""                      # the headline as published
url = "https://"
# published = "{today}"
# people = 0                    # the figure this source reports
# note = ""                     # whom the source cites
# archive_url = "https://web.archive.org/..."

# [[corrections]]
# date = "{today}"
# note = "What was wrong, and what is right now."

# [translations.ko]             # the title and summary in another of the site's languages
# title = ""
# summary = """
# The same facts as the summary above, in that language.
# """
"#
    )
}

/// The path of a new incident, or why the id cannot be used.
pub fn incident_path(id: &str) -> Result<PathBuf, String> {
    if slug::is_valid(id) {
        Ok(Path::new(INCIDENTS_DIR).join(format!("{id}.toml")))
    } else {
        Err(format!(
            "`{id}` cannot be an incident id: use a-z, 0-9 and -, such as 2024-04-26-tumen"
        ))
    }
}

fn date_in_id(id: &str) -> Option<PartialDate> {
    let parts: Vec<&str> = id.split('-').collect();
    (1..=3)
        .rev()
        .filter(|&n| n <= parts.len())
        .find_map(|n| PartialDate::parse(&parts[..n].join("-")).ok())
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// Writes `text` to `root/rel`, creating folders, refusing to replace an existing file.
pub fn create(root: &Path, rel: &Path, text: &str) -> io::Result<()> {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                io::Error::new(
                    e.kind(),
                    format!("{} already exists; nothing was changed", rel.display()),
                )
            } else {
                e
            }
        })?;
    file.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::content::{Article, Incident};
    use crate::source::SourceFile;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 5, 10).unwrap()
    }

    fn config() -> Config {
        Config::parse("title = \"t\"\nbase_url = \"https://x.example/\"\n", None).unwrap()
    }

    #[test]
    fn a_new_article_parses_as_a_draft() {
        let title = "China \"resumes\" returns";
        let path = article_path(title, today());
        assert_eq!(path, Path::new("content/articles/china-resumes-returns.md"));
        let file = SourceFile {
            path,
            text: article_text(title, today()),
        };
        let (article, _) = Article::parse(&file, Path::new("."), &config()).unwrap();
        assert_eq!(article.title, title);
        assert!(article.draft);
    }

    #[test]
    fn non_latin_titles_get_a_dated_slug() {
        assert_eq!(
            article_path("강제 송환", today()),
            Path::new("content/articles/article-2024-05-10.md")
        );
    }

    #[test]
    fn a_new_incident_takes_its_date_from_the_id_and_only_lacks_content() {
        let text = incident_text("2023-10-09-jilin", today());
        assert!(text.contains("date = \"2023-10-09\""));
        let file = SourceFile {
            path: "content/incidents/2023-10-09-jilin.toml".into(),
            text,
        };
        // The skeleton is valid TOML with the right keys; only the URL is still to fill.
        let errors = Incident::parse(&file, &config()).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].message.contains("`url`"));
    }

    #[test]
    fn invalid_ids_are_refused() {
        assert!(incident_path("Tumen April").is_err());
    }

    #[test]
    fn existing_files_are_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let rel = Path::new("content/articles/a.md");
        create(dir.path(), rel, "first").unwrap();
        assert!(create(dir.path(), rel, "second").is_err());
        assert_eq!(fs::read_to_string(dir.path().join(rel)).unwrap(), "first");
    }
}
