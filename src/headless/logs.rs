//! `warroom logs`: Loki queries (paged like logcli), Loki tails, and pod or
//! container streams through the same workers the console uses. Every line is
//! printed sanitised, `--output raw` too (the line without timestamp and
//! labels, into a pipe as well); `--output jsonl` keeps the raw text,
//! JSON-escaped so no control byte reaches the terminal. Everything goes
//! through [`Out`], Loki's own error text on stderr included.

use crate::cli::{LogOutput, LogsArgs};
use crate::config::Config;
use crate::event::{Command as AnyCommand, Update as AnyUpdate};
use crate::logs::loki::client::LokiClient;
use crate::logs::loki::paging::{Boundary, fetch_page};
use crate::logs::loki::{Direction, LokiApi, LokiError, RangeQuery, TailEvent, TailState};
use crate::logs::timerange::TimeError;
use crate::logs::{LogLine, LogTarget, Update, format_ts};
use crate::out::{Out, OutError};
use crate::runtime::{Hub, Mode, wire};
use crate::source::{SourceKind, SourceStatus};
use color_eyre::eyre::{Result, eyre};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Lines per Loki request when paging (logcli's default batch).
pub const BATCH: usize = 1000;

pub async fn run(cfg: &Config, mode: Mode, args: LogsArgs, out: &Out) -> Result<ExitCode> {
    if let Some(src) = &args.source {
        let target = parse_source(src, cfg)?;
        let wiring = wire(cfg, mode, crate::audit::AuditLog::default_location());
        let hub = Hub::start(wiring.workers, wiring.idle);
        return stream_from_hub(hub, target, &args, cfg.general.source_timeout, out).await;
    }
    let query = args.query.clone().ok_or_else(|| {
        eyre!("give a LogQL query, e.g. warroom logs '{{app=\"api\"}} |= \"error\"', or --source pod:NS/NAME / container:NAME")
    })?;
    let api: Arc<dyn LokiApi> = if mode.demo {
        Arc::new(crate::logs::demo::DemoLoki::new())
    } else {
        match &cfg.loki {
            None => {
                return Err(eyre!(
                    "Loki is not configured: {}",
                    crate::logs::worker::NOT_CONFIGURED_HINT
                ));
            }
            Some(l) => Arc::new(LokiClient::new(l).map_err(|e| eyre!("{e}"))?),
        }
    };
    Ok(run_loki(api.as_ref(), &query, &args, crate::logs::now_ns(), out).await?)
}

/// `pod:NS/NAME[/CONTAINER]` or `container:NAME`.
pub fn parse_source(src: &str, cfg: &Config) -> Result<LogTarget> {
    if let Some(rest) = src.strip_prefix("pod:") {
        let parts: Vec<&str> = rest.split('/').collect();
        return match parts.as_slice() {
            [ns, name] | [ns, name, ""] if !ns.is_empty() && !name.is_empty() => {
                Ok(LogTarget::Pod {
                    context: cfg.kubernetes.context.clone(),
                    namespace: ns.to_string(),
                    name: name.to_string(),
                    container: None,
                    previous: false,
                })
            }
            [ns, name, c] if !ns.is_empty() && !name.is_empty() => Ok(LogTarget::Pod {
                context: cfg.kubernetes.context.clone(),
                namespace: ns.to_string(),
                name: name.to_string(),
                container: Some(c.to_string()),
                previous: false,
            }),
            _ => Err(eyre!(
                "bad --source {src:?}: use pod:NAMESPACE/NAME[/CONTAINER]"
            )),
        };
    }
    if let Some(name) = src.strip_prefix("container:").filter(|n| !n.is_empty()) {
        return Ok(LogTarget::Container {
            name: name.to_string(),
        });
    }
    Err(eyre!(
        "bad --source {src:?}: use pod:NAMESPACE/NAME[/CONTAINER] or container:NAME"
    ))
}

/// Why `warroom logs` could not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum LogsCliError {
    #[error(transparent)]
    Time(#[from] TimeError),
    #[error("--from {from} is not before --to")]
    FromNotBeforeTo { from: String },
    #[error("--to needs --from")]
    ToWithoutFrom,
    /// `--since` is not a duration (the parser's words).
    #[error("{0}")]
    Since(String),
    #[error(transparent)]
    Loki(#[from] LokiError),
    /// stdout or stderr went away (a closed pipe, a killed terminal).
    #[error(transparent)]
    Write(#[from] OutError),
}

/// (start, end) from --from/--to or --since.
pub fn range(args: &LogsArgs, now_ns: i128) -> Result<(i128, i128), LogsCliError> {
    let tr = crate::logs::timerange::parse_time;
    match (&args.from, &args.to) {
        (Some(f), to) => {
            let from = tr(f, now_ns)?;
            let to = match to {
                Some(t) => tr(t, now_ns)?,
                None => now_ns,
            };
            if from >= to {
                return Err(LogsCliError::FromNotBeforeTo { from: f.clone() });
            }
            Ok((from, to))
        }
        (None, Some(_)) => Err(LogsCliError::ToWithoutFrom),
        (None, None) => {
            let d = crate::text::parse_duration(&args.since)
                .map_err(|e| LogsCliError::Since(e.to_string()))?;
            Ok((now_ns - d.as_nanos() as i128, now_ns))
        }
    }
}

/// One printed line (without the trailing newline), terminal-safe in every format.
pub fn format_line(l: &LogLine, output: LogOutput) -> String {
    match output {
        LogOutput::Raw => crate::text::sanitize(&l.text).into_owned(),
        LogOutput::Default => {
            let mut s = String::new();
            if let Some(ts) = l.ts_ns {
                s.push_str(&format_ts(ts));
                s.push(' ');
            }
            if !l.labels.is_empty() {
                s.push_str(&crate::text::sanitize(&l.labels_text()));
                s.push(' ');
            }
            s.push_str(&crate::text::sanitize(&l.text));
            s
        }
        LogOutput::Jsonl => {
            let labels: serde_json::Map<String, serde_json::Value> = l
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            let v = serde_json::json!({
                "ts": l.ts_ns.map(format_ts),
                "ts_ns": l.ts_ns.map(|t| t.to_string()),
                "labels": labels,
                "line": l.text,
                "stream": match l.stream { crate::logs::Stream::Stdout => "stdout", crate::logs::Stream::Stderr => "stderr" },
            });
            // Every control escaped, so the edge passes it unchanged.
            crate::text::to_json_line(&v).unwrap_or_default()
        }
    }
}

fn print(out: &Out, l: &LogLine, output: LogOutput) -> Result<(), OutError> {
    out.line(format_line(l, output))
}

/// Print one tail event; `Some(error)` when Loki refused the tail for good.
fn follow_event(
    query: &str,
    ev: TailEvent,
    output: LogOutput,
    out: &Out,
) -> Result<Option<LokiError>, OutError> {
    match ev {
        TailEvent::Lines(lines) => {
            for l in &lines {
                print(out, l, output)?;
            }
        }
        TailEvent::Dropped(n) => out.error(format_args!(
            "warroom: Loki dropped {n} entries (the tail could not keep up)"
        ))?,
        TailEvent::State(TailState::Reconnecting { attempt, error }) => {
            out.error(format_args!(
                "warroom: tail reconnecting (attempt {attempt}): {error}"
            ))?;
        }
        TailEvent::State(TailState::Failed(e)) => return Ok(Some(e)),
        // stderr, so piped output stays log lines only.
        TailEvent::Gap {
            after_ns,
            before_ns,
        } => out.error(format_args!(
            "warroom: the tail reconnected and lines may be missing between {a} and {b}; \
             see them with: warroom logs {q} --from {a} --to {b}",
            q = crate::text::sanitize(&shlex::try_quote(query).unwrap_or_default()),
            a = format_ts(after_ns),
            b = format_ts(before_ns),
        ))?,
        TailEvent::State(_) => {}
    }
    Ok(None)
}

/// A Loki query (paged in batches without duplicates) or, with --follow, a
/// tail (which ends with Loki's error when Loki refuses it).
pub async fn run_loki(
    api: &dyn LokiApi,
    query: &str,
    args: &LogsArgs,
    now_ns: i128,
    out: &Out,
) -> Result<ExitCode, LogsCliError> {
    let (start_ns, end_ns) = range(args, now_ns)?;
    if args.follow {
        let (tx, mut rx) = tokio::sync::mpsc::channel(64);
        let tail = api.tail(query, start_ns, args.limit, tx);
        tokio::pin!(tail);
        let mut tail_done = false;
        loop {
            tokio::select! {
                // The tail ends by itself only when Loki refused it; its last
                // events are still queued, so keep reading until `rx` closes.
                _ = &mut tail, if !tail_done => tail_done = true,
                ev = rx.recv() => match ev {
                    Some(ev) => {
                        if let Some(e) = follow_event(query, ev, args.output, out)? {
                            return Err(e.into());
                        }
                    }
                    None => return Ok(ExitCode::SUCCESS),
                },
                _ = tokio::signal::ctrl_c() => return Ok(ExitCode::SUCCESS),
            }
        }
    }
    let direction = if args.forward {
        Direction::Forward
    } else {
        Direction::Backward
    };
    let mut remaining = args.limit;
    let mut boundary: Option<Boundary> = None;
    while remaining > 0 {
        let q = RangeQuery {
            query: query.to_string(),
            start_ns,
            end_ns,
            limit: remaining.min(BATCH),
            direction,
        };
        let page = fetch_page(api, &q, boundary.as_ref()).await?;
        for l in page.lines.iter().take(remaining) {
            print(out, l, args.output)?;
        }
        remaining = remaining.saturating_sub(page.lines.len());
        if !page.more {
            break;
        }
        boundary = page.boundary;
    }
    Ok(ExitCode::SUCCESS)
}

/// Pod or container logs through the workers: send StreamLogs, print the
/// lines for `target`, stop at `Ended` (unless --follow).
pub async fn stream_from_hub(
    mut hub: Hub,
    target: LogTarget,
    args: &LogsArgs,
    timeout: Duration,
    out: &Out,
) -> Result<ExitCode> {
    let since = if args.from.is_some() {
        let (from, _) = range(args, crate::logs::now_ns()).map_err(|e| eyre!(e))?;
        Some(((crate::logs::now_ns() - from) / 1_000_000_000).max(1) as i64)
    } else {
        crate::text::parse_duration(&args.since)
            .ok()
            .map(|d| d.as_secs() as i64)
    };
    let (kind, cmd) = match &target {
        LogTarget::Pod { .. } => (
            SourceKind::Kubernetes,
            AnyCommand::Workloads(crate::workloads::Command::StreamLogs {
                target: target.clone(),
                follow: args.follow,
                since_seconds: since,
                tail_lines: Some(args.limit as i64),
            }),
        ),
        LogTarget::Container { name } => (
            SourceKind::Docker,
            AnyCommand::Containers(crate::containers::Command::StreamLogs {
                name: name.clone(),
                follow: args.follow,
                since_seconds: since,
                tail_lines: Some(args.limit),
            }),
        ),
        LogTarget::Loki { .. } => return Err(eyre!("a Loki target needs a query, not --source")),
    };
    hub.send(cmd);
    let deadline = tokio::time::Instant::now() + timeout;
    let mut got_any = false;
    loop {
        tokio::select! {
            u = hub.updates.recv() => match u {
                None => {
                    return Err(eyre!(
                        "no log lines for {target}: no {} worker is running (is the source configured?)",
                        kind.label()
                    ));
                }
                Some(AnyUpdate::Logs(Update::Lines { target: t, lines })) if t == target => {
                    got_any = true;
                    for l in &lines {
                        print(out, l, args.output)?;
                    }
                }
                Some(AnyUpdate::Logs(Update::Ended { target: t, error })) if t == target => {
                    got_any = true;
                    if let Some(e) = &error {
                        out.error(format_args!("warroom: {target}: {}", crate::text::sanitize(e)))?;
                    }
                    if !args.follow {
                        return Ok(if error.is_some() { ExitCode::from(1) } else { ExitCode::SUCCESS });
                    }
                }
                Some(AnyUpdate::Status { source, status }) if source.kind == kind && !got_any => {
                    match status {
                        SourceStatus::Unreachable { reason, hint } => {
                            return Err(eyre!("{source} unreachable: {reason} — {hint}"));
                        }
                        SourceStatus::NotConfigured { hint } => {
                            return Err(eyre!("{source} not configured: {hint}"));
                        }
                        SourceStatus::Disabled => {
                            return Err(eyre!("{source} is disabled (enabled = false)"));
                        }
                        _ => {}
                    }
                }
                Some(_) => {}
            },
            _ = tokio::time::sleep_until(deadline), if !got_any => {
                return Err(eyre!(
                    "no log lines for {target} within {} (is the {} source running and does it stream logs?)",
                    humantime::format_duration(timeout),
                    kind.label()
                ));
            }
            _ = tokio::signal::ctrl_c() => return Ok(ExitCode::SUCCESS),
        }
    }
}
