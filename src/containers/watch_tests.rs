//! Stats follow the rows on screen: after every frame the pane tells the
//! worker which containers it shows (Problems included), whatever changed
//! them — new data, a container changing group, the filter, a scroll, a
//! resize — and says nothing when nothing changed.

use super::model::{Container, Health};
use super::pane::ContainersPane;
use super::testdata::container;
use super::{Command, Update};
use crate::pane::testing::Press;
use crate::pane::{Outcome, Pane, PaneCtx};
use crate::ui::testing::{Scene, draw};
use std::collections::{BTreeMap, BTreeSet};

fn now() -> jiff::Timestamp {
    "2026-11-23T09:31:27Z".parse().unwrap()
}

fn ctx() -> PaneCtx {
    PaneCtx {
        read_only: false,
        now: now(),
    }
}

/// A replica of compose service `fleet-svc`, as the engine names it.
fn healthy(n: usize) -> Container {
    let mut c = container("healthy");
    c.id = format!("id-{n}");
    c.name = format!("fleet-svc-{n}");
    c.project = Some("fleet".into());
    c.service = Some("svc".into());
    c
}

/// 100 replicas, the unhealthy one last by name (`fleet-svc-100`).
fn fleet() -> Vec<Container> {
    let mut list: Vec<Container> = (1..=99).map(healthy).collect();
    let mut sick = container("unhealthy");
    sick.id = "id-100".into();
    sick.name = "fleet-svc-100".into();
    sick.project = Some("fleet".into());
    sick.service = Some("svc".into());
    list.push(sick);
    // The engine lists in no useful order.
    list.reverse();
    list
}

fn loaded() -> ContainersPane {
    let mut p = ContainersPane::new();
    assert!(p.apply(Update::Snapshot(fleet())));
    p
}

/// Draw a frame as the app does, then take what the pane owes its worker.
fn frame(p: &mut ContainersPane, w: u16, h: u16) -> (String, Vec<Command>) {
    let sources = BTreeMap::new();
    let buf = draw(p, w, h, &Scene::at(now(), &sources));
    (crate::ui::buffer_text(&buf), p.after_frame())
}

/// Ids of the containers whose rows are in `text` (by the name the row
/// shows: in full under Problems, without the project under the project).
fn on_screen(p: &ContainersPane, text: &str) -> BTreeSet<String> {
    let names: BTreeMap<String, String> = p
        .containers
        .iter()
        .flat_map(|c| {
            let short = c.name.strip_prefix("fleet-").unwrap_or(&c.name).to_string();
            [(c.name.clone(), c.id.clone()), (short, c.id.clone())]
        })
        .collect();
    text.lines()
        .flat_map(str::split_whitespace)
        .filter_map(|t| names.get(t).cloned())
        .collect()
}

fn watched(cmds: &[Command]) -> BTreeSet<String> {
    match cmds {
        [Command::WatchStats { ids }] => {
            let set: BTreeSet<String> = ids.iter().cloned().collect();
            assert_eq!(set.len(), ids.len(), "each id once: {ids:?}");
            set
        }
        other => panic!("expected one WatchStats, got {other:?}"),
    }
}

/// Draw, and assert the pane asks for exactly the containers on screen.
fn frame_watches_screen(p: &mut ContainersPane, w: u16, h: u16) -> BTreeSet<String> {
    let (text, cmds) = frame(p, w, h);
    let ids = watched(&cmds);
    assert_eq!(ids, on_screen(p, &text), "{text}");
    ids
}

fn assert_quiet(p: &mut ContainersPane, w: u16, h: u16) {
    let (text, cmds) = frame(p, w, h);
    assert!(
        cmds.is_empty(),
        "nothing changed, nothing sent: {cmds:?}\n{text}"
    );
}

#[test]
fn the_first_frame_watches_the_problem_shown_first_not_the_first_by_name() {
    let mut p = loaded();
    let ids = frame_watches_screen(&mut p, 80, 24);
    assert!(
        ids.contains("id-100"),
        "the unhealthy container on top: {ids:?}"
    );
    // Then the first replicas in natural order: svc-1, svc-2 … svc-N, not
    // svc-1, svc-10, svc-100, svc-11 ….
    let replicas: BTreeSet<String> = (1..ids.len()).map(|n| format!("id-{n}")).collect();
    assert!(ids.len() > 10 && ids.len() < 24, "{ids:?}");
    assert_eq!(ids, &replicas | &BTreeSet::from(["id-100".to_string()]));
    // An idle console sends nothing, frame after frame.
    assert_quiet(&mut p, 80, 24);
    assert_quiet(&mut p, 80, 24);
    // Stats arriving change numbers, not rows.
    p.apply(Update::Stats(vec![(
        "id-100".into(),
        super::model::Stats {
            cpu_percent: 99.0,
            mem_used: 1 << 30,
            mem_limit: 0,
        },
    )]));
    assert_quiet(&mut p, 80, 24);
}

#[test]
fn nothing_is_sent_before_data_and_a_frame() {
    let mut p = ContainersPane::new();
    assert!(p.after_frame().is_empty(), "never drawn");
    let (_, cmds) = frame(&mut p, 80, 24);
    assert!(cmds.is_empty(), "no data yet: the worker's default applies");
    p.apply(Update::Snapshot(fleet()));
    assert!(
        p.after_frame().is_empty(),
        "rows stale until the next frame"
    );
    frame_watches_screen(&mut p, 80, 24);
}

