//! The containers pane: state, keys and the report section (drawing is in `view`).
//!
//! Rows are rebuilt only when data, the filter or the view mode change — never
//! per frame: problems first (worst first), then every container grouped by
//! Compose project (sorted by service within it; the list names each service
//! once, over its replicas), names in natural order (`svc-2` before `svc-10`).
//! Which containers are on screen — read from those rows at the scroll the
//! frame draws, Problems included — is told to the worker after every key and
//! every frame that changes it (new data, a filter, a scroll, a resize); the
//! worker streams CPU/memory only for those.

use super::health::{Verdict, classify};
use super::model::{Container, Health};
use super::restarts::RestartLog;
use super::{Action, Command, Form as CForm, Update};
use crate::action::ActionSpec;
use crate::pane::{
    Form, FormField, Input, Jump, Nav, NoCommand, Outcome, Pane, PaneCtx, PaneId, RenderCtx,
};
use crate::report::{Problem, ReportSection, Severity};
use crate::target::LogTarget;
use crate::target::{Attach, AttachTarget};
use crate::text::natural_cmp;
use crate::ui::scroll::Scroll;
use crate::ui::table::TableState;

/// What the containers pane answers.
type Out = Outcome<CForm, Command>;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// A section title: `Problems`, a Compose project, `standalone`.
    Header { title: String, count: usize },
    /// `idx` into `containers`.
    Item {
        idx: usize,
        verdict: Verdict,
        problems: bool,
    },
}

pub struct ContainersPane {
    pub(super) containers: Vec<Container>,
    pub(super) loaded: bool,
    pub(super) filter: String,
    pub(super) problems_only: bool,
    pub(super) rows: Vec<Row>,
    pub(super) dirty: bool,
    pub(super) table: TableState,
    /// The container shown in detail, by id, and its scroll offset.
    pub(super) detail: Option<(String, Scroll)>,
    /// Restarts seen per container: the input for restart-loop verdicts.
    pub(super) restarts: RestartLog,
    /// Last visible set sent to the worker (stats stream for these only);
    /// `None` until one is sent (the worker's default set applies).
    sent_watch: Option<Vec<String>>,
    /// The selection to restore at the next rebuild, taken while rows still
    /// matched the data.
    keep: Option<(String, bool)>,
    /// `[exec]`: which shell a shell opens, per image.
    pub(super) exec: crate::config::Exec,
    /// `[metrics]`: the CPU and memory queries of `graph_*`.
    pub(super) graphs: crate::config::Metrics,
    /// Health flips, for an incident's timeline.
    observations: Vec<crate::observed::Observed>,
}

impl Default for ContainersPane {
    fn default() -> Self {
        Self::new()
    }
}

impl ContainersPane {
    pub fn new() -> Self {
        Self {
            containers: Vec::new(),
            loaded: false,
            filter: String::new(),
            problems_only: false,
            rows: Vec::new(),
            dirty: true,
            table: TableState::default(),
            detail: None,
            restarts: RestartLog::default(),
            sent_watch: None,
            keep: None,
            exec: crate::config::Exec::default(),
            graphs: crate::config::Metrics::default(),
            observations: Vec::new(),
        }
    }

    /// Rebuild rows if anything changed, keeping the selected container selected.
    pub(super) fn refresh(&mut self, now: jiff::Timestamp) {
        if !self.dirty {
            return;
        }
        self.dirty = false;
        let keep = self.keep.take();
        self.rows = build_rows(
            &self.containers,
            &self.restarts,
            &self.filter,
            self.problems_only,
            now,
        );
        if let Some((id, problems)) = keep
            && let Some(pos) = self.rows.iter().position(|r| match r {
                Row::Item {
                    idx, problems: p, ..
                } => self.containers[*idx].id == id && *p == problems,
                _ => false,
            })
        {
            self.table.selected = pos;
        }
        self.table.clamp(self.rows.len());
        self.skip_header(true);
    }

    /// Rows are about to go stale: remember the selection first.
    fn invalidate(&mut self) {
        if !self.dirty {
            self.keep = self.selected_key();
            self.dirty = true;
        }
    }

