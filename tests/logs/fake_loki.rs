//! A wiremock responder that behaves like Loki's query_range over a fixed set
//! of lines: `start` inclusive, `end` exclusive, `limit`, `direction`, results
//! grouped into streams with nanosecond string timestamps.

use serde_json::json;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

#[derive(Clone)]
pub struct Entry {
    pub labels: Vec<(&'static str, String)>,
    pub ts: i128,
    pub line: String,
}

pub fn entry(app: &str, ts: i128, line: &str) -> Entry {
    Entry {
        labels: vec![("app", app.to_string()), ("level", "info".to_string())],
        ts,
        line: line.to_string(),
    }
}

/// (start, end, limit, direction) of one query_range request.
pub type Seen = (i128, i128, usize, String);

#[derive(Clone)]
pub struct QueryRange {
    pub entries: Arc<Vec<Entry>>,
    /// (start, end, limit, direction) of every request, for assertions.
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

fn param(req: &Request, k: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.into_owned())
}

impl Respond for QueryRange {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let start: i128 = param(req, "start")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let end: i128 = param(req, "end")
            .and_then(|v| v.parse().ok())
            .unwrap_or(i128::MAX);
        let limit: usize = param(req, "limit")
            .and_then(|v| v.parse().ok())
            .unwrap_or(100);
        let dir = param(req, "direction").unwrap_or_else(|| "backward".into());
        self.seen
            .lock()
            .unwrap()
            .push((start, end, limit, dir.clone()));
        let wanted = param(req, "query")
            .map(|q| equality_matchers(&q))
            .unwrap_or_default();
        let mut hits: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.ts >= start && e.ts < end)
            .filter(|e| {
                wanted
                    .iter()
                    .all(|(k, v)| e.labels.iter().any(|(ek, ev)| ek == k && ev == v))
            })
            .collect();
        hits.sort_by_key(|e| e.ts);
        if dir == "backward" {
            hits.reverse();
        }
        hits.truncate(limit);
        let mut streams: BTreeMap<String, (serde_json::Value, Vec<serde_json::Value>)> =
            BTreeMap::new();
        for e in hits {
            let key = format!("{:?}", e.labels);
            let labels: serde_json::Map<String, serde_json::Value> = e
                .labels
                .iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect();
            streams
                .entry(key)
                .or_insert_with(|| (json!(labels), Vec::new()))
                .1
                .push(json!([e.ts.to_string(), e.line]));
        }
        let result: Vec<serde_json::Value> = streams
            .into_values()
            .map(|(stream, values)| json!({"stream": stream, "values": values}))
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "status": "success",
            "data": {"resultType": "streams", "result": result, "stats": {"summary": {"bytesProcessedPerSecond": 1}}}
        }))
    }
}

/// The `label="value"` matchers of a stream selector, as Loki applies them
/// (other matcher kinds and pipelines are not filtered on).
fn equality_matchers(query: &str) -> Vec<(String, String)> {
    let Some(inner) = query
        .split_once('{')
        .and_then(|(_, rest)| rest.rsplit_once('}'))
        .map(|(inner, _)| inner)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut rest = inner;
    while let Some((name, after)) = rest.split_once('=') {
        let name = name.trim().trim_start_matches(',').trim();
        let after = after.trim_start();
        if !after.starts_with('"') || name.ends_with(['!', '=', '~']) {
            break;
        }
        // The value is a Go-style string literal: read it as JSON.
        let mut de = serde_json::Deserializer::from_str(after).into_iter::<String>();
        let Some(Ok(value)) = de.next() else {
            break;
        };
        out.push((name.to_string(), value));
        rest = &after[de.byte_offset()..];
    }
    out
}

/// A Loki with `entries`, buildinfo, labels and a volume matrix.
pub async fn start(entries: Vec<Entry>) -> (MockServer, QueryRange) {
    let server = MockServer::start().await;
    let qr = QueryRange {
        entries: Arc::new(entries),
        seen: Default::default(),
    };
    Mock::given(method("GET"))
        .and(path("/loki/api/v1/status/buildinfo"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "version": "3.4.2", "revision": "abc", "branch": "HEAD"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/loki/api/v1/labels"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "success", "data": ["level", "app", "namespace"]
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/loki/api/v1/label/app/values"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "success", "data": ["web", "api"]
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/loki/api/v1/query_range"))
        .and(VolumeQuery)
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "success",
            "data": {"resultType": "matrix", "result": [
                {"metric": {"level": "error"}, "values": [[1769869800, "4"], [1769869860.5, "1"]]},
                {"metric": {"level": "info"}, "values": [[1769869800, "30"]]},
                // Loki 3: a stream without a level label, split by detected_level.
                {"metric": {"detected_level": "warn"}, "values": [[1769869800, "2"]]}
            ]}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/loki/api/v1/query_range"))
        .respond_with(qr.clone())
        .mount(&server)
        .await;
    (server, qr)
}

/// Matches the histogram's metric query.
pub struct VolumeQuery;
impl wiremock::Match for VolumeQuery {
    fn matches(&self, req: &Request) -> bool {
        param(req, "query")
            .is_some_and(|q| q.starts_with("sum by (level, detected_level) (count_over_time("))
    }
}

pub fn loki_config(url: &str) -> warroom::config::Config {
    let text = format!("[loki]\nurl = \"{url}\"\norg_id = \"tenant-a\"\n");
    warroom::config::Config::parse(&text, std::path::Path::new("t.toml")).unwrap()
}