#[test]
fn new_containers_arriving_without_a_key_move_the_watch() {
    let mut p = loaded();
    let before = frame_watches_screen(&mut p, 80, 24);
    // A new problem, last by name: it joins the Problems group on screen.
    let mut dead = container("dead");
    dead.id = "id-dead".into();
    dead.name = "fleet-svc-101".into();
    dead.project = Some("fleet".into());
    dead.service = Some("svc".into());
    assert!(p.apply(Update::Upsert(Box::new(dead))));
    let after = frame_watches_screen(&mut p, 80, 24);
    assert!(
        after.contains("id-dead") && after.contains("id-100"),
        "{after:?}"
    );
    assert_ne!(before, after);
    assert_quiet(&mut p, 80, 24);
    // A healthy newcomer sorting first pushes the last row off.
    assert!(p.apply(Update::Upsert(Box::new(healthy(0)))));
    let after = frame_watches_screen(&mut p, 80, 24);
    assert!(after.contains("id-0"), "{after:?}");
}

#[test]
fn a_container_changing_group_moves_the_watch() {
    let mut p = loaded();
    let before = frame_watches_screen(&mut p, 80, 24);
    assert!(!before.contains("id-50"));
    let mut sick = container("unhealthy");
    sick.id = "id-50".into();
    sick.name = "fleet-svc-50".into();
    sick.project = Some("fleet".into());
    sick.service = Some("svc".into());
    p.apply(Update::Upsert(Box::new(sick)));
    let ids = frame_watches_screen(&mut p, 80, 24);
    assert!(ids.contains("id-50"), "now in Problems, on screen: {ids:?}");
    // It heals: back under its project, off screen.
    let mut healed = healthy(50);
    healed.health = Health::Healthy;
    p.apply(Update::Upsert(Box::new(healed)));
    let ids = frame_watches_screen(&mut p, 80, 24);
    assert!(!ids.contains("id-50"), "{ids:?}");
    assert_eq!(ids, before);
}

#[test]
fn the_filter_moves_the_watch() {
    let mut p = loaded();
    frame_watches_screen(&mut p, 80, 24);
    p.set_filter("svc-9");
    let ids = frame_watches_screen(&mut p, 80, 24);
    let want: BTreeSet<String> = std::iter::once("id-9".to_string())
        .chain((90..=99).map(|n| format!("id-{n}")))
        .collect();
    assert_eq!(ids, want);
    p.set_filter("no-such-container");
    let (_, cmds) = frame(&mut p, 80, 24);
    assert!(
        watched(&cmds).is_empty(),
        "nothing on screen: stop every stream"
    );
    assert_quiet(&mut p, 80, 24);
}

#[test]
fn scrolling_and_resizing_move_the_watch() {
    let mut p = loaded();
    let first = frame_watches_screen(&mut p, 80, 24);
    // A key that scrolls answers with the next frame's rows at once…
    let out = p.press("page_down", &ctx());
    let Outcome::Command(cmd) = out else {
        panic!("{out:?}")
    };
    let ids = watched(&[cmd]);
    assert_ne!(ids, first);
    assert!(!ids.contains("id-100"), "Problems scrolled off: {ids:?}");
    // …which is what that frame shows: the frame adds nothing.
    let (text, cmds) = frame(&mut p, 80, 24);
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(on_screen(&p, &text), ids, "{text}");
    // A key that does not scroll sends nothing.
    p.press("up", &ctx());
    assert_quiet(&mut p, 80, 24);
    // A resize: a taller screen shows more rows, a wider one the same.
    p.press("top", &ctx());
    assert_quiet(&mut p, 80, 24);
    let tall = frame_watches_screen(&mut p, 80, 40);
    assert!(
        tall.len() > first.len() && tall.is_superset(&first),
        "{tall:?}"
    );
    assert_quiet(&mut p, 120, 40);
    let short = frame_watches_screen(&mut p, 80, 12);
    assert!(
        short.contains("id-100") && short.len() < first.len(),
        "{short:?}"
    );
}

#[test]
fn the_detail_view_watches_its_container() {
    let mut p = loaded();
    frame_watches_screen(&mut p, 80, 24);
    // The selection lands on the problem, the first selectable row.
    let out = p.press("select", &ctx());
    assert_eq!(
        out,
        Outcome::Command(Command::WatchStats {
            ids: vec!["id-100".into()]
        })
    );
    assert_quiet(&mut p, 80, 24);
    let out = p.press("back", &ctx());
    let Outcome::Command(cmd) = out else {
        panic!("{out:?}")
    };
    let (text, cmds) = frame(&mut p, 80, 24);
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(watched(&[cmd]), on_screen(&p, &text));
}

#[test]
fn every_list_sorts_names_naturally() {
    let mut p = loaded();
    let (text, _) = frame(&mut p, 80, 60);
    let rows: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .filter(|t| t.starts_with("svc-"))
        .collect();
    assert_eq!(
        &rows[..12],
        [
            "svc-1", "svc-2", "svc-3", "svc-4", "svc-5", "svc-6", "svc-7", "svc-8", "svc-9",
            "svc-10", "svc-11", "svc-12"
        ]
    );
    // Newcomers are kept in natural order too (the report lists them so).
    p.apply(Update::Upsert(Box::new(healthy(0))));
    let names: Vec<&str> = p.containers.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        &names[..3],
        ["fleet-svc-0", "fleet-svc-1", "fleet-svc-2"],
        "{names:?}"
    );
}
