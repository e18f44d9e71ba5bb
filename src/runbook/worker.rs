//! The runbook worker: finds runbooks, opens/resumes runs, runs steps on their
//! own task (shell blocks itself, `warroom` blocks through the action door),
//! keeps the journal, and records console actions in the open timeline.

use super::exec::{self, Plan, Sink, StepResult};
use super::incident;
use super::journal;
use super::parse;
use super::session::Session;
use super::view::{ActionRecord, CatalogEntry, PlanView, TimelineMsg, TimelineTx, Unfinished};
use super::worker_runs::{export_to_file, open, resume, send_view, start};
use super::{Command, Update};
use crate::action::Actions;
use crate::source::{Probe, SourceId, SourceKind, SourceStatus, UpdateTx, Worker, WorkerCtx};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Output lines sent to the pane per update, at most.
const OUTPUT_BATCH: usize = 500;
/// How often coalesced counts whose window ended are written.
const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

pub struct RunbookWorker {
    pub paths: Vec<PathBuf>,
    pub actions: Arc<Actions>,
    pub journal_dir: PathBuf,
    /// Demo: write the embedded runbooks to `paths[0]` first.
    pub demo: bool,
    /// Resume the incident a console left open when starting: the
    /// console's worker does; `--demo`'s and a headless command's must not
    /// (demo and real journals share the data dir, and `warroom report`
    /// would take the incident's lock from a console starting beside it).
    pub resume_incident: bool,
}

impl RunbookWorker {
    fn source() -> SourceId {
        SourceId::new(SourceKind::Runbooks, "")
    }
}

/// `~/x` → `$HOME/x`.
fn expand(p: &Path) -> PathBuf {
    match (p.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => p.to_path_buf(),
    }
}

/// Every `*.md` under the configured paths (directories one level deep, or
/// files), with its unfinished run in `journal_dir`.
pub fn scan(paths: &[PathBuf], journal_dir: &Path) -> (Vec<CatalogEntry>, Vec<String>) {
    let mut files = Vec::new();
    let mut missing = Vec::new();
    for p in paths.iter().map(|p| expand(p)) {
        if p.is_dir() {
            match std::fs::read_dir(&p) {
                Ok(rd) => {
                    let mut found: Vec<PathBuf> = rd
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|f| f.extension().is_some_and(|x| x == "md"))
                        .collect();
                    found.sort();
                    files.extend(found);
                }
                Err(e) => missing.push(format!("{}: {e}", p.display())),
            }
        } else if p.is_file() {
            files.push(p);
        } else {
            missing.push(format!("{}: not found", p.display()));
        }
    }
    let runs = journal::all(journal_dir);
    let entries = files
        .into_iter()
        .map(|path| {
            let runbook = parse::load(&path).map(Arc::new).map_err(|e| e.to_string());
            let key = journal::runbook_key(&path);
            let unfinished = runs
                .iter()
                .rev()
                .find(|l| l.runbook() == key && l.finished().is_none())
                .map(|l| Unfinished {
                    damage: l.unacknowledged().first().map(|b| {
                        let e = journal::JournalError::BadEntry {
                            path: l.path.clone(),
                            line: b.line,
                            reason: b.reason.clone(),
                        };
                        (e.to_string(), l.unacknowledged().len())
                    }),
                    run_id: l.run_id().to_string(),
                    changes: match &runbook {
                        Ok(rb) => super::session::changed_steps(l.step_refs(), rb),
                        Err(_) => Vec::new(),
                    },
                });
            CatalogEntry {
                runbook,
                path,
                unfinished,
            }
        })
        .collect();
    (entries, missing)
}

/// The demo copies of the shipped runbooks (`src/runbook/demo/`), embedded:
/// their actions go to the demo handlers, their checks read the run's own
/// journal, so each can be walked to the end in the simulated estate.
pub const DEMO_RUNBOOKS: &[(&str, &str)] = &[
    (
        "restart-service.md",
        include_str!("demo/restart-service.md"),
    ),
    (
        "rollback-deployment.md",
        include_str!("demo/rollback-deployment.md"),
    ),
    (
        "restore-database.md",
        include_str!("demo/restore-database.md"),
    ),
    ("dr-drill.md", include_str!("demo/dr-drill.md")),
];

