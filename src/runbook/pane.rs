//! The Runbook pane: the runbook list, then the walker for the open run —
//! step list with statuses, the current step's prose, the exact rendered
//! commands and action previews before confirming, live output, the check
//! result, and the elapsed clock against the RTO. Pure state: everything that
//! touches disk or runs goes to the worker as a [`Command`].

use super::view::{CatalogEntry, PlanView, Prompt, RunView, TimelineTx};
use super::walker::StepStatus;
use super::{Action, Command, Form as RForm, PaletteCommand as RCommand, Update};
use crate::action::{ActionOutcome, ActionSpec, Confirm};
use crate::pane::{
    Form, FormField, Input, Jump, Nav, Outcome, PaletteCommand, Pane, PaneCtx, PaneId, RenderCtx,
};
use crate::ui::table::TableState;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::collections::VecDeque;

/// Output lines kept on screen for the running/last step.
const OUTPUT_KEEP: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum View {
    List,
    Run,
}

pub struct RunbookPane {
    pub(super) catalog: Vec<CatalogEntry>,
    pub(super) list: TableState,
    pub(super) filter: String,
    pub(super) run: Option<RunView>,
    pub(super) view: View,
    pub(super) steps: TableState,
    pub(super) plan: Option<PlanView>,
    pub(super) output: VecDeque<String>,
    /// The step `output` belongs to.
    pub(super) output_step: Option<usize>,
    pub(super) running: Option<usize>,
    pub(super) notice: Option<(String, bool)>,
    pub(super) prompt: Option<Prompt>,
    timeline: Option<TimelineTx>,
    /// The open incident's timeline lines.
    pub(super) incident_lines: super::timeline::Shown,
    /// Lines scrolled back from the newest (0: following the end).
    pub(super) timeline_back: usize,
    /// Rows the timeline had at the last draw (a page for PageUp/PageDown).
    pub(super) timeline_page: usize,
    /// Scroll of the detail panel (prose + output), lines from the top.
    pub(super) scroll: crate::ui::scroll::Scroll,
}

impl Default for RunbookPane {
    fn default() -> Self {
        Self::new()
    }
}

/// What the runbook pane answers.
pub(super) type Out = Outcome<RForm, Command>;

pub(super) fn cmd(c: Command) -> Out {
    Outcome::Command(c)
}

impl RunbookPane {
    pub fn new() -> Self {
        Self {
            catalog: Vec::new(),
            list: TableState::default(),
            filter: String::new(),
            run: None,
            view: View::List,
            steps: TableState::default(),
            plan: None,
            output: VecDeque::new(),
            output_step: None,
            running: None,
            notice: None,
            prompt: None,
            timeline: None,
            incident_lines: Default::default(),
            timeline_back: 0,
            timeline_page: 10,
            scroll: Default::default(),
        }
    }

    /// Catalog rows matching the `/` filter.
    pub(super) fn visible(&self) -> Vec<usize> {
        let f = self.filter.to_lowercase();
        (0..self.catalog.len())
            .filter(|&i| {
                f.is_empty()
                    || self.catalog[i].title().to_lowercase().contains(&f)
                    || self.catalog[i]
                        .path
                        .to_string_lossy()
                        .to_lowercase()
                        .contains(&f)
            })
            .collect()
    }

    fn selected_entry(&self) -> Option<&CatalogEntry> {
        self.visible()
            .get(self.list.selected)
            .and_then(|&i| self.catalog.get(i))
    }

    fn step_count(&self) -> usize {
        self.run
            .as_ref()
            .and_then(|r| r.runbook.as_ref())
            .map(|rb| rb.steps.len())
            .unwrap_or(0)
    }

    pub(super) fn selected_step(&self) -> Option<usize> {
        (self.step_count() > 0).then(|| self.steps.selected.min(self.step_count() - 1))
    }

    fn status(&self, i: usize) -> StepStatus {
        self.run
            .as_ref()
            .map(|r| r.walker.status(i))
            .unwrap_or(StepStatus::Pending)
    }

