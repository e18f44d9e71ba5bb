//! The one log viewer: Loki results and tails, pod logs and container logs all
//! end up here.
//!
//! State only (rendering is in `viewer_render.rs`): a bounded [`LogRing`], the
//! sequence numbers of the lines that pass the include/exclude filters, the
//! selection, search, wrap, pause and the detail view (expanded line, pretty
//! JSON, context). Lines stay raw in the ring; they are sanitised when drawn.

use super::detail::{Detail, DetailKind};
use super::matcher::Matcher;
use super::ring::{Entry, LogRing};
use super::{LogLine, format_ts};
use crate::pane::Nav;
use std::collections::VecDeque;

/// Lines shown before and after the selected one in the context view.
pub const CONTEXT_LINES: usize = 10;

#[derive(Debug)]
pub struct LogViewer {
    ring: LogRing,
    /// Sequence numbers of the lines passing the filters, ascending.
    visible: VecDeque<i64>,
    includes: Vec<Matcher>,
    excludes: Vec<Matcher>,
    /// The `/` quick filter (one include that follows typing).
    quick: Option<Matcher>,
    search: Option<Matcher>,
    /// Index into `visible`.
    pub(super) selected: usize,
    pub(super) offset: usize,
    pub(super) page: usize,
    /// Stick to the newest line as lines arrive.
    follow: bool,
    pub(super) wrap: bool,
    pub(super) hscroll: usize,
    pub max_display: usize,
    paused: bool,
    /// Lines that arrived while paused, shown on resume (bounded like the ring).
    pending: VecDeque<LogLine>,
    /// Older lines refused because the ring was full.
    refused: u64,
    pub detail: Option<Detail>,
}

impl LogViewer {
    pub fn new(capacity: usize, max_display: usize) -> Self {
        Self {
            ring: LogRing::new(capacity),
            visible: VecDeque::new(),
            includes: Vec::new(),
            excludes: Vec::new(),
            quick: None,
            search: None,
            selected: 0,
            offset: 0,
            page: 10,
            follow: true,
            wrap: false,
            hscroll: 0,
            max_display: max_display.max(16),
            paused: false,
            pending: VecDeque::new(),
            refused: 0,
            detail: None,
        }
    }

    /// Forget every line (a new query or stream); filters and search stay.
    pub fn clear(&mut self) {
        self.ring.clear();
        self.visible.clear();
        self.pending.clear();
        self.selected = 0;
        self.offset = 0;
        self.follow = true;
        self.refused = 0;
        self.detail = None;
    }

    pub fn ring(&self) -> &LogRing {
        &self.ring
    }
    /// Lines passing the filters.
    pub fn visible_len(&self) -> usize {
        self.visible.len()
    }
    pub fn evicted(&self) -> u64 {
        self.ring.evicted()
    }
    pub fn refused(&self) -> u64 {
        self.refused
    }
    pub fn paused(&self) -> bool {
        self.paused
    }
    pub fn pending(&self) -> usize {
        self.pending.len()
    }
    pub fn following(&self) -> bool {
        self.follow
    }
    pub fn wrapped(&self) -> bool {
        self.wrap
    }
    pub fn includes(&self) -> &[Matcher] {
        &self.includes
    }
    pub fn excludes(&self) -> &[Matcher] {
        &self.excludes
    }
    pub fn quick(&self) -> Option<&Matcher> {
        self.quick.as_ref()
    }
    pub fn search(&self) -> Option<&Matcher> {
        self.search.as_ref()
    }

    /// The entry at visible index `i`.
    pub fn visible_entry(&self, i: usize) -> Option<&Entry> {
        self.visible.get(i).and_then(|s| self.ring.get(*s))
    }

    pub fn selected_index(&self) -> usize {
        self.selected
    }

    pub fn selected_entry(&self) -> Option<&Entry> {
        self.visible_entry(self.selected)
    }

    /// Newest timestamp kept (for resuming a stream without duplicates).
    pub fn newest_ts(&self) -> Option<i128> {
        self.ring.iter().rev().find_map(|(_, e)| e.line.ts_ns)
    }

    // ---- ingest ------------------------------------------------------------

