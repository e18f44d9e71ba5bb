//! The viewer's detail views: one line expanded in full (long lines are cut in
//! the list), a JSON line pretty-printed, and the context around a line.
//! Text is sanitised once when the view opens; wrapping is cached per width,
//! so even a 10 MB line costs one pass, not one per frame.

use super::ring::{Entry, LogRing};
use super::{Level, format_ts};
use crate::pane::Nav;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailKind {
    Line,
    Json,
    Context,
}

#[derive(Debug, Clone)]
pub struct DetailLine {
    /// Sanitised text.
    pub text: String,
    pub level: Level,
    /// The line the view was opened on (context view).
    pub mark: bool,
}

#[derive(Debug)]
pub struct Detail {
    pub kind: DetailKind,
    pub title: String,
    pub lines: Vec<DetailLine>,
    pub scroll: crate::ui::scroll::Scroll,
    /// Wrapped rows for one width: (line index, row text).
    pub(super) rows: Option<(u16, Vec<(usize, String)>)>,
}

impl Detail {
    fn new(kind: DetailKind, title: String, lines: Vec<DetailLine>) -> Self {
        Self {
            kind,
            title,
            lines,
            scroll: Default::default(),
            rows: None,
        }
    }

    /// The whole line, wrapped.
    pub fn expand(e: &Entry) -> Self {
        let mut lines = vec![header_line(e)];
        lines.extend(
            crate::text::sanitize_multiline(&e.line.text)
                .lines()
                .map(|t| DetailLine {
                    text: t.to_string(),
                    level: e.level,
                    mark: false,
                }),
        );
        let title = format!("line ({} bytes)", e.line.text.len());
        Self::new(DetailKind::Line, title, lines)
    }

    /// A JSON line (or the JSON after a prefix such as a timestamp), pretty-printed.
    pub fn json(e: &Entry) -> Option<Self> {
        let text = &e.line.text;
        let start = text.find(['{', '['])?;
        let value: serde_json::Value = serde_json::from_str(text[start..].trim_end()).ok()?;
        let pretty = serde_json::to_string_pretty(&value).ok()?;
        let mut lines = vec![header_line(e)];
        if start > 0 {
            lines.push(DetailLine {
                text: crate::text::sanitize(text[..start].trim_end()).into_owned(),
                level: e.level,
                mark: false,
            });
        }
        lines.extend(
            crate::text::sanitize_multiline(&pretty)
                .lines()
                .map(|t| DetailLine {
                    text: t.to_string(),
                    level: Level::Unknown,
                    mark: false,
                }),
        );
        Some(Self::new(DetailKind::Json, "JSON".into(), lines))
    }

    /// Up to `n` lines of the same stream before and after `seq`, whatever the
    /// filters hide (grep -C, Grafana's "show context").
    pub fn context(ring: &LogRing, seq: i64, n: usize) -> Self {
        let Some(centre) = ring.get(seq) else {
            return Self::new(DetailKind::Context, "context".into(), Vec::new());
        };
        let same = |e: &Entry| e.line.labels == centre.line.labels;
        // Bound the walk: a busy multi-stream ring must not be scanned whole.
        const WALK: i64 = 10_000;
        let before: Vec<&Entry> = (seq.saturating_sub(WALK).max(ring.first_seq())..seq)
            .rev()
            .filter_map(|s| ring.get(s))
            .filter(|e| same(e))
            .take(n)
            .collect();
        let after: Vec<&Entry> = (seq + 1..(seq + WALK).min(ring.end_seq()))
            .filter_map(|s| ring.get(s))
            .filter(|e| same(e))
            .take(n)
            .collect();
        let mut lines = Vec::new();
        let mut push = |e: &Entry, mark: bool| {
            let cut = super::viewer_render::cut(&e.line.text, 4096);
            let ts = e.line.ts_ns.map(format_ts).unwrap_or_default();
            let sep = if ts.is_empty() { "" } else { " " };
            lines.push(DetailLine {
                text: format!("{ts}{sep}{}", crate::text::sanitize(cut)),
                level: e.level,
                mark,
            });
        };
        for e in before.into_iter().rev() {
            push(e, false);
        }
        push(centre, true);
        for e in after {
            push(e, false);
        }
        let title = format!("context: {} lines before and after", n);
        let mut d = Self::new(DetailKind::Context, title, lines);
        let mark = d.lines.iter().position(|l| l.mark).unwrap_or(0);
        d.scroll.by(mark.saturating_sub(3) as isize);
        d
    }

    /// Rows are known only after a render at some width; the scroll clamps
    /// to them when drawn, so "bottom" can simply ask for the end.
    pub fn navigate(&mut self, nav: Nav) -> bool {
        matches!(nav, Nav::Left | Nav::Right) || self.scroll.navigate(nav)
    }
}

fn header_line(e: &Entry) -> DetailLine {
    let mut parts = Vec::new();
    if let Some(ts) = e.line.ts_ns {
        parts.push(format_ts(ts));
    }
    parts.push(format!("level={}", e.level.name()));
    if !e.line.labels.is_empty() {
        parts.push(crate::text::sanitize(&e.line.labels_text()).into_owned());
    }
    DetailLine {
        text: parts.join("  "),
        level: Level::Unknown,
        mark: true,
    }
}
