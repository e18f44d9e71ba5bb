//! The Metrics pane's board: one card per `[[metrics.panels]]` — its name,
//! the current value of its highest series (critical at or above the
//! panel's threshold), a sparkline over the pane's range and which series
//! that is — laid out in as many columns as the width allows. Answers are
//! digested into a card when they arrive; drawing reads the cards on screen.

use super::parse::Series;
use super::units::{self, Unit};
use super::{Answer, BoardWatch};
use crate::config::{Panel, PanelUnit};
use crate::pane::{Nav, RenderCtx};
use crate::timerange::TimeRange;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Stylize;
use ratatui::text::{Line, Span};

/// Narrowest card: a name, a value and a sparkline worth reading.
const MIN_CARD_WIDTH: u16 = 36;
/// Widest card, while more fit beside it.
const MAX_CARD_WIDTH: u16 = 80;
/// Name and value, sparkline, which series.
const CARD_ROWS: u16 = 3;

/// What a panel's last answer says.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct CardData {
    pub spark: String,
    /// The highest series' last value.
    pub value: Option<f64>,
    /// Its distinguishing labels and how many series there were.
    pub legend: String,
    pub series: usize,
    pub at: jiff::Timestamp,
}

#[derive(Debug, Clone)]
pub(super) struct Card {
    pub panel: Panel,
    pub unit: Unit,
    pub data: Option<CardData>,
    /// The last refresh failed (the data, if any, is older).
    pub error: Option<String>,
}

impl Card {
    /// At or above the panel's threshold.
    pub fn breached(&self) -> bool {
        match (
            self.panel.threshold,
            self.data.as_ref().and_then(|d| d.value),
        ) {
            (Some(t), Some(v)) => v >= t,
            _ => false,
        }
    }
}

/// How the cards sit in an area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Grid {
    pub per_row: usize,
    pub card_width: u16,
    /// Rows between the tops of two cards (a blank one when there is room).
    pub pitch: u16,
    pub rows_visible: usize,
}

impl Grid {
    /// As few cards per row as keep every card on screen (if the width
    /// allows) and none wider than [`MAX_CARD_WIDTH`].
    pub fn of(area: Rect, cards: usize) -> Self {
        let most = usize::from((area.width / MIN_CARD_WIDTH).max(1));
        let rows_fit = usize::from((area.height + 1) / (CARD_ROWS + 1)).max(1);
        let per_row = usize::from(area.width.div_ceil(MAX_CARD_WIDTH))
            .max(cards.div_ceil(rows_fit))
            .clamp(1, most)
            .min(cards.max(1));
        let card_width = area.width / per_row as u16;
        let rows = cards.div_ceil(per_row) as u16;
        let pitch = if rows * (CARD_ROWS + 1) <= area.height + 1 {
            CARD_ROWS + 1
        } else {
            CARD_ROWS
        };
        let rows_visible = usize::from((area.height + pitch - CARD_ROWS) / pitch).max(1);
        Self {
            per_row,
            card_width,
            pitch,
            rows_visible,
        }
    }

    /// Cells a sparkline has: what each panel's query asks points for.
    pub fn spark_width(&self) -> u16 {
        self.card_width.saturating_sub(3).max(1)
    }
}

pub(super) struct Board {
    pub cards: Vec<Card>,
    pub selected: usize,
    /// The first card row on screen.
    pub first_row: usize,
    /// Learned while drawing.
    pub grid: Option<Grid>,
}

pub(super) fn unit_of(p: &Panel) -> Unit {
    match p.unit {
        Some(PanelUnit::Bytes) => Unit::Bytes,
        Some(PanelUnit::Seconds) => Unit::Seconds,
        Some(PanelUnit::Ratio) => Unit::Ratio,
        Some(PanelUnit::None) => Unit::None,
        None => units::infer(&p.query).unit,
    }
}

impl Board {
    pub fn new(panels: &[Panel]) -> Self {
        Self {
            cards: panels
                .iter()
                .map(|p| Card {
                    unit: unit_of(p),
                    panel: p.clone(),
                    data: None,
                    error: None,
                })
                .collect(),
            selected: 0,
            first_row: 0,
            grid: None,
        }
    }