    fn is_manual(&self, i: usize) -> bool {
        self.run
            .as_ref()
            .and_then(|r| r.runbook.as_ref())
            .and_then(|rb| rb.steps.get(i))
            .is_some_and(|s| s.is_manual())
    }

    fn step_action(&mut self, action: Action, ctx: &PaneCtx) -> Out {
        let Some(run) = &self.run else {
            return Outcome::Notify("no run is open: pick a runbook and press enter".into());
        };
        if action == Action::Note {
            return Outcome::Form(Form::new(
                RForm::Note {
                    step: self.selected_step(),
                },
                format!("Note for the timeline of {}", run.title),
                vec![FormField {
                    multiline: true,
                    ..FormField::new("note (ctrl-enter saves)", "")
                }],
            ));
        }
        if action == Action::Export {
            return cmd(Command::Export);
        }
        let Some(step) = self.selected_step() else {
            return Outcome::Notify(
                "this timeline has no steps (an incident): n adds a note, E exports".into(),
            );
        };
        if let Some(r) = self.running {
            return Outcome::Notify(format!("step {} is running", r + 1));
        }
        if ctx.read_only && matches!(action, Action::RunStep | Action::Retry) {
            return Outcome::Notify("read-only mode: steps are not run".into());
        }
        let status = self.status(step);
        match action {
            Action::RunStep => {
                if let Some(p) = &self.plan
                    && p.step == step
                {
                    return self.confirm_plan();
                }
                if self.is_manual(step) {
                    return Outcome::Notify(format!(
                        "step {} is manual: do what it says, then d marks it done",
                        step + 1
                    ));
                }
                if status == StepStatus::Failed {
                    return cmd(Command::Retry { step });
                }
                if status != StepStatus::Pending {
                    return Outcome::Notify(format!("step {} is {}", step + 1, status.label()));
                }
                cmd(Command::Plan { step })
            }
            Action::Retry => cmd(Command::Retry { step }),
            Action::MarkDone => cmd(Command::MarkDone { step }),
            Action::Skip => Outcome::Form(Form::new(
                RForm::Skip { step },
                format!("Skip step {}: why?", step + 1),
                vec![FormField::new("reason", "")],
            )),
            Action::Abort => Outcome::Form(Form::new(
                RForm::Abort,
                format!("Abort run {}? Type abort to confirm", run.run_id),
                vec![FormField::new("type abort", "")],
            )),
            // Handled above, before a step is needed.
            Action::Note | Action::Export => Outcome::Ignored,
        }
    }

    /// The operator said go to the shown plan.
    fn confirm_plan(&mut self) -> Out {
        let Some(p) = &self.plan else {
            return Outcome::Ignored;
        };
        if let Some(e) = &p.error {
            return Outcome::Notify(format!("step {} cannot run: {e}", p.step + 1));
        }
        match &p.confirm {
            Confirm::Typed(word) => Outcome::Form(Form::new(
                RForm::Typed {
                    step: p.step,
                    word: word.clone(),
                },
                format!("Step {}: type {word} to run it", p.step + 1),
                vec![FormField::new(format!("type {word}"), "")],
            )),
            _ => {
                let step = p.step;
                self.plan = None;
                cmd(Command::Run { step })
            }
        }
    }
}

impl Pane for RunbookPane {
    type Action = Action;
    type Form = RForm;
    type PaletteCommand = RCommand;
    type Update = Update;
    type Command = Command;

    fn id(&self) -> PaneId {
        PaneId::Runbook
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
        super::pane_view::render(self, area, buf, ctx);
    }

