//! Drawing the viewer: only the rows on screen are built. Each line is cut to
//! `max_line_display` bytes *before* it is sanitised and laid out, so a 10 MB
//! line costs the same per frame as a short one.

use super::Level;
use super::detail::Detail;
use super::ring::Entry;
use super::viewer::LogViewer;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Widget};
use unicode_width::UnicodeWidthChar;

/// The longest prefix of `text` of at most `max` bytes ending on a char boundary.
pub fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

pub fn level_style(theme: &Theme, level: Level) -> Style {
    match level {
        Level::Error | Level::Fatal => theme.level_error,
        Level::Warn => theme.level_warn,
        Level::Info => theme.level_info,
        Level::Debug | Level::Trace => theme.level_debug,
        Level::Unknown => Style::default(),
    }
}

/// A short name for a line's stream: the most telling label value.
fn stream_name(e: &Entry) -> Option<&str> {
    const PREFERRED: [&str; 7] = [
        "container",
        "container_name",
        "app",
        "service_name",
        "job",
        "pod",
        "service",
    ];
    PREFERRED.iter().find_map(|k| {
        e.line
            .labels
            .iter()
            .find(|(lk, _)| lk == k)
            .map(|(_, v)| v.as_str())
    })
}

type Seg = (String, Style);

/// Split styled segments into rows of at most `width` columns.
fn wrap_segments(segs: Vec<Seg>, width: usize) -> Vec<Vec<Seg>> {
    let width = width.max(1);
    let mut rows: Vec<Vec<Seg>> = vec![Vec::new()];
    let mut used = 0;
    for (text, style) in segs {
        let mut cur = String::new();
        for c in text.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > width && used > 0 {
                if !cur.is_empty()
                    && let Some(r) = rows.last_mut()
                {
                    r.push((std::mem::take(&mut cur), style));
                }
                rows.push(Vec::new());
                used = 0;
            }
            cur.push(c);
            used += w;
        }
        if !cur.is_empty()
            && let Some(r) = rows.last_mut()
        {
            r.push((cur, style));
        }
    }
    rows
}

/// Drop the first `n` columns of segments (horizontal scroll).
fn skip_columns(segs: Vec<Seg>, mut n: usize) -> Vec<Seg> {
    let mut out = Vec::new();
    for (text, style) in segs {
        if n == 0 {
            out.push((text, style));
            continue;
        }
        let mut kept = String::new();
        for c in text.chars() {
            if n > 0 {
                n = n.saturating_sub(c.width().unwrap_or(0));
            } else {
                kept.push(c);
            }
        }
        if !kept.is_empty() {
            out.push((kept, style));
        }
    }
    out
}

impl LogViewer {
    fn segments(&self, e: &Entry, theme: &Theme, show_labels: bool) -> (Vec<Seg>, Vec<Seg>) {
        let mut prefix: Vec<Seg> = Vec::new();
        if let Some(ts) = e.line.ts_ns
            && let Ok(t) = jiff::Timestamp::from_nanosecond(ts)
        {
            prefix.push((t.strftime("%H:%M:%S%.3f ").to_string(), theme.muted));
        }
        let lstyle = level_style(theme, e.level);
        let glyph = if e.line.stream == super::Stream::Stderr && e.level == Level::Unknown {
            "!"
        } else {
            e.level.glyph()
        };
        prefix.push((format!("{glyph} "), lstyle.patch(Style::default().bold())));
        if show_labels && let Some(name) = stream_name(e) {
            let name = crate::text::truncate(&crate::text::sanitize(name), 14).into_owned();
            prefix.push((format!("{name:<14} "), theme.muted));
        }
        let raw = cut(&e.line.text, self.max_display);
        let display = crate::text::sanitize(raw);
        let mut text: Vec<Seg> = Vec::new();
        let matches = self
            .search()
            .map(|m| m.find_all(&display))
            .unwrap_or_default();
        let mut at = 0;
        for (s, end) in matches {
            if s > at {
                text.push((display[at..s].to_string(), lstyle));
            }
            text.push((display[s..end].to_string(), theme.search_match));
            at = end;
        }
        if at < display.len() {
            text.push((display[at..].to_string(), lstyle));
        }
        if raw.len() < e.line.text.len() {
            let more = e.line.text.len() - raw.len();
            text.push((
                format!(
                    " …[+{} — Enter shows all]",
                    crate::text::human_bytes(more as u64)
                ),
                theme.muted,
            ));
        }
        (prefix, text)
    }

    fn rows_for(&self, i: usize, theme: &Theme, show_labels: bool, width: usize) -> Vec<Vec<Seg>> {
        let Some(e) = self.visible_entry(i) else {
            return vec![Vec::new()];
        };
        let (prefix, text) = self.segments(e, theme, show_labels);
        let pw: usize = prefix
            .iter()
            .map(|(t, _)| unicode_width::UnicodeWidthStr::width(t.as_str()))
            .sum();
        if !self.wrap {
            let mut row = prefix;
            row.extend(skip_columns(text, self.hscroll));
            return vec![row];
        }
        let tw = width.saturating_sub(pw).max(10);
        let mut rows = wrap_segments(text, tw);
        for (k, r) in rows.iter_mut().enumerate() {
            let pad = if k == 0 {
                prefix.clone()
            } else {
                vec![(" ".repeat(pw), Style::default())]
            };
            r.splice(0..0, pad);
        }
        rows
    }

