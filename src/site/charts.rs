//! SVG charts drawn at build time: no JavaScript, no chart library, readable without CSS.
//!
//! Every chart is an `<svg role="img">` with a `<title>` and `<desc>` (named by
//! `aria-labelledby`), a `<title>` on every bar for a tooltip, and colours set by CSS classes
//! (so dark mode and print restyle them) with a fill attribute as fallback. The numbers are
//! also in a table next to each chart, rendered by the template.

use std::fmt::Write;

use crate::escape;

/// Width of every chart's coordinate system; CSS scales it to the column.
pub const WIDTH: f64 = 560.0;
const FONT: f64 = 13.0;

/// One series of a column chart: a value per category.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    /// CSS class of its bars (`s1` ... `s5` for severities, `c-detect`, ...).
    pub class: String,
    pub values: Vec<f64>,
}

/// A vertical bar chart; several series are stacked.
pub struct Columns<'a> {
    /// Unique on the page: element ids derive from it.
    pub id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
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
            r##"<g class="legend"><rect class="{}" x="{x:.1}" y="4" width="12" height="12" rx="2" fill="#888"/><text x="{:.1}" y="14.5">{}</text></g>"##,
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

/// A column chart; returns the SVG markup.
pub fn columns(chart: &Columns) -> String {
    let n = chart.categories.len();
    let totals: Vec<f64> = (0..n)
        .map(|i| {
            chart
                .series
                .iter()
                .map(|s| s.values.get(i).copied().unwrap_or(0.0))
                .sum()
        })
        .collect();
    let data_max = totals.iter().copied().fold(0.0, f64::max);
    let integer = chart
        .series
        .iter()
        .all(|s| s.values.iter().all(|v| (v - v.round()).abs() < 1e-9));
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
    let tick_labels: Vec<(f64, String)> = {
        let mut v = Vec::new();
        let mut t = 0.0;
        while t <= top + step * 1e-6 {
            v.push((t, (chart.format)(t)));
            t += step;
        }
        v
    };
    let has_legend = chart.series.len() > 1;
    let left = tick_labels
        .iter()
        .map(|(_, l)| text_width(l))
        .fold(0.0, f64::max)
        + 12.0;
    let (right, top_margin, bottom) = (8.0, if has_legend { 42.0 } else { 20.0 }, 28.0);
    let height = chart.height;
    let plot_w = WIDTH - left - right;
    let plot_h = height - top_margin - bottom;
    let y = |v: f64| top_margin + plot_h - (v / top) * plot_h;

    let mut out = String::new();
    open_svg(&mut out, chart.id, chart.title, chart.description, height);
    if has_legend {
        legend(&mut out, chart.series, left);
    }
    for (t, label) in &tick_labels {
        let _ = write!(
            out,
            r##"<line class="grid" x1="{left:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="#ccc"/><text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            WIDTH - right,
            y(*t),
            y(*t),
            left - 6.0,
            y(*t) + 4.0,
            escape::html(label)
        );
    }
    if n == 0 || data_max == 0.0 {
        let _ = write!(
            out,
            r##"<text class="empty" x="{:.1}" y="{:.1}" text-anchor="middle">No data yet</text>"##,
            left + plot_w / 2.0,
            top_margin + plot_h / 2.0
        );
    }
    let slot = if n > 0 { plot_w / n as f64 } else { plot_w };
    let bar_w = (slot * 0.7).max(1.0);
    // Label every k-th category so labels never overlap.
    let widest = chart
        .categories
        .iter()
        .map(|c| text_width(c))
        .fold(0.0, f64::max);
    let every = ((widest + 6.0) / slot).ceil().max(1.0) as usize;
    let show_totals = n <= 24 && slot >= 18.0;
    for (i, category) in chart.categories.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar_w) / 2.0;
        let mut base = 0.0;
        for s in chart.series {
            let v = s.values.get(i).copied().unwrap_or(0.0);
            if v <= 0.0 {
                continue;
            }
            let (y0, y1) = (y(base), y(base + v));
            let tip = if chart.series.len() > 1 {
                format!("{category}, {}: {}", s.name, (chart.format)(v))
            } else {
                format!("{category}: {}", (chart.format)(v))
            };
            let _ = write!(
                out,
                r##"<rect class="{}" x="{x:.1}" y="{y1:.1}" width="{bar_w:.1}" height="{:.1}" fill="#888"><title>{}</title></rect>"##,
                escape::html(&s.class),
                (y0 - y1).max(0.5),
                escape::html(&tip)
            );
            base += v;
        }
        if show_totals && totals[i] > 0.0 {
            let _ = write!(
                out,
                r##"<text class="value" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
                x + bar_w / 2.0,
                y(totals[i]) - 4.0,
                escape::html(&(chart.format)(totals[i]))
            );
        }
        if i % every == 0 {
            let _ = write!(
                out,
                r##"<text class="tick" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
                x + bar_w / 2.0,
                height - bottom + 16.0,
                escape::html(category)
            );
        }
    }
    let _ = write!(
        out,
        r##"<line class="axis" x1="{left:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="#888"/></svg>"##,
        WIDTH - right,
        y(0.0),
        y(0.0)
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

/// Durations given in minutes: "45 min", "1.5 h", "2 d".
pub fn minutes(v: f64) -> String {
    if v < 60.0 {
        format!("{} min", fmt_num(v))
    } else if v < 48.0 * 60.0 {
        format!("{} h", fmt_num((v / 60.0 * 10.0).round() / 10.0))
    } else {
        format!("{} d", fmt_num((v / 1440.0 * 10.0).round() / 10.0))
    }
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
        assert_eq!(minutes(4.5), "4.5 min");
        assert_eq!(minutes(90.0), "1.5 h");
        assert_eq!(minutes(3.0 * 1440.0), "3 d");
        assert_eq!(percent(12.5), "12.5%");
    }
}
