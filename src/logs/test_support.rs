//! Fixtures the logs pane tests share: a fixed clock, log lines, keys,
//! a pane with a query run and a page of results, and rendering into a buffer.

use super::loki::VolumeSeries;
use super::pane::LogsPane;
use super::*;
use crate::pane::{Jump, Outcome, Pane, PaneCtx, SourceState};
use crate::source::{SourceId, SourceKind, SourceStatus};
use crate::theme::Theme;
use crate::ui::testing::Scene;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use std::collections::BTreeMap;
use std::sync::Arc;

pub(super) const T0: i128 = 1_769_869_800_000_000_000; // 2026-01-31T14:30:00Z
pub(super) fn now() -> jiff::Timestamp {
    jiff::Timestamp::from_nanosecond(T0 + 3_600_000_000_000).unwrap()
}

pub(super) fn ctx() -> PaneCtx {
    PaneCtx {
        read_only: false,
        now: now(),
    }
}

pub(super) fn cfg() -> Config {
    Config::default()
}

pub(super) fn theme() -> Theme {
    Theme::load("default", false).unwrap()
}

pub(super) fn render(p: &mut LogsPane, w: u16, h: u16, loki: bool) -> Buffer {
    render_at(p, w, h, loki, now())
}

pub(super) fn render_at(
    p: &mut LogsPane,
    w: u16,
    h: u16,
    loki: bool,
    at: jiff::Timestamp,
) -> Buffer {
    let mut sources = BTreeMap::new();
    if loki {
        sources.insert(
            SourceId::new(SourceKind::Loki, ""),
            SourceState {
                status: SourceStatus::Connected {
                    detail: "Loki 3.4.2".into(),
                },
                last_data: None,
                since: now(),
            },
        );
    }
    let scene = Scene {
        theme: theme(),
        ..Scene::at(at, &sources)
    };
    crate::ui::testing::draw(p, w, h, &scene)
}

fn labels(app: &str) -> Arc<Vec<(String, String)>> {
    Arc::new(vec![
        ("app".to_string(), app.to_string()),
        ("namespace".to_string(), "toolboxai".to_string()),
    ])
}

pub(super) fn line(i: i128, app: &str, text: &str) -> LogLine {
    LogLine {
        ts_ns: Some(T0 + i * 1_250_000_000),
        stream: Stream::Stdout,
        labels: labels(app),
        text: text.into(),
    }
}

pub(super) fn commands(o: &super::pane::Out) -> Vec<Command> {
    match o {
        Outcome::Command(c) => vec![c.clone()],
        Outcome::Many(v) => v.iter().flat_map(commands).collect(),
        _ => Vec::new(),
    }
}

pub(super) fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

pub(super) fn type_text(p: &mut LogsPane, text: &str) {
    for c in text.chars() {
        p.on_key(key(KeyCode::Char(c)), &ctx());
    }
}

/// A pane with a query run and a page of results applied.
pub(super) fn with_results() -> LogsPane {
    let mut p = LogsPane::new(&cfg());
    let o = p.on_jump(
        &Jump::LogQuery {
            query: r#"{namespace="toolboxai"}"#.into(),
            from: None,
        },
        &ctx(),
    );
    let cmds = commands(&o);
    let Some(Command::Query { id, .. }) = cmds.iter().find(|c| matches!(c, Command::Query { .. }))
    else {
        panic!("no query sent: {cmds:?}")
    };
    let Some(Command::Volume {
        id: vid,
        start_ns,
        end_ns,
        step_secs,
        ..
    }) = cmds.iter().find(|c| matches!(c, Command::Volume { .. }))
    else {
        panic!("no volume query sent: {cmds:?}")
    };
    p.apply(Update::Volume {
        id: *vid,
        start_ns: *start_ns,
        end_ns: *end_ns,
        step_secs: *step_secs,
        series: vec![
            VolumeSeries {
                level: "info".into(),
                points: (0..60)
                    .map(|i| {
                        (
                            (T0 / 1_000_000_000) as f64 + i as f64 * 60.0,
                            (i % 7 + 3) as f64,
                        )
                    })
                    .collect(),
            },
            VolumeSeries {
                level: "error".into(),
                points: vec![((T0 / 1_000_000_000) as f64 + 1800.0, 9.0)],
            },
        ],
    });
    let lines = vec![
        line(
            0,
            "backend",
            "INFO [uvicorn.access] \"GET /api/v1/courses/17 HTTP/1.1\" 200 12ms",
        ),
        line(
            1,
            "postgres",
            "FATAL:  remaining connection slots are reserved",
        ),
        line(2, "backend", "WARNING [backend.api] slow query took 812ms"),
        line(
            3,
            "dashboard",
            r#"{"level":"error","msg":"fetch failed","status":502}"#,
        ),
        line(4, "agents", "level=debug msg=\"dispatch\" agent=agent-2"),
        line(
            5,
            "nginx",
            "GET /search?q=\x1b]0;pwned\x07\x1b]52;c;Y3VybA==\x07\x1b[31mRED\x1b[0m 400",
        ),
        line(
            6,
            "backend",
            "ERROR [backend.api] request 42 failed: connection refused",
        ),
    ];
    p.apply(Update::Page {
        id: *id,
        query: r#"{namespace="toolboxai"}"#.into(),
        lines,
        older: false,
        boundary: Some(Boundary {
            ts_ns: T0,
            keys: vec![1],
        }),
        more: true,
    });
    p
}

pub(super) fn row_of(buf: &Buffer, needle: &str) -> u16 {
    let text = crate::ui::buffer_text(buf);
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not on screen:\n{text}")) as u16
}

pub(super) fn col_of(buf: &Buffer, y: u16, needle: &str) -> u16 {
    let text = crate::ui::buffer_text(buf);
    let l = text.lines().nth(y as usize).unwrap();
    let byte = l.find(needle).unwrap();
    unicode_width::UnicodeWidthStr::width(&l[..byte]) as u16
}
