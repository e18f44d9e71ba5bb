//! The volume histogram above the lines: `sum by (level, detected_level) (count_over_time(…))`
//! over the selected range, drawn as stacked bars (errors at the bottom in the
//! error colour, then warnings, then the rest) with counts that read without colour.

use super::{Level, VolumeSeries};
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    pub start_ns: i128,
    pub step_secs: u64,
    /// Per bucket: [errors, warnings, other].
    pub buckets: Vec<[u64; 3]>,
}

const BARS: [&str; 8] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

impl Histogram {
    pub fn from_series(
        start_ns: i128,
        end_ns: i128,
        step_secs: u64,
        series: &[VolumeSeries],
    ) -> Self {
        let step_ns = step_secs.max(1) as i128 * 1_000_000_000;
        let n = ((end_ns - start_ns) / step_ns).clamp(1, 10_000) as usize + 1;
        let mut buckets = vec![[0u64; 3]; n];
        for s in series {
            let k = match Level::parse(&s.level) {
                Level::Error | Level::Fatal => 0,
                Level::Warn => 1,
                _ => 2,
            };
            // Float seconds cannot hold nanoseconds exactly: bucket by
            // rounding in seconds, where Loki's step-aligned points sit.
            let start_s = start_ns as f64 / 1e9;
            for (t, v) in &s.points {
                let k_f = ((*t - start_s) / step_secs.max(1) as f64).round();
                let idx = (k_f.max(0.0) as usize).min(n - 1);
                buckets[idx][k] += v.max(0.0).round() as u64;
            }
        }
        Self {
            start_ns,
            step_secs,
            buckets,
        }
    }

    pub fn totals(&self) -> [u64; 3] {
        self.buckets.iter().fold([0; 3], |mut acc, b| {
            for i in 0..3 {
                acc[i] += b[i];
            }
            acc
        })
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        if area.height < 2 || area.width < 10 || self.buckets.is_empty() {
            return;
        }
        let bars_h = (area.height - 1) as u64;
        let w = area.width as usize;
        let n = self.buckets.len();
        // One column per screen cell: buckets are merged when there are more
        // of them than columns, and stretched when there are fewer.
        let cols: Vec<[u64; 3]> = (0..w)
            .map(|c| {
                let (a, b) = (c * n / w, ((c + 1) * n / w).max(c * n / w + 1));
                self.buckets[a..b.min(n)].iter().fold([0; 3], |mut acc, x| {
                    for i in 0..3 {
                        acc[i] += x[i];
                    }
                    acc
                })
            })
            .collect();
        let max = cols
            .iter()
            .map(|c| c.iter().sum::<u64>())
            .max()
            .unwrap_or(0)
            .max(1);
        let styles: [Style; 3] = [theme.level_error, theme.level_warn, theme.info];
        for (x, c) in cols.iter().enumerate() {
            let total: u64 = c.iter().sum();
            if total == 0 {
                continue;
            }
            let eighths = (total * bars_h * 8).div_ceil(max).max(1);
            // Segment tops in eighths, bottom to top: errors, warnings, other.
            let e = c[0] * eighths / total;
            let wn = e + c[1] * eighths / total;
            for r in 0..bars_h {
                let fill = eighths.saturating_sub(r * 8).min(8);
                if fill == 0 {
                    break;
                }
                let top = r * 8 + fill - 1;
                let style = if c[0] > 0 && top < e.max(1) {
                    styles[0]
                } else if c[1] > 0 && top < wn.max(e + 1) {
                    styles[1]
                } else {
                    styles[2]
                };
                let y = area.y + (bars_h - 1 - r) as u16;
                buf[(area.x + x as u16, y)]
                    .set_symbol(BARS[(fill - 1) as usize])
                    .set_style(style);
            }
        }
        let [err, warn, other] = self.totals();
        let axis = format!(
            "{} ▏step {} ▏max {max}/bar ▏E {err}  W {warn}  other {other}",
            super::format_ts(self.start_ns).get(11..16).unwrap_or(""),
            crate::text::human_duration(std::time::Duration::from_secs(self.step_secs)),
        );
        buf.set_stringn(area.x, area.bottom() - 1, axis, w, theme.muted);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_land_in_their_buckets_by_level() {
        let start = 1_700_000_000_000_000_000i128;
        let series = vec![
            VolumeSeries {
                level: "error".into(),
                points: vec![(1_700_000_000.0, 2.0), (1_700_000_120.0, 1.0)],
            },
            VolumeSeries {
                level: "".into(),
                points: vec![(1_700_000_060.0, 5.0)],
            },
        ];
        let h = Histogram::from_series(start, start + 180_000_000_000, 60, &series);
        assert_eq!(h.buckets[0], [2, 0, 0]);
        assert_eq!(h.buckets[1], [0, 0, 5]);
        assert_eq!(h.buckets[2], [1, 0, 0]);
        assert_eq!(h.totals(), [3, 0, 5]);
    }
}
