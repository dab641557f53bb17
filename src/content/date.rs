//! Dates as the record knows them: to the day, the month, the year or only the decade.
//!
//! An incident reported as "October 2023" must not turn into 1 October 2023 on the page,
//! so a [`PartialDate`] keeps its precision next to its value. Articles use the same type
//! but require a full date.

use std::cmp::Ordering;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// How much of a date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// "1990s"
    Decade,
    /// "1998"
    Year,
    /// "2023-10"
    Month,
    /// "2024-04-26"
    Day,
}

/// A date known to a given precision. Orders by its first day, then coarser first, so
/// "2023" sorts before "2023-01" and "2023-01-01".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartialDate {
    first_day: NaiveDate,
    precision: Precision,
}

/// The accepted forms, for error messages.
pub const DATE_FORMS: &str = "\"YYYY-MM-DD\" (2024-04-26), \"YYYY-MM\" (2023-10), \"YYYY\" (1998) or a decade such as \"1990s\"";

impl PartialDate {
    /// A date known to the day.
    pub fn day(date: NaiveDate) -> Self {
        PartialDate {
            first_day: date,
            precision: Precision::Day,
        }
    }

    /// The decade starting in `year` (a multiple of ten).
    pub fn decade(year: i32) -> Option<Self> {
        Some(PartialDate {
            first_day: NaiveDate::from_ymd_opt(year - year.rem_euclid(10), 1, 1)?,
            precision: Precision::Decade,
        })
    }

    /// Parses one of the accepted forms: `2024-04-26`, `2023-10`, `1998`, `1990s`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bad = || format!("`{text}` is not a date; write {DATE_FORMS}");
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let parts: Vec<&str> = text.split('-').collect();
        let (first_day, precision) = match parts.as_slice() {
            [decade] if decade.len() == 5 && decade.ends_with('s') => {
                let year = &decade[..4];
                if !digits(year) || !year.ends_with('0') {
                    return Err(bad());
                }
                (
                    ymd(year.parse().map_err(|_| bad())?, 1, 1)?,
                    Precision::Decade,
                )
            }
            [year] if year.len() == 4 && digits(year) => (
                ymd(year.parse().map_err(|_| bad())?, 1, 1)?,
                Precision::Year,
            ),
            [year, month]
                if year.len() == 4 && month.len() == 2 && digits(year) && digits(month) =>
            {
                let (y, m) = (
                    year.parse().map_err(|_| bad())?,
                    month.parse().map_err(|_| bad())?,
                );
                (ymd(y, m, 1)?, Precision::Month)
            }
            [year, month, day]
                if year.len() == 4
                    && month.len() == 2
                    && day.len() == 2
                    && digits(year)
                    && digits(month)
                    && digits(day) =>
            {
                let y = year.parse().map_err(|_| bad())?;
                let m = month.parse().map_err(|_| bad())?;
                let d = day.parse().map_err(|_| bad())?;
                (ymd(y, m, d)?, Precision::Day)
            }
            _ => return Err(bad()),
        };
        Ok(PartialDate {
            first_day,
            precision,
        })
    }

    /// How much of the date is known.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// The first day of the period the date names.
    pub fn first_day(&self) -> NaiveDate {
        self.first_day
    }

    /// The last day of the period the date names.
    pub fn last_day(&self) -> NaiveDate {
        let d = self.first_day;
        let end = match self.precision {
            Precision::Day => return d,
            Precision::Month => next_month(d.year(), d.month()),
            Precision::Year => NaiveDate::from_ymd_opt(d.year() + 1, 1, 1),
            Precision::Decade => NaiveDate::from_ymd_opt(d.year() + 10, 1, 1),
        };
        end.and_then(|e| e.pred_opt()).unwrap_or(d)
    }

    /// The year the period starts in.
    pub fn year(&self) -> i32 {
        self.first_day.year()
    }

    /// Month number (1–12) when known.
    pub fn month(&self) -> Option<u32> {
        (self.precision >= Precision::Month).then(|| self.first_day.month())
    }

    /// Day of the month when known.
    pub fn day_of_month(&self) -> Option<u32> {
        (self.precision == Precision::Day).then(|| self.first_day.day())
    }

    /// The value for an HTML `<time datetime>` attribute; none for a decade, which HTML
    /// has no form for.
    pub fn machine(&self) -> Option<String> {
        (self.precision != Precision::Decade).then(|| self.to_string())
    }
}

