//! SVG charts drawn at build time: no JavaScript, no chart library, readable without CSS.
//!
//! Every chart is an `<svg role="img">` with a `<title>` and `<desc>` (named by
//! `aria-labelledby`), a `<title>` on every bar for a tooltip, and colours set by CSS classes
//! (so dark mode and print restyle them) with a fill attribute as fallback. The numbers are
//! also in a table next to each chart, rendered by the template.

use std::fmt::Write;

use crate::escape;

/// Width of every chart's coordinate system, and its natural width in CSS pixels: at most this
/// wide on screen, scaled down on narrower screens (a phone shows 15-unit text at 11 pixels or
/// more).
pub const WIDTH: f64 = 480.0;
const FONT: f64 = 15.0;
const LINE: f64 = FONT * 1.2;

/// One series of a column chart: a value per category.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    /// CSS class of its bars (`s1` ... `s5` for severities, `c-detect`, ...).
    pub class: String,
    /// NaN for a category without data (no bar, labelled "no data").
    pub values: Vec<f64>,
}

/// A vertical bar chart; several series are stacked.
pub struct Columns<'a> {
    /// Unique on the page: element ids derive from it.
    pub id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    /// One label per column; a `\n` starts a second line (such as the year under a month).
    pub categories: &'a [String],
    pub series: &'a [Series],
    /// How values read on the axis, the bar labels and tooltips.
    pub format: &'a dyn Fn(f64) -> String,
    /// A fixed top of the axis (100 for percentages); otherwise a round number above the
    /// tallest bar.
    pub max: Option<f64>,
    /// Values are minutes: axis steps are whole minutes, hours or days.
    pub minutes_axis: bool,
    pub height: f64,
}

/// A round step for about `ticks` intervals up to `max`: 1, 2 or 5 times a power of ten.
pub fn nice_step(max: f64, ticks: f64, integer: bool) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let raw = max / ticks;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    if integer { step.ceil().max(1.0) } else { step }
}

fn fmt_num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * FONT * 0.6
}

fn open_svg(out: &mut String, id: &str, title: &str, description: &str, height: f64) {
    let id = escape::html(id);
    let _ = write!(
        out,
        r##"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{id}-title {id}-desc" font-size="{FONT}"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"##,
        escape::html(title),
        escape::html(description)
    );
}

fn legend(out: &mut String, series: &[Series], x0: f64) {
    let mut x = x0;
    for s in series {
        let _ = write!(
            out,
            r##"<g class="legend"><rect class="{}" x="{x:.1}" y="4" width="13" height="13" rx="2" fill="#888"/><text x="{:.1}" y="16">{}</text></g>"##,
            escape::html(&s.class),
            x + 16.0,
            escape::html(&s.name)
        );
        x += 16.0 + text_width(&s.name) + 14.0;
    }
}

/// A step in minutes that reads well on a time axis (5 min, 30 min, 2 h, 1 d, ...).
pub fn minutes_step(max: f64, ticks: f64) -> f64 {
    const STEPS: [f64; 16] = [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 180.0, 240.0, 360.0, 720.0, 1440.0, 2880.0,
        7200.0, 10080.0,
    ];
    let raw = max / ticks;
    STEPS
        .iter()
        .copied()
        .find(|s| *s >= raw)
        .unwrap_or_else(|| (raw / 10080.0).ceil() * 10080.0)
}

/// The value axis of a column chart: its top, and the ticks with their labels.
struct Axis {
    top: f64,
    ticks: Vec<(f64, String)>,
}

impl Axis {
    fn new(chart: &Columns, data_max: f64) -> Axis {
        let integer = chart
            .series
            .iter()
            .flat_map(|s| s.values.iter())
            .all(|v| v.is_nan() || (v - v.round()).abs() < 1e-9);
        let step_for = |max: f64| {
            if chart.minutes_axis {
                minutes_step(max, 4.0)
            } else {
                nice_step(max, 4.0, integer)
            }
        };
        let (top, step) = match chart.max {
            Some(max) => (max, step_for(max)),
            None => {
                let step = step_for(data_max);
                ((data_max / step).ceil().max(1.0) * step, step)
            }
        };
        let mut ticks = Vec::new();
        let mut t = 0.0;
        while t <= top + step * 1e-6 {
            ticks.push((t, (chart.format)(t)));
            t += step;
        }
        Axis { top, ticks }
    }

    fn label_width(&self) -> f64 {
        self.ticks
            .iter()
            .map(|(_, l)| text_width(l))
            .fold(0.0, f64::max)
    }
}

