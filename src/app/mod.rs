//! The console's state machine.
//!
//! `App` owns the panes, the overlays and what it knows about each source. It
//! is driven by four inputs — keys, worker updates, action events and clock
//! ticks — and answers with [`Effect`]s that the main loop (`run.rs`) carries
//! out. It never does I/O itself, which is what lets the whole console be
//! snapshot-tested with synthetic events.

pub mod draw;
pub mod overlay;
mod overlay_keys;
mod pacer;
pub mod run;

use crate::action::{ActionOutcome, ActionSpec, Preview};
use crate::clock::Clock;
use crate::event::{Command, Update};
use crate::keymap::{Bound, Global, Key, Keymap};
use crate::pane::{Jump, Nav, Outcome, PaneCtx, PaneId, SourceState};
use crate::runtime::{AnyOutcome, AnyPane};
use crate::source::{SourceId, SourceStatus};
use crate::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use overlay::{ConfirmDialog, ConfirmPhase, FormDialog, Overlay, Palette};
use std::collections::BTreeMap;

/// Something the main loop must do on the app's behalf.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send to the workers of the command's domain.
    Command(Command),
    /// Fetch a preview for the action; answer with `App::preview_ready`.
    Preview {
        id: u64,
        spec: ActionSpec,
    },
    /// Run the confirmed action; answer with `App::action_progress`/`action_done`.
    Execute {
        id: u64,
        spec: ActionSpec,
        preview: Preview,
    },
    /// Record in the audit log that a previewed action was cancelled.
    Cancelled {
        spec: ActionSpec,
        preview: Preview,
    },
    /// Write text to the clipboard via OSC 52.
    Copy(String),
    /// Leave the screen to a terminal session until it exits (the main loop
    /// runs it; see `run::attach`).
    Attach(crate::target::Attach),
    Quit,
}

/// A short message in the status bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
}

pub struct App {
    panes: Vec<Box<dyn AnyPane>>,
    /// Where "now" comes from (a manual clock in tests).
    pub clock: Clock,
    pub active: PaneId,
    /// Commands a pane owes its workers on leaving the screen, sent with
    /// the next frame's.
    owed: Vec<Command>,
    /// Changes the app itself saw (sources going and coming back), handed
    /// to the panes with theirs.
    observed: Vec<crate::observed::Observed>,
    pub keymap: Keymap,
    pub theme: Theme,
    pub sources: BTreeMap<SourceId, SourceState>,
    pub overlay: Option<Overlay>,
    /// `/` filter per pane; `filter_editing` while the filter bar has focus.
    pub filters: BTreeMap<PaneId, String>,
    pub filter_input: Option<ratatui_textarea::TextArea<'static>>,
    pub notice: Option<Notice>,
    /// Config/keymap/theme problems, shown in a banner until help is opened.
    pub warnings: Vec<String>,
    pub warnings_seen: bool,
    pub read_only: bool,
    pub demo: bool,
    pub spinner: usize,
    next_action_id: u64,
}

pub struct AppOptions {
    pub clock: Clock,
    pub keymap: Keymap,
    pub theme: Theme,
    pub read_only: bool,
    pub demo: bool,
    pub warnings: Vec<String>,
}

impl App {
    /// `panes` must hold one pane per [`PaneId`], in any order.
    pub fn new(mut panes: Vec<Box<dyn AnyPane>>, opts: AppOptions) -> Self {
        panes.sort_by_key(|p| p.id());
        debug_assert_eq!(
            panes.iter().map(|p| p.id()).collect::<Vec<_>>(),
            PaneId::ALL
        );
        Self {
            panes,
            clock: opts.clock,
            active: PaneId::Workloads,
            owed: Vec::new(),
            observed: Vec::new(),
            keymap: opts.keymap,
            theme: opts.theme,
            sources: BTreeMap::new(),
            overlay: None,
            filters: BTreeMap::new(),
            filter_input: None,
            notice: None,
            warnings_seen: opts.warnings.is_empty(),
            warnings: opts.warnings,
            read_only: opts.read_only,
            demo: opts.demo,
            spinner: 0,
            next_action_id: 1,
        }
    }

    pub fn pane(&self, id: PaneId) -> &dyn AnyPane {
        self.panes[id.index()].as_ref()
    }

    pub fn pane_mut(&mut self, id: PaneId) -> &mut Box<dyn AnyPane> {
        &mut self.panes[id.index()]
    }

    fn ctx(&self) -> PaneCtx {
        PaneCtx {
            read_only: self.read_only,
            now: self.clock.now(),
        }
    }

