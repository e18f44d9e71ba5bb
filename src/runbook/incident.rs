//! The incident side of the worker: observed changes recorded into the open
//! timelines (coalesced first), the incident's timeline lines for the pane,
//! and resuming an incident a console left open (a restart, a dropped SSH
//! session, a crash) when the next one starts.
//!
//! Observations go into the incident's journal and, like console actions,
//! into an open runbook run's: `E` exports the run when one is open, and its
//! export would otherwise miss what the console saw while it ran.

use super::Update;
use super::coalesce::{self, Coalescer};
use super::journal::{self, Entry, Journal, JournalError, Loaded};
use super::session::{Session, incident_runbook};
use super::timeline::Timeline;
use super::view::TimelineView;
use super::walker::Walker;
use super::worker::{Ctx, State};
use super::worker_runs::send_view;
use crate::observed::Observed;

/// What the worker keeps for observed changes.
#[derive(Debug, Default)]
pub(super) struct Observing {
    pub(super) incident: Coalescer,
    pub(super) run: Coalescer,
    /// The incident's lines, as the pane shows them.
    pub(super) timeline: Timeline,
}

/// Why an incident left open was not resumed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IncidentResumeError {
    #[error(
        "{}\nincident {title:?} ({run}) was left open, but {} of its journal {} not entries: it is not resumed \
         and its journal stays as it is; `:incident start` opens a new one",
        journal::listed(lines),
        if lines.len() == 1 { "1 line".to_string() } else { format!("{} lines", lines.len()) },
        if lines.len() == 1 { "is" } else { "are" }
    )]
    Damaged {
        run: String,
        title: String,
        lines: Vec<String>,
    },
    #[error(
        "{}: the first line of an unfinished incident's journal is damaged: it is not resumed",
        path.display()
    )]
    StartDamaged { path: std::path::PathBuf },
    /// Its first entry names a runbook, steps or a hash: not an incident's.
    #[error("run {run}: its first entry is not an incident's, so it is not resumed as one")]
    NotAnIncident { run: String },
    #[error(
        "incident {title:?} ({run}) is open in another warroom process: this console records \
         nothing into it (end it there, or quit that console and restart this one to resume it here)"
    )]
    Locked { run: String, title: String },
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// The latest incident in `dir` that has no `run_finished` entry.
pub(super) fn latest_open(dir: &std::path::Path) -> Option<Loaded> {
    journal::all(dir)
        .into_iter()
        .rev()
        .find(|l| l.runbook().is_empty() && l.finished().is_none())
}

impl Session {
    /// Continue an incident left open, checked as a run's resume is: the
    /// journal must read whole (bad lines refuse; a torn tail is cut after
    /// the original is copied beside it), its first entry must record the
    /// incident's empty runbook (no file, no hash, no steps: what
    /// [`Session::incident`] writes — a run that lost its runbook is not
    /// taken for one), and nobody else may hold its lock.
    pub fn resume_incident(loaded: &Loaded) -> Result<Self, IncidentResumeError> {
        let Some(Entry::RunStarted {
            run,
            ts,
            title,
            runbook_hash,
            steps,
            ..
        }) = loaded.entries.first().filter(|_| loaded.has_start())
        else {
            return Err(IncidentResumeError::StartDamaged {
                path: loaded.path.clone(),
            });
        };
        let rb = incident_runbook(title);
        if !loaded.runbook().is_empty()
            || *runbook_hash != rb.hash
            || !super::session::changed_steps(steps, &rb).is_empty()
        {
            return Err(IncidentResumeError::NotAnIncident { run: run.clone() });
        }
        let bad: Vec<String> = loaded.unacknowledged_messages();
        if !bad.is_empty() {
            return Err(IncidentResumeError::Damaged {
                run: run.clone(),
                title: title.clone(),
                lines: bad,
            });
        }
        let _lock = Journal::open(&loaded.path)?.lock().map_err(|e| match e {
            JournalError::Locked { run } => IncidentResumeError::Locked {
                run,
                title: title.clone(),
            },
            e => e.into(),
        })?;
        // Repair a torn tail only once the incident is ours.
        let journal = Journal::reopen(loaded)?;
        let operator = crate::identity::operator();
        journal.append(&Entry::Resumed {
            ts: jiff::Timestamp::now(),
            operator: operator.clone(),
            runbook_hash: rb.hash.clone(),
            forced: false,
        })?;
        let mut walker = Walker::for_runbook(&rb);
        walker.started = Some(*ts);
        for e in &loaded.entries {
            if let Entry::Note { text, .. } = e {
                let _ = walker.note(None, text);
            }
        }
        Ok(Self {
            _lock,
            params: super::exec::Params::new(&rb, Default::default()),
            runbook: rb,
            walker,
            journal,
            operator,
        })
    }
}

