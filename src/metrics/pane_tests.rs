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
    let sources = BTreeMap::new();
    let scene = Scene {
        theme: crate::theme::Theme::load("default", false).unwrap(),
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
    let (s, e) = w.range.bounds(now().as_nanosecond());
    let (start, end) = (s as f64 / 1e9, e as f64 / 1e9);
    let step = super::shape::step_for(std::time::Duration::from_secs_f64(end - start), w.columns);
    let q = RangeQuery {
        query: w.query.clone(),
        start,
        end,
        step,
    };
    let result = futures::executor::block_on(DemoMetrics.query_range(&q));
    Answer {
        id: w.id,
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
        Outcome::Command(Command::Names),
        "names are asked once"
    );
    p.apply(Update::Names(
        super::demo::NAMES.iter().map(|s| s.to_string()).collect(),
    ));
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
    p.on_key(key(KeyCode::Enter), &ctx());
    assert_eq!(p.query, "rate(http_requests_total");
    type_query(&mut p, "up");
    p.press("edit_query", &ctx());
    p.on_key(key(KeyCode::Up), &ctx());
    p.on_key(key(KeyCode::Up), &ctx());
    p.on_key(key(KeyCode::Enter), &ctx());
    assert_eq!(
        p.query, "rate(http_requests_total",
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
