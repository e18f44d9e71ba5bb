//! The incident timeline as Markdown, for the postmortem: every step and
//! console action with its time, operator, command, exit status, output
//! excerpt and notes, and the achieved RTO/RPO against the targets.

use super::journal::{Entry, Loaded};
use std::fmt::Write;
use std::path::Path;
use std::time::Duration;

/// Output lines quoted per step.
const EXCERPT_LINES: usize = 12;

fn hms(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%d %H:%M:%SZ").to_string()
}

fn dur(d: Duration) -> String {
    crate::text::human_duration(d)
}

fn between(a: jiff::Timestamp, b: jiff::Timestamp) -> Duration {
    Duration::from_secs(b.as_second().saturating_sub(a.as_second()).max(0) as u64)
}

/// A fenced block whose fence cannot be closed by the content.
fn fenced(out: &mut String, lang: &str, body: &str) {
    let mut fence = "```".to_string();
    while body.contains(&fence) {
        fence.push('`');
    }
    let _ = writeln!(out, "{fence}{lang}\n{}\n{fence}", body.trim_end());
}

/// What was achieved, from the journal.
#[derive(Debug, Clone, PartialEq)]
pub struct Achieved {
    pub rto_target: Option<Duration>,
    pub rto: Option<Duration>,
    pub rpo_target: Option<Duration>,
    pub rpo: Option<Duration>,
    pub restore_point: Option<jiff::Timestamp>,
}

pub fn achieved(l: &Loaded) -> Achieved {
    let (start, rto_target, rpo_target) = match l.entries.first() {
        Some(Entry::RunStarted {
            ts,
            rto_secs,
            rpo_secs,
            ..
        }) => (
            *ts,
            rto_secs.map(Duration::from_secs),
            rpo_secs.map(Duration::from_secs),
        ),
        _ => (jiff::Timestamp::UNIX_EPOCH, None, None),
    };
    let last_check = l.entries.iter().rev().find_map(|e| match e {
        Entry::StepFinished { ts, checks, .. } if checks.iter().any(|c| c.passed) => Some(*ts),
        _ => None,
    });
    let restore_point = l.entries.iter().rev().find_map(|e| match e {
        Entry::Action {
            ok: true,
            restore_point_time: Some(t),
            ..
        } => Some(*t),
        _ => None,
    });
    Achieved {
        rto_target,
        rto: last_check.map(|t| between(start, t)),
        rpo_target,
        // Data written after the restore point and before the incident
        // started is what was lost.
        rpo: restore_point.map(|p| between(p, start)),
        restore_point,
    }
}

fn verdict(target: Option<Duration>, got: Option<Duration>) -> String {
    match (target, got) {
        (Some(t), Some(g)) if g <= t => format!("{} (target {}: met)", dur(g), dur(t)),
        (Some(t), Some(g)) => format!("{} (target {}: MISSED)", dur(g), dur(t)),
        (Some(t), None) => format!("not achieved yet (target {})", dur(t)),
        (None, Some(g)) => format!("{} (no target)", dur(g)),
        (None, None) => "n/a".to_string(),
    }
}

fn excerpt(journal_dir: &Path, file: &str) -> Option<String> {
    let text = std::fs::read(journal_dir.join(file)).ok()?;
    let text = String::from_utf8_lossy(&text);
    let lines: Vec<&str> = text.lines().collect();
    let skip = lines.len().saturating_sub(EXCERPT_LINES);
    let mut out = String::new();
    if skip > 0 {
        let _ = writeln!(out, "… ({skip} earlier lines in the output file)");
    }
    for l in &lines[skip..] {
        out.push_str(&crate::text::sanitize(l));
        out.push('\n');
    }
    Some(out)
}

/// One merged observed line: `### 03:10:02Z — pod crashed ×200 (03:10:02Z – 03:40:11Z): place`.
fn observed_line(out: &mut String, h: &super::timeline::Line) {
    let span = if h.count > 1 {
        format!(" ({} – {})", hms(h.at), hms(h.last))
    } else {
        String::new()
    };
    let _ = write!(out, "### {} — {}{span}", hms(h.at), h.what_counted());
    if !h.place.is_empty() {
        let _ = write!(out, ": {}", h.place);
    }
    out.push_str("\n\n");
    if !h.detail.is_empty() {
        let _ = writeln!(out, "- {}\n", h.detail);
    }
}

