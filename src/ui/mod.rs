//! Shared rendering: the widgets every pane draws with (the virtual table,
//! the clamped scroll, pane blocks and empty states) and a buffer-to-text
//! helper for tests. Drawing the console's own frame (pane bar, status bar,
//! overlays) is the console's job: `app::draw`.

pub mod history;
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

/// Drawing a pane alone, as the console would, for the panes' own tests.
#[cfg(test)]
pub mod testing {
    use crate::keymap::Keymap;
    use crate::pane::{Pane, RenderCtx, SourceState};
    use crate::source::SourceId;
    use crate::theme::Theme;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use std::collections::BTreeMap;

    /// What the frame around the pane would say.
    pub struct Scene<'a> {
        pub theme: Theme,
        pub now: jiff::Timestamp,
        pub read_only: bool,
        pub demo: bool,
        pub sources: &'a BTreeMap<SourceId, SourceState>,
    }

    impl<'a> Scene<'a> {
        /// The fallback colour theme, writable, not demo, no sources.
        pub fn at(now: jiff::Timestamp, sources: &'a BTreeMap<SourceId, SourceState>) -> Self {
            Self {
                theme: Theme::fallback(false),
                now,
                read_only: false,
                demo: false,
                sources,
            }
        }
    }

    /// Prepare and draw `p` into a fresh `w`×`h` buffer with its own keymap section.
    pub fn draw<P: Pane>(p: &mut P, w: u16, h: u16, scene: &Scene<'_>) -> Buffer {
        let keymap = Keymap::for_pane::<P::Action>(p.id());
        let ctx = RenderCtx {
            theme: &scene.theme,
            keymap: &keymap,
            now: scene.now,
            read_only: scene.read_only,
            demo: scene.demo,
            sources: scene.sources,
        };
        let area = Rect::new(0, 0, w, h);
        let mut buf = Buffer::empty(area);
        p.prepare(scene.now);
        p.render(area, &mut buf, &ctx);
        buf
    }
}
