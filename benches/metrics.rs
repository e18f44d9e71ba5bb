//! The metrics chart's frame at 200x60 with 10 series × 1,000 points (target
//! ≤ 1 ms), and parsing a 50-series × 11,000-point query_range answer (the
//! most Prometheus returns per series).

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::hint::black_box;
use warroom::metrics::chart::{ChartData, ChartOpts, render};
use warroom::metrics::{Point, Series, Unit};
use warroom::theme::Theme;

fn series(n: usize, points: usize) -> Vec<Series> {
    (0..n)
        .map(|i| Series {
            labels: [
                ("handler".to_string(), format!("/api/v1/h{i}")),
                ("job".to_string(), "api".to_string()),
            ]
            .into(),
            points: (0..points)
                .map(|k| Point {
                    t: 1.7e9 + k as f64 * 15.0,
                    v: (k as f64 / 40.0 + i as f64).sin() * 100.0 + 200.0 + i as f64 * 10.0,
                })
                .collect(),
        })
        .collect()
}

fn answer(n: usize, points: usize) -> Vec<u8> {
    let mut s = String::from(r#"{"status":"success","data":{"resultType":"matrix","result":["#);
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            r#"{{"metric":{{"__name__":"http_requests_total","handler":"/api/v1/h{i}","job":"api","instance":"10.0.0.{i}:8080"}},"values":["#
        ));
        for k in 0..points {
            if k > 0 {
                s.push(',');
            }
            s.push_str(&format!(
                r#"[{},"{}"]"#,
                1_700_000_000 + k * 15,
                (k * 7 + i) as f64 / 3.0
            ));
        }
        s.push_str("]}");
    }
    s.push_str("]}}");
    s.into_bytes()
}

fn bench(c: &mut Criterion) {
    let theme = Theme::fallback(false);
    let data = series(10, 1_000);
    let chart = ChartData::new(&data, 10, 1.7e9, 1.7e9 + 999.0 * 15.0, 15.0, Unit::None);
    let area = Rect::new(0, 0, 200, 60);
    let opts = ChartOpts {
        cursor: Some(1.7e9 + 7_500.0),
        ..ChartOpts::default()
    };
    let values = chart.values_at(&data, 1.7e9 + 7_500.0);
    c.bench_function("chart_frame_200x60_10x1000", |b| {
        let mut buf = Buffer::empty(area);
        b.iter(|| {
            buf.reset();
            render(black_box(&chart), &values, &opts, area, &mut buf, &theme);
        })
    });
    c.bench_function("chart_data_10x1000", |b| {
        b.iter(|| {
            ChartData::new(
                black_box(&data),
                10,
                1.7e9,
                1.7e9 + 999.0 * 15.0,
                15.0,
                Unit::None,
            )
        })
    });
    let body = answer(50, 11_000);
    let mut g = c.benchmark_group("parse");
    g.sample_size(10);
    g.throughput(criterion::Throughput::Bytes(body.len() as u64));
    g.bench_function("query_range_50x11000", |b| {
        b.iter(|| warroom::metrics::api::parse_answer(black_box(&body)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
