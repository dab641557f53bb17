//! The chronology: order, grouping by decade and year, gaps, ranges and sources, the
//! chart against the data, filter pages, and the three data exports agreeing with pages.

use std::collections::BTreeSet;

use crate::support::TestSite;

fn built() -> TestSite {
    let site = TestSite::new("basic");
    site.build(&[]);
    site
}

/// Incidents appear in time order, grouped under their decade and year, each with its
/// date at its own precision, kind, places, range and confidence in words.
#[test]
fn incidents_are_grouped_in_time_order() {
    let site = built();
    let page = site.page("chronology/index.html");
    let ids = page.attrs(".chronology [data-kind]", "id");
    assert_eq!(
        ids,
        [
            "incident-1990s-famine",
            "incident-2023-10-tumen",
            "incident-2024-04-26-tumen"
        ]
    );
    let decades = page.texts(".decade > h2");
    assert_eq!(decades, ["1990s", "2000s", "2010s", "2020s"]);
    let years = page.texts(".year > h3");
    assert_eq!(years, ["2023", "2024"]);
    let entry = page.texts("#incident-2024-04-26-tumen").join(" ");
    for expected in [
        "26 April 2024",
        "Mass repatriation",
        "Tumen",
        "50–200 people",
        "Disputed",
        "Agency A",
        "200 people",
        "Agency B",
        "60 people",
    ] {
        assert!(
            entry.contains(expected),
            "entry lacks {expected:?}: {entry}"
        );
    }
    let october = page.texts("#incident-2023-10-tumen").join(" ");
    assert!(
        october.contains("October 2023") && october.contains("500–600 people"),
        "{october}"
    );
    let decade_only = page.texts("#incident-1990s-famine").join(" ");
    assert!(decade_only.contains("1990s"), "{decade_only}");
    // The confidence label is explained in words, not only named.
    assert!(
        page.text().contains("Sources disagree on a core fact"),
        "no explanation of confidence"
    );
}

/// Years of the span without any incident are marked as gaps, not silently skipped.
#[test]
fn empty_years_are_marked_as_gaps() {
    let site = built();
    let page = site.page("chronology/index.html");
    let gaps = page.texts(".gap");
    // 1990–1999 hold only a decade-dated incident; 2000–2022 hold nothing at all.
    assert!(
        gaps.iter()
            .any(|g| g.contains("1990") && g.contains("1999")),
        "{gaps:?}"
    );
    assert!(
        gaps.iter()
            .any(|g| g.contains("2000") && g.contains("2009")),
        "{gaps:?}"
    );
    assert!(
        gaps.iter()
            .any(|g| g.contains("2020") && g.contains("2022")),
        "{gaps:?}"
    );
    assert!(!gaps.iter().any(|g| g.contains("2023")), "{gaps:?}");
}

/// The chart's bars are the yearly figures: one range per year with figures, labelled
/// with that year's range, and the accessible table gives the same numbers.
#[test]
fn chart_bars_match_the_data() {
    let site = built();
    let page = site.page("chronology/index.html");
    let ranges = page.texts("svg.chart rect.chart-range title");
    assert_eq!(ranges, ["2023: 500–600 people", "2024: 50–200 people"]);
    let counts = page.texts("svg.chart rect.chart-count title");
    assert_eq!(counts, ["2023: 1", "2024: 1"]);
    let table = page.texts("table.chart-data tbody tr");
    assert_eq!(table.len(), 2, "{table:?}");
    assert!(
        table[1].contains("2024") && table[1].contains("50–200 people"),
        "{table:?}"
    );
}

/// The map marks Tumen, linked to the page of its incidents.
#[test]
fn map_links_places_to_their_incidents() {
    let site = built();
    let page = site.page("chronology/index.html");
    let links = page.attrs("svg.map a", "href");
    assert_eq!(links, ["/chronology/place/tumen/"]);
    // The link, not the circle, carries the name: screen readers announce links.
    assert_eq!(page.texts("svg.map a > title"), ["Tumen: 2 incidents"]);
}

/// Filter pages exist per kind, confidence and place, and hold exactly the matching
/// incidents.
#[test]
fn filter_pages_hold_exactly_the_matching_incidents() {
    let site = built();
    let cases = [
        (
            "chronology/kind/mass-repatriation/index.html",
            vec!["incident-2023-10-tumen", "incident-2024-04-26-tumen"],
        ),
        (
            "chronology/kind/arrest/index.html",
            vec!["incident-1990s-famine"],
        ),
        (
            "chronology/confidence/disputed/index.html",
            vec!["incident-2024-04-26-tumen"],
        ),
        (
            "chronology/place/tumen/index.html",
            vec!["incident-2023-10-tumen", "incident-2024-04-26-tumen"],
        ),
    ];
    for (file, expected) in cases {
        let page = site.page(file);
        assert_eq!(
            page.attrs(".chronology [data-kind]", "id"),
            expected,
            "{file}"
        );
    }
    assert!(
        !site.exists("chronology/kind/policy/index.html"),
        "no page for a kind without incidents"
    );
    // Every filter link on the main page leads to a page that exists.
    let main = site.page("chronology/index.html");
    let filters: Vec<String> = main
        .links()
        .into_iter()
        .filter(|l| l.starts_with("/chronology/"))
        .collect();
    assert!(filters.len() >= 6, "{filters:?}");
    for link in filters {
        assert!(
            site.exists(&format!("{}index.html", link.trim_start_matches('/'))),
            "{link}"
        );
    }
}

