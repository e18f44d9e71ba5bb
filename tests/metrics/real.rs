//! Range and instant queries, completion and errors against a real Prometheus.

use super::{client, eventually, now, prometheus};
use std::time::Duration;
use warroom::metrics::shape::{step_for, top_n};
use warroom::metrics::units::{self, Unit};
use warroom::metrics::{MetricsApi, MetricsError, QueryResult, RangeQuery};

fn range(query: &str, secs: f64, columns: u16) -> RangeQuery {
    let end = now();
    RangeQuery {
        query: query.into(),
        start: end - secs,
        end,
        step: step_for(Duration::from_secs_f64(secs), columns),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_range_query_has_one_point_per_column_at_the_step() {
    let prom = prometheus();
    let c = client(&prom.url());
    // 60 s over 20 columns: a point every 3 s.
    let series = eventually("up{job=\"self\"} with a few samples", 30, || async {
        let a = c
            .query_range(&range("up{job=\"self\"}", 60.0, 20))
            .await
            .unwrap();
        let QueryResult::Matrix(s) = a.result else {
            panic!("a range query answers a matrix")
        };
        (s.len() == 1 && s[0].points.len() >= 3).then_some(s)
    })
    .await;
    let pts = &series[0].points;
    assert!(pts.len() <= 21, "{} points for 20 columns", pts.len());
    for w in pts.windows(2) {
        assert!((w[1].t - w[0].t - 3.0).abs() < 1e-6, "step 3 s: {:?}", w);
    }
    assert_eq!(series[0].labels["job"], "self");
    assert_eq!(series[0].last_value(), Some(1.0));
    // The dead target is 0.
    let a = c.query_range(&range("up", 30.0, 30)).await.unwrap();
    let s = a.result.into_series();
    let dead = s
        .iter()
        .find(|s| s.labels["job"] == "dispatch")
        .expect("job dispatch");
    assert_eq!(dead.last_value(), Some(0.0));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rate_of_a_counter_and_a_histogram_quantile() {
    let prom = prometheus();
    let c = client(&prom.url());
    let q = "sum(rate(prometheus_http_requests_total{handler=\"/metrics\"}[5s]))";
    // Scraped once a second: about one request a second to /metrics.
    let rate = eventually("a rate of the self-scrape", 40, || async {
        let a = c.query(q, None).await.unwrap();
        a.result
            .into_series()
            .first()
            .and_then(|s| s.last_value())
            .filter(|v| *v > 0.0)
    })
    .await;
    assert!((0.3..3.0).contains(&rate), "scrapes per second: {rate}");
    assert_eq!(
        units::infer("prometheus_http_requests_total")
            .suggest
            .as_deref(),
        Some("rate(prometheus_http_requests_total[5m])")
    );

    let hq = "histogram_quantile(0.95, sum by (le) (rate(prometheus_http_request_duration_seconds_bucket{handler=\"/metrics\"}[5s])))";
    assert_eq!(units::infer(hq).unit, Unit::Seconds);
    let p95 = eventually("a p95 of /metrics", 30, || async {
        let a = c.query_range(&range(hq, 30.0, 30)).await.unwrap();
        let s = a.result.into_series();
        s.first().and_then(|s| s.last_value())
    })
    .await;
    // Serving /metrics takes well under a second here; the buckets start at 0.1 s.
    assert!(p95 > 0.0 && p95 <= 1.0, "p95 {p95}");
    assert!(
        units::format(p95, Unit::Seconds).ends_with("ms"),
        "{}",
        units::format(p95, Unit::Seconds)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn completion_offers_names_labels_and_scoped_values() {
    let prom = prometheus();
    let c = client(&prom.url());
    let names = eventually("metric names after the first scrape", 30, || async {
        let n = c.metric_names(&[]).await.unwrap();
        n.iter()
            .any(|n| n == "prometheus_http_requests_total")
            .then_some(n)
    })
    .await;
    assert!(names.iter().any(|n| n == "up"), "{names:?}");
    assert!(names.iter().any(|n| n == "process_resident_memory_bytes"));
    let labels = c.label_names(&[]).await.unwrap();
    for l in ["__name__", "job", "instance", "handler", "le"] {
        assert!(labels.iter().any(|x| x == l), "{l} in {labels:?}");
    }
    // Scoped by match[]: `up` has job and instance (and namespace), no handler.
    let up_labels = c.label_names(&["up".into()]).await.unwrap();
    assert!(
        up_labels.contains(&"job".to_string()) && !up_labels.contains(&"handler".to_string()),
        "{up_labels:?}"
    );
    let jobs = eventually("both jobs scraped once", 30, || async {
        let j = c.label_values("job", &["up".into()]).await.unwrap();
        (j.len() == 2).then_some(j)
    })
    .await;
    assert_eq!(jobs, vec!["dispatch", "self"]);
    // /metrics is counted once its first scrape has been answered.
    let handlers = eventually(
        "/metrics among the handlers that answered 200",
        30,
        || async {
            let h = c
                .label_values(
                    "handler",
                    &["prometheus_http_requests_total{code=\"200\"}".into()],
                )
                .await
                .unwrap();
            h.iter().any(|h| h == "/metrics").then_some(h)
        },
    )
    .await;
    assert!(
        !handlers.iter().any(|h| h == "/api/v1/query_range"),
        "scoped to code 200 of a handler never asked: {handlers:?}"
    );
    // A name that cannot be a label never reaches the URL.
    assert!(c.label_values("../x", &[]).await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_query_keeps_prometheus_error_and_its_position() {
    let prom = prometheus();
    let c = client(&prom.url());
    let e = c
        .query_range(&range("rate(up[5m]", 60.0, 10))
        .await
        .unwrap_err();
    let MetricsError::Prometheus {
        status,
        ref error_type,
        ref error,
    } = e
    else {
        panic!("{e:?}")
    };
    assert_eq!((status, error_type.as_str()), (400, "bad_data"));
    assert!(
        error.contains("1:") && error.contains("parse error"),
        "{error}"
    );
    assert!(e.is_bad_query());
    assert!(e.hint(None).contains("fix the PromQL query"));
    // An unknown function is named.
    let e = c.query("nosuchfn(up)", None).await.unwrap_err();
    assert!(e.to_string().contains("nosuchfn"), "{e}");
    // Prometheus refuses more than 11,000 points; the step per column never asks for them.
    let day = 86_400.0;
    let too_fine = RangeQuery {
        step: Duration::from_secs(1),
        ..range("up", day, 100)
    };
    let e = c.query_range(&too_fine).await.unwrap_err();
    assert!(e.to_string().contains("exceeded maximum resolution"), "{e}");
    c.query_range(&range("up", day, u16::MAX)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn many_series_keep_the_top_n_by_last_value() {
    let prom = prometheus();
    let c = client(&prom.url());
    let q = "count by (__name__) ({__name__=~\"prometheus_.+\"})";
    let series = eventually("one series per prometheus_ metric", 30, || async {
        let a = c.query_range(&range(q, 20.0, 10)).await.unwrap();
        let s = a.result.into_series();
        (s.len() >= 50).then_some(s)
    })
    .await;
    let (top, more) = top_n(&series, 10);
    assert_eq!(top.len(), 10);
    assert_eq!(more, series.len() - 10);
    let lasts: Vec<f64> = top
        .iter()
        .map(|&i| series[i].last_value().unwrap())
        .collect();
    assert!(lasts.windows(2).all(|w| w[0] >= w[1]), "{lasts:?}");
    let max = series
        .iter()
        .filter_map(|s| s.last_value())
        .fold(0.0, f64::max);
    assert_eq!(lasts[0], max);
}
