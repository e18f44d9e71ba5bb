//! The demo's simulated Prometheus: deterministic series shaped like the
//! seeds' dashboards (request rates by service and code, 5xx ratios, p95
//! latency, memory, `up`), computed from the query's words and the time, so
//! every range and refresh is consistent. Nothing is contacted.

use super::api::{Answered, MetricsApi, MetricsError, RangeQuery};
use super::parse::{Labels, Point, QueryResult, Sample, Series};

pub struct DemoMetrics;

const SERVICES: &[&str] = &["api", "checkout", "dispatch", "payments"];

/// Metric names the demo knows (what completion offers).
pub const NAMES: &[&str] = &[
    "container_cpu_usage_seconds_total",
    "container_memory_working_set_bytes",
    "http_request_duration_seconds_bucket",
    "http_requests_total",
    "pg_stat_activity_count",
    "up",
];

#[derive(Clone, Copy)]
enum Family {
    Rate,
    Ratio,
    Latency,
    Memory,
    Up,
    Connections,
}

fn family(query: &str) -> Family {
    let q = query.to_ascii_lowercase();
    if q.contains("memory") || q.contains("_bytes") {
        Family::Memory
    } else if q.contains("quantile") || q.contains("duration") || q.contains("latency") {
        Family::Latency
    } else if q.contains("ratio") || q.contains("5..") || q.contains(" / ") {
        Family::Ratio
    } else if q.contains("pg_") || q.contains("connections") {
        Family::Connections
    } else if super::units::metric_names(&q)
        .first()
        .is_some_and(|m| m == "up")
    {
        Family::Up
    } else {
        Family::Rate
    }
}

/// Noise in [0, 1), stable for a (series, time) pair.
fn noise(seed: u64, t: f64) -> f64 {
    let mut x = seed ^ (t as i64 as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    (x % 10_000) as f64 / 10_000.0
}

fn value(f: Family, i: usize, t: f64) -> f64 {
    let seed = i as u64 + 1;
    let wave = (t / 900.0 + i as f64).sin();
    let n = noise(seed, t);
    // The incident: `checkout` degrades for ten minutes every hour.
    let incident = i == 1 && (t.rem_euclid(3600.0)) > 3000.0;
    match f {
        Family::Rate => 40.0 * (i + 1) as f64 + 10.0 * wave + 5.0 * n,
        Family::Ratio => {
            if incident {
                0.08 + 0.02 * n
            } else {
                0.002 + 0.003 * n
            }
        }
        Family::Latency => {
            let base = 0.05 + 0.03 * i as f64 + 0.01 * wave + 0.01 * n;
            if incident { base * 6.0 } else { base }
        }
        Family::Memory => (180.0 + 90.0 * i as f64 + 20.0 * wave + 5.0 * n) * 1024.0 * 1024.0,
        Family::Up => {
            if incident {
                0.0
            } else {
                1.0
            }
        }
        Family::Connections => 12.0 + 4.0 * i as f64 + 3.0 * wave + (n * 2.0).round(),
    }
}

fn labels(f: Family, i: usize) -> Labels {
    let mut l = Labels::new();
    l.insert("namespace".into(), "shop".into());
    l.insert("service".into(), SERVICES[i].into());
    match f {
        Family::Memory => {
            l.insert("pod".into(), format!("{}-7d9f8-x{i}q", SERVICES[i]));
            l.insert("container".into(), SERVICES[i].into());
        }
        Family::Up => {
            l.insert("__name__".into(), "up".into());
            l.insert("job".into(), SERVICES[i].into());
        }
        _ => {}
    }
    l
}

/// A PromQL-looking refusal for unbalanced brackets, as Prometheus words it.
fn check(query: &str) -> Result<(), MetricsError> {
    let mut depth: i32 = 0;
    for (i, c) in query.char_indices() {
        match c {
            '(' | '{' | '[' => depth += 1,
            ')' | '}' | ']' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return Err(bad(format!(
                "1:{}: parse error: unexpected right bracket",
                i + 1
            )));
        }
    }
    if query.trim().is_empty() {
        return Err(bad("1:1: parse error: no expression found in input".into()));
    }
    if depth > 0 {
        return Err(bad(format!(
            "1:{}: parse error: unclosed left bracket",
            query.len() + 1
        )));
    }
    Ok(())
}

fn bad(error: String) -> MetricsError {
    MetricsError::Prometheus {
        status: 400,
        error_type: "bad_data".into(),
        error: format!("invalid parameter \"query\": {error}"),
    }
}

fn count(f: Family) -> usize {
    match f {
        Family::Up | Family::Rate => SERVICES.len(),
        _ => 3,
    }
}

#[async_trait::async_trait]
impl MetricsApi for DemoMetrics {
    async fn query_range(&self, q: &RangeQuery) -> Result<Answered, MetricsError> {
        check(&q.query)?;
        let f = family(&q.query);
        let step = q.step.as_secs_f64().max(1.0);
        let first = (q.start / step).ceil() * step;
        let series = (0..count(f))
            .map(|i| Series {
                labels: labels(f, i),
                points: std::iter::successors(Some(first), |t| Some(t + step))
                    .take_while(|t| *t <= q.end)
                    .map(|t| Point {
                        t,
                        v: value(f, i, t),
                    })
                    .collect(),
            })
            .collect();
        Ok(Answered {
            result: QueryResult::Matrix(series),
            warnings: Vec::new(),
        })
    }

    async fn query(&self, query: &str, at: Option<f64>) -> Result<Answered, MetricsError> {
        check(query)?;
        let f = family(query);
        let t = at.unwrap_or_else(|| jiff::Timestamp::now().as_millisecond() as f64 / 1000.0);
        let samples = (0..count(f))
            .map(|i| Sample {
                labels: labels(f, i),
                point: Point {
                    t,
                    v: value(f, i, t),
                },
            })
            .collect();
        Ok(Answered {
            result: QueryResult::Vector(samples),
            warnings: Vec::new(),
        })
    }

    async fn label_names(&self, _: &[String]) -> Result<Vec<String>, MetricsError> {
        Ok([
            "__name__",
            "code",
            "container",
            "job",
            "namespace",
            "pod",
            "service",
        ]
        .map(String::from)
        .to_vec())
    }

    async fn label_values(&self, label: &str, _: &[String]) -> Result<Vec<String>, MetricsError> {
        Ok(match label {
            "__name__" => NAMES.iter().map(|s| s.to_string()).collect(),
            "service" | "job" | "container" => SERVICES.iter().map(|s| s.to_string()).collect(),
            "namespace" => vec!["shop".into()],
            "code" => vec!["200".into(), "404".into(), "500".into(), "503".into()],
            _ => Vec::new(),
        })
    }

    fn describe(&self) -> String {
        "DEMO (simulated Prometheus)".into()
    }
}