pub(super) struct State {
    pub(super) run: Option<Session>,
    pub(super) incident: Option<Session>,
    pub(super) plan: Option<Plan>,
    pub(super) running: Option<(usize, tokio::task::JoinHandle<StepResult>)>,
    pub(super) results: BTreeMap<usize, String>,
    pub(super) actions_seen: Vec<String>,
    pub(super) resumed: bool,
    pub(super) obs: incident::Observing,
}

pub(super) struct Ctx<'a> {
    pub(super) tx: &'a UpdateTx<Update>,
    pub(super) actions: &'a Arc<Actions>,
    pub(super) dir: &'a Path,
    pub(super) out: &'a mpsc::UnboundedSender<String>,
}

impl Ctx<'_> {
    pub(super) async fn send(&self, u: Update) -> bool {
        self.tx.send(u).await.is_ok()
    }
    pub(super) async fn notice(&self, text: impl Into<String>, error: bool) {
        self.send(Update::Notice {
            text: text.into(),
            error,
        })
        .await;
    }
}

#[async_trait::async_trait]
impl Worker for RunbookWorker {
    type Update = crate::runbook::Update;
    type Command = crate::runbook::Command;

    fn id(&self) -> SourceId {
        Self::source()
    }

    async fn run(self: Box<Self>, mut ctx: WorkerCtx<Self::Update, Self::Command>) {
        let id = Self::source();
        let (tl_tx, mut tl_rx) = mpsc::unbounded_channel();
        let (out_tx, mut out_rx) = mpsc::unbounded_channel::<String>();
        let c = Ctx {
            tx: &ctx.updates,
            actions: &self.actions,
            dir: &self.journal_dir,
            out: &out_tx,
        };
        if !c.send(Update::Attach(TimelineTx(tl_tx))).await {
            return;
        }
        if self.demo
            && let Some(dir) = self.paths.first()
            && let Err(e) = write_demo(dir)
        {
            c.notice(format!("demo runbooks: {e}"), true).await;
        }
        self.refresh(&c, &id).await;
        let mut st = State {
            run: None,
            incident: None,
            plan: None,
            running: None,
            results: BTreeMap::new(),
            actions_seen: Vec::new(),
            resumed: false,
            obs: Default::default(),
        };
        if self.resume_incident {
            incident::resume_open(&mut st, &c).await;
        }
        let mut flush = tokio::time::interval(FLUSH_EVERY);
        flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                cmd = ctx.commands.recv() => match cmd {
                    Some(cmd) => self.handle(cmd, &mut st, &c, &id).await,
                    None => break,
                },
                Some(msg) = tl_rx.recv() => match msg {
                    TimelineMsg::Action(rec) => record(&mut st, &c, rec).await,
                    TimelineMsg::Observed(batch) => incident::observed(&mut st, &c, batch).await,
                },
                _ = flush.tick(), if st.incident.is_some() || st.run.is_some() => {
                    incident::flush(&mut st, &c, false).await;
                }
                Some(first) = out_rx.recv() => {
                    let mut lines = vec![crate::text::sanitize(&first).into_owned()];
                    while lines.len() < OUTPUT_BATCH {
                        match out_rx.try_recv() {
                            Ok(l) => lines.push(crate::text::sanitize(&l).into_owned()),
                            Err(_) => break,
                        }
                    }
                    if !c.send(Update::Output(lines)).await {
                        break;
                    }
                }
                done = async { match st.running.as_mut() { Some((_, h)) => h.await, None => std::future::pending().await } }, if st.running.is_some() => {
                    let (step, _) = st.running.take().expect("guarded by is_some");
                    let res = done.unwrap_or_else(|e| StepResult { error: Some(format!("the step's task failed: {e}")), ..Default::default() });
                    // The step's last lines go out before its result.
                    let rest: Vec<String> = std::iter::from_fn(|| out_rx.try_recv().ok())
                        .map(|l| crate::text::sanitize(&l).into_owned())
                        .collect();
                    if !rest.is_empty() {
                        c.send(Update::Output(rest)).await;
                    }
                    finish_step(&mut st, &c, step, res).await;
                }
            }
            if ctx.updates.is_closed() {
                break;
            }
        }
        // Counts not written yet would be lost with the worker.
        incident::flush(&mut st, &c, true).await;
    }

    async fn probe(&self) -> Probe {
        let (entries, missing) = scan(&self.paths, &self.journal_dir);
        let bad = entries.iter().filter(|e| e.runbook.is_err()).count();
        Probe {
            source: Self::source().to_string(),
            ok: missing.is_empty() && bad == 0,
            detail: format!(
                "{} runbooks ({} with lint errors){}",
                entries.len(),
                bad,
                if missing.is_empty() {
                    String::new()
                } else {
                    format!("; {}", missing.join("; "))
                }
            ),
            hint: "fix [runbooks] paths; `warroom runbook lint FILE` shows the errors".into(),
        }
    }
}

