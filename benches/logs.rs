//! Log viewer costs: ingest rate into the ring, include-filter over 1,000,000
//! lines (target ≤ 50 ms), and memory with the ring full (printed).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::sync::Arc;
use warroom::logs::LogLine;
use warroom::logs::ring::LogRing;
use warroom::logs::viewer::LogViewer;

const SERVICES: [&str; 4] = ["toolboxai-backend", "postgres", "nginx", "celery-worker"];

/// `cargo bench` passes `--bench`; `cargo test --all-targets` runs each
/// benchmark once as a smoke test, where a million debug-built lines would
/// only cost CI time.
fn full() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn lines(n: usize) -> Vec<LogLine> {
    let labels: Vec<Arc<Vec<(String, String)>>> = SERVICES
        .iter()
        .map(|s| {
            Arc::new(vec![
                ("app".to_string(), s.to_string()),
                ("namespace".to_string(), "toolboxai".to_string()),
            ])
        })
        .collect();
    (0..n)
        .map(|i| {
            let level = match i % 50 {
                0 => "ERROR",
                1..=4 => "WARNING",
                _ => "INFO",
            };
            LogLine {
                ts_ns: Some(1_769_869_800_000_000_000 + i as i128 * 1_000_000),
                stream: Default::default(),
                labels: labels[i % labels.len()].clone(),
                text: format!(
                    "2026-01-31 14:30:00,{:03} {level} [backend.api] request {i} GET /api/v1/courses/{} took {}ms",
                    i % 1000,
                    i % 977,
                    i % 613
                ),
            }
        })
        .collect()
}

fn ingest(c: &mut Criterion) {
    let batch = lines(10_000);
    let mut g = c.benchmark_group("ingest");
    g.throughput(Throughput::Elements(batch.len() as u64));
    g.bench_function("10k lines into a full 50k ring", |b| {
        let mut v = LogViewer::new(50_000, 2000);
        v.push(lines(50_000));
        b.iter(|| v.push(black_box(batch.clone())));
    });
    g.finish();
}

fn filter(c: &mut Criterion) {
    let n = if full() { 1_000_000 } else { 10_000 };
    let mut v = LogViewer::new(n, 2000);
    v.push(lines(n));
    let mut g = c.benchmark_group(format!("filter {n} lines"));
    g.sample_size(10);
    g.bench_function("include, case-sensitive (\"ERROR\")", |b| {
        b.iter(|| {
            v.clear_filters();
            v.add_include(black_box("ERROR"));
            black_box(v.visible_len())
        })
    });
    g.bench_function("include, smart-case (\"error\")", |b| {
        b.iter(|| {
            v.clear_filters();
            v.add_include(black_box("error"));
            black_box(v.visible_len())
        })
    });
    g.finish();
}

fn memory(_c: &mut Criterion) {
    let mut ring = LogRing::new(50_000);
    for l in lines(60_000) {
        ring.push_back(l);
    }
    let text: usize = ring.iter().map(|(_, e)| e.line.text.len()).sum();
    println!(
        "memory: ring of {} lines (evicted {}) holds ≈ {} (of which line text {}; {} bytes per entry overhead)",
        ring.len(),
        ring.evicted(),
        warroom::text::human_bytes(ring.approx_bytes() as u64),
        warroom::text::human_bytes(text as u64),
        std::mem::size_of::<warroom::logs::ring::Entry>()
    );
}

criterion_group!(benches, ingest, filter, memory);
criterion_main!(benches);