/// At the worker's start: resume the incident a console left open, or say
/// why it cannot be.
pub(super) async fn resume_open(st: &mut State, c: &Ctx<'_>) {
    let Some(l) = latest_open(c.dir) else { return };
    match Session::resume_incident(&l) {
        Ok(s) => {
            let opened = l
                .started()
                .map(|t| {
                    // UTC, as the timeline's times are.
                    t.strftime("%H:%M UTC").to_string()
                })
                .unwrap_or_default();
            c.notice(
                format!(
                    "incident {:?} resumed (opened {opened}): console actions and changes are recorded ({})",
                    s.runbook.meta.title,
                    s.run_id()
                ),
                false,
            )
            .await;
            st.incident = Some(s);
            opened_incident(st, c).await;
        }
        Err(e) => c.notice(e.to_string(), true).await,
    }
}

/// A new or resumed incident is open: fresh counts, its lines from its
/// journal (a resumed one shows what was seen before the restart too).
pub(super) async fn opened_incident(st: &mut State, c: &Ctx<'_>) {
    let Some(s) = &st.incident else { return };
    st.obs.incident = Coalescer::default();
    st.obs.timeline = match journal::load(&s.journal.path) {
        Ok(l) => Timeline::from_entries(&l.entries),
        Err(e) => {
            c.notice(format!("timeline: {e}"), true).await;
            Timeline::default()
        }
    };
    if st.run.is_none() {
        send_view(st, c).await;
    }
    send_timeline(st, c, true).await;
}

/// An entry just written to the incident's journal (an action, a note).
pub(super) async fn incident_entry(st: &mut State, c: &Ctx<'_>, e: &Entry) {
    if st.incident.is_some() {
        st.obs.timeline.entry(e);
        send_timeline(st, c, false).await;
    }
}

/// Send the pane the incident's changed lines (`reset`: all of them).
pub(super) async fn send_timeline(st: &mut State, c: &Ctx<'_>, reset: bool) {
    let Some(s) = &st.incident else { return };
    let changes = st.obs.timeline.take_changes();
    let lines = if reset {
        st.obs.timeline.all()
    } else {
        changes
    };
    if lines.is_empty() && !reset {
        return;
    }
    c.send(Update::Timeline(Box::new(TimelineView {
        run_id: s.run_id().to_string(),
        reset,
        lines,
    })))
    .await;
}

fn recording(s: &Option<Session>) -> Option<&Session> {
    s.as_ref()
        .filter(|s| !s.walker.is_aborted() && (s.is_incident() || !s.walker.is_complete()))
}

/// Write entries, reporting the first failure only (a full disk would
/// otherwise say so once per observation).
fn write(s: &Session, entries: &[Entry], failed: &mut Option<String>) {
    for e in entries {
        let mut e = e.clone();
        if let Entry::Observed { seen, .. } | Entry::ObservedDropped { seen, .. } = &mut e {
            *seen = Some(jiff::Timestamp::now());
        }
        if let Err(err) = s.journal.append(&e) {
            failed.get_or_insert_with(|| err.to_string());
        }
    }
}

/// A batch of observed changes from the pane: recorded while an incident or
/// a run is open, dropped (cheaply) otherwise.
pub(super) async fn observed(st: &mut State, c: &Ctx<'_>, batch: Vec<Observed>) {
    if recording(&st.incident).is_none() && recording(&st.run).is_none() {
        return;
    }
    let mut failed = None;
    let mut out = Vec::new();
    for o in batch.into_iter().map(coalesce::sanitized) {
        if let Some(s) = recording(&st.incident) {
            out.clear();
            let accepted = st.obs.incident.push(o.clone(), &mut out);
            write(s, &out, &mut failed);
            into_view(&mut st.obs.timeline, &out);
            if accepted {
                st.obs.timeline.observe(&o);
            }
        }
        if let Some(s) = recording(&st.run) {
            out.clear();
            st.obs.run.push(o, &mut out);
            write(s, &out, &mut failed);
        }
    }
    if let Some(e) = failed {
        c.notice(format!("timeline: {e}"), true).await;
    }
    send_timeline(st, c, false).await;
}

/// The view counts observations as they come; of the entries written it
/// takes only what is not an observation (the dropped counts).
fn into_view(t: &mut Timeline, written: &[Entry]) {
    for e in written {
        if !matches!(e, Entry::Observed { .. }) {
            t.entry(e);
        }
    }
}

/// Write the counts whose windows ended (`all`: every count not yet
/// written — before an export or the incident's end).
pub(super) async fn flush(st: &mut State, c: &Ctx<'_>, all: bool) {
    let now = jiff::Timestamp::now();
    let mut failed = None;
    let mut out = Vec::new();
    if let Some(s) = recording(&st.incident) {
        match all {
            true => st.obs.incident.flush_all(now, &mut out),
            false => st.obs.incident.flush(now, &mut out),
        }
        write(s, &out, &mut failed);
        into_view(&mut st.obs.timeline, &out);
    }
    if let Some(s) = recording(&st.run) {
        out.clear();
        match all {
            true => st.obs.run.flush_all(now, &mut out),
            false => st.obs.run.flush(now, &mut out),
        }
        write(s, &out, &mut failed);
    }
    if let Some(e) = failed {
        c.notice(format!("timeline: {e}"), true).await;
    }
    send_timeline(st, c, false).await;
}
