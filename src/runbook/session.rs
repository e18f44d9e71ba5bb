//! An open run: the runbook, the walker, the params and the journal, kept in
//! step. Every state change is journaled (and fsynced) first, then applied to
//! the walker, so what is on screen is never ahead of what is on disk.

use super::exec::{self, Params, Plan, Sink, StepResult};
use super::journal::{self, Entry, Journal, JournalError, StepRef};
use super::model::Runbook;
use super::walker::{StepStatus, WalkError, Walker};
use crate::action::Actions;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub struct Session {
    pub runbook: Runbook,
    pub walker: Walker,
    pub params: Params,
    pub journal: Journal,
    pub operator: String,
    pub(super) _lock: journal::RunLock,
}

/// Why a step or run operation failed: the walker refused it, or the journal
/// could not record it (then nothing changed on screen either).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Walk(#[from] WalkError),
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// A process group of an interrupted step that is still alive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveGroup {
    /// 0-based.
    pub step: usize,
    pub title: String,
    pub pgid: i32,
    pub pids: Vec<i32>,
}

impl std::fmt::Display for LiveGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pids: Vec<String> = self.pids.iter().map(i32::to_string).collect();
        write!(
            f,
            "step {} \"{}\": process group {} (pids {})",
            self.step + 1,
            self.title,
            self.pgid,
            pids.join(", ")
        )
    }
}

fn joined<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(T::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Why a resume was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ResumeError {
    #[error("no unfinished run of {} to resume (in {})", runbook.display(), dir.display())]
    NothingToResume { runbook: PathBuf, dir: PathBuf },
    /// Steps changed since the run started (`--force` resumes anyway).
    #[error(
        "refusing to resume run {run}: the runbook changed since it started ({}). \
         Steps already done may no longer match what the runbook says. \
         Start a new run, or pass --force to resume anyway.",
        joined(changes)
    )]
    Changed { run: String, changes: Vec<String> },
    /// A command of the interrupted step is still running.
    #[error(
        "refusing to resume run {run}: a command of the interrupted step is still running \
         ({}). Wait for it, or stop it (kill -- -PGID), then resume; \
         pass --force only if that group is no longer the step's.",
        joined(groups)
    )]
    StillRunning { run: String, groups: Vec<LiveGroup> },
    /// Secret values are never journaled: they must be given again.
    #[error(
        "secret parameter `{name}` is not kept in the journal: give it again (--param {name}=...)"
    )]
    SecretMissing { name: String },
    #[error("journal has no start entry")]
    NoStart,
    /// Lines of the journal are not entries: resuming from the rest is the
    /// operator's choice.
    #[error(
        "{}\nrefusing to resume run {run}: {} of its journal {} not entries, and what they recorded is unknown. \
         Pass --skip-bad-lines to resume from the entries that parse (the journal is copied beside itself first; \
         the bad lines stay in it and are named in a `repaired` entry), or start a fresh run with --force (without --resume)",
        journal::listed(lines),
        if lines.len() == 1 { "1 line".to_string() } else { format!("{} lines", lines.len()) },
        if lines.len() == 1 { "is" } else { "are" }
    )]
    Damaged { run: String, lines: Vec<String> },
    /// The first line (who started what, with which params) is damaged.
    #[error(
        "{line}\ncannot resume run {run}: its first line, the run_started entry, is damaged, so the run's \
         runbook, params and steps are unknown. Start a fresh run with --force (without --resume); \
         the damaged journal stays as it is"
    )]
    StartDamaged { run: String, line: String },
    #[error(transparent)]
    Journal(#[from] JournalError),
}

impl Session {
    /// Start a new run: write its first journal entry. Refused while the
    /// latest unfinished run of the runbook has a damaged journal
    /// ([`Session::start_with`] with `force` starts anyway).
    pub fn start(
        runbook: Runbook,
        values: BTreeMap<String, String>,
        dir: &Path,
    ) -> Result<Self, JournalError> {
        Self::start_with(runbook, values, dir, false, None)
    }

