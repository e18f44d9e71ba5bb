//! Loki's JSON shapes: `streams` (nanosecond string timestamps), `matrix` and
//! `vector` (float-second timestamps, string values), label lists, and tail
//! frames with `dropped_entries`.

use super::{Direction, LokiError, Request, VolumeSeries};
use crate::logs::LogLine;
use serde::Deserialize;
use serde::de::{self, IgnoredAny, SeqAccess, Visitor};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Deserialize)]
struct Envelope<T> {
    status: Option<String>,
    data: Option<T>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct QueryData {
    #[serde(rename = "resultType")]
    result_type: String,
    result: serde_json::Value,
}

#[derive(Deserialize)]
struct RawStream {
    stream: BTreeMap<String, String>,
    values: Vec<RawEntry>,
}

/// `["1700000000000000000", "line"]`, possibly with a third element
/// (structured metadata) that is ignored.
struct RawEntry(String, String);

impl<'de> Deserialize<'de> for RawEntry {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawEntry;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("[timestamp, line]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawEntry, A::Error> {
                let ts: String = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let line: String = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(RawEntry(ts, line))
            }
        }
        d.deserialize_seq(V)
    }
}

#[derive(Deserialize)]
struct RawSeries {
    metric: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<(f64, String)>,
    value: Option<(f64, String)>,
}

fn not_loki(body: &str, e: impl std::fmt::Display) -> LokiError {
    LokiError::NotLoki {
        reason: e.to_string(),
        excerpt: crate::text::truncate(&crate::text::sanitize(body.trim()), 120).into_owned(),
    }
}

fn envelope<T: for<'de> Deserialize<'de>>(body: &str) -> Result<T, LokiError> {
    let env: Envelope<T> = serde_json::from_str(body).map_err(|e| not_loki(body, e))?;
    if env.status.as_deref() == Some("error") {
        return Err(LokiError::Reported {
            request: Request::Query,
            text: crate::text::sanitize(
                &env.error.unwrap_or_else(|| "Loki reported an error".into()),
            )
            .into_owned(),
        });
    }
    env.data.ok_or_else(|| not_loki(body, "no `data` field"))
}

fn labels_of(map: BTreeMap<String, String>) -> Arc<Vec<(String, String)>> {
    Arc::new(map.into_iter().collect())
}

fn streams_to_lines(streams: Vec<RawStream>) -> Vec<LogLine> {
    let mut out = Vec::new();
    for s in streams {
        let labels = labels_of(s.stream);
        for RawEntry(ts, text) in s.values {
            out.push(LogLine {
                ts_ns: ts.parse::<i128>().ok(),
                stream: Default::default(),
                labels: labels.clone(),
                text,
            });
        }
    }
    out
}

/// A query_range answer as lines in `direction` order. A metric answer
/// (matrix/vector) becomes one line per sample, so the viewer can show it too.
pub fn query_lines(body: &str, direction: Direction) -> Result<Vec<LogLine>, LokiError> {
    let data: QueryData = envelope(body)?;
    let mut lines = match data.result_type.as_str() {
        "streams" => {
            let streams: Vec<RawStream> =
                serde_json::from_value(data.result).map_err(|e| not_loki(body, e))?;
            streams_to_lines(streams)
        }
        "matrix" | "vector" => {
            let series: Vec<RawSeries> =
                serde_json::from_value(data.result).map_err(|e| not_loki(body, e))?;
            let mut out = Vec::new();
            for s in series {
                let labels = labels_of(s.metric);
                for (t, v) in s.values.into_iter().chain(s.value) {
                    out.push(LogLine {
                        ts_ns: Some((t * 1e9) as i128),
                        stream: Default::default(),
                        labels: labels.clone(),
                        text: v,
                    });
                }
            }
            out
        }
        other => {
            return Err(LokiError::UnknownResult {
                result_type: other.to_string(),
            });
        }
    };
    // Streams come one after another; merge them into one timeline. The sort
    // is stable, so equal timestamps keep Loki's order.
    match direction {
        Direction::Backward => lines.sort_by_key(|l| std::cmp::Reverse(l.ts_ns)),
        Direction::Forward => lines.sort_by_key(|l| l.ts_ns),
    }
    Ok(lines)
}

/// The level a volume series counts: the stream's own `level` label, else
/// the `detected_level` Loki 3 derives for streams without one (otherwise
/// every unlabelled stream would land in "other").
fn series_level(metric: &BTreeMap<String, String>) -> String {
    ["level", "detected_level"]
        .iter()
        .filter_map(|k| metric.get(*k))
        .find(|v| !v.is_empty())
        .cloned()
        .unwrap_or_default()
}

/// A matrix answer (float seconds, string values) as histogram series.
pub fn matrix(body: &str) -> Result<Vec<VolumeSeries>, LokiError> {
    let data: QueryData = envelope(body)?;
    if data.result_type != "matrix" {
        return Err(LokiError::NotMatrix {
            result_type: data.result_type,
        });
    }
    let series: Vec<RawSeries> =
        serde_json::from_value(data.result).map_err(|e| not_loki(body, e))?;
    Ok(series
        .into_iter()
        .map(|s| VolumeSeries {
            level: series_level(&s.metric),
            points: s
                .values
                .into_iter()
                .map(|(t, v)| (t, v.parse().unwrap_or(0.0)))
                .collect(),
        })
        .collect())
}

