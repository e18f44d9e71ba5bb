//! `warroom metrics QUERY [--since 1h | --start T --end T] [--step 30s]
//! [--prometheus NAME] [--format table|json|csv]`: one range query against
//! a configured Prometheus (or the demo's simulated one), printed as a table
//! of series with sparklines, as JSON with every point, or as CSV. Exit 0
//! when Prometheus answered (even with no series), 1 when it could not be
//! asked or refused the query (its own error text, then a hint), 2 for a bad
//! flag.

use crate::cli::{MetricsArgs, MetricsFormat};
use crate::config::Config;
use crate::metrics::shape::{distinguishing, legend, sparkline, step_for, top_n};
use crate::metrics::units::{self, Unit};
use crate::metrics::{Answered, MetricsApi, PromClient, RangeQuery, Series};
use crate::out::Out;
use crate::runtime::Mode;
use serde::Serialize;
use std::process::ExitCode;
use std::time::Duration;

/// Sparkline cells in the table; the default step puts one point in each.
pub const SPARK_WIDTH: u16 = 40;

pub async fn run(cfg: &Config, mode: Mode, args: MetricsArgs, out: &Out) -> ExitCode {
    let fail = |code: u8, message: &str, hint: Option<&str>| {
        let _ = out.error(format!("error: {message}"));
        if let Some(h) = hint {
            let _ = out.error(format!("  hint: {h}"));
        }
        ExitCode::from(code)
    };
    let now = jiff::Timestamp::now().as_millisecond() as f64 / 1000.0;
    let q = match range_query(&args, now) {
        Ok(q) => q,
        Err(e) => return fail(2, &e, None),
    };
    let (api, endpoint): (Box<dyn MetricsApi>, _) = if mode.demo {
        let _ = out.error("DEMO: simulated series (no Prometheus was contacted)");
        (Box::new(crate::metrics::demo::DemoMetrics), None)
    } else {
        let ep = match PromClient::pick(&cfg.prometheus, args.prometheus.as_deref()) {
            Ok(ep) => ep,
            Err(e) => return fail(1, &e.to_string(), Some(&e.hint(None))),
        };
        match PromClient::new(ep) {
            Ok(c) => (Box::new(c), Some(ep)),
            Err(e) => return fail(1, &e.to_string(), Some(&e.hint(Some(ep)))),
        }
    };
    let answered = match api.query_range(&q).await {
        Ok(a) => a,
        Err(e) => return fail(1, &e.to_string(), Some(&e.hint(endpoint))),
    };
    for w in &answered.warnings {
        let _ = out.error(format!("warning: {w}"));
    }
    let inferred = units::infer(&q.query);
    if let Some(s) = &inferred.suggest {
        let _ = out.error(format!("hint: a counter only grows; its rate is {s}"));
    }
    let printed = print(&q, answered, inferred.unit, args.format, out);
    match printed {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(crate::out::EXIT_GONE),
    }
}

fn print(
    q: &RangeQuery,
    answered: Answered,
    unit: Unit,
    format: MetricsFormat,
    out: &Out,
) -> Result<(), crate::out::OutError> {
    let series = answered.result.into_series();
    if series.is_empty() && format != MetricsFormat::Json {
        return out.error("No series: the query matched nothing in the range.");
    }
    match format {
        MetricsFormat::Table => out.print(table(&series, q, unit)),
        MetricsFormat::Json => out.line(to_json(&series, q, unit)),
        MetricsFormat::Csv => out.print(csv(&series)),
    }
}

/// The range from the flags: `--start`/`--end`, else `--since` ending now.
pub fn range_query(args: &MetricsArgs, now: f64) -> Result<RangeQuery, String> {
    let (start, end) = match &args.start {
        Some(s) => {
            let start = parse_time(s).map_err(|e| format!("--start: {e}"))?;
            let end = match &args.end {
                Some(e) => parse_time(e).map_err(|e| format!("--end: {e}"))?,
                None => now,
            };
            (start, end)
        }
        None => {
            let d =
                crate::text::parse_duration(&args.since).map_err(|e| format!("--since: {e}"))?;
            (now - d.as_secs_f64(), now)
        }
    };
    if end <= start {
        return Err("the range is empty: --end must be after --start".into());
    }
    let range = Duration::from_secs_f64(end - start);
    let step = match &args.step {
        Some(s) => {
            let d = crate::text::parse_duration(s).map_err(|e| format!("--step: {e}"))?;
            if d < Duration::from_secs(1) {
                return Err("--step: at least 1s".into());
            }
            if range.as_secs_f64() / d.as_secs_f64() > crate::metrics::api::MAX_POINTS as f64 {
                return Err(format!(
                    "--step: {s} gives more than Prometheus' 11,000 points per series over this range; use at least {}s",
                    step_for(range, u16::MAX).as_secs()
                ));
            }
            d
        }
        None => step_for(range, SPARK_WIDTH),
    };
    Ok(RangeQuery {
        query: args.query.clone(),
        start,
        end,
        step,
    })
}

