//! Rendering: pure functions from state to a ratatui [`Buffer`].
//!
//! The whole screen renders into an off-screen buffer; the main loop writes to
//! the terminal only when that buffer differs from the last one drawn, so a
//! console whose data does not change writes nothing at all.

mod chrome;
mod overlays;
pub mod scroll;
pub mod table;
pub mod widgets;

use crate::app::App;
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

/// The buffer as plain text lines (snapshots, e2e assertions).
pub fn buffer_text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        let mut skip = 0;
        for x in area.left()..area.right() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            line.push_str(sym);
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
