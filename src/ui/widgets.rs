//! Small shared pieces every pane uses.

use crate::pane::{PaneId, RenderCtx};
use crate::source::SourceStatus;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

/// A bordered block titled for a pane.
pub fn pane_block<'a>(title: impl Into<String>, ctx: &RenderCtx<'_>) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(ctx.theme.border)
        .title(Span::styled(format!(" {} ", title.into()), ctx.theme.title))
}

/// One line per source of this pane: what state it is in and how to fix it.
/// Panes show this when they have no data, so "empty" never looks like "healthy".
pub fn source_lines(pane: PaneId, ctx: &RenderCtx<'_>) -> Vec<Line<'static>> {
    let t = ctx.theme;
    let mut lines = Vec::new();
    for (id, state) in ctx
        .sources
        .iter()
        .filter(|(id, _)| pane.sources().contains(&id.kind))
    {
        let (glyph, style, text) = match &state.status {
            SourceStatus::Connected { detail } => ("✓", t.ok, format!("connected {detail}")),
            SourceStatus::Loading => ("…", t.info, "loading".to_string()),
            SourceStatus::Stale { reason } => {
                let age = state
                    .last_data
                    .map(|d| crate::text::age(d, ctx.now))
                    .unwrap_or_else(|| "?".into());
                ("!", t.warning, format!("stale (data {age} old): {reason}"))
            }
            SourceStatus::Unreachable { reason, hint } => {
                ("✗", t.critical, format!("unreachable: {reason} — {hint}"))
            }
            SourceStatus::NotConfigured { hint } => {
                ("–", t.muted, format!("not configured: {hint}"))
            }
            SourceStatus::Disabled => ("–", t.muted, "disabled (enabled = false)".to_string()),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{glyph} "), style),
            Span::styled(id.to_string(), t.header),
            Span::raw(" "),
            Span::styled(crate::text::sanitize(&text).into_owned(), style),
        ]));
    }
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            "no source has reported yet",
            t.muted,
        )));
    }
    lines
}

/// The empty state: a message and the pane's source lines.
pub fn empty_state(area: Rect, buf: &mut Buffer, pane: PaneId, message: &str, ctx: &RenderCtx<'_>) {
    let mut lines = vec![
        Line::from(Span::styled(message.to_string(), ctx.theme.muted)),
        Line::default(),
    ];
    lines.extend(source_lines(pane, ctx));
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(area, buf);
}

/// A one-line text input holding `text`, the cursor at its end, no
/// cursor-line highlight: every query editor, filter and form field.
pub fn single_line(text: &str) -> ratatui_textarea::TextArea<'static> {
    let mut t = ratatui_textarea::TextArea::new(vec![text.to_string()]);
    t.set_cursor_line_style(ratatui::style::Style::default());
    t.move_cursor(ratatui_textarea::CursorMove::End);
    t
}
