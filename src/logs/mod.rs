//! Logs: Loki search and live tail, and the one log viewer used for pods and containers too.
//!
//! - [`viewer`] is the bounded, filterable, searchable view every log stream ends up in
//!   (Loki results and tails, pod logs, container logs).
//! - [`loki`] talks to Loki (query_range, labels, volume, the tail websocket).
//! - [`worker`] runs Loki requests, the tail, query history and "save view" on its
//!   own task; [`pane`] is the Logs pane (query editor, label browser, time range,
//!   histogram, viewer) and does no I/O.
//! - `warroom logs` itself is `headless::logs`.

pub mod demo;
pub mod detail;
pub mod histogram;
pub mod history;
pub mod labels;
pub mod level;
pub mod loki;
pub mod matcher;
pub mod pane;
mod pane_apply;
mod pane_input;
#[cfg(test)]
mod pane_loki_tests;
mod pane_render;
#[cfg(test)]
mod pane_viewer_tests;
pub mod ring;
#[cfg(test)]
mod test_support;
pub use crate::timerange;
pub mod viewer;
mod viewer_render;
pub mod worker;

use crate::config::Config;
use crate::source::Backend;
pub use level::Level;
pub use loki::paging::Boundary;
pub use loki::{Direction, LokiError, TailState, VolumeSeries};

crate::actions! {
    /// The logs pane's keymap section.
    pub enum Action {
        EditQuery = ("edit_query", "Edit the LogQL query (Enter runs, ↑/↓ history)"),
        Labels = ("labels", "Label browser: insert a matcher"),
        TimeRange = ("time_range", "Time range, limit and direction"),
        Follow = ("follow", "Live tail on/off"),
        Pause = ("pause", "Pause / resume the tail"),
        Older = ("older", "Load older lines (newer with --forward)"),
        Search = ("search", "Search (highlight matches)"),
        NextMatch = ("next_match", "Next match"),
        PrevMatch = ("prev_match", "Previous match"),
        Include = ("include", "Only lines containing…"),
        Exclude = ("exclude", "Hide lines containing…"),
        ClearFilters = ("clear_filters", "Clear include/exclude filters and search"),
        Context = ("context", "Context lines around the selected line"),
        Wrap = ("wrap", "Wrap long lines"),
        Json = ("json", "Pretty-print the selected JSON line"),
        Copy = ("copy", "Copy the line (OSC 52)"),
        Save = ("save", "Save the view to a file"),
    }
}

/// What a logs form asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `[file]` to save the view to.
    Save,
    /// `[from, to]`: an absolute time range.
    Range,
    /// `[limit]`: lines per query.
    Limit,
}
/// Worker → pane messages. Pod and container log streams (from the workloads
/// and containers workers) arrive as `Lines`/`Ended` too, tagged with their target.
#[derive(Debug)]
pub enum Update {
    /// A batch of lines for one target, oldest first.
    Lines {
        target: LogTarget,
        lines: Vec<LogLine>,
    },
    /// The stream ended (container exited, pod deleted) or failed.
    Ended {
        target: LogTarget,
        error: Option<String>,
    },
    /// The pod no longer exists (404): the pane asks Loki instead.
    Gone {
        target: LogTarget,
    },
    /// One page of a Loki query, oldest first. `older`: prepend (paging) instead
    /// of replacing the view. `boundary` is handed back for the next page.
    Page {
        id: u64,
        query: String,
        lines: Vec<LogLine>,
        older: bool,
        boundary: Option<Boundary>,
        /// The page was full: there may be more beyond it.
        more: bool,
    },
    /// A Loki request failed; `what` says which (`query`, `labels`, `volume`…).
    Failed {
        id: u64,
        what: String,
        error: LokiError,
    },
    Labels {
        names: Vec<String>,
    },
    LabelValues {
        name: String,
        values: Vec<String>,
    },
    /// The volume histogram for query `id`.
    Volume {
        id: u64,
        start_ns: i128,
        end_ns: i128,
        step_secs: u64,
        series: Vec<VolumeSeries>,
    },
    /// Live tail state; `dropped` is the total of Loki's `dropped_entries`.
    Tail {
        query: String,
        state: TailState,
        dropped: u64,
    },
    /// Query history from the data dir, oldest first.
    History(Vec<String>),
    /// "Save view" finished: lines written, or the error.
    Saved {
        path: std::path::PathBuf,
        result: Result<usize, history::FileError>,
    },
}

/// Pane → worker messages.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// query_range. `boundary`: continue paging past it (older lines for a
    /// backward query, newer for a forward one), dropping overlapping duplicates.
    Query {
        id: u64,
        query: String,
        start_ns: i128,
        end_ns: i128,
        limit: usize,
        direction: Direction,
        boundary: Option<Boundary>,
    },
    /// `sum by (level, detected_level) (count_over_time(QUERY [step]))` for the histogram.
    Volume {
        id: u64,
        query: String,
        start_ns: i128,
        end_ns: i128,
        step_secs: u64,
    },
    Labels {
        start_ns: i128,
        end_ns: i128,
    },
    LabelValues {
        name: String,
        start_ns: i128,
        end_ns: i128,
    },
    /// Start (or restart) the live tail of `query` from `start_ns`.
    Tail {
        query: String,
        start_ns: i128,
        limit: usize,
    },
    StopTail,
    /// A pod's or container's stream: the runtime hands it to the worker that serves it.
    Stream(crate::target::LogStreamRequest),
    /// Write `text` to `path` (the pane formats the view; the worker does the I/O).
    Save {
        path: std::path::PathBuf,
        text: String,
        lines: usize,
    },
    /// Persist the query history (oldest first).
    SaveHistory(Vec<String>),
}

/// The pane: the viewer plus the Loki controls.
pub fn pane(cfg: &Config) -> pane::LogsPane {
    pane::LogsPane::new(cfg)
}

/// Workers for the configured sources. The logs worker always runs (it saves
/// views and keeps the query history for pod and container logs too); without
/// `[loki]` it reports Loki as not configured.
pub fn live(cfg: &Config) -> Backend<Update, Command> {
    Backend {
        workers: vec![Box::new(worker::LogsWorker::live(cfg))],
        actions: None,
        idle: Vec::new(),
    }
}

/// The simulated estate for `--demo`: a streaming log and a simulated Loki.
pub fn demo() -> Backend<Update, Command> {
    Backend {
        workers: vec![Box::new(worker::LogsWorker::demo())],
        actions: None,
        idle: Vec::new(),
    }
}

pub use crate::target::LogTarget;

pub use crate::target::{LogLine, Stream};

impl From<crate::target::LogChunk> for Update {
    fn from(c: crate::target::LogChunk) -> Self {
        match c {
            crate::target::LogChunk::Lines { target, lines } => Self::Lines { target, lines },
            crate::target::LogChunk::Ended { target, error } => Self::Ended { target, error },
            crate::target::LogChunk::Gone { target } => Self::Gone { target },
        }
    }
}

pub use crate::target::{labels_text, quote};

/// RFC 3339 with milliseconds, UTC.
pub use crate::timerange::format_ts;

pub fn now_ns() -> i128 {
    jiff::Timestamp::now().as_nanosecond()
}
