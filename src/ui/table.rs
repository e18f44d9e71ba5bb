//! A list/table that renders only the rows on screen.
//!
//! Panes hold a [`TableState`] (selection and scroll offset) and hand
//! [`render_table`] a row count and a closure building row `i`. Only the
//! visible slice is ever built, so a 10,000-pod list costs the same per frame
//! as a 20-pod one (see `benches/render.rs`).

use crate::pane::Nav;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableState {
    pub selected: usize,
    pub offset: usize,
    /// Rows visible at the last render (for page up/down).
    pub page: usize,
}

impl TableState {
    /// Apply a navigation action; returns whether it was one that moves the selection.
    pub fn navigate(&mut self, nav: Nav, len: usize) -> bool {
        let last = len.saturating_sub(1);
        let page = self.page.max(1);
        self.selected = match nav {
            Nav::Up => self.selected.saturating_sub(1),
            Nav::Down => (self.selected + 1).min(last),
            Nav::PageUp => self.selected.saturating_sub(page),
            Nav::PageDown => (self.selected + page).min(last),
            Nav::Top => 0,
            Nav::Bottom => last,
            Nav::Select | Nav::Back | Nav::Left | Nav::Right => return false,
        };
        true
    }

    /// Keep the selection inside `len` rows (after data or filter changes).
    pub fn clamp(&mut self, len: usize) {
        if self.selected >= len {
            self.selected = len.saturating_sub(1);
        }
    }

    /// Scroll so the selection is visible in `height` rows.
    fn scroll_into_view(&mut self, len: usize, height: usize) {
        self.clamp(len);
        self.page = height;
        if height == 0 {
            return;
        }
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height));
    }
}

/// One cell: text plus style.
pub type Cell<'a> = Span<'a>;

/// Render a header and the visible rows of a `len`-row table.
/// `row(i)` is called only for visible rows.
// A flat call reads best at every pane's call site; a builder would only add noise.
#[allow(clippy::too_many_arguments)]
pub fn render_table<'a>(
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
    state: &mut TableState,
    header: &[&str],
    widths: &[Constraint],
    len: usize,
    mut row: impl FnMut(usize) -> Vec<Cell<'a>>,
) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let cols = Layout::horizontal(widths.iter().copied())
        .spacing(1)
        .split(area);
    let header_y = area.y;
    for (c, title) in cols.iter().zip(header) {
        Span::styled(*title, theme.header).render(Rect::new(c.x, header_y, c.width, 1), buf);
    }
    let body = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    state.scroll_into_view(len, body.height as usize);
    for (screen_row, i) in (state.offset..len).take(body.height as usize).enumerate() {
        let y = body.y + screen_row as u16;
        let selected = i == state.selected;
        let row_area = Rect::new(area.x, y, area.width, 1);
        if selected {
            buf.set_style(row_area, theme.selection);
        }
        for (c, cell) in cols.iter().zip(row(i)) {
            let text = crate::text::truncate(&cell.content, c.width as usize).into_owned();
            let style = if selected {
                cell.style.patch(theme.selection)
            } else {
                cell.style
            };
            Line::from(Span::styled(text, style)).render(Rect::new(c.x, y, c.width, 1), buf);
        }
    }
    if len > body.height as usize && body.height > 0 {
        // A position hint instead of a scrollbar: readable without colour.
        let hint = format!(" {}/{} ", state.selected + 1, len);
        let w = hint.len() as u16;
        if area.width > w {
            Span::styled(hint, theme.muted)
                .render(Rect::new(area.right() - w, header_y, w, 1), buf);
        }
    }
}

/// Style for a severity cell: colour plus a symbol that reads without colour.
pub fn severity_cell(sev: crate::report::Severity, theme: &Theme) -> Cell<'static> {
    let style: Style = match sev {
        crate::report::Severity::Critical => theme.critical,
        crate::report::Severity::Warning => theme.warning,
        crate::report::Severity::Info => theme.info,
    };
    Span::styled(sev.symbol(), style)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_visible_rows_are_built() {
        let theme = Theme::fallback(false);
        let mut state = TableState {
            selected: 5000,
            ..Default::default()
        };
        let mut built = Vec::new();
        let area = Rect::new(0, 0, 40, 11);
        let mut buf = Buffer::empty(area);
        render_table(
            area,
            &mut buf,
            &theme,
            &mut state,
            &["name"],
            &[Constraint::Fill(1)],
            10_000,
            |i| {
                built.push(i);
                vec![Span::raw(format!("row {i}"))]
            },
        );
        assert_eq!(built.len(), 10);
        assert!(built.contains(&5000));
        let text = crate::ui::buffer_text(&buf);
        assert!(text.contains("row 5000"), "{text}");
        assert!(text.contains("5001/10000"));
    }

    #[test]
    fn navigation_clamps_and_pages() {
        let mut s = TableState {
            page: 10,
            ..Default::default()
        };
        s.navigate(Nav::PageDown, 25);
        assert_eq!(s.selected, 10);
        s.navigate(Nav::Bottom, 25);
        assert_eq!(s.selected, 24);
        s.navigate(Nav::Down, 25);
        assert_eq!(s.selected, 24);
        s.clamp(3);
        assert_eq!(s.selected, 2);
        assert!(!s.navigate(Nav::Select, 3));
    }
}