    /// [`Session::start`]; `force` starts even over a damaged run (`--force`);
    /// `alert` is the alert the run was opened from, recorded in its first entry.
    pub fn start_with(
        runbook: Runbook,
        values: BTreeMap<String, String>,
        dir: &Path,
        force: bool,
        alert: Option<crate::target::AlertContext>,
    ) -> Result<Self, JournalError> {
        if let Some(l) = journal::damaged(dir, &runbook.path) {
            if !force {
                return Err(journal::damaged_error(&runbook.path, &l));
            }
            tracing::warn!(
                journal = %l.path.display(),
                bad_lines = l.unacknowledged().len(),
                "starting a fresh run (--force) although the unfinished run's journal is damaged"
            );
        }
        let now = jiff::Timestamp::now();
        let run = journal::new_run_id(now);
        let params = Params::new(&runbook, values);
        let operator = crate::identity::operator();
        let first = Entry::RunStarted {
            run: run.clone(),
            ts: now,
            operator: operator.clone(),
            runbook: journal::runbook_key(&runbook.path),
            runbook_hash: runbook.hash.clone(),
            title: runbook.meta.title.clone(),
            rto_secs: runbook.meta.rto.map(|d| d.as_secs()),
            rpo_secs: runbook.meta.rpo.map(|d| d.as_secs()),
            params: params.public(),
            secret_params: params.secret.iter().cloned().collect(),
            steps: runbook
                .steps
                .iter()
                .map(|s| StepRef {
                    title: s.title.clone(),
                    hash: s.hash.clone(),
                    manual: s.is_manual(),
                })
                .collect(),
            alert: alert.map(Box::new),
        };
        let journal = Journal::create(dir, &run, &first)?;
        let _lock = journal.lock()?;
        let mut walker = Walker::for_runbook(&runbook);
        walker.started = Some(now);
        Ok(Self {
            _lock,
            runbook,
            walker,
            params,
            journal,
            operator,
        })
    }

    /// Continue the latest unfinished run of `runbook`. `secrets` supplies the
    /// secret params (never journaled); `force` accepts changed steps;
    /// `skip_bad_lines` resumes from the entries that parse when some lines
    /// of the journal are not entries (refused otherwise).
    pub fn resume(
        runbook: Runbook,
        dir: &Path,
        secrets: &BTreeMap<String, String>,
        force: bool,
        skip_bad_lines: bool,
    ) -> Result<Self, ResumeError> {
        let loaded = journal::latest(dir, &runbook.path, true).ok_or_else(|| {
            ResumeError::NothingToResume {
                runbook: runbook.path.clone(),
                dir: dir.to_path_buf(),
            }
        })?;
        let bad: Vec<String> = loaded.unacknowledged_messages();
        if !loaded.has_start() {
            return Err(ResumeError::StartDamaged {
                run: loaded.run_id().to_string(),
                line: bad.first().cloned().unwrap_or_default(),
            });
        }
        if !bad.is_empty() && !skip_bad_lines {
            return Err(ResumeError::Damaged {
                run: loaded.run_id().to_string(),
                lines: bad,
            });
        }
        let Some(Entry::RunStarted {
            run, params, ts, ..
        }) = loaded.entries.first().cloned()
        else {
            return Err(ResumeError::NoStart);
        };
        let changed = changed_steps(loaded.step_refs(), &runbook);
        if !changed.is_empty() && !force {
            return Err(ResumeError::Changed {
                run,
                changes: changed,
            });
        }
        let mut values = params;
        for p in runbook.params.iter().filter(|p| p.secret) {
            match secrets.get(&p.name) {
                Some(v) => {
                    values.insert(p.name.clone(), v.clone());
                }
                None => {
                    return Err(ResumeError::SecretMissing {
                        name: p.name.clone(),
                    });
                }
            }
        }
        let journal = Journal::open(&loaded.path)?;
        let _lock = journal.lock()?;
        // The lock died with the old warroom, but a command of the step it
        // was running may not have: running that step again now would run
        // it twice, concurrently.
        let running: Vec<LiveGroup> = loaded
            .unfinished_groups()
            .into_iter()
            .filter_map(|(step, pgid, started)| {
                let pids = super::shell::group_members_since(pgid, started);
                (!pids.is_empty()).then(|| LiveGroup {
                    step,
                    title: loaded
                        .step_refs()
                        .get(step)
                        .map(|r| r.title.clone())
                        .unwrap_or_else(|| "?".into()),
                    pgid,
                    pids,
                })
            })
            .collect();
        if !running.is_empty() && !force {
            return Err(ResumeError::StillRunning {
                run,
                groups: running,
            });
        }
        // Repair a torn tail only once the run is ours.
        let journal = Journal::reopen(&loaded)?;
        let operator = crate::identity::operator();
        journal.append(&Entry::Resumed {
            ts: jiff::Timestamp::now(),
            operator: operator.clone(),
            runbook_hash: runbook.hash.clone(),
            forced: !changed.is_empty() || !running.is_empty(),
        })?;
        let mut walker = Walker::for_runbook(&runbook);
        walker.started = Some(ts);
        for (i, (status, reason)) in loaded.statuses() {
            walker.restore(i, status, reason);
        }
        for e in &loaded.entries {
            match e {
                Entry::Note { step, text, .. } => {
                    let _ = walker.note(*step, text);
                }
                Entry::StepFinished {
                    ts, checks, status, ..
                } if *status == StepStatus::Passed && checks.iter().any(|c| c.passed) => {
                    walker.recovered = Some(*ts);
                }
                _ => {}
            }
        }
        let params = Params::new(&runbook, values);
        Ok(Self {
            _lock,
            runbook,
            walker,
            params,
            journal,
            operator,
        })
    }

