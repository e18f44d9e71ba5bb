//! `warroom runbook lint|run|export`: the walker without the console.
//!
//! `run` goes in order and stops at the first failure (exit 1); `--yes`
//! answers every confirmation, typed ones included; without it, warroom asks
//! on a TTY and refuses steps that need confirmation otherwise. `--resume`
//! continues the latest unfinished run; `--dry-run` prints what each step
//! would run (and the action previews) and changes nothing.

use crate::action::Confirm;
use crate::cli::RunbookCmd;
use crate::config::Config;
use crate::out::Out;
use crate::runbook::exec::{Params, Sink};
use crate::runbook::parse;
use crate::runbook::session::Session;
use crate::runbook::subst;
use crate::runtime::{Mode, wire};
use color_eyre::eyre::{Result, eyre};
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;
use std::sync::Arc;

pub async fn run(cfg: &Config, mode: Mode, cmd: RunbookCmd, out: &Out) -> Result<ExitCode> {
    match cmd {
        RunbookCmd::Lint { files } => Ok(lint(&files, out)?),
        RunbookCmd::Run {
            file,
            params,
            yes,
            dry_run,
            resume,
            force,
            skip_bad_lines,
        } => {
            if resume && dry_run {
                return Err(eyre!(
                    "--dry-run cannot be combined with --resume (a dry run starts from the top and records nothing)"
                ));
            }
            if mode.read_only && !dry_run {
                return Err(eyre!(
                    "read-only mode: runbook steps are not run (use --dry-run to see what they would do)"
                ));
            }
            if mode.demo {
                // So `<data dir>/demo-runbooks/*.md` can be run without opening the console first.
                crate::runbook::worker::write_demo(&crate::runbook::demo_dir())
                    .map_err(|e| eyre!("demo runbooks: {e}"))?;
            }
            let rb = parse::load(&file)?;
            let given: Vec<(String, String)> = params
                .iter()
                .map(|p| subst::parse_kv(p))
                .collect::<std::result::Result<_, _>>()?;
            let actions = wire(cfg, mode, crate::audit::AuditLog::default_location()).actions;
            let dir = crate::paths::journal_dir();
            let session = if resume {
                let secrets = ask_secrets(&rb, &given, out)?;
                let s = Session::resume(rb, &dir, &secrets, force, skip_bad_lines)?;
                out.line(format_args!(
                    "resuming run {} of {} at step {}",
                    s.run_id(),
                    s.runbook.meta.title,
                    s.walker.current().map(|i| i + 1).unwrap_or(s.walker.len())
                ))?;
                s
            } else {
                let values = resolve_params(&rb, &given, out)?;
                if dry_run {
                    return dry(&rb, values, &actions, out).await;
                }
                let s = Session::start_with(rb, values, &dir, force, None)?;
                out.line(format_args!(
                    "run {} of {} ({})",
                    s.run_id(),
                    s.runbook.meta.title,
                    s.journal.path.display()
                ))?;
                s
            };
            walk(session, &actions, yes, out).await
        }
        RunbookCmd::Export {
            file,
            run,
            format: _,
        } => {
            let dir = crate::paths::journal_dir();
            let loaded = match run {
                Some(id) => crate::runbook::journal::by_id(&dir, &id)?,
                None => crate::runbook::journal::latest(&dir, &file, false)
                    .ok_or_else(|| eyre!("no run of {} in {}", file.display(), dir.display()))?,
            };
            out.print(crate::runbook::export::markdown(&loaded))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Lint every file; print `FILE:LINE: message` for each problem.
pub fn lint(files: &[std::path::PathBuf], out: &Out) -> Result<ExitCode, crate::out::OutError> {
    let mut bad = false;
    for f in files {
        match parse::load(f) {
            Ok(rb) => out.line(format_args!(
                "{}: ok ({} steps, {} params)",
                f.display(),
                rb.steps.len(),
                rb.params.len()
            ))?,
            Err(e) => {
                bad = true;
                out.error(e)?;
            }
        }
    }
    Ok(if bad {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn tty() -> bool {
    std::io::stdin().is_terminal()
}

fn prompt(q: &str, out: &Out) -> Result<String> {
    out.print(q)?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

/// Params from `--param`, defaults, and (on a TTY) answers for missing ones.
fn resolve_params(
    rb: &crate::runbook::model::Runbook,
    given: &[(String, String)],
    out: &Out,
) -> Result<BTreeMap<String, String>> {
    let mut given = given.to_vec();
    loop {
        match subst::resolve(&rb.params, &given) {
            Ok(v) => return Ok(v),
            Err(e) if e.invalid.is_empty() && tty() => {
                for name in &e.missing {
                    let p = rb.params.iter().find(|p| &p.name == name);
                    let desc = p.map(|p| p.description.as_str()).unwrap_or("");
                    let v = prompt(&format!("{name} ({desc}): "), out)?;
                    given.push((name.clone(), v));
                }
            }
            Err(e) => return Err(eyre!("{}: {e}", rb.path.display())),
        }
    }
}

/// On resume, secret params must be given again (or typed on a TTY).
fn ask_secrets(
    rb: &crate::runbook::model::Runbook,
    given: &[(String, String)],
    out: &Out,
) -> Result<BTreeMap<String, String>> {
    let mut secrets = BTreeMap::new();
    for p in rb.params.iter().filter(|p| p.secret) {
        let v = match given.iter().rev().find(|(k, _)| k == &p.name) {
            Some((_, v)) => v.clone(),
            None if tty() => prompt(
                &format!("{} (secret, not kept in the journal): ", p.name),
                out,
            )?,
            None => continue,
        };
        subst::check_value(p, &v)?;
        secrets.insert(p.name.clone(), v);
    }
    Ok(secrets)
}

async fn dry(
    rb: &crate::runbook::model::Runbook,
    values: BTreeMap<String, String>,
    actions: &crate::action::Actions,
    out: &Out,
) -> Result<ExitCode> {
    let params = Params::new(rb, values);
    out.line(format_args!(
        "dry run of {}: nothing will be run or journaled",
        rb.meta.title
    ))?;
    for step in &rb.steps {
        out.line(format_args!("\n## {}. {}", step.index + 1, step.title))?;
        if step.is_manual() {
            out.line("  (manual step: the operator does it and marks it done)")?;
            continue;
        }
        let plan = crate::runbook::exec::plan(rb, step.index, &params, actions).await;
        out.print(plan.to_text())?;
        // Action previews are recorded as dry runs, like `warroom action --dry-run`.
        for b in &plan.blocks {
            for (spec, preview) in &b.actions {
                if let Ok(p) = preview {
                    let _ = actions.record_not_run(
                        spec,
                        p,
                        "runbook:dry-run",
                        crate::action::Disposition::DryRun,
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Why a step was not confirmed (the run stays open).
#[derive(Debug, thiserror::Error)]
enum ConfirmError {
    #[error(
        "{what} needs confirmation and there is no TTY to ask on: pass --yes (or --dry-run to look)"
    )]
    NoTty { what: String },
    #[error("cannot ask on the terminal: {0}")]
    Prompt(String),
}

/// Ask for (or refuse without) the confirmation a step needs.
fn confirm(c: &Confirm, yes: bool, what: &str, out: &Out) -> Result<bool, ConfirmError> {
    if yes || *c == Confirm::None {
        return Ok(true);
    }
    if !tty() {
        return Err(ConfirmError::NoTty {
            what: what.to_string(),
        });
    }
    let answer = match c {
        Confirm::Typed(word) => {
            prompt(&format!("Type {word} to run {what}: "), out).map(|a| a == *word)
        }
        _ => prompt(&format!("Run {what}? [y/N] "), out)
            .map(|a| matches!(a.as_str(), "y" | "Y" | "yes")),
    };
    answer.map_err(|e| ConfirmError::Prompt(e.to_string()))
}

/// `confirm` without blocking Ctrl-C: once a step has run, warroom watches
/// SIGINT itself (to stop the step's process group), so a prompt must too.
async fn confirm_async(
    c: Confirm,
    yes: bool,
    what: String,
    out: &Out,
) -> Result<bool, ConfirmError> {
    if yes || c == Confirm::None || !tty() {
        return confirm(&c, yes, &what, out);
    }
    let task = {
        let out = out.clone();
        tokio::task::spawn_blocking(move || confirm(&c, false, &what, &out))
    };
    tokio::select! {
        r = task => r.unwrap_or_else(|e| Err(ConfirmError::Prompt(e.to_string()))),
        _ = tokio::signal::ctrl_c() => {
            let _ = out.error("\ninterrupted: nothing was run; the run stays open (--resume continues it)");
            // The prompt's thread is blocked reading stdin; do not wait for it.
            std::process::exit(130)
        }
    }
}

/// Walk an open session to the end (or the first failure / refusal), printing
/// as it goes. `yes` answers every confirmation.
pub async fn walk(
    mut s: Session,
    actions: &crate::action::Actions,
    yes: bool,
    out: &Out,
) -> Result<ExitCode> {
    let sink: Sink = {
        // A line that cannot be printed is lost, not fatal: the step runs to
        // its end and is journaled; the next header then fails and stops.
        let out = out.clone();
        Arc::new(move |line: String| {
            let _ = out.line(format_args!("  | {}", crate::text::sanitize(&line)));
        })
    };
    while let Some(i) = s.walker.current() {
        let step = s.runbook.steps[i].clone();
        out.line(format_args!(
            "\n== step {}/{}: {}   [{}]",
            i + 1,
            s.walker.len(),
            step.title,
            s.walker.clock(jiff::Timestamp::now())
        ))?;
        if !step.prose.is_empty() {
            for l in step.prose.lines() {
                out.line(format_args!("   {}", crate::text::sanitize(l)))?;
            }
        }
        if step.is_manual() {
            match confirm_async(
                Confirm::Yes,
                yes,
                format!("manual step {} (mark it done)", i + 1),
                out,
            )
            .await
            {
                Ok(true) => {
                    s.mark_done(i)?;
                    out.line(format_args!(
                        "✓ step {} marked done{}",
                        i + 1,
                        if yes { " (--yes)" } else { "" }
                    ))?;
                    continue;
                }
                Ok(false) => return stopped(&s, i, "not marked done", out),
                Err(e) => return refused(&s, i, &e.to_string(), out),
            }
        }
        if s.walker.status(i) == crate::runbook::walker::StepStatus::Failed {
            s.retry(i)?;
        }
        let plan = s.plan(i, actions).await;
        out.print(plan.to_text())?;
        if let Some(e) = plan.error().map(ToString::to_string) {
            s.fail_unrunnable(&plan, &e)?;
            return stopped(&s, i, &e, out);
        }
        match confirm_async(plan.confirm.clone(), yes, format!("step {}", i + 1), out).await {
            Ok(true) => {}
            Ok(false) => return stopped(&s, i, "not confirmed", out),
            Err(e) => return refused(&s, i, &e.to_string(), out),
        }
        let res = s.run_step(&plan, actions, sink.clone()).await?;
        if res.passed {
            out.line(format_args!("✓ step {} passed", i + 1))?;
        } else {
            return stopped(&s, i, res.error.as_deref().unwrap_or("failed"), out);
        }
    }
    s.finish("completed")?;
    let now = jiff::Timestamp::now();
    out.line(format_args!(
        "\n✓ {} completed in {}",
        s.runbook.meta.title,
        s.walker.clock(now)
    ))?;
    if let Some(r) = s.walker.recovered {
        let got = s
            .walker
            .started
            .map(|st| r.as_second() - st.as_second())
            .unwrap_or(0);
        out.line(format_args!(
            "  recovered (last check passed) after {}",
            crate::text::human_duration(std::time::Duration::from_secs(got.max(0) as u64))
        ))?;
    }
    out.line(format_args!("  journal: {}", s.journal.path.display()))?;
    Ok(ExitCode::SUCCESS)
}

fn stopped(s: &Session, i: usize, why: &str, out: &Out) -> Result<ExitCode> {
    let (step, again) = (step_name(s, i), resume_line(s));
    out.error(format_args!(
        "✗ step {step} failed: {why}\n  stopped. Fix the cause, then: {again}"
    ))?;
    Ok(ExitCode::from(1))
}

fn refused(s: &Session, i: usize, why: &str, out: &Out) -> Result<ExitCode> {
    let (step, again) = (step_name(s, i), resume_line(s));
    out.error(format_args!(
        "✗ refusing step {step}: {why}\n  the run stays open: {again} --yes"
    ))?;
    Ok(ExitCode::from(1))
}

/// `2 (Restart the API)`.
fn step_name(s: &Session, i: usize) -> String {
    format!("{} ({})", i + 1, s.runbook.steps[i].title)
}

/// The command that continues the run.
fn resume_line(s: &Session) -> String {
    format!("warroom runbook run {} --resume", s.runbook.path.display())
}
