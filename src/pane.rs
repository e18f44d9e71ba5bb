//! The contract between the app shell and a pane.
//!
//! A pane is plain state plus rendering: it applies its domain's updates,
//! answers named keymap actions, and renders into a buffer. It does no I/O —
//! anything that needs the network or disk goes out as an [`Outcome`]
//! (a worker [`Command`] or an incident [`ActionSpec`]) for the main loop to run.
//! That keeps every pane testable with synthetic updates and a `TestBackend`.

use crate::action::{ActionOutcome, ActionSpec};
use crate::event::{Command, Update};
use crate::keymap::Keymap;
use crate::report::ReportSection;
use crate::source::{SourceId, SourceKind, SourceStatus};
use crate::theme::Theme;
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PaneId {
    Workloads,
    Containers,
    Alerts,
    Logs,
    Backups,
    Runbook,
}

impl PaneId {
    pub const ALL: [PaneId; 6] = [
        Self::Workloads,
        Self::Containers,
        Self::Alerts,
        Self::Logs,
        Self::Backups,
        Self::Runbook,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Self::Workloads => "Workloads",
            Self::Containers => "Containers",
            Self::Alerts => "Alerts",
            Self::Logs => "Logs",
            Self::Backups => "Backups",
            Self::Runbook => "Runbook",
        }
    }

    /// The keymap section holding this pane's actions.
    pub fn section(self) -> &'static str {
        match self {
            Self::Workloads => "workloads",
            Self::Containers => "containers",
            Self::Alerts => "alerts",
            Self::Logs => "logs",
            Self::Backups => "backups",
            Self::Runbook => "runbook",
        }
    }

    pub fn index(self) -> usize {
        Self::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    /// The actions this pane answers, with their help text. The keymap binds
    /// keys to these names; help and the palette list them.
    pub fn actions(self) -> &'static [ActionDef] {
        match self {
            Self::Workloads => crate::workloads::ACTIONS,
            Self::Containers => crate::containers::ACTIONS,
            Self::Alerts => crate::alerts::ACTIONS,
            Self::Logs => crate::logs::ACTIONS,
            Self::Backups => crate::backups::ACTIONS,
            Self::Runbook => crate::runbook::ACTIONS,
        }
    }

    /// Source kinds this pane shows (for its status line and empty states).
    pub fn sources(self) -> &'static [SourceKind] {
        match self {
            Self::Workloads => &[SourceKind::Kubernetes],
            Self::Containers => &[SourceKind::Docker],
            Self::Alerts => &[SourceKind::Prometheus, SourceKind::Alertmanager],
            Self::Logs => &[SourceKind::Loki],
            Self::Backups => &[SourceKind::Backups],
            Self::Runbook => &[SourceKind::Runbooks],
        }
    }
}

/// A named action a key can be bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionDef {
    pub name: &'static str,
    pub desc: &'static str,
}

/// Shorthand for the `ACTIONS` tables.
pub const fn def(name: &'static str, desc: &'static str) -> ActionDef {
    ActionDef { name, desc }
}

/// Navigation actions every list pane answers; the app forwards them to the
/// active pane (they live in the keymap's `[navigation]` section).
pub const NAVIGATION: &[ActionDef] = &[
    def("up", "Move the selection up"),
    def("down", "Move the selection down"),
    def("page_up", "Move up one page"),
    def("page_down", "Move down one page"),
    def("top", "Jump to the first row"),
    def("bottom", "Jump to the last row"),
    def("select", "Open / expand the selection"),
    def("back", "Close the detail view / go back"),
    def("left", "Scroll left / previous tab"),
    def("right", "Scroll right / next tab"),
];

/// What a pane needs to render, beyond its own state.
pub struct RenderCtx<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    pub now: jiff::Timestamp,
    pub read_only: bool,
    pub demo: bool,
    /// Latest status of every source, for empty states ("not configured: add [loki]").
    pub sources: &'a BTreeMap<SourceId, SourceState>,
}

/// What the app remembers about a source.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceState {
    pub status: SourceStatus,
    /// When the last data update from it arrived (data age while stale).
    pub last_data: Option<jiff::Timestamp>,
    /// When the status last changed.
    pub since: jiff::Timestamp,
}

/// What a pane needs to decide how to react to a key.
pub struct PaneCtx {
    pub read_only: bool,
    pub now: jiff::Timestamp,
}