fn ymd(year: i32, month: u32, day: u32) -> Result<NaiveDate, String> {
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
        if !(1..=12).contains(&month) {
            format!("month {month} does not exist; months run from 01 to 12")
        } else {
            format!("{year}-{month:02} has no day {day}")
        }
    })
}

fn next_month(year: i32, month: u32) -> Option<NaiveDate> {
    if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
}

impl fmt::Display for PartialDate {
    /// The canonical written form, the same one the record accepts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.first_day;
        match self.precision {
            Precision::Decade => write!(f, "{}s", d.year()),
            Precision::Year => write!(f, "{:04}", d.year()),
            Precision::Month => write!(f, "{:04}-{:02}", d.year(), d.month()),
            Precision::Day => write!(f, "{}", d.format("%Y-%m-%d")),
        }
    }
}

impl Ord for PartialDate {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.first_day, self.precision).cmp(&(other.first_day, other.precision))
    }
}

impl PartialOrd for PartialDate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Serialize for PartialDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    /// Accepts a quoted string in any of the forms, or a bare TOML date (`2024-05-10`).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DateVisitor;

        impl<'de> Visitor<'de> for DateVisitor {
            type Value = PartialDate;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a date: {DATE_FORMS}")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<PartialDate, E> {
                PartialDate::parse(text).map_err(E::custom)
            }

            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<PartialDate, M::Error> {
                // A bare TOML date reaches serde as a one-entry map holding its text.
                let Some((_, text)) = map.next_entry::<String, String>()? else {
                    return Err(de::Error::custom(format!("expected {DATE_FORMS}")));
                };
                if text.len() > 10 {
                    return Err(de::Error::custom(format!(
                        "`{text}` has a time; write only the date, as 2024-04-26"
                    )));
                }
                PartialDate::parse(&text).map_err(de::Error::custom)
            }
        }

        deserializer.deserialize_any(DateVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_form_keeps_its_precision() {
        for (text, precision) in [
            ("1990s", Precision::Decade),
            ("1998", Precision::Year),
            ("2023-10", Precision::Month),
            ("2024-04-26", Precision::Day),
        ] {
            let date = PartialDate::parse(text).unwrap();
            assert_eq!(date.precision(), precision);
            assert_eq!(date.to_string(), text);
        }
    }

    #[test]
    fn impossible_dates_are_refused_with_a_reason() {
        assert_eq!(
            PartialDate::parse("2024-02-30").unwrap_err(),
            "2024-02 has no day 30"
        );
        assert!(
            PartialDate::parse("2024-13")
                .unwrap_err()
                .contains("month 13")
        );
        assert!(PartialDate::parse("1995s").is_err());
        assert!(PartialDate::parse("April 2024").is_err());
        assert!(PartialDate::parse("2024-4-26").is_err());
    }

    #[test]
    fn periods_span_their_whole_length() {
        let decade = PartialDate::parse("1990s").unwrap();
        assert_eq!(decade.last_day().to_string(), "1999-12-31");
        let month = PartialDate::parse("2024-02").unwrap();
        assert_eq!(month.last_day().to_string(), "2024-02-29");
    }

    #[test]
    fn coarser_dates_sort_first_within_their_period() {
        let mut dates: Vec<_> = ["2023-01-01", "2023", "1990s", "2023-01"]
            .iter()
            .map(|t| PartialDate::parse(t).unwrap())
            .collect();
        dates.sort();
        let texts: Vec<_> = dates.iter().map(ToString::to_string).collect();
        assert_eq!(texts, ["1990s", "2023", "2023-01", "2023-01-01"]);
    }

    #[test]
    fn bare_toml_dates_and_strings_both_deserialize() {
        #[derive(Deserialize)]
        struct T {
            a: PartialDate,
            b: PartialDate,
        }
        let t: T = toml::from_str("a = 2024-05-10\nb = \"2023-10\"").unwrap();
        assert_eq!(t.a.to_string(), "2024-05-10");
        assert_eq!(t.b.to_string(), "2023-10");
        let err = toml::from_str::<T>("a = 2024-05-10\nb = \"2024-02-30\"")
            .err()
            .unwrap();
        assert!(err.message().contains("has no day 30"));
        assert!(err.span().is_some());
    }
}
