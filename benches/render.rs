//! Frame time of the virtual table at 200x60 for growing row counts. The
//! target is ≤ 1 ms per frame and a time independent of the row count,
//! because only visible rows are built.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use std::hint::black_box;
use warroom::theme::Theme;
use warroom::ui::table::{TableState, render_table};

struct Row {
    namespace: String,
    name: String,
    reason: String,
    restarts: u32,
    age: String,
}

fn rows(n: usize) -> Vec<Row> {
    (0..n)
        .map(|i| Row {
            namespace: format!("team-{}", i % 40),
            name: format!("checkout-api-7d9f8c6b5-{i:05}"),
            reason: if i % 17 == 0 {
                "CrashLoopBackOff (OOMKilled, exit 137)".into()
            } else {
                "Running".into()
            },
            restarts: (i % 23) as u32,
            age: format!("{}m", i % 600),
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let theme = Theme::fallback(false);
    let area = Rect::new(0, 0, 200, 60);
    let widths = [
        Constraint::Length(14),
        Constraint::Fill(2),
        Constraint::Fill(2),
        Constraint::Length(8),
        Constraint::Length(6),
    ];
    let mut group = c.benchmark_group("table_frame_200x60");
    for n in [100usize, 10_000, 100_000] {
        let data = rows(n);
        group.bench_with_input(BenchmarkId::from_parameter(n), &data, |b, data| {
            let mut state = TableState {
                selected: n / 2,
                ..Default::default()
            };
            let mut buf = Buffer::empty(area);
            b.iter(|| {
                buf.reset();
                state.selected = (state.selected + 1) % n;
                render_table(
                    area,
                    &mut buf,
                    &theme,
                    &mut state,
                    &["NAMESPACE", "NAME", "REASON", "RESTARTS", "AGE"],
                    &widths,
                    data.len(),
                    |i| {
                        let r = &data[i];
                        vec![
                            Span::raw(r.namespace.as_str()),
                            Span::raw(r.name.as_str()),
                            Span::styled(
                                r.reason.as_str(),
                                if r.restarts > 0 {
                                    theme.critical
                                } else {
                                    theme.ok
                                },
                            ),
                            Span::raw(r.restarts.to_string()),
                            Span::raw(r.age.as_str()),
                        ]
                    },
                );
                black_box(&buf);
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
