//! The metrics pane on the demo's simulated Prometheus answers and on
//! hand-made ones: what is asked for (one point per column), what is drawn,
//! the cursor, the table, the alert jump with its threshold, a failed
//! refresh keeping the last data, completion.

use super::demo::DemoMetrics;
use super::pane::MetricsPane;
use super::*;
use crate::pane::testing::Press;
use crate::pane::{Jump, Outcome, Pane, PaneCtx};
use crate::ui::testing::Scene;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use std::collections::BTreeMap;

fn now() -> jiff::Timestamp {
    "2026-12-03T06:00:00Z".parse().unwrap()
}

fn ctx() -> PaneCtx {
    PaneCtx {
        read_only: false,
        now: now(),
    }
}

fn pane() -> MetricsPane {
    MetricsPane::new(&crate::config::Metrics::default())
}

fn draw(p: &mut MetricsPane, w: u16, h: u16) -> Buffer {
    draw_in(
        p,
        w,
        h,
        crate::theme::Theme::load("default", false).unwrap(),
    )
}

fn draw_in(p: &mut MetricsPane, w: u16, h: u16, theme: crate::theme::Theme) -> Buffer {
    let sources = BTreeMap::new();
    let scene = Scene {
        theme,
        ..Scene::at(now(), &sources)
    };
    crate::ui::testing::draw(p, w, h, &scene)
}

fn text(b: &Buffer) -> String {
    crate::ui::buffer_text(b)
}

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn type_query(p: &mut MetricsPane, q: &str) {
    p.press("edit_query", &ctx());
    for c in q.chars() {
        p.on_key(key(KeyCode::Char(c)), &ctx());
    }
    p.on_key(key(KeyCode::Enter), &ctx());
}

/// What the demo Prometheus answers to `w`, over the hour before `now()`.
fn demo_answer(w: &Watch) -> Answer {
    demo_range(w.id, &w.query, &w.range, w.columns)
}

fn demo_range(id: u64, query: &str, range: &crate::timerange::TimeRange, columns: u16) -> Answer {
    let (s, e) = range.bounds(now().as_nanosecond());
    let (start, end) = (s as f64 / 1e9, e as f64 / 1e9);
    let step = super::shape::step_for(std::time::Duration::from_secs_f64(end - start), columns);
    let q = RangeQuery {
        query: query.to_string(),
        start,
        end,
        step,
    };
    let result = futures::executor::block_on(DemoMetrics.query_range(&q));
    Answer {
        id,
        start,
        end,
        step: step.as_secs_f64(),
        at: now(),
        result,
    }
}

/// Draw, take the watch the frame calls for, answer it from the demo, draw.
fn run(p: &mut MetricsPane, w: u16, h: u16) -> Buffer {
    draw(p, w, h);
    let mut cmds = p.after_frame();
    let Some(Command::Watch(watch)) = cmds.pop() else {
        panic!("no watch sent")
    };
    assert!(p.apply(Update::Answer(Box::new(demo_answer(&watch)))));
    draw(p, w, h)
}

const ERRORS: &str = r#"sum by (service) (rate(http_requests_total{code=~"5.."}[5m]))"#;

#[test]
fn a_query_is_asked_with_one_point_per_column_and_again_only_when_the_screen_changes() {
    let mut p = pane();
    draw(&mut p, 80, 24);
    assert!(p.after_frame().is_empty(), "no query yet: nothing asked");
    type_query(&mut p, ERRORS);
    draw(&mut p, 80, 24);
    let cmds = p.after_frame();
    let [Command::Watch(w)] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    assert_eq!(w.query, ERRORS);
    assert_eq!(
        w.columns, 68,
        "the chart's columns (80 less borders and axis)"
    );
    let step = super::shape::step_for(std::time::Duration::from_secs(3600), w.columns);
    assert_eq!(step.as_secs(), 53, "an hour over 68 columns");
    draw(&mut p, 80, 24);
    assert!(
        p.after_frame().is_empty(),
        "an unchanged frame asks nothing"
    );
    draw(&mut p, 200, 60);
    assert!(
        matches!(p.after_frame().as_slice(), [Command::Watch(w2)] if w2.columns == 188 && w2.id > w.id),
        "a wider chart asks for more points"
    );
    p.press("time_range", &ctx());
    draw(&mut p, 200, 60);
    assert!(matches!(
        p.after_frame().as_slice(),
        [Command::Watch(w3)] if w3.range == crate::timerange::TimeRange::Last(std::time::Duration::from_secs(6 * 3600))
    ));
}

