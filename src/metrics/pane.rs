//! The Metrics pane: a PromQL editor with history and metric-name
//! completion, a time range (the Logs pane's presets, or absolute), and the
//! answer as a line chart with a cursor that reads every series, or as a
//! table of last values. Pure state: the query leaves as a worker
//! [`Command::Watch`] once a frame knows how many columns the chart has
//! (one point per column), and again whenever query, range or width change.

use super::board::Board;
use super::chart::{ChartData, ChartOpts};
use super::parse::Series;
use super::units::{self, Unit};
use super::{Action, Answer, Ask, BoardWatch, Command, Form, Update, Watch};
use crate::config::Markers;
use crate::pane::{Input, Jump, Outcome, Pane, PaneCtx, PaneId, RenderCtx};
use crate::timerange::TimeRange;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui_textarea::TextArea;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// What the metrics pane answers.
pub(super) type Out = Outcome<Form, Command>;

/// The presets `time_range` cycles through.
pub(super) const RANGES: [u64; 4] = [900, 3600, 6 * 3600, 24 * 3600];

/// A series' legend and its value in the table view.
pub(super) type TableRow = (String, Option<f64>);

/// The last answer that had data, and how it was asked.
#[derive(Debug, Clone)]
pub(super) struct Shown {
    pub series: Vec<Series>,
    pub data: ChartData,
    pub at: jiff::Timestamp,
    pub warnings: Vec<String>,
    /// The table view's rows, biggest first, and the cursor they were
    /// read at: sorted again only when the answer or the cursor changes.
    pub table: Option<(Option<f64>, Vec<TableRow>)>,
}

impl Shown {
    /// Each series' legend and value at `cursor` (its last without one),
    /// biggest first.
    pub fn table_rows(&mut self, cursor: Option<f64>) -> &[TableRow] {
        if self.table.as_ref().is_none_or(|(at, _)| *at != cursor) {
            let labels: Vec<_> = self.series.iter().map(|s| &s.labels).collect();
            let keys = super::shape::distinguishing(&labels);
            let half_step = self.data.step / 2.0;
            let mut rows: Vec<TableRow> = self
                .series
                .iter()
                .map(|s| {
                    let v = match cursor {
                        Some(t) => s.value_at(t, half_step),
                        None => s.last_value(),
                    };
                    (super::shape::legend(&s.labels, &keys), v)
                })
                .collect();
            rows.sort_by(|a, b| {
                b.1.unwrap_or(f64::NEG_INFINITY)
                    .total_cmp(&a.1.unwrap_or(f64::NEG_INFINITY))
            });
            self.table = Some((cursor, rows));
        }
        self.table.as_ref().map_or(&[], |(_, rows)| rows.as_slice())
    }
}

/// What the pane shows below the query line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum View {
    /// The `[[metrics.panels]]` cards.
    Board,
    /// The query's chart (or its table).
    Chart,
}

pub struct MetricsPane {
    pub(super) query: String,
    /// Some while the query is edited.
    pub(super) editor: Option<Box<TextArea<'static>>>,
    pub(super) history: Vec<String>,
    pub(super) history_pos: Option<usize>,
    /// What Prometheus offered for each ask Tab made (names, labels of a
    /// metric, values of a label), kept for the session.
    pub(super) offered: HashMap<Ask, Vec<String>>,
    /// Sent to the worker (each once).
    pub(super) asked: HashSet<Ask>,
    /// The ask Tab waits for: it completes when the answer arrives.
    pub(super) pending: Option<Ask>,
    /// What Tab found when it was not unique (shown under the editor).
    pub(super) candidates: Vec<String>,
    pub(super) view: View,
    pub(super) board: Board,
    pub(super) board_sent: Option<BoardWatch>,
    pub(super) range: TimeRange,
    pub(super) table: bool,
    pub(super) top: usize,
    pub(super) markers: Markers,
    pub(super) unit: Unit,
    /// From an alert: the threshold of its rule and when it fired.
    pub(super) threshold: Option<f64>,
    pub(super) fired: Option<jiff::Timestamp>,
    pub(super) shown: Option<Shown>,
    /// The last answer failed (the data above, if any, is older).
    pub(super) error: Option<String>,
    /// The cursor's time (unix seconds), while placed.
    pub(super) cursor: Option<f64>,
    /// Chart columns, learned while drawing.
    pub(super) columns: u16,
    /// The watch last sent, and the id the next one takes.
    pub(super) sent: Option<Watch>,
    pub(super) next_id: u64,
    /// Where queries go, or why they cannot.
    pub(super) source: Option<Result<String, String>>,
}