    fn selected_key(&self) -> Option<(String, bool)> {
        match self.rows.get(self.table.selected)? {
            Row::Item { idx, problems, .. } => {
                Some((self.containers.get(*idx)?.id.clone(), *problems))
            }
            _ => None,
        }
    }

    /// Headers are not selectable: step past one in the direction of travel.
    fn skip_header(&mut self, down: bool) {
        let is_header = |i: usize| matches!(self.rows.get(i), Some(Row::Header { .. }));
        if !is_header(self.table.selected) {
            return;
        }
        let next = self.table.selected + 1;
        let prev = self.table.selected.checked_sub(1);
        if down && next < self.rows.len() {
            self.table.selected = next;
        } else if let Some(p) = prev.filter(|p| !is_header(*p)) {
            self.table.selected = p;
        } else if next < self.rows.len() {
            self.table.selected = next;
        }
    }

    pub fn selected(&self) -> Option<&Container> {
        if let Some((id, _)) = &self.detail {
            return self.containers.iter().find(|c| &c.id == id);
        }
        match self.rows.get(self.table.selected)? {
            Row::Item { idx, .. } => self.containers.get(*idx),
            _ => None,
        }
    }

    /// Ids of the containers on screen, sorted and each once (a problem is
    /// also listed under its project): the detail view's container, or the
    /// slice of `rows` — the list the render draws — at the scroll offset
    /// the next frame draws (a key's move counts before that frame). `None`
    /// while that is unknown: no data yet, rows stale, or the list never
    /// drawn (its height comes from the last frame).
    fn visible_ids(&self) -> Option<Vec<String>> {
        if !self.loaded || self.dirty {
            return None;
        }
        if let Some(c) = self.detail.as_ref().and_then(|_| self.selected()) {
            return Some(vec![c.id.clone()]);
        }
        if self.table.page == 0 {
            return None;
        }
        let len = self.rows.len();
        let h = self.table.page;
        let sel = self.table.selected;
        let mut off = self.table.offset;
        if sel < off {
            off = sel;
        } else if sel >= off + h {
            off = sel + 1 - h;
        }
        off = off.min(len.saturating_sub(h));
        let mut ids: Vec<String> = self.rows[off.min(len)..(off + h).min(len)]
            .iter()
            .filter_map(|r| match r {
                Row::Item { idx, .. } => self.containers.get(*idx).map(|c| c.id.clone()),
                _ => None,
            })
            .collect();
        ids.sort();
        ids.dedup();
        Some(ids)
    }

    /// The `WatchStats` the worker is owed: the containers on screen, when
    /// they differ from the set last sent (nothing when unchanged, so an idle
    /// console sends nothing). Asked after every key and every frame — a
    /// frame follows new data, a filter, a scroll and a resize alike.
    pub fn watch_command(&mut self) -> Option<Command> {
        let ids = self.visible_ids()?;
        if self.sent_watch.as_ref() == Some(&ids) {
            return None;
        }
        self.sent_watch = Some(ids.clone());
        Some(Command::WatchStats { ids })
    }

    /// Add a `WatchStats` command when the rows on screen changed.
    fn with_watch(&mut self, outcome: Out) -> Out {
        let Some(cmd) = self.watch_command() else {
            return outcome;
        };
        let cmd = Outcome::Command(cmd);
        match outcome {
            Outcome::Ignored | Outcome::Handled => cmd,
            other => Outcome::Many(vec![other, cmd]),
        }
    }

    fn act(&self, action: Action, ctx: &PaneCtx) -> Out {
        let Some(c) = self.selected() else {
            return Outcome::Notify("no container selected".into());
        };
        let name = c.name.clone();
        let spec = match action {
            Action::Restart => ActionSpec::ContainerRestart { name },
            Action::Stop => ActionSpec::ContainerStop { name },
            _ => ActionSpec::ContainerStart { name },
        };
        if ctx.read_only {
            return Outcome::Notify(format!("read-only mode: {} is disabled", spec.verb()));
        }
        Outcome::Request(spec)
    }