/// Write the demo runbooks into `dir` (`<data dir>/demo-runbooks`).
pub(crate) fn write_demo(dir: &Path) -> Result<(), super::WriteError> {
    std::fs::create_dir_all(dir).map_err(super::WriteError::at(dir))?;
    for (name, text) in DEMO_RUNBOOKS {
        let p = dir.join(name);
        if std::fs::read_to_string(&p).ok().as_deref() != Some(*text) {
            std::fs::write(&p, text).map_err(super::WriteError::at(&p))?;
        }
    }
    Ok(())
}

impl RunbookWorker {
    async fn refresh(&self, c: &Ctx<'_>, id: &SourceId) {
        let (entries, missing) = scan(&self.paths, &self.journal_dir);
        let n = entries.len();
        c.send(Update::Catalog(entries)).await;
        let status = if self.paths.is_empty() {
            SourceStatus::NotConfigured {
                hint: "add [runbooks] paths = [\"~/runbooks\"] (`:incident start` works without)"
                    .into(),
            }
        } else if n == 0 && !missing.is_empty() {
            SourceStatus::Unreachable {
                reason: missing.join("; "),
                hint: "fix [runbooks] paths".into(),
            }
        } else {
            let mut detail = format!("{n} runbooks");
            if self.demo {
                detail = format!("{detail} {}", crate::demo::DEMO_DETAIL);
            }
            if !missing.is_empty() {
                detail = format!("{detail}; missing: {}", missing.join("; "));
            }
            SourceStatus::Connected { detail }
        };
        c.tx.status(id, status).await;
    }

    async fn handle(&self, cmd: Command, st: &mut State, c: &Ctx<'_>, id: &SourceId) {
        // Run lifecycle changes alter which runbooks have an unfinished run.
        let lifecycle = matches!(
            cmd,
            Command::Open { .. }
                | Command::Abandon { .. }
                | Command::Start { .. }
                | Command::Resume { .. }
                | Command::Abort
                | Command::Run { .. }
                | Command::Skip { .. }
                | Command::MarkDone { .. }
        );
        self.handle_inner(cmd, st, c, id).await;
        if lifecycle {
            let (entries, _) = scan(&self.paths, &self.journal_dir);
            c.send(Update::Catalog(entries)).await;
        }
    }