#[test]
fn the_chart_legend_cursor_and_table_show_the_answer() {
    let mut p = pane();
    type_query(&mut p, ERRORS);
    let t = text(&run(&mut p, 80, 24));
    insta::assert_snapshot!("metrics_chart_80x24", t);
    assert!(t.contains(r#"service="checkout""#), "the legend: {t}");
    assert!(t.contains("updated 0s ago"), "{t}");
    // The cursor reads every series at its time: placed at the end, then
    // one step (53s) back.
    p.press("cursor_left", &ctx());
    p.press("cursor_left", &ctx());
    let t = text(&draw(&mut p, 80, 24));
    assert!(t.contains("cursor 05:59:07"), "{t}");
    // The instant view of the same query, biggest first.
    p.press("toggle_table", &ctx());
    let t = text(&draw(&mut p, 80, 24));
    let rows: Vec<&str> = t.lines().filter(|l| l.contains("service=")).collect();
    assert_eq!(rows.len(), 3, "{t}");
    let value = |l: &str| -> f64 {
        l.trim_matches(|c| c == '│' || c == ' ')
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(rows[0].contains("checkout"), "{t}");
    assert!(
        value(rows[0]) >= value(rows[1]) && value(rows[1]) >= value(rows[2]),
        "biggest first: {t}"
    );
    let t200 = text(&run(&mut p, 200, 60));
    assert!(t200.contains("service="), "{t200}");
}

#[test]
fn an_alert_is_graphed_with_its_threshold_over_its_window() {
    let mut p = pane();
    let fired: jiff::Timestamp = "2026-12-03T05:42:00Z".parse().unwrap();
    let expr = r#"sum(rate(http_requests_total{job="backend",code=~"5.."}[5m])) / sum(rate(http_requests_total{job="backend"}[5m])) > 0.05"#;
    let out = p.on_jump(
        &Jump::Metrics {
            expr: expr.into(),
            from: Some("2026-12-03T05:27:00Z".parse().unwrap()),
            fired: Some(fired),
            threshold: None,
        },
        &ctx(),
    );
    assert_eq!(out, Outcome::Handled);
    assert_eq!(
        p.query,
        r#"sum(rate(http_requests_total{job="backend",code=~"5.."}[5m])) / sum(rate(http_requests_total{job="backend"}[5m]))"#,
        "the measured side is graphed"
    );
    assert_eq!(p.threshold, Some(0.05));
    let t = text(&run(&mut p, 80, 24));
    assert!(t.contains("last 33m"), "from 15 min before it fired: {t}");
    assert!(t.contains("threshold 0.05"), "{t}");
    // A query typed afterwards is the operator's own: no threshold.
    type_query(&mut p, "up");
    assert_eq!(p.threshold, None);
}

#[test]
fn a_failed_refresh_keeps_the_last_data_and_says_it_is_stale() {
    let mut p = pane();
    type_query(&mut p, ERRORS);
    run(&mut p, 80, 24);
    let id = p.sent.as_ref().unwrap().id;
    let failed = Answer {
        id,
        start: 0.0,
        end: 1.0,
        step: 1.0,
        at: now(),
        result: Err(MetricsError::Client(crate::httpapi::ClientError::Status {
            what: "GET http://prom:9090/api/v1/query_range".into(),
            status: 502,
            excerpt: crate::httpapi::Excerpt::of(b"<html><body>Bad Gateway</body></html>"),
        })),
    };
    assert!(p.apply(Update::Answer(Box::new(failed))));
    let t = text(&draw(&mut p, 80, 24));
    assert!(t.contains("stale: data from"), "{t}");
    assert!(
        t.contains(r#"service="checkout""#),
        "the last data is kept: {t}"
    );
    // An answer to a watch no longer on screen changes nothing.
    let mut old = demo_answer(p.sent.as_ref().unwrap());
    old.id = id - 1;
    assert!(!p.apply(Update::Answer(Box::new(old))));
}

#[test]
fn a_bad_query_shows_prometheus_own_error() {
    let mut p = pane();
    type_query(&mut p, "sum(rate(x[5m])");
    draw(&mut p, 80, 24);
    let Some(Command::Watch(w)) = p.after_frame().pop() else {
        panic!()
    };
    let t = text(&{
        p.apply(Update::Answer(Box::new(demo_answer(&w))));
        draw(&mut p, 80, 24)
    });
    assert!(t.contains("bad_data"), "{t}");
}

#[test]
fn tab_completes_metric_names_and_history_recalls_queries() {
    let mut p = pane();
    let out = p.press("edit_query", &ctx());
    assert_eq!(
        out,
        Outcome::Command(Command::Complete(Ask::Names)),
        "names are asked ahead, once"
    );
    p.apply(Update::Completions {
        ask: Ask::Names,
        values: super::demo::NAMES.iter().map(|s| s.to_string()).collect(),
    });
    for c in "rate(http_req".chars() {
        p.on_key(key(KeyCode::Char(c)), &ctx());
    }
    p.on_key(key(KeyCode::Tab), &ctx());
    let t = text(&draw(&mut p, 80, 24));
    assert!(t.contains("rate(http_request"), "to what they share: {t}");
    assert!(
        t.contains("http_request_duration_seconds_bucket") && t.contains("http_requests_total"),
        "the candidates are listed: {t}"
    );
    p.on_key(key(KeyCode::Char('s')), &ctx());
    p.on_key(key(KeyCode::Tab), &ctx());
    // Inside the selector: the metric's own labels, asked with match[].
    p.on_key(key(KeyCode::Char('{')), &ctx());
    p.on_key(key(KeyCode::Char('c')), &ctx());
    let labels = Ask::Labels {
        metric: Some("http_requests_total".into()),
    };
    assert_eq!(
        p.on_key(key(KeyCode::Tab), &ctx()),
        Outcome::Command(Command::Complete(labels.clone()))
    );
    assert!(text(&draw(&mut p, 80, 24)).contains("asking Prometheus"));
    let redraw = p.apply(Update::Completions {
        ask: labels.clone(),
        values: vec!["code".into(), "job".into(), "code".into()],
    });
    assert!(redraw, "the answer completes the word Tab waited for");
    // The next Tab for the same place is answered from what was offered.
    p.on_key(key(KeyCode::Char('=')), &ctx());
    p.on_key(key(KeyCode::Char('"')), &ctx());
    let values = Ask::Values {
        label: "code".into(),
        metric: Some("http_requests_total".into()),
    };
    assert_eq!(
        p.on_key(key(KeyCode::Tab), &ctx()),
        Outcome::Command(Command::Complete(values.clone()))
    );
    p.apply(Update::Completions {
        ask: values,
        values: vec!["200".into(), "503".into()],
    });
    let t = text(&draw(&mut p, 80, 24));
    assert!(t.contains("200  503"), "both values listed: {t}");
    p.on_key(key(KeyCode::Char('5')), &ctx());
    p.on_key(key(KeyCode::Tab), &ctx());
    assert_eq!(p.on_key(key(KeyCode::Char('"')), &ctx()), Outcome::Handled);
    p.on_key(key(KeyCode::Char('}')), &ctx());
    p.on_key(key(KeyCode::Enter), &ctx());
    assert_eq!(p.query, r#"rate(http_requests_total{code="503"}"#);
    type_query(&mut p, "up");
    p.press("edit_query", &ctx());
    p.on_key(key(KeyCode::Up), &ctx());
    p.on_key(key(KeyCode::Up), &ctx());
    p.on_key(key(KeyCode::Enter), &ctx());
    assert_eq!(
        p.query, r#"rate(http_requests_total{code="503"}"#,
        "the history, newest first"
    );
}

#[test]
fn tiny_terminals_draw_without_panicking() {
    let mut p = pane();
    type_query(&mut p, ERRORS);
    run(&mut p, 80, 24);
    for (w, h) in [(20, 5), (10, 3), (1, 1)] {
        draw(&mut p, w, h);
    }
}

fn board_pane() -> MetricsPane {
    MetricsPane::new(&crate::config::Metrics {
        panels: crate::config::example_panels(),
        ..Default::default()
    })
}

/// Draw the board, answer every panel it asks from the demo, draw again.
fn run_board(p: &mut MetricsPane, w: u16, h: u16) -> (BoardWatch, Buffer) {
    draw(p, w, h);
    let Some(Command::Board(b)) = p.after_frame().pop() else {
        panic!("no board watch sent")
    };
    for (index, q) in b.queries.iter().enumerate() {
        let answer = Box::new(demo_range(b.id, q, &b.range, b.columns));
        assert!(p.apply(Update::Panel { index, answer }));
    }
    let buf = draw(p, w, h);
    (b, buf)
}

#[test]
fn the_board_asks_every_panel_once_per_sparkline_cell_and_shows_values() {
    let mut p = board_pane();
    let (b, buf) = run_board(&mut p, 80, 24);
    assert_eq!(b.queries.len(), 5);
    assert_eq!(
        b.columns, 75,
        "five cards fit one under the other: each the full width"
    );
    let t = text(&buf);
    insta::assert_snapshot!("metrics_board_80x24", t);
    for name in [
        "HTTP request rate",
        "5xx ratio",
        "p95 latency",
        "Container memory",
    ] {
        assert!(t.contains(name), "{name}: {t}");
    }
    assert!(
        t.contains("MiB") && t.contains('%'),
        "values in the panels' units: {t}"
    );
    assert!(
        t.contains("(highest of 4)"),
        "which series, of how many: {t}"
    );
    assert!(t.contains('▁') || t.contains('█'), "sparklines: {t}");
    draw(&mut p, 80, 24);
    assert!(
        p.after_frame().is_empty(),
        "an unchanged board asks nothing"
    );
    let (wide, buf) = run_board(&mut p, 200, 60);
    assert!(
        wide.columns == 63 && wide.id > b.id,
        "three cards of 66 a row at 200: asked again"
    );
    insta::assert_snapshot!("metrics_board_200x60", text(&buf));
    let no_color = draw_in(&mut p, 80, 24, crate::theme::Theme::fallback(true));
    let t = text(&no_color);
    assert!(
        t.contains("▶ HTTP request rate"),
        "the selection shows without colour: {t}"
    );
    assert!(
        no_color
            .content()
            .iter()
            .all(|c| c.fg == ratatui::style::Color::Reset)
    );
}

#[test]
fn a_panel_at_its_threshold_is_critical_and_a_failed_refresh_is_stale() {
    let mut p = board_pane();
    let (b, _) = run_board(&mut p, 80, 24);
    let series = vec![Series {
        labels: [("service".to_string(), "checkout".to_string())].into(),
        points: vec![Point { t: 1.0, v: 0.01 }, Point { t: 2.0, v: 0.09 }],
    }];
    let hot = Answer {
        id: b.id,
        start: 0.0,
        end: 2.0,
        step: 1.0,
        at: now(),
        result: Ok(Answered {
            result: QueryResult::Matrix(series),
            warnings: Vec::new(),
        }),
    };
    p.apply(Update::Panel {
        index: 1,
        answer: Box::new(hot.clone()),
    });
    let t = text(&draw(&mut p, 80, 24));
    assert!(t.contains("9% !"), "at or above 5%: {t}");
    assert!(t.contains(r#"service="checkout" · ≥ 5%"#), "{t}");
    let gone = Answer {
        result: Err(MetricsError::Prometheus {
            status: 503,
            error_type: "unavailable".into(),
            error: "\x1b]52;c;aGk=\x07down".into(),
        }),
        ..hot.clone()
    };
    p.apply(Update::Panel {
        index: 1,
        answer: Box::new(gone),
    });
    let t = text(&draw(&mut p, 80, 24));
    assert!(
        t.contains("9% !") && t.contains("stale: unavailable"),
        "kept, said stale: {t}"
    );
    assert!(!t.contains('\x1b') && !t.contains('\x07'), "{t}");
    let older = Answer {
        id: b.id - 1,
        ..hot
    };
    assert!(
        !p.apply(Update::Panel {
            index: 0,
            answer: Box::new(older)
        }),
        "an older board's answer is dropped"
    );
}

#[test]
fn enter_opens_a_panel_in_the_chart_and_back_returns_to_the_board() {
    let mut p = board_pane();
    run_board(&mut p, 80, 24);
    p.on_input(crate::pane::Input::Nav(crate::pane::Nav::Right), &ctx());
    p.on_input(crate::pane::Input::Nav(crate::pane::Nav::Select), &ctx());
    let panel = &crate::config::example_panels()[1];
    assert_eq!(p.query, panel.query);
    assert_eq!(p.threshold, Some(0.05));
    assert_eq!(p.unit, Unit::Ratio);
    let t = text(&run(&mut p, 80, 24));
    assert!(t.contains("threshold 5%"), "{t}");
    p.on_input(crate::pane::Input::Nav(crate::pane::Nav::Back), &ctx());
    draw(&mut p, 80, 24);
    assert!(
        matches!(p.after_frame().as_slice(), [Command::Board(_)]),
        "back on the board, the board is asked again"
    );
    p.press("toggle_board", &ctx());
    draw(&mut p, 80, 24);
    assert!(matches!(p.after_frame().as_slice(), [Command::Watch(w)] if w.query == panel.query));
    let mut plain = pane();
    assert!(
        matches!(plain.press("toggle_board", &ctx()), Outcome::Notify(n) if n.contains("docs/metrics-panels.toml"))
    );
}

#[test]
fn off_screen_the_pane_asks_nothing_and_back_on_it_asks_at_once() {
    let mut p = board_pane();
    run_board(&mut p, 80, 24);
    assert_eq!(p.on_hidden(), vec![Command::Pause]);
    draw(&mut p, 80, 24);
    assert!(matches!(p.after_frame().as_slice(), [Command::Board(_)]));
}

#[test]
fn the_chart_pane_at_200x60_and_without_colour() {
    let mut p = pane();
    type_query(&mut p, ERRORS);
    let t = text(&run(&mut p, 200, 60));
    insta::assert_snapshot!("metrics_chart_200x60", t);
    let no_color = draw_in(&mut p, 80, 24, crate::theme::Theme::fallback(true));
    insta::assert_snapshot!("metrics_chart_80x24_no_color", text(&no_color));
    assert!(
        no_color
            .content()
            .iter()
            .all(|c| c.fg == ratatui::style::Color::Reset)
    );
}