    /// New lines, oldest first. While paused they wait (bounded) until resume.
    pub fn push(&mut self, lines: Vec<LogLine>) {
        if self.paused {
            for l in lines {
                if self.pending.len() >= self.ring.capacity() {
                    // Dropping the oldest waiting line is an eviction too:
                    // it would have scrolled out of the ring anyway.
                    self.pending.pop_front();
                    self.refused += 1;
                }
                self.pending.push_back(l);
            }
            return;
        }
        for l in lines {
            self.push_one(l);
        }
        if self.follow {
            self.selected = self.visible.len().saturating_sub(1);
        }
    }

    fn push_one(&mut self, line: LogLine) {
        let pass = self.passes(&line.text);
        let (seq, evicted) = self.ring.push_back(line);
        if evicted {
            let first = self.ring.first_seq();
            while self.visible.front().is_some_and(|s| *s < first) {
                self.visible.pop_front();
                self.selected = self.selected.saturating_sub(1);
                self.offset = self.offset.saturating_sub(1);
            }
        }
        if pass {
            self.visible.push_back(seq);
        }
    }

    /// Older lines (oldest first) in front of what is shown; returns how many
    /// were refused because the ring is full.
    pub fn prepend(&mut self, lines: Vec<LogLine>) -> usize {
        let mut refused = 0;
        for line in lines.into_iter().rev() {
            let pass = self.passes(&line.text);
            if !self.ring.push_front(line) {
                refused += 1;
                continue;
            }
            if pass {
                self.visible.push_front(self.ring.first_seq());
                // Keep the selection on the same line: it moved down one.
                if self.visible.len() > 1 {
                    self.selected += 1;
                    self.offset += 1;
                }
            }
        }
        self.refused += refused as u64;
        refused
    }

    pub fn set_paused(&mut self, paused: bool) {
        if self.paused == paused {
            return;
        }
        self.paused = paused;
        if !paused {
            let lines: Vec<LogLine> = self.pending.drain(..).collect();
            self.push(lines);
        }
    }

    // ---- filters and search ------------------------------------------------

    fn passes(&self, text: &str) -> bool {
        self.includes.iter().all(|m| m.is_match(text))
            && self.quick.as_ref().is_none_or(|m| m.is_match(text))
            && !self.excludes.iter().any(|m| m.is_match(text))
    }

    pub fn add_include(&mut self, needle: &str) {
        if let Some(m) = Matcher::new(needle) {
            self.includes.push(m);
            self.refilter();
        }
    }

    pub fn add_exclude(&mut self, needle: &str) {
        if let Some(m) = Matcher::new(needle) {
            self.excludes.push(m);
            self.refilter();
        }
    }

    pub fn set_quick_filter(&mut self, needle: &str) {
        let m = Matcher::new(needle);
        if m.as_ref().map(Matcher::needle) == self.quick.as_ref().map(Matcher::needle) {
            return;
        }
        self.quick = m;
        self.refilter();
    }

    pub fn clear_filters(&mut self) {
        self.includes.clear();
        self.excludes.clear();
        self.quick = None;
        self.search = None;
        self.refilter();
    }

    /// Recompute the visible lines, keeping the selected line selected when it
    /// still passes (else the nearest one after it).
    pub fn refilter(&mut self) {
        let keep = self.visible.get(self.selected).copied();
        let visible: VecDeque<i64> = self
            .ring
            .iter()
            .filter(|(_, e)| self.passes(&e.line.text))
            .map(|(s, _)| s)
            .collect();
        self.visible = visible;
        self.selected = match keep {
            Some(seq) if !self.follow => self.visible.partition_point(|s| *s < seq),
            _ => self.visible.len().saturating_sub(1),
        };
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
    }

    /// Set the search and move to the first match at or after the selection.
    pub fn set_search(&mut self, needle: &str) -> bool {
        self.search = Matcher::new(needle);
        if self.search.is_none() {
            return false;
        }
        self.find_match(true, true)
    }

    /// n / N: the next match after (or before) the selection, wrapping around.
    pub fn next_match(&mut self, forward: bool) -> bool {
        self.find_match(forward, false)
    }

    fn find_match(&mut self, forward: bool, include_current: bool) -> bool {
        let Some(m) = &self.search else {
            return false;
        };
        let n = self.visible.len();
        if n == 0 {
            return false;
        }
        let start = self.selected.min(n - 1);
        for step in 0..n {
            let step = if include_current { step } else { step + 1 };
            let i = if forward {
                (start + step) % n
            } else {
                (start + n - (step % n)) % n
            };
            if self
                .visible_entry(i)
                .is_some_and(|e| m.is_match(&e.line.text))
            {
                self.selected = i;
                self.follow = false;
                return true;
            }
        }
        false
    }