/// Render the timeline of a loaded journal as Markdown.
pub fn markdown(l: &Loaded) -> String {
    let journal_dir = l.path.parent().unwrap_or(Path::new("."));
    let mut out = String::new();
    let Some(Entry::RunStarted {
        run,
        ts: start,
        operator,
        runbook,
        runbook_hash,
        title,
        params,
        secret_params,
        steps,
        alert,
        ..
    }) = l.entries.first()
    else {
        return "(not a runbook journal)\n".into();
    };
    let s = |t: &str| crate::text::sanitize(t).into_owned();
    let _ = writeln!(out, "# Incident timeline: {}\n", s(title));
    let _ = writeln!(out, "- Run: `{run}`");
    if runbook.is_empty() {
        let _ = writeln!(out, "- Runbook: none (incident opened from the console)");
    } else {
        let _ = writeln!(
            out,
            "- Runbook: `{}` (sha256 `{}`)",
            s(runbook),
            &runbook_hash[..runbook_hash.len().min(12)]
        );
    }
    let _ = writeln!(out, "- Started: {} by {}", hms(*start), s(operator));
    if let Some(a) = alert {
        let labels: Vec<String> = a
            .labels
            .iter()
            .filter(|(k, _)| *k != "alertname")
            .map(|(k, v)| format!("{k}={v:?}"))
            .collect();
        let since = a
            .starts_at
            .map(|t| format!(", active since {}", hms(t)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "- Opened from alert: {}{{{}}}{since} (fingerprint `{}`, from {})",
            s(&a.name),
            s(&labels.join(", ")),
            s(&a.fingerprint),
            s(&a.sources.join(", "))
        );
    }
    let end = l.entries.iter().rev().find_map(|e| match e {
        Entry::RunFinished { ts, status, .. } => Some((*ts, status.clone())),
        _ => None,
    });
    match &end {
        Some((ts, status)) => {
            let _ = writeln!(
                out,
                "- Finished: {} ({status}, after {})",
                hms(*ts),
                dur(between(*start, *ts))
            );
        }
        None => {
            let _ = writeln!(
                out,
                "- Finished: no (the run is still open or was interrupted)"
            );
        }
    }
    let a = achieved(l);
    let _ = writeln!(
        out,
        "- Achieved RTO (start → last passing check): {}",
        verdict(a.rto_target, a.rto)
    );
    let rpo = verdict(a.rpo_target, a.rpo);
    match a.restore_point {
        Some(p) => {
            let _ = writeln!(out, "- Achieved RPO (restore point {}): {rpo}", hms(p));
        }
        None if a.rpo_target.is_some() => {
            let _ = writeln!(
                out,
                "- Achieved RPO: no restore recorded (target {})",
                dur(a.rpo_target.unwrap_or_default())
            );
        }
        None => {}
    }
    if l.torn {
        let _ = writeln!(
            out,
            "- Note: the journal's last entry was cut off (crash or kill) and is not shown"
        );
    }
    for e in l.bad_entry_errors() {
        let _ = writeln!(out, "- Damaged: {}", s(&e.to_string()));
    }
    if !params.is_empty() || !secret_params.is_empty() {
        let _ = writeln!(out, "\n## Parameters\n\n| name | value |\n|---|---|");
        for (k, v) in params {
            let _ = writeln!(out, "| {} | `{}` |", s(k), s(v).replace('|', "\\|"));
        }
        for k in secret_params {
            let _ = writeln!(out, "| {} | (secret, not recorded) |", s(k));
        }
    }
    let _ = writeln!(out, "\n## Timeline\n");
    let title_of = |i: usize| {
        steps
            .get(i)
            .map(|r| s(&r.title))
            .unwrap_or_else(|| "?".into())
    };
    let mut started_at: std::collections::BTreeMap<usize, jiff::Timestamp> = Default::default();
    // Observed changes merged per change and place, printed where each run
    // of them began (journal order is the order they were seen in).
    let heads = super::timeline::observed_heads(&l.entries);
    for (i, e) in l.entries.iter().enumerate() {
        match e {
            Entry::Observed { .. } => {
                if let Some(h) = heads.get(&i) {
                    observed_line(&mut out, h);
                }
            }
            Entry::ObservedDropped {
                ts, since, count, ..
            } => {
                let _ = writeln!(
                    out,
                    "### {} — {count} observed changes not recorded (over {} new lines a minute, since {})\n",
                    hms(*ts),
                    super::coalesce::CAP_PER_MINUTE,
                    hms(*since)
                );
            }
            // Process group ids matter to a resume, not to the timeline.
            Entry::RunStarted { .. } | Entry::StepProcess { .. } => {}
            Entry::Resumed {
                ts,
                operator,
                forced,
                ..
            } => {
                let _ = writeln!(
                    out,
                    "### {} — run resumed by {}{}\n",
                    hms(*ts),
                    s(operator),
                    if *forced {
                        " (forced: the runbook had changed)"
                    } else {
                        ""
                    }
                );
            }
            Entry::StepStarted {
                ts,
                operator,
                step,
                commands,
                ..
            } => {
                started_at.insert(*step, *ts);
                let _ = writeln!(
                    out,
                    "### {} — step {}: {} (started by {})\n",
                    hms(*ts),
                    step + 1,
                    title_of(*step),
                    s(operator)
                );
                if !commands.is_empty() {
                    fenced(
                        &mut out,
                        "",
                        &commands.iter().map(|c| s(c)).collect::<Vec<_>>().join("\n"),
                    );
                    out.push('\n');
                }
            }
            Entry::StepFinished {
                ts,
                step,
                status,
                exit,
                output_file,
                output_sha256,
                checks,
                error,
                operator,
            } => {
                let took = started_at
                    .get(step)
                    .map(|t| format!(" after {}", dur(between(*t, *ts))))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "### {} — step {}: {} **{}**{took} ({})\n",
                    hms(*ts),
                    step + 1,
                    title_of(*step),
                    status.label(),
                    s(operator)
                );
                let before = out.len();
                if let Some(c) = exit {
                    let _ = writeln!(out, "- exit status: {c}");
                }
                for c in checks {
                    let _ = writeln!(
                        out,
                        "- check {}: `{}` — {}",
                        if c.passed { "passed" } else { "FAILED" },
                        s(&c.command),
                        s(&c.detail)
                    );
                }
                if let Some(e) = error {
                    let _ = writeln!(out, "- error: {}", s(e));
                }
                if let (Some(f), Some(sha)) = (output_file, output_sha256) {
                    let _ = writeln!(
                        out,
                        "- output: `{}` (sha256 `{}`)\n",
                        s(f),
                        &sha[..sha.len().min(12)]
                    );
                    if let Some(x) = excerpt(journal_dir, f) {
                        fenced(&mut out, "text", &x);
                    }
                }
                if out.len() > before {
                    out.push('\n');
                }
            }
            Entry::StepSkipped {
                ts,
                operator,
                step,
                reason,
            } => {
                let _ = writeln!(
                    out,
                    "### {} — step {}: {} **skipped** by {}\n\n- reason: {}\n",
                    hms(*ts),
                    step + 1,
                    title_of(*step),
                    s(operator),
                    s(reason)
                );
            }
            Entry::StepDone { ts, operator, step } => {
                let _ = writeln!(
                    out,
                    "### {} — step {}: {} **done** (manual, by {})\n",
                    hms(*ts),
                    step + 1,
                    title_of(*step),
                    s(operator)
                );
            }
            Entry::Note {
                ts,
                operator,
                step,
                text,
            } => {
                let on = step
                    .map(|i| format!(" on step {}", i + 1))
                    .unwrap_or_default();
                let _ = writeln!(out, "### {} — note{on} by {}\n", hms(*ts), s(operator));
                for line in crate::text::sanitize_multiline(text).lines() {
                    let _ = writeln!(out, "> {line}");
                }
                out.push('\n');
            }
            Entry::Action {
                ts,
                operator,
                origin,
                step,
                command,
                ok,
                message,
                restore_point_time,
            } => {
                let from = match step {
                    Some(i) => format!("step {}", i + 1),
                    None => format!("console ({})", s(origin)),
                };
                let _ = writeln!(
                    out,
                    "### {} — action `{}` {} ({from}, by {})\n",
                    hms(*ts),
                    s(command),
                    if *ok { "ok" } else { "**FAILED**" },
                    s(operator)
                );
                if !message.is_empty() {
                    let _ = writeln!(out, "- result: {}", s(message));
                }
                if let Some(p) = restore_point_time {
                    let _ = writeln!(out, "- restore point: {}", hms(*p));
                }
                out.push('\n');
            }
            Entry::RunFinished {
                ts,
                operator,
                status,
            } => {
                let _ = writeln!(out, "### {} — run {status} ({})\n", hms(*ts), s(operator));
            }
            Entry::Repaired {
                ts,
                operator,
                original,
                cut_bytes,
                skipped_lines,
                ..
            } => {
                let _ = writeln!(
                    out,
                    "### {} — journal repaired by {} (original kept as `{}`)\n",
                    hms(*ts),
                    s(operator),
                    s(original)
                );
                if *cut_bytes > 0 {
                    let _ = writeln!(out, "- torn last line cut: {cut_bytes} bytes");
                }
                if !skipped_lines.is_empty() {
                    let lines: Vec<String> = skipped_lines.iter().map(usize::to_string).collect();
                    let _ = writeln!(out, "- bad lines skipped: {}", lines.join(", "));
                }
                out.push('\n');
            }
        }
    }
    out.trim_end().to_string() + "\n"
}
