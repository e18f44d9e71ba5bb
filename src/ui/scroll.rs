//! One scroll position for every text view that is longer than its window
//! (a pod's detail, the help overlay, a preview): moved by navigation, and
//! clamped to the content every time it is drawn, so it can never scroll past
//! the end — whatever the content or the window size did in between.
//!
//! Drawing records what it drew through `&self` (the cells), so a view that
//! renders from a shared reference can still clamp.

use crate::pane::Nav;
use std::cell::Cell;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scroll {
    offset: Cell<usize>,
    /// Content lines and window height at the last draw (`None` before the first).
    extent: Cell<Option<(usize, usize)>>,
}

impl Scroll {
    pub fn offset(&self) -> usize {
        self.offset.get()
    }

    /// Back to the top (a new object is shown).
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    fn page(&self) -> usize {
        self.extent.get().map_or(10, |(_, page)| page.max(1))
    }

    fn max(&self) -> usize {
        self.extent
            .get()
            .map_or(usize::MAX, |(len, page)| len.saturating_sub(page))
    }

    /// Apply a navigation action; returns whether it was one that scrolls.
    pub fn navigate(&mut self, nav: Nav) -> bool {
        let (page, at) = (self.page(), self.offset());
        let to = match nav {
            Nav::Up => at.saturating_sub(1),
            Nav::Down => at.saturating_add(1),
            Nav::PageUp => at.saturating_sub(page),
            Nav::PageDown => at.saturating_add(page),
            Nav::Top => 0,
            Nav::Bottom => self.max(),
            _ => return false,
        };
        self.offset.set(to.min(self.max()));
        true
    }

    /// Scroll by `delta` lines (a horizontal step, a mouse-free "half page").
    pub fn by(&mut self, delta: isize) {
        let to = self.offset().saturating_add_signed(delta).min(self.max());
        self.offset.set(to);
    }

    /// Record what is being drawn — `len` content lines in a window of
    /// `height` — and clamp to it. Returns the offset to draw from.
    pub fn clamp_to(&self, len: usize, height: usize) -> usize {
        self.extent.set(Some((len, height)));
        self.offset.set(self.offset().min(self.max()));
        self.offset()
    }

    /// [`Scroll::clamp_to`] as ratatui's `Paragraph::scroll` takes it.
    pub fn clamp_u16(&self, len: usize, height: u16) -> u16 {
        u16::try_from(self.clamp_to(len, height.into())).unwrap_or(u16::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_scrolls_past_the_end_once_drawn() {
        let mut s = Scroll::default();
        // Before the first draw the length is unknown: moves are kept and
        // clamped by the draw.
        for _ in 0..50 {
            s.navigate(Nav::Down);
        }
        assert_eq!(s.clamp_to(30, 10), 20);
        assert!(s.navigate(Nav::PageDown));
        assert_eq!(s.offset(), 20, "already at the end");
        s.navigate(Nav::Top);
        s.navigate(Nav::PageDown);
        assert_eq!(s.offset(), 10, "a page is the window height");
        s.navigate(Nav::Bottom);
        assert_eq!(s.offset(), 20);
        // The content shrank (a pod lost its events): the next draw clamps.
        assert_eq!(s.clamp_to(12, 10), 2);
        // Shorter than the window: nothing to scroll.
        assert_eq!(s.clamp_to(5, 10), 0);
        assert!(!s.navigate(Nav::Select));
    }
}
