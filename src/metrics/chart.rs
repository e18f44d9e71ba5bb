//! The line chart of a range query: built once from the series
//! ([`ChartData::new`], where NaN gaps split lines and the top N are
//! chosen), drawn by [`render`] with ratatui's `Chart` — time and value axes
//! in the query's unit, a legend of distinguishing labels with each series'
//! value at the cursor (or its last), "+K more", and empty or all-NaN
//! results said as such. Rendering reads; it never rebuilds.

use super::parse::Series;
use super::shape::{distinguishing, legend, top_n};
use super::units::{self, Unit};
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Style, Stylize};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Paragraph, Widget};
use std::borrow::Cow;

/// One drawn series.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawn {
    pub legend: String,
    /// Runs of finite points; a NaN or a missing step ends a run.
    pub runs: Vec<Vec<(f64, f64)>>,
    /// Its index in the answer (for the cursor's value).
    pub index: usize,
    pub last: Option<f64>,
}

/// What a chart draws, derived from an answer once.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChartData {
    pub drawn: Vec<Drawn>,
    /// Series in the answer beyond the top N.
    pub more: usize,
    pub total: usize,
    pub start: f64,
    pub end: f64,
    /// Seconds between points (gaps longer than 1.5 steps break a line).
    pub step: f64,
    pub y: (f64, f64),
    pub unit: Unit,
}

impl ChartData {
    pub fn new(series: &[Series], top: usize, start: f64, end: f64, step: f64, unit: Unit) -> Self {
        let (order, more) = top_n(series, top);
        let labels: Vec<_> = series.iter().map(|s| &s.labels).collect();
        let keys = distinguishing(&labels);
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let drawn = order
            .into_iter()
            .map(|i| {
                let s = &series[i];
                let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
                let mut prev: Option<f64> = None;
                for p in &s.points {
                    if !p.v.is_finite() {
                        prev = None;
                        continue;
                    }
                    lo = lo.min(p.v);
                    hi = hi.max(p.v);
                    let joined = prev.is_some_and(|t| p.t - t <= step * 1.5);
                    match runs.last_mut() {
                        Some(run) if joined => run.push((p.t, p.v)),
                        _ => runs.push(vec![(p.t, p.v)]),
                    }
                    prev = Some(p.t);
                }
                Drawn {
                    legend: legend(&s.labels, &keys),
                    runs,
                    index: i,
                    last: s.last_value(),
                }
            })
            .collect();
        let y = if lo > hi {
            (0.0, 1.0)
        } else {
            let lo = if lo >= 0.0 { 0.0 } else { lo };
            if hi > lo {
                (lo, hi + (hi - lo) * 0.05)
            } else {
                (lo - 1.0, hi + 1.0)
            }
        };
        Self {
            drawn,
            more,
            total: series.len(),
            start,
            end,
            step,
            y,
            unit,
        }
    }

    /// Each drawn series' value at `t` (the nearest point within half a step).
    pub fn values_at(&self, series: &[Series], t: f64) -> Vec<Option<f64>> {
        self.drawn
            .iter()
            .map(|d| {
                series
                    .get(d.index)
                    .and_then(|s| s.value_at(t, self.step / 2.0))
            })
            .collect()
    }

    fn has_values(&self) -> bool {
        self.drawn.iter().any(|d| !d.runs.is_empty())
    }
}

/// One line (or lone point) to paint: its marker, colour and points.
struct Stroke<'a> {
    marker: Marker,
    style: Style,
    points: &'a [(f64, f64)],
}

impl<'a> Stroke<'a> {
    fn line(marker: Marker, style: Style, points: &'a [(f64, f64)]) -> Self {
        Self {
            marker,
            style,
            points,
        }
    }
}

