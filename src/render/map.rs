//! The chronology's map, drawn at build time as inline SVG from outline data shipped in
//! the theme (`map/border-region.geojson`): no tiles, no script, no request.
//!
//! The projection is equirectangular with longitude scaled by the cosine of the middle
//! latitude, which is accurate enough for a region a few hundred kilometres across. Each
//! place with coordinates inside the outline's extent is a circle whose area grows with
//! the number of incidents naming it, linked to its filter page; places outside the
//! extent are listed beside the map instead.
//!
//! For assistive technology the map is a labelled group (not an image, since it holds
//! links) and each place is a link named "Tumen: 3 incidents" by its `<title>`; the same
//! places and counts are the chronology's place filter links, which are large enough to
//! tap where the circles are not.

use std::fmt::Write as _;

use serde_json::Value;

use super::chart::esc;
use crate::chronology::PlaceGroup;
use crate::i18n::Strings;

const WIDTH: f64 = 720.0;
const PAD: f64 = 8.0;
/// Approximate width of one character of a place name at the map's label size.
const LABEL_CHAR_WIDTH: f64 = 6.2;

fn overlaps(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

/// Country outlines in longitude and latitude.
#[derive(Debug, Clone, PartialEq)]
pub struct Outline {
    countries: Vec<Country>,
    west: f64,
    east: f64,
    south: f64,
    north: f64,
}

#[derive(Debug, Clone, PartialEq)]
struct Country {
    code: String,
    rings: Vec<Vec<(f64, f64)>>,
}

impl Outline {
    /// Reads a GeoJSON FeatureCollection of Polygon or MultiPolygon features with an
    /// `iso_a3` property.
    pub fn parse(text: &str) -> Result<Outline, String> {
        let json: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        let features = json["features"]
            .as_array()
            .ok_or("expected a GeoJSON FeatureCollection with `features`")?;
        let mut countries = Vec::new();
        for feature in features {
            let code = feature["properties"]["iso_a3"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            let geometry = &feature["geometry"];
            let polygons: Vec<&Value> = match geometry["type"].as_str() {
                Some("Polygon") => vec![&geometry["coordinates"]],
                Some("MultiPolygon") => geometry["coordinates"]
                    .as_array()
                    .map(|a| a.iter().collect())
                    .unwrap_or_default(),
                _ => return Err("every feature must be a Polygon or MultiPolygon".to_owned()),
            };
            let mut rings = Vec::new();
            for polygon in polygons {
                for ring in polygon.as_array().into_iter().flatten() {
                    let points: Option<Vec<(f64, f64)>> = ring
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|p| Some((p[0].as_f64()?, p[1].as_f64()?)))
                        .collect();
                    rings.push(points.ok_or("coordinates must be [longitude, latitude] pairs")?);
                }
            }
            countries.push(Country { code, rings });
        }
        let points = || countries.iter().flat_map(|c| c.rings.iter().flatten());
        let fold = |f: fn(f64, f64) -> f64, start: f64, pick: fn(&(f64, f64)) -> f64| {
            points().map(pick).fold(start, f)
        };
        let outline = Outline {
            west: fold(f64::min, f64::INFINITY, |p| p.0),
            east: fold(f64::max, f64::NEG_INFINITY, |p| p.0),
            south: fold(f64::min, f64::INFINITY, |p| p.1),
            north: fold(f64::max, f64::NEG_INFINITY, |p| p.1),
            countries,
        };
        if !(outline.west < outline.east && outline.south < outline.north) {
            return Err("the outline has no extent".to_owned());
        }
        Ok(outline)
    }

    /// Whether a point lies within the outline's extent.
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        (self.west..=self.east).contains(&lon) && (self.south..=self.north).contains(&lat)
    }

    fn x_scale(&self) -> f64 {
        let mid = (self.south + self.north) / 2.0;
        mid.to_radians().cos()
    }

    fn height(&self) -> f64 {
        let scale = (WIDTH - 2.0 * PAD) / ((self.east - self.west) * self.x_scale());
        (self.north - self.south) * scale + 2.0 * PAD
    }

    fn project(&self, lat: f64, lon: f64) -> (f64, f64) {
        let scale = (WIDTH - 2.0 * PAD) / ((self.east - self.west) * self.x_scale());
        let x = PAD + (lon - self.west) * self.x_scale() * scale;
        let y = PAD + (self.north - lat) * scale;
        (x, y)
    }
}