    fn apply(&mut self, u: Update) -> bool {
        match u {
            Update::Attach(tx) => {
                self.timeline = Some(tx);
                return false;
            }
            Update::Catalog(c) => {
                self.catalog = c;
                self.list.clamp(self.visible().len());
            }
            Update::Prompt(p) => {
                // Shown on the next key: a pane cannot open a form by itself.
                self.prompt = Some(p);
                self.notice = Some(("press enter to continue opening the runbook".into(), false));
            }
            Update::Run(view) => {
                let first = self.run.as_ref().map(|r| &r.run_id) != Some(&view.run_id);
                if first {
                    self.output.clear();
                    self.output_step = None;
                    self.plan = None;
                    self.prompt = None;
                    self.notice = None;
                    self.steps.selected = view.walker.current().unwrap_or(0);
                    self.view = View::Run;
                }
                if self.running.is_some() && view.walker.running().is_none() {
                    self.running = None;
                }
                // Move on once the selected step settles (passed, done, skipped).
                let sel = self.steps.selected;
                let was = self.run.as_ref().map(|r| r.walker.status(sel));
                if !first
                    && was.is_some_and(|s| !s.is_settled())
                    && view.walker.status(sel).is_settled()
                    && let Some(c) = view.walker.current()
                {
                    self.steps.selected = c;
                }
                self.run = Some(*view);
            }
            Update::Timeline(t) => {
                let added = self.incident_lines.apply(&t.run_id, t.reset, t.lines);
                // Scrolled back: stay on the same lines as new ones arrive
                // below; at the end (0), follow them.
                if t.reset {
                    self.timeline_back = 0;
                } else if self.timeline_back > 0 {
                    self.timeline_back += added;
                }
            }
            Update::Plan(p) => {
                self.steps.selected = p.step;
                self.plan = Some(*p);
                self.scroll.reset();
            }
            Update::StepRunning { step } => {
                self.running = Some(step);
                self.output.clear();
                self.output_step = Some(step);
                self.scroll.reset();
            }
            Update::Output(lines) => {
                for l in lines {
                    if self.output.len() >= OUTPUT_KEEP {
                        self.output.pop_front();
                    }
                    self.output.push_back(l);
                }
            }
            Update::Closed { message } => {
                self.run = None;
                self.plan = None;
                self.running = None;
                self.view = View::List;
                if !message.is_empty() {
                    self.notice = Some((message, false));
                }
            }
            Update::Notice { text, error } => self.notice = Some((text, error)),
        }
        true
    }

    fn on_input(&mut self, input: Input<Action>, ctx: &PaneCtx) -> Out {
        if input == Input::Nav(Nav::Select)
            && let Some(p) = self.prompt.take()
        {
            return self.prompt_form(p);
        }
        match self.view {
            View::List => match input {
                Input::Nav(nav) if self.list.navigate(nav, self.visible().len()) => {
                    Outcome::Handled
                }
                Input::Nav(Nav::Select) => match self.selected_entry().cloned() {
                    Some(e) => self.enter(e),
                    None => Outcome::Ignored,
                },
                Input::Nav(Nav::Right) if self.run.is_some() => {
                    self.view = View::Run;
                    Outcome::Handled
                }
                Input::Nav(_) => Outcome::Ignored,
                Input::Action(a @ (Action::Note | Action::Export)) if self.run.is_some() => {
                    self.step_action(a, ctx)
                }
                Input::Action(_) => Outcome::Notify("open a runbook first (enter)".into()),
            },
            View::Run => match input {
                // An incident has no steps to move between: the keys scroll its timeline.
                Input::Nav(
                    nav @ (Nav::Up
                    | Nav::Down
                    | Nav::Top
                    | Nav::Bottom
                    | Nav::PageUp
                    | Nav::PageDown),
                ) if self.run.as_ref().is_some_and(|r| r.runbook.is_none()) => {
                    self.scroll_timeline(nav);
                    Outcome::Handled
                }
                Input::Nav(
                    nav @ (Nav::Up
                    | Nav::Down
                    | Nav::Top
                    | Nav::Bottom
                    | Nav::PageUp
                    | Nav::PageDown),
                ) => {
                    let n = self.step_count();
                    self.plan = None;
                    self.scroll.reset();
                    self.steps.navigate(nav, n);
                    Outcome::Handled
                }
                Input::Nav(Nav::Right) => {
                    self.scroll.by(5);
                    Outcome::Handled
                }
                Input::Nav(Nav::Left) => {
                    self.scroll.by(-5);
                    Outcome::Handled
                }
                Input::Nav(Nav::Select) => {
                    if self.plan.is_some() {
                        return self.confirm_plan();
                    }
                    self.step_action(Action::RunStep, ctx)
                }
                Input::Nav(Nav::Back) => {
                    if self.plan.take().is_some() {
                        return Outcome::Notify("cancelled: nothing was run".into());
                    }
                    self.view = View::List;
                    Outcome::Handled
                }
                Input::Action(a) => self.step_action(a, ctx),
            },
        }
    }