    // ---- navigation --------------------------------------------------------

    /// Navigation actions; returns whether the action was one.
    pub fn navigate(&mut self, nav: Nav) -> bool {
        if let Some(d) = &mut self.detail {
            return d.navigate(nav);
        }
        let last = self.visible.len().saturating_sub(1);
        let page = self.page.max(1);
        match nav {
            Nav::Up => self.selected = self.selected.saturating_sub(1),
            Nav::Down => self.selected = (self.selected + 1).min(last),
            Nav::PageUp => self.selected = self.selected.saturating_sub(page),
            Nav::PageDown => self.selected = (self.selected + page).min(last),
            Nav::Top => self.selected = 0,
            Nav::Bottom => self.selected = last,
            Nav::Left => {
                self.hscroll = self.hscroll.saturating_sub(8);
                return true;
            }
            Nav::Right => {
                if !self.wrap {
                    self.hscroll += 8;
                }
                return true;
            }
            Nav::Select | Nav::Back => return false,
        }
        // Reaching the newest line re-enables following, like `tail -f` in less.
        self.follow = self.selected >= last;
        true
    }

    pub fn toggle_wrap(&mut self) {
        self.wrap = !self.wrap;
        self.hscroll = 0;
    }

    // ---- detail views ------------------------------------------------------

    /// Open the expand / JSON / context view of the selected line. Errors say
    /// why not (no line, not JSON).
    pub fn open_detail(&mut self, kind: DetailKind) -> Result<(), String> {
        let seq = *self
            .visible
            .get(self.selected)
            .ok_or_else(|| "no line selected".to_string())?;
        let detail = match kind {
            DetailKind::Line => self.ring.get(seq).map(Detail::expand),
            DetailKind::Json => match self.ring.get(seq) {
                Some(e) => Some(Detail::json(e).ok_or("the selected line is not JSON")?),
                None => None,
            },
            DetailKind::Context => Some(Detail::context(&self.ring, seq, CONTEXT_LINES)),
        };
        self.detail = detail;
        Ok(())
    }

    pub fn close_detail(&mut self) -> bool {
        self.detail.take().is_some()
    }

    /// The view as text for "save": every visible line, sanitised, with its
    /// timestamp and labels.
    pub fn view_text(&self) -> (String, usize) {
        let mut out = String::new();
        let mut n = 0;
        for seq in &self.visible {
            if let Some(e) = self.ring.get(*seq) {
                if let Some(ts) = e.line.ts_ns {
                    out.push_str(&format_ts(ts));
                    out.push(' ');
                }
                if !e.line.labels.is_empty() {
                    out.push_str(&crate::text::sanitize(&e.line.labels_text()));
                    out.push(' ');
                }
                out.push_str(&crate::text::sanitize(&e.line.text));
                out.push('\n');
                n += 1;
            }
        }
        (out, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(texts: &[&str]) -> Vec<LogLine> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| LogLine::new(Some(i as i128 * 1_000_000_000), *t))
            .collect()
    }

    fn visible_texts(v: &LogViewer) -> Vec<String> {
        (0..v.visible_len())
            .map(|i| v.visible_entry(i).unwrap().line.text.clone())
            .collect()
    }

    #[test]
    fn ring_eviction_is_counted_and_the_view_follows() {
        let mut v = LogViewer::new(3, 100);
        v.push(lines(&["a", "b", "c", "d", "e"]));
        assert_eq!(visible_texts(&v), ["c", "d", "e"]);
        assert_eq!(v.evicted(), 2);
        assert_eq!(v.selected_entry().unwrap().line.text, "e");
    }

