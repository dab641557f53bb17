//! Data exports for people who reuse the record: `/data/incidents.json`,
//! `/data/incidents.csv` and `/data/incidents.geojson` (schemas in docs/data.md).
//!
//! The JSON export uses the incident record's own field names, so a researcher who has
//! read docs/content.md can read the data, plus derived fields (`url`, the first and last
//! day of the date's period). Figures are never merged: each source keeps its own.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;
use std::sync::Arc;

use super::{Content, OutputFile};
use crate::config::Config;
use crate::content::{Incident, Place, Source};
use crate::markdown::plain_text;

#[derive(Serialize)]
struct ExportSource<'a> {
    publisher: &'a str,
    title: &'a str,
    url: &'a str,
    published: Option<String>,
    people: Option<u64>,
    note: Option<&'a str>,
    archive_url: Option<&'a str>,
}

#[derive(Serialize)]
struct ExportCorrection {
    date: String,
    note: String,
}

#[derive(Serialize)]
struct ExportTranslation<'a> {
    title: &'a str,
    summary: &'a str,
}

#[derive(Serialize)]
struct ExportIncident<'a> {
    id: &'a str,
    url: String,
    title: &'a str,
    date: String,
    date_precision: &'static str,
    date_start: String,
    date_end: String,
    end_date: Option<String>,
    kind: &'static str,
    confidence: &'static str,
    people_min: Option<u64>,
    people_max: Option<u64>,
    places: &'a [Place],
    summary: &'a str,
    tags: &'a [String],
    sources: Vec<ExportSource<'a>>,
    corrections: Vec<ExportCorrection>,
    translations: BTreeMap<&'a str, ExportTranslation<'a>>,
}

fn precision(incident: &Incident) -> &'static str {
    use crate::content::Precision::*;
    match incident.date.precision() {
        Day => "day",
        Month => "month",
        Year => "year",
        Decade => "decade",
    }
}

fn export<'a>(incident: &'a Incident, config: &Config) -> ExportIncident<'a> {
    let end = incident.end_date.unwrap_or(incident.date);
    ExportIncident {
        id: &incident.id,
        url: config.absolute_url(&format!("/incidents/{}/", incident.id)),
        title: &incident.title,
        date: incident.date.to_string(),
        date_precision: precision(incident),
        date_start: incident.date.first_day().to_string(),
        date_end: end.last_day().to_string(),
        end_date: incident.end_date.map(|d| d.to_string()),
        kind: incident.kind.as_str(),
        confidence: incident.confidence.as_str(),
        people_min: incident.people_min,
        people_max: incident.people_max,
        places: &incident.places,
        summary: &incident.summary_markdown,
        tags: &incident.tags,
        sources: incident.sources.iter().map(source).collect(),
        corrections: incident
            .corrections
            .iter()
            .map(|c| ExportCorrection {
                date: c.date.to_string(),
                note: c.note.clone(),
            })
            .collect(),
        translations: incident
            .translations
            .iter()
            .map(|(lang, t)| {
                let text = ExportTranslation {
                    title: &t.title,
                    summary: &t.summary_markdown,
                };
                (lang.as_str(), text)
            })
            .collect(),
    }
}

fn source(s: &Source) -> ExportSource<'_> {
    ExportSource {
        publisher: &s.publisher,
        title: &s.title,
        url: &s.url,
        published: s.published.map(|d| d.to_string()),
        people: s.people,
        note: s.note.as_deref(),
        archive_url: s.archive_url.as_deref(),
    }
}

/// The three export files.
pub(super) fn files(incidents: &[Arc<Incident>], config: &Config) -> Vec<OutputFile> {
    vec![
        json_file(incidents, config),
        csv_file(incidents, config),
        geojson_file(incidents, config),
    ]
}

fn bytes(path: &str, bytes: Vec<u8>) -> OutputFile {
    OutputFile {
        path: path.to_owned(),
        content: Content::Bytes(bytes),
    }
}

fn json_file(incidents: &[Arc<Incident>], config: &Config) -> OutputFile {
    let list: Vec<ExportIncident<'_>> = incidents.iter().map(|i| export(i, config)).collect();
    let mut text = serde_json::to_vec_pretty(&list).unwrap_or_default();
    text.push(b'\n');
    bytes("data/incidents.json", text)
}

/// Columns of the CSV export, one row per incident.
const CSV_COLUMNS: &[&str] = &[
    "id",
    "url",
    "title",
    "date",
    "date_precision",
    "date_start",
    "date_end",
    "kind",
    "confidence",
    "people_min",
    "people_max",
    "places",
    "summary",
    "tags",
    "source_count",
    "source_publishers",
    "source_urls",
    "source_people",
];

fn csv_file(incidents: &[Arc<Incident>], config: &Config) -> OutputFile {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(CSV_COLUMNS);
    let opt = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
    for incident in incidents {
        let e = export(incident, config);
        let join = |f: &dyn Fn(&Source) -> String| {
            incident
                .sources
                .iter()
                .map(f)
                .collect::<Vec<_>>()
                .join(" | ")
        };
        let record = [
            e.id.to_owned(),
            e.url,
            e.title.to_owned(),
            e.date,
            e.date_precision.to_owned(),
            e.date_start,
            e.date_end,
            e.kind.to_owned(),
            e.confidence.to_owned(),
            opt(e.people_min),
            opt(e.people_max),
            incident
                .places
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            plain_text(&incident.summary_markdown),
            incident.tags.join("; "),
            incident.sources.len().to_string(),
            join(&|s| s.publisher.clone()),
            join(&|s| s.url.clone()),
            join(&|s| opt(s.people)),
        ];
        let _ = writer.write_record(&record);
    }
    bytes(
        "data/incidents.csv",
        writer.into_inner().unwrap_or_default(),
    )
}

fn geojson_file(incidents: &[Arc<Incident>], config: &Config) -> OutputFile {
    let mut features = Vec::new();
    for incident in incidents {
        for place in &incident.places {
            let (Some(lat), Some(lon)) = (place.lat, place.lon) else {
                continue;
            };
            features.push(json!({
                "type": "Feature",
                "geometry": { "type": "Point", "coordinates": [lon, lat] },
                "properties": {
                    "id": incident.id,
                    "url": config.absolute_url(&format!("/incidents/{}/", incident.id)),
                    "title": incident.title,
                    "date": incident.date.to_string(),
                    "date_precision": precision(incident),
                    "kind": incident.kind.as_str(),
                    "confidence": incident.confidence.as_str(),
                    "people_min": incident.people_min,
                    "people_max": incident.people_max,
                    "place": place.name,
                    "region": place.region,
                    "country": place.country,
                },
            }));
        }
    }
    let collection = json!({ "type": "FeatureCollection", "features": features });
    let mut text = serde_json::to_vec_pretty(&collection).unwrap_or_default();
    text.push(b'\n');
    bytes("data/incidents.geojson", text)
}
