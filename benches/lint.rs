//! `runbook lint` on a ~1 MB runbook whose one shell block holds 60,000
//! `{{param}}` references inside double quotes, single quotes and backquotes
//! (each one a finding). Lint was quadratic in those (a line number counted
//! from the top of the block per reference: 60,000 took 33 s); the target is
//! a time linear in the size of the runbook.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;
use warroom::runbook::parse;

/// A runbook with `refs` quoted references (three a line: a multiple of 3).
fn runbook(refs: usize) -> String {
    let mut body = String::new();
    for i in 0..refs / 3 {
        body.push_str(&format!(
            "echo \"a-{{{{p}}}}\" 'c-{{{{p}}}}' `echo {{{{p}}}}` # pad {i:06}\n"
        ));
    }
    format!(
        "---\ntitle: big\nparams:\n  - name: p\n    description: a value\n---\n\n## One\n\n```sh\n{body}```\n"
    )
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("lint");
    g.sample_size(10);
    for refs in [6_000, 21_000, 60_000] {
        let text = runbook(refs);
        if refs == 60_000 {
            assert!(text.len() > 900_000, "about 1 MB: {}", text.len());
        }
        g.bench_with_input(BenchmarkId::new("quoted_refs", refs), &text, |b, text| {
            b.iter(|| {
                let e = parse::parse(black_box(text), Path::new("big.md")).unwrap_err();
                assert_eq!(e.errors.len(), refs);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
