//! Container log streams for the shared log viewer.
//!
//! The engine multiplexes stdout and stderr in frames that need not end on a
//! line boundary (long lines are split, TTY output arrives in arbitrary
//! chunks), so lines are reassembled per stream, stamped from the engine's
//! `timestamps=true` prefix, and sent in batches: at most every
//! [`FLUSH_EVERY`] or [`BATCH_LINES`] lines, so a chatty container cannot flood
//! the main loop.

use super::Update;
use super::error::DockerError;
use crate::source::UpdateTx;
use crate::target::{LogChunk, LogLine, LogTarget, Stream};
use bollard::Docker;
use bollard::container::LogOutput;
use bollard::query_parameters::LogsOptionsBuilder;
use futures::StreamExt;
use std::sync::Arc;
use std::time::Duration;

const FLUSH_EVERY: Duration = Duration::from_millis(100);
const BATCH_LINES: usize = 1000;
/// Longer lines are cut (the engine splits them at 16 KiB; a runaway line
/// must not grow without bound).
const MAX_LINE: usize = 256 * 1024;

/// What to stream, from `Command::StreamLogs`.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRequest {
    pub name: String,
    pub follow: bool,
    pub since_seconds: Option<i64>,
    pub tail_lines: Option<usize>,
}

/// Reassembles lines from frames of one output stream.
#[derive(Default)]
pub struct LineSplitter {
    partial: String,
}

/// `2026-11-23T09:21:27.403179055Z rest` → (ns, rest).
pub fn split_timestamp(line: &str) -> (Option<i128>, &str) {
    if let Some((head, rest)) = line.split_once(' ')
        && head.len() >= 20
        && head.as_bytes()[4] == b'-'
        && let Ok(ts) = head.parse::<jiff::Timestamp>()
    {
        return (Some(ts.as_nanosecond()), rest);
    }
    (None, line)
}

impl LineSplitter {
    /// Feed one frame; complete lines come out as (timestamp ns, text).
    pub fn push(&mut self, chunk: &str, out: &mut Vec<(Option<i128>, String)>) {
        let mut rest = chunk;
        // A continuation frame of a split line repeats the timestamp prefix.
        if !self.partial.is_empty() {
            let (ts, r) = split_timestamp(rest);
            if ts.is_some() {
                rest = r;
            }
        }
        while let Some(pos) = rest.find('\n') {
            self.append(&rest[..pos]);
            let line = std::mem::take(&mut self.partial);
            let line = line.strip_suffix('\r').unwrap_or(&line);
            let (ts, text) = split_timestamp(line);
            out.push((ts, text.to_string()));
            rest = &rest[pos + 1..];
        }
        self.append(rest);
    }

    fn append(&mut self, s: &str) {
        let room = MAX_LINE.saturating_sub(self.partial.len());
        if s.len() <= room {
            self.partial.push_str(s);
        } else {
            let mut cut = room;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            self.partial.push_str(&s[..cut]);
        }
    }

    /// The unterminated rest at the end of the stream.
    pub fn finish(&mut self) -> Option<(Option<i128>, String)> {
        if self.partial.is_empty() {
            return None;
        }
        let line = std::mem::take(&mut self.partial);
        let (ts, text) = split_timestamp(&line);
        Some((ts, text.to_string()))
    }
}

