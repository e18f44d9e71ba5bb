//! Running steps: shell blocks through the runbook's shell (`bash -c`), with a
//! timeout and streamed output; `check` and `wait` logic; `warroom` blocks
//! through the action door, exactly as the console runs them.
use super::journal::{CheckResult, Entry, JournalError};
use super::model::{Block, BlockKind, OnError, Runbook};
use super::shell::{ShellRun, run_shell};
use crate::action::{ActionError, ActionOutcome, Actions, Progress};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use super::exec_plan::{Params, Plan, PlanError, PlannedBlock, plan, typed_word};

/// Most output kept per step in memory and in its output file.
pub(super) const MAX_OUTPUT: usize = 8 * 1024 * 1024;

/// A line sink for live output.
pub type Sink = Arc<dyn Fn(String) + Send + Sync>;

/// The result of running a step.
#[derive(Debug, Clone, Default)]
pub struct StepResult {
    pub passed: bool,
    /// A check or wait passed (recovery time is measured to the last one).
    pub checked: bool,
    pub exit: Option<i32>,
    pub output: String,
    pub checks: Vec<CheckResult>,
    pub actions: Vec<ActionRun>,
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ActionRun {
    pub ts: jiff::Timestamp,
    pub command: String,
    pub result: Result<ActionOutcome, ActionError>,
    /// Already in the journal (written as soon as it returned); the step's
    /// end writes only those that are not.
    pub journaled: bool,
}

/// Where a step's actions are journaled the moment each one returns: a
/// restore that succeeded must stay in the timeline (and the achieved RPO)
/// even if warroom dies before the step ends.
#[derive(Debug, Clone)]
pub struct StepLog {
    pub journal: super::journal::Journal,
    pub operator: String,
    pub step: usize,
}

impl StepLog {
    fn entry(&self, a: &ActionRun) -> Entry {
        action_entry(&self.journal, self.step, a, &self.operator)
    }
}

fn action_entry(
    journal: &super::journal::Journal,
    step: usize,
    a: &ActionRun,
    operator: &str,
) -> Entry {
    let (ok, message, rpt) = match &a.result {
        Ok(o) => (true, o.summary.clone(), o.restore_point_time),
        Err(e) => (false, e.to_string(), None),
    };
    Entry::Action {
        ts: a.ts,
        operator: operator.to_string(),
        origin: format!("runbook:{}", journal.run),
        step: Some(step),
        command: a.command.clone(),
        ok,
        message,
        restore_point_time: rpt,
    }
}

/// Collected output of one step, streamed to `sink` line by line as it comes.
pub(super) struct Output {
    text: Mutex<String>,
    sink: Sink,
    params: Params,
    log: Option<StepLog>,
}

impl Output {
    /// Environment for the step's commands: `WARROOM_RUN_ID`,
    /// `WARROOM_JOURNAL` (this run's journal file) and `WARROOM_STEP`
    /// (1-based), so a check can verify what the run recorded.
    pub(super) fn env(&self) -> Vec<(&'static str, std::ffi::OsString)> {
        match &self.log {
            Some(log) => vec![
                ("WARROOM_RUN_ID", log.journal.run.clone().into()),
                ("WARROOM_JOURNAL", log.journal.path.clone().into_os_string()),
                ("WARROOM_STEP", (log.step + 1).to_string().into()),
            ],
            None => Vec::new(),
        }
    }

    /// Journal the process group of a command the step just started. A
    /// failure is shown, not fatal: the command is already running.
    pub(super) fn process_started(&self, pgid: i32) {
        if let Some(log) = &self.log {
            let entry = Entry::StepProcess {
                ts: jiff::Timestamp::now(),
                step: log.step,
                pgid,
            };
            if let Err(e) = log.journal.append(&entry) {
                self.line(&format!("(journal: {e})"));
            }
        }
    }