    fn set_filter(&mut self, filter: &str) {
        self.filter = filter.to_string();
        self.list.clamp(self.visible().len());
    }

    fn on_jump(&mut self, jump: &Jump, _ctx: &PaneCtx) -> Out {
        let Jump::Runbook { path, alert } = jump else {
            return Outcome::Ignored;
        };
        if let Some(pos) = self
            .visible()
            .iter()
            .position(|&i| self.catalog[i].path == *path)
        {
            self.list.selected = pos;
        }
        self.view = View::List;
        self.notice = None;
        cmd(Command::Open {
            path: path.clone(),
            alert: alert.clone(),
        })
    }

    fn on_form(&mut self, form: RForm, values: &[String], _ctx: &PaneCtx) -> Out {
        self.form_submitted(form, values)
    }

    fn palette_commands(&self) -> Vec<PaletteCommand<RCommand>> {
        vec![
            PaletteCommand::new(
                "incident start",
                "Open an incident timeline: console actions, notes and the changes the console sees are recorded",
                RCommand::IncidentStart,
            )
            .with_arg(),
            PaletteCommand::new(
                "incident end",
                "Close the incident timeline and export it",
                RCommand::IncidentEnd,
            ),
            PaletteCommand::new(
                "runbooks reload",
                "Re-read the runbooks under [runbooks] paths",
                RCommand::ReloadRunbooks,
            ),
        ]
    }

    fn on_command(&mut self, command: RCommand, arg: &str, _ctx: &PaneCtx) -> Out {
        match command {
            RCommand::IncidentStart => {
                let title = arg.trim();
                if title.is_empty() {
                    return Outcome::Notify(
                        "incident start needs a title: `incident start db outage`".into(),
                    );
                }
                cmd(Command::IncidentStart {
                    title: title.to_string(),
                })
            }
            RCommand::IncidentEnd => cmd(Command::IncidentEnd),
            RCommand::ReloadRunbooks => cmd(Command::Refresh),
        }
    }

    fn on_action_done(
        &mut self,
        spec: &ActionSpec,
        result: &Result<ActionOutcome, crate::action::ActionError>,
    ) -> bool {
        // The worker records it in the open run's and incident's journals
        // (and drops it when neither is open), then sends the new view.
        if let Some(tx) = &self.timeline {
            let _ = tx.0.send(super::view::TimelineMsg::Action(
                super::view::ActionRecord {
                    spec: spec.clone(),
                    result: result.clone(),
                },
            ));
        }
        false
    }

    fn on_observed(&mut self, batch: &[crate::observed::Observed]) {
        // Nothing is open (no run view): the worker would drop them anyway.
        if self.run.is_none() || batch.is_empty() {
            return;
        }
        if let Some(tx) = &self.timeline {
            let _ =
                tx.0.send(super::view::TimelineMsg::Observed(batch.to_vec()));
        }
    }

    fn wants_tick(&self) -> bool {
        self.running.is_some()
    }

    fn busy(&self) -> Option<String> {
        self.running.map(|s| {
            let title = self
                .run
                .as_ref()
                .and_then(|r| r.runbook.as_ref())
                .and_then(|rb| rb.steps.get(s))
                .map(|st| st.title.clone())
                .unwrap_or_default();
            format!("runbook step {} ({title}) is running", s + 1)
        })
    }

    fn context_label(&self) -> Option<String> {
        self.run.as_ref().map(|r| format!("run {}", r.run_id))
    }
}