/// Stream one container's log until it ends, the app goes away, or the task
/// is aborted (a newer StreamLogs / StopLogs). Always ends with `Ended`.
pub async fn stream(docker: Docker, req: LogRequest, updates: UpdateTx<crate::containers::Update>) {
    let target = LogTarget::Container {
        name: req.name.clone(),
    };
    let labels = Arc::new(vec![("container".to_string(), req.name.clone())]);
    let mut opts = LogsOptionsBuilder::new()
        .stdout(true)
        .stderr(true)
        .follow(req.follow)
        .timestamps(true)
        .tail(
            &req.tail_lines
                .map(|n| n.to_string())
                .unwrap_or_else(|| "all".into()),
        );
    if let Some(secs) = req.since_seconds {
        let since = jiff::Timestamp::now().as_second() - secs.max(0);
        opts = opts.since(i32::try_from(since).unwrap_or(0));
    }
    let mut logs = docker.logs(&req.name, Some(opts.build()));
    let mut out_split = LineSplitter::default();
    let mut err_split = LineSplitter::default();
    let mut batch: Vec<LogLine> = Vec::new();
    let mut lines = Vec::new();
    let mut deadline = tokio::time::Instant::now() + FLUSH_EVERY;
    let error = loop {
        let next = tokio::time::timeout_at(deadline, logs.next()).await;
        let item = match next {
            Err(_) => {
                if !flush(&updates, &target, &mut batch).await {
                    return;
                }
                deadline = tokio::time::Instant::now() + FLUSH_EVERY;
                continue;
            }
            Ok(None) => break None,
            Ok(Some(Err(e))) => break Some(log_error(&req.name, &e)),
            Ok(Some(Ok(item))) => item,
        };
        let (stream, splitter) = match &item {
            LogOutput::StdErr { .. } => (Stream::Stderr, &mut err_split),
            _ => (Stream::Stdout, &mut out_split),
        };
        let bytes = item.into_bytes();
        splitter.push(&String::from_utf8_lossy(&bytes), &mut lines);
        for (ts_ns, text) in lines.drain(..) {
            batch.push(LogLine {
                ts_ns,
                stream,
                labels: labels.clone(),
                text,
            });
        }
        if batch.len() >= BATCH_LINES {
            if !flush(&updates, &target, &mut batch).await {
                return;
            }
            deadline = tokio::time::Instant::now() + FLUSH_EVERY;
        }
    };
    for (splitter, stream) in [
        (&mut out_split, Stream::Stdout),
        (&mut err_split, Stream::Stderr),
    ] {
        if let Some((ts_ns, text)) = splitter.finish() {
            batch.push(LogLine {
                ts_ns,
                stream,
                labels: labels.clone(),
                text,
            });
        }
    }
    if flush(&updates, &target, &mut batch).await {
        let _ = updates
            .send(Update::LogStream(LogChunk::Ended { target, error }))
            .await;
    }
}

fn log_error(name: &str, e: &bollard::errors::Error) -> String {
    match DockerError::from(e) {
        DockerError::Engine { status: 404, .. } => format!("no container named {name}"),
        other => format!("log stream of {name} failed: {other}"),
    }
}

/// Send the batch; false once the app has gone away.
async fn flush(
    updates: &UpdateTx<crate::containers::Update>,
    target: &LogTarget,
    batch: &mut Vec<LogLine>,
) -> bool {
    if batch.is_empty() {
        return !updates.is_closed();
    }
    let lines = std::mem::take(batch);
    updates
        .send(Update::LogStream(LogChunk::Lines {
            target: target.clone(),
            lines,
        }))
        .await
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_reassembled_into_stamped_lines() {
        let mut s = LineSplitter::default();
        let mut out = Vec::new();
        s.push(
            "2026-11-23T09:21:27.403179055Z hello\n2026-11-23T09:21:28Z par",
            &mut out,
        );
        s.push("2026-11-23T09:21:28Z tial\r\n", &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].1, "hello");
        assert!(out[0].0.is_some());
        assert_eq!(out[1].1, "partial");
        s.push("no newline at end", &mut out);
        assert_eq!(s.finish().unwrap().1, "no newline at end");
    }

    #[test]
    fn runaway_lines_are_cut_not_grown() {
        let mut s = LineSplitter::default();
        let mut out = Vec::new();
        let big = "é".repeat(MAX_LINE);
        s.push(&big, &mut out);
        s.push(&big, &mut out);
        s.push("\n", &mut out);
        assert_eq!(out.len(), 1);
        assert!(out[0].1.len() <= MAX_LINE);
    }
}
