use super::*;

#[test]
fn units_come_from_the_metric_the_query_reads() {
    let cases = [
        ("process_resident_memory_bytes", Unit::Bytes),
        (
            "sum by (pod) (container_memory_working_set_bytes{namespace=\"shop\"})",
            Unit::Bytes,
        ),
        ("rate(process_cpu_seconds_total[5m])", Unit::Seconds),
        (
            "histogram_quantile(0.95, sum by (le) (rate(prometheus_http_request_duration_seconds_bucket[5m])))",
            Unit::Seconds,
        ),
        (
            "rate(prometheus_http_request_duration_seconds_count[5m])",
            Unit::None,
        ),
        ("job:http_errors:ratio", Unit::None),
        ("slo_errors_ratio", Unit::Ratio),
        (
            "rate(prometheus_http_requests_total{code=~\"5..\"}[5m])",
            Unit::None,
        ),
        ("up", Unit::None),
        ("1 + 1", Unit::None),
    ];
    for (q, unit) in cases {
        assert_eq!(infer(q).unit, unit, "{q}");
    }
    assert_eq!(
        infer("histogram_quantile(0.95, sum by (le) (rate(x_seconds_bucket[5m])))")
            .metric
            .as_deref(),
        Some("x_seconds_bucket")
    );
}

#[test]
fn a_bare_counter_suggests_its_rate() {
    assert_eq!(
        infer("prometheus_http_requests_total{code=\"200\"}")
            .suggest
            .as_deref(),
        Some("rate(prometheus_http_requests_total{code=\"200\"}[5m])")
    );
    assert_eq!(
        infer("rate(prometheus_http_requests_total[5m])").suggest,
        None
    );
    assert_eq!(infer("process_resident_memory_bytes").suggest, None);
}

#[test]
fn names_skip_functions_labels_grouping_strings_and_durations() {
    assert_eq!(
        metric_names(
            "sum by (job, le) (rate(a_total{job=\"x{y\", le=~\"b\"}[5m] offset 1h)) / on (job) b_total"
        ),
        vec!["a_total", "b_total"]
    );
}

#[test]
fn values_format_in_their_unit() {
    assert_eq!(format(1536.0, Unit::Bytes), "1.5 KiB");
    assert_eq!(format(48.0 * 1024.0 * 1024.0, Unit::Bytes), "48 MiB");
    assert_eq!(
        format(3.25 * 1024.0 * 1024.0 * 1024.0, Unit::Bytes),
        "3.25 GiB"
    );
    assert_eq!(format(512.0, Unit::Bytes), "512 B");
    assert_eq!(format(0.23, Unit::Seconds), "230 ms");
    assert_eq!(format(0.000_42, Unit::Seconds), "420 µs");
    assert_eq!(format(2.5, Unit::Seconds), "2.5 s");
    assert_eq!(format(0.0421, Unit::Ratio), "4.21%");
    assert_eq!(format(1.0, Unit::Ratio), "100%");
    assert_eq!(format(12_345.0, Unit::None), "12.35k");
    assert_eq!(format(0.0123, Unit::None), "0.0123");
    assert_eq!(format(-3.0, Unit::None), "-3");
    assert_eq!(format(f64::NAN, Unit::Bytes), "NaN");
    assert_eq!(format(f64::INFINITY, Unit::Seconds), "+Inf");
}

#[test]
fn config_units_parse() {
    assert_eq!(Unit::parse("bytes"), Some(Unit::Bytes));
    assert_eq!(Unit::parse("percent"), Some(Unit::Ratio));
    assert_eq!(Unit::parse("furlongs"), None);
}
