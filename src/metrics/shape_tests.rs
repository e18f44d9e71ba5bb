use super::*;
use crate::metrics::parse::Point;

fn series(labels: &[(&str, &str)], values: &[f64]) -> Series {
    Series {
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        points: values
            .iter()
            .enumerate()
            .map(|(i, &v)| Point {
                t: i as f64 * 15.0,
                v,
            })
            .collect(),
    }
}

#[test]
fn one_step_per_column_never_beyond_11000_points_in_whole_seconds() {
    let h = |n: u64| Duration::from_secs(n * 3600);
    assert_eq!(step_for(h(1), 60), Duration::from_secs(60));
    assert_eq!(step_for(h(1), 200), Duration::from_secs(18));
    // 15m over 77 columns = 11.69 s → 12 s.
    assert_eq!(
        step_for(Duration::from_secs(900), 77),
        Duration::from_secs(12)
    );
    // A tiny range still steps at least a second.
    assert_eq!(
        step_for(Duration::from_secs(30), 200),
        Duration::from_secs(1)
    );
    // A year over many columns is bounded by Prometheus' 11,000 points.
    let year = h(24 * 365);
    let step = step_for(year, u16::MAX);
    assert!(year.as_secs() / step.as_secs() <= 11_000, "{step:?}");
    assert_eq!(step, Duration::from_secs(2867));
    assert_eq!(step_for(h(1), 0), Duration::from_secs(3600));
}

#[test]
fn top_n_by_last_value_counts_the_rest() {
    // Request rates by handler: some series end in a gap, one has no values.
    let all: Vec<Series> = (0..53)
        .map(|i| {
            let last = if i % 10 == 0 { f64::NAN } else { i as f64 };
            series(
                &[("handler", &format!("/api/v{i}"))],
                &[1.0, i as f64, last],
            )
        })
        .chain([series(&[("handler", "/empty")], &[])])
        .collect();
    let (top, more) = top_n(&all, 5);
    assert_eq!(more, 54 - 5);
    // 50 ends in NaN: its last finite value is 50, still the highest.
    assert_eq!(top, vec![52, 51, 50, 49, 48]);
    let (all_idx, none) = top_n(&all, 100);
    assert_eq!(none, 0);
    assert_eq!(
        *all_idx.last().unwrap(),
        53,
        "the series without values comes last"
    );
}

#[test]
fn the_legend_names_only_the_labels_that_differ() {
    let a = series(
        &[
            ("__name__", "prometheus_http_requests_total"),
            ("code", "200"),
            ("handler", "/metrics"),
            ("job", "self"),
        ],
        &[1.0],
    );
    let b = series(
        &[
            ("__name__", "prometheus_http_requests_total"),
            ("code", "200"),
            ("handler", "/api/v1/query"),
            ("job", "self"),
        ],
        &[1.0],
    );
    let c = series(
        &[
            ("__name__", "prometheus_http_requests_total"),
            ("code", "400"),
            ("handler", "/api/v1/query"),
            ("job", "self"),
        ],
        &[1.0],
    );
    let keys = distinguishing(&[&a.labels, &b.labels, &c.labels]);
    assert_eq!(keys, vec!["code", "handler"]);
    assert_eq!(
        legend(&c.labels, &keys),
        "code=\"400\", handler=\"/api/v1/query\""
    );
    // One series: all its labels, the name bare.
    let only = distinguishing(&[&a.labels]);
    assert!(only.is_empty());
    assert_eq!(
        legend(&a.labels, &only),
        "prometheus_http_requests_total, code=\"200\", handler=\"/metrics\", job=\"self\""
    );
    // A label missing from one series distinguishes it.
    let d = series(&[("job", "self")], &[1.0]);
    let e = series(&[("job", "self"), ("pod", "p")], &[1.0]);
    assert_eq!(distinguishing(&[&d.labels, &e.labels]), vec!["pod"]);
    assert_eq!(legend(&Labels::new(), &[]), "{}");
    // Remote text is sanitised.
    let evil = series(&[("x", "\u{1b}]0;pwn\u{7}")], &[1.0]);
    assert!(!legend(&evil.labels, &[]).contains('\u{1b}'));
}

#[test]
fn sparklines_scale_to_the_range_and_leave_gaps_blank() {
    let s = series(&[], &[0.0, 1.0, 2.0, f64::NAN, 7.0]);
    // 5 points at 0..60 s into 5 cells.
    assert_eq!(sparkline(&s, 0.0, 75.0, 15.0, 5), "▁▂▃ █");
    let flat = series(&[], &[3.0, 3.0]);
    assert_eq!(sparkline(&flat, 0.0, 30.0, 15.0, 2), "▄▄");
    assert_eq!(sparkline(&flat, 0.0, 30.0, 15.0, 0), "");
    assert_eq!(sparkline(&series(&[], &[]), 0.0, 30.0, 15.0, 3), "   ");
    // More cells than points: a cell between two points holds the one
    // before, so rounding leaves no false gap; a longer silence stays one.
    assert_eq!(sparkline(&s, 0.0, 75.0, 15.0, 10), "▁▁▂▂▃▃  ██");
    assert_eq!(sparkline(&s, 0.0, 150.0, 15.0, 10), "▁▂▃ █     ");
}
