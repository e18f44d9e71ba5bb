//! Panes behind one object-safe trait.
//!
//! Each pane speaks its own types ([`Pane`]); the app holds six of them in one
//! list, so it needs one interface. [`AnyPane`] is that interface and the
//! blanket impl below is the only place that converts: a keymap index becomes
//! the pane's action variant, the app's update envelope becomes the domain's
//! update, the pane's command goes into the app's envelope, and a form's or
//! palette command's payload is boxed on the way out and unboxed on the way
//! back — to the pane that made it, so the unboxing cannot fail.

use crate::action::{ActionError, ActionOutcome, ActionSpec};
use crate::event::{Command, Update};
use crate::pane::{
    ActionDef, ActionSet, Input, Jump, Nav, Outcome, PaletteCommand, Pane, PaneCtx, PaneId,
    PaneOutcome, RenderCtx,
};
use crate::report::ReportSection;
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// A form payload on its way to the app and back.
pub struct AnyForm(Box<dyn Any + Send>);

impl fmt::Debug for AnyForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AnyForm")
    }
}

/// A palette command's payload.
#[derive(Clone)]
pub struct AnyPaletteCommand(Arc<dyn Any + Send + Sync>);

impl fmt::Debug for AnyPaletteCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AnyPaletteCommand")
    }
}

/// What the app gets back from a pane.
pub type AnyOutcome = Outcome<AnyForm, Command>;

pub trait AnyPane: Send {
    fn id(&self) -> PaneId;
    /// The pane's keymap table (for the palette and help).
    fn action_defs(&self) -> &'static [ActionDef];
    fn prepare(&mut self, now: jiff::Timestamp);
    fn render(&mut self, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>);
    /// An update for this pane (others are ignored: `false`).
    fn apply(&mut self, update: Update) -> bool;
    fn after_frame(&mut self) -> Vec<Command>;
    fn on_hidden(&mut self) -> Vec<Command>;
    fn take_announcements(&mut self) -> Vec<crate::pane::Announcement>;
    fn take_observations(&mut self) -> Vec<crate::observed::Observed>;
    fn on_observed(&mut self, batch: &[crate::observed::Observed]);
    fn on_nav(&mut self, nav: Nav, ctx: &PaneCtx) -> AnyOutcome;
    /// The pane's own action at `index` of its table (see `keymap::Bound::Pane`).
    fn on_action(&mut self, index: usize, ctx: &PaneCtx) -> AnyOutcome;
    fn on_key(&mut self, key: KeyEvent, ctx: &PaneCtx) -> AnyOutcome;
    fn captures_input(&self) -> bool;
    fn set_filter(&mut self, filter: &str);
    fn on_jump(&mut self, jump: &Jump, ctx: &PaneCtx) -> AnyOutcome;
    fn on_form(&mut self, form: AnyForm, values: &[String], ctx: &PaneCtx) -> AnyOutcome;
    fn palette_commands(&self) -> Vec<PaletteCommand<AnyPaletteCommand>>;
    fn on_command(&mut self, command: AnyPaletteCommand, arg: &str, ctx: &PaneCtx) -> AnyOutcome;
    fn on_action_done(
        &mut self,
        spec: &ActionSpec,
        result: &Result<ActionOutcome, ActionError>,
    ) -> bool;
    fn report(&self, now: jiff::Timestamp) -> Option<ReportSection>;
    fn wants_tick(&self) -> bool;
    fn busy(&self) -> Option<String>;
    fn context_label(&self) -> Option<String>;
}

fn erase<P: Pane>(o: PaneOutcome<P>) -> AnyOutcome
where
    P::Command: Into<Command>,
{
    o.map(&mut |f| AnyForm(Box::new(f)), &mut Into::into)
}

