//! What a chart needs from a query's series: the step per column, the top N
//! by last value, the labels that tell series apart, sparklines.

use super::api::MAX_POINTS;
use super::parse::{Labels, Series};
use std::time::Duration;

/// One point per chart column, never more than Prometheus' 11,000 points:
/// `max(range / columns, range / 11000)`, rounded up to a whole second.
pub fn step_for(range: Duration, columns: u16) -> Duration {
    let range = range.as_secs_f64();
    let per_column = range / f64::from(columns.max(1));
    let floor = range / MAX_POINTS as f64;
    Duration::from_secs((per_column.max(floor).ceil() as u64).max(1))
}

/// The indices of the `n` series with the highest last value (series with
/// no value last), and how many more there are.
pub fn top_n(series: &[Series], n: usize) -> (Vec<usize>, usize) {
    let mut order: Vec<(usize, Option<f64>)> = series
        .iter()
        .enumerate()
        .map(|(i, s)| (i, s.last_value()))
        .collect();
    order.sort_by(|a, b| match (a.1, b.1) {
        (Some(x), Some(y)) => y.total_cmp(&x).then(a.0.cmp(&b.0)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.0.cmp(&b.0),
    });
    let more = order.len().saturating_sub(n);
    (order.into_iter().take(n).map(|(i, _)| i).collect(), more)
}

/// The label names whose values differ across the series (a label some
/// series lack counts as differing), sorted, `__name__` first.
pub fn distinguishing(series: &[&Labels]) -> Vec<String> {
    let mut keys: Vec<String> = series
        .iter()
        .flat_map(|l| l.keys())
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|k| {
            let first = series.first().and_then(|l| l.get(k));
            series.iter().any(|l| l.get(k) != first)
        })
        .collect();
    if let Some(i) = keys.iter().position(|k| k == "__name__") {
        let name = keys.remove(i);
        keys.insert(0, name);
    }
    keys
}

/// One series' legend: its values of the distinguishing labels
/// (`code="500", handler="/api"`); with none, all its labels; with no
/// labels at all, `{}` (a scalar or an aggregate without grouping).
pub fn legend(labels: &Labels, keys: &[String]) -> String {
    let pairs: Vec<String> = if keys.is_empty() {
        labels.iter().map(|(k, v)| pair(k, v)).collect()
    } else {
        keys.iter()
            .map(|k| pair(k, labels.get(k).map_or("", String::as_str)))
            .collect()
    };
    if pairs.is_empty() {
        "{}".into()
    } else {
        crate::text::sanitize(&pairs.join(", ")).into_owned()
    }
}

fn pair(k: &str, v: &str) -> String {
    if k == "__name__" {
        v.to_string()
    } else {
        format!("{k}={v:?}")
    }
}

/// Eight levels, lowest to highest.
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A sparkline of `width` cells over the points, `step` seconds apart:
/// each cell the last value falling in its time slice; a slice no point
/// fell in (more cells than points) holds the value before it while that is
/// at most a step and a half old; a NaN or a longer gap is a space.
pub fn sparkline(series: &Series, start: f64, end: f64, step: f64, width: usize) -> String {
    if width == 0 {
        return String::new();
    }
    let span = (end - start).max(f64::EPSILON);
    let slice = span / width as f64;
    let mut last_in: Vec<Option<(f64, f64)>> = vec![None; width];
    for p in &series.points {
        let i = (((p.t - start) / span) * width as f64).floor();
        let i = (i.max(0.0) as usize).min(width - 1);
        last_in[i] = Some((p.t, p.v));
    }
    let mut before: Option<(f64, f64)> = None;
    let cells: Vec<Option<f64>> = last_in
        .iter()
        .enumerate()
        .map(|(i, c)| match c {
            Some(p) => {
                before = Some(*p);
                p.1.is_finite().then_some(p.1)
            }
            None => {
                let cell_end = start + slice * (i + 1) as f64;
                before
                    .filter(|(t, v)| v.is_finite() && cell_end - t <= step * 1.5)
                    .map(|(_, v)| v)
            }
        })
        .collect();
    let (lo, hi) = cells
        .iter()
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
            (l.min(v), h.max(v))
        });
    cells
        .iter()
        .map(|c| match c {
            None => ' ',
            Some(v) if hi > lo => BARS[(((v - lo) / (hi - lo)) * 7.0).round() as usize],
            Some(_) => BARS[3],
        })
        .collect()
}

#[cfg(test)]
#[path = "shape_tests.rs"]
mod tests;
