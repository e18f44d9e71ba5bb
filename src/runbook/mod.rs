//! Runbook walker: Markdown runbooks walked step by step, journaled, resumable.
//! `docs/runbook-format.md` describes the format and the commands.
//!
//! - [`parse`] (+ [`model`], `parse_attrs`): Markdown + YAML front matter → a runbook; lint errors as `FILE:LINE: message`;
//! - [`subst`]: `{{param}}` values, always exactly one shell word; [`quoting`]: where a reference may stand;
//!   [`reparse`]: references a second shell would parse (`ssh`, `bash -c`, `eval`);
//! - [`prefill`]: params filled from the alert a runbook was opened from;
//! - [`walker`]: the pure step state machine and the clock against the RTO;
//! - [`exec`] (+ `exec_plan`, `shell`): rendering a step's plan, running shell/check/wait blocks and `warroom` actions;
//! - [`journal`]: the append-only, fsynced JSONL journal; [`session`] keeps it and the walker in step;
//! - `coalesce`: observed changes de-duplicated and rate-limited; [`timeline`]: merged lines for the view and export;
//!   `incident`: recording them, and resuming an open incident when the console starts;
//! - [`export`]: the incident timeline as Markdown, with achieved RTO/RPO;
//! - `warroom runbook lint|run|export` itself is `headless::runbook`;
//! - [`worker`] (+ `worker_runs`), [`view`]: the console's worker and what it tells the pane;
//! - `pane`, `pane_forms`, `pane_view`, `pane_timeline`: the Runbook pane.

mod coalesce;
pub mod exec;
mod exec_plan;
#[cfg(test)]
mod exec_tests;
pub mod export;
mod incident;
#[cfg(test)]
mod incident_tests;
pub mod journal;
pub mod model;
mod pane;
mod pane_forms;
#[cfg(test)]
mod pane_tests;
mod pane_timeline;
mod pane_view;
pub mod parse;
mod parse_attrs;
#[cfg(test)]
mod parse_tests;
pub mod prefill;
pub mod quoting;
pub mod reparse;
pub mod session;
mod shell;
pub mod subst;
pub mod timeline;
pub mod view;
pub mod walker;
pub mod worker;
mod worker_runs;
#[cfg(test)]
mod worker_tests;

/// A file warroom writes for a run (demo runbooks, an exported timeline)
/// could not be written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}: {reason}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    pub reason: String,
}

impl WriteError {
    /// `map_err(WriteError::at(&path))`.
    pub fn at(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |e| Self {
            path: path.to_path_buf(),
            reason: e.to_string(),
        }
    }
}

use crate::config::Config;
use crate::source::Backend;
use std::path::PathBuf;
use std::sync::Arc;

crate::actions! {
    /// The runbook pane's keymap section.
    pub enum Action {
        RunStep = ("run_step", "Run the current step (preview, then confirm)"),
        Skip = ("skip", "Skip the current step (asks why)"),
        Retry = ("retry", "Retry the failed step"),
        MarkDone = ("mark_done", "Mark a manual step done"),
        Note = ("note", "Add a note to the timeline"),
        Abort = ("abort", "Abort the run"),
        Export = ("export", "Export the timeline as Markdown"),
    }
}

/// What a runbook form is about.
#[derive(Debug, Clone, PartialEq)]
pub enum Form {
    /// What opening a run asks (params, secrets again, force/new).
    Prompt(view::Prompt),
    /// `[reason]` to skip this step.
    Skip { step: usize },
    /// `[note]` for the timeline, at this step (if any).
    Note { step: Option<usize> },
    /// `[word]` that must match to run this step.
    Typed { step: usize, word: String },
    /// `[abort]` typed to abort the run.
    Abort,
}

