//! Interface strings of a theme, per language, and the way each language writes dates
//! and numbers.
//!
//! A theme ships `i18n/<lang>.toml`. Templates read it as `t`; the generator itself needs
//! the keys in [`REQUIRED`] (labels of kinds and confidence levels, date patterns), and a
//! missing one is an error that names the key and the language. Every other language
//! must have every key of the default language's file ([`Strings::missing_keys`]), so a
//! translation that falls behind the theme fails the build instead of a page.

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

use crate::content::{Confidence, Kind, PartialDate, Precision};
use crate::diagnostics::Diagnostic;

/// Keys the generator reads itself. Templates may use any others.
pub const REQUIRED: &[&str] = &[
    "language_name",
    "months",
    "date.day",
    "date.month",
    "date.year",
    "date.decade",
    "people.range",
    "people.exact",
    "people.one",
    "number.thousands",
    "articles_title",
    "chronology_title",
    "tags_title",
    "tag_title",
    "not_found_title",
    "chart.title",
    "chart.people_axis",
    "chart.incidents_axis",
    "map.title",
    "map.place_incidents",
    "map.place_incidents_one",
    "search.title",
    "search.kind_article",
    "search.kind_incident",
    "search.kind_page",
];

/// One language's interface strings.
#[derive(Debug, Clone)]
pub struct Strings {
    /// The language code.
    pub lang: String,
    /// The file they came from, relative to the site root.
    pub path: PathBuf,
    table: toml::Table,
}

impl Strings {
    /// Parses an i18n file and checks that the generator's own keys are there.
    pub fn parse(lang: &str, path: &Path, text: &str) -> Result<Strings, Vec<Diagnostic>> {
        let table: toml::Table = crate::toml_de::parse(text, path, 0).map_err(|d| vec![d])?;
        let strings = Strings {
            lang: lang.to_owned(),
            path: path.to_owned(),
            table,
        };
        let mut required: Vec<String> = REQUIRED.iter().map(|k| (*k).to_owned()).collect();
        required.extend(Kind::ALL.iter().map(|k| format!("kind.{}", k.as_str())));
        for c in Confidence::ALL {
            required.push(format!("confidence.{}", c.as_str()));
            required.push(format!("confidence_explained.{}", c.as_str()));
        }
        let missing: Vec<Diagnostic> = required
            .iter()
            .filter(|key| strings.lookup(key).is_none())
            .map(|key| strings.missing(key, None))
            .collect();
        if strings.months().len() != 12 {
            return Err(vec![Diagnostic::error(
                path,
                "`months` must list the 12 month names",
            )]);
        }
        if missing.is_empty() {
            Ok(strings)
        } else {
            Err(missing)
        }
    }

    /// Every key of `reference` (the default language's strings) that this language
    /// lacks, as errors naming the key and the language.
    pub fn missing_keys(&self, reference: &Strings) -> Vec<Diagnostic> {
        let mut keys = Vec::new();
        leaf_keys(&reference.table, "", &mut keys);
        keys.iter()
            .filter(|key| self.lookup(key).is_none())
            .map(|key| self.missing(key, Some(reference)))
            .collect()
    }

    fn missing(&self, key: &str, reference: Option<&Strings>) -> Diagnostic {
        let file = crate::diagnostics::display_path(&self.path);
        let help = match reference {
            Some(r) => format!(
                "add `{key}` to {file}, translating it from {}",
                crate::diagnostics::display_path(&r.path)
            ),
            None => format!("add `{key}` to {file}"),
        };
        Diagnostic::error(
            &self.path,
            format!(
                "the interface string `{key}` is missing for language `{}`",
                self.lang
            ),
        )
        .help(help)
    }

    /// The whole table, for templates.
    pub fn table(&self) -> &toml::Table {
        &self.table
    }

    fn lookup(&self, dotted: &str) -> Option<&toml::Value> {
        let mut parts = dotted.split('.');
        let mut value = self.table.get(parts.next()?)?;
        for part in parts {
            value = value.as_table()?.get(part)?;
        }
        Some(value)
    }

    /// A string by dotted key; empty when missing, which [`Strings::parse`] rules out for
    /// the [`REQUIRED`] keys.
    pub fn get(&self, dotted: &str) -> &str {
        self.lookup(dotted)
            .and_then(toml::Value::as_str)
            .unwrap_or("")
    }

    fn months(&self) -> Vec<&str> {
        self.lookup("months")
            .and_then(toml::Value::as_array)
            .map(|a| a.iter().filter_map(toml::Value::as_str).collect())
            .unwrap_or_default()
    }

    /// A date as this language writes it, at its own precision: "26 April 2024",
    /// "October 2023", "1998", "1990s".
    pub fn date(&self, date: &PartialDate) -> String {
        let d = date.first_day();
        let pattern = match date.precision() {
            Precision::Day => "date.day",
            Precision::Month => "date.month",
            Precision::Year => "date.year",
            Precision::Decade => "date.decade",
        };
        self.fill_date(self.get(pattern), d)
    }

    /// A full date as this language writes it.
    pub fn full_date(&self, date: NaiveDate) -> String {
        self.fill_date(self.get("date.day"), date)
    }