    /// A shell, or the form asking for one command, in the selected container.
    /// Only a running container has processes to join.
    fn session(&self, action: Action, ctx: &PaneCtx) -> Out {
        let Some(c) = self.selected() else {
            return Outcome::Notify("no container selected".into());
        };
        let verb = if action == Action::Shell {
            "shell"
        } else {
            "exec"
        };
        if ctx.read_only {
            return Outcome::Notify(format!("read-only mode: {verb} is disabled"));
        }
        if !c.is_running() {
            return Outcome::Notify(
                crate::text::sanitize(&format!(
                    "{verb}: container {} is {}, not running (s starts it)",
                    c.name,
                    c.state.label()
                ))
                .into_owned(),
            );
        }
        let target = AttachTarget::Container {
            name: c.name.clone(),
        };
        match action {
            Action::Shell => {
                Outcome::Attach(Attach::shell(target, &self.exec.shells_for(None, &c.image)))
            }
            _ => Outcome::Form(Form::new(
                CForm::Exec {
                    name: c.name.clone(),
                },
                crate::text::sanitize(&format!("Run in container {} (with a TTY)", c.name))
                    .into_owned(),
                vec![FormField::new("command (e.g. ps aux, df -h)", "")],
            )),
        }
    }

    /// The container with this id, as the pane holds it (stats included).
    pub fn container(&self, id: &str) -> Option<&Container> {
        self.containers.iter().find(|c| c.id == id)
    }

    fn index_of(&self, id: &str) -> Option<usize> {
        self.containers.iter().position(|c| c.id == id)
    }
}

/// Problems (worst first), then all containers by project and name.
pub fn build_rows(
    containers: &[Container],
    restarts: &RestartLog,
    filter: &str,
    problems_only: bool,
    now: jiff::Timestamp,
) -> Vec<Row> {
    let matching: Vec<(usize, Verdict)> = containers
        .iter()
        .enumerate()
        .filter(|(_, c)| c.matches(filter))
        .map(|(i, c)| (i, classify(c, restarts.recent(&c.id, now), now)))
        .collect();
    let mut rows = Vec::new();
    let mut problems: Vec<&(usize, Verdict)> =
        matching.iter().filter(|(_, v)| v.is_problem()).collect();
    problems.sort_by(|a, b| {
        a.1.severity
            .cmp(&b.1.severity)
            .then_with(|| natural_cmp(&containers[a.0].name, &containers[b.0].name))
    });
    if !problems.is_empty() {
        rows.push(Row::Header {
            title: "Problems".into(),
            count: problems.len(),
        });
        rows.extend(problems.iter().map(|(i, v)| Row::Item {
            idx: *i,
            verdict: v.clone(),
            problems: true,
        }));
    }
    if problems_only {
        return rows;
    }
    let mut groups: BTreeMap<&str, Vec<&(usize, Verdict)>> = BTreeMap::new();
    for m in &matching {
        groups.entry(containers[m.0].group()).or_default().push(m);
    }
    // Compose projects first, in natural order; standalone containers last.
    let standalone = groups.remove("");
    let mut projects: Vec<_> = groups.into_iter().collect();
    projects.sort_by(|a, b| natural_cmp(a.0, b.0));
    for (title, mut items) in projects
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .chain(standalone.map(|v| ("standalone".to_string(), v)))
    {
        items.sort_by(|a, b| {
            let (ca, cb) = (&containers[a.0], &containers[b.0]);
            let service = match (&ca.service, &cb.service) {
                (Some(x), Some(y)) => natural_cmp(x, y),
                (x, y) => x.is_some().cmp(&y.is_some()),
            };
            service.then_with(|| natural_cmp(&ca.name, &cb.name))
        });
        rows.push(Row::Header {
            title,
            count: items.len(),
        });
        rows.extend(items.iter().map(|(i, v)| Row::Item {
            idx: *i,
            verdict: v.clone(),
            problems: false,
        }));
    }
    rows
}

impl Pane for ContainersPane {
    type Action = Action;
    type Form = CForm;
    type PaletteCommand = NoCommand;
    type Update = Update;
    type Command = Command;

