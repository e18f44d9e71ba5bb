//! Opening runs in the worker: resume the unfinished one or start a new one,
//! send the pane its view, export the timeline to a file.

use super::journal;
use super::parse;
use super::session::{ResumeError, Session};
use super::view::{Prompt, RunView};
use super::worker::{Ctx, State};
use super::{Update, WriteError};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// Why a timeline could not be exported.
#[derive(Debug, thiserror::Error)]
enum ExportError {
    #[error(transparent)]
    Journal(#[from] journal::JournalError),
    #[error(transparent)]
    Write(#[from] WriteError),
}

fn export(s: &Session, dir: &Path) -> Result<std::path::PathBuf, ExportError> {
    let l = journal::load(&s.journal.path)?;
    let dir = dir.parent().unwrap_or(dir).join("exports");
    std::fs::create_dir_all(&dir).map_err(WriteError::at(&dir))?;
    let path = dir.join(format!("{}.md", s.run_id()));
    std::fs::write(&path, super::export::markdown(&l)).map_err(WriteError::at(&path))?;
    Ok(path)
}

pub(super) async fn export_to_file(s: &Session, c: &Ctx<'_>) {
    let result = export(s, c.dir);
    match result {
        Ok(p) => {
            c.notice(format!("timeline exported to {}", p.display()), false)
                .await
        }
        Err(e) => c.notice(format!("export failed: {e}"), true).await,
    }
}

pub(super) async fn send_view(st: &State, c: &Ctx<'_>) {
    let s = match (&st.run, &st.incident) {
        (Some(s), _) | (None, Some(s)) => s,
        (None, None) => {
            c.send(Update::Closed {
                message: String::new(),
            })
            .await;
            return;
        }
    };
    let view = RunView {
        run_id: s.run_id().to_string(),
        title: s.runbook.meta.title.clone(),
        runbook: (!s.is_incident()).then(|| Arc::new(s.runbook.clone())),
        walker: s.walker.clone(),
        results: st.results.clone(),
        actions: st
            .actions_seen
            .iter()
            .rev()
            .take(50)
            .rev()
            .cloned()
            .collect(),
        journal: s.journal.path.clone(),
        resumed: st.resumed,
    };
    c.send(Update::Run(Box::new(view))).await;
}

/// Enter on a runbook: resume its unfinished run, or ask for what is needed.
/// `alert`: opened from an alert, which a new run records and whose labels
/// the params form is prefilled from (a resumed run keeps its own record).
pub(super) async fn open(
    st: &mut State,
    c: &Ctx<'_>,
    path: &Path,
    alert: Option<Box<crate::target::AlertContext>>,
) {
    if let Some(s) = &st.run
        && journal::runbook_key(&s.runbook.path) == journal::runbook_key(path)
        && !s.walker.is_aborted()
        && !s.walker.is_complete()
    {
        return send_view(st, c).await;
    }
    let rb = match parse::load(path) {
        Ok(rb) => rb,
        Err(e) => return c.notice(e.to_string(), true).await,
    };
    if let Some(l) = journal::latest(c.dir, path, true) {
        if l.is_damaged() {
            // The console has no --skip-bad-lines / --force: say what the
            // damage is and how to choose, and start nothing.
            return c
                .notice(journal::damaged_error(path, &l).to_string(), true)
                .await;
        }
        let changes = super::session::changed_steps(l.step_refs(), &rb);
        let names: Vec<String> = rb
            .params
            .iter()
            .filter(|p| p.secret)
            .map(|p| p.name.clone())
            .collect();
        if !changes.is_empty() {
            c.send(Update::Prompt(Prompt::Changed {
                path: path.to_path_buf(),
                run_id: l.run_id().to_string(),
                changes: changes.join("; "),
                names,
            }))
            .await;
            return;
        }
        if !names.is_empty() {
            c.send(Update::Prompt(Prompt::Secrets {
                path: path.to_path_buf(),
                run_id: l.run_id().to_string(),
                names,
            }))
            .await;
            return;
        }
        return resume(st, c, path, &[], false).await;
    }
    if rb.params.is_empty() {
        return start(st, c, path, &[], alert.map(|a| *a)).await;
    }
    c.send(Update::Prompt(Prompt::Params {
        path: path.to_path_buf(),
        title: rb.meta.title.clone(),
        params: rb.params.clone(),
        alert,
    }))
    .await;
}

pub(super) async fn start(
    st: &mut State,
    c: &Ctx<'_>,
    path: &Path,
    params: &[(String, String)],
    alert: Option<crate::target::AlertContext>,
) {
    let rb = match parse::load(path) {
        Ok(rb) => rb,
        Err(e) => return c.notice(e.to_string(), true).await,
    };
    let values = match super::subst::resolve(&rb.params, params) {
        Ok(v) => v,
        Err(e) => return c.notice(e.to_string(), true).await,
    };
    match Session::start_with(rb, values, c.dir, false, alert) {
        Ok(s) => {
            c.notice(
                format!("run {} started ({})", s.run_id(), s.journal.path.display()),
                false,
            )
            .await;
            replace_run(st, s, false);
            send_view(st, c).await;
        }
        Err(e) => c.notice(e.to_string(), true).await,
    }
}

pub(super) async fn resume(
    st: &mut State,
    c: &Ctx<'_>,
    path: &Path,
    secrets: &[(String, String)],
    force: bool,
) {
    let rb = match parse::load(path) {
        Ok(rb) => rb,
        Err(e) => return c.notice(e.to_string(), true).await,
    };
    let secrets: BTreeMap<String, String> = secrets.iter().cloned().collect();
    match Session::resume(rb, c.dir, &secrets, force, false) {
        Ok(s) => {
            c.notice(
                format!(
                    "resumed run {} at step {}",
                    s.run_id(),
                    s.walker.current().map(|i| i + 1).unwrap_or(s.walker.len())
                ),
                false,
            )
            .await;
            replace_run(st, s, true);
            send_view(st, c).await;
        }
        Err(ResumeError::NothingToResume { .. }) => start(st, c, path, &[], None).await,
        Err(e) => c.notice(e.to_string(), true).await,
    }
}

fn replace_run(st: &mut State, s: Session, resumed: bool) {
    st.run = Some(s);
    st.plan = None;
    st.results.clear();
    st.actions_seen.clear();
    st.resumed = resumed;
    // Counts belong to the run they were seen in.
    st.obs.run = Default::default();
}
