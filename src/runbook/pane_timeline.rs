//! Drawing an open incident's timeline in the Runbook pane: one row per
//! line (`HH:MM:SS  change ×N  place  detail`, UTC like the rest of the
//! pane's times), newest at the bottom, following the end unless the operator
//! scrolled back; only the rows on screen are formatted.

use super::pane::RunbookPane;
use super::timeline::{Line as TLine, Tone};
use crate::pane::{Nav, RenderCtx};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

fn tone(t: Tone, ctx: &RenderCtx<'_>) -> Style {
    let th = ctx.theme;
    match t {
        Tone::Bad => th.critical,
        Tone::Warn => th.warning,
        Tone::Good => th.ok,
        Tone::Info => th.info,
        Tone::Plain => th.base,
        Tone::Muted => th.muted,
    }
}

fn row<'a>(l: &TLine, ctx: &RenderCtx<'_>) -> Line<'a> {
    let th = ctx.theme;
    let mut spans = vec![
        Span::styled(format!("{}  ", l.at.strftime("%H:%M:%S")), th.muted),
        Span::styled(l.what_counted(), tone(l.tone, ctx)),
    ];
    if !l.place.is_empty() {
        spans.push(Span::styled(format!("  {}", l.place), th.base));
    }
    if !l.detail.is_empty() {
        spans.push(Span::styled(format!("  {}", l.detail), th.muted));
    }
    let span = l.span("%H:%M:%S");
    if !span.is_empty() {
        spans.push(Span::styled(format!("  ({span})"), th.muted));
    }
    Line::from(spans)
}

pub(super) fn render(p: &mut RunbookPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let th = ctx.theme;
    if area.height == 0 {
        return;
    }
    let run_id = p.run.as_ref().map(|r| r.run_id.as_str()).unwrap_or("");
    let lines = &p.incident_lines;
    let len = if lines.run_id == run_id {
        lines.lines.len()
    } else {
        0
    };
    let body = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    let height = body.height as usize;
    p.timeline_page = height.max(1);
    p.timeline_back = p.timeline_back.min(len.saturating_sub(height));
    let back = p.timeline_back;
    let head = if back > 0 {
        format!("Incident timeline — scrolled back: {back} newer lines below")
    } else {
        "Incident timeline: actions, notes and the changes the console saw".to_string()
    };
    Span::styled(head, th.muted).render(Rect { height: 1, ..area }, buf);
    if len == 0 {
        if height > 0 {
            Span::styled("nothing recorded yet", th.muted).render(Rect { height: 1, ..body }, buf);
        }
        return;
    }
    let end = len - back;
    let start = end.saturating_sub(height);
    for (i, l) in lines.lines.range(start..end).enumerate() {
        let y = body.y + i as u16;
        row(l, ctx).render(
            Rect {
                y,
                height: 1,
                ..body
            },
            buf,
        );
    }
}

impl RunbookPane {
    /// Scroll the incident's timeline; `back` counts lines from the newest.
    pub(super) fn scroll_timeline(&mut self, nav: Nav) {
        let len = self.incident_lines.lines.len();
        let page = self.timeline_page.max(1);
        let b = self.timeline_back;
        self.timeline_back = match nav {
            Nav::Up => b + 1,
            Nav::Down => b.saturating_sub(1),
            Nav::PageUp => b + page,
            Nav::PageDown => b.saturating_sub(page),
            Nav::Top => len,
            _ => 0,
        }
        .min(len.saturating_sub(page.min(len)));
    }
}
