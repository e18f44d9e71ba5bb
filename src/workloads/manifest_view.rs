//! The manifest viewer: one object's projected manifest (see
//! [`super::manifest`]) on the whole pane, with a cursor line, `/` search
//! whose matches are highlighted and visited with n/N (wrapping), and at
//! most one revealed Secret value shown on its key's line.
//!
//! The viewer is the only holder of a manifest and of a revealed value: the
//! pane drops it when the viewer closes, so neither outlives it. Rendering
//! draws only the lines on screen from text split once when it arrived.

use super::manifest::{self, Manifest, ObjectId};
use super::manifest_fetch::ManifestError;
use crate::pane::{Nav, RenderCtx};
use crate::text::sanitize;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};
use std::ops::Range;

/// Columns one left/right moves.
const HSTEP: usize = 8;

/// What the viewer shows.
#[derive(Debug)]
pub enum Shown {
    /// The GET is under way.
    Loading,
    Failed(ManifestError),
    Manifest(Box<Manifest>),
}

/// A Secret value the operator typed the key's name for.
#[derive(Debug, Clone, PartialEq)]
pub struct Revealed {
    pub key: String,
    /// Sanitised (escape sequences removed, controls made visible).
    pub value: super::manifest_fetch::RevealedValue,
}

#[derive(Debug)]
pub struct ManifestView {
    pub id: ObjectId,
    pub shown: Shown,
    /// Byte ranges of the manifest's lines.
    lines: Vec<Range<usize>>,
    /// The Secret each line refers to (`secretKeyRef`, `secretName`…).
    refs: Vec<Option<String>>,
    /// The Secret key each line shows (an index into `secret_keys`).
    key_lines: Vec<Option<usize>>,
    pub cursor: usize,
    /// The first line on screen, kept so the cursor stays visible.
    offset: usize,
    /// Body lines at the last draw (a page).
    page: usize,
    /// Characters scrolled off the left edge (long lines are cut, not wrapped).
    pub hscroll: usize,
    /// The longest line, in characters, and the body's width at the last draw.
    widest: usize,
    width: usize,
    search: String,
    /// Lines holding the search text, in order.
    pub matches: Vec<usize>,
    pub revealed: Option<Revealed>,
    /// Status for the footer: saved, a reveal refused… (`true`: an error).
    pub notice: Option<(String, bool)>,
    /// The manifest this one was opened from (a Secret a line named):
    /// back returns to it.
    pub parent: Option<Box<ManifestView>>,
}

impl ManifestView {
    pub fn new(id: ObjectId) -> Self {
        Self {
            id,
            shown: Shown::Loading,
            lines: Vec::new(),
            refs: Vec::new(),
            key_lines: Vec::new(),
            cursor: 0,
            offset: 0,
            page: 10,
            hscroll: 0,
            widest: 0,
            width: usize::MAX,
            search: String::new(),
            matches: Vec::new(),
            revealed: None,
            notice: None,
            parent: None,
        }
    }

    /// The answer to the GET arrived.
    pub fn loaded(&mut self, result: Result<Manifest, ManifestError>) {
        match result {
            Ok(m) => {
                let mut start = 0;
                self.lines = m
                    .text
                    .split_inclusive('\n')
                    .map(|l| {
                        let r = start..start + l.trim_end_matches('\n').len();
                        start += l.len();
                        r
                    })
                    .collect();
                self.refs = manifest::secret_refs(&m.text);
                self.key_lines = m
                    .text
                    .lines()
                    .map(|l| {
                        let k = manifest::key_on_line(l, &m.secret_keys)?;
                        m.secret_keys.iter().position(|x| x == k)
                    })
                    .collect();
                self.widest = m.text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
                self.shown = Shown::Manifest(Box::new(m));
                let search = std::mem::take(&mut self.search);
                self.set_search(&search);
            }
            Err(e) => self.shown = Shown::Failed(e),
        }
    }