impl<P> AnyPane for P
where
    P: Pane,
    P::Update: TryFrom<Update>,
    P::Command: Into<Command>,
{
    fn id(&self) -> PaneId {
        Pane::id(self)
    }
    fn action_defs(&self) -> &'static [ActionDef] {
        P::Action::DEFS
    }
    fn prepare(&mut self, now: jiff::Timestamp) {
        Pane::prepare(self, now)
    }
    fn render(&mut self, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
        Pane::render(self, area, buf, ctx)
    }
    fn apply(&mut self, update: Update) -> bool {
        match P::Update::try_from(update) {
            Ok(u) => Pane::apply(self, u),
            Err(_) => false,
        }
    }
    fn take_announcements(&mut self) -> Vec<crate::pane::Announcement> {
        Pane::take_announcements(self)
    }
    fn take_observations(&mut self) -> Vec<crate::observed::Observed> {
        Pane::take_observations(self)
    }
    fn on_observed(&mut self, batch: &[crate::observed::Observed]) {
        Pane::on_observed(self, batch)
    }
    fn after_frame(&mut self) -> Vec<Command> {
        Pane::after_frame(self)
            .into_iter()
            .map(Into::into)
            .collect()
    }
    fn on_hidden(&mut self) -> Vec<Command> {
        Pane::on_hidden(self).into_iter().map(Into::into).collect()
    }
    fn on_nav(&mut self, nav: Nav, ctx: &PaneCtx) -> AnyOutcome {
        erase::<P>(self.on_input(Input::Nav(nav), ctx))
    }
    fn on_action(&mut self, index: usize, ctx: &PaneCtx) -> AnyOutcome {
        match P::Action::from_index(index) {
            Some(a) => erase::<P>(self.on_input(Input::Action(a), ctx)),
            None => Outcome::Ignored,
        }
    }
    fn on_key(&mut self, key: KeyEvent, ctx: &PaneCtx) -> AnyOutcome {
        erase::<P>(Pane::on_key(self, key, ctx))
    }
    fn captures_input(&self) -> bool {
        Pane::captures_input(self)
    }
    fn set_filter(&mut self, filter: &str) {
        Pane::set_filter(self, filter)
    }
    fn on_jump(&mut self, jump: &Jump, ctx: &PaneCtx) -> AnyOutcome {
        erase::<P>(Pane::on_jump(self, jump, ctx))
    }
    fn on_form(&mut self, form: AnyForm, values: &[String], ctx: &PaneCtx) -> AnyOutcome {
        match form.0.downcast::<P::Form>() {
            Ok(f) => erase::<P>(Pane::on_form(self, *f, values, ctx)),
            // The app returns a form only to the pane that showed it.
            Err(_) => Outcome::Ignored,
        }
    }
    fn palette_commands(&self) -> Vec<PaletteCommand<AnyPaletteCommand>> {
        Pane::palette_commands(self)
            .into_iter()
            .map(|c| PaletteCommand {
                name: c.name,
                desc: c.desc,
                takes_arg: c.takes_arg,
                command: AnyPaletteCommand(Arc::new(c.command)),
            })
            .collect()
    }
    fn on_command(&mut self, command: AnyPaletteCommand, arg: &str, ctx: &PaneCtx) -> AnyOutcome {
        match command.0.downcast_ref::<P::PaletteCommand>() {
            Some(c) => erase::<P>(Pane::on_command(self, c.clone(), arg, ctx)),
            None => Outcome::Ignored,
        }
    }
    fn on_action_done(
        &mut self,
        spec: &ActionSpec,
        result: &Result<ActionOutcome, ActionError>,
    ) -> bool {
        Pane::on_action_done(self, spec, result)
    }
    fn report(&self, now: jiff::Timestamp) -> Option<ReportSection> {
        Pane::report(self, now)
    }
    fn wants_tick(&self) -> bool {
        Pane::wants_tick(self)
    }
    fn busy(&self) -> Option<String> {
        Pane::busy(self)
    }
    fn context_label(&self) -> Option<String> {
        Pane::context_label(self)
    }
}

/// Each domain's messages in and out of the app's envelopes.
macro_rules! envelope {
    ($($variant:ident => $domain:ident),+ $(,)?) => {
        $(
            impl From<crate::$domain::Command> for Command {
                fn from(c: crate::$domain::Command) -> Self {
                    Command::$variant(c)
                }
            }
            impl TryFrom<Update> for crate::$domain::Update {
                type Error = Update;
                fn try_from(u: Update) -> Result<Self, Update> {
                    match u {
                        Update::$variant(u) => Ok(u),
                        other => Err(other),
                    }
                }
            }
        )+
    };
}

envelope! {
    Workloads => workloads,
    Containers => containers,
    Alerts => alerts,
    Backups => backups,
    Runbook => runbook,
    Metrics => metrics,
}

impl TryFrom<Update> for crate::logs::Update {
    type Error = Update;
    fn try_from(u: Update) -> Result<Self, Update> {
        match u {
            Update::Logs(u) => Ok(u),
            other => Err(other),
        }
    }
}

/// The logs pane's commands go to the logs worker, except a pod's or a
/// container's stream, which the workloads or containers worker serves.
impl From<crate::logs::Command> for Command {
    fn from(c: crate::logs::Command) -> Self {
        use crate::target::{LogStreamRequest, LogTarget};
        let crate::logs::Command::Stream(request) = c else {
            return Command::Logs(c);
        };
        match request {
            LogStreamRequest::Stop { pod: true } => {
                Command::Workloads(crate::workloads::Command::StopLogs)
            }
            LogStreamRequest::Stop { pod: false } => {
                Command::Containers(crate::containers::Command::StopLogs)
            }
            LogStreamRequest::Open {
                target: target @ LogTarget::Pod { .. },
                follow,
                since_seconds,
                tail_lines,
            } => Command::Workloads(crate::workloads::Command::StreamLogs {
                target,
                follow,
                since_seconds,
                tail_lines: tail_lines.map(|n| n as i64),
            }),
            LogStreamRequest::Open {
                target: LogTarget::Container { name },
                follow,
                since_seconds,
                tail_lines,
            } => Command::Containers(crate::containers::Command::StreamLogs {
                name,
                follow,
                since_seconds,
                tail_lines,
            }),
            // A Loki target has no stream of this kind: the logs worker
            // ignores it.
            open @ LogStreamRequest::Open { .. } => {
                Command::Logs(crate::logs::Command::Stream(open))
            }
        }
    }
}

impl From<crate::pane::NoCommand> for Command {
    fn from(c: crate::pane::NoCommand) -> Self {
        match c {}
    }
}
