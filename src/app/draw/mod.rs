//! Drawing the console: pure functions from the [`App`] to a ratatui [`Buffer`].
//!
//! The whole screen renders into an off-screen buffer; the main loop writes to
//! the terminal only when that buffer differs from the last one drawn, so a
//! console whose data does not change writes nothing at all.

mod chrome;
mod overlays;

use super::App;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Widget;

/// Draw the whole console into `buf` (sized to `area`).
pub fn draw(app: &mut App, area: Rect, buf: &mut Buffer, now: jiff::Timestamp) {
    ratatui::widgets::Block::default()
        .style(app.theme.base)
        .render(area, buf);
    let banner = !app.warnings_seen && !app.warnings.is_empty();
    let filter = app.filter_input.is_some() || app.filters.contains_key(&app.active);
    let [bar, banner_area, body, filter_area, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(u16::from(banner)),
        Constraint::Min(0),
        Constraint::Length(u16::from(filter)),
        Constraint::Length(1),
    ])
    .areas(area);
    chrome::pane_bar(app, bar, buf);
    if banner {
        chrome::banner(app, banner_area, buf);
    }
    app.render_pane(body, buf, now);
    if filter {
        chrome::filter_bar(app, filter_area, buf);
    }
    chrome::status_bar(app, status, buf, now);
    overlays::render(app, area, buf);
}

/// Render a fresh frame of `width`×`height` (tests, benchmarks, report previews).
pub fn render_to_buffer(app: &mut App, width: u16, height: u16, now: jiff::Timestamp) -> Buffer {
    let area = Rect::new(0, 0, width, height);
    let mut buf = Buffer::empty(area);
    draw(app, area, &mut buf, now);
    buf
}