    pub fn manifest(&self) -> Option<&Manifest> {
        match &self.shown {
            Shown::Manifest(m) => Some(m),
            _ => None,
        }
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn line(&self, i: usize) -> &str {
        match (self.manifest(), self.lines.get(i)) {
            (Some(m), Some(r)) => &m.text[r.clone()],
            _ => "",
        }
    }

    /// Move the cursor (left/right: scroll sideways); `false` for a
    /// navigation that does not move it.
    pub fn navigate(&mut self, nav: Nav) -> bool {
        match nav {
            Nav::Left => {
                self.hscroll = self.hscroll.saturating_sub(HSTEP);
                return true;
            }
            Nav::Right => {
                let max = self.widest.saturating_sub(HSTEP);
                self.hscroll = (self.hscroll + HSTEP).min(max);
                return true;
            }
            _ => {}
        }
        let last = self.len().saturating_sub(1);
        let page = self.page.max(1);
        self.cursor = match nav {
            Nav::Up => self.cursor.saturating_sub(1),
            Nav::Down => self.cursor + 1,
            Nav::PageUp => self.cursor.saturating_sub(page),
            Nav::PageDown => self.cursor + page,
            Nav::Top => 0,
            Nav::Bottom => last,
            _ => return false,
        }
        .min(last);
        true
    }

    /// Lines containing `text` (ASCII case-insensitive); the cursor goes to
    /// the first match at or after it.
    pub fn set_search(&mut self, text: &str) {
        self.search = sanitize(text).into_owned();
        let needle = self.search.to_ascii_lowercase();
        self.matches = if needle.is_empty() {
            Vec::new()
        } else {
            (0..self.len())
                .filter(|i| self.line(*i).to_ascii_lowercase().contains(&needle))
                .collect()
        };
        if let Some(&at) = self
            .matches
            .iter()
            .find(|m| **m >= self.cursor)
            .or(self.matches.first())
        {
            self.cursor = at;
        }
    }

    pub fn search(&self) -> &str {
        &self.search
    }

    /// To the next (or previous) match, wrapping at the ends; `false` when
    /// there is none.
    pub fn next_match(&mut self, forward: bool) -> bool {
        let found = if forward {
            self.matches
                .iter()
                .find(|m| **m > self.cursor)
                .or(self.matches.first())
        } else {
            self.matches
                .iter()
                .rev()
                .find(|m| **m < self.cursor)
                .or(self.matches.last())
        };
        match found {
            Some(&at) => {
                self.cursor = at;
                true
            }
            None => false,
        }
    }

    /// `2/5`: which match the cursor is on, of how many.
    pub fn match_position(&self) -> Option<String> {
        let at = self.matches.iter().position(|m| *m == self.cursor)?;
        Some(format!("{}/{}", at + 1, self.matches.len()))
    }

    /// The Secret key on the cursor's line.
    pub fn key_at_cursor(&self) -> Option<&str> {
        self.key_of(self.cursor)
    }

    fn key_of(&self, line: usize) -> Option<&str> {
        let k = (*self.key_lines.get(line)?)?;
        self.manifest()?.secret_keys.get(k).map(String::as_str)
    }

    /// The Secret the cursor's line refers to.
    pub fn ref_at_cursor(&self) -> Option<&str> {
        self.refs.get(self.cursor)?.as_deref()
    }

    /// The first line at which to draw `height` body lines with the cursor
    /// on screen, never past the end.
    pub fn clamp(&mut self, height: usize) -> usize {
        self.page = height.max(1);
        let max = self.len().saturating_sub(height);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if height > 0 && self.cursor >= self.offset + height {
            self.offset = self.cursor + 1 - height;
        }
        self.offset = self.offset.min(max);
        self.offset
    }

    pub fn title(&self) -> String {
        let demo = if self.manifest().is_some_and(|m| m.demo) {
            " (DEMO)"
        } else {
            ""
        };
        let mut t = format!("manifest {}{demo}", self.id.arg());
        if !self.id.namespace.is_empty() {
            t = format!("{t} in {}", self.id.namespace);
        }
        if !self.search.is_empty() {
            let at = self
                .match_position()
                .unwrap_or_else(|| format!("{} matches", self.matches.len()));
            t = format!("{t} · /{} {at}", self.search);
        }
        t
    }

    pub fn render(&mut self, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
        let theme = ctx.theme;
        let (body, footer) = if area.height >= 2 {
            (
                Rect {
                    height: area.height - 1,
                    ..area
                },
                Some(Rect {
                    y: area.y + area.height - 1,
                    height: 1,
                    ..area
                }),
            )
        } else {
            (area, None)
        };
        match &self.shown {
            Shown::Loading => {
                Paragraph::new(format!("Fetching {}…", sanitize(&self.id.arg())))
                    .style(theme.muted)
                    .render(body, buf);
            }
            Shown::Failed(e) => {
                let mut lines = vec![Line::styled(
                    sanitize(&e.to_string()).into_owned(),
                    theme.critical,
                )];
                if let Some(h) = e.hint() {
                    lines.push(Line::styled(format!("hint: {}", sanitize(&h)), theme.muted));
                }
                Paragraph::new(lines)
                    .wrap(Wrap { trim: true })
                    .render(body, buf);
            }
            Shown::Manifest(_) => self.render_lines(body, buf, ctx),
        }
        if let Some(f) = footer {
            self.footer(ctx).render(f, buf);
        }
    }

    fn render_lines(&mut self, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
        let height = usize::from(area.height);
        self.width = usize::from(area.width);
        let from = self.clamp(height);
        let needle = self.search.to_ascii_lowercase();
        for (row, i) in (from..self.len().min(from + height)).enumerate() {
            let text = self.line(i);
            let base = if i == self.cursor {
                ctx.theme.selection
            } else {
                Style::default()
            };
            let revealed = self
                .revealed
                .as_ref()
                .filter(|r| self.key_of(i) == Some(r.key.as_str()));
            let line = match revealed {
                Some(r) => {
                    let (k, _) = text.split_once(": ").unwrap_or((text, ""));
                    Line::from(vec![
                        Span::styled(format!("{k}: "), base),
                        Span::styled(r.value.0.clone(), ctx.theme.warning),
                        Span::styled("  ← revealed, gone when this closes", ctx.theme.muted),
                    ])
                }
                None => highlighted(text, &needle, base, ctx.theme.search_match),
            };
            let line = Line::from(skip(line.spans, self.hscroll));
            let y = area.y + u16::try_from(row).unwrap_or(u16::MAX);
            line.style(base).render(
                Rect {
                    y,
                    height: 1,
                    ..area
                },
                buf,
            );
        }
    }

    fn footer(&self, ctx: &RenderCtx<'_>) -> Line<'static> {
        let theme = ctx.theme;
        if let Some((text, error)) = &self.notice {
            let style = if *error { theme.critical } else { theme.ok };
            return Line::styled(sanitize(text).into_owned(), style);
        }
        let keys = |action: &str| ctx.keymap.keys_for("workloads", action);
        let mut spans = vec![Span::styled(
            format!("{}/{}  ", (self.cursor + 1).min(self.len()), self.len()),
            theme.muted,
        )];
        let mut hint = |k: String, what: &str| {
            if !k.is_empty() {
                spans.push(Span::styled(k, theme.key));
                spans.push(Span::styled(format!(" {what}  "), theme.muted));
            }
        };
        hint(ctx.keymap.keys_for("global", "filter"), "search");
        if !self.matches.is_empty() {
            let (n, p) = (keys("switch_namespace"), keys("nodes"));
            hint(format!("{n}/{p}"), "match");
        }
        if self.key_at_cursor().is_some() && self.revealed.is_none() {
            hint(keys("reveal_secret"), "reveal");
        }
        if self.ref_at_cursor().is_some() {
            hint(ctx.keymap.keys_for("navigation", "select"), "open Secret");
        }
        if self.widest > self.width || self.hscroll > 0 {
            hint(
                ctx.keymap.keys_for("navigation", "left")
                    + "/"
                    + &ctx.keymap.keys_for("navigation", "right"),
                "scroll",
            );
        }
        hint(keys("manifest"), "copy");
        hint(keys("save_manifest"), "save");
        let back = if self.parent.is_some() {
            "back"
        } else {
            "close"
        };
        hint(ctx.keymap.keys_for("navigation", "back"), back);
        Line::from(spans)
    }
}

/// `spans` without their first `n` characters.
fn skip(spans: Vec<Span<'static>>, mut n: usize) -> Vec<Span<'static>> {
    if n == 0 {
        return spans;
    }
    spans
        .into_iter()
        .filter_map(|s| {
            let count = s.content.chars().count();
            if n >= count {
                n -= count;
                return None;
            }
            let at = s.content.char_indices().nth(n).map_or(0, |(i, _)| i);
            n = 0;
            Some(Span::styled(s.content[at..].to_string(), s.style))
        })
        .collect()
}

/// `text` with every (ASCII case-insensitive) occurrence of `needle` in
/// the match style.
fn highlighted(text: &str, needle: &str, base: Style, hit: Style) -> Line<'static> {
    if needle.is_empty() {
        return Line::styled(text.to_string(), base);
    }
    let lower = text.to_ascii_lowercase();
    let mut spans = Vec::new();
    let mut at = 0;
    while let Some(i) = lower[at..].find(needle) {
        let start = at + i;
        let end = start + needle.len();
        if start > at {
            spans.push(Span::styled(text[at..start].to_string(), base));
        }
        spans.push(Span::styled(text[start..end].to_string(), hit));
        at = end;
    }
    if at < text.len() {
        spans.push(Span::styled(text[at..].to_string(), base));
    }
    Line::from(spans)
}

#[cfg(test)]
#[path = "manifest_view_tests.rs"]
mod tests;
