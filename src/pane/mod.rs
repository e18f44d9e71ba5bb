//! The contract between the app shell and a pane.
//!
//! A pane is plain state plus rendering: it applies its domain's updates,
//! answers named keymap actions, and renders into a buffer. It does no I/O —
//! anything that needs the network or disk goes out as an [`Outcome`]
//! (a worker [`Command`] or an incident [`ActionSpec`]) for the main loop to run.
//! That keeps every pane testable with synthetic updates and a `TestBackend`.

pub mod actions;

pub use actions::{ActionDef, ActionSet, Input, Nav, NoAction, def};

use crate::action::{ActionOutcome, ActionSpec};
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
    Metrics,
}

impl PaneId {
    pub const ALL: [PaneId; 7] = [
        Self::Workloads,
        Self::Containers,
        Self::Alerts,
        Self::Logs,
        Self::Backups,
        Self::Runbook,
        Self::Metrics,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Self::Workloads => "Workloads",
            Self::Containers => "Containers",
            Self::Alerts => "Alerts",
            Self::Logs => "Logs",
            Self::Backups => "Backups",
            Self::Runbook => "Runbook",
            Self::Metrics => "Metrics",
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
            Self::Metrics => "metrics",
        }
    }

    pub fn index(self) -> usize {
        Self::ALL.iter().position(|p| *p == self).unwrap_or(0)
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
            Self::Metrics => &[SourceKind::Prometheus],
        }
    }
}

/// The keys bound to an action, for the hints a pane draws (`l logs  s silence`).
/// The live keymap implements it; panes never see the keymap itself.
pub trait KeyHints {
    /// `q / ctrl-c`; empty when unbound.
    fn keys_for(&self, section: &str, action: &str) -> String;
}

/// What a pane needs to render, beyond its own state.
pub struct RenderCtx<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a dyn KeyHints,
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

/// Something the operator must hear about even when looking elsewhere (a
/// newly firing critical alert): the terminal bell, or a desktop
/// notification through the terminal. The app writes it; panes only say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub title: String,
    pub body: String,
    pub ring: crate::config::Ring,
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
    /// Open the logs pane on a LogQL query, over the last hour or (from an
    /// alert) from `from` to now.
    LogQuery {
        query: String,
        from: Option<jiff::Timestamp>,
    },
    /// Open the logs pane on a pod's or container's own log stream.
    LogStream(crate::target::LogTarget),
    /// The same, starting `since_seconds` back instead of at the latest lines.
    LogStreamSince {
        target: crate::target::LogTarget,
        since_seconds: i64,
    },
    /// Open a runbook file in the runbook pane; from an alert, its labels
    /// fill the params they name and the run records the alert.
    Runbook {
        path: std::path::PathBuf,
        alert: Option<Box<crate::target::AlertContext>>,
    },
    /// Graph a PromQL expression in the metrics pane, from `from` (an
    /// alert's window) or over its current range; `fired` marks when the
    /// alert started firing. A rule's comparison with a constant
    /// (`expr > 0.05`) is drawn as the threshold of its left side;
    /// `threshold` draws one for any expression (a memory limit).
    Metrics {
        expr: String,
        from: Option<jiff::Timestamp>,
        fired: Option<jiff::Timestamp>,
        threshold: Option<f64>,
    },
}

/// A small form the app shows on a pane's behalf (scale replicas, silence
/// duration and comment, skip reason…). The pane's typed `payload` says what
/// the form is about (the deployment to scale, the pod whose logs to open) and
/// travels inside the form; it comes back with the values, in field order,
/// through [`Pane::on_form`], so nothing waits in side fields of the pane.
#[derive(Debug, Clone, PartialEq)]
pub struct Form<F> {
    pub payload: F,
    pub title: String,
    pub fields: Vec<FormField>,
}

impl<F> Form<F> {
    pub fn new(payload: F, title: impl Into<String>, fields: Vec<FormField>) -> Self {
        Self {
            payload,
            title: title.into(),
            fields,
        }
    }

    pub fn map<G>(self, f: impl FnOnce(F) -> G) -> Form<G> {
        Form {
            payload: f(self.payload),
            title: self.title,
            fields: self.fields,
        }
    }
}

/// For panes that show no form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoForm {}

/// For panes without palette commands or worker commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoCommand {}

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