    /// A timeline without a runbook (`:incident start TITLE`): console
    /// actions and notes are recorded in it until it ends.
    pub fn incident(title: &str, dir: &Path) -> Result<Self, JournalError> {
        let runbook = incident_runbook(title);
        let now = jiff::Timestamp::now();
        let run = journal::new_run_id(now);
        let operator = crate::identity::operator();
        let journal = Journal::create(
            dir,
            &run,
            &Entry::RunStarted {
                run: run.clone(),
                ts: now,
                operator: operator.clone(),
                runbook: String::new(),
                runbook_hash: String::new(),
                title: title.to_string(),
                rto_secs: None,
                rpo_secs: None,
                params: BTreeMap::new(),
                secret_params: Vec::new(),
                steps: Vec::new(),
                alert: None,
            },
        )?;
        let _lock = journal.lock()?;
        let mut walker = Walker::for_runbook(&runbook);
        walker.started = Some(now);
        Ok(Self {
            _lock,
            params: Params::new(&runbook, BTreeMap::new()),
            runbook,
            walker,
            journal,
            operator,
        })
    }

    pub fn is_incident(&self) -> bool {
        self.runbook.steps.is_empty() && self.runbook.path.as_os_str().is_empty()
    }

    /// A console action taken while this run is open; the entry written.
    pub fn record_action(
        &self,
        origin: &str,
        command: &str,
        result: &Result<crate::action::ActionOutcome, crate::action::ActionError>,
    ) -> Result<Entry, JournalError> {
        let (ok, message, rpt) = match result {
            Ok(o) => (true, o.summary.clone(), o.restore_point_time),
            Err(e) => (false, e.to_string(), None),
        };
        let e = Entry::Action {
            ts: jiff::Timestamp::now(),
            operator: self.operator.clone(),
            origin: origin.to_string(),
            step: None,
            command: command.to_string(),
            ok,
            message,
            restore_point_time: rpt,
        };
        self.journal.append(&e).map(|()| e)
    }

    pub fn run_id(&self) -> &str {
        &self.journal.run
    }

    pub fn origin(&self) -> String {
        format!("runbook:{}", self.journal.run)
    }

    pub async fn plan(&self, i: usize, actions: &Actions) -> Plan {
        exec::plan(&self.runbook, i, &self.params, actions).await
    }

    /// Journal the start, run, journal the result, update the walker.
    pub async fn run_step(
        &mut self,
        plan: &Plan,
        actions: &Actions,
        sink: Sink,
    ) -> Result<StepResult, SessionError> {
        self.begin_step(plan)?;
        let origin = self.origin();
        let log = self.step_log(plan.step);
        let res = exec::execute(
            &self.runbook,
            plan,
            &self.params,
            actions,
            &origin,
            sink,
            Some(log),
        )
        .await;
        self.end_step(plan.step, &res)?;
        Ok(res)
    }

    /// Where step `step`'s actions are journaled as they return.
    pub fn step_log(&self, step: usize) -> exec::StepLog {
        exec::StepLog {
            journal: self.journal.clone(),
            operator: self.operator.clone(),
            step,
        }
    }

    /// Mark step `plan.step` running and journal its start (with the
    /// rendered, secret-masked commands) before anything runs.
    pub fn begin_step(&mut self, plan: &Plan) -> Result<(), SessionError> {
        let i = plan.step;
        self.walker.start(i, jiff::Timestamp::now())?;
        let step = &self.runbook.steps[i];
        if let Err(e) = self.journal.append(&Entry::StepStarted {
            ts: jiff::Timestamp::now(),
            operator: self.operator.clone(),
            step: i,
            title: step.title.clone(),
            hash: step.hash.clone(),
            commands: plan.commands(),
        }) {
            let _ = self.walker.finish(i, false, false, jiff::Timestamp::now());
            return Err(e.into());
        }
        Ok(())
    }