    fn id(&self) -> PaneId {
        PaneId::Containers
    }

    fn prepare(&mut self, now: jiff::Timestamp) {
        self.refresh(now);
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
        super::view::render(self, area, buf, ctx);
    }

    fn after_frame(&mut self) -> Vec<Command> {
        self.watch_command().into_iter().collect()
    }

    fn take_observations(&mut self) -> Vec<crate::observed::Observed> {
        std::mem::take(&mut self.observations)
    }

    fn apply(&mut self, u: Update) -> bool {
        if !matches!(u, Update::Stats(_)) {
            self.invalidate();
        }
        match u {
            // Routed to the logs pane by the runtime; never shown here.
            Update::LogStream(_) => return false,
            Update::Snapshot(list) => {
                // Keep stats across a reconnect: they are still the latest numbers.
                let old: BTreeMap<String, _> = self
                    .containers
                    .iter()
                    .filter_map(|c| c.stats.map(|s| (c.id.clone(), s)))
                    .collect();
                let ids: std::collections::HashSet<&str> =
                    list.iter().map(|c| c.id.as_str()).collect();
                self.restarts.retain(&ids);
                for c in &list {
                    self.restarts.observe(c);
                }
                self.containers = list;
                for c in &mut self.containers {
                    c.stats = old.get(&c.id).copied();
                }
                self.loaded = true;
            }
            Update::Upsert(c) => {
                let mut c = *c;
                self.restarts.observe(&c);
                match self.index_of(&c.id) {
                    Some(i) => {
                        let now = jiff::Timestamp::now();
                        let flipped = super::health::flip(&self.containers[i], &c, now);
                        self.observations.extend(flipped);
                        c.stats = if c.is_running() {
                            self.containers[i].stats
                        } else {
                            None
                        };
                        self.containers[i] = c;
                    }
                    None => {
                        self.containers.push(c);
                        self.containers
                            .sort_by(|a, b| natural_cmp(&a.name, &b.name));
                    }
                }
            }
            Update::Removed { id } => {
                self.containers.retain(|c| c.id != id);
                self.restarts.forget(&id);
                if self.detail.as_ref().is_some_and(|(d, _)| *d == id) {
                    self.detail = None;
                }
            }
            Update::Stats(samples) => {
                let mut changed = false;
                for (id, s) in samples {
                    if let Some(i) = self.index_of(&id) {
                        changed |= self.containers[i].stats != Some(s);
                        self.containers[i].stats = Some(s);
                    }
                }
                // Stats do not change rows or verdicts.
                return changed;
            }
        }
        self.dirty = true;
        true
    }

    fn on_input(&mut self, input: Input<Action>, ctx: &PaneCtx) -> Out {
        self.refresh(ctx.now);
        let nav = match input {
            Input::Action(Action::Logs) => {
                return match self.selected() {
                    Some(c) => Outcome::Jump(Jump::LogStream(LogTarget::Container {
                        name: c.name.clone(),
                    })),
                    None => Outcome::Notify("no container selected".into()),
                };
            }
            Input::Action(a @ (Action::Restart | Action::Stop | Action::Start)) => {
                return self.act(a, ctx);
            }
            Input::Action(a @ (Action::Shell | Action::Exec)) => return self.session(a, ctx),
            Input::Action(a @ (Action::GraphMemory | Action::GraphCpu)) => {
                return match self.selected() {
                    Some(c) => {
                        let memory = a == Action::GraphMemory;
                        let template = if memory {
                            &self.graphs.container_memory
                        } else {
                            &self.graphs.container_cpu
                        };
                        Outcome::Jump(Jump::Metrics {
                            expr: crate::config::fill(template, &[("name", &c.name)]),
                            from: None,
                            fired: None,
                            // Docker says 0 for no limit.
                            threshold: (memory && c.memory_limit > 0)
                                .then_some(c.memory_limit as f64),
                        })
                    }
                    None => Outcome::Notify("no container selected".into()),
                };
            }
            Input::Action(Action::ToggleAll) => {
                self.invalidate();
                self.problems_only = !self.problems_only;
                self.refresh(ctx.now);
                let text = if self.problems_only {
                    "showing problems only"
                } else {
                    "showing all containers"
                };
                return self.with_watch(Outcome::Notify(text.into()));
            }
            Input::Nav(nav) => nav,
        };
        let outcome = match nav {
            Nav::Select => {
                if self.detail.is_none()
                    && let Some(c) = self.selected()
                {
                    self.detail = Some((c.id.clone(), Scroll::default()));
                }
                Outcome::Handled
            }
            Nav::Back => {
                if self.detail.take().is_some() {
                    Outcome::Handled
                } else {
                    Outcome::Ignored
                }
            }
            nav => {
                if let Some((_, scroll)) = &mut self.detail {
                    if scroll.navigate(nav) {
                        Outcome::Handled
                    } else {
                        Outcome::Ignored
                    }
                } else if self.table.navigate(nav, self.rows.len()) {
                    self.skip_header(matches!(
                        nav,
                        Nav::Down | Nav::PageDown | Nav::Bottom | Nav::Top
                    ));
                    Outcome::Handled
                } else {
                    Outcome::Ignored
                }
            }
        };
        self.with_watch(outcome)
    }

