//! The chronology as data: incidents grouped by decade and year over the span the site
//! covers, yearly figures for the chart, places for the map, and the filters.
//!
//! Everything here is computed from the validated incidents alone; `render` turns it into
//! pages, SVG and data files. Years without a recorded incident are kept as gaps so the
//! page can say so: a gap in the record is not evidence that nothing happened.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::config::Config;
use crate::content::{Confidence, Incident, Kind, Precision};
use crate::slug;

/// One year of the chronology.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Year {
    /// The year.
    pub year: i32,
    /// Indexes (into the site's incidents) of those dated in this year, in time order.
    pub incidents: Vec<usize>,
}

/// One decade of the chronology.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decade {
    /// First year of the decade: 1990 for the 1990s.
    pub decade: i32,
    /// Incidents known only to the decade ("1990s").
    pub undated: Vec<usize>,
    /// Every year of the decade inside the span, including years without incidents.
    pub years: Vec<Year>,
}

/// Incidents grouped by decade and year, over the whole span of the chronology.
pub fn timeline(incidents: &[Arc<Incident>], selected: &[usize], config: &Config) -> Vec<Decade> {
    let (from, to) = (config.chronology.from, config.chronology.to);
    let mut decades: BTreeMap<i32, Decade> = BTreeMap::new();
    for year in from..=to {
        let decade = decade_of(year);
        decades
            .entry(decade)
            .or_insert_with(|| Decade {
                decade,
                undated: Vec::new(),
                years: Vec::new(),
            })
            .years
            .push(Year {
                year,
                incidents: Vec::new(),
            });
    }
    for &i in selected {
        let incident = &incidents[i];
        let year = incident.year();
        let Some(decade) = decades.get_mut(&decade_of(year)) else {
            continue;
        };
        if incident.date.precision() == Precision::Decade {
            decade.undated.push(i);
        } else if let Some(y) = decade.years.iter_mut().find(|y| y.year == year) {
            y.incidents.push(i);
        }
    }
    decades.into_values().collect()
}

fn decade_of(year: i32) -> i32 {
    year - year.rem_euclid(10)
}

/// Figures of one year, for the chart and its table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearFigures {
    /// The year.
    pub year: i32,
    /// Incidents dated in this year (to the year, month or day).
    pub incidents: usize,
    /// Incidents of this year that report a number of people.
    pub with_figures: usize,
    /// Sum of the lowest reported figures.
    pub people_min: u64,
    /// Sum of the highest reported figures.
    pub people_max: u64,
}

/// Yearly figures over the whole span. Incidents known only to the decade are left out:
/// they belong to no single year.
pub fn figures(incidents: &[Arc<Incident>], config: &Config) -> Vec<YearFigures> {
    let (from, to) = (config.chronology.from, config.chronology.to);
    let mut years: Vec<YearFigures> = (from..=to)
        .map(|year| YearFigures {
            year,
            incidents: 0,
            with_figures: 0,
            people_min: 0,
            people_max: 0,
        })
        .collect();
    for incident in incidents {
        if incident.date.precision() == Precision::Decade {
            continue;
        }
        let Some(y) = years.iter_mut().find(|y| y.year == incident.year()) else {
            continue;
        };
        y.incidents += 1;
        if let (Some(min), Some(max)) = (incident.people_min, incident.people_max) {
            y.with_figures += 1;
            y.people_min += min;
            y.people_max += max;
        }
    }
    years
}

/// A place named by incidents, with every incident that names it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceGroup {
    /// The place's name as first written.
    pub name: String,
    /// URL segment of its filter page.
    pub slug: String,
    /// Region and country, for the label.
    pub region: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Coordinates, from the first incident that gives them.
    pub coordinates: Option<(f64, f64)>,
    /// Indexes of the incidents naming it, in time order.
    pub incidents: Vec<usize>,
}

