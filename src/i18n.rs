//! Interface strings of a theme, per language, and the way each language writes dates
//! and numbers.
//!
//! A theme ships `i18n/<lang>.toml`. Templates read it as `t`; the generator itself needs
//! the keys in [`REQUIRED`] (labels of kinds and confidence levels, date patterns), and a
//! missing one is an error that names the key and the language.

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

use crate::content::{Confidence, Kind, PartialDate, Precision};
use crate::diagnostics::Diagnostic;

/// Keys the generator reads itself. Templates may use any others.
pub const REQUIRED: &[&str] = &[
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
            .map(|key| {
                Diagnostic::error(
                    path,
                    format!("the interface string `{key}` is missing for language `{lang}`"),
                )
                .help(format!(
                    "add `{key}` to {}",
                    crate::diagnostics::display_path(path)
                ))
            })
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

#[cfg(test)]
mod tests {
    use super::*;

    const EN: &str = include_str!("../themes/default/i18n/en.toml");

    fn en() -> Strings {
        Strings::parse("en", Path::new("themes/default/i18n/en.toml"), EN).unwrap()
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
}