    /// A step whose plan cannot run (an action preview failed, a value is
    /// unusable): journal it as started and failed, with the reason.
    pub fn fail_unrunnable(&mut self, plan: &Plan, error: &str) -> Result<(), SessionError> {
        self.begin_step(plan)?;
        let res = StepResult {
            error: Some(error.to_string()),
            ..Default::default()
        };
        Ok(self.end_step(plan.step, &res)?)
    }

    /// Journal a step's actions, output and result; then update the walker.
    pub fn end_step(&mut self, i: usize, res: &StepResult) -> Result<(), JournalError> {
        let entries = exec::finished_entries(&self.journal, i, res, &self.operator);
        let written = entries.and_then(|es| es.iter().try_for_each(|e| self.journal.append(e)));
        let now = jiff::Timestamp::now();
        let _ = self
            .walker
            .finish(i, res.passed && written.is_ok(), res.checked, now);
        written
    }

    pub fn skip(&mut self, i: usize, reason: &str) -> Result<(), SessionError> {
        let now = jiff::Timestamp::now();
        let mut probe = self.walker.clone();
        probe.skip(i, reason, now)?;
        self.journal.append(&Entry::StepSkipped {
            ts: now,
            operator: self.operator.clone(),
            step: i,
            reason: reason.trim().to_string(),
        })?;
        self.walker = probe;
        Ok(())
    }

    pub fn mark_done(&mut self, i: usize) -> Result<(), SessionError> {
        let now = jiff::Timestamp::now();
        let mut probe = self.walker.clone();
        probe.mark_done(i, now)?;
        self.journal.append(&Entry::StepDone {
            ts: now,
            operator: self.operator.clone(),
            step: i,
        })?;
        self.walker = probe;
        Ok(())
    }

    /// A note in the timeline; the entry written.
    pub fn note(&mut self, step: Option<usize>, text: &str) -> Result<Entry, SessionError> {
        let mut probe = self.walker.clone();
        probe.note(step, text)?;
        let e = Entry::Note {
            ts: jiff::Timestamp::now(),
            operator: self.operator.clone(),
            step,
            text: self.params.redact(text),
        };
        self.journal.append(&e)?;
        self.walker = probe;
        Ok(e)
    }

    pub fn retry(&mut self, i: usize) -> Result<(), SessionError> {
        Ok(self.walker.retry(i)?)
    }

    pub fn abort(&mut self) -> Result<(), SessionError> {
        let mut probe = self.walker.clone();
        probe.abort()?;
        self.finish("aborted")?;
        self.walker = probe;
        Ok(())
    }

    /// Write the closing entry (`completed` / `aborted`).
    pub fn finish(&self, status: &str) -> Result<(), JournalError> {
        self.journal.append(&Entry::RunFinished {
            ts: jiff::Timestamp::now(),
            operator: self.operator.clone(),
            status: status.to_string(),
        })
    }
}

/// The runbook an incident stands on: its title, no file, no steps (so no
/// hash); what an incident's journal must record to be resumed as one.
pub(super) fn incident_runbook(title: &str) -> Runbook {
    Runbook {
        path: std::path::PathBuf::new(),
        hash: String::new(),
        meta: super::model::Meta {
            title: title.to_string(),
            service: None,
            severity: None,
            rto: None,
            rpo: None,
            shell: "bash".into(),
        },
        params: Vec::new(),
        intro: String::new(),
        steps: Vec::new(),
    }
}

/// Steps whose hash differs from the journal's (or that were added/removed).
pub fn changed_steps(recorded: &[StepRef], rb: &Runbook) -> Vec<String> {
    let mut out = Vec::new();
    for (i, r) in recorded.iter().enumerate() {
        match rb.steps.get(i) {
            Some(s) if s.hash == r.hash => {}
            Some(s) => out.push(format!("step {} {:?} changed", i + 1, s.title)),
            None => out.push(format!("step {} {:?} was removed", i + 1, r.title)),
        }
    }
    for s in rb.steps.iter().skip(recorded.len()) {
        out.push(format!("step {} {:?} was added", s.index + 1, s.title));
    }
    out
}