    /// Draw the visible window (and the detail view over it when open).
    pub fn render(&mut self, area: Rect, buf: &mut Buffer, theme: &Theme, show_labels: bool) {
        if area.height == 0 || area.width == 0 {
            return;
        }
        let h = area.height as usize;
        let w = area.width as usize;
        self.page = h;
        let len = self.visible_len();
        if self.following() {
            self.selected = len.saturating_sub(1);
        }
        self.selected = self.selected.min(len.saturating_sub(1));
        let mut cache: std::collections::HashMap<usize, Vec<Vec<Seg>>> = Default::default();
        let mut rows_of = |v: &LogViewer, i: usize| -> usize {
            cache
                .entry(i)
                .or_insert_with(|| v.rows_for(i, theme, show_labels, w))
                .len()
        };
        if self.selected < self.offset {
            self.offset = self.selected;
        }
        // Move the window down until the selected line fits on screen.
        loop {
            let total: usize = (self.offset..=self.selected.max(self.offset))
                .take(h + 1)
                .map(|i| rows_of(self, i))
                .sum();
            if total <= h || self.offset >= self.selected {
                break;
            }
            self.offset += 1;
        }
        let mut y = 0usize;
        let mut i = self.offset;
        while y < h && i < len {
            let rows = cache
                .remove(&i)
                .unwrap_or_else(|| self.rows_for(i, theme, show_labels, w));
            let selected = i == self.selected;
            for row in rows {
                if y >= h {
                    break;
                }
                let rect = Rect::new(area.x, area.y + y as u16, area.width, 1);
                if selected {
                    buf.set_style(rect, theme.selection);
                }
                let spans: Vec<Span> = row
                    .into_iter()
                    .map(|(t, s)| {
                        let s = if selected && s != theme.search_match {
                            s.patch(theme.selection)
                        } else {
                            s
                        };
                        Span::styled(t, s)
                    })
                    .collect();
                Line::from(spans).render(rect, buf);
                y += 1;
            }
            i += 1;
        }
        if let Some(d) = &mut self.detail {
            render_detail(d, area, buf, theme);
        }
    }
}

/// The detail view, drawn over the list.
fn render_detail(d: &mut Detail, area: Rect, buf: &mut Buffer, theme: &Theme) {
    Clear.render(area, buf);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .style(theme.overlay)
        .title(Span::styled(
            format!(" {} — Esc closes ", crate::text::sanitize(&d.title)),
            theme.title,
        ));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    if d.rows.as_ref().is_none_or(|(w, _)| *w != inner.width) {
        let mut rows = Vec::new();
        for (li, l) in d.lines.iter().enumerate() {
            for r in wrap_segments(
                vec![(l.text.clone(), Style::default())],
                inner.width as usize,
            ) {
                rows.push((li, r.into_iter().map(|(t, _)| t).collect::<String>()));
            }
        }
        d.rows = Some((inner.width, rows));
    }
    let Some((_, rows)) = &d.rows else {
        return;
    };
    let offset = d.scroll.clamp_to(rows.len(), inner.height.into());
    for (k, (li, text)) in rows
        .iter()
        .skip(offset)
        .take(inner.height as usize)
        .enumerate()
    {
        let l = &d.lines[*li];
        let style = if l.mark {
            theme.header
        } else {
            level_style(theme, l.level)
        };
        let rect = Rect::new(inner.x, inner.y + k as u16, inner.width, 1);
        Line::from(Span::styled(text.as_str(), style)).render(rect, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_matches_stay_highlighted_on_the_selected_line() {
        let theme = Theme::load("default", false).unwrap();
        let mut v = LogViewer::new(10, 100);
        v.push(vec![super::super::LogLine::new(
            None,
            "WARNING [backend.api] slow",
        )]);
        v.set_search("backend");
        let area = Rect::new(0, 0, 40, 3);
        let mut buf = Buffer::empty(area);
        v.render(area, &mut buf, &theme, false);
        let cells: Vec<_> = (0..20)
            .map(|x| (buf[(x, 0)].symbol().to_string(), buf[(x, 0)].bg))
            .collect();
        assert_eq!(buf[(11, 0)].bg, theme.search_match.bg.unwrap(), "{cells:?}");
    }

    #[test]
    fn cut_respects_char_boundaries() {
        assert_eq!(cut("héllo", 2), "h");
        assert_eq!(cut("héllo", 3), "hé");
        assert_eq!(cut("abc", 10), "abc");
    }

    #[test]
    fn wrapping_splits_by_display_width() {
        let rows = wrap_segments(vec![("abcdefgh".into(), Style::default())], 3);
        let texts: Vec<String> = rows
            .iter()
            .map(|r| r.iter().map(|(t, _)| t.as_str()).collect())
            .collect();
        assert_eq!(texts, ["abc", "def", "gh"]);
    }
}