/// RFC 3339 (`2024-05-01T10:00:00Z`) or unix seconds.
fn parse_time(s: &str) -> Result<f64, String> {
    if let Ok(secs) = s.trim().parse::<f64>() {
        return Ok(secs);
    }
    s.trim()
        .parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond() as f64 / 1000.0)
        .map_err(|e| format!("{s:?} is neither RFC 3339 nor unix seconds ({e})"))
}

/// One line per series, highest last value first: labels, last value, sparkline.
fn table(series: &[Series], q: &RangeQuery, unit: Unit) -> String {
    let (order, _) = top_n(series, series.len());
    let labels: Vec<_> = series.iter().map(|s| &s.labels).collect();
    let keys = distinguishing(&labels);
    let rows: Vec<(String, String, String)> = order
        .iter()
        .map(|&i| {
            let s = &series[i];
            (
                legend(&s.labels, &keys),
                s.last_value()
                    .map_or_else(|| "-".into(), |v| units::format(v, unit)),
                sparkline(
                    s,
                    q.start,
                    q.end,
                    q.step.as_secs_f64(),
                    usize::from(SPARK_WIDTH),
                ),
            )
        })
        .collect();
    let w0 = rows
        .iter()
        .map(|r| r.0.chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    let w1 = rows
        .iter()
        .map(|r| r.1.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    let mut text = format!("{:<w0$}  {:>w1$}  {}\n", "SERIES", "LAST", "TREND");
    for (l, v, s) in rows {
        text.push_str(&format!("{l:<w0$}  {v:>w1$}  {s}\n"));
    }
    text
}

#[derive(Serialize)]
struct JsonAnswer<'a> {
    query: &'a str,
    start: f64,
    end: f64,
    step_seconds: u64,
    unit: Unit,
    series: &'a [Series],
}

fn to_json(series: &[Series], q: &RangeQuery, unit: Unit) -> String {
    let a = JsonAnswer {
        query: &q.query,
        start: q.start,
        end: q.end,
        step_seconds: q.step.as_secs(),
        unit,
        series,
    };
    crate::text::to_json_pretty(&a).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// `timestamp,value,LABEL…`: one row per series and point, a column per
/// label name any series has (RFC 4180 quoting).
fn csv(series: &[Series]) -> String {
    let names: Vec<&String> = series
        .iter()
        .flat_map(|s| s.labels.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut text = String::from("timestamp,value");
    for n in &names {
        text.push(',');
        text.push_str(&field(n));
    }
    text.push('\n');
    for s in series {
        let labels: String = names
            .iter()
            .map(|n| format!(",{}", field(s.labels.get(*n).map_or("", String::as_str))))
            .collect();
        for p in &s.points {
            let t = jiff::Timestamp::from_millisecond((p.t * 1000.0).round() as i64)
                .map_or_else(|_| p.t.to_string(), |t| t.to_string());
            text.push_str(&format!(
                "{t},{}{labels}\n",
                crate::metrics::parse::value_text(p.v)
            ));
        }
    }
    text
}

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> MetricsArgs {
        use clap::Parser;
        let mut argv = vec!["warroom", "metrics", "up"];
        argv.extend_from_slice(extra);
        match crate::cli::Cli::parse_from(argv).command {
            Some(crate::cli::Cmd::Metrics(a)) => a,
            _ => unreachable!(),
        }
    }

    #[test]
    fn the_range_comes_from_since_or_start_and_end() {
        let q = range_query(&args(&[]), 10_000.0).unwrap();
        assert_eq!((q.start, q.end), (6400.0, 10_000.0));
        assert_eq!(q.step, Duration::from_secs(90), "3600 s over 40 cells");
        let q = range_query(
            &args(&[
                "--start",
                "2024-05-01T10:00:00Z",
                "--end",
                "1714561200",
                "--step",
                "30s",
            ]),
            0.0,
        )
        .unwrap();
        assert_eq!(
            (q.start, q.end, q.step),
            (1714557600.0, 1714561200.0, Duration::from_secs(30))
        );
        for (flags, says) in [
            (&["--since", "soon"][..], "--since"),
            (&["--start", "yesterday"][..], "--start"),
            (&["--start", "100", "--end", "50"][..], "range is empty"),
            (&["--since", "30d", "--step", "1s"][..], "11,000 points"),
        ] {
            let e = range_query(&args(flags), 1e9).unwrap_err();
            assert!(e.contains(says), "{flags:?}: {e}");
        }
    }

    #[test]
    fn csv_quotes_fields_and_spells_nan() {
        let s = Series {
            labels: [("path".to_string(), "/a,b".to_string())].into(),
            points: vec![crate::metrics::Point {
                t: 1.5,
                v: f64::NAN,
            }],
        };
        assert_eq!(
            csv(&[s]),
            "timestamp,value,path\n1970-01-01T00:00:01.5Z,NaN,\"/a,b\"\n"
        );
    }
}