    /// Apply a worker update. Returns whether anything visible changed.
    pub fn apply(&mut self, update: Update) -> bool {
        let now = self.clock.now();
        match update {
            Update::Status { source, status } => {
                let last_data = matches!(status, SourceStatus::Connected { .. }).then_some(now);
                let Some(entry) = self.sources.get_mut(&source) else {
                    self.sources.insert(
                        source,
                        SourceState {
                            status,
                            last_data,
                            since: now,
                        },
                    );
                    return true;
                };
                if last_data.is_some() {
                    entry.last_data = last_data;
                } else if source.kind.is_streaming()
                    && matches!(entry.status, SourceStatus::Connected { .. })
                {
                    // A watch stream kept the data current until this moment;
                    // the stale age counts from the break, not from when the
                    // stream first connected. (Polled sources keep the time
                    // of their last successful poll.)
                    entry.last_data = Some(now);
                }
                if entry.status == status {
                    return false;
                }
                if let Some(change) = source_change(&entry.status, &status) {
                    let detail = match &status {
                        SourceStatus::Stale { reason }
                        | SourceStatus::Unreachable { reason, .. } => reason.clone(),
                        _ => String::new(),
                    };
                    self.observed.push(crate::observed::Observed::new(
                        now,
                        change,
                        crate::observed::Place::object(source.to_string()),
                        detail,
                    ));
                }
                entry.status = status;
                entry.since = now;
                true
            }
            other => {
                let Some(pane) = other.pane() else {
                    return false;
                };
                self.panes[pane.index()].apply(other)
            }
        }
    }

    /// Is something animated or clock-driven on screen? The main loop only
    /// ticks while this holds, so an idle console draws nothing.
    pub fn wants_tick(&self) -> bool {
        self.sources
            .values()
            .any(|s| matches!(s.status, SourceStatus::Loading | SourceStatus::Stale { .. }))
            || matches!(&self.overlay, Some(Overlay::Confirm(c))
                if matches!(c.phase, ConfirmPhase::Loading | ConfirmPhase::Running(_)))
            || self.panes.iter().any(|p| p.wants_tick())
    }

    pub fn tick(&mut self) {
        self.spinner = self.spinner.wrapping_add(1);
    }

    pub fn notify(&mut self, text: impl Into<String>, error: bool) {
        self.notice = Some(Notice {
            text: text.into(),
            error,
        });
    }

    // ---- keys ------------------------------------------------------------