    fn set_filter(&mut self, filter: &str) {
        self.invalidate();
        self.filter = filter.to_string();
    }

    fn on_form(&mut self, form: CForm, values: &[String], ctx: &PaneCtx) -> Out {
        let CForm::Exec { name } = form;
        if ctx.read_only {
            return Outcome::Notify("read-only mode: exec is disabled".into());
        }
        let typed = values.first().map(String::as_str).unwrap_or("");
        match Attach::typed(AttachTarget::Container { name }, typed) {
            Ok(session) => Outcome::Attach(session),
            Err(why) => Outcome::Notify(why),
        }
    }

    fn on_jump(&mut self, jump: &Jump, ctx: &PaneCtx) -> Out {
        let Jump::Container { name } = jump else {
            return Outcome::Ignored;
        };
        let Some(c) = self.containers.iter().find(|c| &c.name == name) else {
            return Outcome::Notify(format!("no container named {name}"));
        };
        self.detail = Some((c.id.clone(), Scroll::default()));
        self.refresh(ctx.now);
        self.with_watch(Outcome::Handled)
    }

    fn report(&self, now: jiff::Timestamp) -> Option<ReportSection> {
        if !self.loaded {
            return None;
        }
        let mut problems = Vec::new();
        for c in &self.containers {
            let v = classify(c, self.restarts.recent(&c.id, now), now);
            if !v.is_problem() {
                continue;
            }
            let probe = c.last_failed_output().filter(|o| !o.is_empty());
            let health_related = c.health == Health::Unhealthy || c.failing_streak > 0;
            let detail = match (&probe, health_related) {
                (Some(p), true) => p.clone(),
                _ => v.explanation.clone(),
            };
            let mut p = Problem::new(
                v.severity.unwrap_or(Severity::Warning),
                c.name.clone(),
                v.reason.clone(),
                detail,
            )
            .field("health", c.health.label())
            .field("state", c.state.label())
            .field("explanation", v.explanation.clone())
            .field("failing_streak", c.failing_streak)
            .field("restart_count", c.restart_count)
            .field("exit_code", c.exit_code)
            .field("oom_killed", c.oom_killed)
            .field("image", c.image.clone());
            if let Some(probe) = probe {
                p = p.field("last_probe_output", probe);
            }
            if let Some(proj) = &c.project {
                p = p.field("project", proj.clone());
            }
            if let Some(svc) = &c.service {
                p = p.field("service", svc.clone());
            }
            problems.push(p);
        }
        let summary = format!(
            "{}, {} running, {}",
            crate::text::count(self.containers.len(), "container"),
            self.containers.iter().filter(|c| c.is_running()).count(),
            crate::text::count(problems.len(), "problem")
        );
        Some(ReportSection::new(summary, problems))
    }

    fn context_label(&self) -> Option<String> {
        self.selected()
            .and_then(|c| c.project.clone())
            .map(|p| format!("compose:{p}"))
    }
}
