//! Logs pane behaviour and snapshots (80x24), driven with synthetic updates.

use super::loki::VolumeSeries;
use super::pane::LogsPane;
use super::*;
use crate::pane::testing::Press;
use crate::pane::{Jump, Outcome, Pane, PaneCtx, RenderCtx, SourceState};
use crate::source::{SourceId, SourceKind, SourceStatus};
use crate::target::LogStreamRequest;
use crate::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::collections::BTreeMap;
use std::sync::Arc;

const T0: i128 = 1_769_869_800_000_000_000; // 2026-01-31T14:30:00Z

fn now() -> jiff::Timestamp {
    jiff::Timestamp::from_nanosecond(T0 + 3_600_000_000_000).unwrap()
}

fn ctx() -> PaneCtx {
    PaneCtx {
        read_only: false,
        now: now(),
    }
}

fn cfg() -> Config {
    Config::default()
}

fn theme() -> Theme {
    Theme::load("default", false).unwrap()
}

fn render(p: &mut LogsPane, w: u16, h: u16, loki: bool) -> Buffer {
    render_at(p, w, h, loki, now())
}

fn render_at(p: &mut LogsPane, w: u16, h: u16, loki: bool, at: jiff::Timestamp) -> Buffer {
    let theme = theme();
    let keymap = crate::keymap::Keymap::for_pane::<crate::logs::Action>(crate::pane::PaneId::Logs);
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
    let rctx = RenderCtx {
        theme: &theme,
        keymap: &keymap,
        now: at,
        read_only: false,
        demo: false,
        sources: &sources,
    };
    let area = Rect::new(0, 0, w, h);
    let mut buf = Buffer::empty(area);
    p.render(area, &mut buf, &rctx);
    buf
}

fn labels(app: &str) -> Arc<Vec<(String, String)>> {
    Arc::new(vec![
        ("app".to_string(), app.to_string()),
        ("namespace".to_string(), "toolboxai".to_string()),
    ])
}

fn line(i: i128, app: &str, text: &str) -> LogLine {
    LogLine {
        ts_ns: Some(T0 + i * 1_250_000_000),
        stream: Stream::Stdout,
        labels: labels(app),
        text: text.into(),
    }
}

fn commands(o: &super::pane::Out) -> Vec<Command> {
    match o {
        Outcome::Command(c) => vec![c.clone()],
        Outcome::Many(v) => v.iter().flat_map(commands).collect(),
        _ => Vec::new(),
    }
}

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn type_text(p: &mut LogsPane, text: &str) {
    for c in text.chars() {
        p.on_key(key(KeyCode::Char(c)), &ctx());
    }
}