    async fn handle_inner(&self, cmd: Command, st: &mut State, c: &Ctx<'_>, id: &SourceId) {
        let busy = st.running.as_ref().map(|(s, _)| *s);
        match cmd {
            Command::Refresh => self.refresh(c, id).await,
            Command::Open { path, alert } => open(st, c, &path, alert).await,
            Command::Abandon { path } => {
                if let Some(l) = journal::latest(c.dir, &path, true) {
                    let j = journal::Journal::reopen(&l).and_then(|j| {
                        j.append(&journal::Entry::RunFinished {
                            ts: jiff::Timestamp::now(),
                            operator: crate::identity::operator(),
                            status: "abandoned".into(),
                        })
                    });
                    if let Err(e) = j {
                        return c.notice(e.to_string(), true).await;
                    }
                    c.notice(format!("run {} abandoned", l.run_id()), false)
                        .await;
                }
                open(st, c, &path, None).await
            }
            Command::Start {
                path,
                params,
                alert,
            } => {
                if let Some(s) = busy {
                    return c
                        .notice(format!("step {} is still running", s + 1), true)
                        .await;
                }
                start(st, c, &path, &params, alert.map(|a| *a)).await
            }
            Command::Resume {
                path,
                secrets,
                force,
            } => {
                if let Some(s) = busy {
                    return c
                        .notice(format!("step {} is still running", s + 1), true)
                        .await;
                }
                resume(st, c, &path, &secrets, force).await
            }
            Command::IncidentStart { title } => {
                if let Some(i) = &st.incident {
                    return c
                        .notice(
                            format!(
                                "incident {:?} is already open (`:incident end` closes it)",
                                i.runbook.meta.title
                            ),
                            true,
                        )
                        .await;
                }
                match Session::incident(&title, c.dir) {
                    Ok(s) => {
                        c.notice(
                            format!(
                                "incident {title:?} opened: console actions and changes are recorded ({})",
                                s.run_id()
                            ),
                            false,
                        )
                        .await;
                        st.incident = Some(s);
                        incident::opened_incident(st, c).await;
                    }
                    Err(e) => c.notice(e.to_string(), true).await,
                }
            }
            Command::IncidentEnd => {
                // The counts still open belong in the journal before its end.
                incident::flush(st, c, true).await;
                match st.incident.take() {
                    Some(s) => {
                        match s.finish("completed") {
                            Ok(()) => c.notice(format!("incident {:?} closed; `E` or `warroom runbook export` for the timeline", s.runbook.meta.title), false).await,
                            Err(e) => c.notice(e.to_string(), true).await,
                        }
                        export_to_file(&s, c).await;
                        send_view(st, c).await;
                    }
                    None => c.notice("no incident is open", true).await,
                }
            }
            Command::Export => {
                // An export shows every count, also those whose window is open.
                incident::flush(st, c, true).await;
                match st.run.as_ref().or(st.incident.as_ref()) {
                    Some(s) => export_to_file(s, c).await,
                    None => c.notice("no run is open to export", true).await,
                }
            }
            Command::Note { step, text } => {
                let to_incident = st.run.is_none();
                let Some(s) = st.run.as_mut().or(st.incident.as_mut()) else {
                    return c
                        .notice("open a runbook or `:incident start` first", true)
                        .await;
                };
                match s.note(step, &text) {
                    Ok(e) => {
                        c.notice("note added to the timeline", false).await;
                        send_view(st, c).await;
                        if to_incident {
                            incident::incident_entry(st, c, &e).await;
                        }
                    }
                    Err(e) => c.notice(e.to_string(), true).await,
                }
            }
            other => step_command(other, st, c, busy).await,
        }
    }
}

