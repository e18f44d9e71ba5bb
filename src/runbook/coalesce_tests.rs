use super::*;
use crate::observed::{Change, Observed, Place};

fn t(secs: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + secs).unwrap()
}

fn crash(at: i64, pod: &str) -> Observed {
    Observed::new(
        t(at),
        Change::PodCrashed,
        Place::in_namespace("shop", format!("pod/{pod}")).with_context(Some("prod".into())),
        format!("OOMKilled, exit 137 (#{at})"),
    )
}

/// (count, ts, last) of each `observed` entry; `dropped` entries as (count, since, ts) with a 0 marker.
fn counts(es: &[Entry]) -> Vec<(u64, i64, Option<i64>)> {
    let s = |ts: &Timestamp| ts.as_second() - 1_800_000_000;
    es.iter()
        .map(|e| match e {
            Entry::Observed {
                count, ts, last, ..
            } => (*count, s(ts), last.as_ref().map(s)),
            Entry::ObservedDropped {
                ts, since, count, ..
            } => (*count, s(since), Some(-s(ts))),
            other => panic!("unexpected entry {other:?}"),
        })
        .collect()
}

#[test]
fn the_first_occurrence_is_written_at_once_and_repeats_are_counted() {
    let mut c = Coalescer::default();
    let mut out = Vec::new();
    assert!(c.push(crash(0, "api-1"), &mut out));
    assert_eq!(counts(&out), [(1, 0, None)]);
    for i in 1..200 {
        assert!(c.push(crash(i * 2, "api-1"), &mut out));
    }
    // 199 repeats inside the window: nothing more written yet.
    assert_eq!(out.len(), 1);
    // Another pod is another key: its own line at once.
    c.push(crash(5, "api-2"), &mut out);
    assert_eq!(out.len(), 2);
    c.flush_all(t(400), &mut out);
    assert_eq!(counts(&out[2..]), [(199, 2, Some(398))]);
    let Entry::Observed { detail, .. } = &out[2] else {
        unreachable!()
    };
    assert_eq!(
        detail, "OOMKilled, exit 137 (#398)",
        "the last detail is kept"
    );
}

#[test]
fn a_repeat_after_the_window_closes_it_and_opens_a_new_line() {
    let mut c = Coalescer::default();
    let mut out = Vec::new();
    c.push(crash(0, "api-1"), &mut out);
    c.push(crash(60, "api-1"), &mut out);
    c.push(crash(120, "api-1"), &mut out);
    assert_eq!(out.len(), 1);
    // 10 minutes after the first line: the count, then a new line.
    c.push(crash(600, "api-1"), &mut out);
    assert_eq!(
        counts(&out),
        [(1, 0, None), (2, 60, Some(120)), (1, 600, None)]
    );
}

#[test]
fn a_periodic_flush_writes_the_counts_of_windows_that_ended_only() {
    let mut c = Coalescer::default();
    let mut out = Vec::new();
    c.push(crash(0, "api-1"), &mut out);
    c.push(crash(30, "api-1"), &mut out);
    c.push(crash(300, "api-2"), &mut out);
    c.push(crash(310, "api-2"), &mut out);
    out.clear();
    c.flush(t(599), &mut out);
    assert!(out.is_empty(), "no window ended yet: {out:?}");
    c.flush(t(600), &mut out);
    assert_eq!(counts(&out), [(1, 30, Some(30))]);
    // The ended window is gone: the next crash of api-1 is a new line;
    // api-2's window is still counting.
    out.clear();
    c.push(crash(601, "api-1"), &mut out);
    c.push(crash(602, "api-2"), &mut out);
    assert_eq!(counts(&out), [(1, 601, None)]);
    // A window without repeats writes nothing when it ends.
    out.clear();
    c.flush(t(1300), &mut out);
    assert_eq!(counts(&out), [(2, 310, Some(602))]);
}

#[test]
fn flush_all_writes_pending_counts_once_and_keeps_counting() {
    let mut c = Coalescer::default();
    let mut out = Vec::new();
    c.push(crash(0, "api-1"), &mut out);
    c.push(crash(10, "api-1"), &mut out);
    out.clear();
    c.flush_all(t(20), &mut out);
    assert_eq!(counts(&out), [(1, 10, Some(10))]);
    out.clear();
    c.flush_all(t(21), &mut out);
    assert!(out.is_empty(), "nothing counted twice: {out:?}");
    c.push(crash(30, "api-1"), &mut out);
    assert!(out.is_empty(), "still the same window");
    c.flush_all(t(40), &mut out);
    assert_eq!(counts(&out), [(1, 30, Some(30))]);
}

#[test]
fn the_cap_drops_new_lines_beyond_it_and_records_how_many() {
    let mut c = Coalescer::new(WINDOW, 3);
    let mut out = Vec::new();
    let accepted: Vec<bool> = (0..10)
        .map(|i| c.push(crash(i, &format!("p{i}")), &mut out))
        .collect();
    assert_eq!(accepted.iter().filter(|a| **a).count(), 3);
    assert_eq!(out.len(), 3);
    // Repeats of a written key are still counted past the cap.
    assert!(c.push(crash(11, "p0"), &mut out));
    // The minute is over: the dropped count is written, new lines pass again.
    assert!(c.push(crash(61, "fresh"), &mut out));
    assert_eq!(
        counts(&out[3..]),
        [(7, 3, Some(-9)), (1, 61, None)],
        "7 dropped between +3 s and +9 s, then the new line"
    );
    out.clear();
    for i in 0..5 {
        c.push(crash(70 + i, &format!("q{i}")), &mut out);
    }
    out.clear();
    c.flush_all(t(80), &mut out);
    assert_eq!(
        counts(&out),
        [(1, 11, Some(11)), (3, 72, Some(-74))],
        "flush_all writes the pending repeat and the pending drop count"
    );
}

#[test]
fn sanitized_strips_escapes_and_bounds_every_string() {
    let o = Observed::new(
        t(0),
        Change::AlertFired,
        Place::in_namespace("ns\x1b[31m", "alert/X\x07")
            .with_context(Some("c\x1b]52;c;x\x07".into())),
        format!("boom\x1b[2J{}", "x".repeat(1000)),
    );
    let s = sanitized(o);
    let all = format!(
        "{:?}{:?}{}{}",
        s.place.context, s.place.namespace, s.place.object, s.detail
    );
    assert!(!all.contains('\x1b') && !all.contains('\x07'), "{all}");
    assert!(s.detail.chars().count() <= DETAIL_MAX, "{}", s.detail.len());
    assert!(s.detail.starts_with("boom"));
}
