//! Stats follow the rows on screen, through the real engine: the pane is
//! drawn as the app draws it, and what it owes after each frame is sent to a
//! live worker — no key is pressed.

use crate::harness::{Running, Scope, docker};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use warroom::containers::Command;
use warroom::containers::Update as CUpdate;
use warroom::containers::pane::ContainersPane;
use warroom::event::Update;
use warroom::keymap::Keymap;
use warroom::pane::{Pane, PaneId, RenderCtx};
use warroom::theme::Theme;

/// Draw a frame, then send what the pane owes the worker; returns the sets sent.
fn frame(pane: &mut ContainersPane, w: &Running, h: u16) -> Vec<Vec<String>> {
    let theme = Theme::fallback(true);
    let keymap = Keymap::for_pane::<warroom::containers::Action>(PaneId::Containers);
    let sources = BTreeMap::new();
    let now = jiff::Timestamp::now();
    let ctx = RenderCtx {
        theme: &theme,
        keymap: &keymap,
        now,
        read_only: false,
        demo: false,
        sources: &sources,
    };
    let area = Rect::new(0, 0, 80, h);
    let mut buf = Buffer::empty(area);
    pane.prepare(now);
    pane.render(area, &mut buf, &ctx);
    let mut sent = Vec::new();
    for cmd in pane.after_frame() {
        if let Command::WatchStats { ids } = &cmd {
            sent.push(ids.clone());
        }
        w.send(cmd);
    }
    sent
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unhealthy_container_on_top_gets_stats_without_a_key() {
    let scope = Scope::new("screen");
    let compose = [
        "--label",
        "com.docker.compose.project=wrtest",
        "--label",
        "com.docker.compose.service=svc",
    ];
    let idle = [
        "sh",
        "-c",
        "trap 'exit 0' TERM; while true; do sleep 1; done",
    ];
    let mut ids = BTreeMap::new();
    for n in 1..=9 {
        let name = format!("svc-{n}");
        ids.insert(n, scope.run(&name, &compose, &idle));
    }
    // Last by name (naturally: svc-10 after svc-9), first on screen.
    let sick_name = scope.name("svc-10");
    let sick = scope.healthy("svc-10", &compose[2..]);
    scope.wait_inspect(
        &sick_name,
        "{{.State.Health.Status}}",
        "healthy",
        Duration::from_secs(20),
    );
    docker(&["exec", &sick_name, "rm", "/tmp/h"]);
    scope.wait_inspect(
        &sick_name,
        "{{.State.Health.Status}}",
        "unhealthy",
        Duration::from_secs(20),
    );

    let mut w = Running::local();
    let mut pane = ContainersPane::new();
    // Only this test's containers (others may run on the engine).
    pane.set_filter(&scope.name("svc-"));
    // A 10-row terminal: Problems, the sick one, the project, svc-1..svc-3.
    // Frames follow updates only, as in the app: no key is pressed.
    let deadline = Instant::now() + Duration::from_secs(20);
    let (sent, at) = loop {
        assert!(
            Instant::now() < deadline,
            "the pane never said what is on screen"
        );
        pump(&mut w, &mut pane).await;
        if let Some(s) = frame(&mut pane, &w, 10).pop() {
            break (s, Instant::now());
        }
    };
    assert!(sent.contains(&sick), "the problem on top: {sent:?}");
    assert!(sent.contains(&ids[&1]), "svc-1 is on screen: {sent:?}");
    assert!(
        !sent.contains(&ids[&9]),
        "svc-9 is below the screen: {sent:?}"
    );
    // Stats for the sick one arrive; none for what is off screen. Frames
    // after each update send nothing more: the screen did not change.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen_sick = None;
    while seen_sick.is_none() || Instant::now() < at + Duration::from_secs(5) {
        assert!(
            Instant::now() < deadline,
            "no stats for the unhealthy container within 10 s"
        );
        if let Some(batch) = pump(&mut w, &mut pane).await {
            assert!(!batch.contains(&ids[&9]), "svc-9 is off screen: {batch:?}");
            if seen_sick.is_none() && batch.contains(&sick) {
                seen_sick = Some(at.elapsed());
            }
        }
        assert_eq!(frame(&mut pane, &w, 10), Vec::<Vec<String>>::new());
    }
    eprintln!("stats for the unhealthy container on top {seen_sick:?} after the watch");
    assert!(has_stats(&pane, &sick));
    // A taller terminal shows svc-9 too: its stats follow.
    let sent = frame(&mut pane, &w, 24);
    assert!(
        sent.last()
            .is_some_and(|s| s.contains(&ids[&9]) && s.contains(&sick)),
        "{sent:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        assert!(
            Instant::now() < deadline,
            "no stats for svc-9 after the resize"
        );
        if pump(&mut w, &mut pane)
            .await
            .is_some_and(|b| b.contains(&ids[&9]))
        {
            break;
        }
    }
    assert!(has_stats(&pane, &ids[&9]));
}

/// Apply what the worker sent within 200 ms; the ids of a stats batch among it.
async fn pump(w: &mut Running, pane: &mut ContainersPane) -> Option<Vec<String>> {
    match tokio::time::timeout(Duration::from_millis(200), w.rx.recv()).await {
        Ok(Some(Update::Containers(u))) => {
            let batch = match &u {
                CUpdate::Stats(s) => Some(s.iter().map(|(id, _)| id.clone()).collect()),
                _ => None,
            };
            pane.apply(u);
            batch
        }
        Ok(Some(_)) | Err(_) => None,
        Ok(None) => panic!("worker channel closed"),
    }
}

/// The pane holds a CPU/memory sample for container `id`.
fn has_stats(pane: &ContainersPane, id: &str) -> bool {
    pane.container(id).is_some_and(|c| c.stats.is_some())
}