/// Every place named by an incident, grouped by slug of its name, sorted by name.
pub fn places(incidents: &[Arc<Incident>]) -> Vec<PlaceGroup> {
    let mut groups: BTreeMap<String, PlaceGroup> = BTreeMap::new();
    for (i, incident) in incidents.iter().enumerate() {
        for place in &incident.places {
            let slug = slug::slugify(&place.name);
            let group = groups.entry(slug.clone()).or_insert_with(|| PlaceGroup {
                name: place.name.clone(),
                slug,
                region: place.region.clone(),
                country: place.country.clone(),
                coordinates: None,
                incidents: Vec::new(),
            });
            if group.coordinates.is_none() {
                group.coordinates = place.lat.zip(place.lon);
            }
            if group.incidents.last() != Some(&i) {
                group.incidents.push(i);
            }
        }
    }
    groups.into_values().collect()
}

/// What a filter page selects.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Filter<'a> {
    /// Incidents of one kind.
    Kind(Kind),
    /// Incidents at one confidence level.
    Confidence(Confidence),
    /// Incidents naming one place.
    Place(&'a PlaceGroup),
}

impl Filter<'_> {
    /// Indexes of the incidents the filter keeps.
    pub fn select(&self, incidents: &[Arc<Incident>]) -> Vec<usize> {
        match self {
            Filter::Kind(kind) => (0..incidents.len())
                .filter(|&i| incidents[i].kind == *kind)
                .collect(),
            Filter::Confidence(c) => (0..incidents.len())
                .filter(|&i| incidents[i].confidence == *c)
                .collect(),
            Filter::Place(group) => group.incidents.clone(),
        }
    }

    /// The site path of the filter page: `/chronology/kind/arrest/`.
    pub fn site_path(&self) -> String {
        match self {
            Filter::Kind(kind) => format!("/chronology/kind/{}/", kind.as_str()),
            Filter::Confidence(c) => format!("/chronology/confidence/{}/", c.as_str()),
            Filter::Place(group) => format!("/chronology/place/{}/", group.slug),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::PartialDate;
    use crate::markdown::Rendered;

    fn config() -> Config {
        Config::parse(
            "title = \"t\"\nbase_url = \"https://x.example/\"\n[chronology]\nfrom = 1995\nto = 2004\n",
            None,
        )
        .unwrap()
    }

    fn incident(id: &str, date: &str, people: Option<(u64, u64)>) -> Arc<Incident> {
        Arc::new(Incident {
            id: id.to_owned(),
            path: format!("content/incidents/{id}.toml").into(),
            title: id.to_owned(),
            date: PartialDate::parse(date).unwrap(),
            end_date: None,
            kind: Kind::Arrest,
            confidence: Confidence::Corroborated,
            people_min: people.map(|p| p.0),
            people_max: people.map(|p| p.1),
            places: Vec::new(),
            summary_markdown: String::new(),
            summary: Rendered::default(),
            tags: Vec::new(),
            sources: Vec::new(),
            corrections: Vec::new(),
            translations: Default::default(),
        })
    }

    #[test]
    fn every_year_of_the_span_is_present_and_gaps_are_empty() {
        let incidents = vec![
            incident("a", "1990s", None),
            incident("b", "1998-03", Some((10, 20))),
            incident("c", "2001", None),
        ];
        let all: Vec<usize> = (0..incidents.len()).collect();
        let decades = timeline(&incidents, &all, &config());
        assert_eq!(decades.len(), 2);
        assert_eq!(decades[0].decade, 1990);
        assert_eq!(decades[0].undated, [0]);
        let years: Vec<i32> = decades[0].years.iter().map(|y| y.year).collect();
        assert_eq!(years, [1995, 1996, 1997, 1998, 1999]);
        assert_eq!(decades[0].years[3].incidents, [1]);
        assert!(decades[0].years[0].incidents.is_empty());
        assert_eq!(decades[1].years[1].incidents, [2]);
    }

    #[test]
    fn yearly_figures_add_ranges_and_skip_decades() {
        let incidents = vec![
            incident("a", "1990s", Some((1000, 1000))),
            incident("b", "1998-03", Some((10, 20))),
            incident("c", "1998-05-01", Some((5, 5))),
            incident("d", "1998", None),
        ];
        let years = figures(&incidents, &config());
        let y1998 = years.iter().find(|y| y.year == 1998).unwrap();
        assert_eq!((y1998.incidents, y1998.with_figures), (3, 2));
        assert_eq!((y1998.people_min, y1998.people_max), (15, 25));
        assert_eq!(years.iter().map(|y| y.people_max).sum::<u64>(), 25);
    }
}
