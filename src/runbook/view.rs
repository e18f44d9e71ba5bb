//! What the worker tells the pane: the runbook catalog, a snapshot of the open
//! run, a step's plan awaiting confirmation, and the channel the pane uses to
//! hand console actions and observed changes to the timeline.

use super::model::{Param, Runbook};
use super::walker::Walker;
use crate::action::{ActionOutcome, ActionSpec, Confirm};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::mpsc;

/// One file found under `[runbooks] paths`.
#[derive(Debug, Clone)]
pub struct CatalogEntry {
    pub path: PathBuf,
    /// The parsed runbook, or its lint errors (`FILE:LINE: message` lines).
    pub runbook: Result<Arc<Runbook>, String>,
    /// Its latest unfinished run, if any (Enter resumes it).
    pub unfinished: Option<Unfinished>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Unfinished {
    pub run_id: String,
    /// Steps changed since that run started (resuming needs force).
    pub changes: Vec<String>,
    /// Its journal is damaged: the first bad line
    /// (`FILE:LINE: bad journal entry: REASON`) and how many there are.
    pub damage: Option<(String, usize)>,
}

impl CatalogEntry {
    pub fn title(&self) -> String {
        match &self.runbook {
            Ok(rb) => rb.meta.title.clone(),
            Err(_) => self
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        }
    }
}

/// The open run, as the pane shows it.
#[derive(Debug, Clone)]
pub struct RunView {
    pub run_id: String,
    pub title: String,
    /// None for a free-standing incident timeline.
    pub runbook: Option<Arc<Runbook>>,
    pub walker: Walker,
    /// Last result line per step (check result, error, skip reason).
    pub results: BTreeMap<usize, String>,
    /// Console actions recorded in this run's timeline (newest last).
    pub actions: Vec<String>,
    pub journal: PathBuf,
    pub resumed: bool,
}

/// A step rendered and previewed, waiting for the operator's go.
#[derive(Debug, Clone)]
pub struct PlanView {
    pub step: usize,
    pub text: String,
    pub confirm: Confirm,
    /// The step cannot run as planned (bad param value, unknown action…).
    pub error: Option<String>,
}

/// What the worker needs before it can open a run.
#[derive(Debug, Clone, PartialEq)]
pub enum Prompt {
    /// A new run: ask for these params.
    Params {
        path: PathBuf,
        title: String,
        params: Vec<Param>,
        /// Opened from this alert: its labels prefill the params they name.
        alert: Option<Box<crate::target::AlertContext>>,
    },
    /// An unfinished run exists; its secret params must be given again.
    Secrets {
        path: PathBuf,
        run_id: String,
        names: Vec<String>,
    },
    /// An unfinished run exists but the runbook changed since.
    Changed {
        path: PathBuf,
        run_id: String,
        changes: String,
        /// Secret params to give again if it is force-resumed.
        names: Vec<String>,
    },
}

/// A console action that finished anywhere in warroom.
#[derive(Debug, Clone)]
pub struct ActionRecord {
    pub spec: ActionSpec,
    pub result: Result<ActionOutcome, crate::action::ActionError>,
}

/// What the pane hands the worker for the open timeline.
#[derive(Debug, Clone)]
pub enum TimelineMsg {
    /// A console action that finished.
    Action(ActionRecord),
    /// Changes the console saw (`Pane::on_observed`): recorded while an
    /// incident or run is open, dropped otherwise.
    Observed(Vec<crate::observed::Observed>),
}

/// The pane's handle for recording console actions and observed changes in
/// the open timeline.
#[derive(Debug, Clone)]
pub struct TimelineTx(pub mpsc::UnboundedSender<TimelineMsg>);

/// Timeline lines of the open incident that are new or changed.
#[derive(Debug, Clone)]
pub struct TimelineView {
    pub run_id: String,
    /// `lines` are the whole (kept) timeline: replace what is shown.
    pub reset: bool,
    /// By sequence number (`super::timeline::Timeline`).
    pub lines: Vec<(u64, super::timeline::Line)>,
}
