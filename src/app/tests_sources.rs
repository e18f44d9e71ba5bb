//! The shell and its sources: which status changes count, what a source
//! going away and coming back hands the panes, and what the status bar says.

use super::*;
#[test]
fn status_updates_only_count_as_changes_when_they_change() {
    let (mut app, _) = app_with(false, false);
    let id = SourceId::new(SourceKind::Docker, "local");
    let connected = SourceStatus::Connected {
        detail: "Docker 20.10".into(),
    };
    assert!(app.apply(Update::Status {
        source: id.clone(),
        status: connected.clone()
    }));
    assert!(!app.apply(Update::Status {
        source: id.clone(),
        status: connected
    }));
    assert!(!app.wants_tick(), "nothing animates once connected");
    assert!(app.apply(Update::Status {
        source: id,
        status: SourceStatus::Loading
    }));
    assert!(app.wants_tick(), "the spinner animates while loading");
}

#[test]
fn a_source_losing_its_data_and_getting_it_back_is_handed_to_every_pane() {
    let (mut app, log) = app_with(false, false);
    let id = SourceId::new(SourceKind::Prometheus, "main");
    let status = |s: SourceStatus| Update::Status {
        source: id.clone(),
        status: s,
    };
    app.apply(status(SourceStatus::Loading));
    app.apply(status(SourceStatus::Connected {
        detail: "3.5".into(),
    }));
    assert!(!app.pass_observations(), "the first load is not a change");
    app.apply(status(SourceStatus::Unreachable {
        reason: "connection refused".into(),
        hint: "check [[prometheus]] url".into(),
    }));
    app.apply(status(SourceStatus::Connected {
        detail: "3.5".into(),
    }));
    assert!(app.pass_observations());
    let seen: Vec<String> = log
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.starts_with("observed:"))
        .cloned()
        .collect();
    let panes = PaneId::ALL.len();
    assert_eq!(
        seen.len(),
        2 * panes,
        "both changes, to every pane: {seen:?}"
    );
    assert!(
        seen.contains(&"observed:source unreachable:prom:main:connection refused".to_string()),
        "{seen:?}"
    );
    assert!(
        seen.contains(&"observed:source back:prom:main:".to_string()),
        "{seen:?}"
    );
    assert!(!app.pass_observations(), "handed once");
}

#[test]
fn the_status_bar_says_why_a_source_is_down() {
    let (mut app, _) = app_with(false, false);
    let ok = SourceId::new(SourceKind::Prometheus, "main");
    let down = SourceId::new(SourceKind::Alertmanager, "main");
    app.apply(Update::Status {
        source: ok,
        status: SourceStatus::Connected {
            detail: String::new(),
        },
    });
    app.apply(Update::Status {
        source: down,
        status: SourceStatus::Unreachable {
            reason: "connection refused".into(),
            hint: "check [[alertmanager]] url".into(),
        },
    });
    let text = crate::ui::buffer_text(&crate::app::draw::render_to_buffer(
        &mut app,
        100,
        10,
        jiff::Timestamp::now(),
    ));
    let status = text.lines().nth(9).unwrap();
    assert!(
        status.contains("prom ✓") && status.contains("am ✗"),
        "{status}"
    );
    assert!(status.contains("am:main: connection refused"), "{status}");

    // A second Alertmanager that answers: the kind is degraded, not dark.
    app.apply(Update::Status {
        source: SourceId::new(SourceKind::Alertmanager, "dr"),
        status: SourceStatus::Connected {
            detail: String::new(),
        },
    });
    let now = app.clock.now();
    let buf = crate::app::draw::render_to_buffer(&mut app, 100, 10, now);
    let status = crate::ui::buffer_text(&buf)
        .lines()
        .nth(9)
        .unwrap()
        .to_string();
    assert!(status.contains("am ✗1/2"), "{status}");
    let x = status.find("✗1/2").unwrap();
    let col = status[..x].chars().count() as u16;
    assert_ne!(app.theme.warning.fg, app.theme.critical.fg);
    assert_eq!(buf[(col, 9)].fg, app.theme.warning.fg.unwrap_or_default());
}

#[test]
fn a_broken_watch_counts_its_stale_age_from_the_break_and_a_poll_from_its_last_success() {
    use crate::source::{SourceId, SourceKind, SourceStatus};
    let (mut app, _) = app_with(false, false);
    let connected = || SourceStatus::Connected {
        detail: "v1.30".into(),
    };
    let stale = || SourceStatus::Stale {
        reason: "watch: connection reset".into(),
    };
    let k8s = SourceId::new(SourceKind::Kubernetes, "prod");
    let am = SourceId::new(SourceKind::Alertmanager, "main");
    for id in [&k8s, &am] {
        app.apply(Update::Status {
            source: id.clone(),
            status: connected(),
        });
    }
    let connected_at = app.sources[&k8s].last_data.unwrap();
    app.clock.advance(jiff::SignedDuration::from_secs(40));
    for id in [&k8s, &am] {
        app.apply(Update::Status {
            source: id.clone(),
            status: stale(),
        });
    }
    assert_eq!(
        app.sources[&k8s].last_data.unwrap(),
        connected_at + jiff::SignedDuration::from_secs(40),
        "the watch kept the data current until it broke"
    );
    assert!(
        app.sources[&am].last_data.unwrap() < app.sources[&am].since,
        "a polled source's data is as old as its last successful poll"
    );
}
