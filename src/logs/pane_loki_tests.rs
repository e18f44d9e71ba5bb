//! The Logs pane against Loki (80x24): queries and the LogQL editor, errors,
//! paging, tailing, the label browser, the time range and the report.

use super::pane::LogsPane;
use super::test_support::{
    T0, cfg, col_of, commands, ctx, key, line, now, render, row_of, theme, type_text, with_results,
};
use super::*;
use crate::pane::testing::Press;
use crate::pane::{Jump, Outcome, Pane};
use crossterm::event::KeyCode;

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
            from: None,
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
    p.on_jump(
        &Jump::LogQuery {
            query: q.clone(),
            from: None,
        },
        &ctx(),
    );
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
    p.on_jump(
        &Jump::LogQuery {
            query: q.clone(),
            from: None,
        },
        &ctx(),
    );
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
fn report_counts_lines_and_errors() {
    let p = with_results();
    let r = p.report(now()).unwrap();
    assert_eq!(r.status, "ok");
    assert!(r.summary.contains("7 lines"), "{}", r.summary);
    assert!(r.summary.contains("3 at error level"), "{}", r.summary);
}