/// Where a column chart's parts go, in SVG units.
struct Frame {
    left: f64,
    right: f64,
    top: f64,
    plot_h: f64,
    /// Width of one category's slot, and of its bar.
    slot: f64,
    bar_w: f64,
    /// Category labels are turned 45 degrees when even two lines do not fit a slot.
    turned: bool,
}

impl Frame {
    fn y(&self, value: f64, axis: &Axis) -> f64 {
        self.top + self.plot_h - (value / axis.top) * self.plot_h
    }

    fn x(&self, i: usize) -> f64 {
        self.left + self.slot * i as f64 + (self.slot - self.bar_w) / 2.0
    }
}

fn frame(chart: &Columns, axis: &Axis) -> Frame {
    let n = chart.categories.len();
    let left = axis.label_width() + 12.0;
    let right = 8.0;
    // Room above the bars for the legend and the value labels.
    let top = if chart.series.len() > 1 { 48.0 } else { 26.0 };
    let slot = (WIDTH - left - right) / n.max(1) as f64;
    let widest = |lines: &mut dyn Iterator<Item = &str>| lines.map(text_width).fold(0.0, f64::max);
    let widest_line = widest(&mut chart.categories.iter().flat_map(|c| c.lines()));
    // A second line (a year under a month) stands under one column in a few and may be a little
    // wider than its column; first lines stand side by side and must fit.
    let widest_first = widest(&mut chart.categories.iter().filter_map(|c| c.lines().next()));
    let widest_second = widest(&mut chart.categories.iter().filter_map(|c| c.lines().nth(1)));
    let turned = widest_first + 4.0 > slot || widest_second > slot * 1.6;
    // Two-line value labels need a line more above the tallest bar.
    let two_line_values = chart.max.is_none()
        && chart.series.iter().any(|s| {
            s.values
                .iter()
                .any(|v| !v.is_nan() && value_lines(&(chart.format)(*v), slot).len() > 1)
        });
    let top = top + if two_line_values { LINE } else { 0.0 };
    let lines = chart
        .categories
        .iter()
        .map(|c| c.lines().count())
        .max()
        .unwrap_or(1) as f64;
    let bottom = if turned {
        widest_line * 0.75 + LINE
    } else {
        LINE * lines + 8.0
    };
    Frame {
        left,
        right,
        top,
        plot_h: (chart.height - top - bottom).max(40.0),
        slot,
        bar_w: (slot * 0.7).max(1.0),
        turned,
    }
}

/// The horizontal grid lines and their value labels.
fn draw_grid(out: &mut String, axis: &Axis, f: &Frame) {
    for (t, label) in &axis.ticks {
        let y = f.y(*t, axis);
        let _ = write!(
            out,
            r##"<line class="grid" x1="{:.1}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#ccc"/><text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            f.left,
            WIDTH - f.right,
            f.left - 6.0,
            y + FONT / 3.0,
            escape::html(label)
        );
    }
}

/// The stacked bars of category `i`, each with a tooltip.
fn draw_stack(out: &mut String, chart: &Columns, axis: &Axis, f: &Frame, i: usize) {
    let category = chart.categories[i].replace('\n', " ");
    let x = f.x(i);
    let mut base = 0.0;
    for s in chart.series {
        let v = s.values.get(i).copied().unwrap_or(0.0);
        if v.is_nan() || v <= 0.0 {
            continue;
        }
        let (y0, y1) = (f.y(base, axis), f.y(base + v, axis));
        let tip = if chart.series.len() > 1 {
            format!("{category}, {}: {}", s.name, (chart.format)(v))
        } else {
            format!("{category}: {}", (chart.format)(v))
        };
        let _ = write!(
            out,
            r##"<rect class="{}" x="{x:.1}" y="{y1:.1}" width="{:.1}" height="{:.1}" fill="#888"><title>{}</title></rect>"##,
            escape::html(&s.class),
            f.bar_w,
            (y0 - y1).max(0.5),
            escape::html(&tip)
        );
        base += v;
    }
}