    /// The watch the board calls for over `range`, once a frame has laid it out.
    pub fn watch(&self, id: u64, range: &TimeRange) -> Option<BoardWatch> {
        let grid = self.grid?;
        Some(BoardWatch {
            id,
            queries: self.cards.iter().map(|c| c.panel.query.clone()).collect(),
            range: range.clone(),
            columns: grid.spark_width(),
        })
    }

    /// Digest one panel's answer: the highest series, its sparkline, its labels.
    pub fn apply(&mut self, index: usize, a: Answer, width: u16) {
        let Some(card) = self.cards.get_mut(index) else {
            return;
        };
        match a.result {
            Ok(answered) => {
                let series = answered.result.into_series();
                card.data = Some(digest(&series, (a.start, a.end, a.step), width, a.at));
                card.error = None;
            }
            Err(e) => card.error = Some(format!("{e} — {}", e.hint(None))),
        }
    }

    /// Move the selection; `true` when it moved.
    pub fn navigate(&mut self, nav: Nav) -> bool {
        let n = self.cards.len();
        if n == 0 {
            return false;
        }
        let per_row = self.grid.map_or(1, |g| g.per_row);
        let page = per_row * self.grid.map_or(1, |g| g.rows_visible);
        let s = self.selected;
        let next = match nav {
            Nav::Left => s.saturating_sub(1),
            Nav::Right => (s + 1).min(n - 1),
            Nav::Up => s.saturating_sub(per_row),
            Nav::Down if s + per_row < n => s + per_row,
            Nav::Down => s,
            Nav::PageUp => s.saturating_sub(page),
            Nav::PageDown => (s + page).min(n - 1),
            Nav::Top => 0,
            Nav::Bottom => n - 1,
            Nav::Select | Nav::Back => s,
        };
        self.selected = next;
        next != s
    }

    pub fn selected(&self) -> Option<&Card> {
        self.cards.get(self.selected)
    }
}