/// A pane with a query run and a page of results applied.
fn with_results() -> LogsPane {
    let mut p = LogsPane::new(&cfg());
    let o = p.on_jump(
        &Jump::LogQuery {
            query: r#"{namespace="toolboxai"}"#.into(),
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

fn row_of(buf: &Buffer, needle: &str) -> u16 {
    let text = crate::ui::buffer_text(buf);
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not on screen:\n{text}")) as u16
}

fn col_of(buf: &Buffer, y: u16, needle: &str) -> u16 {
    let text = crate::ui::buffer_text(buf);
    let l = text.lines().nth(y as usize).unwrap();
    let byte = l.find(needle).unwrap();
    unicode_width::UnicodeWidthStr::width(&l[..byte]) as u16
}

#[test]
fn loki_results_show_levels_in_colour_histogram_and_paging_hint() {
    let mut p = with_results();
    p.press("top", &ctx());
    let buf = render(&mut p, 80, 24, true);
    insta::assert_snapshot!("loki_results_80x24", crate::ui::buffer_text(&buf));
    let t = theme();
    let y = row_of(&buf, "FATAL:");
    let x = col_of(&buf, y, "FATAL:");
    assert_eq!(
        buf[(x, y)].fg,
        t.level_error.fg.unwrap(),
        "fatal lines are red"
    );
    let y = row_of(&buf, "WARNING [backend");
    let x = col_of(&buf, y, "WARNING");
    assert_eq!(buf[(x, y)].fg, t.level_warn.fg.unwrap());
    let y = row_of(&buf, "level=debug");
    let x = col_of(&buf, y, "level=debug");
    assert_eq!(buf[(x, y)].fg, t.level_debug.fg.unwrap());
    // The level letter reads without colour.
    assert!(crate::ui::buffer_text(&buf).contains(" E dashboard"));
    // Escape sequences are gone; the text around them stays.
    let text = crate::ui::buffer_text(&buf);
    assert!(text.contains("GET /search?q=RED 400"), "{text}");
    assert!(!text.contains('\x1b') && !text.contains('\x07'));
    assert!(text.contains("o: older"));
    // The histogram draws error volume in the error colour.
    let error_bars = (3..6)
        .flat_map(|y| (1..79).map(move |x| (x, y)))
        .filter(|(x, y)| buf[(*x, *y)].fg == t.level_error.fg.unwrap())
        .count();
    assert!(error_bars > 0, "error bars are red");
}

#[test]
fn search_highlights_matches_and_n_moves_between_them() {
    let mut p = with_results();
    p.press("search", &ctx());
    assert!(p.captures_input());
    type_text(&mut p, "backend");
    p.on_key(key(KeyCode::Enter), &ctx());
    assert!(!p.captures_input());
    let first = p.viewer().selected_index();
    p.press("next_match", &ctx());
    assert_ne!(p.viewer().selected_index(), first);
    let buf = render(&mut p, 80, 24, true);
    let t = theme();
    let y = row_of(&buf, "WARNING [backend");
    let x = col_of(&buf, y, "backend.api");
    assert_eq!(
        buf[(x, y)].bg,
        t.search_match.bg.unwrap(),
        "matches are highlighted: {:?}",
        (x..x + 12)
            .map(|x| (buf[(x, y)].symbol().to_string(), buf[(x, y)].bg))
            .collect::<Vec<_>>()
    );
    assert!(crate::ui::buffer_text(&buf).contains("⌕backend (n/N)"));
}

#[test]
fn include_exclude_prompts_filter_the_view() {
    let mut p = with_results();
    p.press("include", &ctx());
    type_text(&mut p, "backend");
    p.on_key(key(KeyCode::Enter), &ctx());
    assert_eq!(p.viewer().visible_len(), 2, "lines containing 'backend'");
    p.press("exclude", &ctx());
    type_text(&mut p, "slow");
    p.on_key(key(KeyCode::Enter), &ctx());
    assert_eq!(p.viewer().visible_len(), 1);
    let text = crate::ui::buffer_text(&render(&mut p, 80, 24, true));
    assert!(
        text.contains("1/7 lines · o: older +backend -slow"),
        "{text}"
    );
    p.press("clear_filters", &ctx());
    assert_eq!(p.viewer().visible_len(), 7);
}

#[test]
fn json_context_and_expand_views() {
    let mut p = with_results();
    p.press("top", &ctx());
    for _ in 0..3 {
        p.press("down", &ctx());
    }
    p.press("json", &ctx());
    let buf = render(&mut p, 80, 24, true);
    insta::assert_snapshot!("json_view_80x24", crate::ui::buffer_text(&buf));
    p.press("back", &ctx());
    assert!(p.viewer().detail.is_none());
    p.press("context", &ctx());
    assert!(p.viewer().detail.is_some());
    p.press("back", &ctx());
    p.press("up", &ctx());
    assert!(matches!(p.press("json", &ctx()), Outcome::Notify(m) if m.contains("not JSON")));
}

#[test]
fn editor_runs_the_query_and_keeps_history() {
    let mut p = LogsPane::new(&cfg());
    p.apply(Update::History(vec![r#"{app="old"}"#.into()]));
    p.press("edit_query", &ctx());
    assert!(p.captures_input());
    let buf = render(&mut p, 80, 24, true);
    assert!(crate::ui::buffer_text(&buf).contains(r#"LogQL › {app="old"}"#));
    // Clear the prefilled text and type a new query.
    for _ in 0..20 {
        p.on_key(key(KeyCode::Backspace), &ctx());
    }
    type_text(&mut p, r#"{app="api"} |= "error""#);
    let o = p.on_key(key(KeyCode::Enter), &ctx());
    let cmds = commands(&o);
    assert!(cmds.iter().any(|c| matches!(c, Command::Query { query, limit: 1000, direction: Direction::Backward, boundary: None, .. } if query == r#"{app="api"} |= "error""#)), "{cmds:?}");
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::SaveHistory(h) if h.len() == 2))
    );
    assert!(cmds.iter().any(|c| matches!(c, Command::Volume { .. })));
    // Up recalls history in the editor.
    p.press("edit_query", &ctx());
    p.on_key(key(KeyCode::Up), &ctx());
    p.on_key(key(KeyCode::Up), &ctx());
    let text = crate::ui::buffer_text(&render(&mut p, 80, 24, true));
    assert!(text.contains(r#"LogQL › {app="old"}"#), "{text}");
    p.press("back", &ctx());
    assert!(!p.captures_input());
}

#[test]
fn loki_errors_show_lokis_text_and_a_hint() {
    let mut p = LogsPane::new(&cfg());
    let o = p.on_jump(
        &Jump::LogQuery {
            query: "{app=\"api\"".into(),
        },
        &ctx(),
    );
    let id = commands(&o)
        .iter()
        .find_map(|c| match c {
            Command::Query { id, .. } => Some(*id),
            _ => None,
        })
        .unwrap();
    p.apply(Update::Failed {
        id,
        what: "query".into(),
        error: LokiError::from_status(
            400,
            "parse error at line 1, col 11: syntax error: unexpected $end, expecting } or ,",
        ),
    });
    let buf = render(&mut p, 80, 24, true);
    insta::assert_snapshot!("loki_error_80x24", crate::ui::buffer_text(&buf));
    let text = crate::ui::buffer_text(&buf);
    assert!(text.contains("Loki answered 400: parse error at line 1, col 11"));
    assert!(text.contains("hint: fix the LogQL syntax"));
    assert!(!text.to_lowercase().contains("json"));
}

#[test]
fn older_paging_sends_the_boundary_and_prepends() {
    let mut p = with_results();
    let o = p.press("older", &ctx());
    let cmds = commands(&o);
    let Some(Command::Query {
        id,
        boundary: Some(b),
        ..
    }) = cmds.first()
    else {
        panic!("{cmds:?}")
    };
    assert_eq!(b.ts_ns, T0);
    p.apply(Update::Page {
        id: *id,
        query: String::new(),
        lines: vec![
            line(-2, "backend", "older one"),
            line(-1, "backend", "older two"),
        ],
        older: true,
        boundary: None,
        more: false,
    });
    assert_eq!(p.viewer().visible_len(), 9);
    assert_eq!(p.viewer().visible_entry(0).unwrap().line.text, "older one");
    assert!(matches!(p.press("older", &ctx()), Outcome::Notify(m) if m.contains("no more")));
}

#[test]
fn tail_pause_reconnect_dropped_and_evictions_are_visible() {
    let mut cfg = cfg();
    cfg.logs.ring_lines = 5;
    let mut p = LogsPane::new(&cfg);
    let q = r#"{app="api"}"#.to_string();
    p.on_jump(&Jump::LogQuery { query: q.clone() }, &ctx());
    let o = p.press("follow", &ctx());
    assert!(matches!(commands(&o).as_slice(), [Command::Tail { query, .. }] if *query == q));
    let target = LogTarget::Loki { query: q.clone() };
    let batch: Vec<LogLine> = (0..8)
        .map(|i| line(i, "api", &format!("tail line {i}")))
        .collect();
    p.apply(Update::Lines {
        target: target.clone(),
        lines: batch,
    });
    p.apply(Update::Tail {
        query: q.clone(),
        state: TailState::Reconnecting {
            attempt: 2,
            error: "connection reset".into(),
        },
        dropped: 12,
    });
    let text = crate::ui::buffer_text(&render(&mut p, 80, 24, true));
    assert!(
        text.contains("↻ reconnecting, try 2: connection reset"),
        "{text}"
    );
    assert!(
        text.contains("5 lines · 3 evicted · dropped 12 · ↻ reconnecting"),
        "{text}"
    );
    p.press("pause", &ctx());
    p.apply(Update::Lines {
        target,
        lines: vec![line(9, "api", "while paused")],
    });
    let buf = render(&mut p, 80, 24, true);
    insta::assert_snapshot!("tail_paused_80x24", crate::ui::buffer_text(&buf));
    let status = crate::ui::buffer_text(&buf)
        .lines()
        .nth(2)
        .unwrap()
        .to_string();
    // Paused at 80 columns still shows what was lost (evicted here, dropped
    // by Loki) and what the connection is doing; the error text may be cut.
    assert!(
        status.contains("❚❚ PAUSED (1 new)  5 lines · 3 evicted · dropped 12 · ↻ reconnecting"),
        "{status}"
    );
    let wide = crate::ui::buffer_text(&render(&mut p, 120, 24, true));
    assert!(
        wide.contains("dropped 12 · ↻ reconnecting, try 2: connection reset"),
        "{wide}"
    );
    p.apply(Update::Tail {
        query: q.clone(),
        state: TailState::Live,
        dropped: 13,
    });
    let text = crate::ui::buffer_text(&render(&mut p, 80, 24, true));
    assert!(
        text.contains("❚❚ PAUSED (1 new)  5 lines · 3 evicted · dropped 13 · ● connected"),
        "{text}"
    );
    assert!(!text.contains("LIVE"), "{text}");
    p.press("pause", &ctx());
    assert_eq!(
        p.viewer().selected_entry().unwrap().line.text,
        "while paused"
    );
    assert!(matches!(
        commands(&p.press("follow", &ctx())).as_slice(),
        [Command::StopTail]
    ));
}

#[test]
fn refused_tail_shows_lokis_error_and_stops() {
    let mut p = LogsPane::new(&cfg());
    let q = r#"{app="api"} |= "x"#.to_string();
    p.on_jump(&Jump::LogQuery { query: q.clone() }, &ctx());
    p.press("follow", &ctx());
    let e = LokiError::from_status(
        400,
        "parse error at line 1, col 18: syntax error: unexpected $end\n",
    );
    p.apply(Update::Tail {
        query: q,
        state: TailState::Failed(e),
        dropped: 0,
    });
    let text = crate::ui::buffer_text(&render(&mut p, 80, 24, true));
    assert!(
        text.contains("✗ tail refused (400), not retrying"),
        "{text}"
    );
    assert!(
        text.contains("✗ Loki answered 400: parse error at line 1, col 18"),
        "{text}"
    );
    assert!(text.contains("hint: fix the LogQL syntax"), "{text}");
}

#[test]
fn pod_and_container_streams_go_to_their_workers() {
    let mut p = LogsPane::new(&cfg());
    let pod = LogTarget::Pod {
        context: None,
        namespace: "toolboxai".into(),
        name: "backend-7d9f8b6c5-x2x9k".into(),
        container: None,
        previous: false,
    };
    let o = p.on_jump(&Jump::LogStream(pod.clone()), &ctx());
    let Outcome::Many(list) = &o else {
        panic!("{o:?}")
    };
    assert!(list.iter().any(|o| matches!(o, Outcome::Command(Command::Stream(LogStreamRequest::Open { target, follow: true, since_seconds: None, tail_lines: Some(_) })) if *target == pod)));
    // With a since: from that far back, not the last lines.
    let o = p.on_jump(
        &Jump::LogStreamSince {
            target: pod.clone(),
            since_seconds: 900,
        },
        &ctx(),
    );
    let Outcome::Many(list) = &o else {
        panic!("{o:?}")
    };
    assert!(list.iter().any(|o| matches!(o, Outcome::Command(Command::Stream(LogStreamRequest::Open { target, since_seconds: Some(900), tail_lines: None, .. })) if *target == pod)), "{list:?}");
    let text = crate::ui::buffer_text(&render(&mut p, 100, 10, false));
    assert!(
        text.contains("since 15m ago"),
        "the header says how far back: {text}"
    );
    let later = now() + jiff::SignedDuration::from_hours(1);
    let text = crate::ui::buffer_text(&render_at(&mut p, 100, 10, false, later));
    assert!(
        text.contains("since 1h15m ago"),
        "the age keeps counting: {text}"
    );
    let o = p.on_jump(&Jump::LogStream(pod.clone()), &ctx());
    let Outcome::Many(_) = &o else {
        panic!("{o:?}")
    };
    assert!(!crate::ui::buffer_text(&render(&mut p, 100, 10, false)).contains("since"));
    let mut stderr = line(0, "x", "Traceback (most recent call last):");
    stderr.stream = Stream::Stderr;
    stderr.labels = Default::default();
    let mut plain = line(
        1,
        "x",
        "psycopg2.OperationalError: could not connect to server",
    );
    plain.labels = Default::default();
    p.apply(Update::Lines {
        target: pod.clone(),
        lines: vec![stderr, plain],
    });
    // Lines for another target are not mixed in.
    p.apply(Update::Lines {
        target: LogTarget::Container {
            name: "other".into(),
        },
        lines: vec![LogLine::new(None, "not mine")],
    });
    p.apply(Update::Ended {
        target: pod.clone(),
        error: Some("pod deleted".into()),
    });
    let buf = render(&mut p, 80, 24, false);
    insta::assert_snapshot!("pod_stream_80x24", crate::ui::buffer_text(&buf));
    assert!(!crate::ui::buffer_text(&buf).contains("not mine"));
    let c = LogTarget::Container {
        name: "toolboxai-backend".into(),
    };
    let o = p.on_jump(&Jump::LogStream(c), &ctx());
    let Outcome::Many(list) = &o else {
        panic!("{o:?}")
    };
    assert!(list.iter().any(|o| matches!(o, Outcome::Command(Command::Stream(LogStreamRequest::Open { target: LogTarget::Container { name }, .. })) if name == "toolboxai-backend")));
}

#[test]
fn label_browser_inserts_the_chosen_matcher() {
    let mut p = LogsPane::new(&cfg());
    assert!(matches!(
        commands(&p.press("labels", &ctx())).as_slice(),
        [Command::Labels { .. }]
    ));
    p.apply(Update::Labels {
        names: vec!["app".into(), "level".into()],
    });
    let buf = render(&mut p, 80, 24, true);
    assert!(crate::ui::buffer_text(&buf).contains("labels — Enter picks"));
    let o = p.press("select", &ctx());
    assert!(
        matches!(commands(&o).as_slice(), [Command::LabelValues { name, .. }] if name == "app")
    );
    p.apply(Update::LabelValues {
        name: "app".into(),
        values: vec!["api".into(), "web".into()],
    });
    p.set_filter("we");
    p.press("select", &ctx());
    assert!(p.captures_input(), "the editor opens with the new matcher");
    let o = p.on_key(key(KeyCode::Enter), &ctx());
    assert!(
        commands(&o)
            .iter()
            .any(|c| matches!(c, Command::Query { query, .. } if query == r#"{app="web"}"#))
    );
}

#[test]
fn time_menu_limit_and_direction() {
    let mut p = with_results();
    p.press("time_range", &ctx());
    p.press("down", &ctx());
    let o = p.press("select", &ctx());
    let Some(Command::Query {
        start_ns, end_ns, ..
    }) = commands(&o)
        .into_iter()
        .find(|c| matches!(c, Command::Query { .. }))
    else {
        panic!()
    };
    assert_eq!(end_ns - start_ns, 900 * 1_000_000_000, "15m preset");
    p.press("time_range", &ctx());
    for _ in 0..7 {
        p.press("down", &ctx());
    }
    let o = p.press("select", &ctx());
    assert!(commands(&o).iter().any(|c| matches!(
        c,
        Command::Query {
            direction: Direction::Forward,
            ..
        }
    )));
    let o = p.on_form(Form::Limit, &["250".into()], &ctx());
    assert!(
        commands(&o)
            .iter()
            .any(|c| matches!(c, Command::Query { limit: 250, .. }))
    );
    let o = p.on_form(
        Form::Range,
        &["2026-01-31T14:00:00Z".into(), "2026-01-31T15:00:00Z".into()],
        &ctx(),
    );
    assert!(
        commands(&o).iter().any(
            |c| matches!(c, Command::Query { end_ns, .. } if *end_ns == T0 + 1_800_000_000_000)
        )
    );
    assert!(matches!(
        p.on_form(Form::Range, &["soon".into(), "now".into()], &ctx()),
        Outcome::Notify(_)
    ));
}

#[test]
fn copy_is_the_raw_line_and_save_goes_through_the_worker() {
    let mut p = with_results();
    assert_eq!(
        p.press("copy", &ctx()),
        Outcome::Copy("ERROR [backend.api] request 42 failed: connection refused".into())
    );
    let Outcome::Form(f) = p.press("save", &ctx()) else {
        panic!()
    };
    assert!(f.fields[0].value.starts_with("warroom-logs-"));
    let o = p.on_form(f.payload, &["/tmp/x.log".into()], &ctx());
    let Some(Command::Save { path, text, lines }) = commands(&o).into_iter().next() else {
        panic!("no save command")
    };
    assert_eq!(path, std::path::PathBuf::from("/tmp/x.log"));
    assert_eq!(lines, 7);
    assert!(
        text.contains(
            "2026-01-31T14:30:01.250Z {app=\"postgres\", namespace=\"toolboxai\"} FATAL:"
        )
    );
    assert!(!text.contains('\x1b'));
    p.apply(Update::Saved {
        path,
        result: Ok(7),
    });
    assert!(
        crate::ui::buffer_text(&render(&mut p, 80, 24, true))
            .contains("saved 7 lines to /tmp/x.log")
    );
}

#[test]
fn long_lines_are_cut_for_display_and_expand_shows_all() {
    let mut p = LogsPane::new(&cfg());
    let pod = LogTarget::Container { name: "big".into() };
    p.on_jump(&Jump::LogStream(pod.clone()), &ctx());
    let mut long = "begin ".to_string();
    long.push_str(&"x".repeat(20_000));
    long.push_str(" end");
    let huge = "y".repeat(10 * 1024 * 1024);
    p.apply(Update::Lines {
        target: pod.clone(),
        lines: vec![
            LogLine::new(Some(T0), long.clone()),
            LogLine::new(Some(T0 + 1), huge),
        ],
    });
    assert_eq!(
        p.viewer().ring().get(0).unwrap().line.text.len(),
        long.len(),
        "kept whole"
    );
    let started = std::time::Instant::now();
    for _ in 0..10 {
        render(&mut p, 80, 24, false);
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "10 MB line rendering is cut, not scanned"
    );
    let text = crate::ui::buffer_text(&render(&mut p, 80, 24, false));
    assert!(
        text.contains("line cut at 2.0 KiB of 10.0 MiB — Enter shows all"),
        "{text}"
    );
    p.press("wrap", &ctx());
    let text = crate::ui::buffer_text(&render(&mut p, 80, 24, false));
    assert!(text.contains("yyyy"), "{text}");
    p.press("up", &ctx());
    p.press("select", &ctx());
    p.press("bottom", &ctx());
    let text = crate::ui::buffer_text(&render(&mut p, 80, 24, false));
    assert!(
        text.contains(" end"),
        "the expand view reaches the end of the line:\n{text}"
    );
}

#[test]
fn empty_states_and_tiny_sizes_do_not_panic() {
    let mut p = LogsPane::new(&cfg());
    let buf = render(&mut p, 80, 24, false);
    insta::assert_snapshot!("empty_not_configured_80x24", crate::ui::buffer_text(&buf));
    let mut p = with_results();
    for setup in ["", "labels", "time_range", "edit_query", "search", "json"] {
        if !setup.is_empty() {
            p.press(setup, &ctx());
        }
        for (w, h) in [(20, 5), (1, 1), (0, 0), (200, 60)] {
            render(&mut p, w, h, true);
        }
        p.press("back", &ctx());
    }
}

#[test]
fn report_counts_lines_and_errors() {
    let p = with_results();
    let r = p.report(now()).unwrap();
    assert_eq!(r.status, "ok");
    assert!(r.summary.contains("7 lines"), "{}", r.summary);
    assert!(r.summary.contains("3 at error level"), "{}", r.summary);
}
