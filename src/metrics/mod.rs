//! Metrics: PromQL range and instant queries against a configured
//! `[[prometheus]]`, typed series, units, step per chart column, top N and
//! legends, the Metrics pane that draws them, plus the demo's simulated
//! Prometheus.
//!
//! - [`api`] talks to Prometheus; [`parse`], [`units`], [`shape`],
//!   [`chart`] are pure; [`expr`] splits an alert rule into the graphed
//!   side and its threshold;
//! - [`worker`] runs the pane's query (or the board's panels) (again on an interval while the range
//!   ends at now) and fetches the names completion offers; [`pane`] does no I/O.
//! - `warroom metrics` itself is `headless::metrics`.

pub mod api;
mod board;
pub mod chart;
mod complete;
pub mod demo;
pub mod expr;
pub mod pane;
mod pane_input;
mod pane_render;
#[cfg(test)]
mod pane_tests;
pub mod parse;
pub mod shape;
pub mod units;
pub mod worker;

pub use api::{Answered, MetricsApi, MetricsError, PromClient, RangeQuery};
pub use parse::{Labels, Point, QueryResult, Sample, Series};
pub use units::Unit;

use crate::config::Config;
use crate::source::Backend;
use crate::timerange::TimeRange;

crate::actions! {
    /// The metrics pane's keymap section.
    pub enum Action {
        EditQuery = ("edit_query", "Edit the PromQL query (Enter runs, ↑/↓ history, Tab completes)"),
        TimeRange = ("time_range", "Next time range: 15m, 1h, 6h, 24h"),
        AbsoluteRange = ("absolute_range", "An absolute time range (from, to)"),
        ToggleTable = ("toggle_table", "Chart / instant-value table"),
        Refresh = ("refresh", "Query again now"),
        CursorLeft = ("cursor_left", "Move the cursor back one step (read every series there)"),
        CursorRight = ("cursor_right", "Move the cursor on one step"),
        JumpLogs = ("jump_logs", "Logs over the same window and the labels the series share"),
        ToggleBoard = ("toggle_board", "The board of [[metrics.panels]] / the chart"),
    }
}

/// What a metrics form asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `[from, to]`.
    Range,
}

/// One query the pane wants on screen: what, over which range, and how many
/// columns the chart has (one point per column).
#[derive(Debug, Clone, PartialEq)]
pub struct Watch {
    /// Answers carry it; an answer to an older watch is dropped.
    pub id: u64,
    pub query: String,
    pub range: TimeRange,
    pub columns: u16,
}

/// The board on screen: every panel's query over one range, with as many
/// points as its sparkline has cells.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardWatch {
    pub id: u64,
    pub queries: Vec<String>,
    pub range: TimeRange,
    pub columns: u16,
}

/// What the editor's Tab asks Prometheus for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ask {
    /// Every metric name (`/api/v1/label/__name__/values`).
    Names,
    /// Label names, scoped to one metric when the selector names it
    /// (`/api/v1/labels?match[]=METRIC`).
    Labels { metric: Option<String> },
    /// One label's values, scoped the same way
    /// (`/api/v1/label/NAME/values?match[]=METRIC`).
    Values {
        label: String,
        metric: Option<String>,
    },
}

impl Ask {
    /// The `match[]` selectors this ask is scoped by.
    pub fn matchers(&self) -> Vec<String> {
        match self {
            Self::Labels { metric: Some(m) }
            | Self::Values {
                metric: Some(m), ..
            } => {
                vec![m.clone()]
            }
            _ => Vec::new(),
        }
    }
}

/// Pane → worker.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Show this query: run it now and, while its range ends at now, again
    /// every `[metrics] refresh`. Replaces the previous watch or board.
    Watch(Watch),
    /// Show the board: every panel now and on the same refresh. Replaces
    /// the previous watch or board.
    Board(BoardWatch),
    /// Run what is on screen again now.
    Refresh,
    /// The pane left the screen: query nothing until it is back.
    Pause,
    /// Names or values for completion.
    Complete(Ask),
}

/// One answer to a watch.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub id: u64,
    /// `[start, end]` in unix seconds and the step the query ran with.
    pub start: f64,
    pub end: f64,
    pub step: f64,
    pub at: jiff::Timestamp,
    pub result: Result<Answered, MetricsError>,
}

/// Worker → pane.
#[derive(Debug)]
pub enum Update {
    Answer(Box<Answer>),
    /// One panel of the board watch `answer.id`.
    Panel {
        index: usize,
        answer: Box<Answer>,
    },
    /// What Prometheus offers for an ask (empty when it failed).
    Completions {
        ask: Ask,
        values: Vec<String>,
    },
    /// Where the queries go (`prometheus "main"`, `DEMO`), or why nowhere.
    Source(Result<String, String>),
}

/// The pane, before any data has arrived.
pub fn pane(cfg: &Config) -> pane::MetricsPane {
    pane::MetricsPane::new(&cfg.metrics)
}

/// The demo's pane: the config's board, or the example one.
pub fn demo_pane(cfg: &Config) -> pane::MetricsPane {
    let mut m = cfg.metrics.clone();
    if m.panels.is_empty() {
        m.panels = crate::config::example_panels();
    }
    pane::MetricsPane::new(&m)
}

/// The worker for the first `[[prometheus]]` (none configured: it says so
/// in the pane and runs nothing).
pub fn live(cfg: &Config) -> Backend<Update, Command> {
    Backend {
        workers: vec![Box::new(worker::MetricsWorker::live(cfg))],
        actions: None,
        idle: Vec::new(),
    }
}

/// The simulated Prometheus for `--demo`.
pub fn demo() -> Backend<Update, Command> {
    Backend {
        workers: vec![Box::new(worker::MetricsWorker::demo())],
        actions: None,
        idle: Vec::new(),
    }
}