/// The map as an SVG element. `url_of` gives the link of a place's filter page.
pub fn svg(
    outline: &Outline,
    places: &[PlaceGroup],
    strings: &Strings,
    id: &str,
    url_of: impl Fn(&PlaceGroup) -> String,
) -> String {
    let height = outline.height();
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<svg class=\"map\" viewBox=\"0 0 {WIDTH} {height:.0}\" role=\"group\" aria-labelledby=\"{id}-title\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"{id}-title\">{}</title>",
        esc(strings.get("map.title"))
    );
    for country in &outline.countries {
        let _ = write!(
            out,
            "<path class=\"map-land map-{}\" d=\"",
            esc(&country.code.to_lowercase())
        );
        for ring in &country.rings {
            for (i, &(lon, lat)) in ring.iter().enumerate() {
                let (x, y) = outline.project(lat, lon);
                let _ = write!(out, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
            }
            out.push('Z');
        }
        out.push_str("\"/>");
    }
    // Largest circles first, so smaller ones stay clickable on top.
    let mut shown: Vec<(&PlaceGroup, f64, f64)> = places
        .iter()
        .filter_map(|p| {
            let (lat, lon) = p.coordinates?;
            outline.contains(lat, lon).then_some((p, lat, lon))
        })
        .collect();
    shown.sort_by(|a, b| {
        b.0.incidents
            .len()
            .cmp(&a.0.incidents.len())
            .then_with(|| a.0.name.cmp(&b.0.name))
    });
    // Names are written only where they do not run into a name already written; the
    // busiest places are named first, the rest keep their circle and its tooltip.
    let mut taken: Vec<[f64; 4]> = Vec::new();
    for (place, lat, lon) in shown {
        let (x, y) = outline.project(lat, lon);
        let count = place.incidents.len();
        let r = 3.5 + 2.5 * (count as f64).sqrt();
        let pattern = if count == 1 {
            "map.place_incidents_one"
        } else {
            "map.place_incidents"
        };
        let label = strings
            .get(pattern)
            .replace("{place}", &place.name)
            .replace("{n}", &count.to_string());
        let (lx, ly) = (x + r + 2.0, y + 4.0);
        let width = LABEL_CHAR_WIDTH * place.name.chars().count() as f64;
        let the_box = [lx, ly - 10.0, lx + width, ly + 3.0];
        let free = !taken.iter().any(|b| overlaps(b, &the_box));
        let _ = write!(
            out,
            "<a href=\"{}\"><title>{}</title><circle class=\"map-place\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\"/>",
            esc(&url_of(place)),
            esc(&label),
        );
        if free {
            taken.push(the_box);
            let _ = write!(
                out,
                "<text class=\"map-label\" x=\"{lx:.1}\" y=\"{ly:.1}\">{}</text>",
                esc(&place.name)
            );
        }
        out.push_str("</a>");
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"A","iso_a3":"AAA"},"geometry":{"type":"Polygon","coordinates":[[[120,40],[130,40],[130,44],[120,44],[120,40]]]}}]}"#;

    #[test]
    fn projection_keeps_north_up_and_west_left() {
        let outline = Outline::parse(SQUARE).unwrap();
        let (x_west, y_north) = outline.project(44.0, 120.0);
        let (x_east, y_south) = outline.project(40.0, 130.0);
        assert!(x_west < x_east && y_north < y_south);
        assert!((x_west - PAD).abs() < 1e-9 && (x_east - (WIDTH - PAD)).abs() < 1e-9);
        assert!(outline.contains(42.97, 129.84));
        assert!(!outline.contains(25.04, 102.72));
    }

    #[test]
    fn bad_outlines_are_refused() {
        assert!(Outline::parse("{}").is_err());
        assert!(Outline::parse("not json").is_err());
    }
}