/// The three exports parse and agree with each other and with the pages.
#[test]
fn exports_parse_and_agree_with_the_pages() {
    let site = built();
    let json: serde_json::Value = serde_json::from_str(&site.read("data/incidents.json")).unwrap();
    let list = json.as_array().unwrap();
    let ids: Vec<&str> = list.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["1990s-famine", "2023-10-tumen", "2024-04-26-tumen"]);
    let april = &list[2];
    assert_eq!(april["date"], "2024-04-26");
    assert_eq!(april["date_precision"], "day");
    assert_eq!(
        (april["people_min"].as_u64(), april["people_max"].as_u64()),
        (Some(50), Some(200))
    );
    assert_eq!(
        april["url"],
        "https://ngo.example/incidents/2024-04-26-tumen/"
    );
    let figures: Vec<_> = april["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["people"].as_u64())
        .collect();
    assert_eq!(figures, [Some(200), Some(60)]);
    assert_eq!(april["sources"][0]["publisher"], "Agency A");
    assert_eq!(list[0]["date_start"], "1990-01-01");
    assert_eq!(list[0]["date_end"], "1999-12-31");

    let csv_text = site.read("data/incidents.csv");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    assert_eq!(&rows[2][column("id")], "2024-04-26-tumen");
    assert_eq!(&rows[2][column("people_min")], "50");
    assert_eq!(&rows[2][column("source_people")], "200 | 60");
    assert_eq!(&rows[0][column("people_max")], "");

    let geo: serde_json::Value =
        serde_json::from_str(&site.read("data/incidents.geojson")).unwrap();
    assert_eq!(geo["type"], "FeatureCollection");
    let features = geo["features"].as_array().unwrap();
    // Only the April incident gives coordinates.
    assert_eq!(features.len(), 1);
    assert_eq!(
        features[0]["geometry"]["coordinates"],
        serde_json::json!([129.84, 42.97])
    );
    assert_eq!(features[0]["properties"]["id"], "2024-04-26-tumen");

    // Every exported incident has its page, and the chronology links the exports.
    let pages: BTreeSet<String> = site.output_files().into_iter().collect();
    for id in ids {
        assert!(pages.contains(&format!("incidents/{id}/index.html")));
    }
    let links = site.page("chronology/index.html").links();
    for export in [
        "/data/incidents.json",
        "/data/incidents.csv",
        "/data/incidents.geojson",
    ] {
        assert!(links.contains(&export.to_owned()), "{links:?}");
    }
}

/// Every kind and every precision is shown with its own label and date form, in order.
#[test]
fn every_kind_and_precision_is_labelled() {
    let site = TestSite::new("basic");
    let extra = [
        ("1998-protocol", "1998", "policy", "Policy"),
        (
            "2012-02-08-returned",
            "2012-02-08",
            "repatriation",
            "Repatriation",
        ),
        (
            "2014-02-inquiry",
            "2014-02",
            "response",
            "International response",
        ),
        ("2024-04-11-visit", "2024-04-11", "diplomacy", "Diplomacy"),
    ];
    for (id, date, kind, _) in extra {
        site.write(
            &format!("content/incidents/{id}.toml"),
            &format!("title = \"{id}\"\ndate = \"{date}\"\nkind = \"{kind}\"\nconfidence = \"single-source\"\nsummary = \"S\"\n[[sources]]\npublisher = \"P\"\ntitle = \"T\"\nurl = \"https://p.example/{id}\"\n"),
        );
    }
    site.build(&[]);
    let page = site.page("chronology/index.html");
    let ids = page.attrs(".chronology [data-kind]", "id");
    assert_eq!(
        ids,
        [
            "incident-1990s-famine",
            "incident-1998-protocol",
            "incident-2012-02-08-returned",
            "incident-2014-02-inquiry",
            "incident-2023-10-tumen",
            "incident-2024-04-11-visit",
            "incident-2024-04-26-tumen",
        ]
    );
    for (id, _, kind, label) in extra {
        let entry = page.texts(&format!("#incident-{id}")).join(" ");
        assert!(entry.contains(label), "{id} lacks {label}: {entry}");
        assert_eq!(page.attrs(&format!("#incident-{id}"), "data-kind"), [kind]);
    }
    for (id, date_text) in [
        ("1998-protocol", "1998"),
        ("2012-02-08-returned", "8 February 2012"),
        ("2014-02-inquiry", "February 2014"),
    ] {
        let entry = page.texts(&format!("#incident-{id}")).join(" ");
        assert!(entry.contains(date_text), "{id}: {entry}");
    }
    for (kind, _) in [
        ("policy", 0),
        ("repatriation", 0),
        ("response", 0),
        ("diplomacy", 0),
    ] {
        assert!(
            site.exists(&format!("chronology/kind/{kind}/index.html")),
            "{kind}"
        );
    }
}