/// Commands that act on a step of the open runbook run.
async fn step_command(cmd: Command, st: &mut State, c: &Ctx<'_>, busy: Option<usize>) {
    let Some(s) = st.run.as_mut() else {
        return c.notice("no runbook run is open", true).await;
    };
    if let Some(b) = busy {
        return c
            .notice(format!("step {} is still running", b + 1), true)
            .await;
    }
    let r = match cmd {
        Command::Plan { step } => {
            if step >= s.runbook.steps.len() {
                return;
            }
            let plan = s.plan(step, c.actions).await;
            let view = PlanView {
                step,
                text: plan.to_text(),
                confirm: plan.confirm.clone(),
                error: plan.error().map(ToString::to_string),
            };
            st.plan = Some(plan);
            c.send(Update::Plan(Box::new(view))).await;
            return;
        }
        Command::Run { step } => {
            if c.actions.read_only() {
                return c
                    .notice("read-only mode: runbook steps are not run", true)
                    .await;
            }
            let Some(plan) = st.plan.take().filter(|p| p.step == step) else {
                return c
                    .notice(
                        "preview the step first (its plan changed or was not shown)",
                        true,
                    )
                    .await;
            };
            if let Some(e) = plan.error() {
                return c
                    .notice(format!("step {} cannot run: {e}", step + 1), true)
                    .await;
            }
            if let Err(e) = s.begin_step(&plan) {
                return c.notice(e.to_string(), true).await;
            }
            let (rb, params, actions, origin, log) = (
                s.runbook.clone(),
                s.params.clone(),
                c.actions.clone(),
                s.origin(),
                s.step_log(step),
            );
            let out = c.out.clone();
            let sink: Sink = Arc::new(move |l| {
                let _ = out.send(l);
            });
            st.results.remove(&step);
            st.running = Some((
                step,
                tokio::spawn(async move {
                    exec::execute(&rb, &plan, &params, &actions, &origin, sink, Some(log)).await
                }),
            ));
            c.send(Update::StepRunning { step }).await;
            send_view(st, c).await;
            return;
        }
        Command::Retry { step } => s.retry(step).map(|_| Some(step)),
        Command::Skip { step, reason } => s.skip(step, &reason).map(|_| {
            st.results
                .insert(step, format!("skipped: {}", reason.trim()));
            None
        }),
        Command::MarkDone { step } => s.mark_done(step).map(|_| None),
        Command::Abort => s.abort().map(|_| None),
        _ => Ok(None),
    };
    match r {
        Ok(replan) => {
            st.plan = None;
            finish_if_complete(st, c).await;
            send_view(st, c).await;
            if let Some(step) = replan {
                Box::pin(step_command(Command::Plan { step }, st, c, None)).await;
            }
        }
        Err(e) => c.notice(e.to_string(), true).await,
    }
}

async fn finish_step(st: &mut State, c: &Ctx<'_>, step: usize, res: StepResult) {
    let Some(s) = st.run.as_mut() else { return };
    if let Err(e) = s.end_step(step, &res) {
        c.notice(format!("journal: {e}"), true).await;
    }
    for a in &res.actions {
        st.actions_seen.push(format!(
            "{} {} {}",
            a.ts.strftime("%H:%M:%S"),
            if a.result.is_ok() { "✓" } else { "✗" },
            a.command
        ));
    }
    let summary = if res.passed {
        match res.checks.last() {
            Some(ch) => format!("passed — check: {}", ch.detail),
            None => "passed".to_string(),
        }
    } else {
        format!(
            "failed: {}",
            res.error.as_deref().unwrap_or("unknown error")
        )
    };
    st.results.insert(step, summary.clone());
    c.notice(format!("step {} {summary}", step + 1), !res.passed)
        .await;
    finish_if_complete(st, c).await;
    send_view(st, c).await;
}

async fn finish_if_complete(st: &mut State, c: &Ctx<'_>) {
    let Some(s) = st.run.as_ref() else { return };
    if s.walker.is_complete() {
        match s.finish("completed") {
            Ok(()) => {
                c.notice(
                    format!(
                        "{} completed in {}",
                        s.runbook.meta.title,
                        s.walker.clock(jiff::Timestamp::now())
                    ),
                    false,
                )
                .await
            }
            Err(e) => c.notice(e.to_string(), true).await,
        }
    }
}

async fn record(st: &mut State, c: &Ctx<'_>, rec: ActionRecord) {
    let command = rec.spec.to_string();
    let mut recorded = false;
    let mut in_incident = None;
    for (s, incident) in [(st.run.as_ref(), false), (st.incident.as_ref(), true)] {
        let Some(s) = s.filter(|s| !s.walker.is_aborted()) else {
            continue;
        };
        match s.record_action("tui", &command, &rec.result) {
            Ok(e) => {
                recorded = true;
                if incident {
                    in_incident = Some(e);
                }
            }
            Err(e) => c.notice(format!("timeline: {e}"), true).await,
        }
    }
    if let Some(e) = in_incident {
        incident::incident_entry(st, c, &e).await;
    }
    if recorded {
        st.actions_seen.push(format!(
            "{} {} {}",
            jiff::Timestamp::now().strftime("%H:%M:%S"),
            if rec.result.is_ok() { "✓" } else { "✗" },
            command
        ));
        send_view(st, c).await;
    }
}