/// Paint every stroke on one canvas over `area`, in order (later strokes'
/// colours win a shared cell), changing layer only when the marker changes.
fn paint(
    strokes: &[Stroke<'_>],
    x: [f64; 2],
    y: [f64; 2],
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    use ratatui::widgets::canvas::{Canvas, Line as Segment, Points as Dots};
    let first = strokes.first().map_or(Marker::Braille, |s| s.marker);
    Canvas::default()
        .background_color(theme.base.bg.unwrap_or(ratatui::style::Color::Reset))
        .x_bounds(x)
        .y_bounds(y)
        .marker(first)
        .paint(|ctx| {
            let mut marker = first;
            for s in strokes {
                if s.marker != marker {
                    ctx.marker(s.marker);
                    marker = s.marker;
                }
                let color = s.style.fg.unwrap_or(ratatui::style::Color::Reset);
                if s.points.len() == 1 {
                    ctx.draw(&Dots {
                        coords: s.points,
                        color,
                    });
                }
                for w in s.points.windows(2) {
                    ctx.draw(&Segment {
                        x1: w[0].0,
                        y1: w[0].1,
                        x2: w[1].0,
                        y2: w[1].1,
                        color,
                    });
                }
            }
        })
        .render(area, buf);
}

/// Where ratatui's `Chart` puts the graph inside `area` for these labels
/// (its layout rules: x labels and axis at the bottom, y labels and axis
/// on the left, labels at most a third of the width).
fn graph_area(area: Rect, x_labels: &[Line<'_>], y_labels: &[Line<'_>]) -> Rect {
    if area.width == 0 || area.height == 0 {
        return Rect::default();
    }
    let mut x = area.left();
    let mut y = area.bottom() - 1;
    if !x_labels.is_empty() && y > area.top() {
        y -= 1;
    }
    let widest_y = y_labels.iter().map(Line::width).max().unwrap_or(0) as u16;
    // The first x label is left-aligned: all but its last cell left of the axis.
    let first_x = x_labels.first().map_or(0, |l| {
        (l.width() as u16).saturating_sub(u16::from(!y_labels.is_empty()))
    });
    x += widest_y.max(first_x).min(area.width / 3);
    if !x_labels.is_empty() && y > area.top() {
        y -= 1;
    }
    if !y_labels.is_empty() && x + 1 < area.right() {
        x += 1;
    }
    Rect::new(
        x,
        area.top(),
        area.right().saturating_sub(x),
        y.saturating_sub(area.top()) + 1,
    )
}

/// A run of points, borrowed or thinned.
type Points<'a> = Cow<'a, [(f64, f64)]>;

/// `run` with at most two points per column over `[start, end]`: each
/// column's lowest and highest, in time order, and the run's ends. Runs that
/// fit are borrowed as they are.
pub fn decimate(run: &[(f64, f64)], start: f64, end: f64, columns: usize) -> Points<'_> {
    if run.len() <= columns * 2 || columns == 0 {
        return Cow::Borrowed(run);
    }
    let span = (end - start).max(f64::EPSILON);
    let column = |t: f64| {
        ((((t - start) / span) * columns as f64).floor().max(0.0) as usize).min(columns - 1)
    };
    let mut out = Vec::with_capacity(columns * 2 + 2);
    out.push(run[0]);
    let mut i = 1;
    while i < run.len() - 1 {
        let c = column(run[i].0);
        let (mut lo, mut hi) = (i, i);
        let mut j = i;
        while j < run.len() - 1 && column(run[j].0) == c {
            if run[j].1 < run[lo].1 {
                lo = j;
            }
            if run[j].1 > run[hi].1 {
                hi = j;
            }
            j += 1;
        }
        out.push(run[lo.min(hi)]);
        if lo != hi {
            out.push(run[lo.max(hi)]);
        }
        i = j;
    }
    out.push(run[run.len() - 1]);
    Cow::Owned(out)
}

/// How to draw it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChartOpts {
    /// Braille unless the terminal's font lacks it (config `metrics.markers = "block"`).
    pub marker: Marker,
    /// The cursor's time and each drawn series' value there (by `Drawn` order).
    pub cursor: Option<f64>,
    /// An alert rule's threshold: a horizontal line, kept in the value axis.
    pub threshold: Option<f64>,
    /// When the alert started firing (unix seconds): a vertical line.
    pub fired: Option<f64>,
}

impl Default for ChartOpts {
    fn default() -> Self {
        Self {
            marker: Marker::Braille,
            cursor: None,
            threshold: None,
            fired: None,
        }
    }
}

/// Series colours from the theme's roles (panes pick roles, never colours).
fn palette(theme: &Theme) -> [Style; 6] {
    [
        theme.info,
        theme.ok,
        theme.warning,
        theme.critical,
        theme.key,
        theme.level_debug,
    ]
}

/// With NO_COLOR every line looks alike: series take turns of markers instead.
const NO_COLOR_MARKERS: [(Marker, char); 4] = [
    (Marker::Braille, '⣿'),
    (Marker::Dot, '•'),
    (Marker::Block, '█'),
    (Marker::HalfBlock, '▀'),
];

/// `HH:MM` (UTC) at the ends and the middle of the range, with seconds when it is short.
fn time_label(t: f64, range: f64) -> String {
    let fmt = if range <= 600.0 {
        "%H:%M:%S"
    } else if range <= 86_400.0 {
        "%H:%M"
    } else {
        "%m-%d %H:%M"
    };
    jiff::Timestamp::from_millisecond((t * 1000.0) as i64)
        .map(|ts| ts.strftime(fmt).to_string())
        .unwrap_or_default()
}