/// What a pane asks the app to do after handling input. `F` is the pane's
/// form payload, `C` its workers' command type.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<F, C> {
    /// Not handled: the app may try a global binding.
    Ignored,
    /// Handled; redraw.
    Handled,
    /// Run an incident action: the app previews, confirms, executes, audits.
    Request(ActionSpec),
    /// Send a command to the domain's workers.
    Command(C),
    /// Switch pane and hand it the jump.
    Jump(Jump),
    /// Show a form; the values come back through `on_form`.
    Form(Form<F>),
    /// Show a message in the status line.
    Notify(String),
    /// Put text on the clipboard (OSC 52: works over SSH and in tmux).
    Copy(String),
    /// Hand the terminal over to a shell or command in a container, until it exits.
    Attach(crate::target::Attach),
    /// Several at once, in order.
    Many(Vec<Outcome<F, C>>),
}

impl<F, C> Outcome<F, C> {
    /// The same outcome with the form payload and command converted (the
    /// app's type-erased side of a pane uses this).
    pub fn map<G, D>(
        self,
        form: &mut impl FnMut(F) -> G,
        cmd: &mut impl FnMut(C) -> D,
    ) -> Outcome<G, D> {
        match self {
            Self::Ignored => Outcome::Ignored,
            Self::Handled => Outcome::Handled,
            Self::Request(spec) => Outcome::Request(spec),
            Self::Command(c) => Outcome::Command(cmd(c)),
            Self::Jump(j) => Outcome::Jump(j),
            Self::Form(f) => Outcome::Form(f.map(&mut *form)),
            Self::Notify(t) => Outcome::Notify(t),
            Self::Copy(t) => Outcome::Copy(t),
            Self::Attach(a) => Outcome::Attach(a),
            Self::Many(list) => Outcome::Many(list.into_iter().map(|o| o.map(form, cmd)).collect()),
        }
    }
}

/// The outcome type of pane `P`.
pub type PaneOutcome<P> = Outcome<<P as Pane>::Form, <P as Pane>::Command>;

/// One entry a pane adds to the command palette beyond its keymap actions
/// (e.g. `context prod`, `incident start`). `command` is the pane's typed
/// command, parsed once when the entry is listed; the palette hands it back
/// with the rest of the line for commands that take an argument.
#[derive(Debug, Clone, PartialEq)]
pub struct PaletteCommand<C> {
    /// What is typed/matched, e.g. `incident start`.
    pub name: String,
    pub desc: String,
    /// Takes the rest of the palette line as an argument.
    pub takes_arg: bool,
    pub command: C,
}

impl<C> PaletteCommand<C> {
    pub fn new(name: impl Into<String>, desc: impl Into<String>, command: C) -> Self {
        Self {
            name: name.into(),
            desc: desc.into(),
            takes_arg: false,
            command,
        }
    }

    /// The rest of the palette line is this command's argument.
    pub fn with_arg(mut self) -> Self {
        self.takes_arg = true;
        self
    }
}