impl MetricsPane {
    pub fn new(cfg: &crate::config::Metrics) -> Self {
        Self {
            query: String::new(),
            editor: None,
            history: Vec::new(),
            history_pos: None,
            offered: HashMap::new(),
            asked: HashSet::new(),
            pending: None,
            candidates: Vec::new(),
            view: if cfg.panels.is_empty() {
                View::Chart
            } else {
                View::Board
            },
            board: Board::new(&cfg.panels),
            board_sent: None,
            range: TimeRange::Last(Duration::from_secs(3600)),
            table: false,
            top: cfg.top.max(1),
            markers: cfg.markers,
            unit: Unit::None,
            threshold: None,
            fired: None,
            shown: None,
            error: None,
            cursor: None,
            columns: 0,
            sent: None,
            next_id: 0,
            source: None,
        }
    }

    /// Chart `query` from now on: remembered in the history, its unit
    /// inferred (unless given); the next frame sends it.
    pub(super) fn set_query(&mut self, query: &str, unit: Option<Unit>) {
        let query = query.trim().to_string();
        if !query.is_empty() && self.history.last() != Some(&query) {
            self.history.push(query.clone());
        }
        self.unit = unit.unwrap_or_else(|| units::infer(&query).unit);
        self.query = query;
        self.shown = None;
        self.error = None;
        self.cursor = None;
        self.view = View::Chart;
    }

    /// What the screen calls for now, when it differs from what was sent:
    /// the chart's watch or the board's. The worker keeps one of them, so
    /// sending one forgets the other.
    fn wanted(&mut self) -> Option<Command> {
        match self.view {
            View::Chart => {
                let w = self.wanted_chart()?;
                self.board_sent = None;
                Some(Command::Watch(w))
            }
            View::Board => {
                let same = |b: &BoardWatch| {
                    let next = self.board.watch(b.id, &self.range);
                    next.as_ref() == Some(b)
                };
                if self.board_sent.as_ref().is_some_and(same) {
                    return None;
                }
                self.next_id += 1;
                let b = self.board.watch(self.next_id, &self.range)?;
                self.board_sent = Some(b.clone());
                self.sent = None;
                Some(Command::Board(b))
            }
        }
    }

    fn wanted_chart(&mut self) -> Option<Watch> {
        if self.query.is_empty() || self.columns == 0 {
            return None;
        }
        let same = self.sent.as_ref().is_some_and(|w| {
            w.query == self.query && w.range == self.range && w.columns == self.columns
        });
        if same {
            return None;
        }
        self.next_id += 1;
        let w = Watch {
            id: self.next_id,
            query: self.query.clone(),
            range: self.range.clone(),
            columns: self.columns,
        };
        self.sent = Some(w.clone());
        Some(w)
    }

    fn apply_answer(&mut self, a: Answer) -> bool {
        if self.sent.as_ref().map(|w| w.id) != Some(a.id) {
            return false; // an answer to a query no longer on screen
        }
        match a.result {
            Ok(answered) => {
                let series = answered.result.into_series();
                let data = ChartData::new(&series, self.top, a.start, a.end, a.step, self.unit);
                if let Some(c) = self.cursor {
                    self.cursor = Some(c.clamp(a.start, a.end));
                }
                self.shown = Some(Shown {
                    series,
                    data,
                    at: a.at,
                    warnings: answered.warnings,
                    table: None,
                });
                self.error = None;
            }
            Err(e) => {
                let hint = e.hint(None);
                self.error = Some(format!("{e} — {hint}"));
            }
        }
        true
    }