/// The value above category `i`'s bar (every bar is labelled, zero and "no data" too), and the
/// category's name under it.
fn draw_labels(out: &mut String, chart: &Columns, axis: &Axis, f: &Frame, i: usize, total: f64) {
    let center = f.x(i) + f.bar_w / 2.0;
    let value = if total.is_nan() {
        "no data".to_string()
    } else {
        (chart.format)(total)
    };
    let lines = value_lines(&value, f.slot);
    let top_y = f.y(if total.is_nan() { 0.0 } else { total }, axis) - 5.0;
    for (k, line) in lines.iter().rev().enumerate() {
        let _ = write!(
            out,
            r##"<text class="value" x="{center:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            top_y - LINE * k as f64,
            escape::html(line)
        );
    }
    let base = f.top + f.plot_h;
    if f.turned {
        let y = base + FONT;
        let _ = write!(
            out,
            r##"<text class="tick" x="{center:.1}" y="{y:.1}" text-anchor="end" transform="rotate(-45 {center:.1} {y:.1})">{}</text>"##,
            escape::html(&chart.categories[i].replace('\n', " "))
        );
        return;
    }
    for (k, line) in chart.categories[i].lines().enumerate() {
        let _ = write!(
            out,
            r##"<text class="tick" x="{center:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            base + LINE * (k as f64 + 1.0),
            escape::html(line)
        );
    }
}

/// A value label as lines: one, or two when it is wider than its column ("2 h" over "49 min",
/// split at the space that makes the longer line shortest).
fn value_lines(value: &str, slot: f64) -> Vec<String> {
    if text_width(value) <= slot - 2.0 {
        return vec![value.to_string()];
    }
    let best = value
        .match_indices(' ')
        .map(|(i, _)| i)
        .min_by_key(|&i| i.max(value.len() - i - 1));
    match best {
        Some(i) => vec![value[..i].to_string(), value[i + 1..].to_string()],
        None => vec![value.to_string()],
    }
}

/// A column chart; returns the SVG markup.
pub fn columns(chart: &Columns) -> String {
    let n = chart.categories.len();
    // A category's total; NaN when no series has data for it.
    let totals: Vec<f64> = (0..n)
        .map(|i| {
            let values: Vec<f64> = chart
                .series
                .iter()
                .map(|s| s.values.get(i).copied().unwrap_or(0.0))
                .collect();
            if values.iter().all(|v| v.is_nan()) {
                f64::NAN
            } else {
                values.iter().filter(|v| !v.is_nan()).sum()
            }
        })
        .collect();
    let data_max = totals
        .iter()
        .copied()
        .filter(|t| !t.is_nan())
        .fold(0.0, f64::max);
    let axis = Axis::new(chart, data_max);
    let f = frame(chart, &axis);

    let mut out = String::new();
    open_svg(
        &mut out,
        chart.id,
        chart.title,
        chart.description,
        chart.height,
    );
    if chart.series.len() > 1 {
        legend(&mut out, chart.series, f.left);
    }
    draw_grid(&mut out, &axis, &f);
    if n == 0 || data_max == 0.0 {
        let _ = write!(
            out,
            r##"<text class="empty" x="{:.1}" y="{:.1}" text-anchor="middle">No data yet</text>"##,
            f.left + (WIDTH - f.left - f.right) / 2.0,
            f.top + f.plot_h / 2.0
        );
    }
    for (i, total) in totals.iter().enumerate() {
        draw_stack(&mut out, chart, &axis, &f, i);
        draw_labels(&mut out, chart, &axis, &f, i, *total);
    }
    let y0 = f.y(0.0, &axis);
    let _ = write!(
        out,
        r##"<line class="axis" x1="{:.1}" x2="{:.1}" y1="{y0:.1}" y2="{y0:.1}" stroke="#888"/></svg>"##,
        f.left,
        WIDTH - f.right,
    );
    out
}

/// A horizontal bar chart of labelled values (one bar per row); returns the SVG markup.
pub fn bars(
    id: &str,
    title: &str,
    description: &str,
    rows: &[(String, f64)],
    class: &str,
    format: &dyn Fn(f64) -> String,
) -> String {
    let row_h = 24.0;
    let (top_margin, bottom) = (8.0, 8.0);
    let height = top_margin + bottom + row_h * rows.len().max(1) as f64;
    let label_w = rows
        .iter()
        .map(|(l, _)| text_width(l))
        .fold(0.0, f64::max)
        .min(220.0)
        + 10.0;
    let value_w = rows
        .iter()
        .map(|(_, v)| text_width(&format(*v)))
        .fold(0.0, f64::max)
        + 10.0;
    let max = rows.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    let plot_w = WIDTH - label_w - value_w;
    let mut out = String::new();
    open_svg(&mut out, id, title, description, height);
    if rows.is_empty() || max == 0.0 {
        let _ = write!(
            out,
            r##"<text class="empty" x="{:.1}" y="{:.1}" text-anchor="middle">No data yet</text>"##,
            WIDTH / 2.0,
            top_margin + row_h / 2.0 + 4.0
        );
    }
    for (i, (label, v)) in rows.iter().enumerate() {
        let y = top_margin + row_h * i as f64;
        let w = if max > 0.0 { v / max * plot_w } else { 0.0 };
        let shown: String = if label.chars().count() > 34 {
            format!("{}…", label.chars().take(33).collect::<String>())
        } else {
            label.clone()
        };
        let _ = write!(
            out,
            r##"<text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">{}</text><rect class="{}" x="{label_w:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#888"><title>{}: {}</title></rect><text class="value" x="{:.1}" y="{:.1}">{}</text>"##,
            label_w - 8.0,
            y + row_h / 2.0 + 4.0,
            escape::html(&shown),
            escape::html(class),
            y + 4.0,
            w.max(if *v > 0.0 { 1.0 } else { 0.0 }),
            row_h - 8.0,
            escape::html(label),
            escape::html(&format(*v)),
            label_w + w + 6.0,
            y + row_h / 2.0 + 4.0,
            escape::html(&format(*v))
        );
    }
    out.push_str("</svg>");
    out
}

