//! Log viewer costs: ingest rate into the ring, one include-filter pass over
//! 1,000,000 lines (target ≤ 50 ms), and memory with the ring full (printed,
//! estimated and as measured RSS growth).

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
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
    lines_from(0, n)
}

/// Lines `start..start + n` (so a ring can be filled in chunks).
fn lines_from(start: usize, n: usize) -> Vec<LogLine> {
    let labels: Vec<Arc<Vec<(String, String)>>> = SERVICES
        .iter()
        .map(|s| {
            Arc::new(vec![
                ("app".to_string(), s.to_string()),
                ("namespace".to_string(), "toolboxai".to_string()),
            ])
        })
        .collect();
    (start..start + n)
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
        // The clone is setup: only the push (and the evictions it causes)
        // is the ingest cost.
        b.iter_batched(
            || batch.clone(),
            |lines| v.push(black_box(lines)),
            BatchSize::LargeInput,
        );
    });
    g.finish();
}

fn filter(c: &mut Criterion) {
    let n = if full() { 1_000_000 } else { 10_000 };
    let mut v = LogViewer::new(n, 2000);
    v.push(lines(n));
    let mut g = c.benchmark_group(format!("filter {n} lines"));
    g.sample_size(10);
    // The include is set up outside the timing; each iteration is exactly
    // one filter pass over every line (what adding a filter costs).
    for (name, needle) in [
        ("include, case-sensitive (\"ERROR\")", "ERROR"),
        ("include, smart-case (\"error\")", "error"),
    ] {
        v.clear_filters();
        v.add_include(needle);
        g.bench_function(name, |b| {
            b.iter(|| {
                v.refilter();
                black_box(v.visible_len())
            })
        });
    }
    g.finish();
}

/// Resident set size in bytes (Linux; None elsewhere).
fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

fn memory(_c: &mut Criterion) {
    let before = rss_bytes();
    let mut ring = LogRing::new(50_000);
    // Filled in chunks so a 60k-line Vec alive beside the ring does not
    // count as the ring's memory; the extra 10k exercise eviction.
    for chunk in 0..60 {
        for l in lines_from(chunk * 1000, 1000) {
            ring.push_back(l);
        }
    }
    let after = rss_bytes();
    let text: usize = ring.iter().map(|(_, e)| e.line.text.len()).sum();
    println!(
        "memory: ring of {} lines (evicted {}) holds ≈ {} (of which line text {}; {} bytes per entry overhead)",
        ring.len(),
        ring.evicted(),
        warroom::text::human_bytes(ring.approx_bytes() as u64),
        warroom::text::human_bytes(text as u64),
        std::mem::size_of::<warroom::logs::ring::Entry>()
    );
    match (before, after) {
        // Includes allocator slack (freed evicted lines stay with the
        // allocator), so it is the cost an operator's process actually sees.
        (Some(b), Some(a)) => println!(
            "memory: measured RSS growth filling the ring: {} (VmRSS {} → {})",
            warroom::text::human_bytes(a.saturating_sub(b)),
            warroom::text::human_bytes(b),
            warroom::text::human_bytes(a)
        ),
        _ => println!("memory: RSS not measurable here (no /proc/self/status)"),
    }
    black_box(&ring);
}

// memory first: heap freed by the other benchmarks would be reused by the
// ring and hide its growth in RSS.
criterion_group!(benches, memory, ingest, filter);
criterion_main!(benches);