    /// The chart's options now.
    pub(super) fn chart_opts(&self) -> ChartOpts {
        ChartOpts {
            marker: match self.markers {
                Markers::Braille => ratatui::symbols::Marker::Braille,
                Markers::Block => ratatui::symbols::Marker::Block,
            },
            cursor: self.cursor,
            threshold: self.threshold,
            fired: self.fired.map(|t| t.as_millisecond() as f64 / 1000.0),
        }
    }
}

impl Pane for MetricsPane {
    type Action = Action;
    type Form = Form;
    type PaletteCommand = crate::pane::NoCommand;
    type Update = Update;
    type Command = Command;

    fn id(&self) -> PaneId {
        PaneId::Metrics
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
        super::pane_render::render(self, area, buf, ctx);
    }

    fn apply(&mut self, u: Update) -> bool {
        match u {
            Update::Answer(a) => self.apply_answer(*a),
            Update::Panel { index, answer } => {
                let Some(sent) = self.board_sent.as_ref().filter(|b| b.id == answer.id) else {
                    return false; // a board no longer on screen
                };
                let width = sent.columns;
                self.board.apply(index, *answer, width);
                true
            }
            Update::Completions { ask, mut values } => {
                values.sort();
                values.dedup();
                let now = self.pending.as_ref() == Some(&ask);
                self.offered.insert(ask, values);
                if now {
                    self.pending = None;
                    self.complete();
                }
                now
            }
            Update::Source(s) => {
                self.source = Some(s);
                true
            }
        }
    }

    fn after_frame(&mut self) -> Vec<Command> {
        self.wanted().into_iter().collect()
    }

    fn on_hidden(&mut self) -> Vec<Command> {
        // Off screen, nothing is asked; back on screen, the next frame
        // sends what it shows again (and so refreshes it at once).
        self.sent = None;
        self.board_sent = None;
        vec![Command::Pause]
    }

    fn on_input(&mut self, input: Input<Action>, ctx: &PaneCtx) -> Out {
        self.input(input, ctx)
    }

    fn on_key(&mut self, key: crossterm::event::KeyEvent, _ctx: &PaneCtx) -> Out {
        self.editing_key(key)
    }

    fn captures_input(&self) -> bool {
        self.editor.is_some()
    }

    fn on_jump(&mut self, jump: &Jump, ctx: &PaneCtx) -> Out {
        let Jump::Metrics {
            expr,
            from,
            fired,
            threshold,
        } = jump
        else {
            return Outcome::Ignored;
        };
        let graphed = super::expr::split(expr);
        self.set_query(&graphed.query, None);
        self.threshold = threshold.or(graphed.threshold);
        self.fired = *fired;
        if let Some(from) = from {
            let now = ctx.now.as_nanosecond();
            self.range = TimeRange::since(from.as_nanosecond(), now);
        }
        Outcome::Handled
    }

    fn on_form(&mut self, form: Form, values: &[String], ctx: &PaneCtx) -> Out {
        match form {
            Form::Range => {
                let v = |i: usize| values.get(i).map(|s| s.trim()).unwrap_or("");
                match TimeRange::absolute(v(0), v(1), ctx.now.as_nanosecond()) {
                    Ok(r) => {
                        self.range = r;
                        self.cursor = None;
                        Outcome::Handled
                    }
                    Err(e) => Outcome::Notify(format!("metrics: {e}")),
                }
            }
        }
    }

    fn context_label(&self) -> Option<String> {
        (!self.query.is_empty()).then(|| self.range.label())
    }
}