    /// Keep an action's result, journaling it first when there is a journal.
    fn action(&self, res: &mut StepResult, mut a: ActionRun) {
        if let Some(log) = &self.log {
            match log.journal.append(&log.entry(&a)) {
                Ok(()) => a.journaled = true,
                // Not fatal here: the step's end tries again with the rest.
                Err(e) => self.line(&format!("(journal: {e}; recorded at the end of the step)")),
            }
        }
        res.actions.push(a);
    }
}

impl Output {
    pub(super) fn line(&self, line: &str) {
        let line = self.params.redact(line);
        (self.sink)(line.clone());
        let mut t = self.text.lock().unwrap_or_else(|e| e.into_inner());
        if t.len() < MAX_OUTPUT {
            t.push_str(&line);
            t.push('\n');
        }
    }
}

/// Run a planned step. The caller has confirmed it and journals around it;
/// with `log`, each action is journaled as soon as it returns.
pub async fn execute(
    rb: &Runbook,
    plan: &Plan,
    params: &Params,
    actions: &Actions,
    origin: &str,
    sink: Sink,
    log: Option<StepLog>,
) -> StepResult {
    let out = Output {
        text: Mutex::new(String::new()),
        sink,
        params: params.clone(),
        log,
    };
    let mut res = StepResult {
        passed: true,
        ..Default::default()
    };
    if let Some(e) = plan.error() {
        res.passed = false;
        res.error = Some(e.to_string());
        return res;
    }
    let step = &rb.steps[plan.step];
    for pb in &plan.blocks {
        let block = &step.blocks[pb.index];
        let attempts = block.attrs.retry + 1;
        let mut ok = false;
        for attempt in 1..=attempts {
            if attempt > 1 {
                out.line(&format!(
                    "── retry {}/{} ──",
                    attempt - 1,
                    block.attrs.retry
                ));
            }
            ok = match &pb.kind {
                BlockKind::Warroom => run_actions(pb, block, actions, origin, &out, &mut res).await,
                BlockKind::Wait => run_wait(rb, pb, block, &out, &mut res).await,
                _ => run_command(rb, pb, block, &out, &mut res).await,
            };
            if ok {
                break;
            }
        }
        if !ok && block.attrs.on_error == OnError::Stop {
            res.passed = false;
            res.error.get_or_insert_with(|| {
                format!("{} block at line {} failed", pb.kind.label(), block.line)
            });
            break;
        }
        if !ok {
            out.line(&format!(
                "(on-error=continue: {} block at line {} failed, going on)",
                pb.kind.label(),
                block.line
            ));
        }
    }
    res.output = out.text.into_inner().unwrap_or_else(|e| e.into_inner());
    res
}

/// A command block (sh or check): passes on its expected exit status and output.
async fn run_command(
    rb: &Runbook,
    pb: &PlannedBlock,
    block: &Block,
    out: &Output,
    res: &mut StepResult,
) -> bool {
    for l in pb.display.trim_end().lines() {
        out.line(&format!("$ {l}"));
    }
    let r = run_shell(&rb.meta.shell, &pb.script, block.attrs.timeout, out).await;
    let (passed, detail) = judge(block, &r);
    res.exit = r.exit;
    if pb.kind == BlockKind::Check {
        res.checks.push(CheckResult {
            command: pb.display.trim_end().to_string(),
            passed,
            exit: r.exit,
            detail: detail.clone(),
        });
        res.checked |= passed;
    }
    if !passed {
        out.line(&format!("✗ {detail}"));
        res.error = Some(detail);
    }
    passed
}

async fn run_wait(
    rb: &Runbook,
    pb: &PlannedBlock,
    block: &Block,
    out: &Output,
    res: &mut StepResult,
) -> bool {
    let timeout = block
        .attrs
        .timeout
        .unwrap_or(super::model::DEFAULT_WAIT_TIMEOUT);
    let deadline = tokio::time::Instant::now() + timeout;
    let mut tries = 0u32;
    loop {
        tries += 1;
        out.line(&format!(
            "$ {}   (wait, try {tries})",
            pb.display.trim_end()
        ));
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let r = run_shell(
            &rb.meta.shell,
            &pb.script,
            Some(left.max(Duration::from_secs(1))),
            out,
        )
        .await;
        let (passed, detail) = judge(block, &r);
        res.exit = r.exit;
        if passed {
            res.checks.push(CheckResult {
                command: pb.display.trim_end().to_string(),
                passed: true,
                exit: r.exit,
                detail: format!("passed after {tries} tries"),
            });
            res.checked = true;
            return true;
        }
        if tokio::time::Instant::now() + block.attrs.interval >= deadline {
            let detail = format!(
                "still failing after {} ({tries} tries): {detail}",
                crate::text::human_duration(timeout)
            );
            out.line(&format!("✗ {detail}"));
            res.checks.push(CheckResult {
                command: pb.display.trim_end().to_string(),
                passed: false,
                exit: r.exit,
                detail: detail.clone(),
            });
            res.error = Some(detail);
            return false;
        }
        tokio::time::sleep(block.attrs.interval).await;
    }
}

async fn run_actions(
    pb: &PlannedBlock,
    block: &Block,
    actions: &Actions,
    origin: &str,
    out: &Output,
    res: &mut StepResult,
) -> bool {
    for (spec, preview) in &pb.actions {
        // Journaled and shown: never with a secret value in it.
        let command = out.params.redact(&spec.to_string());
        out.line(&format!("▶ warroom action {command}"));
        // A preview taken at plan time may be stale after a retry; take a fresh one.
        let preview = match actions.preview(spec).await {
            Ok(p) => p,
            Err(e) => match preview {
                Ok(p) => {
                    out.line(&format!(
                        "  (fresh preview failed: {e}; using the confirmed one)"
                    ));
                    p.clone()
                }
                Err(_) => {
                    let msg = format!("{}: {e}", spec.verb());
                    out.line(&format!("✗ {msg}"));
                    out.action(
                        res,
                        ActionRun {
                            ts: jiff::Timestamp::now(),
                            command,
                            result: Err(e),
                            journaled: false,
                        },
                    );
                    res.error = Some(msg);
                    return false;
                }
            },
        };
        let sink = out.sink.clone();
        let params = out.params.clone();
        let progress = Progress::new(move |l| sink(format!("  | {}", params.redact(&l))));
        let fut = actions.execute(spec, &preview, origin, progress);
        let result = match block.attrs.timeout {
            Some(t) => match tokio::time::timeout(t, fut).await {
                Ok(r) => r,
                Err(_) => Err(ActionError::TimedOut { after: t }),
            },
            None => fut.await,
        };
        match &result {
            Ok(o) => out.line(&format!(
                "✓ {}",
                if o.summary.is_empty() {
                    format!("{} done", spec.verb())
                } else {
                    o.summary.clone()
                }
            )),
            Err(e) => out.line(&format!("✗ {} failed: {e}", spec.verb())),
        }
        let failed = result.as_ref().err().cloned();
        out.action(
            res,
            ActionRun {
                ts: jiff::Timestamp::now(),
                command,
                result,
                journaled: false,
            },
        );
        if let Some(e) = failed {
            res.error = Some(format!("{} failed: {e}", spec.verb()));
            return false;
        }
    }
    true
}

/// Exit status and output expectations of a command block.
fn judge(block: &Block, r: &ShellRun) -> (bool, String) {
    if let Some(e) = &r.error {
        return (false, e.clone());
    }
    let want = block.attrs.expect_exit;
    if r.exit != Some(want) {
        let got = r
            .exit
            .map(|c| c.to_string())
            .unwrap_or_else(|| "a signal".into());
        return (false, format!("exit status {got}, expected {want}"));
    }
    if let Some(re) = &block.attrs.expect_output {
        let ok = regex::Regex::new(&format!("(?m){re}"))
            .map(|r2| r2.is_match(&r.output))
            .unwrap_or(false);
        if !ok {
            return (false, format!("output does not match /{re}/"));
        }
    }
    (true, format!("exit status {want}"))
}

/// Journal entries for a finished step: its actions not journaled yet
/// (normally none), then the result.
pub fn finished_entries(
    journal: &super::journal::Journal,
    step: usize,
    res: &StepResult,
    operator: &str,
) -> Result<Vec<Entry>, JournalError> {
    let mut entries: Vec<Entry> = res
        .actions
        .iter()
        .filter(|a| !a.journaled)
        .map(|a| action_entry(journal, step, a, operator))
        .collect();
    let (file, sha) = if res.output.is_empty() {
        (None, None)
    } else {
        let (f, s) = journal.write_output(step, res.output.as_bytes())?;
        (Some(f), Some(s))
    };
    entries.push(Entry::StepFinished {
        ts: jiff::Timestamp::now(),
        operator: operator.to_string(),
        step,
        status: if res.passed {
            super::walker::StepStatus::Passed
        } else {
            super::walker::StepStatus::Failed
        },
        exit: res.exit,
        output_file: file,
        output_sha256: sha,
        checks: res.checks.clone(),
        error: res.error.clone(),
    });
    Ok(entries)
}