    pub fn handle_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind == crossterm::event::KeyEventKind::Release {
            return Vec::new();
        }
        if self.overlay.is_some() {
            return self.overlay_key(key);
        }
        if self.filter_input.is_some() {
            return self.filter_key(key);
        }
        let ctx = self.ctx();
        let pane = self.active;
        if self.panes[pane.index()].captures_input() {
            if key.code == KeyCode::Esc {
                let outcome = self.panes[pane.index()].on_nav(Nav::Back, &ctx);
                return self.outcome(pane, outcome);
            }
            let outcome = self.panes[pane.index()].on_key(key, &ctx);
            return self.outcome(pane, outcome);
        }
        let k = Key::from_event(&key);
        let Some(bound) = self.keymap.resolve(pane, &k) else {
            return Vec::new();
        };
        self.dispatch(bound)
    }

    /// Carry out a resolved keymap action (from a key or the palette).
    fn dispatch(&mut self, bound: Bound) -> Vec<Effect> {
        let ctx = self.ctx();
        let outcome = match bound {
            Bound::Global(g) => return self.global(g),
            Bound::Nav(nav) => {
                self.notice = None;
                self.panes[self.active.index()].on_nav(nav, &ctx)
            }
            Bound::Pane(pane, index) => {
                self.notice = None;
                if pane != self.active {
                    self.switch(pane);
                }
                self.panes[pane.index()].on_action(index, &ctx)
            }
        };
        self.outcome(self.active, outcome)
    }

    fn global(&mut self, action: Global) -> Vec<Effect> {
        let idx = self.active.index();
        match action {
            Global::Quit => return self.request_quit(),
            Global::Help => {
                self.overlay = Some(Overlay::Help {
                    scroll: Default::default(),
                });
                self.warnings_seen = true;
            }
            Global::Palette => {
                self.overlay = Some(Overlay::Palette(Box::new(Palette::new(
                    self.palette_entries(),
                ))))
            }
            Global::Filter => {
                let current = self.filters.get(&self.active).cloned().unwrap_or_default();
                self.filter_input = Some(overlay::single_line(&current));
            }
            Global::NextPane => self.switch(PaneId::ALL[(idx + 1) % PaneId::ALL.len()]),
            Global::PrevPane => {
                self.switch(PaneId::ALL[(idx + PaneId::ALL.len() - 1) % PaneId::ALL.len()])
            }
            Global::PaneWorkloads
            | Global::PaneContainers
            | Global::PaneAlerts
            | Global::PaneLogs
            | Global::PaneBackups
            | Global::PaneRunbook
            | Global::PaneMetrics => {
                if let Some(p) = action.pane() {
                    self.switch(p);
                }
            }
        }
        Vec::new()
    }

    pub fn switch(&mut self, pane: PaneId) {
        if pane != self.active {
            let owed = self.panes[self.active.index()].on_hidden();
            self.owed.extend(owed);
        }
        self.active = pane;
        self.notice = None;
    }

    fn request_quit(&mut self) -> Vec<Effect> {
        let busy: Vec<String> = self.panes.iter().filter_map(|p| p.busy()).collect();
        let running = matches!(&self.overlay, Some(Overlay::Confirm(c)) if matches!(c.phase, ConfirmPhase::Running(_)));
        if busy.is_empty() && !running {
            return vec![Effect::Quit];
        }
        let mut text = busy.join("; ");
        if running {
            text = if text.is_empty() {
                "an action is running".into()
            } else {
                format!("{text}; an action is running")
            };
        }
        self.overlay = Some(Overlay::Quit { text });
        Vec::new()
    }

    fn filter_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(input) = self.filter_input.as_mut() else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Enter => {
                self.filter_input = None;
            }
            KeyCode::Esc => {
                self.filter_input = None;
                self.filters.remove(&self.active);
                self.panes[self.active.index()].set_filter("");
            }
            _ => {
                if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('m') {
                    return Vec::new();
                }
                input.input(key);
                let text = input.lines().first().cloned().unwrap_or_default();
                self.panes[self.active.index()].set_filter(&text);
                if text.is_empty() {
                    self.filters.remove(&self.active);
                } else {
                    self.filters.insert(self.active, text);
                }
            }
        }
        Vec::new()
    }

    /// Turn a pane's answer into effects and app state changes.
    fn outcome(&mut self, from: PaneId, outcome: AnyOutcome) -> Vec<Effect> {
        match outcome {
            Outcome::Ignored | Outcome::Handled => Vec::new(),
            Outcome::Request(spec) => self.request_action(spec),
            Outcome::Command(cmd) => vec![Effect::Command(cmd)],
            Outcome::Jump(jump) => self.jump(jump),
            Outcome::Form(form) => {
                self.overlay = Some(Overlay::Form(Box::new(FormDialog::new(from, form))));
                Vec::new()
            }
            Outcome::Notify(text) => {
                self.notify(text, false);
                Vec::new()
            }
            Outcome::Attach(a) => {
                if self.read_only {
                    self.notify(
                        format!("read-only mode: {} is disabled", a.describe()),
                        true,
                    );
                    return Vec::new();
                }
                if self.demo {
                    self.notify(
                        format!(
                            "DEMO: {} is not simulated: the demo estate has no processes",
                            a.describe()
                        ),
                        true,
                    );
                    return Vec::new();
                }
                vec![Effect::Attach(a)]
            }
            Outcome::Copy(text) => {
                self.notify("copied to the clipboard (OSC 52)", false);
                // Copied text came from outside (log lines, annotations): an
                // escape sequence in it would fire in whatever terminal or
                // shell the operator pastes into.
                vec![Effect::Copy(crate::text::sanitize_multiline(&text))]
            }
            Outcome::Many(list) => list
                .into_iter()
                .flat_map(|o| self.outcome(from, o))
                .collect(),
        }
    }

    /// Start the preview → confirm → execute flow for an action.
    pub fn request_action(&mut self, spec: ActionSpec) -> Vec<Effect> {
        if self.read_only && spec.is_mutating() {
            self.notify(format!("read-only mode: {} is disabled", spec.verb()), true);
            return Vec::new();
        }
        let id = self.next_action_id;
        self.next_action_id += 1;
        self.overlay = Some(Overlay::Confirm(Box::new(ConfirmDialog::new(
            id,
            spec.clone(),
        ))));
        vec![Effect::Preview { id, spec }]
    }

    pub fn jump(&mut self, jump: Jump) -> Vec<Effect> {
        let target = match &jump {
            Jump::Workload { .. } => PaneId::Workloads,
            Jump::Container { .. } => PaneId::Containers,
            Jump::LogQuery { .. } | Jump::LogStream(_) | Jump::LogStreamSince { .. } => {
                PaneId::Logs
            }
            Jump::Runbook { .. } => PaneId::Runbook,
            Jump::Metrics { .. } => PaneId::Metrics,
        };
        self.switch(target);
        let ctx = self.ctx();
        let outcome = self.panes[target.index()].on_jump(&jump, &ctx);
        self.outcome(target, outcome)
    }

    // ---- action events ---------------------------------------------------

    pub fn preview_ready(&mut self, id: u64, result: Result<Preview, crate::action::ActionError>) {
        if let Some(Overlay::Confirm(c)) = &mut self.overlay
            && c.id == id
        {
            c.phase = match result {
                Ok(p) => ConfirmPhase::Ready(p),
                Err(e) => ConfirmPhase::PreviewFailed(e),
            };
        }
    }

    pub fn action_progress(&mut self, id: u64, line: String) {
        if let Some(Overlay::Confirm(c)) = &mut self.overlay
            && c.id == id
        {
            c.push_output(line);
        }
    }

    pub fn action_done(
        &mut self,
        id: u64,
        spec: &ActionSpec,
        result: Result<ActionOutcome, crate::action::ActionError>,
    ) {
        for pane in &mut self.panes {
            pane.on_action_done(spec, &result);
        }
        let text = match &result {
            Ok(o) => Ok(if o.summary.is_empty() {
                format!("{} done", spec.verb())
            } else {
                o.summary.clone()
            }),
            Err(e) => Err(e.clone()),
        };
        match &text {
            Ok(t) => self.notify(format!("✓ {t}"), false),
            Err(e) => self.notify(format!("✗ {} failed: {e}", spec.verb()), true),
        }
        if let Some(Overlay::Confirm(c)) = &mut self.overlay
            && c.id == id
            && let ConfirmPhase::Running(p) = std::mem::replace(&mut c.phase, ConfirmPhase::Loading)
        {
            c.phase = ConfirmPhase::Done {
                preview: p,
                result: text,
            };
        }
    }

    /// The status-bar context: the Kubernetes context/namespaces (where
    /// workload actions land) on every pane, then the active pane's own label.
    pub fn context_label(&self) -> Option<String> {
        let cluster = self.panes[PaneId::Workloads.index()].context_label();
        let own = (self.active != PaneId::Workloads)
            .then(|| self.panes[self.active.index()].context_label())
            .flatten();
        match (cluster, own) {
            (Some(c), Some(o)) => Some(format!("{c} · {o}")),
            (c, o) => c.or(o),
        }
    }

    pub fn render_pane(
        &mut self,
        area: ratatui::layout::Rect,
        buf: &mut ratatui::buffer::Buffer,
        now: jiff::Timestamp,
    ) {
        let ctx = crate::pane::RenderCtx {
            theme: &self.theme,
            keymap: &self.keymap,
            now,
            read_only: self.read_only,
            demo: self.demo,
            sources: &self.sources,
        };
        let pane = &mut self.panes[self.active.index()];
        pane.prepare(now);
        pane.render(area, buf, &ctx);
    }

    /// Commands the pane on screen owes its workers after a frame (see
    /// `Pane::after_frame`).
    pub fn after_frame(&mut self) -> Vec<Command> {
        let mut out = std::mem::take(&mut self.owed);
        out.extend(self.panes[self.active.index()].after_frame());
        out
    }

    /// What the panes have to tell the operator after the last updates, from
    /// every pane: a new critical alert rings while the Logs pane is shown.
    pub fn take_announcements(&mut self) -> Vec<crate::pane::Announcement> {
        self.panes
            .iter_mut()
            .flat_map(|p| p.take_announcements())
            .collect()
    }

    /// Hand every pane the changes the last updates showed (the panes' and
    /// the app's own); `true` when there were any.
    pub fn pass_observations(&mut self) -> bool {
        let mut batch = std::mem::take(&mut self.observed);
        for p in &mut self.panes {
            batch.extend(p.take_observations());
        }
        if batch.is_empty() {
            return false;
        }
        for p in &mut self.panes {
            p.on_observed(&batch);
        }
        true
    }

    pub fn reports(&self) -> Vec<(PaneId, crate::report::ReportSection)> {
        let now = self.clock.now();
        self.panes
            .iter()
            .filter_map(|p| p.report(now).map(|r| (p.id(), r)))
            .collect()
    }
}

#[cfg(test)]
mod tests;

/// A source that had data losing it, or getting it back after a failure:
/// the first load and its settling are not changes anyone reacted to.
fn source_change(before: &SourceStatus, now: &SourceStatus) -> Option<crate::observed::Change> {
    use crate::observed::Change;
    match (before, now) {
        (SourceStatus::Connected { .. }, n) if n.is_failure() => Some(Change::SourceDown),
        (b, SourceStatus::Connected { .. }) if b.is_failure() => Some(Change::SourceBack),
        _ => None,
    }
}