fn digest(series: &[Series], range: (f64, f64, f64), width: u16, at: jiff::Timestamp) -> CardData {
    let (start, end, step) = range;
    let highest = series
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.last_value().filter(|v| v.is_finite()).map(|v| (i, v)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let labels: Vec<_> = series.iter().map(|s| &s.labels).collect();
    let keys = super::shape::distinguishing(&labels);
    let (spark, value, legend) = match highest {
        Some((i, v)) => (
            super::shape::sparkline(&series[i], start, end, step, usize::from(width)),
            Some(v),
            super::shape::legend(&series[i].labels, &keys),
        ),
        None => (String::new(), None, String::new()),
    };
    CardData {
        spark,
        value,
        legend,
        series: series.len(),
        at,
    }
}

/// Draw the cards that fit, keeping the selected one on screen.
pub(super) fn render(board: &mut Board, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let grid = Grid::of(area, board.cards.len());
    board.grid = Some(grid);
    let row_of_selected = board.selected / grid.per_row;
    if row_of_selected < board.first_row {
        board.first_row = row_of_selected;
    } else if row_of_selected >= board.first_row + grid.rows_visible {
        board.first_row = row_of_selected + 1 - grid.rows_visible;
    }
    let first = board.first_row * grid.per_row;
    let last = (first + grid.per_row * grid.rows_visible).min(board.cards.len());
    for (k, card) in board.cards[first..last].iter().enumerate() {
        let (row, col) = ((k / grid.per_row) as u16, (k % grid.per_row) as u16);
        let y = area.y + row * grid.pitch;
        if y + CARD_ROWS > area.bottom() {
            break;
        }
        let rect = Rect::new(
            area.x + col * grid.card_width,
            y,
            grid.card_width,
            CARD_ROWS,
        );
        draw_card(card, first + k == board.selected, rect, buf, ctx);
    }
    let hidden = board.cards.len() - (last - first);
    if hidden > 0 && area.height > 0 {
        let text = format!(
            "{}/{} panels · ↑/↓ for more",
            board.selected + 1,
            board.cards.len()
        );
        let w = text.chars().count() as u16;
        buf.set_line(
            area.right().saturating_sub(w),
            area.bottom() - 1,
            &Line::from(Span::styled(text, ctx.theme.muted)),
            w,
        );
    }
}

fn draw_card(card: &Card, selected: bool, r: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let theme = ctx.theme;
    let width = usize::from(r.width.saturating_sub(1));
    let breached = card.breached();
    // The selection reads without colour too: a marker, not only a style.
    let marker = if selected { "▶ " } else { "  " };
    let value = match card.data.as_ref().map(|d| d.value) {
        Some(Some(v)) => units::format(v, card.unit),
        Some(None) => "no data".into(),
        None => String::new(),
    };
    let value = if breached {
        format!("{value} !")
    } else {
        value
    };
    let name_w = width.saturating_sub(value.chars().count() + 3);
    let name = crate::text::sanitize(&card.panel.name);
    let name = crate::text::truncate(&name, name_w);
    let name_style = if selected {
        theme.selection
    } else {
        theme.title
    };
    let value_style = if breached {
        theme.critical
    } else {
        theme.title
    };
    let pad = width.saturating_sub(2 + name.chars().count() + value.chars().count());
    let head = Line::from(vec![
        Span::styled(marker, theme.key),
        Span::styled(name.into_owned(), name_style),
        Span::raw(" ".repeat(pad)),
        Span::styled(value, value_style).bold(),
    ]);
    buf.set_line(r.x, r.y, &head, r.width);
    let spark_style = if breached { theme.critical } else { theme.info };
    if let Some(d) = &card.data {
        buf.set_line(
            r.x + 2,
            r.y + 1,
            &Line::from(Span::styled(d.spark.clone(), spark_style)),
            r.width.saturating_sub(3),
        );
    }
    let foot = match (&card.data, &card.error) {
        (_, Some(e)) => Span::styled(
            format!(
                "{}{}",
                if card.data.is_some() { "stale: " } else { "" },
                crate::text::sanitize(e)
            ),
            theme.warning,
        ),
        (Some(d), None) if d.series == 0 => Span::styled("no series matched", theme.muted),
        (Some(d), None) => {
            let more = match d.series {
                0 | 1 => String::new(),
                n => format!(" (highest of {n})"),
            };
            let threshold = card
                .panel
                .threshold
                .map(|t| format!(" · ≥ {}", units::format(t, card.unit)))
                .unwrap_or_default();
            Span::styled(
                format!("{}{more}{threshold}", crate::text::sanitize(&d.legend)),
                theme.muted,
            )
        }
        (None, None) => Span::styled("querying…", theme.muted),
    };
    buf.set_line(
        r.x + 2,
        r.y + 2,
        &Line::from(crate::text::truncate(&foot.content, width.saturating_sub(2)).into_owned())
            .style(foot.style),
        r.width.saturating_sub(3),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_fill_the_width_and_the_selection_moves_by_row() {
        let g = Grid::of(Rect::new(0, 0, 80, 18), 6);
        assert_eq!(
            (g.per_row, g.card_width, g.pitch, g.rows_visible),
            (2, 40, 4, 4)
        );
        let g = Grid::of(Rect::new(0, 0, 200, 54), 6);
        assert_eq!(
            (g.per_row, g.card_width),
            (3, 66),
            "wide cards while they fit"
        );
        let g = Grid::of(Rect::new(0, 0, 200, 54), 60);
        assert_eq!(g.per_row, 5, "as many as the width allows when they do not");
        let g = Grid::of(Rect::new(0, 0, 18, 3), 6);
        assert_eq!((g.per_row, g.rows_visible, g.pitch), (1, 1, 3));
        let mut b = Board::new(&crate::config::example_panels());
        b.grid = Some(Grid::of(Rect::new(0, 0, 80, 18), 5));
        assert!(b.navigate(Nav::Down));
        assert_eq!(b.selected, 2);
        b.navigate(Nav::Right);
        assert!(!b.navigate(Nav::Down), "no card below the fourth");
        b.navigate(Nav::Left);
        b.navigate(Nav::Down);
        assert_eq!(b.selected, 4);
        assert!(!b.navigate(Nav::Right), "the last card");
        b.navigate(Nav::Top);
        assert_eq!(b.selected, 0);
    }
}