/// The runbook pane's palette commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaletteCommand {
    /// `incident start TITLE`.
    IncidentStart,
    IncidentEnd,
    ReloadRunbooks,
}
/// Worker → pane messages.
#[derive(Debug)]
pub enum Update {
    /// The pane's handle for recording console actions in the timeline.
    Attach(view::TimelineTx),
    /// The runbooks under `[runbooks] paths`.
    Catalog(Vec<view::CatalogEntry>),
    /// Something to ask before a run can open.
    Prompt(view::Prompt),
    /// The open run changed.
    Run(Box<view::RunView>),
    /// The open incident's timeline changed (new lines, or counts of merged ones).
    Timeline(Box<view::TimelineView>),
    /// A step's rendered commands and previews, awaiting confirmation.
    Plan(Box<view::PlanView>),
    StepRunning {
        step: usize,
    },
    /// Live output of the running step.
    Output(Vec<String>),
    /// No run or incident is open any more.
    Closed {
        message: String,
    },
    Notice {
        text: String,
        error: bool,
    },
}

/// Pane → worker messages.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Refresh,
    /// Resume the runbook's unfinished run, or ask for params to start one.
    Open {
        path: PathBuf,
        /// The alert the operator came from: fills params, recorded by the run.
        alert: Option<Box<crate::target::AlertContext>>,
    },
    /// Close the runbook's unfinished run as abandoned, then open it afresh.
    Abandon {
        path: PathBuf,
    },
    Start {
        path: PathBuf,
        params: Vec<(String, String)>,
        alert: Option<Box<crate::target::AlertContext>>,
    },
    Resume {
        path: PathBuf,
        secrets: Vec<(String, String)>,
        force: bool,
    },
    /// Render and preview a step (nothing runs).
    Plan {
        step: usize,
    },
    /// Run the step whose plan the operator just confirmed.
    Run {
        step: usize,
    },
    Skip {
        step: usize,
        reason: String,
    },
    MarkDone {
        step: usize,
    },
    Retry {
        step: usize,
    },
    Note {
        step: Option<usize>,
        text: String,
    },
    Abort,
    Export,
    IncidentStart {
        title: String,
    },
    IncidentEnd,
}

/// The runbook pane.
pub fn pane(_cfg: &Config) -> pane::RunbookPane {
    pane::RunbookPane::new()
}

/// The runbook worker: lists runbooks, runs steps (shell blocks itself,
/// `warroom` blocks through `actions`), and keeps the journal; it resumes
/// the incident a console left open.
pub fn live(cfg: &Config, actions: Arc<crate::action::Actions>) -> Backend<Update, Command> {
    live_with(cfg, actions, true)
}

/// [`live`] for a command without a console (`warroom report`): an open
/// incident is left to the console, its lock untouched.
pub fn headless(cfg: &Config, actions: Arc<crate::action::Actions>) -> Backend<Update, Command> {
    live_with(cfg, actions, false)
}

fn live_with(
    cfg: &Config,
    actions: Arc<crate::action::Actions>,
    resume_incident: bool,
) -> Backend<Update, Command> {
    Backend {
        workers: vec![Box::new(worker::RunbookWorker {
            paths: cfg.runbooks.paths.clone(),
            actions,
            journal_dir: crate::paths::journal_dir(),
            demo: false,
            resume_incident,
        })],
        ..Default::default()
    }
}

/// Where `--demo` writes its runbooks: `<data dir>/demo-runbooks`.
pub fn demo_dir() -> PathBuf {
    crate::paths::data_dir().join("demo-runbooks")
}

/// The demo copies of the shipped runbooks (written to [`demo_dir`]), acting
/// on the demo estate through `actions`; the demo journal lives in the normal data dir.
pub fn demo(actions: Arc<crate::action::Actions>) -> Backend<Update, Command> {
    Backend {
        workers: vec![Box::new(worker::RunbookWorker {
            paths: vec![demo_dir()],
            actions,
            journal_dir: crate::paths::journal_dir(),
            demo: true,
            // A demo console must neither take over a real incident nor
            // record simulated changes into it.
            resume_incident: false,
        })],
        ..Default::default()
    }
}