/// `/labels` and `/label/NAME/values`: `{"status":"success","data":[...]}`.
/// An empty answer may come as `"data": []`, `null` or no `data` at all.
pub fn names(body: &str) -> Result<Vec<String>, LokiError> {
    let env: Envelope<Vec<String>> = serde_json::from_str(body).map_err(|e| not_loki(body, e))?;
    if env.status.as_deref() != Some("success") {
        return Err(match env.error {
            Some(e) => LokiError::Reported {
                request: Request::Labels,
                text: crate::text::sanitize(&e).into_owned(),
            },
            None => not_loki(body, "no `status: success`"),
        });
    }
    let mut v = env.data.unwrap_or_default();
    v.sort();
    Ok(v)
}

#[derive(Deserialize)]
struct RawTail {
    #[serde(default)]
    streams: Option<Vec<RawStream>>,
    #[serde(default)]
    dropped_entries: Option<Vec<IgnoredAny>>,
}

/// A tail websocket frame: its lines (oldest first) and how many entries Loki dropped.
pub fn tail_frame(text: &str) -> Result<(Vec<LogLine>, u64), LokiError> {
    let raw: RawTail = serde_json::from_str(text).map_err(|e| not_loki(text, e))?;
    let mut lines = streams_to_lines(raw.streams.unwrap_or_default());
    lines.sort_by_key(|l| l.ts_ns);
    Ok((lines, raw.dropped_entries.map_or(0, |d| d.len() as u64)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_merge_into_one_timeline() {
        let body = r#"{"status":"success","data":{"resultType":"streams","result":[
            {"stream":{"app":"api","level":"error"},"values":[["1700000000000000003","c"],["1700000000000000001","a"]]},
            {"stream":{"app":"web"},"values":[["1700000000000000002","b",{"trace_id":"x"}]]}
        ],"stats":{}}}"#;
        let lines = query_lines(body, Direction::Backward).unwrap();
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["c", "b", "a"]);
        assert_eq!(lines[0].ts_ns, Some(1_700_000_000_000_000_003));
        assert_eq!(lines[1].labels_text(), r#"{app="web"}"#);
    }

    #[test]
    fn matrix_has_float_seconds_and_string_values() {
        let body = r#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"level":"error"},"values":[[1700000000.5,"3"],[1700000060,"7"]]}]}}"#;
        let m = matrix(body).unwrap();
        assert_eq!(m[0].level, "error");
        assert_eq!(m[0].points, vec![(1700000000.5, 3.0), (1700000060.0, 7.0)]);
    }

    #[test]
    fn html_and_garbage_are_named_not_json_errors() {
        let e = query_lines("<html>502 Bad Gateway</html>", Direction::Backward).unwrap_err();
        assert!(e.message().contains("not a Loki response"), "{e}");
        assert!(
            matches!(&e, LokiError::NotLoki { excerpt, .. } if excerpt == "<html>502 Bad Gateway</html>"),
            "{e:?}"
        );
        assert!(e.is_connection() && e.hint().contains("[loki] url"));
        let e = query_lines(
            r#"{"status":"error","errorType":"bad_data","error":"bad \u001b]0;x\u0007range"}"#,
            Direction::Backward,
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                LokiError::Reported {
                    request: Request::Query,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(!e.message().contains('\x1b'), "{e:?}");
        assert_eq!(e.hint(), "check the query and the time range");
        assert!(names(r#"{"status":"success"}"#).unwrap().is_empty());
        assert!(
            names(r#"{"status":"success","data":null}"#)
                .unwrap()
                .is_empty()
        );
        assert!(
            names(r#"{"data":["a"]}"#)
                .unwrap_err()
                .message()
                .contains("status")
        );
        let e = names(r#"{"status":"error","error":"start after end"}"#).unwrap_err();
        assert_eq!(
            e,
            LokiError::Reported {
                request: Request::Labels,
                text: "start after end".into()
            }
        );
        assert_eq!(e.to_string(), "start after end — check the time range");
    }

    #[test]
    fn volume_series_fall_back_to_detected_level() {
        let body = r#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"level":"error"},"values":[[1769869800,"4"]]},
            {"metric":{"detected_level":"warn"},"values":[[1769869800,"2"]]},
            {"metric":{"level":"info","detected_level":"error"},"values":[[1769869800,"1"]]},
            {"metric":{"level":"","detected_level":"error"},"values":[[1769869800,"3"]]},
            {"metric":{},"values":[[1769869800,"7"]]}]}}"#;
        let m = matrix(body).unwrap();
        let levels: Vec<&str> = m.iter().map(|s| s.level.as_str()).collect();
        assert_eq!(levels, ["error", "warn", "info", "error", ""]);
        let h = crate::logs::histogram::Histogram::from_series(
            1_769_869_800_000_000_000,
            1_769_869_860_000_000_000,
            60,
            &m,
        );
        // [errors, warnings, other]
        assert_eq!(h.totals(), [7, 2, 8]);
    }

    #[test]
    fn tail_frames_count_dropped_entries() {
        let f = r#"{"streams":[{"stream":{"app":"api"},"values":[["2","b"],["1","a"]]}],
            "dropped_entries":[{"labels":{"app":"api"},"timestamp":"0"}]}"#;
        let (lines, dropped) = tail_frame(f).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].text, "a");
        assert_eq!(dropped, 1);
        let (lines, dropped) = tail_frame(r#"{"streams":[],"dropped_entries":null}"#).unwrap();
        assert!(lines.is_empty() && dropped == 0);
    }
}