/// Counts: "3".
pub fn count(v: f64) -> String {
    fmt_num(v)
}

/// Percentages: "25%", "12.5%".
pub fn percent(v: f64) -> String {
    format!("{}%", fmt_num(v))
}

/// Durations given in minutes, as everywhere on the site: "45 min", "2 h 49 min", "2 h", "3 d".
pub fn minutes(v: f64) -> String {
    super::model::human_duration(jiff::SignedDuration::from_secs((v * 60.0).round() as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(7.0, 4.0, true), 2.0);
        assert_eq!(nice_step(100.0, 4.0, false), 25.0);
        assert_eq!(nice_step(3.0, 4.0, true), 1.0);
        assert_eq!(nice_step(0.0, 4.0, true), 1.0);
        assert_eq!(nice_step(930.0, 4.0, true), 250.0);
        assert_eq!(minutes_step(255.0, 4.0), 120.0);
        assert_eq!(minutes_step(39.5, 4.0), 10.0);
        assert_eq!(minutes_step(3000.0, 4.0), 1440.0);
    }

    #[test]
    fn columns_are_accessible_and_escaped() {
        let categories = vec!["Q1".to_string(), "Q2 <b>".to_string()];
        let series = vec![
            Series {
                name: "SEV1".into(),
                class: "s1".into(),
                values: vec![1.0, 0.0],
            },
            Series {
                name: "SEV2".into(),
                class: "s2".into(),
                values: vec![2.0, 3.0],
            },
        ];
        let svg = columns(&Columns {
            id: "m",
            title: "Incidents & more",
            description: "Per quarter",
            categories: &categories,
            series: &series,
            format: &count,
            max: None,
            minutes_axis: false,
            height: 200.0,
        });
        assert!(svg.starts_with("<svg class=\"chart\""), "{svg}");
        assert!(svg.contains(r#"role="img" aria-labelledby="m-title m-desc""#));
        assert!(svg.contains(r#"<title id="m-title">Incidents &amp; more</title>"#));
        assert!(svg.contains("<title>Q1, SEV2: 2</title>"));
        assert!(svg.contains("Q2 &lt;b&gt;") && !svg.contains("<b>"));
        // Three non-empty bars (the zero is not drawn), two legend swatches.
        assert_eq!(svg.matches("<rect class=\"s").count(), 3 + 2);
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn chart_markup_snapshots() {
        let categories = vec!["2026-Q1".to_string(), "2026-Q2".to_string()];
        let series = vec![Series {
            name: "Median".into(),
            class: "c-detect".into(),
            values: vec![10.0, 90.0],
        }];
        let svg = columns(&Columns {
            id: "t",
            title: "Median time to detect",
            description: "Per quarter",
            categories: &categories,
            series: &series,
            format: &minutes,
            max: None,
            minutes_axis: true,
            height: 160.0,
        });
        insta::assert_snapshot!("columns_minutes", svg.replace("><", ">\n<"));
        let rows = vec![("api".to_string(), 4.0), ("db <x>".to_string(), 1.0)];
        let svg = bars(
            "b",
            "Incidents per service",
            "One bar per service",
            &rows,
            "c-service",
            &count,
        );
        insta::assert_snapshot!("bars", svg.replace("><", ">\n<"));
    }

    #[test]
    fn formats() {
        assert_eq!(minutes(4.0), "4 min");
        assert_eq!(minutes(90.0), "1 h 30 min");
        assert_eq!(minutes(120.0), "2 h");
        assert_eq!(minutes(3.0 * 1440.0), "3 d");
        assert_eq!(percent(12.5), "12.5%");
    }
}
