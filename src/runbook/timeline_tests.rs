use super::*;
use crate::runbook::coalesce::Coalescer;

fn t(secs: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + secs).unwrap()
}

fn crash(at: i64) -> Observed {
    Observed::new(
        t(at),
        Change::PodCrashed,
        Place::in_namespace("shop", "pod/api-1"),
        "OOMKilled",
    )
}

#[test]
fn a_crash_loop_is_one_line_live_and_from_the_journal_alike() {
    // 200 crashes, one every 9 s (30 minutes: three coalescing windows).
    let mut c = Coalescer::default();
    let mut written = Vec::new();
    let mut live = Timeline::default();
    for i in 0..200 {
        let o = crash(i * 9);
        if c.push(o.clone(), &mut written) {
            live.observe(&o);
        }
    }
    c.flush_all(t(200 * 9), &mut written);
    assert!(
        written.len() <= 8,
        "a handful of journal lines: {}",
        written.len()
    );
    let replayed = Timeline::from_entries(&written);
    for tl in [&live, &replayed] {
        assert_eq!(tl.len(), 1, "{:?}", tl.lines().collect::<Vec<_>>());
        let l = tl.lines().next().unwrap();
        assert_eq!((l.count, l.at, l.last), (200, t(0), t(199 * 9)));
        assert_eq!(l.what_counted(), "pod crashed ×200");
        assert_eq!(l.place, "shop/pod/api-1");
    }
    let heads = observed_heads(&written);
    assert_eq!(heads.len(), 1);
    assert_eq!(heads[&0].count, 200);
}

#[test]
fn a_crash_long_after_the_last_is_a_new_line() {
    let mut tl = Timeline::default();
    assert_eq!(tl.observe(&crash(0)), Placed::New(0));
    assert_eq!(tl.observe(&crash(60)), Placed::Merged(0));
    assert_eq!(tl.observe(&crash(60 + 601)), Placed::New(1));
}

#[test]
fn the_view_keeps_the_newest_lines_and_the_pane_copy_follows() {
    let mut tl = Timeline::new(3);
    let mut shown = Shown::default();
    for i in 0..5 {
        tl.observe(&Observed::new(
            t(i),
            Change::AlertFired,
            Place::object(format!("alert/A{i}")),
            "",
        ));
    }
    assert_eq!(tl.len(), 3);
    assert_eq!(tl.lines().next().unwrap().place, "alert/A2");
    assert_eq!(shown.apply("r1", true, tl.all()), 3);
    tl.take_changes();
    // A merge changes a line in place; a new one is appended.
    tl.observe(&Observed::new(
        t(9),
        Change::AlertFired,
        Place::object("alert/A4"),
        "",
    ));
    tl.observe(&Observed::new(
        t(10),
        Change::AlertResolved,
        Place::object("alert/A4"),
        "",
    ));
    let changes = tl.take_changes();
    assert_eq!(changes.len(), 2);
    assert_eq!(shown.apply("r1", false, changes), 1);
    let places: Vec<(String, u64)> = shown
        .lines
        .iter()
        .map(|l| (l.what.clone(), l.count))
        .collect();
    assert_eq!(shown.lines.len(), 4, "{places:?}");
    assert_eq!(shown.lines[2].count, 2);
    assert_eq!(shown.lines[3].what, "alert resolved");
}
