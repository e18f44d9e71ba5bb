//! The Logs pane: the viewer for the current target (a Loki query or tail, a
//! pod's or a container's stream) plus the Loki controls — LogQL editor with
//! history, label browser, time range/limit/direction menu, older-lines paging,
//! live tail with pause, and the volume histogram. Pure state: every request
//! leaves as a worker [`Command`].

use super::detail::DetailKind;
use super::histogram::Histogram;
use super::labels::{LabelBrowser, Stage};
use super::timerange::{PRESETS, TimeRange};
use super::viewer::LogViewer;
use super::{Action, Boundary, Command, Direction, Form, LogTarget, LokiError, TailState, Update};
use crate::config::Config;
use crate::pane::{Input, Jump, Nav, NoCommand, Outcome, Pane, PaneCtx, PaneId, RenderCtx};
use crate::report::ReportSection;
use crate::target::LogStreamRequest;
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui_textarea::TextArea;

/// Copies above this size are refused: terminals cap OSC 52 payloads.
pub(super) const MAX_COPY: usize = 1 << 20;
/// Lines the tail sends from before "now" when it starts.
const TAIL_LIMIT: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Search,
    Include,
    Exclude,
}

pub(super) enum Mode {
    Normal,
    Editing(Box<TextArea<'static>>),
    Prompt(PromptKind, Box<TextArea<'static>>),
    Labels(LabelBrowser),
    Menu(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct TailInfo {
    pub state: TailState,
    pub dropped: u64,
}

pub struct LogsPane {
    pub(super) viewer: LogViewer,
    pub(super) target: Option<LogTarget>,
    pub(super) query: String,
    pub(super) range: TimeRange,
    pub(super) limit: usize,
    pub(super) direction: Direction,
    pub(super) next_id: u64,
    pub(super) query_id: u64,
    pub(super) volume_id: u64,
    pub(super) loading: bool,
    pub(super) boundary: Option<Boundary>,
    pub(super) more: bool,
    pub(super) error: Option<LokiError>,
    pub(super) histogram: Option<Histogram>,
    /// Some while a Loki tail runs for the target.
    pub(super) tail: Option<TailInfo>,
    /// A pod/container stream is open (None: ended, with its error).
    pub(super) stream: Option<Result<(), Option<String>>>,
    /// Where the open stream started when it was asked for a time back
    /// (`since` of the pod-log form): the header shows its age as time passes.
    pub(super) stream_from: Option<jiff::Timestamp>,
    pub(super) history: Vec<String>,
    pub(super) history_pos: Option<usize>,
    pub(super) mode: Mode,
    pub(super) notice: Option<String>,
    /// The pod streamed is gone: `query` is asked of Loki after the frame.
    pub(super) fallback: bool,
}

/// What the logs pane answers.
pub(super) type Out = Outcome<Form, Command>;

pub(super) fn cmd(c: Command) -> Out {
    Outcome::Command(c)
}

/// The commands an outcome carries (a frame's own requests have no other
/// outcome to give).
fn commands(out: Out) -> Vec<Command> {
    match out {
        Outcome::Command(c) => vec![c],
        Outcome::Many(list) => list.into_iter().flat_map(commands).collect(),
        _ => Vec::new(),
    }
}

pub(super) fn editor(text: &str) -> Box<TextArea<'static>> {
    Box::new(crate::ui::widgets::single_line(text))
}

pub(super) fn menu_items(pane: &LogsPane) -> Vec<String> {
    let mut items: Vec<String> = PRESETS.iter().map(|(l, _)| format!("last {l}")).collect();
    items.push("absolute range…".into());
    items.push(format!("limit: {} lines…", pane.limit));
    items.push(format!(
        "direction: {} (Enter toggles)",
        match pane.direction {
            Direction::Backward => "newest first",
            Direction::Forward => "oldest first",
        }
    ));
    items
}

impl LogsPane {
    pub fn new(cfg: &Config) -> Self {
        Self {
            viewer: LogViewer::new(cfg.logs.ring_lines, cfg.logs.max_line_display),
            target: None,
            query: String::new(),
            range: TimeRange::default(),
            limit: 1000,
            direction: Direction::Backward,
            next_id: 1,
            query_id: 0,
            volume_id: 0,
            loading: false,
            boundary: None,
            more: false,
            error: None,
            histogram: None,
            tail: None,
            stream: None,
            stream_from: None,
            history: Vec::new(),
            history_pos: None,
            mode: Mode::Normal,
            notice: None,
            fallback: false,
        }
    }

    pub fn viewer(&self) -> &LogViewer {
        &self.viewer
    }

    pub(super) fn id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Stop whatever feeds the current target (before switching).
    pub(super) fn stop_current(&mut self) -> Vec<Out> {
        let mut out = Vec::new();
        if self.tail.take().is_some() {
            out.push(cmd(Command::StopTail));
        }
        match &self.target {
            Some(LogTarget::Pod { .. }) if self.stream == Some(Ok(())) => {
                out.push(cmd(Command::Stream(LogStreamRequest::Stop { pod: true })));
            }
            Some(LogTarget::Container { .. }) if self.stream == Some(Ok(())) => {
                out.push(cmd(Command::Stream(LogStreamRequest::Stop { pod: false })));
            }
            _ => {}
        }
        self.stream = None;
        out
    }

    /// Run `self.query` over the range: first page plus the histogram (and
    /// restart the tail if it was on).
    pub(super) fn run_query(&mut self, ctx: &PaneCtx) -> Out {
        let query = self.query.trim().to_string();
        if query.is_empty() {
            return Outcome::Notify("write a LogQL query first (e), e.g. {app=\"api\"}".into());
        }
        let was_tailing = self.tail.is_some();
        let mut out = self.stop_current();
        self.target = Some(LogTarget::Loki {
            query: query.clone(),
        });
        self.viewer.clear();
        self.error = None;
        self.histogram = None;
        self.boundary = None;
        self.more = false;
        self.loading = true;
        super::history::push(&mut self.history, &query);
        out.push(cmd(Command::SaveHistory(self.history.clone())));
        let now = ctx.now.as_nanosecond();
        let (start_ns, end_ns) = self.range.bounds(now);
        self.query_id = self.id();
        out.push(cmd(Command::Query {
            id: self.query_id,
            query: query.clone(),
            start_ns,
            end_ns,
            limit: self.limit,
            direction: self.direction,
            boundary: None,
        }));
        if super::loki::volume_query(&query, 60).is_some() {
            self.volume_id = self.id();
            out.push(cmd(Command::Volume {
                id: self.volume_id,
                query: query.clone(),
                start_ns,
                end_ns,
                step_secs: super::loki::volume_step(start_ns, end_ns, 60),
            }));
        }
        if was_tailing {
            out.push(self.start_tail(now));
        }
        Outcome::Many(out)
    }

    pub(super) fn start_tail(&mut self, now_ns: i128) -> Out {
        let Some(LogTarget::Loki { query }) = &self.target else {
            return Outcome::Ignored;
        };
        let start_ns = self.viewer.newest_ts().map(|t| t + 1).unwrap_or(now_ns);
        self.tail = Some(TailInfo {
            state: TailState::Connecting,
            dropped: 0,
        });
        cmd(Command::Tail {
            query: query.clone(),
            start_ns: start_ns.min(now_ns),
            limit: TAIL_LIMIT,
        })
    }

    /// Open a pod's or container's own stream in the viewer.
    pub(super) fn open_stream(
        &mut self,
        target: LogTarget,
        since_seconds: Option<i64>,
        ctx: &PaneCtx,
    ) -> Out {
        if let LogTarget::Loki { query } = &target {
            self.query = query.clone();
            return self.run_query(ctx);
        }
        let mut out = self.stop_current();
        self.viewer.clear();
        self.error = None;
        self.histogram = None;
        self.loading = false;
        self.target = Some(target.clone());
        self.stream = Some(Ok(()));
        self.stream_from =
            since_seconds.map(|s| ctx.now - jiff::SignedDuration::from_secs(s.max(0)));
        out.push(stream_command(&target, since_seconds));
        Outcome::Many(out)
    }

    pub(super) fn older(&mut self, ctx: &PaneCtx) -> Out {
        let Some(LogTarget::Loki { query }) = self.target.clone() else {
            return Outcome::Notify("older lines: only for Loki queries".into());
        };
        if self.loading {
            return Outcome::Notify("a query is still running".into());
        }
        if !self.more || self.boundary.is_none() {
            return Outcome::Notify("no more lines in this time range (widen it with t)".into());
        }
        let (start_ns, end_ns) = self.range.bounds(ctx.now.as_nanosecond());
        self.loading = true;
        self.query_id = self.id();
        cmd(Command::Query {
            id: self.query_id,
            query,
            start_ns,
            end_ns,
            limit: self.limit,
            direction: self.direction,
            boundary: self.boundary.clone(),
        })
    }

    pub(super) fn follow(&mut self, ctx: &PaneCtx) -> Out {
        match self.target.clone() {
            None => Outcome::Notify("nothing to follow: run a query (e) first".into()),
            Some(LogTarget::Loki { .. }) => {
                if self.tail.take().is_some() {
                    cmd(Command::StopTail)
                } else {
                    self.start_tail(ctx.now.as_nanosecond())
                }
            }
            Some(t) => {
                if self.stream == Some(Ok(())) {
                    let mut out = self.stop_current();
                    self.stream = Some(Err(Some("stopped".into())));
                    out.push(Outcome::Notify("stream stopped (f resumes)".into()));
                    Outcome::Many(out)
                } else {
                    // Resume from the newest line kept; the overlap (second
                    // precision) is dropped on arrival.
                    let since = self.viewer.newest_ts().map(|ts| {
                        ((ctx.now.as_nanosecond() - ts) / 1_000_000_000 + 1).max(1) as i64
                    });
                    self.stream = Some(Ok(()));
                    stream_command(&t, since)
                }
            }
        }
    }
}

/// The StreamLogs command for a pod or container target.
fn stream_command(target: &LogTarget, since_seconds: Option<i64>) -> Out {
    let tail_lines = if since_seconds.is_some() {
        None
    } else {
        Some(1000)
    };
    match target {
        LogTarget::Pod { previous, .. } => cmd(Command::Stream(LogStreamRequest::Open {
            target: target.clone(),
            // A terminated instance's log is complete: nothing to follow.
            follow: !previous,
            since_seconds,
            tail_lines,
        })),
        LogTarget::Container { .. } => cmd(Command::Stream(LogStreamRequest::Open {
            target: target.clone(),
            follow: true,
            since_seconds,
            tail_lines,
        })),
        LogTarget::Loki { .. } => Outcome::Ignored,
    }
}

impl Pane for LogsPane {
    type Action = Action;
    type Form = Form;
    type PaletteCommand = NoCommand;
    type Update = Update;
    type Command = Command;

    fn id(&self) -> PaneId {
        PaneId::Logs
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
        super::pane_render::render(self, area, buf, ctx);
    }

    fn apply(&mut self, u: Update) -> bool {
        self.apply_logs(u)
    }

    fn after_frame(&mut self) -> Vec<Command> {
        if !std::mem::take(&mut self.fallback) {
            return Vec::new();
        }
        let ctx = PaneCtx {
            read_only: false,
            now: jiff::Timestamp::now(),
        };
        let notice = self.notice.take();
        let out = self.run_query(&ctx);
        // run_query starts a fresh view; the reason for it stays on screen.
        self.notice = notice;
        commands(out)
    }

    fn on_input(&mut self, input: Input<Action>, ctx: &PaneCtx) -> Out {
        let menu_len = menu_items(self).len();
        match &mut self.mode {
            Mode::Editing(_) | Mode::Prompt(..) => {
                if input == Input::Nav(Nav::Back) {
                    if matches!(self.mode, Mode::Prompt(PromptKind::Search, _)) {
                        self.viewer.set_search("");
                    }
                    self.mode = Mode::Normal;
                    return Outcome::Handled;
                }
                return Outcome::Ignored;
            }
            Mode::Labels(b) => {
                let len = b.shown().len();
                if let Input::Nav(nav) = input
                    && b.state.navigate(nav, len)
                {
                    return Outcome::Handled;
                }
                return match input {
                    Input::Nav(Nav::Select) => self.label_select(ctx),
                    Input::Nav(Nav::Back) => {
                        if matches!(b.stage, Stage::Values { .. }) {
                            self.mode = Mode::Normal;
                            return self.on_input(Input::Action(Action::Labels), ctx);
                        }
                        self.mode = Mode::Normal;
                        Outcome::Handled
                    }
                    _ => Outcome::Ignored,
                };
            }
            Mode::Menu(sel) => {
                let n = menu_len;
                match input {
                    Input::Nav(Nav::Up) => *sel = sel.saturating_sub(1),
                    Input::Nav(Nav::Down) => *sel = (*sel + 1).min(n - 1),
                    Input::Nav(Nav::Select) => {
                        let i = *sel;
                        return self.menu_select(i, ctx);
                    }
                    Input::Nav(Nav::Back) | Input::Action(Action::TimeRange) => {
                        self.mode = Mode::Normal
                    }
                    _ => return Outcome::Ignored,
                }
                return Outcome::Handled;
            }
            Mode::Normal => {}
        }
        if self.viewer.detail.is_some() && matches!(input, Input::Nav(Nav::Back | Nav::Select)) {
            self.viewer.close_detail();
            return Outcome::Handled;
        }
        let detail = |p: &mut Self, k: DetailKind| match p.viewer.open_detail(k) {
            Ok(()) => Outcome::Handled,
            Err(e) => Outcome::Notify(e),
        };
        let action = match input {
            Input::Nav(nav) if self.viewer.navigate(nav) => return Outcome::Handled,
            Input::Nav(Nav::Select) => return detail(self, DetailKind::Line),
            Input::Nav(Nav::Back) => {
                return if self.error.take().is_some() {
                    Outcome::Handled
                } else {
                    Outcome::Ignored
                };
            }
            Input::Nav(_) => return Outcome::Ignored,
            Input::Action(a) => a,
        };
        match action {
            Action::Json => detail(self, DetailKind::Json),
            Action::Context => detail(self, DetailKind::Context),
            Action::EditQuery => {
                let text = if self.query.is_empty() {
                    self.history.last().cloned().unwrap_or_default()
                } else {
                    self.query.clone()
                };
                self.history_pos = None;
                self.mode = Mode::Editing(editor(&text));
                Outcome::Handled
            }
            Action::Labels => {
                self.mode = Mode::Labels(LabelBrowser::new());
                let (start_ns, end_ns) = self.range.bounds(ctx.now.as_nanosecond());
                cmd(Command::Labels { start_ns, end_ns })
            }
            Action::TimeRange => {
                self.mode = Mode::Menu(0);
                Outcome::Handled
            }
            Action::Follow => self.follow(ctx),
            Action::Pause => {
                self.viewer.set_paused(!self.viewer.paused());
                Outcome::Handled
            }
            Action::Older => self.older(ctx),
            Action::Search => self.start_prompt(PromptKind::Search),
            Action::Include => self.start_prompt(PromptKind::Include),
            Action::Exclude => self.start_prompt(PromptKind::Exclude),
            Action::NextMatch | Action::PrevMatch => {
                if self.viewer.search().is_none() {
                    return Outcome::Notify("no search: press s first".into());
                }
                self.viewer.next_match(action == Action::NextMatch);
                Outcome::Handled
            }
            Action::ClearFilters => {
                self.viewer.clear_filters();
                Outcome::Handled
            }
            Action::Wrap => {
                self.viewer.toggle_wrap();
                Outcome::Handled
            }
            Action::Copy => self.copy(),
            Action::Save => self.save_form(ctx),
        }
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &PaneCtx) -> Out {
        match self.mode {
            Mode::Editing(_) => self.editing_key(key, ctx),
            Mode::Prompt(..) => self.prompt_key(key),
            _ => Outcome::Ignored,
        }
    }

    fn captures_input(&self) -> bool {
        matches!(self.mode, Mode::Editing(_) | Mode::Prompt(..))
    }

    fn set_filter(&mut self, filter: &str) {
        if let Mode::Labels(b) = &mut self.mode {
            b.filter = filter.to_string();
            b.state = Default::default();
        } else {
            self.viewer.set_quick_filter(filter);
        }
    }

    fn on_jump(&mut self, jump: &Jump, ctx: &PaneCtx) -> Out {
        self.mode = Mode::Normal;
        match jump {
            Jump::LogQuery { query, from } => {
                self.query = query.clone();
                if let Some(from) = from {
                    self.range = TimeRange::since(from.as_nanosecond(), ctx.now.as_nanosecond());
                }
                self.run_query(ctx)
            }
            Jump::LogStream(target) => self.open_stream(target.clone(), None, ctx),
            Jump::LogStreamSince {
                target,
                since_seconds,
            } => self.open_stream(target.clone(), Some(*since_seconds), ctx),
            _ => Outcome::Ignored,
        }
    }

    fn on_form(&mut self, form: Form, values: &[String], ctx: &PaneCtx) -> Out {
        let first = values.first().map(|s| s.trim()).unwrap_or("");
        match form {
            Form::Save => {
                if first.is_empty() {
                    return Outcome::Notify("no file name given".into());
                }
                let (text, lines) = self.viewer.view_text();
                cmd(Command::Save {
                    path: first.into(),
                    text,
                    lines,
                })
            }
            Form::Limit => match first.parse::<usize>() {
                Ok(n) if n > 0 => {
                    self.limit = n;
                    self.rerun(ctx)
                }
                _ => Outcome::Notify(format!("bad limit {first:?}: give a positive number")),
            },
            Form::Range => {
                let to = values.get(1).map(String::as_str).unwrap_or("now");
                match TimeRange::absolute(first, to, ctx.now.as_nanosecond()) {
                    Ok(r) => {
                        self.range = r;
                        self.rerun(ctx)
                    }
                    Err(e) => Outcome::Notify(e.to_string()),
                }
            }
        }
    }

    fn report(&self, _now: jiff::Timestamp) -> Option<ReportSection> {
        let summary = match &self.target {
            None => "no log view open".to_string(),
            Some(t) => format!(
                "{} lines of {} in view, {} at error level or worse{}",
                self.viewer.ring().len(),
                crate::text::sanitize(&t.to_string()),
                self.viewer.ring().errors(),
                match self.viewer.evicted() {
                    0 => String::new(),
                    n => format!(", {n} older lines evicted"),
                }
            ),
        };
        Some(ReportSection::new(summary, Vec::new()))
    }

    fn context_label(&self) -> Option<String> {
        self.target
            .as_ref()
            .map(|t| crate::text::truncate(&crate::text::sanitize(&t.to_string()), 30).into_owned())
    }
}