    #[test]
    fn include_and_exclude_filters_combine() {
        let mut v = LogViewer::new(100, 100);
        v.push(lines(&[
            "GET /api ok",
            "POST /api ERROR timeout",
            "GET /health ok",
            "POST /api error refused",
        ]));
        v.add_include("/api");
        assert_eq!(v.visible_len(), 3);
        v.add_exclude("timeout");
        assert_eq!(
            visible_texts(&v),
            ["GET /api ok", "POST /api error refused"]
        );
        // New lines are filtered on arrival.
        v.push(lines(&["GET /api timeout", "PUT /api done"]));
        assert_eq!(v.visible_len(), 3);
        v.clear_filters();
        assert_eq!(v.visible_len(), 6);
        v.set_quick_filter("health");
        assert_eq!(visible_texts(&v), ["GET /health ok"]);
    }

    #[test]
    fn search_n_and_shift_n_walk_matches_and_wrap() {
        let mut v = LogViewer::new(100, 100);
        v.push(lines(&["x", "match 1", "y", "match 2", "z"]));
        v.navigate(Nav::Top);
        assert!(v.set_search("match"));
        assert_eq!(v.selected_entry().unwrap().line.text, "match 1");
        assert!(v.next_match(true));
        assert_eq!(v.selected_entry().unwrap().line.text, "match 2");
        assert!(v.next_match(true));
        assert_eq!(v.selected_entry().unwrap().line.text, "match 1");
        assert!(v.next_match(false));
        assert_eq!(v.selected_entry().unwrap().line.text, "match 2");
        assert!(!v.set_search("absent"));
    }

    #[test]
    fn context_shows_lines_around_the_selection_ignoring_filters() {
        let mut v = LogViewer::new(100, 100);
        let texts: Vec<String> = (0..30).map(|i| format!("line {i}")).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        v.push(lines(&refs));
        v.add_include("line 15");
        assert_eq!(v.visible_len(), 1);
        v.open_detail(DetailKind::Context).unwrap();
        let d = v.detail.as_ref().unwrap();
        let texts: Vec<&str> = d.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts.len(), 21, "{texts:?}");
        assert!(texts[0].ends_with(" line 5"), "{texts:?}");
        assert!(texts[20].ends_with(" line 25"), "{texts:?}");
        assert!(
            d.lines
                .iter()
                .any(|l| l.mark && l.text.ends_with(" line 15"))
        );
    }

    #[test]
    fn pause_holds_lines_until_resume() {
        let mut v = LogViewer::new(100, 100);
        v.push(lines(&["a"]));
        v.set_paused(true);
        v.push(lines(&["b", "c"]));
        assert_eq!(v.visible_len(), 1);
        assert_eq!(v.pending(), 2);
        v.set_paused(false);
        assert_eq!(v.visible_len(), 3);
        assert_eq!(v.selected_entry().unwrap().line.text, "c");
    }

    #[test]
    fn older_pages_prepend_and_keep_the_selection() {
        let mut v = LogViewer::new(5, 100);
        v.push(lines(&["c", "d"]));
        v.navigate(Nav::Up);
        assert_eq!(v.selected_entry().unwrap().line.text, "c");
        assert_eq!(v.prepend(lines(&["a", "b"])), 0);
        assert_eq!(visible_texts(&v), ["a", "b", "c", "d"]);
        assert_eq!(v.selected_entry().unwrap().line.text, "c");
        assert_eq!(v.prepend(lines(&["y", "z"])), 1);
        assert_eq!(v.refused(), 1);
    }

    #[test]
    fn json_view_pretty_prints_and_rejects_non_json() {
        let mut v = LogViewer::new(10, 100);
        v.push(lines(&[r#"{"level":"error","msg":"boom","ctx":{"id":7}}"#]));
        v.open_detail(DetailKind::Json).unwrap();
        let d = v.detail.as_ref().unwrap();
        let texts: Vec<&str> = d.lines.iter().map(|l| l.text.as_str()).collect();
        assert!(texts.contains(&r#"  "msg": "boom""#), "{texts:?}");
        assert!(texts.contains(&r#"    "id": 7"#), "{texts:?}");
        v.close_detail();
        v.push(lines(&["plain"]));
        assert!(v.open_detail(DetailKind::Json).is_err());
    }

    #[test]
    fn view_text_is_sanitised_and_filtered() {
        let mut v = LogViewer::new(10, 100);
        v.push(lines(&["ok \x1b]0;pwned\x07visible", "hidden"]));
        v.add_exclude("hidden");
        let (text, n) = v.view_text();
        assert_eq!(n, 1);
        assert!(text.contains("ok visible"), "{text}");
        assert!(!text.contains('\x1b'));
    }
}