    fn fill_date(&self, pattern: &str, d: NaiveDate) -> String {
        let months = self.months();
        let month_name = months.get(d.month0() as usize).copied().unwrap_or("");
        pattern
            .replace("{day}", &d.day().to_string())
            .replace("{month_number}", &d.month().to_string())
            .replace("{month}", month_name)
            .replace("{year}", &d.year().to_string())
    }

    /// A whole number with this language's thousands separator: 1,000.
    pub fn number(&self, n: u64) -> String {
        let sep = self.get("number.thousands");
        let digits = n.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push_str(sep);
            }
            out.push(c);
        }
        out
    }

    /// The reported number of people: "50–200 people", "600 people", "1 person".
    pub fn people(&self, min: u64, max: u64) -> String {
        if min == max {
            if min == 1 {
                return self.get("people.one").to_owned();
            }
            return self.get("people.exact").replace("{n}", &self.number(min));
        }
        self.get("people.range")
            .replace("{min}", &self.number(min))
            .replace("{max}", &self.number(max))
    }

    /// The label of an incident kind.
    pub fn kind(&self, kind: Kind) -> &str {
        self.get(&format!("kind.{}", kind.as_str()))
    }

    /// The label of a confidence level.
    pub fn confidence(&self, confidence: Confidence) -> &str {
        self.get(&format!("confidence.{}", confidence.as_str()))
    }

    /// One sentence saying what a confidence level means.
    pub fn confidence_explained(&self, confidence: Confidence) -> &str {
        self.get(&format!("confidence_explained.{}", confidence.as_str()))
    }
}

/// The dotted keys of every value that is not a table: `date.day`, `months`.
fn leaf_keys(table: &toml::Table, prefix: &str, out: &mut Vec<String>) {
    for (key, value) in table {
        let dotted = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(inner) => leaf_keys(inner, &dotted, out),
            _ => out.push(dotted),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EN: &str = include_str!("../themes/default/i18n/en.toml");

    const KO: &str = include_str!("../themes/default/i18n/ko.toml");

    fn en() -> Strings {
        Strings::parse("en", Path::new("themes/default/i18n/en.toml"), EN).unwrap()
    }

    fn ko() -> Strings {
        Strings::parse("ko", Path::new("themes/default/i18n/ko.toml"), KO).unwrap()
    }

    #[test]
    fn dates_follow_their_precision() {
        let en = en();
        let date = |t: &str| en.date(&PartialDate::parse(t).unwrap());
        assert_eq!(date("2024-04-26"), "26 April 2024");
        assert_eq!(date("2023-10"), "October 2023");
        assert_eq!(date("1998"), "1998");
        assert_eq!(date("1990s"), "1990s");
    }

    #[test]
    fn people_ranges_read_naturally() {
        let en = en();
        assert_eq!(en.people(50, 200), "50–200 people");
        assert_eq!(en.people(600, 600), "600 people");
        assert_eq!(en.people(1, 1), "1 person");
        assert_eq!(en.people(1000, 2600), "1,000–2,600 people");
    }

    #[test]
    fn a_missing_key_names_the_key_and_language() {
        let text = EN.replace("decade = ", "decadeX = ");
        let errors = Strings::parse("en", Path::new("en.toml"), &text).unwrap_err();
        assert_eq!(
            errors[0].message,
            "the interface string `date.decade` is missing for language `en`"
        );
    }

    #[test]
    fn korean_dates_follow_their_precision() {
        let ko = ko();
        let date = |t: &str| ko.date(&PartialDate::parse(t).unwrap());
        assert_eq!(date("2024-04-26"), "2024년 4월 26일");
        assert_eq!(date("2023-10"), "2023년 10월");
        assert_eq!(date("2024"), "2024년");
        assert_eq!(date("1990s"), "1990년대");
        let day = chrono::NaiveDate::from_ymd_opt(2002, 3, 14).unwrap();
        assert_eq!(ko.full_date(day), "2002년 3월 14일");
    }

    #[test]
    fn korean_people_counts_use_the_counter_myeong() {
        let ko = ko();
        assert_eq!(ko.people(50, 200), "50~200명");
        assert_eq!(ko.people(600, 600), "600명");
        assert_eq!(ko.people(1, 1), "1명");
        assert_eq!(ko.people(1000, 2600), "1,000~2,600명");
        assert_eq!(ko.number(1_234_567), "1,234,567");
    }

    #[test]
    fn the_korean_file_has_every_key_of_the_english_one() {
        assert!(ko().missing_keys(&en()).is_empty());
    }

    #[test]
    fn a_key_missing_from_a_translation_names_the_key_and_language() {
        let text = KO.replace("all_tags = ", "all_tagz = ");
        let ko = Strings::parse("ko", Path::new("ko.toml"), &text).unwrap();
        let errors = ko.missing_keys(&en());
        let messages: Vec<_> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            ["the interface string `all_tags` is missing for language `ko`"]
        );
        assert_eq!(errors[0].path, Path::new("ko.toml"));
        // A nested key is named with its table.
        let text = KO.replace("show_all = ", "# show_all = ");
        let ko = Strings::parse("ko", Path::new("ko.toml"), &text).unwrap();
        assert!(
            ko.missing_keys(&en())[0]
                .message
                .contains("`chronology.show_all`")
        );
    }
}