/// Draw `data` into `area`: the chart above, the legend (one line per drawn
/// series while there is room, then "+K more") below.
pub fn render(
    data: &ChartData,
    values: &[Option<f64>],
    opts: &ChartOpts,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    if data.total == 0 || !data.has_values() {
        let text = if data.total == 0 {
            "No series: the query matched nothing in this range.".to_string()
        } else {
            format!(
                "{} series, no values in this range (all NaN or missing).",
                data.total
            )
        };
        Paragraph::new(Line::from(Span::styled(text, theme.muted)))
            .wrap(ratatui::widgets::Wrap { trim: true })
            .render(area, buf);
        return;
    }
    let no_color = theme.info.fg.is_none();
    let colours = palette(theme);
    let style_of = |i: usize| colours[i % colours.len()];
    let marker_of = |i: usize| {
        if no_color {
            NO_COLOR_MARKERS[i % NO_COLOR_MARKERS.len()]
        } else {
            (opts.marker, '━')
        }
    };
    // The legend takes what the chart can spare: at most a third of the height.
    let more_line = usize::from(data.more > 0);
    let want = data.drawn.len() + more_line;
    let legend_rows = if area.height < 8 {
        0
    } else {
        want.min(usize::from(area.height / 3))
    };
    let chart_area = Rect {
        height: area.height - legend_rows as u16,
        ..area
    };
    // The threshold stays on screen even when the series are far below it.
    let (lo, hi) = match opts.threshold {
        Some(t) if t < data.y.0 => (t, data.y.1),
        Some(t) if t > data.y.1 => (data.y.0, t + (t - data.y.0).abs() * 0.05),
        _ => data.y,
    };
    let range = data.end - data.start;
    let small = chart_area.height < 6 || chart_area.width < 40;
    let x_labels: Vec<Line<'_>> = if small {
        Vec::new()
    } else {
        [data.start, data.start + range / 2.0, data.end]
            .map(|t| Line::from(time_label(t, range)))
            .to_vec()
    };
    let y_labels: Vec<Line<'_>> = if chart_area.height < 4 {
        Vec::new()
    } else {
        [lo, (lo + hi) / 2.0, hi]
            .map(|v| Line::from(units::format(v, data.unit)))
            .to_vec()
    };
    let graph = graph_area(chart_area, &x_labels, &y_labels);
    // The axes and their labels: ratatui's Chart, with no datasets.
    Chart::new(Vec::new())
        .style(theme.base)
        .x_axis(
            Axis::default()
                .bounds([data.start, data.end])
                .labels(x_labels)
                .style(theme.muted),
        )
        .y_axis(
            Axis::default()
                .bounds([lo, hi])
                .labels(y_labels)
                .style(theme.muted),
        )
        .render(chart_area, buf);
    // The lines: one canvas, one layer per marker (one in colour). Chart
    // would save and redraw a whole grid per dataset (per series run), which
    // is most of a frame's cost with ten series.
    let columns = usize::from(graph.width).max(1);
    let thinned: Vec<Vec<Points<'_>>> = data
        .drawn
        .iter()
        .map(|d| {
            d.runs
                .iter()
                .map(|r| decimate(r, data.start, data.end, columns))
                .collect()
        })
        .collect();
    let mut strokes: Vec<Stroke<'_>> = Vec::new();
    let threshold_line;
    let fired_line;
    let cursor_line;
    if let Some(t) = opts.threshold {
        threshold_line = [(data.start, t), (data.end, t)];
        strokes.push(Stroke::line(
            Marker::Braille,
            theme.critical,
            &threshold_line,
        ));
    }
    if let Some(t) = opts.fired.filter(|t| (data.start..=data.end).contains(t)) {
        fired_line = [(t, lo), (t, hi)];
        strokes.push(Stroke::line(Marker::Braille, theme.warning, &fired_line));
    }
    for (i, runs) in thinned.iter().enumerate() {
        for run in runs {
            strokes.push(Stroke::line(marker_of(i).0, style_of(i), run));
        }
    }
    if let Some(t) = opts.cursor {
        cursor_line = [(t, lo), (t, hi)];
        strokes.push(Stroke::line(Marker::Braille, theme.muted, &cursor_line));
    }
    if graph.width > 0 && graph.height > 0 {
        paint(
            &strokes,
            [data.start, data.end],
            [lo, hi],
            theme,
            graph,
            buf,
        );
    }
    // The legend: every drawn series if they fit, else one line fewer and "+K more".
    let shown = if legend_rows >= want {
        data.drawn.len()
    } else {
        legend_rows.saturating_sub(1)
    };
    let hidden = data.more + data.drawn.len() - shown;
    let value_w = 10;
    for (row, (i, d)) in data.drawn.iter().enumerate().take(shown).enumerate() {
        let y = chart_area.bottom() + row as u16;
        let v = match values
            .get(i)
            .copied()
            .flatten()
            .or(if opts.cursor.is_some() { None } else { d.last })
        {
            Some(v) if v.is_nan() => "NaN (gap)".to_string(),
            Some(v) => units::format(v, data.unit),
            None => "–".to_string(),
        };
        let name_w = usize::from(area.width).saturating_sub(value_w + 4);
        let line = Line::from(vec![
            Span::styled(format!("{} ", marker_of(i).1), style_of(i)),
            Span::raw(format!(
                "{:<name_w$}",
                crate::text::truncate(&d.legend, name_w)
            )),
            Span::raw(" "),
            Span::raw(format!("{v:>value_w$}")).bold(),
        ]);
        buf.set_line(area.x, y, &line, area.width);
    }
    if hidden > 0 && legend_rows > 0 {
        let y = chart_area.bottom() + shown as u16;
        let text = format!(
            "+{hidden} more of {} series (top {} by last value drawn)",
            data.total,
            data.drawn.len()
        );
        buf.set_line(
            area.x,
            y,
            &Line::from(Span::styled(text, theme.muted)),
            area.width,
        );
    }
}

#[cfg(test)]
#[path = "chart_tests.rs"]
mod tests;
