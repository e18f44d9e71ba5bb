//! Load figures with many pods: time to the first populated pane against the
//! raw list fetch+parse. Not a timed test: it asserts that every pod arrives
//! and prints the figures. Defaults to 500 pods; set `WARROOM_PERF_PODS=10000`
//! for the benchmark in the report. Memory is measured on the real binary by
//! `benches/workloads_live.sh` (in-process, the test's own raw list has
//! already grown the heap, so an RSS delta here would read zero).

use crate::fixtures;
use crate::kmock::Kmock;
use crate::support::Running;
use std::time::Instant;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_pods_load_completely_and_report_the_figures() {
    let n: usize = std::env::var("WARROOM_PERF_PODS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let pods: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let ns = ["shop", "payments", "search", "platform"][i % 4];
            let status = if i % 97 == 0 {
                fixtures::crashlooping(3)
            } else {
                fixtures::running()
            };
            fixtures::pod(ns, &format!("svc-{}-{:05}", i % 40, i), None, status)
        })
        .collect();
    let k = Kmock::start(&serde_json::Value::Array(pods));

    let t = Instant::now();
    let (status, body) = k.request("GET", "/api/v1/pods", None);
    let raw = t.elapsed();
    assert_eq!(status, 200);
    let listed = body["items"].as_array().map_or(0, Vec::len);
    assert_eq!(listed, n);
    drop(body);

    let t = Instant::now();
    let mut r = Running::start(&k, &["*"]);
    // The table is populated once every pod is in the pane; the status turns
    // Connected once the other kinds (deployments, events, nodes…) are too.
    r.until("every pod in the pane", 120, |r| {
        r.pane.store().pods.len() == n
    })
    .await;
    let first = t.elapsed();
    r.connected().await;
    let connected = t.elapsed();
    assert_eq!(
        r.pane.store().pods.len(),
        n,
        "every pod loaded before Connected"
    );
    let problems = r
        .pane
        .store()
        .problems(
            jiff::Timestamp::now(),
            &warroom::workloads::store::Filter::All,
        )
        .len();
    assert_eq!(problems, n.div_ceil(97));
    eprintln!(
        "perf: {n} pods — raw list fetch+parse {:?}; first populated pane {:?} ({:.2}x); \
         every kind loaded (Connected) {:?} ({:.2}x)",
        raw,
        first,
        first.as_secs_f64() / raw.as_secs_f64(),
        connected,
        connected.as_secs_f64() / raw.as_secs_f64(),
    );
}
