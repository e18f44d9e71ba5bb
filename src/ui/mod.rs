//! Shared rendering: the widgets every pane draws with (the virtual table,
//! the clamped scroll, pane blocks and empty states) and a buffer-to-text
//! helper for tests. Drawing the console's own frame (pane bar, status bar,
//! overlays) is the console's job: `app::draw`.

pub mod scroll;
pub mod table;
pub mod widgets;

use ratatui::buffer::Buffer;

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
