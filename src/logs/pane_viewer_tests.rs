//! The Logs pane's viewer and streams (80x24): search, include/exclude,
//! JSON/context/expand views, pod and container streams, copy and save,
//! long lines, empty states and tiny sizes.

use super::pane::LogsPane;
use super::test_support::{
    T0, cfg, col_of, commands, ctx, key, line, now, render, render_at, row_of, theme, type_text,
    with_results,
};
use super::*;
use crate::pane::testing::Press;
use crate::pane::{Jump, Outcome, Pane};
use crate::target::LogStreamRequest;
use crossterm::event::KeyCode;

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
fn a_deleted_pods_logs_come_from_loki_and_the_viewer_says_so() {
    let mut p = LogsPane::new(&cfg());
    let pod = LogTarget::Pod {
        context: None,
        namespace: "toolboxai".into(),
        name: "backend-7d9f8b6c5-x2x9k".into(),
        container: Some("api\"}".into()),
        previous: false,
    };
    p.on_jump(&Jump::LogStream(pod.clone()), &ctx());
    render(&mut p, 100, 10, true);
    assert!(
        p.after_frame().is_empty(),
        "nothing owed while the stream runs"
    );
    // Another pod's end is not ours.
    let other = LogTarget::Pod {
        context: None,
        namespace: "toolboxai".into(),
        name: "other".into(),
        container: None,
        previous: false,
    };
    assert!(!p.apply(Update::Gone { target: other }));
    assert!(p.apply(Update::Gone {
        target: pod.clone()
    }));
    render(&mut p, 100, 10, true);
    let cmds = p.after_frame();
    let Some(Command::Query { id, query, .. }) =
        cmds.iter().find(|c| matches!(c, Command::Query { .. }))
    else {
        panic!("Loki asked: {cmds:?}")
    };
    assert_eq!(
        query, r#"{namespace="toolboxai", pod="backend-7d9f8b6c5-x2x9k", container="api\"}"}"#,
        "quoted, so a name cannot end the selector"
    );
    assert!(p.after_frame().is_empty(), "asked once");
    p.apply(Update::Page {
        id: *id,
        query: query.clone(),
        lines: vec![line(0, "backend", "Killed: out of memory")],
        older: false,
        boundary: None,
        more: false,
    });
    let text = crate::ui::buffer_text(&render(&mut p, 160, 12, true));
    assert!(text.contains("Killed: out of memory"), "{text}");
    assert!(
        text.contains("no longer exists") && text.contains("from Loki"),
        "the viewer says where the lines come from: {text}"
    );
}