/// A jump from one pane to another (alert → workload, workload → logs…).
#[derive(Debug, Clone, PartialEq)]
pub enum Jump {
    Workload {
        namespace: Option<String>,
        name: String,
    },
    Container {
        name: String,
    },
    /// Open the logs pane on a LogQL query.
    LogQuery {
        query: String,
    },
    /// Open the logs pane on a pod's or container's own log stream.
    LogStream(crate::logs::LogTarget),
    /// The same, starting `since_seconds` back instead of at the latest lines.
    LogStreamSince {
        target: crate::logs::LogTarget,
        since_seconds: i64,
    },
    /// Open a runbook file in the runbook pane.
    Runbook {
        path: std::path::PathBuf,
    },
}

/// A small form the app shows on a pane's behalf (scale replicas, silence
/// duration and comment, skip reason…). Submitted values come back through
/// [`Pane::on_form`] in field order.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    /// Echoed back to the pane so it knows which form was submitted.
    pub id: String,
    pub title: String,
    pub fields: Vec<FormField>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FormField {
    pub label: String,
    pub value: String,
    /// Masked while typed (secret runbook params).
    pub secret: bool,
    /// Multi-line (notes).
    pub multiline: bool,
}

impl FormField {
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            value: value.into(),
            secret: false,
            multiline: false,
        }
    }
}

/// What a pane asks the app to do after handling input.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Not handled: the app may try a global binding.
    Ignored,
    /// Handled; redraw.
    Handled,
    /// Run an incident action: the app previews, confirms, executes, audits.
    Request(ActionSpec),
    /// Send a command to the domain's workers.
    Command(Command),
    /// Switch pane and hand it the jump.
    Jump(Jump),
    /// Show a form; the values come back through `on_form`.
    Form(Form),
    /// Show a message in the status line.
    Notify(String),
    /// Put text on the clipboard (OSC 52: works over SSH and in tmux).
    Copy(String),
    /// Several at once, in order.
    Many(Vec<Outcome>),
}

/// One entry a pane adds to the command palette beyond its keymap actions
/// (e.g. `context prod`, `incident start`).
#[derive(Debug, Clone, PartialEq)]
pub struct PaletteCommand {
    /// What is typed/matched, e.g. `incident start`.
    pub name: String,
    pub desc: String,
    /// Takes the rest of the palette line as an argument.
    pub takes_arg: bool,
}

pub trait Pane: Send {
    fn id(&self) -> PaneId;

    /// Draw into `buf` within `area`. Pure: no I/O, no waiting.
    fn render(&mut self, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>);

    /// Apply a worker update for this pane. Returns whether anything visible changed.
    fn apply(&mut self, update: Update) -> bool;

    /// A named action from the keymap (navigation or this pane's section).
    fn on_action(&mut self, action: &str, ctx: &PaneCtx) -> Outcome;

    /// While `captures_input()` is true (an editor is focused), keys come here
    /// raw instead of through the keymap; Esc still reaches the app.
    fn on_key(&mut self, _key: KeyEvent, _ctx: &PaneCtx) -> Outcome {
        Outcome::Ignored
    }
    fn captures_input(&self) -> bool {
        false
    }

    /// The `/` filter text changed.
    fn set_filter(&mut self, _filter: &str) {}

    fn on_jump(&mut self, _jump: &Jump, _ctx: &PaneCtx) -> Outcome {
        Outcome::Ignored
    }
    fn on_form(&mut self, _form_id: &str, _values: &[String], _ctx: &PaneCtx) -> Outcome {
        Outcome::Ignored
    }
    /// A palette command this pane listed in `palette_commands`.
    fn on_command(&mut self, _name: &str, _arg: &str, _ctx: &PaneCtx) -> Outcome {
        Outcome::Ignored
    }
    fn palette_commands(&self) -> Vec<PaletteCommand> {
        Vec::new()
    }

    /// An action finished anywhere in the console (the runbook pane records it
    /// in the incident timeline; the pane that asked may show the result).
    fn on_action_done(
        &mut self,
        _spec: &ActionSpec,
        _result: &Result<ActionOutcome, crate::action::ActionError>,
    ) -> bool {
        false
    }

    /// The health review section for `warroom report` (None: this pane adds none).
    fn report(&self) -> Option<ReportSection> {
        None
    }

    /// Something time-driven is on screen (a running step's clock): the app
    /// redraws once a second while true.
    fn wants_tick(&self) -> bool {
        false
    }

    /// Work that quitting would interrupt ("runbook step 3 is running"): `q` asks first.
    fn busy(&self) -> Option<String> {
        None
    }

    /// A short label for the status bar (e.g. current context/namespace).
    fn context_label(&self) -> Option<String> {
        None
    }
}
