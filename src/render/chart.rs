//! The chronology's chart, drawn at build time as inline SVG: no script, no request.
//!
//! Two panels share the year axis. The upper one shows, for each year, the range of
//! people reported (sum of the lowest to sum of the highest figures) on a square-root
//! scale, so that one very large year does not flatten every other; the scale is named on
//! the axis and every tick is labelled. The lower one counts incidents on a linear scale.
//! The same numbers are given in a table beside the chart for screen readers and print.

use std::fmt::Write as _;

use crate::chronology::YearFigures;
use crate::i18n::Strings;

const WIDTH: f64 = 720.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 26.0;
const PEOPLE_HEIGHT: f64 = 150.0;
const GAP: f64 = 34.0;
const COUNT_HEIGHT: f64 = 60.0;
const BOTTOM: f64 = 26.0;

/// The chart as an SVG element, with `id` used for its accessible title.
pub(super) fn svg(years: &[YearFigures], strings: &Strings, id: &str) -> String {
    let height = TOP + PEOPLE_HEIGHT + GAP + COUNT_HEIGHT + BOTTOM;
    let n = years.len().max(1) as f64;
    let step = (WIDTH - LEFT - RIGHT) / n;
    let bar = (step * 0.62).max(1.0);
    let x_of = |i: usize| LEFT + step * i as f64 + (step - bar) / 2.0;

    let max_people = years.iter().map(|y| y.people_max).max().unwrap_or(0).max(1);
    let max_count = years.iter().map(|y| y.incidents).max().unwrap_or(0).max(1);
    let people_ticks = sqrt_ticks(max_people);
    let top_value = *people_ticks.last().unwrap_or(&1) as f64;
    let y_people =
        |v: u64| TOP + PEOPLE_HEIGHT - PEOPLE_HEIGHT * (v as f64).sqrt() / top_value.sqrt();
    let count_top = TOP + PEOPLE_HEIGHT + GAP;
    let count_max = nice_count(max_count);
    let y_count = |v: usize| count_top + COUNT_HEIGHT - COUNT_HEIGHT * v as f64 / count_max as f64;

    let title = strings.get("chart.title");
    let mut out = String::with_capacity(8 * 1024);
    let _ = write!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-labelledby=\"{id}-title\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"{id}-title\">{}</title>",
        esc(title)
    );

    // Panel labels.
    let _ = write!(
        out,
        "<text class=\"chart-label\" x=\"{LEFT}\" y=\"{}\">{}</text>",
        TOP - 10.0,
        esc(strings.get("chart.people_axis"))
    );
    let _ = write!(
        out,
        "<text class=\"chart-label\" x=\"{LEFT}\" y=\"{}\">{}</text>",
        count_top - 10.0,
        esc(strings.get("chart.incidents_axis"))
    );

    // Grid lines and tick labels.
    for &tick in &people_ticks {
        let y = y_people(tick);
        grid_line(&mut out, y, &strings.number(tick));
    }
    for tick in [0, count_max / 2, count_max] {
        if tick == count_max / 2 && (count_max < 2 || count_max % 2 != 0) {
            continue;
        }
        grid_line(&mut out, y_count(tick), &tick.to_string());
    }

    // Bars.
    for (i, year) in years.iter().enumerate() {
        let x = x_of(i);
        if year.with_figures > 0 {
            let (top, bottom) = (y_people(year.people_max), y_people(year.people_min));
            let h = (bottom - top).max(2.0);
            let label = format!(
                "{}: {}",
                year.year,
                strings.people(year.people_min, year.people_max)
            );
            let _ = write!(
                out,
                "<rect class=\"chart-range\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\"><title>{}</title></rect>",
                bottom - h,
                esc(&label)
            );
        }
        if year.incidents > 0 {
            let y = y_count(year.incidents);
            let _ = write!(
                out,
                "<rect class=\"chart-count\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{:.1}\"><title>{}: {}</title></rect>",
                count_top + COUNT_HEIGHT - y,
                year.year,
                year.incidents
            );
        }
    }

    // Year axis: every fifth year, and the last.
    let axis_y = count_top + COUNT_HEIGHT + 16.0;
    for (i, year) in years.iter().enumerate() {
        if year.year % 5 == 0 || i + 1 == years.len() {
            let cx = LEFT + step * i as f64 + step / 2.0;
            let _ = write!(
                out,
                "<text class=\"chart-year\" x=\"{cx:.1}\" y=\"{axis_y}\" text-anchor=\"middle\">{}</text>",
                year.year
            );
        }
    }
    out.push_str("</svg>");
    out
}

fn grid_line(out: &mut String, y: f64, label: &str) {
    let _ = write!(
        out,
        "<line class=\"chart-grid\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>\
         <text class=\"chart-tick\" x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
        WIDTH - RIGHT,
        LEFT - 6.0,
        y + 4.0,
        esc(label)
    );
}

/// Tick values for a square-root scale up to `max`: 0, then "nice" values (10, 50, 100,
/// 200, 500, …) that stay apart on the page, ending at a value at least `max`.
fn sqrt_ticks(max: u64) -> Vec<u64> {
    let mut nice = Vec::new();
    let mut base = 1u64;
    while nice.last().is_none_or(|&v| v < max) {
        for m in [1, 2, 5] {
            nice.push(base.saturating_mul(m));
        }
        match base.checked_mul(10) {
            Some(next) => base = next,
            None => break,
        }
    }
    let top = *nice.iter().find(|&&v| v >= max).unwrap_or(&max);
    let mut ticks = vec![0];
    let mut last_pos = 0.0;
    for &v in nice.iter().filter(|&&v| v < top) {
        let pos = (v as f64).sqrt() / (top as f64).sqrt();
        if pos - last_pos >= 0.18 && 1.0 - pos >= 0.18 {
            ticks.push(v);
            last_pos = pos;
        }
    }
    ticks.push(top);
    ticks
}

/// The top of the incident scale: the maximum rounded up to an even number.
fn nice_count(max: usize) -> usize {
    if max <= 2 {
        max.max(1)
    } else {
        max.div_ceil(2) * 2
    }
}

/// Escapes text for SVG content and attributes.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let _ = pulldown_cmark_escape::escape_html(&mut out, text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqrt_ticks_cover_the_maximum_and_stay_apart() {
        assert_eq!(sqrt_ticks(600), [0, 50, 200, 500, 1000]);
        assert_eq!(*sqrt_ticks(7).last().unwrap(), 10);
        assert_eq!(sqrt_ticks(1), [0, 1]);
        // Absurd figures end the loop instead of overflowing.
        assert!(sqrt_ticks(u64::MAX).len() >= 2);
    }

    #[test]
    fn count_scale_is_even() {
        assert_eq!(nice_count(5), 6);
        assert_eq!(nice_count(1), 1);
        assert_eq!(nice_count(0), 1);
    }
}