/// A pane: its domain's state and rendering. Every type it exchanges with the
/// app is its own: the keymap actions it answers, the payload of its forms,
/// its palette commands, the updates its workers send and the commands it
/// sends them. The app holds panes behind `runtime::AnyPane`, which converts
/// at that one boundary.
pub trait Pane: Send + 'static {
    /// Its keymap section.
    type Action: ActionSet;
    /// What its forms are about (the target travels inside the form).
    type Form: std::fmt::Debug + Send + 'static;
    /// Its palette commands, parsed once when listed.
    type PaletteCommand: std::fmt::Debug + Clone + Send + Sync + 'static;
    /// Worker → pane messages.
    type Update: Send + 'static;
    /// Pane → worker messages.
    type Command: std::fmt::Debug + Send + 'static;

    fn id(&self) -> PaneId;

    /// Bring derived state (rows, verdicts) up to date before a frame: a
    /// no-op unless data, the filter or the clock made it stale. Rows are
    /// derived here or when updates are applied, never inside `render`.
    fn prepare(&mut self, _now: jiff::Timestamp) {}

    /// Draw into `buf` within `area`. No I/O, no waiting, no rebuilding;
    /// `&mut` only for the layout a list learns while drawing (page size,
    /// scroll offset).
    fn render(&mut self, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>);

    /// Apply a worker update for this pane. Returns whether anything visible changed.
    fn apply(&mut self, update: Self::Update) -> bool;

    /// Commands owed to the workers once a frame of this pane is drawn: what
    /// the frame showed (new data, a filter, a resize) may call for one, e.g.
    /// the rows on screen to stream stats for. Asked after every frame, so an
    /// unchanged screen must answer nothing.
    fn after_frame(&mut self) -> Vec<Self::Command> {
        Vec::new()
    }

    /// Commands owed when another pane takes the screen: a pane that asks
    /// its source for what it shows stops asking (its next frame asks again).
    fn on_hidden(&mut self) -> Vec<Self::Command> {
        Vec::new()
    }

    /// What the last updates call on the operator to hear (asked after each
    /// batch of updates; most panes have nothing to say).
    fn take_announcements(&mut self) -> Vec<Announcement> {
        Vec::new()
    }

    /// The changes the last updates showed, for an open incident's timeline
    /// (asked after each batch of updates, like announcements).
    fn take_observations(&mut self) -> Vec<crate::observed::Observed> {
        Vec::new()
    }

    /// Every pane's (and the app's) observations of one batch; the runbook
    /// pane hands them to its worker, which records them while an incident
    /// is open.
    fn on_observed(&mut self, _batch: &[crate::observed::Observed]) {}

    /// A keymap action: navigation, or one of this pane's own.
    fn on_input(&mut self, input: Input<Self::Action>, ctx: &PaneCtx) -> PaneOutcome<Self>;

    /// While `captures_input()` is true (an editor is focused), keys come here
    /// raw instead of through the keymap; Esc still reaches the app.
    fn on_key(&mut self, _key: KeyEvent, _ctx: &PaneCtx) -> PaneOutcome<Self> {
        Outcome::Ignored
    }
    fn captures_input(&self) -> bool {
        false
    }

    /// The `/` filter text changed.
    fn set_filter(&mut self, _filter: &str) {}

    fn on_jump(&mut self, _jump: &Jump, _ctx: &PaneCtx) -> PaneOutcome<Self> {
        Outcome::Ignored
    }
    /// A form this pane showed was submitted: its payload and the values in field order.
    fn on_form(
        &mut self,
        _form: Self::Form,
        _values: &[String],
        _ctx: &PaneCtx,
    ) -> PaneOutcome<Self> {
        Outcome::Ignored
    }
    /// A palette command this pane listed in `palette_commands`; `arg` is the
    /// rest of the palette line for commands that take one.
    fn on_command(
        &mut self,
        _command: Self::PaletteCommand,
        _arg: &str,
        _ctx: &PaneCtx,
    ) -> PaneOutcome<Self> {
        Outcome::Ignored
    }
    fn palette_commands(&self) -> Vec<PaletteCommand<Self::PaletteCommand>> {
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
    fn report(&self, _now: jiff::Timestamp) -> Option<ReportSection> {
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

/// Test helpers: drive a pane by keymap name, as a bound key would.
#[cfg(test)]
pub mod testing {
    use super::*;

    pub trait Press: Pane + Sized {
        /// The action or navigation the keymap calls `name`; panics on a
        /// name the pane's table does not have (a typo fails the test).
        fn press(&mut self, name: &str, ctx: &PaneCtx) -> PaneOutcome<Self> {
            let input = match (Nav::from_name(name), Self::Action::from_name(name)) {
                (_, Some(a)) => Input::Action(a),
                (Some(n), None) => Input::Nav(n),
                (None, None) => panic!("no action {name:?} in {:?}'s keymap section", self.id()),
            };
            self.on_input(input, ctx)
        }
    }

    impl<P: Pane> Press for P {}

    /// The form an outcome shows (also inside `Many`).
    pub fn form_in<F: Clone, C>(o: &Outcome<F, C>) -> Option<Form<F>> {
        match o {
            Outcome::Form(f) => Some(f.clone()),
            Outcome::Many(list) => list.iter().find_map(form_in),
            _ => None,
        }
    }

    /// The payload of the form an outcome shows; panics when it shows none.
    pub fn payload<F: Clone + std::fmt::Debug, C: std::fmt::Debug>(o: &Outcome<F, C>) -> F {
        form_in(o)
            .unwrap_or_else(|| panic!("no form in {o:?}"))
            .payload
    }
}
